/*
 * accounts.c - the rows of accounts and sign-in (store/accounts.h): identities, web sessions,
 * local passwords, invitations, device logins and one user's tokens. Dialect-neutral, over
 * internal.h; every secret arrives hashed.
 */
#include "store/accounts.h"

#include <string.h>

#include "core/err.h"
#include "core/util.h"
#include "store/internal.h"

/* ---- identities ---- */

int sr_store_identity_user(sr_store *s, const char *provider, const char *subject, int64_t *user_id)
{
	return sr__one_int64(s, sr__query(s, Q_IDENT_USER, "tt", provider, subject), user_id);
}

int sr_store_identity_add(sr_store *s, const char *provider, const char *subject, int64_t user_id,
			  const char *login)
{
	return sr__run(s, Q_IDENT_ADD, "ttItI", provider, subject, user_id, login, sr_now_ms());
}

int sr_store_user_by_claim(sr_store *s, const char *login, sr_user *out)
{
	return sr__user_query(s, sr__query(s, Q_USER_BY_CLAIM, "t", login), out);
}

int sr_store_user_claimed(sr_store *s, int64_t user_id)
{
	int rc = sr__run(s, Q_USER_CLAIMED, "I", user_id);
	if (!rc && sr__changes(s) == 0)
		return SR_ENOTFOUND;
	return rc;
}

int sr_store_user_set_image(sr_store *s, int64_t user_id, const char *image)
{
	return sr__run(s, Q_USER_SET_IMAGE, "It", user_id, image);
}

/* ---- web sessions ---- */

int sr_store_session_add(sr_store *s, const char *hash, int64_t user_id, int64_t now, int64_t expires_at,
			 const char *user_agent, const char *ip, int64_t *id)
{
	int rc = sr__run(s, Q_SESSION_ADD, "tIIItt", hash, user_id, now, expires_at, user_agent, ip);
	if (!rc && id)
		*id = sr__last_id(s);
	return rc;
}

int sr_store_session_get(sr_store *s, const char *hash, sr_session_row *row, sr_user *user)
{
	sr__stmt *st = sr__query(s, Q_SESSION_GET, "t", hash);
	if (!st)
		return SR_EDB;
	int rc = sr__step(s, st);
	if (rc != SR__ROW)
		return rc == SR__DONE ? SR_ENOTFOUND : rc;
	memset(row, 0, sizeof(*row));
	row->id = sr__col_int64(st, 0);
	row->expires_at = sr__col_int64(st, 1);
	row->last_seen_at = sr__col_int64(st, 2);
	sr__read_user(st, 3, user);
	sr__reset(st);
	return 0;
}

int sr_store_session_touch(sr_store *s, int64_t id, int64_t now)
{
	return sr__run(s, Q_SESSION_TOUCH, "II", id, now);
}

int sr_store_session_end(sr_store *s, int64_t id, int64_t user_id, int *n)
{
	int rc = sr__run(s, Q_SESSION_END, "II", id, user_id);
	*n = rc ? 0 : (int)sr__changes(s);
	return rc;
}

static void read_session(sr_store *s, sr__stmt *st, void *row)
{
	sr_session_row *r = row;
	r->id = sr__col_int64(st, 0);
	r->created_at = sr__col_int64(st, 1);
	r->expires_at = sr__col_int64(st, 2);
	r->last_seen_at = sr__col_int64(st, 3);
	r->user_agent = sr__col_text(st, 4);
	r->ip = sr__col_text(st, 5);
}

int sr_store_sessions_of(sr_store *s, int64_t user_id, int limit, sr_row_fn fn, void *ud)
{
	sr_session_row row;
	return sr__each(s, sr__query(s, Q_SESSIONS_OF, "Ii", user_id, limit), read_session, &row, fn, ud);
}

/* ---- local passwords ---- */

int sr_store_password_get(sr_store *s, int64_t user_id, char *out, size_t n)
{
	sr__stmt *st = sr__query(s, Q_PASSWORD_GET, "I", user_id);
	if (!st)
		return SR_EDB;
	int rc = sr__step(s, st);
	if (rc != SR__ROW)
		return rc == SR__DONE ? SR_ENOTFOUND : rc;
	sr__copy_text(out, n, sr__col_text(st, 0));
	sr__reset(st);
	return 0;
}

int sr_store_password_set(sr_store *s, int64_t user_id, const char *hash, int64_t now)
{
	return sr__run(s, Q_PASSWORD_SET, "ItI", user_id, hash, now);
}

/* ---- invitations ---- */

int sr_store_invite_add(sr_store *s, const char *hash, int role, const char *note, int64_t now,
			int64_t expires_at)
{
	return sr__run(s, Q_INVITE_ADD, "titII", hash, role, note, now, expires_at);
}

int sr_store_invite_get(sr_store *s, const char *hash, sr_invite_row *out)
{
	sr__stmt *st = sr__query(s, Q_INVITE_GET, "t", hash);
	if (!st)
		return SR_EDB;
	int rc = sr__step(s, st);
	if (rc != SR__ROW)
		return rc == SR__DONE ? SR_ENOTFOUND : rc;
	out->id = sr__col_int64(st, 0);
	out->role = sr__col_int(st, 1);
	out->expires_at = sr__col_int64(st, 2);
	out->used_at = sr__col_int64(st, 3);
	sr__reset(st);
	return 0;
}

int sr_store_invite_use(sr_store *s, int64_t id, int64_t now, int64_t user_id)
{
	int rc = sr__run(s, Q_INVITE_USE, "III", id, now, user_id);
	if (!rc && sr__changes(s) == 0)
		return SR_EEXIST;
	return rc;
}

/* ---- device logins ---- */

int sr_store_device_add(sr_store *s, const char *device_hash, const char *user_code_hash, const char *user_code,
			const char *label, const char *scope, int64_t now, int64_t expires_at, int interval)
{
	return sr__run(s, Q_DEVICE_ADD, "tttttIIi", device_hash, user_code_hash, user_code, label, scope, now,
		       expires_at, interval);
}

static void read_device(sr__stmt *st, sr_device_row *d)
{
	memset(d, 0, sizeof(*d));
	d->id = sr__col_int64(st, 0);
	d->status = sr__col_int(st, 1);
	d->expires_at = sr__col_int64(st, 2);
	d->user_id = sr__col_int64(st, 3);
	sr__copy_text(d->label, sizeof(d->label), sr__col_text(st, 4));
	sr__copy_text(d->scope, sizeof(d->scope), sr__col_text(st, 5));
	d->last_poll_at = sr__col_int64(st, 6);
	d->interval = sr__col_int(st, 7);
	d->created_at = sr__col_int64(st, 8);
}

int sr_store_device_by_hash(sr_store *s, const char *device_hash, sr_device_row *out)
{
	sr__stmt *st = sr__query(s, Q_DEVICE_BY_HASH, "t", device_hash);
	if (!st)
		return SR_EDB;
	int rc = sr__step(s, st);
	if (rc != SR__ROW)
		return rc == SR__DONE ? SR_ENOTFOUND : rc;
	read_device(st, out);
	sr__reset(st);
	return 0;
}

int sr_store_device_by_user_code(sr_store *s, const char *hash, sr_device_row *out, int max, int *n)
{
	*n = 0;
	sr__stmt *st = sr__query(s, Q_DEVICE_BY_USER_CODE, "t", hash);
	if (!st)
		return SR_EDB;
	int rc;
	while ((rc = sr__step(s, st)) == SR__ROW) {
		if (*n == max) {
			sr__reset(st);
			return 0;
		}
		read_device(st, &out[(*n)++]);
	}
	return rc == SR__DONE ? 0 : rc;
}

int sr_store_device_set(sr_store *s, int64_t id, int from, int to, int64_t user_id)
{
	int rc = sr__run(s, Q_DEVICE_SET, "Iiin", id, from, to, user_id);
	if (!rc && sr__changes(s) == 0)
		return SR_ECONFLICT;
	return rc;
}

int sr_store_device_poll(sr_store *s, int64_t id, int64_t now, int interval)
{
	return sr__run(s, Q_DEVICE_POLL, "IIi", id, now, interval);
}

/* ---- one user's tokens ---- */

int sr_store_token_mint(sr_store *s, int64_t user_id, const char *label, const char *prefix, const char *hash,
			int64_t now, int64_t expires_at, int64_t *id)
{
	int rc = sr__run(s, Q_TOKEN_MINT, "ItttIn", user_id, label, prefix, hash, now, expires_at);
	if (!rc && id)
		*id = sr__last_id(s);
	return rc;
}

static void read_token(sr_store *s, sr__stmt *st, void *row)
{
	sr_token_row *t = row;
	t->id = sr__col_int64(st, 0);
	t->label = sr__col_text(st, 1);
	t->prefix = sr__col_text(st, 2);
	t->created_at = sr__col_int64(st, 3);
	t->last_used_at = sr__col_int64(st, 4);
	t->revoked_at = sr__col_int64(st, 5);
	t->expires_at = sr__col_int64(st, 6);
}

int sr_store_tokens_of(sr_store *s, int64_t user_id, int limit, sr_row_fn fn, void *ud)
{
	sr_token_row row;
	return sr__each(s, sr__query(s, Q_TOKENS_OF, "Ii", user_id, limit), read_token, &row, fn, ud);
}

int sr_store_token_revoke_id(sr_store *s, int64_t id, int64_t user_id, int64_t now, int *n)
{
	int rc = sr__run(s, Q_TOKEN_REVOKE_ID, "III", id, user_id, now);
	*n = rc ? 0 : (int)sr__changes(s);
	return rc;
}
