/**
 * HTTP bodies of the expiry-scheduler service (`/v1/expiry-runs`): the history of expiry sweeps,
 * and a sweep started by ops.
 */
import Type from 'typebox';
import { Instant } from '../common.ts';

export const ExpiryRunTrigger = Type.Union([Type.Literal('cron'), Type.Literal('manual')]);
export type ExpiryRunTrigger = Type.Static<typeof ExpiryRunTrigger>;

/** `failed`: the sweep stopped on an error, or its process died (no progress for a long while). */
export const ExpiryRunStatus = Type.Union([Type.Literal('running'), Type.Literal('completed'), Type.Literal('failed')]);
export type ExpiryRunStatus = Type.Static<typeof ExpiryRunStatus>;

export const ExpiryRun = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    trigger: ExpiryRunTrigger,
    status: ExpiryRunStatus,
    /** The instant the sweep decided against: deadlines before it minus the grace period expired. */
    startedAt: Instant,
    finishedAt: Type.Union([Instant, Type.Null()]),
    /** Missions this run expired (each announced once with `mission.expired`); grows per batch while running. */
    expiredCount: Type.Integer({ minimum: 0 }),
    /** Deadlines this run warned about (`mission.deadline-approaching`). */
    warnedCount: Type.Integer({ minimum: 0 }),
    batches: Type.Integer({ minimum: 0 }),
    durationMs: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    error: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type ExpiryRun = Type.Static<typeof ExpiryRun>;

export const ExpiryRunListQuery = Type.Object(
  {
    cursor: Type.Optional(Type.String({ maxLength: 512, description: 'opaque; the nextCursor of the previous page' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  },
  { additionalProperties: false },
);

/** Most recent first. */
export const ExpiryRunPage = Type.Object(
  {
    items: Type.Array(ExpiryRun),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type ExpiryRunPage = Type.Static<typeof ExpiryRunPage>;

export const StartExpiryRunQuery = Type.Object(
  {
    /**
     * true (default): answer 201 with the finished run. false: answer 202 as soon as the run is
     * recorded, and let it go on (follow it with GET /v1/expiry-runs) — for large backlogs.
     */
    wait: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);
