/*
 * upload.h - the files of a publish that arrive in one request body: file parts and zip
 * bundles, gathered into the list sr_publish takes (registry.h's sr_pub_file).
 *
 * The API's multipart publish (api/publish.c) and the web site's upload form (web/publish.c)
 * both read their body with http/multipart.h and hand every file part and bundle here, so the
 * limits (SR_MAX_FILES files, SR_MAX_FILE_BYTES a file, SR_MAX_BUNDLE_BYTES in all, counted
 * on inflated bytes) and the refusals are one set. A refusal is a domain error (error.h):
 * SR_WHY_TOO_MANY_FILES, SR_WHY_BUNDLE_TOO_BIG, SR_WHY_BUNDLE_INVALID or SR_WHY_INTERNAL.
 */
#ifndef SR_REGISTRY_UPLOAD_H
#define SR_REGISTRY_UPLOAD_H

#include <stddef.h>

#include "registry/registry.h"

typedef struct sr_upload {
	sr_pub_file *files; /* paths as sent; a file part's bytes stay in the caller's body */
	size_t nfiles, cap;
	int too_many;
	unsigned char **owned; /* copies of bundle entries, freed with the upload */
	size_t nowned;
	size_t bytes; /* of every file so far, against which the next bundle is inflated */
} sr_upload;

void sr_upload_init(sr_upload *up);
void sr_upload_deinit(sr_upload *up);
/* A new zeroed entry for a file the caller describes (a ticketed upload: path and content
 * type malloc'ed, freed with the upload); NULL with err set past SR_MAX_FILES or without
 * memory. */
sr_pub_file *sr_upload_slot(sr_upload *up, sr_regerr *err);
/* One file whose bytes (data[0..len), borrowed: they must outlive the upload) were sent as
 * they are. ctype may be NULL or "". */
int sr_upload_add_file(sr_upload *up, const char *path, const char *ctype, const void *data, size_t len,
		       sr_regerr *err);
/* A zip archive's file entries. The 50 MiB limit is the whole request's: each bundle is
 * inflated against what the files before it left, so a request of many small bundles stops
 * at the first byte past the limit. */
int sr_upload_add_bundle(sr_upload *up, const void *zip, size_t len, sr_regerr *err);

#endif
