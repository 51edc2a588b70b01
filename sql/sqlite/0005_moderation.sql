-- Scanning and moderation (issue 4; api-v1 section 1.5, data-model section 2).
--
-- Every version published from now on waits in the scan queue: scan_state 1 (pending) until
-- the scan worker has run the built-in scanner and, when configured, the external one.
-- Versions written before this migration (and the benchmark generator's) keep 0, "never
-- queued", so an upgrade does not start scanning a whole catalogue by itself;
-- `skillreg scan --all` does that on request.
ALTER TABLE skill_versions ADD COLUMN scan_state INTEGER NOT NULL DEFAULT 0; -- 0 none, 1 pending, 2 done, 3 error
ALTER TABLE skill_versions ADD COLUMN scan_verdict INTEGER;                 -- NULL, 0 clean, 1 suspicious, 2 malicious
ALTER TABLE skill_versions ADD COLUMN scan_requested_at INTEGER;
ALTER TABLE skill_versions ADD COLUMN scanned_at INTEGER;

-- The worker's queue: only pending versions are in this index, oldest request first, so a
-- poll reads exactly the versions it will scan.
CREATE INDEX ix_versions_scan_queue ON skill_versions(scan_requested_at, id) WHERE scan_state = 1;

-- One row per version and scanner ("static" the built-in one, "external" the configured
-- command): its verdict, or status 2 (error) when it gave none.
CREATE TABLE scan_results (
  version_id INTEGER NOT NULL,
  source     TEXT NOT NULL,
  status     INTEGER NOT NULL,   -- 1 done, 2 error
  verdict    INTEGER,            -- 0 clean, 1 suspicious, 2 malicious; NULL on error
  checked_at INTEGER NOT NULL,
  engine     TEXT,
  summary    TEXT,
  PRIMARY KEY (version_id, source)
) WITHOUT ROWID;

-- The evidence behind a verdict, in the order the scanner reported it.
CREATE TABLE scan_findings (
  version_id INTEGER NOT NULL,
  source     TEXT NOT NULL,
  ord        INTEGER NOT NULL,
  rule_id    TEXT NOT NULL,
  severity   TEXT NOT NULL,
  title      TEXT,
  path       TEXT NOT NULL,
  line       INTEGER NOT NULL,
  excerpt    TEXT,
  PRIMARY KEY (version_id, source, ord)
) WITHOUT ROWID;

-- What each scanner currently holds against a skill: the verdict of its latest scan of one
-- of the skill's versions. A clean verdict from one scanner clears the skill's flags only
-- when no other scanner still holds a suspicious or malicious verdict.
CREATE TABLE scan_holds (
  skill_id   INTEGER NOT NULL,
  source     TEXT NOT NULL,
  verdict    INTEGER NOT NULL,
  version_id INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (skill_id, source)
) WITHOUT ROWID;

-- User reports: one per user and skill. skills.stats_reports counts them, so the fourth
-- report hides the skill (auto.reports) without counting rows.
CREATE TABLE skill_reports (
  id         INTEGER PRIMARY KEY,
  skill_id   INTEGER NOT NULL,
  user_id    INTEGER NOT NULL,
  version    TEXT,
  reason     TEXT,
  created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX ux_reports_skill_user ON skill_reports(skill_id, user_id);
ALTER TABLE skills ADD COLUMN stats_reports INTEGER NOT NULL DEFAULT 0;
