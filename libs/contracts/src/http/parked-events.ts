/**
 * HTTP bodies of the operations routes every consuming service answers (`/v1/parked-events`):
 * the events its consumers parked (invalid, or whose handler kept failing), replayed after a fix
 * or set aside with a reason. Both actions are audited.
 */
import Type from 'typebox';
import { Instant } from '../common.ts';

/** `parked`: waiting for ops; `replayed`: applied again (or found already applied); `discarded`: set aside with a reason. */
export const ParkedEventStatus = Type.Union([Type.Literal('parked'), Type.Literal('replayed'), Type.Literal('discarded')]);
export type ParkedEventStatus = Type.Static<typeof ParkedEventStatus>;

/** What an action on a parked event did: `failed` leaves it parked. */
export const ParkedEventActionOutcome = Type.Union([Type.Literal('applied'), Type.Literal('duplicate'), Type.Literal('failed'), Type.Literal('discarded')]);
export type ParkedEventActionOutcome = Type.Static<typeof ParkedEventActionOutcome>;

export const ParkedEventAction = Type.Object(
  {
    action: Type.Union([Type.Literal('replay'), Type.Literal('discard')]),
    outcome: ParkedEventActionOutcome,
    /** The ops caller: its token's subject and organisation. */
    actor: Type.String(),
    /** The discard's reason, or why the replay failed. */
    reason: Type.Union([Type.String(), Type.Null()]),
    at: Instant,
  },
  { additionalProperties: false },
);
export type ParkedEventAction = Type.Static<typeof ParkedEventAction>;

export const ParkedEvent = Type.Object(
  {
    id: Type.String({ pattern: '^[0-9]{1,18}$' }),
    consumerGroup: Type.String(),
    topic: Type.String(),
    partition: Type.Integer({ minimum: 0 }),
    offset: Type.String({ pattern: '^[0-9]+$' }),
    /** The event's id and type when the record is an event at all (an invalid one may not be). */
    eventId: Type.Union([Type.String(), Type.Null()]),
    eventType: Type.Union([Type.String(), Type.Null()]),
    missionId: Type.Union([Type.String(), Type.Null()]),
    status: ParkedEventStatus,
    /** Why it was parked, then why the last replay failed. */
    reason: Type.String(),
    failures: Type.Integer({ minimum: 1 }),
    firstFailureAt: Instant,
    lastFailureAt: Instant,
    resolvedAt: Type.Union([Instant, Type.Null()]),
  },
  { additionalProperties: false },
);
export type ParkedEvent = Type.Static<typeof ParkedEvent>;

/** One parked event with what ops did with it, oldest action first. */
export const ParkedEventDetail = Type.Object(
  {
    ...ParkedEvent.properties,
    actions: Type.Array(ParkedEventAction),
  },
  { additionalProperties: false },
);
export type ParkedEventDetail = Type.Static<typeof ParkedEventDetail>;

export const ParkedEventListQuery = Type.Object(
  {
    status: Type.Optional(ParkedEventStatus),
    cursor: Type.Optional(Type.String({ maxLength: 512, description: 'opaque; the nextCursor of the previous page' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
  },
  { additionalProperties: false },
);

/** Oldest first: the order they were parked in, which is the order to replay them in. */
export const ParkedEventPage = Type.Object(
  {
    items: Type.Array(ParkedEvent),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type ParkedEventPage = Type.Static<typeof ParkedEventPage>;

export const ParkedEventParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,18}$' }) }, { additionalProperties: false });

export const DiscardParkedEvent = Type.Object(
  {
    /** Why it is set aside: kept in the audit. */
    reason: Type.String({ minLength: 3, maxLength: 500 }),
  },
  { additionalProperties: false },
);
export type DiscardParkedEvent = Type.Static<typeof DiscardParkedEvent>;
