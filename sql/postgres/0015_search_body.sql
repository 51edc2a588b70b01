-- SKILL.md's body in the word index (issue 14), PostgreSQL's dialect of
-- sql/sqlite/0023_search_body.sql, whose comments say what each part is for.
CREATE TABLE search_text (
  skill_id bigint PRIMARY KEY,
  body     text NOT NULL
);

ALTER TABLE search_terms ADD COLUMN titled bigint NOT NULL DEFAULT 0;
UPDATE search_terms SET titled = df;

DELETE FROM backfill_state WHERE name = 'search' AND EXISTS (SELECT 1 FROM skills);
