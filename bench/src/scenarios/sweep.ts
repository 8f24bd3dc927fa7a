// Scenario 4: sweepCount due missions expired by one sweep: the sweep's batches committed, every
// mission.expired published, and every mission `expired` in mission-intake (and known expired in
// quote); memory of the scheduler and of mission-intake sampled throughout. Beside: kafkajs
// producing the same number of messages of the same size in batches of 500, consumed by a group.
import { performance } from 'node:perf_hooks';
import { createKafka, createLogger, createProducer } from '@smart-expertise/service-runtime';
import { createTopic } from '../lib/kafka.ts';
import { call } from '../lib/http.ts';
import type { BenchContext, ScenarioResult } from '../lib/context.ts';
import { seedMissions } from '../lib/seed.ts';
import type { DbWork } from '../lib/db-work.ts';
import { fmt, sleep, spread, until } from '../lib/stats.ts';

interface SweepRun {
  sweptSeconds: number;
  publishedSeconds: number;
  convergedSeconds: number;
  quoteConvergedSeconds: number;
  expired: number;
  batches: number;
  rss: Record<string, { before: number; peak: number; after: number }>;
}

export async function sweepScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const { sizes } = ctx;
  const n = sizes.sweepCount;
  const mi = ctx.schemas['mission-intake'];
  const es = ctx.schemas['expiry-scheduler'];
  const qs = ctx.schemas.quote;
  const ops = await ctx.token({ role: 'ops', org: 'PLATFORM' });
  const scheduler = ctx.url('expiry-scheduler');
  const watched = ['expiry-scheduler', 'mission-intake', 'quote', 'expert-review'];
  let dbWork: DbWork | undefined;

  async function baselineRun(): Promise<number> {
    const logger = createLogger('bench', 'warn');
    const kafka = createKafka({ brokers: ctx.kafkaBrokers, security: ctx.kafkaSecurity, clientId: 'bench-sweep-baseline', logger });
    const admin = kafka.admin();
    await admin.connect();
    const topic = `${ctx.topicPrefix}bench.sweep.${Date.now()}`;
    await createTopic(admin, topic, 6);
    await admin.disconnect();
    const producer = createProducer(kafka);
    await producer.connect();
    const consumer = kafka.consumer({ groupId: `${topic}.group`, sessionTimeout: 30_000, heartbeatInterval: 3_000 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let received = 0;
    await consumer.run({ partitionsConsumedConcurrently: 3, eachMessage: async () => void received++ });
    const value = JSON.stringify({ id: '00000000-0000-4000-8000-000000000000', type: 'mission.expired', version: 1, occurredAt: new Date().toISOString(), missionId: 'm_0123456789abcdef0123456789abcdef', correlationId: '00000000-0000-4000-8000-000000000000', causationId: '00000000-0000-4000-8000-000000000000', payload: { deadline: new Date().toISOString(), expiredAt: new Date().toISOString(), runId: '00000000-0000-4000-8000-000000000000' } });
    const started = performance.now();
    for (let i = 0; i < n; i += 500) {
      const messages = Array.from({ length: Math.min(500, n - i) }, (_, j) => ({ key: `m_${i + j}`, value }));
      await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages }] });
    }
    await until(async () => received >= n, 'the baseline consumer to receive everything', 600_000, 20);
    const seconds = (performance.now() - started) / 1000;
    await consumer.disconnect();
    await producer.disconnect();
    return seconds;
  }

  async function serviceRun(index: number, measureDb: boolean): Promise<SweepRun> {
    const tag = `sweep${index}_${Date.now().toString(36)}`;
    const garage = `SWEEP-GARAGE-${index}`;
    await seedMissions(ctx.db, mi, { tag, count: n, garage: `'${garage}'`, spreadStatuses: false, deadline: `now() - interval '1 hour' - make_interval(secs => g)` });
    await ctx.db.query(
      `INSERT INTO ${es}.deadlines (mission_id, status, deadline, received_event_id)
       SELECT m.id, 'running', m.deadline, (f.fact->>'eventId')::uuid
         FROM ${mi}.missions m JOIN ${mi}.mission_facts f ON f.mission_id = m.id
        WHERE m.id LIKE 'm\\_seed\\_' || $1::text || '\\_%'`,
      [tag],
    );
    await ctx.db.query(`ANALYZE ${es}.deadlines`);
    await ctx.db.query(`ANALYZE ${mi}.missions`);
    await sleep(1000);
    const window = measureDb ? await ctx.dbWork.start() : undefined;
    ctx.sampler.reset();
    ctx.sampler.sample();
    const before = Object.fromEntries(watched.map((s) => [s, ctx.sampler.series(s).at(-1) ?? Number.NaN]));
    const started = performance.now();
    const answer = await call('POST', `${scheduler}/v1/expiry-runs?wait=false`, ops);
    if (answer.status !== 202 && answer.status !== 201) throw new Error(`POST /v1/expiry-runs answered ${answer.status}: ${answer.text.slice(0, 300)}`);
    const runId = answer.json.id as string;
    const elapsed = () => (performance.now() - started) / 1000;
    const timeout = 20 * 60_000;
    const swept = await until(async () => {
      const { rows } = await ctx.db.query<{ status: string; expired_count: number; batches: number; duration_ms: number | null }>(
        `SELECT status, expired_count, batches, duration_ms FROM ${es}.expiry_runs WHERE id = $1`,
        [runId],
      );
      return rows[0] && rows[0].status !== 'running' ? { ...rows[0], at: elapsed() } : undefined;
    }, 'the sweep to finish', timeout, 50);
    if (swept.status !== 'completed') throw new Error(`the sweep ended ${swept.status}`);
    const published = await until(async () => {
      const { rows } = await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${es}.outbox WHERE sent_at IS NULL`);
      return rows[0]!.n === 0 ? elapsed() : undefined;
    }, 'every mission.expired to be published', timeout, 50);
    let quoteAt = Number.NaN;
    const converged = await until(async () => {
      const { rows } = await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${mi}.missions WHERE garage_id = $1 AND status = 'expired'`, [garage]);
      if (Number.isNaN(quoteAt)) {
        const q = await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${qs}.missions WHERE id LIKE 'm\\_seed\\_' || $1::text || '\\_%' AND status = 'expired'`, [tag]);
        if (q.rows[0]!.n >= n) quoteAt = elapsed();
      }
      return rows[0]!.n >= n ? elapsed() : undefined;
    }, 'every mission to be expired in mission-intake', timeout, 100);
    if (Number.isNaN(quoteAt)) {
      quoteAt = await until(async () => {
        const q = await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${qs}.missions WHERE id LIKE 'm\\_seed\\_' || $1::text || '\\_%' AND status = 'expired'`, [tag]);
        return q.rows[0]!.n >= n ? elapsed() : undefined;
      }, 'every mission to be expired in quote', timeout, 100);
    }
    const peaks = ctx.sampler.peaks();
    await sleep(2000);
    ctx.sampler.sample();
    const rss = Object.fromEntries(watched.map((s) => [s, { before: before[s]!, peak: peaks[s] ?? Number.NaN, after: ctx.sampler.series(s).at(-1) ?? Number.NaN }]));
    if (window) {
      const measured = 'The last sweep, from its POST until every mission is expired in mission-intake and in quote';
      dbWork = await window.finish({ operation: 'expired mission', operations: swept.expired_count, window: measured });
    }
    return { sweptSeconds: (swept.duration_ms ?? 0) / 1000, publishedSeconds: published, convergedSeconds: converged, quoteConvergedSeconds: quoteAt, expired: swept.expired_count, batches: swept.batches, rss };
  }

  const base: number[] = [];
  const runs: SweepRun[] = [];
  for (let i = 0; i < sizes.sweepRuns; i++) {
    base.push(await baselineRun());
    runs.push(await serviceRun(i, i === sizes.sweepRuns - 1));
    const r = runs.at(-1)!;
    ctx.log(`sweep run ${i + 1}/${sizes.sweepRuns}: ${r.expired} expired, swept ${fmt(r.sweptSeconds, 1)} s, published ${fmt(r.publishedSeconds, 1)} s, converged ${fmt(r.convergedSeconds, 1)} s (kafka baseline ${fmt(base.at(-1)!, 1)} s)`);
  }
  const swept = spread(runs.map((r) => r.sweptSeconds));
  const published = spread(runs.map((r) => r.publishedSeconds));
  const converged = spread(runs.map((r) => r.convergedSeconds));
  const quoteConverged = spread(runs.map((r) => r.quoteConvergedSeconds));
  const baseline = spread(base);
  const ratio = spread(runs.map((r, i) => r.convergedSeconds / base[i]!));
  // Every service: quote is timed on its own (it applies the verdicts last).
  const every = spread(runs.map((r) => Math.max(r.convergedSeconds, r.quoteConvergedSeconds)));
  const everyRatio = spread(runs.map((r, i) => Math.max(r.convergedSeconds, r.quoteConvergedSeconds) / base[i]!));
  const last = runs.at(-1)!;
  const growth = Math.max(...runs.map((r) => r.rss['expiry-scheduler']!.peak - r.rss['expiry-scheduler']!.before));
  // Flat: one batch in memory at a time, so the scheduler's RSS must not grow with the count.
  const flat = growth < 50;
  const scaled = (s: number) => (s * 100_000) / n;
  const targets = [
    {
      name: `expiry of ${n.toLocaleString('en-US')} due missions converged < 30 s${n === 100_000 ? '' : ' (scaled to 100,000)'}`,
      status: scaled(converged.median) < 30 ? 'met' : 'missed',
      detail: `${fmt(converged.median, 1)} s${n === 100_000 ? '' : ` (×${100_000 / n} → ${fmt(scaled(converged.median), 0)} s)`}; sweep alone ${fmt(swept.median, 1)} s`,
    },
    {
      name: 'expiries converged in every service (quote included) ≤ 5× the Kafka baseline',
      status: everyRatio.median <= 5 ? 'met' : 'missed',
      detail: `${fmt(everyRatio.median, 1)}× median (slowest service ${fmt(every.median, 1)} s, baseline ${fmt(baseline.median, 2)} s)`,
    },
    { name: 'expiry sweep memory flat', status: flat ? 'met' : 'missed', detail: `expiry-scheduler RSS grew at most ${fmt(growth, 0)} MB` },
  ] as ScenarioResult['targets'];
  const row = (label: string, s: ReturnType<typeof spread>, digits = 1) => `| ${label} | ${fmt(s.median, digits)} | ${fmt(s.p99, digits)} | ${s.runs.map((v) => fmt(v, digits)).join(', ')} |`;
  const markdown = `Per run: ${n.toLocaleString('en-US')} missions seeded with SQL as deposited (mission-intake: row and received
fact; expiry-scheduler: a \`running\` deadline an hour or more in the past), then \`POST /v1/expiry-runs?wait=false\`
(batches of EXPIRY_BATCH_SIZE=500, one transaction each: claim with SKIP LOCKED, outbox rows, mark
expired). Times from the POST: the run row \`completed\` (the sweep's own duration), the scheduler's
outbox empty (every \`mission.expired\` on Kafka), every mission \`expired\` in mission-intake, and
every mission known expired in quote (expert-review consumes the events too). RSS of each service
from /proc every 250 ms. Baseline: kafkajs (services' producer settings) sends the same number of
~450-byte messages in batches of 500 with acks=all to a 6-partition topic, one consumer group
receives them all; time from the first send to the last receipt.

| figure, seconds (${sizes.sweepRuns} runs of ${n.toLocaleString('en-US')}) | median | p99 of runs | runs |
|---|---:|---:|---|
${row('sweep: batches committed (run duration)', swept)}
${row('every mission.expired published', published)}
${row('**every mission expired in mission-intake**', converged)}
${row('every mission expired in quote', quoteConverged)}
${row('baseline: kafkajs produce + consume the same count', baseline)}
| **ratio converged / baseline** | ${fmt(ratio.median, 1)}× | ${fmt(ratio.p99, 1)}× | ${ratio.runs.map((v) => `${fmt(v, 1)}×`).join(', ')} |

Expired ${last.expired.toLocaleString('en-US')} in ${last.batches} batches (last run). Throughput to convergence:
${fmt(n / converged.median, 0)} missions/s. RSS during the last run (MB, before → peak → 2 s after):
${Object.entries(last.rss)
  .map(([k, v]) => `${k} ${fmt(v.before, 0)} → ${fmt(v.peak, 0)} → ${fmt(v.after, 0)}`)
  .join('; ')}.`;
  return { key: 'sweep', title: '4. Expiry sweep', markdown, targets, data: { runs, base }, ...(dbWork ? { dbWork } : {}) };
}
