-- Up Migration

-- Issue 17. A case is opened from quote.submitted alone: its reviewFile carries the mission
-- without the owner's contact, the deadline and the insurer's policy. expert-review stops reading
-- mission.received, so its mission copy goes and each case keeps the administrative data the
-- expert reads (null for a case opened from a quote.submitted that carried no reviewFile).
ALTER TABLE review_cases ADD COLUMN mission jsonb;

-- Cases opened before this keep what they showed, taken from the copy about to be dropped.
UPDATE review_cases c
   SET mission = jsonb_build_object(
         'insurerId', m.insurer_id,
         'insurerMissionRef', m.insurer_mission_ref,
         'garageId', m.garage_id,
         'expertOfficeId', m.expert_office_id,
         'claim', m.claim,
         'vehicle', m.vehicle,
         'ownerName', m.owner_name,
         'directPayment', m.direct_payment)
  FROM missions m
 WHERE m.mission_id = c.mission_id;

DROP TABLE missions;

-- The stored quote is the quote alone: older quote.submitted events carried `administrative`, the
-- full mission with the owner's phone and e-mail, which the expert office may never hold.
UPDATE review_cases SET quote = quote - 'administrative' - 'reviewFile' WHERE quote ?| ARRAY['administrative', 'reviewFile'];

-- A case whose quote was voided (its mission abandoned or cancelled first) is withdrawn: out of
-- the queue, no decision accepted. The columns say why and when; they are set exactly when the
-- status is withdrawn.
ALTER TABLE review_cases DROP CONSTRAINT review_cases_status_check;
ALTER TABLE review_cases
  ADD CONSTRAINT review_cases_status_check
      CHECK (status IN ('open', 'pending_validation', 'remote_intervention', 'onsite_intervention', 'validated', 'withdrawn')),
  ADD COLUMN withdrawn_mission_status text,
  ADD COLUMN withdrawn_at timestamptz,
  ADD CONSTRAINT review_cases_withdrawal
      CHECK ((status = 'withdrawn') = (withdrawn_mission_status IS NOT NULL AND withdrawn_at IS NOT NULL));

-- Every quote.voided received, the first one per quote. quote.submitted and quote.voided share a
-- topic and a key, so a void never comes before its quote in order; a quote re-published after
-- its void still opens its case already withdrawn.
CREATE TABLE quote_voids (
  quote_id       text PRIMARY KEY,
  mission_id     text NOT NULL,
  mission_status text NOT NULL,
  voided_at      timestamptz NOT NULL,
  recorded_at    timestamptz NOT NULL
);
