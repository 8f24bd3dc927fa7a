// mission_facts: the knowledge the lifecycle is projected from.
import type { Pool, Tx } from '@smart-expertise/service-runtime';
import type { MissionFact } from '../domain/lifecycle.ts';

type Db = Pool | Tx;

/** Records a fact; a fact already known by its event id changes nothing. Returns whether it was new. */
export async function recordFact(db: Db, missionId: string, fact: MissionFact): Promise<boolean> {
  const { rowCount } = await db.query(
    'INSERT INTO mission_facts (mission_id, event_id, fact) VALUES ($1, $2, $3) ON CONFLICT (event_id) DO NOTHING',
    [missionId, fact.eventId, JSON.stringify(fact)],
  );
  return rowCount === 1;
}

/** recordFact for many facts in one statement; returns the event ids of the facts that were new. */
export async function recordFacts(tx: Tx, facts: ReadonlyArray<{ missionId: string; fact: MissionFact }>): Promise<Set<string>> {
  const { rows } = await tx.query<{ event_id: string }>(
    `INSERT INTO mission_facts (mission_id, event_id, fact)
     SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[])
     ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
    [facts.map((f) => f.missionId), facts.map((f) => f.fact.eventId), facts.map((f) => JSON.stringify(f.fact))],
  );
  return new Set(rows.map((r) => r.event_id));
}

export async function factsOf(db: Db, missionId: string): Promise<MissionFact[]> {
  const { rows } = await db.query<{ fact: Record<string, unknown> }>('SELECT fact FROM mission_facts WHERE mission_id = $1', [missionId]);
  return rows.map((r) => revive(r.fact));
}

export async function factsOfMissions(db: Db, missionIds: readonly string[]): Promise<Map<string, MissionFact[]>> {
  const out = new Map<string, MissionFact[]>(missionIds.map((id) => [id, []]));
  if (missionIds.length === 0) return out;
  const { rows } = await db.query<{ mission_id: string; fact: Record<string, unknown> }>(
    'SELECT mission_id, fact FROM mission_facts WHERE mission_id = ANY($1::text[])',
    [missionIds],
  );
  for (const row of rows) out.get(row.mission_id)?.push(revive(row.fact));
  return out;
}

/** JSON keeps instants as ISO strings; the domain wants Dates back. */
function revive(json: Record<string, unknown>): MissionFact {
  const fact = { ...json, at: new Date(json.at as string) } as Record<string, unknown>;
  if (typeof json.deadline === 'string') fact.deadline = new Date(json.deadline);
  return fact as unknown as MissionFact;
}
