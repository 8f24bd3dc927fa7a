// Fast seeding with SQL, for the scenarios that are not about the write path: missions as the
// deposit writes them (row with its last tracking entry, received fact), straight into
// mission-intake's schema.
import { DEFAULT_INSURER_POLICY } from '@smart-expertise/contracts';
import type pg from 'pg';

const SNAPSHOT_SQL = `jsonb_build_object(
    'id', 'm_seed_' || $1::text || '_' || g,
    'insurerId', 'SEED-INSURER',
    'insurerMissionRef', 'SEED-' || $1::text || '-' || g,
    'garageId', GARAGE,
    'expertOfficeId', 'SEED-EXPERTS',
    'claim', jsonb_build_object('claimNumber', 'CLM-' || g, 'policyNumber', 'POL-778812', 'lossDate', '2026-11-02', 'circumstances', 'Rear-end collision at a red light in Namur.'),
    'vehicle', jsonb_build_object('vin', 'WVWZZZ1KZAW123456', 'plate', '1-ABC-' || (g % 1000), 'make', 'Volkswagen', 'model', 'Golf', 'firstRegistrationDate', '2019-05-14', 'valueCents', 1450000),
    'owner', jsonb_build_object('name', 'Sophie Dubois', 'phone', '+32 475 11 22 33', 'email', 'sophie.dubois@example.be', 'vatRegime', 'none'),
    'directPayment', jsonb_build_object('planned', true, 'ceilingCents', 500000, 'deductibleCents', 25000))`;

/**
 * Inserts `count` missions named m_seed_<tag>_<g>. `garage` is an SQL expression of g; `spreadStatuses`
 * spreads them over the board's sections (else all `new`); `deadline` an SQL expression of g.
 */
export async function seedMissions(
  db: pg.Pool,
  schema: string,
  { tag, count, garage, spreadStatuses, deadline }: { tag: string; count: number; garage: string; spreadStatuses: boolean; deadline: string },
): Promise<void> {
  const status = spreadStatuses
    ? `(ARRAY['new','new','under_analysis','under_analysis','remote_intervention','closed','closed','closed','expired','abandoned'])[(g / 10) % 10 + 1]`
    : `'new'`;
  const section = spreadStatuses
    ? `(ARRAY['smart.new','smart.new','smart.under_analysis','smart.under_analysis','smart.remote_intervention','smart.closed','smart.closed','smart.closed','classic.expired','closed.abandoned'])[(g / 10) % 10 + 1]`
    : `'smart.new'`;
  const outcome = spreadStatuses ? `(ARRAY[NULL,NULL,NULL,NULL,NULL,'validated','validated','validated',NULL,'abandoned'])[(g / 10) % 10 + 1]` : 'NULL';
  await db.query(
    `INSERT INTO ${schema}.missions (id, insurer_id, insurer_mission_ref, garage_id, expert_office_id, snapshot, request_hash, deadline,
                                     received_at, policy, status, section, outcome, payment_requested, updated_at, last_tracking)
     SELECT 'm_seed_' || $1::text || '_' || g, 'SEED-INSURER', 'SEED-' || $1::text || '-' || g, ${garage}, 'SEED-EXPERTS',
            ${SNAPSHOT_SQL.replaceAll('GARAGE', garage)}, md5(g::text), ${deadline}, now() - make_interval(secs => g), $2::jsonb,
            ${status}, ${section}, ${outcome}, false, now(),
            jsonb_build_object('at', to_jsonb(now() - make_interval(secs => g)), 'code', 'mission.received',
                               'params', jsonb_build_object('deadlineDate', to_char((${deadline}) AT TIME ZONE 'Europe/Brussels', 'DD/MM/YY')))
       FROM generate_series(1, $3::int) AS g`,
    [tag, JSON.stringify(DEFAULT_INSURER_POLICY), count],
  );
  // The deposit's own fact, as recordFact writes it (instants as ISO strings).
  await db.query(
    `INSERT INTO ${schema}.mission_facts (mission_id, event_id, fact)
     SELECT m.id, m.event_id, jsonb_build_object('type', 'received', 'eventId', m.event_id, 'at', to_jsonb(m.received_at), 'deadline', to_jsonb(m.deadline))
       FROM (SELECT id, received_at, deadline, gen_random_uuid()::text AS event_id FROM ${schema}.missions
              WHERE id LIKE 'm\\_seed\\_' || $1::text || '\\_%') m`,
    [tag],
  );
}
