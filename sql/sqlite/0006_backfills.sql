-- Backfill progress (`skillreg backfill NAME`, src/cron/backfill.c). A pass walks skills by
-- primary key in batches; each batch's changes and this row commit in one transaction, so
-- a killed backfill resumes after the last batch that committed and never redoes or skips
-- one. A finished pass (finished_at set) makes the next run start a new pass from the top.
CREATE TABLE backfill_state (
  name        TEXT PRIMARY KEY,
  last_id     INTEGER NOT NULL DEFAULT 0,  -- last skills.id done in the current pass
  pass        INTEGER NOT NULL DEFAULT 0,  -- passes started
  started_at  INTEGER,
  finished_at INTEGER,                     -- NULL while the pass is under way
  scanned     INTEGER NOT NULL DEFAULT 0,  -- rows scanned in the current pass
  changed     INTEGER NOT NULL DEFAULT 0   -- rows rewritten in the current pass
) WITHOUT ROWID;
