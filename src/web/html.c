/*
 * html.c - see html.h.
 */
#include "web/html.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"

int sr_html_escn(sr_buf *b, const char *s, size_t n)
{
	int rc = 0;
	size_t run = 0; /* bytes that need no escaping, appended in one go */
	for (size_t i = 0; i < n && !rc; i++) {
		const char *rep = NULL;
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		case '\0': rep = "\xef\xbf\xbd"; break; /* U+FFFD: a NUL has no place in a page */
		}
		if (!rep) {
			run++;
			continue;
		}
		if (run)
			rc = sr_buf_append(b, s + i - run, run);
		run = 0;
		if (!rc)
			rc = sr_buf_puts(b, rep);
	}
	if (!rc && run)
		rc = sr_buf_append(b, s + n - run, run);
	return rc;
}

int sr_html_esc(sr_buf *b, const char *s)
{
	return s ? sr_html_escn(b, s, strlen(s)) : 0;
}

int sr_html_url(sr_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int rc = 0;
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p && !rc; p++) {
		if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
			rc = sr_buf_putc(b, (char)*p);
		} else {
			char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			rc = sr_buf_append(b, e, 3);
		}
	}
	return rc;
}

static int group(sr_buf *b, int64_t v)
{
	char digits[32];
	snprintf(digits, sizeof(digits), "%" PRId64, v < 0 ? -v : v);
	size_t n = strlen(digits);
	int rc = v < 0 ? sr_buf_putc(b, '-') : 0;
	for (size_t i = 0; i < n && !rc; i++) {
		if (i && (n - i) % 3 == 0)
			rc = sr_buf_putc(b, ',');
		if (!rc)
			rc = sr_buf_putc(b, digits[i]);
	}
	return rc;
}

int sr_html_printf(sr_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = 0;
	const char *lit = fmt;
	for (const char *p = fmt; *p && !rc; p++) {
		if (*p != '%')
			continue;
		if (p > lit)
			rc = sr_buf_append(b, lit, (size_t)(p - lit));
		p++;
		if (!rc && !*p)
			rc = SR_EINVAL; /* a lone '%' at the end */
		if (rc)
			break;
		switch (*p) {
		case 's': rc = sr_html_esc(b, va_arg(ap, const char *)); break;
		case 'u': rc = sr_html_url(b, va_arg(ap, const char *)); break;
		case 'd': rc = sr_buf_printf(b, "%d", va_arg(ap, int)); break;
		case 'L': rc = sr_buf_printf(b, "%" PRId64, va_arg(ap, int64_t)); break;
		case 'G': rc = group(b, va_arg(ap, int64_t)); break;
		case 'R': rc = sr_buf_puts(b, va_arg(ap, const char *)); break;
		case '%': rc = sr_buf_putc(b, '%'); break;
		default: rc = SR_EINVAL; break; /* a programming error: no unknown directive passes */
		}
		lit = p + 1;
	}
	if (!rc && *lit)
		rc = sr_buf_puts(b, lit);
	va_end(ap);
	if (rc)
		b->failed = 1; /* also a bad directive: the page is not what was meant */
	return rc;
}

int sr_html_mark(sr_buf *b, const char *text, char *const *tokens, int ntokens)
{
	if (!text)
		return 0;
	size_t n = strlen(text), from = 0;
	int rc = 0;
	for (size_t i = 0; i < n && !rc;) {
		size_t best = 0;
		for (int t = 0; t < ntokens; t++) {
			size_t tl = strlen(tokens[t]);
			if (tl > best && tl <= n - i && strncasecmp(text + i, tokens[t], tl) == 0)
				best = tl;
		}
		if (!best) {
			i++;
			continue;
		}
		rc = sr_html_escn(b, text + from, i - from);
		if (!rc)
			rc = sr_buf_puts(b, "<mark>");
		if (!rc)
			rc = sr_html_escn(b, text + i, best);
		if (!rc)
			rc = sr_buf_puts(b, "</mark>");
		i += best;
		from = i;
	}
	if (!rc)
		rc = sr_html_escn(b, text + from, n - from);
	return rc;
}
