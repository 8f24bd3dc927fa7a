-- Up Migration

-- The board's per-section counts, kept up to date by triggers on missions in the transaction that
-- changes a mission, so reading them costs the same for a garage with ten missions or a million
-- (a GROUP BY over missions_board_idx grew linearly: about 25 ms for 100,000 missions).
-- Each count is spread over up to eight rows (shard): a storm of deposits for one garage would
-- otherwise queue every deposit transaction on one hot row lock. The shard is the writing
-- connection's, so concurrent transactions mostly touch different rows; only the sum over the
-- shards of a (garage, section) means anything, so a decrement may land on any shard.
CREATE TABLE board_counts (
  garage_id text NOT NULL,
  section   text NOT NULL,
  shard     smallint NOT NULL,
  n         bigint NOT NULL,
  PRIMARY KEY (garage_id, section, shard)
);

-- Statement-level triggers over the transition tables: one upsert per (garage, section) a statement
-- touches, not one per row (a row trigger made a bulk insert of 100,000 missions for one garage
-- update the same count row 100,000 times in one transaction: quadratic, over 30 s). A statement
-- writes its rows in (garage, section) order. Two transactions of several statements can still lock
-- two count rows in opposite orders if they share a shard; PostgreSQL then aborts one with a
-- deadlock, which the consumers retry as a transient failure.
CREATE FUNCTION board_counts_added() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO board_counts (garage_id, section, shard, n)
  SELECT garage_id, section, pg_backend_pid() % 8, count(*) FROM added
  GROUP BY garage_id, section ORDER BY garage_id, section
  ON CONFLICT (garage_id, section, shard) DO UPDATE SET n = board_counts.n + EXCLUDED.n;
  RETURN NULL;
END;
$$;

CREATE FUNCTION board_counts_removed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO board_counts (garage_id, section, shard, n)
  SELECT garage_id, section, pg_backend_pid() % 8, -count(*) FROM removed
  GROUP BY garage_id, section ORDER BY garage_id, section
  ON CONFLICT (garage_id, section, shard) DO UPDATE SET n = board_counts.n + EXCLUDED.n;
  RETURN NULL;
END;
$$;

-- An update that leaves garage and section as they were nets to zero and writes nothing: most
-- projection updates are of that kind.
CREATE FUNCTION board_counts_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO board_counts (garage_id, section, shard, n)
  SELECT garage_id, section, pg_backend_pid() % 8, sum(delta) FROM (
    SELECT garage_id, section, -1 AS delta FROM before_update
    UNION ALL
    SELECT garage_id, section, 1 FROM after_update
  ) AS moves
  GROUP BY garage_id, section HAVING sum(delta) <> 0 ORDER BY garage_id, section
  ON CONFLICT (garage_id, section, shard) DO UPDATE SET n = board_counts.n + EXCLUDED.n;
  RETURN NULL;
END;
$$;

-- The triggers come first: creating them locks missions against writes until this migration
-- commits, so no mission can slip between them and the initial counts below.
CREATE TRIGGER missions_board_counts_added AFTER INSERT ON missions
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION board_counts_added();
CREATE TRIGGER missions_board_counts_removed AFTER DELETE ON missions
  REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION board_counts_removed();
CREATE TRIGGER missions_board_counts_moved AFTER UPDATE ON missions
  REFERENCING OLD TABLE AS before_update NEW TABLE AS after_update FOR EACH STATEMENT EXECUTE FUNCTION board_counts_moved();

INSERT INTO board_counts (garage_id, section, shard, n)
SELECT garage_id, section, 0, count(*) FROM missions GROUP BY garage_id, section;

-- The last tracking entry ({at, code, params}, rendered per language when read), written with the
-- projection: the board shows it for each mission without reading and folding every fact.
-- NULL on missions projected before this column existed; the board folds their facts instead.
ALTER TABLE missions ADD COLUMN last_tracking jsonb;
