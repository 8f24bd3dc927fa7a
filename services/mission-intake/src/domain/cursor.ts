/**
 * The keyset cursor of the mission lists (newest first): the (receivedAt, id) of the last item of
 * a page, base64url-encoded so that clients treat it as opaque.
 */
export interface ListPosition {
  readonly receivedAt: Date;
  readonly id: string;
}

export function encodeCursor(position: ListPosition): string {
  return Buffer.from(JSON.stringify([position.receivedAt.toISOString(), position.id]), 'utf8').toString('base64url');
}

/** The position a cursor names, or null when it is not one this service produced. */
export function decodeCursor(cursor: string): ListPosition | null {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [at, id] = value as unknown[];
    if (typeof at !== 'string' || typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) return null;
    const receivedAt = new Date(at);
    if (Number.isNaN(receivedAt.getTime())) return null;
    return { receivedAt, id };
  } catch {
    return null;
  }
}
