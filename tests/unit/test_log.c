/*
 * test_log.c - log.c: every line is one line, whatever the message carries. Control
 * characters, DEL, a backslash and bytes that are not valid UTF-8 come out as \xNN; valid
 * UTF-8 is kept; an overlong message is cut without splitting an escape.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"

/* Logs msg with stderr pointed at a file and returns the line without its timestamp and
 * level (malloc'd). */
static char *logged(const char *msg)
{
	FILE *f = tmpfile();
	assert_non_null(f);
	int saved = dup(2);
	dup2(fileno(f), 2);
	sr_log_info("%s", msg);
	dup2(saved, 2);
	close(saved);
	long n = ftell(f);
	assert_true(n > 0);
	char *buf = calloc(1, (size_t)n + 1);
	rewind(f);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	char *body = strstr(buf, " info ");
	assert_non_null(body);
	char *out = strdup(body + 6);
	free(buf);
	return out;
}

static void expect(const char *msg, const char *want)
{
	char *got = logged(msg);
	if (strcmp(got, want) != 0) {
		print_error("logged %s, want %s", got, want);
		fail();
	}
	free(got);
}

static void test_escapes(void **state)
{
	(void)state;
	expect("plain text", "plain text\n");
	expect("GET /a\nforged line", "GET /a\\x0aforged line\n");
	expect("\r\t\x1b[31m\x7f", "\\x0d\\x09\\x1b[31m\\x7f\n");
	expect("a \\x0a b", "a \\x5cx0a b\n");
	/* Valid UTF-8 stays; a lone continuation byte, a truncated sequence, an overlong form
	 * and a surrogate do not. */
	expect("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\n");
	expect("\x80x", "\\x80x\n");
	expect("\xe2\x82", "\\xe2\\x82\n");
	expect("\xc0\xaf", "\\xc0\\xaf\n");
	expect("\xed\xa0\x80", "\\xed\\xa0\\x80\n");
	expect("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80\n");
}

static void test_long_message(void **state)
{
	(void)state;
	char msg[3000];
	memset(msg, '\n', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	char *got = logged(msg);
	size_t n = strlen(got);
	assert_true(n > 100);
	assert_int_equal(got[n - 1], '\n');
	/* Only whole escapes, and one line. */
	assert_int_equal((n - 1) % 4, 0);
	assert_null(memchr(got, '\n', n - 1));
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_long_message),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
