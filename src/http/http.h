/*
 * http.h - requests and responses as the API layer sees them, and the HTTP server.
 *
 * The server (libmicrohttpd, epoll thread pool) reads a request's body into a buffer whose
 * ceiling depends on the route, then hands one sr_req to the application's handler and sends
 * the sr_resp it fills. Every response gets the CORS header and a Server-Timing header with
 * the request's database reads; every request is logged on one line.
 */
#ifndef SR_HTTP_H
#define SR_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "http/proxy.h"
#include "store/store.h"

struct MHD_Connection;

#define SR_RESP_MAX_HEADERS 16

typedef struct sr_req {
	struct MHD_Connection *conn;
	const char *method; /* HEAD arrives as "GET" with is_head set */
	int is_head;
	const char *path;   /* percent-decoded by libmicrohttpd, without the query */
	const sr_buf *body;
	const char *route;  /* a name for logs and metrics, set by the handler */
	char client_ip[64]; /* the TCP peer, or the client a trusted proxy names (proxy.h) */
	sr_reads reads;
	/* The database pages the handler touched on this thread's connection (page-cache hits
	 * plus misses) and the misses among them, when the engine counts every page
	 * (pages_counted, sr_store_pages_complete); Server-Timing reports them. */
	int64_t pages, pages_missed;
	int pages_counted;
	sr_store *store;    /* this worker thread's connection */
	int auth_state;     /* set once by the application's first look at the token */
	int auth_done;
	sr_user auth_user;
	int64_t auth_touch_id; /* the token whose use is recorded after the handler; 0: none */
	void *deferred;     /* the handler's second call after sr_resp_defer: its job's argument */
} sr_req;

typedef struct sr_resp {
	int status;
	sr_buf body;
	/* A string literal: it outlives the response, and the response cache keeps the pointer. A
	 * type computed per request goes out as a Content-Type header (sr_resp_header copies). */
	const char *content_type;
	int nheaders;
	struct {
		char name[40];
		char value[600];
	} headers[SR_RESP_MAX_HEADERS];
	int fd;              /* >= 0: send this file's fd_size bytes instead of body */
	size_t fd_size;
	int no_store;        /* add Cache-Control: no-store (the default) */
	const char *cache;   /* "hit" or "miss" when the response cache was asked, else NULL */
	int no_cache;        /* set by a handler whose answer is degraded (a blob it could not
			      * read): correct now, but not to be kept */
	void (*defer_fn)(void *arg); /* sr_resp_defer */
	void (*defer_free)(void *arg);
	void *defer_arg;
} sr_resp;

const char *sr_req_query(const sr_req *r, const char *key);
const char *sr_req_header(const sr_req *r, const char *name);
/* The normalized form of a GET for the response cache: path, Host, and the query arguments
 * sorted, so that argument order does not split one answer into several entries. -1 when
 * the request has too many arguments to be worth caching. */
int sr_req_cache_key(const sr_req *r, sr_buf *out);

void sr_resp_header(sr_resp *resp, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A plain-text response (ClawHub's error bodies are text). */
void sr_resp_text(sr_resp *resp, int status, const char *text);
void sr_resp_textf(sr_resp *resp, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Marks the body as JSON with the given status; the caller has written body already. */
void sr_resp_json(sr_resp *resp, int status);
/* For a handler that must wait on something slow outside the server (an identity provider's
 * endpoints during a sign-in): instead of answering, it hands the wait to fn(arg). The server
 * runs fn on a thread of its own while the connection is suspended, so the worker thread and
 * its other connections go on, then calls the handler again with req->deferred == arg to
 * answer (from the worker thread, with its store). fn must not touch the store or the
 * request. The server frees arg with free_fn after that second call, or when the connection
 * ends first. Without a thread to spare, fn runs at once on the worker thread. */
void sr_resp_defer(sr_resp *resp, void (*fn)(void *arg), void (*free_fn)(void *arg), void *arg);

/* The defaults of the connection limits below. */
#define SR_HTTP_MAX_CONNECTIONS 4096
#define SR_HTTP_MAX_PER_IP 256
#define SR_HTTP_HEADER_TIMEOUT_MS 10000
#define SR_HTTP_BODY_TIMEOUT_MS 30000
#define SR_HTTP_BODY_MIN_RATE 1024 /* bytes a second, after a grace of the body timeout */
#define SR_HTTP_IDLE_TIMEOUT_MS 120000 /* a kept-alive connection between requests */

/* What the application allows a request's body, decided when its headers have arrived and
 * before any of the body is read (sr_http_app.body_limit). */
typedef struct sr_body_grant {
	size_t limit;   /* the most the body may hold */
	int64_t user;   /* the user whose bytes in flight it counts against (a token valid when
			 * the headers arrived); 0: the client address's */
	/* The answer to a body past limit: 0 for the server's 413, else this status and text
	 * (a large body without a valid token gets the API's 401 or 503). */
	int refuse_status;
	const char *refuse_text; /* a string that outlives the request */
} sr_body_grant;

#define SR_HTTP_INFLIGHT_MB 512          /* body bytes held by all connections */
#define SR_HTTP_INFLIGHT_PER_USER_MB 128 /* ... by one user's connections */

/* The application: decides a body ceiling before the body is read, then handles. */
typedef struct sr_http_app {
	/* req has its connection, method, path, client address and store; no body. A token it
	 * looks up (sr_req_auth) is the request's from then on: the handler sees the same. */
	void (*body_limit)(void *ud, sr_req *req, sr_body_grant *grant);
	void (*handle)(void *ud, sr_req *req, sr_resp *resp);
	sr_store *(*thread_store)(void *ud);
	void *ud;
	sr_reads limits; /* the ceilings every request starts with */
	int access_log;  /* log one line per request */
	/* Connections (src/http/conns.h); 0 takes the default. */
	int max_connections;   /* the global cap; at it the slowest in their headers are shed */
	int max_per_ip;        /* connections from one client address */
	int header_timeout_ms; /* request line and headers complete, from accept or request line */
	int body_timeout_ms;   /* the longest wait for the next chunk of a body */
	int body_min_rate;     /* bytes a second a body must average after body_timeout_ms; -1:
				* the default, 0: no minimum */
	/* Peers whose X-Forwarded-For / X-Real-IP name the client (proxy.h); borrowed, and
	 * outliving the server. None: the client is the TCP peer. */
	const sr_http_cidr *trusted_proxies;
	int ntrusted_proxies;
	/* Request bodies in memory (0 takes the default, SR_HTTP_INFLIGHT_*): all connections
	 * together, and one user's. Bodies not counted against a user (no valid token) share a
	 * quarter of the whole, and one client address at most a thirty-second of it. */
	int inflight_mb, inflight_per_user_mb;
} sr_http_app;

typedef struct sr_http_server sr_http_server;

/* host is an IPv4 address or "localhost"; threads 0 picks the number of cores. */
int sr_http_start(const char *host, int port, int threads, const sr_http_app *app,
		  sr_http_server **out);
int sr_http_port(const sr_http_server *s);
void sr_http_stop(sr_http_server *s);

#endif
