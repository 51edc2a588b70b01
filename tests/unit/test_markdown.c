/*
 * test_markdown.c - SKILL.md rendering: GitHub extensions on, raw HTML out, only safe link
 * targets kept, images turned into links, relative links sent to the file viewer, and the
 * YAML frontmatter left out.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "registry/frontmatter.h"
#include "web/markdown.h"

static const char *render(const char *md, const char *base)
{
	static char out[65536];
	sr_buf b;
	sr_buf_init(&b, sizeof(out) - 1);
	assert_int_equal(sr_markdown_render(md, strlen(md), base, &b), 0);
	snprintf(out, sizeof(out), "%s", b.data ? b.data : "");
	sr_buf_deinit(&b);
	return out;
}

static void expect_in(const char *html, const char *needle)
{
	if (!strstr(html, needle))
		fail_msg("\"%s\" not in:\n%s", needle, html);
}

static void expect_not_in(const char *html, const char *needle)
{
	if (strstr(html, needle))
		fail_msg("\"%s\" in:\n%s", needle, html);
}

static void test_extensions(void **state)
{
	(void)state;
	const char *h = render("# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n~~gone~~\n\n- [x] done\n- [ ] todo\n\n"
			       "see https://example.org/x\n\n```c\nint x;\n```\n", NULL);
	expect_in(h, "<h1>Title</h1>");
	expect_in(h, "<table>");
	expect_in(h, "<td>1</td>");
	expect_in(h, "<del>gone</del>");
	expect_in(h, "type=\"checkbox\" checked=\"\" disabled=\"\"");
	expect_in(h, "<a href=\"https://example.org/x\">https://example.org/x</a>");
	expect_in(h, "<pre lang=\"c\"><code>int x;\n</code></pre>");
}

static void test_raw_html_and_links(void **state)
{
	(void)state;
	const char *h = render("<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n"
			       "[a](javascript:alert(3)) [b](VBScript:x) [c](data:text/html,x) [d]( javascript:x)\n"
			       "[e](jav&#x61;script:x) [f](mailto:a@b.c) [g](http://x.y/) [h](#top) [i](/abs)\n"
			       "[j](java\tscript:x) [k](x:y) <javascript:alert(4)>\n", NULL);
	expect_not_in(h, "<script");
	expect_not_in(h, "<img");
	expect_not_in(h, "onerror");
	/* Targets, case-blind: an autolink's text may say "javascript:", its href may not. */
	expect_not_in(h, "href=\"javascript");
	expect_not_in(h, "href=\"JavaScript");
	expect_not_in(h, "href=\"VBScript");
	expect_not_in(h, "href=\"data");
	expect_not_in(h, "href=\" ");
	expect_in(h, "raw HTML omitted");
	expect_in(h, "<a href=\"mailto:a@b.c\">f</a>");
	expect_in(h, "<a href=\"http://x.y/\">g</a>");
	expect_in(h, "<a href=\"#top\">h</a>");
	expect_in(h, "<a href=\"/abs\">i</a>");
	/* Refused targets leave their text and nothing to click. */
	expect_not_in(h, "href=\"\"");
	expect_in(h, "<p>a b c d\ne <a href=\"mailto");
	expect_in(h, " k ");
}

static void test_images_and_relative_links(void **state)
{
	(void)state;
	const char *h = render("![logo](https://cdn.example/logo.png \"Logo\") ![](data:image/png;base64,AAAA) "
			       "![local](img/a b.png)\n\n[script](./scripts/run.sh) [doc](docs/guide.md#part)\n",
			       "/alice/pdf/file?version=1.0.0&path=");
	expect_not_in(h, "<img");
	expect_in(h, "<a href=\"https://cdn.example/logo.png\" title=\"Logo\">logo</a>");
	expect_not_in(h, "href=\"\"");
	expect_in(h, "<a href=\"/alice/pdf/file?version=1.0.0&amp;path=scripts%2Frun.sh\">script</a>");
	expect_in(h, "<a href=\"/alice/pdf/file?version=1.0.0&amp;path=docs%2Fguide.md\">doc</a>");
	/* Without a base, relative links stay as written. */
	h = render("[doc](docs/guide.md)\n", NULL);
	expect_in(h, "<a href=\"docs/guide.md\">doc</a>");
}

static void test_frontmatter(void **state)
{
	(void)state;
	const char *md = "---\nname: x\ndescription: y\n---\n# Body\n";
	assert_int_equal(sr_frontmatter_body_offset(md, strlen(md)), 31);
	const char *h = render(md, NULL);
	expect_not_in(h, "description");
	expect_in(h, "<h1>Body</h1>");
	/* Not frontmatter: no closing line, or not at the very start. */
	const char *open = "---\nname: x\n# never closed\n";
	assert_int_equal(sr_frontmatter_body_offset(open, strlen(open)), 0);
	const char *late = "\n---\na: b\n---\n";
	assert_int_equal(sr_frontmatter_body_offset(late, strlen(late)), 0);
	const char *only = "---\na: b\n---";
	assert_int_equal(sr_frontmatter_body_offset(only, strlen(only)), strlen(only));
	const char *crlf = "---\r\na: b\r\n---\r\nbody";
	assert_int_equal(sr_frontmatter_body_offset(crlf, strlen(crlf)), strlen(crlf) - 4);
	/* What publish accepts, the page skips too: a BOM before the fence, "..." to close. */
	const char *bom = "\xEF\xBB\xBF---\nname: x\n...\n# Body\n";
	assert_int_equal(sr_frontmatter_body_offset(bom, strlen(bom)), strlen(bom) - 7);
	h = render(bom, NULL);
	expect_not_in(h, "name: x");
	expect_in(h, "<h1>Body</h1>");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_extensions),
		cmocka_unit_test(test_raw_html_and_links),
		cmocka_unit_test(test_images_and_relative_links),
		cmocka_unit_test(test_frontmatter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
