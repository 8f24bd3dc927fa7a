import { describe, expect, it } from 'vitest';
import { expiryCutoff, warningHorizon } from './sweep-window.ts';

const now = new Date('2026-03-31T12:00:00Z');

describe('the instants a sweep decides against', () => {
  it('puts the expiry cutoff the grace period before now', () => {
    expect(expiryCutoff(now, 120)).toEqual(new Date('2026-03-31T11:58:00Z'));
  });

  it('puts the warning horizon the warning hours after now, fractions of an hour included', () => {
    expect(warningHorizon(now, 24)).toEqual(new Date('2026-04-01T12:00:00Z'));
    expect(warningHorizon(now, 0.5)).toEqual(new Date('2026-03-31T12:30:00Z'));
  });
});
