/*
 * scanner_dir.c - sr_scan_dir: a skill folder on disk, read into memory within the scanner's
 * ceilings (files, depth, bytes) and scanned like a published version. This is what
 * `skillreg scan --dir` and the archive test run; the registry scans from the blob store.
 *
 * Files are read in name order, depth-first, so reports are stable. Symlinks and .git are
 * skipped: a publish would not ship them.
 */
#include "moderation/scanner_int.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/err.h"
#include "registry/frontmatter.h"

struct dirload {
	sr_pub_file *files;
	size_t n, cap;
	size_t total;
	int truncated;
};

static int load_file(struct dirload *dl, const char *full, const char *rel, off_t size)
{
	if (dl->n == SR_SCAN_DIR_MAX_FILES || dl->total >= SR_SCAN_TOTAL_BYTES) {
		dl->truncated = 1;
		return 0;
	}
	if (strlen(rel) > SR_MAX_PATH)
		return 0; /* a publish would refuse this path too */
	size_t want = (size_t)size;
	if (want > SR_SCAN_FILE_BYTES)
		want = SR_SCAN_FILE_BYTES, dl->truncated = 1;
	if (want > SR_SCAN_TOTAL_BYTES - dl->total)
		want = SR_SCAN_TOTAL_BYTES - dl->total, dl->truncated = 1;
	if (dl->n == dl->cap) {
		size_t cap = dl->cap ? dl->cap * 2 : 16;
		sr_pub_file *nf = realloc(dl->files, cap * sizeof(*nf));
		if (!nf)
			return SR_ENOMEM;
		dl->files = nf;
		dl->cap = cap;
	}
	unsigned char *data = malloc(want ? want : 1);
	char *p = strdup(rel);
	if (!data || !p) {
		free(data);
		free(p);
		return SR_ENOMEM;
	}
	FILE *f = fopen(full, "rb");
	size_t got = f ? fread(data, 1, want, f) : 0;
	if (f)
		fclose(f);
	if (!f) {
		free(data);
		free(p);
		return 0; /* unreadable: nothing to scan, and nothing a publish could ship */
	}
	sr_pub_file *pf = &dl->files[dl->n++];
	memset(pf, 0, sizeof(*pf));
	pf->path = p;
	pf->data = data;
	pf->size = (int64_t)got;
	dl->total += got;
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Walks root/rel in name order (so reports are stable), depth-first. */
static int walk(struct dirload *dl, const char *root, const char *rel, int depth)
{
	if (depth > SR_SCAN_DIR_MAX_DEPTH) {
		dl->truncated = 1;
		return 0;
	}
	char dir[4096];
	if (snprintf(dir, sizeof(dir), "%s%s%s", root, rel[0] ? "/" : "", rel) >= (int)sizeof(dir))
		return 0;
	DIR *d = opendir(dir);
	if (!d)
		return depth == 0 ? SR_EIO : 0;
	char *names[SR_SCAN_DIR_MAX_FILES];
	size_t nn = 0;
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 || strcmp(e->d_name, ".git") == 0)
			continue;
		if (nn == SR_SCAN_DIR_MAX_FILES) {
			dl->truncated = 1;
			break;
		}
		if (!(names[nn] = strdup(e->d_name))) {
			rc = SR_ENOMEM;
			break;
		}
		nn++;
	}
	closedir(d);
	qsort(names, nn, sizeof(names[0]), cmp_name);
	for (size_t i = 0; i < nn && !rc; i++) {
		char r[2048], full[6200];
		if (snprintf(r, sizeof(r), "%s%s%s", rel, rel[0] ? "/" : "", names[i]) >= (int)sizeof(r))
			continue;
		snprintf(full, sizeof(full), "%s/%s", root, r);
		struct stat st;
		if (lstat(full, &st))
			continue;
		if (S_ISDIR(st.st_mode))
			rc = walk(dl, root, r, depth + 1);
		else if (S_ISREG(st.st_mode))
			rc = load_file(dl, full, r, st.st_size);
	}
	for (size_t i = 0; i < nn; i++)
		free(names[i]);
	return rc;
}

int sr_scan_dir(const sr_scan_rules *rules, const char *dir, const char *slug,
		sr_scan_result *out, char *err, size_t errsz)
{
	memset(out, 0, sizeof(*out));
	struct dirload dl;
	memset(&dl, 0, sizeof(dl));
	int rc = walk(&dl, dir, "", 0);
	if (rc) {
		sr__seterr(err, errsz, rc == SR_EIO ? "cannot read directory %s" : "cannot load %s: out of memory", dir);
		goto out;
	}
	char base[SR__POPULAR_MAX_LEN + 1] = "";
	if (!slug) {
		size_t n = strlen(dir);
		while (n > 1 && dir[n - 1] == '/')
			n--;
		size_t b = n;
		while (b > 0 && dir[b - 1] != '/')
			b--;
		if (n - b <= SR__POPULAR_MAX_LEN) {
			memcpy(base, dir + b, n - b);
			base[n - b] = '\0';
		}
		slug = base[0] ? base : NULL;
	}
	sr_frontmatter fm;
	memset(&fm, 0, sizeof(fm));
	for (size_t i = 0; i < dl.n; i++)
		if (sr__is_skill_md(dl.files[i].path)) {
			char fmerr[128];
			if (sr_frontmatter_parse((const char *)dl.files[i].data, (size_t)dl.files[i].size, &fm,
						 fmerr, sizeof(fmerr)))
				memset(&fm, 0, sizeof(fm));
			break;
		}
	rc = sr_scan_files(rules, dl.files, dl.n, slug, fm.name, out);
	sr_frontmatter_deinit(&fm);
	if (rc)
		sr__seterr(err, errsz, "scan failed: %s", sr_strerror(rc));
	else if (dl.truncated)
		out->bytes_truncated = 1;
out:
	for (size_t i = 0; i < dl.n; i++) {
		free(dl.files[i].path);
		free((void *)dl.files[i].data);
	}
	free(dl.files);
	return rc;
}
