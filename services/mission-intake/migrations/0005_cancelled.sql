-- Up Migration

-- The insurer's cancel (issue 17): status `cancelled`, section `closed.cancelled` and outcome
-- `cancelled` join the vocabulary (libs/contracts common.ts). The CHECK constraints of 0001 list
-- the words, so each is replaced by one that adds the new word; the old rows pass by construction
-- (the new lists only grow the old ones). The board counts (0003) name no section: nothing to do there.
ALTER TABLE missions
  DROP CONSTRAINT missions_status_check,
  ADD CONSTRAINT missions_status_check CHECK (status IN ('new', 'under_analysis', 'pending_validation', 'remote_intervention',
                                                        'onsite_intervention', 'closed', 'expired', 'abandoned', 'cancelled')),
  DROP CONSTRAINT missions_section_check,
  ADD CONSTRAINT missions_section_check CHECK (section IN ('smart.new', 'smart.under_analysis', 'smart.remote_intervention',
                                                          'smart.onsite_intervention', 'smart.closed', 'classic.expired',
                                                          'closed.abandoned', 'closed.cancelled')),
  DROP CONSTRAINT missions_outcome_check,
  ADD CONSTRAINT missions_outcome_check CHECK (outcome IN ('validated', 'total_loss', 'abandoned', 'cancelled'));
