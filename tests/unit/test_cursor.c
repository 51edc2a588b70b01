/*
 * test_cursor.c - cursor.c: round trips, and every way a cursor from a client can be bad.
 *
 * Most malformed cursors are built here byte by byte in the wire form that cursor.c
 * describes and then base64url-encoded, so each test breaks exactly one rule.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/util.h"
#include "registry/cursor.h"

static sr_cursor make(int kind, int filter, int dir, int64_t k1, int64_t k2, const char *text,
		      int64_t id)
{
	sr_cursor c;
	memset(&c, 0, sizeof(c));
	c.version = SR_CURSOR_VERSION;
	c.kind = kind;
	c.filter = filter;
	c.dir = dir;
	c.k1 = k1;
	c.k2 = k2;
	strcpy(c.text, text);
	c.id = id;
	return c;
}

static void round_trip(const sr_cursor *c)
{
	char enc[SR_CURSOR_MAX_LEN + 1];
	sr_cursor d;

	assert_int_equal(sr_cursor_encode(c, enc, sizeof(enc)), 0);
	assert_true(strlen(enc) > 0 && strlen(enc) <= SR_CURSOR_MAX_LEN);
	assert_int_equal(strspn(enc, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				     "0123456789-_"), strlen(enc));
	memset(&d, 0x5a, sizeof(d));
	assert_int_equal(sr_cursor_decode(enc, &d), 0);
	assert_int_equal(d.version, SR_CURSOR_VERSION);
	assert_int_equal(d.kind, c->kind);
	assert_int_equal(d.filter, c->filter);
	assert_int_equal(d.dir, c->dir);
	assert_true(d.k1 == c->k1);
	assert_true(d.k2 == c->k2);
	assert_string_equal(d.text, c->text);
	assert_true(d.id == c->id);
}

static void test_round_trips(void **state)
{
	static const int64_t nums[] = {
		0, 1, -1, 63, 64, -64, -65, 127, 128, 300, 1700000000000, -1700000000000,
		INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1,
	};
	size_t n = sizeof(nums) / sizeof(nums[0]);

	for (size_t i = 0; i < n; i++) {
		sr_cursor c = make((int)(i % 256), (int)(255 - i), (int)(i & 1), nums[i],
				   nums[n - 1 - i], "", nums[(i + 3) % n]);
		round_trip(&c);
	}

	sr_cursor c = make(255, 255, 1, INT64_MIN, INT64_MAX, "gifgrep", INT64_MAX);
	round_trip(&c);
	c = make(0, 0, 0, 0, 0, "", 0);
	round_trip(&c);
	c = make(7, 2, 0, 12, 34, "caf\xc3\xa9 \xe6\x97\xa5 / \"quoted\" \x01", 99);
	round_trip(&c);
}

/* The longest text and the widest numbers still fit the ceiling. */
static void test_largest(void **state)
{
	char enc[SR_CURSOR_MAX_LEN + 1];
	sr_cursor c = make(255, 255, 1, INT64_MIN, INT64_MIN, "", INT64_MIN);

	memset(c.text, 'x', SR_CURSOR_MAX_TEXT);
	c.text[SR_CURSOR_MAX_TEXT] = '\0';
	round_trip(&c);
	assert_int_equal(sr_cursor_encode(&c, enc, sizeof(enc)), 0);
	assert_true(strlen(enc) <= SR_CURSOR_MAX_LEN);
}

/* The wire form is part of what clients hold between requests, so it must not drift. */
static void test_golden(void **state)
{
	char enc[SR_CURSOR_MAX_LEN + 1];
	sr_cursor c = make(3, 1, 1, 1700000000000, 0, "gifgrep", 42);

	assert_int_equal(sr_cursor_encode(&c, enc, sizeof(enc)), 0);
	/* 01 03 01 01, k1 zigzag varint 80 a0 ab fe f9 62, k2 00, 07 "gifgrep", id 54 */
	assert_string_equal(enc, "AQMBAYCgq_75YgAHZ2lmZ3JlcFQ");
}

static void test_encode_errors(void **state)
{
	char enc[SR_CURSOR_MAX_LEN + 1];
	sr_cursor c;

	c = make(256, 0, 0, 0, 0, "", 0);
	assert_int_equal(sr_cursor_encode(&c, enc, sizeof(enc)), SR_EINVAL);
	c = make(-1, 0, 0, 0, 0, "", 0);
	assert_int_equal(sr_cursor_encode(&c, enc, sizeof(enc)), SR_EINVAL);
	c = make(0, 256, 0, 0, 0, "", 0);
	assert_int_equal(sr_cursor_encode(&c, enc, sizeof(enc)), SR_EINVAL);
	c = make(0, -1, 0, 0, 0, "", 0);
	assert_int_equal(sr_cursor_encode(&c, enc, sizeof(enc)), SR_EINVAL);
	c = make(0, 0, 2, 0, 0, "", 0);
	assert_int_equal(sr_cursor_encode(&c, enc, sizeof(enc)), SR_EINVAL);
	c = make(0, 0, -1, 0, 0, "", 0);
	assert_int_equal(sr_cursor_encode(&c, enc, sizeof(enc)), SR_EINVAL);

	/* A text filling the whole array has no terminator within the limit. */
	c = make(0, 0, 0, 0, 0, "", 0);
	memset(c.text, 'y', sizeof(c.text));
	assert_int_equal(sr_cursor_encode(&c, enc, sizeof(enc)), SR_ETOOBIG);

	/* The output must hold the encoding and its NUL. */
	c = make(3, 1, 1, 1700000000000, 0, "gifgrep", 42);
	assert_int_equal(sr_cursor_encode(&c, enc, 27), SR_ETOOBIG);
	assert_int_equal(sr_cursor_encode(&c, enc, 28), 0);
	assert_int_equal(sr_cursor_encode(&c, enc, 0), SR_ETOOBIG);
}

/* Encodes raw wire bytes and expects the decoder to refuse them. */
static void expect_bad_bin(const unsigned char *bin, size_t n)
{
	char enc[2 * SR_CURSOR_MAX_LEN];
	sr_cursor d = make(9, 9, 1, 9, 9, "untouched", 9);

	assert_true(sr_b64url_len(n) < sizeof(enc));
	sr_b64url_encode(bin, n, enc);
	assert_int_equal(sr_cursor_decode(enc, &d), SR_EINVAL);
	/* A refused cursor leaves the output as it was. */
	assert_int_equal(d.kind, 9);
	assert_string_equal(d.text, "untouched");
}

static void expect_good_bin(const unsigned char *bin, size_t n, sr_cursor *d)
{
	char enc[2 * SR_CURSOR_MAX_LEN];

	sr_b64url_encode(bin, n, enc);
	assert_int_equal(sr_cursor_decode(enc, d), 0);
}

static void test_decode_hand_built(void **state)
{
	/* version 1, kind 3, filter 1, dir 0, k1 -1, k2 1, text "ab", id 5 */
	static const unsigned char ok[] = { 1, 3, 1, 0, 0x01, 0x02, 2, 'a', 'b', 0x0a };
	sr_cursor d;

	expect_good_bin(ok, sizeof(ok), &d);
	assert_int_equal(d.kind, 3);
	assert_int_equal(d.filter, 1);
	assert_int_equal(d.dir, 0);
	assert_true(d.k1 == -1 && d.k2 == 1 && d.id == 5);
	assert_string_equal(d.text, "ab");
}

static void test_decode_bad_version(void **state)
{
	static const unsigned char v0[] = { 0, 3, 1, 0, 0, 0, 0, 0 };
	static const unsigned char v2[] = { 2, 3, 1, 0, 0, 0, 0, 0 };
	static const unsigned char v255[] = { 255, 3, 1, 0, 0, 0, 0, 0 };

	expect_bad_bin(v0, sizeof(v0));
	expect_bad_bin(v2, sizeof(v2));
	expect_bad_bin(v255, sizeof(v255));
}

static void test_decode_bad_dir(void **state)
{
	static const unsigned char d2[] = { 1, 3, 1, 2, 0, 0, 0, 0 };
	static const unsigned char d255[] = { 1, 3, 1, 255, 0, 0, 0, 0 };

	expect_bad_bin(d2, sizeof(d2));
	expect_bad_bin(d255, sizeof(d255));
}

/* Every proper prefix of a good cursor is refused, and so is anything added after it. */
static void test_decode_truncated_and_trailing(void **state)
{
	static const unsigned char ok[] = { 1, 3, 1, 1, 0x80, 0x01, 0x02, 3, 'x', 'y', 'z',
					    0xfe, 0x01 };
	unsigned char longer[sizeof(ok) + 2];
	sr_cursor d;

	expect_good_bin(ok, sizeof(ok), &d);
	assert_true(d.k1 == 64 && d.k2 == 1 && d.id == 127);
	for (size_t n = 0; n < sizeof(ok); n++)
		expect_bad_bin(ok, n);

	memcpy(longer, ok, sizeof(ok));
	longer[sizeof(ok)] = 0;
	longer[sizeof(ok) + 1] = 0;
	expect_bad_bin(longer, sizeof(ok) + 1);
	expect_bad_bin(longer, sizeof(ok) + 2);
}

static void test_decode_text_rules(void **state)
{
	unsigned char bin[300];
	size_t n = 0;

	/* A text of SR_CURSOR_MAX_TEXT + 1 bytes, with its length as a two-byte varint. */
	bin[n++] = 1;
	bin[n++] = 0;
	bin[n++] = 0;
	bin[n++] = 0;
	bin[n++] = 0;
	bin[n++] = 0;
	bin[n++] = (unsigned char)(((SR_CURSOR_MAX_TEXT + 1) & 0x7f) | 0x80);
	bin[n++] = (unsigned char)((SR_CURSOR_MAX_TEXT + 1) >> 7);
	memset(bin + n, 'a', SR_CURSOR_MAX_TEXT + 1);
	n += SR_CURSOR_MAX_TEXT + 1;
	bin[n++] = 0;
	expect_bad_bin(bin, n);

	/* The same with exactly SR_CURSOR_MAX_TEXT bytes is fine. */
	n = 6;
	bin[n++] = (unsigned char)((SR_CURSOR_MAX_TEXT & 0x7f) | 0x80);
	bin[n++] = (unsigned char)(SR_CURSOR_MAX_TEXT >> 7);
	memset(bin + n, 'a', SR_CURSOR_MAX_TEXT);
	n += SR_CURSOR_MAX_TEXT;
	bin[n++] = 0;
	sr_cursor d;
	expect_good_bin(bin, n, &d);
	assert_int_equal(strlen(d.text), SR_CURSOR_MAX_TEXT);

	/* A length that claims more bytes than there are. */
	static const unsigned char overrun[] = { 1, 0, 0, 0, 0, 0, 5, 'a', 'b', 0 };
	expect_bad_bin(overrun, sizeof(overrun));

	/* A NUL inside the text. */
	static const unsigned char nul[] = { 1, 0, 0, 0, 0, 0, 3, 'a', 0, 'b', 0 };
	expect_bad_bin(nul, sizeof(nul));
	static const unsigned char nul_end[] = { 1, 0, 0, 0, 0, 0, 1, 0, 0 };
	expect_bad_bin(nul_end, sizeof(nul_end));
}

/* Varints must be the one shortest spelling and fit in 64 bits. */
static void test_decode_varints(void **state)
{
	/* k1 = 0 spelled in two bytes. */
	static const unsigned char padded[] = { 1, 0, 0, 0, 0x80, 0x00, 0, 0, 0 };
	/* k1 with an eleventh byte. */
	static const unsigned char eleven[] = { 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
						0xff, 0xff, 0xff, 0xff, 0x01, 0, 0, 0 };
	/* k1 whose tenth byte carries bits beyond 64. */
	static const unsigned char over[] = { 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					      0xff, 0xff, 0xff, 0x02, 0, 0, 0 };
	/* The largest zigzag value, UINT64_MAX, is INT64_MIN. */
	static const unsigned char max[] = { 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					     0xff, 0xff, 0xff, 0x01, 0, 0, 0 };
	/* A text length spelled in two bytes. */
	static const unsigned char padded_len[] = { 1, 0, 0, 0, 0, 0, 0x81, 0x00, 'a', 0 };
	sr_cursor d;

	expect_bad_bin(padded, sizeof(padded));
	expect_bad_bin(eleven, sizeof(eleven));
	expect_bad_bin(over, sizeof(over));
	expect_bad_bin(padded_len, sizeof(padded_len));
	expect_good_bin(max, sizeof(max), &d);
	assert_true(d.k1 == INT64_MIN);
}

static void test_decode_bad_strings(void **state)
{
	char good[SR_CURSOR_MAX_LEN + 1], s[SR_CURSOR_MAX_LEN + 8];
	sr_cursor c = make(3, 1, 1, 1700000000000, 0, "gifgrep", 42), d;

	assert_int_equal(sr_cursor_encode(&c, good, sizeof(good)), 0);
	assert_int_equal(sr_cursor_decode(good, &d), 0);

	assert_int_equal(sr_cursor_decode(NULL, &d), SR_EINVAL);
	assert_int_equal(sr_cursor_decode("", &d), SR_EINVAL);
	assert_int_equal(sr_cursor_decode("A", &d), SR_EINVAL);
	assert_int_equal(sr_cursor_decode("!!!!", &d), SR_EINVAL);
	assert_int_equal(sr_cursor_decode("AQMB AY", &d), SR_EINVAL);

	/* Standard base64 characters and padding are not base64url. */
	snprintf(s, sizeof(s), "%s=", good);
	assert_int_equal(sr_cursor_decode(s, &d), SR_EINVAL);
	strcpy(s, good);
	for (char *p = s; *p; p++)
		if (*p == '_' || *p == '-')
			*p = *p == '_' ? '/' : '+';
	s[3] = '+';
	assert_int_equal(sr_cursor_decode(s, &d), SR_EINVAL);

	/* The last character of "...cFQ" carries two spare bits; they must be zero. */
	strcpy(s, good);
	assert_int_equal(s[strlen(s) - 1], 'Q');
	s[strlen(s) - 1] = 'R';
	assert_int_equal(sr_cursor_decode(s, &d), SR_EINVAL);

	/* Longer than SR_CURSOR_MAX_LEN is refused before it is decoded. */
	memset(s, 'A', SR_CURSOR_MAX_LEN + 1);
	s[SR_CURSOR_MAX_LEN + 1] = '\0';
	assert_int_equal(sr_cursor_decode(s, &d), SR_EINVAL);
	s[SR_CURSOR_MAX_LEN] = '\0';
	assert_int_equal(sr_cursor_decode(s, &d), SR_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_largest),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_encode_errors),
		cmocka_unit_test(test_decode_hand_built),
		cmocka_unit_test(test_decode_bad_version),
		cmocka_unit_test(test_decode_bad_dir),
		cmocka_unit_test(test_decode_truncated_and_trailing),
		cmocka_unit_test(test_decode_text_rules),
		cmocka_unit_test(test_decode_varints),
		cmocka_unit_test(test_decode_bad_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
