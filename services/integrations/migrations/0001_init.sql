-- Up Migration

-- Who each mission concerns, from mission.received: an event of another topic is addressed to the
-- mission's organisations through it.
CREATE TABLE missions (
  mission_id       text PRIMARY KEY,
  insurer_id       text NOT NULL,
  garage_id        text NOT NULL,
  expert_office_id text NOT NULL,
  received_at      timestamptz NOT NULL
);

-- Events of a mission this service does not know yet (its mission.received, on another topic, is
-- still on its way): kept in arrival order and published as soon as the mission arrives.
CREATE TABLE held_events (
  seq        bigserial PRIMARY KEY,
  mission_id text NOT NULL,
  event      jsonb NOT NULL,
  held_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX held_events_mission ON held_events (mission_id, seq);

-- The feed: every public event of every organisation, in the order this service recorded them.
-- One row per event and organisation; `payload` is exactly what a webhook delivers and the feed
-- returns. Rows older than the retention are deleted.
CREATE TABLE feed (
  seq          bigserial PRIMARY KEY,
  organisation text NOT NULL,
  role         text NOT NULL CHECK (role IN ('insurer', 'garage', 'expert')),
  event_id     text NOT NULL,
  event_type   text NOT NULL,
  mission_id   text NOT NULL,
  occurred_at  timestamptz NOT NULL,
  payload      jsonb NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (event_id, organisation)
);
CREATE INDEX feed_by_organisation ON feed (organisation, role, seq);
CREATE INDEX feed_by_recorded_at ON feed (recorded_at);

-- A webhook endpoint of an organisation. The signing secrets are stored encrypted (AES-256-GCM
-- under WEBHOOK_SECRETS_KEY); the previous one keeps signing beside the new one until
-- previous_secret_expires_at after a rotation.
CREATE TABLE subscriptions (
  id                          text PRIMARY KEY,
  organisation                text NOT NULL,
  role                        text NOT NULL CHECK (role IN ('insurer', 'garage', 'expert')),
  url                         text NOT NULL,
  event_types                 text[] NOT NULL,
  description                 text,
  secret_encrypted            text NOT NULL,
  previous_secret_encrypted   text,
  previous_secret_expires_at  timestamptz,
  status                      text NOT NULL DEFAULT 'enabled' CHECK (status IN ('enabled', 'disabled')),
  disabled_reason             text,
  disabled_at                 timestamptz,
  created_at                  timestamptz NOT NULL DEFAULT now(),
  updated_at                  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscriptions_by_organisation ON subscriptions (organisation, role, created_at, id);

-- One delivery per feed row and subscription. A subscription's deliveries of one mission go out one
-- at a time, in feed order: only the oldest pending one of a (subscription, mission) is due.
-- `leased_until` marks a delivery a sender has claimed, so that several replicas never send the
-- same one at once; a lease that runs out (a crashed sender) makes it due again.
CREATE TABLE deliveries (
  id               text PRIMARY KEY,
  subscription_id  text NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
  feed_seq         bigint NOT NULL,
  event_id         text NOT NULL,
  event_type       text NOT NULL,
  mission_id       text NOT NULL,
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts         integer NOT NULL DEFAULT 0,
  -- The attempts made before the last redelivery: the retry schedule starts again from there.
  retry_base       integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  leased_until     timestamptz,
  last_attempt_at  timestamptz,
  last_status      integer,
  last_error       text,
  delivered_at     timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (subscription_id, feed_seq)
);
-- The sender's due scan, and the head of each (subscription, mission) chain.
CREATE INDEX deliveries_pending ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_chain ON deliveries (subscription_id, mission_id, feed_seq) WHERE status = 'pending';
-- The delivery log of a subscription, newest first.
CREATE INDEX deliveries_log ON deliveries (subscription_id, feed_seq DESC);

-- Every attempt, for the delivery log.
CREATE TABLE delivery_attempts (
  delivery_id  text NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
  attempt      integer NOT NULL,
  at           timestamptz NOT NULL,
  duration_ms  integer NOT NULL,
  status       integer,
  error        text,
  PRIMARY KEY (delivery_id, attempt)
);
