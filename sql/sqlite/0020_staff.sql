-- The staff console and appeals (issue 15; the accounts reference, section 6).
--
-- A report is open until staff resolve or dismiss it; who decided, when and why stay on the
-- row. The console pages reports of one status newest first through ix_reports_status.
ALTER TABLE skill_reports ADD COLUMN status INTEGER NOT NULL DEFAULT 0; -- 0 open, 1 resolved, 2 dismissed
ALTER TABLE skill_reports ADD COLUMN triaged_by INTEGER;
ALTER TABLE skill_reports ADD COLUMN triaged_at INTEGER;
ALTER TABLE skill_reports ADD COLUMN triage_note TEXT;
ALTER TABLE skill_reports ADD COLUMN action_taken TEXT; -- 'none' or 'hide' once decided
CREATE INDEX ix_reports_status ON skill_reports(status, id);

-- An owner's appeal against a verdict or a hide, about one version of the skill. One open
-- appeal per skill version at a time: the partial unique index refuses a second, and the
-- appeal that holds the place is found through it. Staff accept or reject it with a note.
CREATE TABLE skill_appeals (
  id              INTEGER PRIMARY KEY,
  skill_id        INTEGER NOT NULL,
  version_id      INTEGER NOT NULL,
  version         TEXT NOT NULL,
  user_id         INTEGER NOT NULL,
  message         TEXT NOT NULL,
  status          INTEGER NOT NULL DEFAULT 0, -- 0 open, 1 accepted, 2 rejected
  created_at      INTEGER NOT NULL,
  resolved_by     INTEGER,
  resolved_at     INTEGER,
  resolution_note TEXT
);
CREATE UNIQUE INDEX ux_appeals_open ON skill_appeals(skill_id, version_id) WHERE status = 0;
CREATE INDEX ix_appeals_status ON skill_appeals(status, id);
CREATE INDEX ix_appeals_skill ON skill_appeals(skill_id, id);

-- Flagged (suspicious) and blocked (malicious) skills for the console, newest first per
-- verdict: a page is one equality range. Not a partial index: with one on skills, SQLite's
-- planner after ANALYZE read the highest id (Q_BF_MAX_ID) through a scan and a sort.
CREATE INDEX ix_skills_verdict ON skills(moderation_verdict, id);
