/*
 * accounts.h - the rows of accounts and sign-in (issue 13; src/auth is their one user): the
 * identities a sign-in links to an account, web sessions, local passwords, invitations, the
 * CLI's device logins and the listing and revoking of one user's tokens. Every secret is
 * handed in already hashed (SHA-256 hex); the store never sees a token, a code or a password.
 */
#ifndef SR_STORE_ACCOUNTS_H
#define SR_STORE_ACCOUNTS_H

#include <stdint.h>

#include "store/store.h"

/* ---- identities ---- */

/* The account linked to (provider, subject): *user_id, or SR_ENOTFOUND. */
int sr_store_identity_user(sr_store *s, const char *provider, const char *subject, int64_t *user_id);
/* Links (provider, subject) to an account; SR_EEXIST when it is linked already. */
int sr_store_identity_add(sr_store *s, const char *provider, const char *subject, int64_t user_id,
			  const char *login);
/* The unclaimed imported account waiting for this lower-case GitHub login (0013). */
int sr_store_user_by_claim(sr_store *s, const char *login, sr_user *out);
/* Clears the account's claim; SR_ENOTFOUND when someone claimed it first. */
int sr_store_user_claimed(sr_store *s, int64_t user_id);
int sr_store_user_set_image(sr_store *s, int64_t user_id, const char *image);

/* ---- web sessions ---- */

typedef struct sr_session_row {
	int64_t id;
	int64_t created_at, expires_at, last_seen_at;
	const char *user_agent, *ip; /* valid during the callback */
} sr_session_row;

int sr_store_session_add(sr_store *s, const char *hash, int64_t user_id, int64_t now, int64_t expires_at,
			 const char *user_agent, const char *ip, int64_t *id);
/* The session whose token hashes to hash, with its user. SR_ENOTFOUND when none. */
int sr_store_session_get(sr_store *s, const char *hash, sr_session_row *row, sr_user *user);
int sr_store_session_touch(sr_store *s, int64_t id, int64_t now);
/* Ends one session of user_id (deletes it): *n is 1, or 0 when there was none. */
int sr_store_session_end(sr_store *s, int64_t id, int64_t user_id, int *n);
/* The newest `limit` sessions of a user, rows sr_session_row. */
int sr_store_sessions_of(sr_store *s, int64_t user_id, int limit, sr_row_fn fn, void *ud);

/* ---- local passwords ---- */

/* The encoded argon2id hash into out; SR_ENOTFOUND when the account has no password. */
int sr_store_password_get(sr_store *s, int64_t user_id, char *out, size_t n);
int sr_store_password_set(sr_store *s, int64_t user_id, const char *hash, int64_t now);

/* ---- invitations ---- */

typedef struct sr_invite_row {
	int64_t id;
	int role;
	int64_t expires_at, used_at;
} sr_invite_row;

int sr_store_invite_add(sr_store *s, const char *hash, int role, const char *note, int64_t now,
			int64_t expires_at);
int sr_store_invite_get(sr_store *s, const char *hash, sr_invite_row *out);
/* Marks an invitation used by user_id; SR_EEXIST when it was used already. */
int sr_store_invite_use(sr_store *s, int64_t id, int64_t now, int64_t user_id);

/* ---- device logins ---- */

enum { SR_DEVICE_PENDING = 0, SR_DEVICE_APPROVED, SR_DEVICE_DENIED, SR_DEVICE_EXPIRED, SR_DEVICE_CONSUMED };

typedef struct sr_device_row {
	int64_t id;
	int status;
	int64_t expires_at;
	int64_t user_id; /* who approved or denied; 0 when nobody yet */
	char label[128];
	char scope[208];
	int64_t last_poll_at;
	int interval; /* seconds between polls */
	int64_t created_at;
} sr_device_row;

int sr_store_device_add(sr_store *s, const char *device_hash, const char *user_code_hash, const char *user_code,
			const char *label, const char *scope, int64_t now, int64_t expires_at, int interval);
int sr_store_device_by_hash(sr_store *s, const char *device_hash, sr_device_row *out);
/* The newest rows (at most 50) whose user code hashes to hash; *n rows into out[0..max). */
int sr_store_device_by_user_code(sr_store *s, const char *hash, sr_device_row *out, int max, int *n);
/* Moves a row from status `from` to `to` (recording who when user_id is not 0); SR_ECONFLICT
 * when it was no longer in `from`. */
int sr_store_device_set(sr_store *s, int64_t id, int from, int to, int64_t user_id);
int sr_store_device_poll(sr_store *s, int64_t id, int64_t now, int interval);

/* ---- one user's tokens ---- */

typedef struct sr_token_row {
	int64_t id;
	const char *label, *prefix; /* valid during the callback */
	int64_t created_at, last_used_at, revoked_at, expires_at;
} sr_token_row;

/* Adds a token (expires_at 0: never) and gives its id. */
int sr_store_token_mint(sr_store *s, int64_t user_id, const char *label, const char *prefix, const char *hash,
			int64_t now, int64_t expires_at, int64_t *id);
/* The newest `limit` tokens of a user, revoked ones too, rows sr_token_row. */
int sr_store_tokens_of(sr_store *s, int64_t user_id, int limit, sr_row_fn fn, void *ud);
/* Revokes token id of user_id: *n is 1, or 0 when it was not that user's or revoked already. */
int sr_store_token_revoke_id(sr_store *s, int64_t id, int64_t user_id, int64_t now, int *n);

#endif
