// Scenario 5: each service's start-up time (spawn to the first 200 of /health/ready, polled every
// 10 ms), alone on the machine, on a fresh schema (migrations, topic creation) and again on the
// migrated one (a pod restart), connected as its own PostgreSQL role as the platform starts it;
// resident memory idle and at the peak of the load scenarios.
// Baseline: a bare fastify process started the same way (an esbuild bundle under plain node).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SERVICE_NAMES, type ServiceName } from '@smart-expertise/contracts';
import { buildServices } from '../../../scripts/build.mjs';
import { withServiceRoles } from '../../../scripts/local-db-roles.ts';
import { freePort, localServiceDefaults, serviceCommand } from '../../../scripts/platform.ts';
import { startBaseline } from '../lib/baseline.ts';
import type { ScenarioResult } from '../lib/context.ts';
import { rssMb } from '../lib/proc.ts';
import { fmt, sleep, spread } from '../lib/stats.ts';

const root = join(import.meta.dirname, '..', '..', '..');

export interface StartupFigures {
  fresh: Record<ServiceName, number[]>;
  restart: Record<ServiceName, number[]>;
  readyRss: Record<ServiceName, number[]>;
  baseline: number[];
  baselineRss: number[];
}

async function startOnce(name: ServiceName, env: Record<string, string>): Promise<{ ms: number; rss: number }> {
  const port = await freePort(0);
  const started = performance.now();
  const child = spawn(process.execPath, serviceCommand(name), {
    cwd: join(root, 'services', name),
    env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1', ...localServiceDefaults(name), ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += String(c)));
  try {
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${name} exited during start: ${stderr.slice(-500)}`);
      try {
        if ((await fetch(`http://127.0.0.1:${port}/health/ready`)).ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${name} not ready after 90 s`);
      await sleep(10);
    }
    return { ms: performance.now() - started, rss: rssMb(child.pid) };
  } finally {
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 30_000).unref();
    });
  }
}

/** Runs before the platform starts, so that nothing else competes; schemas `<schemaBase>_fp<i>_<svc>`. */
export async function measureStartup(common: Record<string, string>, schemaBase: string, topicPrefix: string, runs: number): Promise<StartupFigures> {
  const empty = () => Object.fromEntries(SERVICE_NAMES.map((n) => [n, [] as number[]])) as Record<ServiceName, number[]>;
  const out: StartupFigures = { fresh: empty(), restart: empty(), readyRss: empty(), baseline: [], baselineRss: [] };
  await buildServices(root, [...SERVICE_NAMES]);
  for (let i = 0; i < runs; i++) {
    // Each service as its own PostgreSQL role, owner of its schema, as startPlatform gives it.
    const serviceEnv = await withServiceRoles(common, Object.fromEntries(SERVICE_NAMES.map((name) => [name, { DB_SCHEMA: `${schemaBase}_fp${i}_${name.replaceAll('-', '_')}` }])));
    for (const name of SERVICE_NAMES) {
      const env = { ...common, ...serviceEnv[name], KAFKA_TOPIC_PREFIX: `${topicPrefix}fp${i}.`, EXPIRY_CRON_ENABLED: 'false' };
      out.fresh[name].push((await startOnce(name, env)).ms);
      const again = await startOnce(name, env);
      out.restart[name].push(again.ms);
      out.readyRss[name].push(again.rss);
    }
    const base = await startBaseline({ DATABASE_URL: '' });
    await sleep(200);
    out.baselineRss.push(rssMb(base.pid));
    out.baseline.push(base.startupMs);
    await base.stop();
  }
  return out;
}

export function footprintResult(startup: StartupFigures, idle: Record<string, number>, peak: Record<string, number>, profile: boolean): ScenarioResult {
  const targets: ScenarioResult['targets'] = [];
  const rows = SERVICE_NAMES.map((name) => {
    const fresh = spread(startup.fresh[name]);
    const restart = spread(startup.restart[name]);
    const worstRss = Math.max(idle[name] ?? 0, peak[name] ?? 0);
    targets.push({ name: `${name} RSS < 150 MB idle and under load`, status: worstRss < 150 ? 'met' : 'missed', detail: `idle ${fmt(idle[name] ?? NaN, 0)} MB, peak ${fmt(peak[name] ?? NaN, 0)} MB` });
    targets.push({ name: `${name} peak RSS < 200 MB under load`, status: (peak[name] ?? Infinity) < 200 ? 'met' : 'missed', detail: `peak ${fmt(peak[name] ?? NaN, 0)} MB` });
    targets.push({ name: `${name} start-up < 2 s`, status: restart.median < 2000 ? 'met' : 'missed', detail: `${fmt(restart.median / 1000, 2)} s restart, ${fmt(fresh.median / 1000, 2)} s on a fresh schema` });
    const ratio = restart.median / spread(startup.baseline).median;
    return `| ${name} | ${fmt(idle[name] ?? NaN, 0)} | ${fmt(peak[name] ?? NaN, 0)} | ${fmt(spread(startup.readyRss[name]).median, 0)} | ${fmt(restart.median / 1000, 2)} / ${fmt(restart.p99 / 1000, 2)} | ${fmt(fresh.median / 1000, 2)} / ${fmt(fresh.p99 / 1000, 2)} | ${fmt(ratio, 1)}× |`;
  });
  const base = spread(startup.baseline);
  const markdown = `Start-up: each service alone (before the platform starts), spawned as the platform and the
image do (its esbuild bundle under plain node, \`node --enable-source-maps dist/main.js\`), timed
to its first 200 on \`/health/ready\` (database and Kafka reachable, consumers joined, HTTP
listening), polled every 10 ms; on a fresh schema and topic prefix (migrations and topic creation
included), then again on the migrated schema (a pod restart). ${startup.baseline.length} runs each. RSS: VmRSS from /proc/<pid>/status of the platform's service processes,
idle after start-up, and the peak sampled every 250 ms through the load scenarios (1–4 and 6).${profile ? ' **This run had --cpu-prof on: figures are inflated by the profiler.**' : ''}

| service | RSS idle (MB) | RSS peak under load (MB) | RSS at ready, alone (MB) | start-up, restart: median / p99 (s) | start-up, fresh schema: median / p99 (s) | restart / baseline |
|---|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}
| baseline: bare fastify, bundled the same way | ${fmt(spread(startup.baselineRss).median, 0)} | — | — | ${fmt(base.median / 1000, 2)} / ${fmt(base.p99 / 1000, 2)} | — | 1× |`;
  return { key: 'footprint', title: '5. Footprint', markdown, targets, data: { startup, idle, peak } };
}
