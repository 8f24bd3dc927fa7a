import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { missionStatusOf, type MissionFacts } from './mission-view.ts';

const deadline = new Date('2026-03-30T21:59:59.999Z');
const before = new Date(deadline.getTime() - 1_000);
const after = new Date(deadline.getTime() + 1_000);
const facts = (overrides: Partial<MissionFacts> = {}): MissionFacts => ({
  deadline,
  abandonedAt: null,
  expiredAt: null,
  latestDecision: null,
  quoteClosedAt: null,
  ...overrides,
});

describe('missionStatusOf', () => {
  it('a received mission without quote awaits a quote', () => {
    expect(missionStatusOf(facts())).toBe('received');
  });

  it('an abandoned mission is abandoned', () => {
    expect(missionStatusOf(facts({ abandonedAt: before }))).toBe('abandoned');
  });

  it('an expired mission without closed quote is expired', () => {
    expect(missionStatusOf(facts({ expiredAt: after }))).toBe('expired');
  });

  it('a quote closed before the deadline wins over an expiry', () => {
    expect(missionStatusOf(facts({ quoteClosedAt: before, expiredAt: after }))).toBe('under_analysis');
  });

  it('an abandon learnt after the close does not un-close the quote', () => {
    expect(missionStatusOf(facts({ quoteClosedAt: before, abandonedAt: before }))).toBe('under_analysis');
  });

  it('the latest expert decision gives the status once the quote is closed', () => {
    expect(missionStatusOf(facts({ quoteClosedAt: before, latestDecision: 'validate' }))).toBe('validated');
    expect(missionStatusOf(facts({ quoteClosedAt: before, latestDecision: 'remote_intervention' }))).toBe('remote_intervention');
    expect(missionStatusOf(facts({ quoteClosedAt: before, latestDecision: 'onsite_intervention' }))).toBe('on_site_intervention');
    expect(missionStatusOf(facts({ quoteClosedAt: before, latestDecision: 'pending_validation' }))).toBe('pending_validation');
  });

  it('the status does not depend on the order the facts were learnt in', () => {
    // Each fact is recorded independently, so the status is a function of the set of facts.
    const optional = <T>(value: T) => fc.option(fc.constant(value), { nil: null });
    fc.assert(
      fc.property(optional(before), optional(after), optional(before), fc.constantFrom(null, 'validate' as const), (abandonedAt, expiredAt, quoteClosedAt, latestDecision) => {
        const status = missionStatusOf(facts({ abandonedAt, expiredAt, quoteClosedAt, latestDecision }));
        if (quoteClosedAt) expect(['under_analysis', 'validated']).toContain(status);
        else if (abandonedAt) expect(status).toBe('abandoned');
        else if (expiredAt) expect(status).toBe('expired');
      }),
    );
  });
});
