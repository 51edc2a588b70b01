/*
 * bundle.h - zip archives in and out (libzip).
 *
 * Out: the download zip of a version, built once at publish time so every download is a
 * file read. Entries are written in the order given (the caller passes them sorted by
 * sr_path_collate with _meta.json last), DEFLATE level 6, every mtime 1980-01-01 00:00:00,
 * no directory entries, so the same files always give the same bytes.
 * In: an uploaded bundle, read with ceilings on entry count, entry size and total size.
 */
#ifndef SR_BUNDLE_H
#define SR_BUNDLE_H

#include <stddef.h>

#include "core/buf.h"

typedef struct sr_zip_entry {
	const char *path;
	const unsigned char *data;
	size_t len;
} sr_zip_entry;

/* Appends a complete zip archive to out (left as it was on failure). 0, SR_ENOMEM,
 * SR_ETOOBIG (out's ceiling), SR_EINVAL (two entries with the same path) or SR_EIO. */
int sr_zip_write(const sr_zip_entry *entries, size_t n, sr_buf *out);

/* Called once per file entry (directory entries are skipped); a non-zero return stops the
 * walk and is returned by sr_zip_read. data is valid only during the call. */
typedef int (*sr_zip_visit_fn)(void *ud, const char *path, const unsigned char *data, size_t len);

/* SR_EINVAL for a corrupt or unreadable archive (or one whose entry fails its CRC);
 * SR_ETOOBIG when an entry is larger than max_entry bytes uncompressed, the sum passes
 * max_total, or there are more than max_entries entries. Sizes are checked against the
 * bytes actually inflated, not only the sizes the archive declares. */
int sr_zip_read(const unsigned char *zip, size_t len, size_t max_entries, size_t max_entry,
		size_t max_total, sr_zip_visit_fn visit, void *ud);

#endif
