/*
 * opts.h - the one option parser of the skillreg command.
 *
 * Every option of every subcommand is a row of one table (opts.c): its spelling, what kind of
 * value it takes, the field of sr_cmd_opts it fills, the range of a number, and the environment
 * variable that sets the same value. A subcommand names the options it takes as a bit set
 * (SR_O(LISTEN) | SR_O(THREADS) ...); anything else on its command line is an error.
 *
 * Errors are one line on stderr, git style, naming the option and the value, and the caller
 * exits with status 2:
 *
 *   skillreg: --max-rows: not a number: abc
 *   skillreg: --threads: out of range (1..256): 0
 *   skillreg: --listen: not a port: 127.0.0.1:http
 *   skillreg: --label: missing value
 *   skillreg: --frob: unknown option
 *   skillreg: --listen: not an option of backfill
 */
#ifndef SR_CMD_OPTS_H
#define SR_CMD_OPTS_H

#include <stdint.h>

#include "cron/cron.h"
#include "http/proxy.h"

/* The options, one id each. The order is the order of the table in opts.c. */
enum sr_opt_id {
	SR_OPT_DATA_DIR,
	SR_OPT_DB,
	SR_OPT_DB_REPLICA,
	SR_OPT_REPLICA_MAX_LAG_MS,
	SR_OPT_LISTEN,
	SR_OPT_PUBLIC_URL,
	SR_OPT_THREADS,
	SR_OPT_NO_RATE_LIMIT,
	SR_OPT_NO_ACCESS_LOG,
	SR_OPT_MAX_ROWS,
	SR_OPT_MAX_BYTES,
	SR_OPT_MAX_RANGES,
	SR_OPT_FOLD_MS,
	SR_OPT_CRON,
	SR_OPT_BLOB_GRACE_MS,
	SR_OPT_CACHE_MB,
	SR_OPT_SQLITE_CACHE_MB,
	SR_OPT_SQLITE_MMAP_MB,
	SR_OPT_SCANNER_CMD,
	SR_OPT_SCANNER_TIMEOUT_MS,
	SR_OPT_SCAN_POLL_MS,
	SR_OPT_ROLE,
	SR_OPT_DISPLAY_NAME,
	SR_OPT_REASON,
	SR_OPT_LABEL,
	SR_OPT_BATCH,
	SR_OPT_SKILLS,
	SR_OPT_SEED,
	SR_OPT_RUNS,
	SR_OPT_DIR,
	SR_OPT_RULES,
	SR_OPT_JSON,
	SR_OPT_ALL,
	SR_OPT_OWNER,
	SR_OPT_VERSION,
	SR_OPT_MAX_CONNECTIONS,
	SR_OPT_MAX_CONNECTIONS_PER_IP,
	SR_OPT_HEADER_TIMEOUT_MS,
	SR_OPT_BODY_TIMEOUT_MS,
	SR_OPT_BODY_MIN_RATE,
	SR_OPT_BODY_INFLIGHT_MB,
	SR_OPT_BODY_INFLIGHT_PER_USER_MB,
	SR_OPT_UPLOAD_QUOTA_MB,
	SR_OPT_TRUSTED_PROXY,
	SR_OPT_FROM,
	SR_OPT_BLOBS,
	SR_OPT_GITHUB_CLIENT_ID,
	SR_OPT_GITHUB_CLIENT_SECRET_FILE,
	SR_OPT_GITHUB_URL,
	SR_OPT_OIDC,
	SR_OPT_OIDC_CLIENT_ID,
	SR_OPT_OIDC_CLIENT_SECRET_FILE,
	SR_OPT_NO_LOCAL_SIGNIN,
	SR_OPT_METRICS_TOKEN_FILE,
	SR_OPT_COUNT
};
/* A command's options are a 64-bit mask of these (SR_O). */
_Static_assert(SR_OPT_COUNT <= 64, "more options than bits in a command's option mask");

/* The most HTTP worker threads serve runs (each holds one database connection). */
#define SR_CMD_MAX_THREADS 256
/* The most connections serve may be told to hold (each is a descriptor and a slot). */
#define SR_CMD_MAX_CONNECTIONS 1000000

/* The most read replicas serve takes (--db-replica, repeatable). */
#define SR_CMD_MAX_REPLICAS 8

/* The most OpenID Connect providers serve takes (--oidc NAME=ISSUER_URL, repeatable). */
#define SR_CMD_MAX_OIDC 8

/* NAME=VALUE options, repeatable (--oidc, --oidc-client-id, --oidc-client-secret-file). */
typedef struct sr_cmd_pairs {
	const char *name[SR_CMD_MAX_OIDC];
	const char *value[SR_CMD_MAX_OIDC];
	int n;
} sr_cmd_pairs;

/* The bit of one option in a subcommand's set: SR_O(DATA_DIR) | SR_O(LISTEN). */
#define SR_O(name) (UINT64_C(1) << SR_OPT_##name)

/* The parsed command line of one subcommand. Numbers are checked against their range before
 * they land here, so a subcommand may narrow them to int without a second look. */
typedef struct sr_cmd_opts {
	const char *data_dir;
	const char *db; /* --db URL: PostgreSQL instead of DIR/skillreg.db; NULL: SQLite */
	const char *db_replica[SR_CMD_MAX_REPLICAS]; /* --db-replica URL, in order */
	int ndb_replica;
	long long replica_max_lag_ms;
	char host[256]; /* --listen HOST:PORT split; "" binds every address */
	int port;
	const char *public_url;
	const char *role, *label, *reason, *display_name;
	const char *dir, *rules;
	const char *scanner_cmd, *owner, *version;
	const char *from, *blobs; /* db-copy: the SQLite source and its blob directory */
	long long scanner_timeout_ms, scan_poll_ms;
	int all, json;
	long long threads; /* 0: one per core */
	long long fold_ms;
	long long blob_grace_ms; /* blob-gc's grace period */
	int no_rate_limit, no_access_log;
	int no_local_signin; /* local accounts (passwords, invitations) off */
	long long cache_mb;
	long long sqlite_cache_mb, sqlite_mmap_mb; /* -1: the store's defaults */
	long long max_rows, max_bytes, max_ranges; /* 0: the server's defaults */
	long long max_connections, max_connections_per_ip;
	long long header_timeout_ms, body_timeout_ms, body_min_rate;
	long long body_inflight_mb, body_inflight_per_user_mb;
	long long upload_quota_mb; /* a user's unpublished upload tickets */
	long long skills, seed, runs;
	long long batch;
	const char *args[4]; /* the words that are not options; args[0] is the subcommand */
	int nargs;
	const char *cron[SR_CRON_MAX]; /* --cron NAME=MS, in order */
	int ncron;
	sr_http_cidr trusted_proxies[SR_HTTP_MAX_PROXIES]; /* --trusted-proxy CIDR[,CIDR]... */
	int ntrusted_proxies;
	/* Sign-in providers (README, "Sign-in with GitHub or OpenID Connect"). A secret is read
	 * from the file its option names, or taken from its environment variable; never from
	 * the command line, which every user of the machine can read. */
	const char *github_client_id, *github_client_secret, *github_url;
	const char *metrics_token; /* --metrics-token-file's secret; NULL: /metrics is off */
	sr_cmd_pairs oidc, oidc_client_id, oidc_client_secret;
	int help; /* --help or -h was given: print the subcommand's usage, nothing else */
} sr_cmd_opts;

/* Parses argv[0..argc), whose argv[0] is the subcommand's name, for a subcommand that takes
 * the options in `takes`: the command line over the environment variables of those options
 * over the defaults. Returns 0, or 2 after one line on stderr. Stops at --help or -h with
 * o->help set (the environment is then not read). */
int sr__opts_parse(int argc, char **argv, uint64_t takes, sr_cmd_opts *o);

/* Whether `arg` is an option that takes a value (the next word), whatever the subcommand:
 * how the dispatcher skips `--data-dir DIR` written before the subcommand's name. */
int sr__opts_takes_value(const char *arg);

/* Reads `text` as a whole number in min..max into *out. On failure prints
 * "skillreg: WHAT: not a number: TEXT" (or "out of range") and returns 2. */
int sr__opts_number(const char *what, const char *text, long long min, long long max, long long *out);

/* Reads SKILLREG_NOW_MS and SKILLREG_FAULT_AT, the variables every subcommand honours, checked
 * like options; pins the clock to the first. Returns 0, or 2 after one line on stderr. */
int sr__opts_env_common(void);

#endif
