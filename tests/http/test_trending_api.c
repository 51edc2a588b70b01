/*
 * test_trending.c - GET /api/v1/trending and GET /api/v1/skills?sort=trending against a
 * running server (api-v1 sections 3.2 and 3.3, data-model section 3.3).
 *
 * Installs are recorded through the CLI's telemetry route, folded by `skillreg cron run
 * fold` and ranked by `skillreg cron run trending`, both run as separate processes on the
 * server's data directory: the snapshot they write must reach the server's answers, cached
 * ones included. A skill deleted after the snapshot must drop out of both lists.
 */
#include "harness.h"

#include <stdlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static srt_server S;

static int group_setup(void **state)
{
	(void)state;
	return srt_server_start(&S);
}

static int group_teardown(void **state)
{
	(void)state;
	return srt_server_stop(&S);
}

static void installs(const char *slug, int n)
{
	for (int i = 0; i < n; i++) {
		srt_resp r;
		srt_send(&S, "POST", "/api/cli/telemetry/install", S.tok_bob,
			 srt_fmt("{\"event\":\"install\",\"slug\":\"%s\"}", slug), &r);
		SRT_EXPECT_STATUS(&r, 200);
		srt_resp_free(&r);
	}
}

static void run_job(const char *name)
{
	char out[512];
	const char *const args[] = {"cron", "run", name, NULL};
	assert_int_equal(srt_admin(&S, out, sizeof(out), args), 0);
	char want[64];
	snprintf(want, sizeof(want), "cron %s ok ", name);
	if (strncmp(out, want, strlen(want)) != 0) {
		print_error("cron run %s printed: %s\n", name, out);
		fail();
	}
}

static json_t *get_json(const char *path, long status)
{
	srt_resp r;
	srt_get(&S, path, NULL, &r);
	json_t *j = SRT_EXPECT_JSON(&r, status);
	srt_resp_free(&r);
	return j;
}

/* The slugs of a response's items, comma-separated, into out. */
static const char *slugs(json_t *j, char *out, size_t n)
{
	out[0] = '\0';
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(j, "items"), i, it) {
		size_t len = strlen(out);
		snprintf(out + len, n - len, "%s%s", i ? "," : "", json_string_value(json_object_get(it, "slug")));
	}
	return out;
}

static void expect_order(const char *path, const char *want)
{
	json_t *j = get_json(path, 200);
	char got[512];
	if (strcmp(slugs(j, got, sizeof(got)), want) != 0) {
		print_error("GET %s: items %s, expected %s\n", path, got, want);
		fail();
	}
	json_decref(j);
}

static void test_trending(void **state)
{
	(void)state;
	/* Cold start: no snapshot yet, the first reader builds one (empty here). */
	json_t *j = get_json("/api/v1/trending", 200);
	SRT_EXPECT_STR(j, "kind", "skills");
	assert_int_equal(json_integer_value(json_object_get(j, "totalItems")), 0);
	assert_int_equal(json_integer_value(json_object_get(j, "windowHours")), 168);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
	assert_true(json_is_null(json_object_get(j, "nextCursor")));
	json_decref(j);

	srt_publish_ok(&S, S.tok_alice, "tr-alpha", "1.0.0", "Tr Alpha", "Trending alpha.");
	srt_publish_ok(&S, S.tok_alice, "tr-beta", "1.0.0", "Tr Beta", "Trending beta.");
	srt_publish_ok(&S, S.tok_alice, "tr-gamma", "1.0.0", "Tr Gamma", "Trending gamma.");
	srt_publish_ok(&S, S.tok_alice, "tr-delta", "1.0.0", "Tr Delta", "Trending delta.");
	/* With an empty leaderboard, sort=trending falls back to the recently updated skills. */
	expect_order("/api/v1/skills?sort=trending&limit=2", "tr-delta,tr-gamma");

	installs("tr-alpha", 3);
	installs("tr-beta", 1);
	installs("tr-gamma", 2);
	installs("tr-delta", 2); /* ties with gamma: downloads equal, the older id first */
	run_job("fold");
	run_job("trending");

	expect_order("/api/v1/trending", "tr-alpha,tr-gamma,tr-delta,tr-beta");
	expect_order("/api/v1/skills?sort=trending", "tr-alpha,tr-gamma,tr-delta,tr-beta");
	expect_order("/api/v1/skills?sort=trending&limit=2", "tr-alpha,tr-gamma");

	j = get_json("/api/v1/trending?kind=skills&limit=1", 200);
	assert_int_equal(json_integer_value(json_object_get(j, "totalItems")), 4);
	json_t *first = json_array_get(json_object_get(j, "items"), 0);
	assert_int_equal(json_integer_value(json_object_get(first, "rank")), 1);
	json_t *m = json_object_get(first, "metrics");
	assert_int_equal(json_integer_value(json_object_get(m, "trending24hInstalls")), 3);
	const char *next = json_string_value(json_object_get(j, "nextCursor"));
	assert_non_null(next);
	expect_order(srt_fmt("/api/v1/trending?limit=2&cursor=%s", srt_urlenc(next)), "tr-gamma,tr-delta");
	json_decref(j);

	/* Deleted after the snapshot: skipped, and the page is still full. */
	srt_resp r;
	srt_send(&S, "DELETE", "/api/v1/skills/tr-gamma", S.tok_alice, NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	expect_order("/api/v1/trending", "tr-alpha,tr-delta,tr-beta");
	expect_order("/api/v1/skills?sort=trending&limit=3", "tr-alpha,tr-delta,tr-beta");
	expect_order("/api/v1/trending?limit=2", "tr-alpha,tr-delta");

	/* Bad parameters (api-v1 section 3.3). */
	srt_get(&S, "/api/v1/trending?limit=0", NULL, &r);
	SRT_EXPECT_TEXT(&r, 400, "Invalid limit");
	srt_resp_free(&r);
	srt_get(&S, "/api/v1/trending?limit=101", NULL, &r);
	SRT_EXPECT_TEXT(&r, 400, "Invalid limit");
	srt_resp_free(&r);
	/* The limit is read as JavaScript's Number() reads it, as ClawHub does: white space, a
	 * whole number written with a fraction or exponent, hexadecimal; not a fraction, not
	 * trailing text, not an empty value. */
	expect_order("/api/v1/trending?limit=%202%20", "tr-alpha,tr-delta");
	expect_order("/api/v1/trending?limit=2.0", "tr-alpha,tr-delta");
	expect_order("/api/v1/trending?limit=0x2", "tr-alpha,tr-delta");
	expect_order("/api/v1/trending?limit=2e0", "tr-alpha,tr-delta");
	static const char *const bad_limits[] = {"2.5", "2abc", "", "-2", "Infinity", "0x", "1e400"};
	for (size_t i = 0; i < sizeof bad_limits / sizeof bad_limits[0]; i++) {
		srt_get(&S, srt_fmt("/api/v1/trending?limit=%s", bad_limits[i]), NULL, &r);
		SRT_EXPECT_TEXT(&r, 400, "Invalid limit");
		srt_resp_free(&r);
	}
	/* ClawHub's words (issue 13); kind and cursor are trimmed, an empty kind is `skills`. */
	srt_get(&S, "/api/v1/trending?kind=users", NULL, &r);
	SRT_EXPECT_TEXT(&r, 400, "Unsupported trending kind");
	srt_resp_free(&r);
	srt_get(&S, "/api/v1/trending?cursor=notacursor", NULL, &r);
	SRT_EXPECT_TEXT(&r, 400, "Invalid cursor format");
	srt_resp_free(&r);
	expect_order("/api/v1/trending?kind=&limit=2", "tr-alpha,tr-delta");
	expect_order("/api/v1/trending?kind=%20skills%20&cursor=%20&limit=2", "tr-alpha,tr-delta");
	/* {"v":1,"s":999,"o":0}: a snapshot that is not kept. */
	srt_get(&S, "/api/v1/trending?cursor=eyJ2IjoxLCJzIjo5OTksIm8iOjB9", NULL, &r);
	SRT_EXPECT_TEXT(&r, 410, "Trending snapshot expired");
	srt_resp_free(&r);
}

/* Time is injectable: with SKILLREG_NOW_MS the server and the jobs run days ahead, so
 * installs land on a later UTC day and the 7-day window moves past the old ones. */
static void pin_clock(int64_t ms)
{
	if (ms)
		setenv("SKILLREG_NOW_MS", srt_fmt("%lld", (long long)ms), 1);
	else
		unsetenv("SKILLREG_NOW_MS");
	assert_int_equal(srt_server_restart(&S), 0);
}

static void test_clock_moves_the_window(void **state)
{
	(void)state;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t now = (int64_t)ts.tv_sec * 1000, day = 86400000;
	/* Three days on: two more installs of beta, on that day. */
	pin_clock(now + 3 * day);
	installs("tr-beta", 2);
	run_job("fold");
	run_job("trending");
	expect_order("/api/v1/trending", "tr-alpha,tr-beta,tr-delta");
	/* Eight days on, today's window starts after the first installs: only beta's two. */
	pin_clock(now + 8 * day);
	run_job("trending");
	expect_order("/api/v1/trending", "tr-beta");
	json_t *j = get_json("/api/v1/trending", 200);
	json_t *m = json_object_get(json_array_get(json_object_get(j, "items"), 0), "metrics");
	assert_int_equal(json_integer_value(json_object_get(m, "trending24hInstalls")), 2);
	json_decref(j);
	/* Back to the real clock: the window holds every install again. */
	pin_clock(0);
	run_job("trending");
	expect_order("/api/v1/trending", "tr-alpha,tr-delta,tr-beta");
}

static void test_cron_list(void **state)
{
	(void)state;
	char out[512];
	const char *const args[] = {"cron", "list", NULL};
	assert_int_equal(srt_admin(&S, out, sizeof(out), args), 0);
	assert_non_null(strstr(out, "fold"));
	assert_non_null(strstr(out, "trending   every 3600000 ms"));
	assert_non_null(strstr(out, "recount    every 86400000 ms"));
	/* The recount agrees with the triggers' count: nothing drifted, nothing corrected. */
	const char *const recount[] = {"cron", "run", "recount", NULL};
	assert_int_equal(srt_admin(&S, out, sizeof(out), recount), 0);
	assert_non_null(strstr(out, "cron recount ok "));
	srt_resp m;
	srt_get(&S, "/metrics", NULL, &m);
	const char *g = strstr(m.body, "\nskillreg_public_skills ");
	assert_non_null(g);
	char items[64];
	snprintf(items, sizeof(items), " items=%ld ", atol(g + 24));
	assert_non_null(strstr(out, items));
	srt_resp_free(&m);
	const char *const bad[] = {"cron", "run", "nope", NULL};
	assert_int_equal(srt_admin(&S, out, sizeof(out), bad), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trending),
		cmocka_unit_test(test_clock_moves_the_window),
		cmocka_unit_test(test_cron_list),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
