/*
 * test_blob.c - reads of the file blob store through its memory of small blobs
 * (sr_blob_read_cached, blob.h):
 * the same bytes from memory as from the file, appended after what the buffer holds, the
 * buffer's ceiling kept, large blobs never held, and the memory's bound whatever is read.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blob/blob.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/util.h"

static char dir[] = "/tmp/skillreg-test-blob-XXXXXX";

static void put(sr_blobs *b, const char *data, size_t len, char sha[65])
{
	sr_sha256_hex(data, len, sha);
	assert_int_equal(sr_blob_put(b, sha, data, len), 0);
}

static void counts(sr_blobs *b, int64_t *bytes, int64_t *hits, int64_t *misses)
{
	sr_blobs_memo_counts(b, bytes, hits, misses);
}

static void test_reads(void **state)
{
	(void)state;
	sr_blobs *b;
	assert_int_equal(sr_blobs_open(dir, &b), 0);
	const char *text = "---\nname: memo\n---\n# Memo\n\nSmall enough to be kept.\n";
	char sha[65];
	put(b, text, strlen(text), sha);
	int64_t bytes, hits, misses;
	counts(b, &bytes, &hits, &misses);
	assert_int_equal(hits, 0);
	/* Twice: from the file, then from memory; both appended after what the buffer holds. */
	for (int i = 0; i < 2; i++) {
		sr_buf out;
		sr_buf_init(&out, 1 << 20);
		assert_int_equal(sr_buf_puts(&out, "prefix:"), 0);
		assert_int_equal(sr_blob_read_cached(b, sha, &out), 0);
		assert_int_equal(out.len, 7 + strlen(text));
		assert_memory_equal(out.data + 7, text, strlen(text));
		assert_int_equal(out.data[out.len], '\0');
		sr_buf_deinit(&out);
	}
	counts(b, &bytes, &hits, &misses);
	assert_int_equal(hits, 1);
	assert_int_equal(misses, 1);
	assert_int_equal(bytes, (int64_t)strlen(text));
	/* A buffer too small fails from memory as it does from the file. */
	sr_buf small;
	sr_buf_init(&small, 8);
	assert_int_equal(sr_blob_read_cached(b, sha, &small), SR_ETOOBIG);
	sr_buf_deinit(&small);
	/* A large blob is read whole and never held. */
	size_t big = SR_BLOB_MEMO_ITEM_MAX + 1;
	char *data = malloc(big);
	for (size_t i = 0; i < big; i++)
		data[i] = (char)('a' + i % 26);
	char bsha[65];
	put(b, data, big, bsha);
	for (int i = 0; i < 2; i++) {
		sr_buf out;
		sr_buf_init(&out, 1 << 20);
		assert_int_equal(sr_blob_read_cached(b, bsha, &out), 0);
		assert_int_equal(out.len, big);
		assert_memory_equal(out.data, data, big);
		sr_buf_deinit(&out);
	}
	free(data);
	counts(b, &bytes, &hits, &misses);
	assert_int_equal(bytes, (int64_t)strlen(text));
	assert_int_equal(hits, 2); /* the first blob twice (once refused by the small buffer) */
	/* A blob the store lacks is not found, and nothing is held for it. */
	sr_buf out;
	sr_buf_init(&out, 1 << 20);
	assert_int_equal(sr_blob_read_cached(b, "0000000000000000000000000000000000000000000000000000000000000000", &out),
			 SR_ENOTFOUND);
	sr_buf_deinit(&out);
	sr_blobs_close(b);
}

/* Many blobs near the item limit: the memory never passes its bound, and every read gives
 * the blob's own bytes (a slot replaced by another blob is never answered for the first). */
static void test_bound(void **state)
{
	(void)state;
	sr_blobs *b;
	assert_int_equal(sr_blobs_open(dir, &b), 0);
	enum { N = 600 };
	size_t len = SR_BLOB_MEMO_ITEM_MAX - 100;
	char *data = malloc(len);
	static char shas[N][65];
	for (int i = 0; i < N; i++) {
		memset(data, 'A' + i % 26, len);
		snprintf(data, len, "blob %d", i);
		put(b, data, len, shas[i]);
	}
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < N; i++) {
			sr_buf out;
			sr_buf_init(&out, 1 << 20);
			assert_int_equal(sr_blob_read_cached(b, shas[i], &out), 0);
			char head[32];
			snprintf(head, sizeof(head), "blob %d", i);
			assert_int_equal(out.len, len);
			assert_string_equal(out.data, head);
			sr_buf_deinit(&out);
			int64_t bytes, hits, misses;
			counts(b, &bytes, &hits, &misses);
			assert_true(bytes <= SR_BLOB_MEMO_BYTES);
		}
	int64_t bytes, hits, misses;
	counts(b, &bytes, &hits, &misses);
	assert_true(bytes > SR_BLOB_MEMO_BYTES / 2);
	assert_int_equal(hits + misses, 2 * N);
	free(data);
	sr_blobs_close(b);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads),
		cmocka_unit_test(test_bound),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
