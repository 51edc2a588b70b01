-- SKILL.md's body in the word index (issue 14; docs/search.md).
--
-- search_text: the searchable text of each skill's latest SKILL.md (its body without the
-- frontmatter and code blocks, cut at a few KiB), written by publish when a version becomes
-- the latest, so that the index can be written again from the database alone (a rename, the
-- search backfill) without reading the blob store.
CREATE TABLE search_text (
  skill_id INTEGER PRIMARY KEY,
  body     TEXT NOT NULL
);

-- search_terms.titled: how many times the term was indexed from a slug, a name or a summary,
-- never counted down. Body words enter the vocabulary (their df is the query's idf) but bring
-- no typo keys: a typo is corrected only to a word of names, slugs and summaries, and a
-- term's keys are written the first time it is titled (titled = 1). Every term before this
-- migration came from those fields.
ALTER TABLE search_terms ADD COLUMN titled INTEGER NOT NULL DEFAULT 0;
UPDATE search_terms SET titled = df;

-- A database that has skills needs a search pass to index their bodies: `skillreg backfill
-- search` reads each latest SKILL.md from the blob store (import and db-copy run it at their
-- end). Until then searches read the index as it was.
DELETE FROM backfill_state WHERE name = 'search' AND EXISTS (SELECT 1 FROM skills);
