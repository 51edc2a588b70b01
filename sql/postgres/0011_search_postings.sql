-- The search engine's word index (issue 14), PostgreSQL's dialect of
-- sql/sqlite/0019_search_postings.sql, whose comments say what each table is for. Terms are
-- compared bytewise (COLLATE "C") so that a prefix is one range of the key, as in SQLite.
CREATE TABLE search_terms (
  term text COLLATE "C" PRIMARY KEY,
  df   bigint NOT NULL
);

CREATE TABLE search_postings (
  term     text COLLATE "C" NOT NULL,
  impact   integer NOT NULL,
  skill_id bigint NOT NULL,
  PRIMARY KEY (term, impact, skill_id)
);
CREATE INDEX ix_postings_skill ON search_postings(skill_id, term);

CREATE TABLE search_typos (
  key  text COLLATE "C" NOT NULL,
  word text COLLATE "C" NOT NULL,
  term text COLLATE "C" NOT NULL,
  PRIMARY KEY (key, word)
);

-- A database with no skills yet has nothing to index: its search backfill is done. One that
-- has skills gets its postings from `skillreg backfill search` (which import and db-copy
-- run at their end when no pass has finished).
INSERT INTO backfill_state(name, last_id, pass, started_at, finished_at, scanned, changed)
SELECT 'search', 0, 1, (extract(epoch FROM now()) * 1000)::bigint, (extract(epoch FROM now()) * 1000)::bigint, 0, 0 WHERE NOT EXISTS (SELECT 1 FROM skills);
