import { describe, expect, it } from 'vitest';
import { ALL_TOPICS, EventFlow, SERVICE_NAMES, kafkaAclsOf, topicsReadBy } from '../src/index.ts';

describe('the event flow', () => {
  it('has one writer per topic, and no service reads its own topic', () => {
    const writers = SERVICE_NAMES.flatMap((s) => (EventFlow[s].writes ? [EventFlow[s].writes] : []));
    expect(writers.sort()).toEqual([...ALL_TOPICS].sort());
    for (const s of SERVICE_NAMES) expect(topicsReadBy(s), s).not.toContain(EventFlow[s].writes);
  });

  it('gives every consumer group to one service only', () => {
    const groups = SERVICE_NAMES.flatMap((s) => EventFlow[s].groups.map((g) => g.group));
    expect(new Set(groups).size).toBe(groups.length);
  });

  it('makes ACLs for exactly the flow, every name under the prefix', () => {
    expect(kafkaAclsOf('quote', 'run1.')).toEqual([
      { resource: 'topic', name: 'run1.smart.quote.events.v1', operation: 'Write' },
      { resource: 'topic', name: 'run1.smart.mission-intake.events.v1', operation: 'Read' },
      { resource: 'topic', name: 'run1.smart.expert-review.events.v1', operation: 'Read' },
      { resource: 'group', name: 'run1.quote', operation: 'Read' },
      { resource: 'group', name: 'run1.quote-supplements', operation: 'Read' },
    ]);
    // integrations writes nothing: no Write at all.
    expect(kafkaAclsOf('integrations').filter((a) => a.operation === 'Write')).toEqual([]);
  });
});
