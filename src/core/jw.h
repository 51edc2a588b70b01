/*
 * jw.h - a streaming JSON writer into a bounded buffer.
 *
 * Hot responses (lists, search, detail) are written straight into the response buffer:
 * building a jansson tree and dumping it costs several times the database read it encodes
 * (DESIGN.md section 2). The writer tracks commas itself, escapes strings per RFC 8259, and
 * replaces invalid UTF-8 with U+FFFD so a response is always valid JSON. The first error
 * sticks; check sr_jw_error() once at the end.
 */
#ifndef SR_JW_H
#define SR_JW_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define SR_JW_MAX_DEPTH 32

typedef struct sr_jw {
	sr_buf *out;
	int depth;
	int err;
	unsigned char first[SR_JW_MAX_DEPTH]; /* no value written yet at this depth */
	int after_key;
} sr_jw;

void sr_jw_init(sr_jw *w, sr_buf *out);
int sr_jw_error(const sr_jw *w);

void sr_jw_obj(sr_jw *w);
void sr_jw_obj_end(sr_jw *w);
void sr_jw_arr(sr_jw *w);
void sr_jw_arr_end(sr_jw *w);
void sr_jw_key(sr_jw *w, const char *k);

void sr_jw_str(sr_jw *w, const char *s); /* NULL writes null */
void sr_jw_strn(sr_jw *w, const char *s, size_t n);
void sr_jw_int(sr_jw *w, int64_t v);
void sr_jw_double(sr_jw *w, double v);
void sr_jw_bool(sr_jw *w, int v);
void sr_jw_null(sr_jw *w);
/* Inserts already-valid JSON text (e.g. a stored metadata document); NULL writes null. */
void sr_jw_raw(sr_jw *w, const char *json);

/* key + value shorthands */
void sr_jw_kstr(sr_jw *w, const char *k, const char *s);
void sr_jw_kint(sr_jw *w, const char *k, int64_t v);
void sr_jw_kbool(sr_jw *w, const char *k, int v);
void sr_jw_knull(sr_jw *w, const char *k);
void sr_jw_kraw(sr_jw *w, const char *k, const char *json);

/* Appends s JSON-escaped (no quotes) to b; used by the writer and by URL builders. */
int sr_json_escape(sr_buf *b, const char *s, size_t n);

#endif
