/*
 * server.c - the libmicrohttpd glue; see http.h.
 */
#include "http/http.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "core/err.h"
#include "core/log.h"
#include "core/util.h"
#include "http/conns.h"
#include "http/context.h"
#include "http/inflight.h"
#include "http/metrics.h"

/* Deferred jobs (sr_resp_defer) running at once; past it a job runs on its worker thread. */
#define SR_HTTP_MAX_JOBS 64

struct sr_http_server {
	struct MHD_Daemon *d;
	sr__conns *conns;
	sr__inflight *inflight;
	sr_http_app app;
	int port;
	_Atomic int jobs; /* deferred jobs running (sr_http_stop waits for them) */
};

/* Per-connection state while a request's body arrives. */
struct pending {
	sr_buf body;
	sr_body_grant grant;
	char addr[64];   /* the client address its bytes are charged to without a user */
	size_t held;     /* bytes charged to its owner (sr__inflight) */
	int too_big;
	int busy;        /* SR_INFLIGHT_*: its owner or the shared room had no room for it */
	const char *bad_framing; /* why the request's framing is refused, or NULL */
	int64_t start_ns;
	/* The token as it was looked up when the headers arrived, for the handler. */
	int auth_done, auth_state;
	sr_user auth_user;
	int64_t auth_touch_id;
	sr_reads auth_reads; /* what that lookup read, counted in the request's reads */
	/* A deferred job's argument once its job ran (or runs), and how to free it. */
	void *deferred;
	void (*deferred_free)(void *arg);
};

const char *sr_req_query(const sr_req *r, const char *key)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *sr_req_header(const sr_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

#define KEY_ARGS_MAX 32

struct key_args {
	int n, overflow;
	const char *k[KEY_ARGS_MAX], *v[KEY_ARGS_MAX];
};

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	struct key_args *a = cls;
	if (a->n == KEY_ARGS_MAX) {
		a->overflow = 1;
		return MHD_NO;
	}
	a->k[a->n] = key;
	a->v[a->n] = value;
	a->n++;
	return MHD_YES;
}

/* Orders by key only. The sort is stable, so a repeated key keeps its values in the order
 * they came: handlers read the first one, and ?q=a&q=b must not share an entry with
 * ?q=b&q=a. */
static int arg_cmp(const struct key_args *a, int i, int j)
{
	return strcmp(a->k[i], a->k[j]);
}

int sr_req_cache_key(const sr_req *r, sr_buf *out)
{
	struct key_args a = {0};
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, collect_arg, &a);
	if (a.overflow)
		return -1;
	/* Insertion sort: a handful of arguments. */
	for (int i = 1; i < a.n; i++)
		for (int j = i; j > 0 && arg_cmp(&a, j - 1, j) > 0; j--) {
			const char *k = a.k[j], *v = a.v[j];
			a.k[j] = a.k[j - 1];
			a.v[j] = a.v[j - 1];
			a.k[j - 1] = k;
			a.v[j - 1] = v;
		}
	const char *host = sr_req_header(r, "Host");
	/* NUL separates the parts: no decoded path, header or argument can forge a boundary
	 * in a way that makes two different requests produce the same key, since each part's
	 * length is implied by its terminator and the count of parts is fixed per argument. */
	sr_buf_reset(out);
	int rc = sr_buf_append(out, r->path, strlen(r->path) + 1);
	rc |= sr_buf_append(out, host ? host : "", strlen(host ? host : "") + 1);
	for (int i = 0; i < a.n; i++) {
		rc |= sr_buf_append(out, a.k[i], strlen(a.k[i]) + 1);
		if (a.v[i])
			rc |= sr_buf_putc(out, '=') | sr_buf_append(out, a.v[i], strlen(a.v[i]) + 1);
		else
			rc |= sr_buf_putc(out, '!');
	}
	return rc ? -1 : 0;
}

void sr_resp_header(sr_resp *resp, const char *name, const char *fmt, ...)
{
	if (resp->nheaders >= SR_RESP_MAX_HEADERS)
		return;
	int i = resp->nheaders++;
	snprintf(resp->headers[i].name, sizeof(resp->headers[i].name), "%s", name);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(resp->headers[i].value, sizeof(resp->headers[i].value), fmt, ap);
	va_end(ap);
	/* A header value must not carry a line break, whatever went into it. */
	for (char *p = resp->headers[i].value; *p; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
}

void sr_resp_text(sr_resp *resp, int status, const char *text)
{
	sr_buf_reset(&resp->body);
	sr_buf_puts(&resp->body, text);
	resp->status = status;
	resp->content_type = "text/plain; charset=utf-8";
}

void sr_resp_textf(sr_resp *resp, int status, const char *fmt, ...)
{
	sr_buf_reset(&resp->body);
	va_list ap;
	va_start(ap, fmt);
	sr_buf_vprintf(&resp->body, fmt, ap);
	va_end(ap);
	resp->status = status;
	resp->content_type = "text/plain; charset=utf-8";
}

void sr_resp_json(sr_resp *resp, int status)
{
	resp->status = status;
	resp->content_type = "application/json";
}

void sr_resp_defer(sr_resp *resp, void (*fn)(void *arg), void (*free_fn)(void *arg), void *arg)
{
	resp->defer_fn = fn;
	resp->defer_free = free_fn;
	resp->defer_arg = arg;
}

/* ---- deferred jobs (sr_resp_defer) ---- */

struct job {
	sr_http_server *srv;
	struct MHD_Connection *c;
	void (*fn)(void *arg);
	void *arg;
};

static void *job_main(void *arg)
{
	struct job *j = arg;
	j->fn(j->arg);
	/* libmicrohttpd calls the handler again for this connection on its worker thread. */
	MHD_resume_connection(j->c);
	atomic_fetch_sub(&j->srv->jobs, 1);
	free(j);
	return NULL;
}

/* Takes over the handler's deferred job: p keeps its argument for the second call. Suspends
 * the connection and starts the job on a thread of its own (0), or, with no thread to spare,
 * runs it here (1): then the caller calls the handler again at once. */
static int defer_job(sr_http_server *srv, struct MHD_Connection *c, struct pending *p, const sr_resp *resp)
{
	p->deferred = resp->defer_arg;
	p->deferred_free = resp->defer_free;
	struct job *j = NULL;
	if (atomic_fetch_add(&srv->jobs, 1) < SR_HTTP_MAX_JOBS && (j = malloc(sizeof(*j)))) {
		*j = (struct job){srv, c, resp->defer_fn, resp->defer_arg};
		pthread_attr_t attr;
		pthread_t t;
		int started = pthread_attr_init(&attr) == 0;
		if (started) {
			pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
			MHD_suspend_connection(c);
			started = pthread_create(&t, &attr, job_main, j) == 0;
			pthread_attr_destroy(&attr);
			if (started)
				return 0;
			MHD_resume_connection(c);
		}
	}
	atomic_fetch_sub(&srv->jobs, 1);
	free(j);
	resp->defer_fn(resp->defer_arg);
	return 1;
}

/* Frees a deferred job's argument once its handler has answered, or its connection ended. */
static void deferred_done(struct pending *p)
{
	if (p->deferred && p->deferred_free)
		p->deferred_free(p->deferred);
	p->deferred = NULL;
	p->deferred_free = NULL;
}

struct forwarded {
	const char *v[SR_HTTP_MAX_FORWARDED];
	int n;
};

/* Every X-Forwarded-For header in order (a proxy may add a header rather than append to
 * one); past the ceiling, the right-most ones. */
static enum MHD_Result take_forwarded(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct forwarded *f = cls;
	if (strcasecmp(key, "X-Forwarded-For") != 0 || !value)
		return MHD_YES;
	if (f->n == SR_HTTP_MAX_FORWARDED) {
		memmove(f->v, f->v + 1, sizeof(f->v[0]) * (SR_HTTP_MAX_FORWARDED - 1));
		f->n--;
	}
	f->v[f->n++] = value;
	return MHD_YES;
}

/* The TCP peer, or, from a trusted proxy, the client it names (proxy.h). */
static void client_ip(const sr_http_app *app, struct MHD_Connection *c, char *out, size_t n)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	out[0] = '\0';
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, (socklen_t)n);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, (socklen_t)n);
	if (app->ntrusted_proxies <= 0 || !sr__proxy_trusted(app->trusted_proxies, app->ntrusted_proxies, out,
							      strlen(out)))
		return;
	struct forwarded f = {.n = 0};
	MHD_get_connection_values(c, MHD_HEADER_KIND, take_forwarded, &f);
	char peer[64];
	snprintf(peer, sizeof(peer), "%s", out);
	sr__proxy_client(app->trusted_proxies, app->ntrusted_proxies, peer, f.v, f.n,
			 MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Real-IP"), out, n);
}

/* The path as the access log shows it: a segment that is a secret (the one-time token of an
 * invitation, /invite/TOKEN) is written as "-", so the log never holds a way in. */
static const char *logged_path(const char *path, char *out, size_t n)
{
	static const char invite[] = "/invite/";
	if (strncmp(path, invite, sizeof(invite) - 1) != 0 || !path[sizeof(invite) - 1])
		return path;
	snprintf(out, n, "%s-", invite);
	return out;
}

static enum MHD_Result send_resp(const sr_http_app *app, struct MHD_Connection *c, sr_req *req,
				 sr_resp *resp, int64_t start_ns)
{
	struct MHD_Response *r;
	size_t body_len = resp->body.len;
	if (resp->fd >= 0) {
		r = MHD_create_response_from_fd(resp->fd_size, resp->fd);
		if (r)
			resp->fd = -1; /* libmicrohttpd closes it now; on failure the caller does */
		body_len = resp->fd_size;
	} else {
		size_t len;
		char *data = sr_buf_steal(&resp->body, &len);
		r = MHD_create_response_from_buffer_with_free_callback(len, data, free);
		if (!r)
			free(data);
	}
	if (!r)
		return MHD_NO;
	if (resp->content_type)
		MHD_add_response_header(r, "Content-Type", resp->content_type);
	MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
	if (resp->no_store)
		MHD_add_response_header(r, "Cache-Control", "no-store");
	for (int i = 0; i < resp->nheaders; i++)
		MHD_add_response_header(r, resp->headers[i].name, resp->headers[i].value);
	/* Pages only where the engine counts every page it reads: a figure that silently misses
	 * the memory-mapped pages would read as a cheap request (sr_store_pages_complete). */
	char pages[96] = "";
	if (req->pages_counted)
		snprintf(pages, sizeof(pages), ", pages;desc=\"%" PRId64 "\", pagemiss;desc=\"%" PRId64 "\"",
			 req->pages, req->pages_missed);
	/* Round trips where the database is a server (PostgreSQL) and the request made any, and
	 * how many of them prepared a statement (a connection's first run of it). */
	char trips[80] = "";
	if (req->reads.trips)
		snprintf(trips, sizeof(trips), ", trips;desc=\"%" PRId64 "\"", req->reads.trips);
	if (req->reads.prepares)
		snprintf(trips + strlen(trips), sizeof(trips) - strlen(trips), ", prepares;desc=\"%" PRId64 "\"",
			 req->reads.prepares);
	char timing[340];
	snprintf(timing, sizeof(timing),
		 "db;dur=%.3f, rows;desc=\"%" PRId64 "\", bytes;desc=\"%" PRId64 "\", stmts;desc=\"%" PRId64 "\"%s%s%s%s%s",
		 (double)req->reads.db_ns / 1e6, req->reads.rows, req->reads.bytes, req->reads.ranges, trips, pages,
		 resp->cache ? ", cache;desc=\"" : "", resp->cache ? resp->cache : "", resp->cache ? "\"" : "");
	MHD_add_response_header(r, "Server-Timing", timing);
	enum MHD_Result ok = MHD_queue_response(c, (unsigned)resp->status, r);
	MHD_destroy_response(r);
	int64_t dur = sr_mono_ns() - start_ns;
	sr_metrics_request(req->route ? req->route : "-", resp->status, dur, &req->reads);
	if (!app->access_log)
		return ok;
	double ms = (double)dur / 1e6;
	char shown[32];
	/* The round trips past preparing statements, as Server-Timing's trips less its prepares. */
	char waits[40] = "";
	if (req->reads.trips)
		snprintf(waits, sizeof(waits), " trips=%" PRId64, req->reads.trips - req->reads.prepares);
	sr_log_info("%s %s %d %.2fms rows=%" PRId64 " bytes=%" PRId64 " out=%zu route=%s%s",
		    req->is_head ? "HEAD" : req->method, logged_path(req->path, shown, sizeof(shown)), resp->status, ms,
		    req->reads.rows, req->reads.bytes, body_len, req->route ? req->route : "-", waits);
	return ok;
}

struct framing {
	int content_length, transfer_encoding;
	const char *te; /* the first Transfer-Encoding value */
};

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct framing *f = cls;
	if (strcasecmp(key, "Content-Length") == 0)
		f->content_length++;
	else if (strcasecmp(key, "Transfer-Encoding") == 0 && f->transfer_encoding++ == 0)
		f->te = value ? value : "";
	return MHD_YES;
}

/* Why the request's body framing is ambiguous, or NULL when it is not. libmicrohttpd 0.9.75
 * reads the first of two Content-Length headers and lets Transfer-Encoding win over
 * Content-Length; a proxy in front may read the same bytes the other way, and what one of
 * them takes for body the other serves as the next request (request smuggling). All headers
 * have arrived at the first call of the handler, so they are checked there, once. */
static const char *framing_error(struct MHD_Connection *c)
{
	struct framing f = {0};
	MHD_get_connection_values(c, MHD_HEADER_KIND, count_framing, &f);
	if (f.content_length > 1)
		return "more than one Content-Length header";
	if (f.transfer_encoding > 1)
		return "more than one Transfer-Encoding header";
	if (f.content_length && f.transfer_encoding)
		return "Content-Length together with Transfer-Encoding";
	if (f.transfer_encoding && strcasecmp(f.te, "chunked") != 0)
		return "a Transfer-Encoding other than chunked";
	return NULL;
}

static void req_init(sr_req *req, const sr_http_server *srv, struct MHD_Connection *c, const char *url,
		     const char *method, const struct pending *p);

/* The state of a request whose first call has come. The application grants its body a
 * ceiling and an owner from the route and the caller (a large body needs a token that is
 * valid now); a body announced as too big is refused before any of it is read, and an
 * announced length is charged to its owner at once, so a client cannot announce more than
 * its room and then hold it. Returns NULL when out of memory. */
static struct pending *pending_new(sr_http_server *srv, struct MHD_Connection *c, const char *url,
				   const char *method)
{
	struct pending *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->start_ns = sr_mono_ns();
	p->bad_framing = framing_error(c);
	if (p->bad_framing)
		return p;
	sr_req req;
	req_init(&req, srv, c, url, method, p);
	/* The token's lookup here is the request's read (its Server-Timing counts it). */
	if (req.store)
		sr_store_set_reads(req.store, &req.reads);
	srv->app.body_limit(srv->app.ud, &req, &p->grant);
	if (req.store)
		sr_store_set_reads(req.store, NULL);
	p->auth_done = req.auth_done;
	p->auth_state = req.auth_state;
	p->auth_user = req.auth_user;
	p->auth_touch_id = req.auth_touch_id;
	p->auth_reads = req.reads;
	snprintf(p->addr, sizeof(p->addr), "%s", req.client_ip);
	sr_buf_init(&p->body, p->grant.limit);
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
	unsigned long long announced = cl ? strtoull(cl, NULL, 10) : 0;
	if (announced > p->grant.limit) {
		p->too_big = 1;
	} else if (announced) {
		p->busy = sr__inflight_take(srv->inflight, p->grant.user, p->addr, (size_t)announced);
		if (!p->busy)
			p->held = (size_t)announced;
	}
	return p;
}

/* Keeps a chunk of the body. Every chunk is consumed, also after the body turned out too
 * big, so the answer goes out once the request is complete. Bytes past what was charged when
 * the headers came (a chunked body) are charged as they arrive. */
static void pending_take(sr_http_server *srv, struct pending *p, const char *data, size_t n)
{
	if (p->too_big || p->busy)
		return;
	size_t need = p->body.len + n > p->held ? p->body.len + n - p->held : 0;
	if (need && p->body.len + n <= p->grant.limit) {
		p->busy = sr__inflight_take(srv->inflight, p->grant.user, p->addr, need);
		if (p->busy)
			return;
		p->held += need;
	}
	if (sr_buf_append(&p->body, data, n))
		p->too_big = 1;
}

/* The answer to a body that was not read: too big for its grant, or no room for it. */
static void refuse_body(const sr_http_server *srv, const struct pending *p, sr_req *req, sr_resp *resp)
{
	if (p->too_big) {
		req->route = "body-too-large";
		if (p->grant.refuse_status)
			sr_resp_text(resp, p->grant.refuse_status, p->grant.refuse_text);
		else
			sr_resp_text(resp, 413, "Request body too large");
		return;
	}
	req->route = "body-no-room";
	sr_resp_header(resp, "Retry-After", "5");
	if (p->busy == SR_INFLIGHT_OWNER_FULL)
		sr_resp_textf(resp, 429,
			      "Too many request bodies in flight from this %s: at most %zu MiB at once. Try again "
			      "when the others are done.",
			      p->grant.user > 0 ? "account" : "address",
			      sr__inflight_owner_max(srv->inflight, p->grant.user) >> 20);
	else
		sr_resp_text(resp, 503, "Service busy: too many request bodies in flight. Try again shortly.");
}

static void req_init(sr_req *req, const sr_http_server *srv, struct MHD_Connection *c, const char *url,
		     const char *method, const struct pending *p)
{
	memset(req, 0, sizeof(*req));
	req->conn = c;
	req->is_head = strcmp(method, "HEAD") == 0;
	req->method = req->is_head ? "GET" : method;
	req->path = url;
	req->deferred = p ? p->deferred : NULL;
	req->body = &p->body;
	req->reads = srv->app.limits;
	req->reads.rows = req->reads.bytes = req->reads.ranges = req->reads.db_ns = req->reads.trips = 0;
	req->reads.prepares = 0;
	req->reads.exceeded = 0;
	client_ip(&srv->app, c, req->client_ip, sizeof(req->client_ip));
	req->store = srv->app.thread_store(srv->app.ud);
	if (p->auth_done) {
		req->auth_done = 1;
		req->auth_state = p->auth_state;
		req->auth_user = p->auth_user;
		req->auth_touch_id = p->auth_touch_id;
		sr_reads_add(&req->reads, &p->auth_reads);
	}
}

static void resp_init(sr_resp *resp)
{
	/* Only the header count needs clearing; the header slots are 10 KB this request may
	 * never touch. */
	resp->status = 0;
	resp->content_type = NULL;
	resp->nheaders = 0;
	resp->fd_size = 0;
	resp->fd = -1;
	resp->no_store = 1;
	resp->cache = NULL;
	resp->no_cache = 0;
	resp->defer_fn = NULL;
	resp->defer_free = NULL;
	resp->defer_arg = NULL;
	sr_buf_init(&resp->body, 64u << 20);
	/* Most responses fit in 16 KB: reserve it once instead of doubling up from 256 bytes. */
	sr_buf_reserve(&resp->body, 16384);
}

/* Whatever the handler made of a read that hit its limit, the client learns which limit
 * ended the request and by how much. */
static void read_limit_answer(const sr_req *req, sr_resp *resp)
{
	const sr_reads *r = &req->reads;
	const char *what = req->route ? req->route : req->path;
	if (resp->fd >= 0) {
		close(resp->fd);
		resp->fd = -1;
	}
	if (r->exceeded == 'r')
		sr_resp_textf(resp, 500, "Read limit exceeded on %s %s: %" PRId64 " rows read (limit %" PRId64 ")",
			      req->method, what, r->rows, r->max_rows);
	else if (r->exceeded == 'b')
		sr_resp_textf(resp, 500, "Read limit exceeded on %s %s: %" PRId64 " bytes read (limit %" PRId64 ")",
			      req->method, what, r->bytes, r->max_bytes);
	else
		sr_resp_textf(resp, 500, "Read limit exceeded on %s %s: %" PRId64 " index ranges (limit %" PRId64 ")",
			      req->method, what, r->ranges, r->max_ranges);
}

/* Runs the application's handler on the thread's connection: a GET reads one snapshot, and
 * the request's reads are accounted against its limits. */
static void run_handler(const sr_http_server *srv, sr_req *req, sr_resp *resp)
{
	/* The connection's page counters since the last request it served belong to no handler
	 * (they were taken after it): metrics keep them, this request's figures start at zero. */
	int64_t page_hits, page_misses;
	sr_store_page_stats(req->store, &page_hits, &page_misses);
	sr_metrics_page_cache(page_hits, page_misses);
	sr_store_set_reads(req->store, &req->reads);
	/* An anonymous read (no Authorization: nothing this client wrote to read back) may be
	 * answered by a read replica; a caller with a token always reads the primary, which is
	 * how a client reads its own writes on every node (docs/postgres.md). */
	int reading = 0;
	if (strcmp(req->method, "GET") == 0)
		reading = (sr_req_header(req, "Authorization") ? sr_store_read_begin(req->store)
							       : sr_store_read_begin_replica(req->store)) == 0;
	srv->app.handle(srv->app.ud, req, resp);
	if (reading)
		sr_store_read_end(req->store);
	/* After the snapshot: a write inside it would hold SQLite's write lock to its end. */
	sr_req_auth_record_use(req);
	sr_store_set_reads(req->store, NULL);
	sr_store_page_stats(req->store, &page_hits, &page_misses);
	sr_metrics_page_cache(page_hits, page_misses);
	/* A deferred handler runs twice: its pages are the sum of both calls. */
	req->pages += page_hits + page_misses;
	req->pages_missed += page_misses;
	req->pages_counted = sr_store_pages_complete(req->store);
	if (req->reads.exceeded)
		read_limit_answer(req, resp);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	sr_http_server *srv = cls;
	struct pending *p = *con_cls;
	if (!p) {
		/* A connection a deadline has ended is closing: nothing more is read or sent. */
		if (sr__conns_headers_done(c) || !(p = pending_new(srv, c, url, method)))
			return MHD_NO;
		*con_cls = p;
		if (!p->too_big && !p->bad_framing && !p->busy)
			return MHD_YES;
	}
	if (*upload_data_size) {
		if (sr__conns_body_read(c, *upload_data_size))
			return MHD_NO;
		pending_take(srv, p, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (sr__conns_handling(c))
		return MHD_NO;

	sr_req req;
	req_init(&req, srv, c, url, method, p);
	sr_resp resp;
	resp_init(&resp);
	if (p->bad_framing) {
		/* Nothing after these headers can be trusted to start a request: answer and close. */
		req.route = "bad-framing";
		sr_resp_textf(&resp, 400, "Bad request: %s", p->bad_framing);
		sr_resp_header(&resp, "Connection", "close");
	} else if (p->too_big || p->busy) {
		refuse_body(srv, p, &req, &resp);
	} else if (!req.store) {
		req.route = "no-database";
		sr_resp_text(&resp, 503, "Service unavailable: the database is not answering");
	} else {
		run_handler(srv, &req, &resp);
		if (resp.defer_fn && !req.deferred) {
			if (defer_job(srv, c, p, &resp) == 0) {
				sr_buf_deinit(&resp.body);
				return MHD_YES; /* answered by the handler's second call, once the job ends */
			}
			sr_buf_deinit(&resp.body);
			resp_init(&resp);
			req.deferred = p->deferred;
			run_handler(srv, &req, &resp);
		}
		deferred_done(p);
	}
	enum MHD_Result ok = send_resp(&srv->app, c, &req, &resp, p->start_ns);
	if (resp.fd >= 0)
		close(resp.fd);
	sr_buf_deinit(&resp.body);
	return ok;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes the path and query values in place, like libmicrohttpd's own decoder,
 * except that %00 stays as it is: a decoded NUL would silently cut the string short and
 * turn /api/v1/skills/%00x into /api/v1/skills. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *str)
{
	char *r = str, *w = str;
	while (*r) {
		int hi, lo;
		if (r[0] == '%' && (hi = hexval(r[1])) >= 0 && (lo = hexval(r[2])) >= 0 && (hi | lo)) {
			*w++ = (char)(hi << 4 | lo);
			r += 3;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return (size_t)(w - str);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	sr_http_server *srv = cls;
	struct pending *p = *con_cls;
	sr__conns_request_done(c);
	if (p) {
		deferred_done(p);
		sr__inflight_give(srv->inflight, p->grant.user, p->addr, p->held);
		sr_buf_deinit(&p->body);
		free(p);
		*con_cls = NULL;
	}
}

/* libmicrohttpd's own messages go through the log too: one escaped, timestamped line each,
 * at most MHD_LOG_BURST in ten seconds. It writes a line for every client that goes away in
 * the middle of a request, so a flood of shed connections would otherwise flood the log;
 * the lines left out are counted in the first line of the next window. */
#define MHD_LOG_BURST 20

static _Atomic int64_t mhd_log_window;
static _Atomic int mhd_log_lines, mhd_log_dropped;

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	int64_t window = sr_mono_ns() / INT64_C(10000000000);
	int64_t was = atomic_load(&mhd_log_window);
	if (window != was && atomic_compare_exchange_strong(&mhd_log_window, &was, window)) {
		atomic_store(&mhd_log_lines, 0);
		int dropped = atomic_exchange(&mhd_log_dropped, 0);
		if (dropped)
			sr_log_error("libmicrohttpd: %d more messages in the last window were not logged", dropped);
	}
	if (atomic_fetch_add(&mhd_log_lines, 1) >= MHD_LOG_BURST) {
		atomic_fetch_add(&mhd_log_dropped, 1);
		return;
	}
	char msg[512];
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		return;
	size_t len = strlen(msg);
	while (len && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
		msg[--len] = '\0';
	sr_log_error("libmicrohttpd: %s", msg);
}

int sr_http_start(const char *host, int port, int threads, const sr_http_app *app,
		  sr_http_server **out)
{
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		sr_log_error("cannot listen on %s: not an IPv4 address", host);
		return SR_EINVAL;
	}
	if (threads <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 ? (int)n : 2;
	}
	sr_http_server *s = calloc(1, sizeof(*s));
	if (!s)
		return SR_ENOMEM;
	s->app = *app;
	sr__conn_limits lim = {app->max_connections, app->max_per_ip, app->header_timeout_ms,
			       app->body_timeout_ms, app->body_min_rate, 0};
	int mb = app->inflight_mb > 0 ? app->inflight_mb : SR_HTTP_INFLIGHT_MB;
	int user_mb = app->inflight_per_user_mb > 0 ? app->inflight_per_user_mb : SR_HTTP_INFLIGHT_PER_USER_MB;
	int rc = sr__inflight_new((size_t)mb << 20, (size_t)user_mb << 20, &s->inflight);
	if (!rc && (rc = sr__conns_new(&sa, &lim, &s->conns)))
		sr__inflight_free(s->inflight);
	if (rc) {
		free(s);
		return rc;
	}
	/* The accept thread (conns.c) listens and hands each connection over once its request
	 * line is complete; the cap and the per-address limit are its, so libmicrohttpd's own
	 * limit is only the room of its table. */
	s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_USE_ERROR_LOG |
					MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME,
				0, NULL, NULL, on_request, s,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, /* first, so that it gets every message */
				MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
				MHD_OPTION_NOTIFY_CONNECTION, sr__conns_notify, s->conns,
				MHD_OPTION_URI_LOG_CALLBACK, sr__conns_uri_log, s->conns,
				MHD_OPTION_UNESCAPE_CALLBACK, unescape, s,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(sr__conns_limits(s->conns)->idle_timeout_ms / 1000),
				/* libmicrohttpd zeroes a connection's memory pool for every request: 16 KiB
				 * holds any request line and headers a client of this API sends (bodies
				 * stream past it) and halves that work against the default 32 KiB. */
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)sr__conns_slots(s->conns),
				MHD_OPTION_END);
	if (!s->d || sr__conns_run(s->conns, s->d)) {
		sr_log_error("cannot start the HTTP server on %s:%d", host, port);
		if (s->d)
			MHD_stop_daemon(s->d);
		sr__conns_free(s->conns);
		sr__inflight_free(s->inflight);
		free(s);
		return SR_EIO;
	}
	s->port = sr__conns_port(s->conns);
	*out = s;
	return 0;
}

int sr_http_port(const sr_http_server *s)
{
	return s->port;
}

void sr_http_stop(sr_http_server *s)
{
	if (!s)
		return;
	/* No new connections first; libmicrohttpd's last callbacks still find their slots. */
	sr__conns_stop(s->conns);
	/* A deferred job resumes its connection at the end: the daemon must outlive it. Each
	 * waits on deadlines of its own (an identity provider's, at most seconds). */
	while (atomic_load(&s->jobs) > 0)
		usleep(10000);
	MHD_stop_daemon(s->d);
	sr__conns_free(s->conns);
	sr__inflight_free(s->inflight);
	free(s);
}
