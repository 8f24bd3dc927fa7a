-- Up Migration
-- Issue 17, one set of rules. The mission's fate is no longer derived here from facts read on three
-- topics (abandoned_at, expired_at, the latest decision): mission-intake decides it and publishes
-- each change (`mission.status-changed`), and the copy keeps what it said, in the one vocabulary of
-- libs/contracts (MissionStatus, Outcome). A quote may now be discarded by the garage or voided by
-- the verdict.

ALTER TABLE missions
  ADD COLUMN status text NOT NULL DEFAULT 'new'
    CHECK (status IN ('new', 'under_analysis', 'pending_validation', 'remote_intervention', 'onsite_intervention', 'closed', 'expired', 'abandoned', 'cancelled')),
  ADD COLUMN outcome text CHECK (outcome IN ('validated', 'total_loss', 'abandoned', 'cancelled')),
  -- The insurer's policy in force (mission.received): quote.submitted hands it to the expert office.
  -- NULL for missions received before this migration, whose event did not keep it here.
  ADD COLUMN policy jsonb;

-- Missions already known keep the status the old facts gave them (the former
-- src/domain/mission-view.ts: a close at or before the deadline wins over an expiry, and once a
-- quote is closed the latest expert decision gives the status), written in the new words.
UPDATE missions m
SET status = s.status, outcome = s.outcome
FROM (
  SELECT m.id,
         CASE
           WHEN live.id IS NOT NULL THEN
             CASE m.latest_decision
               WHEN 'validate' THEN 'closed'
               WHEN 'pending_validation' THEN 'pending_validation'
               WHEN 'remote_intervention' THEN 'remote_intervention'
               WHEN 'onsite_intervention' THEN 'onsite_intervention'
               ELSE 'under_analysis'
             END
           WHEN m.abandoned_at IS NOT NULL THEN 'abandoned'
           WHEN m.expired_at IS NOT NULL THEN 'expired'
           ELSE 'new'
         END AS status,
         CASE
           WHEN live.id IS NOT NULL AND m.latest_decision = 'validate' THEN
             CASE live.procedure WHEN 'total_loss' THEN 'total_loss' ELSE 'validated' END
           WHEN live.id IS NULL AND m.abandoned_at IS NOT NULL THEN 'abandoned'
         END AS outcome
  FROM missions m
  LEFT JOIN LATERAL (
    SELECT q.id, q.procedure FROM quotes q
    WHERE q.mission_id = m.id AND q.status = 'closed' AND (q.closed_at <= m.deadline OR m.expired_at IS NULL)
  ) live ON true
) s
WHERE s.id = m.id;

-- The quote statuses come first, so a draft of an abandoned mission can be voided as the
-- procedure now says (`quoteStatusAfterVerdict`) while the abandon is still known here.
ALTER TABLE quotes DROP CONSTRAINT quotes_status_check;
ALTER TABLE quotes DROP CONSTRAINT quotes_check;
ALTER TABLE quotes
  ADD COLUMN discard_reason text CHECK (char_length(discard_reason) BETWEEN 1 AND 500),
  ADD COLUMN discarded_at   timestamptz,
  ADD COLUMN voided_at      timestamptz,
  -- The mission status that voided the quote.
  ADD COLUMN voided_by      text
    CHECK (voided_by IN ('new', 'under_analysis', 'pending_validation', 'remote_intervention', 'onsite_intervention', 'closed', 'expired', 'abandoned', 'cancelled')),
  -- The quote's own statuses (QuoteStatus in libs/contracts). A voided quote may have been closed
  -- (a close that lost to an earlier abandon or cancel) or not (a draft of an abandoned mission).
  ADD CONSTRAINT quotes_status_check CHECK (status IN ('draft', 'closed', 'discarded', 'voided')),
  ADD CONSTRAINT quotes_closed_at_check CHECK (
    CASE status WHEN 'closed' THEN closed_at IS NOT NULL WHEN 'voided' THEN true ELSE closed_at IS NULL END
  ),
  ADD CONSTRAINT quotes_discarded_check CHECK ((status = 'discarded') = (discarded_at IS NOT NULL AND discard_reason IS NOT NULL)),
  ADD CONSTRAINT quotes_voided_check CHECK ((status = 'voided') = (voided_at IS NOT NULL AND voided_by IS NOT NULL));
-- `quotes_one_live_per_mission` (0001) already counts only draft and closed quotes as live: once a
-- draft is discarded or voided, the mission may take another quote.

UPDATE quotes q
SET status = 'voided', voided_at = m.abandoned_at, voided_by = 'abandoned', updated_at = GREATEST(q.updated_at, m.abandoned_at)
FROM missions m
WHERE q.mission_id = m.id AND q.status = 'draft' AND m.status = 'abandoned';

-- mission-intake keeps these facts; the copy needs only its verdict.
ALTER TABLE missions
  DROP COLUMN abandoned_at,
  DROP COLUMN abandon_reason,
  DROP COLUMN expired_at,
  DROP COLUMN latest_decision,
  DROP COLUMN latest_decision_sequence,
  DROP COLUMN latest_decision_at,
  DROP COLUMN latest_decision_expert;
