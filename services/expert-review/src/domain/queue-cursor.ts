import { decodeKeysetCursor, encodeKeysetCursor } from '@smart-expertise/service-runtime';

/** The queue's keyset cursor: the (deadline key, id) of the last item of a page. */
export interface QueuePosition {
  /** Deadline in microseconds since the epoch (the largest safe integer when unknown). */
  readonly deadlineKey: number;
  readonly id: string;
}

export function encodeCursor(position: QueuePosition): string {
  return encodeKeysetCursor([position.deadlineKey, position.id]);
}

/** The position a cursor names, or null when it is not one this service produced. */
export function decodeCursor(cursor: string): QueuePosition | null {
  const key = decodeKeysetCursor(cursor, 2);
  if (!key) return null;
  const [deadlineKey, id] = key;
  if (typeof deadlineKey !== 'number' || !Number.isSafeInteger(deadlineKey)) return null;
  if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) return null;
  return { deadlineKey, id };
}
