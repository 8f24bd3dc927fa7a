-- Up Migration
-- The quote service's copy of each mission it may quote, built from events. Each event records a
-- fact in its own columns (received, abandoned, expired, latest decision), so applying the same
-- events in any order gives the same row; the mission's status is derived from these facts and
-- from the mission's closed quote (src/domain/mission-view.ts).
CREATE TABLE missions (
  id                           text PRIMARY KEY,
  -- Set by mission.received; NULL while only later events (from other topics) have arrived.
  received_at                  timestamptz,
  garage_id                    text,
  insurer_id                   text,
  expert_office_id             text,
  deadline                     timestamptz,
  direct_payment               jsonb,
  owner_vat_regime             text CHECK (owner_vat_regime IN ('none', 'full', 'partial')),
  owner_vat_deductible_percent numeric(5, 2),
  min_photos                   integer CHECK (min_photos >= 0),
  snapshot                     jsonb,
  abandoned_at                 timestamptz,
  abandon_reason               text,
  expired_at                   timestamptz,
  latest_decision              text CHECK (latest_decision IN ('validate', 'pending_validation', 'remote_intervention', 'onsite_intervention')),
  latest_decision_sequence     integer,
  latest_decision_at           timestamptz,
  latest_decision_expert       jsonb,
  updated_at                   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX missions_garage ON missions (garage_id);

CREATE TABLE quotes (
  id                  text PRIMARY KEY,
  mission_id          text NOT NULL REFERENCES missions (id),
  garage_id           text NOT NULL,
  procedure           text NOT NULL CHECK (procedure IN ('standard', 'total_loss')),
  status              text NOT NULL CHECK (status IN ('draft', 'closed')),
  -- Every administrative field copied from the mission when the quote was created.
  administrative      jsonb NOT NULL,
  calculation         jsonb,
  calculation_totals  jsonb,
  smart_frame         jsonb,
  vehicle_status      text CHECK (vehicle_status IN ('drivable', 'not_drivable', 'wreck')),
  vehicle_status_note text,
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL,
  closed_at           timestamptz,
  CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
-- One live quote per mission. Every status is live today; the predicate leaves room for a
-- withdrawn quote later without touching the rule.
CREATE UNIQUE INDEX quotes_one_live_per_mission ON quotes (mission_id) WHERE status IN ('draft', 'closed');

CREATE TABLE photos (
  id           text PRIMARY KEY,
  quote_id     text NOT NULL REFERENCES quotes (id),
  mission_id   text NOT NULL,
  sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/heic')),
  size_bytes   integer NOT NULL CHECK (size_bytes > 0),
  file_name    text,
  seen_on_other_mission boolean NOT NULL,
  bytes        bytea NOT NULL,
  uploaded_at  timestamptz NOT NULL,
  -- The same image sent twice on one quote (a retried upload) is one photo.
  UNIQUE (quote_id, sha256)
);
CREATE INDEX photos_sha256 ON photos (sha256, mission_id);

-- At most one direct-payment request per quote; a repeat with the same body returns this row.
CREATE TABLE payment_requests (
  quote_id           text PRIMARY KEY REFERENCES quotes (id),
  mission_id         text NOT NULL,
  invoice_number     text NOT NULL,
  invoice_date       date NOT NULL,
  amount_cents       bigint NOT NULL CHECK (amount_cents >= 0),
  replacement_vehicle boolean NOT NULL,
  answer             jsonb NOT NULL,
  requested_at       timestamptz NOT NULL
);
