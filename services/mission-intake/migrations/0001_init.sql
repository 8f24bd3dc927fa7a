-- Up Migration

-- One row per deposited Smart Expertise. The administrative snapshot is kept as deposited; the
-- lifecycle columns (status, section, outcome, payment_requested) are a projection of the facts in
-- mission_facts, rewritten whenever a fact is recorded, so that board and lists can be queried.
CREATE TABLE missions (
  id                  text PRIMARY KEY,
  insurer_id          text NOT NULL,
  insurer_mission_ref text NOT NULL,
  garage_id           text NOT NULL,
  expert_office_id    text NOT NULL,
  snapshot            jsonb NOT NULL,
  -- sha256 of the canonical JSON of the deposit body: same body again = same mission, another = 409.
  request_hash        text NOT NULL,
  deadline            timestamptz NOT NULL,
  received_at         timestamptz NOT NULL,
  -- The insurer's policy in force at deposit, copied into mission.received.
  policy              jsonb NOT NULL,
  status              text NOT NULL CHECK (status IN ('new', 'under_analysis', 'pending_validation', 'remote_intervention',
                                                      'onsite_intervention', 'closed', 'expired', 'abandoned')),
  section             text NOT NULL CHECK (section IN ('smart.new', 'smart.under_analysis', 'smart.remote_intervention',
                                                       'smart.onsite_intervention', 'smart.closed', 'classic.expired', 'closed.abandoned')),
  outcome             text CHECK (outcome IN ('validated', 'total_loss', 'abandoned')),
  payment_requested   boolean NOT NULL DEFAULT false,
  updated_at          timestamptz NOT NULL,
  -- Idempotent deposit: concurrent identical deposits meet here and create one mission.
  CONSTRAINT missions_insurer_ref_key UNIQUE (insurer_id, insurer_mission_ref)
);

-- The garage's board: one section, newest first, keyset-paginated; also serves the per-section counts.
CREATE INDEX missions_board_idx ON missions (garage_id, section, received_at DESC, id DESC);
-- The insurer's missions, newest first.
CREATE INDEX missions_insurer_idx ON missions (insurer_id, received_at DESC, id DESC);
-- Every mission, newest first (ops).
CREATE INDEX missions_received_idx ON missions (received_at DESC, id DESC);

-- Every distinct fact this service knows of a mission, by the id of the event that carried it. A
-- fact may arrive before its mission row (foreign data): it is kept and applied once the mission exists.
CREATE TABLE mission_facts (
  seq         bigserial PRIMARY KEY,
  mission_id  text NOT NULL,
  event_id    text NOT NULL UNIQUE,
  fact        jsonb NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mission_facts_mission_idx ON mission_facts (mission_id);

-- Each insurer's policy; an insurer without a row gets the platform's defaults.
CREATE TABLE insurer_policies (
  insurer_id text PRIMARY KEY,
  policy     jsonb NOT NULL,
  updated_at timestamptz NOT NULL
);
