/*
 * markdown.h - SKILL.md to HTML with cmark-gfm (tables, strikethrough, autolinks, task lists).
 *
 * Safe by construction: cmark-gfm's safe mode replaces raw HTML with a comment, and a pass
 * over the tree before rendering keeps only http, https and mailto links and relative ones
 * (a link to javascript:, vbscript:, data: or any other scheme is replaced by its text),
 * turns images into links (pages load nothing from elsewhere, and the Content-Security-
 * Policy says so), and points relative links at the skill's own file viewer.
 */
#ifndef SR_MARKDOWN_H
#define SR_MARKDOWN_H

#include <stddef.h>

#include "core/buf.h"

/* Renders md (n bytes; YAML frontmatter at the top is skipped, found as publish reads it:
 * sr_frontmatter_body_offset) as HTML appended to out.
 * file_base, when not NULL, is the URL prefix relative links are appended to, percent-
 * encoded (e.g. "/alice/pdf/file?version=1.0.0&path="). */
int sr_markdown_render(const char *md, size_t n, const char *file_base, sr_buf *out);

#endif
