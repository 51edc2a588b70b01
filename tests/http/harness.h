/*
 * harness.h - end-to-end HTTP test harness: runs a real `skillreg serve` process on a free
 * loopback port with a throw-away data directory and talks to it with libcurl.
 *
 * Every test program starts one server in its cmocka group setup and stops it in the group
 * teardown. The server is expected to shut down cleanly on SIGTERM (exit status 0), which
 * under AddressSanitizer also means it did not leak. The binary is $SKILLREG_BIN, else
 * `<dir of the test executable>/../skillreg`, so build/tests/test_x runs build/skillreg and
 * build-asan/tests/test_x runs build-asan/skillreg.
 *
 * Users created for every server:
 *   alice (user), bob (user), boss (admin), mallory (user, banned after its token was made);
 *   tok_revoked is a second token of alice, revoked before the server starts.
 *
 * The database: SQLite in the data directory, or with SKILLREG_TEST_DB=postgres a fresh
 * PostgreSQL database per server on the cluster in SKILLREG_TEST_PG, passed as `--db URL` to
 * `serve` and to every admin command (tests/http/testdb.c). Tests reach its rows only through
 * the srt_db_* and srt_sql* calls, in SQL both engines accept.
 *
 * Helper functions that check something use cmocka's failure reporting with the caller's
 * file and line (the SRT_EXPECT_* macros), so a failure points at the test, not here.
 *
 * The files: harness.c (the server process, its users and admin commands), client.c
 * (requests, responses, checks, small utilities), publish.c (publishing, multipart, zips),
 * web.c (the web site's sessions and forms), testdb.c (the database).
 */
#ifndef SRT_HARNESS_H
#define SRT_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <sys/types.h>
#include <cmocka.h>
#include <jansson.h>

#define SRT_MAX_PATH 4096

/* The token every harness server is started with (`serve --metrics-token-file`, a file in its
 * data directory). srt_request adds it to a GET of "/metrics" that names no Authorization of
 * its own, so tests read /metrics as the operator's scraper does. */
#define SRT_METRICS_TOKEN "srt-metrics-0123456789abcdef"
/* While set, servers are started without --metrics-token-file (their /metrics is off). */
extern int srt_metrics_off;


typedef struct srt_server {
	char bin[SRT_MAX_PATH];
	char dir[256];
	char db[512]; /* the database: a postgres:// URL, or the SQLite file in dir */
	char base[64]; /* http://127.0.0.1:PORT */
	int port;
	pid_t pid;
	int starting; /* polling /healthz: transport errors are expected */
	const char *const *serve_args; /* extra `serve` arguments (NULL-terminated) or NULL */
	int no_scan_wait; /* publishes return at once instead of waiting for the scan worker */
	/* A GET of /metrics without an Authorization header is sent as it is, not with the
	 * operator's token (SRT_METRICS_TOKEN) the harness adds otherwise. */
	int metrics_anonymous;
	void *curl;
	char tok_alice[128];
	char tok_bob[128];
	char tok_admin[128];  /* user "boss", role admin */
	char tok_banned[128]; /* user "mallory", banned */
	char tok_revoked[128];
} srt_server;

typedef struct srt_hdr {
	char *name;
	char *value;
} srt_hdr;

typedef struct srt_resp {
	long status;
	char *body; /* always NUL-terminated (extra byte not counted in len) */
	size_t len;
	srt_hdr *hdrs;
	size_t nhdrs;
	size_t cap;
} srt_resp;

typedef struct srt_file {
	const char *path;
	const void *data;
	size_t len;
	const char *ctype;
} srt_file;

typedef struct srt_part {
	const char *name;
	const char *filename; /* NULL: a plain field */
	const char *ctype;    /* NULL: none sent */
	const void *data;
	size_t len;
} srt_part;

/* Lifecycle. Both return 0 or -1 (after printing why and the server log). */
int srt_server_start(srt_server *s);
/* The same with extra `serve` arguments (e.g. {"--threads", "8", NULL}); the array must
 * outlive the server (it is reused by srt_server_restart). */
int srt_server_start_args(srt_server *s, const char *const *serve_args);
int srt_server_stop(srt_server *s);
/* A second `serve` process on s's data directory and database, with s's `serve` arguments and
 * tokens, on a port of its own: another node of the same registry. Stopped (checking it exits
 * 0) by srt_server_stop_peer, which leaves the data to s. 0 or -1. */
int srt_server_start_peer(srt_server *peer, const srt_server *s);
int srt_server_stop_peer(srt_server *peer);
/* Stops the server (checking it exits 0) and starts it again on the same data directory
 * (on a new port: s->base changes). 0 or -1. */
int srt_server_restart(srt_server *s);
/* Kills the server with SIGKILL at once (no shutdown: a crash), checks it died of it, and
 * starts it again on the same data directory and database (on a new port). 0 or -1. */
int srt_server_kill_restart(srt_server *s);
/* Runs `<bin> args... --data-dir DIR` (and `--db URL` on PostgreSQL); stdout (trimmed) into out. Returns the exit status
 * (or -1 when it could not run). args is NULL-terminated. */
int srt_admin(srt_server *s, char *out, size_t outsz, const char *const *args);
/* Waits until the server has applied every write committed so far by any process or thread
 * (on PostgreSQL: a sync marker through its LISTEN connection; on SQLite nothing to wait for).
 * 0 or -1. */
int srt_sync(srt_server *s);
/* Makes the server forget the tokens it keeps in memory (on PostgreSQL, store/token_memo.c;
 * on SQLite there are none), as the passing of SR__TOKEN_MEMO_MS would, and waits until it
 * has (srt_sync). 0 or -1. */
int srt_forget_tokens(srt_server *s);
/* Adds user handle with role (user, moderator, admin) and an API token of it into tok (n
 * bytes), checking both commands succeed. */
void srt_make_user(srt_server *s, const char *handle, const char *role, char *tok, size_t n);
/* A skill of another publisher on a slug someone already holds. Since migration 0009 a
 * client's publish cannot make one (one owner per new slug), so it comes in the way a legacy
 * catalogue does, through the operator's import (`skillreg seed`), and is scanned before this
 * returns. 0 or -1 after printing why. */
int srt_import_skill(srt_server *s, const char *owner, const char *slug, const char *version,
		     const char *name, const char *description);

/* The database (tests/http/testdb.c). A target is what `skillreg --db` takes: a postgres://
 * URL or a SQLite file path; srt_server.db is the server's. */
/* 1 when SKILLREG_TEST_DB=postgres: the servers run on PostgreSQL. */
int srt_db_postgres(void);
/* Runs one statement or several; the rows changed by the last one, or -1 after printing why. */
long srt_db_exec(const char *target, const char *sql);
/* The first column of the first row as an integer; -1 after printing why (no row, an error,
 * not an integer). */
long long srt_db_int(const char *target, const char *sql);
/* Every row as text: columns joined by '|', each row ended by '\n', NULL as "NULL".
 * malloc'd; NULL after printing why. */
char *srt_db_text(const char *target, const char *sql);
/* The same on the server's database. */
long srt_sql(srt_server *s, const char *sql);
long long srt_sql_int(srt_server *s, const char *sql);
/* 0 when the database is sound: SQLite's integrity_check, PostgreSQL's amcheck of every
 * B-tree index. */
int srt_db_check(const char *target);
/* A second database beside the server's, for copies: on PostgreSQL the server's database
 * name plus "_suffix" on the same cluster, on SQLite dir/skillreg.db. Rotating buffer. */
const char *srt_db_sibling(const srt_server *s, const char *suffix, const char *dir);
/* Replaces `to` with a copy of `from`, which nothing may be writing (on PostgreSQL nothing
 * may be connected to it). 0 or -1. */
int srt_db_copy(const char *from, const char *to);
/* Removes a database (a SQLite file and its journals). 0 or -1. */
int srt_db_drop(const char *target);
/* A consistent copy of the running server's database into `to`: SQLite's VACUUM INTO beside
 * the server; on PostgreSQL the server is stopped for the copy and started again (on a new
 * port). 0 or -1. */
int srt_db_snapshot(srt_server *s, const char *to);
/* The harness's own: the server's database is made at start and dropped at stop. */
int srt__db_create(srt_server *s);
void srt__db_release(srt_server *s);

/* HTTP. path is relative to the server origin, or an absolute http URL. headers is a
 * NULL-terminated list of "Name: value" lines or NULL. body NULL means no body (for POST an
 * empty one). Returns 0, or -1 on a transport error (out->status is then 0). */
int srt_request(srt_server *s, const char *method, const char *path, const char *const *headers,
		const void *body, size_t len, srt_resp *out);
/* Versions waiting for a scan in the server's database (-1 when it cannot be read), and a
 * wait (up to 10 s) until there are none: 0, or -1 after printing why. A successful publish
 * through srt_request waits this way unless no_scan_wait is set. */
int srt_pending_scans(srt_server *s);
int srt_wait_scans(srt_server *s);
/* GET with an optional bearer token (NULL: none). */
int srt_get(srt_server *s, const char *path, const char *token, srt_resp *out);
/* method with an optional JSON body (Content-Type: application/json when body != NULL). */
int srt_send(srt_server *s, const char *method, const char *path, const char *token,
	     const char *json_body, srt_resp *out);
void srt_resp_free(srt_resp *r);
/* Case-insensitive header lookup; NULL when absent. */
const char *srt_header(const srt_resp *r, const char *name);
/* Parses the body as JSON; NULL (and a printed error) when it is not JSON. New reference. */
json_t *srt_json(const srt_resp *r);
/* Server-Timing: `db;dur=<ms>, rows;desc="<n>", bytes;desc="<n>"`. 0 when rows and bytes
 * were both found. */
int srt_timing(const srt_resp *r, long *rows, long *bytes);
/* Server-Timing's `stmts` (the statements the request ran, each one round trip on
 * PostgreSQL) and `cache` (hit, miss, or "" when absent); -1 when stmts is absent. */
long srt_statements(const srt_resp *r, char *cache, size_t n);
/* Server-Timing's round trips to the database server (`trips`) less those that prepared a
 * statement on their connection (`prepares`): what the request costs on a warm connection.
 * 0 when there were none (SQLite), -1 when the header is absent or unreadable. */
long srt_trips(const srt_resp *r);
/* The harness's own: prints a response's body, cut short, after a failed check. */
void srt__show_body(const srt_resp *r);
/* Raw bytes over a fresh TCP connection (for malformed requests and HEAD). Reads until the
 * server closes or 10 s pass. Returns the status from the status line or -1. *out is
 * malloc'd (NUL-terminated) when out != NULL. */
int srt_raw(srt_server *s, const void *req, size_t len, char **out, size_t *outlen);

/* A rotating set of per-thread static buffers for formatted paths (16 live at a time, 8 KiB
 * each). */
const char *srt_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Percent-encodes s into a rotating buffer. */
const char *srt_urlenc(const char *s);

/* Hashing and fingerprints. */
void srt_sha256_hex(const void *data, size_t len, char out[65]);
/* The CLI fingerprint (api-v1 section 3.7), sorting paths with an ASCII localeCompare. */
void srt_fingerprint(const srt_file *files, size_t n, char out[65]);
/* ASCII localeCompare (ICU root) as described in api-v1 section 3.7. */
int srt_locale_cmp(const char *a, const char *b);

/* Publishing. */
/* {slug, displayName, version, changelog:"", acceptLicenseTerms:true}; new reference. */
json_t *srt_payload(const char *slug, const char *version);
/* A SKILL.md with frontmatter name/description into a rotating buffer. */
const char *srt_skill_md(const char *name, const char *description);
/* upload-url for one file; raw response in out. */
int srt_upload_url(srt_server *s, const char *token, const char *path, long long size,
		   const char *sha256, const char *ctype, srt_resp *out);
/* upload-url + POST uploadUrl for one file, checking both succeed; returns the file entry
 * for the publish body (new reference) or NULL after reporting a failure. */
json_t *srt_upload_file_at(srt_server *s, const char *token, const srt_file *f, const char *file,
			   int line);
#define srt_upload_file(s, tok, f) srt_upload_file_at((s), (tok), (f), __FILE__, __LINE__)
/* Ticket flow: uploads every file, then POST /api/v1/skills with payload + files. payload
 * is borrowed. The publish response is in out. */
int srt_publish_json_at(srt_server *s, const char *token, json_t *payload, const srt_file *files,
			size_t n, srt_resp *out, const char *file, int line);
#define srt_publish_json(s, tok, payload, files, n, out) \
	srt_publish_json_at((s), (tok), (payload), (files), (n), (out), __FILE__, __LINE__)
/* A multipart/form-data body of the given parts (malloc'd, *len bytes), whose boundary is
 * SRT_MP_BOUNDARY. */
#define SRT_MP_BOUNDARY "----srtBoundary7MA4YWxkTrZu0gW"
char *srt_multipart_body(const srt_part *parts, size_t n, size_t *len);
/* POST /api/v1/skills as multipart/form-data with the given parts. */
int srt_multipart(srt_server *s, const char *token, const srt_part *parts, size_t n,
		  srt_resp *out);
/* Multipart publish: payload text (NULL: no payload part) + one `files` part per file. */
int srt_publish_multipart(srt_server *s, const char *token, const char *payload_text,
			  const srt_file *files, size_t n, srt_resp *out);
/* Publishes SKILL.md (+ nothing else) through the ticket flow and checks the 200 ok shape.
 * owner may be NULL; tags is a NULL-terminated list or NULL. */
void srt_publish_ok_at(srt_server *s, const char *token, const char *slug, const char *version,
		       const char *display, const char *description, const char *owner,
		       const char *const *tags, const char *file, int line);
#define srt_publish_ok(s, tok, slug, ver, display, desc) \
	srt_publish_ok_at((s), (tok), (slug), (ver), (display), (desc), NULL, NULL, __FILE__, __LINE__)

/* Zip helpers (libzip, in memory). */
/* Builds a zip of files; *out malloc'd. */
int srt_zip_build(const srt_file *files, size_t n, void **out, size_t *outlen);
/* Reads entry name from a zip in memory; *data malloc'd. 0, or -1 when absent/corrupt. */
int srt_zip_read(const void *zip, size_t ziplen, const char *name, char **data, size_t *len);
/* Copies up to max entry names (63 chars each) in archive order; returns the count or -1. */
long srt_zip_names(const void *zip, size_t ziplen, char (*names)[64], long max);
/* Number of entries, or -1. */
long srt_zip_count(const void *zip, size_t ziplen);

/* One API request and its exact answer: the text when text != NULL, else a JSON body (a new
 * reference, returned). Failures are reported at the caller's location. */
json_t *srt_call_at(srt_server *s, const char *method, const char *path, const char *tok, const char *body, long status,
		    const char *text, const char *file, int line);
#define srt_call(s, method, path, tok, body, status, text) \
	srt_call_at((s), (method), (path), (tok), (body), (status), (text), __FILE__, __LINE__)

/* The web site (web.c), as a browser sees it. */
/* The password srt_set_password gives a user. */
#define SRT_WEB_PASSWORD "correct horse battery"
/* Gives handle the password SRT_WEB_PASSWORD (it must have none yet). */
void srt_set_password(srt_server *s, const char *handle);
/* The value of the cookie name that a response sets, into out (n bytes); fails without one. */
void srt_cookie_value(const srt_resp *r, const char *name, char *out, size_t n);
/* The first hidden csrf field of a page into out (n bytes); fails without one. */
void srt_csrf_of(const srt_resp *r, char *out, size_t n);
/* GET path, and a POST of an application/x-www-form-urlencoded form, with the Cookie header
 * cookie ("name=value"; NULL: none). As srt_request. */
int srt_page(srt_server *s, const char *cookie, const char *path, srt_resp *r);
int srt_post_form(srt_server *s, const char *cookie, const char *path, const char *form, srt_resp *r);
/* Signs handle in through the sign-in form with SRT_WEB_PASSWORD: the session's cookie
 * ("sr_session=...") into cookie (n bytes), and the CSRF token of the page landing, read
 * with that session, into csrf (cn bytes). */
void srt_web_signin(srt_server *s, const char *handle, const char *landing, char *cookie, size_t n, char *csrf,
		    size_t cn);
/* GET path with cookie: the status, and every one of the NULL-terminated needles in the body. */
void srt_expect_page_at(srt_server *s, const char *cookie, const char *path, long status, const char *file, int line,
			const char *const *needles);
/* (The needles last, as __VA_ARGS__: a compound literal's commas would split a macro argument.) */
#define srt_expect_page(s, cookie, path, status, ...) \
	srt_expect_page_at((s), (cookie), (path), (status), __FILE__, __LINE__, __VA_ARGS__)

/* Checks (report at the caller's location). */
void srt_expect_status_at(const srt_resp *r, long status, const char *file, int line);
void srt_expect_text_at(const srt_resp *r, long status, const char *text, const char *file,
			int line);
void srt_expect_prefix_at(const srt_resp *r, long status, const char *prefix, const char *file,
			  int line);
void srt_expect_contains_at(const srt_resp *r, long status, const char *needle, const char *file,
			    int line);
json_t *srt_expect_json_at(const srt_resp *r, long status, const char *file, int line);
void srt_expect_str_at(json_t *obj, const char *key, const char *want, const char *file, int line);

/* Status only. */
#define SRT_EXPECT_STATUS(r, st) srt_expect_status_at((r), (st), __FILE__, __LINE__)
/* Status + text/plain + exact body. */
#define SRT_EXPECT_TEXT(r, st, text) srt_expect_text_at((r), (st), (text), __FILE__, __LINE__)
/* Status + text/plain + body starting with prefix. */
#define SRT_EXPECT_PREFIX(r, st, p) srt_expect_prefix_at((r), (st), (p), __FILE__, __LINE__)
/* Status + body containing needle (case-insensitive). */
#define SRT_EXPECT_CONTAINS(r, st, n) srt_expect_contains_at((r), (st), (n), __FILE__, __LINE__)
/* Status + application/json + parseable; returns a new reference. */
#define SRT_EXPECT_JSON(r, st) srt_expect_json_at((r), (st), __FILE__, __LINE__)
/* obj[key] is the string want. */
#define SRT_EXPECT_STR(obj, key, want) srt_expect_str_at((obj), (key), (want), __FILE__, __LINE__)

#endif
