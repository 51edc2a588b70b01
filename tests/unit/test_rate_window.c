/*
 * test_rate_window.c - the sliding-window counters of src/http/ratelimit.c on a clock the test
 * moves: no 60-second span admits more than the limit wherever it starts (the fixed minute
 * ClawHub counts in lets twice the limit through across its boundary), refused requests are
 * not counted, the reset is when room next appears, and keys do not share counts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "http/ratelimit.h"

/* A minute boundary, as ClawHub's windows are aligned: 2026-12-05T12:00:00Z. */
#define T0 1796472000000LL

static sr_ratelimit *rl;

static int setup(void **state)
{
	(void)state;
	return sr_ratelimit_new(&rl);
}

static int teardown(void **state)
{
	(void)state;
	sr_ratelimit_free(rl);
	return 0;
}

/* Requests for key at ms until one is refused or max are sent; the number admitted. */
static int admit(const char *key, int64_t limit, int64_t ms, int max, sr_rate_result *last)
{
	int n = 0;
	for (int i = 0; i < max; i++) {
		sr_ratelimit_hit(rl, key, limit, ms, last);
		if (!last->allowed)
			break;
		n++;
	}
	return n;
}

/* The attack of the issue: the limit spent half a second before a minute boundary, then
 * again half a second after it. A fixed window admits both; the sliding one refuses the
 * second burst until the first has left, 60 s later. */
static void test_no_double_burst_at_boundary(void **state)
{
	(void)state;
	sr_rate_result r;
	assert_int_equal(admit("boundary", 300, T0 - 500, 1000, &r), 300);
	assert_false(r.allowed);
	assert_int_equal(r.count, 300);
	assert_int_equal(admit("boundary", 300, T0 + 500, 1000, &r), 0);
	/* Room comes back when the second the burst was counted in leaves the window: the
	 * request at T0 - 500 is in second T0/1000 - 1, counted through T0/1000 + 59. */
	assert_int_equal(r.reset_epoch_s, T0 / 1000 + 60);
	assert_int_equal(admit("boundary", 300, T0 + 59999, 1000, &r), 0);
	assert_int_equal(admit("boundary", 300, T0 + 60000, 1000, &r), 300);
}

/* Any 60 s span, sampled every second, admits at most the limit, whatever pattern the
 * requests come in; and a steady client a little under the limit's pace is never refused.
 * (The window is the current second and the 60 before it, so one request a second exactly
 * on the second is 61 in a window: the steady client here sends one every 1.1 s.) */
static void test_any_span_at_most_limit(void **state)
{
	(void)state;
	enum { SECS = 300, LIMIT = 120 };
	static int admitted[SECS];
	sr_rate_result r;
	srand(7);
	for (int s = 0; s < SECS; s++) {
		/* Bursty: most seconds a few, some seconds far over the limit. */
		int tries = rand() % 10 == 0 ? 400 : rand() % 6;
		for (int i = 0; i < tries; i++) {
			sr_ratelimit_hit(rl, "bursty", LIMIT, T0 + s * 1000LL + i % 1000, &r);
			admitted[s] += r.allowed;
		}
	}
	int total = 0;
	for (int s = 0; s < SECS; s++) {
		int span = 0;
		for (int k = s; k < s + 60 && k < SECS; k++)
			span += admitted[k];
		if (span > LIMIT)
			fail_msg("seconds %d..%d admitted %d > %d", s, s + 59, span, LIMIT);
		total += admitted[s];
	}
	/* The limiter is not merely refusing everything: five minutes admit at least four
	 * windows' worth. */
	assert_true(total >= 4 * LIMIT);
	for (int s = 0; s < 600; s++) {
		sr_ratelimit_hit(rl, "steady", 60, T0 + s * 1100LL, &r);
		assert_true(r.allowed);
	}
}

/* Refused requests are not counted, and the reset moves with the oldest counted second. */
static void test_refusals_free_and_reset(void **state)
{
	(void)state;
	sr_rate_result r;
	/* 4 at second 0, 6 at second 10: full at 10. */
	assert_int_equal(admit("mix", 10, T0, 4, &r), 4);
	assert_int_equal(r.reset_epoch_s, T0 / 1000 + 61);
	assert_int_equal(admit("mix", 10, T0 + 10000, 100, &r), 6);
	assert_false(r.allowed);
	assert_int_equal(r.reset_epoch_s, T0 / 1000 + 61);
	/* Knocking for a minute changes nothing. */
	for (int s = 11; s <= 60; s++) {
		sr_ratelimit_hit(rl, "mix", 10, T0 + s * 1000LL, &r);
		assert_false(r.allowed);
	}
	/* Second 0 has left: 4 fit, then the reset is second 10's leaving. */
	assert_int_equal(admit("mix", 10, T0 + 61000, 100, &r), 4);
	assert_int_equal(r.reset_epoch_s, T0 / 1000 + 71);
	/* A clock that steps back counts into the newest second. */
	sr_ratelimit_hit(rl, "mix", 10, T0 + 30000, &r);
	assert_false(r.allowed);
	assert_int_equal(r.count, 10);
}

/* Keys count apart, even thousands of them at once (more than a run of slots holds). */
static void test_keys_apart(void **state)
{
	(void)state;
	sr_rate_result r;
	char key[32];
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "ip:10.0.%d.%d", i / 256, i % 256);
		assert_int_equal(admit(key, 3, T0 + 200000, 10, &r), 3);
	}
	assert_int_equal(admit("ip:10.9.9.9", 3, T0 + 200000, 10, &r), 3);
	/* The keys above are still counted (the table has room for them all). */
	assert_int_equal(admit("ip:10.0.0.7", 3, T0 + 200500, 10, &r), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_double_burst_at_boundary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_any_span_at_most_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals_free_and_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys_apart, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
