/*
 * multipart.c - reading a multipart/form-data body in place (multipart.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http/multipart.h"

/* Finds needle in hay[0..n). */
static const char *memfind(const char *hay, size_t n, const char *needle, size_t m)
{
	if (m == 0 || n < m)
		return NULL;
	for (size_t i = 0; i + m <= n; i++)
		if (hay[i] == needle[0] && memcmp(hay + i, needle, m) == 0)
			return hay + i;
	return NULL;
}

int sr_mp_header_param(const char *h, size_t hl, const char *key, char *out, size_t n)
{
	size_t kl = strlen(key);
	for (size_t i = 0; i + kl + 1 < hl; i++) {
		if ((i == 0 || h[i - 1] == ';' || h[i - 1] == ' ') && strncasecmp(h + i, key, kl) == 0 &&
		    h[i + kl] == '=') {
			const char *v = h + i + kl + 1, *end = h + hl;
			size_t o = 0;
			if (*v == '"') {
				v++;
				/* Only \" and \\ are escapes (as curl writes them); any other backslash is
				 * kept, so a Windows-style path is refused later instead of silently
				 * changed. */
				while (v < end && *v != '"' && o + 1 < n) {
					if (*v == '\\' && v + 1 < end && (v[1] == '"' || v[1] == '\\'))
						v++;
					out[o++] = *v++;
				}
			} else {
				while (v < end && *v != ';' && !isspace((unsigned char)*v) && o + 1 < n)
					out[o++] = *v++;
			}
			out[o] = '\0';
			return 0;
		}
	}
	return -1;
}

/* Reads a part's Content-Disposition (name, filename) and Content-Type from its headers,
 * h[0..hend). */
static void part_headers(const char *h, const char *hend, sr_mp_part *pt)
{
	memset(pt, 0, sizeof(*pt));
	while (h < hend) {
		const char *eol = memfind(h, (size_t)(hend - h), "\r\n", 2);
		if (!eol)
			eol = hend;
		size_t hl = (size_t)(eol - h);
		if (hl > 20 && strncasecmp(h, "Content-Disposition:", 20) == 0) {
			sr_mp_header_param(h + 20, hl - 20, "name", pt->name, sizeof(pt->name));
			pt->has_filename = sr_mp_header_param(h + 20, hl - 20, "filename", pt->filename,
							       sizeof(pt->filename)) == 0;
		} else if (hl > 13 && strncasecmp(h, "Content-Type:", 13) == 0) {
			const char *v = h + 13;
			while (v < eol && isspace((unsigned char)*v))
				v++;
			snprintf(pt->ctype, sizeof(pt->ctype), "%.*s", (int)(eol - v), v);
		}
		h = eol + 2;
	}
}

int sr_mp_begin(sr_mp_reader *r, const char *ctype, const char *body, size_t len)
{
	char boundary[200];
	memset(r, 0, sizeof(*r));
	if (sr_mp_header_param(ctype, strlen(ctype), "boundary", boundary, sizeof(boundary)) || !boundary[0])
		return -1;
	r->dl = snprintf(r->delim, sizeof(r->delim), "--%s", boundary);
	const char *p = body ? body : "";
	r->end = p + len;
	r->at = memfind(p, len, r->delim, (size_t)r->dl);
	return 0;
}

int sr_mp_next(sr_mp_reader *r, sr_mp_part *pt)
{
	if (!r->at)
		return -1;
	const char *part = r->at + r->dl, *end = r->end;
	if (end - part >= 2 && part[0] == '-' && part[1] == '-')
		return 0;
	if (end - part >= 2 && part[0] == '\r' && part[1] == '\n')
		part += 2;
	const char *hend = memfind(part, (size_t)(end - part), "\r\n\r\n", 4);
	if (!hend)
		return -1;
	part_headers(part, hend, pt);
	const char *data = hend + 4;
	char ndelim[214];
	int nl = snprintf(ndelim, sizeof(ndelim), "\r\n%s", r->delim);
	const char *next = memfind(data, (size_t)(end - data), ndelim, (size_t)nl);
	if (!next)
		return -1;
	pt->data = data;
	pt->len = (size_t)(next - data);
	r->at = next + 2;
	return 1;
}
