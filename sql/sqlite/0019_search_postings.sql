-- The search engine's own word index (issue 14; docs/search.md): a vocabulary, postings
-- ordered best first, and typo keys, written by sr_store_search_index in the transaction of
-- every write that changes a skill's searchable text, read by registry/search.c.
--
-- search_terms: one row per term (terms.c: a stemmed word, a CJK character or pair, a slug
-- with its dashes dropped) with the number of skills whose text holds it, for the query's
-- idf and for telling a known word from a typo. A term whose count falls to 0 stays, read as
-- unknown.
CREATE TABLE search_terms (
  term TEXT PRIMARY KEY,
  df   INTEGER NOT NULL
) WITHOUT ROWID;

-- search_postings: one row per (term, skill). The primary key is ordered so that the best
-- postings of a term come first when its range is read backwards (impact, then skill id,
-- descending): reading a term is one range of the key, cut at a fixed count, however many
-- skills hold the term. impact is the field-weighted
-- text score of the term in the skill, quantised, in its high bits, and the skill's
-- popularity when it was indexed in its low four, which only orders equal text scores.
-- Postings are kept for every skill whatever its visibility: a search filters by the
-- visibility columns of the rows it fetches, so hiding, deleting and restoring a skill
-- write nothing here.
CREATE TABLE search_postings (
  term     TEXT NOT NULL,
  impact   INTEGER NOT NULL,
  skill_id INTEGER NOT NULL,
  PRIMARY KEY (term, impact, skill_id)
) WITHOUT ROWID;
-- A skill's postings, to drop them when its text is indexed again.
CREATE INDEX ix_postings_skill ON search_postings(skill_id, term);

-- search_typos: the one-deletion keys (SymSpell) of every word form that brought a term into
-- the vocabulary, and the form itself: a query word and a vocabulary word within one edit
-- (or two, when each lost a letter) share a key. word is the form before stemming (the
-- distance is checked on it), term what the postings hold.
CREATE TABLE search_typos (
  key  TEXT NOT NULL,
  word TEXT NOT NULL,
  term TEXT NOT NULL,
  PRIMARY KEY (key, word)
) WITHOUT ROWID;

-- A database with no skills yet has nothing to index: its search backfill is done. One that
-- has skills gets its postings from `skillreg backfill search` (which import and db-copy
-- run at their end when no pass has finished).
INSERT INTO backfill_state(name, last_id, pass, started_at, finished_at, scanned, changed)
SELECT 'search', 0, 1, CAST(strftime('%s', 'now') AS INTEGER) * 1000, CAST(strftime('%s', 'now') AS INTEGER) * 1000, 0, 0 WHERE NOT EXISTS (SELECT 1 FROM skills);
