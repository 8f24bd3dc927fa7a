// The public events partners receive (webhooks, /v1/feed): the catalogue and its schemas, and the
// mapping from the internal events. Nothing here is an internal event.
export * from './catalogue.ts';
export { publicEventId, publicEventsOf, type MissionFacts, type MissionParties, type PublicDelivery } from './from-internal.ts';
