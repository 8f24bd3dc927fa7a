// In Kubernetes every service reaches PostgreSQL with a URL ending in
// `?sslmode=verify-full&sslrootcert=/etc/smart-expertise/pg-ca/ca.crt` and its password in
// PGPASSWORD (k8s/base/services/*.yaml). Proven here against a real PostgreSQL with TLS, through
// the runtime's own pool: such a URL connects over TLS to a server whose certificate the CA signed
// and names the host, and refuses a certificate of another CA or one that does not name the host.
// The server is this test's own (a temporary folder, a free port), so no stack is needed.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../src/db.ts';
import { freePort } from '../../../tools/stack/index.mjs';
import { startPostgres, type StartedPostgres } from '../../../tools/stack/postgres.mjs';

/** The pooler's name in k8s (k8s/base/services/*.yaml), and one that resolves here. */
const SERVER_NAMES = ['smart-pg-pooler-rw', 'localhost'];

let root: string;
let server: StartedPostgres | undefined;
let target: { user: string; port: string; database: string };
const passwordBefore = process.env.PGPASSWORD;

/**
 * Certificates made with the openssl CLI (/usr/bin/openssl, here and on CI): no X.509 library is
 * in node_modules (node:crypto makes keys, not certificates), and a test is not worth a new
 * dependency. `-config /dev/null`: the certificates carry only the extensions given here, whatever
 * the machine's openssl.cnf would add.
 */
function openssl(...args: string[]): void {
  execFileSync('openssl', ['req', '-config', '/dev/null', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', ...args], {
    cwd: root,
    stdio: 'pipe',
  });
}

function makeCa(name: string): void {
  openssl('-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
}

/** The server's certificate, signed by the CA `ca`, naming SERVER_NAMES and no IP address. */
function makeServerCertificate(ca: string): void {
  openssl(
    '-subj', `/CN=${SERVER_NAMES[0]}`,
    '-keyout', 'server.key',
    '-out', 'server.crt',
    '-CA', `${ca}.crt`,
    '-CAkey', `${ca}.key`,
    '-addext', `subjectAltName=${SERVER_NAMES.map((name) => `DNS:${name}`).join(',')}`,
    '-addext', 'basicConstraints=critical,CA:FALSE',
    '-addext', 'extendedKeyUsage=serverAuth',
  );
}

/** A URL of the k8s shape: user and no password (PGPASSWORD has it), then the TLS parameters. */
function urlOf(host: string, query: string): string {
  return `postgresql://${target.user}@${host}:${target.port}/${target.database}?${query}`;
}

/** Whether the session the runtime's pool opens on `url` is encrypted, by the server's own account. */
async function sessionUsesTls(url: string): Promise<boolean> {
  const pool = createPool({ url, schema: 'public', max: 1, logger: pino({ level: 'silent' }) });
  try {
    const { rows } = await pool.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return rows[0]!.ssl;
  } finally {
    await pool.end();
  }
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'pg-tls-'));
  // Run as root, the server runs as the `postgres` user: it must be able to reach its data folder.
  chmodSync(root, 0o755);
  makeCa('cluster-ca');
  makeCa('other-ca');
  makeServerCertificate('cluster-ca');
  server = await startPostgres({
    dir: join(root, 'data'),
    port: await freePort(),
    log: (line) => console.error(line),
    ssl: { certFile: join(root, 'server.crt'), keyFile: join(root, 'server.key') },
  });
  const url = new URL(server.url);
  target = { user: url.username, port: url.port, database: url.pathname.slice(1) };
  process.env.PGPASSWORD = decodeURIComponent(url.password);
}, 120_000);

afterAll(async () => {
  if (passwordBefore === undefined) delete process.env.PGPASSWORD;
  else process.env.PGPASSWORD = passwordBefore;
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('PostgreSQL URL with sslmode=verify-full and sslrootcert, as in k8s', () => {
  it('connects over TLS to a server whose certificate the CA signed and that names the host', async () => {
    const caFile = join(root, 'cluster-ca.crt');
    expect(await sessionUsesTls(urlOf('localhost', `sslmode=verify-full&sslrootcert=${caFile}`))).toBe(true);
  });

  it('refuses a server whose certificate another CA signed', async () => {
    const caFile = join(root, 'other-ca.crt');
    // The server sends its own certificate only, so the client finds no issuer it trusts for it.
    await expect(sessionUsesTls(urlOf('localhost', `sslmode=verify-full&sslrootcert=${caFile}`))).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  it('refuses a server whose certificate, signed by the CA, does not name the host connected to', async () => {
    const caFile = join(root, 'cluster-ca.crt');
    // The same server, reached by an address its certificate does not carry (names only, no IP).
    await expect(sessionUsesTls(urlOf('127.0.0.1', `sslmode=verify-full&sslrootcert=${caFile}`))).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('the refusals come from verification: without it the same server and CA file are accepted', async () => {
    // node-postgres's own `no-verify` (TLS, no check of the certificate). Not `require`: this
    // node-postgres (pg-connection-string 2) treats `require` as `verify-full`, which refuses here too.
    const caFile = join(root, 'other-ca.crt');
    expect(await sessionUsesTls(urlOf('127.0.0.1', `sslmode=no-verify&sslrootcert=${caFile}`))).toBe(true);
  });
});
