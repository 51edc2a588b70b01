/*
 * test_terms.c - the search terms of store/terms.c: stop words, the stemmer's meetings of word
 * forms, CJK characters and pairs, the typo keys and the edit distance.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "store/terms.h"

static int collect(void *ud, const char *term, const char *raw)
{
	(void)raw;
	char *out = ud;
	size_t n = strlen(out);
	snprintf(out + n, 512 - n, "%s%s", n ? "|" : "", term);
	return 0;
}

static const char *terms(const char *text, int query)
{
	static char out[512];
	out[0] = '\0';
	sr_terms_each(text, query, collect, out);
	return out;
}

static void test_words(void **state)
{
	(void)state;
	assert_string_equal(terms("Post to Mastodon", 1), "post|mastodon");
	assert_string_equal(terms("Manage Obsidian Daily Notes", 0), "manag|obsidian|daily|not");
	assert_string_equal(terms("posting managed tickets", 1), "post|manag|ticket");
	assert_string_equal(terms("n8n v2 x", 1), "n8n|v2");
	assert_string_equal(terms("the for a", 1), "");
}

static void test_cjk(void **state)
{
	(void)state;
	assert_string_equal(terms("高德地图", 1), "高德|德地|地图");
	assert_string_equal(terms("地图", 0), "地|地图|图");
	assert_string_equal(terms("图", 1), "图");
}

static void test_stop_list_sorted(void **state)
{
	(void)state;
	static const char *const words[] = {"a", "about", "the", "to", "your", "with", "for"};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		assert_true(sr_term_is_stop(words[i]));
	assert_false(sr_term_is_stop("pdf"));
}

static void test_typos(void **state)
{
	(void)state;
	char out[512] = "";
	sr_term_deletes("todoist", collect, out);
	assert_non_null(strstr(out, "todoit"));
	assert_int_equal(sr_term_distance("todoits", "todoist", 2), 1);
	assert_int_equal(sr_term_distance("kuberent", "kubernet", 2), 1);
	assert_int_equal(sr_term_distance("exalidraw", "excalidraw", 2), 1);
	assert_int_equal(sr_term_distance("spotify", "pdf", 2), 3);
	assert_true(sr_term_popularity(0, 0, 0) == 0);
	assert_true(sr_term_popularity(1000000, 0, 0) > sr_term_popularity(100, 0, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_cjk),
		cmocka_unit_test(test_stop_list_sorted),
		cmocka_unit_test(test_typos),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
