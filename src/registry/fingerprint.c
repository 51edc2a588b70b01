/*
 * fingerprint.c - the clawhub CLI's skill fingerprint and the path order it depends on;
 * see fingerprint.h.
 *
 * The CLI sorts paths with JavaScript's `a.localeCompare(b)`, which is ICU's root collation
 * at tertiary strength with punctuation not ignored. For the ASCII paths skills hold that
 * collation reduces to two passes, reproduced here exactly (checked against node 20 with
 * ICU 78):
 *
 *  1. Primary: compare character by character, ignoring case, by the weights below. White
 *     space comes first, then punctuation in ICU's own order (not ASCII order), then digits
 *     one at a time (so "10" sorts before "9"), then letters. A string that is a prefix of
 *     the other sorts first.
 *  2. Tertiary: when the primary pass finds no difference, the first position where the
 *     case differs decides, and lower case sorts first.
 *
 * The other C0 controls and DEL are completely ignorable in ICU ("a\x01b" equals "ab"), and
 * they are skipped here as well.
 *
 * ICU's full tables for the rest of Unicode are not reproduced: each non-ASCII code point
 * sorts after every ASCII letter, by code point, and each byte that is not part of valid
 * UTF-8 sorts as U+FFFD (what node would have decoded it to). That keeps the order total
 * and deterministic but differs from ICU for, say, "é" (ICU puts it next to "e") or "€"
 * (ICU puts it among the symbols before the digits). Skill paths are almost always ASCII.
 *
 * Where ICU calls two strings equal (they differ only in ignorable controls or in invalid
 * bytes) JavaScript keeps their input order, which a server cannot know; byte order breaks
 * the tie here so that sorting is deterministic.
 */
#include "registry/fingerprint.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/util.h"

/*
 * Every ASCII character that is neither a digit nor a letter and is not ignorable, in ICU
 * root order. The five white-space controls come before the space.
 */
static const char punct_order[] = "\t\n\v\f\r _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$";

#define W_DIGIT ((uint32_t)sizeof(punct_order))
#define W_LETTER (W_DIGIT + 10)
#define W_NONASCII (W_LETTER + 26)

typedef struct coll_elem {
	uint32_t primary; /* never 0: ignorable characters produce no element */
	int upper;        /* 1 for an ASCII capital letter, the only tertiary difference */
} coll_elem;

/*
 * Decodes one UTF-8 sequence at s into *cp and returns its length, or returns 0 for a byte
 * that does not start a well-formed sequence (overlong forms and surrogates included).
 */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
	uint32_t c, min;
	size_t n;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		c = s[0] & 0x1f;
		n = 2;
		min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		c = s[0] & 0x0f;
		n = 3;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		c = s[0] & 0x07;
		n = 4;
		min = 0x10000;
	} else {
		return 0;
	}
	/* A NUL terminator fails the continuation test, so this never reads past the end. */
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/*
 * Produces the next collation element of the string at *p and advances past it; returns 0
 * at the end of the string.
 */
static int next_elem(const unsigned char **p, coll_elem *e)
{
	const unsigned char *s = *p;

	for (;;) {
		unsigned char c = *s;
		if (c == '\0') {
			*p = s;
			return 0;
		}
		e->upper = 0;
		if (c >= 0x80) {
			uint32_t cp = 0xfffd;
			size_t n = utf8_decode(s, &cp);
			s += n ? n : 1;
			e->primary = W_NONASCII + cp;
			break;
		}
		s++;
		if (c >= '0' && c <= '9') {
			e->primary = W_DIGIT + (uint32_t)(c - '0');
			break;
		}
		if (c >= 'a' && c <= 'z') {
			e->primary = W_LETTER + (uint32_t)(c - 'a');
			break;
		}
		if (c >= 'A' && c <= 'Z') {
			e->primary = W_LETTER + (uint32_t)(c - 'A');
			e->upper = 1;
			break;
		}
		const char *q = strchr(punct_order, c);
		if (q) {
			e->primary = 1 + (uint32_t)(q - punct_order);
			break;
		}
		/* Any other control character is ignorable: look at the next one. */
	}
	*p = s;
	return 1;
}

int sr_path_collate(const char *a, const char *b)
{
	const unsigned char *pa = (const unsigned char *)a, *pb = (const unsigned char *)b;
	coll_elem ea, eb;
	int ha, hb;

	for (;;) {
		ha = next_elem(&pa, &ea);
		hb = next_elem(&pb, &eb);
		if (!ha || !hb)
			break;
		if (ea.primary != eb.primary)
			return ea.primary < eb.primary ? -1 : 1;
	}
	if (ha != hb)
		return ha - hb;

	/* Same letters and punctuation throughout, so the elements line up one to one. */
	pa = (const unsigned char *)a;
	pb = (const unsigned char *)b;
	while (next_elem(&pa, &ea) && next_elem(&pb, &eb)) {
		if (ea.upper != eb.upper)
			return ea.upper - eb.upper;
	}

	int c = strcmp(a, b);
	return (c > 0) - (c < 0);
}

static int cmp_path_ptr(const void *x, const void *y)
{
	return sr_path_collate(*(const char *const *)x, *(const char *const *)y);
}

void sr_path_sort(const char **paths, size_t n)
{
	if (n > 1)
		qsort(paths, n, sizeof(*paths), cmp_path_ptr);
}

static int usable(const sr_fp_entry *e)
{
	return e->path && e->path[0] && e->sha256 && e->sha256[0];
}

static int cmp_entry(const void *x, const void *y)
{
	const sr_fp_entry *a = x, *b = y;
	return sr_path_collate(a->path ? a->path : "", b->path ? b->path : "");
}

int sr_fingerprint(sr_fp_entry *entries, size_t n, char out[65])
{
	size_t total = 0;

	for (size_t i = 0; i < n; i++) {
		if (!usable(&entries[i]))
			continue;
		/* The line, plus one byte for the ':' and one for the '\n' that may follow it. */
		size_t pl = strlen(entries[i].path), hl = strlen(entries[i].sha256);
		if (pl > SIZE_MAX - hl - 2 || total > SIZE_MAX - pl - hl - 2)
			return SR_ENOMEM;
		total += pl + hl + 2;
	}
	if (n > 1)
		qsort(entries, n, sizeof(*entries), cmp_entry);

	char *text = malloc(total + 1);
	if (!text)
		return SR_ENOMEM;
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		const sr_fp_entry *e = &entries[i];
		if (!usable(e))
			continue;
		if (len)
			text[len++] = '\n';
		size_t pl = strlen(e->path), hl = strlen(e->sha256);
		memcpy(text + len, e->path, pl);
		len += pl;
		text[len++] = ':';
		memcpy(text + len, e->sha256, hl);
		len += hl;
	}
	sr_sha256_hex(text, len, out);
	free(text);
	return 0;
}
