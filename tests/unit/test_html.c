/*
 * test_html.c - the web site's one escape function, the printf that only lets values in
 * through it, URL components, and query marking that never forms markup.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "web/html.h"

static void test_escape(void **state)
{
	(void)state;
	sr_buf b;
	sr_buf_init(&b, 4096);
	assert_int_equal(sr_html_esc(&b, "a<b>&\"c'd"), 0);
	assert_string_equal(b.data, "a&lt;b&gt;&amp;&quot;c&#39;d");
	sr_buf_reset(&b);
	assert_int_equal(sr_html_esc(&b, NULL), 0);
	assert_int_equal(b.len, 0);
	/* A NUL inside counted bytes becomes U+FFFD, not a truncation. */
	assert_int_equal(sr_html_escn(&b, "x\0y", 3), 0);
	assert_string_equal(b.data, "x\xef\xbf\xbdy");
	sr_buf_reset(&b);
	/* UTF-8 passes untouched. */
	assert_int_equal(sr_html_esc(&b, "日本 ü"), 0);
	assert_string_equal(b.data, "日本 ü");
	sr_buf_deinit(&b);
	/* The ceiling holds: an escape that does not fit fails. */
	char mem[8];
	sr_buf f;
	sr_buf_init_fixed(&f, mem, sizeof(mem));
	assert_int_equal(sr_html_esc(&f, "<<<<"), SR_ETOOBIG);
}

static void test_printf(void **state)
{
	(void)state;
	sr_buf b;
	sr_buf_init(&b, 4096);
	assert_int_equal(sr_html_printf(&b, "<a href=\"/%u/%u\" title=\"%s\">%s</a> %d %L %G %R 100%%", "al ice",
					"a/b?c&d", "\"x\"", "<b>", -3, (int64_t)1234567, (int64_t)1234567, "<i>ok</i>"),
			 0);
	assert_string_equal(b.data, "<a href=\"/al%20ice/a%2Fb%3Fc%26d\" title=\"&quot;x&quot;\">&lt;b&gt;</a> -3 1234567 "
				    "1,234,567 <i>ok</i> 100%");
	sr_buf_reset(&b);
	assert_int_equal(sr_html_printf(&b, "%G|%G|%G", (int64_t)0, (int64_t)999, (int64_t)-1000), 0);
	assert_string_equal(b.data, "0|999|-1,000");
	sr_buf_reset(&b);
	/* An unknown directive is refused, never passed through raw. */
	assert_int_equal(sr_html_printf(&b, "x %x", 1), SR_EINVAL);
	assert_int_equal(sr_html_printf(&b, "trailing %"), SR_EINVAL);
	sr_buf_deinit(&b);
}

static void test_url(void **state)
{
	(void)state;
	sr_buf b;
	sr_buf_init(&b, 4096);
	assert_int_equal(sr_html_url(&b, "A-z_0.9~ /?#&=\"<ü"), 0);
	assert_string_equal(b.data, "A-z_0.9~%20%2F%3F%23%26%3D%22%3C%C3%BC");
	sr_buf_deinit(&b);
}

static void test_mark(void **state)
{
	(void)state;
	sr_buf b;
	sr_buf_init(&b, 4096);
	char t1[] = "pdf", t2[] = "script", t3[] = "amp", t4[] = "lt";
	char *tokens[] = {t1, t2};
	assert_int_equal(sr_html_mark(&b, "PDF tools for pdf files", tokens, 1), 0);
	assert_string_equal(b.data, "<mark>PDF</mark> tools for <mark>pdf</mark> files");
	sr_buf_reset(&b);
	/* Marking happens on the raw text and every piece is escaped: no token can form a tag. */
	assert_int_equal(sr_html_mark(&b, "<script>x</script>", tokens, 2), 0);
	assert_string_equal(b.data, "&lt;<mark>script</mark>&gt;x&lt;/<mark>script</mark>&gt;");
	sr_buf_reset(&b);
	/* Tokens that spell entity names do not reach into escapes. */
	char *ents[] = {t3, t4};
	assert_int_equal(sr_html_mark(&b, "a & b < c", ents, 2), 0);
	assert_string_equal(b.data, "a &amp; b &lt; c");
	sr_buf_reset(&b);
	assert_int_equal(sr_html_mark(&b, "no match", tokens, 2), 0);
	assert_string_equal(b.data, "no match");
	sr_buf_deinit(&b);
}

/* A page that lost a piece says so: a refused append or a bad directive marks the buffer
 * failed (sr__web_end then answers 500 instead of serving a page with a hole), and a reset
 * starts clean. */
static void test_failed_is_sticky(void **state)
{
	(void)state;
	sr_buf b;
	sr_buf_init(&b, 16);
	assert_int_equal(sr_html_printf(&b, "<p>%s</p>", "ok"), 0);
	assert_int_equal(b.failed, 0);
	assert_int_not_equal(sr_html_printf(&b, "<p>%s</p>", "far too long for sixteen bytes"), 0);
	assert_int_equal(b.failed, 1);
	assert_int_equal(sr_buf_puts(&b, "x"), 0); /* later pieces still fit, the mark stays */
	assert_int_equal(b.failed, 1);
	sr_buf_reset(&b);
	assert_int_equal(b.failed, 0);
	assert_int_not_equal(sr_html_printf(&b, "%q", "x"), 0);
	assert_int_equal(b.failed, 1);
	sr_buf_deinit(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_printf),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_mark),
		cmocka_unit_test(test_failed_is_sticky),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
