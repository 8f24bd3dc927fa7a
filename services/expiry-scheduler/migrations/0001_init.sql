-- Up Migration
-- One row per mission heard of. Only 'running' rows are swept; the facts (deadline, earliest quote
-- closing, abandon) are kept so that a settlement heard of before mission.received still counts.
CREATE TABLE deadlines (
  mission_id         text PRIMARY KEY,
  status             text NOT NULL CHECK (status IN ('awaiting_mission', 'running', 'quote_closed', 'abandoned', 'expired')),
  deadline           timestamptz,
  received_event_id  uuid,
  quote_closed_at    timestamptz,
  abandoned_at       timestamptz,
  warned_at          timestamptz,
  expired_at         timestamptz,
  run_id             uuid,
  updated_at         timestamptz NOT NULL DEFAULT now(),
  CHECK (status = 'awaiting_mission' OR deadline IS NOT NULL),
  CHECK (status <> 'expired' OR (expired_at IS NOT NULL AND run_id IS NOT NULL))
);
-- The sweep's two selections, in the order it takes them.
CREATE INDEX deadlines_running_by_deadline ON deadlines (deadline, mission_id) WHERE status = 'running';
CREATE INDEX deadlines_unwarned_by_deadline ON deadlines (deadline, mission_id) WHERE status = 'running' AND warned_at IS NULL;

-- The history of sweeps, for ops (GET /v1/expiry-runs). Counts grow in each batch's transaction.
CREATE TABLE expiry_runs (
  id             uuid PRIMARY KEY,
  trigger        text NOT NULL CHECK (trigger IN ('cron', 'manual')),
  status         text NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
  started_at     timestamptz NOT NULL,
  finished_at    timestamptz,
  expired_count  integer NOT NULL DEFAULT 0,
  warned_count   integer NOT NULL DEFAULT 0,
  batches        integer NOT NULL DEFAULT 0,
  duration_ms    integer,
  error          text,
  -- Database time of the last committed batch: a run without progress for long died with its process.
  heartbeat_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX expiry_runs_recent ON expiry_runs (started_at DESC, id DESC);
CREATE INDEX expiry_runs_running ON expiry_runs (heartbeat_at) WHERE status = 'running';
