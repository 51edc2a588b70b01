-- Jobs on many nodes (issue 12), PostgreSQL's dialect of sql/sqlite/0011_job_claims.sql:
-- any number of `skillreg serve` processes share one database and none is special.
--
-- A scheduled job runs once per interval across all of them. Before a run, a node claims the
-- job's row with one conditional write (src/store/jobs.c, sr_store_job_claim): the row moves
-- to the claimant only when its last claim is at least one interval old. Concurrent claims
-- of one row queue on its row lock and each re-checks the condition on the row the one
-- before it left, so of the nodes that try within one interval exactly one changes it, and
-- only that one runs the job. A node that dies mid-run holds nothing: the next interval's
-- claim goes to whichever node asks first, and the jobs resume from what they committed.
CREATE TABLE job_claims (
  name       text PRIMARY KEY,
  started_at bigint NOT NULL,             -- ms since the epoch on the claimant's clock
  node       text NOT NULL,               -- host:pid of the claimant
  runs       bigint NOT NULL DEFAULT 1
);

-- The fold claims the events it folds instead of reading past a cursor. Identity values are
-- taken at insert and not committed in their order: an event with a lower id can commit
-- after a fold read past it, and a cursor would skip it for good. The fold marks the events
-- it takes (folded = 1) in the transaction that adds them to the counters, so an event is
-- either folded and marked, or neither, whatever order writers commit in. The partial index
-- holds only the events still to fold. stat_cursors' `fold` row stays as the fold's
-- high-water mark (the highest id folded); on PostgreSQL it is not a boundary.
ALTER TABLE stat_events ADD COLUMN folded integer NOT NULL DEFAULT 0;
UPDATE stat_events SET folded = 1
  WHERE id <= coalesce((SELECT last_event_id FROM stat_cursors WHERE name = 'fold'), 0);
CREATE INDEX ix_events_unfolded ON stat_events (id) WHERE folded = 0;
