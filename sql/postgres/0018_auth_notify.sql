-- What a token's lookup answers (the token's row, its user's names, role and ban) may be kept
-- in a node's memory (src/store/token_memo.c); these triggers tell every node when it changes.
-- A statement that writes one of those columns, whoever runs it (a node, `skillreg user`,
-- an operator's psql), notifies 'a' on the generation channel when it commits, and each node's
-- listener bumps its auth generation. last_used_at is not among them: recording a use must not
-- make every node forget every token.
CREATE FUNCTION sr_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('skillreg_gens', 'a');
  RETURN NULL;
END
$$;

CREATE TRIGGER api_tokens_auth_changed
  AFTER UPDATE OF user_id, token_hash, revoked_at, expires_at OR DELETE OR TRUNCATE ON api_tokens
  FOR EACH STATEMENT EXECUTE FUNCTION sr_auth_changed();

CREATE TRIGGER users_auth_changed
  AFTER UPDATE OF id, handle, display_name, image, role, deactivated_at OR DELETE OR TRUNCATE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION sr_auth_changed();
