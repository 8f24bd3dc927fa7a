-- Up Migration

-- The second loop (issue 19): status `information_requested` and its section
-- `smart.information_requested` join the vocabulary (libs/contracts common.ts). As in 0005, each
-- CHECK constraint is replaced by one that only adds the new words. `deadline` now holds the
-- deadline that holds (the insurer's extensions, the due date of the garage's answer): the column
-- is written by the projection like the status, nothing to add.
ALTER TABLE missions
  DROP CONSTRAINT missions_status_check,
  ADD CONSTRAINT missions_status_check CHECK (status IN ('new', 'under_analysis', 'pending_validation', 'remote_intervention',
                                                        'onsite_intervention', 'information_requested', 'closed', 'expired',
                                                        'abandoned', 'cancelled')),
  DROP CONSTRAINT missions_section_check,
  ADD CONSTRAINT missions_section_check CHECK (section IN ('smart.new', 'smart.under_analysis', 'smart.remote_intervention',
                                                          'smart.onsite_intervention', 'smart.information_requested',
                                                          'smart.closed', 'classic.expired', 'closed.abandoned',
                                                          'closed.cancelled'));

