// The auditor: once the system is quiet, compares what clients were told (the ledger of 2xx
// answers) with the final state of every service, read three ways: the HTTP APIs, SQL on each
// service's schema, and every event on the topics read from offset 0.
import { ALL_TOPICS, SERVICE_NAMES, type DomainEvent, type ServiceName } from '@smart-expertise/contracts';
import { createEventProbe, token, waitFor } from '@smart-expertise/service-runtime/testing';
import type { System } from './harness.ts';
import type { Client, Decision, Journey } from './load.ts';

export interface AuditReport {
  journeys: number;
  missionsAccepted: number;
  events: number;
  /** Copies of an event id seen more than once on a topic (redeliveries by a relay that was killed). */
  redeliveredOnTopics: number;
  lost: string[];
  doubled: string[];
  unexplained: string[];
  counts: Record<string, number>;
}

type Ev = DomainEvent & { topic: string };

/** Reads every event on every topic from offset 0 up to the current end. */
export async function readAllEvents(sys: System): Promise<{ events: Ev[]; raw: { topic: string; key: string | null; value: string }[] }> {
  const topics = ALL_TOPICS.map((t) => sys.prefix + t);
  const admin = sys.kafka.admin();
  await admin.connect();
  let total = 0;
  try {
    for (const topic of topics) for (const p of await admin.fetchTopicOffsets(topic)) total += Number(p.high) - Number(p.low);
  } finally {
    await admin.disconnect();
  }
  const probe = await createEventProbe(topics);
  try {
    await waitFor(() => probe.raw.length >= total, { timeoutMs: 120_000, intervalMs: 200, message: `the probe to read all ${total} messages` });
    return { events: [...probe.events] as Ev[], raw: [...probe.raw] };
  } finally {
    await probe.stop();
  }
}

const STATUS_OF_DECISION: Record<Decision, string> = {
  validate: 'closed',
  pending_validation: 'pending_validation',
  remote_intervention: 'remote_intervention',
  onsite_intervention: 'onsite_intervention',
  request_information: 'information_requested',
};

/**
 * The mission's status as its events alone explain it (an independent, deliberately simple reading
 * of the product page's rules: the earlier of abandon or cancel and close wins; a cancel after the
 * close loses only to an earlier validation; an on-time close beats an expiry; an extension made
 * before the deadline then holding moves it; a request for information waits for the next
 * transmission up to its due date, and expires at it).
 */
function explainedStatus(events: Ev[]): string {
  const received = events.find((e) => e.type === 'mission.received') as DomainEvent<'mission.received'> | undefined;
  let deadline = received ? Date.parse(received.payload.deadline) : Infinity;
  const extensions = events
    .filter((e) => e.type === 'mission.deadline-extended')
    .map((e) => (e as DomainEvent<'mission.deadline-extended'>).payload)
    .sort((a, b) => Date.parse(a.extendedAt) - Date.parse(b.extendedAt));
  for (const x of extensions) if (Date.parse(x.extendedAt) <= deadline && Date.parse(x.deadline) > deadline) deadline = Date.parse(x.deadline);
  const submitted = events.filter((e) => e.type === 'quote.submitted').map((e) => e as DomainEvent<'quote.submitted'>);
  const onTime = submitted.find((e) => (e.payload.transmission ?? 1) === 1 && Date.parse(e.payload.closedAt) <= deadline);
  const closedAt = onTime ? Date.parse(onTime.payload.closedAt) : Infinity;
  const abandoned = events.find((e) => e.type === 'mission.abandoned') as DomainEvent<'mission.abandoned'> | undefined;
  const cancelled = events.find((e) => e.type === 'mission.cancelled') as DomainEvent<'mission.cancelled'> | undefined;
  if (abandoned && Date.parse(abandoned.payload.abandonedAt) < closedAt) return 'abandoned';
  if (cancelled && Date.parse(cancelled.payload.cancelledAt) < closedAt) return 'cancelled';
  if (onTime) {
    const decisions = events
      .filter((e) => e.type === 'review.decided')
      .map((e) => e as DomainEvent<'review.decided'>)
      .filter((e) => e.payload.quoteId === onTime.payload.quoteId)
      .sort((a, b) => a.payload.sequence - b.payload.sequence);
    if (cancelled) {
      const cancelAt = Date.parse(cancelled.payload.cancelledAt);
      const validatedFirst = decisions.some((d) => d.payload.decision === 'validate' && Date.parse(d.payload.decidedAt) <= cancelAt);
      if (!validatedFirst) return 'cancelled';
    }
    let transmission = 1;
    let last: Decision | undefined;
    for (const d of decisions) {
      if ((d.payload.transmission ?? 1) !== transmission) break;
      last = d.payload.decision as Decision;
      if (last === 'validate') break;
      if (last !== 'request_information') continue;
      const respondBy = Date.parse(d.payload.respondBy!);
      const answered = submitted.some(
        (e) => e.payload.quoteId === onTime.payload.quoteId && e.payload.transmission === transmission + 1 && Date.parse(e.payload.closedAt) <= respondBy,
      );
      if (!answered) {
        const expired = events.some((e) => e.type === 'mission.expired' && Date.parse((e as DomainEvent<'mission.expired'>).payload.deadline) === respondBy);
        return expired ? 'expired' : 'information_requested';
      }
      transmission += 1;
    }
    return last ? STATUS_OF_DECISION[last] : 'under_analysis';
  }
  if (events.some((e) => e.type === 'mission.expired')) return 'expired';
  return 'new';
}

/** The review case's status for each mission status that rests on a live quote (the one vocabulary). */
const CASE_STATUS_OF_MISSION: Record<string, string> = {
  under_analysis: 'open',
  pending_validation: 'pending_validation',
  remote_intervention: 'remote_intervention',
  onsite_intervention: 'onsite_intervention',
  information_requested: 'information_requested',
  closed: 'validated',
};

async function rows<T>(sys: System, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await sys.db.query(sql, params)).rows as T[];
}

export async function audit(sys: System, http: Client, journeys: Journey[], extraAccepted: Journey[]): Promise<AuditReport> {
  const s = sys.schema;
  const lost: string[] = [];
  const doubled: string[] = [];
  const unexplained: string[] = [];
  const counts: Record<string, number> = {};
  const count = (key: string, n = 1) => void (counts[key] = (counts[key] ?? 0) + n);
  const once = (n: number, what: string) => {
    if (n === 0) lost.push(what);
    else if (n > 1) doubled.push(`${what} (${n} times)`);
  };

  const { events: all } = await readAllEvents(sys);
  const byId = new Map<string, Ev>();
  for (const e of all) byId.set(e.id, e);
  const distinct = [...byId.values()];
  const byMission = new Map<string, Ev[]>();
  for (const e of distinct) byMission.set(e.missionId, [...(byMission.get(e.missionId) ?? []), e]);
  const eventsOf = (missionId: string, type: string) => (byMission.get(missionId) ?? []).filter((e) => e.type === type);
  for (const e of distinct) count(`event ${e.type}`);

  const missions = await rows<{ id: string; insurer_mission_ref: string; status: string; outcome: string | null; payment_requested: boolean }>(
    sys,
    `SELECT id, insurer_mission_ref, status, outcome, payment_requested FROM ${s['mission-intake']}.missions`,
  );
  const refs = new Map<string, typeof missions>();
  for (const m of missions) refs.set(m.insurer_mission_ref, [...(refs.get(m.insurer_mission_ref) ?? []), m]);
  const quotes = await rows<{ id: string; mission_id: string; status: string; transmissions: number }>(
    sys,
    `SELECT id, mission_id, status, transmissions FROM ${s.quote}.quotes`,
  );
  const quoteCopies = new Map(
    (
      await rows<{ id: string; status: string; outcome: string | null; approved_total_cents: string | null }>(
        sys,
        `SELECT id, status, outcome, approved_total_cents FROM ${s.quote}.missions`,
      )
    ).map((r) => [r.id, r]),
  );
  const payments = await rows<{ quote_id: string; insurer_share_cents: string }>(sys, `SELECT quote_id, answer->>'insurerShareCents' AS insurer_share_cents FROM ${s.quote}.payment_requests`);
  const supplementRows = await rows<{ quote_id: string; status: string }>(sys, `SELECT quote_id, status FROM ${s.quote}.supplements`);
  const cases = await rows<{ id: string; quote_id: string; mission_id: string; status: string }>(sys, `SELECT id, quote_id, mission_id, status FROM ${s['expert-review']}.review_cases`);
  const decisions = await rows<{ case_id: string; sequence: number; decision: string }>(sys, `SELECT case_id, sequence, decision FROM ${s['expert-review']}.review_decisions`);
  const deadlines = new Map(
    (await rows<{ mission_id: string; status: string }>(sys, `SELECT mission_id, status FROM ${s['expiry-scheduler']}.deadlines`)).map((r) => [r.mission_id, r.status]),
  );
  const facts = await rows<{ mission_id: string; type: string; n: number }>(
    sys,
    `SELECT mission_id, fact->>'type' AS type, count(*)::int AS n FROM ${s['mission-intake']}.mission_facts GROUP BY 1, 2`,
  );
  const factCount = (missionId: string, type: string) => facts.find((f) => f.mission_id === missionId && f.type === type)?.n ?? 0;
  const ops = await token({ role: 'ops', org: 'PLATFORM' });

  const accepted = [...journeys, ...extraAccepted].filter((j) => j.missionId);
  for (const j of accepted) {
    const id = j.missionId!;
    const tag = `journey ${j.n} (${j.kind}) mission ${id}`;
    // Every accepted mission exists once, everywhere it must be known.
    once(refs.get(j.ref)?.length ?? 0, `${tag}: mission row for ${j.ref}`);
    once(eventsOf(id, 'mission.received').length, `${tag}: mission.received`);
    if (!quoteCopies.has(id)) lost.push(`${tag}: unknown to the quote service`);
    if (!deadlines.has(id)) lost.push(`${tag}: unknown to the expiry scheduler`);
    const row = refs.get(j.ref)?.[0];
    const view = await http.get(`/v1/missions/${id}`, ops);
    if (view.status !== 200) lost.push(`${tag}: GET /v1/missions answers ${view.status}`);
    else if (row && view.json.status !== row.status) unexplained.push(`${tag}: HTTP says ${view.json.status}, SQL ${row.status}`);
    count('missions accepted');

    const codes = ((view.json?.tracking ?? []) as { code: string }[]).map((t) => t.code);
    // A close the garage was told about loses only to an earlier abandon or cancel: then it is voided everywhere.
    const closeVoided = row !== undefined && (row.status === 'abandoned' || row.status === 'cancelled');
    // A request for information nobody answered: the mission expires at its due date, the quote can never be validated.
    const unanswered = j.kind === 'information_unanswered' && j.respondBy !== undefined && Date.parse(j.respondBy) < Date.now();
    if (j.quoteClosed) {
      count('quotes closed');
      const submitted = eventsOf(id, 'quote.submitted').length;
      if (submitted < j.transmissions) lost.push(`${tag}: quote.submitted ${submitted} < ${j.transmissions} transmissions told`);
      if (submitted > j.transmissions) doubled.push(`${tag}: quote.submitted ${submitted} > ${j.transmissions} transmissions told`);
      if (j.transmissions > 1) count('quotes transmitted again');
      const expectedQuote = closeVoided || unanswered ? 'voided' : 'closed';
      once(quotes.filter((q) => q.mission_id === id && q.id === j.quoteId && q.status === expectedQuote).length, `${tag}: ${expectedQuote} quote row`);
      once(cases.filter((c) => c.quote_id === j.quoteId).length, `${tag}: review case of quote ${j.quoteId}`);
      const quoteFacts = factCount(id, 'quote_submitted');
      if (quoteFacts < j.transmissions) lost.push(`${tag}: quote facts in mission-intake ${quoteFacts} < ${j.transmissions} transmissions told`);
      if (quoteFacts > j.transmissions) doubled.push(`${tag}: quote facts in mission-intake ${quoteFacts} > ${j.transmissions} transmissions told`);
      if (closeVoided) {
        count('closes voided');
        once(eventsOf(id, 'quote.voided').length, `${tag}: quote.voided`);
        const kase = cases.find((c) => c.quote_id === j.quoteId);
        if (kase && kase.status !== 'withdrawn') unexplained.push(`${tag}: voided quote but its case is ${kase.status}`);
        if (row!.status === 'abandoned' && !codes.includes('quote.voided')) unexplained.push(`${tag}: close answered 200, then voided in silence`);
      }
      const queue = await http.get('/v1/reviews?status=all&limit=50', await token({ role: 'expert', org: j.expertOffice, name: 'Auditor', phone: '+32 2 000 00 00' }));
      once((queue.json?.items as { missionId: string }[] | undefined)?.filter((c) => c.missionId === id).length ?? 0, `${tag}: case in the expert's queue (HTTP)`);
      const expectedDeadline = unanswered ? 'expired' : 'settled';
      if (deadlines.get(id) !== expectedDeadline) unexplained.push(`${tag}: closed quote but deadline is ${deadlines.get(id)}`);
      if (unanswered) {
        count('requests expired (due)');
        const kase = cases.find((c) => c.quote_id === j.quoteId);
        if (kase && kase.status !== 'withdrawn') unexplained.push(`${tag}: expired request but its case is ${kase.status}`);
      }
    }
    if (j.decisions.length > 0) {
      count('decisions', j.decisions.length);
      const kase = cases.find((c) => c.quote_id === j.quoteId);
      const recorded = kase ? decisions.filter((d) => d.case_id === kase.id).length : 0;
      const published = eventsOf(id, 'review.decided').length;
      const applied = factCount(id, 'review_decided');
      for (const [n, what] of [[recorded, 'decision rows'], [published, 'review.decided events'], [applied, 'decision facts in mission-intake']] as const) {
        if (n < j.decisions.length) lost.push(`${tag}: ${what} ${n} < ${j.decisions.length} told`);
        if (n > j.decisions.length) doubled.push(`${tag}: ${what} ${n} > ${j.decisions.length} told`);
      }
      const expected = unanswered ? 'expired' : STATUS_OF_DECISION[j.decisions.at(-1)!];
      if (row && row.status !== expected) lost.push(`${tag}: last decision ${j.decisions.at(-1)} not reflected (mission is ${row.status})`);
    }
    if (j.abandoned) {
      count('abandoned');
      once(eventsOf(id, 'mission.abandoned').length, `${tag}: mission.abandoned`);
      // Raced with a close: the earlier one counts; an abandon that lost is voided and said so.
      const abandonVoided = j.raced === true && row?.status === 'under_analysis' && codes.includes('abandon.voided');
      if (abandonVoided) count('abandons voided');
      else if (row && row.status !== 'abandoned') lost.push(`${tag}: abandon not reflected (mission is ${row.status})`);
      if (deadlines.get(id) !== 'settled') lost.push(`${tag}: abandon not known to the scheduler (${deadlines.get(id)})`);
    }
    if (j.raced) {
      count('races');
      if (row && !['abandoned', 'under_analysis'].includes(row.status)) unexplained.push(`${tag}: race ended ${row.status}`);
      if (row?.status === 'under_analysis' && j.abandoned && !codes.includes('abandon.voided')) unexplained.push(`${tag}: abandon answered 200, then voided in silence`);
    }
    if (j.cancelled) {
      count('cancelled');
      once(eventsOf(id, 'mission.cancelled').length, `${tag}: mission.cancelled`);
      if (row && row.status !== 'cancelled') lost.push(`${tag}: cancel not reflected (mission is ${row.status})`);
      if (deadlines.get(id) !== 'settled') lost.push(`${tag}: cancel not known to the scheduler (${deadlines.get(id)})`);
    }
    if (j.supplementsSubmitted > 0) {
      count('supplements approved', j.supplementsApprovedCents.length);
      const submitted = supplementRows.filter((x) => x.quote_id === j.quoteId && x.status !== 'draft').length;
      for (const [n, what] of [
        [submitted, 'supplement rows submitted'],
        [eventsOf(id, 'supplement.submitted').length, 'supplement.submitted events'],
        [factCount(id, 'supplement_submitted'), 'supplement facts in mission-intake'],
      ] as const) {
        if (n < j.supplementsSubmitted) lost.push(`${tag}: ${what} ${n} < ${j.supplementsSubmitted} told`);
        if (n > j.supplementsSubmitted) doubled.push(`${tag}: ${what} ${n} > ${j.supplementsSubmitted} told`);
      }
      once(eventsOf(id, 'supplement.decided').length, `${tag}: supplement.decided`);
      // The approved total: the validated quote plus the approved supplements, the same in mission-intake and quote.
      const approved = (j.quoteTotalCents ?? 0) + j.supplementsApprovedCents.reduce((a, b) => a + b, 0);
      if (view.json?.approvedTotalCents !== approved) lost.push(`${tag}: approved total ${view.json?.approvedTotalCents}, told ${approved}`);
      const copy = quoteCopies.get(id)?.approved_total_cents;
      if (copy === undefined || Number(copy) !== approved) unexplained.push(`${tag}: quote keeps approved total ${copy}, mission-intake ${view.json?.approvedTotalCents}`);
      const paid = payments.find((p) => p.quote_id === j.quoteId);
      if (paid && Number(paid.insurer_share_cents) > approved) unexplained.push(`${tag}: insurer pays ${paid.insurer_share_cents} above the approved ${approved}`);
    }
    if (j.paymentRequested) {
      count('payments requested');
      once(payments.filter((p) => p.quote_id === j.quoteId).length, `${tag}: payment request row`);
      once(eventsOf(id, 'payment.requested').length, `${tag}: payment.requested`);
      once(factCount(id, 'payment_requested'), `${tag}: payment fact in mission-intake`);
      if (row && !row.payment_requested) lost.push(`${tag}: payment not reflected on the mission`);
    }
    // Due: a deadline passed with no quote closed and no abandon: it expires, once.
    const expiries = eventsOf(id, 'mission.expired').length;
    if (expiries > 1) doubled.push(`${tag}: mission.expired ${expiries} times`);
    if (factCount(id, 'expired') > 1) doubled.push(`${tag}: expiry fact ${factCount(id, 'expired')} times`);
    const holding = j.extendedTo ?? j.deadline;
    if (j.extendedTo !== undefined) {
      count('deadlines extended');
      const shown = view.json?.deadline as string | undefined;
      if (!j.quoteClosed && (shown === undefined || Date.parse(shown) !== Date.parse(j.extendedTo))) lost.push(`${tag}: extended to ${j.extendedTo} but the mission shows ${shown}`);
      if (codes.includes('mission.expired')) unexplained.push(`${tag}: expired on the deadline its extension had moved`);
      // The scheduler may have swept the first deadline before it heard of the extension: that expiry never counts.
      if (expiries > 0) count('expiries on a moved deadline (never counted)', expiries);
      if (!codes.includes('deadline.extended')) lost.push(`${tag}: extension answered 200 but not in the tracking`);
    }
    const due = holding !== undefined && Date.parse(holding) < Date.now() && !j.quoteClosed && !j.abandoned && !j.cancelled;
    if (due) {
      count('expired (due)');
      once(expiries, `${tag}: mission.expired`);
      if (row && row.status !== 'expired') lost.push(`${tag}: due but mission is ${row.status}`);
      if (deadlines.get(id) !== 'expired') lost.push(`${tag}: due but deadline is ${deadlines.get(id)}`);
    } else if (unanswered) {
      once(expiries, `${tag}: mission.expired at the request's due date`);
    } else if (expiries > 0 && j.quoteClosed && j.extendedTo === undefined) unexplained.push(`${tag}: expired although its quote was closed`);
  }

  // No mission in a state its events cannot explain (every mission, told or not).
  for (const m of missions) {
    const expected = explainedStatus(byMission.get(m.id) ?? []);
    if (expected !== m.status) unexplained.push(`mission ${m.id}: status ${m.status}, its events explain ${expected}`);
    // Every service agrees with the authority's verdict.
    const copy = quoteCopies.get(m.id);
    if (copy && (copy.status !== m.status || copy.outcome !== m.outcome)) {
      unexplained.push(`mission ${m.id}: mission-intake says ${m.status}/${m.outcome}, quote says ${copy.status}/${copy.outcome}`);
    }
    const final = ['abandoned', 'cancelled', 'expired'].includes(m.status);
    for (const q of quotes.filter((q) => q.mission_id === m.id)) {
      if (q.status === 'closed' && final) unexplained.push(`mission ${m.id} is ${m.status} but quote ${q.id} is still closed`);
      if (q.status === 'voided' && !final) unexplained.push(`mission ${m.id} is ${m.status} but quote ${q.id} is voided`);
      if ((q.status === 'returned') !== (m.status === 'information_requested')) unexplained.push(`mission ${m.id} is ${m.status} but quote ${q.id} is ${q.status}`);
      const kase = cases.find((c) => c.quote_id === q.id);
      if (!kase) continue;
      const expectedCase = q.status === 'voided' ? 'withdrawn' : CASE_STATUS_OF_MISSION[m.status];
      if (kase.status !== expectedCase) unexplained.push(`mission ${m.id} is ${m.status}, quote ${q.id} ${q.status}, but its case is ${kase.status}`);
    }
    const deadline = deadlines.get(m.id);
    const awaitsGarage = m.status === 'new' || m.status === 'information_requested';
    const deadlineAgrees = awaitsGarage ? deadline === 'running' : m.status === 'expired' ? deadline === 'expired' : deadline === 'settled' || deadline === 'expired';
    if (!deadlineAgrees) unexplained.push(`mission ${m.id} is ${m.status} but its deadline is ${deadline}`);
    // Effects once: one fact per distinct event the lifecycle consumer applies.
    const consumedTypes = [
      'quote.submitted',
      'review.decided',
      'mission.expired',
      'payment.requested',
      'mission.deadline-approaching',
      'supplement.submitted',
      'supplement.decided',
    ];
    const expectedFacts = (byMission.get(m.id) ?? []).filter((e) => consumedTypes.includes(e.type)).length;
    const ownFacts = ['received', 'abandoned', 'cancelled', 'deadline_extended'];
    const recordedFacts = facts.filter((f) => f.mission_id === m.id && !ownFacts.includes(f.type)).reduce((a, f) => a + f.n, 0);
    if (recordedFacts > expectedFacts) doubled.push(`mission ${m.id}: ${recordedFacts} facts for ${expectedFacts} events`);
    if (recordedFacts < expectedFacts) lost.push(`mission ${m.id}: ${recordedFacts} facts for ${expectedFacts} events`);
  }
  // One review case per submitted quote, and none without one.
  for (const e of distinct.filter((e) => e.type === 'quote.submitted')) {
    once(cases.filter((c) => c.quote_id === (e as DomainEvent<'quote.submitted'>).payload.quoteId).length, `review case for quote.submitted ${e.id}`);
  }
  // Inbox: each consumer group applied each event at most once (the primary key says so; count it).
  for (const name of SERVICE_NAMES) {
    const [inbox] = await rows<{ n: number; d: number }>(sys, `SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS d FROM ${s[name as ServiceName]}.inbox`);
    count(`inbox ${name}`, inbox!.n);
    if (inbox!.n !== inbox!.d) doubled.push(`${name}: inbox has ${inbox!.n - inbox!.d} doubled rows`);
  }
  return {
    journeys: journeys.length,
    missionsAccepted: accepted.length,
    events: distinct.length,
    redeliveredOnTopics: all.length - distinct.length,
    lost,
    doubled,
    unexplained,
    counts,
  };
}

/** A digest of each service's state (every table but the scheduler's run history), to prove a replay changed nothing. */
export async function snapshot(sys: System): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of SERVICE_NAMES) {
    const schema = sys.schema[name];
    const tables = await rows<{ table_name: string }>(
      sys,
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' AND table_name NOT IN ('expiry_runs') ORDER BY 1`,
      [schema],
    );
    for (const { table_name } of tables) {
      const [row] = await rows<{ digest: string | null; n: number }>(
        sys,
        `SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest, count(*)::int AS n FROM ${schema}."${table_name}" t`,
      );
      out[`${name}.${table_name}`] = `${row!.n}:${row!.digest}`;
    }
  }
  return out;
}

