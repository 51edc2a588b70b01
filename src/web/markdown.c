/*
 * markdown.c - see markdown.h.
 */
#include "web/markdown.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>

#include "core/err.h"
#include "registry/frontmatter.h"
#include "web/html.h"

#define MD_MAX_LINKS 16384 /* links and images of one document */

static pthread_once_t ext_once = PTHREAD_ONCE_INIT;

static void register_extensions(void)
{
	cmark_gfm_core_extensions_ensure_registered();
}

/* The scheme of a URL, lower-cased into out ("" when it has none: a relative reference). */
static void url_scheme(const char *url, char *out, size_t n)
{
	out[0] = '\0';
	size_t i = 0;
	while (url[i] && (isalnum((unsigned char)url[i]) || url[i] == '+' || url[i] == '-' || url[i] == '.'))
		i++;
	if (url[i] != ':' || i == 0 || i >= n)
		return;
	for (size_t k = 0; k < i; k++)
		out[k] = (char)tolower((unsigned char)url[k]);
	out[i] = '\0';
}

/* Whether a link may keep its target; *rel set when it is relative to the skill. */
static int link_allowed(const char *url, int *rel)
{
	*rel = 0;
	/* Browsers ignore leading spaces and control characters in a URL; a scheme hidden
	 * behind them (" javascript:") must be seen, so such a URL is refused outright. */
	if (!url || !url[0])
		return 0;
	for (const unsigned char *p = (const unsigned char *)url; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '\\')
			return 0;
	if (isspace((unsigned char)url[0]))
		return 0;
	char scheme[16];
	url_scheme(url, scheme, sizeof(scheme));
	if (scheme[0])
		return strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0 || strcmp(scheme, "mailto") == 0;
	/* No scheme, but a colon before the first '/', '?' or '#' would make a browser read one. */
	size_t first = strcspn(url, "/?#");
	if (memchr(url, ':', first))
		return 0;
	*rel = url[0] != '/' && url[0] != '#' && url[0] != '?';
	return 1;
}

/* A relative link names a file of the skill: point it at the file viewer. */
static int to_file_view(cmark_node *node, const char *url, const char *file_base)
{
	sr_buf b;
	sr_buf_init(&b, 8192);
	const char *p = url;
	if (strncmp(p, "./", 2) == 0)
		p += 2;
	size_t keep = strcspn(p, "#?");
	char path[1024];
	if (keep >= sizeof(path))
		keep = sizeof(path) - 1;
	memcpy(path, p, keep);
	path[keep] = '\0';
	int rc = sr_buf_puts(&b, file_base);
	if (!rc)
		rc = sr_html_url(&b, path);
	if (!rc)
		rc = cmark_node_set_url(node, b.data) ? 0 : SR_ENOMEM;
	sr_buf_deinit(&b);
	return rc;
}

/* A link or image whose target is refused leaves its text in its place and nothing to click. */
static void unwrap(cmark_node *node)
{
	cmark_node *child;
	while ((child = cmark_node_first_child(node)) != NULL) {
		cmark_node_unlink(child);
		cmark_node_insert_before(node, child);
	}
	cmark_node_unlink(node);
	cmark_node_free(node);
}

/* An image becomes a link to the same target with the image's alt text as its text. */
static int image_to_link(cmark_node *img, cmark_node **out)
{
	cmark_node *link = cmark_node_new(CMARK_NODE_LINK);
	if (!link)
		return SR_ENOMEM;
	cmark_node_set_url(link, cmark_node_get_url(img));
	cmark_node_set_title(link, cmark_node_get_title(img));
	cmark_node *child;
	while ((child = cmark_node_first_child(img)) != NULL) {
		cmark_node_unlink(child);
		cmark_node_append_child(link, child);
	}
	if (!cmark_node_first_child(link)) {
		cmark_node *t = cmark_node_new(CMARK_NODE_TEXT);
		if (t) {
			cmark_node_set_literal(t, "image");
			cmark_node_append_child(link, t);
		}
	}
	if (!cmark_node_insert_before(img, link)) {
		cmark_node_free(link);
		return SR_ENOMEM;
	}
	cmark_node_unlink(img);
	cmark_node_free(img);
	*out = link;
	return 0;
}

static int sanitize(cmark_node *root, const char *file_base)
{
	cmark_node **nodes = NULL;
	int n = 0, rc = 0;
	cmark_iter *it = cmark_iter_new(root);
	if (!it)
		return SR_ENOMEM;
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		if (ev != CMARK_EVENT_ENTER)
			continue;
		cmark_node *node = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(node);
		if (t != CMARK_NODE_LINK && t != CMARK_NODE_IMAGE)
			continue;
		if (n == MD_MAX_LINKS) {
			rc = SR_ETOOBIG;
			break;
		}
		if (!nodes && !(nodes = calloc(MD_MAX_LINKS, sizeof(*nodes)))) {
			rc = SR_ENOMEM;
			break;
		}
		nodes[n++] = node;
	}
	cmark_iter_free(it);
	/* Changed after the walk: the iterator must not see the tree change under it. Moving a
	 * node's children elsewhere keeps every collected pointer valid. */
	for (int i = 0; i < n && !rc; i++) {
		cmark_node *node = nodes[i];
		const char *url = cmark_node_get_url(node);
		int rel = 0;
		if (!link_allowed(url, &rel)) {
			unwrap(node);
			continue;
		}
		if (cmark_node_get_type(node) == CMARK_NODE_IMAGE)
			rc = image_to_link(node, &node);
		if (!rc && rel && file_base)
			rc = to_file_view(node, cmark_node_get_url(node), file_base);
	}
	free(nodes);
	return rc;
}

int sr_markdown_render(const char *md, size_t n, const char *file_base, sr_buf *out)
{
	pthread_once(&ext_once, register_extensions);
	size_t skip = sr_frontmatter_body_offset(md, n);
	/* CMARK_OPT_UNSAFE is never passed: raw HTML and dangerous URLs are left out. */
	int opts = CMARK_OPT_DEFAULT | CMARK_OPT_SAFE | CMARK_OPT_VALIDATE_UTF8 | CMARK_OPT_GITHUB_PRE_LANG;
	cmark_parser *p = cmark_parser_new(opts);
	if (!p)
		return SR_ENOMEM;
	static const char *const exts[] = {"table", "strikethrough", "autolink", "tasklist", "tagfilter"};
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		cmark_syntax_extension *e = cmark_find_syntax_extension(exts[i]);
		if (e)
			cmark_parser_attach_syntax_extension(p, e);
	}
	cmark_parser_feed(p, md + skip, n - skip);
	cmark_node *doc = cmark_parser_finish(p);
	int rc = doc ? sanitize(doc, file_base) : SR_ENOMEM;
	if (!rc) {
		char *html = cmark_render_html(doc, opts, cmark_parser_get_syntax_extensions(p));
		if (html) {
			rc = sr_buf_puts(out, html);
			free(html);
		} else {
			rc = SR_ENOMEM;
		}
	}
	if (doc)
		cmark_node_free(doc);
	cmark_parser_free(p);
	return rc;
}
