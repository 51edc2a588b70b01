/*
 * test_blob_gc.c - storage that is collected (issue 16): upload tickets expire, and the
 * `blob-gc` job removes blobs nothing references, and temporary files, after a grace period.
 *
 * Before this, 30 ticket uploads of 10 MiB never published grew the blob store by 300 MiB
 * for good, and crash storms left orphan blobs and ".tmp-" files. Here a skill is published,
 * then several files are uploaded through tickets and never published and a ".tmp-" file is
 * planted as a crashed write would leave it. The clock moves three hours ahead (past the
 * tickets' hour and the collector's hour of grace): an expired ticket is refused by the
 * upload and by the publish; `skillreg cron run blob-gc` removes every orphan and the
 * temporary file and keeps the published version, which still downloads byte for byte; the
 * server's own scheduler then runs the job and /metrics shows the store's bytes and files.
 */
#include "harness.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static srt_server S;

#define NORPHANS 6
#define ORPHAN_BYTES (2 << 20)

static const char *const SERVE_ARGS[] = {"--no-rate-limit", NULL};
static const char *const SERVE_GC_ARGS[] = {"--no-rate-limit", "--cron", "blob-gc=100", NULL};

static int group_setup(void **state)
{
	(void)state;
	return srt_server_start_args(&S, SERVE_ARGS);
}

static int group_teardown(void **state)
{
	(void)state;
	unsetenv("SKILLREG_NOW_MS");
	return srt_server_stop(&S);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long walked_bytes;
static long walked_files;

static int add_size(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	if (flag == FTW_F) {
		walked_bytes += st->st_size;
		walked_files++;
	}
	return 0;
}

/* Bytes and files under the data directory's blob store. */
static long long store_bytes(long *files)
{
	walked_bytes = 0;
	walked_files = 0;
	assert_int_equal(nftw(srt_fmt("%s/blobs", S.dir), add_size, 16, FTW_PHYS), 0);
	if (files)
		*files = walked_files;
	return walked_bytes;
}

static int blob_present(const char *sha)
{
	struct stat st;
	return stat(srt_fmt("%s/blobs/%.2s/%s", S.dir, sha, sha), &st) == 0;
}

static void fill(unsigned char *buf, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = (unsigned char)(seed >> 16);
	}
}

static void get_bytes(const char *path, srt_resp *r)
{
	srt_get(&S, path, NULL, r);
	SRT_EXPECT_STATUS(r, 200);
}

/* State carried from one step to the next. */
static char orphan_sha[NORPHANS][65];
static char keep_sha[2][65];
static char *keep_zip, *keep_data;
static size_t keep_zip_len, keep_data_len;
static unsigned char data_bin[300000];
static char pending_ticket[128], uploaded_ticket[128];
static char tmp_path[600];

static void test_setup_orphans(void **state)
{
	(void)state;
	/* A published skill, whose bytes must survive every collection. */
	const char *md = srt_skill_md("GC Keep", "Its blobs are referenced.");
	fill(data_bin, sizeof data_bin, 7);
	srt_file files[2] = {{"SKILL.md", md, strlen(md), "text/markdown"},
			     {"data.bin", data_bin, sizeof data_bin, "application/octet-stream"}};
	json_t *p = srt_payload("gc-keep", "1.0.0");
	srt_resp r;
	srt_publish_json(&S, S.tok_alice, p, files, 2, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	json_decref(p);
	srt_sha256_hex(md, strlen(md), keep_sha[0]);
	srt_sha256_hex(data_bin, sizeof data_bin, keep_sha[1]);
	get_bytes("/api/v1/download?slug=gc-keep", &r);
	keep_zip = r.body;
	keep_zip_len = r.len;
	r.body = NULL;
	srt_resp_free(&r);
	get_bytes("/api/v1/skills/gc-keep/file?path=data.bin", &r);
	keep_data = r.body;
	keep_data_len = r.len;
	r.body = NULL;
	srt_resp_free(&r);
	assert_int_equal(keep_data_len, sizeof data_bin);

	/* Uploads through tickets that are never published. */
	unsigned char *buf = malloc(ORPHAN_BYTES);
	assert_non_null(buf);
	for (int i = 0; i < NORPHANS; i++) {
		fill(buf, ORPHAN_BYTES, 100u + (unsigned)i);
		srt_file f = {srt_fmt("orphan-%d.bin", i), buf, ORPHAN_BYTES, "application/octet-stream"};
		json_t *e = srt_upload_file(&S, S.tok_bob, &f);
		assert_non_null(e);
		if (i == 0)
			snprintf(uploaded_ticket, sizeof uploaded_ticket, "%s",
				 json_string_value(json_object_get(e, "uploadTicket")));
		json_decref(e);
		srt_sha256_hex(buf, ORPHAN_BYTES, orphan_sha[i]);
		assert_true(blob_present(orphan_sha[i]));
	}
	free(buf);
	/* A ticket asked for and never used for an upload. */
	char sha[65];
	srt_sha256_hex("late", 4, sha);
	srt_upload_url(&S, S.tok_bob, "late.txt", 4, sha, "text/plain", &r);
	json_t *j = SRT_EXPECT_JSON(&r, 200);
	const char *url = json_string_value(json_object_get(j, "uploadUrl"));
	snprintf(pending_ticket, sizeof pending_ticket, "%s", strrchr(url, '/') + 1);
	json_decref(j);
	srt_resp_free(&r);

	/* What a write interrupted by a crash leaves behind. */
	snprintf(tmp_path, sizeof tmp_path, "%s/blobs/%.2s/%s.tmp-0123456789abcdef", S.dir, orphan_sha[0],
		 orphan_sha[0]);
	int fd = open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	char zeros[65536] = {0};
	for (int i = 0; i < 16; i++)
		assert_int_equal(write(fd, zeros, sizeof zeros), (ssize_t)sizeof zeros);
	close(fd);
}

/* Three hours on: the tickets' hour and the grace hour are both over. */
static void test_expired_tickets_refused(void **state)
{
	(void)state;
	setenv("SKILLREG_NOW_MS", srt_fmt("%lld", now_ms() + 3LL * 3600 * 1000), 1);
	assert_int_equal(srt_server_restart(&S), 0);
	const char *const auth[] = {srt_fmt("Authorization: Bearer %s", S.tok_bob), "Content-Type: text/plain", NULL};
	srt_resp r;
	srt_request(&S, "POST", srt_fmt("/api/v1/skills/-/upload/%s", pending_ticket), auth, "late", 4, &r);
	SRT_EXPECT_STATUS(&r, 400);
	assert_string_equal(r.body, "Skill upload ticket is missing, used, or expired");
	srt_resp_free(&r);
	/* Publishing with an uploaded but expired ticket. */
	const char *body =
		srt_fmt("{\"slug\":\"gc-late\",\"displayName\":\"Late\",\"version\":\"1.0.0\",\"changelog\":\"\","
			"\"acceptLicenseTerms\":true,\"files\":[{\"path\":\"SKILL.md\",\"size\":%d,\"sha256\":\"%s\","
			"\"storageId\":\"st_%s\",\"uploadTicket\":\"%s\"}]}",
			ORPHAN_BYTES, orphan_sha[0], orphan_sha[0], uploaded_ticket);
	srt_send(&S, "POST", "/api/v1/skills", S.tok_bob, body, &r);
	SRT_EXPECT_STATUS(&r, 400);
	assert_string_equal(r.body, "Skill upload ticket is missing, used, or expired");
	srt_resp_free(&r);
}

static void test_collect(void **state)
{
	(void)state;
	long files_before, files_after;
	long long before = store_bytes(&files_before);
	char out[512];
	const char *const args[] = {"cron", "run", "blob-gc", NULL};
	assert_int_equal(srt_admin(&S, out, sizeof out, args), 0);
	long long after = store_bytes(&files_after);
	fprintf(stderr, "blob-gc: %s\nblob store: %lld bytes in %ld files before, %lld bytes in %ld files after: "
			"%lld bytes reclaimed\n",
		out, before, files_before, after, files_after, before - after);
	for (int i = 0; i < NORPHANS; i++)
		assert_false(blob_present(orphan_sha[i]));
	struct stat st;
	assert_int_not_equal(stat(tmp_path, &st), 0);
	assert_true(before - after >= (long long)NORPHANS * ORPHAN_BYTES + 16 * 65536);
	/* The published version keeps its file blobs and its archive, byte for byte. */
	assert_true(blob_present(keep_sha[0]) && blob_present(keep_sha[1]));
	srt_resp r;
	get_bytes("/api/v1/download?slug=gc-keep", &r);
	assert_int_equal(r.len, keep_zip_len);
	assert_memory_equal(r.body, keep_zip, keep_zip_len);
	srt_resp_free(&r);
	get_bytes("/api/v1/skills/gc-keep/file?path=data.bin", &r);
	assert_int_equal(r.len, keep_data_len);
	assert_memory_equal(r.body, data_bin, sizeof data_bin);
	srt_resp_free(&r);
	/* A second run finds nothing more to do. */
	assert_int_equal(srt_admin(&S, out, sizeof out, args), 0);
	assert_non_null(strstr(out, "items=0"));
	assert_int_equal(store_bytes(NULL), after);
}

/* The server's scheduler runs the job too, and /metrics reports it. */
static void test_scheduled_with_metrics(void **state)
{
	(void)state;
	int fd = open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	S.serve_args = SERVE_GC_ARGS;
	assert_int_equal(srt_server_restart(&S), 0);
	int seen = 0;
	for (int i = 0; i < 100 && !seen; i++) {
		srt_resp r;
		srt_get(&S, "/metrics", NULL, &r);
		seen = r.body && strstr(r.body, "\nskillreg_blob_gc_tmp_removed_total 1\n") &&
		       strstr(r.body, "\nskillreg_blob_bytes ");
		if (seen) {
			long files;
			long long bytes = store_bytes(&files);
			assert_non_null(strstr(r.body, srt_fmt("\nskillreg_blob_bytes %lld\n", bytes)));
			assert_non_null(strstr(r.body, srt_fmt("\nskillreg_blob_files %ld\n", files)));
		}
		srt_resp_free(&r);
		if (!seen)
			usleep(100 * 1000);
	}
	assert_true(seen);
	struct stat st;
	assert_int_not_equal(stat(tmp_path, &st), 0);
	free(keep_zip);
	free(keep_data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_setup_orphans),
		cmocka_unit_test(test_expired_tickets_refused),
		cmocka_unit_test(test_collect),
		cmocka_unit_test(test_scheduled_with_metrics),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
