/**
 * The queue's keyset cursor: the (deadline key, id) of the last item of a page, base64url-encoded
 * so that clients treat it as opaque.
 */
export interface QueuePosition {
  /** Deadline in microseconds since the epoch (the largest safe integer when unknown). */
  readonly deadlineKey: number;
  readonly id: string;
}

export function encodeCursor(position: QueuePosition): string {
  return Buffer.from(JSON.stringify([position.deadlineKey, position.id]), 'utf8').toString('base64url');
}

/** The position a cursor names, or null when it is not one this service produced. */
export function decodeCursor(cursor: string): QueuePosition | null {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [deadlineKey, id] = value as unknown[];
    if (typeof deadlineKey !== 'number' || !Number.isSafeInteger(deadlineKey)) return null;
    if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) return null;
    return { deadlineKey, id };
  } catch {
    return null;
  }
}
