// npm run bench: the benchmark suite on the real stack, services as separate processes.
//   node --import tsx bench/src/run.ts [--quick] [--only=deposit,propagation,board,sweep,footprint,fanout] [--profile] [--no-report]
//                                      [--runs=N] [--seconds=N] [--sweep-runs=N] [--close-rate=N] [--fanout-deposits=N] [--fanout-runs=N]
// --quick: small sizes and few short runs (a smoke run of a few minutes); default: the full run.
// --profile: the services run with node --cpu-prof; the top self-time functions go in the report.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import kafkajs from 'kafkajs';
import { SERVICE_NAMES, type ServiceName } from '@smart-expertise/contracts';
import type { KafkaSecurity } from '@smart-expertise/service-runtime';
import type { KafkaSasl } from '../../tools/stack/kafka.mjs';
import { startPlatform, type Platform } from '../../scripts/platform.ts';
import { FULL, QUICK, newJwtSecret, tokenFactory, type BenchContext, type ScenarioResult } from './lib/context.ts';
import { RssSampler, rssMb } from './lib/proc.ts';
import { cpuSnapshot } from './lib/cpu.ts';
import { benchPool, createDbWorkMeter } from './lib/db-work.ts';
import { existsSync, readFileSync } from 'node:fs';
import { profilesIn, summarise } from './lib/profile.ts';
import { fmt, sleep } from './lib/stats.ts';
import { machine, packageVersion, writeReport, type ReportInput } from './report.ts';
import { depositScenario } from './scenarios/deposit.ts';
import { propagationScenario } from './scenarios/propagation.ts';
import { boardScenario } from './scenarios/board.ts';
import { sweepScenario } from './scenarios/sweep.ts';
import { footprintResult, measureStartup, type StartupFigures } from './scenarios/footprint.ts';
import { FANOUT_SERVICE_ENV, fanoutScenario } from './scenarios/fanout.ts';

const root = join(import.meta.dirname, '..', '..');
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const argv = process.argv.slice(2).filter((a) => a !== '--');
const quick = argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const profile = argv.includes('--profile');
const writeDoc = !argv.includes('--no-report');
const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const wanted = (key: string) => !only || only.includes(key);
const numberArg = (name: string) => {
  const value = argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  return value === undefined ? undefined : Number(value);
};
const sizes = { ...(quick ? QUICK : FULL) };
sizes.runs = numberArg('runs') ?? sizes.runs;
sizes.seconds = numberArg('seconds') ?? sizes.seconds;
sizes.sweepRuns = numberArg('sweep-runs') ?? sizes.sweepRuns;
sizes.closeRate = numberArg('close-rate') ?? sizes.closeRate;
sizes.fanoutDeposits = numberArg('fanout-deposits') ?? sizes.fanoutDeposits;
sizes.fanoutRuns = numberArg('fanout-runs') ?? sizes.fanoutRuns;
const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
const startedAt = new Date();
const t0 = performance.now();

interface StackModule {
  ensureStack(options: { root: string; log?: (line: string) => void }): Promise<{ databaseUrl: string; kafkaBrokers: string[]; kafkaSasl?: KafkaSasl; provider?: string; stop(): Promise<void> }>;
  kafkaEnv(stack: { kafkaBrokers: string[]; kafkaSasl?: KafkaSasl }): Record<string, string>;
  KAFKA_VERSION: string;
}
const stackModulePath = join(root, 'tools', 'stack', 'index.mjs');
const { ensureStack, kafkaEnv, KAFKA_VERSION } = (await import(stackModulePath)) as StackModule;

const machineInfo = machine();
log(`${quick ? 'quick' : 'full'} run on ${machineInfo.cores} × ${machineInfo.cpu}, load ${machineInfo.loadAtStart}`);
const stack = await ensureStack({ root, log: (line) => log(`stack: ${line}`) });
const id = randomBytes(4).toString('hex');
const schemaBase = `bench_${id}`;
const schemas = Object.fromEntries(SERVICE_NAMES.map((n) => [n, `${schemaBase}_${n.replaceAll('-', '_')}`])) as Record<ServiceName, string>;
const topicPrefix = `bench${id}.`;
const jwtSecret = newJwtSecret();
const logDir = join(root, '.stack', 'bench', id);
mkdirSync(logDir, { recursive: true });
// The embedded broker's pid, for its CPU time (absent with Docker or external servers).
let kafkaPid: number | undefined;
try {
  const state = JSON.parse(readFileSync(join(root, '.stack', 'state.json'), 'utf8')) as { kafka?: { pid?: number; brokers?: string[] } };
  if (state.kafka?.pid && state.kafka.brokers?.join(',') === stack.kafkaBrokers.join(',') && existsSync(`/proc/${state.kafka.pid}`)) kafkaPid = state.kafka.pid;
} catch {
  kafkaPid = undefined;
}
const db = benchPool(stack.databaseUrl, 4);
const dbWork = await createDbWorkMeter(db, log);

// What every service gets. Deliberately the defaults but for: logs at warn (info logs one line per
// request), a rate limit out of the way of a load generator that is one organisation, no cron
// (sweeps are started by the scenario), and integrations' room for the fan-out's 100 subscriptions
// of one organisation and its deliveries in flight (scenarios/fanout.ts). Webhooks to plain http on
// loopback are the local platform's defaults (scripts/local-env.ts), kept.
const settings: Record<string, string> = {
  LOG_LEVEL: 'warn',
  RATE_LIMIT_PER_MINUTE: '100000000',
  KAFKA_TOPIC_PARTITIONS: '6',
  EXPIRY_CRON_ENABLED: 'false (expiry-scheduler)',
  WEBHOOK_MAX_SUBSCRIPTIONS: `${FANOUT_SERVICE_ENV.WEBHOOK_MAX_SUBSCRIPTIONS} (integrations)`,
  WEBHOOK_CONCURRENCY: `${FANOUT_SERVICE_ENV.WEBHOOK_CONCURRENCY} (integrations)`,
  WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION: `${FANOUT_SERVICE_ENV.WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION} (integrations, the default)`,
  WEBHOOK_ALLOW_HTTP: 'true (integrations, local default)',
  WEBHOOK_ALLOWED_NETWORKS: 'loopback (integrations, local default)',
};
const kafkaSecurity: KafkaSecurity = stack.kafkaSasl ? { sasl: stack.kafkaSasl } : {};
const common = {
  DATABASE_URL: stack.databaseUrl,
  // The broker's superuser: the launcher gives each service its own user (scripts/kafka-users.ts).
  ...kafkaEnv(stack),
  JWT_SECRET: jwtSecret,
  LOG_LEVEL: 'warn',
  RATE_LIMIT_PER_MINUTE: '100000000',
  KAFKA_TOPIC_PARTITIONS: '6',
};

const results: ScenarioResult[] = [];
const failures: { title: string; error: string }[] = [];
let platform: Platform | undefined;
let startup: StartupFigures | undefined;
let idle: Record<string, number> = {};
let overall: RssSampler | undefined;
let profiles = '';
let exitCode = 0;

async function cleanup(): Promise<void> {
  await platform?.stop().catch((e) => log(`platform stop: ${(e as Error).message}`));
  platform = undefined;
  try {
    const { rows } = await db.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`, [`${schemaBase}%`]);
    for (const { nspname } of rows) await db.query(`DROP SCHEMA "${nspname}" CASCADE`);
  } catch (error) {
    log(`could not drop the bench schemas: ${(error as Error).message}`);
  }
  try {
    const kafka = new kafkajs.Kafka({ brokers: stack.kafkaBrokers, sasl: stack.kafkaSasl, clientId: 'bench-cleanup', logLevel: kafkajs.logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(topicPrefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(topicPrefix));
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => {});
    await admin.disconnect();
  } catch (error) {
    log(`could not delete the bench topics: ${(error as Error).message}`);
  }
  await db.end().catch(() => {});
  await stack.stop();
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping`);
    void cleanup().finally(() => process.exit(130));
  });
}

try {
  if (wanted('footprint')) {
    log('footprint: start-up of each service alone');
    startup = await measureStartup(common, schemaBase, topicPrefix, quick ? 1 : 3);
  }
  const profileDir = join(logDir, 'profiles');
  const serviceEnv = Object.fromEntries(
    SERVICE_NAMES.map((n) => [
      n,
      {
        DB_SCHEMA: schemas[n],
        ...(n === 'expiry-scheduler' ? { EXPIRY_CRON_ENABLED: 'false' } : {}),
        ...(n === 'integrations' ? FANOUT_SERVICE_ENV : {}),
        ...(profile ? { NODE_OPTIONS: `--import=${join(import.meta.dirname, 'cpu-profile.mjs')}`, BENCH_CPU_PROF_DIR: join(profileDir, n) } : {}),
      },
    ]),
  ) as unknown as Record<ServiceName, Record<string, string>>;
  log(`starting the platform (schemas ${schemaBase}_*, topics ${topicPrefix}*, logs ${logDir})`);
  platform = await startPlatform({ env: { ...common, KAFKA_TOPIC_PREFIX: topicPrefix }, serviceEnv, logDir });
  const pids = () => new Map([...(platform?.processes ?? [])].map(([n, p]) => [n as string, p.pid]));
  const sampler = new RssSampler(pids);
  overall = new RssSampler(pids);
  await sleep(quick ? 3000 : 5000);
  idle = Object.fromEntries(SERVICE_NAMES.map((n) => [n, rssMb(platform!.processes.get(n)?.pid)]));
  log(`idle RSS (MB): ${Object.entries(idle).map(([k, v]) => `${k} ${fmt(v, 0)}`).join(', ')}`);
  overall.reset();

  const token = tokenFactory(jwtSecret);
  const ctx: BenchContext = {
    quick,
    sizes,
    platform,
    databaseUrl: stack.databaseUrl,
    kafkaBrokers: stack.kafkaBrokers,
    kafkaSecurity,
    jwtSecret,
    topicPrefix,
    schemas,
    db,
    dbWork,
    sampler,
    cpu: (extra) => cpuSnapshot(pids(), { kafka: kafkaPid, ...extra }),
    token,
    url: (service) => platform!.upstreams[service],
    log,
  };
  const scenarios: [string, string, (c: BenchContext) => Promise<ScenarioResult>][] = [
    ['deposit', '1. Deposit throughput', depositScenario],
    ['propagation', '2. Propagation latency', propagationScenario],
    ['board', '3. Board read', boardScenario],
    ['sweep', '4. Expiry sweep', sweepScenario],
    ['fanout', '6. Webhook fan-out', fanoutScenario],
  ];
  for (const [key, title, scenario] of scenarios) {
    if (!wanted(key)) continue;
    log(`${title}`);
    try {
      results.push(await scenario(ctx));
    } catch (error) {
      exitCode = 1;
      failures.push({ title, error: (error as Error).stack ?? String(error) });
      log(`${title} failed: ${(error as Error).stack}`);
    }
  }
  const peak = overall.peaks();
  // Section 5 comes before 6: the footprint is computed last, from the peaks of every scenario.
  const fanoutAt = results.findIndex((r) => r.key === 'fanout');
  if (startup) results.splice(fanoutAt < 0 ? results.length : fanoutAt, 0, footprintResult(startup, idle, peak, profile));
  sampler.stop();
  overall.stop();
  await platform.stop();
  platform = undefined;
  if (profile) {
    const parts: string[] = [];
    for (const name of SERVICE_NAMES) {
      for (const file of profilesIn(join(profileDir, name))) {
        const { totalMs, rows } = summarise(file, root);
        parts.push(
          `### ${name} (${fmt(totalMs / 1000, 1)} s of samples)\n\n| self time | % | function | where |\n|---:|---:|---|---|\n${rows
            .map((r) => `| ${fmt(r.ms, 0)} ms | ${fmt(r.percent, 1)} | \`${r.fn}\` | ${r.where} |`)
            .join('\n')}\n`,
        );
      }
    }
    profiles = `Profiles in \`${profileDir}\` (open in Chrome DevTools); the top self-time functions:\n\n${parts.join('\n')}`;
    log(profiles);
  }
} catch (error) {
  exitCode = 1;
  failures.push({ title: 'bench', error: (error as Error).stack ?? String(error) });
  log(`bench failed: ${(error as Error).stack}`);
}

let serverVersion = '?';
try {
  serverVersion = (await db.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
} catch {
  // reported as ?
}
await cleanup();

const versions = {
  'Node.js': process.version,
  PostgreSQL: `${serverVersion} (${stack.provider ?? 'embedded'})`,
  'Apache Kafka': `${KAFKA_VERSION} (KRaft, single node)`,
  kafkajs: packageVersion(root, 'kafkajs'),
  fastify: packageVersion(root, 'fastify'),
  pg: packageVersion(root, 'pg'),
  autocannon: packageVersion(root, 'autocannon'),
  // esbuild bundles the services and the baseline; tsx runs only this driver.
  esbuild: packageVersion(root, 'esbuild'),
  tsx: packageVersion(root, 'tsx'),
};
const summary = results.flatMap((r) => r.targets.map((t) => `${t.status.padEnd(6)} ${t.name}: ${t.detail}`));
console.log(`\n${summary.join('\n')}${failures.length ? `\n${failures.length} scenario(s) did not complete` : ''}`);
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
const json = join(root, 'bench', 'results', `${quick ? 'quick' : 'full'}-latest.json`);
const report: Omit<ReportInput, 'root'> = {
  quick,
  argv,
  machine: machineInfo,
  loadAtEnd: loadavg().map((l) => l.toFixed(2)).join(' / '),
  versions,
  startedAt,
  durationSeconds: (performance.now() - t0) / 1000,
  settings,
  database: dbWork.describe(),
  sizes: sizes as unknown as Record<string, number>,
  results,
  failures,
  profiles,
};
writeFileSync(json, JSON.stringify(report, null, 2));
if (writeDoc) log(`wrote ${writeReport({ root, ...report })} (raw figures in ${json})`);
process.exit(exitCode);
