-- Up Migration

-- The queue is ordered by `due_key` since 0003_second_loop.sql, which dropped the index on
-- `deadline_key`; nothing reads or writes the column any more.
ALTER TABLE review_cases DROP COLUMN deadline_key;
