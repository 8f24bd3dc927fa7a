// What one operation costs PostgreSQL: statements and their execution time (pg_stat_statements),
// commits (pg_stat_database), transaction ids assigned, WAL records, bytes and fsyncs, over a
// window around one measured service run.
//
// The bench's own statements are told apart by a comment: pg_stat_statements keeps the text of a
// statement from its first token on (PostgreSQL 18 drops a comment that comes before it), so the
// tag goes right after the first keyword. Comments are not part of the query id: a bench statement
// identical in structure to a service's would share its row, which none of the bench's do.
import pg from 'pg';

export const BENCH_TAG = '/* bench */';

/**
 * A backend publishes its counters (commits, WAL, I/O) at most once a second while busy, and an
 * idle one holds what it has not yet published for up to 10 s (PGSTAT_IDLE_INTERVAL) before
 * flushing it: each snapshot waits that long after the activity it bounds.
 */
export const STATS_SETTLE_MS = 11_000;

/** The SQL with the bench's tag after its first keyword (`SELECT /* bench *\/ …`). */
export function tagged(sql: string): string {
  return sql.replace(/^\s*[A-Za-z]+/, (keyword) => `${keyword} ${BENCH_TAG}`);
}

/** Statements sent through this client carry the bench's tag; the count is the bench's own transactions. */
class TaggedClient extends pg.Client {
  static sent = 0;

  // pg's overloads take a text or a config object with a text; both get the tag.
  override query(config: unknown, values?: unknown, callback?: unknown): never {
    TaggedClient.sent++;
    const text = typeof config === 'string' ? config : (config as { text?: unknown } | null)?.text;
    const withTag =
      typeof config === 'string' ? tagged(config) : typeof text === 'string' && typeof (config as { submit?: unknown }).submit !== 'function' ? { ...(config as object), text: tagged(text) } : config;
    return (super.query as (...args: unknown[]) => never)(withTag, values, callback);
  }
}

/** The bench's pool: every statement tagged, so that pg_stat_statements can leave it out. */
export function benchPool(connectionString: string, max: number): pg.Pool {
  return new pg.Pool({ connectionString, max, Client: TaggedClient as unknown as new () => pg.ClientBase });
}

export interface StatementFigure {
  /** Normalised text on one line, shortened. */
  text: string;
  /** The whole normalised text on one line, and pg_stat_statements' id of it, to tell apart two that begin alike. */
  fullText: string;
  queryId: string;
  calls: number;
  callsPerOperation: number;
  meanMs: number;
  totalMs: number;
  /** Of the execution time of every statement in the window. */
  share: number;
}

export interface DbWork {
  /** What one operation is: `deposit`, `close`, … */
  operation: string;
  /** Which run, and what the window holds besides it. */
  window: string;
  operations: number;
  /** From the snapshot before the run to the one after it, settling waits included. */
  windowSeconds: number;
  /** Sums over the window; divide by `operations` for the figure per operation. */
  statements: { calls: number; transactionControl: number; totalMs: number; top: StatementFigure[] } | null;
  /** Why there are no statement figures, when there are none. */
  statementsMissing?: string;
  /** pg_stat_database of the database, less `benchCommits`. */
  commits: number;
  /** The bench's statements in the window, one transaction each, taken off `commits`. */
  benchCommits: number;
  rollbacks: number;
  /** Transaction ids assigned: transactions (and subtransactions) that wrote. */
  transactionIds: number;
  /** Whole server: every database and background process. */
  wal: { records: number; fullPageImages: number; bytes: number; fsyncs: number | null; writes: number | null; fsyncSource: string } | null;
}

interface Snapshot {
  at: number;
  sent: number;
  commits: number;
  rollbacks: number;
  nextXid: number;
  wal?: { records: number; fullPageImages: number; bytes: number; fsyncs: number | null; writes: number | null };
}

export interface DbWorkWindow {
  /** Call right after the run (and its drain): waits for the counters, then reads them. */
  finish(measured: { operation: string; operations: number; window: string }): Promise<DbWork>;
}

export interface DbWorkMeter {
  /** What is available, for the report. */
  describe(): string;
  /** Waits for the counters of what came before, resets pg_stat_statements, takes the first snapshot. */
  start(): Promise<DbWorkWindow>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const number = (value: unknown) => (value === null || value === undefined ? null : Number(value));

/** Finds out what this server offers (pg_stat_statements, pg_stat_wal, pg_stat_io's WAL rows). */
export async function createDbWorkMeter(db: pg.Pool, log: (line: string) => void): Promise<DbWorkMeter> {
  const attempt = async <T>(sql: string, read: (rows: Record<string, unknown>[]) => T): Promise<T | Error> => {
    try {
      return read((await db.query(sql)).rows);
    } catch (error) {
      return error as Error;
    }
  };
  // The stack creates the extension; a server given by DATABASE_URL may have the library without it.
  await attempt('CREATE EXTENSION IF NOT EXISTS pg_stat_statements', () => true);
  let statements: string | null = null;
  let statementsMissing = '';
  const schema = await attempt(`SELECT extnamespace::regnamespace::text AS schema FROM pg_extension WHERE extname = 'pg_stat_statements'`, (rows) => rows[0]?.schema as string | undefined);
  if (schema instanceof Error || schema === undefined) {
    statementsMissing = `the extension pg_stat_statements is not installed in the database${schema instanceof Error ? ` (${schema.message})` : ''}`;
  } else {
    const readable = await attempt(`SELECT ${schema}.pg_stat_statements_reset(), count(*) FROM ${schema}.pg_stat_statements`, () => true);
    if (readable instanceof Error) statementsMissing = `pg_stat_statements cannot be read or reset: ${readable.message}`;
    else statements = schema;
  }
  const ioFsyncs = await attempt(`SELECT sum(fsyncs) AS fsyncs FROM pg_stat_io WHERE object = 'wal'`, (rows) => rows[0]?.fsyncs !== null);
  const walSync = ioFsyncs === true ? false : await attempt('SELECT wal_sync FROM pg_stat_wal', () => true);
  const fsyncSource = ioFsyncs === true ? 'pg_stat_io' : walSync === true ? 'pg_stat_wal' : null;
  const walStats = (await attempt('SELECT wal_records, wal_fpi, wal_bytes FROM pg_stat_wal', () => true)) === true;
  const description = [
    statements ? `pg_stat_statements in schema ${statements}` : `no statement figures: ${statementsMissing}`,
    walStats ? `WAL from pg_stat_wal${fsyncSource ? `, fsyncs from ${fsyncSource}` : ', no fsync counts'}` : 'no WAL figures (pg_stat_wal missing)',
  ].join('; ');
  log(`database work: ${description}`);

  const counters = `d.xact_commit AS commits, d.xact_rollback AS rollbacks, pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS next_xid${
    walStats ? ', w.wal_records AS records, w.wal_fpi AS fpi, w.wal_bytes AS bytes' : ''
  }${fsyncSource === 'pg_stat_io' ? `, (SELECT sum(fsyncs) FROM pg_stat_io WHERE object = 'wal') AS fsyncs, (SELECT sum(writes) FROM pg_stat_io WHERE object = 'wal') AS writes` : ''}${
    fsyncSource === 'pg_stat_wal' ? ', w.wal_sync AS fsyncs, w.wal_write AS writes' : ''
  }`;
  const from = `FROM pg_stat_database d${walStats ? ', pg_stat_wal w' : ''} WHERE d.datname = current_database()`;
  const read = (row: Record<string, unknown>, sent: number): Snapshot => ({
    at: Date.now(),
    sent,
    commits: Number(row.commits),
    rollbacks: Number(row.rollbacks),
    nextXid: Number(row.next_xid),
    ...(walStats
      ? { wal: { records: Number(row.records), fullPageImages: Number(row.fpi), bytes: Number(row.bytes), fsyncs: number(row.fsyncs), writes: number(row.writes) } }
      : {}),
  });

  return {
    describe: () => description,
    async start() {
      await sleep(STATS_SETTLE_MS);
      // One statement (tagged by the pool, as every statement of the bench): the reset, and the
      // counters before its own commit, which counts in the window.
      const { rows } = await db.query(`SELECT ${statements ? `${statements}.pg_stat_statements_reset(), ` : ''}${counters} ${from}`);
      const before = read(rows[0]!, TaggedClient.sent);
      return {
        async finish({ operation, operations, window }) {
          await sleep(STATS_SETTLE_MS);
          const sent = TaggedClient.sent;
          // The counters and the statements in one statement, which itself counts in neither.
          const listed = statements
            ? `, (SELECT json_agg(json_build_object('query', query, 'queryid', queryid::text, 'calls', calls, 'ms', total_exec_time))
                    FROM ${statements}.pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())) AS statements`
            : '';
          const { rows: afterRows } = await db.query(`SELECT ${counters}${listed} ${from}`);
          const after = read(afterRows[0]!, sent);
          // Every bench statement from the first snapshot on, that one included, is its own transaction.
          const benchCommits = after.sent - before.sent + 1;
          const ops = Math.max(1, operations);
          let figures: DbWork['statements'] = null;
          if (statements) {
            const rows = ((afterRows[0]!.statements ?? []) as { query: string; queryid: string; calls: number; ms: number }[]).filter((r) => !r.query.includes(BENCH_TAG));
            const totalMs = rows.reduce((n, r) => n + r.ms, 0);
            const transactionControl = rows.filter((r) => /^\s*(BEGIN|COMMIT|ROLLBACK|START|SAVEPOINT|RELEASE|END)\b/i.test(r.query)).reduce((n, r) => n + Number(r.calls), 0);
            const top = [...rows]
              .sort((a, b) => b.ms - a.ms)
              .slice(0, 10)
              .map((r) => ({
                text: oneLine(r.query, 120),
                fullText: oneLine(r.query, Infinity),
                queryId: r.queryid,
                calls: Number(r.calls),
                callsPerOperation: Number(r.calls) / ops,
                meanMs: r.ms / Math.max(1, Number(r.calls)),
                totalMs: r.ms,
                share: totalMs > 0 ? r.ms / totalMs : 0,
              }));
            figures = { calls: rows.reduce((n, r) => n + Number(r.calls), 0), transactionControl, totalMs, top };
          }
          return {
            operation,
            window,
            operations,
            windowSeconds: (after.at - before.at) / 1000,
            statements: figures,
            ...(statements ? {} : { statementsMissing }),
            commits: after.commits - before.commits - benchCommits,
            benchCommits,
            rollbacks: after.rollbacks - before.rollbacks,
            transactionIds: after.nextXid - before.nextXid,
            wal:
              before.wal && after.wal
                ? {
                    records: after.wal.records - before.wal.records,
                    fullPageImages: after.wal.fullPageImages - before.wal.fullPageImages,
                    bytes: after.wal.bytes - before.wal.bytes,
                    fsyncs: after.wal.fsyncs === null || before.wal.fsyncs === null ? null : after.wal.fsyncs - before.wal.fsyncs,
                    writes: after.wal.writes === null || before.wal.writes === null ? null : after.wal.writes - before.wal.writes,
                    fsyncSource: fsyncSource ?? 'none',
                  }
                : null,
          };
        },
      };
    },
  };
}

function oneLine(sql: string, max: number): string {
  const line = sql.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}
