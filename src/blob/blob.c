/*
 * blob.c - see blob.h.
 */
#include "blob/blob.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "core/util.h"

struct sr_blobs {
	char dir[4096];
};

int sr_blobs_open(const char *dir, sr_blobs **out)
{
	sr_blobs *b = calloc(1, sizeof(*b));
	if (!b)
		return SR_ENOMEM;
	if (snprintf(b->dir, sizeof(b->dir), "%s", dir) >= (int)sizeof(b->dir) - 80) {
		free(b);
		return SR_ETOOBIG;
	}
	if (mkdir(dir, 0755) && errno != EEXIST) {
		sr_log_error("cannot create blob dir %s: %s", dir, strerror(errno));
		free(b);
		return SR_EIO;
	}
	*out = b;
	return 0;
}

void sr_blobs_close(sr_blobs *b)
{
	free(b);
}

static int blob_path(sr_blobs *b, const char *sha, char *out, size_t n)
{
	if (!sr_is_hex64(sha))
		return SR_EINVAL;
	snprintf(out, n, "%s/%.2s/%s", b->dir, sha, sha);
	return 0;
}

int sr_blob_exists(sr_blobs *b, const char *sha)
{
	char path[4200];
	struct stat st;
	return blob_path(b, sha, path, sizeof(path)) == 0 && stat(path, &st) == 0;
}

int sr_blob_put(sr_blobs *b, const char *sha, const void *data, size_t len)
{
	char path[4200], dir[4200], tmp[4300];
	int rc = blob_path(b, sha, path, sizeof(path));
	if (rc)
		return rc;
	struct stat st;
	if (stat(path, &st) == 0 && (size_t)st.st_size == len) {
		/* Already there: a publish is about to reference these bytes, so the collector
		 * must see them as young (blob.h). A failure only weakens that, so it is ignored. */
		(void)utimensat(AT_FDCWD, path, NULL, 0);
		return 0;
	}
	snprintf(dir, sizeof(dir), "%s/%.2s", b->dir, sha);
	if (mkdir(dir, 0755) && errno != EEXIST)
		goto io;
	unsigned char rnd[8];
	char rhex[17];
	sr_random_bytes(rnd, sizeof(rnd));
	sr_hex(rnd, sizeof(rnd), rhex);
	snprintf(tmp, sizeof(tmp), "%s.tmp-%s", path, rhex);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		goto io;
	const char *p = data;
	size_t left = len;
	while (left) {
		ssize_t w = write(fd, p, left);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			unlink(tmp);
			goto io;
		}
		p += w;
		left -= (size_t)w;
	}
	if (fsync(fd) || close(fd) || rename(tmp, path)) {
		unlink(tmp);
		goto io;
	}
	return 0;
io:
	sr_log_error("cannot write blob %s: %s", sha, strerror(errno));
	return SR_EIO;
}

int sr_blob_open(sr_blobs *b, const char *sha, int *fd, size_t *size)
{
	char path[4200];
	int rc = blob_path(b, sha, path, sizeof(path));
	if (rc)
		return rc;
	int f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return errno == ENOENT ? SR_ENOTFOUND : SR_EIO;
	struct stat st;
	if (fstat(f, &st)) {
		close(f);
		return SR_EIO;
	}
	*fd = f;
	*size = (size_t)st.st_size;
	return 0;
}

int sr_blob_read(sr_blobs *b, const char *sha, sr_buf *out)
{
	int fd;
	size_t size;
	int rc = sr_blob_open(b, sha, &fd, &size);
	if (rc)
		return rc;
	rc = sr_buf_reserve(out, size);
	while (!rc) {
		/* Read into the room reserved; when it is full, a small probe tells end of file
		 * (the usual case) from a file that grew, so a blob exactly at the ceiling fits. */
		char probe[4096];
		size_t room = out->cap - out->len - 1;
		char *dst = room ? out->data + out->len : probe;
		ssize_t r = read(fd, dst, room ? room : sizeof(probe));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = SR_EIO;
			break;
		}
		if (r == 0)
			break;
		if (room)
			out->len += (size_t)r;
		else
			rc = sr_buf_append(out, probe, (size_t)r);
	}
	if (out->data)
		out->data[out->len] = '\0';
	close(fd);
	return rc;
}

int sr_blob_path(sr_blobs *b, const char *sha, char *out, size_t n)
{
	if (!sr_is_hex64(sha) || strlen(b->dir) + 2 + 3 + 64 + 1 > n)
		return SR_EINVAL;
	return blob_path(b, sha, out, n);
}

static int64_t mtime_ms(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000 + st->st_mtim.tv_nsec / 1000000;
}

int sr_blob_list(sr_blobs *b, int dir, int (*fn)(void *ud, const sr_blob_entry *e), void *ud)
{
	char dpath[4200];
	snprintf(dpath, sizeof(dpath), "%s/%02x", b->dir, dir & 0xff);
	DIR *d = opendir(dpath);
	if (!d)
		return errno == ENOENT ? 0 : SR_EIO;
	int rc = 0;
	struct dirent *de;
	while (!rc && (de = readdir(d))) {
		sr_blob_entry e;
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len >= sizeof(e.name))
			continue;
		memset(&e, 0, sizeof(e));
		memcpy(e.name, de->d_name, len + 1);
		int tmp = strstr(e.name, ".tmp-") != NULL;
		/* Anything else that is not a blob of this directory is not the collector's. */
		char prefix[3];
		snprintf(prefix, sizeof(prefix), "%02x", dir & 0xff);
		if (!tmp && !(sr_is_hex64(e.name) && memcmp(e.name, prefix, 2) == 0))
			continue;
		if (!tmp) {
			memcpy(e.sha, e.name, 64);
			e.sha[64] = '\0';
		}
		struct stat st;
		if (fstatat(dirfd(d), e.name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
			continue;
		e.size = (int64_t)st.st_size;
		e.mtime_ms = mtime_ms(&st);
		rc = fn(ud, &e);
	}
	closedir(d);
	return rc > 0 ? 0 : rc;
}

int sr_blob_remove_old(sr_blobs *b, int dir, const sr_blob_entry *e, int64_t cutoff_ms, int64_t *bytes)
{
	char path[4300];
	snprintf(path, sizeof(path), "%s/%02x/%s", b->dir, dir & 0xff, e->name);
	struct stat st;
	if (lstat(path, &st))
		return errno == ENOENT ? 0 : SR_EIO;
	if (!S_ISREG(st.st_mode) || mtime_ms(&st) >= cutoff_ms)
		return 0;
	if (unlink(path))
		return errno == ENOENT ? 0 : SR_EIO;
	*bytes = (int64_t)st.st_size;
	return 1;
}
