/*
 * context.h - the application context and the request facts both faces of the server read.
 *
 * The JSON API (src/api) and the web pages (src/web) answer requests over the same data
 * directory, blob store, response cache and rate limiter; sr_app holds those, one per server.
 * The front controller (src/app) hands it to whichever face a path belongs to. What both
 * faces ask of a request beyond http.h (an integer query parameter, the caller behind a
 * bearer token, the origin the client sees) is here too, so neither includes the other.
 *
 * The context names the modules above the store by forward-declared struct pointers only:
 * this layer includes nothing above the store.
 */
#ifndef SR_HTTP_CONTEXT_H
#define SR_HTTP_CONTEXT_H

#include <stddef.h>

#include "http/http.h"
#include "store/store.h"

struct sr_blobs;
struct sr_ratelimit;
struct sr_seen;
struct sr_cache;
struct sr_scan_worker;
struct sr_idp;
struct sr_regerr;

typedef struct sr_app {
	char data_dir[2048];
	char db_path[2200];
	char public_url[512]; /* "" = from the request's Host header */
	struct sr_blobs *blobs;
	struct sr_ratelimit *ratelimit; /* NULL: no rate limits */
	struct sr_seen *downloads_seen;  /* downloads already counted today, to skip the write */
	struct sr_cache *cache;          /* answers to anonymous public GETs; NULL: none */
	struct sr_scan_worker *scan_worker; /* woken by publishes and rescans; NULL: none */
	struct sr_idp **idps; /* the sign-in providers (auth/idp.h): GitHub, OpenID Connect */
	int nidps;
	int no_local_signin; /* local accounts (passwords, invitations) are off (--no-local-signin) */
	/* The API's status and words for a domain refusal (api.h's sr_api_refusal), for the web
	 * pages that show a client's words (the upload form); NULL: none. The front face that
	 * owns the words sits beside the web, which may not include it, so serve hands it over. */
	int (*refusal_text)(struct sr_app *app, const sr_req *req, struct sr_regerr *err, char *text, size_t n);
	/* The bearer token GET /metrics asks for (--metrics-token-file); NULL: /metrics is
	 * refused to everyone, since what it tells is the operator's. */
	const char *metrics_token;
	int64_t upload_quota_bytes; /* a user's unpublished upload tickets, in bytes (--upload-quota-mb) */
} sr_app;

/* What a request's Authorization header says about its caller. */
/* SR_AUTH_UNAVAIL: the token could not be checked because the database does not answer. */
enum { SR_AUTH_NONE = 0, SR_AUTH_OK, SR_AUTH_INVALID, SR_AUTH_BANNED, SR_AUTH_UNAVAIL };

/* Reads the bearer token and looks it up, once per request (the rate limiter and the handler
 * share the answer). *user is the token's user when SR_AUTH_OK is returned. */
int sr_req_auth(sr_req *req, sr_user *user);

/* A token's last use is a hint for its owner's tokens page, recorded at most once this often:
 * a request whose token was last recorded longer ago than this writes its row once. */
#define SR_TOKEN_USE_EVERY_MS (5 * 60 * 1000)

/* Records the use of the request's token when sr_req_auth found its recorded one stale. The
 * server calls it once the answer is computed, outside the request's read snapshot; a
 * failure is logged, never the request's. */
void sr_req_auth_record_use(sr_req *req);

/* An optional integer query parameter; def when absent or not a number. */
long sr_req_query_long(const sr_req *req, const char *key, long def);

/* The absolute origin of this server as the client sees it ("http://host:port"): the
 * configured public URL, else the request's Host header when it looks like a host name. */
void sr_app_origin(const sr_app *app, const sr_req *req, char *out, size_t n);

#endif
