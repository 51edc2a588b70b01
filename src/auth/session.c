/*
 * session.c - web sessions and CSRF tokens; see session.h.
 */
#include "auth/session.h"

#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/util.h"
#include "store/accounts.h"

/* last_seen_at is a hint for the sessions page, not worth a write on every request. */
#define TOUCH_EVERY_MS 60000

int sr_session_random(char *out)
{
	unsigned char rnd[32];
	if (sr_random_bytes(rnd, sizeof(rnd)))
		return SR_EIO;
	sr_b64url_encode(rnd, sizeof(rnd), out);
	return 0;
}

int sr_session_start(sr_store *s, int64_t user_id, const char *user_agent, const char *ip, char *token,
		     int64_t *expires_at)
{
	int rc = sr_session_random(token);
	if (rc)
		return rc;
	char hash[65], ua[256];
	sr_sha256_hex(token, strlen(token), hash);
	snprintf(ua, sizeof(ua), "%s", user_agent ? user_agent : "");
	int64_t now = sr_now_ms();
	*expires_at = now + SR_SESSION_TTL_MS;
	return sr_store_session_add(s, hash, user_id, now, *expires_at, ua, ip, NULL);
}

int sr_session_find(sr_store *s, const char *token, sr_session *out)
{
	if (!token || strlen(token) != SR_SESSION_TOKEN_LEN)
		return SR_ENOTFOUND;
	char hash[65];
	sr_sha256_hex(token, strlen(token), hash);
	sr_session_row row;
	int rc = sr_store_session_get(s, hash, &row, &out->user);
	if (rc)
		return rc;
	int64_t now = sr_now_ms();
	if (row.expires_at <= now)
		return SR_ENOTFOUND;
	if (out->user.deactivated_at)
		return SR_EPERM;
	out->id = row.id;
	out->expires_at = row.expires_at;
	if (now - row.last_seen_at >= TOUCH_EVERY_MS)
		sr_store_session_touch(s, row.id, now);
	return 0;
}

int sr_session_end_token(sr_store *s, const char *token)
{
	sr_session cur;
	int rc = sr_session_find(s, token, &cur);
	if (rc == SR_ENOTFOUND || rc == SR_EPERM)
		return 0;
	int n;
	return rc ? rc : sr_store_session_end(s, cur.id, cur.user.id, &n);
}

void sr_csrf_of(const char *secret, char out[65])
{
	char buf[128];
	int n = snprintf(buf, sizeof(buf), "skillreg-csrf:%s", secret);
	sr_sha256_hex(buf, (size_t)n, out);
}

int sr_auth_equal(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	unsigned char d = na != nb;
	for (size_t i = 0; i < na && i < nb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}
