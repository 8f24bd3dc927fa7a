-- Up Migration

-- The copy of each mission this service needs, built from mission.received: who is involved, the
-- deadline, the administrative data shown to the expert, and the insurer's thresholds in force.
CREATE TABLE missions (
  mission_id          text PRIMARY KEY,
  insurer_id          text NOT NULL,
  insurer_mission_ref text NOT NULL,
  garage_id           text NOT NULL,
  expert_office_id    text NOT NULL,
  deadline            timestamptz NOT NULL,
  received_at         timestamptz NOT NULL,
  claim               jsonb NOT NULL,
  vehicle             jsonb NOT NULL,
  owner_name          text NOT NULL,
  direct_payment      jsonb,
  min_photos          integer NOT NULL,
  review_thresholds   jsonb NOT NULL
);

-- One review case per submitted quote.
CREATE TABLE review_cases (
  id                   text PRIMARY KEY,
  quote_id             text NOT NULL UNIQUE,
  mission_id           text NOT NULL,
  expert_office_id     text NOT NULL,
  garage_id            text NOT NULL,
  procedure            text NOT NULL CHECK (procedure IN ('standard', 'total_loss')),
  status               text NOT NULL DEFAULT 'open'
                       CHECK (status IN ('open', 'pending_validation', 'remote_intervention', 'onsite_intervention', 'validated')),
  -- Number of decisions recorded: the optimistic-concurrency version and the last sequence.
  version              integer NOT NULL DEFAULT 0,
  quote                jsonb NOT NULL,
  quote_closed_at      timestamptz NOT NULL,
  total_incl_vat_cents bigint,
  deadline             timestamptz,
  -- Queue order key: the deadline in microseconds since the epoch, or the largest safe integer
  -- while the deadline is unknown (those cases come last).
  deadline_key         bigint NOT NULL DEFAULT 9007199254740991,
  findings             jsonb NOT NULL,
  findings_summary     text NOT NULL,
  findings_basis       text NOT NULL CHECK (findings_basis IN ('insurer_policy', 'default_policy')),
  suggested_decision   text NOT NULL,
  opened_at            timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL
);
CREATE INDEX review_cases_queue ON review_cases (expert_office_id, deadline_key, id);
CREATE INDEX review_cases_mission ON review_cases (mission_id);

CREATE TABLE review_decisions (
  case_id      text NOT NULL REFERENCES review_cases (id),
  sequence     integer NOT NULL,
  decision     text NOT NULL,
  expert_name  text NOT NULL,
  expert_phone text NOT NULL,
  note         text,
  decided_at   timestamptz NOT NULL,
  PRIMARY KEY (case_id, sequence)
);
