/*
 * cursor.c - the opaque pagination cursor; see cursor.h.
 *
 * Wire form, before base64url:
 *
 *   version:u8 kind:u8 filter:u8 dir:u8 k1:zvarint k2:zvarint textlen:varint text id:zvarint
 *
 * varint is unsigned LEB128 (7 bits a byte, low bits first) and zvarint is a zigzag-mapped
 * signed value in a varint, so the small keys typical of counters and ids take one or two
 * bytes while a millisecond timestamp takes six. Decoding accepts only the one shortest
 * encoding of each value, so a cursor has exactly one spelling and a client cannot make two
 * different strings that mean the same position.
 *
 * The longest possible cursor is 4 + 10 + 10 + 2 + SR_CURSOR_MAX_TEXT + 10 bytes, which
 * base64url turns into well under SR_CURSOR_MAX_LEN characters.
 */
#include "registry/cursor.h"

#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/util.h"
#include "store/store.h"

/* A 64-bit varint needs at most ten bytes. */
#define VARINT_MAX 10
#define CURSOR_MAX_BYTES (4 + 3 * VARINT_MAX + 2 + SR_CURSOR_MAX_TEXT)

_Static_assert(CURSOR_MAX_BYTES / 3 * 4 + 4 <= SR_CURSOR_MAX_LEN,
	       "the longest cursor must fit in SR_CURSOR_MAX_LEN");

static size_t put_varint(unsigned char *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (unsigned char)v;
	return n;
}

static uint64_t zigzag(int64_t v)
{
	uint64_t u = (uint64_t)v;
	return (u << 1) ^ (0 - (u >> 63));
}

static int64_t unzigzag(uint64_t z)
{
	return (int64_t)((z >> 1) ^ (0 - (z & 1)));
}

typedef struct reader {
	const unsigned char *p;
	size_t left;
} reader;

static int get_u8(reader *r, int *out)
{
	if (!r->left)
		return SR_EINVAL;
	*out = *r->p++;
	r->left--;
	return 0;
}

/*
 * Reads a varint, refusing one that runs off the end, overflows 64 bits, or carries
 * trailing zero groups (a longer spelling of a shorter encoding).
 */
static int get_varint(reader *r, uint64_t *out)
{
	uint64_t v = 0;

	for (int i = 0; i < VARINT_MAX; i++) {
		if (!r->left)
			return SR_EINVAL;
		unsigned char b = *r->p++;
		r->left--;
		if (i == VARINT_MAX - 1 && b > 1)
			return SR_EINVAL;
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			if (b == 0 && i > 0)
				return SR_EINVAL;
			*out = v;
			return 0;
		}
	}
	return SR_EINVAL;
}

static int get_zvarint(reader *r, int64_t *out)
{
	uint64_t z;
	int rc = get_varint(r, &z);
	if (rc)
		return rc;
	*out = unzigzag(z);
	return 0;
}

int sr_cursor_encode(const sr_cursor *c, char *out, size_t outsz)
{
	unsigned char bin[CURSOR_MAX_BYTES];
	size_t n = 0;

	if (outsz)
		out[0] = '\0';
	if (c->kind < 0 || c->kind > 255 || c->filter < 0 || c->filter > 255 ||
	    (c->dir != 0 && c->dir != 1))
		return SR_EINVAL;
	size_t tl = strnlen(c->text, sizeof(c->text));
	if (tl > SR_CURSOR_MAX_TEXT)
		return SR_ETOOBIG;

	/* Only the current format is ever written; c->version matters to decode alone. */
	bin[n++] = SR_CURSOR_VERSION;
	bin[n++] = (unsigned char)c->kind;
	bin[n++] = (unsigned char)c->filter;
	bin[n++] = (unsigned char)c->dir;
	n += put_varint(bin + n, zigzag(c->k1));
	n += put_varint(bin + n, zigzag(c->k2));
	n += put_varint(bin + n, tl);
	memcpy(bin + n, c->text, tl);
	n += tl;
	n += put_varint(bin + n, zigzag(c->id));

	if (sr_b64url_len(n) + 1 > outsz)
		return SR_ETOOBIG;
	sr_b64url_encode(bin, n, out);
	return 0;
}

int sr_cursor_decode(const char *s, sr_cursor *out)
{
	unsigned char bin[SR_CURSOR_MAX_LEN];
	sr_cursor c;
	uint64_t tl;

	if (!s)
		return SR_EINVAL;
	size_t sl = strnlen(s, SR_CURSOR_MAX_LEN + 1);
	if (sl == 0 || sl > SR_CURSOR_MAX_LEN)
		return SR_EINVAL;
	long bl = sr_b64url_decode(s, sl, bin, sizeof(bin));
	if (bl < 0)
		return SR_EINVAL;

	memset(&c, 0, sizeof(c));
	reader r = { bin, (size_t)bl };
	if (get_u8(&r, &c.version) || c.version != SR_CURSOR_VERSION)
		return SR_EINVAL;
	if (get_u8(&r, &c.kind) || get_u8(&r, &c.filter) || get_u8(&r, &c.dir))
		return SR_EINVAL;
	if (c.dir != 0 && c.dir != 1)
		return SR_EINVAL;
	if (get_zvarint(&r, &c.k1) || get_zvarint(&r, &c.k2))
		return SR_EINVAL;
	if (get_varint(&r, &tl) || tl > SR_CURSOR_MAX_TEXT || tl > r.left)
		return SR_EINVAL;
	/* The text is handed on as a C string, so a NUL inside it would silently cut it. */
	if (memchr(r.p, '\0', (size_t)tl))
		return SR_EINVAL;
	memcpy(c.text, r.p, (size_t)tl);
	c.text[tl] = '\0';
	r.p += tl;
	r.left -= (size_t)tl;
	if (get_zvarint(&r, &c.id))
		return SR_EINVAL;
	if (r.left)
		return SR_EINVAL;

	*out = c;
	return 0;
}

void sr_cursor_set_row(sr_cursor *c, int sort, const sr_skill_row *r)
{
	c->id = r->id;
	c->k1 = c->k2 = 0;
	c->text[0] = '\0';
	switch (sort) {
	case SR_SORT_UPDATED: c->k1 = r->updated_at; break;
	case SR_SORT_CREATED: c->k1 = r->created_at; break;
	case SR_SORT_NAME: snprintf(c->text, sizeof(c->text), "%s", r->slug); break;
	case SR_SORT_DOWNLOADS: c->k1 = r->downloads; c->k2 = r->updated_at; break;
	case SR_SORT_STARS: c->k1 = r->stars; c->k2 = r->updated_at; break;
	case SR_SORT_INSTALLS: c->k1 = r->installs; c->k2 = r->updated_at; break;
	}
}
