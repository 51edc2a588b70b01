/*
 * test_bomb.c - a multipart publish that inflates far more than it sends (issue 16): many
 * `bundle` parts, each a small zip of 5 files of 10 MiB of zeros. Each part alone is within
 * the 50 MiB limit; the request as a whole is not, and the server must refuse it before it
 * holds more than a few times that limit, however many parts there are.
 *
 * What is measured is the server process itself, from /proc: its peak resident set (VmHWM,
 * reset before each attack by writing 5 to /proc/PID/clear_refs), its CPU time (utime +
 * stime of /proc/PID/stat) and its resident set once the attack is over.
 */
#include "harness.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static srt_server S;

/* The bounds this test holds the server to. One publish may hold its body, the files it
 * inflated (at most 50 MiB) and one entry being inflated (at most 10 MiB); the server's own
 * baseline (rules, caches, thread stacks) comes on top. */
#define PEAK_MAX_KB (300L * 1024)
#define SETTLED_MAX_KB (64L * 1024) /* resident growth left once the attack is over */
#define CPU_MAX_MS 10000L

#define ENTRY_BYTES (10u << 20)

static void *bomb_zip;
static size_t bomb_len;

static int group_setup(void **state)
{
	(void)state;
	/* Five entries of 10 MiB of zeros each: 50 MiB inflated, about 50 KB deflated. */
	char *zeros = calloc(1, ENTRY_BYTES);
	if (!zeros)
		return -1;
	srt_file f[5] = {
		{"a.txt", zeros, ENTRY_BYTES, NULL}, {"b.txt", zeros, ENTRY_BYTES, NULL},
		{"c.txt", zeros, ENTRY_BYTES, NULL}, {"d.txt", zeros, ENTRY_BYTES, NULL},
		{"e.txt", zeros, ENTRY_BYTES, NULL},
	};
	int rc = srt_zip_build(f, 5, &bomb_zip, &bomb_len);
	free(zeros);
	if (rc)
		return -1;
	return srt_server_start(&S);
}

static int group_teardown(void **state)
{
	(void)state;
	free(bomb_zip);
	return srt_server_stop(&S);
}

/* A field of /proc/PID/status in kB, or -1. */
static long status_kb(const char *field)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", (int)S.pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	long kb = -1;
	size_t fl = strlen(field);
	while (fgets(line, sizeof line, f))
		if (strncmp(line, field, fl) == 0 && line[fl] == ':')
			kb = strtol(line + fl + 1, NULL, 10);
	fclose(f);
	return kb;
}

/* Starts a new peak: VmHWM falls back to the present resident set. */
static void reset_peak(void)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/clear_refs", (int)S.pid);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs("5", f) >= 0);
	assert_int_equal(fclose(f), 0);
}

/* The server's CPU time (user + system) in ms. */
static long cpu_ms(void)
{
	char path[64], buf[2048];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)S.pid);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Fields after the command name (which may hold spaces) start after the last ')'. */
	char *p = strrchr(buf, ')');
	assert_non_null(p);
	unsigned long ut = 0, st = 0;
	/* state is field 3; utime and stime are fields 14 and 15. */
	int k = sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st);
	assert_int_equal(k, 2);
	return (long)((ut + st) * 1000 / (unsigned long)sysconf(_SC_CLK_TCK));
}

static const char PAYLOAD[] = "{\"slug\":\"bomb\",\"displayName\":\"Bomb\",\"version\":\"1.0.0\","
			      "\"changelog\":\"\",\"acceptLicenseTerms\":true}";

/* One publish of nparts bundle parts of the bomb zip; the status and text into r. */
static void send_bomb(srt_server *s, int nparts, srt_resp *r)
{
	srt_part *parts = calloc((size_t)nparts + 1, sizeof *parts);
	assert_non_null(parts);
	parts[0] = (srt_part){"payload", NULL, NULL, PAYLOAD, strlen(PAYLOAD)};
	for (int i = 1; i <= nparts; i++)
		parts[i] = (srt_part){"bundle", "bundle.zip", "application/zip", bomb_zip, bomb_len};
	srt_multipart(s, S.tok_alice, parts, (size_t)nparts + 1, r);
	free(parts);
}

struct attack {
	long base_kb, peak_kb, after_kb, cpu;
};

static void attack_begin(struct attack *a)
{
	/* A pause lets freed memory of earlier work go back before the baseline is read. */
	usleep(200 * 1000);
	reset_peak();
	a->base_kb = status_kb("VmRSS");
	a->cpu = cpu_ms();
}

static void attack_end(struct attack *a, const char *what)
{
	a->cpu = cpu_ms() - a->cpu;
	a->peak_kb = status_kb("VmHWM");
	usleep(500 * 1000);
	a->after_kb = status_kb("VmRSS");
	print_message("%s: resident %ld kB before, peak %ld kB, %ld kB after; %ld ms of CPU\n", what, a->base_kb,
		      a->peak_kb, a->after_kb, a->cpu);
	if (a->peak_kb < 0 || a->peak_kb > PEAK_MAX_KB) {
		print_error("%s: peak resident set %ld kB, more than %ld kB\n", what, a->peak_kb, PEAK_MAX_KB);
		fail();
	}
	if (a->cpu > CPU_MAX_MS) {
		print_error("%s: %ld ms of CPU, more than %ld\n", what, a->cpu, CPU_MAX_MS);
		fail();
	}
	if (a->after_kb - a->base_kb > SETTLED_MAX_KB) {
		print_error("%s: resident set %ld kB after the attack, %ld kB before\n", what, a->after_kb, a->base_kb);
		fail();
	}
}

static void test_twenty_parts(void **state)
{
	(void)state;
	struct attack a;
	attack_begin(&a);
	srt_resp r;
	send_bomb(&S, 20, &r);
	SRT_EXPECT_TEXT(&r, 400, "Skill bundle exceeds 50MB limit");
	srt_resp_free(&r);
	attack_end(&a, "20 bundle parts");
}

struct racer {
	srt_server s;
	pthread_barrier_t *go;
	long status;
	char body[128];
};

static void *bomber(void *arg)
{
	struct racer *rc = arg;
	srt_resp r;
	pthread_barrier_wait(rc->go);
	send_bomb(&rc->s, 40, &r);
	rc->status = r.status;
	snprintf(rc->body, sizeof rc->body, "%s", r.body ? r.body : "");
	srt_resp_free(&r);
	return NULL;
}

static void test_two_parallel_forty_parts(void **state)
{
	(void)state;
	struct attack a;
	attack_begin(&a);
	struct racer rs[2];
	pthread_t th[2];
	pthread_barrier_t go;
	pthread_barrier_init(&go, NULL, 2);
	for (int i = 0; i < 2; i++) {
		rs[i].s = S;
		rs[i].s.curl = curl_easy_init();
		rs[i].go = &go;
		pthread_create(&th[i], NULL, bomber, &rs[i]);
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		curl_easy_cleanup(rs[i].s.curl);
	}
	pthread_barrier_destroy(&go);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(rs[i].status, 400);
		assert_string_equal(rs[i].body, "Skill bundle exceeds 50MB limit");
	}
	attack_end(&a, "2 x 40 bundle parts in parallel");
}

static void test_four_hundred_parts(void **state)
{
	(void)state;
	struct attack a;
	attack_begin(&a);
	srt_resp r;
	send_bomb(&S, 400, &r);
	SRT_EXPECT_TEXT(&r, 400, "Skill bundle exceeds 50MB limit");
	srt_resp_free(&r);
	attack_end(&a, "400 bundle parts");
}

/* Several bundle parts whose files together fit are one publish, as before; one byte more
 * over all of them is refused. */
static void test_parts_within_total(void **state)
{
	(void)state;
	const char *md = srt_skill_md("Split", "Two bundles.");
	size_t big = 8u << 20;
	char *filler = calloc(1, big);
	assert_non_null(filler);
	/* 6 x 8 MiB and the SKILL.md over two bundles: 48 MiB and a little. */
	srt_file f1[3] = {{"SKILL.md", md, strlen(md), NULL}, {"one.bin", filler, big, NULL},
			  {"two.bin", filler, big, NULL}};
	srt_file f2[4] = {{"three.bin", filler, big, NULL}, {"four.bin", filler, big, NULL},
			  {"five.bin", filler, big, NULL}, {"six.bin", filler, big, NULL}};
	void *z1, *z2;
	size_t l1, l2;
	assert_int_equal(srt_zip_build(f1, 3, &z1, &l1), 0);
	assert_int_equal(srt_zip_build(f2, 4, &z2, &l2), 0);
	const char *payload = "{\"slug\":\"split\",\"displayName\":\"Split\",\"version\":\"1.0.0\","
			      "\"changelog\":\"\",\"acceptLicenseTerms\":true}";
	srt_part parts[3] = {{"payload", NULL, NULL, payload, strlen(payload)},
			     {"bundle", "a.zip", "application/zip", z1, l1},
			     {"bundle", "b.zip", "application/zip", z2, l2}};
	srt_resp r;
	srt_multipart(&S, S.tok_alice, parts, 3, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	/* A file part that fills the room left to the byte still fits; one byte more, and the
	 * second bundle is refused as it inflates. */
	size_t room = (50u << 20) - (48u << 20) - strlen(md);
	char *extra = calloc(1, room + 1);
	assert_non_null(extra);
	const char *payload2 = "{\"slug\":\"split\",\"displayName\":\"Split\",\"version\":\"1.0.1\","
			       "\"changelog\":\"\",\"acceptLicenseTerms\":true}";
	const char *payload3 = "{\"slug\":\"split\",\"displayName\":\"Split\",\"version\":\"1.0.2\","
			       "\"changelog\":\"\",\"acceptLicenseTerms\":true}";
	srt_part parts2[4] = {{"payload", NULL, NULL, payload2, strlen(payload2)},
			      {"files", "extra.bin", "application/octet-stream", extra, room},
			      {"bundle", "a.zip", "application/zip", z1, l1},
			      {"bundle", "b.zip", "application/zip", z2, l2}};
	srt_multipart(&S, S.tok_alice, parts2, 4, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	parts2[0].data = payload3;
	parts2[0].len = strlen(payload3);
	parts2[1].len = room + 1;
	srt_multipart(&S, S.tok_alice, parts2, 4, &r);
	SRT_EXPECT_TEXT(&r, 400, "Skill bundle exceeds 50MB limit");
	srt_resp_free(&r);
	free(extra);
	free(z1);
	free(z2);
	free(filler);
}

int main(void)
{
	/* Under AddressSanitizer freed memory waits in a quarantine (256 MiB by default) before it
	 * goes back, so the server's resident set after an attack would measure the quarantine,
	 * not the server. Without it, a freed inflated file is unmapped as it would be in the
	 * normal build. Other programs keep their quarantine; a build without ASan ignores this. */
	char asan[1024];
	const char *was = getenv("ASAN_OPTIONS");
	snprintf(asan, sizeof asan, "%s%squarantine_size_mb=0", was ? was : "", was && *was ? ":" : "");
	setenv("ASAN_OPTIONS", asan, 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_twenty_parts),
		cmocka_unit_test(test_two_parallel_forty_parts),
		cmocka_unit_test(test_four_hundred_parts),
		cmocka_unit_test(test_parts_within_total),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
