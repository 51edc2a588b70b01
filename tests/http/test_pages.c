/*
 * test_pages.c - the database pages a request touched, as Server-Timing reports them.
 *
 * `make bench` (the read-path table and the daily replay, bench/daily.mjs) takes every
 * figure of pages touched from Server-Timing's `pages` and `pagemiss`, so what must hold is
 * that the figure measures something and cannot quietly read zero:
 *   - on SQLite without a memory map a request that reads rows reports pages > 0; the same
 *     request on a cold page cache (a restarted server) misses pages, warm it misses none,
 *     and a page of more rows touches more pages;
 *   - where the engine cannot count every page (SQLite with a memory map: mapped pages pass
 *     by the page cache's counters; PostgreSQL: the buffer cache is the server's) the field
 *     is absent, never a zero that would read as a free request.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static srt_server S;

/* One thread: one connection, so every request below reads through the same page cache.
 * No response cache: every request reaches the database. No jobs in between: a fold that
 * commits would make SQLite drop its page cache before the next read. */
#define QUIET "--threads", "1", "--cache-mb", "0", "--no-rate-limit", "--fold-ms", "604800000"
static const char *const UNMAPPED[] = {QUIET, "--sqlite-mmap-mb", "0", NULL};
static const char *const MAPPED[] = {QUIET, "--sqlite-mmap-mb", "64", NULL};

static int group_setup(void **state)
{
	(void)state;
	return srt_server_start_args(&S, UNMAPPED);
}

static int group_teardown(void **state)
{
	(void)state;
	return srt_server_stop(&S);
}

/* pages and pagemiss from Server-Timing: 0 when both are there, -1 when either is absent. */
static int pages_of(const srt_resp *r, long *pages, long *miss)
{
	const char *st = srt_header(r, "Server-Timing");
	if (!st)
		return -1;
	const char *p = strstr(st, "pages;desc=\"");
	const char *m = strstr(st, "pagemiss;desc=\"");
	if (!p || !m)
		return -1;
	char *end;
	*pages = strtol(p + 12, &end, 10);
	if (end == p + 12 || *end != '"')
		return -1;
	*miss = strtol(m + 15, &end, 10);
	if (end == m + 15 || *end != '"')
		return -1;
	return 0;
}

/* GETs path (200 expected) and returns its pages and misses; fails when they are absent. */
static void get_pages(const char *path, long *pages, long *miss, const char *file, int line)
{
	srt_resp r = {0};
	srt_get(&S, path, NULL, &r);
	srt_expect_status_at(&r, 200, file, line);
	if (pages_of(&r, pages, miss) != 0) {
		print_error("%s:%d: GET %s: no pages in Server-Timing: %s\n", file, line, path,
			    srt_header(&r, "Server-Timing") ? srt_header(&r, "Server-Timing") : "(none)");
		fail();
	}
	srt_resp_free(&r);
}
#define GET_PAGES(path, p, m) get_pages((path), (p), (m), __FILE__, __LINE__)

static void test_fixtures(void **state)
{
	(void)state;
	for (int i = 0; i < 40; i++)
		srt_publish_ok(&S, i % 2 ? S.tok_alice : S.tok_bob, srt_fmt("pages-skill-%02d", i), "1.0.0",
			       srt_fmt("Pages Skill %02d", i),
			       "A skill whose rows give the list pages something to read.");
}

static void test_cold_and_warm_reads(void **state)
{
	(void)state;
	if (srt_db_postgres()) {
		/* PostgreSQL: nothing counted per connection, so nothing reported. */
		srt_resp r = {0};
		srt_get(&S, "/api/v1/skills?sort=newest&limit=25", NULL, &r);
		SRT_EXPECT_STATUS(&r, 200);
		long p = -1, m = -1;
		assert_int_equal(pages_of(&r, &p, &m), -1);
		assert_non_null(strstr(srt_header(&r, "Server-Timing"), "rows;desc=\"26\""));
		srt_resp_free(&r);
		return;
	}
	/* A new process: its connection's page cache is empty, the first read is cold. */
	assert_int_equal(srt_server_restart(&S), 0);
	const char *list = "/api/v1/skills?sort=newest&limit=25";
	long cold = 0, cold_miss = 0, warm = 0, warm_miss = 0;
	GET_PAGES(list, &cold, &cold_miss);
	GET_PAGES(list, &warm, &warm_miss);
	assert_true(cold_miss > 0);
	assert_true(warm > 0);
	assert_int_equal(warm_miss, 0);
	/* The cold request touched at least the warm one's pages (and the schema on the way). */
	assert_true(cold >= warm);
	/* The same request again touches the same pages. */
	long again = 0, again_miss = 0;
	GET_PAGES(list, &again, &again_miss);
	assert_int_equal(again, warm);
	assert_int_equal(again_miss, 0);

	/* Fewer rows, fewer pages: 2 rows against 25 on the same index. */
	long small = 0, small_miss = 0;
	GET_PAGES("/api/v1/skills?sort=newest&limit=2", &small, &small_miss);
	assert_true(small > 0);
	assert_true(small < warm);
}

static void test_no_figure_where_pages_go_uncounted(void **state)
{
	(void)state;
	/* With a memory map SQLite reads pages without its page cache: a figure would be
	 * wrong, so none is given (on PostgreSQL the map setting changes nothing: none either). */
	S.serve_args = MAPPED;
	assert_int_equal(srt_server_restart(&S), 0);
	srt_resp r = {0};
	srt_get(&S, "/api/v1/skills?sort=newest&limit=25", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	long p = -1, m = -1;
	assert_int_equal(pages_of(&r, &p, &m), -1);
	assert_non_null(strstr(srt_header(&r, "Server-Timing"), "rows;desc=\"26\""));
	srt_resp_free(&r);
	S.serve_args = UNMAPPED;
	assert_int_equal(srt_server_restart(&S), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_cold_and_warm_reads),
		cmocka_unit_test(test_no_figure_where_pages_go_uncounted),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
