// Scenario 1: deposits through POST /v1/missions with HTTP keep-alive, beside a bare fastify
// route doing one INSERT. Saturating runs (throughput) and paced runs at 500/s (latency),
// interleaved with the baseline; between runs the downstream consumers are let to catch up.
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { startBaseline } from '../lib/baseline.ts';
import { depositBody, type BenchContext, type ScenarioResult } from '../lib/context.ts';
import { load, type LoadFigures } from '../lib/load.ts';
import { cpuDelta, perOperation } from '../lib/cpu.ts';
import type { DbWork } from '../lib/db-work.ts';
import { fmt, sleep, spread, until } from '../lib/stats.ts';

const PACED_RATE = 500;

export const cores = () => availableParallelism();
export const sumCpu = (rows: { name: string; ms: number }[] | undefined) => (rows ?? []).reduce((n, r) => n + r.ms, 0);
export const cpuLine = (rows: { name: string; ms: number }[] | undefined) =>
  (rows ?? [])
    .filter((r) => r.ms >= 0.005)
    .map((r) => `${r.name} ${fmt(r.ms, 2)}`)
    .join(', ') + ` (total ${fmt(sumCpu(rows), 2)})`;

export async function depositScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const { sizes } = ctx;
  const runId = Date.now().toString(36);
  const insurer = await ctx.token({ role: 'insurer', org: 'BENCH-INSURER' });
  const baseline = await startBaseline({ DATABASE_URL: ctx.databaseUrl, DB_POOL_MAX: '10', BASELINE_SCHEMA: `${ctx.schemas['mission-intake']}_baseline` });
  let counter = 0;
  const requests = (path: string) => [
    {
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${insurer}` },
      setupRequest: (request: { body?: string | Buffer }) => {
        const n = counter++;
        return { ...request, body: JSON.stringify(depositBody(`DEP-${runId}-${n}`, `BENCH-GARAGE-${n % 50}`, 'BENCH-EXPERTS')) };
      },
    },
  ];
  const intake = ctx.url('mission-intake');
  const mi = ctx.schemas['mission-intake'];

  /** Waits until the two consumers of mission.received (quote, expiry-scheduler) have applied every deposit so far. */
  async function drain(): Promise<number> {
    const started = performance.now();
    await until(
      async () => {
        // expert-review no longer reads mission.received: it opens a case from quote.submitted alone.
        const { rows } = await ctx.db.query<{ made: number; quote: number; expiry: number; pending: number }>(
          `SELECT (SELECT count(*) FROM ${mi}.missions WHERE insurer_id = 'BENCH-INSURER')::int AS made,
                  (SELECT count(*) FROM ${ctx.schemas.quote}.missions WHERE insurer_id = 'BENCH-INSURER')::int AS quote,
                  (SELECT count(*) FROM ${ctx.schemas['expiry-scheduler']}.deadlines)::int AS expiry,
                  (SELECT count(*) FROM ${mi}.outbox WHERE sent_at IS NULL)::int AS pending`,
        );
        const r = rows[0]!;
        return r.pending === 0 && r.quote >= r.made && r.expiry >= r.made;
      },
      'the consumers to apply every deposit',
      600_000,
      250,
    );
    return (performance.now() - started) / 1000;
  }

  const deposited = async () =>
    (await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${mi}.missions WHERE insurer_id = 'BENCH-INSURER'`)).rows[0]!.n;

  const service: LoadFigures[] = [];
  const base: LoadFigures[] = [];
  const paced: LoadFigures[] = [];
  const basePaced: LoadFigures[] = [];
  const drains: number[] = [];
  const peaks: Record<string, number>[] = [];
  const baseCpu: { name: string; ms: number }[][] = [];
  const serviceCpu: { during: { name: string; ms: number }[]; total: { name: string; ms: number }[] }[] = [];
  let dbWork: DbWork | undefined;
  try {
    // Warm-up: JIT, pools, the statements' plans.
    await load({ url: intake, connections: 8, duration: 2, requests: requests('/v1/missions') });
    await load({ url: baseline.url, connections: 8, duration: 2, requests: requests('/deposit') });
    await drain();
    for (let run = 0; run < sizes.runs; run++) {
      ctx.sampler.reset();
      let before = ctx.cpu({ baseline: baseline.pid });
      base.push(await load({ url: baseline.url, connections: sizes.connections, duration: sizes.seconds, requests: requests('/deposit') }));
      baseCpu.push(perOperation(cpuDelta(before, ctx.cpu({ baseline: baseline.pid })), base.at(-1)!.ok));
      // PostgreSQL's work is counted over the last saturating run, outside the CPU window (it waits for the counters).
      const window = run === sizes.runs - 1 ? await ctx.dbWork.start() : undefined;
      const madeBefore = window ? await deposited() : 0;
      before = ctx.cpu();
      service.push(await load({ url: intake, connections: sizes.connections, duration: sizes.seconds, requests: requests('/v1/missions') }));
      peaks.push(ctx.sampler.peaks());
      const duringRun = cpuDelta(before, ctx.cpu());
      drains.push(await drain());
      // The deposit's whole cost: the request and, during the drain, the consumers' share.
      serviceCpu.push({ during: perOperation(duringRun, service.at(-1)!.ok), total: perOperation(cpuDelta(before, ctx.cpu()), service.at(-1)!.ok) });
      if (window) {
        // The deposits the database took: the 2xx and the requests still in flight when the load stopped.
        const operations = (await deposited()) - madeBefore;
        dbWork = await window.finish({ operation: 'deposit', operations, window: 'The last saturating run and its drain (the consumers applying the same deposits); deposits counted as missions written' });
      }
      basePaced.push(await load({ url: baseline.url, connections: sizes.connections, duration: sizes.seconds, overallRate: PACED_RATE, requests: requests('/deposit') }));
      paced.push(await load({ url: intake, connections: sizes.connections, duration: sizes.seconds, overallRate: PACED_RATE, requests: requests('/v1/missions') }));
      await drain();
      ctx.log(`deposit run ${run + 1}/${sizes.runs}: ${fmt(service.at(-1)!.rps, 0)}/s (baseline ${fmt(base.at(-1)!.rps, 0)}/s), p99 at ${PACED_RATE}/s ${paced.at(-1)!.p99} ms`);
      await sleep(500);
    }
  } finally {
    await baseline.stop();
  }

  const rps = spread(service.map((r) => r.rps));
  const baseRps = spread(base.map((r) => r.rps));
  const ratios = spread(service.map((r, i) => r.rps / base[i]!.rps));
  const pacedP99 = spread(paced.map((r) => r.p99));
  const pacedP50 = spread(paced.map((r) => r.p50));
  const basePacedP99 = spread(basePaced.map((r) => r.p99));
  const satP99 = spread(service.map((r) => r.p99));
  const errors = [...service, ...paced].reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0);
  const drainSpread = spread(drains);
  // End to end: what the whole platform absorbs, the deposits and their consumers' work.
  const sustained = spread(service.map((r, i) => r.ok / (r.seconds + drains[i]!)));
  // The platform's CPU per deposit (every process, the consumers' drain included, not the load
  // generator) against the baseline's per insert, in the last run of each.
  const platformCpu = (rows: { name: string; ms: number }[] | undefined) => sumCpu((rows ?? []).filter((r) => !r.name.startsWith('bench')));
  const cpuRatio = platformCpu(serviceCpu.at(-1)?.total) / platformCpu(baseCpu.at(-1));
  // The close's CPU is measured against the same baseline (section 2).
  ctx.baselineInsertCpuMs = platformCpu(baseCpu.at(-1));
  const targets = [
    { name: 'platform CPU per deposit ≤ 3× the baseline CPU per insert', status: cpuRatio <= 3 ? 'met' : 'missed', detail: `${fmt(cpuRatio, 1)}× (${fmt(platformCpu(serviceCpu.at(-1)?.total), 2)} ms against ${fmt(platformCpu(baseCpu.at(-1)), 2)} ms, last run)` },
    { name: 'deposits/s ≥ 25 % of the baseline inserts/s', status: ratios.median >= 0.25 ? 'met' : 'missed', detail: `${fmt(ratios.median * 100, 0)} % median (${fmt(rps.median, 0)}/s against ${fmt(baseRps.median, 0)}/s)` },
    { name: `deposit p99 < 50 ms at ${PACED_RATE}/s`, status: pacedP99.median < 50 ? 'met' : 'missed', detail: `${fmt(pacedP99.median, 0)} ms median of runs, worst ${fmt(pacedP99.p99, 0)} ms` },
  ] as ScenarioResult['targets'];
  const markdown = `Saturating runs: autocannon, ${sizes.connections} keep-alive connections, ${sizes.seconds} s, each request a new
insurerMissionRef (50 garages), straight to the mission-intake process (no gateway: the ingress is
not the service). Paced runs: the same at ${PACED_RATE} requests/s. Baseline: a fastify process with one
route doing one \`INSERT\` of the body as jsonb (pool of 10, like the service). Baseline and service
runs alternate; after each service run the bench waits until quote, expert-review and
expiry-scheduler have applied every \`mission.received\` (the drain) before the next run.

| figure (${sizes.runs} runs) | median | p99 of runs | runs |
|---|---:|---:|---|
| deposits/s, POST /v1/missions | ${fmt(rps.median, 0)} | ${fmt(rps.min, 0)} (worst) | ${rps.runs.map((v) => fmt(v, 0)).join(', ')} |
| baseline inserts/s, bare fastify + 1 INSERT | ${fmt(baseRps.median, 0)} | ${fmt(baseRps.min, 0)} (worst) | ${baseRps.runs.map((v) => fmt(v, 0)).join(', ')} |
| **ratio service / baseline** | **${fmt(ratios.median * 100, 0)} %** | ${fmt(ratios.min * 100, 0)} % | ${ratios.runs.map((v) => `${fmt(v * 100, 0)} %`).join(', ')} |
| latency p99 while saturating (ms) | ${fmt(satP99.median, 0)} | ${fmt(satP99.p99, 0)} | ${satP99.runs.join(', ')} |
| latency p50 at ${PACED_RATE}/s (ms) | ${fmt(pacedP50.median, 1)} | ${fmt(pacedP50.p99, 1)} | ${pacedP50.runs.join(', ')} |
| **latency p99 at ${PACED_RATE}/s (ms)** | **${fmt(pacedP99.median, 0)}** | ${fmt(pacedP99.p99, 0)} | ${pacedP99.runs.join(', ')} |
| baseline latency p99 at ${PACED_RATE}/s (ms) | ${fmt(basePacedP99.median, 0)} | ${fmt(basePacedP99.p99, 0)} | ${basePacedP99.runs.join(', ')} |
| drain after a saturating run (s) | ${fmt(drainSpread.median, 1)} | ${fmt(drainSpread.p99, 1)} | ${drainSpread.runs.map((v) => fmt(v, 1)).join(', ')} |
| end to end: deposits / (run + drain) per s | ${fmt(sustained.median, 0)} | ${fmt(sustained.min, 0)} (worst) | ${sustained.runs.map((v) => fmt(v, 0)).join(', ')} |

CPU time per deposit, last saturating run (ms of CPU per 2xx, from /proc utime+stime; PostgreSQL is
all its processes): during the run ${cpuLine(serviceCpu.at(-1)?.during)}; including the drain
(the consumers' work for the same deposits) ${cpuLine(serviceCpu.at(-1)?.total)}. Baseline per insert:
${cpuLine(baseCpu.at(-1))}. With ${cores()} cores, the CPU alone caps the end-to-end deposit rate at
about ${fmt((cores() * 1000) / sumCpu(serviceCpu.at(-1)?.total), 0)}/s, and the baseline at ${fmt((cores() * 1000) / sumCpu(baseCpu.at(-1)), 0)}/s.

Non-2xx, errors and timeouts over all service runs: ${errors}. Peak RSS during the saturating runs (MB):
${Object.entries(peaks.at(-1) ?? {})
  .map(([k, v]) => `${k} ${fmt(v, 0)}`)
  .join(', ')}.`;
  return { key: 'deposit', title: '1. Deposit throughput', markdown, targets, data: { service, base, paced, basePaced, drains, peaks, serviceCpu, baseCpu }, ...(dbWork ? { dbWork } : {}) };
}
