import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { languageOf } from './language.ts';
import { canonicalJson, requestHash } from './request-hash.ts';

describe('Accept-Language', () => {
  it('defaults to French', () => {
    expect(languageOf(undefined)).toBe('fr');
    expect(languageOf('de-DE,de;q=0.9')).toBe('fr');
  });
  it('picks the supported language with the highest weight, by primary subtag', () => {
    expect(languageOf('nl-BE,nl;q=0.9')).toBe('nl');
    expect(languageOf('de;q=1, en;q=0.5, nl;q=0.7')).toBe('nl');
    expect(languageOf('EN-gb')).toBe('en');
    expect(languageOf('nl;q=0, en')).toBe('en');
  });
});

describe('deposit body hash', () => {
  it('ignores key order', () => {
    expect(requestHash({ a: 1, b: { c: [1, { e: 2, d: 3 }] } })).toBe(requestHash({ b: { c: [1, { d: 3, e: 2 }] }, a: 1 }));
    expect(canonicalJson({ b: 1, a: 'x' })).toBe('{"a":"x","b":1}');
  });
  it('tells different bodies apart', () => {
    expect(requestHash({ a: 1 })).not.toBe(requestHash({ a: 2 }));
  });
});

describe('list cursor', () => {
  it('round-trips a position', () => {
    const position = { receivedAt: new Date('2026-04-02T08:00:00.123Z'), id: 'm_abc' };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });
  it('refuses what it did not produce', () => {
    expect(decodeCursor('not a cursor')).toBeNull();
    expect(decodeCursor(Buffer.from('[1,2]').toString('base64url'))).toBeNull();
    expect(decodeCursor(Buffer.from('["2026-01-01T00:00:00Z","a b"]').toString('base64url'))).toBeNull();
  });
});
