-- Org publishers, ownership transfers and scan jobs (issue 13; the accounts reference,
-- sections 3, 4 and 5.4).
--
-- An org publisher is a row of users with kind 1: handles of people and orgs share one
-- namespace (ClawHub refuses an org handle "already used by a user or personal publisher"),
-- a skill's owner_id may name either, and every read that joins a skill to its owner works
-- for both unchanged. An org never signs in: no token is ever made for it.
ALTER TABLE users ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;    -- 0 person, 1 org publisher
ALTER TABLE users ADD COLUMN trusted INTEGER NOT NULL DEFAULT 0; -- an org marked trusted by an admin

-- Who may act for an org: role 1 publisher, 2 admin, 3 owner (a higher role satisfies a
-- lower one). Role checks read the primary key; "my orgs" reads ix_members_user.
CREATE TABLE publisher_members (
  publisher_id INTEGER NOT NULL,
  user_id      INTEGER NOT NULL,
  role         INTEGER NOT NULL,
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (publisher_id, user_id)
) WITHOUT ROWID;
CREATE INDEX ix_members_user ON publisher_members(user_id, publisher_id);

-- Requests to hand a skill to another user. status: 0 pending, 1 accepted, 2 rejected,
-- 3 cancelled, 4 expired (written lazily when a request past expires_at is met). The partial
-- unique index keeps one pending request per skill, even against two concurrent requests;
-- the two others are the recipient's and the requester's lists (their pending range, newest
-- first).
CREATE TABLE skill_transfers (
  id           INTEGER PRIMARY KEY,
  skill_id     INTEGER NOT NULL,
  from_user_id INTEGER NOT NULL,  -- who asked
  to_user_id   INTEGER NOT NULL,  -- who may accept
  message      TEXT,
  status       INTEGER NOT NULL DEFAULT 0,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  resolved_at  INTEGER
);
CREATE UNIQUE INDEX ux_transfers_pending ON skill_transfers(skill_id) WHERE status = 0;
CREATE INDEX ix_transfers_to ON skill_transfers(to_user_id, status, created_at);
CREATE INDEX ix_transfers_from ON skill_transfers(from_user_id, status, created_at);

-- A rescan a client asked for (`clawhub scan --slug`): the version it names is queued for
-- the scan worker again, and the job's status is read from the version's scan state.
CREATE TABLE scan_jobs (
  id           INTEGER PRIMARY KEY,
  requester_id INTEGER NOT NULL,
  skill_id     INTEGER NOT NULL,
  version_id   INTEGER NOT NULL,
  scan_update  INTEGER NOT NULL DEFAULT 0,
  created_at   INTEGER NOT NULL
);
