-- Up Migration
-- The second loop (product page, "The second loop: after the first decision"): the expert may
-- return a closed quote for information (quote status `returned`, mission status
-- `information_requested`), the garage transmits it again; supplements for hidden damage on a
-- validated repair expertise, decided by the expert, make the approved total the direct-payment
-- split never exceeds.

-- The copy of the mission: mission-intake's new status, and what else its verdict now says.
ALTER TABLE missions DROP CONSTRAINT missions_status_check;
ALTER TABLE missions
  ADD CONSTRAINT missions_status_check CHECK (status IN ('new', 'under_analysis', 'pending_validation', 'remote_intervention',
    'onsite_intervention', 'information_requested', 'closed', 'expired', 'abandoned', 'cancelled')),
  -- The deadline that holds, as the latest verdict says it (the quote deadline with the insurer's
  -- extensions while new, the answer's due date while information is requested). NULL until a
  -- verdict carries one: `deadline` (mission.received) holds then. Kept apart from `deadline`, so a
  -- mission.received learnt after a verdict never puts the deposit's deadline back.
  ADD COLUMN verdict_deadline timestamptz,
  -- The transmission of the quote the mission rests on (NULL: a verdict that did not say).
  ADD COLUMN transmission integer CHECK (transmission >= 1),
  -- The validated quote plus the approved supplements, incl. VAT, as mission-intake computes it.
  ADD COLUMN approved_total_cents bigint CHECK (approved_total_cents >= 0);

-- A returned quote is live (the mission's one quote, waiting for its next transmission) and was
-- transmitted at least once.
ALTER TABLE quotes DROP CONSTRAINT quotes_status_check;
ALTER TABLE quotes DROP CONSTRAINT quotes_closed_at_check;
ALTER TABLE quotes DROP CONSTRAINT quotes_voided_by_check;
ALTER TABLE quotes
  ADD CONSTRAINT quotes_status_check CHECK (status IN ('draft', 'closed', 'returned', 'discarded', 'voided')),
  ADD CONSTRAINT quotes_closed_at_check CHECK (
    CASE status WHEN 'closed' THEN closed_at IS NOT NULL WHEN 'returned' THEN closed_at IS NOT NULL WHEN 'voided' THEN true ELSE closed_at IS NULL END
  ),
  ADD CONSTRAINT quotes_voided_by_check CHECK (voided_by IN ('new', 'under_analysis', 'pending_validation', 'remote_intervention',
    'onsite_intervention', 'information_requested', 'closed', 'expired', 'abandoned', 'cancelled')),
  -- How many times the garage transmitted the quote: 1 for the first close, +1 per answer to a
  -- request for information. `closed_at` is the latest transmission's instant.
  ADD COLUMN transmissions integer NOT NULL DEFAULT 0 CHECK (transmissions >= 0);
UPDATE quotes SET transmissions = 1 WHERE closed_at IS NOT NULL;
ALTER TABLE quotes ADD CONSTRAINT quotes_transmitted_check CHECK ((transmissions > 0) = (closed_at IS NOT NULL));

DROP INDEX quotes_one_live_per_mission;
CREATE UNIQUE INDEX quotes_one_live_per_mission ON quotes (mission_id) WHERE status IN ('draft', 'closed', 'returned');

-- Supplements: drafted and submitted by the garage, decided by the expert (supplement.decided).
CREATE TABLE supplements (
  id                 text PRIMARY KEY,
  quote_id           text NOT NULL REFERENCES quotes (id),
  mission_id         text NOT NULL,
  number             integer NOT NULL CHECK (number >= 1),
  reason             text NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 2000),
  calculation        jsonb NOT NULL,
  calculation_totals jsonb NOT NULL,
  total_incl_vat_cents bigint NOT NULL CHECK (total_incl_vat_cents >= 0),
  status             text NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'rejected')),
  created_at         timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL,
  submitted_at       timestamptz,
  decided_at         timestamptz,
  note               text,
  expert             jsonb,
  UNIQUE (quote_id, number),
  CHECK ((status = 'draft') = (submitted_at IS NULL)),
  CHECK ((status IN ('approved', 'rejected')) = (decided_at IS NOT NULL))
);

-- The supplement's photos, beside the quote's (`photos`) and served by the same route
-- (`GET /v1/quotes/{id}/photos/{photoId}`): photo ids are unique across both tables.
CREATE TABLE supplement_photos (
  id            text PRIMARY KEY,
  supplement_id text NOT NULL REFERENCES supplements (id),
  quote_id      text NOT NULL REFERENCES quotes (id),
  mission_id    text NOT NULL,
  sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  content_type  text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/heic')),
  size_bytes    integer NOT NULL CHECK (size_bytes > 0),
  file_name     text,
  seen_on_other_mission boolean NOT NULL,
  bytes         bytea NOT NULL,
  uploaded_at   timestamptz NOT NULL,
  UNIQUE (supplement_id, sha256)
);
CREATE INDEX supplement_photos_sha256 ON supplement_photos (sha256, mission_id);
CREATE INDEX supplement_photos_of_quote ON supplement_photos (quote_id, id);
