import { decodeKeysetCursor, encodeKeysetCursor } from '@smart-expertise/service-runtime';

/** The keyset cursor of the mission lists (newest first): the (receivedAt, id) of the last item of a page. */
export interface ListPosition {
  readonly receivedAt: Date;
  readonly id: string;
}

export function encodeCursor(position: ListPosition): string {
  return encodeKeysetCursor([position.receivedAt.toISOString(), position.id]);
}

/** The position a cursor names, or null when it is not one this service produced. */
export function decodeCursor(cursor: string): ListPosition | null {
  const key = decodeKeysetCursor(cursor, 2);
  if (!key) return null;
  const [at, id] = key;
  if (typeof at !== 'string' || typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) return null;
  const receivedAt = new Date(at);
  return Number.isNaN(receivedAt.getTime()) ? null : { receivedAt, id };
}
