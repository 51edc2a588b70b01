/*
 * test_gc_race.c - the blob collector racing a publish (issue 16).
 *
 * A publish stores its bytes before the transaction that names them, so there is a moment
 * when the blob store holds a publish's bytes and nothing in the catalogue says so. Blob
 * holds (migration 0016 / postgres 0008) close it: the publish records the blobs it is about
 * to store before it puts a byte and releases them after its commit, and the collector counts
 * a live hold as a reference. Here the server is held at that moment (the fault point
 * "publish-commit", src/core/fault.h) while `skillreg cron run blob-gc --blob-grace-ms 0` runs
 * in a process of its own, so that age protects nothing and the hold is all that does. The
 * publish then commits, and its version must download byte for byte.
 *
 * On the file store (SQLite) a second race: the collector held between its last look at an
 * old orphan blob and its removal (the point "blob-remove") while a publish reuses those very
 * bytes and commits; the collector must put the blob back. PostgreSQL's store has no such
 * window (its DELETE checks the age itself, docs/hostile.md), so the case is not run there.
 */
#include "harness.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

static srt_server S;
static char pause_publish[300], pause_gc[300];

static const char *const SERVE_ARGS[] = {"--no-rate-limit", NULL};

static int group_setup(void **state)
{
	(void)state;
	snprintf(pause_publish, sizeof pause_publish, "/tmp/sr-gcrace-%d-publish", (int)getpid());
	snprintf(pause_gc, sizeof pause_gc, "/tmp/sr-gcrace-%d-gc", (int)getpid());
	unlink(pause_publish);
	unlink(pause_gc);
	setenv("SKILLREG_PAUSE_AT", "publish-commit", 1);
	setenv("SKILLREG_PAUSE_FILE", pause_publish, 1);
	int rc = srt_server_start_args(&S, SERVE_ARGS);
	unsetenv("SKILLREG_PAUSE_AT");
	unsetenv("SKILLREG_PAUSE_FILE");
	return rc;
}

static int group_teardown(void **state)
{
	(void)state;
	unlink(pause_publish);
	unlink(pause_gc);
	return srt_server_stop(&S);
}

static unsigned char *bytes(size_t n, unsigned seed)
{
	unsigned char *b = malloc(n);
	assert_non_null(b);
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		b[i] = (unsigned char)(seed >> 16);
	}
	return b;
}

/* Whether the store holds the blob: its file, or on PostgreSQL its row. */
static int blob_present(const char *sha)
{
	if (srt_db_postgres())
		return srt_sql_int(&S, srt_fmt("SELECT count(*) FROM blobs WHERE sha256 = '%s'", sha)) == 1;
	struct stat st;
	return stat(srt_fmt("%s/blobs/%.2s/%s", S.dir, sha, sha), &st) == 0;
}

/* Waits (at most 10 s) for a fault point to create its file: the process is held there. */
static void wait_paused(const char *file)
{
	struct stat st;
	for (int i = 0; i < 1000 && stat(file, &st) != 0; i++)
		usleep(10 * 1000);
	assert_int_equal(stat(file, &st), 0);
}

typedef struct publisher {
	srt_server s; /* a copy of S with its own curl handle */
	const char *slug, *data_path;
	const unsigned char *data;
	size_t len;
	long status;
} publisher;

/* One multipart publish: SKILL.md and the data file. */
static void *publish(void *arg)
{
	publisher *p = arg;
	const char *md = srt_skill_md("GC Race", "Published while the collector runs.");
	srt_file files[2] = {{"SKILL.md", md, strlen(md), "text/markdown"},
			     {p->data_path, p->data, p->len, "application/octet-stream"}};
	json_t *pl = srt_payload(p->slug, "1.0.0");
	char *payload = json_dumps(pl, JSON_COMPACT);
	srt_resp r;
	srt_publish_multipart(&p->s, p->s.tok_alice, payload, files, 2, &r);
	p->status = r.status;
	if (r.status != 200)
		fprintf(stderr, "publish %s: %ld %s\n", p->slug, r.status, r.body ? r.body : "");
	srt_resp_free(&r);
	free(payload);
	json_decref(pl);
	return NULL;
}

/* The published version's file and archive download byte for byte: the file as sent, the
 * archive as the version's row names it (its SHA-256) and holding the file. */
static void expect_downloads(const char *slug, const char *path, const unsigned char *data, size_t len)
{
	assert_int_equal(srt_wait_scans(&S), 0);
	srt_resp r;
	srt_get(&S, srt_fmt("/api/v1/skills/%s/file?path=%s", slug, path), NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_int_equal(r.len, len);
	assert_memory_equal(r.body, data, len);
	srt_resp_free(&r);
	srt_get(&S, srt_fmt("/api/v1/download?slug=%s", slug), NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	char sha[65];
	srt_sha256_hex(r.body, r.len, sha);
	char *want = srt_db_text(S.db, srt_fmt("SELECT v.zip_sha256 FROM skill_versions v JOIN skills s ON s.id = "
					      "v.skill_id WHERE s.slug = '%s'",
					      slug));
	assert_non_null(want);
	assert_string_equal(want, srt_fmt("%s\n", sha));
	free(want);
	char *got = NULL;
	size_t got_len = 0;
	assert_int_equal(srt_zip_read(r.body, r.len, path, &got, &got_len), 0);
	assert_int_equal(got_len, len);
	assert_memory_equal(got, data, len);
	free(got);
	srt_resp_free(&r);
}

/* The collector runs, with no grace at all, while a publish has stored its bytes and not yet
 * committed: the holds keep every one of them. */
static void test_collector_between_write_and_commit(void **state)
{
	(void)state;
	size_t len = 300000;
	unsigned char *data = bytes(len, 41);
	char sha[65];
	srt_sha256_hex(data, len, sha);
	publisher p = {S, "gc-race", "data.bin", data, len, 0};
	p.s.curl = curl_easy_init();
	p.s.no_scan_wait = 1;
	pthread_t th;
	pthread_create(&th, NULL, publish, &p);
	wait_paused(pause_publish);
	/* Held: the bytes are stored, the version is not, the holds name them. */
	assert_true(blob_present(sha));
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM skills WHERE slug = 'gc-race'"), 0);
	long long holds = srt_sql_int(&S, "SELECT count(*) FROM blob_holds");
	assert_int_equal(holds, 3); /* SKILL.md, data.bin, the archive */
	char out[512];
	const char *const gc[] = {"cron", "run", "blob-gc", "--blob-grace-ms", "0", NULL};
	assert_int_equal(srt_admin(&S, out, sizeof out, gc), 0);
	fprintf(stderr, "blob-gc while the publish is held: %s\n", out);
	assert_non_null(strstr(out, "items=0"));
	assert_true(blob_present(sha));
	unlink(pause_publish);
	pthread_join(th, NULL);
	curl_easy_cleanup(p.s.curl);
	assert_int_equal(p.status, 200);
	/* Committed, the holds are gone and the version names its bytes. */
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM blob_holds"), 0);
	expect_downloads("gc-race", "data.bin", data, len);
	/* /metrics counts the server's puts: three blobs stored new, their bytes, none reused. */
	srt_resp r;
	srt_get(&S, "/api/v1/download?slug=gc-race", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	size_t zip_len = r.len;
	srt_resp_free(&r);
	const char *md = srt_skill_md("GC Race", "Published while the collector runs.");
	srt_get(&S, "/metrics", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_non_null(strstr(r.body, "\nskillreg_blob_stored_total 3\n"));
	assert_non_null(strstr(r.body, srt_fmt("\nskillreg_blob_stored_bytes_total %zu\n", strlen(md) + len + zip_len)));
	assert_non_null(strstr(r.body, "\nskillreg_blob_reused_total 0\n"));
	srt_resp_free(&r);
	/* Collected again now: the version alone keeps them. */
	assert_int_equal(srt_admin(&S, out, sizeof out, gc), 0);
	assert_non_null(strstr(out, "items=0"));
	expect_downloads("gc-race", "data.bin", data, len);
	free(data);
}

typedef struct collector {
	srt_server *s;
	const char *const *args; /* NULL: `cron run blob-gc` */
	int status;
	char out[512];
	atomic_int done;
} collector;

static void *collect(void *arg)
{
	collector *c = arg;
	const char *const gc[] = {"cron", "run", "blob-gc", NULL};
	c->status = srt_admin(c->s, c->out, sizeof c->out, c->args ? c->args : gc);
	atomic_store(&c->done, 1);
	return NULL;
}

/* The file store: the collector held between its last look at an old orphan and its removal
 * while a publish reuses those bytes and commits; the blob is put back, not lost. */
static void test_orphan_reused_during_removal(void **state)
{
	(void)state;
	size_t len = 200000;
	unsigned char *data = bytes(len, 43);
	char sha[65];
	srt_sha256_hex(data, len, sha);
	/* An orphan two hours old, as a publish that failed long ago leaves it. */
	const char *dir = srt_fmt("%s/blobs/%.2s", S.dir, sha);
	mkdir(dir, 0755);
	const char *path = srt_fmt("%s/%s", dir, sha);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	struct timespec old[2];
	clock_gettime(CLOCK_REALTIME, &old[0]);
	old[0].tv_sec -= 2 * 3600;
	old[1] = old[0];
	assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);

	setenv("SKILLREG_PAUSE_AT", "blob-remove", 1);
	setenv("SKILLREG_PAUSE_FILE", pause_gc, 1);
	collector c = {&S, NULL, -1, "", 0};
	pthread_t th;
	pthread_create(&th, NULL, collect, &c);
	wait_paused(pause_gc);
	unsetenv("SKILLREG_PAUSE_AT");
	unsetenv("SKILLREG_PAUSE_FILE");
	/* The publish that reuses the orphan's bytes, start to commit, under the held collector. */
	publisher p = {S, "gc-reuse", "reused.bin", data, len, 0};
	p.s.no_scan_wait = 1;
	publish(&p);
	assert_int_equal(p.status, 200);
	unlink(pause_gc);
	pthread_join(th, NULL);
	assert_int_equal(c.status, 0);
	fprintf(stderr, "blob-gc held at the removal: %s\n", c.out);
	assert_true(blob_present(sha));
	struct stat st;
	assert_int_not_equal(stat(srt_fmt("%s.gc", path), &st), 0);
	expect_downloads("gc-reuse", "reused.bin", data, len);
	/* The orphan's bytes were reused, not written again, as was the SKILL.md of the first
	 * test (the same text); only the new archive was stored (a fourth blob). */
	srt_resp r;
	srt_get(&S, "/metrics", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_non_null(strstr(r.body, "\nskillreg_blob_reused_total 2\n"));
	assert_non_null(strstr(r.body, "\nskillreg_blob_stored_total 4\n"));
	srt_resp_free(&r);
	free(data);
}

/* The collector's lookups of one blob are statements of their own, and a publish moves the
 * blob's reference from its hold to its version between two of them: the collector (no grace)
 * is held after its first lookup of the publish's file found nothing, while the publish
 * commits and releases its holds; the later lookups must still see the blob named. */
static void test_collector_across_the_commit(void **state)
{
	(void)state;
	size_t len = 250000;
	unsigned char *data = bytes(len, 47);
	char sha[65];
	srt_sha256_hex(data, len, sha);
	setenv("SKILLREG_PAUSE_AT", "publish-commit", 1);
	setenv("SKILLREG_PAUSE_FILE", pause_publish, 1);
	int rc = srt_server_restart(&S);
	unsetenv("SKILLREG_PAUSE_AT");
	unsetenv("SKILLREG_PAUSE_FILE");
	assert_int_equal(rc, 0);
	publisher p = {S, "gc-commit", "data.bin", data, len, 0};
	p.s.curl = curl_easy_init();
	p.s.no_scan_wait = 1;
	pthread_t pt, ct;
	pthread_create(&pt, NULL, publish, &p);
	wait_paused(pause_publish);

	/* The collector, held at its first lookup of the file when that lookup finds nothing (in
	 * the order that asks for holds first it finds the hold, is not held, and ends). */
	setenv("SKILLREG_PAUSE_AT", srt_fmt("blob-ref %s", sha), 1);
	setenv("SKILLREG_PAUSE_FILE", pause_gc, 1);
	const char *const gc[] = {"cron", "run", "blob-gc", "--blob-grace-ms", "0", NULL};
	collector c = {&S, gc, -1, "", 0};
	pthread_create(&ct, NULL, collect, &c);
	struct stat st;
	int held = 0;
	for (int i = 0; i < 1000 && !held && !atomic_load(&c.done); i++) {
		held = stat(pause_gc, &st) == 0;
		if (!held)
			usleep(10 * 1000);
	}
	held = held || stat(pause_gc, &st) == 0;
	unsetenv("SKILLREG_PAUSE_AT");
	unsetenv("SKILLREG_PAUSE_FILE");
	/* The publish commits and releases its holds, then the collector goes on. */
	unlink(pause_publish);
	pthread_join(pt, NULL);
	curl_easy_cleanup(p.s.curl);
	assert_int_equal(p.status, 200);
	unlink(pause_gc);
	pthread_join(ct, NULL);
	assert_int_equal(c.status, 0);
	fprintf(stderr, "blob-gc %s after its first lookup: %s\n", held ? "held" : "not held", c.out);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM blob_holds"), 0);
	assert_true(blob_present(sha));
	expect_downloads("gc-commit", "data.bin", data, len);
	free(data);
}

int main(void)
{
	const struct CMUnitTest both[] = {
		cmocka_unit_test(test_collector_between_write_and_commit),
		cmocka_unit_test(test_collector_across_the_commit),
	};
	const struct CMUnitTest files[] = {
		cmocka_unit_test(test_collector_between_write_and_commit),
		cmocka_unit_test(test_orphan_reused_during_removal),
		cmocka_unit_test(test_collector_across_the_commit),
	};
	if (srt_db_postgres())
		return cmocka_run_group_tests(both, group_setup, group_teardown);
	return cmocka_run_group_tests(files, group_setup, group_teardown);
}
