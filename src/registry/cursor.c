/*
 * cursor.c - keyset cursors; see cursor.h.
 *
 * Wire form, before base64url: version (1 byte), kind, filter, dir (1 byte each), k1 and k2
 * (8 bytes each, big-endian two's complement), id (8 bytes), text length (1 byte), text.
 * Fixed widths keep decoding trivial to bound; the whole thing stays under 300 characters.
 */
#include "registry/cursor.h"

#include <string.h>

#include "core/err.h"
#include "core/util.h"

#define HEAD_LEN (4 + 8 + 8 + 8 + 1)

static void put64(unsigned char *p, int64_t v)
{
	uint64_t u = (uint64_t)v;
	for (int i = 7; i >= 0; i--) {
		p[i] = (unsigned char)(u & 0xff);
		u >>= 8;
	}
}

static int64_t get64(const unsigned char *p)
{
	uint64_t u = 0;
	for (int i = 0; i < 8; i++)
		u = u << 8 | p[i];
	return (int64_t)u;
}

int sr_cursor_encode(const sr_cursor *c, char *out, size_t outsz)
{
	unsigned char raw[HEAD_LEN + SR_CURSOR_MAX_TEXT];
	size_t tl = strlen(c->text);
	if (tl > SR_CURSOR_MAX_TEXT || c->kind < 0 || c->kind > 255 || c->filter < 0 || c->filter > 255 ||
	    (c->dir != 0 && c->dir != 1))
		return SR_EINVAL;
	raw[0] = SR_CURSOR_VERSION;
	raw[1] = (unsigned char)c->kind;
	raw[2] = (unsigned char)c->filter;
	raw[3] = (unsigned char)c->dir;
	put64(raw + 4, c->k1);
	put64(raw + 12, c->k2);
	put64(raw + 20, c->id);
	raw[28] = (unsigned char)tl;
	memcpy(raw + HEAD_LEN, c->text, tl);
	size_t n = HEAD_LEN + tl;
	if (sr_b64url_len(n) + 1 > outsz)
		return SR_ETOOBIG;
	sr_b64url_encode(raw, n, out);
	return 0;
}

int sr_cursor_decode(const char *s, sr_cursor *out)
{
	size_t len = strlen(s);
	if (len == 0 || len > SR_CURSOR_MAX_LEN)
		return SR_EINVAL;
	unsigned char raw[HEAD_LEN + SR_CURSOR_MAX_TEXT + 8];
	long n = sr_b64url_decode(s, len, raw, sizeof(raw));
	if (n < HEAD_LEN || raw[0] != SR_CURSOR_VERSION || raw[3] > 1)
		return SR_EINVAL;
	size_t tl = raw[28];
	if (tl > SR_CURSOR_MAX_TEXT || (size_t)n != HEAD_LEN + tl || memchr(raw + HEAD_LEN, 0, tl))
		return SR_EINVAL;
	memset(out, 0, sizeof(*out));
	out->version = raw[0];
	out->kind = raw[1];
	out->filter = raw[2];
	out->dir = raw[3];
	out->k1 = get64(raw + 4);
	out->k2 = get64(raw + 12);
	out->id = get64(raw + 20);
	memcpy(out->text, raw + HEAD_LEN, tl);
	out->text[tl] = '\0';
	return 0;
}
