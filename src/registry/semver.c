/*
 * semver.c - Semantic Versioning 2.0.0 parsing and precedence; see semver.h.
 *
 * The parser accepts the strict grammar of semver.org, which is what npm's `semver.valid`
 * accepts after trimming, with two deliberate limits copied from npm: a version is at most
 * 256 characters, and major, minor and patch must not exceed 2^53 - 1 (JavaScript's
 * Number.MAX_SAFE_INTEGER), because larger numbers cannot round-trip through the JSON the
 * CLI reads. Unlike npm, a leading `v` is refused: a stored version is shown and compared
 * verbatim, so "v1.0.0" and "1.0.0" must not both exist as different rows.
 *
 * Numeric pre-release identifiers may be any length (npm accepts them too) and are compared
 * exactly by their digits, as semver.org section 11 asks, where npm would lose precision.
 */
#include "registry/semver.h"

#include <string.h>

#include "core/err.h"

#define SEMVER_MAX_LEN 256
#define SEMVER_MAX_SAFE UINT64_C(9007199254740991)

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_ident_char(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

/*
 * Reads one of major, minor or patch at *p and advances past it. A leading zero is allowed
 * only for the number 0 itself, so that every version has exactly one spelling.
 */
static int parse_number(const char **p, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (!is_digit(*s))
		return SR_EINVAL;
	if (s[0] == '0' && is_digit(s[1]))
		return SR_EINVAL;
	for (; is_digit(*s); s++) {
		uint64_t d = (uint64_t)(*s - '0');
		if (v > (SEMVER_MAX_SAFE - d) / 10)
			return SR_EINVAL;
		v = v * 10 + d;
	}
	*p = s;
	*out = v;
	return 0;
}

/*
 * Reads a dot-separated list of non-empty identifiers at *p, stopping at the first byte that
 * cannot continue it. Pre-release identifiers that are all digits must not have a leading
 * zero; build identifiers may (semver.org items 9 and 10).
 */
static int parse_idents(const char **p, int numeric_strict, size_t *len)
{
	const char *start = *p, *s = *p;

	for (;;) {
		const char *id = s;
		int all_digits = 1;
		while (is_ident_char(*s)) {
			if (!is_digit(*s))
				all_digits = 0;
			s++;
		}
		if (s == id)
			return SR_EINVAL;
		if (numeric_strict && all_digits && s - id > 1 && id[0] == '0')
			return SR_EINVAL;
		if (*s != '.')
			break;
		s++;
	}
	*len = (size_t)(s - start);
	*p = s;
	return 0;
}

int sr_semver_parse(const char *s, sr_semver *out)
{
	sr_semver v = { 0 };
	const char *p = s;

	if (!s || strnlen(s, SEMVER_MAX_LEN + 1) > SEMVER_MAX_LEN)
		return SR_EINVAL;
	if (parse_number(&p, &v.major) || *p++ != '.')
		return SR_EINVAL;
	if (parse_number(&p, &v.minor) || *p++ != '.')
		return SR_EINVAL;
	if (parse_number(&p, &v.patch))
		return SR_EINVAL;
	if (*p == '-') {
		v.pre = ++p;
		if (parse_idents(&p, 1, &v.pre_len))
			return SR_EINVAL;
	}
	if (*p == '+') {
		v.build = ++p;
		if (parse_idents(&p, 0, &v.build_len))
			return SR_EINVAL;
	}
	if (*p != '\0')
		return SR_EINVAL;
	if (out)
		*out = v;
	return 0;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return 0;
	return 1;
}

/*
 * Compares one pre-release identifier with another. Numeric identifiers carry no leading
 * zeros (the parser saw to that), so the longer one is the larger number and equal lengths
 * compare like their digits; this works for numbers of any size.
 */
static int cmp_ident(const char *a, size_t an, const char *b, size_t bn)
{
	int anum = all_digits(a, an), bnum = all_digits(b, bn);

	if (anum != bnum)
		return anum ? -1 : 1;
	if (anum && an != bn)
		return an < bn ? -1 : 1;
	size_t n = an < bn ? an : bn;
	int c = memcmp(a, b, n);
	if (c)
		return c < 0 ? -1 : 1;
	return cmp_u64(an, bn);
}

static size_t ident_len(const char *s, size_t n)
{
	const char *dot = memchr(s, '.', n);
	return dot ? (size_t)(dot - s) : n;
}

int sr_semver_cmp(const sr_semver *a, const sr_semver *b)
{
	int c = cmp_u64(a->major, b->major);
	if (!c)
		c = cmp_u64(a->minor, b->minor);
	if (!c)
		c = cmp_u64(a->patch, b->patch);
	if (c)
		return c;

	/* A release has higher precedence than any of its pre-releases. */
	if (!a->pre || !b->pre)
		return (a->pre == NULL) - (b->pre == NULL);

	const char *pa = a->pre, *pb = b->pre;
	size_t ra = a->pre_len, rb = b->pre_len;
	while (ra && rb) {
		size_t la = ident_len(pa, ra), lb = ident_len(pb, rb);
		c = cmp_ident(pa, la, pb, lb);
		if (c)
			return c;
		/* Step over the identifier and, when there is one, the dot after it. */
		pa += la + (la < ra);
		ra -= la + (la < ra);
		pb += lb + (lb < rb);
		rb -= lb + (lb < rb);
	}
	/* Equal so far: the version with more identifiers is the greater one. */
	return (ra > 0) - (rb > 0);
}

int sr_semver_cmp_str(const char *a, const char *b)
{
	sr_semver va, vb;
	int oka = sr_semver_parse(a, &va) == 0;
	int okb = sr_semver_parse(b, &vb) == 0;

	if (!oka || !okb)
		return oka - okb;
	return sr_semver_cmp(&va, &vb);
}
