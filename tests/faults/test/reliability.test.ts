// Reliability under faults: while a scripted load of complete Smart Expertise journeys runs, each
// service is SIGKILLed in turn (and a relay mid-batch), the broker is stopped, PostgreSQL is
// restarted, poison events are published and the insurer's webhook receiver goes down for a while.
// Then an auditor compares what clients were told with the final state of every service, and what
// the insurer's system received with its feed; every topic is replayed from offset 0 plus
// duplicated and reordered deliveries, and a SIGTERM with a request in flight must drain. See
// ../README.md.
// Reduced (CI) by default; FAULTS_FULL=1 for the full variant.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_NAMES } from '@smart-expertise/contracts';
import { publishRaw, token } from '@smart-expertise/service-runtime/testing';
import { audit, readAllEvents, snapshot, type AuditReport } from './auditor.ts';
import { EXPIRY_GRACE_SECONDS, CONSUMERS, metricsOf, settle, startSystem, sumOf, type System } from './harness.ts';
import {
  expectedParked,
  kafkaOutage,
  loadProgresses,
  postgresRestart,
  publishPoison,
  relayKilledMidBatch,
  sigkill,
  sigtermWithInFlight,
  type FaultRecord,
} from './faults.ts';
import { abortedLoad, createClient, runLoad, type Client, type Journey, type LoadStats } from './load.ts';
import { auditWebhooks, receiverOutage, subscribeInsurer, type InsurerSystem } from './webhooks.ts';

const FULL = process.env.FAULTS_FULL === '1';
const PLAN = FULL
  ? { workers: 4, killRounds: 3, kafkaOutageSeconds: 30, postgresRestarts: 2, relayKills: 2, expireInMs: 20_000, webhookAttempts: 5 }
  : { workers: 3, killRounds: 1, kafkaOutageSeconds: 10, postgresRestarts: 1, relayKills: 1, expireInMs: 15_000, webhookAttempts: 3 };
const SHUTDOWN_TIMEOUT_MS = 20_000; // the services' default, as in k8s (terminationGracePeriodSeconds 30 = 5 s preStop + 20 s + margin)

const t0 = Date.now();
const log = (line: string) => console.log(`[faults +${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`);

let sys: System;
let http: Client;
const stats: LoadStats = { requests: 0, retries: 0, okAnswers: 0 };
const journeys: Journey[] = [];
const extra: Journey[] = [];
const faults: FaultRecord[] = [];
let report: AuditReport | undefined;
let insurerSystem: InsurerSystem;

beforeAll(async () => {
  sys = await startSystem(log);
  http = createClient(sys.platform.url, stats);
  insurerSystem = await subscribeInsurer(http, log);
  log(`platform up at ${sys.platform.url} (${FULL ? 'full' : 'reduced'} variant)`);
}, 420_000);

afterAll(async () => {
  await insurerSystem?.receiver.stop();
  await sys?.stop();
  log('stopped');
});

describe(`reliability under faults (${FULL ? 'full' : 'reduced'})`, () => {
  it('keeps taking and completing journeys through crashes, a broker outage, a database restart and poison events', async () => {
    let stopped = false;
    const load = runLoad(http, journeys, { workers: PLAN.workers, run: sys.run, stopped: () => stopped, expireInMs: PLAN.expireInMs });
    try {
      await loadProgresses(stats, 15, 'the start');
      await publishPoison(sys, log);
      for (let round = 0; round < PLAN.killRounds; round++) {
        for (const name of SERVICE_NAMES) {
          await sigkill(sys, faults, log, name, { awaitCatchUp: FULL });
          await loadProgresses(stats, 5, `the restart of ${name}`);
        }
      }
      await receiverOutage(sys, faults, log, insurerSystem, PLAN.webhookAttempts);
      await loadProgresses(stats, 5, "the insurer's receiver outage");
      for (let i = 0; i < PLAN.relayKills; i++) {
        await relayKilledMidBatch(sys, faults, log, http, sys.run, extra, 'mission-intake');
        await loadProgresses(stats, 5, 'the relay kill');
      }
      await kafkaOutage(sys, faults, log, http, sys.run, extra, PLAN.kafkaOutageSeconds);
      await loadProgresses(stats, 5, 'the broker outage');
      for (let i = 0; i < PLAN.postgresRestarts; i++) {
        await postgresRestart(sys, faults, log);
        await loadProgresses(stats, 5, 'the PostgreSQL restart');
      }
    } catch (error) {
      stats.aborted = true;
      abortedLoad.value = true;
      throw error;
    } finally {
      stopped = true;
      await load;
    }
    const failed = journeys.filter((j) => j.error);
    log(`load ended: ${journeys.length} journeys, ${stats.requests} requests, ${stats.retries} retries, ${stats.okAnswers} 2xx; ${faults.length} faults`);
    for (const j of failed) log(`  journey ${j.n} (${j.kind}) failed: ${j.error}`);
    expect(failed.map((j) => `${j.n} ${j.kind}: ${j.error}`)).toEqual([]);
    expect(journeys.every((j) => j.done)).toBe(true);
  }, FULL ? 2_400_000 : 900_000);

  it('audit: every 2xx is in the final state once; nothing lost, nothing doubled, nothing unexplained', async () => {
    // The last short deadline or information due date: the audit expects what is due by then to have expired.
    const dueDates = [...journeys, ...extra].flatMap((j) => [j.deadline, j.respondBy]).filter((d): d is string => d !== undefined).map((d) => Date.parse(d));
    const lastDeadline = Math.max(0, ...dueDates.filter((d) => d < Date.now() + 60_000));
    await settle(sys, { notBefore: lastDeadline + (EXPIRY_GRACE_SECONDS + 3) * 1000 });
    report = await audit(sys, http, journeys, extra);
    const parked: Record<string, { rows: number; reasons: number; gauge: number }> = {};
    for (const name of SERVICE_NAMES) {
      const { rows } = await sys.db.query(
        `SELECT count(*)::int AS rows, count(*) FILTER (WHERE length(reason) > 0)::int AS reasons FROM ${sys.schema[name]}.parked_events WHERE status = 'parked'`,
      );
      parked[name] = { ...rows[0], gauge: sumOf(await metricsOf(sys, name), 'parked_events') };
    }
    const parkedTotal = Object.values(parked).reduce((a, p) => a + p.rows, 0);
    const retried = [...journeys, ...extra].reduce((a, j) => a + j.retriedAfterLostAnswer, 0);
    const proven = [...journeys, ...extra].flatMap((j) => j.provenBy409);
    log(`counts: ${JSON.stringify(report.counts)}`);
    log(`faults: ${faults.map((f) => `${f.fault} (${f.ms} ms)`).join('; ')}`);
    if (proven.length) log(`409 after a lost answer, proven by the final state: ${proven.join(', ')}`);
    console.log(
      `[faults] SUMMARY variant=${FULL ? 'full' : 'reduced'} journeys=${report.journeys} missions=${report.missionsAccepted} faults=${faults.length} ` +
        `events=${report.events} redelivered=${report.redeliveredOnTopics} parked=${parkedTotal} retried_after_lost_answer=${retried} ` +
        `lost=${report.lost.length} doubled=${report.doubled.length} unexplained=${report.unexplained.length}`,
    );
    for (const line of [...report.lost, ...report.doubled, ...report.unexplained].slice(0, 40)) log(`  ${line}`);
    expect(report.lost).toEqual([]);
    expect(report.doubled).toEqual([]);
    expect(report.unexplained).toEqual([]);
    // Every fault kind was injected, and the relay kill did make the relay publish a batch twice.
    expect(faults.length).toBeGreaterThanOrEqual(SERVICE_NAMES.length * PLAN.killRounds + PLAN.relayKills + 1 + PLAN.postgresRestarts + 1);
    expect(report.redeliveredOnTopics).toBeGreaterThan(0);
    // Poison events: parked with their reason in every consumer group, visible on the gauge, and the consumers went on.
    for (const name of SERVICE_NAMES) {
      expect(parked[name], name).toEqual({ rows: expectedParked(name), reasons: expectedParked(name), gauge: expectedParked(name) });
    }
  }, 600_000);

  it("webhooks: the insurer's system received every public event, each mission's in order, duplicates only under the same webhook-id", async () => {
    expect(report, 'the audit ran').toBeDefined();
    const webhooks = await auditWebhooks(sys, insurerSystem);
    console.log(
      `[faults] WEBHOOKS feed=${webhooks.feed} received=${webhooks.received} duplicates=${webhooks.duplicates} ` +
        `lost=${webhooks.lost.length} out_of_order=${webhooks.outOfOrder.length} unexplained=${webhooks.unexplained.length}`,
    );
    for (const line of [...webhooks.lost, ...webhooks.outOfOrder, ...webhooks.unexplained].slice(0, 40)) log(`  ${line}`);
    expect(webhooks.lost).toEqual([]);
    expect(webhooks.outOfOrder).toEqual([]);
    expect(webhooks.unexplained).toEqual([]);
    // Every journey's deposit at least reached the insurer's system.
    expect(webhooks.feed).toBeGreaterThanOrEqual(report!.missionsAccepted);
  }, 600_000);

  it("ops set the poison records aside through each service's parked-events API, through the gateway, and the gauges drop to 0", async () => {
    expect(report, 'the audit ran').toBeDefined();
    const ops = { authorization: `Bearer ${await token({ role: 'ops', org: 'OPS', sub: 'faults' })}` };
    for (const name of SERVICE_NAMES) {
      const base = `${sys.platform.url}/${name}/v1/parked-events`;
      const list = (await (await fetch(`${base}?limit=100`, { headers: ops })).json()) as { items: { id: string; eventId: string | null }[] };
      expect(list.items, name).toHaveLength(expectedParked(name));
      for (const item of list.items) {
        // Not events at all: no fix makes them apply, so a replay is refused and they stay parked.
        expect((await fetch(`${base}/${item.id}/replay`, { method: 'POST', headers: ops })).status, `${name} replay ${item.id}`).toBe(422);
        const discarded = await fetch(`${base}/${item.id}/discard`, { method: 'POST', headers: { ...ops, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'poison injected by the fault suite' }) });
        expect(discarded.status, `${name} discard ${item.id}`).toBe(200);
      }
      expect(sumOf(await metricsOf(sys, name), 'parked_events'), name).toBe(0);
    }
  }, 120_000);

  it('redelivery: every topic re-consumed from offset 0 by the same groups, plus duplicated and reordered copies, changes nothing', async () => {
    expect(report, 'the audit ran').toBeDefined();
    const before = await snapshot(sys);
    // Duplicates of one event of every type, and a mission's decisions in reverse order.
    const { raw, events } = await readAllEvents(sys);
    const copies: { topic: string; key: string; value: string }[] = [];
    for (const type of new Set(events.map((e) => e.type))) {
      const e = events.filter((x) => x.type === type).at(-1)!;
      const original = raw.find((r) => r.value.includes(e.id))!;
      copies.push({ topic: original.topic, key: original.key ?? e.missionId, value: original.value }, { topic: original.topic, key: original.key ?? e.missionId, value: original.value });
    }
    const decided = events.filter((e) => e.type === 'review.decided');
    const decidedTwice = decided.filter((e) => e.missionId === decided.find((d) => decided.filter((x) => x.missionId === d.missionId).length >= 2)?.missionId);
    for (const e of [...decidedTwice].reverse()) {
      const original = raw.find((r) => r.value.includes(e.id))!;
      copies.push({ topic: original.topic, key: original.key ?? e.missionId, value: original.value });
    }
    for (const topic of new Set(copies.map((c) => c.topic))) await publishRaw(topic, copies.filter((c) => c.topic === topic));
    log(`published ${copies.length} duplicated or reordered copies (${new Set(events.map((e) => e.type)).size} event types)`);

    // The same groups re-read everything from offset 0: stop every service, rewind, start again.
    await Promise.all(SERVICE_NAMES.map((name) => sys.platform.kill(name, 'SIGTERM')));
    const admin = sys.kafka.admin();
    await admin.connect();
    try {
      for (const name of SERVICE_NAMES) {
        for (const { group, topics } of CONSUMERS[name].groups) {
          for (const topic of topics) await admin.resetOffsets({ groupId: sys.prefix + group, topic: sys.prefix + topic, earliest: true });
        }
      }
    } finally {
      await admin.disconnect();
    }
    await Promise.all(SERVICE_NAMES.map((name) => sys.platform.start(name)));
    await settle(sys);
    const after = await snapshot(sys);
    const duplicatesAfter = await duplicatesCounted();
    log(`replay: ${duplicatesAfter} events recognised as duplicates by the inboxes after the rewind (counters restart with the processes)`);
    expect(after).toEqual(before);
    // Every event a group had applied came again and was recognised by its inbox.
    const applied = Object.entries(report!.counts).filter(([k]) => k.startsWith('inbox ')).reduce((a, [, n]) => a + n, 0);
    expect(duplicatesAfter).toBeGreaterThanOrEqual(applied);
  }, 600_000);

  it('SIGTERM: an in-flight request completes with 2xx and the process exits within SHUTDOWN_TIMEOUT_MS', async () => {
    const result = await sigtermWithInFlight(sys, log, 'mission-intake', SHUTDOWN_TIMEOUT_MS, sys.run);
    expect(result.response.status, result.response.text).toBe(201);
    expect(result.exitCode).toBe(0);
    expect(result.exitMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
    const { rows } = await sys.db.query(`SELECT count(*)::int AS n FROM ${sys.schema['mission-intake']}.missions WHERE insurer_mission_ref = $1`, [result.ref]);
    expect(rows[0].n).toBe(1);
  }, 120_000);
});

async function duplicatesCounted(): Promise<number> {
  let total = 0;
  for (const name of SERVICE_NAMES) total += sumOf(await metricsOf(sys, name), 'events_consumed_total', 'outcome="duplicate"');
  return total;
}
