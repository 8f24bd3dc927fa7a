export * from './common.ts';
export * from './events.ts';
export * from './topics.ts';
export * from './problem.ts';
export * from './routing.ts';
export * from './event-flow.ts';
