/*
 * test_blob_pg.c - the blob store on PostgreSQL (issue 12: blobs every node can serve),
 * against a real server: SKILLREG_TEST_PG names it (scripts/pg-test-cluster start prints
 * such a URL), and the test fails when it is not set.
 *
 * The test makes a database of its own on that server, creates the blobs table from
 * sql/postgres/0002_blobs.sql (read from the source tree: the test runs from the repository's
 * root, as scripts/run-tests runs it), and opens two blob stores on it with different cache
 * directories, as two nodes would. It checks that every statement reads through an index,
 * the round trip (put, read, open, exists, path), that node B serves at once what node A
 * stored, that eight threads missing one blob at once cause one fetch, that equal bytes are
 * one row, that a connection the server ends is replaced on the next call and that a
 * database that cannot be reached fails fast, the collector on the table (an unreferenced old
 * blob goes with its cached file, a young one and a referenced one stay, a put between the
 * walk and the delete keeps its blob) and the blob-cache sweep (files whose row is gone,
 * files unused too long, the size bound least recently used first). Last, it prints the time to store a 10 MiB blob and to
 * open it on the other node with a cold and a warm cache (docs/postgres.md).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "blob/blob.h"
#include "blob/pg.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/util.h"
#include "cron/cron.h"
#include "store/store.h"

static char admin_url[1024], db_url[1200], db_name[64], dir[64], cache_a[128], cache_b[128];
static PGconn *admin, *conn;
static sr_blobs *A, *B;
static sr_store *S;

static PGresult *sql(PGconn *c, const char *q)
{
	PGresult *r = PQexec(c, q);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
		fail_msg("%s: %s", q, PQerrorMessage(c));
	return r;
}

static long long sql_int(const char *q)
{
	PGresult *r = sql(conn, q);
	long long v = PQntuples(r) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : -1;
	PQclear(r);
	return v;
}

static void fill(unsigned char *buf, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = (unsigned char)(seed >> 16);
	}
}

/* size bytes from seed, and their SHA-256. */
static unsigned char *blob(size_t size, unsigned seed, char sha[65])
{
	unsigned char *b = malloc(size ? size : 1);
	assert_non_null(b);
	fill(b, size, seed);
	sr_sha256_hex(b, size, sha);
	return b;
}

static int cached(const char *cache, const char *sha)
{
	struct stat st;
	char path[300];
	snprintf(path, sizeof(path), "%s/%.2s/%s", cache, sha, sha);
	return stat(path, &st) == 0;
}

static long long row_count(const char *sha)
{
	char q[200];
	snprintf(q, sizeof(q), "SELECT count(*) FROM blobs WHERE sha256 = '%s'", sha);
	return sql_int(q);
}

static void expect_bytes(sr_blobs *b, const char *sha, const unsigned char *want, size_t len)
{
	sr_buf got;
	sr_buf_init(&got, 64 << 20);
	assert_int_equal(sr_blob_read(b, sha, &got), 0);
	assert_int_equal(got.len, len);
	assert_memory_equal(got.data, want, len);
	sr_buf_deinit(&got);
	int fd;
	size_t size;
	assert_int_equal(sr_blob_open(b, sha, &fd, &size), 0);
	assert_int_equal(size, len);
	unsigned char *via_fd = malloc(len + 1);
	assert_int_equal(pread(fd, via_fd, len + 1, 0), (ssize_t)len);
	assert_memory_equal(via_fd, want, len);
	free(via_fd);
	close(fd);
}

static int group_setup(void **state)
{
	(void)state;
	const char *url = getenv("SKILLREG_TEST_PG");
	snprintf(admin_url, sizeof(admin_url), "%s", url);
	admin = PQconnectdb(admin_url);
	if (PQstatus(admin) != CONNECTION_OK) {
		fprintf(stderr, "cannot connect to SKILLREG_TEST_PG %s: %s", admin_url, PQerrorMessage(admin));
		return -1;
	}
	/* A database of the test's own: postgres://.../NAME[?...] with NAME replaced. */
	snprintf(db_name, sizeof(db_name), "blobtest_%d", (int)getpid());
	const char *scheme = strstr(admin_url, "://");
	const char *q = strchr(admin_url, '?');
	const char *slash = strrchr(admin_url, '/');
	if (!scheme || !slash || slash < scheme + 3 || (q && slash > q))
		return -1;
	snprintf(db_url, sizeof(db_url), "%.*s/%s%s", (int)(slash - admin_url), admin_url, db_name, q ? q : "");
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "CREATE DATABASE %s", db_name);
	PQclear(sql(admin, cmd));
	conn = PQconnectdb(db_url);
	if (PQstatus(conn) != CONNECTION_OK)
		return -1;
	sr_buf schema;
	sr_buf_init(&schema, 1 << 20);
	if (sr_buf_read_file(&schema, "sql/postgres/0002_blobs.sql")) {
		fprintf(stderr, "cannot read sql/postgres/0002_blobs.sql (run from the repository's root)\n");
		return -1;
	}
	PQclear(sql(conn, schema.data));
	sr_buf_deinit(&schema);

	snprintf(dir, sizeof(dir), "/tmp/sr-blobpg-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(cache_a, sizeof(cache_a), "%s/a", dir);
	snprintf(cache_b, sizeof(cache_b), "%s/b", dir);
	char db[128];
	snprintf(db, sizeof(db), "%s/refs.db", dir);
	if (sr_blobs_open_for(cache_a, db_url, &A) || sr_blobs_open_db(cache_b, db_url, &B) ||
	    sr_store_open(db, &S) || sr_store_migrate(S))
		return -1;
	return sr_blobs_in_db(A) && sr_blobs_in_db(B) ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	sr_clock_set(0);
	sr_blobs_close(A);
	sr_blobs_close(B);
	sr_store_close(S);
	PQfinish(conn);
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "DROP DATABASE IF EXISTS %s WITH (FORCE)", db_name);
	PQclear(PQexec(admin, cmd));
	PQfinish(admin);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

static void test_round_trip(void **state)
{
	(void)state;
	char sha[65], missing[65];
	unsigned char *b = blob(3 << 20, 1, sha);
	sr_sha256_hex("never stored", 12, missing);
	assert_int_equal(sr_blob_put(A, sha, b, 3 << 20), 0);
	assert_int_equal(row_count(sha), 1);
	assert_true(sr_blob_exists(A, sha));
	assert_true(cached(cache_a, sha));
	expect_bytes(A, sha, b, 3 << 20);
	/* The file survives losing it: the table is the truth. */
	char path[300];
	assert_int_equal(sr_blob_path(A, sha, path, sizeof(path)), 0);
	assert_int_equal(unlink(path), 0);
	expect_bytes(A, sha, b, 3 << 20);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(sr_blob_path(A, sha, path, sizeof(path)), 0);
	assert_true(cached(cache_a, sha));

	assert_false(sr_blob_exists(A, missing));
	int fd;
	size_t size;
	assert_int_equal(sr_blob_open(A, missing, &fd, &size), SR_ENOTFOUND);
	assert_int_equal(sr_blob_path(A, missing, path, sizeof(path)), SR_ENOTFOUND);
	assert_int_equal(sr_blob_open(A, "not-a-sha", &fd, &size), SR_EINVAL);
	/* An empty blob is a blob. */
	char empty[65];
	sr_sha256_hex("", 0, empty);
	assert_int_equal(sr_blob_put(A, empty, "", 0), 0);
	expect_bytes(B, empty, (const unsigned char *)"", 0);
	free(b);
}

static void test_two_nodes(void **state)
{
	(void)state;
	char sha[65];
	unsigned char *b = blob(1 << 20, 2, sha);
	assert_int_equal(sr_blob_put(A, sha, b, 1 << 20), 0);
	assert_false(cached(cache_b, sha));
	/* Node B serves at once what node A stored, and keeps it. */
	assert_true(sr_blob_exists(B, sha));
	expect_bytes(B, sha, b, 1 << 20);
	assert_true(cached(cache_b, sha));
	/* Bytes in the table that do not match their name are never served. */
	char bad[65];
	sr_sha256_hex("bad", 3, bad);
	char q[300];
	snprintf(q, sizeof(q), "INSERT INTO blobs VALUES ('%s', 4, 'evil'::bytea, 0, 0)", bad);
	PQclear(sql(conn, q));
	int fd;
	size_t size;
	assert_int_equal(sr_blob_open(B, bad, &fd, &size), SR_EIO);
	assert_false(cached(cache_b, bad));
	snprintf(q, sizeof(q), "DELETE FROM blobs WHERE sha256 = '%s'", bad);
	PQclear(sql(conn, q));
	free(b);
}

static void test_dedupe(void **state)
{
	(void)state;
	char sha[65], q[300];
	unsigned char *b = blob(20000, 3, sha); /* small: a put without the file inserts at once */
	int64_t t0 = sr_now_ms();
	sr_clock_set(t0);
	assert_int_equal(sr_blob_put(A, sha, b, 20000), 0);
	sr_clock_set(t0 + 5000);
	assert_int_equal(sr_blob_put(A, sha, b, 20000), 0); /* cached: a touch, no bytes sent */
	sr_clock_set(t0 + 9000);
	assert_int_equal(sr_blob_put(B, sha, b, 20000), 0); /* not cached on B: the bytes again */
	/* A clock behind never ages it: not through the insert (no cached file on B), nor
	 * through the touch (the cached file on A). */
	char path[300];
	assert_int_equal(sr_blob_path(B, sha, path, sizeof(path)), 0);
	assert_int_equal(unlink(path), 0);
	sr_clock_set(t0 + 7000);
	assert_int_equal(sr_blob_put(B, sha, b, 20000), 0);
	sr_clock_set(t0 + 6000);
	assert_int_equal(sr_blob_put(A, sha, b, 20000), 0);
	sr_clock_set(0);
	assert_int_equal(row_count(sha), 1);
	snprintf(q, sizeof(q), "SELECT created_at FROM blobs WHERE sha256 = '%s'", sha);
	assert_int_equal(sql_int(q), t0);
	snprintf(q, sizeof(q), "SELECT touched_at FROM blobs WHERE sha256 = '%s'", sha);
	assert_int_equal(sql_int(q), t0 + 9000);
	snprintf(q, sizeof(q), "SELECT octet_length(data) FROM blobs WHERE sha256 = '%s'", sha);
	assert_int_equal(sql_int(q), 20000);
	free(b);

	/* Many bytes already stored, not cached on B: B asks first and sends nothing, but makes
	 * the blob young and keeps the file the publish will read back. */
	unsigned char *big = blob(1 << 20, 33, sha);
	sr_clock_set(t0);
	assert_int_equal(sr_blob_put(A, sha, big, 1 << 20), 0);
	sr_clock_set(t0 + 4000);
	assert_false(cached(cache_b, sha));
	assert_int_equal(sr_blob_put(B, sha, big, 1 << 20), 0);
	assert_true(cached(cache_b, sha));
	sr_clock_set(0);
	assert_int_equal(row_count(sha), 1);
	snprintf(q, sizeof(q), "SELECT touched_at FROM blobs WHERE sha256 = '%s'", sha);
	assert_int_equal(sql_int(q), t0 + 4000);
	free(big);
}

static long long terminate_blob_backends(void)
{
	char q[300];
	snprintf(q, sizeof(q),
		 "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '%s' AND "
		 "application_name = 'skillreg-blobs'",
		 db_name);
	PGresult *r = sql(admin, q);
	long long n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	/* pg_terminate_backend only signals: wait until the backends are gone. */
	snprintf(q, sizeof(q),
		 "SELECT count(*) FROM pg_stat_activity WHERE datname = '%s' AND application_name = 'skillreg-blobs'",
		 db_name);
	for (int i = 0; i < 100; i++) {
		r = sql(admin, q);
		long long left = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		PQclear(r);
		if (!left)
			break;
		usleep(20 * 1000);
	}
	return n;
}

static void test_lost_connection(void **state)
{
	(void)state;
	char sha[65], sha2[65];
	unsigned char *b = blob(100000, 4, sha), *b2 = blob(100000, 5, sha2);
	assert_int_equal(sr_blob_put(A, sha, b, 100000), 0);
	assert_true(terminate_blob_backends() >= 1);
	/* The next call meets the dead connection, opens another and succeeds. */
	assert_int_equal(sr_blob_put(A, sha2, b2, 100000), 0);
	assert_int_equal(row_count(sha2), 1);
	assert_true(terminate_blob_backends() >= 1);
	expect_bytes(B, sha, b, 100000);
	assert_true(terminate_blob_backends() >= 1);
	assert_true(sr_blob_exists(A, sha));

	/* A database that cannot be reached: an error at once, never "not found". */
	sr_blobs *dead;
	char dead_cache[128];
	snprintf(dead_cache, sizeof(dead_cache), "%s/dead", dir);
	assert_int_equal(sr_blobs_open_db(dead_cache, "postgres://skillreg@127.0.0.1:1/none", &dead), 0);
	int64_t t0 = sr_mono_ns();
	int fd;
	size_t size;
	int rc = sr_blob_open(dead, sha, &fd, &size);
	assert_true(rc < 0 && rc != SR_ENOTFOUND);
	assert_true(sr_blob_put(dead, sha, b, 100000) < 0);
	assert_false(sr_blob_exists(dead, sha));
	assert_true(sr_mono_ns() - t0 < 2000LL * 1000 * 1000);
	sr_blobs_close(dead);
	free(b);
	free(b2);
}

static void make_old(const char *cache, const char *sha, int64_t ms)
{
	char path[300];
	snprintf(path, sizeof(path), "%s/%.2s/%s", cache, sha, sha);
	struct timespec ts[2] = {{(time_t)(ms / 1000), 0}, {(time_t)(ms / 1000), 0}};
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static void test_gc(void **state)
{
	(void)state;
	int64_t t = sr_now_ms() - 3 * 3600 * 1000LL;
	char old_sha[65], young_sha[65], ref_sha[65], race_sha[65];
	unsigned char *old_b = blob(300000, 6, old_sha), *young_b = blob(1000, 7, young_sha),
		      *ref_b = blob(1000, 8, ref_sha), *race_b = blob(1000, 9, race_sha);
	/* Three hours ago: an orphan, a blob a live ticket names, and one a publish will reuse. */
	sr_clock_set(t);
	assert_int_equal(sr_blob_put(A, old_sha, old_b, 300000), 0);
	assert_int_equal(sr_blob_put(A, ref_sha, ref_b, 1000), 0);
	assert_int_equal(sr_blob_put(A, race_sha, race_b, 1000), 0);
	int64_t uid;
	assert_int_equal(sr_store_user_add(S, "bob", "Bob", SR_ROLE_USER, &uid), 0);
	sr_ticket tk;
	memset(&tk, 0, sizeof(tk));
	snprintf(tk.ticket, sizeof(tk.ticket), "tk-1");
	tk.user_id = uid;
	snprintf(tk.path, sizeof(tk.path), "ref.bin");
	tk.size = 1000;
	memcpy(tk.sha256, ref_sha, 65);
	tk.expires_at = t + 24 * 3600 * 1000LL;
	assert_int_equal(sr_store_ticket_add(S, &tk, t), 0);
	/* Now, a young orphan; node B has the old orphan cached. */
	int64_t now = t + 3 * 3600 * 1000LL;
	sr_clock_set(now);
	assert_int_equal(sr_blob_put(A, young_sha, young_b, 1000), 0);
	expect_bytes(B, old_sha, old_b, 300000);

	/* A put between the collector's walk and its delete keeps the blob. */
	sr_blob_row rows[8];
	int got, deleted[8];
	assert_int_equal(sr_blob_rows_old(A, now - 3600 * 1000LL, NULL, rows, 8, &got), 0);
	int race = -1;
	for (int i = 0; i < got; i++)
		if (strcmp(rows[i].sha, race_sha) == 0)
			race = i;
	assert_true(race >= 0);
	assert_int_equal(sr_blob_put(B, race_sha, race_b, 1000), 0);
	assert_int_equal(sr_blob_rows_remove_old(A, &rows[race], 1, now - 3600 * 1000LL, deleted), 0);
	assert_int_equal(deleted[0], 0);
	assert_int_equal(row_count(race_sha), 1);

	/* A write a crash interrupted, in A's cache. */
	char tmp[300];
	snprintf(tmp, sizeof(tmp), "%s/%.2s/%s.tmp-0123456789abcdef", cache_a, old_sha, old_sha);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "partial", 7), 7);
	close(fd);
	struct timespec two_hours_ago[2] = {{(time_t)(now / 1000 - 7200), 0}, {(time_t)(now / 1000 - 7200), 0}};
	assert_int_equal(utimensat(AT_FDCWD, tmp, two_hours_ago, 0), 0);

	sr_cron_set_blobs(A);
	assert_int_equal(sr_cron_set_blob_grace(3600 * 1000LL), 0);
	int job = sr_cron_find("blob-gc");
	assert_true(job >= 0);
	char line[256];
	assert_int_equal(sr_cron_run(S, job, line, sizeof(line)), 0);
	fprintf(stderr, "%s\n", line);
	assert_non_null(strstr(line, "items=2")); /* the orphan's row and the temporary file */
	assert_int_equal(row_count(old_sha), 0);
	assert_false(cached(cache_a, old_sha));
	struct stat st;
	assert_int_not_equal(stat(tmp, &st), 0);
	assert_int_equal(row_count(young_sha), 1);
	assert_int_equal(row_count(ref_sha), 1);
	assert_int_equal(row_count(race_sha), 1);
	expect_bytes(B, ref_sha, ref_b, 1000);
	/* /metrics counts the table's rows after the pass. */
	sr_buf m;
	sr_buf_init(&m, 1 << 16);
	sr_blob_gc_metrics(&m);
	char want[64];
	snprintf(want, sizeof(want), "\nskillreg_blob_files %lld\n", sql_int("SELECT count(*) FROM blobs"));
	assert_non_null(strstr(m.data, want));
	sr_buf_deinit(&m);
	/* A second pass finds nothing. */
	assert_int_equal(sr_cron_run(S, job, line, sizeof(line)), 0);
	assert_non_null(strstr(line, "items=0"));

	/* Node B still holds the deleted blob's file, until its blob-cache sweep. */
	assert_true(cached(cache_b, old_sha));
	sr__blob_cache_pass c;
	assert_int_equal(sr__blob_cache_sweep(B, now, 3600 * 1000LL, &c), 0);
	assert_int_equal(c.gone_removed, 1);
	assert_false(cached(cache_b, old_sha));
	assert_true(cached(cache_b, ref_sha));
	sr_clock_set(0);
	free(old_b);
	free(young_b);
	free(ref_b);
	free(race_b);
}

static void test_cache_bound(void **state)
{
	(void)state;
	char cache_c[128];
	snprintf(cache_c, sizeof(cache_c), "%s/c", dir);
	sr_blobs *C;
	assert_int_equal(sr_blobs_open_db(cache_c, db_url, &C), 0);
	int64_t now = sr_now_ms(), hour = 3600 * 1000LL;
	char sha[4][65];
	unsigned char *b[4];
	for (int i = 0; i < 4; i++) {
		b[i] = blob(1 << 20, 20u + (unsigned)i, sha[i]);
		assert_int_equal(sr_blob_put(C, sha[i], b[i], 1 << 20), 0);
	}
	/* Last used: 0 a year ago (past the age bound), 1 two days ago, 2 one day ago, 3 now. */
	make_old(cache_c, sha[0], now - 365 * 24 * hour);
	make_old(cache_c, sha[1], now - 48 * hour);
	make_old(cache_c, sha[2], now - 24 * hour);
	sr_blobs_set_cache_bound(C, (5 << 20) / 2, SR_BLOB_CACHE_MAX_AGE_MS);
	sr__blob_cache_pass c;
	assert_int_equal(sr__blob_cache_sweep(C, now, hour, &c), 0);
	assert_int_equal(c.aged_removed, 1);
	assert_int_equal(c.bound_removed, 1);
	assert_int_equal(c.files, 2);
	assert_int_equal(c.bytes, 2 << 20);
	assert_false(cached(cache_c, sha[0]));
	assert_false(cached(cache_c, sha[1]));
	assert_true(cached(cache_c, sha[2]));
	assert_true(cached(cache_c, sha[3]));
	/* Opening moves an old file's time to now: it is the last use. */
	int fd;
	size_t size;
	assert_int_equal(sr_blob_open(C, sha[2], &fd, &size), 0);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	assert_true((int64_t)st.st_mtim.tv_sec * 1000 > now - hour);
	close(fd);
	/* What was removed is fetched again when asked for. */
	expect_bytes(C, sha[1], b[1], 1 << 20);
	sr_blobs_close(C);
	for (int i = 0; i < 4; i++)
		free(b[i]);
}

/* The plan guard for the blobs table: every statement of src/blob/pg.c, prepared and
 * explained as a generic plan with sequential scans switched off, reads through an index (a
 * sequential scan would show anyway, there being no other path) and sorts nothing. */
static void test_plans(void **state)
{
	(void)state;
	PQclear(sql(conn, "SET plan_cache_mode = force_generic_plan"));
	PQclear(sql(conn, "SET enable_seqscan = off"));
	int i;
	for (i = 0; sr__bpg_sql(i); i++) {
		const char *text = sr__bpg_sql(i);
		int nparams = 0;
		for (const char *d = strchr(text, '$'); d; d = strchr(d + 1, '$'))
			if (atoi(d + 1) > nparams)
				nparams = atoi(d + 1);
		sr_buf q;
		sr_buf_init(&q, 1 << 16);
		assert_int_equal(sr_buf_printf(&q, "PREPARE bq%d AS %s", i, text), 0);
		PQclear(sql(conn, q.data));
		sr_buf_reset(&q);
		assert_int_equal(sr_buf_printf(&q, "EXPLAIN EXECUTE bq%d(", i), 0);
		for (int k = 0; k < nparams; k++)
			assert_int_equal(sr_buf_printf(&q, "%sNULL", k ? ", " : ""), 0);
		assert_int_equal(sr_buf_puts(&q, ")"), 0);
		PGresult *r = sql(conn, q.data);
		sr_buf_reset(&q);
		for (int row = 0; row < PQntuples(r); row++)
			assert_int_equal(sr_buf_printf(&q, "%s\n", PQgetvalue(r, row, 0)), 0);
		PQclear(r);
		if (strstr(q.data, "Seq Scan") || strstr(q.data, "Sort"))
			fail_msg("statement %d reads without an index or sorts:\n%s\n%s", i, text, q.data);
		sr_buf_deinit(&q);
	}
	assert_true(i >= 8);
	PQclear(sql(conn, "RESET plan_cache_mode"));
	PQclear(sql(conn, "RESET enable_seqscan"));
}

struct opener {
	const char *sha;
	pthread_barrier_t *start;
	int rc;
	size_t size;
};

static void *open_on_b(void *ud)
{
	struct opener *o = ud;
	pthread_barrier_wait(o->start);
	int fd;
	o->rc = sr_blob_open(B, o->sha, &fd, &o->size);
	if (!o->rc)
		close(fd);
	return NULL;
}

/* The first downloads of a version just published through another node all miss the cache at
 * once: one of them fetches the bytes, the others wait for that file. */
static void test_one_fill_for_many(void **state)
{
	(void)state;
	enum { THREADS = 8, SIZE = 8 << 20 };
	char sha[65];
	unsigned char *b = blob(SIZE, 50, sha);
	assert_int_equal(sr_blob_put(A, sha, b, SIZE), 0);
	int64_t before = sr_blobs_fills(B);
	pthread_barrier_t start;
	pthread_barrier_init(&start, NULL, THREADS);
	pthread_t th[THREADS];
	struct opener o[THREADS];
	for (int i = 0; i < THREADS; i++) {
		o[i] = (struct opener){sha, &start, -1, 0};
		assert_int_equal(pthread_create(&th[i], NULL, open_on_b, &o[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(o[i].rc, 0);
		assert_int_equal(o[i].size, SIZE);
	}
	pthread_barrier_destroy(&start);
	assert_int_equal(sr_blobs_fills(B) - before, 1);
	expect_bytes(B, sha, b, SIZE);
	free(b);
}

static int cmp_ns(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Not a check: the figures docs/postgres.md quotes. A 10 MiB blob stored through node A, then
 * opened on node B with its cache cold (fetch, SHA-256, file written and synced, opened) and
 * warm (opened), five times each; medians. */
static void test_measure_cold_warm(void **state)
{
	(void)state;
	enum { N = 5, SIZE = 10 << 20 };
	int64_t put[N], cold[N], warm[N];
	for (int i = 0; i < N; i++) {
		char sha[65], path[300];
		unsigned char *b = blob(SIZE, 100u + (unsigned)i, sha);
		int64_t t0 = sr_mono_ns();
		assert_int_equal(sr_blob_put(A, sha, b, SIZE), 0);
		put[i] = sr_mono_ns() - t0;
		int fd;
		size_t size;
		t0 = sr_mono_ns();
		assert_int_equal(sr_blob_open(B, sha, &fd, &size), 0);
		cold[i] = sr_mono_ns() - t0;
		close(fd);
		t0 = sr_mono_ns();
		assert_int_equal(sr_blob_open(B, sha, &fd, &size), 0);
		warm[i] = sr_mono_ns() - t0;
		close(fd);
		assert_int_equal(size, SIZE);
		assert_int_equal(sr_blob_path(B, sha, path, sizeof(path)), 0);
		free(b);
	}
	qsort(put, N, sizeof(put[0]), cmp_ns);
	qsort(cold, N, sizeof(cold[0]), cmp_ns);
	qsort(warm, N, sizeof(warm[0]), cmp_ns);
	fprintf(stderr, "10 MiB blob, medians of %d: put on A %.1f ms, first open on B (cold cache) %.1f ms, "
			"open on B (warm) %.3f ms\n",
		N, (double)put[N / 2] / 1e6, (double)cold[N / 2] / 1e6, (double)warm[N / 2] / 1e6);
}

int main(void)
{
	if (!getenv("SKILLREG_TEST_PG") || !getenv("SKILLREG_TEST_PG")[0]) {
		fprintf(stderr, "test_blob_pg: SKILLREG_TEST_PG is not set; start a server with\n"
				"  U=$(scripts/pg-test-cluster start /tmp/pg) && SKILLREG_TEST_PG=$U %s\n",
			"build/tests/test_blob_pg");
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plans),          cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_two_nodes),
		cmocka_unit_test(test_dedupe),         cmocka_unit_test(test_lost_connection),
		cmocka_unit_test(test_gc),             cmocka_unit_test(test_cache_bound),
		cmocka_unit_test(test_one_fill_for_many), cmocka_unit_test(test_measure_cold_warm),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
