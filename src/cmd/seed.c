/*
 * seed.c - `skillreg seed DIR`: publishes a catalogue laid out on disk.
 *
 * DIR/<owner>/<slug>/<version>/ holds one version's files (and an optional .changelog); every
 * owner becomes a user, and every version is published through the registry as a client's
 * publish would be, oldest semver first, with publish times spread over the last 40 days.
 * `make run` seeds demo/catalog this way.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api/error.h"
#include "cmd/cmd.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/util.h"
#include "registry/registry.h"
#include "registry/semver.h"
#include "store/store.h"

struct seed_files {
	sr_pub_file v[256];
	unsigned char *data[256];
	size_t n;
};

static int read_file(const char *path, unsigned char **data, size_t *len)
{
	sr_buf b;
	sr_buf_init(&b, SR_MAX_FILE_BYTES);
	int rc = sr_buf_read_file(&b, path);
	if (rc) {
		sr_buf_deinit(&b);
		return rc;
	}
	*data = (unsigned char *)sr_buf_steal(&b, len);
	return 0;
}

static int collect_files(const char *root, const char *rel, struct seed_files *sf)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s%s%s", root, rel[0] ? "/" : "", rel);
	DIR *d = opendir(dir);
	if (!d)
		return SR_EIO;
	struct dirent *e;
	int rc = 0;
	while (!rc && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char r[2048], full[6200];
		snprintf(r, sizeof(r), "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
		snprintf(full, sizeof(full), "%s/%s", root, r);
		struct stat st;
		if (stat(full, &st))
			continue;
		if (S_ISDIR(st.st_mode)) {
			rc = collect_files(root, r, sf);
		} else if (S_ISREG(st.st_mode) && sf->n < 256) {
			sr_pub_file *f = &sf->v[sf->n];
			size_t len;
			if ((rc = read_file(full, &sf->data[sf->n], &len)))
				break;
			f->path = strdup(r);
			f->size = (int64_t)len;
			f->data = sf->data[sf->n];
			sr_sha256_hex(f->data, len, f->sha256);
			sf->n++;
		}
	}
	closedir(d);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return sr_semver_cmp_str(*(const char *const *)a, *(const char *const *)b);
}

static int list_dir(const char *path, char **names, int max)
{
	DIR *d = opendir(path);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < max)
		if (e->d_name[0] != '.')
			names[n++] = strdup(e->d_name);
	closedir(d);
	return n;
}

static int run_seed(const sr_cmd_opts *o)
{
	sr_app app;
	sr_store *s;
	int early = sr__cmd_begin(o, 2, &app, &s);
	if (early)
		return early;
	const char *root = o->args[1];
	char *owners[64];
	int nown = list_dir(root, owners, 64), published = 0, failed = 0;
	int64_t clock = sr_now_ms() - 40LL * 86400000;
	for (int i = 0; i < nown; i++) {
		sr_user u;
		if (sr_store_user_by_handle(s, owners[i], &u)) {
			int64_t id;
			if (sr_store_user_add(s, owners[i], owners[i], SR_ROLE_USER, &id) ||
			    sr_store_user_by_id(s, id, &u)) {
				failed++;
				continue;
			}
		}
		char odir[4096];
		snprintf(odir, sizeof(odir), "%s/%s", root, owners[i]);
		char *slugs[256];
		int nsl = list_dir(odir, slugs, 256);
		for (int j = 0; j < nsl; j++) {
			char sdir[4400];
			snprintf(sdir, sizeof(sdir), "%s/%s", odir, slugs[j]);
			char *vers[64];
			int nv = list_dir(sdir, vers, 64);
			if (nv > 0)
				qsort(vers, (size_t)nv, sizeof(vers[0]), cmp_str);
			for (int k = 0; k < nv; k++) {
				char vdir[4600], clpath[4700];
				snprintf(vdir, sizeof(vdir), "%s/%s", sdir, vers[k]);
				snprintf(clpath, sizeof(clpath), "%s/.changelog", vdir);
				struct seed_files sf;
				memset(&sf, 0, sizeof(sf));
				unsigned char *cl = NULL;
				size_t cllen = 0;
				read_file(clpath, &cl, &cllen);
				char *changelog = cl ? sr_trim_dup((char *)cl, cllen) : NULL;
				if (collect_files(vdir, "", &sf) == 0) {
					clock += 3600 * 1000 + (int64_t)(published * 7919 % 5000) * 1000;
					sr_publish_req pr = {.actor = &u, .slug = slugs[j], .display_name = NULL,
							     .version = vers[k], .changelog = changelog ? changelog : "",
							     .accept_license = 1, .files = sf.v, .nfiles = sf.n, .now = clock,
							     .import = 1};
					sr_publish_result res;
					sr_regerr err = {0};
					/* Each publish is one operation with its own read budget. */
					sr_store_set_reads(s, NULL);
					if (sr_publish(s, app.blobs, &pr, &res, &err)) {
						if (err.why != SR_WHY_VERSION_EXISTS) {
							char text[1024];
							sr_api_error_text(&err, text, sizeof(text));
							fprintf(stderr, "seed: %s/%s@%s: %s\n", owners[i], slugs[j], vers[k], text);
							failed++;
						}
					} else {
						published++;
					}
				}
				for (size_t f = 0; f < sf.n; f++) {
					free(sf.v[f].path);
					free(sf.data[f]);
				}
				free(cl);
				free(changelog);
				free(vers[k]);
			}
			free(slugs[j]);
		}
		free(owners[i]);
	}
	fprintf(stderr, "seed: published %d versions, %d failed\n", published, failed);
	sr__cmd_close_data(&app, s);
	return failed ? 1 : 0;
}

const sr_cmd sr__cmd_seed = {
	"seed", "publish a catalogue laid out as DIR/<owner>/<slug>/<version>/",
	"usage: skillreg seed DIR [--data-dir DIR] [--db URL]\n",
	SR_O(DATA_DIR) | SR_O(DB),
	run_seed,
};
