// The broker's side of least privilege, on the real broker of the stack (SCRAM-SHA-512, the
// standard authorizer): each service's user may write its own topic, read the topics it consumes
// under its own consumer groups, and nothing else; a wrong password or no credentials at all get
// nothing. The ACLs are those the local platform grants (scripts/kafka-users.ts), from the same
// table as the KafkaUsers of k8s/ (kafkaAclsOf, libs/contracts/src/event-flow.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import kafkajs, { type Consumer, type Kafka, type Producer } from 'kafkajs';
import { ALL_TOPICS, EventFlow, SERVICE_NAMES, topicsReadBy, type ServiceName } from '@smart-expertise/contracts';
import { stackEnv, uniqueSuffix, waitFor } from '@smart-expertise/service-runtime/testing';
import { localKafkaAdminOf, provisionKafka, serviceKafkaEnv } from '../../../scripts/kafka-users.ts';

const { Kafka: KafkaClient, logLevel } = kafkajs;

const env = stackEnv();
const brokers = env.KAFKA_BROKERS.split(',');
const admin = localKafkaAdminOf(env);
const prefix = `acl${uniqueSuffix()}.`;
const opened: { disconnect(): Promise<void> }[] = [];

function clientAs(sasl: kafkajs.SASLOptions | undefined): Kafka {
  return new KafkaClient({ brokers, sasl, logLevel: logLevel.NOTHING, connectionTimeout: 5_000, retry: { retries: 1, initialRetryTime: 100 } });
}

function clientOf(service: ServiceName): Kafka {
  const own = serviceKafkaEnv(admin!, service);
  return clientAs({ mechanism: 'scram-sha-512', username: own.KAFKA_SASL_USERNAME!, password: own.KAFKA_SASL_PASSWORD! });
}

async function producerOf(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  opened.push(producer);
  await producer.connect();
  return producer;
}

/** A producer without idempotence, which asks the broker for no producer id. */
async function plainProducerOf(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 1 } });
  opened.push(producer);
  await producer.connect();
  return producer;
}

/**
 * The protocol's name for why a request was refused (TOPIC_AUTHORIZATION_FAILED, ...), found in
 * the errors kafkajs wraps it in, or the error's own name (KafkaJSSASLAuthenticationError).
 */
function reasonOf(error: unknown): string {
  const seen: unknown[] = [];
  const walk = (e: unknown): string | undefined => {
    if (!e || typeof e !== 'object' || seen.includes(e)) return undefined;
    seen.push(e);
    const x = e as { type?: string; cause?: unknown; originalError?: unknown; errors?: unknown[] };
    return x.type ?? walk(x.originalError) ?? walk(x.cause) ?? x.errors?.map(walk).find(Boolean);
  };
  return walk(error) ?? (error as Error).name ?? String(error);
}

async function refusal(attempt: Promise<unknown>): Promise<string> {
  try {
    await attempt;
  } catch (error) {
    return reasonOf(error);
  }
  return 'accepted';
}

/**
 * Runs a consumer of `group` on `topics` until it reads its first record or crashes; resolves with
 * what it read or why it was refused, and leaves the group (the next test may join it).
 */
async function consume(kafka: Kafka, group: string, topics: string[]): Promise<string> {
  const consumer: Consumer = kafka.consumer({ groupId: prefix + group, retry: { retries: 0, restartOnFailure: async () => false } });
  await consumer.connect();
  let outcome: string | undefined;
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    outcome ??= reasonOf(payload.error);
  });
  try {
    await consumer.subscribe({ topics: topics.map((t) => prefix + t), fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        outcome ??= `read ${message.value?.toString('utf8')}`;
      },
    });
    return await waitFor(() => outcome, { timeoutMs: 60_000, message: `consumer ${group} to read or be refused` });
  } catch (error) {
    return outcome ?? reasonOf(error);
  } finally {
    await consumer.disconnect().catch(() => {});
  }
}

describe('the broker: one user per service, exactly its ACLs', () => {
  beforeAll(async () => {
    expect(admin, 'the stack exports its broker superuser (KAFKA_SASL_USERNAME=admin); the local broker requires SCRAM').not.toBeNull();
    await provisionKafka({ brokers, admin: admin!, prefix, services: SERVICE_NAMES, partitions: 1 });
    // One record on every topic, so that a consumer allowed to read finds something.
    const producer = await producerOf(clientAs(admin!));
    for (const topic of ALL_TOPICS) await producer.send({ topic: prefix + topic, acks: -1, messages: [{ key: 'k', value: topic }] });
  }, 120_000);

  afterAll(async () => {
    for (const client of opened.splice(0).reverse()) await client.disconnect().catch(() => {});
  });

  it.each(SERVICE_NAMES)('lets %s write its own topic and no other', async (service) => {
    if (EventFlow[service].writes === null) {
      // May write nothing: not even a producer id for the idempotent producer (the runtime
      // connects none for such a service, ServiceDefinition.publishes).
      expect(await refusal(producerOf(clientOf(service)))).toBe('CLUSTER_AUTHORIZATION_FAILED');
    }
    const producer = EventFlow[service].writes === null ? await plainProducerOf(clientOf(service)) : await producerOf(clientOf(service));
    for (const topic of ALL_TOPICS) {
      const outcome = await refusal(producer.send({ topic: prefix + topic, acks: -1, messages: [{ key: 'k', value: service }] }));
      expect(outcome, `${service} writing ${topic}`).toBe(topic === EventFlow[service].writes ? 'accepted' : 'TOPIC_AUTHORIZATION_FAILED');
    }
  });

  it.each(SERVICE_NAMES)('lets %s read what it consumes under its own group, and not join another service\'s group', async (service) => {
    const { group, topics } = EventFlow[service].groups[0]!;
    expect(await consume(clientOf(service), group, [...topics])).toMatch(/^read /);
    const other = SERVICE_NAMES.find((s) => s !== service && EventFlow[s].groups[0]!.topics.some((t) => topics.includes(t)))!;
    const theirs = EventFlow[other].groups.find((g) => g.topics.some((t) => topics.includes(t)))!;
    const shared = theirs.topics.filter((t) => topics.includes(t));
    // The broker answers FindCoordinator for a group the user may not use with
    // GROUP_AUTHORIZATION_FAILED, which kafkajs reports as "coordinator not found" without the
    // cause; the same user on the same topics has just found its own group's coordinator.
    expect(await consume(clientOf(service), theirs.group, shared), `${service} joining ${other}'s group ${theirs.group}`).toBe('KafkaJSGroupCoordinatorNotFound');
  }, 120_000);

  it.each(SERVICE_NAMES)('refuses %s a topic it does not consume, even under its own group', async (service) => {
    const foreign = ALL_TOPICS.filter((t) => !topicsReadBy(service).includes(t));
    expect(foreign.length).toBeGreaterThan(0);
    expect(await consume(clientOf(service), EventFlow[service].groups[0]!.group, foreign)).toBe('TOPIC_AUTHORIZATION_FAILED');
  }, 120_000);

  it('refuses a service user what only the platform may do: create topics, grant itself ACLs', async () => {
    const quote = clientOf('quote').admin();
    opened.push(quote);
    await quote.connect();
    expect(await refusal(quote.createTopics({ topics: [{ topic: `${prefix}smart.quote.events.v2`, numPartitions: 1 }] }))).toMatch(/AUTHORIZATION_FAILED/);
    expect(
      await refusal(
        quote.createAcls({
          acl: [
            {
              resourceType: kafkajs.AclResourceTypes.TOPIC,
              resourceName: prefix + ALL_TOPICS[0],
              resourcePatternType: kafkajs.ResourcePatternTypes.LITERAL,
              principal: 'User:quote',
              host: '*',
              operation: kafkajs.AclOperationTypes.WRITE,
              permissionType: kafkajs.AclPermissionTypes.ALLOW,
            },
          ],
        }),
      ),
    ).toMatch(/AUTHORIZATION_FAILED/);
  });

  it('refuses a wrong password and a client without credentials', async () => {
    const own = serviceKafkaEnv(admin!, 'quote');
    const wrong = clientAs({ mechanism: 'scram-sha-512', username: 'quote', password: `${own.KAFKA_SASL_PASSWORD}x` }).producer();
    expect(await refusal(wrong.connect())).toBe('KafkaJSSASLAuthenticationError');
    const unknown = clientAs({ mechanism: 'scram-sha-512', username: 'nobody', password: own.KAFKA_SASL_PASSWORD! }).producer();
    expect(await refusal(unknown.connect())).toBe('KafkaJSSASLAuthenticationError');
    // No SASL handshake: the broker closes the connection before answering anything.
    const anonymous = clientAs(undefined).admin();
    opened.push(anonymous);
    expect(await refusal(anonymous.connect().then(() => anonymous.listTopics()))).not.toBe('accepted');
  });
});
