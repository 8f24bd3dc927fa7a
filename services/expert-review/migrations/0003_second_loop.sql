-- Up Migration

-- The second loop (product page, "The second loop: after the first decision").

-- 1. Information requested: the expert sends the quote back; the case waits for the garage.
ALTER TABLE review_cases DROP CONSTRAINT review_cases_status_check;
ALTER TABLE review_cases
  ADD CONSTRAINT review_cases_status_check
      CHECK (status IN ('open', 'pending_validation', 'remote_intervention', 'onsite_intervention', 'information_requested',
                        'validated', 'withdrawn'));

-- 2. Transmissions: the same quote may reach the case again after a request for information.
--    `transmission` is the one the case holds (its `quote`, findings and totals are that one's);
--    `policy` is the insurer's policy the quote's reviewFile carried (null for a case opened from
--    an old quote.submitted: the platform defaults apply); `respond_by` is set while information
--    is requested. `due_at` is when the office's decision on the current transmission is due, and
--    `due_key` orders the queue by it (microseconds since the epoch, like deadline_key).
ALTER TABLE review_cases
  ADD COLUMN transmission integer NOT NULL DEFAULT 1 CHECK (transmission >= 1),
  ADD COLUMN policy jsonb,
  ADD COLUMN respond_by timestamptz,
  ADD COLUMN due_at timestamptz,
  ADD COLUMN due_key bigint NOT NULL DEFAULT 9007199254740991;

-- Cases opened before this had no due date: the platform default (2 working days after the close,
-- end of day in Europe/Brussels). SQL knows weekends but not Belgian public holidays, so a case
-- transmitted just before one may be shown due a day early; every case opened from now on is
-- computed by the shared calendar (`reviewDueAt`).
UPDATE review_cases c
   SET due_at = (SELECT ((d.day + 1)::timestamp AT TIME ZONE 'Europe/Brussels') - interval '1 millisecond'
                   FROM (SELECT (c.quote_closed_at AT TIME ZONE 'Europe/Brussels')::date + i AS day FROM generate_series(1, 14) AS i) d
                  WHERE extract(isodow FROM d.day) < 6
                  ORDER BY d.day OFFSET 1 LIMIT 1);
UPDATE review_cases SET due_key = (extract(epoch FROM due_at) * 1000000)::bigint WHERE due_at IS NOT NULL;

-- The queue is ordered by when the expert's answer is due, then id.
DROP INDEX review_cases_queue;
CREATE INDEX review_cases_due_queue ON review_cases (expert_office_id, due_key, id);

-- Every transmission the case received, with the quote as the garage closed it that time.
CREATE TABLE review_transmissions (
  case_id      text NOT NULL REFERENCES review_cases (id),
  transmission integer NOT NULL CHECK (transmission >= 1),
  quote        jsonb NOT NULL,
  closed_at    timestamptz NOT NULL,
  recorded_at  timestamptz NOT NULL,
  PRIMARY KEY (case_id, transmission)
);
INSERT INTO review_transmissions (case_id, transmission, quote, closed_at, recorded_at)
SELECT id, 1, quote, quote_closed_at, opened_at FROM review_cases;

-- Each decision says which transmission it was taken on, and a request for information its due date.
ALTER TABLE review_decisions
  ADD COLUMN transmission integer NOT NULL DEFAULT 1,
  ADD COLUMN respond_by timestamptz;

-- 3. Supplements for hidden damage, from supplement.submitted. Kept by quote, not by case: a
--    supplement whose quote has no case yet is kept and shows on the case once it opens.
CREATE TABLE supplements (
  id                   text PRIMARY KEY,
  quote_id             text NOT NULL,
  mission_id           text NOT NULL,
  expert_office_id     text NOT NULL,
  garage_id            text NOT NULL,
  number               integer NOT NULL CHECK (number >= 1),
  reason               text NOT NULL,
  calculation          jsonb NOT NULL,
  total_incl_vat_cents bigint NOT NULL,
  photos               jsonb NOT NULL,
  submitted_at         timestamptz NOT NULL,
  status               text NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted', 'approved', 'rejected')),
  note                 text,
  -- The deciding expert, shown to the garage like a decision's.
  expert_name          text,
  expert_phone         text,
  decided_at           timestamptz,
  recorded_at          timestamptz NOT NULL,
  CONSTRAINT supplements_decision CHECK ((status = 'submitted') = (decided_at IS NULL AND expert_name IS NULL AND expert_phone IS NULL))
);
CREATE INDEX supplements_quote ON supplements (quote_id, number, id);
