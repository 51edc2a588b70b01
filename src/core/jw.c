/*
 * jw.c - streaming JSON writer; see jw.h.
 */
#include "core/jw.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/util.h"

void sr_jw_init(sr_jw *w, sr_buf *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->first[0] = 1;
}

int sr_jw_error(const sr_jw *w)
{
	if (w->err)
		return w->err;
	return w->depth == 0 ? 0 : SR_EINVAL;
}

static void put(sr_jw *w, const char *s, size_t n)
{
	if (!w->err) {
		int rc = sr_buf_append(w->out, s, n);
		if (rc)
			w->err = rc;
	}
}

/* Writes the separator a new value needs at the current depth. */
static void sep(sr_jw *w)
{
	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (!w->first[w->depth])
		put(w, ",", 1);
	w->first[w->depth] = 0;
}

static void open(sr_jw *w, char c)
{
	sep(w);
	if (w->depth + 1 >= SR_JW_MAX_DEPTH) {
		w->err = SR_ETOOBIG;
		return;
	}
	put(w, &c, 1);
	w->depth++;
	w->first[w->depth] = 1;
}

static void close_(sr_jw *w, char c)
{
	if (w->depth == 0) {
		w->err = SR_EINVAL;
		return;
	}
	put(w, &c, 1);
	w->depth--;
}

void sr_jw_obj(sr_jw *w) { open(w, '{'); }
void sr_jw_obj_end(sr_jw *w) { close_(w, '}'); }
void sr_jw_arr(sr_jw *w) { open(w, '['); }
void sr_jw_arr_end(sr_jw *w) { close_(w, ']'); }

/* Byte classes for escaping: 0 copies as is, 1 needs an escape, 2 starts a multi-byte
 * sequence that must be checked. The common case is a long run of class 0 bytes, copied with
 * one append. */
static const unsigned char esc_class[256] = {
	[0x00 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xff] = 2,
};

/* Non-zero when one of the 8 bytes in x is below 0x20, a quote, a backslash or not ASCII.
 * Borrows can flag a byte after one that really matches, never one before it, so a zero
 * answer is exact and a non-zero one hands over to the byte loop. */
static inline uint64_t special8(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	uint64_t ctl = x - ones * 0x20;
	uint64_t q = x ^ (ones * '"');
	uint64_t bs = x ^ (ones * '\\');
	return ((ctl | (q - ones) | (bs - ones)) & ~x & high) | (x & high);
}

int sr_json_escape(sr_buf *b, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, start = 0;
	int rc = 0;
	while (!rc) {
		/* Eight bytes at a time over plain ASCII, the common case, then byte by byte. */
		while (i + 8 <= n) {
			uint64_t x;
			memcpy(&x, s + i, 8);
			if (special8(x))
				break;
			i += 8;
		}
		while (i < n && esc_class[s[i]] == 0)
			i++;
		size_t len = 1;
		const char *esc = NULL;
		char tmp[8];
		if (i < n) {
			unsigned char c = s[i];
			if (esc_class[c] == 1) {
				switch (c) {
				case '"': esc = "\\\""; break;
				case '\\': esc = "\\\\"; break;
				case '\n': esc = "\\n"; break;
				case '\r': esc = "\\r"; break;
				case '\t': esc = "\\t"; break;
				default:
					snprintf(tmp, sizeof(tmp), "\\u%04x", c);
					esc = tmp;
				}
			} else {
				len = sr_utf8_seq(s + i, n - i);
				if (len == 0) {
					esc = "\xef\xbf\xbd"; /* U+FFFD for a byte that is not UTF-8 */
					len = 1;
				} else if (len == 3 && c == 0xe2 && s[i + 1] == 0x80 &&
					   (s[i + 2] == 0xa8 || s[i + 2] == 0xa9)) {
					/* U+2028/2029 are valid JSON but break JavaScript string literals. */
					esc = s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029";
				}
			}
		}
		if (!esc && i < n) {
			i += len; /* a valid multi-byte sequence joins the run */
			continue;
		}
		if (i > start)
			rc = sr_buf_append(b, s + start, i - start);
		if (i >= n || rc)
			break;
		rc = sr_buf_puts(b, esc);
		i += len;
		start = i;
	}
	return rc;
}

static void quoted(sr_jw *w, const char *s, size_t n)
{
	put(w, "\"", 1);
	if (!w->err) {
		int rc = sr_json_escape(w->out, s, n);
		if (rc)
			w->err = rc;
	}
	put(w, "\"", 1);
}

void sr_jw_key(sr_jw *w, const char *k)
{
	/* Keys are nearly always short plain ASCII: then the separator, the quoted key and the
	 * colon go out in one append. */
	char tmp[80];
	size_t n = 0, len = strlen(k);
	if (len < sizeof(tmp) - 4 && !w->after_key) {
		const unsigned char *u = (const unsigned char *)k;
		size_t i = 0;
		while (i < len && esc_class[u[i]] == 0)
			i++;
		if (i == len) {
			if (!w->first[w->depth])
				tmp[n++] = ',';
			w->first[w->depth] = 0;
			tmp[n++] = '"';
			memcpy(tmp + n, k, len);
			n += len;
			tmp[n++] = '"';
			tmp[n++] = ':';
			put(w, tmp, n);
			w->after_key = 1;
			return;
		}
	}
	sep(w);
	quoted(w, k, len);
	put(w, ":", 1);
	w->after_key = 1;
}

void sr_jw_strn(sr_jw *w, const char *s, size_t n)
{
	sep(w);
	quoted(w, s, n);
}

void sr_jw_str(sr_jw *w, const char *s)
{
	if (!s)
		sr_jw_null(w);
	else
		sr_jw_strn(w, s, strlen(s));
}

void sr_jw_int(sr_jw *w, int64_t v)
{
	/* Digits from the right; the magnitude is taken as unsigned so INT64_MIN works. */
	char tmp[24];
	char *p = tmp + sizeof(tmp);
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	sep(w);
	put(w, p, (size_t)(tmp + sizeof(tmp) - p));
}

void sr_jw_double(sr_jw *w, double v)
{
	char tmp[32];
	int n;
	if (!isfinite(v))
		n = snprintf(tmp, sizeof(tmp), "null");
	else
		n = snprintf(tmp, sizeof(tmp), "%.17g", v);
	sep(w);
	put(w, tmp, (size_t)n);
}

void sr_jw_bool(sr_jw *w, int v)
{
	sep(w);
	if (v)
		put(w, "true", 4);
	else
		put(w, "false", 5);
}

void sr_jw_null(sr_jw *w)
{
	sep(w);
	put(w, "null", 4);
}

void sr_jw_raw(sr_jw *w, const char *json)
{
	if (!json) {
		sr_jw_null(w);
		return;
	}
	sep(w);
	put(w, json, strlen(json));
}

void sr_jw_kstr(sr_jw *w, const char *k, const char *s) { sr_jw_key(w, k); sr_jw_str(w, s); }
void sr_jw_kint(sr_jw *w, const char *k, int64_t v) { sr_jw_key(w, k); sr_jw_int(w, v); }
void sr_jw_kbool(sr_jw *w, const char *k, int v) { sr_jw_key(w, k); sr_jw_bool(w, v); }
void sr_jw_knull(sr_jw *w, const char *k) { sr_jw_key(w, k); sr_jw_null(w); }
void sr_jw_kraw(sr_jw *w, const char *k, const char *json) { sr_jw_key(w, k); sr_jw_raw(w, json); }
