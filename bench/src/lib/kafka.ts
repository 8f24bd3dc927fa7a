import type { Admin } from 'kafkajs';

/** Creates a topic for a baseline (the bench's prefix, deleted at the end). */
export async function createTopic(admin: Admin, topic: string, partitions: number): Promise<void> {
  const existing = await admin.listTopics();
  if (existing.includes(topic)) return;
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
}

/**
 * Messages of `topics` a consumer group has not committed yet. The services commit their positions
 * every second, so a group that has applied everything shows 0 within a second.
 */
export async function groupLag(admin: Admin, groupId: string, topics: string[]): Promise<number> {
  let lag = 0;
  const committed = await admin.fetchOffsets({ groupId, topics });
  for (const topic of topics) {
    const positions = new Map((committed.find((c) => c.topic === topic)?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
      const at = positions.get(partition) ?? -1;
      lag += Number(high) - (at < 0 ? Number(low) : at);
    }
  }
  return lag;
}
