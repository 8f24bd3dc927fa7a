-- Up Migration

-- The board count triggers name board_counts without a schema, so they found it only through the
-- writing session's search_path: a session without the service's schema on its path (an operator's
-- psql, a data repair script) failed its INSERT into missions with "relation board_counts does not
-- exist". Each function now carries the search_path it was created with (the service's schema),
-- whoever writes to missions.
ALTER FUNCTION board_counts_added() SET search_path FROM CURRENT;
ALTER FUNCTION board_counts_removed() SET search_path FROM CURRENT;
ALTER FUNCTION board_counts_moved() SET search_path FROM CURRENT;
