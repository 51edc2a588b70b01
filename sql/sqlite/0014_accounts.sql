-- Accounts and sign-in (issue 13): the identities people sign in with, web sessions, local
-- passwords, invitations, the CLI's device login, and what the people's own tokens need
-- beyond 0001's api_tokens (an expiry, and a list of one user's tokens). Secrets (session
-- tokens, invitation tokens, device and user codes) are stored only as SHA-256 hex.

-- A way in (provider, subject) names one account; an account may have several ways in.
CREATE TABLE user_identities (
  provider     TEXT NOT NULL,   -- "github", "oidc:<name>", "local"
  subject      TEXT NOT NULL,   -- the provider's stable id of the person
  user_id      INTEGER NOT NULL REFERENCES users(id),
  login        TEXT,            -- the login the provider gave at the first sign-in
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (provider, subject)
);
CREATE INDEX ix_identities_user ON user_identities(user_id);

-- A signed-in browser. The cookie holds the token; only its hash is here. Signing out or
-- ending a session deletes its row.
CREATE TABLE web_sessions (
  id           INTEGER PRIMARY KEY,
  token_hash   TEXT NOT NULL,
  user_id      INTEGER NOT NULL REFERENCES users(id),
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  user_agent   TEXT,
  ip           TEXT
);
CREATE UNIQUE INDEX ux_sessions_hash ON web_sessions(token_hash);
CREATE INDEX ix_sessions_user ON web_sessions(user_id, created_at);

-- Local accounts' passwords, as argon2id encoded strings (salt and costs inside).
CREATE TABLE user_passwords (
  user_id      INTEGER PRIMARY KEY REFERENCES users(id),
  hash         TEXT NOT NULL,
  updated_at   INTEGER NOT NULL
);

-- An administrator's invitation to make a local account: one use, until it expires.
CREATE TABLE invites (
  id           INTEGER PRIMARY KEY,
  token_hash   TEXT NOT NULL,
  role         INTEGER NOT NULL DEFAULT 0,
  note         TEXT,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  used_at      INTEGER,
  user_id      INTEGER           -- the account made with it
);
CREATE UNIQUE INDEX ux_invites_hash ON invites(token_hash);

-- The CLI's device login (RFC 8628 as ClawHub speaks it). status: 0 pending, 1 approved,
-- 2 denied, 3 expired, 4 consumed.
CREATE TABLE device_codes (
  id             INTEGER PRIMARY KEY,
  device_hash    TEXT NOT NULL,
  user_code_hash TEXT NOT NULL,
  user_code      TEXT NOT NULL,
  label          TEXT NOT NULL,
  scope          TEXT NOT NULL,
  status         INTEGER NOT NULL DEFAULT 0,
  user_id        INTEGER,        -- who approved or denied
  created_at     INTEGER NOT NULL,
  expires_at     INTEGER NOT NULL,
  last_poll_at   INTEGER,
  poll_interval  INTEGER NOT NULL  -- seconds; slow_down raises it
);
CREATE UNIQUE INDEX ux_device_hash ON device_codes(device_hash);
CREATE INDEX ix_device_user_code ON device_codes(user_code_hash, id);

ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER; -- NULL: no expiry
CREATE INDEX ix_tokens_user ON api_tokens(user_id, created_at);
