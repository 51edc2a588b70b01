/*
 * multipart.h - reading a multipart/form-data body (RFC 7578) in place: a publish through the
 * API and the web site's upload form.
 *
 * A publish's body arrives whole in memory; this walks it part by part without copying the
 * parts' bytes: each part's data points into the body. It knows nothing of what the parts
 * mean (api/publish.c and web/publish.c do), so it runs without a server or a database, which is how the fuzz
 * target tests/fuzz/fuzz_multipart.c drives it.
 */
#ifndef SR_HTTP_MULTIPART_H
#define SR_HTTP_MULTIPART_H

#include <stddef.h>

/* One part: what its headers say and its bytes (inside the body). Values longer than their
 * field are cut to fit. */
typedef struct sr_mp_part {
	char name[100], filename[600], ctype[128];
	int has_filename;
	const char *data;
	size_t len;
} sr_mp_part;

/* A walk over one body. */
typedef struct sr_mp_reader {
	char delim[210]; /* "--" boundary */
	int dl;
	const char *at, *end; /* the next delimiter, or NULL when there is none */
} sr_mp_reader;

/* Reads a parameter (key="..." or key=token) from a header value h[0..hl) into out (n bytes,
 * NUL-terminated, cut to fit). 0 when found, -1 when not. */
int sr_mp_header_param(const char *h, size_t hl, const char *key, char *out, size_t n);

/* Starts a walk over body[0..len) with the boundary of the Content-Type value ctype. -1 when
 * ctype has no usable boundary. */
int sr_mp_begin(sr_mp_reader *r, const char *ctype, const char *body, size_t len);

/* The next part: 1 with *pt set, 0 at the closing delimiter, -1 when the body is malformed
 * (no first delimiter, a part without the blank line after its headers, or without a
 * delimiter after its data). */
int sr_mp_next(sr_mp_reader *r, sr_mp_part *pt);

#endif
