/**
 * Opaque keyset cursors: the sort key of the last item of a page, as a base64url-encoded JSON
 * array, so that clients treat it as a token. Each list checks the decoded fields itself.
 */
export function encodeKeysetCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** The key a cursor carries when it has `length` fields, or null when it is not a cursor at all. */
export function decodeKeysetCursor(cursor: string, length: number): unknown[] | null {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return Array.isArray(value) && value.length === length ? value : null;
  } catch {
    return null;
  }
}
