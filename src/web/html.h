/*
 * html.h - writing HTML safely: one escape function for every value, and a small
 * printf-like writer whose only way to put a value into a page is through it.
 *
 * sr_html_esc escapes the five characters that matter in text and in quoted attribute
 * values (& < > " '), so one function serves both. sr_html_printf takes a format whose
 * directives are:
 *   %s  a string, escaped (NULL writes nothing)
 *   %u  a string as a URL component: percent-encoded (then escaped, a no-op after encoding)
 *   %d  an int      %L  an int64_t      %G  an int64_t with thousands separators
 *   %R  trusted markup the program built itself (a literal or an already escaped fragment)
 *   %%  a percent sign
 * Nothing else is accepted, so a value cannot reach the page unescaped by accident.
 */
#ifndef SR_HTML_H
#define SR_HTML_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

int sr_html_esc(sr_buf *b, const char *s);
int sr_html_escn(sr_buf *b, const char *s, size_t n);
/* Percent-encodes s as a URL path segment or query value (RFC 3986 unreserved pass). */
int sr_html_url(sr_buf *b, const char *s);
int sr_html_printf(sr_buf *b, const char *fmt, ...);

/* Escapes text and wraps every case-insensitive (ASCII) occurrence of any of the tokens in
 * <mark>: the text is escaped piece by piece and the marks go between the pieces, so a
 * token can never form markup. */
int sr_html_mark(sr_buf *b, const char *text, char *const *tokens, int ntokens);

#endif
