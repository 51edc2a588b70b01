/*
 * blob.c - see blob.h. The files (the store itself with SQLite, the node's cache with
 * PostgreSQL) are handled here; the table's statements are in pg.c.
 */
#include "blob/blob.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob/pg.h"
#include "core/err.h"
#include "core/fault.h"
#include "core/log.h"
#include "core/util.h"

/* Fills of the cache in flight at once that other threads can wait for (fill_once). */
#define FILL_SLOTS 32

/*
 * Small blobs kept in memory: the SKILL.md texts every uncached detail answer embeds would
 * otherwise cost an open, a stat, a read and a close each time. Blobs are content-addressed,
 * so an entry is never stale. Direct-mapped by the hash's first bytes (a new blob replaces
 * the one in its slot), under a lock per shard of slots, at most MEMO_BYTES in all.
 */
#define MEMO_ITEM_MAX SR_BLOB_MEMO_ITEM_MAX
#define MEMO_SLOTS 4096
#define MEMO_SHARDS 16
#define MEMO_BYTES SR_BLOB_MEMO_BYTES

struct memo_slot {
	char sha[65]; /* "" when empty */
	char *data;
	size_t len;
};

struct memo {
	pthread_mutex_t mu[MEMO_SHARDS];
	struct memo_slot slot[MEMO_SLOTS];
	_Atomic int64_t bytes, hits, misses;
};

struct sr_blobs {
	char dir[4096];
	sr__bpg *db; /* NULL: the files are the store, not a cache */
	int64_t cache_max_bytes, cache_max_age_ms;
	pthread_mutex_t fill_mu;
	pthread_cond_t fill_cv;
	char filling[FILL_SLOTS][65]; /* "" for a free slot */
	_Atomic int64_t fills;
	_Atomic int64_t stored, stored_bytes, reused; /* puts: new bytes, and bytes already there */
	struct memo *memo; /* NULL when it could not be allocated: every read goes to the file */
};

static struct memo *memo_new(void)
{
	struct memo *m = calloc(1, sizeof(*m));
	if (m)
		for (int i = 0; i < MEMO_SHARDS; i++)
			pthread_mutex_init(&m->mu[i], NULL);
	return m;
}

static void memo_free(struct memo *m)
{
	if (!m)
		return;
	for (int i = 0; i < MEMO_SLOTS; i++)
		free(m->slot[i].data);
	for (int i = 0; i < MEMO_SHARDS; i++)
		pthread_mutex_destroy(&m->mu[i]);
	free(m);
}

static unsigned memo_index(const char *sha)
{
	unsigned v = 0;
	for (int i = 0; i < 8; i++) {
		char c = sha[i];
		v = v << 4 | (unsigned)(c >= 'a' ? c - 'a' + 10 : c >= 'A' ? c - 'A' + 10 : c - '0');
	}
	return v % MEMO_SLOTS;
}

/* Appends the blob to out when it is in memory: 0, SR_ENOTFOUND, or the buffer's error. */
static int memo_get(struct memo *m, const char *sha, sr_buf *out)
{
	unsigned i = memo_index(sha);
	pthread_mutex_t *mu = &m->mu[i % MEMO_SHARDS];
	int rc = SR_ENOTFOUND;
	pthread_mutex_lock(mu);
	if (strcmp(m->slot[i].sha, sha) == 0)
		rc = sr_buf_append(out, m->slot[i].data, m->slot[i].len);
	pthread_mutex_unlock(mu);
	atomic_fetch_add(rc == SR_ENOTFOUND ? &m->misses : &m->hits, 1);
	return rc;
}

static void memo_put(struct memo *m, const char *sha, const char *data, size_t len)
{
	if (len > MEMO_ITEM_MAX)
		return;
	char *copy = malloc(len ? len : 1);
	if (!copy)
		return;
	memcpy(copy, data, len);
	unsigned i = memo_index(sha);
	pthread_mutex_t *mu = &m->mu[i % MEMO_SHARDS];
	pthread_mutex_lock(mu);
	struct memo_slot *s = &m->slot[i];
	if (s->sha[0]) {
		atomic_fetch_sub(&m->bytes, (int64_t)s->len);
		free(s->data);
		s->data = NULL;
		s->sha[0] = '\0';
	}
	/* The bytes are counted before they are kept, so that shards storing at once never pass
	 * the bound together; over it, they are given back and the blob is not kept. */
	if (atomic_fetch_add(&m->bytes, (int64_t)len) + (int64_t)len <= MEMO_BYTES) {
		snprintf(s->sha, sizeof(s->sha), "%s", sha);
		s->data = copy;
		s->len = len;
		copy = NULL;
	} else {
		atomic_fetch_sub(&m->bytes, (int64_t)len);
	}
	pthread_mutex_unlock(mu);
	free(copy);
}

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
	b->cache_max_bytes = SR_BLOB_CACHE_MAX_BYTES;
	b->cache_max_age_ms = SR_BLOB_CACHE_MAX_AGE_MS;
	pthread_mutex_init(&b->fill_mu, NULL);
	b->memo = memo_new();
	pthread_cond_init(&b->fill_cv, NULL);
	*out = b;
	return 0;
}

int sr_blobs_open_db(const char *cache_dir, const char *url, sr_blobs **out)
{
	sr_blobs *b;
	int rc = sr_blobs_open(cache_dir, &b);
	if (rc)
		return rc;
	if ((rc = sr__bpg_new(url, &b->db))) {
		sr_blobs_close(b);
		return rc;
	}
	*out = b;
	return 0;
}

int sr_blobs_open_for(const char *dir, const char *target, sr_blobs **out)
{
	if (strncmp(target, "postgres://", 11) == 0 || strncmp(target, "postgresql://", 13) == 0)
		return sr_blobs_open_db(dir, target, out);
	return sr_blobs_open(dir, out);
}

void sr_blobs_close(sr_blobs *b)
{
	if (!b)
		return;
	sr__bpg_free(b->db);
	pthread_mutex_destroy(&b->fill_mu);
	pthread_cond_destroy(&b->fill_cv);
	memo_free(b->memo);
	free(b);
}

int sr_blobs_in_db(const sr_blobs *b)
{
	return b->db != NULL;
}

int64_t sr_blobs_fills(sr_blobs *b)
{
	return atomic_load(&b->fills);
}

void sr_blobs_memo_counts(sr_blobs *b, int64_t *bytes, int64_t *hits, int64_t *misses)
{
	*bytes = b->memo ? atomic_load(&b->memo->bytes) : 0;
	*hits = b->memo ? atomic_load(&b->memo->hits) : 0;
	*misses = b->memo ? atomic_load(&b->memo->misses) : 0;
}

void sr_blobs_put_counts(sr_blobs *b, int64_t *stored, int64_t *stored_bytes, int64_t *reused)
{
	*stored = atomic_load(&b->stored);
	*stored_bytes = atomic_load(&b->stored_bytes);
	*reused = atomic_load(&b->reused);
}

/* A put's outcome, for /metrics: new bytes, or bytes the store already had. */
static int counted(sr_blobs *b, int rc, int reused, size_t len)
{
	if (rc)
		return rc;
	if (reused) {
		atomic_fetch_add(&b->reused, 1);
	} else {
		atomic_fetch_add(&b->stored, 1);
		atomic_fetch_add(&b->stored_bytes, (int64_t)len);
	}
	return 0;
}

void sr_blobs_set_cache_bound(sr_blobs *b, int64_t max_bytes, int64_t max_age_ms)
{
	b->cache_max_bytes = max_bytes;
	b->cache_max_age_ms = max_age_ms;
}

void sr_blobs_cache_bound(const sr_blobs *b, int64_t *max_bytes, int64_t *max_age_ms)
{
	*max_bytes = b->cache_max_bytes;
	*max_age_ms = b->cache_max_age_ms;
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
	if (blob_path(b, sha, path, sizeof(path)))
		return 0;
	if (!b->db)
		return stat(path, &st) == 0;
	int found = 0;
	return sr__bpg_exists(b->db, sha, &found) == 0 && found;
}

/* A new temporary file beside the blob's file (path), for tmp_commit to rename into place. */
static int tmp_open(sr_blobs *b, const char *sha, char path[4200], char tmp[4300])
{
	char dir[4200];
	if (blob_path(b, sha, path, 4200))
		return -1;
	snprintf(dir, sizeof(dir), "%s/%.2s", b->dir, sha);
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -1;
	unsigned char rnd[8];
	char rhex[17];
	sr_random_bytes(rnd, sizeof(rnd));
	sr_hex(rnd, sizeof(rnd), rhex);
	snprintf(tmp, 4300, "%s.tmp-%s", path, rhex);
	return open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
}

/* The error of a write that failed with errno: a full file system (or the user's quota of it)
 * is told apart, since the client may retry once the operator has made room. */
static int write_err(void)
{
	return errno == ENOSPC || errno == EDQUOT ? SR_ENOSPC : SR_EIO;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Syncs, closes and renames the temporary file into place; on failure it is removed. fd is
 * closed either way. */
static int tmp_commit(int fd, const char *tmp, const char *path, int ok)
{
	int failed = !ok || fsync(fd) != 0;
	failed |= close(fd) != 0;
	if (!failed && rename(tmp, path) == 0)
		return 0;
	int rc = ok ? write_err() : SR_EIO;
	if (ok)
		sr_log_error("cannot write blob file %s: %s", path, strerror(errno));
	unlink(tmp);
	return rc;
}

/* Writes the file of a blob: a temporary file renamed into place. */
static int file_write(sr_blobs *b, const char *sha, const void *data, size_t len)
{
	char path[4200], tmp[4300];
	if (!sr_is_hex64(sha))
		return SR_EINVAL;
	int fd = tmp_open(b, sha, path, tmp);
	if (fd < 0) {
		int rc = write_err();
		sr_log_error("cannot write blob %s: %s", sha, strerror(errno));
		return rc;
	}
	int ok = write_all(fd, data, len) == 0;
	if (ok)
		return tmp_commit(fd, tmp, path, ok);
	int rc = write_err();
	sr_log_error("cannot write blob %s: %s", sha, strerror(errno));
	tmp_commit(fd, tmp, path, ok);
	return rc;
}

/* Above this size a put asks whether the row is there before it sends the bytes. */
#define PUT_ASK_FIRST (64 * 1024)

/* With a database: the row first (the truth every node reads), then this node's file. When
 * the row is most likely there (a cached file of the same size) or the bytes are many, the
 * row is first only made young, which sends no bytes; the insert follows when there is none
 * (the collector deleted it, or the bytes are new). */
static int db_put(sr_blobs *b, const char *sha, const void *data, size_t len)
{
	char path[4200];
	int rc = blob_path(b, sha, path, sizeof(path));
	if (rc)
		return rc;
	int64_t now = sr_now_ms();
	struct stat st;
	int cached = stat(path, &st) == 0 && (size_t)st.st_size == len, found = 0;
	if ((cached || len > PUT_ASK_FIRST) && (rc = sr__bpg_touch(b->db, sha, now, &found)))
		return rc;
	if (found && cached)
		return counted(b, 0, 1, len);
	if (!found && (rc = sr__bpg_insert(b->db, sha, data, len, now)))
		return rc;
	/* The bytes are stored; without the file the next open fetches them again. */
	if (file_write(b, sha, data, len))
		sr_log_error("blob %s: stored, but not cached on this node", sha);
	return counted(b, 0, found, len);
}

int sr_blob_put(sr_blobs *b, const char *sha, const void *data, size_t len)
{
	if (b->db)
		return db_put(b, sha, data, len);
	char path[4200];
	int rc = blob_path(b, sha, path, sizeof(path));
	if (rc)
		return rc;
	struct stat st;
	if (stat(path, &st) == 0 && (size_t)st.st_size == len) {
		/* Already there: a publish is about to reference these bytes, so the collector
		 * must see them as young (blob.h). When the collector has moved the file aside
		 * meanwhile, the bytes are written again. */
		if (utimensat(AT_FDCWD, path, NULL, 0) == 0)
			return counted(b, 0, 1, len);
		if (errno != ENOENT)
			return 0;
	}
	return counted(b, file_write(b, sha, data, len), 0, len);
}

static int put_back(const char *aside, const char *path);

static int64_t mtime_ms(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000 + st->st_mtim.tv_nsec / 1000000;
}

/* A cache fill reads the row in parts of this many bytes, so a large blob never sits whole in
 * memory (the column is stored uncompressed, so a part reads only its own pages). */
#define FILL_PART (4 << 20)

static int part_sink(void *ud, const void *data, size_t len)
{
	return write_all(*(int *)ud, data, len) ? SR_EIO : 0;
}

/* The SHA-256 of the file written so far, through a mapping (the file is one blob, bounded by
 * the server's ceilings; the mapping costs no heap). */
static int file_sha(int fd, size_t size, char out[65])
{
	if (!size) {
		sr_sha256_hex("", 0, out);
		return 0;
	}
	void *m = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return SR_EIO;
	sr_sha256_hex(m, size, out);
	munmap(m, size);
	return 0;
}

/* Copies a blob's row into this node's cache: the bytes in parts into a temporary file, their
 * SHA-256 checked against the name (bytes that do not match are never served), then the file
 * synced and renamed into place. */
static int fill(sr_blobs *b, const char *sha)
{
	atomic_fetch_add(&b->fills, 1);
	char path[4200], tmp[4300], got[65];
	int fd = tmp_open(b, sha, path, tmp);
	if (fd < 0) {
		sr_log_error("cannot write blob %s: %s", sha, strerror(errno));
		return SR_EIO;
	}
	int64_t size = 0, off = 0;
	int rc;
	do {
		rc = sr__bpg_fetch_part(b->db, sha, off, FILL_PART, part_sink, &fd, &size);
		off += FILL_PART;
	} while (!rc && off < size);
	struct stat st;
	if (!rc && (fstat(fd, &st) || st.st_size != size || file_sha(fd, (size_t)size, got)))
		rc = SR_EIO;
	if (!rc && strcasecmp(got, sha) != 0) {
		sr_log_error("blob %s: the database holds bytes whose SHA-256 is %s", sha, got);
		rc = SR_EIO;
	}
	int crc = tmp_commit(fd, tmp, path, rc == 0);
	return rc ? rc : crc;
}

/* Fills the cache with a blob once for all the threads that miss it at the same moment (the
 * first downloads of a version just published elsewhere): a thread that finds the blob being
 * filled waits for that fill instead of fetching the bytes again. 0 when the file should be
 * there now; when the fill waited for failed, the caller's open finds no file. */
static int fill_once(sr_blobs *b, const char *sha, const char *path)
{
	struct stat st;
	int slot;
	pthread_mutex_lock(&b->fill_mu);
	for (;;) {
		int busy = 0;
		slot = -1;
		for (int i = 0; i < FILL_SLOTS; i++) {
			if (strcmp(b->filling[i], sha) == 0)
				busy = 1;
			else if (slot < 0 && !b->filling[i][0])
				slot = i;
		}
		if (!busy)
			break;
		pthread_cond_wait(&b->fill_cv, &b->fill_mu);
	}
	/* Filled by a thread that finished between this one's miss and here. */
	if (stat(path, &st) == 0) {
		pthread_mutex_unlock(&b->fill_mu);
		return 0;
	}
	/* With every slot taken, this fill runs alone without others waiting on it. */
	if (slot >= 0)
		memcpy(b->filling[slot], sha, 65);
	pthread_mutex_unlock(&b->fill_mu);
	int rc = fill(b, sha);
	if (slot >= 0) {
		pthread_mutex_lock(&b->fill_mu);
		b->filling[slot][0] = '\0';
		pthread_cond_broadcast(&b->fill_cv);
		pthread_mutex_unlock(&b->fill_mu);
	}
	return rc;
}

static int file_open(sr_blobs *b, const char *sha, int *fd, size_t *size)
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
	/* A cached file's time is when it was last used (blob.h), to the hour. */
	if (b->db && sr_now_ms() - mtime_ms(&st) > SR_BLOB_CACHE_TOUCH_MS)
		(void)futimens(f, NULL);
	*fd = f;
	*size = (size_t)st.st_size;
	return 0;
}

int sr_blob_open(sr_blobs *b, const char *sha, int *fd, size_t *size)
{
	int rc = file_open(b, sha, fd, size);
	if (rc != SR_ENOTFOUND || !b->db)
		return rc;
	/* Not cached on this node yet. */
	char path[4200];
	blob_path(b, sha, path, sizeof(path));
	if ((rc = fill_once(b, sha, path)))
		return rc;
	rc = file_open(b, sha, fd, size);
	/* The fill this thread waited for failed, or the file went again meanwhile. */
	if (rc == SR_ENOTFOUND && (rc = fill(b, sha)) == 0)
		rc = file_open(b, sha, fd, size);
	return rc;
}

int sr_blob_read_cached(sr_blobs *b, const char *sha, sr_buf *out)
{
	size_t at = out->len;
	int rc = b->memo && sr_is_hex64(sha) ? memo_get(b->memo, sha, out) : SR_ENOTFOUND;
	if (rc != SR_ENOTFOUND)
		return rc;
	rc = sr_blob_read(b, sha, out);
	if (!rc && b->memo && out->len - at <= MEMO_ITEM_MAX)
		memo_put(b->memo, sha, out->data + at, out->len - at);
	return rc;
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
	int rc = blob_path(b, sha, out, n);
	struct stat st;
	if (!rc && b->db && stat(out, &st) && errno == ENOENT) {
		rc = fill_once(b, sha, out);
		if (!rc && stat(out, &st))
			rc = fill(b, sha);
	}
	return rc;
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
		/* A blob a collector moved aside and never settled: back in place first. */
		if (len == 67 && strcmp(e.name + 64, ".gc") == 0) {
			char aside[4300], path[4300];
			snprintf(aside, sizeof(aside), "%s/%s", dpath, e.name);
			snprintf(path, sizeof(path), "%s/%.64s", dpath, e.name);
			put_back(aside, path);
			continue;
		}
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

/* Puts a blob moved aside (path.gc) back in place, unless a put has written it again. */
static int put_back(const char *aside, const char *path)
{
	if (link(aside, path) && errno != EEXIST)
		return SR_EIO;
	unlink(aside);
	return 0;
}

int sr_blob_remove_unnamed(sr_blobs *b, int dir, const sr_blob_entry *e, int64_t cutoff_ms, sr_blob_named_fn named,
			   void *ud, int64_t *bytes)
{
	char path[4300], aside[4400];
	snprintf(path, sizeof(path), "%s/%02x/%s", b->dir, dir & 0xff, e->name);
	snprintf(aside, sizeof(aside), "%s.gc", path);
	struct stat st;
	if (!e->sha[0] || lstat(path, &st))
		return !e->sha[0] ? SR_EINVAL : errno == ENOENT ? 0 : SR_EIO;
	if (!S_ISREG(st.st_mode) || mtime_ms(&st) >= cutoff_ms)
		return 0;
	/* A test holds the collector here, between its last look and its removal. */
	sr_fault_pause("blob-remove");
	if (rename(path, aside))
		return errno == ENOENT ? 0 : SR_EIO;
	/* From here a put writes the bytes afresh. A put that came before the move refreshed
	 * the file (its age) or named it first (a publish's hold): either keeps it. */
	int is_named = 1, rc = 0;
	if (lstat(aside, &st) == 0 && mtime_ms(&st) < cutoff_ms)
		rc = named(ud, e->sha, &is_named);
	if (rc || is_named) {
		int prc = put_back(aside, path);
		return rc ? rc : prc;
	}
	if (unlink(aside))
		return errno == ENOENT ? 0 : SR_EIO;
	*bytes = (int64_t)st.st_size;
	return 1;
}

int sr_blob_rows_old(sr_blobs *b, int64_t cutoff_ms, const sr_blob_row *after, sr_blob_row *out, int n, int *got)
{
	*got = 0;
	if (!b->db || n < 1 || n > SR_BLOB_ROWS_MAX)
		return SR_EINVAL;
	return sr__bpg_old(b->db, cutoff_ms, after, out, n, got);
}

int sr_blob_rows_remove_old(sr_blobs *b, const sr_blob_row *v, int n, int64_t cutoff_ms, int *deleted)
{
	if (!b->db || n < 0 || n > SR_BLOB_ROWS_MAX)
		return SR_EINVAL;
	if (n == 0)
		return 0;
	int rc = sr__bpg_delete_old(b->db, v, n, cutoff_ms, deleted);
	for (int i = 0; i < n && !rc; i++) {
		char path[4200];
		/* The row is gone, so is this node's copy; other nodes' copies go with their next
		 * blob-cache pass. */
		if (deleted[i] && blob_path(b, v[i].sha, path, sizeof(path)) == 0 && unlink(path) && errno != ENOENT)
			sr_log_error("blob %s: deleted, but its cached file stays: %s", v[i].sha, strerror(errno));
	}
	return rc;
}

int sr_blob_rows_present(sr_blobs *b, const char (*shas)[65], int n, int *present)
{
	if (!b->db || n < 0 || n > SR_BLOB_ROWS_MAX)
		return SR_EINVAL;
	return n ? sr__bpg_present(b->db, shas, n, present) : 0;
}

int sr_blob_rows_young(sr_blobs *b, int64_t cutoff_ms, int64_t *files, int64_t *bytes)
{
	if (!b->db)
		return SR_EINVAL;
	return sr__bpg_young(b->db, cutoff_ms, files, bytes);
}
