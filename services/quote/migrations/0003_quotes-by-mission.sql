-- Up Migration
-- Every quote of a mission, whatever its status: the verdict consumer reads them by mission (one
-- mission, or a whole batch of them with = ANY) and locks them in (created_at, id) order. The
-- partial unique index on live quotes cannot serve a query that does not name their statuses, so
-- each of those reads was a scan of the whole table: 2.5 to 3.3 ms a call with a few thousand
-- quotes, and growing with every quote ever made.
CREATE INDEX quotes_by_mission ON quotes (mission_id, created_at, id);
