// The lifecycle as stored: the facts of a mission folded and projected, and the projection written
// back to the missions row the board and the lists read.
import type { Pool, Tx } from '@smart-expertise/service-runtime';
import { evolve, initialState, project, type MissionFact, type MissionState, type MissionView } from '../domain/lifecycle.ts';
import { factsOf } from './facts.ts';
import { saveProjection } from './missions.ts';

export function stateOf(facts: readonly MissionFact[]): MissionState {
  return facts.reduce(evolve, initialState);
}

export async function viewOf(db: Pool | Tx, missionId: string): Promise<MissionView> {
  return project(stateOf(await factsOf(db, missionId)));
}

/** Re-projects the mission from every fact known and stores status, section, outcome. Lock the row first. */
export async function refreshProjection(tx: Tx, missionId: string, at: Date): Promise<MissionView> {
  const view = await viewOf(tx, missionId);
  await saveProjection(tx, missionId, view, at);
  return view;
}
