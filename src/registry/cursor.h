/*
 * cursor.h - keyset pagination cursors for list endpoints.
 *
 * A cursor names where the next page starts: the sort and filter it was made for, the sort
 * key of the last row sent and that row's id (the tie-breaker that makes every order total),
 * plus a format version. It travels as an opaque base64url string. A cursor made for
 * another sort, filter or direction is rejected, never reinterpreted.
 */
#ifndef SR_CURSOR_H
#define SR_CURSOR_H

#include <stddef.h>
#include <stdint.h>

#define SR_CURSOR_VERSION 1
#define SR_CURSOR_MAX_TEXT 200   /* longest text key a cursor carries, bytes */
#define SR_CURSOR_MAX_LEN 512    /* longest encoded cursor accepted, chars */

typedef struct sr_cursor {
	int version;   /* SR_CURSOR_VERSION */
	int kind;      /* what list the cursor belongs to (sort code; caller-defined, 0..255) */
	int filter;    /* caller-defined filter code, 0..255 */
	int dir;       /* 0 ascending, 1 descending */
	int64_t k1;    /* first numeric key (e.g. stats_downloads or created_at) */
	int64_t k2;    /* second numeric key (e.g. updated_at), 0 when unused */
	char text[SR_CURSOR_MAX_TEXT + 1]; /* text key (e.g. slug), "" when unused */
	int64_t id;    /* id of the last row sent */
} sr_cursor;

/* Writes the opaque form into out (outsz >= SR_CURSOR_MAX_LEN + 1). 0, SR_ETOOBIG (text
 * longer than SR_CURSOR_MAX_TEXT, or out too small) or SR_EINVAL (kind, filter or dir out of
 * range). c->version is not read: only the current version is ever written. */
int sr_cursor_encode(const sr_cursor *c, char *out, size_t outsz);
/* Parses an opaque cursor. SR_EINVAL for anything malformed, truncated, of another format
 * version, or with trailing bytes. */
int sr_cursor_decode(const char *s, sr_cursor *out);

struct sr_skill_row;
/* Sets c's key (k1, k2, text) and id to the row's position in list order `sort` (enum sr_sort
 * of store.h): the key the list's keyset statements continue after. */
void sr_cursor_set_row(sr_cursor *c, int sort, const struct sr_skill_row *r);

#endif
