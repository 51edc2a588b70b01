/*
 * test_jw.c - the streaming JSON writer must produce what jansson parses back to the same
 * values: every string escaped, invalid UTF-8 replaced, nesting balanced, ceilings honoured.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/jw.h"

static json_t *parse(const sr_buf *b)
{
	json_error_t e;
	json_t *j = json_loadb(b->data, b->len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
	if (!j)
		fail_msg("jansson rejected %.*s: %s", (int)b->len, b->data, e.text);
	return j;
}

static void test_shapes(void **state)
{
	sr_buf b;
	sr_buf_init(&b, 1 << 16);
	sr_jw w;
	sr_jw_init(&w, &b);
	sr_jw_obj(&w);
	sr_jw_kstr(&w, "s", "hello");
	sr_jw_kint(&w, "i", -9007199254740991LL);
	sr_jw_kbool(&w, "t", 1);
	sr_jw_knull(&w, "n");
	sr_jw_kstr(&w, "nullstr", NULL);
	sr_jw_kraw(&w, "raw", "{\"a\":[1,2]}");
	sr_jw_key(&w, "arr");
	sr_jw_arr(&w);
	sr_jw_int(&w, 1);
	sr_jw_obj(&w);
	sr_jw_obj_end(&w);
	sr_jw_arr(&w);
	sr_jw_arr_end(&w);
	sr_jw_double(&w, 0.5);
	sr_jw_arr_end(&w);
	sr_jw_obj_end(&w);
	assert_int_equal(sr_jw_error(&w), 0);
	json_t *j = parse(&b);
	assert_string_equal(json_string_value(json_object_get(j, "s")), "hello");
	assert_true(json_integer_value(json_object_get(j, "i")) == -9007199254740991LL);
	assert_true(json_is_true(json_object_get(j, "t")));
	assert_true(json_is_null(json_object_get(j, "n")));
	assert_true(json_is_null(json_object_get(j, "nullstr")));
	assert_int_equal(json_array_size(json_object_get(json_object_get(j, "raw"), "a")), 2);
	json_t *arr = json_object_get(j, "arr");
	assert_int_equal(json_array_size(arr), 4);
	assert_true(json_real_value(json_array_get(arr, 3)) == 0.5);
	json_decref(j);
	sr_buf_deinit(&b);
}

/* Writes s as a JSON string and reads it back with jansson: valid UTF-8 survives unchanged
 * (jansson accepts s as-is only then), anything else carries U+FFFD where it was not UTF-8. */
static void check_roundtrip(const char *s, size_t len)
{
	sr_buf b;
	sr_buf_init(&b, 1 << 12);
	sr_jw w;
	sr_jw_init(&w, &b);
	sr_jw_arr(&w);
	sr_jw_strn(&w, s, len);
	sr_jw_arr_end(&w);
	assert_int_equal(sr_jw_error(&w), 0);
	json_t *j = parse(&b);
	const char *back = json_string_value(json_array_get(j, 0));
	assert_non_null(back);
	json_t *orig = json_stringn(s, len);
	if (orig)
		assert_string_equal(back, json_string_value(orig));
	else
		assert_non_null(strstr(back, "\xef\xbf\xbd"));
	json_decref(orig);
	json_decref(j);
	sr_buf_deinit(&b);
}

/* Every byte value in strings: valid UTF-8 must survive unchanged, control characters and
 * quotes must be escaped, and bytes that are not UTF-8 must become U+FFFD. */
static void test_escaping_matches_jansson(void **state)
{
	srand(42);
	for (int round = 0; round < 2000; round++) {
		char s[64];
		size_t n = (size_t)(rand() % 63);
		for (size_t i = 0; i < n; i++) {
			int pick = rand() % 10;
			if (pick < 3)
				s[i] = (char)(rand() % 0x20);
			else if (pick < 5)
				s[i] = "\"\\/\x7f"[rand() % 4];
			else if (pick < 7)
				s[i] = (char)(0x80 + rand() % 0x80);
			else
				s[i] = (char)(0x20 + rand() % 0x5f);
		}
		s[n] = '\0';
		check_roundtrip(s, strlen(s)); /* stop at an embedded NUL, as C strings do */
	}
}

/* The escaper scans plain ASCII eight bytes at a time: one special byte at any position of a
 * long ASCII run must still be seen. */
static void test_special_byte_at_every_position(void **state)
{
	static const char *const specials[] = {"\x01", "\x1f", "\"", "\\", "\n", "\x7f",
					       "\xc3\xa9", "\x80", "\xff"};
	for (size_t k = 0; k < sizeof(specials) / sizeof(specials[0]); k++) {
		for (size_t pos = 0; pos < 24; pos++) {
			char s[40];
			memset(s, 'a', 24);
			size_t sl = strlen(specials[k]);
			memcpy(s + pos, specials[k], sl);
			s[24 + sl - 1] = '\0';
			check_roundtrip(s, 24 + sl - 1);
		}
	}
}

static void test_line_separators_escaped(void **state)
{
	sr_buf b;
	sr_buf_init(&b, 256);
	sr_jw w;
	sr_jw_init(&w, &b);
	sr_jw_str(&w, "a\xe2\x80\xa8" "b\xe2\x80\xa9");
	assert_int_equal(sr_jw_error(&w), 0);
	assert_string_equal(b.data, "\"a\\u2028b\\u2029\"");
	sr_buf_deinit(&b);
}

static void test_ceiling_and_balance(void **state)
{
	sr_buf b;
	sr_buf_init(&b, 16);
	sr_jw w;
	sr_jw_init(&w, &b);
	sr_jw_arr(&w);
	sr_jw_str(&w, "this string does not fit in sixteen bytes");
	sr_jw_arr_end(&w);
	assert_int_equal(sr_jw_error(&w), SR_ETOOBIG);
	sr_buf_deinit(&b);

	sr_buf_init(&b, 1024);
	sr_jw_init(&w, &b);
	sr_jw_obj(&w);
	assert_int_equal(sr_jw_error(&w), SR_EINVAL); /* unclosed */
	sr_jw_obj_end(&w);
	sr_jw_obj_end(&w);
	assert_int_equal(sr_jw_error(&w), SR_EINVAL); /* closed once too often */
	sr_buf_deinit(&b);

	sr_buf_init(&b, 1024);
	sr_jw_init(&w, &b);
	for (int i = 0; i < SR_JW_MAX_DEPTH + 2; i++)
		sr_jw_arr(&w);
	assert_int_equal(sr_jw_error(&w), SR_ETOOBIG);
	sr_buf_deinit(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_escaping_matches_jansson),
		cmocka_unit_test(test_special_byte_at_every_position),
		cmocka_unit_test(test_line_separators_escaped),
		cmocka_unit_test(test_ceiling_and_balance),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
