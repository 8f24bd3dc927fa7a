-- Up Migration
-- The transactional outbox: a state change and its event are committed together, and the relay
-- publishes rows in id order (per mission order is kept because the Kafka key is the mission id).
CREATE TABLE outbox (
  seq          bigserial PRIMARY KEY,
  event_id     uuid NOT NULL UNIQUE,
  topic        text NOT NULL,
  mission_id   text NOT NULL,
  event_type   text NOT NULL,
  envelope     jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  sent_at      timestamptz
);
CREATE INDEX outbox_pending ON outbox (seq) WHERE sent_at IS NULL;

-- The inbox: one row per event a consumer group has applied, written in the same transaction as
-- the event's effect, so that a redelivered event changes nothing.
CREATE TABLE inbox (
  consumer_group text NOT NULL,
  event_id       uuid NOT NULL,
  event_type     text NOT NULL,
  processed_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, event_id)
);

-- Events that failed validation or whose handler kept failing: kept for ops, never lost.
CREATE TABLE parked_events (
  id             bigserial PRIMARY KEY,
  consumer_group text NOT NULL,
  topic          text NOT NULL,
  partition      integer NOT NULL,
  kafka_offset   text NOT NULL,
  message_key    text,
  raw            text NOT NULL,
  reason         text NOT NULL,
  parked_at      timestamptz NOT NULL DEFAULT now(),
  replayed_at    timestamptz,
  UNIQUE (consumer_group, topic, partition, kafka_offset)
);
