/*
 * test_search_rank.c - search keeps what ranks first even when many weaker matches exist.
 *
 * Each full-text stage ranks a bounded window of matches, so a common word can fill the
 * candidates before every good match has been seen. Here 45 skills mention "pdf" only in their
 * summary, and two carry it in their names: `pdf-table-extract` (a whole word of the slug) and
 * `pdfkit` (a word starting with it). With a page of 10 both must still come first, above every
 * summary-only match, as ClawHub orders names before summaries.
 */
#include "harness.h"

#include <stdio.h>
#include <string.h>

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

static void test_names_outrank_summaries(void **state)
{
	(void)state;
	for (int i = 0; i < 45; i++)
		srt_publish_ok(&S, i % 2 ? S.tok_alice : S.tok_bob, srt_fmt("doc-tool-%02d", i), "1.0.0",
			       srt_fmt("Doc Tool %d", i), "Converts pdf files into plain text for the agent.");
	srt_publish_ok(&S, S.tok_alice, "pdf-table-extract", "1.0.0", "PDF Table Extract",
		       "Pulls tables out of documents.");
	srt_publish_ok(&S, S.tok_bob, "pdfkit", "1.0.0", "Pdfkit", "Builds documents.");
	for (int round = 0; round < 2; round++) {
		/* The second round is answered by the response cache; both must agree. */
		srt_resp r;
		srt_get(&S, "/api/v1/search?q=pdf&limit=10", NULL, &r);
		json_t *j = SRT_EXPECT_JSON(&r, 200);
		json_t *res = json_object_get(j, "results");
		assert_int_equal(json_array_size(res), 10);
		int seen_table = 0, seen_kit = 0;
		for (size_t i = 0; i < 2; i++) {
			const char *slug = json_string_value(json_object_get(json_array_get(res, i), "slug"));
			seen_table |= slug && strcmp(slug, "pdf-table-extract") == 0;
			seen_kit |= slug && strcmp(slug, "pdfkit") == 0;
		}
		if (!seen_table || !seen_kit) {
			print_error("the two name matches are not the first two results: %s\n", r.body);
			fail();
		}
		/* The whole-word match ranks above the prefix match. */
		SRT_EXPECT_STR(json_array_get(res, 0), "slug", "pdf-table-extract");
		json_decref(j);
		srt_resp_free(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_outrank_summaries),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
