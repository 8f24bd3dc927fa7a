// The raw baselines the HTTP scenarios are bounded by, as a process of their own like a service:
//   POST /deposit  a bare fastify route doing one INSERT (the deposit body as jsonb) into PostgreSQL;
//   GET  /board    the board's three SQL statements (counts, page, facts of the page) on the
//                  mission-intake schema, rows returned as they come, no auth, no projection;
//   GET  /hello    nothing at all (start-up time and memory of a bare fastify process).
// Env: PORT, DATABASE_URL, DB_POOL_MAX, BASELINE_SCHEMA (its own table), BOARD_SCHEMA.
import Fastify from 'fastify';
import pg from 'pg';

const port = Number(process.env.PORT ?? 0);
const app = Fastify({ logger: false });
const databaseUrl = process.env.DATABASE_URL;
const schema = process.env.BASELINE_SCHEMA ?? 'bench_baseline';
const boardSchema = process.env.BOARD_SCHEMA;
const ident = (name: string) => {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`unsafe identifier ${name}`);
  return `"${name}"`;
};

const db = databaseUrl ? new pg.Pool({ connectionString: databaseUrl, max: Number(process.env.DB_POOL_MAX ?? 10) }) : null;
if (db) {
  await db.query(`CREATE SCHEMA IF NOT EXISTS ${ident(schema)}`);
  await db.query(`CREATE TABLE IF NOT EXISTS ${ident(schema)}.deposits (id uuid PRIMARY KEY, body jsonb NOT NULL, received_at timestamptz NOT NULL DEFAULT now())`);
}

app.get('/hello', async () => ({ ok: true }));

app.post('/deposit', async (request, reply) => {
  await db!.query(`INSERT INTO ${ident(schema)}.deposits (id, body) VALUES (gen_random_uuid(), $1)`, [JSON.stringify(request.body)]);
  return reply.code(201).send({ ok: true });
});

app.get<{ Querystring: { garage: string; section?: string } }>('/board', async (request) => {
  const s = ident(boardSchema!);
  const { garage, section = 'smart.new' } = request.query;
  const [counts, page] = await Promise.all([
    db!.query(`SELECT section, count(*)::int AS n FROM ${s}.missions WHERE garage_id = $1 GROUP BY section`, [garage]),
    db!.query(`SELECT * FROM ${s}.missions WHERE garage_id = $1 AND section = $2 ORDER BY received_at DESC, id DESC LIMIT 21`, [garage, section]),
  ]);
  const ids = page.rows.slice(0, 20).map((r) => r.id as string);
  const facts = await db!.query(`SELECT mission_id, fact FROM ${s}.mission_facts WHERE mission_id = ANY($1::text[])`, [ids]);
  return { counts: counts.rows, items: page.rows.slice(0, 20), facts: facts.rows.length };
});

const address = await app.listen({ port, host: '127.0.0.1' });
console.log(`listening ${address}`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    void app.close().then(() => db?.end()).finally(() => process.exit(0));
  });
}
