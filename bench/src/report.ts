// Writes docs/benchmarks.md from a run: machine, versions, method, results, targets, tuning notes.
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { ScenarioResult } from './lib/context.ts';
import { BENCH_TAG, STATS_SETTLE_MS, type DbWork } from './lib/db-work.ts';
import { fmt } from './lib/stats.ts';

export interface Machine {
  cores: number;
  cpu: string;
  memory: string;
  loadAtStart: string;
  kernel: string;
}

export function machine(): Machine {
  const model = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
  let memory = '';
  try {
    memory = execSync('free -m', { encoding: 'utf8' }).trimEnd();
  } catch {
    memory = 'free not available';
  }
  let cores = cpus().length;
  try {
    cores = Number(execSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    // os.cpus() then
  }
  let kernel = '';
  try {
    kernel = execSync('uname -sr', { encoding: 'utf8' }).trim();
  } catch {
    kernel = process.platform;
  }
  return { cores, cpu: model.trim(), memory, loadAtStart: loadavg().map((l) => l.toFixed(2)).join(' / '), kernel };
}

export function packageVersion(root: string, name: string): string {
  try {
    return (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

export interface ReportInput {
  root: string;
  quick: boolean;
  argv: string[];
  machine: Machine;
  loadAtEnd: string;
  versions: Record<string, string>;
  startedAt: Date;
  durationSeconds: number;
  settings: Record<string, string>;
  /** What the server offers for the database work figures. */
  database?: string;
  sizes: Record<string, number>;
  results: ScenarioResult[];
  failures: { title: string; error: string }[];
  profiles: string;
}

/** The sub-section "Database work per operation" of one scenario. */
export function dbWorkMarkdown(work: DbWork): string {
  const ops = Math.max(1, work.operations);
  const per = (n: number, digits = 1) => fmt(n / ops, digits);
  const row = (label: string, n: number, digits = 1) => `| ${label} | ${per(n, digits)} | ${fmt(n, 0)} |`;
  const s = work.statements;
  const wal = work.wal;
  const rows = [
    ...(s
      ? [
          row('SQL statements (pg_stat_statements calls, BEGIN and COMMIT included)', s.calls),
          row('of which BEGIN / COMMIT / ROLLBACK / SAVEPOINT', s.transactionControl),
          row('execution time of those statements, ms', s.totalMs, 2),
        ]
      : []),
    row(`commits (pg_stat_database; the bench's own ${fmt(work.benchCommits, 0)} left out)`, work.commits),
    row('rollbacks', work.rollbacks, 2),
    row('transactions that wrote (transaction ids assigned)', work.transactionIds),
    ...(wal
      ? [
          row('WAL records', wal.records),
          row('WAL bytes', wal.bytes, 0),
          row('WAL full-page images', wal.fullPageImages, 2),
          ...(wal.fsyncs === null ? [] : [row(`WAL fsyncs (${wal.fsyncSource}${wal.fsyncSource === 'pg_stat_io' ? ", object 'wal'" : ''})`, wal.fsyncs, 2)]),
          ...(wal.writes === null ? [] : [row('WAL writes', wal.writes, 2)]),
        ]
      : []),
  ];
  const top = s
    ? `Top ${s.top.length} statements by total execution time (normalised text, the bench's own left out;
planning is not timed, nor is the commit itself: a COMMIT statement only ends the block, and the
commit record and its WAL flush follow outside its timing):

| statement | calls per ${work.operation} | mean ms | total ms | share |
|---|---:|---:|---:|---:|
${s.top.map((t) => `| \`${t.text.replaceAll('|', '\\|').replaceAll('`', "'")}\` | ${fmt(t.callsPerOperation, 2)} | ${fmt(t.meanMs, 3)} | ${fmt(t.totalMs, 1)} | ${fmt(t.share * 100, 1)} % |`).join('\n')}`
    : `No statement figures: ${work.statementsMissing ?? 'pg_stat_statements is not available'}.`;
  return `### Database work per operation

${work.window}: ${work.operations.toLocaleString('en-US')} ${work.operation}s. The window, ${fmt(work.windowSeconds, 0)} s, ends ${STATS_SETTLE_MS / 1000} s after
the run, since an idle backend publishes its counters up to 10 s late; in that wait the idle services
poll their outboxes. Statements and commits are the database's, every service's; the bench's own
statements (tagged \`${BENCH_TAG}\`) are left out, and its own transactions taken off the commits. WAL
is the whole server's (autovacuum and checkpoints included).

| figure | per ${work.operation} | in the window |
|---|---:|---:|
${rows.join('\n')}

${top}`;
}

export function writeReport(input: ReportInput): string {
  const { results } = input;
  const notesFile = join(input.root, 'bench', 'notes.md');
  const notes = existsSync(notesFile) ? readFileSync(notesFile, 'utf8').trim() : '_bench/notes.md is missing._';
  const allTargets = results.flatMap((r) => r.targets.map((t) => ({ ...t, scenario: r.title })));
  const mark = (s: string) => (s === 'met' ? '✅ met' : s === 'missed' ? '❌ missed' : s);
  const doc = `# Benchmarks

${input.quick ? '> **Quick run** (`npm run bench -- --quick`): small sizes and short, few runs, on a machine shared with other\n> work — a smoke test of the bench, not the reference figures. The full run (`npm run bench`) regenerates this file.\n' : '> Full run (`npm run bench`).'}

Generated by \`npm run bench${input.argv.length ? ` -- ${input.argv.join(' ')}` : ''}\` on ${input.startedAt.toISOString()} in ${Math.round(input.durationSeconds / 60)} min.
Everything below the tuning notes is rewritten by the bench; the notes come verbatim from
\`bench/notes.md\`.

## Machine and versions

| | |
|---|---|
| CPU | ${input.machine.cores} × ${input.machine.cpu} |
| load average (1/5/15 min) | at start ${input.machine.loadAtStart}; at end ${input.loadAtEnd} |
| kernel | ${input.machine.kernel} |
${Object.entries(input.versions)
  .map(([k, v]) => `| ${k} | ${v} |`)
  .join('\n')}

\`\`\`
$ free -m
${input.machine.memory}
\`\`\`

Everything shares those cores: PostgreSQL, the Kafka broker (one JVM), the five services (one
Node.js process each), the load generator (autocannon, in the bench's process), the baselines and
the fan-out's webhook receivers.
A figure here is the platform's share of one small machine, not the capacity of a deployment.

## Method

\`npm run bench\` (\`scripts/bench.mjs\` → \`bench/src/run.ts\`) brings the stack up as \`npm start\` does
(\`tools/stack\`: embedded PostgreSQL and a KRaft Kafka broker, or the servers in
\`DATABASE_URL\`/\`KAFKA_BROKERS\`), starts the five services as separate processes
(\`scripts/platform.ts\`) on fresh schemas \`bench_<id>_<service>\` and topic prefix \`bench<id>.\`,
runs the scenarios, stops everything, drops its schemas and topics, and writes this file.
Load goes straight to each service's port (the gateway is the local stand-in for the ingress and
is not measured). Each scenario measures its raw baseline in the same run, alternating with the
service runs, and reports the ratio. Figures are given as the **median over the runs** and the
**p99 over the runs** (nearest rank: with ${input.sizes.runs} runs, the worst run); latency percentiles
inside a run come from autocannon's HdrHistogram or, for propagation, from every close.

Sizes: ${Object.entries(input.sizes)
    .map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`)
    .join(', ')}.

${input.database ? `Database work (a sub-section per scenario): ${input.database}.\n\n` : ''}Service settings for the run (environment):
${Object.entries(input.settings)
  .map(([k, v]) => `\`${k}=${v}\``)
  .join(', ')}.

## Results against the targets

| scenario | target | result | figure |
|---|---|---|---|
${allTargets.map((t) => `| ${t.scenario} | ${t.name} | ${mark(t.status)} | ${t.detail} |`).join('\n')}
${input.failures.map((f) => `| ${f.title} | — | ⚠️ did not complete | ${f.error.replaceAll('|', '\\|').replaceAll('\n', ' ').slice(0, 300)} |`).join('\n')}

${results.map((r) => `## ${r.title}\n\n${r.markdown}\n${r.dbWork ? `\n${dbWorkMarkdown(r.dbWork)}\n` : ''}`).join('\n')}
${input.profiles ? `## CPU profiles of this run\n\n${input.profiles}\n` : ''}
${notes}
`;
  const file = join(input.root, 'docs', 'benchmarks.md');
  writeFileSync(file, doc.replace(/\n{3,}/g, '\n\n'));
  return file;
}
