/*
 * test_bundle.c - zip archives: the write/read round trip, byte-for-byte determinism, the
 * layout other tools rely on, corrupt input and every ceiling.
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

#include <zip.h>

#include "core/buf.h"
#include "core/err.h"
#include "registry/bundle.h"

#define MIB (1024 * 1024)
#define OUT_MAX (16 * MIB)

/* xorshift32: the same "random" bytes on every run, so failures reproduce. */
static void fill_random(unsigned char *p, size_t n, uint32_t seed)
{
	uint32_t x = seed ? seed : 1;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (unsigned char)x;
	}
}

/* Text that compresses, so a flipped byte lands inside real deflate codes. */
static void fill_text(unsigned char *p, size_t n)
{
	static const char words[] = "the quick brown fox jumps over the lazy dog 0123456789\n";
	uint32_t x = 7;
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (unsigned char)words[(x >> 16) % (sizeof(words) - 1)];
	}
}

struct fixture {
	unsigned char *big;
	sr_zip_entry entries[7];
	size_t n;
};

static int setup(void **state)
{
	static const char skill[] = "---\nname: demo\n---\n# Demo\n";
	static const char util[] = "export const x = 1;\n";
	static const char deep[] = "deep\n";
	static const char utf8[] = "ünïcödé\n";
	static const char meta[] = "{\n  \"ownerId\": \"u1\",\n  \"slug\": \"demo\"\n}";
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->big = malloc(MIB);
	assert_non_null(f->big);
	fill_random(f->big, MIB, 42);
	sr_zip_entry e[] = {
		{"SKILL.md", (const unsigned char *)skill, sizeof(skill) - 1},
		{"a/b/c/deep.txt", (const unsigned char *)deep, sizeof(deep) - 1},
		{"big.bin", f->big, MIB},
		{"empty.txt", NULL, 0},
		{"src/lib/util.js", (const unsigned char *)util, sizeof(util) - 1},
		{"docs/ünï.md", (const unsigned char *)utf8, sizeof(utf8) - 1},
		{"_meta.json", (const unsigned char *)meta, sizeof(meta) - 1},
	};
	memcpy(f->entries, e, sizeof(e));
	f->n = sizeof(e) / sizeof(e[0]);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	free(f->big);
	free(f);
	return 0;
}

/* What a read saw: copies of every entry, in order. */
struct seen {
	size_t n;
	char *path[16];
	unsigned char *data[16];
	size_t len[16];
	size_t stop_at; /* return 7 from this call (1-based); 0 never */
};

static int collect(void *ud, const char *path, const unsigned char *data, size_t len)
{
	struct seen *s = ud;
	assert_true(s->n < 16);
	assert_non_null(data);
	s->path[s->n] = strdup(path);
	s->data[s->n] = malloc(len ? len : 1);
	assert_non_null(s->path[s->n]);
	assert_non_null(s->data[s->n]);
	memcpy(s->data[s->n], data, len);
	s->len[s->n] = len;
	s->n++;
	return s->n == s->stop_at ? 7 : 0;
}

static void seen_free(struct seen *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->path[i]);
		free(s->data[i]);
	}
	memset(s, 0, sizeof(*s));
}

static void write_zip(const struct fixture *f, sr_buf *out)
{
	sr_buf_init(out, OUT_MAX);
	assert_int_equal(sr_zip_write(f->entries, f->n, out), 0);
	assert_true(out->len > 22);
}

static int read_all(const sr_buf *z, size_t max_entries, size_t max_entry, size_t max_total,
		    struct seen *s)
{
	return sr_zip_read((const unsigned char *)z->data, z->len, max_entries, max_entry, max_total,
			   collect, s);
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	sr_buf z;
	struct seen s = {0};

	write_zip(f, &z);
	assert_int_equal(read_all(&z, 100, 2 * MIB, 4 * MIB, &s), 0);
	assert_int_equal(s.n, f->n);
	for (size_t i = 0; i < f->n; i++) {
		assert_string_equal(s.path[i], f->entries[i].path);
		assert_int_equal(s.len[i], f->entries[i].len);
		if (f->entries[i].len)
			assert_memory_equal(s.data[i], f->entries[i].data, f->entries[i].len);
	}
	seen_free(&s);
	sr_buf_deinit(&z);
}

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* Offset of the central directory, from the end record (the archives here have no
 * comment, so it is the last 22 bytes). */
static size_t cd_offset(const sr_buf *z)
{
	const unsigned char *eocd = (const unsigned char *)z->data + z->len - 22;
	assert_int_equal(le32(eocd), 0x06054b50);
	return le32(eocd + 16);
}

/* Walks the central directory and each local header and checks the fields that make the
 * archive deterministic and standard: deflate, 1980-01-01 00:00:00, no extra fields, no
 * data descriptors. Returns the number of entries. */
static size_t check_layout(const sr_buf *z, const struct fixture *f)
{
	const unsigned char *b = (const unsigned char *)z->data;
	const unsigned char *eocd = b + z->len - 22;
	size_t count = le16(eocd + 10);
	size_t off = cd_offset(z);

	for (size_t i = 0; i < count; i++) {
		const unsigned char *c = b + off;
		assert_int_equal(le32(c), 0x02014b50);
		assert_int_equal(le16(c + 10), 8);      /* deflate */
		assert_int_equal(le16(c + 12), 0);      /* 00:00:00 */
		assert_int_equal(le16(c + 14), 0x0021); /* 1980-01-01 */
		assert_int_equal(le16(c + 8) & 0x0008, 0);
		size_t nlen = le16(c + 28);
		assert_int_equal(le16(c + 30), 0);      /* extra field length */
		assert_int_equal(le16(c + 32), 0);      /* comment length */
		assert_int_equal(nlen, strlen(f->entries[i].path));
		assert_memory_equal(c + 46, f->entries[i].path, nlen);
		/* Names that are not ASCII are marked UTF-8 (general purpose bit 11). */
		int ascii = 1;
		for (size_t k = 0; k < nlen; k++)
			ascii &= c[46 + k] < 0x80;
		assert_int_equal(!!(le16(c + 8) & 0x0800), !ascii);

		const unsigned char *l = b + le32(c + 42);
		assert_int_equal(le32(l), 0x04034b50);
		assert_int_equal(le16(l + 8), 8);
		assert_int_equal(le16(l + 10), 0);
		assert_int_equal(le16(l + 12), 0x0021);
		assert_int_equal(le16(l + 28), 0);
		assert_int_equal(le32(l + 14), le32(c + 16)); /* crc */
		assert_int_equal(le32(l + 22), f->entries[i].len);
		off += 46 + nlen;
	}
	return count;
}

static void test_determinism_and_layout(void **state)
{
	struct fixture *f = *state;
	sr_buf a, b;

	write_zip(f, &a);
	write_zip(f, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	assert_int_equal(check_layout(&a, f), f->n);
	sr_buf_deinit(&a);
	sr_buf_deinit(&b);
}

static void test_appends(void **state)
{
	struct fixture *f = *state;
	sr_buf z, plain;

	/* The archive goes after what the buffer already holds. */
	sr_buf_init(&z, OUT_MAX);
	assert_int_equal(sr_buf_puts(&z, "prefix"), 0);
	assert_int_equal(sr_zip_write(f->entries, 2, &z), 0);
	sr_buf_init(&plain, OUT_MAX);
	assert_int_equal(sr_zip_write(f->entries, 2, &plain), 0);
	assert_int_equal(z.len, plain.len + 6);
	assert_memory_equal(z.data, "prefix", 6);
	assert_memory_equal(z.data + 6, plain.data, plain.len);
	sr_buf_deinit(&z);
	sr_buf_deinit(&plain);
}

static void test_empty_archive(void **state)
{
	sr_buf z;
	struct seen s = {0};

	sr_buf_init(&z, 1024);
	assert_int_equal(sr_zip_write(NULL, 0, &z), 0);
	assert_int_equal(z.len, 22);
	assert_int_equal(read_all(&z, 10, 10, 10, &s), 0);
	assert_int_equal(s.n, 0);
	sr_buf_deinit(&z);
}

static void test_duplicate_paths(void **state)
{
	sr_zip_entry e[] = {
		{"a.txt", (const unsigned char *)"1", 1},
		{"a.txt", (const unsigned char *)"2", 1},
	};
	sr_buf z;
	sr_buf_init(&z, 1024);
	assert_int_equal(sr_zip_write(e, 2, &z), SR_EINVAL);
	assert_int_equal(z.len, 0);
	sr_buf_deinit(&z);
}

static void test_out_ceiling(void **state)
{
	struct fixture *f = *state;
	sr_buf z;

	/* big.bin is random and does not compress, so 1 MiB of room cannot hold it. */
	sr_buf_init(&z, MIB);
	assert_int_equal(sr_buf_puts(&z, "keep"), 0);
	assert_int_equal(sr_zip_write(f->entries, f->n, &z), SR_ETOOBIG);
	assert_int_equal(z.len, 4);
	assert_string_equal(z.data, "keep");
	sr_buf_deinit(&z);

	sr_buf_init(&z, 21);
	assert_int_equal(sr_zip_write(NULL, 0, &z), SR_ETOOBIG);
	sr_buf_deinit(&z);
}

static void test_skips_directories(void **state)
{
	sr_zip_entry e[] = {
		{"dir/", NULL, 0},
		{"dir/file.txt", (const unsigned char *)"x", 1},
		{"other/", NULL, 0},
	};
	sr_buf z;
	struct seen s = {0};

	sr_buf_init(&z, 4096);
	assert_int_equal(sr_zip_write(e, 3, &z), 0);
	assert_int_equal(read_all(&z, 3, 10, 10, &s), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.path[0], "dir/file.txt");
	seen_free(&s);
	/* Directory entries still count against max_entries. */
	assert_int_equal(read_all(&z, 2, 10, 10, &s), SR_ETOOBIG);
	assert_int_equal(s.n, 0);
	sr_buf_deinit(&z);
}

static void test_visitor_stops(void **state)
{
	struct fixture *f = *state;
	sr_buf z;
	struct seen s = {.stop_at = 2};

	write_zip(f, &z);
	assert_int_equal(read_all(&z, 100, 2 * MIB, 4 * MIB, &s), 7);
	assert_int_equal(s.n, 2);
	seen_free(&s);
	sr_buf_deinit(&z);
}

static void test_ceilings(void **state)
{
	struct fixture *f = *state;
	sr_buf z;
	struct seen s = {0};
	size_t total = 0;

	for (size_t i = 0; i < f->n; i++)
		total += f->entries[i].len;
	write_zip(f, &z);

	/* Entry count. */
	assert_int_equal(read_all(&z, f->n, MIB, total, &s), 0);
	seen_free(&s);
	assert_int_equal(read_all(&z, f->n - 1, MIB, total, &s), SR_ETOOBIG);
	assert_int_equal(s.n, 0);

	/* Entry size: big.bin is the third entry and exactly 1 MiB. */
	assert_int_equal(read_all(&z, 100, MIB - 1, total, &s), SR_ETOOBIG);
	assert_int_equal(s.n, 2);
	seen_free(&s);

	/* Total. */
	assert_int_equal(read_all(&z, 100, MIB, total - 1, &s), SR_ETOOBIG);
	assert_int_equal(s.n, f->n - 1);
	seen_free(&s);
	assert_int_equal(read_all(&z, 100, MIB, MIB, &s), SR_ETOOBIG);
	assert_int_equal(s.n, 2);
	seen_free(&s);
	sr_buf_deinit(&z);
}

/* A deflate bomb in miniature: 1 MiB of zeros whose headers claim 10 bytes. */
static void test_lying_size(void **state)
{
	unsigned char *zeros = calloc(1, MIB);
	assert_non_null(zeros);
	sr_zip_entry e = {"bomb.bin", zeros, MIB};
	sr_buf z;
	struct seen s = {0};

	sr_buf_init(&z, OUT_MAX);
	assert_int_equal(sr_zip_write(&e, 1, &z), 0);
	assert_true(z.len < 8192);
	unsigned char *b = (unsigned char *)z.data;
	put32(b + 22, 10);                /* local header: uncompressed size */
	put32(b + cd_offset(&z) + 24, 10); /* central directory: uncompressed size */

	/* The ceiling is hit by the bytes actually inflated, not the declared 10. */
	assert_int_equal(read_all(&z, 10, 1000, 1000, &s), SR_ETOOBIG);
	assert_int_equal(s.n, 0);
	assert_int_equal(read_all(&z, 10, 2 * MIB, 1000, &s), SR_ETOOBIG);
	assert_int_equal(s.n, 0);
	/* With room for the real bytes, the mismatch with the declared size is corruption. */
	assert_int_equal(read_all(&z, 10, 2 * MIB, 2 * MIB, &s), SR_EINVAL);
	assert_int_equal(s.n, 0);
	sr_buf_deinit(&z);
	free(zeros);
}

static void test_corrupt(void **state)
{
	struct seen s = {0};
	sr_buf z;

	/* Nothing, and too little to be a zip. */
	assert_int_equal(sr_zip_read((const unsigned char *)"", 0, 10, 10, 10, collect, &s),
			 SR_EINVAL);
	assert_int_equal(sr_zip_read((const unsigned char *)"PK\5\6", 4, 10, 10, 10, collect, &s),
			 SR_EINVAL);

	/* Random bytes. */
	unsigned char noise[4096];
	fill_random(noise, sizeof(noise), 99);
	assert_int_equal(sr_zip_read(noise, sizeof(noise), 10, MIB, MIB, collect, &s), SR_EINVAL);

	/* A real archive, truncated. */
	unsigned char *text = malloc(64 * 1024);
	assert_non_null(text);
	fill_text(text, 64 * 1024);
	sr_zip_entry e[] = {
		{"SKILL.md", text, 64 * 1024},
		{"b.txt", (const unsigned char *)"bee\n", 4},
	};
	sr_buf_init(&z, OUT_MAX);
	assert_int_equal(sr_zip_write(e, 2, &z), 0);
	const unsigned char *zb = (const unsigned char *)z.data;
	assert_int_equal(sr_zip_read(zb, z.len / 2, 10, MIB, MIB, collect, &s), SR_EINVAL);
	assert_int_equal(sr_zip_read(zb, z.len - 1, 10, MIB, MIB, collect, &s), SR_EINVAL);
	assert_int_equal(s.n, 0);

	/* A flipped byte inside the first entry's compressed data. The headers are intact, so
	 * the archive opens and the damage shows when the entry is inflated. */
	size_t data_off = 30 + le16(zb + 26) + le16(zb + 28);
	size_t csize = le32(zb + 18);
	assert_true(csize > 1000);
	for (size_t at = data_off + 16; at < data_off + csize; at += csize / 7) {
		unsigned char *copy = malloc(z.len);
		assert_non_null(copy);
		memcpy(copy, z.data, z.len);
		copy[at] ^= 0x5a;
		assert_int_equal(sr_zip_read(copy, z.len, 10, MIB, MIB, collect, &s), SR_EINVAL);
		assert_int_equal(s.n, 0);
		free(copy);
	}

	/* A local header that disagrees with the central directory. */
	unsigned char *copy = malloc(z.len);
	assert_non_null(copy);
	memcpy(copy, z.data, z.len);
	copy[14] ^= 0xff; /* first local header's CRC */
	assert_int_equal(sr_zip_read(copy, z.len, 10, MIB, MIB, collect, &s), SR_EINVAL);
	free(copy);

	free(text);
	sr_buf_deinit(&z);
}

/* An archive with one STORED entry, as other zip tools write them, built with libzip
 * directly since sr_zip_write always deflates. */
static void stored_zip(const char *body, sr_buf *out)
{
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
	assert_non_null(src);
	zip_t *za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
	assert_non_null(za);
	zip_source_keep(src);
	zip_source_t *data = zip_source_buffer(za, body, strlen(body), 0);
	assert_non_null(data);
	zip_int64_t idx = zip_file_add(za, "stored.txt", data, 0);
	assert_true(idx >= 0);
	assert_int_equal(zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0), 0);
	assert_int_equal(zip_close(za), 0);

	sr_buf_init(out, OUT_MAX);
	assert_int_equal(zip_source_open(src), 0);
	unsigned char chunk[512];
	zip_int64_t n;
	while ((n = zip_source_read(src, chunk, sizeof(chunk))) > 0)
		assert_int_equal(sr_buf_append(out, chunk, (size_t)n), 0);
	assert_int_equal(n, 0);
	zip_source_close(src);
	zip_source_free(src);
	zip_error_fini(&ze);
}

/* A copy of z with the 16-bit field at local header offset lo and central directory
 * offset co of the first entry xor-ed with mask. */
static unsigned char *patched16(const sr_buf *z, size_t lo, size_t co, uint16_t mask)
{
	unsigned char *c = malloc(z->len);
	assert_non_null(c);
	memcpy(c, z->data, z->len);
	size_t cd = cd_offset(z);
	c[lo] ^= (unsigned char)mask;
	c[lo + 1] ^= (unsigned char)(mask >> 8);
	c[cd + co] ^= (unsigned char)mask;
	c[cd + co + 1] ^= (unsigned char)(mask >> 8);
	return c;
}

static void test_stored_and_unreadable(void **state)
{
	const char *body = "stored, not deflated; the CRC still has to match\n";
	struct seen s = {0};
	sr_buf z;

	stored_zip(body, &z);
	assert_int_equal(read_all(&z, 10, 1024, 1024, &s), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.path[0], "stored.txt");
	assert_int_equal(s.len[0], strlen(body));
	assert_memory_equal(s.data[0], body, strlen(body));
	seen_free(&s);

	/* A flipped byte in stored data is caught by the CRC. */
	unsigned char *c = malloc(z.len);
	assert_non_null(c);
	memcpy(c, z.data, z.len);
	const unsigned char *zb = (const unsigned char *)z.data;
	c[30 + le16(zb + 26) + le16(zb + 28) + 3] ^= 1;
	assert_int_equal(sr_zip_read(c, z.len, 10, 1024, 1024, collect, &s), SR_EINVAL);
	assert_int_equal(s.n, 0);
	free(c);

	/* A compression method nobody implements. */
	c = patched16(&z, 8, 10, 0x4d);
	assert_int_equal(sr_zip_read(c, z.len, 10, 1024, 1024, collect, &s), SR_EINVAL);
	free(c);

	/* An entry marked as encrypted (general purpose bit 0), with no password to give. */
	c = patched16(&z, 6, 8, 0x0001);
	assert_int_equal(sr_zip_read(c, z.len, 10, 1024, 1024, collect, &s), SR_EINVAL);
	free(c);
	assert_int_equal(s.n, 0);
	sr_buf_deinit(&z);
}

/* Runs cmd and returns its standard output (at most outsz - 1 bytes) and exit status. */
static int run(const char *cmd, char *out, size_t outsz)
{
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(out, 1, outsz - 1, p);
	out[n] = '\0';
	return pclose(p);
}

/* The archive as another implementation sees it: Info-ZIP's unzip lists every entry with
 * the 1980-01-01 00:00 stamp, tests every CRC and extracts the same bytes. */
static void test_system_unzip(void **state)
{
	struct fixture *f = *state;
	char out[8192];
	char cmd[512];

	if (system("command -v unzip >/dev/null 2>&1") != 0)
		skip();

	sr_buf z;
	write_zip(f, &z);
	char path[] = "/tmp/test_bundle_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, z.data, z.len), (ssize_t)z.len);
	close(fd);

	snprintf(cmd, sizeof(cmd), "unzip -tq %s", path);
	assert_int_equal(run(cmd, out, sizeof(out)), 0);

	snprintf(cmd, sizeof(cmd), "LC_ALL=C.UTF-8 unzip -l %s", path);
	assert_int_equal(run(cmd, out, sizeof(out)), 0);
	size_t stamps = 0;
	for (const char *p = out; (p = strstr(p, "1980-01-01 00:00")) != NULL; p++)
		stamps++;
	assert_int_equal(stamps, f->n);
	for (size_t i = 0; i < f->n; i++)
		if (!strstr(out, f->entries[i].path))
			fail_msg("unzip -l does not list %s:\n%s", f->entries[i].path, out);

	snprintf(cmd, sizeof(cmd), "unzip -p %s SKILL.md", path);
	assert_int_equal(run(cmd, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), f->entries[0].len);
	assert_memory_equal(out, f->entries[0].data, f->entries[0].len);
	snprintf(cmd, sizeof(cmd), "unzip -p %s a/b/c/deep.txt", path);
	assert_int_equal(run(cmd, out, sizeof(out)), 0);
	assert_string_equal(out, "deep\n");
	snprintf(cmd, sizeof(cmd), "unzip -p %s big.bin | cksum", path);
	assert_int_equal(run(cmd, out, sizeof(out)), 0);
	assert_non_null(strstr(out, " 1048576"));

	unlink(path);
	sr_buf_deinit(&z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_determinism_and_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_appends, setup, teardown),
		cmocka_unit_test(test_empty_archive),
		cmocka_unit_test(test_duplicate_paths),
		cmocka_unit_test_setup_teardown(test_out_ceiling, setup, teardown),
		cmocka_unit_test(test_skips_directories),
		cmocka_unit_test_setup_teardown(test_visitor_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ceilings, setup, teardown),
		cmocka_unit_test(test_lying_size),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_stored_and_unreadable),
		cmocka_unit_test_setup_teardown(test_system_unzip, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
