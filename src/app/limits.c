/*
 * limits.c - the rate-limit policy (api-v1 section 4): which bucket an API request is counted
 * in, how many requests a minute that bucket allows, and the headers and 429 that say so.
 * The counting itself is http/ratelimit.c's.
 */
#include <stdio.h>
#include <string.h>

#include "app/internal.h"
#include "core/util.h"
#include "http/ratelimit.h"

enum { RL_READ, RL_WRITE, RL_DOWNLOAD };

static const int64_t rl_limits[3][3] = {
	/* anonymous, token, admin token, per minute */
	[RL_READ] = {3000, 12000, 120000},
	[RL_WRITE] = {300, 3000, 30000},
	[RL_DOWNLOAD] = {1200, 6000, 60000},
};

/* Counts the request once. A valid token charges only its user's bucket, anything else the
 * client address's. */
int sr__app_rate_limit(sr_app *app, sr_req *req, sr_resp *resp)
{
	static const char *const names[] = {"read", "write", "download"};
	int cls = RL_READ;
	if (strcmp(req->path, "/api/v1/download") == 0 || strcmp(req->path, "/api/download") == 0)
		cls = RL_DOWNLOAD;
	else if (strcmp(req->method, "GET") != 0)
		cls = RL_WRITE;
	sr_user u;
	int who = 0;
	char key[128];
	if (sr_req_auth(req, &u) == SR_AUTH_OK) {
		who = u.role == SR_ROLE_ADMIN ? 2 : 1;
		snprintf(key, sizeof(key), "%s:u:%lld", names[cls], (long long)u.id);
	} else {
		snprintf(key, sizeof(key), "%s:ip:%s", names[cls], req->client_ip);
	}
	int64_t now = sr_now_ms();
	sr_rate_result r;
	sr_ratelimit_hit(app->ratelimit, key, rl_limits[cls][who], now, &r);
	int64_t left = r.reset_epoch_s - now / 1000;
	if (left < 1)
		left = 1;
	sr_resp_header(resp, "X-RateLimit-Limit", "%lld", (long long)r.limit);
	sr_resp_header(resp, "X-RateLimit-Reset", "%lld", (long long)r.reset_epoch_s);
	sr_resp_header(resp, "RateLimit-Limit", "%lld", (long long)r.limit);
	sr_resp_header(resp, "RateLimit-Reset", "%lld", (long long)left);
	if (r.allowed)
		return 0;
	req->route = "rate-limited";
	sr_resp_header(resp, "X-RateLimit-Remaining", "0");
	sr_resp_header(resp, "RateLimit-Remaining", "0");
	sr_resp_header(resp, "Retry-After", "%lld", (long long)left);
	sr_resp_text(resp, 429, "Rate limit exceeded");
	return -1;
}
