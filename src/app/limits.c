/*
 * limits.c - the rate-limit policy (api-v1 section 4): which bucket a request is counted in,
 * how many requests a minute that bucket allows, and the headers and 429 that say so. The
 * counting itself (a sliding window, not ClawHub's fixed minute) is http/ratelimit.c's.
 *
 * Every request but a CORS preflight is counted once, before it is routed: the API as on
 * ClawHub, and also the web pages (a GET is a read, a form's POST a write) and the operator's
 * probes. /healthz and /metrics have a bucket of their own per client address (`probe`), so
 * a load balancer's health checks are never refused because the same address (a proxy in
 * front, a shared NAT) spent its read bucket on pages, and a flood of them is still bounded.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "app/internal.h"
#include "core/util.h"
#include "http/ratelimit.h"

enum { RL_READ, RL_WRITE, RL_DOWNLOAD, RL_PROBE };

static const int64_t rl_limits[4][3] = {
	/* anonymous, token, admin token, per minute */
	[RL_READ] = {3000, 12000, 120000},
	[RL_WRITE] = {300, 3000, 30000},
	[RL_DOWNLOAD] = {1200, 6000, 60000},
	/* Probes are counted per address only: 100 a second is far above any prober's rate. */
	[RL_PROBE] = {6000, 6000, 6000},
};

static int rl_class(const sr_req *req)
{
	const char *p = req->path;
	if (strcmp(p, "/healthz") == 0 || strcmp(p, "/metrics") == 0)
		return RL_PROBE;
	if (strcmp(p, "/api/v1/download") == 0 || strcmp(p, "/api/download") == 0)
		return RL_DOWNLOAD;
	/* HEAD arrives as GET. */
	return strcmp(req->method, "GET") == 0 ? RL_READ : RL_WRITE;
}

/* The address part of an anonymous key. An IPv6 client is counted by its /64, the block one
 * host is normally given: counting each address would hand anyone with a block 2^64
 * buckets. An IPv4 address, mapped into IPv6 or not, is counted alone. */
static void address_key(const char *ip, char *out, size_t n)
{
	struct in6_addr a;
	if (strchr(ip, ':') && inet_pton(AF_INET6, ip, &a) == 1 && !IN6_IS_ADDR_V4MAPPED(&a)) {
		memset(a.s6_addr + 8, 0, 8);
		char text[INET6_ADDRSTRLEN];
		if (inet_ntop(AF_INET6, &a, text, sizeof(text))) {
			snprintf(out, n, "%s/64", text);
			return;
		}
	}
	snprintf(out, n, "%s", ip);
}

/* Counts the request once. A valid token charges only its user's bucket, anything else the
 * client address's; probes always the address's. */
int sr__app_rate_limit(sr_app *app, sr_req *req, sr_resp *resp)
{
	static const char *const names[] = {"read", "write", "download", "probe"};
	int cls = rl_class(req);
	sr_user u;
	int who = 0;
	char key[160], addr[80];
	if (cls != RL_PROBE && sr_req_auth(req, &u) == SR_AUTH_OK) {
		who = u.role == SR_ROLE_ADMIN ? 2 : 1;
		snprintf(key, sizeof(key), "%s:u:%lld", names[cls], (long long)u.id);
	} else {
		address_key(req->client_ip, addr, sizeof(addr));
		snprintf(key, sizeof(key), "%s:ip:%s", names[cls], addr);
	}
	int64_t now = sr_now_ms();
	sr_rate_result r;
	sr_ratelimit_hit(app->ratelimit, key, rl_limits[cls][who], now, &r);
	/* Seconds until then, rounded up, at least 1 (ClawHub's RateLimit-Reset). */
	int64_t left = (r.reset_epoch_s * 1000 - now + 999) / 1000;
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
