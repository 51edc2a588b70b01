-- What a ban changed on each of the account's skills, so that an unban puts back exactly
-- what was there (issue 15; ClawHub's unban can only guess: it makes every 'user.banned'
-- skill active, a skill that staff had hidden before the ban included).
--
-- A ban writes one row per skill it hides, with the skill's moderation status, reason and
-- soft deletion from before; a second ban of the same account keeps the first rows. The
-- unban restores each skill still in the ban's state ('user.banned') from its row and drops
-- the account's rows. Only bans and unbans read or write this table: the skills row stays
-- as narrow as it was.
CREATE TABLE ban_holds (
  skill_id          INTEGER PRIMARY KEY,
  user_id           INTEGER NOT NULL,
  moderation_status INTEGER NOT NULL,
  moderation_reason TEXT,
  soft_deleted_at   INTEGER
);
CREATE INDEX ix_ban_holds_user ON ban_holds(user_id, skill_id);

-- The banned accounts for the staff console (/staff/users), the latest ban first: a page is
-- the top of this partial index, which holds only banned accounts.
CREATE INDEX ix_users_banned ON users(deactivated_at, id) WHERE deactivated_at IS NOT NULL;
