-- Up Migration
-- One deadline on the copy of the mission. mission.received writes the deposit's deadline, and
-- each mission.status-changed writes the deadline that holds over it; a mission.received learnt
-- after a verdict keeps the verdict's (src/store/missions.ts). The verdict's deadline, where one
-- was kept apart (0004), is the one that holds.
UPDATE missions SET deadline = COALESCE(verdict_deadline, deadline) WHERE verdict_deadline IS NOT NULL;
ALTER TABLE missions DROP COLUMN verdict_deadline;
