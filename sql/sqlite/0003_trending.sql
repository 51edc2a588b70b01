-- The trending leaderboard (data-model section 3.3): the trending job writes one snapshot per
-- run, its top entries in rank order, and keeps the newest three. Readers take the newest
-- snapshot and join its entries to skills by primary key, so a read is one primary-key range
-- of at most 200 entries, whatever the catalogue's size.
CREATE TABLE trending_snapshots (
  id          INTEGER PRIMARY KEY,
  computed_at INTEGER NOT NULL,
  day         INTEGER NOT NULL, -- the UTC day bucket the window ends on (today, partial)
  entries     INTEGER NOT NULL
);
CREATE TABLE trending_entries (
  snapshot_id INTEGER NOT NULL,
  rank        INTEGER NOT NULL,
  skill_id    INTEGER NOT NULL,
  installs    INTEGER NOT NULL,
  downloads   INTEGER NOT NULL,
  PRIMARY KEY (snapshot_id, rank)
) WITHOUT ROWID;
