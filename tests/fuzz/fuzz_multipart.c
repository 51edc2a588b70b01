/*
 * fuzz_multipart.c - the multipart/form-data reader of a publish (src/http/multipart.c).
 *
 * Input: the Content-Type header value up to the first newline, then the body. Every part the
 * reader returns must lie inside the body and its names must be terminated; the payload part
 * is then parsed as publish.c parses it.
 */
#include <jansson.h>

#include "http/multipart.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t hl = nl ? (size_t)(nl - data) : size;
	char *ctype = fuzz_cstr(data, hl);
	size_t blen = nl ? size - hl - 1 : 0;
	char *body = fuzz_exact(nl ? nl + 1 : data, blen);
	sr_mp_reader rd;
	if (sr_mp_begin(&rd, ctype, body, blen) == 0) {
		sr_mp_part pt;
		int more, parts = 0;
		while ((more = sr_mp_next(&rd, &pt)) > 0) {
			FUZZ_CHECK(pt.data >= body && pt.len <= blen && pt.data + pt.len <= body + blen);
			FUZZ_CHECK(memchr(pt.name, '\0', sizeof(pt.name)) != NULL);
			FUZZ_CHECK(memchr(pt.filename, '\0', sizeof(pt.filename)) != NULL);
			FUZZ_CHECK(memchr(pt.ctype, '\0', sizeof(pt.ctype)) != NULL);
			if (strcmp(pt.name, "payload") == 0) {
				json_error_t e;
				json_decref(json_loadb(pt.data, pt.len, 0, &e));
			}
			/* Each part consumes at least its delimiter, so a body has a bounded number. */
			FUZZ_CHECK(++parts <= (int)blen);
		}
		FUZZ_CHECK(more == 0 || more == -1);
	}
	char param[64];
	sr_mp_header_param(ctype, hl, "name", param, sizeof(param));
	free(body);
	free(ctype);
	return 0;
}
