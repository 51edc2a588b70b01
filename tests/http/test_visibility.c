/*
 * test_visibility.c - the moderation table (api-v1 section 1.5) against the real generated
 * columns and the real server: for each combination of status, reason, flags, verdict,
 * deletion and version count, what the database computes (public, suspicious,
 * browse-eligible) and what the server answers: the detail to the public and to the owner,
 * the archive to both, the list, search, and detail's moderation.isSuspicious.
 *
 * The moderation fields are written into the database directly, as any write path would,
 * so the server runs without its response cache (whose generation counters only the store's
 * own writes bump).
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


static srt_server S;
static const char *const serve_args[] = {"--cache-mb", "0", NULL};

static int group_setup(void **state)
{
	(void)state;
	return srt_server_start_args(&S, serve_args);
}

static int group_teardown(void **state)
{
	(void)state;
	return srt_server_stop(&S);
}

#define BLOCKED "Blocked: this skill version has been flagged as malicious by ClawScan and cannot be downloaded."
#define DELETED(slug) "Skill is hidden/deleted. Run \"clawhub undelete " slug "\" to restore it."

static const struct row {
	const char *slug;
	int status;         /* 0 active, 1 hidden, 2 removed */
	const char *reason; /* NULL: none */
	int flags, verdict; /* verdict -1: NULL */
	int deleted, versions;
	/* expected: columns */
	int pub, susp, listed;
	/* expected: anonymous detail, owner detail (status, text when not 200), download */
	long anon, owner;
	const char *owner_text;
	long dl_owner;
	const char *dl_text;
} rows[] = {
	{"vis-plain", 0, NULL, 0, -1, 0, 1, 1, 0, 1, 200, 200, NULL, 200, NULL},
	{"vis-clean", 0, "scanner.static.clean", 0, 0, 0, 1, 1, 0, 1, 200, 200, NULL, 200, NULL},
	{"vis-pending-first", 0, "pending.scan", 0, -1, 0, 1, 1, 0, 0, 200, 200, NULL, 200, NULL},
	{"vis-pending-later", 0, "pending.scan", 0, 0, 0, 2, 1, 0, 1, 200, 200, NULL, 200, NULL},
	{"vis-stale-first", 0, "pending.scan.stale", 0, -1, 0, 1, 1, 0, 0, 200, 200, NULL, 200, NULL},
	{"vis-vt-pending", 0, "scanner.vt.pending", 0, -1, 0, 1, 1, 0, 0, 200, 200, NULL, 200, NULL},
	{"vis-llm-pending2", 0, "scanner.llm.pending", 0, -1, 0, 2, 1, 0, 1, 200, 200, NULL, 200, NULL},
	{"vis-reason-susp", 0, "scanner.static.suspicious", 0, 1, 0, 1, 1, 1, 0, 200, 200, NULL, 200, NULL},
	{"vis-llm-susp", 0, "scanner.llm.suspicious", 0, -1, 0, 3, 1, 1, 0, 200, 200, NULL, 200, NULL},
	{"vis-flag-susp", 0, "manual.override.suspicious", 1, 1, 0, 1, 1, 1, 0, 200, 200, NULL, 200, NULL},
	{"vis-flag-only", 0, NULL, 1, -1, 0, 2, 1, 1, 0, 200, 200, NULL, 200, NULL},
	{"vis-malware-flag", 0, "scanner.static.malicious", 2, 2, 0, 1, 0, 0, 0, 404, 403, BLOCKED, 403, BLOCKED},
	{"vis-verdict-mal", 0, NULL, 0, 2, 0, 1, 0, 0, 0, 404, 403, BLOCKED, 403, BLOCKED},
	{"vis-flag-mal-only", 0, "scanner.external.clean", 2, 0, 0, 2, 0, 0, 0, 404, 403, BLOCKED, 403, BLOCKED},
	{"vis-staff-hidden", 1, "staff.hidden", 0, -1, 0, 1, 0, 0, 0, 404, 403,
	 "Skill is hidden by moderation (staff.hidden).", 403, "This skill is currently unavailable."},
	{"vis-auto-reports", 1, "auto.reports", 0, 0, 0, 2, 0, 0, 0, 404, 403,
	 "Skill is hidden by moderation (auto.reports).", 403, "This skill is currently unavailable."},
	{"vis-hidden-pending", 1, "pending.scan", 0, -1, 0, 1, 0, 0, 0, 404, 423,
	 "Skill is hidden while security scan is pending. Try again in a few minutes.", 423,
	 "Skill is hidden while security scan is pending. Try again in a few minutes."},
	{"vis-quality", 1, "quality.low", 0, -1, 0, 1, 0, 0, 0, 404, 403,
	 "Skill is hidden by quality checks. Update SKILL.md content or run \"clawhub undelete <slug>\" after review.",
	 403,
	 "This skill is currently unavailable."},
	{"vis-hidden-susp", 1, "scanner.static.suspicious", 1, 1, 0, 1, 0, 1, 0, 404, 403,
	 "Skill is hidden by moderation (scanner.static.suspicious).", 403, "This skill is currently unavailable."},
	{"vis-removed", 2, "manual.removed", 0, -1, 0, 1, 0, 0, 0, 404, 410, "Skill has been removed by moderation.",
	 410, "Skill has been removed by moderation."},
	{"vis-deleted", 0, NULL, 0, 0, 1, 1, 0, 0, 0, 404, 410, DELETED("vis-deleted"), 410, DELETED("vis-deleted")},
	{"vis-deleted-mal", 0, NULL, 2, 2, 1, 1, 0, 0, 0, 404, 410, DELETED("vis-deleted-mal"), 410,
	 DELETED("vis-deleted-mal")},
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

/* The row's moderation columns, written behind the server's back (the table's words need no
 * quoting). */
static void set_row(const struct row *r)
{
	const char *reason = r->reason ? srt_fmt("'%s'", r->reason) : "NULL";
	const char *verdict = r->verdict >= 0 ? srt_fmt("%d", r->verdict) : "NULL";
	const char *deleted = r->deleted ? "1700000000000" : "NULL";
	long n = srt_sql(&S, srt_fmt("UPDATE skills SET moderation_status = %d, moderation_reason = %s, "
				     "moderation_flags = %d, moderation_verdict = %s, soft_deleted_at = %s, "
				     "stats_versions = %d WHERE slug = '%s'",
				     r->status, reason, r->flags, verdict, deleted, r->versions, r->slug));
	assert_int_equal(n, 1);
}

static void columns(const char *slug, int *pub, int *susp, int *listed)
{
	char *t = srt_db_text(S.db, srt_fmt("SELECT is_public, is_suspicious, is_listed FROM skills WHERE slug = '%s'", slug));
	assert_non_null(t);
	assert_int_equal(sscanf(t, "%d|%d|%d\n", pub, susp, listed), 3);
	free(t);
}

/* Whether a JSON array of objects (under key) holds one with "slug" == slug. */
static int holds_slug(json_t *j, const char *key, const char *slug)
{
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(j, key), i, it) {
		if (strcmp(json_string_value(json_object_get(it, "slug")), slug) == 0)
			return 1;
	}
	return 0;
}

static void check(long got, long want, const char *what, const char *slug)
{
	if (got != want) {
		print_error("%s: %s is %ld, want %ld\n", slug, what, got, want);
		fail();
	}
}

static void test_visibility_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < NROWS; i++)
		srt_publish_ok(&S, S.tok_alice, rows[i].slug, "1.0.0", NULL, "A skill in the visibility table.");
	for (size_t i = 0; i < NROWS; i++)
		set_row(&rows[i]);

	srt_resp r;
	srt_get(&S, "/api/v1/skills?limit=200", NULL, &r);
	json_t *list = SRT_EXPECT_JSON(&r, 200);
	srt_resp_free(&r);
	srt_get(&S, "/api/v1/search?q=visibility&limit=100", NULL, &r);
	json_t *search = SRT_EXPECT_JSON(&r, 200);
	srt_resp_free(&r);

	for (size_t i = 0; i < NROWS; i++) {
		const struct row *w = &rows[i];
		int pub, susp, listed;
		columns(w->slug, &pub, &susp, &listed);
		check(pub, w->pub, "is_public", w->slug);
		check(susp, w->susp, "is_suspicious", w->slug);
		check(listed, w->listed, "is_listed", w->slug);
		check(holds_slug(list, "items", w->slug), w->listed, "in the list", w->slug);
		check(holds_slug(search, "results", w->slug), w->listed, "in search", w->slug);

		const char *detail = srt_fmt("/api/v1/skills/%s", w->slug);
		srt_get(&S, detail, NULL, &r);
		check(r.status, w->anon, "anonymous detail", w->slug);
		if (w->anon == 404)
			SRT_EXPECT_TEXT(&r, 404, "Skill not found");
		if (w->anon == 200) {
			/* Reachable by slug; a suspicious one says so, which the CLI asks --force for. */
			json_t *j = SRT_EXPECT_JSON(&r, 200);
			json_t *m = json_object_get(j, "moderation");
			check(json_is_true(json_object_get(m, "isSuspicious")), w->susp, "moderation.isSuspicious", w->slug);
			json_decref(j);
		}
		srt_resp_free(&r);
		srt_get(&S, detail, S.tok_alice, &r);
		check(r.status, w->owner, "owner detail", w->slug);
		if (w->owner_text)
			SRT_EXPECT_TEXT(&r, w->owner, w->owner_text);
		srt_resp_free(&r);

		const char *dl = srt_fmt("/api/v1/download?slug=%s", w->slug);
		srt_get(&S, dl, NULL, &r);
		check(r.status, w->anon, "anonymous download", w->slug);
		srt_resp_free(&r);
		srt_get(&S, dl, S.tok_alice, &r);
		check(r.status, w->dl_owner, "owner download", w->slug);
		if (w->dl_text)
			SRT_EXPECT_TEXT(&r, w->dl_owner, w->dl_text);
		srt_resp_free(&r);
	}
	json_decref(list);
	json_decref(search);
}

/* A publish wakes the scan worker: with the built-in scanner alone the version is scanned
 * within milliseconds of the publish's answer. */
static void test_scan_latency(void **state)
{
	(void)state;
	double worst = 0;
	S.no_scan_wait = 1;
	for (int i = 0; i < 10; i++) {
		const char *slug = srt_fmt("latency-%d", i);
		srt_publish_ok(&S, S.tok_bob, slug, "1.0.0", NULL, "Latency probe.");
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		assert_int_equal(srt_wait_scans(&S), 0);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
		if (ms > worst)
			worst = ms;
	}
	S.no_scan_wait = 0;
	fprintf(stderr, "# publish -> scanned, built-in scanner, worst of 10: %.1f ms\n", worst);
	assert_true(worst < 500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_visibility_table),
		cmocka_unit_test(test_scan_latency),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
