-- Up Migration
-- The second loop: the deadline runs again while information is requested, and the insurer may
-- extend it. The row keeps mission-intake's latest verdict (by changedAt) instead of the earliest
-- one that settled the deadline; `deadline` is the one that verdict says holds. The sweep records
-- which deadline it expired: the expiry stands while that deadline holds, and a verdict that runs
-- on another one (an extension learned late, a new request for information) runs again.
ALTER TABLE deadlines
  DROP CONSTRAINT deadlines_settled_check,
  DROP CONSTRAINT deadlines_settled_status_check;

-- The earliest settling verdict kept so far is the latest known for these rows: no verdict after it
-- could make the deadline run under the old rules, and the next one supersedes it.
ALTER TABLE deadlines RENAME COLUMN settled_status TO verdict_status;
ALTER TABLE deadlines RENAME COLUMN settled_at TO verdict_at;

ALTER TABLE deadlines ADD COLUMN expired_deadline timestamptz;
-- Under the old rules an expired row's deadline never changed afterwards: it is the one expired.
UPDATE deadlines SET expired_deadline = deadline WHERE expired_at IS NOT NULL;

ALTER TABLE deadlines
  ADD CONSTRAINT deadlines_verdict_check CHECK ((verdict_status IS NULL) = (verdict_at IS NULL)),
  ADD CONSTRAINT deadlines_verdict_status_check CHECK (status <> 'settled' OR verdict_status IS NOT NULL),
  ADD CONSTRAINT deadlines_expired_deadline_check CHECK ((expired_deadline IS NULL) = (expired_at IS NULL)),
  ADD CONSTRAINT deadlines_expired_holds_check CHECK (status <> 'expired' OR expired_deadline = deadline);
