/*
 * opts.c - the one option parser of the skillreg command (see opts.h).
 *
 * The table below is the only place that knows an option's spelling, its value, its range and
 * its environment variable; the subcommands only say which options they take. A number that
 * is not a whole number in range is refused here, before a subcommand opens anything, so that
 * `serve --max-rows abc` stops with a message instead of serving with the default.
 */
#include "cmd/opts.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"
#include "cron/backfill.h"
#include "http/http.h"
#include "moderation/moderation.h"
#include "registry/registry.h"

enum opt_kind {
	OPT_FLAG,   /* no value; sets an int to 1 (its variable: set by the value "off") */
	OPT_TEXT,   /* a string, kept as given */
	OPT_NUMBER, /* a whole number in min..max, into a long long */
	OPT_LISTEN, /* HOST:PORT, into host and port */
	OPT_CRON,   /* NAME=MS, repeatable; checked against the job table by the subcommand */
	OPT_CIDR,   /* address ranges, comma-separated, repeatable */
	OPT_REPLICA, /* a URL, repeatable; its variable lists them separated by commas */
	OPT_SECRET,  /* a secret: the option names a file holding it, the variable holds it */
	OPT_PAIR,    /* NAME=VALUE, repeatable; its variable lists them separated by spaces */
	OPT_SECRET_PAIR /* NAME=FILE, repeatable, the file holding NAME's secret; its variable
			 * lists NAME=SECRET pairs separated by spaces */
};

struct opt_def {
	const char *name;
	enum opt_kind kind;
	size_t off; /* the field of sr_cmd_opts */
	long long min, max;
	const char *env; /* the environment variable that sets the same value, or NULL */
};

#define F(field) offsetof(sr_cmd_opts, field)
#define MB_MAX (1LL << 20) /* a mebibyte count: at most a tebibyte */

static const struct opt_def defs[SR_OPT_COUNT] = {
	[SR_OPT_DATA_DIR] = {"--data-dir", OPT_TEXT, F(data_dir), 0, 0, "SKILLREG_DATA_DIR"},
	[SR_OPT_DB] = {"--db", OPT_TEXT, F(db), 0, 0, "SKILLREG_DB"},
	[SR_OPT_DB_REPLICA] = {"--db-replica", OPT_REPLICA, 0, 0, 0, "SKILLREG_DB_REPLICA"},
	[SR_OPT_REPLICA_MAX_LAG_MS] = {"--replica-max-lag-ms", OPT_NUMBER, F(replica_max_lag_ms), 10, 600000, NULL},
	[SR_OPT_LISTEN] = {"--listen", OPT_LISTEN, 0, 0, 65535, "SKILLREG_LISTEN"},
	[SR_OPT_PUBLIC_URL] = {"--public-url", OPT_TEXT, F(public_url), 0, 0, "SKILLREG_PUBLIC_URL"},
	[SR_OPT_THREADS] = {"--threads", OPT_NUMBER, F(threads), 1, SR_CMD_MAX_THREADS, NULL},
	[SR_OPT_NO_RATE_LIMIT] = {"--no-rate-limit", OPT_FLAG, F(no_rate_limit), 0, 0, "SKILLREG_RATE_LIMIT"},
	[SR_OPT_NO_ACCESS_LOG] = {"--no-access-log", OPT_FLAG, F(no_access_log), 0, 0, "SKILLREG_ACCESS_LOG"},
	[SR_OPT_MAX_ROWS] = {"--max-rows", OPT_NUMBER, F(max_rows), 1, LLONG_MAX, NULL},
	[SR_OPT_MAX_BYTES] = {"--max-bytes", OPT_NUMBER, F(max_bytes), 1, LLONG_MAX, NULL},
	[SR_OPT_MAX_RANGES] = {"--max-ranges", OPT_NUMBER, F(max_ranges), 1, LLONG_MAX, NULL},
	[SR_OPT_FOLD_MS] = {"--fold-ms", OPT_NUMBER, F(fold_ms), SR_CRON_MIN_MS, SR_CRON_MAX_MS, NULL},
	[SR_OPT_CRON] = {"--cron", OPT_CRON, 0, 0, 0, NULL},
	[SR_OPT_BLOB_GRACE_MS] = {"--blob-grace-ms", OPT_NUMBER, F(blob_grace_ms), 0, SR_CRON_MAX_MS, NULL},
	[SR_OPT_CACHE_MB] = {"--cache-mb", OPT_NUMBER, F(cache_mb), 0, MB_MAX, "SKILLREG_CACHE_MB"},
	[SR_OPT_SQLITE_CACHE_MB] = {"--sqlite-cache-mb", OPT_NUMBER, F(sqlite_cache_mb), 0, MB_MAX, NULL},
	[SR_OPT_SQLITE_MMAP_MB] = {"--sqlite-mmap-mb", OPT_NUMBER, F(sqlite_mmap_mb), 0, MB_MAX, NULL},
	[SR_OPT_SCANNER_CMD] = {"--scanner-cmd", OPT_TEXT, F(scanner_cmd), 0, 0, "SKILLREG_SCANNER_CMD"},
	[SR_OPT_SCANNER_TIMEOUT_MS] = {"--scanner-timeout-ms", OPT_NUMBER, F(scanner_timeout_ms), 100, 600000, NULL},
	[SR_OPT_SCAN_POLL_MS] = {"--scan-poll-ms", OPT_NUMBER, F(scan_poll_ms), 10, 3600000, NULL},
	[SR_OPT_ROLE] = {"--role", OPT_TEXT, F(role), 0, 0, NULL},
	[SR_OPT_DISPLAY_NAME] = {"--display-name", OPT_TEXT, F(display_name), 0, 0, NULL},
	[SR_OPT_REASON] = {"--reason", OPT_TEXT, F(reason), 0, 0, NULL},
	[SR_OPT_LABEL] = {"--label", OPT_TEXT, F(label), 0, 0, NULL},
	[SR_OPT_BATCH] = {"--batch", OPT_NUMBER, F(batch), 1, SR_BACKFILL_MAX_BATCH, NULL},
	[SR_OPT_SKILLS] = {"--skills", OPT_NUMBER, F(skills), 1, 100000000, NULL},
	[SR_OPT_SEED] = {"--seed", OPT_NUMBER, F(seed), 0, LLONG_MAX, NULL},
	[SR_OPT_RUNS] = {"--runs", OPT_NUMBER, F(runs), 1, 1000, NULL},
	[SR_OPT_DIR] = {"--dir", OPT_TEXT, F(dir), 0, 0, NULL},
	[SR_OPT_RULES] = {"--rules", OPT_TEXT, F(rules), 0, 0, NULL},
	[SR_OPT_JSON] = {"--json", OPT_FLAG, F(json), 0, 0, NULL},
	[SR_OPT_ALL] = {"--all", OPT_FLAG, F(all), 0, 0, NULL},
	[SR_OPT_OWNER] = {"--owner", OPT_TEXT, F(owner), 0, 0, NULL},
	[SR_OPT_VERSION] = {"--version", OPT_TEXT, F(version), 0, 0, NULL},
	[SR_OPT_MAX_CONNECTIONS] = {"--max-connections", OPT_NUMBER, F(max_connections), 1, SR_CMD_MAX_CONNECTIONS, NULL},
	[SR_OPT_MAX_CONNECTIONS_PER_IP] = {"--max-connections-per-ip", OPT_NUMBER, F(max_connections_per_ip), 1,
					   SR_CMD_MAX_CONNECTIONS, NULL},
	[SR_OPT_HEADER_TIMEOUT_MS] = {"--header-timeout-ms", OPT_NUMBER, F(header_timeout_ms), 100, 600000, NULL},
	[SR_OPT_BODY_TIMEOUT_MS] = {"--body-timeout-ms", OPT_NUMBER, F(body_timeout_ms), 100, 600000, NULL},
	[SR_OPT_BODY_MIN_RATE] = {"--body-min-rate", OPT_NUMBER, F(body_min_rate), 0, 1 << 30, NULL},
	[SR_OPT_BODY_INFLIGHT_MB] = {"--body-inflight-mb", OPT_NUMBER, F(body_inflight_mb), 64, 1 << 20, NULL},
	[SR_OPT_BODY_INFLIGHT_PER_USER_MB] = {"--body-inflight-per-user-mb", OPT_NUMBER, F(body_inflight_per_user_mb), 1,
					      1 << 20, NULL},
	[SR_OPT_UPLOAD_QUOTA_MB] = {"--upload-quota-mb", OPT_NUMBER, F(upload_quota_mb), 1, MB_MAX, NULL},
	[SR_OPT_TRUSTED_PROXY] = {"--trusted-proxy", OPT_CIDR, 0, 0, 0, "SKILLREG_TRUSTED_PROXY"},
	[SR_OPT_FROM] = {"--from", OPT_TEXT, F(from), 0, 0, NULL},
	[SR_OPT_BLOBS] = {"--blobs", OPT_TEXT, F(blobs), 0, 0, NULL},
	[SR_OPT_GITHUB_CLIENT_ID] = {"--github-client-id", OPT_TEXT, F(github_client_id), 0, 0, "SKILLREG_GITHUB_CLIENT_ID"},
	[SR_OPT_GITHUB_CLIENT_SECRET_FILE] = {"--github-client-secret-file", OPT_SECRET, F(github_client_secret), 0, 0,
					      "SKILLREG_GITHUB_CLIENT_SECRET"},
	[SR_OPT_GITHUB_URL] = {"--github-url", OPT_TEXT, F(github_url), 0, 0, "SKILLREG_GITHUB_URL"},
	[SR_OPT_OIDC] = {"--oidc", OPT_PAIR, F(oidc), 0, 0, "SKILLREG_OIDC"},
	[SR_OPT_OIDC_CLIENT_ID] = {"--oidc-client-id", OPT_PAIR, F(oidc_client_id), 0, 0, "SKILLREG_OIDC_CLIENT_ID"},
	[SR_OPT_OIDC_CLIENT_SECRET_FILE] = {"--oidc-client-secret-file", OPT_SECRET_PAIR, F(oidc_client_secret), 0, 0,
					    "SKILLREG_OIDC_CLIENT_SECRET"},
	[SR_OPT_NO_LOCAL_SIGNIN] = {"--no-local-signin", OPT_FLAG, F(no_local_signin), 0, 0, "SKILLREG_LOCAL_SIGNIN"},
	[SR_OPT_METRICS_TOKEN_FILE] = {"--metrics-token-file", OPT_SECRET, F(metrics_token), 0, 0, "SKILLREG_METRICS_TOKEN"},
};

enum { NUM_OK, NUM_NOT_A_NUMBER, NUM_OUT_OF_RANGE };

/* An optional minus sign and decimal digits, nothing else (no spaces, no plus, no hex). */
static int to_number(const char *text, long long min, long long max, long long *out)
{
	const char *p = text[0] == '-' ? text + 1 : text;
	if (!*p)
		return NUM_NOT_A_NUMBER;
	for (const char *c = p; *c; c++)
		if (*c < '0' || *c > '9')
			return NUM_NOT_A_NUMBER;
	errno = 0;
	long long v = strtoll(text, NULL, 10);
	if (errno == ERANGE || v < min || v > max)
		return NUM_OUT_OF_RANGE;
	*out = v;
	return NUM_OK;
}

static void range_error(const char *what, const char *text, long long min, long long max)
{
	if (max == LLONG_MAX)
		fprintf(stderr, "skillreg: %s: out of range (at least %lld): %s\n", what, min, text);
	else
		fprintf(stderr, "skillreg: %s: out of range (%lld..%lld): %s\n", what, min, max, text);
}

int sr__opts_number(const char *what, const char *text, long long min, long long max, long long *out)
{
	int rc = to_number(text, min, max, out);
	if (rc == NUM_NOT_A_NUMBER)
		fprintf(stderr, "skillreg: %s: not a number: %s\n", what, text);
	else if (rc == NUM_OUT_OF_RANGE)
		range_error(what, text, min, max);
	return rc == NUM_OK ? 0 : 2;
}

/* HOST:PORT; without a colon the whole text is the host and the port is 8787. */
static int set_listen(const char *what, const char *text, sr_cmd_opts *o)
{
	if (strlen(text) >= sizeof(o->host)) {
		fprintf(stderr, "skillreg: %s: too long: %s\n", what, text);
		return 2;
	}
	snprintf(o->host, sizeof(o->host), "%s", text);
	o->port = 8787;
	char *colon = strrchr(o->host, ':');
	if (!colon)
		return 0;
	*colon = '\0';
	long long port = 0;
	int rc = to_number(colon + 1, 0, 65535, &port);
	if (rc == NUM_NOT_A_NUMBER)
		fprintf(stderr, "skillreg: %s: not a port: %s\n", what, text);
	else if (rc == NUM_OUT_OF_RANGE)
		fprintf(stderr, "skillreg: %s: port out of range (0..65535): %s\n", what, text);
	o->port = (int)port;
	return rc == NUM_OK ? 0 : 2;
}

/* CIDR[,CIDR]...: each range is added to the trusted proxies (http/proxy.h). */
static int add_cidrs(const char *what, const char *text, sr_cmd_opts *o)
{
	for (const char *p = text;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (o->ntrusted_proxies == SR_HTTP_MAX_PROXIES) {
			fprintf(stderr, "skillreg: %s: more than %d ranges: %s\n", what, SR_HTTP_MAX_PROXIES, text);
			return 2;
		}
		if (sr_http_cidr_parse(p, len, &o->trusted_proxies[o->ntrusted_proxies])) {
			fprintf(stderr, "skillreg: %s: not an address range (ADDR/BITS): %.*s\n", what, (int)len, p);
			return 2;
		}
		o->ntrusted_proxies++;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

/* One replica URL from the command line, or the variable's list: URLs separated by commas.
 * A comma splits only before "postgres", since a multi-host URL has commas of its own. */
static int add_replicas(const char *what, const char *v, sr_cmd_opts *o)
{
	static char list[8192]; /* the variable's URLs, split in place; lives as long as o */
	if (strcmp(what, "--db-replica") != 0) {
		if (strlen(v) >= sizeof(list)) {
			fprintf(stderr, "skillreg: %s: too long\n", what);
			return 2;
		}
		snprintf(list, sizeof(list), "%s", v);
		v = list;
	}
	for (char *p = (char *)v; p && *p;) {
		char *next = p;
		while ((next = strchr(next + 1, ',')) && strncmp(next + 1, "postgres", 8) != 0)
			;
		if (next && v == list)
			*next++ = '\0';
		if (o->ndb_replica == SR_CMD_MAX_REPLICAS) {
			fprintf(stderr, "skillreg: %s: more than %d replicas\n", what, SR_CMD_MAX_REPLICAS);
			return 2;
		}
		o->db_replica[o->ndb_replica++] = p;
		if (v != list)
			break;
		p = next;
	}
	return 0;
}

/* Copies of the values the pair and secret options split or read: they live as long as the
 * process, like argv and the environment the other options point into. */
static char arena[16384];
static size_t arena_used;

static const char *keep(const char *s, size_t n)
{
	if (n + 1 > sizeof(arena) - arena_used)
		return NULL;
	char *p = arena + arena_used;
	memcpy(p, s, n);
	p[n] = '\0';
	arena_used += n + 1;
	return p;
}

/* A secret from the file `path`: its first line, without the line end. The message names the
 * file and never the content. */
static const char *read_secret(const char *what, const char *path)
{
	char text[1024];
	sr_buf b;
	sr_buf_init_fixed(&b, text, sizeof(text));
	int rc = sr_buf_read_file(&b, path);
	size_t n = strcspn(text, "\r\n");
	const char *kept = rc || n == 0 ? NULL : keep(text, n);
	memset(text, 0, sizeof(text));
	if (!kept)
		fprintf(stderr, "skillreg: %s: cannot read a secret from %s (a file of one line, under 1 KiB)\n",
			what, path);
	return kept;
}

/* One NAME=VALUE into a list; a secret pair's VALUE is a file to read when from_file. */
static int add_pair(const char *what, const char *v, size_t len, int secret, int from_file, sr_cmd_pairs *l)
{
	const char *eq = memchr(v, '=', len);
	if (!eq || eq == v || eq + 1 == v + len) {
		if (secret) /* the value may be the secret itself: never shown */
			fprintf(stderr, "skillreg: %s: want NAME=%s\n", what, from_file ? "FILE" : "SECRET");
		else
			fprintf(stderr, "skillreg: %s: want NAME=VALUE: %.*s\n", what, (int)len, v);
		return 2;
	}
	if (l->n == SR_CMD_MAX_OIDC) {
		fprintf(stderr, "skillreg: %s: more than %d\n", what, SR_CMD_MAX_OIDC);
		return 2;
	}
	const char *name = keep(v, (size_t)(eq - v)), *value = keep(eq + 1, len - (size_t)(eq + 1 - v));
	if (name && value && secret && from_file)
		value = read_secret(what, value);
	if (!name || !value) {
		if (name && !secret)
			fprintf(stderr, "skillreg: %s: too long\n", what);
		return 2;
	}
	l->name[l->n] = name;
	l->value[l->n++] = value;
	return 0;
}

/* NAME=VALUE options: one from the command line, or the variable's list split at spaces. */
static int add_pairs(const char *what, const char *v, int secret, sr_cmd_pairs *l)
{
	int from_file = strncmp(what, "--", 2) == 0;
	if (from_file)
		return add_pair(what, v, strlen(v), secret, 1, l);
	for (const char *p = v;;) {
		p += strspn(p, " \t\n");
		size_t len = strcspn(p, " \t\n");
		if (!len)
			return 0;
		if (add_pair(what, p, len, secret, 0, l))
			return 2;
		p += len;
	}
}

/* Stores one value; `what` names where it came from (the option or the variable). */
static int set_value(const struct opt_def *d, const char *what, const char *v, sr_cmd_opts *o)
{
	char *field = (char *)o + d->off;
	switch (d->kind) {
	case OPT_FLAG:
		*(int *)(void *)field = 1;
		return 0;
	case OPT_TEXT:
		*(const char **)(void *)field = v;
		return 0;
	case OPT_NUMBER:
		return sr__opts_number(what, v, d->min, d->max, (long long *)(void *)field);
	case OPT_LISTEN:
		return set_listen(what, v, o);
	case OPT_CRON:
		if (o->ncron == SR_CRON_MAX) {
			fprintf(stderr, "skillreg: %s: more than %d: %s\n", what, SR_CRON_MAX, v);
			return 2;
		}
		o->cron[o->ncron++] = v;
		return 0;
	case OPT_CIDR:
		return add_cidrs(what, v, o);
	case OPT_REPLICA:
		return add_replicas(what, v, o);
	case OPT_SECRET:
		v = strncmp(what, "--", 2) == 0 ? read_secret(what, v) : v;
		*(const char **)(void *)field = v;
		return v ? 0 : 2;
	case OPT_PAIR:
	case OPT_SECRET_PAIR:
		return add_pairs(what, v, d->kind == OPT_SECRET_PAIR, (sr_cmd_pairs *)(void *)field);
	}
	return 2;
}

static void defaults(sr_cmd_opts *o)
{
	memset(o, 0, sizeof(*o));
	arena_used = 0;
	o->data_dir = "data";
	set_listen("--listen", "127.0.0.1:8787", o);
	o->public_url = "";
	o->fold_ms = 2000;
	o->blob_grace_ms = SR_BLOB_GC_GRACE_MS;
	o->skills = 10000;
	o->seed = 1;
	o->runs = 5;
	o->batch = SR_BACKFILL_BATCH;
	o->cache_mb = 64;
	o->replica_max_lag_ms = 1000;
	o->sqlite_cache_mb = o->sqlite_mmap_mb = -1;
	o->scanner_timeout_ms = SR_EXT_SCAN_DEFAULT_TIMEOUT_MS;
	o->scan_poll_ms = 1000;
	o->max_connections = SR_HTTP_MAX_CONNECTIONS;
	o->max_connections_per_ip = SR_HTTP_MAX_PER_IP;
	o->header_timeout_ms = SR_HTTP_HEADER_TIMEOUT_MS;
	o->body_timeout_ms = SR_HTTP_BODY_TIMEOUT_MS;
	o->body_min_rate = SR_HTTP_BODY_MIN_RATE;
	o->body_inflight_mb = SR_HTTP_INFLIGHT_MB;
	o->body_inflight_per_user_mb = SR_HTTP_INFLIGHT_PER_USER_MB;
	o->upload_quota_mb = SR_UPLOAD_QUOTA_MB;
}

/* The environment variables of the options the subcommand takes and the command line did not
 * give, checked as options are (a flag wins over its variable, and a bad variable under a
 * good flag is not an error). A flag's variable turns it on with the value "off"
 * (SKILLREG_RATE_LIMIT=off); an empty number counts as unset. */
static int from_env(uint64_t takes, sr_cmd_opts *o)
{
	for (int id = 0; id < SR_OPT_COUNT; id++) {
		const struct opt_def *d = &defs[id];
		const char *v = d->env && (takes & (UINT64_C(1) << id)) ? getenv(d->env) : NULL;
		if (!v || (d->kind == OPT_FLAG && strcmp(v, "off") != 0) ||
		    ((d->kind == OPT_NUMBER || d->kind == OPT_CIDR || d->kind == OPT_PAIR || d->kind == OPT_SECRET_PAIR) && !*v))
			continue;
		if (set_value(d, d->env, v, o))
			return 2;
	}
	return 0;
}

static int find_opt(const char *arg)
{
	for (int id = 0; id < SR_OPT_COUNT; id++)
		if (strcmp(arg, defs[id].name) == 0)
			return id;
	return -1;
}

int sr__opts_takes_value(const char *arg)
{
	int id = find_opt(arg);
	return id >= 0 && defs[id].kind != OPT_FLAG;
}

int sr__opts_parse(int argc, char **argv, uint64_t takes, sr_cmd_opts *o)
{
	defaults(o);
	uint64_t given = 0; /* the options on the command line: their variables are not read */
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || a[1] == '\0') {
			if (o->nargs == (int)(sizeof(o->args) / sizeof(o->args[0]))) {
				fprintf(stderr, "skillreg: %s: too many arguments: %s\n", argv[0], a);
				return 2;
			}
			o->args[o->nargs++] = a;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			o->help = 1;
			return 0;
		}
		int id = find_opt(a);
		if (id < 0) {
			fprintf(stderr, "skillreg: %s: unknown option\n", a);
			return 2;
		}
		if (!(takes & (UINT64_C(1) << id))) {
			fprintf(stderr, "skillreg: %s: not an option of %s\n", a, argv[0]);
			return 2;
		}
		const char *v = NULL;
		if (defs[id].kind != OPT_FLAG) {
			if (i + 1 == argc) {
				fprintf(stderr, "skillreg: %s: missing value\n", a);
				return 2;
			}
			v = argv[++i];
		}
		if (set_value(&defs[id], a, v, o))
			return 2;
		given |= UINT64_C(1) << id;
	}
	return from_env(takes & ~given, o);
}

int sr__opts_env_common(void)
{
	long long v;
	const char *now = getenv("SKILLREG_NOW_MS");
	if (now && *now) {
		if (sr__opts_number("SKILLREG_NOW_MS", now, 1, LLONG_MAX, &v))
			return 2;
		sr_clock_set(v);
	}
	/* core/fault.c reads this one itself, at the first fault point; checked here so that a
	 * typo stops the command rather than silently injecting nothing. */
	const char *fault = getenv("SKILLREG_FAULT_AT");
	if (fault && *fault && sr__opts_number("SKILLREG_FAULT_AT", fault, 0, LONG_MAX, &v))
		return 2;
	return 0;
}
