-- Up Migration
-- Parked events are handled through the ops API (GET /v1/parked-events, POST .../replay,
-- POST .../discard): each keeps its status, how often it failed, and every action taken on it
-- (the audit: who, what, the outcome, the reason).
ALTER TABLE parked_events
  ADD COLUMN status text NOT NULL DEFAULT 'parked' CHECK (status IN ('parked', 'replayed', 'discarded')),
  ADD COLUMN failures integer NOT NULL DEFAULT 1,
  ADD COLUMN last_failure_at timestamptz,
  ADD COLUMN resolved_at timestamptz;

-- Those replayed by hand before the API (the runbook set replayed_at).
UPDATE parked_events SET status = 'replayed', resolved_at = replayed_at WHERE replayed_at IS NOT NULL;

CREATE INDEX parked_events_status ON parked_events (status, id);

CREATE TABLE parked_event_actions (
  id              bigserial PRIMARY KEY,
  parked_event_id bigint NOT NULL REFERENCES parked_events (id),
  action          text NOT NULL CHECK (action IN ('replay', 'discard')),
  outcome         text NOT NULL CHECK (outcome IN ('applied', 'duplicate', 'failed', 'discarded')),
  actor           text NOT NULL,
  reason          text,
  at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX parked_event_actions_event ON parked_event_actions (parked_event_id, id);

-- Down Migration
DROP TABLE parked_event_actions;
DROP INDEX parked_events_status;
ALTER TABLE parked_events DROP COLUMN status, DROP COLUMN failures, DROP COLUMN last_failure_at, DROP COLUMN resolved_at;
