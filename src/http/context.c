/*
 * context.c - the request facts both faces read; see context.h.
 */
#include "http/context.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/log.h"
#include "core/util.h"

static int auth_uncached(sr_req *req, sr_user *user);

int sr_req_auth(sr_req *req, sr_user *user)
{
	if (!req->auth_done) {
		req->auth_state = auth_uncached(req, &req->auth_user);
		req->auth_done = 1;
	}
	*user = req->auth_user;
	return req->auth_state;
}

static int auth_uncached(sr_req *req, sr_user *user)
{
	memset(user, 0, sizeof(*user));
	const char *h = sr_req_header(req, "Authorization");
	if (!h)
		return SR_AUTH_NONE;
	while (isspace((unsigned char)*h))
		h++;
	if (strncasecmp(h, "bearer", 6) != 0 || !isspace((unsigned char)h[6]))
		return SR_AUTH_INVALID;
	h += 6;
	char *tok = sr_trim_dup(h, strlen(h));
	if (!tok)
		return SR_AUTH_INVALID;
	if (!tok[0]) {
		free(tok);
		return SR_AUTH_NONE;
	}
	char hash[65];
	sr_sha256_hex(tok, strlen(tok), hash);
	free(tok);
	/* A token revoked on this node, or past its expiry, is refused by the next request; on
	 * another node, once the revocation's notification has reached it (on PostgreSQL the
	 * store answers good tokens it knows from memory: store/token_memo.c). */
	sr_token_state ts = {0};
	int rc = sr_store_token_lookup(req->store, hash, user, &ts);
	if (rc == SR_EUNAVAIL)
		return SR_AUTH_UNAVAIL;
	if (rc || ts.revoked)
		return SR_AUTH_INVALID;
	if (user->deactivated_at)
		return SR_AUTH_BANNED;
	if (sr_now_ms() - ts.last_used_at >= SR_TOKEN_USE_EVERY_MS)
		req->auth_touch_id = ts.id;
	return SR_AUTH_OK;
}

void sr_req_auth_record_use(sr_req *req)
{
	if (!req->auth_touch_id || !req->store)
		return;
	int64_t now = sr_now_ms();
	if (sr_store_token_touch(req->store, req->auth_touch_id, now, now - SR_TOKEN_USE_EVERY_MS))
		sr_log_error("http: cannot record the use of token %lld", (long long)req->auth_touch_id);
	req->auth_touch_id = 0;
}

long sr_req_query_long(const sr_req *req, const char *key, long def)
{
	const char *v = sr_req_query(req, key);
	if (!v || !v[0])
		return def;
	char *end;
	long n = strtol(v, &end, 10);
	while (*end && isspace((unsigned char)*end))
		end++;
	return *end ? def : n;
}

void sr_app_origin(const sr_app *app, const sr_req *req, char *out, size_t n)
{
	if (app->public_url[0]) {
		snprintf(out, n, "%s", app->public_url);
		return;
	}
	const char *host = sr_req_header(req, "Host");
	int ok = host && host[0] && strlen(host) < 200;
	for (const char *p = host; ok && *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".-:[]", *p))
			ok = 0;
	snprintf(out, n, "http://%s", ok ? host : "127.0.0.1");
}
