-- One publisher per slug (issue 16): a new skill's slug is refused when another publisher's
-- live skill holds it, and the database enforces it, so of several publishes racing for one
-- new slug exactly one commits whatever the code above it does.
--
-- The rule is a unique index on the slug of the live skills (soft-deleted ones let go of it;
-- a deleted owner's slug is held for them by reserved_slugs, a rule of the registry). Slugs
-- that two publishers already share stay possible: `slug_shared` = 1 marks a skill exempt from
-- the index. This migration sets it on every skill whose slug another skill also holds, so
-- such a database migrates as it is and its bare-slug lookups keep answering 409; after it,
-- only an import written for that purpose sets it (`skillreg seed`, the operator's import of
-- a catalogue laid out on disk, and the benchmark generator). A rename clears it: a new slug
-- is claimed like any other.
ALTER TABLE skills ADD COLUMN slug_shared INTEGER NOT NULL DEFAULT 0;
UPDATE skills SET slug_shared = 1
  WHERE slug IN (SELECT slug FROM skills GROUP BY slug HAVING count(*) > 1);
CREATE UNIQUE INDEX ux_skills_live_slug ON skills(slug)
  WHERE soft_deleted_at IS NULL AND slug_shared = 0;
