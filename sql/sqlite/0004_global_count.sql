-- The number of public skills (data-model section 3.4), read by the home page and /metrics as
-- one primary-key row instead of a count over the catalogue. Triggers keep it: a skill that
-- becomes public or stops being public moves it by one in the same transaction as the write
-- that changed it, whatever statement or process made that write, so no write site can
-- forget. The daily `recount` job (src/stats/global.c) compares it with a count over
-- ix_pub_created and corrects any drift.
CREATE TABLE global_stats (
  id            INTEGER PRIMARY KEY CHECK (id = 1),
  public_skills INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
INSERT INTO global_stats(id, public_skills, updated_at)
  SELECT 1, count(*), CAST(strftime('%s', 'now') AS INTEGER) * 1000 FROM skills WHERE is_public;

CREATE TRIGGER tr_public_count_insert AFTER INSERT ON skills WHEN new.is_public
BEGIN
  UPDATE global_stats SET public_skills = public_skills + 1 WHERE id = 1;
END;

CREATE TRIGGER tr_public_count_delete AFTER DELETE ON skills WHEN old.is_public
BEGIN
  UPDATE global_stats SET public_skills = public_skills - 1 WHERE id = 1;
END;

-- Only the columns is_public is computed from: counter and summary updates (the event fold,
-- publishes of later versions) do not even evaluate the WHEN clause.
CREATE TRIGGER tr_public_count_update
AFTER UPDATE OF soft_deleted_at, moderation_status, moderation_flags, moderation_verdict ON skills
WHEN old.is_public IS NOT new.is_public
BEGIN
  UPDATE global_stats SET public_skills = public_skills + (new.is_public - old.is_public)
  WHERE id = 1;
END;
