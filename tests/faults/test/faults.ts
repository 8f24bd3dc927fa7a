// The faults, each one a function that injects it and waits (with a timeout, never a fixed sleep
// but for the outage itself) until the system says it recovered.
import { request as httpRequest } from 'node:http';
import { SERVICE_NAMES, type ServiceName } from '@smart-expertise/contracts';
import { publishRaw, token, waitFor } from '@smart-expertise/service-runtime/testing';
import { depositBody } from '../../e2e/test/support.ts';
import { CONSUMERS, lagOf, metricsOf, ready, sumOf, type System } from './harness.ts';
import { newJourney, type Client, type Journey, type LoadStats } from './load.ts';

export type Log = (line: string) => void;

export interface FaultRecord {
  fault: string;
  ms: number;
  detail: string;
}

async function timed(faults: FaultRecord[], fault: string, log: Log, inject: () => Promise<string>): Promise<void> {
  const started = Date.now();
  log(`fault: ${fault}`);
  const detail = await inject();
  faults.push({ fault, ms: Date.now() - started, detail });
  log(`  recovered in ${Date.now() - started} ms: ${detail}`);
}

/** Waits until the load got `n` more 2xx answers: the system works again, under load. */
export async function loadProgresses(stats: LoadStats, n: number, what: string): Promise<void> {
  const from = stats.okAnswers;
  await waitFor(() => stats.okAnswers >= from + n, { timeoutMs: 180_000, intervalMs: 100, message: `${n} more 2xx answers to the load after ${what}` });
}

async function lagZero(sys: System, name: ServiceName, timeoutMs = 180_000): Promise<void> {
  await waitFor(async () => sumOf(await metricsOf(sys, name), 'kafka_consumer_lag') === 0, { timeoutMs, intervalMs: 250, message: `${name} to catch up (lag 0)` });
}

/** SIGKILL of one service, then a restart; the consumer that fell behind catches up by itself. */
export async function sigkill(sys: System, faults: FaultRecord[], log: Log, name: ServiceName, { awaitCatchUp }: { awaitCatchUp: boolean }): Promise<void> {
  await timed(faults, `SIGKILL ${name}`, log, async () => {
    const exit = await sys.platform.kill(name, 'SIGKILL');
    if (exit.signal !== 'SIGKILL') throw new Error(`${name} exited with ${JSON.stringify(exit)}`);
    const behind = await lagOf(sys, name);
    await sys.platform.start(name);
    // The killed member stays in its group until its session times out (10 s here): only then does
    // the new process get the partitions. The reduced variant goes on meanwhile (the audit's
    // settle proves the catch-up); the full one waits for it after every kill.
    if (!awaitCatchUp) return `ready again; lag when restarted ${behind}`;
    await lagZero(sys, name);
    return `lag when restarted ${behind}, caught up to 0 by itself`;
  });
}

/** Deposits a mission outside the worker loop, recording it like a journey (left new). */
export async function depositOne(http: Client, n: number, run: string, extra: Journey[]): Promise<Journey> {
  const j = newJourney(n, 'left_under_analysis', run);
  j.kind = 'left_under_analysis';
  const insurer = await token({ role: 'insurer', org: j.insurer });
  const r = await http.post('/v1/missions', insurer, depositBody(j.ref, { garage: j.garage, expertOffice: j.expertOffice }));
  if (r.lostAnswer) j.retriedAfterLostAnswer += 1;
  if (r.status !== 201 && r.status !== 200) throw new Error(`deposit answered ${r.status} ${r.text.slice(0, 200)}`);
  j.missionId = r.json.id;
  j.deadline = r.json.deadline;
  j.done = true;
  extra.push(j);
  return j;
}

/**
 * The relay killed mid-batch: Kafka acknowledged the batch, the process dies before marking it
 * sent. Made deterministic by holding row locks on the pending outbox rows, so that the relay's
 * `UPDATE outbox SET sent_at` waits, then SIGKILL. After the restart the relay publishes the
 * batch again: the copies must change nothing downstream.
 */
export async function relayKilledMidBatch(sys: System, faults: FaultRecord[], log: Log, http: Client, run: string, extra: Journey[], name: ServiceName = 'mission-intake'): Promise<void> {
  await timed(faults, `relay of ${name} SIGKILLed mid-batch`, log, async () => {
    const schema = sys.schema[name];
    const hold = await sys.db.connect();
    const rows = await sys.db.connect();
    try {
      // 1. Keep the relay away while writes are accepted, so they pile up as one batch.
      await hold.query('BEGIN');
      await hold.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`outbox_${schema}`]);
      const burst = await Promise.all(Array.from({ length: 4 }, (_, i) => depositOne(http, 100_000 + extra.length * 10 + i, run, extra)));
      // 2. Lock those rows, then let the relay in: it reads them, publishes, and blocks marking them sent.
      await rows.query('BEGIN');
      const locked = await rows.query(`SELECT seq FROM ${schema}.outbox WHERE sent_at IS NULL FOR UPDATE`);
      await hold.query('COMMIT');
      await waitFor(
        async () =>
          (
            await sys.db.query(
              `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock' AND query LIKE 'UPDATE outbox SET sent_at%'`,
              [schema],
            )
          ).rows[0].n > 0,
        { timeoutMs: 60_000, intervalMs: 50, message: 'the relay to publish the batch and wait to mark it sent' },
      );
      // 3. Kafka has the batch; the process dies before recording it. The mark-sent is one
      // autocommitted statement, and a backend waiting on a lock does not notice its client is gone:
      // released, it would still commit. Ending that backend too is the death this fault is about
      // (the statement never reached the database), so the batch must be published again.
      await sys.platform.kill(name, 'SIGKILL');
      await sys.db.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock' AND query LIKE 'UPDATE outbox SET sent_at%'`,
        [schema],
      );
      await waitFor(
        async () =>
          (await sys.db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'UPDATE outbox SET sent_at%' AND state = 'active'`, [schema]))
            .rows[0].n === 0,
        { timeoutMs: 30_000, intervalMs: 50, message: "the dead relay's mark-sent to be gone" },
      );
      await rows.query('ROLLBACK');
      await sys.platform.start(name);
      await waitFor(async () => (await sys.db.query(`SELECT count(*)::int AS n FROM ${schema}.outbox WHERE sent_at IS NULL`)).rows[0].n === 0, {
        timeoutMs: 120_000,
        message: `${name}'s outbox to drain after the restart`,
      });
      return `${locked.rowCount} outbox rows published but not marked sent (${burst.length} deposits of the burst), then published again`;
    } finally {
      await hold.query('ROLLBACK').catch(() => {});
      await rows.query('ROLLBACK').catch(() => {});
      hold.release(true);
      rows.release(true);
    }
  });
}

/**
 * The broker stopped for `seconds`: every service stays ready (it reports the broker down), writes
 * keep being accepted into the outboxes, then everything drains.
 */
export async function kafkaOutage(sys: System, faults: FaultRecord[], log: Log, http: Client, run: string, extra: Journey[], seconds: number): Promise<void> {
  await timed(faults, `Kafka stopped ${seconds} s`, log, async () => {
    await sys.stack.stopKafka();
    const stoppedAt = Date.now();
    const during = [];
    let pending = 0;
    let reachable = Number.NaN;
    let scrapeMs = Number.NaN;
    try {
      // Each service notices the broker is gone (its check is cached 2 s) and stays ready all the same.
      for (const name of SERVICE_NAMES) {
        const readiness = await waitFor(
          async () => {
            const r = await ready(sys, name);
            return r.body?.checks?.kafka === 'down' ? r : undefined;
          },
          { timeoutMs: 30_000, intervalMs: 250, message: `${name} to report the broker down` },
        );
        if (readiness.status !== 200) throw new Error(`${name} answered ${readiness.status} on /health/ready during the broker outage: the API must stay ready`);
      }
      // A scrape must answer within Prometheus's timeout though the lag gauges cannot reach the broker.
      const scrapeStarted = Date.now();
      reachable = sumOf(await metricsOf(sys, 'quote'), 'kafka_reachable');
      scrapeMs = Date.now() - scrapeStarted;
      if (reachable !== 0) throw new Error(`quote's kafka_reachable gauge says ${reachable} with the broker down`);
      for (let i = 0; i < 3; i++) during.push(await depositOne(http, 200_000 + extra.length * 10 + i, run, extra));
      pending = (await sys.db.query(`SELECT count(*)::int AS n FROM ${sys.schema['mission-intake']}.outbox WHERE sent_at IS NULL`)).rows[0].n as number;
      if (pending < during.length) throw new Error(`expected the deposits made during the outage to wait in the outbox, found ${pending} pending`);
    } catch (error) {
      await sys.stack.startKafka();
      throw error;
    }
    // The outage itself: the one deliberate wait of the suite.
    await new Promise((r) => setTimeout(r, Math.max(0, seconds * 1000 - (Date.now() - stoppedAt))));
    await sys.stack.startKafka();
    await waitFor(async () => (await Promise.all(SERVICE_NAMES.map((n) => ready(sys, n)))).every((r) => r.status === 200 && r.body?.checks?.kafka === 'up'), {
      timeoutMs: 120_000,
      intervalMs: 500,
      message: 'every service to see the broker again',
    });
    for (const name of SERVICE_NAMES) await lagZero(sys, name);
    await waitFor(async () => (await sys.db.query(`SELECT count(*)::int AS n FROM ${sys.schema['mission-intake']}.outbox WHERE sent_at IS NULL`)).rows[0].n === 0, {
      timeoutMs: 120_000,
      message: 'the outbox to drain after the outage',
    });
    return `every service stayed ready (kafka=down, kafka_reachable ${reachable}, /metrics in ${scrapeMs} ms); ${during.length} deposits accepted while the broker was down (${pending} events held in the outbox), drained after`;
  });
}

/** PostgreSQL restarted: services say not-ready, reconnect by themselves, and are ready again. */
export async function postgresRestart(sys: System, faults: FaultRecord[], log: Log): Promise<void> {
  await timed(faults, 'PostgreSQL restart', log, async () => {
    await sys.stack.stopPostgres();
    log('  PostgreSQL stopped');
    const seen = new Map<ServiceName, number>();
    try {
      await waitFor(
        async () => {
          for (const n of SERVICE_NAMES) {
            const r = await ready(sys, n);
            if (r.status === 503 && r.body?.checks?.database === 'down') seen.set(n, r.status);
          }
          return seen.size === SERVICE_NAMES.length;
        },
        { timeoutMs: 30_000, intervalMs: 200, message: 'every service to report not-ready with the database down' },
      );
    } finally {
      // Whatever happened, the database comes back: the load must not wait for it forever.
      await sys.stack.startPostgres();
      log(`  PostgreSQL started again (not-ready seen from ${[...seen.keys()].join(', ')})`);
    }
    const notReady = [...seen.keys()];
    await waitFor(async () => (await Promise.all(SERVICE_NAMES.map((n) => ready(sys, n)))).every((r) => r.status === 200), {
      timeoutMs: 120_000,
      intervalMs: 250,
      message: 'every service ready again after PostgreSQL came back',
    });
    return `${notReady.length} services reported 503 database=down, then ready again without a restart`;
  });
}

/** Malformed events on every topic; each consumer group of the topic parks them and goes on. */
export async function publishPoison(sys: System, log: Log): Promise<number> {
  let n = 0;
  for (const topic of new Set(Object.values(CONSUMERS).flatMap((c) => c.topics))) {
    await publishRaw(sys.prefix + topic, [
      { key: `poison-${n}`, value: 'this is not json {' },
      { key: `poison-${n}`, value: JSON.stringify({ id: 'not-a-uuid', type: 'mission.exploded', version: 1, payload: {} }) },
    ]);
    n += 2;
  }
  log(`published ${n} poison messages (2 per topic)`);
  return n;
}

/** What each service should have parked: 2 per topic it reads. */
export function expectedParked(name: ServiceName): number {
  return CONSUMERS[name].topics.length * 2;
}

/**
 * SIGTERM with a request in flight: its headers and half its body reached the service before the
 * signal; the rest is sent after. The request must complete with 2xx and the process exit, with
 * code 0, within SHUTDOWN_TIMEOUT_MS.
 */
export async function sigtermWithInFlight(sys: System, log: Log, name: 'mission-intake', shutdownTimeoutMs: number, run: string) {
  const j = newJourney(300_000, 'left_under_analysis', run);
  const insurer = await token({ role: 'insurer', org: j.insurer });
  const body = Buffer.from(JSON.stringify(depositBody(j.ref, { garage: j.garage, expertOffice: j.expertOffice })));
  const url = new URL(`${sys.platform.upstreams[name]}/v1/missions`);
  const finishers: { end?: () => void } = {};
  let sentHalf!: () => void;
  const halfSent = new Promise<void>((r) => (sentHalf = r));
  const answer = new Promise<{ status: number; text: string; at: number }>((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { authorization: `Bearer ${insurer}`, 'content-type': 'application/json', 'content-length': body.length } },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, at: Date.now() }));
      },
    );
    req.on('error', reject);
    req.write(body.subarray(0, body.length >> 1), () => sentHalf());
    finishers.end = () => req.end(body.subarray(body.length >> 1));
  });
  await halfSent;
  // The request is in flight once the service has routed its headers (the runtime counts it).
  await waitFor(
    async () => {
      const text = await (await fetch(`${sys.platform.upstreams[name]}/metrics`, { signal: AbortSignal.timeout(2_000) })).text();
      const line = text.split('\n').find((l) => l.startsWith('http_requests_in_flight{') && l.includes('method="POST"') && l.includes('route="/v1/missions"'));
      return line !== undefined && Number(line.split(' ').at(-1)) >= 1;
    },
    { timeoutMs: 10_000, intervalMs: 20, message: 'the half-sent deposit to be in flight' },
  );
  const child = sys.platform.processes.get(name)!;
  const signalledAt = Date.now();
  const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const killed = sys.platform.kill(name, 'SIGTERM');
  // The service is draining once it takes no new request (503 while closing, or the listener gone).
  await waitFor(
    async () => {
      try {
        return (await fetch(`${sys.platform.upstreams[name]}/health/live`, { signal: AbortSignal.timeout(1_000) })).status === 503;
      } catch {
        return true;
      }
    },
    { timeoutMs: 10_000, intervalMs: 20, message: `${name} to start draining after SIGTERM` },
  );
  finishers.end!();
  const response = await answer;
  const exit = await exited;
  await killed;
  log(`SIGTERM ${name}: in-flight deposit answered ${response.status} ${response.at - signalledAt} ms after the signal; exit code ${exit.code} after ${exit.at - signalledAt} ms`);
  return { response, exitCode: exit.code, exitMs: exit.at - signalledAt, ref: j.ref, shutdownTimeoutMs };
}
