/*
 * copy.c - a SQLite registry copied into PostgreSQL (store/copy.h, `skillreg db-copy`).
 *
 * Both schemas come from the project's migrations (sql/sqlite, sql/postgres): the same tables
 * with the same column names, except where the engines differ. The copy therefore reads the
 * target's catalog, not a list of its own: every ordinary table of the target's schema that
 * the source has too is copied, with the target's columns (generated ones excluded: the
 * target computes them), each read from the source column of the same name. Two differences
 * are known: the search tables are FTS5 tables on SQLite, whose `id` is the rowid, and
 * skill_search_short's word text is `text` there and `body` here. A target column the source
 * lacks is left to its default; a source table the target lacks is named in a note.
 *
 * Speed: COPY in text format streams rows without a round trip per row; secondary indexes
 * are dropped first and built once at the end (a GIN trigram index built from sorted data
 * instead of row by row); user triggers (the public-skill counter) are off during the load.
 * Foreign keys stay checked. Everything between the truncate and the commit is one
 * transaction, so a copy that fails leaves the target as migrations left it.
 */
#include "store/copy.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/util.h"
#include "store/store.h"

#define MAX_TABLES 128
#define MAX_COLS 64
#define MAX_INDEXES 256
#define NAME_MAX_LEN 64
#define FLUSH_AT (256 * 1024)        /* COPY data is sent in pieces of about this size */
#define CHUNK_MAX ((size_t)1 << 31)  /* one row's text, escaped: SQLite's own limit is 1 GB */
#define BLOB_MAX ((size_t)1 << 30)   /* a bytea value's ceiling */
#define OID_BYTEA 17

struct column {
	char name[NAME_MAX_LEN];
	char src[NAME_MAX_LEN + 8]; /* the source's expression: its name, or rowid */
	unsigned type;
	int identity;
};

struct table {
	char name[NAME_MAX_LEN];
	unsigned oid;
	int ncols;
	struct column col[MAX_COLS];
	int copy;                 /* the source has it too */
	int done;                 /* copied (the order walk) */
	int64_t rows;
};

struct index {
	char def[1024];
	char name[2 * NAME_MAX_LEN + 2];
};

struct cp {
	const sr_copy_opts *o;
	sr_copy_stats *st;
	sqlite3 *src;
	PGconn *pg;
	char *err;
	size_t errsz;
	sr_buf out;
	int ntab;
	struct table tab[MAX_TABLES];
	int nidx;
	struct index idx[MAX_INDEXES];
	unsigned fk_from[MAX_TABLES * 4], fk_to[MAX_TABLES * 4];
	int nfk;
	double t0;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(struct cp *c, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct cp *c, int rc, const char *fmt, ...)
{
	if (!c->err[0]) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->err, c->errsz, fmt, ap);
		va_end(ap);
		size_t n = strlen(c->err);
		while (n && (c->err[n - 1] == '\n' || c->err[n - 1] == ' '))
			c->err[--n] = '\0';
	}
	return rc;
}

static void note(struct cp *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct cp *c, const char *fmt, ...)
{
	if (!c->o->note)
		return;
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	c->o->note(c->o->ud, line);
}

/* ---- PostgreSQL ---- */

/* The server's notices (a TRUNCATE that cascades nowhere, a VACUUM's remarks) are not the
 * operator's business; errors come back as results. */
static void quiet(void *arg, const char *message)
{
}

static PGresult *q(struct cp *c, const char *sql, int n, const char *const *vals, int *rc)
{
	PGresult *res = PQexecParams(c->pg, sql, n, NULL, vals, NULL, NULL, 0);
	ExecStatusType s = PQresultStatus(res);
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		*rc = fail(c, SR_EDB, "%.120s: %s", sql, PQerrorMessage(c->pg));
		PQclear(res);
		return NULL;
	}
	*rc = 0;
	return res;
}

static int exec(struct cp *c, const char *sql)
{
	int rc;
	PQclear(q(c, sql, 0, NULL, &rc));
	return rc;
}

static int execf(struct cp *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int execf(struct cp *c, const char *fmt, ...)
{
	char sql[2048];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(sql))
		return fail(c, SR_ETOOBIG, "a statement of the copy is longer than %zu bytes", sizeof(sql));
	return exec(c, sql);
}

static struct table *by_oid(struct cp *c, unsigned oid)
{
	for (int i = 0; i < c->ntab; i++)
		if (c->tab[i].oid == oid)
			return &c->tab[i];
	return NULL;
}

/* A name read from a catalog, quoted as an identifier; names of ours never need escaping. */
static int plain_name(struct cp *c, const char *name)
{
	if (strlen(name) >= NAME_MAX_LEN || strchr(name, '"'))
		return fail(c, SR_EINVAL, "the table or column name %.80s cannot be copied", name);
	return 0;
}

/* The source has table t: 1, 0, or a negative code. */
static int source_has(struct cp *c, const char *t)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(c->src, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", -1, &st, NULL))
		return fail(c, SR_EDB, "cannot read the source's schema: %s", sqlite3_errmsg(c->src));
	sqlite3_bind_text(st, 1, t, -1, SQLITE_STATIC);
	int r = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return r;
}

/* The source's expression for target column col of table t: the column of the same name,
 * else the two known differences (see the top of the file); "" when it has none. */
static int source_column(struct cp *c, const char *t, const char *col, char *out, size_t n)
{
	const char *want = col;
	if (strcmp(t, "skill_search_short") == 0 && strcmp(col, "body") == 0)
		want = "text";
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(c->src, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2", -1, &st, NULL))
		return fail(c, SR_EDB, "cannot read the source's columns: %s", sqlite3_errmsg(c->src));
	sqlite3_bind_text(st, 1, t, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, want, -1, SQLITE_STATIC);
	int found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (found)
		snprintf(out, n, "\"%s\"", want);
	else if (strcmp(col, "id") == 0)
		snprintf(out, n, "rowid");
	else
		out[0] = '\0';
	return 0;
}

/* The target's tables, columns, foreign keys and secondary indexes, from its catalog. */
static int read_target(struct cp *c)
{
	int rc;
	PGresult *r = q(c,
			"SELECT c.oid::text, c.relname FROM pg_class c WHERE c.relkind = 'r' "
			"AND c.relnamespace = current_schema()::regnamespace ORDER BY c.relname",
			0, NULL, &rc);
	if (!r)
		return rc;
	for (int i = 0; i < PQntuples(r) && !rc; i++) {
		const char *name = PQgetvalue(r, i, 1);
		if (c->ntab == MAX_TABLES) {
			rc = fail(c, SR_ETOOBIG, "the target has more than %d tables", MAX_TABLES);
			break;
		}
		if ((rc = plain_name(c, name)))
			break;
		struct table *t = &c->tab[c->ntab++];
		memset(t, 0, sizeof(*t));
		snprintf(t->name, sizeof(t->name), "%s", name);
		t->oid = (unsigned)strtoul(PQgetvalue(r, i, 0), NULL, 10);
		/* Its migrations and its blobs are the target's own business. */
		if (strcmp(name, "schema_migrations") == 0 || strcmp(name, "blobs") == 0)
			continue;
		int has = source_has(c, name);
		if (has < 0)
			rc = has;
		t->copy = has > 0;
	}
	PQclear(r);
	if (rc)
		return rc;

	r = q(c,
	      "SELECT a.attrelid::text, a.attname, a.atttypid::text, (a.attidentity <> '')::int::text "
	      "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
	      "WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace "
	      "AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attrelid, a.attnum",
	      0, NULL, &rc);
	if (!r)
		return rc;
	for (int i = 0; i < PQntuples(r) && !rc; i++) {
		struct table *t = by_oid(c, (unsigned)strtoul(PQgetvalue(r, i, 0), NULL, 10));
		if (!t || !t->copy)
			continue;
		const char *name = PQgetvalue(r, i, 1);
		if ((rc = plain_name(c, name)))
			break;
		if (t->ncols == MAX_COLS) {
			rc = fail(c, SR_ETOOBIG, "table %s has more than %d columns", t->name, MAX_COLS);
			break;
		}
		struct column *k = &t->col[t->ncols];
		snprintf(k->name, sizeof(k->name), "%s", name);
		k->type = (unsigned)strtoul(PQgetvalue(r, i, 2), NULL, 10);
		k->identity = PQgetvalue(r, i, 3)[0] == '1';
		if ((rc = source_column(c, t->name, name, k->src, sizeof(k->src))))
			break;
		if (k->src[0])
			t->ncols++;
		else
			note(c, "%s.%s: not in the source, left to its default", t->name, name);
	}
	PQclear(r);
	if (rc)
		return rc;

	r = q(c,
	      "SELECT conrelid::text, confrelid::text FROM pg_constraint WHERE contype = 'f' "
	      "AND connamespace = current_schema()::regnamespace",
	      0, NULL, &rc);
	if (!r)
		return rc;
	for (int i = 0; i < PQntuples(r) && c->nfk < MAX_TABLES * 4; i++) {
		c->fk_from[c->nfk] = (unsigned)strtoul(PQgetvalue(r, i, 0), NULL, 10);
		c->fk_to[c->nfk++] = (unsigned)strtoul(PQgetvalue(r, i, 1), NULL, 10);
	}
	PQclear(r);

	/* Indexes that back no constraint (primary keys and unique constraints stay: foreign
	 * keys need them, and they are few). */
	r = q(c,
	      "SELECT i.indrelid::text, i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
	      "FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
	      "WHERE c.relnamespace = current_schema()::regnamespace "
	      "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
	      "ORDER BY i.indexrelid",
	      0, NULL, &rc);
	if (!r)
		return rc;
	for (int i = 0; i < PQntuples(r) && !rc; i++) {
		struct table *t = by_oid(c, (unsigned)strtoul(PQgetvalue(r, i, 0), NULL, 10));
		if (!t || !t->copy)
			continue;
		if (c->nidx == MAX_INDEXES) {
			rc = fail(c, SR_ETOOBIG, "the target has more than %d indexes", MAX_INDEXES);
			break;
		}
		struct index *x = &c->idx[c->nidx++];
		if ((size_t)snprintf(x->name, sizeof(x->name), "%s", PQgetvalue(r, i, 1)) >= sizeof(x->name) ||
		    (size_t)snprintf(x->def, sizeof(x->def), "%s", PQgetvalue(r, i, 2)) >= sizeof(x->def))
			rc = fail(c, SR_ETOOBIG, "the definition of index %s is too long", PQgetvalue(r, i, 1));
	}
	PQclear(r);
	return rc;
}

/* Source tables the copy leaves behind, named once: SQLite's own, the FTS5 shadow tables and
 * the migrations record are expected; anything else is data the target has no table for. */
static int note_left_behind(struct cp *c)
{
	sqlite3_stmt *st;
	const char *sql = "SELECT name FROM sqlite_master s WHERE type = 'table' AND name NOT LIKE 'sqlite%' "
			  "AND name <> 'schema_migrations' AND NOT EXISTS (SELECT 1 FROM sqlite_master v "
			  "WHERE v.sql LIKE 'CREATE VIRTUAL TABLE%' AND s.name LIKE v.name || '\\_%' ESCAPE '\\')";
	if (sqlite3_prepare_v2(c->src, sql, -1, &st, NULL))
		return fail(c, SR_EDB, "cannot read the source's schema: %s", sqlite3_errmsg(c->src));
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		int found = 0;
		for (int i = 0; i < c->ntab && !found; i++)
			found = strcmp(c->tab[i].name, name) == 0;
		if (!found)
			note(c, "%s: no such table in the target, not copied", name);
	}
	sqlite3_finalize(st);
	return 0;
}

/* ---- the rows ---- */

static int flush(struct cp *c, int force)
{
	if (c->out.failed)
		return fail(c, SR_ETOOBIG, "a row is larger than the copy's buffer");
	if (!c->out.len || (!force && c->out.len < FLUSH_AT))
		return 0;
	if (PQputCopyData(c->pg, c->out.data, (int)c->out.len) != 1)
		return fail(c, SR_EIO, "COPY: %s", PQerrorMessage(c->pg));
	sr_buf_reset(&c->out);
	return 0;
}

/* Text in COPY's text format: backslash, tab, newline and carriage return escaped. */
static void put_text(sr_buf *b, const unsigned char *s, int n)
{
	int from = 0;
	for (int i = 0; i < n; i++) {
		const char *e = NULL;
		switch (s[i]) {
		case '\\': e = "\\\\"; break;
		case '\t': e = "\\t"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		default: continue;
		}
		sr_buf_append(b, s + from, (size_t)(i - from));
		sr_buf_append(b, e, 2);
		from = i + 1;
	}
	sr_buf_append(b, s + from, (size_t)(n - from));
}

/* bytea in COPY's text format: \\x and two hex digits a byte (the backslash escaped). */
static void put_hex(sr_buf *b, const unsigned char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	sr_buf_append(b, "\\\\x", 3);
	if (sr_buf_reserve(b, 2 * n))
		return;
	for (size_t i = 0; i < n; i++) {
		char two[2] = {hex[s[i] >> 4], hex[s[i] & 15]};
		sr_buf_append(b, two, 2);
	}
}

static void put_value(sr_buf *b, sqlite3_stmt *st, int i, unsigned type)
{
	char num[32];
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL:
		sr_buf_append(b, "\\N", 2);
		break;
	case SQLITE_INTEGER:
		sr_buf_append(b, num, (size_t)snprintf(num, sizeof(num), "%lld", (long long)sqlite3_column_int64(st, i)));
		break;
	case SQLITE_FLOAT:
		sr_buf_append(b, num, (size_t)snprintf(num, sizeof(num), "%.17g", sqlite3_column_double(st, i)));
		break;
	case SQLITE_BLOB:
		if (type == OID_BYTEA) {
			put_hex(b, sqlite3_column_blob(st, i), (size_t)sqlite3_column_bytes(st, i));
			break;
		}
		/* Bytes in a column of another type are its text. */
		/* fall through */
	default:
		put_text(b, sqlite3_column_text(st, i), sqlite3_column_bytes(st, i));
		break;
	}
}

/* Ends the COPY in progress: sent, or cancelled with reason. 0 when the server took it. */
static int copy_end(struct cp *c, const char *cancel, int64_t *rows)
{
	int rc = 0;
	if (PQputCopyEnd(c->pg, cancel) != 1)
		rc = fail(c, SR_EIO, "COPY: %s", PQerrorMessage(c->pg));
	PGresult *res;
	while ((res = PQgetResult(c->pg))) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = fail(c, SR_EDB, "COPY: %s", PQresultErrorMessage(res));
		else if (rows)
			*rows = strtoll(PQcmdTuples(res), NULL, 10);
		PQclear(res);
	}
	return rc;
}

static int copy_table(struct cp *c, struct table *t)
{
	sr_buf sel, cols;
	sr_buf_init(&sel, 1 << 14);
	sr_buf_init(&cols, 1 << 14);
	for (int i = 0; i < t->ncols; i++) {
		sr_buf_printf(&sel, "%s%s", i ? ", " : "", t->col[i].src);
		sr_buf_printf(&cols, "%s\"%s\"", i ? ", " : "", t->col[i].name);
	}
	sr_buf_printf(&sel, " FROM \"%s\"", t->name);
	char *select = NULL;
	int rc = 0;
	if (sel.failed || cols.failed || !(select = malloc(sel.len + 8))) {
		rc = fail(c, SR_ENOMEM, "out of memory");
		goto out;
	}
	snprintf(select, sel.len + 8, "SELECT %s", sel.data);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(c->src, select, -1, &st, NULL)) {
		rc = fail(c, SR_EDB, "cannot read %s from the source: %s", t->name, sqlite3_errmsg(c->src));
		goto out;
	}
	char head[16384];
	snprintf(head, sizeof(head), "COPY \"%s\" (%s) FROM STDIN", t->name, cols.data);
	PGresult *res = PQexec(c->pg, head);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		rc = fail(c, SR_EDB, "%s: %s", head, PQerrorMessage(c->pg));
		PQclear(res);
		sqlite3_finalize(st);
		goto out;
	}
	PQclear(res);
	int s = SQLITE_DONE;
	while (!rc && (s = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < t->ncols; i++) {
			if (i)
				sr_buf_append(&c->out, "\t", 1);
			put_value(&c->out, st, i, t->col[i].type);
		}
		sr_buf_append(&c->out, "\n", 1);
		rc = flush(c, 0);
	}
	if (!rc && s != SQLITE_DONE)
		rc = fail(c, SR_EDB, "reading %s from the source: %s", t->name, sqlite3_errmsg(c->src));
	sqlite3_finalize(st);
	if (!rc)
		rc = flush(c, 1);
	int end = copy_end(c, rc ? "the copy failed" : NULL, &t->rows);
	rc = rc ? rc : end;
	sr_buf_reset(&c->out);
out:
	free(select);
	sr_buf_deinit(&sel);
	sr_buf_deinit(&cols);
	return rc;
}

/* The tables in foreign-key order: a table after every table it references. */
static int copy_tables(struct cp *c)
{
	for (;;) {
		struct table *next = NULL;
		for (int i = 0; i < c->ntab && !next; i++) {
			struct table *t = &c->tab[i];
			if (!t->copy || t->done)
				continue;
			int ready = 1;
			for (int k = 0; k < c->nfk && ready; k++) {
				struct table *ref = c->fk_from[k] == t->oid ? by_oid(c, c->fk_to[k]) : NULL;
				ready = !ref || ref == t || !ref->copy || ref->done;
			}
			if (ready)
				next = t;
		}
		if (!next)
			break;
		double t0 = now_s();
		int rc = copy_table(c, next);
		if (rc)
			return rc;
		next->done = 1;
		c->st->tables++;
		c->st->rows += next->rows;
		note(c, "%s: %lld rows, %.1f s", next->name, (long long)next->rows, now_s() - t0);
	}
	for (int i = 0; i < c->ntab; i++)
		if (c->tab[i].copy && !c->tab[i].done)
			return fail(c, SR_EINVAL, "the foreign keys of %s form a cycle; cannot order the copy", c->tab[i].name);
	return 0;
}

/* ---- blobs ---- */

static int copy_blob(struct cp *c, const char *path, const char *sha, sr_buf *bytes, int64_t now)
{
	struct stat sb;
	sr_buf_reset(bytes);
	if (stat(path, &sb) || !S_ISREG(sb.st_mode))
		return 0;
	int rc = sr_buf_read_file(bytes, path);
	if (rc)
		return fail(c, rc, "cannot read blob %s", path);
	char got[65];
	sr_sha256_hex(bytes->data, bytes->len, got);
	if (strcmp(got, sha) != 0) {
		note(c, "blob %s: its bytes hash to %s, not loaded", path, got);
		c->st->skipped_blobs++;
		return 0;
	}
	int64_t mtime = (int64_t)sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000;
	sr_buf_printf(&c->out, "%s\t%zu\t", sha, bytes->len);
	put_hex(&c->out, (const unsigned char *)bytes->data, bytes->len);
	/* created_at and touched_at: the file's age, which the file store's collector went by;
	 * never in the future of this clock. */
	sr_buf_printf(&c->out, "\t%lld\t%lld\n", (long long)(mtime < now ? mtime : now),
		      (long long)(mtime < now ? mtime : now));
	c->st->blobs++;
	c->st->blob_bytes += (int64_t)bytes->len;
	return flush(c, 0);
}

/* The file store's layout: DIR/ab/<64 hex digits>. Temporary files and anything else are
 * skipped. */
static int copy_blobs(struct cp *c, const char *dir)
{
	DIR *top = opendir(dir);
	if (!top)
		return fail(c, SR_EIO, "cannot open the blob directory %s", dir);
	PGresult *res = PQexec(c->pg, "COPY blobs (sha256, size, data, created_at, touched_at) FROM STDIN");
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		int rc = fail(c, SR_EDB, "COPY blobs: %s", PQerrorMessage(c->pg));
		PQclear(res);
		closedir(top);
		return rc;
	}
	PQclear(res);
	sr_buf bytes;
	sr_buf_init(&bytes, BLOB_MAX);
	int64_t now = sr_now_ms();
	int rc = 0;
	struct dirent *d;
	while (!rc && (d = readdir(top))) {
		if (strlen(d->d_name) != 2 || d->d_name[0] == '.')
			continue;
		char sub[4096];
		snprintf(sub, sizeof(sub), "%s/%s", dir, d->d_name);
		DIR *fan = opendir(sub);
		if (!fan)
			continue;
		struct dirent *e;
		while (!rc && (e = readdir(fan))) {
			if (!sr_is_hex64(e->d_name) || strncmp(e->d_name, d->d_name, 2) != 0)
				continue;
			char path[8192], sha[65];
			snprintf(path, sizeof(path), "%s/%s", sub, e->d_name);
			memcpy(sha, e->d_name, 64);
			sha[64] = '\0';
			sr_lower(sha);
			rc = copy_blob(c, path, sha, &bytes, now);
		}
		closedir(fan);
	}
	closedir(top);
	sr_buf_deinit(&bytes);
	if (!rc)
		rc = flush(c, 1);
	int end = copy_end(c, rc ? "the copy failed" : NULL, NULL);
	sr_buf_reset(&c->out);
	return rc ? rc : end;
}

/* ---- the whole copy ---- */

static int migrate(struct cp *c, const char *target, const char *what)
{
	sr_store *s;
	int rc = sr_store_open(target, &s);
	if (!rc && (rc = sr_store_migrate(s)))
		fail(c, rc, "cannot migrate the %s %s: %s", what, target, sr_store_errmsg(s));
	else if (rc)
		fail(c, rc, "cannot open the %s %s", what, target);
	sr_store_close(s);
	return rc;
}

static int64_t scalar(struct cp *c, const char *sql, int *rc)
{
	PGresult *r = q(c, sql, 0, NULL, rc);
	int64_t v = r && PQntuples(r) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
	PQclear(r);
	return v;
}

/* Everything from the truncate to the commit, in the transaction run() opened. */
static int load(struct cp *c)
{
	sr_buf list;
	sr_buf_init(&list, 1 << 16);
	for (int i = 0; i < c->ntab; i++)
		if (c->tab[i].copy || (c->o->blob_dir && strcmp(c->tab[i].name, "blobs") == 0))
			sr_buf_printf(&list, "%s\"%s\"", list.len ? ", " : "", c->tab[i].name);
	int rc = list.failed ? fail(c, SR_ETOOBIG, "too many tables") : 0;
	/* Migrations seed a few rows (global_stats); the source has its own. */
	if (!rc && list.len)
		rc = execf(c, "TRUNCATE %s", list.data);
	sr_buf_deinit(&list);
	for (int i = 0; i < c->nidx && !rc; i++)
		rc = execf(c, "DROP INDEX %s", c->idx[i].name);
	for (int i = 0; i < c->ntab && !rc; i++)
		if (c->tab[i].copy)
			rc = execf(c, "ALTER TABLE \"%s\" DISABLE TRIGGER USER", c->tab[i].name);
	if (!rc)
		rc = copy_tables(c);
	if (!rc && c->o->blob_dir) {
		double t0 = now_s();
		if (!(rc = copy_blobs(c, c->o->blob_dir)))
			note(c, "blobs: %lld files, %lld bytes, %.1f s", (long long)c->st->blobs,
			     (long long)c->st->blob_bytes, now_s() - t0);
	}
	double t0 = now_s();
	for (int i = 0; i < c->nidx && !rc; i++)
		rc = exec(c, c->idx[i].def);
	if (!rc && c->nidx)
		note(c, "%d indexes built, %.1f s", c->nidx, now_s() - t0);
	for (int i = 0; i < c->ntab && !rc; i++) {
		struct table *t = &c->tab[i];
		if (!t->copy)
			continue;
		rc = execf(c, "ALTER TABLE \"%s\" ENABLE TRIGGER USER", t->name);
		for (int k = 0; k < t->ncols && !rc; k++)
			if (t->col[k].identity)
				rc = execf(c,
					   "SELECT setval(pg_get_serial_sequence('\"%s\"', '%s'), "
					   "COALESCE((SELECT max(\"%s\") FROM \"%s\"), 0) + 1, false)",
					   t->name, t->col[k].name, t->col[k].name, t->name);
	}
	return rc;
}

static int run(struct cp *c)
{
	const char *to = c->o->to;
	if (strncmp(to, "postgres://", 11) != 0 && strncmp(to, "postgresql://", 13) != 0)
		return fail(c, SR_EINVAL, "the target must be a postgres:// or postgresql:// URL");
	int rc;
	if ((rc = migrate(c, c->o->from, "source")) || (rc = migrate(c, to, "target")))
		return rc;
	if (sqlite3_open_v2(c->o->from, &c->src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return fail(c, SR_EIO, "cannot open %s: %s", c->o->from, sqlite3_errmsg(c->src));
	sqlite3_busy_timeout(c->src, 5000);
	c->pg = PQconnectdb(to);
	if (PQstatus(c->pg) != CONNECTION_OK)
		return fail(c, SR_EUNAVAIL, "cannot connect to %s: %s", to, PQerrorMessage(c->pg));
	PQsetNoticeProcessor(c->pg, quiet, NULL);
	/* One read transaction on the source: every table is read from the same state. */
	if (sqlite3_exec(c->src, "BEGIN; SELECT count(*) FROM schema_migrations", NULL, NULL, NULL))
		return fail(c, SR_EDB, "cannot read %s: %s", c->o->from, sqlite3_errmsg(c->src));
	int64_t held = scalar(c, "SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM skills)", &rc);
	if (rc)
		return rc;
	if (held)
		return fail(c, SR_EEXIST, "the target already holds users or skills; db-copy fills a new database");
	if ((rc = read_target(c)) || (rc = note_left_behind(c)))
		return rc;
	if ((rc = exec(c, "BEGIN")) || (rc = exec(c, "SET LOCAL maintenance_work_mem = '256MB'")))
		return rc;
	if ((rc = load(c))) {
		PQclear(PQexec(c->pg, "ROLLBACK"));
		return rc;
	}
	if ((rc = exec(c, "COMMIT")))
		return rc;
	sqlite3_exec(c->src, "COMMIT", NULL, NULL, NULL);
	/* Statistics for the planner, and the visibility map set, so that an index-only scan of
	 * the freshly loaded rows does not visit the heap. */
	double t0 = now_s();
	for (int i = 0; i < c->ntab && !rc; i++)
		if (c->tab[i].copy || (c->o->blob_dir && strcmp(c->tab[i].name, "blobs") == 0))
			rc = execf(c, "VACUUM (ANALYZE) \"%s\"", c->tab[i].name);
	if (!rc)
		note(c, "vacuum and analyze, %.1f s", now_s() - t0);
	return rc;
}

int sr_store_copy(const sr_copy_opts *o, sr_copy_stats *st, char *err, size_t errsz)
{
	struct cp *c = calloc(1, sizeof(*c));
	memset(st, 0, sizeof(*st));
	err[0] = '\0';
	if (!c) {
		snprintf(err, errsz, "out of memory");
		return SR_ENOMEM;
	}
	c->o = o;
	c->st = st;
	c->err = err;
	c->errsz = errsz;
	c->t0 = now_s();
	sr_buf_init(&c->out, CHUNK_MAX);
	int rc = run(c);
	sr_buf_deinit(&c->out);
	if (c->src)
		sqlite3_close(c->src);
	if (c->pg)
		PQfinish(c->pg);
	st->seconds = now_s() - c->t0;
	free(c);
	return rc;
}
