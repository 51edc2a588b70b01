/*
 * data.c - the data directory every subcommand opens, and `skillreg migrate`.
 *
 * A data directory holds the SQLite database (skillreg.db, migrated on every open) and the
 * blob store (blobs/). With --db postgres://... (or SKILLREG_DB) the database is that
 * PostgreSQL database instead, migrated the same way, and the directory holds only what is
 * local to this node. Subcommands open it through here so that they all tune the store the
 * same way and leave nothing open when opening fails.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "blob/blob.h"
#include "cmd/cmd.h"
#include "core/err.h"
#include "core/log.h"
#include "store/store.h"

int sr__cmd_open_data(const sr_cmd_opts *o, sr_app *app, sr_store **store)
{
	sr_store_tune(o->sqlite_cache_mb >= 0 ? o->sqlite_cache_mb * 1024 : -1,
		      o->sqlite_mmap_mb >= 0 ? o->sqlite_mmap_mb << 20 : -1);
	if (mkdir(o->data_dir, 0755) && errno != EEXIST) {
		sr_log_error("cannot create data dir %s: %s", o->data_dir, strerror(errno));
		return SR_EIO;
	}
	snprintf(app->data_dir, sizeof(app->data_dir), "%s", o->data_dir);
	/* --db names a PostgreSQL database; without it the SQLite file in the data directory. */
	if (o->db && o->db[0]) {
		if (snprintf(app->db_path, sizeof(app->db_path), "%s", o->db) >= (int)sizeof(app->db_path)) {
			sr_log_error("--db: the URL is longer than %zu bytes", sizeof(app->db_path) - 1);
			return SR_EINVAL;
		}
	} else {
		snprintf(app->db_path, sizeof(app->db_path), "%s/skillreg.db", o->data_dir);
	}
	snprintf(app->public_url, sizeof(app->public_url), "%s", o->public_url);
	size_t n = strlen(app->public_url);
	while (n && app->public_url[n - 1] == '/')
		app->public_url[--n] = '\0';
	char blobdir[2300];
	snprintf(blobdir, sizeof(blobdir), "%s/blobs", o->data_dir);
	int rc = sr_blobs_open_for(blobdir, app->db_path, &app->blobs);
	if (rc)
		return rc;
	rc = sr_store_open(app->db_path, store);
	if (!rc && (rc = sr_store_migrate(*store)))
		sr_store_close(*store);
	if (rc) {
		/* On failure nothing stays open: callers only return. */
		sr_blobs_close(app->blobs);
		app->blobs = NULL;
		*store = NULL;
	}
	return rc;
}

void sr__cmd_close_data(sr_app *app, sr_store *store)
{
	sr_store_close(store);
	sr_blobs_close(app->blobs);
}

int sr__cmd_begin(const sr_cmd_opts *o, int nargs, sr_app *app, sr_store **store)
{
	if (o->nargs != nargs)
		return sr__cmd_misuse(o);
	memset(app, 0, sizeof(*app));
	return sr__cmd_open_data(o, app, store) ? 1 : 0;
}

static int run_migrate(const sr_cmd_opts *o)
{
	sr_app app;
	sr_store *s;
	int early = sr__cmd_begin(o, 1, &app, &s);
	if (early)
		return early;
	sr__cmd_close_data(&app, s);
	return 0;
}

const sr_cmd sr__cmd_migrate = {
	"migrate", "create the data directory or bring its database to the current schema",
	"usage: skillreg migrate [--data-dir DIR] [--db URL]\n",
	SR_O(DATA_DIR) | SR_O(DB) | SR_O(SQLITE_CACHE_MB) | SR_O(SQLITE_MMAP_MB),
	run_migrate,
};
