// Makes a fresh clone runnable: installs npm dependencies when they are missing or stale and
// resolves the Kafka broker's jars. Uses nothing but Node's standard library until `npm ci` ran.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

/** Everything before the stack: dependencies, then TypeScript loading for the scripts. */
export async function bootstrap() {
  ensureDependencies();
  const { register } = await import('tsx/esm/api');
  register();
}

if (process.argv.includes('--install-only') && import.meta.url === `file://${process.argv[1]}`) ensureDependencies();
