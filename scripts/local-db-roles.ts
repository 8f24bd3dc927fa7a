// Each service connects to the local stack's PostgreSQL as its own role, as in Kubernetes
// (k8s/base/platform/postgres.yaml): a LOGIN role named like the service (`-` → `_`), neither
// superuser nor able to create databases or roles, owner of the service's schema and of nothing
// else, so that no service can read or change another's tables. startPlatform (scripts/platform.ts)
// makes them with the stack's superuser before it starts the services; the superuser stays the
// launcher's, for what the tests and the bench read across schemas.
//
// What else a role can do is PostgreSQL's default and harmless here: PUBLIC has CONNECT and TEMP
// on the database (a temporary table is seen by its own session only) and USAGE, not CREATE, on
// schema `public` (PostgreSQL 15+); no role gets USAGE on a schema it does not own. The migrations
// need nothing more than the schema's owner has: tables, indexes, plpgsql functions and triggers,
// no extension.
import { createHmac } from 'node:crypto';
import pg from 'pg';
import { SERVICE_NAMES, type ServiceName } from '@smart-expertise/contracts';

const { escapeIdentifier, escapeLiteral } = pg;

/** One lock for every launcher on the server: two starting together make the roles one after the other. */
const LOCK = `SELECT pg_advisory_xact_lock(hashtextextended('smart-expertise.local-roles', 0))`;

/** The role a service connects as, named as in Kubernetes. */
export function serviceRole(name: ServiceName): string {
  return name.replaceAll('-', '_');
}

/**
 * A role's password: base64url of HMAC-SHA256 over `pg-role:<role>`, keyed by the superuser's
 * password. The same on every launch, so that launchers sharing a stack (`npm start` while the
 * end-to-end suite runs) never change each other's passwords, and unknown to whoever lacks the
 * superuser's.
 */
export function rolePassword(superuserUrl: string, role: string): string {
  const key = decodeURIComponent(new URL(superuserUrl).password);
  return createHmac('sha256', key).update(`pg-role:${role}`).digest('base64url');
}

/** The superuser's URL with another user and password: host, port, database and parameters kept. */
export function roleUrl(superuserUrl: string, role: string, password: string): string {
  const url = new URL(superuserUrl);
  // The setters leave `%` as it is: encode everything, as pg's URL parser decodes it.
  url.username = encodeURIComponent(role);
  url.password = encodeURIComponent(password);
  return url.toString();
}

/** The DATABASE_URL a service is given on a stack (what provisionServiceRoles returns for it). */
export function serviceDatabaseUrl(superuserUrl: string, name: ServiceName): string {
  const role = serviceRole(name);
  return roleUrl(superuserUrl, role, rolePassword(superuserUrl, role));
}

/**
 * Makes (or brings back to the above) each service's role, and its schema owned by it; returns
 * each service's DATABASE_URL. A schema an earlier launcher made as the superuser is handed over
 * to the role with everything in it (see adoptSchema); one owned by any other role is an error.
 */
export async function provisionServiceRoles<N extends ServiceName>(superuserUrl: string, schemas: Record<N, string>): Promise<Record<N, string>> {
  const names = Object.keys(schemas) as N[];
  const shared = names.find((name, i) => names.findIndex((other) => schemas[other] === schemas[name]) !== i);
  if (shared) throw new Error(`two services are given the schema ${schemas[shared]}: each service's role owns a schema of its own`);
  const superuser = decodeURIComponent(new URL(superuserUrl).username);
  const client = new pg.Client({ connectionString: superuserUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(LOCK);
    for (const name of names) {
      const role = serviceRole(name);
      if (role === superuser) throw new Error(`DATABASE_URL connects as ${role}, the role of the service ${name}: give the platform a superuser`);
      const exists = (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount === 1;
      await client.query(
        `${exists ? 'ALTER' : 'CREATE'} ROLE ${escapeIdentifier(role)} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS ` +
          `PASSWORD ${escapeLiteral(rolePassword(superuserUrl, role))}`,
      );
      await ownSchema(client, schemas[name], role);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw new Error(`could not give the services their PostgreSQL roles as ${superuser}: ${(error as Error).message}`, { cause: error });
  } finally {
    await client.end();
  }
  return Object.fromEntries(names.map((name) => [name, serviceDatabaseUrl(superuserUrl, name)])) as Record<N, string>;
}

async function ownSchema(client: pg.Client, schema: string, role: string): Promise<void> {
  const { rows } = await client.query<{ owner: string; super: boolean }>(
    'SELECT r.rolname AS owner, r.rolsuper AS super FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE n.nspname = $1',
    [schema],
  );
  const current = rows[0];
  if (!current) await client.query(`CREATE SCHEMA ${escapeIdentifier(schema)} AUTHORIZATION ${escapeIdentifier(role)}`);
  else if (current.owner === role) return;
  else if (current.super) await adoptSchema(client, schema, role);
  else throw new Error(`schema ${schema} belongs to the role ${current.owner}, not to ${role}: it is another service's, or was made by hand`);
}

/**
 * Hands a schema made by the superuser (launchers before the roles ran every service as the
 * superuser: `npm start`'s own schemas on an existing .stack) to the service's role: the schema,
 * then whatever the migrations make in it. A table takes its indexes, triggers and the sequences
 * of its serial columns along. Anything else still owned by another role afterwards is an error
 * that says which object, and that dropping the schema (local data) settles it.
 */
async function adoptSchema(client: pg.Client, schema: string, role: string): Promise<void> {
  await client.query(`ALTER SCHEMA ${escapeIdentifier(schema)} OWNER TO ${escapeIdentifier(role)}`);
  const params = [schema, role];
  const scope = (owner: string, namespace: string) =>
    `${namespace} = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND ${owner} <> (SELECT oid FROM pg_roles WHERE rolname = $2)`;
  const { rows } = await client.query<{ statement: string }>(
    `SELECT format('ALTER %s %s OWNER TO %I', CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE'
                                                           WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, c.oid::regclass, $2::text) AS statement
       FROM pg_class c
      WHERE ${scope('c.relowner', 'c.relnamespace')} AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                                                    AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i'))
     UNION ALL
     SELECT format('ALTER %s %s OWNER TO %I', CASE p.prokind WHEN 'a' THEN 'AGGREGATE' ELSE 'ROUTINE' END, p.oid::regprocedure, $2::text)
       FROM pg_proc p WHERE ${scope('p.proowner', 'p.pronamespace')}
     UNION ALL
     SELECT format('ALTER %s %s OWNER TO %I', CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.oid::regtype, $2::text)
       FROM pg_type t WHERE ${scope('t.typowner', 't.typnamespace')}
        AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))`,
    params,
  );
  for (const { statement } of rows) await client.query(statement);
  const { rows: left } = await client.query<{ object: string }>(
    `SELECT 'relation ' || c.oid::regclass AS object FROM pg_class c WHERE ${scope('c.relowner', 'c.relnamespace')}
     UNION ALL SELECT 'routine ' || p.oid::regprocedure FROM pg_proc p WHERE ${scope('p.proowner', 'p.pronamespace')}
     UNION ALL SELECT 'type ' || t.oid::regtype FROM pg_type t WHERE ${scope('t.typowner', 't.typnamespace')}`,
    params,
  );
  if (left.length > 0) {
    throw new Error(
      `schema ${schema}, made by the superuser, could not be handed to ${role} (${left.map((r) => r.object).join(', ')} stayed another role's): ` +
        `drop it (DROP SCHEMA ${escapeIdentifier(schema)} CASCADE, local data only) and start again`,
    );
  }
}

/**
 * The per-service environment startPlatform gives, with each service's DATABASE_URL: its role's,
 * on the schema it would use (its DB_SCHEMA, else the common one, else its name with `-` → `_`).
 * A service given its own DATABASE_URL keeps it, and no role is made for it.
 */
export async function withServiceRoles(
  env: Record<string, string>,
  serviceEnv: Partial<Record<ServiceName, Record<string, string>>> = {},
): Promise<Partial<Record<ServiceName, Record<string, string>>>> {
  if (!env.DATABASE_URL) return serviceEnv;
  const schemas = Object.fromEntries(
    SERVICE_NAMES.filter((name) => !serviceEnv[name]?.DATABASE_URL).map((name) => [name, serviceEnv[name]?.DB_SCHEMA ?? env.DB_SCHEMA ?? serviceRole(name)]),
  ) as Record<ServiceName, string>;
  const urls = await provisionServiceRoles(env.DATABASE_URL, schemas);
  return Object.fromEntries(SERVICE_NAMES.map((name) => [name, { ...(urls[name] ? { DATABASE_URL: urls[name] } : {}), ...serviceEnv[name] }]));
}
