// Regression (found by tests/faults on a fresh broker): services starting together all create the
// same topics; one that lost the race saw them listed before their partitions had leaders, and
// its consumer's subscribe failed with UNKNOWN_TOPIC_OR_PARTITION, which kafkajs does not retry:
// the service died at start. ensureTopics now returns only once every partition has a leader.
import { describe, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import pino from 'pino';
import { ALL_TOPICS } from '@smart-expertise/contracts';
import { createKafka, ensureTopics, kafkaSecurityOf } from '../src/kafka.ts';
import { stackEnv, uniqueSuffix } from '../src/testing.ts';

describe('ensureTopics when several services start at once', () => {
  it('waits for leaders of topics another process created (listed, no leader yet) before returning', async () => {
    let metadataCalls = 0;
    const fake = {
      listTopics: async () => ['a', 'b'],
      createTopics: async () => {
        throw new Error('must not create listed topics');
      },
      fetchTopicMetadata: async ({ topics }: { topics: string[] }) => {
        metadataCalls += 1;
        if (metadataCalls === 1) throw Object.assign(new Error('This server does not host this topic-partition'), { type: 'UNKNOWN_TOPIC_OR_PARTITION' });
        const leader = metadataCalls < 3 ? -1 : 1;
        return { topics: topics.map((name) => ({ name, partitions: [{ partitionId: 0, leader }] })) };
      },
    };
    await ensureTopics(fake as never, ['a', 'b'], { partitions: 1, replicationFactor: 1 });
    expect(metadataCalls).toBe(3);
    await expect(
      ensureTopics({ ...fake, fetchTopicMetadata: async () => ({ topics: [] }) } as never, ['a'], { partitions: 1, replicationFactor: 1, leaderTimeoutMs: 300 }),
    ).rejects.toThrow(/no leader/);
  });

  it('takes a lost creation race (TOPIC_ALREADY_EXISTS in an aggregate error) as success', async () => {
    const fake = {
      listTopics: async () => [],
      createTopics: async () => {
        throw Object.assign(new Error('Topic creation errors'), { errors: [{ type: 'TOPIC_ALREADY_EXISTS' }, { type: 'UNKNOWN_TOPIC_OR_PARTITION' }] });
      },
      fetchTopicMetadata: async ({ topics }: { topics: string[] }) => ({ topics: topics.map((name) => ({ name, partitions: [{ partitionId: 0, leader: 1 }] })) }),
    };
    await ensureTopics(fake as never, ['a'], { partitions: 1, replicationFactor: 1 });
    await expect(
      ensureTopics({ ...fake, createTopics: async () => Promise.reject(Object.assign(new Error('Topic creation errors'), { errors: [{ type: 'INVALID_REPLICATION_FACTOR' }] })) } as never, ['a'], { partitions: 1, replicationFactor: 1 }),
    ).rejects.toThrow(/creation errors/);
  });

  it('lets every racer subscribe at once to the topics the others created', async () => {
    const brokers = stackEnv().KAFKA_BROKERS.split(',');
    const prefix = `race${uniqueSuffix()}.`;
    const topics = ALL_TOPICS.map((t) => prefix + t);
    const racers = Array.from({ length: 4 }, (_, i) => {
      const kafka = createKafka({ brokers, clientId: `racer-${i}`, logger: pino({ level: 'silent' }), security: kafkaSecurityOf(stackEnv() as Parameters<typeof kafkaSecurityOf>[0]) });
      return { kafka, admin: kafka.admin() };
    });
    const consumers: kafkajs.Consumer[] = [];
    try {
      await Promise.all(
        racers.map(async ({ kafka, admin }, i) => {
          await admin.connect();
          await ensureTopics(admin, topics, { partitions: 3, replicationFactor: 1 });
          const consumer = kafka.consumer({ groupId: `${prefix}group-${i}`, retry: { retries: 0 } });
          consumers.push(consumer);
          await consumer.connect();
          await consumer.subscribe({ topics, fromBeginning: true });
        }),
      );
      const { topics: found } = await racers[0]!.admin.fetchTopicMetadata({ topics });
      expect(found.map((t) => t.partitions.filter((p) => p.leader >= 0).length)).toEqual(topics.map(() => 3));
    } finally {
      await Promise.all(consumers.map((c) => c.disconnect().catch(() => {})));
      await Promise.all(racers.map(({ admin }) => admin.disconnect().catch(() => {})));
    }
  });
});
