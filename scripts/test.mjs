// npm test: bootstrap a fresh clone, bring the real stack up (PostgreSQL + Kafka), type-check
// every workspace, run every workspace's tests against the stack, and end with one line:
// `N passed, N failed` (`, N skipped` when any were skipped).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { bootstrap, root } from './bootstrap.mjs';

function run(command, args, env) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', env });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function workspaces() {
  const out = [];
  for (const group of ['libs', 'services', 'tests']) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) if (existsSync(join(dir, name, 'package.json'))) out.push(join(dir, name));
  }
  return out;
}

await bootstrap();
const { ensureStack, kafkaEnv } = await import('../tools/stack/index.mjs');
const stack = await ensureStack({ root });
let exitCode = 1;
let summary = '0 passed, 1 failed';
try {
  const env = {
    ...process.env,
    DATABASE_URL: stack.databaseUrl,
    // The broker's superuser: the tests' own clients make their topics; services started as
    // processes get their own users (scripts/kafka-users.ts).
    ...kafkaEnv(stack),
    // Each run signs its test tokens with a fresh secret.
    JWT_SECRET: process.env.JWT_SECRET ?? randomBytes(32).toString('base64url'),
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
    FORCE_COLOR: process.env.CI ? '0' : process.env.FORCE_COLOR ?? '1',
  };
  const reports = workspaces().map((dir) => join(dir, '.vitest-report.json'));
  for (const report of reports) rmSync(report, { force: true });

  const filter = process.argv.slice(2).flatMap((arg) => ['--filter', arg]);
  const typecheck = await run('npx', ['turbo', 'run', 'typecheck', '--output-logs=errors-only', ...filter], env);
  await run('npx', ['turbo', 'run', 'test', '--concurrency=1', '--continue', '--output-logs=full', ...filter], env);

  let passed = 0;
  let failed = typecheck === 0 ? 0 : 1;
  let skipped = 0;
  if (typecheck !== 0) console.log('typecheck: FAILED (counted as one failure)');
  for (const report of reports) {
    const workspace = report.slice(root.length + 1, -'/.vitest-report.json'.length);
    if (!existsSync(report)) {
      if (filter.length === 0) {
        console.log(`${workspace}: no test report (the run crashed or found no tests): counted as one failure`);
        failed += 1;
      }
      continue;
    }
    const r = JSON.parse(readFileSync(report, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + r.numTodoTests;
    // A file that failed to load or whose setup failed has no failed test in it, but must not pass silently.
    const brokenFiles = r.testResults.filter((t) => t.status === 'failed' && !t.assertionResults.some((a) => a.status === 'failed')).length;
    failed += brokenFiles;
    console.log(`${workspace}: ${r.numPassedTests} passed, ${r.numFailedTests + brokenFiles} failed`);
  }
  exitCode = failed === 0 && passed > 0 ? 0 : 1;
  summary = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
} finally {
  await stack.stop();
}
console.log(summary);
process.exit(exitCode);
