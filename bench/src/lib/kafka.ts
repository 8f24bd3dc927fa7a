import type { Admin } from 'kafkajs';

/** Creates a topic for a baseline (the bench's prefix, deleted at the end). */
export async function createTopic(admin: Admin, topic: string, partitions: number): Promise<void> {
  const existing = await admin.listTopics();
  if (existing.includes(topic)) return;
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
}
