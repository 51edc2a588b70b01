/*
 * fuzz_markdown.c - SKILL.md to HTML (src/web/markdown.c) and the one HTML escape
 * (src/web/html.c).
 *
 * The first byte chooses what runs: the renderer, with and without a file viewer base, or
 * the escape functions on the rest of the input. What the page gets must be safe whatever the
 * document says: only the elements the renderer itself writes, links only to http, https,
 * mailto or relative targets, and escaped text that holds no markup character at all.
 */
#include <ctype.h>
#include <strings.h>

#include "core/buf.h"
#include "fuzz.h"
#include "web/html.h"
#include "web/markdown.h"

/* The elements cmark-gfm writes for CommonMark and the enabled extensions (tables,
 * strikethrough, autolinks, task lists). */
static const char *const allowed[] = {
	"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "a", "em", "strong", "code",
	"pre", "blockquote", "hr", "br", "table", "thead", "tbody", "tr", "th", "td", "del", "input",
};

static int tag_allowed(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (strlen(allowed[i]) == n && strncasecmp(allowed[i], name, n) == 0)
			return 1;
	return 0;
}

/* A link target the page may hold: a scheme of http, https or mailto, or none. */
static int href_allowed(const char *v, size_t n)
{
	size_t i = 0;
	while (i < n && (isalnum((unsigned char)v[i]) || v[i] == '+' || v[i] == '-' || v[i] == '.'))
		i++;
	if (i == n || v[i] != ':')
		return 1;
	return (i == 4 && strncasecmp(v, "http", 4) == 0) || (i == 5 && strncasecmp(v, "https", 5) == 0) ||
	       (i == 6 && strncasecmp(v, "mailto", 6) == 0);
}

/* Walks a start tag's attributes from a (just after the tag's name) to its '>': each is
 * name="value", and a value holds no '"' (the renderer escapes it), so the walk knows where
 * every value ends; an href's value must be an allowed link. Reading the attributes in order,
 * rather than searching for ' href="', keeps a title whose text says href=" from passing for
 * one. */
static void check_attrs(const char *a, const char *end)
{
	for (;;) {
		while (a < end && *a == ' ')
			a++;
		FUZZ_CHECK(a < end);
		if (*a == '>' || (*a == '/' && a + 1 < end && a[1] == '>'))
			return;
		const char *eq = memchr(a, '=', (size_t)(end - a));
		FUZZ_CHECK(eq != NULL && eq + 1 < end && eq[1] == '"');
		const char *v = eq + 2, *q = memchr(v, '"', (size_t)(end - v));
		FUZZ_CHECK(q != NULL);
		if (eq - a == 4 && strncmp(a, "href", 4) == 0)
			FUZZ_CHECK(href_allowed(v, (size_t)(q - v)));
		a = q + 1;
	}
}

static void check_page(const char *h, size_t n)
{
	for (const char *p = h; (p = memchr(p, '<', (size_t)(h + n - p))) != NULL; p++) {
		if (strncmp(p, "<!-- raw HTML omitted -->", 25) == 0)
			continue;
		const char *name = p + 1 + (p[1] == '/');
		size_t nl = 0;
		while (isalnum((unsigned char)name[nl]))
			nl++;
		FUZZ_CHECK(tag_allowed(name, nl));
		if (p[1] != '/')
			check_attrs(name + nl, h + n);
	}
}

/* Escaped text: no markup character survives, and every '&' starts an entity. */
static void check_escaped(const char *h)
{
	FUZZ_CHECK(strpbrk(h, "<>\"'") == NULL);
	for (const char *p = h; (p = strchr(p, '&')) != NULL; p++)
		FUZZ_CHECK(strncmp(p, "&amp;", 5) == 0 || strncmp(p, "&lt;", 4) == 0 || strncmp(p, "&gt;", 4) == 0 ||
			   strncmp(p, "&quot;", 6) == 0 || strncmp(p, "&#39;", 5) == 0);
}

/* What a buffer holds, as a string ("" before the first append, when data is still NULL). */
static const char *text(const sr_buf *b)
{
	return b->data ? b->data : "";
}

static void escapes(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	sr_buf b;
	sr_buf_init(&b, 32 * size + 64); /* "<mark>&amp;</mark>" for each byte at most */
	FUZZ_CHECK(sr_html_esc(&b, s) == 0);
	check_escaped(text(&b));
	sr_buf_reset(&b);
	FUZZ_CHECK(sr_html_url(&b, s) == 0);
	for (const char *p = text(&b); *p; p++)
		FUZZ_CHECK(isalnum((unsigned char)*p) || strchr("-._~%", *p));
	sr_buf_reset(&b);
	/* The first word of the input as the token to mark in the rest. */
	char *tok[1] = {s};
	char *sp = strchr(s, ' ');
	if (sp) {
		*sp = '\0';
		FUZZ_CHECK(sr_html_mark(&b, sp + 1, tok, 1) == 0);
		for (const char *p = text(&b); (p = strchr(p, '<')) != NULL; p++)
			FUZZ_CHECK(strncmp(p, "<mark>", 6) == 0 || strncmp(p, "</mark>", 7) == 0);
	}
	sr_buf_deinit(&b);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	int mode = data[0] % 3;
	data++;
	size--;
	if (mode == 2) {
		escapes(data, size);
		return 0;
	}
	char *md = fuzz_exact(data, size);
	sr_buf out;
	sr_buf_init(&out, 64u << 20);
	if (sr_markdown_render(md, size, mode ? "/alice/demo/file?version=1.0.0&path=" : NULL, &out) == 0)
		check_page(text(&out), out.len);
	sr_buf_deinit(&out);
	free(md);
	return 0;
}
