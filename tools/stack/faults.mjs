// A private PostgreSQL and Kafka for the fault-injection suite (tests/faults): started in a
// folder of their own on free ports, so that the suite may stop, kill and restart them without
// touching the shared stack that `npm test` and `npm start` use.
import { mkdirSync, rmSync } from 'node:fs';
import { startKafka, stopProcess, isAlive } from './kafka.mjs';
import { startPostgres } from './postgres.mjs';
import { freePort } from './index.mjs';

/**
 * Starts PostgreSQL and Kafka in `dir` (removed first, so every run starts empty).
 * @param {{ root: string, dir: string, log?: (line: string) => void }} options
 */
export async function startFaultStack({ root, dir, log = () => {} }) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const pgDir = `${dir}/postgres`;
  const kafkaDir = `${dir}/kafka`;
  const pgPort = await freePort();
  const [kafkaPort, controllerPort] = [await freePort(), await freePort()];
  let postgres = await startPostgres({ dir: pgDir, port: pgPort, log });
  let kafka = await startKafka({ root, dir: kafkaDir, port: kafkaPort, controllerPort, log });
  let postgresUp = true;

  const stack = {
    databaseUrl: postgres.url,
    kafkaBrokers: kafka.brokers,
    /** The broker's superuser (the harness's own clients); the services get their own users. */
    kafkaSasl: kafka.sasl,
    /** Stops the broker (SIGTERM, controlled shutdown) and waits for it to exit. */
    async stopKafka() {
      await stopProcess(kafka.pid);
    },
    /** Kills the broker at once (SIGKILL). */
    async killKafka() {
      if (!isAlive(kafka.pid)) return;
      process.kill(kafka.pid, 'SIGKILL');
      while (isAlive(kafka.pid)) await new Promise((r) => setTimeout(r, 50));
    },
    /** Starts the broker again with the same data folder and ports. */
    async startKafka() {
      kafka = await startKafka({ root, dir: kafkaDir, port: kafkaPort, controllerPort, log });
    },
    async stopPostgres() {
      if (!postgresUp) return;
      await postgres.stop();
      postgresUp = false;
    },
    /** Starts PostgreSQL again with the same data folder and port. */
    async startPostgres() {
      postgres = await startPostgres({ dir: pgDir, port: pgPort, log });
      postgresUp = true;
    },
    async stop() {
      await stopProcess(kafka.pid);
      if (postgresUp) await postgres.stop();
      postgresUp = false;
    },
  };
  return stack;
}
