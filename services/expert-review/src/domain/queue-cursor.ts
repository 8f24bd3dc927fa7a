import { decodeKeysetCursor, encodeKeysetCursor } from '@smart-expertise/service-runtime';

/**
 * The queue's keyset cursor: the (due key, id) of the last item of a page. The queue is ordered by
 * when the expert's answer is due; the cursor names its order (`due`), so a cursor handed out while
 * the queue was ordered by the mission's deadline is refused rather than read in the wrong order.
 */
export interface QueuePosition {
  /** The decision's due instant in microseconds since the epoch (the largest safe integer when unknown). */
  readonly dueKey: number;
  readonly id: string;
}

const ORDER = 'due';

export function encodeCursor(position: QueuePosition): string {
  return encodeKeysetCursor([ORDER, position.dueKey, position.id]);
}

/** The position a cursor names, or null when it is not one this service produced for this order. */
export function decodeCursor(cursor: string): QueuePosition | null {
  const key = decodeKeysetCursor(cursor, 3);
  if (!key) return null;
  const [order, dueKey, id] = key;
  if (order !== ORDER) return null;
  if (typeof dueKey !== 'number' || !Number.isSafeInteger(dueKey)) return null;
  if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) return null;
  return { dueKey, id };
}
