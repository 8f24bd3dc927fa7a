import type { ServiceName } from './routing.ts';
import { Topics, type TopicName } from './topics.ts';

/**
 * Who writes and who reads which topic, under which consumer group: the event flow that each
 * service's Kafka user is allowed and nothing more (k8s/base/platform/kafka-users.yaml, the local
 * broker's ACLs). A service writes its own topic, or none (`null`: integrations tells integrators
 * over HTTPS, never another service). tests/ops checks it against each service's consumers' code.
 */
export const EventFlow: Record<ServiceName, { readonly writes: TopicName | null; readonly groups: readonly { readonly group: string; readonly topics: readonly TopicName[] }[] }> = {
  'mission-intake': { writes: Topics.missionIntake, groups: [{ group: 'mission-intake', topics: [Topics.quote, Topics.expertReview, Topics.expiryScheduler] }] },
  // quote reads the verdicts (group quote) and the expert's supplement decisions (group quote-supplements).
  quote: {
    writes: Topics.quote,
    groups: [
      { group: 'quote', topics: [Topics.missionIntake] },
      { group: 'quote-supplements', topics: [Topics.expertReview] },
    ],
  },
  'expert-review': { writes: Topics.expertReview, groups: [{ group: 'expert-review', topics: [Topics.quote] }] },
  'expiry-scheduler': { writes: Topics.expiryScheduler, groups: [{ group: 'expiry-scheduler.deadlines', topics: [Topics.missionIntake] }] },
  integrations: { writes: null, groups: [{ group: 'integrations', topics: [Topics.missionIntake, Topics.quote, Topics.expertReview] }] },
};

/** The topics a service reads, each once. */
export function topicsReadBy(service: ServiceName): TopicName[] {
  return [...new Set(EventFlow[service].groups.flatMap((g) => g.topics))];
}

export interface KafkaAcl {
  readonly resource: 'topic' | 'group';
  /** The literal name, topic prefix included. */
  readonly name: string;
  /** Write implies Describe (metadata), Read implies Describe (offsets, lag). */
  readonly operation: 'Write' | 'Read';
}

/**
 * The ACLs of a service's Kafka user: write its own topic, read the topics it consumes, use its
 * own consumer groups (a group's name carries the topic prefix, as the consumers make it). No
 * Create (topics are made before the services start), nothing on the cluster: since Kafka 3.0 the
 * idempotent producer needs no IdempotentWrite when it may Write a topic.
 */
export function kafkaAclsOf(service: ServiceName, prefix = ''): KafkaAcl[] {
  const flow = EventFlow[service];
  return [
    ...(flow.writes === null ? [] : [{ resource: 'topic' as const, name: prefix + flow.writes, operation: 'Write' as const }]),
    ...topicsReadBy(service).map((topic) => ({ resource: 'topic' as const, name: prefix + topic, operation: 'Read' as const })),
    ...flow.groups.map(({ group }) => ({ resource: 'group' as const, name: prefix + group, operation: 'Read' as const })),
  ];
}
