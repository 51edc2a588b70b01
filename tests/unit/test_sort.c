/*
 * test_sort.c - sort.c: the sort names each face takes, the two readings of `installs`, the
 * list cursor families, and a cursor refused by every list but the one that made it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/err.h"
#include "registry/sort.h"

static void test_names(void **state)
{
	const sr_sort_name *o = sr_sort_find("UPDATED", SR_SORTS_API);
	assert_non_null(o);
	assert_int_equal(o->sort, SR_SORT_UPDATED);
	assert_int_equal(o->desc, 1);
	o = sr_sort_find("name", SR_SORTS_WEB);
	assert_non_null(o);
	assert_int_equal(o->sort, SR_SORT_NAME);
	assert_int_equal(o->desc, 0);
	/* API-only aliases are unknown to the web, and the other way round nothing is. */
	assert_non_null(sr_sort_find("createdAt", SR_SORTS_API));
	assert_null(sr_sort_find("createdAt", SR_SORTS_WEB));
	assert_non_null(sr_sort_find("trending", SR_SORTS_API));
	assert_null(sr_sort_find("trending", SR_SORTS_WEB));
	assert_null(sr_sort_find("bogus", SR_SORTS_API | SR_SORTS_WEB));
	assert_null(sr_sort_find("", SR_SORTS_API));
}

static void test_installs(void **state)
{
	/* ClawHub's API takes installs as a legacy alias of downloads; its browse page ranks
	 * by installs. */
	assert_int_equal(sr_sort_find("installs", SR_SORTS_API)->sort, SR_SORT_DOWNLOADS);
	assert_int_equal(sr_sort_find("installs-all-time", SR_SORTS_API)->sort, SR_SORT_DOWNLOADS);
	assert_int_equal(sr_sort_find("installs", SR_SORTS_WEB)->sort, SR_SORT_INSTALLS);
}

static void test_web_choices(void **state)
{
	/* The browse page offers six orders, each with a label, in this order. */
	static const char *const want[] = {"updated", "newest", "downloads", "installs", "stars", "name"};
	int n = 0;
	for (int i = 0; i < sr_sort_names_count; i++) {
		const sr_sort_name *o = &sr_sort_names[i];
		if (!(o->faces & SR_SORTS_WEB))
			continue;
		assert_true(n < 6);
		assert_string_equal(o->name, want[n]);
		assert_non_null(o->label);
		n++;
	}
	assert_int_equal(n, 6);
}

static void test_families(void **state)
{
	/* The codes are in cursors already handed out: they must not move. */
	assert_int_equal(sr_list_cursor_family(SR_SORTS_API, SR_FILTER_LISTED, 0, 0), 1);
	assert_int_equal(sr_list_cursor_family(SR_SORTS_API, SR_FILTER_LISTED, 1, 0), 2);
	assert_int_equal(sr_list_cursor_family(SR_SORTS_WEB, SR_FILTER_LISTED, 0, 0), 32);
	assert_int_equal(sr_list_cursor_family(SR_SORTS_WEB, SR_FILTER_LISTED, 0, 1), 33);
	assert_int_equal(sr_list_cursor_family(SR_SORTS_WEB, SR_FILTER_LISTED, 1, 0), 34);
	assert_int_equal(sr_list_cursor_family(SR_SORTS_WEB, SR_FILTER_PUBLIC, 1, 1), 39);
}

static void test_check(void **state)
{
	sr_cursor c;
	memset(&c, 0, sizeof(c));
	c.k1 = 42;
	c.k2 = 7;
	c.id = 9;
	char enc[SR_CURSOR_MAX_LEN + 1];
	int fam = sr_list_cursor_family(SR_SORTS_WEB, SR_FILTER_LISTED, 0, 1);
	assert_int_equal(sr_list_cursor_encode(&c, SR_SORT_STARS, 1, fam, enc, sizeof(enc)), 0);
	sr_cursor d;
	/* The web's browse list takes its forwards and backwards families. */
	assert_int_equal(sr_list_cursor_check(enc, SR_SORT_STARS, 1, fam - 1, 2, &d), 0);
	assert_int_equal(d.filter, fam);
	assert_int_equal(d.k1, 42);
	assert_int_equal(d.id, 9);
	/* Another sort, direction or family is refused. */
	assert_int_equal(sr_list_cursor_check(enc, SR_SORT_DOWNLOADS, 1, fam - 1, 2, &d), SR_EINVAL);
	assert_int_equal(sr_list_cursor_check(enc, SR_SORT_STARS, 0, fam - 1, 2, &d), SR_EINVAL);
	assert_int_equal(sr_list_cursor_check(enc, SR_SORT_STARS, 1, fam - 1, 1, &d), SR_EINVAL);
	assert_int_equal(sr_list_cursor_check(enc, SR_SORT_STARS, 1, 1, 1, &d), SR_EINVAL);
	assert_int_equal(sr_list_cursor_check("not a cursor", SR_SORT_STARS, 1, fam, 1, &d), SR_EINVAL);

	sr_list_query q = {0};
	sr_list_query_after(&q, &c);
	assert_int_equal(q.has_after, 1);
	assert_int_equal(q.after_k1, 42);
	assert_int_equal(q.after_k2, 7);
	assert_int_equal(q.after_id, 9);
	assert_ptr_equal(q.after_text, c.text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_installs),
		cmocka_unit_test(test_web_choices),
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
