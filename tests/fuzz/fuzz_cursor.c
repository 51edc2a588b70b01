/*
 * fuzz_cursor.c - list cursors (src/registry/cursor.c), which clients send back verbatim.
 *
 * A cursor that decodes must encode to a string that decodes to the same cursor; and a cursor
 * built from the input's bytes must survive encode and decode unchanged.
 */
#include "fuzz.h"
#include "registry/cursor.h"

static void check_same(const sr_cursor *a, const sr_cursor *b)
{
	FUZZ_CHECK(a->kind == b->kind && a->filter == b->filter && a->dir == b->dir);
	FUZZ_CHECK(a->k1 == b->k1 && a->k2 == b->k2 && a->id == b->id);
	FUZZ_CHECK(strcmp(a->text, b->text) == 0);
}

static void roundtrip(const sr_cursor *c)
{
	char enc[SR_CURSOR_MAX_LEN + 1];
	if (sr_cursor_encode(c, enc, sizeof(enc)) != 0)
		return;
	sr_cursor back;
	FUZZ_CHECK(sr_cursor_decode(enc, &back) == 0);
	FUZZ_CHECK(back.version == SR_CURSOR_VERSION);
	check_same(c, &back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	sr_cursor c;
	if (sr_cursor_decode(s, &c) == 0)
		roundtrip(&c);
	free(s);

	/* The same bytes as the fields of a cursor to encode. */
	sr_cursor m;
	memset(&m, 0, sizeof(m));
	if (size >= 28) {
		m.kind = data[0];
		m.filter = data[1];
		m.dir = data[2] & 1;
		memcpy(&m.k1, data + 4, 8);
		memcpy(&m.k2, data + 12, 8);
		memcpy(&m.id, data + 20, 8);
		size_t tl = size - 28 < SR_CURSOR_MAX_TEXT ? size - 28 : SR_CURSOR_MAX_TEXT;
		memcpy(m.text, data + 28, tl);
		m.text[tl] = '\0';
		roundtrip(&m);
	}
	return 0;
}
