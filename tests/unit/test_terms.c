/*
 * test_terms.c - the search terms of store/terms.c: stop words, the stemmer's meetings of word
 * forms, CJK characters and pairs, the typo keys and the edit distance; and the searchable
 * text registry/search.c takes from a SKILL.md.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "registry/search.h"
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

static void body_of(const char *md, size_t len, sr_buf *out)
{
	sr_buf_init(out, SR_SEARCH_TEXT_MAX);
	assert_int_equal(sr_search_body_text(md, len, out), 0);
}

static void test_body_text(void **state)
{
	(void)state;
	sr_buf b;
	const char *md = "---\nname: x\ndescription: frontword\n---\n# Title\n\nProse here, see "
			 "<https://example.com/path> and [docs](http://h.io/a).\n   ```sh\ncodeword\n   ```\n"
			 "~~~\ntildeword\n~~~\nAfter.";
	body_of(md, strlen(md), &b);
	assert_string_equal(b.data, "# Title\n\nProse here, see <> and [docs]().\nAfter.\n");
	sr_buf_deinit(&b);
	/* A block is closed by its own fence only: the same character, at least as many. */
	md = "A\n````md\n```\ninner\n```\n````\nB\n~~~\n```\nx\n~~~~\nC\n";
	body_of(md, strlen(md), &b);
	assert_string_equal(b.data, "A\nB\nC\n");
	sr_buf_deinit(&b);
	/* Bytes that start no UTF-8 character become spaces: stored as text, PostgreSQL checks it. */
	const char bad[] = "caf\xc3\xa9 \xe5\x0a x\xff\xc0\xafy \xed\xa0\x80z";
	body_of(bad, sizeof(bad) - 1, &b);
	assert_string_equal(b.data, "caf\xc3\xa9  \n x   y    z\n");
	sr_buf_deinit(&b);
	/* Cut at the limit on a character's boundary: a long run of 3-byte characters. */
	size_t n = 3 * SR_SEARCH_TEXT_MAX;
	char *cjk = malloc(n + 1);
	for (size_t i = 0; i < n; i += 3)
		memcpy(cjk + i, "\xe4\xb8\xad", 3);
	cjk[n] = '\0';
	body_of(cjk, n, &b);
	assert_true(b.len <= SR_SEARCH_TEXT_MAX); /* the line's end included */
	assert_int_equal(b.data[b.len - 1], '\n');
	assert_int_equal((b.len - 1) % 3, 0);
	assert_true(b.len - 1 > SR_SEARCH_TEXT_MAX - 4);
	free(cjk);
	sr_buf_deinit(&b);
	/* The text is a prefix: after the cut, no shorter line of later is taken. */
	n = SR_SEARCH_TEXT_MAX + 100;
	cjk = malloc(n + 8);
	memset(cjk, 'a', n);
	memcpy(cjk + n, "\nlater\n", 8);
	body_of(cjk, n + 7, &b);
	assert_null(strstr(b.data, "later"));
	free(cjk);
	sr_buf_deinit(&b);
	/* Lines that end exactly at the limit, then more: no error, a prefix. */
	n = 4 * SR_SEARCH_TEXT_MAX;
	cjk = malloc(n + 1);
	for (size_t i = 0; i < n; i += 8)
		memcpy(cjk + i, "abcdefg\n", 8);
	cjk[n] = '\0';
	body_of(cjk, n, &b);
	assert_int_equal(b.len, SR_SEARCH_TEXT_MAX);
	assert_int_equal(b.data[b.len - 1], '\n');
	free(cjk);
	sr_buf_deinit(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_cjk),
		cmocka_unit_test(test_stop_list_sorted),
		cmocka_unit_test(test_typos),
		cmocka_unit_test(test_body_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
