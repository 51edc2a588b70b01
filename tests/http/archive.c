/*
 * archive.c - reads the real ClawHub archive for the import tests; see archive.h.
 */
#include "archive.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#define CORPUS_DEFAULT "../shared/corpus" /* beside the repository, as on CI */
#define ARCHIVE_NAME "clawhub-skills-2026-01"

static int cmp_skill(const void *x, const void *y)
{
	const srt_askill *a = x, *b = y;
	int c = strcmp(a->owner, b->owner);
	return c ? c : strcmp(a->slug, b->slug);
}

static int is_dir(const char *p)
{
	struct stat st;
	return lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int add_skill(srt_archive *a, size_t *cap, const char *owner, const char *slug)
{
	char path[3000];
	snprintf(path, sizeof path, "%s/%s/%s/_meta.json", a->root, owner, slug);
	json_error_t jerr;
	json_t *m = json_load_file(path, 0, &jerr);
	json_t *latest = json_object_get(m, "latest");
	if (!m || !json_is_string(json_object_get(latest, "version"))) {
		fprintf(stderr, "archive: %s: %s\n", path, m ? "no latest.version" : jerr.text);
		json_decref(m);
		return -1;
	}
	if (a->n == *cap) {
		*cap = *cap ? *cap * 2 : 2048;
		a->skills = realloc(a->skills, *cap * sizeof(*a->skills));
	}
	srt_askill *k = &a->skills[a->n++];
	k->owner = strdup(owner);
	k->slug = strdup(slug);
	k->version = strdup(json_string_value(json_object_get(latest, "version")));
	const char *dn = json_string_value(json_object_get(m, "displayName"));
	k->display_name = strdup(dn ? dn : "");
	k->published_at = (int64_t)json_integer_value(json_object_get(latest, "publishedAt"));
	k->history = json_array_size(json_object_get(m, "history"));
	json_decref(m);
	return 0;
}

int srt_archive_load(srt_archive *a)
{
	memset(a, 0, sizeof(*a));
	const char *corpus = getenv("SKILLREG_CORPUS");
	char beside[700] = CORPUS_DEFAULT;
	/* build/tests/test_x -> the repository, whatever the working directory. */
	char self[512];
	ssize_t sn = readlink("/proc/self/exe", self, sizeof self - 1);
	if (sn > 0) {
		self[sn] = '\0';
		for (int up = 0; up < 3; up++) {
			char *slash = strrchr(self, '/');
			if (slash)
				*slash = '\0';
		}
		snprintf(beside, sizeof beside, "%s/%s", self, CORPUS_DEFAULT);
		snprintf(a->repo, sizeof a->repo, "%s", self);
	}
	snprintf(a->root, sizeof a->root, "%s/%s", corpus && *corpus ? corpus : beside, ARCHIVE_NAME);
	DIR *d = opendir(a->root);
	if (!d) {
		fprintf(stderr, "archive: %s is missing (the corpus sits beside the repository, or set "
				"SKILLREG_CORPUS); this test does not pass without it\n", a->root);
		return -1;
	}
	size_t cap = 0;
	struct dirent *o;
	int rc = 0;
	while (!rc && (o = readdir(d))) {
		char od[2048];
		snprintf(od, sizeof od, "%s/%s", a->root, o->d_name);
		if (o->d_name[0] == '.' || !is_dir(od))
			continue;
		a->owners++;
		DIR *sd = opendir(od);
		struct dirent *s;
		while (sd && !rc && (s = readdir(sd))) {
			char sp[2400];
			snprintf(sp, sizeof sp, "%s/%s", od, s->d_name);
			if (s->d_name[0] != '.' && is_dir(sp))
				rc = add_skill(a, &cap, o->d_name, s->d_name);
		}
		if (sd)
			closedir(sd);
	}
	closedir(d);
	if (!rc)
		qsort(a->skills, a->n, sizeof(*a->skills), cmp_skill);
	return rc;
}

void srt_archive_free(srt_archive *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->skills[i].owner);
		free(a->skills[i].slug);
		free(a->skills[i].version);
		free(a->skills[i].display_name);
	}
	free(a->skills);
	memset(a, 0, sizeof(*a));
}

static int read_all(const char *path, void **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	*data = malloc((size_t)sz + 1);
	*len = fread(*data, 1, (size_t)sz, f);
	fclose(f);
	return *len == (size_t)sz ? 0 : -1;
}

static int walk(const char *root, const char *rel, srt_file **files, size_t *n, size_t *cap)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s%s%s", root, rel[0] ? "/" : "", rel);
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	struct dirent *e;
	int rc = 0;
	while (!rc && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || (!rel[0] && !strcmp(e->d_name, "_meta.json")))
			continue;
		char r[2048], full[6200];
		snprintf(r, sizeof r, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
		snprintf(full, sizeof full, "%s/%s", root, r);
		struct stat st;
		if (lstat(full, &st) != 0)
			rc = -1;
		else if (S_ISDIR(st.st_mode))
			rc = walk(root, r, files, n, cap);
		else if (S_ISREG(st.st_mode)) {
			if (*n == *cap) {
				*cap = *cap ? *cap * 2 : 16;
				*files = realloc(*files, *cap * sizeof(**files));
			}
			srt_file *f = &(*files)[(*n)++];
			memset(f, 0, sizeof(*f));
			f->path = strdup(r);
			void *data = NULL;
			rc = read_all(full, &data, &f->len);
			f->data = data;
		}
	}
	closedir(d);
	return rc;
}

static int cmp_file(const void *x, const void *y)
{
	return strcmp(((const srt_file *)x)->path, ((const srt_file *)y)->path);
}

int srt_archive_files(const srt_archive *a, const srt_askill *k, srt_file **files, size_t *n)
{
	char root[2400];
	snprintf(root, sizeof root, "%s/%s/%s", a->root, k->owner, k->slug);
	size_t cap = 0;
	*files = NULL;
	*n = 0;
	int rc = walk(root, "", files, n, &cap);
	if (*n)
		qsort(*files, *n, sizeof(**files), cmp_file);
	return rc;
}

void srt_archive_files_free(srt_file *files, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((void *)files[i].path);
		free((void *)files[i].data);
	}
	free(files);
}

int srt_archive_labelled(const srt_archive *a, const srt_askill *k)
{
	char path[700], want[600], line[1024];
	snprintf(path, sizeof path, "%s/tests/scanner-labels.tsv", a->repo);
	snprintf(want, sizeof want, "%s/%s\t", k->owner, k->slug);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int found = 0;
	while (!found && fgets(line, sizeof line, f))
		found = strncmp(line, want, strlen(want)) == 0;
	fclose(f);
	return found;
}
