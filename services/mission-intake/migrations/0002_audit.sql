-- Up Migration

-- Who changed a mission's state, and when: one row per change, written in the same transaction as
-- the change (the deposit, the abandon, or the consumed event). Read by ops at
-- GET /v1/missions/{id}/audit. Actors are ids and names of organisations and experts, never the
-- owner's personal data. A row for an event that arrived before its mission has no statuses.
CREATE TABLE mission_audit (
  seq          bigserial PRIMARY KEY,
  mission_id   text NOT NULL,
  at           timestamptz NOT NULL,
  actor_role   text NOT NULL CHECK (actor_role IN ('insurer', 'garage', 'expert', 'ops', 'system')),
  actor_org    text NOT NULL,
  actor_name   text,
  action       text NOT NULL,
  from_status  text,
  to_status    text,
  event_id     text,
  recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mission_audit_mission_idx ON mission_audit (mission_id, seq);
