-- Up Migration
-- The deadline is settled by mission-intake's verdict (mission.status-changed, when the status is
-- one in which the deadline no longer runs), no longer by quote.submitted or mission.abandoned
-- read by the scheduler itself (issue 17). The row keeps the earliest such verdict.
ALTER TABLE deadlines
  DROP CONSTRAINT deadlines_status_check,
  ADD COLUMN settled_status text,
  ADD COLUMN settled_at     timestamptz;

-- Rows settled under the old rules keep their settlement, in the procedure's words.
UPDATE deadlines SET status = 'settled', settled_status = 'under_analysis', settled_at = quote_closed_at WHERE status = 'quote_closed';
UPDATE deadlines SET status = 'settled', settled_status = 'abandoned', settled_at = abandoned_at WHERE status = 'abandoned';
-- An abandon heard of before the mission is a verdict mission-intake already gave. A quote heard of
-- before the mission is not settled here: its deadline was unknown, and if the sweep expires a
-- mission whose close was on time, mission-intake's fold voids that expiry and says so.
UPDATE deadlines SET settled_status = 'abandoned', settled_at = abandoned_at WHERE status = 'awaiting_mission' AND abandoned_at IS NOT NULL;

ALTER TABLE deadlines
  ADD CONSTRAINT deadlines_status_check CHECK (status IN ('awaiting_mission', 'running', 'settled', 'expired')),
  ADD CONSTRAINT deadlines_settled_check CHECK ((settled_status IS NULL) = (settled_at IS NULL)),
  ADD CONSTRAINT deadlines_settled_status_check CHECK (status <> 'settled' OR settled_status IS NOT NULL),
  DROP COLUMN quote_closed_at,
  DROP COLUMN abandoned_at;
