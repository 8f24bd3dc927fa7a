import { randomUUID } from 'node:crypto';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { BelgianPlate, EVENT_TYPES, TopicOf, Vin, validateEvent, ALL_TOPICS, ServiceRoutes, SERVICE_NAMES } from '../src/index.ts';

const vin = Compile(Vin);
const plate = Compile(BelgianPlate);

function envelope(payload: unknown, overrides: Record<string, unknown> = {}) {
  return {
    id: randomUUID(),
    type: 'mission.abandoned',
    version: 1,
    occurredAt: '2026-11-24T10:00:00.000Z',
    missionId: 'm_1',
    correlationId: 'req-1',
    causationId: null,
    payload,
    ...overrides,
  };
}

describe('vehicle identifiers', () => {
  it('accepts a 17-character VIN without I, O or Q', () => {
    expect(vin.Check('WVWZZZ1KZAW123456')).toBe(true);
  });
  it.each(['WVWZZZ1KZAW12345', 'WVWZZZ1KZAW1234567', 'WVWZZZ1KZAW12345I', 'WVWZZZ1KZAW12345O', 'WVWZZZ1KZAW12345Q', 'wvwzzz1kzaw123456'])('refuses the VIN %s', (value) => {
    expect(vin.Check(value)).toBe(false);
  });
  it.each(['1-ABC-123', '1ABC123', 'ABC-123', '123-ABC'])('accepts the Belgian plate %s', (value) => {
    expect(plate.Check(value)).toBe(true);
  });
  it.each(['0-ABC-123', '1-AB-123', 'AB-12-CD', '1-abc-123', ''])('refuses the plate %s', (value) => {
    expect(plate.Check(value)).toBe(false);
  });
});

describe('event validation', () => {
  const abandoned = { garageId: 'G1', reason: 'customer left', abandonedAt: '2026-11-24T10:00:00.000Z', abandonedBy: 'G1' };

  it('accepts a well-formed event and types it by its type', () => {
    const result = validateEvent(JSON.stringify(envelope(abandoned)));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.event.type).toBe('mission.abandoned');
  });
  it('refuses bytes that are not JSON, naming why', () => {
    expect(validateEvent('{nope')).toMatchObject({ ok: false, reason: expect.stringMatching(/^not JSON/) });
  });
  it('refuses an envelope without an id', () => {
    const { id: _id, ...rest } = envelope(abandoned);
    expect(validateEvent(rest)).toMatchObject({ ok: false, reason: expect.stringMatching(/bad envelope/) });
  });
  it('refuses an unknown type or version', () => {
    expect(validateEvent(envelope(abandoned, { type: 'mission.teleported' }))).toMatchObject({ ok: false, reason: expect.stringMatching(/unknown event type/) });
    expect(validateEvent(envelope(abandoned, { version: 9 }))).toMatchObject({ ok: false, reason: expect.stringMatching(/version 9/) });
  });
  it('refuses a payload that does not match its schema, naming the field', () => {
    expect(validateEvent(envelope({ ...abandoned, reason: '' }))).toMatchObject({ ok: false, reason: expect.stringMatching(/payload\/reason/) });
  });
});

describe('topics and routes', () => {
  it('publishes every event type on a known topic', () => {
    for (const type of EVENT_TYPES) expect(ALL_TOPICS).toContain(TopicOf[type]);
  });
  it('gives every service its own port and API prefixes', () => {
    const ports = SERVICE_NAMES.map((n) => ServiceRoutes[n].port);
    const prefixes = SERVICE_NAMES.flatMap((n) => ServiceRoutes[n].apiPrefixes);
    expect(new Set(ports).size).toBe(ports.length);
    expect(new Set(prefixes).size).toBe(prefixes.length);
  });
});

describe('the board counts every section of the vocabulary', () => {
  it('has one count per board section, no more', async () => {
    const { BoardCounts } = await import('../src/http/mission-intake.ts');
    const { BOARD_SECTIONS } = await import('../src/common.ts');
    expect(Object.keys(BoardCounts.properties).sort()).toEqual([...BOARD_SECTIONS].sort());
  });
});
