// mission_audit: who changed a mission's state. Written in the transaction of the change.
import type { Pool, Tx } from '@smart-expertise/service-runtime';

export type AuditActorRole = 'insurer' | 'garage' | 'expert' | 'ops' | 'system';

export interface AuditEntry {
  missionId: string;
  at: Date;
  actorRole: AuditActorRole;
  actorOrg: string;
  actorName?: string | null;
  action: string;
  fromStatus: string | null;
  toStatus: string | null;
  eventId?: string | null;
}

/** `recordAudits` as an `INSERT … SELECT` to run inside a larger statement (see `Outbox.appendStatement`). */
export function recordAuditsStatement(entries: readonly AuditEntry[], { firstParam, onlyIf }: { firstParam: number; onlyIf?: string }): { text: string; values: unknown[] } {
  const column = <T>(pick: (e: AuditEntry) => T) => entries.map(pick);
  const types = ['text', 'timestamptz', 'text', 'text', 'text', 'text', 'text', 'text', 'text'];
  return {
    text: `INSERT INTO mission_audit (mission_id, at, actor_role, actor_org, actor_name, action, from_status, to_status, event_id)
     SELECT * FROM unnest(${types.map((type, i) => `$${firstParam + i}::${type}[]`).join(', ')})${onlyIf ? ` WHERE ${onlyIf}` : ''}`,
    values: [
      column((e) => e.missionId),
      column((e) => e.at),
      column((e) => e.actorRole),
      column((e) => e.actorOrg),
      column((e) => e.actorName ?? null),
      column((e) => e.action),
      column((e) => e.fromStatus),
      column((e) => e.toStatus),
      column((e) => e.eventId ?? null),
    ],
  };
}

/** Records audit entries in one statement, in their order. */
export async function recordAudits(tx: Tx, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await tx.query({ name: 'audit-record', ...recordAuditsStatement(entries, { firstParam: 1 }) });
}

export async function auditOf(db: Pool | Tx, missionId: string): Promise<AuditEntry[]> {
  const { rows } = await db.query<{
    at: Date;
    actor_role: AuditActorRole;
    actor_org: string;
    actor_name: string | null;
    action: string;
    from_status: string | null;
    to_status: string | null;
    event_id: string | null;
  }>('SELECT at, actor_role, actor_org, actor_name, action, from_status, to_status, event_id FROM mission_audit WHERE mission_id = $1 ORDER BY seq', [missionId]);
  return rows.map((r) => ({
    missionId,
    at: r.at,
    actorRole: r.actor_role,
    actorOrg: r.actor_org,
    actorName: r.actor_name,
    action: r.action,
    fromStatus: r.from_status,
    toStatus: r.to_status,
    eventId: r.event_id,
  }));
}
