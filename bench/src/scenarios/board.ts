// Scenario 3: GET /v1/board for a garage holding boardGarage missions among boardTotal, paced at
// 1,000 requests/s; beside the same three SQL statements behind a bare fastify route.
import { performance } from 'node:perf_hooks';
import { startBaseline } from '../lib/baseline.ts';
import type { BenchContext, ScenarioResult } from '../lib/context.ts';
import { load, type LoadFigures } from '../lib/load.ts';
import { seedMissions } from '../lib/seed.ts';
import { fmt, sleep, spread } from '../lib/stats.ts';
import { cpuDelta, perOperation } from '../lib/cpu.ts';
import type { DbWork } from '../lib/db-work.ts';
import { cpuLine } from './deposit.ts';

const RATE = 1000;
const GARAGE = 'BOARD-GARAGE';

export async function boardScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const { sizes } = ctx;
  const mi = ctx.schemas['mission-intake'];
  const every = Math.round(sizes.boardTotal / sizes.boardGarage);
  const seedStarted = performance.now();
  await seedMissions(ctx.db, mi, {
    tag: 'board',
    count: sizes.boardTotal,
    garage: `CASE WHEN g % ${every} = 0 THEN '${GARAGE}' ELSE 'SEED-G-' || (g % 997) END`,
    spreadStatuses: true,
    deadline: `now() + interval '7 days'`,
  });
  await ctx.db.query(`VACUUM ANALYZE ${mi}.missions`);
  await ctx.db.query(`VACUUM ANALYZE ${mi}.mission_facts`);
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const { rows: counted } = await ctx.db.query<{ total: number; garage: number }>(
    `SELECT count(*)::int AS total, count(*) FILTER (WHERE garage_id = $1)::int AS garage FROM ${mi}.missions`,
    [GARAGE],
  );
  ctx.log(`board: seeded ${counted[0]!.total} missions (${counted[0]!.garage} for ${GARAGE}) in ${fmt(seedSeconds, 0)} s`);

  // The statements' own cost, for the notes.
  const explain = async (sql: string, params: unknown[]) => {
    const { rows } = await ctx.db.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
    const plan = (rows[0] as { 'QUERY PLAN': [{ Plan: { 'Node Type': string; Plans?: { 'Node Type': string }[] }; 'Execution Time': number }] })['QUERY PLAN'][0];
    const nodes: string[] = [];
    const walk = (p: { 'Node Type': string; Plans?: unknown[] }) => {
      nodes.push(p['Node Type']);
      for (const c of (p.Plans ?? []) as { 'Node Type': string; Plans?: unknown[] }[]) walk(c);
    };
    walk(plan.Plan);
    return { ms: plan['Execution Time'], nodes: nodes.join(' → ') };
  };
  const countsPlan = await explain(`SELECT section, count(*)::int AS n FROM ${mi}.missions WHERE garage_id = $1 GROUP BY section`, [GARAGE]);
  const pagePlan = await explain(`SELECT * FROM ${mi}.missions WHERE garage_id = $1 AND section = $2 ORDER BY received_at DESC, id DESC LIMIT 21`, [GARAGE, 'smart.new']);

  const garage = await ctx.token({ role: 'garage', org: GARAGE });
  const intake = ctx.url('mission-intake');
  const baseline = await startBaseline({ DATABASE_URL: ctx.databaseUrl, DB_POOL_MAX: '10', BOARD_SCHEMA: mi });
  const serviceOpts = { url: `${intake}/v1/board`, headers: { authorization: `Bearer ${garage}` } };
  const baseOpts = { url: `${baseline.url}/board?garage=${GARAGE}` };
  const service: LoadFigures[] = [];
  const base: LoadFigures[] = [];
  const serviceMax: LoadFigures[] = [];
  const baseMax: LoadFigures[] = [];
  let baseCpu: { name: string; ms: number }[] = [];
  let serviceCpu: { name: string; ms: number }[] = [];
  let dbWork: DbWork | undefined;
  try {
    const probe = await fetch(`${intake}/v1/board`, { headers: { authorization: `Bearer ${garage}` } });
    const body = (await probe.json()) as { counts: Record<string, number>; items: unknown[] };
    if (probe.status !== 200 || body.items.length !== 20) throw new Error(`board answered ${probe.status} with ${body.items?.length} items`);
    await load({ ...serviceOpts, connections: 8, duration: 2 });
    await load({ ...baseOpts, connections: 8, duration: 2 });
    for (let run = 0; run < sizes.runs; run++) {
      base.push(await load({ ...baseOpts, connections: 16, duration: sizes.seconds, overallRate: RATE }));
      service.push(await load({ ...serviceOpts, connections: 16, duration: sizes.seconds, overallRate: RATE }));
      let before = ctx.cpu({ baseline: baseline.pid });
      baseMax.push(await load({ ...baseOpts, connections: 16, duration: Math.min(sizes.seconds, 5) }));
      baseCpu = perOperation(cpuDelta(before, ctx.cpu({ baseline: baseline.pid })), baseMax.at(-1)!.ok);
      const window = run === sizes.runs - 1 ? await ctx.dbWork.start() : undefined;
      before = ctx.cpu();
      serviceMax.push(await load({ ...serviceOpts, connections: 16, duration: Math.min(sizes.seconds, 5) }));
      serviceCpu = perOperation(cpuDelta(before, ctx.cpu()), serviceMax.at(-1)!.ok);
      dbWork = await window?.finish({ operation: 'board read', operations: serviceMax.at(-1)!.ok, window: 'The last saturating run; reads counted as 2xx answers (up to 16 more were in flight when the load stopped)' });
      ctx.log(`board run ${run + 1}/${sizes.runs}: at ${RATE}/s p99 ${service.at(-1)!.p99} ms (baseline ${base.at(-1)!.p99} ms), max ${fmt(serviceMax.at(-1)!.rps, 0)}/s (baseline ${fmt(baseMax.at(-1)!.rps, 0)}/s)`);
      await sleep(300);
    }
  } finally {
    await baseline.stop();
  }
  const p99 = spread(service.map((r) => r.p99));
  const p50 = spread(service.map((r) => r.p50));
  const achieved = spread(service.map((r) => r.rps));
  const bp99 = spread(base.map((r) => r.p99));
  const bp50 = spread(base.map((r) => r.p50));
  const bachieved = spread(base.map((r) => r.rps));
  const max = spread(serviceMax.map((r) => r.rps));
  const bmax = spread(baseMax.map((r) => r.rps));
  const ratioMax = spread(serviceMax.map((r, i) => r.rps / baseMax[i]!.rps));
  const ratioP99 = spread(service.map((r, i) => r.p99 / Math.max(1, base[i]!.p99)));
  const errors = [...service, ...serviceMax].reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0);
  const met = p99.median < 20 && achieved.median >= RATE * 0.97;
  const targets = [
    { name: `board p99 < 20 ms at ${RATE} requests/s`, status: met ? 'met' : 'missed', detail: `p99 ${fmt(p99.median, 0)} ms at ${fmt(achieved.median, 0)} requests/s answered` },
  ] as ScenarioResult['targets'];
  const row = (label: string, s: ReturnType<typeof spread>, digits = 0, worst: 'p99' | 'min' = 'p99') =>
    `| ${label} | ${fmt(s.median, digits)} | ${fmt(worst === 'p99' ? s.p99 : s.min, digits)}${worst === 'min' ? ' (worst)' : ''} | ${s.runs.map((v) => fmt(v, digits)).join(', ')} |`;
  const markdown = `${counted[0]!.total.toLocaleString('en-US')} missions seeded with SQL into mission-intake's schema
(\`INSERT … SELECT generate_series\`, one received fact each, statuses spread over the seven
sections, ${fmt(seedSeconds, 0)} s with \`VACUUM ANALYZE\`), ${counted[0]!.garage.toLocaleString('en-US')} of them for one garage. autocannon sends
\`GET /v1/board\` (default section smart.new, 20 items, counts per section) with that garage's
token, 16 keep-alive connections, paced at ${RATE}/s for ${sizes.seconds} s; then one saturating run of
${Math.min(sizes.seconds, 5)} s. Baseline: a bare fastify route running the board's three statements (counts per section,
the page, the page's facts) on the same schema and returning the rows, no auth and no projection.

| figure (${sizes.runs} runs) | median | p99 of runs | runs |
|---|---:|---:|---|
${row(`**p99 at ${RATE}/s (ms)**`, p99)}
${row(`p50 at ${RATE}/s (ms)`, p50, 1)}
${row('answered per s in the paced run', achieved, 0, 'min')}
${row(`baseline p99 at ${RATE}/s (ms)`, bp99)}
${row(`baseline p50 at ${RATE}/s (ms)`, bp50, 1)}
${row('baseline answered per s in the paced run', bachieved, 0, 'min')}
${row('saturating: board requests/s', max, 0, 'min')}
${row('saturating: baseline requests/s', bmax, 0, 'min')}
| **ratio saturating service / baseline** | **${fmt(ratioMax.median * 100, 0)} %** | ${fmt(ratioMax.min * 100, 0)} % (worst) | ${ratioMax.runs.map((v) => `${fmt(v * 100, 0)} %`).join(', ')} |
| ratio p99 service / baseline at ${RATE}/s | ${fmt(ratioP99.median, 1)}× | ${fmt(ratioP99.p99, 1)}× | ${ratioP99.runs.map((v) => `${fmt(v, 1)}×`).join(', ')} |

CPU per request in the last saturating run (ms): board ${cpuLine(serviceCpu)}; baseline ${cpuLine(baseCpu)}.
Non-2xx, errors and timeouts: ${errors}. The statements alone (\`EXPLAIN ANALYZE\`, warm): counts per section
${fmt(countsPlan.ms, 2)} ms (${countsPlan.nodes}), the page ${fmt(pagePlan.ms, 2)} ms (${pagePlan.nodes}).`;
  return { key: 'board', title: '3. Board read', markdown, targets, data: { seedSeconds, countsPlan, pagePlan, service, base, serviceMax, baseMax }, ...(dbWork ? { dbWork } : {}) };
}
