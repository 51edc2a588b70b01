/*
 * upload.c - the files of one publish request, from file parts and zip bundles (upload.h).
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/util.h"
#include "registry/bundle.h"
#include "registry/upload.h"

void sr_upload_init(sr_upload *up)
{
	memset(up, 0, sizeof(*up));
}

void sr_upload_deinit(sr_upload *up)
{
	for (size_t i = 0; i < up->nowned; i++)
		free(up->owned[i]);
	free(up->owned);
	for (size_t i = 0; i < up->nfiles; i++) {
		free(up->files[i].path);
		free(up->files[i].content_type);
	}
	free(up->files);
	memset(up, 0, sizeof(*up));
}

sr_pub_file *sr_upload_slot(sr_upload *up, sr_regerr *err)
{
	/* One past the limit is let in, so the refusal can say the request had too many. */
	if (up->nfiles == SR_MAX_FILES + 1) {
		up->too_many = 1;
		sr_regerr_set(err, SR_ETOOBIG, SR_WHY_TOO_MANY_FILES, NULL);
		return NULL;
	}
	if (up->nfiles == up->cap) {
		size_t ncap = up->cap ? up->cap * 2 : 16;
		sr_pub_file *nv = realloc(up->files, ncap * sizeof(*nv));
		if (!nv) {
			sr_regerr_internal(err, SR_ENOMEM);
			return NULL;
		}
		up->files = nv;
		up->cap = ncap;
	}
	sr_pub_file *p = &up->files[up->nfiles++];
	memset(p, 0, sizeof(*p));
	return p;
}

int sr_upload_add_file(sr_upload *up, const char *path, const char *ctype, const void *data, size_t len,
		       sr_regerr *err)
{
	sr_pub_file *pf = sr_upload_slot(up, err);
	if (!pf)
		return err->code;
	pf->path = strdup(path);
	pf->content_type = ctype && ctype[0] ? strdup(ctype) : NULL;
	pf->size = (int64_t)len;
	pf->data = data;
	/* Its bytes are the caller's, already bounded; they count against what bundles may add. */
	up->bytes += len;
	sr_sha256_hex(data, len, pf->sha256);
	if (!pf->path || (ctype && ctype[0] && !pf->content_type))
		return sr_regerr_internal(err, SR_ENOMEM);
	return 0;
}

struct bundle_ctx {
	sr_upload *up;
	sr_regerr *err;
	int rc;
};

static int bundle_entry(void *ud, const char *path, const unsigned char *data, size_t len)
{
	struct bundle_ctx *b = ud;
	sr_pub_file *pf = sr_upload_slot(b->up, b->err);
	if (!pf)
		return b->rc = b->err->code;
	pf->path = strdup(path);
	pf->size = (int64_t)len;
	/* The zip's bytes live only during this callback: copy them, and own the copy. */
	unsigned char *copy = malloc(len ? len : 1);
	unsigned char **no = realloc(b->up->owned, (b->up->nowned + 1) * sizeof(*no));
	if (no)
		b->up->owned = no;
	if (!pf->path || !copy || !no) {
		free(copy);
		return b->rc = sr_regerr_internal(b->err, SR_ENOMEM);
	}
	memcpy(copy, data, len);
	b->up->owned[b->up->nowned++] = copy;
	pf->data = copy;
	sr_sha256_hex(copy, len, pf->sha256);
	b->up->bytes += len;
	return 0;
}

int sr_upload_add_bundle(sr_upload *up, const void *zip, size_t len, sr_regerr *err)
{
	struct bundle_ctx bc = {up, err, 0};
	size_t room = up->bytes < SR_MAX_BUNDLE_BYTES ? SR_MAX_BUNDLE_BYTES - up->bytes : 0;
	/* The archive may hold directory entries too; the file count itself is checked as
	 * entries are added. */
	int rc = sr_zip_read(zip, len, 2 * SR_MAX_FILES + 2, SR_MAX_FILE_BYTES, room, bundle_entry, &bc);
	if (up->too_many)
		return sr_regerr_set(err, SR_ETOOBIG, SR_WHY_TOO_MANY_FILES, NULL);
	if (bc.rc)
		return bc.rc;
	if (rc == SR_ETOOBIG)
		return sr_regerr_set(err, SR_ETOOBIG, SR_WHY_BUNDLE_TOO_BIG, NULL);
	if (rc)
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_BUNDLE_INVALID, NULL);
	return 0;
}
