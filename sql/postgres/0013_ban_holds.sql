-- What a ban changed on each of the account's skills (issue 15), PostgreSQL's dialect of
-- sql/sqlite/0021_ban_holds.sql, whose comments say what it is for.
CREATE TABLE ban_holds (
  skill_id          bigint PRIMARY KEY,
  user_id           bigint NOT NULL,
  moderation_status integer NOT NULL,
  moderation_reason text,
  soft_deleted_at   bigint
);
CREATE INDEX ix_ban_holds_user ON ban_holds(user_id, skill_id);
CREATE INDEX ix_users_banned ON users(deactivated_at, id) WHERE deactivated_at IS NOT NULL;
