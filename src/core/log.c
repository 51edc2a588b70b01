/*
 * log.c - see log.h. Each message is formatted into one buffer and written with a single
 * write so lines from different worker threads never interleave.
 *
 * A message often carries what a client sent (a decoded path, a header), so every line is
 * made safe here, in the one place all lines pass: control characters, DEL, a backslash and
 * bytes that are not valid UTF-8 are written as \xNN. A %0a in a path cannot start a forged
 * line and a %1b cannot reach the terminal of whoever reads the log.
 */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static int quiet;

void sr_log_set_quiet(int q)
{
	quiet = q;
}

/* The length of the valid UTF-8 sequence of two to four bytes at p (n bytes left), or 0
 * (overlong forms, surrogates and code points past U+10FFFF are not valid). */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf; /* the range of the second byte */
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
	else
		return 0;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

/* Copies in[0..n) to out (cap bytes, at least 5) with the escapes above; returns the length
 * written. Stops before an escape or a sequence that would not fit whole. */
static size_t escape(const char *in, size_t n, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)in;
	size_t w = 0;
	for (size_t i = 0; i < n;) {
		size_t seq = p[i] >= 0x80 ? utf8_seq(p + i, n - i) : 0;
		if (seq) {
			if (w + seq > cap)
				break;
			for (size_t k = 0; k < seq; k++)
				out[w++] = (char)p[i++];
		} else if (p[i] < 0x20 || p[i] >= 0x7f || p[i] == '\\') {
			if (w + 4 > cap)
				break;
			out[w++] = '\\';
			out[w++] = 'x';
			out[w++] = hex[p[i] >> 4];
			out[w++] = hex[p[i] & 15];
			i++;
		} else {
			if (w + 1 > cap)
				break;
			out[w++] = (char)p[i++];
		}
	}
	return w;
}

static void emit(const char *level, const char *fmt, va_list ap)
{
	char msg[2048], line[2048 + 64];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, ts.tv_nsec / 1000000, level);
	int m = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (m < 0)
		m = 0;
	size_t mlen = (size_t)m < sizeof(msg) ? (size_t)m : sizeof(msg) - 1;
	size_t len = (size_t)n + escape(msg, mlen, line + n, sizeof(line) - (size_t)n - 1);
	line[len++] = '\n';
	ssize_t w = write(2, line, len);
	(void)w;
}

void sr_log_info(const char *fmt, ...)
{
	if (quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	emit("info", fmt, ap);
	va_end(ap);
}

void sr_log_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit("error", fmt, ap);
	va_end(ap);
}
