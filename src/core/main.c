/*
 * main.c - the skillreg command: serve, migrate, and administration.
 *
 *   skillreg serve [--listen HOST:PORT] [--data-dir DIR] [--threads N] [--public-url URL]
 *                  [--max-rows N] [--max-bytes N] [--max-ranges N] [--fold-ms MS]
 *                  [--no-rate-limit] [--cache-mb N] [--sqlite-cache-mb N] [--sqlite-mmap-mb N]
 *                  [--no-access-log] [--cron NAME=MS]...
 *   skillreg migrate [--data-dir DIR]
 *   skillreg user add HANDLE [--role user|moderator|admin] [--display-name NAME]
 *   skillreg user ban HANDLE [--reason TEXT]
 *   skillreg token create HANDLE [--label L]     prints the new token only
 *   skillreg token revoke PREFIX
 *   skillreg seed DIR                            publishes DIR/<owner>/<slug>/<version>/
 *   skillreg fold                                folds pending download/install events
 *   skillreg cron list [--cron NAME=MS]...       the scheduled jobs and their intervals
 *   skillreg cron run NAME                       runs one job once, prints its line
 *   skillreg backfill list                       the backfills and where each stands
 *   skillreg backfill NAME [--batch N]           runs (or resumes) one backfill to the end
 *   skillreg gen --data-dir DIR --skills N [--seed S]   a synthetic catalogue for benchmarks
 *   skillreg bench-replay [--runs K]             read paths, current vs pre-PR, as TSV
 *   skillreg scan --dir PATH [--rules FILE] [--json]   the static scanner over a skill directory
 *   skillreg scan --all | SLUG [--owner H] [--version V] [--scanner-cmd PATH]
 *                                                scans versions in the database now
 *   skillreg moderate hide|unhide|remove|rescan SLUG [--owner H] [--reason R] [--version V]
 *   skillreg moderate verdict SLUG clean|suspicious|malicious [--owner H]
 *   skillreg user role HANDLE user|moderator|admin
 *
 * Every command takes --data-dir (default ./data, or SKILLREG_DATA_DIR); serve also reads
 * SKILLREG_LISTEN, SKILLREG_PUBLIC_URL and SKILLREG_SCANNER_CMD (the external scanner, also
 * --scanner-cmd PATH; --scanner-timeout-ms MS bounds each run). SKILLREG_NOW_MS (tests only)
 * pins the clock every command sees to that many milliseconds since the epoch, so tests can
 * move a server to another UTC day; SKILLREG_FAULT_AT (tests only) is core/fault.h's crash
 * injection.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "api/error.h"
#include "blob/blob.h"
#include "core/err.h"
#include "core/job.h"
#include "core/log.h"
#include "core/seen.h"
#include "core/util.h"
#include "cron/backfill.h"
#include "cron/cron.h"
#include "http/cache.h"
#include "http/metrics.h"
#include "http/ratelimit.h"
#include "moderation/moderation.h"
#include "moderation/scanner.h"
#include "moderation/worker.h"
#include "registry/modstate.h"
#include "registry/registry.h"
#include "registry/slug.h"
#include "registry/semver.h"
#include "store/store.h"
#include "web/web.h"

struct opts {
	const char *data_dir;
	const char *listen;
	const char *public_url;
	const char *role;
	const char *label;
	const char *reason;
	const char *display_name;
	const char *dir, *rules;
	const char *scanner_cmd, *owner, *version;
	int scanner_timeout_ms, scan_poll_ms;
	int all;
	int json;
	int threads;
	int fold_ms;
	int no_rate_limit;
	int no_access_log;
	long long cache_mb;
	long long sqlite_cache_mb, sqlite_mmap_mb; /* -1: the store's defaults */
	long long max_rows, max_bytes, max_ranges;
	long long skills, seed, runs;
	long long batch;
	const char *args[4];
	int nargs;
	const char *cron[SR_CRON_MAX]; /* --cron NAME=MS, in order */
	int ncron;
};

static void usage(void)
{
	fprintf(stderr,
		"usage: skillreg serve [--listen HOST:PORT] [--data-dir DIR] [--threads N] [--public-url URL]\n"
		"                      [--max-rows N] [--max-bytes N] [--max-ranges N] [--fold-ms MS]\n"
		"                      [--no-rate-limit] [--cache-mb N] [--sqlite-cache-mb N] [--sqlite-mmap-mb N]\n"
		"                      [--no-access-log] [--cron NAME=MS]...\n"
		"       skillreg migrate [--data-dir DIR]\n"
		"       skillreg cron list [--cron NAME=MS]...\n"
		"       skillreg cron run NAME\n"
		"       skillreg backfill list\n"
		"       skillreg backfill NAME [--batch N]\n"
		"       skillreg user add HANDLE [--role user|moderator|admin] [--display-name NAME]\n"
		"       skillreg user ban HANDLE [--reason TEXT]\n"
		"       skillreg token create HANDLE [--label LABEL]\n"
		"       skillreg token revoke PREFIX\n"
		"       skillreg seed DIR\n"
		"       skillreg fold\n"
		"       skillreg gen --data-dir DIR [--skills N] [--seed S]\n"
		"       skillreg bench-replay [--data-dir DIR] [--runs K]\n"
		"       skillreg scan --dir PATH [--rules FILE] [--json]\n"
		"       skillreg scan --all | SLUG [--owner H] [--version V] [--scanner-cmd PATH]\n"
		"       skillreg moderate hide|unhide|remove|rescan SLUG [--owner H] [--reason R] [--version V]\n"
		"       skillreg moderate verdict SLUG clean|suspicious|malicious [--owner H]\n"
		"       skillreg user role HANDLE user|moderator|admin\n"
		"serve also takes [--scanner-cmd PATH] [--scanner-timeout-ms MS] [--scan-poll-ms MS]\n");
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->data_dir = getenv("SKILLREG_DATA_DIR") ? getenv("SKILLREG_DATA_DIR") : "data";
	o->listen = getenv("SKILLREG_LISTEN") ? getenv("SKILLREG_LISTEN") : "127.0.0.1:8787";
	o->public_url = getenv("SKILLREG_PUBLIC_URL") ? getenv("SKILLREG_PUBLIC_URL") : "";
	o->fold_ms = 2000;
	o->skills = 10000;
	o->seed = 1;
	o->runs = 5;
	o->batch = SR_BACKFILL_BATCH;
	o->cache_mb = getenv("SKILLREG_CACHE_MB") ? atoll(getenv("SKILLREG_CACHE_MB")) : 64;
	o->sqlite_cache_mb = o->sqlite_mmap_mb = -1;
	o->scanner_cmd = getenv("SKILLREG_SCANNER_CMD");
	o->scanner_timeout_ms = SR_EXT_SCAN_DEFAULT_TIMEOUT_MS;
	o->scan_poll_ms = 1000;
	o->no_access_log = getenv("SKILLREG_ACCESS_LOG") && strcmp(getenv("SKILLREG_ACCESS_LOG"), "off") == 0;
	o->no_rate_limit = getenv("SKILLREG_RATE_LIMIT") && strcmp(getenv("SKILLREG_RATE_LIMIT"), "off") == 0;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		int takes = 1;
		if (strcmp(a, "--data-dir") == 0 && v)
			o->data_dir = v;
		else if (strcmp(a, "--listen") == 0 && v)
			o->listen = v;
		else if (strcmp(a, "--public-url") == 0 && v)
			o->public_url = v;
		else if (strcmp(a, "--role") == 0 && v)
			o->role = v;
		else if (strcmp(a, "--label") == 0 && v)
			o->label = v;
		else if (strcmp(a, "--reason") == 0 && v)
			o->reason = v;
		else if (strcmp(a, "--display-name") == 0 && v)
			o->display_name = v;
		else if (strcmp(a, "--dir") == 0 && v)
			o->dir = v;
		else if (strcmp(a, "--rules") == 0 && v)
			o->rules = v;
		else if (strcmp(a, "--scanner-cmd") == 0 && v)
			o->scanner_cmd = v;
		else if (strcmp(a, "--scanner-timeout-ms") == 0 && v)
			o->scanner_timeout_ms = atoi(v);
		else if (strcmp(a, "--scan-poll-ms") == 0 && v)
			o->scan_poll_ms = atoi(v);
		else if (strcmp(a, "--owner") == 0 && v)
			o->owner = v;
		else if (strcmp(a, "--version") == 0 && v)
			o->version = v;
		else if (strcmp(a, "--all") == 0) {
			o->all = 1;
			takes = 0;
		}
		else if (strcmp(a, "--json") == 0) {
			o->json = 1;
			takes = 0;
		} else if (strcmp(a, "--threads") == 0 && v)
			o->threads = atoi(v);
		else if (strcmp(a, "--fold-ms") == 0 && v)
			o->fold_ms = atoi(v);
		else if (strcmp(a, "--cron") == 0 && v) {
			if (o->ncron == SR_CRON_MAX) {
				fprintf(stderr, "skillreg: too many --cron options\n");
				return -1;
			}
			o->cron[o->ncron++] = v;
		} else if (strcmp(a, "--no-rate-limit") == 0) {
			o->no_rate_limit = 1;
			takes = 0;
		} else if (strcmp(a, "--no-access-log") == 0) {
			o->no_access_log = 1;
			takes = 0;
		} else if (strcmp(a, "--cache-mb") == 0 && v)
			o->cache_mb = atoll(v);
		else if (strcmp(a, "--sqlite-cache-mb") == 0 && v)
			o->sqlite_cache_mb = atoll(v);
		else if (strcmp(a, "--sqlite-mmap-mb") == 0 && v)
			o->sqlite_mmap_mb = atoll(v);
		else if (strcmp(a, "--max-rows") == 0 && v)
			o->max_rows = atoll(v);
		else if (strcmp(a, "--max-bytes") == 0 && v)
			o->max_bytes = atoll(v);
		else if (strcmp(a, "--max-ranges") == 0 && v)
			o->max_ranges = atoll(v);
		else if (strcmp(a, "--skills") == 0 && v)
			o->skills = atoll(v);
		else if (strcmp(a, "--seed") == 0 && v)
			o->seed = atoll(v);
		else if (strcmp(a, "--runs") == 0 && v)
			o->runs = atoll(v);
		else if (strcmp(a, "--batch") == 0 && v)
			o->batch = atoll(v);
		else if (a[0] == '-' && a[1] == '-') {
			fprintf(stderr, "skillreg: unknown or incomplete option %s\n", a);
			return -1;
		} else {
			takes = 0;
			if (o->nargs == 4) {
				fprintf(stderr, "skillreg: too many arguments\n");
				return -1;
			}
			o->args[o->nargs++] = a;
		}
		i += takes;
	}
	return 0;
}

static int open_data(const struct opts *o, sr_app *app, sr_store **store)
{
	sr_store_tune(o->sqlite_cache_mb >= 0 ? o->sqlite_cache_mb * 1024 : -1,
		      o->sqlite_mmap_mb >= 0 ? o->sqlite_mmap_mb << 20 : -1);
	if (mkdir(o->data_dir, 0755) && errno != EEXIST) {
		sr_log_error("cannot create data dir %s: %s", o->data_dir, strerror(errno));
		return SR_EIO;
	}
	snprintf(app->data_dir, sizeof(app->data_dir), "%s", o->data_dir);
	snprintf(app->db_path, sizeof(app->db_path), "%s/skillreg.db", o->data_dir);
	snprintf(app->public_url, sizeof(app->public_url), "%s", o->public_url);
	size_t n = strlen(app->public_url);
	while (n && app->public_url[n - 1] == '/')
		app->public_url[--n] = '\0';
	char blobdir[2300];
	snprintf(blobdir, sizeof(blobdir), "%s/blobs", o->data_dir);
	int rc = sr_blobs_open(blobdir, &app->blobs);
	if (rc)
		return rc;
	rc = sr_store_open(app->db_path, store);
	if (!rc && (rc = sr_store_migrate(*store)))
		sr_store_close(*store);
	if (rc) {
		/* On failure nothing stays open: callers only return. */
		sr_blobs_close(app->blobs);
		app->blobs = NULL;
		*store = NULL;
	}
	return rc;
}

static void close_data(sr_app *app, sr_store *store)
{
	sr_store_close(store);
	sr_blobs_close(app->blobs);
}

/* The start of an administration command: the right number of arguments, then the data
 * directory opened and migrated. 0 when ready, else the exit code to return. */
static int begin_cmd(const struct opts *o, int nargs, sr_app *app, sr_store **s)
{
	if (o->nargs != nargs) {
		usage();
		return 2;
	}
	memset(app, 0, sizeof(*app));
	return open_data(o, app, s) ? 1 : 0;
}

/* ---- serve ---- */

/* Worker threads open their own connection on first use; all are closed at shutdown. */
#define MAX_STORES 256
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
}

/* The job schedule: defaults, then --fold-ms, then each --cron NAME=MS in order. */
static int cron_schedule(const struct opts *o, sr_cron *c)
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

static int cmd_serve(const struct opts *o)
{
	sr_cron cron;
	if (cron_schedule(o, &cron))
		return 2;
	sr_app app;
	memset(&app, 0, sizeof(app));
	sr_store *main_store;
	if (open_data(o, &app, &main_store))
		return 1;
	char host[256];
	snprintf(host, sizeof(host), "%s", o->listen);
	char *colon = strrchr(host, ':');
	int port = 8787;
	if (colon) {
		*colon = '\0';
		port = atoi(colon + 1);
	}
	if (o->cache_mb < 0 || o->cache_mb > 1 << 20) {
		sr_log_error("--cache-mb must be between 0 and %d", 1 << 20);
		close_data(&app, main_store);
		return 1;
	}
	if ((!o->no_rate_limit && sr_ratelimit_new(&app.ratelimit)) ||
	    sr_seen_new(1 << 16, &app.downloads_seen) ||
	    (o->cache_mb && sr_cache_new((size_t)o->cache_mb << 20, &app.cache))) {
		sr_ratelimit_free(app.ratelimit);
		sr_seen_free(app.downloads_seen);
		close_data(&app, main_store);
		return 1;
	}
	if (o->scanner_timeout_ms < 100 || o->scanner_timeout_ms > 600000 || o->scan_poll_ms < 10 ||
	    o->scan_poll_ms > 3600000) {
		sr_log_error("--scanner-timeout-ms must be 100..600000 and --scan-poll-ms 10..3600000");
		sr_ratelimit_free(app.ratelimit);
		sr_seen_free(app.downloads_seen);
		sr_cache_free(app.cache);
		close_data(&app, main_store);
		return 1;
	}
	/* The jobs report their runs to /metrics from here on. */
	sr_job_report_set(sr_metrics_job);
	/* The scan worker (src/moderation/worker.c): a thread with its own connection. */
	sr_scan_worker_config wc = {app.db_path, app.blobs, {o->scanner_cmd, o->scanner_timeout_ms},
				    o->scan_poll_ms, 32};
	if (sr_scan_worker_start(&wc, &app.scan_worker)) {
		sr_ratelimit_free(app.ratelimit);
		sr_seen_free(app.downloads_seen);
		sr_cache_free(app.cache);
		close_data(&app, main_store);
		return 1;
	}
	sr_metrics_set_gauges(cache_gauges, app.cache);
	sr_http_app http = {sr_api_body_limit, sr_api_handle, get_thread_store, &app, {0}, 1};
	sr_reads_init(&http.limits);
	http.access_log = !o->no_access_log;
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
	if (sr_http_start(host, port, o->threads, &http, &srv)) {
		sr_scan_worker_stop(app.scan_worker);
		close_data(&app, main_store);
		return 1;
	}
	sr_log_info("skillreg listening on http://%s:%d (data %s)", host[0] ? host : "127.0.0.1",
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
	pthread_mutex_lock(&stores_lock);
	for (int i = 0; i < nstores; i++)
		sr_store_close(stores[i]);
	nstores = 0;
	pthread_mutex_unlock(&stores_lock);
	close_data(&app, main_store);
	sr_ratelimit_free(app.ratelimit);
	sr_seen_free(app.downloads_seen);
	sr_metrics_set_gauges(NULL, NULL);
	sr_job_report_set(NULL);
	sr_cache_free(app.cache);
	return 0;
}

/* ---- administration ---- */

static int role_of(const char *r)
{
	if (!r || strcmp(r, "user") == 0)
		return SR_ROLE_USER;
	if (strcmp(r, "moderator") == 0)
		return SR_ROLE_MODERATOR;
	if (strcmp(r, "admin") == 0)
		return SR_ROLE_ADMIN;
	return -1;
}

static int valid_handle(const char *h)
{
	size_t n = strlen(h);
	if (n < 1 || n > 39)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= '0' && h[i] <= '9') || h[i] == '-' || h[i] == '_'))
			return 0;
	return 1;
}

static int cmd_user(const struct opts *o)
{
	sr_app app;
	sr_store *s;
	int is_role = o->nargs >= 2 && strcmp(o->args[1], "role") == 0;
	int early = begin_cmd(o, is_role ? 4 : 3, &app, &s);
	if (early)
		return early;
	int ret = 1;
	char handle[64];
	sr_owner_normalize(o->args[2], handle, sizeof(handle));
	if (strcmp(o->args[1], "add") == 0) {
		int role = role_of(o->role);
		if (role < 0 || !valid_handle(handle)) {
			fprintf(stderr, "skillreg: %s\n", role < 0 ? "role must be user, moderator or admin"
								  : "handle must be 1-39 characters of a-z, 0-9, - and _");
			goto out;
		}
		if (sr_web_reserved(handle)) {
			/* The handle is the owner page's address: it must not shadow a page of the site. */
			fprintf(stderr, "skillreg: handle %s is reserved (it names a page of the web site)\n", handle);
			goto out;
		}
		int64_t id;
		int rc = sr_store_user_add(s, handle, o->display_name ? o->display_name : handle, role, &id);
		if (rc == SR_EEXIST)
			fprintf(stderr, "skillreg: user %s already exists\n", handle);
		else if (!rc) {
			printf("%s\n", handle);
			ret = 0;
		}
	} else if (is_role) {
		int role = role_of(o->args[3]);
		sr_user u;
		if (role < 0) {
			fprintf(stderr, "skillreg: role must be user, moderator or admin\n");
		} else if (sr_store_user_by_handle(s, handle, &u) || sr_store_user_set_role(s, u.id, role)) {
			fprintf(stderr, "skillreg: no user %s\n", handle);
		} else {
			printf("%s %s\n", handle, o->args[3]);
			ret = 0;
		}
	} else if (strcmp(o->args[1], "ban") == 0) {
		sr_user u;
		if (sr_store_user_by_handle(s, handle, &u)) {
			fprintf(stderr, "skillreg: no user %s\n", handle);
			goto out;
		}
		if (!sr_store_user_ban(s, u.id, o->reason ? o->reason : "banned by an administrator")) {
			fprintf(stderr, "banned %s\n", handle);
			ret = 0;
		}
	} else {
		usage();
		ret = 2;
	}
out:
	close_data(&app, s);
	return ret;
}

static int cmd_token(const struct opts *o)
{
	sr_app app;
	sr_store *s;
	int early = begin_cmd(o, 3, &app, &s);
	if (early)
		return early;
	int ret = 1;
	if (strcmp(o->args[1], "create") == 0) {
		char handle[64];
		sr_owner_normalize(o->args[2], handle, sizeof(handle));
		sr_user u;
		if (sr_store_user_by_handle(s, handle, &u)) {
			fprintf(stderr, "skillreg: no user %s\n", handle);
			goto out;
		}
		unsigned char rnd[32];
		char b64[64], token[80], prefix[16], hash[65];
		if (sr_random_bytes(rnd, sizeof(rnd)))
			goto out;
		sr_b64url_encode(rnd, sizeof(rnd), b64);
		snprintf(token, sizeof(token), "clh_%s", b64);
		snprintf(prefix, sizeof(prefix), "%.12s", token);
		sr_sha256_hex(token, strlen(token), hash);
		if (!sr_store_token_add(s, u.id, o->label ? o->label : "cli", prefix, hash)) {
			printf("%s\n", token);
			ret = 0;
		}
	} else if (strcmp(o->args[1], "revoke") == 0) {
		int n = 0;
		if (strlen(o->args[2]) < 6) {
			fprintf(stderr, "skillreg: give at least 6 characters of the token\n");
			goto out;
		}
		char prefix[16];
		snprintf(prefix, sizeof(prefix), "%.12s", o->args[2]);
		if (!sr_store_token_revoke(s, prefix, &n)) {
			fprintf(stderr, "revoked %d token(s)\n", n);
			ret = n > 0 ? 0 : 1;
		}
	} else {
		usage();
		ret = 2;
	}
out:
	close_data(&app, s);
	return ret;
}

/* ---- demo catalog ---- */

struct seed_files {
	sr_pub_file v[256];
	unsigned char *data[256];
	size_t n;
};

static int read_file(const char *path, unsigned char **data, size_t *len)
{
	sr_buf b;
	sr_buf_init(&b, SR_MAX_FILE_BYTES);
	int rc = sr_buf_read_file(&b, path);
	if (rc) {
		sr_buf_deinit(&b);
		return rc;
	}
	*data = (unsigned char *)sr_buf_steal(&b, len);
	return 0;
}

static int collect_files(const char *root, const char *rel, struct seed_files *sf)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s%s%s", root, rel[0] ? "/" : "", rel);
	DIR *d = opendir(dir);
	if (!d)
		return SR_EIO;
	struct dirent *e;
	int rc = 0;
	while (!rc && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char r[2048], full[6200];
		snprintf(r, sizeof(r), "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
		snprintf(full, sizeof(full), "%s/%s", root, r);
		struct stat st;
		if (stat(full, &st))
			continue;
		if (S_ISDIR(st.st_mode)) {
			rc = collect_files(root, r, sf);
		} else if (S_ISREG(st.st_mode) && sf->n < 256) {
			sr_pub_file *f = &sf->v[sf->n];
			size_t len;
			if ((rc = read_file(full, &sf->data[sf->n], &len)))
				break;
			f->path = strdup(r);
			f->size = (int64_t)len;
			f->data = sf->data[sf->n];
			sr_sha256_hex(f->data, len, f->sha256);
			sf->n++;
		}
	}
	closedir(d);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return sr_semver_cmp_str(*(const char *const *)a, *(const char *const *)b);
}

static int list_dir(const char *path, char **names, int max)
{
	DIR *d = opendir(path);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < max)
		if (e->d_name[0] != '.')
			names[n++] = strdup(e->d_name);
	closedir(d);
	return n;
}

static int cmd_seed(const struct opts *o)
{
	sr_app app;
	sr_store *s;
	int early = begin_cmd(o, 2, &app, &s);
	if (early)
		return early;
	const char *root = o->args[1];
	char *owners[64];
	int nown = list_dir(root, owners, 64), published = 0, failed = 0;
	int64_t clock = sr_now_ms() - 40LL * 86400000;
	for (int i = 0; i < nown; i++) {
		sr_user u;
		if (sr_store_user_by_handle(s, owners[i], &u)) {
			int64_t id;
			if (sr_store_user_add(s, owners[i], owners[i], SR_ROLE_USER, &id) ||
			    sr_store_user_by_id(s, id, &u)) {
				failed++;
				continue;
			}
		}
		char odir[4096];
		snprintf(odir, sizeof(odir), "%s/%s", root, owners[i]);
		char *slugs[256];
		int nsl = list_dir(odir, slugs, 256);
		for (int j = 0; j < nsl; j++) {
			char sdir[4400];
			snprintf(sdir, sizeof(sdir), "%s/%s", odir, slugs[j]);
			char *vers[64];
			int nv = list_dir(sdir, vers, 64);
			if (nv > 0)
				qsort(vers, (size_t)nv, sizeof(vers[0]), cmp_str);
			for (int k = 0; k < nv; k++) {
				char vdir[4600], clpath[4700];
				snprintf(vdir, sizeof(vdir), "%s/%s", sdir, vers[k]);
				snprintf(clpath, sizeof(clpath), "%s/.changelog", vdir);
				struct seed_files sf;
				memset(&sf, 0, sizeof(sf));
				unsigned char *cl = NULL;
				size_t cllen = 0;
				read_file(clpath, &cl, &cllen);
				char *changelog = cl ? sr_trim_dup((char *)cl, cllen) : NULL;
				if (collect_files(vdir, "", &sf) == 0) {
					clock += 3600 * 1000 + (int64_t)(published * 7919 % 5000) * 1000;
					sr_publish_req pr = {.actor = &u, .slug = slugs[j], .display_name = NULL,
							     .version = vers[k], .changelog = changelog ? changelog : "",
							     .accept_license = 1, .files = sf.v, .nfiles = sf.n, .now = clock};
					sr_publish_result res;
					sr_regerr err = {0};
					/* Each publish is one operation with its own read budget. */
					sr_store_set_reads(s, NULL);
					if (sr_publish(s, app.blobs, &pr, &res, &err)) {
						if (err.why != SR_WHY_VERSION_EXISTS) {
							char text[1024];
							sr_api_error_text(&err, text, sizeof(text));
							fprintf(stderr, "seed: %s/%s@%s: %s\n", owners[i], slugs[j], vers[k], text);
							failed++;
						}
					} else {
						published++;
					}
				}
				for (size_t f = 0; f < sf.n; f++) {
					free(sf.v[f].path);
					free(sf.data[f]);
				}
				free(cl);
				free(changelog);
				free(vers[k]);
			}
			free(slugs[j]);
		}
		free(owners[i]);
	}
	fprintf(stderr, "seed: published %d versions, %d failed\n", published, failed);
	close_data(&app, s);
	return failed ? 1 : 0;
}

static int cmd_simple(const struct opts *o, int fold)
{
	sr_app app;
	memset(&app, 0, sizeof(app));
	sr_store *s;
	if (open_data(o, &app, &s))
		return 1;
	int rc = 0, n, total = 0;
	/* Each batch with a read budget of its own, as the fold job's. */
	while (fold && (sr_store_set_reads(s, NULL), !(rc = sr_store_fold_events(s, 500, &n))) && n) {
		total += n;
		if (n < 500)
			break;
	}
	if (fold)
		fprintf(stderr, "folded %d events\n", total);
	close_data(&app, s);
	return rc ? 1 : 0;
}

/* ---- scheduled jobs ---- */

static int cmd_cron(const struct opts *o)
{
	if (o->nargs == 2 && strcmp(o->args[1], "list") == 0) {
		sr_cron c;
		if (cron_schedule(o, &c))
			return 2;
		for (int i = 0; i < sr_cron_count(); i++) {
			const sr_cron_job *j = sr_cron_job_at(i);
			printf("%-10s every %lld ms  %s\n", j->name, (long long)c.interval_ms[i], j->what);
		}
		return 0;
	}
	if (o->nargs != 3 || strcmp(o->args[1], "run") != 0) {
		usage();
		return 2;
	}
	int i = sr_cron_find(o->args[2]);
	if (i < 0) {
		fprintf(stderr, "skillreg: no job %s (see skillreg cron list)\n", o->args[2]);
		return 2;
	}
	sr_app app;
	sr_store *s;
	int early = begin_cmd(o, 3, &app, &s);
	if (early)
		return early;
	char line[256];
	int rc = sr_cron_run(s, i, line, sizeof(line));
	printf("%s\n", line);
	close_data(&app, s);
	return rc ? 1 : 0;
}

/* ---- backfills ---- */

static int cmd_backfill(const struct opts *o)
{
	if (o->nargs != 2) {
		usage();
		return 2;
	}
	int list = strcmp(o->args[1], "list") == 0;
	int i = list ? -1 : sr_backfill_find(o->args[1]);
	if (!list && i < 0) {
		fprintf(stderr, "skillreg: no backfill %s (see skillreg backfill list)\n", o->args[1]);
		return 2;
	}
	if (o->batch < 1 || o->batch > SR_BACKFILL_MAX_BATCH) {
		fprintf(stderr, "skillreg: --batch must be between 1 and %d\n", SR_BACKFILL_MAX_BATCH);
		return 2;
	}
	sr_app app;
	sr_store *s;
	int early = begin_cmd(o, 2, &app, &s);
	if (early)
		return early;
	int rc = 0;
	if (list) {
		for (int k = 0; k < sr_backfill_count(); k++) {
			sr_backfill_state st;
			int got = sr_store_backfill_state_get(s, sr_backfill_name(k), &st);
			char where[160];
			if (got == SR_ENOTFOUND)
				snprintf(where, sizeof(where), "never run");
			else if (got)
				snprintf(where, sizeof(where), "state unreadable");
			else
				snprintf(where, sizeof(where), "pass %lld %s at id %lld, scanned %lld, changed %lld",
					 (long long)st.pass, st.finished_at ? "finished" : "interrupted",
					 (long long)st.last_id, (long long)st.scanned, (long long)st.changed);
			printf("%-10s %s\n           %s\n", sr_backfill_name(k), sr_backfill_what(k), where);
		}
	} else {
		sr_backfill_run r;
		int tty = isatty(2);
		rc = sr_backfill_run_one(s, i, (int)o->batch, stderr, tty, &r);
		printf("backfill %s: %s pass %lld%s: scanned %lld, changed %lld, %lld batches, %.2f s, "
		       "rows read %lld, bytes read %lld (pass: scanned %lld, changed %lld)\n",
		       o->args[1], rc ? "failed in" : "finished", (long long)r.pass, r.resumed ? " (resumed)" : "",
		       (long long)r.scanned, (long long)r.changed, (long long)r.batches, r.seconds,
		       (long long)r.rows_read, (long long)r.bytes_read, (long long)r.pass_scanned,
		       (long long)r.pass_changed);
		if (rc)
			fprintf(stderr, "skillreg backfill %s: %s; rerun to resume\n", o->args[1], sr_strerror(rc));
	}
	close_data(&app, s);
	return rc ? 1 : 0;
}

/* ---- benchmarks ---- */

static int cmd_gen(const struct opts *o)
{
	if (o->nargs != 1) {
		usage();
		return 2;
	}
	sr_synth_opts so = {o->data_dir, o->skills, (uint64_t)o->seed, 0, o->skills >= 100000};
	sr_synth_stats st;
	char err[512];
	if (sr_synth_generate(&so, &st, err, sizeof(err))) {
		fprintf(stderr, "skillreg gen: %s\n", err);
		return 1;
	}
	printf("gen: %lld skills, %lld users, %lld versions, %lld files, %lld daily rows, %lld stars, "
	       "db %.1f MB, %.1f s\n", (long long)st.skills, (long long)st.users, (long long)st.versions,
	       (long long)st.files, (long long)st.daily_rows, (long long)st.stars,
	       (double)st.db_bytes / 1e6, st.seconds);
	return 0;
}

static int cmd_bench_replay(const struct opts *o)
{
	sr_app app;
	sr_store *s;
	int early = begin_cmd(o, 1, &app, &s);
	if (early)
		return early;
	if (o->runs < 1 || o->runs > 1000) {
		fprintf(stderr, "skillreg: --runs must be between 1 and 1000\n");
		close_data(&app, s);
		return 2;
	}
	sr_buf out;
	sr_buf_init(&out, 1 << 20);
	int rc = sr_bench_replay(s, app.db_path, (int)o->runs, &out);
	if (!rc)
		fwrite(out.data, 1, out.len, stdout);
	else
		fprintf(stderr, "skillreg bench-replay: failed (%d); is %s a generated catalogue?\n", rc,
			app.data_dir);
	sr_buf_deinit(&out);
	close_data(&app, s);
	return rc ? 1 : 0;
}

/* ---- scan ---- */

/* Scans a skill directory on disk with the built-in rules (or --rules FILE) and prints the
 * verdict and findings. Exits 0 whatever the verdict: the report is the output. */
static int cmd_scan_db(const struct opts *o);

static int cmd_scan(const struct opts *o)
{
	if (!o->dir && (o->all || o->nargs == 2))
		return cmd_scan_db(o);
	if (o->nargs != 1 || !o->dir) {
		usage();
		return 2;
	}
	char err[512] = "";
	sr_scan_rules *rules;
	int rc = o->rules ? sr_scan_rules_new_file(o->rules, &rules, err, sizeof(err))
			  : sr_scan_rules_new_builtin(&rules, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "skillreg scan: cannot load rules: %s\n", err);
		return 1;
	}
	sr_scan_result *res = malloc(sizeof(*res));
	if (!res) {
		sr_scan_rules_free(rules);
		return 1;
	}
	rc = sr_scan_dir(rules, o->dir, NULL, res, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "skillreg scan: %s\n", err);
	} else if (o->json) {
		sr_buf out;
		sr_buf_init(&out, 1 << 20);
		if ((rc = sr_scan_result_json(res, &out)) == 0)
			printf("%s\n", out.data);
		else
			fprintf(stderr, "skillreg scan: cannot encode the report: %s\n", sr_strerror(rc));
		sr_buf_deinit(&out);
	} else {
		printf("verdict: %s (%zu files, %zu bytes scanned%s)\n", sr_scan_verdict_name(res->verdict),
		       res->files_scanned, res->bytes_scanned,
		       res->bytes_truncated ? "; stopped at the byte or file ceiling" : "");
		for (size_t i = 0; i < res->nfindings; i++) {
			const sr_scan_finding *f = &res->findings[i];
			printf("%-8s %-22s %s:%d: %s\n         %s\n", sr_scan_severity_name(f->severity),
			       f->rule_id, f->path[0] ? f->path : "(skill)", f->line, f->title, f->excerpt);
		}
		if (res->findings_truncated)
			printf("(more findings than %d; the rest are not listed)\n", SR_SCAN_MAX_FINDINGS);
	}
	free(res);
	sr_scan_rules_free(rules);
	return rc ? 1 : 0;
}

/* Finds a skill for the console: by slug (and --owner), whatever its visibility. */
static int console_skill(sr_store *s, const char *slug, const char *owner, sr_skill *out)
{
	char norm[128];
	if (sr_slug_normalize(slug, norm, sizeof(norm)) || !sr_slug_is_plausible(norm)) {
		fprintf(stderr, "skillreg: %s is not a skill slug\n", slug);
		return SR_EINVAL;
	}
	sr_lookup lk;
	int rc = sr_lookup_skill(s, norm, owner, NULL, &lk);
	if (rc == SR_ECONFLICT)
		fprintf(stderr, "skillreg: several publishers have a skill %s; add --owner HANDLE\n", norm);
	else if (rc)
		fprintf(stderr, "skillreg: no skill %s%s%s\n", norm, owner ? " of " : "", owner ? owner : "");
	else
		*out = lk.skill;
	return rc;
}

static void print_outcome(const char *slug, const char *version, const sr_scan_outcome *out)
{
	printf("%s@%s: %s (static %s, external %s; %zu findings) reason %s\n", slug, version,
	       out->combined != SR_VERDICT_NONE ? sr_verdict_name(out->combined) : "error",
	       out->verdict[0] != SR_VERDICT_NONE ? sr_verdict_name(out->verdict[0]) : "-",
	       out->verdict[1] != SR_VERDICT_NONE ? sr_verdict_name(out->verdict[1]) : "-",
	       out->findings, out->after.reason[0] ? out->after.reason : "-");
}

struct id_batch {
	int64_t ids[256], versions[256];
	int n;
};

static int take_id(void *ud, int64_t id, int64_t version)
{
	struct id_batch *b = ud;
	b->ids[b->n] = id;
	b->versions[b->n++] = version;
	return 0;
}

/* skillreg scan --all | SLUG: scans now, in this process, with the built-in rules and the
 * external scanner when one is configured; a rescan of what was scanned before. */
static int cmd_scan_db(const struct opts *o)
{
	if ((o->all && o->nargs != 1) || (!o->all && o->nargs != 2)) {
		usage();
		return 2;
	}
	sr_app app;
	sr_store *s;
	int early = begin_cmd(o, o->nargs, &app, &s);
	if (early)
		return early;
	char err[256] = "";
	sr_scan_rules *rules;
	if (sr_scan_rules_new_builtin(&rules, err, sizeof(err))) {
		fprintf(stderr, "skillreg scan: cannot load rules: %s\n", err);
		close_data(&app, s);
		return 1;
	}
	sr_ext_scanner ext = {o->scanner_cmd, o->scanner_timeout_ms};
	int rc = 0, failed = 0, scanned = 0;
	sr_scan_outcome out;
	if (!o->all) {
		sr_skill sk;
		int64_t vid = 0;
		if (console_skill(s, o->args[1], o->owner, &sk)) {
			failed = 1;
		} else if (o->version) {
			sr_regerr e;
			/* The version by its string: queue it as staff would, then scan it here. */
			if (sr_moderate(s, &sk, NULL, SR_MOD_RESCAN, o->version, NULL, &e)) {
				char text[1024];
				sr_api_error_text(&e, text, sizeof(text));
				fprintf(stderr, "skillreg scan: %s\n", text);
				failed = 1;
			} else {
				vid = -1;
			}
		} else {
			vid = sk.latest_version_id;
		}
		if (!failed && vid == -1) {
			/* Scans what the rescan queued (and anything else waiting). */
			int done = 0;
			rc = sr_scan_queue_drain(s, app.blobs, rules, &ext, 1 << 20, &done);
			printf("scanned %d queued versions\n", done);
		} else if (!failed && !vid) {
			fprintf(stderr, "skillreg scan: %s has no version\n", sk.slug);
			failed = 1;
		} else if (!failed) {
			rc = sr_scan_version(s, app.blobs, rules, &ext, vid, 0, &out);
			if (!rc)
				print_outcome(sk.slug, sk.latest_version, &out);
		}
	} else {
		int64_t after = 0;
		for (;;) {
			struct id_batch b = {.n = 0};
			sr_budget page;
			sr_store_budget_begin(s, &page);
			rc = sr_store_skill_ids_page(s, after, 256, take_id, &b);
			sr_store_budget_end(s, &page, NULL);
			if (rc)
				break;
			for (int i = 0; i < b.n && !rc; i++) {
				if (!b.versions[i])
					continue;
				/* One read budget per scan: a catalogue is many requests' worth. */
				sr_budget bud;
				sr_store_budget_begin(s, &bud);
				rc = sr_scan_version(s, app.blobs, rules, &ext, b.versions[i], 0, &out);
				sr_store_budget_end(s, &bud, NULL);
				if (rc == SR_ENOTFOUND)
					rc = 0;
				else if (!rc)
					scanned++;
			}
			if (rc || b.n < 256)
				break;
			after = b.ids[b.n - 1];
		}
		if (!rc)
			printf("scanned %d skills\n", scanned);
	}
	if (rc)
		fprintf(stderr, "skillreg scan: failed: %s\n", sr_strerror(rc));
	sr_scan_rules_free(rules);
	close_data(&app, s);
	return rc || failed ? 1 : 0;
}

/* skillreg moderate ACTION SLUG [ARG]: the staff actions from the console (audited without
 * an actor). */
static int cmd_moderate(const struct opts *o)
{
	int act = o->nargs >= 2 ? sr_mod_action_parse(o->args[1]) : -1;
	if (act < 0 || o->nargs != (act == SR_MOD_VERDICT ? 4 : 3)) {
		usage();
		return 2;
	}
	sr_app app;
	sr_store *s;
	int early = begin_cmd(o, o->nargs, &app, &s);
	if (early)
		return early;
	int ret = 1;
	sr_skill sk;
	if (!console_skill(s, o->args[2], o->owner, &sk)) {
		sr_regerr e = {0};
		const char *arg = act == SR_MOD_VERDICT ? o->args[3] : o->version;
		if (sr_moderate(s, &sk, NULL, act, arg, o->reason, &e)) {
			char text[1024];
			sr_api_error_text(&e, text, sizeof(text));
			fprintf(stderr, "skillreg moderate: %s\n", text);
		} else {
			printf("%s %s\n", o->args[1], sk.slug);
			ret = 0;
		}
	}
	close_data(&app, s);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage();
		return 2;
	}
	struct opts o;
	if (parse_opts(argc - 1, argv + 1, &o) || o.nargs == 0) {
		usage();
		return 2;
	}
	const char *cmd = o.args[0];
	const char *now = getenv("SKILLREG_NOW_MS");
	if (now && *now) {
		char *end;
		long long ms = strtoll(now, &end, 10);
		if (*end || ms <= 0) {
			fprintf(stderr, "skillreg: SKILLREG_NOW_MS must be milliseconds since the epoch\n");
			return 2;
		}
		sr_clock_set(ms);
	}
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(&o);
	if (strcmp(cmd, "migrate") == 0)
		return cmd_simple(&o, 0);
	if (strcmp(cmd, "fold") == 0)
		return cmd_simple(&o, 1);
	if (strcmp(cmd, "cron") == 0)
		return cmd_cron(&o);
	if (strcmp(cmd, "backfill") == 0)
		return cmd_backfill(&o);
	if (strcmp(cmd, "user") == 0)
		return cmd_user(&o);
	if (strcmp(cmd, "token") == 0)
		return cmd_token(&o);
	if (strcmp(cmd, "seed") == 0)
		return cmd_seed(&o);
	if (strcmp(cmd, "gen") == 0)
		return cmd_gen(&o);
	if (strcmp(cmd, "bench-replay") == 0)
		return cmd_bench_replay(&o);
	if (strcmp(cmd, "scan") == 0)
		return cmd_scan(&o);
	if (strcmp(cmd, "moderate") == 0)
		return cmd_moderate(&o);
	usage();
	return 2;
}
