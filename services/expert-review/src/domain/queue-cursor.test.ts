import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './queue-cursor.ts';

describe('queue cursor', () => {
  it('decodes what it encodes', () => {
    const position = { dueKey: 1_767_225_600_000_000, id: 'rv_abc' };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });

  it('is base64url, safe in a query string', () => {
    expect(encodeCursor({ dueKey: Number.MAX_SAFE_INTEGER, id: 'rv_x' })).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('refuses a cursor handed out while the queue was ordered by the mission deadline', () => {
    expect(decodeCursor(Buffer.from('[1767225600000000,"rv_abc"]').toString('base64url'))).toBeNull();
  });

  it('refuses anything it did not produce', () => {
    for (const bad of ['', 'not a cursor', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('[1.5,"x"]').toString('base64url'), Buffer.from('[1,"a b"]').toString('base64url')]) {
      expect(decodeCursor(bad)).toBeNull();
    }
  });
});
