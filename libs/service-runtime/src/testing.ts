// Helpers for tests that run against the real stack (`npm test` provides DATABASE_URL,
// KAFKA_BROKERS and the broker's superuser in KAFKA_SASL_*). Each test owns its data: a fresh
// schema and topic prefix per service instance.
import { randomBytes, randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import { validateEvent, type DomainEvent, type EventEnvelope } from '@smart-expertise/contracts';
import { signToken, type Principal } from './auth.ts';

const { Kafka, logLevel } = kafkajs;

const SASL_VARIABLES = ['KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const;

export function stackEnv(): { DATABASE_URL: string; KAFKA_BROKERS: string; JWT_SECRET: string } & Partial<Record<(typeof SASL_VARIABLES)[number], string>> {
  const { DATABASE_URL, KAFKA_BROKERS } = process.env;
  if (!DATABASE_URL || !KAFKA_BROKERS) {
    throw new Error('integration tests need the real stack: run them through `npm test`, or start `npm run stack` and export what it prints');
  }
  const sasl = Object.fromEntries(SASL_VARIABLES.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])));
  return { DATABASE_URL, KAFKA_BROKERS, ...sasl, JWT_SECRET: testJwtSecret() };
}

/** A kafkajs client of the stack's broker, as its superuser when the stack has one. */
export function stackKafka(options: { retry?: { retries: number } } = {}) {
  const env = stackEnv();
  const sasl =
    env.KAFKA_SASL_MECHANISM && env.KAFKA_SASL_USERNAME && env.KAFKA_SASL_PASSWORD
      ? ({ mechanism: env.KAFKA_SASL_MECHANISM, username: env.KAFKA_SASL_USERNAME, password: env.KAFKA_SASL_PASSWORD } as kafkajs.SASLOptions)
      : undefined;
  return new Kafka({ brokers: env.KAFKA_BROKERS.split(','), sasl, logLevel: logLevel.NOTHING, ...options });
}

let secret: string | undefined;
export function testJwtSecret(): string {
  secret ??= process.env.JWT_SECRET && process.env.JWT_SECRET.length >= 32 ? process.env.JWT_SECRET : randomBytes(32).toString('base64url');
  return secret;
}

export function uniqueSuffix(): string {
  return randomUUID().replaceAll('-', '').slice(0, 12);
}

/** An environment for one isolated service instance: its own schema, topics and a free port. */
export function testEnvironment(service: string, overrides: Record<string, string> = {}, shared?: { topicPrefix: string }): Record<string, string> {
  const suffix = uniqueSuffix();
  return {
    ...stackEnv(),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    DB_SCHEMA: `t_${service.replaceAll('-', '_')}_${suffix}`,
    KAFKA_TOPIC_PREFIX: shared?.topicPrefix ?? `t${suffix}.`,
    KAFKA_TOPIC_PARTITIONS: '3',
    OUTBOX_POLL_MS: '200',
    DB_POOL_MAX: '5',
    ...overrides,
  };
}

export function token(principal: Principal, options: { expiresIn?: string | number } = {}): Promise<string> {
  return signToken(testJwtSecret(), principal, options);
}

/** Polls until `probe` returns something truthy; fails with `message` after the timeout. */
export async function waitFor<T>(probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, { timeoutMs = 30_000, intervalMs = 50, message = 'condition' } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${message}${lastError ? `: ${(lastError as Error).message}` : ''}`);
}

/** Reads every event on some topics from the beginning, so a test can wait for what it expects. */
export async function createEventProbe(topics: string[]) {
  const kafka = stackKafka();
  const consumer = kafka.consumer({ groupId: `probe-${uniqueSuffix()}` });
  const events: (DomainEvent & { topic: string })[] = [];
  const raw: { topic: string; key: string | null; value: string }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const value = message.value?.toString('utf8') ?? '';
      raw.push({ topic, key: message.key?.toString('utf8') ?? null, value });
      const result = validateEvent(value);
      if (result.ok) events.push({ ...result.event, topic });
    },
  });
  return {
    events,
    raw,
    async waitForEvent(predicate: (e: DomainEvent) => boolean, message = 'event'): Promise<DomainEvent> {
      return waitFor(() => events.find(predicate), { message });
    },
    async stop() {
      await consumer.disconnect();
    },
  };
}

/** Publishes raw bytes to a topic, as a misbehaving or replaying producer would. */
export async function publishRaw(topic: string, messages: { key: string; value: string | EventEnvelope }[]): Promise<void> {
  const kafka = stackKafka();
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: messages.map((m) => ({ key: m.key, value: typeof m.value === 'string' ? m.value : JSON.stringify(m.value) })),
    });
  } finally {
    await producer.disconnect();
  }
}

/** A tiny HTTP client for route tests against a listening service. */
export function httpClient(baseUrl: string) {
  return async function request(method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    }
    const response = await fetch(baseUrl + path, { method, headers, body });
    const text = await response.text();
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json: json as any };
  };
}
