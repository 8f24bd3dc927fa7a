// The procedure's rules, written once: the vocabulary (from common.ts), the mission's verdict as a
// fold of facts, the commands mission-intake decides, and the predicates every service asks.
export * from './mission.ts';
export * from './rules.ts';
export * from './verdict-event.ts';
