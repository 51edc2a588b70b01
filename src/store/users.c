/*
 * users.c - users, API tokens and upload tickets (store.h, "users and tokens" and "upload
 * tickets"): accounts, their roles and bans, the hashed tokens a request signs in with, and
 * the one-use tickets of the upload flow. Dialect-neutral, over internal.h.
 */
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/util.h"
#include "store/internal.h"
#include "store/token_memo.h"

void sr__read_user(sr__stmt *st, int c, sr_user *u)
{
	u->id = sr__col_int64(st, c);
	sr__copy_text(u->handle, sizeof(u->handle), sr__col_text(st, c + 1));
	sr__copy_text(u->display_name, sizeof(u->display_name), sr__col_text(st, c + 2));
	sr__copy_text(u->image, sizeof(u->image), sr__col_text(st, c + 3));
	u->role = sr__col_int(st, c + 4);
	u->deactivated_at = sr__col_int64(st, c + 5);
}

int sr_store_user_add(sr_store *s, const char *handle, const char *display_name, int role,
		      int64_t *id_out)
{
	int rc = sr__run(s, Q_USER_ADD, "ttiI", handle, display_name, role, sr_now_ms());
	if (!rc && id_out)
		*id_out = sr__last_id(s);
	return rc;
}

int sr_store_user_add_claimable(sr_store *s, const char *handle, const char *display_name,
				const char *claim_github, int64_t *id_out)
{
	int rc = sr__run(s, Q_USER_ADD_CLAIMABLE, "ttiIt", handle, display_name, SR_ROLE_USER, sr_now_ms(),
			 claim_github);
	if (!rc && id_out)
		*id_out = sr__last_id(s);
	return rc;
}

int sr__user_query(sr_store *s, sr__stmt *st, sr_user *out)
{
	if (!st)
		return SR_EDB;
	int rc = sr__step(s, st);
	if (rc == SR__ROW) {
		sr__read_user(st, 0, out);
		sr__reset(st);
		return 0;
	}
	return rc == SR__DONE ? SR_ENOTFOUND : rc;
}

int sr_store_user_by_handle(sr_store *s, const char *handle, sr_user *out)
{
	return sr__user_query(s, sr__query(s, Q_USER_BY_HANDLE, "t", handle), out);
}

int sr_store_user_by_id(sr_store *s, int64_t id, sr_user *out)
{
	return sr__user_query(s, sr__query(s, Q_USER_BY_ID, "I", id), out);
}

int sr_store_user_ban_in_tx(sr_store *s, int64_t user_id, const char *reason, int64_t now)
{
	int rc = sr__run(s, Q_USER_BAN, "IIt", user_id, now, reason);
	if (!rc)
		rc = sr__run(s, Q_BAN_HOLDS_SAVE, "I", user_id);
	return rc ? rc : sr__run(s, Q_USER_BAN_SKILLS, "II", user_id, now);
}

int sr_store_user_unban_in_tx(sr_store *s, int64_t user_id, int64_t banned_at, int64_t now)
{
	int rc = sr__run(s, Q_USER_UNBAN, "I", user_id);
	if (rc)
		return rc;
	if (sr__changes(s) == 0)
		return SR_ENOTFOUND;
	/* The held skills first: what is still 'user.banned' after them had no hold. */
	if ((rc = sr__run(s, Q_UNBAN_RESTORE, "I", user_id)) || (rc = sr__run(s, Q_UNBAN_UNHELD, "II", user_id, banned_at)) ||
	    (rc = sr__run(s, Q_BAN_HOLDS_DROP, "I", user_id)) || (rc = sr__run(s, Q_TOKENS_REVOKE_USER, "II", user_id, now)))
		return rc;
	return sr__run(s, Q_SESSIONS_END_USER, "I", user_id);
}

int sr_store_user_ban(sr_store *s, int64_t user_id, const char *reason)
{
	int rc = sr_store_begin(s);
	if (rc)
		return rc;
	if ((rc = sr_store_user_ban_in_tx(s, user_id, reason, sr_now_ms()))) {
		sr_store_rollback(s);
		return rc;
	}
	return sr_store_commit(s);
}

int sr_store_user_set_role(sr_store *s, int64_t user_id, int role)
{
	int rc = sr__run(s, Q_USER_ROLE, "Ii", user_id, role);
	if (!rc && sr__changes(s) == 0)
		return SR_ENOTFOUND;
	return rc;
}

int sr_store_token_add(sr_store *s, int64_t user_id, const char *label, const char *prefix,
		       const char *hash)
{
	return sr__run(s, Q_TOKEN_ADD, "ItttI", user_id, label, prefix, hash, sr_now_ms());
}

int sr_store_token_lookup(sr_store *s, const char *hash, sr_user *user, sr_token_state *state)
{
	uint64_t gen = 0;
	if (sr__token_memo_get(s, hash, &gen, user, state))
		return 0;
	sr__stmt *st = sr__query(s, Q_TOKEN_LOOKUP, "t", hash);
	if (!st)
		return SR_EDB;
	int rc = sr__step(s, st);
	if (rc == SR__ROW) {
		/* An expired token is refused like a revoked one, on the request after its expiry. */
		int64_t expires = sr__col_int64(st, 7);
		state->revoked = !sr__col_is_null(st, 0) || (expires && expires <= sr_now_ms());
		state->expires_at = expires;
		state->id = sr__col_int64(st, 8);
		state->last_used_at = sr__col_int64(st, 9);
		sr__read_user(st, 1, user);
		sr__reset(st);
		sr__token_memo_put(s, hash, gen, user, state);
		return 0;
	}
	return rc == SR__DONE ? SR_ENOTFOUND : rc;
}

int sr_store_token_touch(sr_store *s, int64_t id, int64_t now, int64_t since)
{
	int rc = sr__run(s, Q_TOKEN_TOUCH, "III", id, now, since);
	if (!rc)
		sr__token_memo_used(s, id, now);
	return rc;
}

int sr_store_token_revoke(sr_store *s, const char *prefix, int *n)
{
	char hi[80];
	/* Token characters are base64url, all below '~', so prefix + "~" bounds the range. */
	snprintf(hi, sizeof(hi), "%s~", prefix);
	int rc = sr__run(s, Q_TOKEN_REVOKE, "ttI", prefix, hi, sr_now_ms());
	if (!rc)
		*n = sr__changes(s);
	return rc;
}

int sr_store_ticket_add(sr_store *s, const sr_ticket *t, int64_t now)
{
	return sr__run(s, Q_TICKET_ADD, "tItIttII", t->ticket, t->user_id, t->path, t->size, t->sha256,
		   t->content_type[0] ? t->content_type : NULL, now, t->expires_at);
}

static void read_ticket(sr_store *s, sr__stmt *st, void *row)
{
	sr_ticket *out = row;
	memset(out, 0, sizeof(*out));
	sr__copy_text(out->ticket, sizeof(out->ticket), sr__col_text(st, 0));
	out->user_id = sr__col_int64(st, 1);
	sr__copy_text(out->path, sizeof(out->path), sr__col_text(st, 2));
	out->size = sr__col_int64(st, 3);
	sr__copy_text(out->sha256, sizeof(out->sha256), sr__col_text(st, 4));
	sr__copy_text(out->content_type, sizeof(out->content_type), sr__col_text(st, 5));
	out->expires_at = sr__col_int64(st, 6);
	out->uploaded_at = sr__col_int64(st, 7);
	out->used_at = sr__col_int64(st, 8);
}

int sr_store_ticket_get(sr_store *s, const char *ticket, sr_ticket *out)
{
	sr__stmt *st = sr__query(s, Q_TICKET_GET, "t", ticket);
	if (!st)
		return SR_EDB;
	int rc = sr__step(s, st);
	if (rc != SR__ROW)
		return rc == SR__DONE ? SR_ENOTFOUND : rc;
	read_ticket(s, st, out);
	sr__reset(st);
	return 0;
}

int sr_store_tickets_get(sr_store *s, const char *const *tickets, size_t n, sr_row_fn fn, void *ud)
{
	sr_buf list;
	sr_buf_init(&list, 64 + n * 80);
	int rc = sr__json_strings(&list, tickets, n);
	if (!rc) {
		sr_ticket row;
		rc = sr__each(s, sr__query(s, Q_TICKETS_GET, "t", list.data), read_ticket, &row, fn, ud);
	}
	sr_buf_deinit(&list);
	return rc;
}

int sr_store_tickets_use_expect(sr_store *s, const char *const *tickets, size_t n, int64_t now)
{
	sr_buf list;
	sr_buf_init(&list, 64 + n * 80);
	int rc = sr__json_strings(&list, tickets, n);
	if (!rc)
		rc = sr__run(s, Q_TICKETS_USE_EXPECT, "tII", list.data, now, (int64_t)n);
	sr_buf_deinit(&list);
	return rc;
}

int sr_store_ticket_mark_uploaded(sr_store *s, const char *ticket, int64_t now)
{
	return sr__run(s, Q_TICKET_UPLOADED, "tI", ticket, now);
}

int sr_store_ticket_mark_used(sr_store *s, const char *ticket, int64_t now)
{
	int rc = sr__run(s, Q_TICKET_USED, "tI", ticket, now);
	if (!rc && sr__changes(s) == 0)
		return SR_EEXIST;
	return rc;
}

int sr_store_tickets_pending(sr_store *s, int64_t user_id, int64_t now, int max_count, int64_t *count,
			     int64_t *bytes)
{
	sr__stmt *st = sr__query(s, Q_TICKETS_PENDING, "IIi", user_id, now, max_count);
	if (!st)
		return SR_EDB;
	int rc = sr__step(s, st);
	if (rc != SR__ROW)
		return rc == SR__DONE ? SR_EDB : rc;
	*count = sr__col_int64(st, 0);
	*bytes = sr__col_int64(st, 1);
	sr__reset(st);
	return 0;
}

int sr_store_tickets_expire(sr_store *s, int64_t now, int limit, int64_t *deleted)
{
	int rc = sr__run(s, Q_TICKETS_EXPIRE, "Ii", now, limit);
	*deleted = rc ? 0 : sr__changes(s);
	return rc;
}
