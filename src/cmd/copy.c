/*
 * copy.c - `skillreg db-copy`: a SQLite registry copied into a new PostgreSQL database.
 *
 * For a team moving an existing registry to PostgreSQL (stop the server, copy, start the
 * nodes with --db), and for the benchmarks, which load the catalogues `skillreg gen` writes.
 * The copy itself is the store's (store/copy.h); this file finds the source's blob directory
 * and prints what was done. docs/postgres.md describes it.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
#include "store/copy.h"

static int is_dir(const char *p)
{
	struct stat sb;
	return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static void print_note(void *ud, const char *line)
{
	fprintf(stderr, "db-copy: %s\n", line);
}

static int run_db_copy(const sr_cmd_opts *o)
{
	if (o->nargs != 1 || !o->from || !o->from[0] || !o->db || !o->db[0])
		return sr__cmd_misuse(o);
	/* --from is the database file, or a data directory holding skillreg.db and blobs/. */
	char db[4096], blobs[4096];
	const char *dir_end = strrchr(o->from, '/');
	if (is_dir(o->from)) {
		snprintf(db, sizeof(db), "%s/skillreg.db", o->from);
		snprintf(blobs, sizeof(blobs), "%s/blobs", o->from);
	} else {
		snprintf(db, sizeof(db), "%s", o->from);
		if (dir_end)
			snprintf(blobs, sizeof(blobs), "%.*s/blobs", (int)(dir_end - o->from), o->from);
		else
			snprintf(blobs, sizeof(blobs), "blobs");
	}
	struct stat sb;
	if (stat(db, &sb) != 0) {
		fprintf(stderr, "skillreg db-copy: %s: no such database\n", db);
		return 1;
	}
	const char *blob_dir = NULL;
	if (o->blobs && o->blobs[0])
		blob_dir = strcmp(o->blobs, "none") == 0 ? NULL : o->blobs;
	else if (is_dir(blobs))
		blob_dir = blobs;
	if (!blob_dir)
		fprintf(stderr, "db-copy: no blob directory; the blobs table stays empty\n");
	sr_copy_opts co = {db, o->db, blob_dir, print_note, NULL};
	sr_copy_stats st;
	char err[1024];
	if (sr_store_copy(&co, &st, err, sizeof(err))) {
		fprintf(stderr, "skillreg db-copy: %s\n", err);
		return 1;
	}
	printf("db-copy: %lld tables, %lld rows, %lld blobs (%lld bytes)%s, %.1f s\n", (long long)st.tables,
	       (long long)st.rows, (long long)st.blobs, (long long)st.blob_bytes,
	       st.skipped_blobs ? ", some blobs skipped (see above)" : "", st.seconds);
	/* A source older than the word index copies no postings: build them in the target. */
	sr_store *s = NULL;
	if (sr_store_open(o->db, &s)) {
		fprintf(stderr, "skillreg db-copy: cannot open %s to build the search index\n", o->db);
		return 1;
	}
	/* The source's blobs hold every SKILL.md the index reads its text from. */
	sr_blobs *b = NULL;
	if (blob_dir && sr_blobs_open(blob_dir, &b))
		b = NULL;
	int rc = sr__cmd_search_backfill(s, b);
	sr_blobs_close(b);
	sr_store_close(s);
	return rc;
}

const sr_cmd sr__cmd_db_copy = {
	"db-copy", "copy a SQLite registry (database and blobs) into a new PostgreSQL database",
	"usage: skillreg db-copy --from FILE.db|DATA_DIR --db postgres://... [--blobs DIR|none]\n"
	"  --from   the SQLite database, or a data directory holding skillreg.db and blobs/\n"
	"  --db     the target (also SKILLREG_DB): migrated, then filled; it must hold no users\n"
	"           or skills yet\n"
	"  --blobs  the file store to load into the blobs table (default: blobs/ beside the\n"
	"           database, when it exists; none: leave the table empty)\n",
	SR_O(FROM) | SR_O(DB) | SR_O(BLOBS),
	run_db_copy,
};
