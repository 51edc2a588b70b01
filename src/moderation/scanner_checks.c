/*
 * scanner_checks.c - the scanner's checks that a rule language cannot say well, and the
 * finding excerpts.
 *
 * YARA matches bytes; these need arithmetic or a table: an executable header at the start
 * of a file (and NUL bytes in a file whose name promises text), an http(s) URL whose host is
 * a *public* IPv4 literal (loopback and private ranges are local examples), and a slug or
 * display name within one or two edits of a popular slug but not equal to any (a typosquat).
 * The popular slugs are data (rules/popular-slugs.txt, compiled in).
 */
#include "moderation/scanner_int.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"

#define EXCERPT_BEFORE 40 /* bytes of context kept before a match */

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static int is_word(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* The C checks' rows of the rule table: id, title, severity. */
void sr__rule_checks_init(sr_scan_rules *r)
{
	static const struct sr__rule checks[SR__CHECK_COUNT] = {
		[SR__CHECK_EXECUTABLE] = {"binary-executable", "a compiled executable is shipped in the skill", SR_SEV_HIGH},
		[SR__CHECK_NUL_IN_TEXT] = {"binary-disguised", "a file named as text holds binary data", SR_SEV_HIGH},
		[SR__CHECK_RAW_IP] = {"raw-ip-url", "a URL to a bare public IP address instead of a host name", SR_SEV_INFO},
		[SR__CHECK_TYPOSQUAT] = {"typosquat", "slug or name imitates a popular skill", SR_SEV_HIGH},
	};
	for (size_t i = 0; i < SR__CHECK_COUNT; i++)
		r->rules[r->nyara + i] = checks[i];
	r->nrules = r->nyara + SR__CHECK_COUNT;
}

const char *sr__executable_kind(const unsigned char *d, size_t n)
{
	if (n >= 4 && memcmp(d, "\x7f" "ELF", 4) == 0)
		return "ELF executable header";
	if (n >= 4 && (memcmp(d, "\xfe\xed\xfa\xce", 4) == 0 || memcmp(d, "\xfe\xed\xfa\xcf", 4) == 0 ||
		       memcmp(d, "\xce\xfa\xed\xfe", 4) == 0 || memcmp(d, "\xcf\xfa\xed\xfe", 4) == 0 ||
		       memcmp(d, "\xca\xfe\xba\xbe", 4) == 0))
		return "Mach-O executable header";
	/* "MZ" alone starts ordinary words; a DOS/PE header has binary bytes right after it. */
	if (n >= 64 && d[0] == 'M' && d[1] == 'Z' && memchr(d, '\0', 64))
		return "PE/DOS executable header";
	return NULL;
}

/* ---- bare IPv4 URLs ---- */

/* Parses a dotted quad at s[0..n); 1 with the octets when it is one and nothing that would
 * make it a host name (another label or digit) follows. */
static int parse_ipv4(const unsigned char *s, size_t n, unsigned oct[4])
{
	size_t i = 0;
	for (int k = 0; k < 4; k++) {
		if (k) {
			if (i >= n || s[i] != '.')
				return 0;
			i++;
		}
		unsigned v = 0;
		int digits = 0;
		while (i < n && s[i] >= '0' && s[i] <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(s[i] - '0');
			i++;
			digits++;
		}
		if (!digits || digits > 3 || v > 255)
			return 0;
		oct[k] = v;
	}
	if (i < n && (is_word(s[i]) || (s[i] == '.' && i + 1 < n && is_word(s[i + 1]))))
		return 0;
	return 1;
}

/* Loopback, private, link-local and unspecified addresses are local examples in docs and dev
 * set-ups, not a place data can be sent to across the internet. */
static int ipv4_is_local(const unsigned o[4])
{
	return o[0] == 0 || o[0] == 10 || o[0] == 127 || (o[0] == 169 && o[1] == 254) ||
	       (o[0] == 172 && o[1] >= 16 && o[1] <= 31) || (o[0] == 192 && o[1] == 168);
}

/* An http(s) URL whose host is a public IPv4 literal; *at gets the URL's offset. */
static int find_raw_ipv4_url(const unsigned char *line, size_t n, size_t *at)
{
	size_t from = 0;
	while (from < n) {
		const unsigned char *hit = memmem(line + from, n - from, "://", 3);
		if (!hit)
			return 0;
		size_t off = (size_t)(hit - line);
		size_t start = off >= 5 && strncasecmp((const char *)line + off - 5, "https", 5) == 0 ? off - 5
			       : off >= 4 && strncasecmp((const char *)line + off - 4, "http", 4) == 0 ? off - 4
										   : (size_t)-1;
		unsigned o[4];
		if (start != (size_t)-1 && parse_ipv4(line + off + 3, n - off - 3, o) && !ipv4_is_local(o)) {
			*at = start;
			return 1;
		}
		from = off + 3;
	}
	return 0;
}

/* Reports the first http(s) URL to a public IPv4 literal in d[0..len), once per file. */
void sr__check_raw_ip(struct sr__scan *sc, size_t ri, const char *path, const unsigned char *d,
		      size_t len)
{
	size_t pos = 0;
	while (pos < len) {
		const unsigned char *nl = memchr(d + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (d + pos)) : len - pos;
		size_t at;
		if (memmem(d + pos, n, "://", 3) && find_raw_ipv4_url(d + pos, n, &at)) {
			sr__scan_fire_at(sc, ri, path, d, len, pos + at);
			return;
		}
		pos += n + 1;
	}
}

/* ---- excerpts ---- */

/* Length of the valid UTF-8 sequence at s[0..n), or 0 when it is not one (overlongs,
 * surrogates and code points past U+10FFFF are not). *cp gets the code point. */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		len = 2, v = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, v = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

/* Code points an excerpt must not carry to a terminal or page: C0/C1 controls, DEL, and the
 * bidirectional overrides that can make displayed text differ from its bytes. */
static int unsafe_cp(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f;
}

/* Copies up to SR_SCAN_EXCERPT_MAX bytes of line[0..n) around offset at into out: valid
 * UTF-8 only, unsafe characters as '?', tabs as spaces, never a partial character. */
void sr__make_excerpt(const unsigned char *line, size_t n, size_t at, char *out)
{
	size_t start = at > EXCERPT_BEFORE ? at - EXCERPT_BEFORE : 0;
	while (start > 0 && start < n && (line[start] & 0xc0) == 0x80)
		start++; /* do not begin inside a character */
	while (start < n && (line[start] == ' ' || line[start] == '\t'))
		start++;
	size_t o = 0, i = start;
	while (i < n) {
		uint32_t cp;
		size_t len = utf8_seq(line + i, n - i, &cp);
		if (len == 0 || (len == 1 && cp != '\t' && unsafe_cp(cp)) || (len > 1 && unsafe_cp(cp))) {
			if (o + 1 > SR_SCAN_EXCERPT_MAX)
				break;
			out[o++] = '?';
			i += len ? len : 1;
			continue;
		}
		if (o + len > SR_SCAN_EXCERPT_MAX)
			break;
		if (cp == '\t')
			out[o++] = ' ';
		else
			memcpy(out + o, line + i, len), o += len;
		i += len;
	}
	while (o && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

/* ---- typosquats ---- */

/* Levenshtein distance of a and b, or limit + 1 once it must exceed limit. */
static size_t edit_distance(const char *a, const char *b, size_t limit)
{
	size_t n = strlen(a), m = strlen(b);
	if (n > SR__POPULAR_MAX_LEN || m > SR__POPULAR_MAX_LEN)
		return limit + 1;
	if ((n > m ? n - m : m - n) > limit)
		return limit + 1;
	size_t prev[SR__POPULAR_MAX_LEN + 1], cur[SR__POPULAR_MAX_LEN + 1];
	for (size_t j = 0; j <= m; j++)
		prev[j] = j;
	for (size_t i = 1; i <= n; i++) {
		cur[0] = i;
		size_t rowmin = cur[0];
		for (size_t j = 1; j <= m; j++) {
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			cur[j] = del < ins ? del : ins;
			if (sub < cur[j])
				cur[j] = sub;
			if (cur[j] < rowmin)
				rowmin = cur[j];
		}
		if (rowmin > limit)
			return limit + 1;
		memcpy(prev, cur, (m + 1) * sizeof(size_t));
	}
	return prev[m];
}

/* How far a name may be from a popular slug and still read as an imitation of it: short slugs
 * are too close to ordinary words for two edits, and at five letters or fewer even one edit
 * makes too many honest names collide (slack/stack, gmail/email). */
static size_t typo_limit(size_t len)
{
	return len <= 5 ? 0 : len <= 8 ? 1 : 2;
}

void sr__check_typosquat(struct sr__scan *sc, size_t ri, const char *name, const char *what)
{
	const sr_scan_rules *r = sc->rules;
	char low[SR__POPULAR_MAX_LEN + 1];
	size_t n = 0;
	for (; name[n] && n < SR__POPULAR_MAX_LEN; n++) {
		unsigned char c = lower((unsigned char)name[n]);
		low[n] = (char)(c == ' ' || c == '_' ? '-' : c);
	}
	if (name[n] || !n)
		return;
	low[n] = '\0';
	for (size_t i = 0; i < r->npopular; i++)
		if (strcmp(low, r->popular[i]) == 0)
			return; /* the popular skill itself, or another popular one */
	for (size_t i = 0; i < r->npopular; i++) {
		size_t lim = typo_limit(strlen(r->popular[i]));
		if (!lim)
			continue;
		size_t d = edit_distance(low, r->popular[i], lim);
		if (d >= 1 && d <= lim) {
			char ex[SR_SCAN_EXCERPT_MAX + 1];
			snprintf(ex, sizeof(ex), "%s '%.40s' is %zu edit%s from popular '%.40s'", what, low, d,
				 d == 1 ? "" : "s", r->popular[i]);
			sr__scan_fire(sc, ri, "", 0, ex);
			return;
		}
	}
}

/* The popular slugs: one a line, '#' comments and blank lines skipped, lower-cased. */
int sr__popular_parse(sr_scan_rules *r, const char *text, size_t len, char *err, size_t errsz)
{
	size_t pos = 0;
	int lineno = 0;
	while (pos < len) {
		lineno++;
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		const char *s = text + pos;
		pos += n + 1;
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\r'))
			n--;
		while (n && *s == ' ')
			s++, n--;
		if (!n || *s == '#')
			continue;
		if (n > SR__POPULAR_MAX_LEN || memchr(s, ' ', n)) {
			sr__seterr(err, errsz, "popular slugs line %d: one slug of at most %d bytes", lineno,
				   SR__POPULAR_MAX_LEN);
			return SR_EINVAL;
		}
		if (r->npopular == SR__POPULAR_MAX) {
			sr__seterr(err, errsz, "more than %d popular slugs", SR__POPULAR_MAX);
			return SR_ETOOBIG;
		}
		for (size_t i = 0; i < n; i++)
			r->popular[r->npopular][i] = (char)lower((unsigned char)s[i]);
		r->popular[r->npopular][n] = '\0';
		r->npopular++;
	}
	return 0;
}
