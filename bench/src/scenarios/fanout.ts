// Scenario 6: webhook fan-out. One insurer holds 100 subscriptions to mission.deposited, each to a
// receiver of its own (plain node:http servers on loopback, in a process of their own, answering
// 204 at once); a burst of deposits through POST /v1/missions gives 100 signed deliveries each.
// Timed from the first deposit sent to the last delivery received. Beside it: a bare loop of
// HTTP POSTs, from a process of its own, to the same receivers at the same concurrency with the
// same body, one run of each alternating.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Topics } from '@smart-expertise/contracts';
import { createKafka, createLogger } from '@smart-expertise/service-runtime';
import { depositBody, type BenchContext, type ScenarioResult } from '../lib/context.ts';
import { cpuDelta, perOperation } from '../lib/cpu.ts';
import type { DbWork } from '../lib/db-work.ts';
import { startHelper, type Helper } from '../lib/helper.ts';
import { call, pool } from '../lib/http.ts';
import { groupLag } from '../lib/kafka.ts';
import { rssMb } from '../lib/proc.ts';
import { fmt, median, percentile, spread, until } from '../lib/stats.ts';
import { cores, cpuLine, sumCpu } from './deposit.ts';

export const SUBSCRIBERS = 100;

/**
 * The integrations service's settings in the bench (run.ts passes them): an organisation may hold
 * the 100 subscriptions (default 20), and 64 deliveries are in flight at once (default 32) so
 * that 100 receivers are not served 32 at a time; at most 4 per subscription, the default.
 */
export const FANOUT_SERVICE_ENV = {
  WEBHOOK_MAX_SUBSCRIPTIONS: String(SUBSCRIBERS),
  WEBHOOK_CONCURRENCY: '64',
  WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION: '4',
};

const INSURER = 'FANOUT-INSURER';
/** Deposits in flight at once: the burst is over in a second or two, well before the deliveries. */
const DEPOSIT_CONCURRENCY = 16;
const WARM_UP_DEPOSITS = 10;
/** integrations' consumer group (services/integrations/src/events/consumers.ts), under the bench's prefix. */
const CONSUMER_GROUP = 'integrations';

/** The wall clock to the microsecond, read the same way by the receivers' process. */
const wallNow = () => performance.timeOrigin + performance.now();

interface Report {
  arrived: number;
  copies: number;
  unsigned: number;
  byMission: [string, number[]][];
  sample: { headers: Record<string, string>; body: string } | null;
}

interface Legs {
  /** Deliveries of the run's missions the database holds as delivered, and those tried more than once. */
  delivered: number;
  retried: number;
  consumed: [number, number];
  claimed: [number, number];
  posted: [number, number];
}

interface ServiceRun {
  deposits: number;
  /** Distinct deliveries received (webhook-id and receiver). */
  deliveries: number;
  copies: number;
  unsigned: number;
  /** Deliveries of a mission not deposited in this run. */
  stray: number;
  depositSeconds: number;
  seconds: number;
  drainSeconds: number;
  rate: number;
  p50: number;
  p99: number;
  /** 201 → arrival of the run's first delivery: the path while the sender's queue is empty. */
  firstMs: number;
  /** The longest time without a delivery arriving, between the first and the last. */
  longestGapSeconds: number;
  legs?: Legs;
}

interface BaselineRun {
  posts: number;
  failed: number;
  received: number;
  seconds: number;
  rate: number;
}

export async function fanoutScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const { sizes } = ctx;
  const perRun = sizes.fanoutDeposits * SUBSCRIBERS;
  const runTag = Date.now().toString(36);
  const insurer = await ctx.token({ role: 'insurer', org: INSURER });
  const intake = ctx.url('mission-intake');
  const ig = ctx.schemas.integrations;
  const mi = ctx.schemas['mission-intake'];
  const topics = [Topics.missionIntake, Topics.quote, Topics.expertReview].map((t) => ctx.topicPrefix + t);
  const concurrency = Number(FANOUT_SERVICE_ENV.WEBHOOK_CONCURRENCY);
  const perOrigin = Number(FANOUT_SERVICE_ENV.WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION);

  const admin = createKafka({ brokers: ctx.kafkaBrokers, security: ctx.kafkaSecurity, clientId: 'bench-fanout', logger: createLogger('bench', 'warn') }).admin();
  let receivers: Helper | undefined;
  let poster: Helper | undefined;
  try {
    await admin.connect();
    receivers = await startHelper(join(import.meta.dirname, '..', 'webhook-receivers.ts'), { RECEIVERS: String(SUBSCRIBERS) });
    poster = await startHelper(join(import.meta.dirname, '..', 'webhook-poster.ts'));
    const helpers = { 'webhook receivers': receivers.pid, 'baseline poster': poster.pid };
    const { urls } = await receivers.ask<{ urls: string[] }>({ type: 'urls' });

    // The subscriptions, through the API as an integrator makes them: one receiver each.
    await pool(urls, 8, async (url, i) => {
      const r = await call('POST', `${ctx.url('integrations')}/v1/subscriptions`, insurer, { url, events: ['mission.deposited'], description: `bench receiver ${i + 1}` });
      if (r.status !== 201) throw new Error(`POST /v1/subscriptions answered ${r.status}: ${r.text.slice(0, 300)}`);
    });

    /** Before a run: integrations has applied every event so far and has nothing left to deliver. */
    async function quiet(): Promise<void> {
      await until(
        async () => {
          const { rows } = await ctx.db.query<{ pending: number; unsent: number }>(
            `SELECT (SELECT count(*) FROM ${ig}.deliveries WHERE status = 'pending')::int AS pending,
                    (SELECT count(*) FROM ${mi}.outbox WHERE sent_at IS NULL)::int AS unsent`,
          );
          return rows[0]!.pending === 0 && rows[0]!.unsent === 0 && (await groupLag(admin, ctx.topicPrefix + CONSUMER_GROUP, topics)) === 0;
        },
        'integrations to be idle (every event applied, no delivery pending)',
        600_000,
        250,
      );
    }

    async function serviceRun(deposits: number, label: string): Promise<{ run: ServiceRun; missions: string[]; sample: Report['sample'] }> {
      await receivers!.ask({ type: 'reset' });
      const answeredAt = new Map<string, number>();
      const want = deposits * SUBSCRIBERS;
      const sentAt = wallNow();
      await pool(Array.from({ length: deposits }, (_, i) => i), DEPOSIT_CONCURRENCY, async (i) => {
        const r = await call('POST', `${intake}/v1/missions`, insurer, depositBody(`FAN-${runTag}-${label}-${i}`, `FAN-GARAGE-${i % 50}`, 'FAN-EXPERTS'));
        if (r.status !== 201) throw new Error(`deposit answered ${r.status}: ${r.text.slice(0, 300)}`);
        answeredAt.set(r.json.id as string, wallNow());
      });
      const depositedAt = wallNow();
      let logged = performance.now();
      await until(
        async () => {
          const { unique } = await receivers!.ask<{ unique: number }>({ type: 'count' });
          if (performance.now() - logged > 15_000) {
            ctx.log(`fan-out: ${unique.toLocaleString('en-US')} of ${want.toLocaleString('en-US')} delivered`);
            logged = performance.now();
          }
          return unique >= want;
        },
        `${want} deliveries to reach the receivers`,
        1_800_000,
        20,
      );
      const report = await receivers!.ask<Report>({ type: 'report' });
      // And saved: the sender records each attempt once its answer is in.
      await until(
        async () => {
          const { rows } = await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${ig}.deliveries WHERE status = 'pending' AND mission_id = ANY($1::text[])`, [[...answeredAt.keys()]]);
          return rows[0]!.n === 0;
        },
        'every delivery to be saved',
        60_000,
        50,
      );
      let stray = 0;
      let firstAt = Infinity;
      let firstMs = NaN;
      const latencies: number[] = [];
      const arrivals: number[] = [];
      for (const [mission, times] of report.byMission) {
        const at = answeredAt.get(mission);
        if (at === undefined) {
          stray += times.length;
          continue;
        }
        for (const t of times) {
          if (t < firstAt) [firstAt, firstMs] = [t, t - at];
          arrivals.push(t);
          latencies.push(t - at);
        }
      }
      arrivals.sort((a, b) => a - b);
      let longestGap = 0;
      for (let i = 1; i < arrivals.length; i++) longestGap = Math.max(longestGap, arrivals[i]! - arrivals[i - 1]!);
      const last = arrivals.at(-1) ?? NaN;
      const seconds = (last - sentAt) / 1000;
      const deliveries = report.arrived - report.copies;
      return {
        run: {
          deposits,
          deliveries,
          copies: report.copies,
          unsigned: report.unsigned,
          stray,
          depositSeconds: (depositedAt - sentAt) / 1000,
          seconds,
          drainSeconds: (last - depositedAt) / 1000,
          rate: deliveries / seconds,
          p50: percentile(latencies, 50),
          p99: percentile(latencies, 99),
          firstMs,
          longestGapSeconds: longestGap / 1000,
        },
        missions: [...answeredAt.keys()],
        sample: report.sample,
      };
    }

    /** Where the time of each delivery went, from the database's clocks. */
    async function legsOf(missions: string[]): Promise<Legs> {
      const { rows } = await ctx.db.query<Record<string, number>>(
        `WITH d AS (
           SELECT d.status, d.attempts,
                  extract(epoch FROM f.recorded_at - m.received_at) * 1000 AS consumed,
                  extract(epoch FROM a.at - f.recorded_at) * 1000 AS claimed,
                  a.duration_ms AS posted
             FROM ${ig}.deliveries d
             JOIN ${ig}.feed f ON f.seq = d.feed_seq
             JOIN ${mi}.missions m ON m.id = d.mission_id
             LEFT JOIN ${ig}.delivery_attempts a ON a.delivery_id = d.id AND a.attempt = 1
            WHERE d.mission_id = ANY($1::text[]))
         SELECT count(*) FILTER (WHERE status = 'delivered')::int AS delivered, count(*) FILTER (WHERE attempts > 1)::int AS retried,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY consumed) AS consumed50, percentile_cont(0.99) WITHIN GROUP (ORDER BY consumed) AS consumed99,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY claimed) AS claimed50, percentile_cont(0.99) WITHIN GROUP (ORDER BY claimed) AS claimed99,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY posted) AS posted50, percentile_cont(0.99) WITHIN GROUP (ORDER BY posted) AS posted99
           FROM d`,
        [missions],
      );
      const r = rows[0]!;
      const pair = (k: string): [number, number] => [Number(r[`${k}50`]), Number(r[`${k}99`])];
      return { delivered: r.delivered!, retried: r.retried!, consumed: pair('consumed'), claimed: pair('claimed'), posted: pair('posted') };
    }

    let body = '';
    let sentHeaders: Record<string, string> = {};
    async function baselineRun(count: number): Promise<BaselineRun> {
      await receivers!.ask({ type: 'reset' });
      const r = await poster!.ask<{ seconds: number; ok: number; failed: number }>({ type: 'run', urls, count, concurrency, perOrigin, body, headers: sentHeaders });
      const { unique } = await receivers!.ask<{ unique: number }>({ type: 'count' });
      return { posts: r.ok, failed: r.failed, received: unique, seconds: r.seconds, rate: r.ok / r.seconds };
    }

    // Warm-up: JIT, pools, the statements' plans, the keep-alive connections; and what the
    // baseline sends: the service's own body, and its headers with a constant for the signature.
    await quiet();
    const warm = await serviceRun(WARM_UP_DEPOSITS, 'warm');
    if (!warm.sample) throw new Error('no delivery reached the receivers');
    body = warm.sample.body;
    const signature = warm.sample.headers['webhook-signature'] ?? '';
    sentHeaders = { 'webhook-signature': `v1,${'x'.repeat(Math.max(0, signature.length - 3))}`, 'user-agent': warm.sample.headers['user-agent'] ?? 'bench' };
    await baselineRun(WARM_UP_DEPOSITS * SUBSCRIBERS);

    const runs: ServiceRun[] = [];
    const base: BaselineRun[] = [];
    const serviceCpu: { name: string; ms: number }[][] = [];
    const baseCpu: { name: string; ms: number }[][] = [];
    const peaks: Record<string, number>[] = [];
    let dbWork: DbWork | undefined;
    for (let run = 0; run < sizes.fanoutRuns; run++) {
      await quiet();
      let before = ctx.cpu(helpers);
      base.push(await baselineRun(perRun));
      baseCpu.push(perOperation(cpuDelta(before, ctx.cpu(helpers)), base.at(-1)!.posts));
      // PostgreSQL's work is counted over the last run, outside the CPU window (it waits for the counters).
      const window = run === sizes.fanoutRuns - 1 ? await ctx.dbWork.start() : undefined;
      ctx.sampler.reset();
      before = ctx.cpu(helpers);
      const { run: measured, missions } = await serviceRun(sizes.fanoutDeposits, `r${run}`);
      serviceCpu.push(perOperation(cpuDelta(before, ctx.cpu(helpers)), measured.deliveries));
      peaks.push(ctx.sampler.peaks());
      measured.legs = await legsOf(missions);
      runs.push(measured);
      if (window) {
        dbWork = await window.finish({
          operation: 'delivery',
          operations: measured.deliveries,
          window: `The last run, from the first of its ${sizes.fanoutDeposits.toLocaleString('en-US')} deposits until the last delivery reached its receiver (the deposits and their other consumers included); deliveries counted as received`,
        });
      }
      ctx.log(
        `fan-out run ${run + 1}/${sizes.fanoutRuns}: ${fmt(measured.rate, 0)} deliveries/s (baseline ${fmt(base.at(-1)!.rate, 0)} POSTs/s), drained in ${fmt(measured.seconds, 1)} s, latency p50 ${fmt(measured.p50, 0)} ms p99 ${fmt(measured.p99, 0)} ms`,
      );
    }
    const receiversRss = rssMb(receivers.pid);
    return fanoutResult({ sizes: { deposits: sizes.fanoutDeposits, runs: sizes.fanoutRuns }, runs, base, serviceCpu, baseCpu, peaks, body, headers: Object.keys(warm.sample.headers), receiversRss, concurrency, perOrigin, ...(dbWork ? { dbWork } : {}) });
  } finally {
    await receivers?.stop();
    await poster?.stop();
    await admin.disconnect().catch(() => {});
  }
}

function fanoutResult(r: {
  sizes: { deposits: number; runs: number };
  runs: ServiceRun[];
  base: BaselineRun[];
  serviceCpu: { name: string; ms: number }[][];
  baseCpu: { name: string; ms: number }[][];
  peaks: Record<string, number>[];
  body: string;
  headers: string[];
  receiversRss: number;
  concurrency: number;
  perOrigin: number;
  dbWork?: DbWork;
}): ScenarioResult {
  const { runs, base } = r;
  const perRun = r.sizes.deposits * SUBSCRIBERS;
  const rate = spread(runs.map((x) => x.rate));
  const baseRate = spread(base.map((x) => x.rate));
  const ratio = spread(runs.map((x, i) => x.rate / base[i]!.rate));
  const row = (label: string, s: ReturnType<typeof spread>, digits = 0, unit = '') =>
    `| ${label} | ${fmt(s.median, digits)}${unit} | ${fmt(s.p99, digits)}${unit} | ${s.runs.map((v) => `${fmt(v, digits)}${unit}`).join(', ')} |`;
  // "p99 of runs" is the worst run: the slowest for a rate, the longest for a time.
  const worst = (label: string, s: ReturnType<typeof spread>, digits = 0, unit = '') =>
    `| ${label} | ${fmt(s.median, digits)}${unit} | ${fmt(s.min, digits)}${unit} (worst) | ${s.runs.map((v) => `${fmt(v, digits)}${unit}`).join(', ')} |`;
  const last = runs.at(-1);
  const legs = last?.legs;
  const leg = (label: string, pair: [number, number] | undefined) => `| ${label} | ${fmt(pair?.[0] ?? NaN, 1)} | ${fmt(pair?.[1] ?? NaN, 1)} |`;
  const sum = (k: 'copies' | 'unsigned' | 'stray') => runs.reduce((n, x) => n + x[k], 0);
  const retried = runs.reduce((n, x) => n + (x.legs?.retried ?? 0), 0);
  const notDelivered = runs.reduce((n, x) => n + (x.deliveries - (x.legs?.delivered ?? 0)), 0);
  const baseFailed = base.reduce((n, x) => n + x.failed + (x.posts - x.received), 0);
  const service = r.serviceCpu.at(-1);
  const integrationsMs = service?.find((c) => c.name === 'integrations')?.ms ?? NaN;
  const peak = r.peaks.map((p) => p.integrations ?? NaN);
  const targets: ScenarioResult['targets'] = [
    {
      name: `webhook fan-out to ${SUBSCRIBERS} subscribers (no target)`,
      status: 'n/a',
      detail: `${fmt(rate.median, 0)} deliveries/s, ${fmt(ratio.median * 100, 0)} % of the bare POST baseline (${fmt(baseRate.median, 0)}/s); latency p99 ${fmt(median(runs.map((x) => x.p99)), 0)} ms`,
    },
  ];
  const markdown = `${SUBSCRIBERS} subscriptions of one insurer to \`mission.deposited\`, made through \`POST /v1/subscriptions\`, each
to a receiver of its own: ${SUBSCRIBERS} \`node:http\` servers on 127.0.0.1, one port each (as many integrators
would be), in one process of their own, answering 204 as soon as the body has arrived and keeping
its arrival time. Each run deposits ${r.sizes.deposits.toLocaleString('en-US')} missions of that insurer through \`POST /v1/missions\`
(${DEPOSIT_CONCURRENCY} at a time, as fast as they are answered), which gives ${perRun.toLocaleString('en-US')} deliveries: the mission-intake
outbox, Kafka, integrations' consumer (feed rows and one delivery per subscription in one
transaction), its sender (claim, decrypt the secret, sign, POST, save the attempt). Timed from the
first deposit sent to the last delivery received (distinct webhook-id per receiver); a delivery's
latency is from its deposit's 201 to its arrival, both on the wall clock of the one machine.
integrations runs with \`WEBHOOK_CONCURRENCY=${r.concurrency}\` and \`WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION=${r.perOrigin}\`.
Baseline: a bare loop of ${perRun.toLocaleString('en-US')} POSTs from a Node process of its own to the same receivers
(round robin), ${r.concurrency} in flight with at most ${r.perOrigin} sockets per receiver (\`node:http\` keep-alive agent, like
the service's poster), the service's own body (${Buffer.byteLength(r.body).toLocaleString('en-US')} bytes, the insurer's \`mission.deposited\`) and headers
(\`${r.headers.filter((h) => h !== 'host' && h !== 'connection').join('`, `')}\`; the signature a constant of the same length):
no database, no signing. Before each run the bench waits until integrations has applied every
event and has no delivery pending; baseline and service runs alternate. The deposits are a burst
and the sender takes deliveries in feed order, so a delivery's latency is mostly its wait in the
sender's queue; the run's first delivery shows the path while that queue is empty, and the longest
time without any delivery arriving shows a sender that stalls with work pending.

| figure (${runs.length} runs of ${perRun.toLocaleString('en-US')} deliveries) | median | p99 of runs | runs |
|---|---:|---:|---|
${worst('**deliveries/s, first deposit → last delivery**', rate)}
${worst('baseline POSTs/s, bare node:http loop', baseRate)}
| **ratio deliveries / baseline POSTs** | **${fmt(ratio.median * 100, 0)} %** | ${fmt(ratio.min * 100, 0)} % | ${ratio.runs.map((v) => `${fmt(v * 100, 0)} %`).join(', ')} |
${row('time to drain: first deposit → last delivery (s)', spread(runs.map((x) => x.seconds)), 1)}
${row('of which after the last deposit answered (s)', spread(runs.map((x) => x.drainSeconds)), 1)}
${row('deposits: first sent → last 201 (s)', spread(runs.map((x) => x.depositSeconds)), 1)}
${row('baseline: first POST → last answer (s)', spread(base.map((x) => x.seconds)), 1)}
${row('delivery latency p50, 201 → arrival (ms)', spread(runs.map((x) => x.p50)))}
${row('**delivery latency p99, 201 → arrival (ms)**', spread(runs.map((x) => x.p99)))}
${row('first delivery of the run, 201 → arrival (ms)', spread(runs.map((x) => x.firstMs)))}
${row('longest time without a delivery arriving (s)', spread(runs.map((x) => x.longestGapSeconds)), 1)}

Where the time goes, last run (${(legs?.delivered ?? 0).toLocaleString('en-US')} deliveries; the database's and the services' clocks: \`received_at\` is
mission-intake's clock at the deposit, a feed row's \`recorded_at\` the start of the consumer's
transaction, an attempt's \`at\` the sender's clock once it has claimed the delivery):

| leg, ms | p50 | p99 |
|---|---:|---:|
${leg("deposit received → feed row and deliveries written (integrations' consumer)", legs?.consumed)}
${leg('feed row → attempt started (waiting to be claimed)', legs?.claimed)}
${leg('the POST, as the service timed it (attempt duration)', legs?.posted)}

CPU per delivery, last run, every process from the first deposit until every delivery is received
and saved (ms of CPU, from /proc; the deposits' own cost is in it, a hundredth of a deposit's per
delivery, and the bench's polling of the receivers and of the database):
${cpuLine(service)}. Baseline per POST: ${cpuLine(r.baseCpu.at(-1))}. With ${cores()} cores, the CPU alone
caps the fan-out at about ${fmt((cores() * 1000) / sumCpu(service), 0)} deliveries/s, and the bare POSTs at ${fmt((cores() * 1000) / sumCpu(r.baseCpu.at(-1)), 0)}/s;
integrations alone, at ${fmt(integrationsMs, 3)} ms per delivery, could send ${fmt(1000 / integrationsMs, 0)}/s on one core.

Peak RSS of integrations during the runs: ${peak.map((v) => `${fmt(v, 0)} MB`).join(', ')}; receivers' process after the runs: ${fmt(r.receiversRss, 0)} MB.
Copies received: ${sum('copies')}; requests without the Standard Webhooks headers: ${sum('unsigned')}; deliveries of other
missions: ${sum('stray')}; deliveries tried more than once: ${retried}; received but not saved as delivered: ${notDelivered}.
Baseline POSTs failed or not received: ${baseFailed}.`;
  return {
    key: 'fanout',
    title: '6. Webhook fan-out',
    markdown,
    targets,
    data: { sizes: r.sizes, runs, base, serviceCpu: r.serviceCpu, baseCpu: r.baseCpu, peaks: r.peaks, bodyBytes: Buffer.byteLength(r.body), receiversRss: r.receiversRss },
    ...(r.dbWork ? { dbWork: r.dbWork } : {}),
  };
}
