/*
 * fuzz_zip.c - reading an uploaded bundle (sr_zip_read, src/registry/bundle.c).
 *
 * The ceilings must hold against what is actually inflated, whatever the archive declares;
 * an archive that reads must write back (sr_zip_write) and read again to the same entries.
 */
#include "core/buf.h"
#include "fuzz.h"
#include "registry/bundle.h"

#define MAX_ENTRIES 64
#define MAX_ENTRY (256 * 1024)
#define MAX_TOTAL (1024 * 1024)

struct seen {
	size_t n, total;
	sr_zip_entry e[MAX_ENTRIES];
	char *paths[MAX_ENTRIES];
	unsigned char *bytes[MAX_ENTRIES];
};

static int visit(void *ud, const char *path, const unsigned char *data, size_t len)
{
	struct seen *s = ud;
	FUZZ_CHECK(path != NULL && len <= MAX_ENTRY);
	s->total += len;
	FUZZ_CHECK(s->total <= MAX_TOTAL && s->n < MAX_ENTRIES);
	s->paths[s->n] = strdup(path);
	s->bytes[s->n] = malloc(len ? len : 1);
	FUZZ_CHECK(s->paths[s->n] && s->bytes[s->n]);
	if (len)
		memcpy(s->bytes[s->n], data, len);
	s->e[s->n] = (sr_zip_entry){s->paths[s->n], s->bytes[s->n], len};
	s->n++;
	return 0;
}

static void seen_free(struct seen *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->paths[i]);
		free(s->bytes[i]);
	}
	memset(s, 0, sizeof(*s));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *zip = fuzz_exact(data, size);
	struct seen a = {0}, b = {0};
	int rc = sr_zip_read((const unsigned char *)zip, size, MAX_ENTRIES, MAX_ENTRY, MAX_TOTAL, visit, &a);
	if (rc == 0) {
		sr_buf out;
		sr_buf_init(&out, 8 * MAX_TOTAL);
		if (sr_zip_write(a.e, a.n, &out) == 0) {
			rc = sr_zip_read((unsigned char *)out.data, out.len, MAX_ENTRIES, MAX_ENTRY, MAX_TOTAL, visit, &b);
			FUZZ_CHECK(rc == 0 && b.n == a.n);
			for (size_t i = 0; i < a.n; i++) {
				FUZZ_CHECK(strcmp(a.e[i].path, b.e[i].path) == 0 && a.e[i].len == b.e[i].len);
				FUZZ_CHECK(memcmp(a.e[i].data, b.e[i].data, a.e[i].len) == 0);
			}
		}
		sr_buf_deinit(&out);
	}
	seen_free(&a);
	seen_free(&b);
	free(zip);
	return 0;
}
