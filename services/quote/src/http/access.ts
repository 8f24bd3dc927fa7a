// Who may see or change a quote. A quote outside the caller's organisation answers exactly like
// a quote that does not exist (404), so its existence is never revealed.
import type { Principal, Tx, Pool } from '@smart-expertise/service-runtime';
import { findMission, type KnownMission } from '../store/missions.ts';
import { findQuote, lockQuoteAndMission, missionIdOfQuote, type QuoteRecord } from '../store/quotes.ts';
import { problems } from './problems.ts';

type Db = Tx | Pool;

export function canSee(principal: Principal, mission: KnownMission): boolean {
  switch (principal.role) {
    case 'garage':
      return mission.garageId === principal.org;
    case 'expert':
      return mission.expertOfficeId === principal.org;
    case 'insurer':
      return mission.insurerId === principal.org;
    default:
      return false;
  }
}

/**
 * Loads a quote and its mission for the caller. With `lock`, both rows are locked, mission first
 * then quote (the order the consumer uses too), so concurrent changes apply one after the other.
 */
export async function quoteForCaller(
  db: Db,
  principal: Principal,
  quoteId: string,
  { lock = false, garageOnly = false }: { lock?: boolean; garageOnly?: boolean } = {},
): Promise<{ quote: QuoteRecord; mission: KnownMission }> {
  const missionId = lock ? await lockQuoteAndMission(db, quoteId) : await missionIdOfQuote(db, quoteId);
  if (!missionId) throw problems.quoteNotFound(`no quote ${quoteId}`);
  const mission = await findMission(db, missionId);
  const quote = await findQuote(db, quoteId);
  if (!mission || !quote || !canSee(principal, mission) || (garageOnly && principal.role !== 'garage')) {
    throw problems.quoteNotFound(`no quote ${quoteId}`);
  }
  return { quote, mission };
}
