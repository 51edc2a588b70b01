/*
 * test_upload_quota.c - the per-user upload quota (issue 16): the bytes a user has uploaded
 * (or been given tickets for) and not yet published are bounded, so one account cannot fill
 * the blob store with uploads it never publishes.
 *
 * Before the quota, 30 ticket uploads of 10 MiB never published grew the store by 300 MiB
 * and nothing stopped a 31st. Here the server runs with `--upload-quota-mb 4`: alice's
 * tickets are refused once her unpublished ones would pass 4 MiB, with the quota's 413 text
 * at the ticket, before any byte is sent (the refused file's blob is never stored); bob is
 * not affected; the quota comes back when alice publishes what she uploaded, and when her
 * unused tickets expire; and eight concurrent ticket requests of one user cannot pass the
 * quota together, and at most 4000 tickets wait at once, whatever their size.
 */
#include "harness.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <curl/curl.h>

static srt_server S;

#define MIB (1 << 20)
#define QUOTA_TEXT                                                                                                  \
	"Upload quota exceeded: files uploaded and not yet published are limited to 4 MiB per account. Publish what " \
	"you uploaded, or wait for unused upload tickets to expire (1 hour)."

static const char *const SERVE_ARGS[] = {"--no-rate-limit", "--threads", "8", "--upload-quota-mb", "4", NULL};

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

/* n bytes that differ with seed (so every file is a blob of its own). */
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

/* Uploads n bytes through a ticket (both steps answer 200); the publish's file entry. */
static json_t *upload(const char *token, const char *path, size_t n, unsigned seed)
{
	unsigned char *b = bytes(n, seed);
	srt_file f = {path, b, n, "application/octet-stream"};
	json_t *e = srt_upload_file(&S, token, &f);
	free(b);
	assert_non_null(e);
	return e;
}

/* Asks a ticket for n bytes of seed and expects the quota's refusal; the bytes' blob is
 * not in the store. */
static void refused(const char *token, size_t n, unsigned seed)
{
	unsigned char *b = bytes(n, seed);
	char sha[65];
	srt_sha256_hex(b, n, sha);
	free(b);
	srt_resp r;
	srt_upload_url(&S, token, "refused.bin", (long long)n, sha, "application/octet-stream", &r);
	SRT_EXPECT_TEXT(&r, 413, QUOTA_TEXT);
	srt_resp_free(&r);
	if (!srt_db_postgres()) {
		struct stat st;
		assert_int_not_equal(stat(srt_fmt("%s/blobs/%.2s/%s", S.dir, sha, sha), &st), 0);
	} else {
		assert_int_equal(srt_sql_int(&S, srt_fmt("SELECT count(*) FROM blobs WHERE sha256 = '%s'", sha)), 0);
	}
}

static json_t *alice_files;

static void test_quota_per_user(void **state)
{
	(void)state;
	/* 3 MiB of alice's uploads wait to be published: SKILL.md and two files. */
	const char *md = srt_skill_md("Quota", "Uploads under a quota.");
	srt_file f = {"SKILL.md", md, strlen(md), "text/markdown"};
	alice_files = json_array();
	json_array_append_new(alice_files, srt_upload_file(&S, S.tok_alice, &f));
	json_array_append_new(alice_files, upload(S.tok_alice, "a.bin", MIB + MIB / 2, 1));
	json_array_append_new(alice_files, upload(S.tok_alice, "b.bin", MIB + MIB / 2, 2));
	/* Another 1 MiB would pass 4 MiB (by the SKILL.md's bytes): refused, as is a file larger
	 * than the whole quota. */
	refused(S.tok_alice, MIB, 3);
	refused(S.tok_alice, 5 * MIB, 4);
	/* What is left fits exactly: 4 MiB less the 3 MiB and the SKILL.md. */
	json_decref(upload(S.tok_alice, "c.bin", MIB - strlen(md), 5));
	refused(S.tok_alice, 1, 6);
	/* Bob is not affected: his 4 MiB are his own. */
	json_decref(upload(S.tok_bob, "bob1.bin", 2 * MIB, 7));
	json_decref(upload(S.tok_bob, "bob2.bin", 2 * MIB, 8));
	refused(S.tok_bob, 1, 9);
}

/* A publish that uses tickets gives their bytes back; the unused c.bin still counts. */
static void test_publish_releases(void **state)
{
	(void)state;
	json_t *p = srt_payload("quota-skill", "1.0.0");
	json_object_set(p, "files", alice_files);
	char *body = json_dumps(p, JSON_COMPACT);
	srt_resp r;
	srt_send(&S, "POST", "/api/v1/skills", S.tok_alice, body, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	free(body);
	json_decref(p);
	json_decref(alice_files);
	assert_int_equal(srt_wait_scans(&S), 0);
	/* c.bin's ticket (1 MiB less the SKILL.md) is still unpublished: 3 MiB more fit, not 3.5. */
	json_decref(upload(S.tok_alice, "d.bin", 3 * MIB, 10));
	refused(S.tok_alice, MIB / 2, 11);
}

/* An hour and a minute on, every unused ticket has expired and no longer counts. */
static void test_expiry_releases(void **state)
{
	(void)state;
	setenv("SKILLREG_NOW_MS", srt_fmt("%lld", now_ms() + 61LL * 60 * 1000), 1);
	assert_int_equal(srt_server_restart(&S), 0);
	json_decref(upload(S.tok_alice, "e.bin", 4 * MIB, 12));
	json_decref(upload(S.tok_bob, "bob3.bin", 4 * MIB, 13));
	refused(S.tok_alice, 1, 14);
}

/* ---- one user's concurrent requests ---- */

#define NRACERS 8

typedef struct racer {
	srt_server s; /* a copy of S with its own curl handle */
	pthread_barrier_t *go;
	char sha[65];
	long status;
} racer;

static void *race_ticket(void *arg)
{
	racer *rc = arg;
	srt_resp r;
	pthread_barrier_wait(rc->go);
	srt_upload_url(&rc->s, rc->s.tok_admin, "race.bin", MIB, rc->sha, "application/octet-stream", &r);
	rc->status = r.status;
	srt_resp_free(&r);
	return NULL;
}

/* Eight tickets of 1 MiB asked for at once by one user (boss, who has none yet): four fit. */
static void test_concurrent_requests(void **state)
{
	(void)state;
	racer rs[NRACERS];
	pthread_t th[NRACERS];
	pthread_barrier_t go;
	pthread_barrier_init(&go, NULL, NRACERS);
	for (int i = 0; i < NRACERS; i++) {
		rs[i].s = S;
		rs[i].s.curl = curl_easy_init();
		rs[i].go = &go;
		srt_sha256_hex(srt_fmt("race %d", i), strlen(srt_fmt("race %d", i)), rs[i].sha);
	}
	for (int i = 0; i < NRACERS; i++)
		pthread_create(&th[i], NULL, race_ticket, &rs[i]);
	int ok = 0, over = 0;
	for (int i = 0; i < NRACERS; i++) {
		pthread_join(th[i], NULL);
		curl_easy_cleanup(rs[i].s.curl);
		ok += rs[i].status == 200;
		over += rs[i].status == 413;
	}
	pthread_barrier_destroy(&go);
	fprintf(stderr, "concurrent tickets of 1 MiB under a 4 MiB quota: %d issued, %d refused\n", ok, over);
	assert_int_equal(ok, 4);
	assert_int_equal(over, NRACERS - 4);
}

/* However small, at most SR_UPLOAD_QUOTA_TICKETS (4000) tickets wait at once per user. */
static void test_ticket_ceiling(void **state)
{
	(void)state;
	char out[256], token[128];
	const char *const add[] = {"user", "add", "carol", NULL};
	const char *const tok[] = {"token", "create", "carol", NULL};
	assert_int_equal(srt_admin(&S, out, sizeof out, add), 0);
	assert_int_equal(srt_admin(&S, out, sizeof out, tok), 0);
	snprintf(token, sizeof token, "%.127s", out);
	char sha[65];
	srt_sha256_hex("", 0, sha);
	int issued = 0;
	for (int i = 0; i < 4000; i++) {
		srt_resp r;
		srt_upload_url(&S, token, srt_fmt("empty-%d.txt", i), 0, sha, "text/plain", &r);
		issued += r.status == 200;
		srt_resp_free(&r);
	}
	assert_int_equal(issued, 4000);
	srt_resp r;
	srt_upload_url(&S, token, "one-more.txt", 0, sha, "text/plain", &r);
	SRT_EXPECT_TEXT(&r, 413,
			"Upload quota exceeded: files uploaded and not yet published are limited to 4000 files per "
			"account. Publish what you uploaded, or wait for unused upload tickets to expire (1 hour).");
	srt_resp_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quota_per_user),
		cmocka_unit_test(test_publish_releases),
		cmocka_unit_test(test_expiry_releases),
		cmocka_unit_test(test_concurrent_requests),
		cmocka_unit_test(test_ticket_ceiling),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
