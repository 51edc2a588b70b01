/*
 * bundle.c - zip archives in and out with libzip; see bundle.h.
 *
 * Both directions work on memory only: the archive is built in a libzip buffer source and
 * copied into the caller's bounded sr_buf, and an upload is opened straight from the bytes
 * the request delivered. Nothing touches the file system, so there is no temporary file to
 * clean up and no path for a hostile entry name to reach.
 *
 * Reading trusts none of the sizes an archive declares. Every entry is inflated through a
 * fixed-size chunk and the bytes that actually come out are counted against the ceilings,
 * so a deflate bomb that claims to be small stops at the ceiling rather than at the end of
 * memory.
 */
#include "registry/bundle.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "core/err.h"

/* 1980-01-01 in MS-DOS date format ((year - 1980) << 9 | month << 5 | day), the earliest
 * date a zip entry can carry; with time 00:00:00 it makes every build of the same files
 * byte-identical. */
#define DOS_DATE_1980 ((0 << 9) | (1 << 5) | 1)
#define DOS_TIME_MIDNIGHT 0

#define DEFLATE_LEVEL 6

/* The unit in which archives are copied and entries inflated. */
#define CHUNK (64 * 1024)

/* The smallest zip is its end-of-central-directory record alone. */
#define EOCD_LEN 22

static int write_err(zip_error_t *ze)
{
	switch (zip_error_code_zip(ze)) {
	case ZIP_ER_MEMORY:
		return SR_ENOMEM;
	case ZIP_ER_EXISTS:
	case ZIP_ER_INVAL:
		/* Two entries with the same path, or an argument libzip refuses: the
		 * caller's list is wrong, not the machine. */
		return SR_EINVAL;
	default:
		return SR_EIO;
	}
}

static int read_err(zip_error_t *ze)
{
	return zip_error_code_zip(ze) == ZIP_ER_MEMORY ? SR_ENOMEM : SR_EINVAL;
}

/* Adds one entry with the settings that make the archive deterministic. */
static int add_entry(zip_t *za, const sr_zip_entry *e)
{
	zip_source_t *s = zip_source_buffer(za, e->data, e->len, 0);
	if (!s)
		return write_err(zip_get_error(za));
	zip_int64_t idx = zip_file_add(za, e->path, s, ZIP_FL_ENC_UTF_8);
	if (idx < 0) {
		/* The archive takes the source only when the add succeeds. */
		zip_source_free(s);
		return write_err(zip_get_error(za));
	}
	if (zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_DEFLATE, DEFLATE_LEVEL) < 0 ||
	    zip_file_set_dostime(za, (zip_uint64_t)idx, DOS_TIME_MIDNIGHT, DOS_DATE_1980, 0) < 0)
		return write_err(zip_get_error(za));
	return 0;
}

/* Copies the finished archive out of the libzip source into out, leaving out as it was on
 * failure. */
static int copy_out(zip_source_t *src, sr_buf *out)
{
	zip_stat_t st;
	size_t orig = out->len;
	int rc = 0;

	zip_stat_init(&st);
	if (zip_source_stat(src, &st) < 0)
		return write_err(zip_source_error(src));
	/* Reserving the whole size first fails on the ceiling before any copying is done. */
	if (st.valid & ZIP_STAT_SIZE) {
		if (st.size > SIZE_MAX)
			return SR_ETOOBIG;
		rc = sr_buf_reserve(out, (size_t)st.size);
		if (rc)
			return rc;
	}
	if (zip_source_open(src) < 0)
		return write_err(zip_source_error(src));
	for (;;) {
		unsigned char chunk[4096];
		zip_int64_t n = zip_source_read(src, chunk, sizeof(chunk));
		if (n < 0) {
			rc = write_err(zip_source_error(src));
			break;
		}
		if (n == 0)
			break;
		rc = sr_buf_append(out, chunk, (size_t)n);
		if (rc)
			break;
	}
	zip_source_close(src);
	if (rc) {
		out->len = orig;
		if (out->data)
			out->data[orig] = '\0';
	}
	return rc;
}

int sr_zip_write(const sr_zip_entry *entries, size_t n, sr_buf *out)
{
	/* libzip removes an archive left without entries instead of writing one, so the empty
	 * archive, an end-of-central-directory record and nothing else, is written here. */
	if (n == 0) {
		static const unsigned char empty[EOCD_LEN] = {0x50, 0x4b, 0x05, 0x06};
		return sr_buf_append(out, empty, sizeof(empty));
	}

	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
	if (!src) {
		int rc = write_err(&ze);
		zip_error_fini(&ze);
		return rc;
	}
	zip_t *za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
	if (!za) {
		int rc = write_err(&ze);
		zip_source_free(src);
		zip_error_fini(&ze);
		return rc;
	}
	zip_error_fini(&ze);
	/* zip_close frees the archive's reference to the source; this second one keeps the
	 * written bytes alive so they can be copied out afterwards. */
	zip_source_keep(src);

	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++)
		rc = add_entry(za, &entries[i]);
	if (!rc) {
		if (zip_close(za) < 0)
			rc = write_err(zip_get_error(za));
		else
			za = NULL;
	}
	if (za)
		zip_discard(za);
	if (!rc)
		rc = copy_out(src, out);
	zip_source_free(src);
	return rc;
}

/*
 * Inflates entry idx into b, whose ceiling is the most this entry may hold. The declared
 * size only serves to refuse early and to size the buffer; the bound that matters is the
 * one sr_buf_append enforces on the bytes really produced.
 */
static int read_entry(zip_t *za, zip_uint64_t idx, sr_buf *b, unsigned char *chunk)
{
	zip_stat_t st;

	zip_stat_init(&st);
	if (zip_stat_index(za, idx, 0, &st) < 0)
		return read_err(zip_get_error(za));
	if (st.valid & ZIP_STAT_SIZE) {
		if (st.size > b->max)
			return SR_ETOOBIG;
		int rc = sr_buf_reserve(b, (size_t)st.size);
		if (rc)
			return rc;
	}

	zip_file_t *zf = zip_fopen_index(za, idx, 0);
	if (!zf)
		return read_err(zip_get_error(za));
	int rc = 0;
	for (;;) {
		zip_int64_t n = zip_fread(zf, chunk, CHUNK);
		if (n < 0) {
			rc = read_err(zip_file_get_error(zf));
			break;
		}
		if (n == 0)
			break;
		rc = sr_buf_append(b, chunk, (size_t)n);
		if (rc)
			break;
	}
	zip_fclose(zf);
	/* libzip 1.7 checks the CRC at the end of an entry but not its length, so an entry
	 * that inflates to more (or less) than its headers declare is caught here. */
	if (!rc && (st.valid & ZIP_STAT_SIZE) && st.size != b->len)
		rc = SR_EINVAL;
	return rc;
}

int sr_zip_read(const unsigned char *zip, size_t len, size_t max_entries, size_t max_entry,
		size_t max_total, sr_zip_visit_fn visit, void *ud)
{
	/* libzip opens an empty buffer as an empty archive; an upload of no bytes is not a
	 * zip, and nothing shorter than the end record can be one. */
	if (len < EOCD_LEN)
		return SR_EINVAL;

	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(zip, len, 0, &ze);
	if (!src) {
		int rc = read_err(&ze);
		zip_error_fini(&ze);
		return rc;
	}
	zip_t *za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
	if (!za) {
		int rc = read_err(&ze);
		zip_source_free(src);
		zip_error_fini(&ze);
		return rc;
	}
	zip_error_fini(&ze);

	int rc = 0;
	sr_buf b;
	sr_buf_init(&b, 0);
	unsigned char *chunk = NULL;
	zip_int64_t count = zip_get_num_entries(za, 0);
	if (count < 0) {
		rc = SR_EINVAL;
		goto out;
	}
	if ((zip_uint64_t)count > max_entries) {
		rc = SR_ETOOBIG;
		goto out;
	}
	chunk = malloc(CHUNK);
	if (!chunk) {
		rc = SR_ENOMEM;
		goto out;
	}

	size_t total = 0;
	for (zip_uint64_t i = 0; i < (zip_uint64_t)count; i++) {
		const char *name = zip_get_name(za, i, 0);
		if (!name) {
			rc = read_err(zip_get_error(za));
			goto out;
		}
		size_t nlen = strlen(name);
		if (nlen > 0 && name[nlen - 1] == '/')
			continue;

		sr_buf_reset(&b);
		b.max = max_total - total < max_entry ? max_total - total : max_entry;
		rc = read_entry(za, i, &b, chunk);
		if (rc)
			goto out;
		total += b.len;
		/* An empty entry may leave the buffer unallocated; the visitor still gets a
		 * valid pointer. */
		rc = visit(ud, name, (const unsigned char *)(b.data ? b.data : ""), b.len);
		if (rc)
			goto out;
	}
out:
	free(chunk);
	sr_buf_deinit(&b);
	/* Nothing was changed, so discarding is closing; it also frees the source. */
	zip_discard(za);
	return rc;
}
