// Makes a fresh clone runnable: installs npm dependencies when they are missing or stale and
// resolves the Kafka broker's jars. Uses nothing but Node's standard library until `npm ci` ran.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function log(line) {
  console.log(`[bootstrap] ${line}`);
}

/** `npm ci` when node_modules is absent or older than the lock file. */
export function ensureDependencies() {
  const lock = join(root, 'package-lock.json');
  const marker = join(root, 'node_modules', '.install-stamp');
  const fresh = existsSync(marker) && readFileSync(marker, 'utf8') === String(statSync(lock).mtimeMs);
  if (fresh) return;
  log('installing dependencies (npm ci)');
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('[bootstrap] npm ci failed');
    process.exit(result.status ?? 1);
  }
  writeFileSync(marker, String(statSync(lock).mtimeMs));
}

/**
 * The Node.js major the project runs on, in the image, `npm start`, `npm test` and CI alike. The
 * machine's own node may be another (an end-of-life one): the lock brings this major's binary as
 * the npm package of the platform (`node-<os>-<arch>`, an optional dependency, no install
 * script), and the scripts run again on it.
 */
export const NODE_MAJOR = 24;

/** The pinned node binary of this platform in node_modules, or null when none was installed. */
export function pinnedNode() {
  const bin = join(root, 'node_modules', `node-${process.platform}-${process.arch}`, 'bin', 'node');
  return existsSync(bin) ? bin : null;
}

/**
 * Runs the calling script again on the pinned major when this process runs on another one, with
 * the pinned node first on PATH (so that npx, turbo, vitest and the services it starts run on it
 * too), relaying SIGINT and SIGTERM; exits with its code. On the pinned major, returns.
 */
export async function onPinnedRuntime() {
  if (Number(process.versions.node.split('.')[0]) === NODE_MAJOR) return;
  const bin = pinnedNode();
  if (!bin) {
    console.error(`[bootstrap] this project runs on Node.js ${NODE_MAJOR}; ${process.version} runs here and no node-${process.platform}-${process.arch} package was installed: install Node.js ${NODE_MAJOR}`);
    process.exit(1);
  }
  log(`running on Node.js ${NODE_MAJOR} from node_modules (this machine's node is ${process.version})`);
  const child = spawn(bin, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, PATH: `${dirname(bin)}${delimiter}${process.env.PATH ?? ''}` },
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal === 'SIGHUP' ? 'SIGTERM' : signal));
  const code = await new Promise((resolve) => child.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0))));
  process.exit(code);
}

/** Everything before the stack: dependencies, the pinned runtime, then TypeScript loading for the scripts. */
export async function bootstrap() {
  ensureDependencies();
  await onPinnedRuntime();
  const { register } = await import('tsx/esm/api');
  register();
}

if (process.argv.includes('--install-only') && import.meta.url === `file://${process.argv[1]}`) ensureDependencies();

/**
 * Runs the calling script again in a process group of its own and relays SIGINT and SIGTERM to it.
 * Ctrl-C in a terminal signals the whole foreground group at once; the servers the script starts
 * (PostgreSQL among them) would all stop at the same moment as the services still draining.
 * In its own group, the script alone hears the signal and stops everything in order.
 */
export async function inOwnProcessGroup() {
  if (process.env.SMART_EXPERTISE_GROUP_LEADER) return;
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, process.argv.slice(1), {
    stdio: 'inherit',
    detached: true,
    env: { ...process.env, SMART_EXPERTISE_GROUP_LEADER: 'child' },
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal === 'SIGHUP' ? 'SIGTERM' : signal));
  const code = await new Promise((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
  process.exit(code);
}
