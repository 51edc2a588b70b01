-- Skill cards (issue 13), PostgreSQL's dialect of sql/sqlite/0018_skill_cards.sql, whose
-- comments say what the table is for.
CREATE TABLE skill_cards (
  version_id bigint PRIMARY KEY,
  sha256     text NOT NULL,
  size       bigint NOT NULL,
  content    text NOT NULL,
  created_at bigint NOT NULL
);
