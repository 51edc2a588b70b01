/*
 * buf.c - bounded growable buffer; see buf.h.
 */
#include "core/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

void sr_buf_init(sr_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
	b->failed = 0;
}

void sr_buf_init_fixed(sr_buf *b, char *mem, size_t size)
{
	/* With max one below the capacity, reserve never needs to grow, so it never hands the
	 * caller's memory to realloc. */
	b->data = mem;
	b->len = 0;
	b->cap = size;
	b->max = size - 1;
	b->failed = 0;
	mem[0] = '\0';
}

void sr_buf_deinit(sr_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void sr_buf_reset(sr_buf *b)
{
	b->len = 0;
	b->failed = 0;
	if (b->data)
		b->data[0] = '\0';
}

int sr_buf_reserve(sr_buf *b, size_t extra)
{
	if (extra > b->max || b->len > b->max - extra) {
		b->failed = 1;
		return SR_ETOOBIG;
	}
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	size_t ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap *= 2;
	if (ncap > b->max + 1)
		ncap = b->max + 1;
	char *p = realloc(b->data, ncap);
	if (!p) {
		b->failed = 1;
		return SR_ENOMEM;
	}
	b->data = p;
	b->cap = ncap;
	return 0;
}

int sr__buf_append_slow(sr_buf *b, const void *p, size_t n)
{
	int rc = sr_buf_reserve(b, n);
	if (rc)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int sr_buf_puts(sr_buf *b, const char *s)
{
	return sr_buf_append(b, s, strlen(s));
}

int sr_buf_putc(sr_buf *b, char c)
{
	return sr_buf_append(b, &c, 1);
}

int sr_buf_read_file(sr_buf *b, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return SR_EIO;
	char chunk[65536];
	size_t n;
	int rc = 0;
	while (!rc && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = sr_buf_append(b, chunk, n);
	if (!rc && ferror(f))
		rc = SR_EIO;
	fclose(f);
	return rc;
}

int sr_buf_vprintf(sr_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return SR_EINVAL;
	int rc = sr_buf_reserve(b, (size_t)n);
	if (rc)
		return rc;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int sr_buf_printf(sr_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = sr_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

char *sr_buf_steal(sr_buf *b, size_t *len)
{
	char *p = b->data;
	if (!p) {
		p = malloc(1);
		if (p)
			p[0] = '\0';
	}
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}
