/*
 * buf.h - a growable byte buffer with a ceiling.
 *
 * Every buffer is given its maximum when it is created; an append that would pass it fails
 * with SR_ETOOBIG, leaves the buffer as it was and sets `failed`, so a writer that appends
 * many pieces can check once at the end. The contents are always followed by a NUL
 * byte (not counted in len) so text can be handed to C string functions.
 */
#ifndef SR_BUF_H
#define SR_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

typedef struct sr_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
	int failed; /* an append was refused since init or reset: what is held is incomplete */
} sr_buf;

void sr_buf_init(sr_buf *b, size_t max);
/* A buffer over caller memory of size bytes (at least 1) that never grows: appends past
 * size - 1 bytes fail. Not to be deinit'ed or stolen. */
void sr_buf_init_fixed(sr_buf *b, char *mem, size_t size);
void sr_buf_deinit(sr_buf *b);
void sr_buf_reset(sr_buf *b);
int sr_buf_reserve(sr_buf *b, size_t extra);
int sr__buf_append_slow(sr_buf *b, const void *p, size_t n);

/* Appends n bytes. Inline because the JSON writer appends a few bytes at a time: when they
 * fit in the capacity already held, this is a copy and nothing else. */
static inline int sr_buf_append(sr_buf *b, const void *p, size_t n)
{
	/* Both bounds: a caller may lower max below what the buffer already holds room for. */
	if (b->cap - b->len > n && n <= b->max && b->len <= b->max - n) {
		if (n)
			memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
		return 0;
	}
	return sr__buf_append_slow(b, p, n);
}
int sr_buf_puts(sr_buf *b, const char *s);
int sr_buf_putc(sr_buf *b, char c);
int sr_buf_printf(sr_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sr_buf_vprintf(sr_buf *b, const char *fmt, va_list ap);
/* Appends the whole file at path: SR_EIO when it cannot be opened or read, SR_ETOOBIG when
 * it passes the buffer's ceiling (the buffer then holds what fitted). */
int sr_buf_read_file(sr_buf *b, const char *path);
/* Hands the bytes to the caller (free() them); the buffer is left empty. */
char *sr_buf_steal(sr_buf *b, size_t *len);

#endif
