/*
 * test_error.c - api/error.c: every domain refusal has an answer, and the answer's text names
 * the refusal's argument where ClawHub's does.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "api/error.h"
#include "core/err.h"

static void test_every_reason_answers(void **state)
{
	for (int why = SR_WHY_NONE; why < SR_WHY_COUNT; why++) {
		sr_regerr err = {0};
		sr_regerr_set(&err, SR_EINVAL, (sr_why)why, "x");
		char text[1024];
		int status = sr_api_error_text(&err, text, sizeof(text));
		if (status < 400 || status > 599 || !text[0])
			fail_msg("reason %d answers %d \"%s\"", why, status, text);
	}
}

static void test_texts_name_the_argument(void **state)
{
	sr_regerr err = {0};
	char text[1024];
	sr_regerr_set(&err, SR_EGONE, SR_WHY_PUBLISH_TO_DELETED, "pdf-tables");
	assert_int_equal(sr_api_error_text(&err, text, sizeof(text)), 400);
	assert_string_equal(text, "Skill \"pdf-tables\" is deleted. Run \"clawhub undelete pdf-tables\" to restore it "
				  "before publishing.");
	sr_regerr_set(&err, SR_ETOOBIG, SR_WHY_TOO_MANY_FILES, NULL);
	assert_int_equal(sr_api_error_text(&err, text, sizeof(text)), 400);
	assert_string_equal(text, "Too many files (at most 2000)");
	sr_regerr_set(&err, SR_EPENDING, SR_WHY_SKILL_SCAN_PENDING, NULL);
	assert_int_equal(sr_api_error_text(&err, text, sizeof(text)), 423);
	/* An internal failure never shows its code. */
	sr_regerr_set(&err, SR_ELIMIT, SR_WHY_INTERNAL, NULL);
	assert_int_equal(sr_api_error_text(&err, text, sizeof(text)), 500);
	assert_string_equal(text, "Internal Server Error");
	/* A short buffer gets a cut, terminated text. */
	sr_regerr_set(&err, SR_EEXIST, SR_WHY_SLUG_HELD, "abcdef");
	char small[12];
	assert_int_equal(sr_api_error_text(&err, small, sizeof(small)), 409);
	assert_string_equal(small, "Slug \"abcde");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_reason_answers),
		cmocka_unit_test(test_texts_name_the_argument),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
