// mission_facts: the knowledge the mission's verdict is projected from (the fold lives in
// @smart-expertise/contracts/procedure, shared with every service).
import { project, reviveFact, stateOf, type MissionFact, type MissionView } from '@smart-expertise/contracts/procedure';
import type { Pool, Tx } from '@smart-expertise/service-runtime';

type Db = Pool | Tx;

/** `recordFacts` as an `INSERT … SELECT` to run inside a larger statement (see `Outbox.appendStatement`). */
export function recordFactsStatement(
  facts: ReadonlyArray<{ missionId: string; fact: MissionFact }>,
  { firstParam, onlyIf }: { firstParam: number; onlyIf?: string },
): { text: string; values: unknown[] } {
  const [missionId, eventId, fact] = [0, 1, 2].map((i) => `$${firstParam + i}`);
  return {
    text: `INSERT INTO mission_facts (mission_id, event_id, fact)
     SELECT * FROM unnest(${missionId}::text[], ${eventId}::text[], ${fact}::jsonb[])${onlyIf ? ` WHERE ${onlyIf}` : ''}
     ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
    values: [facts.map((f) => f.missionId), facts.map((f) => f.fact.eventId), facts.map((f) => JSON.stringify(f.fact))],
  };
}

/** Records facts in one statement; a fact already known by its event id changes nothing. Returns the event ids of the facts that were new. */
export async function recordFacts(tx: Tx, facts: ReadonlyArray<{ missionId: string; fact: MissionFact }>): Promise<Set<string>> {
  if (facts.length === 0) return new Set();
  const { rows } = await tx.query<{ event_id: string }>({ name: 'facts-record', ...recordFactsStatement(facts, { firstParam: 1 }) });
  return new Set(rows.map((r) => r.event_id));
}

export async function factsOf(db: Db, missionId: string): Promise<MissionFact[]> {
  const { rows } = await db.query<{ fact: StoredFact }>('SELECT fact FROM mission_facts WHERE mission_id = $1', [missionId]);
  return rows.map((r) => reviveFact(r.fact));
}

export async function factsOfMissions(db: Db, missionIds: readonly string[]): Promise<Map<string, MissionFact[]>> {
  const out = new Map<string, MissionFact[]>(missionIds.map((id) => [id, []]));
  if (missionIds.length === 0) return out;
  const { rows } = await db.query<{ mission_id: string; fact: StoredFact }>({
    name: 'facts-of-missions',
    text: 'SELECT mission_id, fact FROM mission_facts WHERE mission_id = ANY($1::text[])',
    values: [missionIds],
  });
  for (const row of rows) out.get(row.mission_id)?.push(reviveFact(row.fact));
  return out;
}

/** The mission's verdict from every fact known (a read: no lock, nothing written). */
export async function viewOf(db: Db, missionId: string): Promise<MissionView> {
  return project(stateOf(await factsOf(db, missionId)));
}

/** A fact as JSON keeps it: instants as ISO strings (`reviveFact` gives the Dates back). */
type StoredFact = Parameters<typeof reviveFact>[0];
