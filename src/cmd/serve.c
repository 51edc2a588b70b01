/*
 * serve.c - `skillreg serve`: the HTTP server on one data directory.
 *
 * The main thread opens the data directory, starts the scan worker and the HTTP server, then
 * runs the scheduled jobs (src/cron/cron.c) until SIGINT or SIGTERM. Each HTTP worker thread
 * opens its own database connection on first use; all of them are closed at shutdown, after
 * a last fold of the events the final requests recorded.
 */
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "app/controller.h"
#include "cmd/cmd.h"
#include "core/job.h"
#include "core/log.h"
#include "core/seen.h"
#include "core/util.h"
#include "cron/cron.h"
#include "http/cache.h"
#include "http/context.h"
#include "http/metrics.h"
#include "http/ratelimit.h"
#include "moderation/worker.h"
#include "store/store.h"

/* Worker threads open their own connection on first use; all are closed at shutdown. */
#define MAX_STORES SR_CMD_MAX_THREADS
static pthread_mutex_t stores_lock = PTHREAD_MUTEX_INITIALIZER;
static sr_store *stores[MAX_STORES];
static int nstores;
static _Thread_local sr_store *thread_store;

static sr_store *get_thread_store(void *ud)
{
	sr_app *app = ud;
	if (thread_store)
		return thread_store;
	sr_store *s;
	if (sr_store_open(app->db_path, &s))
		return NULL;
	pthread_mutex_lock(&stores_lock);
	if (nstores == MAX_STORES) {
		pthread_mutex_unlock(&stores_lock);
		sr_store_close(s);
		return NULL;
	}
	stores[nstores++] = s;
	pthread_mutex_unlock(&stores_lock);
	thread_store = s;
	return s;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void cache_gauges(void *ud, sr_buf *out)
{
	sr_cache_stats st;
	sr_cache_get_stats(ud, &st);
	sr_buf_printf(out, "# HELP skillreg_cache_entries Answers held by the response cache.\n"
			   "# TYPE skillreg_cache_entries gauge\nskillreg_cache_entries %llu\n"
			   "# HELP skillreg_cache_bytes Bytes held by the response cache (bound: skillreg_cache_max_bytes).\n"
			   "# TYPE skillreg_cache_bytes gauge\nskillreg_cache_bytes %llu\n"
			   "# TYPE skillreg_cache_max_bytes gauge\nskillreg_cache_max_bytes %llu\n"
			   "# HELP skillreg_cache_evictions_total Answers evicted to stay within the bound.\n"
			   "# TYPE skillreg_cache_evictions_total counter\nskillreg_cache_evictions_total %llu\n"
			   "# HELP skillreg_cache_invalidations_total Answers dropped because a write changed them.\n"
			   "# TYPE skillreg_cache_invalidations_total counter\nskillreg_cache_invalidations_total %llu\n",
		      (unsigned long long)st.entries, (unsigned long long)st.bytes,
		      (unsigned long long)st.max_bytes, (unsigned long long)st.evictions,
		      (unsigned long long)st.stale);
	/* The blob collector's and the read replicas', appended here since a program has one
	 * gauge hook. */
	sr_blob_gc_metrics(out);
	sr_store_replica_metrics(out);
}

int sr__cron_schedule(const sr_cmd_opts *o, sr_cron *c)
{
	sr_cron_init(c, sr_mono_ns());
	if (sr_cron_set_interval(c, "fold", o->fold_ms)) {
		fprintf(stderr, "skillreg: --fold-ms must be between %d and %lld\n", SR_CRON_MIN_MS,
			(long long)SR_CRON_MAX_MS);
		return -1;
	}
	for (int i = 0; i < o->ncron; i++)
		if (sr_cron_set_spec(c, o->cron[i])) {
			fprintf(stderr, "skillreg: --cron %s: want NAME=MS with a job from `skillreg cron list` "
					"and %d <= MS <= %lld\n", o->cron[i], SR_CRON_MIN_MS, (long long)SR_CRON_MAX_MS);
			return -1;
		}
	return 0;
}

/* Frees what serve_start made, in the order shutdown needs: the scan worker, the workers'
 * connections, the data directory, then the rest. Each piece may be absent. */
static void serve_free(sr_app *app, sr_store *main_store)
{
	sr_scan_worker_stop(app->scan_worker);
	app->scan_worker = NULL;
	pthread_mutex_lock(&stores_lock);
	for (int i = 0; i < nstores; i++)
		sr_store_close(stores[i]);
	nstores = 0;
	pthread_mutex_unlock(&stores_lock);
	sr__cmd_close_data(app, main_store);
	sr_store_replicas_stop();
	sr_ratelimit_free(app->ratelimit);
	sr_seen_free(app->downloads_seen);
	sr_metrics_set_gauges(NULL, NULL);
	sr_cron_set_blobs(NULL);
	sr_job_report_set(NULL);
	sr_cache_free(app->cache);
	sr__cmd_idps_free(app);
}

/* Opens the data directory and makes the shared pieces: rate limits, the downloads already
 * counted, the response cache and the scan worker (src/moderation/worker.c, a thread with its
 * own connection). On failure everything is freed. */
static int serve_start(const sr_cmd_opts *o, sr_app *app, sr_store **main_store)
{
	/* A fixed mmap threshold: large buffers (inflated files, request bodies) are mapped and go
	 * back to the system when freed. glibc otherwise raises the threshold after each large free,
	 * and later large buffers stay in the heaps of the worker threads' arenas for good. */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	memset(app, 0, sizeof(*app));
	if (o->ndb_replica && (!o->db || strncmp(o->db, "postgres", 8) != 0)) {
		fprintf(stderr, "skillreg: --db-replica: needs --db postgres://... (the primary)\n");
		return 2;
	}
	int rc = sr__cmd_idps(o, app);
	if (rc)
		return rc;
	if (sr__cmd_open_data(o, app, main_store)) {
		sr__cmd_idps_free(app);
		return 1;
	}
	/* Read replicas for anonymous reads; each is used once the monitor has seen it replay
	 * the primary's position (docs/postgres.md, "Read replicas and failover"). */
	if (o->ndb_replica && sr_store_set_replicas(app->db_path, o->db_replica, o->ndb_replica,
						    (int)o->replica_max_lag_ms)) {
		sr_log_error("cannot start the read replica monitor");
		sr__cmd_close_data(app, *main_store);
		sr__cmd_idps_free(app);
		return 1;
	}
	/* The jobs report their runs to /metrics from here on. */
	sr_job_report_set(sr_metrics_job);
	app->no_local_signin = o->no_local_signin;
	app->refusal_text = sr_api_refusal;
	app->metrics_token = o->metrics_token;
	app->upload_quota_bytes = (int64_t)o->upload_quota_mb << 20;
	sr_scan_worker_config wc = {app->db_path, app->blobs, {o->scanner_cmd, (int)o->scanner_timeout_ms},
				    (int)o->scan_poll_ms, 32};
	if ((!o->no_rate_limit && sr_ratelimit_new(&app->ratelimit)) ||
	    sr_seen_new(1 << 16, &app->downloads_seen) ||
	    (o->cache_mb && sr_cache_new((size_t)o->cache_mb << 20, &app->cache)) ||
	    sr_scan_worker_start(&wc, &app->scan_worker)) {
		serve_free(app, *main_store);
		return 1;
	}
	sr_metrics_set_gauges(cache_gauges, app->cache);
	sr_cron_set_blobs(app->blobs);
	sr_cron_set_blob_grace(o->blob_grace_ms);
	return 0;
}

static int run_serve(const sr_cmd_opts *o)
{
	sr_cron cron;
	if (sr__cron_schedule(o, &cron))
		return 2;
	sr_app app;
	sr_store *main_store;
	int rc = serve_start(o, &app, &main_store);
	if (rc)
		return rc;
	sr_http_app http = {sr_app_body_limit, sr_app_handle, get_thread_store, &app, {0}, 1, 0, 0, 0, 0, 0, NULL, 0, 0, 0};
	sr_reads_init(&http.limits);
	http.access_log = !o->no_access_log;
	http.max_connections = (int)o->max_connections;
	http.max_per_ip = (int)o->max_connections_per_ip;
	http.header_timeout_ms = (int)o->header_timeout_ms;
	http.body_timeout_ms = (int)o->body_timeout_ms;
	http.body_min_rate = (int)o->body_min_rate;
	http.inflight_mb = (int)o->body_inflight_mb;
	http.inflight_per_user_mb = (int)o->body_inflight_per_user_mb;
	http.trusted_proxies = o->trusted_proxies;
	http.ntrusted_proxies = o->ntrusted_proxies;
	if (o->max_rows > 0)
		http.limits.max_rows = o->max_rows;
	if (o->max_bytes > 0)
		http.limits.max_bytes = o->max_bytes;
	if (o->max_ranges > 0)
		http.limits.max_ranges = o->max_ranges;
	sr_http_server *srv;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (sr_http_start(o->host, o->port, (int)o->threads, &http, &srv)) {
		serve_free(&app, main_store);
		return 1;
	}
	sr_log_info("skillreg listening on http://%s:%d (data %s)", o->host[0] ? o->host : "127.0.0.1",
		    sr_http_port(srv), app.data_dir);
	/* The main thread runs the scheduled jobs (src/cron/cron.c). */
	while (!stop) {
		usleep(100 * 1000);
		sr_cron_tick(&cron, main_store, sr_mono_ns());
	}
	sr_log_info("shutting down");
	sr_http_stop(srv);
	sr_scan_worker_stop(app.scan_worker);
	app.scan_worker = NULL;
	/* Events recorded by the last requests are folded before the process goes. */
	char line[256];
	sr_cron_run(main_store, sr_cron_find("fold"), line, sizeof(line));
	serve_free(&app, main_store);
	return 0;
}

const sr_cmd sr__cmd_serve = {
	"serve", "serve the API and the web site on one data directory",
	"usage: skillreg serve [--listen HOST:PORT] [--data-dir DIR] [--db URL] [--threads N] [--public-url URL]\n"
	"                      [--db-replica URL]... [--replica-max-lag-ms MS]\n"
	"                      [--max-rows N] [--max-bytes N] [--max-ranges N] [--fold-ms MS]\n"
	"                      [--no-rate-limit] [--cache-mb N] [--sqlite-cache-mb N] [--sqlite-mmap-mb N]\n"
	"                      [--no-access-log] [--cron NAME=MS]... [--scanner-cmd PATH]\n"
	"                      [--scanner-timeout-ms MS] [--scan-poll-ms MS] [--blob-grace-ms MS]\n"
	"                      [--max-connections N] [--max-connections-per-ip N]\n"
	"                      [--header-timeout-ms MS] [--body-timeout-ms MS] [--body-min-rate BYTES]\n"
	"                      [--body-inflight-mb N] [--body-inflight-per-user-mb N]\n"
	"                      [--upload-quota-mb N]\n"
	"                      [--trusted-proxy CIDR]... [--db-replica URL]... [--replica-max-lag-ms MS]\n"
	"                      [--no-local-signin] [--metrics-token-file FILE]\n"
	"                      [--github-client-id ID --github-client-secret-file FILE [--github-url URL]]\n"
	"                      [--oidc NAME=ISSUER_URL --oidc-client-id NAME=ID --oidc-client-secret-file NAME=FILE]...\n"
	"environment: SKILLREG_LISTEN, SKILLREG_DATA_DIR, SKILLREG_DB, SKILLREG_DB_REPLICA (URL,URL...),\n"
	"             SKILLREG_PUBLIC_URL, SKILLREG_CACHE_MB, SKILLREG_SCANNER_CMD, SKILLREG_RATE_LIMIT=off,\n"
	"             SKILLREG_ACCESS_LOG=off, SKILLREG_TRUSTED_PROXY=CIDR,CIDR..., SKILLREG_LOCAL_SIGNIN=off,\n"
	"             SKILLREG_METRICS_TOKEN (the token itself),\n"
	"             SKILLREG_GITHUB_CLIENT_ID, SKILLREG_GITHUB_CLIENT_SECRET (the secret itself), SKILLREG_GITHUB_URL,\n"
	"             SKILLREG_OIDC, SKILLREG_OIDC_CLIENT_ID, SKILLREG_OIDC_CLIENT_SECRET (NAME=VALUE NAME=VALUE...)\n",
	SR_O(DATA_DIR) | SR_O(DB) | SR_O(DB_REPLICA) | SR_O(REPLICA_MAX_LAG_MS) | SR_O(LISTEN) | SR_O(PUBLIC_URL) | SR_O(THREADS) | SR_O(NO_RATE_LIMIT) | SR_O(NO_LOCAL_SIGNIN) | SR_O(METRICS_TOKEN_FILE) |
		SR_O(NO_ACCESS_LOG) | SR_O(MAX_ROWS) | SR_O(MAX_BYTES) | SR_O(MAX_RANGES) | SR_O(FOLD_MS) |
		SR_O(CRON) | SR_O(CACHE_MB) | SR_O(SQLITE_CACHE_MB) | SR_O(SQLITE_MMAP_MB) |
		SR_O(SCANNER_CMD) | SR_O(SCANNER_TIMEOUT_MS) | SR_O(SCAN_POLL_MS) | SR_O(BLOB_GRACE_MS) |
		SR_O(MAX_CONNECTIONS) | SR_O(MAX_CONNECTIONS_PER_IP) | SR_O(HEADER_TIMEOUT_MS) | SR_O(BODY_TIMEOUT_MS) |
		SR_O(BODY_MIN_RATE) | SR_O(BODY_INFLIGHT_MB) | SR_O(BODY_INFLIGHT_PER_USER_MB) | SR_O(UPLOAD_QUOTA_MB) | SR_O(TRUSTED_PROXY) |
		SR_O(GITHUB_CLIENT_ID) | SR_O(GITHUB_CLIENT_SECRET_FILE) | SR_O(GITHUB_URL) | SR_O(OIDC) |
		SR_O(OIDC_CLIENT_ID) | SR_O(OIDC_CLIENT_SECRET_FILE),
	run_serve,
};
