// A real single-node Apache Kafka broker in KRaft mode, run from the official jars that Maven
// resolves from Maven Central into .stack/kafka-libs. Used when KAFKA_BROKERS is not set and no
// Docker engine is available.
import { spawn, spawnSync } from 'node:child_process';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, openSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

/** The broker version proven against kafkajs 2.2.4 (see README: "Why Kafka 4.2.1"). */
export const KAFKA_VERSION = '4.2.1';

/** The broker's superuser: the stack's own tools (topic creation, ACLs) and the tests' clients. */
export const KAFKA_ADMIN_USER = 'admin';
/** The users the broker knows besides the superuser: one per service, as the KafkaUsers of k8s/. */
export const KAFKA_SERVICE_USERS = ['mission-intake', 'quote', 'expert-review', 'expiry-scheduler', 'integrations'];

/**
 * A local user's SCRAM password: derived from the superuser's, so that whoever holds the stack's
 * admin credentials (the launcher) can hand each service its own without a second secret, and two
 * launchers on one stack always agree.
 */
export function localKafkaPassword(adminPassword, user) {
  return createHmac('sha256', adminPassword).update(`kafka-user:${user}`).digest('base64url');
}

/** The credentials a client of the local broker gives: the superuser's, or one service's. */
export function localKafkaSasl(adminPassword, user = KAFKA_ADMIN_USER) {
  return {
    mechanism: 'scram-sha-512',
    username: user,
    password: user === KAFKA_ADMIN_USER ? adminPassword : localKafkaPassword(adminPassword, user),
  };
}

/** The superuser's credentials of the local broker whose folder is `dir`. */
export function localKafkaAdmin(dir) {
  return localKafkaSasl(adminPasswordOf(dir));
}

/** The superuser's password of the broker whose folder is `dir`, made on first use (0600). */
function adminPasswordOf(dir) {
  const file = join(dir, 'admin-password');
  if (!existsSync(file)) writeFileSync(file, randomBytes(24).toString('base64url'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

function kafkaLibs(root) {
  return join(root, '.stack', 'kafka-libs', KAFKA_VERSION);
}

/** Resolves the broker's jars with Maven once; later calls find them in place. */
export function ensureKafkaJars(root, log) {
  const libs = kafkaLibs(root);
  const marker = join(libs, '.complete');
  if (existsSync(marker)) return libs;
  log(`resolving Apache Kafka ${KAFKA_VERSION} jars from Maven Central (first run only)`);
  const result = spawnSync(
    'mvn',
    [
      '-q', '-B',
      '-f', join(root, 'tools', 'kafka', 'pom.xml'),
      `-Dkafka.version=${KAFKA_VERSION}`,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${libs}`,
      '-DincludeScope=runtime',
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (result.error) throw new Error(`mvn could not run (is Maven installed?): ${result.error.message}`);
  if (result.status !== 0) throw new Error(`mvn failed to resolve the Kafka jars (exit ${result.status})`);
  writeFileSync(marker, new Date().toISOString());
  return libs;
}

/**
 * As in k8s/: clients authenticate with SCRAM-SHA-512 and the standard authorizer refuses whatever
 * no ACL allows. Loopback only, so without TLS (production has it; the client's TLS settings are
 * tested apart). The controller listener takes the superuser alone, with PLAIN (KRaft controllers
 * cannot check SCRAM: the credentials live in the metadata they serve).
 */
function serverProperties({ dataDir, port, controllerPort, adminPassword }) {
  const scram = `org.apache.kafka.common.security.scram.ScramLoginModule required username="${KAFKA_ADMIN_USER}" password="${adminPassword}";`;
  const plain = `org.apache.kafka.common.security.plain.PlainLoginModule required username="${KAFKA_ADMIN_USER}" password="${adminPassword}" user_${KAFKA_ADMIN_USER}="${adminPassword}";`;
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=CLIENT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=CLIENT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,CLIENT:SASL_PLAINTEXT',
    'inter.broker.listener.name=CLIENT',
    'listener.name.client.sasl.enabled.mechanisms=SCRAM-SHA-512',
    'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
    `listener.name.client.scram-sha-512.sasl.jaas.config=${scram}`,
    'listener.name.controller.sasl.enabled.mechanisms=PLAIN',
    'sasl.mechanism.controller.protocol=PLAIN',
    `listener.name.controller.plain.sasl.jaas.config=${plain}`,
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    `super.users=User:${KAFKA_ADMIN_USER}`,
    'allow.everyone.if.no.acl.found=false',
    `log.dirs=${dataDir}`,
    // One node: every internal topic can only have one replica.
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // Consumers of a fresh group start at once instead of waiting 3 s for more members.
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'num.partitions=3',
    'log.retention.hours=168',
    '',
  ].join('\n');
}

function java(libs, dir, args, opts = {}) {
  return [
    '-Xms256m', '-Xmx768m', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${opts.log4j}`,
    `-Dkafka.logs.dir=${dir}`,
    '-cp', `${libs}/*`,
    ...args,
  ];
}

/** Asks the broker for its metadata; resolves when it answers. */
export async function waitForKafka(brokers, timeoutMs = 60_000, sasl = undefined) {
  const kafka = new Kafka({ brokers, sasl, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 1000 });
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.describeCluster();
      await admin.disconnect();
      return;
    } catch (error) {
      lastError = error;
      await admin.disconnect().catch(() => {});
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`Kafka at ${brokers.join(',')} did not answer within ${timeoutMs} ms: ${lastError?.message}`);
}

/**
 * Starts the broker (formatting its storage on first use) and resolves once it answers a
 * metadata request. Data stays in `dir` across restarts.
 */
export async function startKafka({ root, dir, port, controllerPort, log }) {
  const libs = ensureKafkaJars(root, log);
  const dataDir = join(dir, 'data');
  mkdirSync(dir, { recursive: true });
  if (existsSync(join(dataDir, 'meta.properties')) && !existsSync(join(dir, 'admin-password'))) {
    // Formatted before the broker required SCRAM: its metadata holds no users. Local data only.
    log('Kafka storage predates SCRAM users: formatting it again (the local topics start empty)');
    rmSync(dataDir, { recursive: true, force: true });
  }
  mkdirSync(dataDir, { recursive: true });
  const adminPassword = adminPasswordOf(dir);
  const propsFile = join(dir, 'server.properties');
  writeFileSync(propsFile, serverProperties({ dataDir, port, controllerPort, adminPassword }), { mode: 0o600 });
  const log4j = join(root, 'tools', 'kafka', 'log4j2.properties');

  if (!existsSync(join(dataDir, 'meta.properties'))) {
    // The SCRAM users go into the metadata at format time: the broker needs its own to start.
    const users = [KAFKA_ADMIN_USER, ...KAFKA_SERVICE_USERS].flatMap((user) => [
      '--add-scram',
      `SCRAM-SHA-512=[name=${user},password=${localKafkaSasl(adminPassword, user).password}]`,
    ]);
    // A base64url id may start with '-', which the tool's argument parser takes for an option.
    let clusterId;
    do clusterId = Buffer.from(randomUUID().replaceAll('-', ''), 'hex').toString('base64url');
    while (clusterId.startsWith('-'));
    const format = spawnSync(
      'java',
      java(libs, dir, ['kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', propsFile, '--ignore-formatted', ...users], { log4j }),
      { encoding: 'utf8' },
    );
    if (format.status !== 0) throw new Error(`formatting Kafka storage failed: ${format.stderr || format.stdout}`);
  }

  const out = openSync(join(dir, 'stdout.log'), 'a');
  const child = spawn('java', java(libs, dir, ['kafka.Kafka', propsFile], { log4j }), {
    stdio: ['ignore', out, out],
    detached: true,
  });
  const brokers = [`127.0.0.1:${port}`];
  const sasl = localKafkaSasl(adminPassword);
  let exited = null;
  child.once('exit', (code, signal) => { exited = { code, signal }; });
  try {
    await Promise.race([
      waitForKafka(brokers, 90_000, sasl),
      new Promise((_, reject) => child.once('exit', (code) => reject(new Error(`Kafka exited with code ${code}; see ${join(dir, 'stdout.log')}`)))),
    ]);
  } catch (error) {
    if (!exited) child.kill('SIGKILL');
    throw error;
  }
  return { brokers, sasl, pid: child.pid, process: child };
}

/** Stops the broker cleanly (SIGTERM triggers its controlled shutdown) and waits for it to exit. */
export async function stopProcess(pid, { timeoutMs = 30_000 } = {}) {
  if (!pid || !isAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

export function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Lists the topics the platform needs, creating the missing ones. */
export async function ensureTopics(brokers, topics, { partitions = 3, replicationFactor = 1, sasl = undefined } = {}) {
  const kafka = new Kafka({ brokers, sasl, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor })),
      });
    }
    return missing;
  } finally {
    await admin.disconnect();
  }
}

export function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

export function listDir(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
