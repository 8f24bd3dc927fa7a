-- Up Migration
-- mission.status-changed carries `sequence`, strictly increasing per mission: the verdicts of one
-- batch mission-intake consumed share their `changedAt`, so the instant alone cannot say which is
-- the latest. Rows written before keep NULL: their next verdict is ordered by `changedAt` as before,
-- and from then on by its sequence.
ALTER TABLE deadlines ADD COLUMN verdict_sequence integer CHECK (verdict_sequence >= 1);
