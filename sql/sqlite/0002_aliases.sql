-- Old slugs of renamed and merged skills. A lookup by an alias returns the canonical skill
-- (api-v1 section 1.2): the alias is owned by the same publisher as the skill it names.
CREATE TABLE skill_aliases (
  owner_id   INTEGER NOT NULL,
  slug       TEXT NOT NULL,
  skill_id   INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (owner_id, slug)
) WITHOUT ROWID;
CREATE INDEX ix_aliases_slug ON skill_aliases(slug, skill_id);
CREATE INDEX ix_aliases_skill ON skill_aliases(skill_id);
