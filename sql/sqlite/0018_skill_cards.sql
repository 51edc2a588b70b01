-- Skill cards (issue 13; the accounts reference, sections 5.2 and 5.3): the skill-card.md
-- the registry writes for a version once its scan has settled on a verdict, which
-- `clawhub skill verify` checks for and `--card` prints.
--
-- One row per version, read by primary key only. The text is kept in the row, not as a
-- blob: a card is a few kilobytes at most (ClawHub's ceiling is 200 KB), read only by the
-- verify and card routes, and a row needs nothing from the blob collector, which keeps only
-- the blobs that version files, version zips and upload tickets name. A rescan rewrites the
-- row; sha256 and size are of the text's bytes, so verify can name them without reading
-- the text.
CREATE TABLE skill_cards (
  version_id INTEGER PRIMARY KEY,
  sha256     TEXT NOT NULL,
  size       INTEGER NOT NULL,
  content    TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
