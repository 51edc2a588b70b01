-- skillreg schema, SQLite dialect. Times are integer milliseconds UTC.
-- The list indexes are partial indexes over generated visibility columns, so a browse page
-- is one index range that never reads a row it then drops (docs/bandwidth.md).

CREATE TABLE users (
  id              INTEGER PRIMARY KEY,
  handle          TEXT NOT NULL,             -- stored lower-case; the public URL segment
  display_name    TEXT,
  image           TEXT,
  role            INTEGER NOT NULL DEFAULT 0, -- 0 user, 1 moderator, 2 admin
  created_at      INTEGER NOT NULL,
  deactivated_at  INTEGER,
  ban_reason      TEXT
);
CREATE UNIQUE INDEX ux_users_handle ON users(handle);

CREATE TABLE api_tokens (
  id           INTEGER PRIMARY KEY,
  user_id      INTEGER NOT NULL REFERENCES users(id),
  label        TEXT,
  prefix       TEXT NOT NULL,
  token_hash   TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at   INTEGER
);
CREATE UNIQUE INDEX ux_tokens_hash ON api_tokens(token_hash);
CREATE INDEX ix_tokens_prefix ON api_tokens(prefix);

-- The hot row. Every column a list row shows is here, including the summary of the
-- version `latest` points at; large rarely-read values live in skill_versions/version_cold.
CREATE TABLE skills (
  id                  INTEGER PRIMARY KEY,
  owner_id            INTEGER NOT NULL REFERENCES users(id),
  slug                TEXT NOT NULL,
  display_name        TEXT NOT NULL,
  summary             TEXT,
  tags_json           TEXT NOT NULL DEFAULT '{}',   -- {"tag":"version"}, kept with skill_tags
  latest_version_id   INTEGER,
  latest_version      TEXT,
  latest_created_at   INTEGER,
  latest_changelog    TEXT,
  latest_metadata     TEXT,                          -- {"setup":[..],"os":..,"systems":..}
  moderation_status   INTEGER NOT NULL DEFAULT 0,    -- 0 active, 1 hidden, 2 removed
  moderation_reason   TEXT,
  moderation_flags    INTEGER NOT NULL DEFAULT 0,    -- 1 flagged.suspicious, 2 blocked.malware
  moderation_verdict  INTEGER,                       -- NULL, 0 clean, 1 suspicious, 2 malicious
  soft_deleted_at     INTEGER,
  stats_downloads     INTEGER NOT NULL DEFAULT 0,
  stats_stars         INTEGER NOT NULL DEFAULT 0,
  stats_installs      INTEGER NOT NULL DEFAULT 0,
  stats_versions      INTEGER NOT NULL DEFAULT 0,
  stats_comments      INTEGER NOT NULL DEFAULT 0,
  created_at          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL,
  -- ClawHub's rules (api-v1 section 1.5), computed here once so no write can forget them.
  is_suspicious INTEGER GENERATED ALWAYS AS (
    (moderation_flags & 1) != 0
    OR (coalesce(moderation_reason, '') LIKE 'scanner.%'
        AND coalesce(moderation_reason, '') LIKE '%.suspicious')
  ) STORED,
  is_public INTEGER GENERATED ALWAYS AS (
    soft_deleted_at IS NULL AND moderation_status = 0
    AND (moderation_flags & 2) = 0 AND coalesce(moderation_verdict, 0) != 2
  ) STORED,
  -- Browse-eligible: public, not suspicious, and not a skill whose only version still
  -- waits for its first scan. Every term is NOT NULL (coalesce), so the column is 0 or 1.
  is_listed INTEGER GENERATED ALWAYS AS (
    soft_deleted_at IS NULL AND moderation_status = 0
    AND (moderation_flags & 3) = 0 AND coalesce(moderation_verdict, 0) != 2
    AND NOT (coalesce(moderation_reason, '') LIKE 'scanner.%'
             AND coalesce(moderation_reason, '') LIKE '%.suspicious')
    AND NOT (stats_versions <= 1 AND coalesce(moderation_reason, '') IN
             ('pending.scan', 'pending.scan.stale', 'scanner.vt.pending', 'scanner.llm.pending'))
  ) STORED
);
CREATE UNIQUE INDEX ux_skills_owner_slug ON skills(owner_id, slug);
CREATE INDEX ix_skills_slug ON skills(slug);
CREATE INDEX ix_skills_owner_updated ON skills(owner_id, updated_at, id);

-- One partial index per sort for the browse-eligible set (the API's lists) and one for the
-- public set (the web site's "all" toggle, which includes suspicious skills).
CREATE INDEX ix_list_created   ON skills(created_at, id) WHERE is_listed;
CREATE INDEX ix_list_updated   ON skills(updated_at, id) WHERE is_listed;
CREATE INDEX ix_list_name      ON skills(slug, id) WHERE is_listed;
CREATE INDEX ix_list_downloads ON skills(stats_downloads, updated_at, id) WHERE is_listed;
CREATE INDEX ix_list_stars     ON skills(stats_stars, updated_at, id) WHERE is_listed;
CREATE INDEX ix_list_installs  ON skills(stats_installs, updated_at, id) WHERE is_listed;
CREATE INDEX ix_pub_created    ON skills(created_at, id) WHERE is_public;
CREATE INDEX ix_pub_updated    ON skills(updated_at, id) WHERE is_public;
CREATE INDEX ix_pub_name       ON skills(slug, id) WHERE is_public;
CREATE INDEX ix_pub_downloads  ON skills(stats_downloads, updated_at, id) WHERE is_public;
CREATE INDEX ix_pub_stars      ON skills(stats_stars, updated_at, id) WHERE is_public;
CREATE INDEX ix_pub_installs   ON skills(stats_installs, updated_at, id) WHERE is_public;
CREATE INDEX ix_moderation ON skills(moderation_status, moderation_reason, created_at, id);

CREATE TABLE skill_versions (
  id               INTEGER PRIMARY KEY,
  skill_id         INTEGER NOT NULL REFERENCES skills(id),
  version          TEXT NOT NULL,
  fingerprint      TEXT NOT NULL,
  changelog        TEXT NOT NULL,
  changelog_source INTEGER,                -- NULL, 0 auto, 1 user
  created_by       INTEGER NOT NULL,
  created_at       INTEGER NOT NULL,
  soft_deleted_at  INTEGER,
  file_count       INTEGER NOT NULL,
  total_size       INTEGER NOT NULL,
  zip_sha256       TEXT NOT NULL,          -- the download archive, a blob
  zip_size         INTEGER NOT NULL
);
CREATE UNIQUE INDEX ux_versions_skill_version ON skill_versions(skill_id, version);
CREATE INDEX ix_versions_skill_created ON skill_versions(skill_id, created_at, id)
  WHERE soft_deleted_at IS NULL;
CREATE INDEX ix_versions_skill_fp ON skill_versions(skill_id, fingerprint, created_at);

CREATE TABLE version_files (
  version_id   INTEGER NOT NULL,
  path         TEXT NOT NULL,
  size         INTEGER NOT NULL,
  sha256       TEXT NOT NULL,
  content_type TEXT,
  ord          INTEGER NOT NULL,           -- position in localeCompare order
  PRIMARY KEY (version_id, ord)
) WITHOUT ROWID;
CREATE UNIQUE INDEX ux_version_files_path ON version_files(version_id, path);

-- Cold per-version data read only by the detail page and the version endpoint.
CREATE TABLE version_cold (
  version_id       INTEGER PRIMARY KEY,
  frontmatter_json TEXT NOT NULL,
  metadata_json    TEXT
);

CREATE TABLE skill_tags (
  skill_id   INTEGER NOT NULL,
  tag        TEXT NOT NULL,
  version_id INTEGER NOT NULL,
  PRIMARY KEY (skill_id, tag)
) WITHOUT ROWID;

CREATE TABLE stars (
  skill_id   INTEGER NOT NULL,
  user_id    INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (skill_id, user_id)
) WITHOUT ROWID;
CREATE INDEX ix_stars_user ON stars(user_id, created_at);

CREATE TABLE upload_tickets (
  ticket       TEXT PRIMARY KEY,
  user_id      INTEGER NOT NULL,
  path         TEXT NOT NULL,
  size         INTEGER NOT NULL,
  sha256       TEXT NOT NULL,
  content_type TEXT,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  uploaded_at  INTEGER,
  used_at      INTEGER
) WITHOUT ROWID;
CREATE INDEX ix_tickets_expires ON upload_tickets(expires_at);

CREATE TABLE reserved_slugs (
  slug       TEXT NOT NULL,
  owner_id   INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (slug, owner_id)
) WITHOUT ROWID;

-- Downloads and installs are appended here and folded into counters in batches, so the hot
-- skills row is not rewritten per event.
CREATE TABLE stat_events (
  id          INTEGER PRIMARY KEY,
  skill_id    INTEGER NOT NULL,
  kind        INTEGER NOT NULL,            -- 1 download, 2 install
  day         INTEGER NOT NULL,            -- floor(ms / 86400000)
  occurred_at INTEGER NOT NULL
);

CREATE TABLE download_dedupes (
  skill_id INTEGER NOT NULL,
  identity TEXT NOT NULL,
  day      INTEGER NOT NULL,
  PRIMARY KEY (skill_id, identity, day)
) WITHOUT ROWID;

CREATE TABLE stat_cursors (
  name          TEXT PRIMARY KEY,
  last_event_id INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE skill_daily_stats (
  skill_id  INTEGER NOT NULL,
  day       INTEGER NOT NULL,
  downloads INTEGER NOT NULL DEFAULT 0,
  installs  INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (skill_id, day)
) WITHOUT ROWID;
CREATE INDEX ix_daily_day ON skill_daily_stats(day, skill_id, installs, downloads);

CREATE TABLE audit_log (
  id         INTEGER PRIMARY KEY,
  actor_id   INTEGER,
  action     TEXT NOT NULL,
  skill_id   INTEGER,
  detail     TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX ix_audit_skill ON audit_log(skill_id, created_at);

-- Full-text search over slug, name and summary. The trigram tokenizer matches any substring
-- of three or more characters, which also covers CJK text without word boundaries; the
-- `short` column holds CJK text split into single characters so one- and two-character
-- CJK queries match as phrases.
CREATE VIRTUAL TABLE skill_search USING fts5(
  slug, display_name, summary, tokenize = 'trigram'
);
CREATE VIRTUAL TABLE skill_search_short USING fts5(
  text, tokenize = 'unicode61'
);
