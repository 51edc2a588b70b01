/*
 * sqlite.c - the SQLite engine behind store.h: the connection and the statement engine.
 *
 * It owns everything the domain files must not see: the connection and its tuning, the
 * cache of prepared statements (each catalogue statement is prepared lazily, once per
 * connection, and reset after use), binding and column access, transactions and the
 * request's read snapshot, and the generation counters (a file mapped next to the database,
 * gen.c). All reads go through its step, which counts rows, column bytes and index ranges
 * into the connection's read context (sr_reads) and stops the read when a limit is passed.
 * It is one engine of the table in engine.h; with schema.c (the migrations) and catalogue.c
 * (the SQL text) it is the only code in src/store that includes <sqlite3.h>.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/util.h"
#include "store/gen.h"
#include "store/engine.h"
#include "store/sqlite.h"

#define COLTAB_MAX 32  /* columns attributed to their table; later ones go to the first's */

/* A catalogue statement: the engine-neutral header and the SQLite statement. */
struct lite_stmt {
	sr__stmt base;
	sqlite3_stmt *st;
};

struct lite {
	sr_store base;
	sqlite3 *db;
	struct lite_stmt stmts[SR__Q_TOTAL];
	unsigned char coltab[SR__Q_TOTAL][COLTAB_MAX]; /* sr_table of each result column */
	int read_txn;  /* the request's read snapshot is open */
	int mapped;    /* opened with a memory map: mapped pages bypass the page-cache counters */
	sqlite3_stmt *begin_read, *commit_read;
};

static const struct sr__engine lite_engine;

static struct lite *L(sr_store *s)
{
	return (struct lite *)s;
}

static sqlite3_stmt *lite(sr__stmt *st)
{
	return ((struct lite_stmt *)st)->st;
}

sqlite3 *sr__sqlite_db(sr_store *s)
{
	return L(s)->db;
}

static void lite_page_stats(sr_store *s, int64_t *hits, int64_t *misses)
{
	int cur = 0, hi = 0;
	sqlite3_db_status(L(s)->db, SQLITE_DBSTATUS_CACHE_HIT, &cur, &hi, 1);
	*hits = cur;
	sqlite3_db_status(L(s)->db, SQLITE_DBSTATUS_CACHE_MISS, &cur, &hi, 1);
	*misses = cur;
}

/* SQLite counts a page in its page cache's hits or misses only when it goes through the
 * cache; a page fetched through the memory map is counted nowhere. */
static int lite_pages_complete(sr_store *s)
{
	return !L(s)->mapped;
}

int sr__sqlite_fail(sr_store *s, const char *what)
{
	s->reads->errors++;
	snprintf(s->err, sizeof(s->err), "%s: %s", what, sqlite3_errmsg(L(s)->db));
	sr_log_error("db: %s", s->err);
	/* A full disk is the operator's to fix and the client's to retry, not a broken query. */
	return sqlite3_errcode(L(s)->db) == SQLITE_FULL ? SR_ENOSPC : SR_EDB;
}

/* Process-wide settings for connections opened from now on. */
static _Atomic int64_t tune_cache_kib = SR_STORE_DEFAULT_CACHE_KIB;
static _Atomic int64_t tune_mmap_bytes = SR_STORE_DEFAULT_MMAP_BYTES;

void sr_store_tune(int64_t cache_kib, int64_t mmap_bytes)
{
	if (cache_kib >= 0)
		atomic_store(&tune_cache_kib, cache_kib);
	if (mmap_bytes >= 0)
		atomic_store(&tune_mmap_bytes, mmap_bytes);
}

static void lite_close(sr_store *s)
{
	struct lite *l = L(s);
	for (int i = 0; i < SR__Q_TOTAL; i++)
		sqlite3_finalize(l->stmts[i].st);
	sqlite3_finalize(l->begin_read);
	sqlite3_finalize(l->commit_read);
	sqlite3_close(l->db);
	sr_gens_close(s->gens);
	free(l);
}

/* SQLite's allocation statistics take one process-wide mutex on every allocation, which the
 * request threads then contend for; skillreg reads none of them. Set once, before the first
 * connection initializes the library (later, sqlite3_config refuses and nothing changes). */
static void lib_setup(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int sr__sqlite_open(const char *path, sr_store **out)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, lib_setup);
	struct lite *l = calloc(1, sizeof(*l));
	if (!l)
		return SR_ENOMEM;
	sr_store *s = &l->base;
	sr__store_init(s, &lite_engine);
	for (int q = 0; q < SR__Q_TOTAL; q++) {
		l->stmts[q].base.eng = &lite_engine;
		l->stmts[q].base.q = q;
	}
	int rc = sqlite3_open_v2(path, &l->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		sr_log_error("cannot open db %s: %s", path, l->db ? sqlite3_errmsg(l->db) : "out of memory");
		sqlite3_close(l->db);
		free(l);
		return SR_EDB;
	}
	if (sr_gens_open(path, &s->gens)) {
		sqlite3_close(l->db);
		free(l);
		return SR_EIO;
	}
	sqlite3_busy_timeout(l->db, 5000);
	/* WAL lets readers run beside the one writer; NORMAL sync is durable across a process
	 * crash and loses at most the last transactions on power loss. The page cache and the
	 * memory map are sr_store_tune's (BENCHMARKS.md has the measurement behind the
	 * defaults). */
	char pragmas[512];
	int64_t mmap_bytes = atomic_load(&tune_mmap_bytes);
	l->mapped = mmap_bytes > 0;
	snprintf(pragmas, sizeof(pragmas),
		 "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF; "
		 "PRAGMA mmap_size=%lld; PRAGMA cache_size=-%lld; PRAGMA temp_store=MEMORY;",
		 (long long)mmap_bytes, (long long)atomic_load(&tune_cache_kib));
	if (sqlite3_exec(l->db, pragmas, NULL, NULL, NULL) != SQLITE_OK) {
		sr__sqlite_fail(s, "pragmas");
		lite_close(s);
		return SR_EDB;
	}
	*out = s;
	return 0;
}

static int open_read(sr_store *s);

static sr__stmt *lite_prepare(sr_store *s, int q)
{
	struct lite *l = L(s);
	if (s->read_want && open_read(s))
		return NULL;
	struct lite_stmt *ls = &l->stmts[q];
	if (!ls->st) {
		const char *sql = sr_store_statement_sql(q);
		if (!sql)
			return NULL;
		if (sqlite3_prepare_v3(l->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &ls->st, NULL) != SQLITE_OK) {
			sr__sqlite_fail(s, "prepare");
			sr_log_error("db: statement was: %s", sql);
			return NULL;
		}
		ls->base.readonly = sqlite3_stmt_readonly(ls->st);
		int n = sqlite3_column_count(ls->st);
		for (int c = 0; c < n && c < COLTAB_MAX; c++)
			l->coltab[q][c] = (unsigned char)sr__table_of(sqlite3_column_table_name(ls->st, c));
	}
	sqlite3_reset(ls->st);
	sqlite3_clear_bindings(ls->st);
	return &ls->base;
}

static int lite_step(sr_store *s, sr__stmt *h)
{
	struct lite *l = L(s);
	sqlite3_stmt *st = lite(h);
	int64_t t0 = sr_mono_ns();
	int rc = sqlite3_step(st);
	sr_reads *r = s->reads;
	r->db_ns += sr_mono_ns() - t0;
	if (rc == SQLITE_ROW) {
		const unsigned char *tab = l->coltab[h->q];
		int n = sqlite3_column_count(st);
		int first = tab[0];
		r->rows++;
		r->table_rows[first]++;
		for (int i = 0; i < n; i++) {
			int64_t b;
			switch (sqlite3_column_type(st, i)) {
			case SQLITE_INTEGER:
			case SQLITE_FLOAT: b = 8; break;
			case SQLITE_NULL: b = 0; break;
			default: b = sqlite3_column_bytes(st, i); break;
			}
			r->bytes += b;
			r->table_bytes[i < COLTAB_MAX ? tab[i] : first] += b;
		}
		if (sr__reads_exceeded(r)) {
			sqlite3_reset(st);
			return SR_ELIMIT;
		}
		return SR__ROW;
	}
	if (rc == SQLITE_DONE) {
		/* A write outside a transaction has committed by now. */
		if ((s->touch.dirty || s->touch.auth) && sqlite3_get_autocommit(l->db))
			sr__touch_apply(s);
		return SR__DONE;
	}
	if (rc == SQLITE_CONSTRAINT) {
		snprintf(s->err, sizeof(s->err), "%s", sqlite3_errmsg(l->db));
		sqlite3_reset(st);
		return SR_EEXIST;
	}
	sr__sqlite_fail(s, "step");
	sqlite3_reset(st);
	return SR_EDB;
}

static void lite_reset(sr__stmt *st)
{
	sqlite3_reset(lite(st));
}

static int64_t lite_changes(sr_store *s)
{
	return sqlite3_changes(L(s)->db);
}

static int64_t lite_last_id(sr_store *s)
{
	return sqlite3_last_insert_rowid(L(s)->db);
}

/* FTS5 says so in its message: "fts5: syntax error near ...", or a column filter naming no
 * column. A busy or broken database is another message. */
static int lite_search_refused(sr_store *s)
{
	return strstr(s->err, "fts5:") || strstr(s->err, "no such column");
}

static void lite_bind_int64(sr__stmt *st, int i, int64_t v)
{
	sqlite3_bind_int64(lite(st), i, v);
}

static void lite_bind_null(sr__stmt *st, int i)
{
	sqlite3_bind_null(lite(st), i);
}

static void lite_bind_text(sr__stmt *st, int i, const char *v, size_t n, int copy)
{
	sqlite3_bind_text(lite(st), i, v, (int)n, copy ? SQLITE_TRANSIENT : SQLITE_STATIC);
}

static int64_t lite_col_int64(sr__stmt *st, int i)
{
	return sqlite3_column_int64(lite(st), i);
}

static double lite_col_double(sr__stmt *st, int i)
{
	return sqlite3_column_double(lite(st), i);
}

static const char *lite_col_text(sr__stmt *st, int i)
{
	return (const char *)sqlite3_column_text(lite(st), i);
}

static int lite_col_is_null(sr__stmt *st, int i)
{
	return sqlite3_column_type(lite(st), i) == SQLITE_NULL;
}

static int lite_col_count(sr__stmt *st)
{
	return sqlite3_column_count(lite(st));
}

static int open_read(sr_store *s)
{
	struct lite *l = L(s);
	s->read_want = SR__READ_NONE;
	if (!sqlite3_get_autocommit(l->db))
		return 0;
	if (!l->begin_read &&
	    sqlite3_prepare_v3(l->db, "BEGIN", -1, SQLITE_PREPARE_PERSISTENT, &l->begin_read, NULL) != SQLITE_OK)
		return sr__sqlite_fail(s, "prepare begin");
	int rc = sqlite3_step(l->begin_read);
	sqlite3_reset(l->begin_read);
	if (rc != SQLITE_DONE)
		return sr__sqlite_fail(s, "begin read");
	l->read_txn = 1;
	return 0;
}

static void lite_read_end(sr_store *s)
{
	struct lite *l = L(s);
	if (!l->read_txn)
		return;
	l->read_txn = 0;
	if (sqlite3_get_autocommit(l->db))
		return;
	if (!l->commit_read &&
	    sqlite3_prepare_v3(l->db, "COMMIT", -1, SQLITE_PREPARE_PERSISTENT, &l->commit_read, NULL) != SQLITE_OK) {
		sqlite3_exec(l->db, "COMMIT", NULL, NULL, NULL);
		return;
	}
	sqlite3_step(l->commit_read);
	sqlite3_reset(l->commit_read);
}

static int lite_begin(sr_store *s)
{
	if (sqlite3_exec(L(s)->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return sr__sqlite_fail(s, "begin");
	return 0;
}

static void lite_rollback(sr_store *s)
{
	if (!sqlite3_get_autocommit(L(s)->db))
		sqlite3_exec(L(s)->db, "ROLLBACK", NULL, NULL, NULL);
}

static int lite_commit(sr_store *s)
{
	sr__touch_announce(s);
	if (sqlite3_exec(L(s)->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		int rc = sr__sqlite_fail(s, "commit");
		sr_store_rollback(s);
		return rc;
	}
	sr__touch_apply(s);
	return 0;
}

/* The query plan of statement i, for the query-plan guard (tests/unit/test_queryplan.c). */
static int lite_explain(sr_store *s, int i, sr_buf *out)
{
	const char *sql = sr_store_statement_sql(i);
	if (!sql)
		return SR_EINVAL;
	char *q = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql);
	if (!q)
		return SR_ENOMEM;
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(L(s)->db, q, -1, &st, NULL);
	sqlite3_free(q);
	if (rc != SQLITE_OK)
		return sr__sqlite_fail(s, "explain");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *detail = (const char *)sqlite3_column_text(st, 3);
		sr_buf_printf(out, "%s\n", detail ? detail : "");
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : SR_EDB;
}

static const struct sr__engine lite_engine = {
	.name = "sqlite",
	.close = lite_close,
	.migrate = sr__sqlite_migrate,
	.begin = lite_begin,
	.commit = lite_commit,
	.rollback = lite_rollback,
	.read_end = lite_read_end,
	.page_stats = lite_page_stats,
	.pages_complete = lite_pages_complete,
	.explain = lite_explain,
	.sql = sr_store_statement_sql,
	.match_expr = sr__lite_match_expr,
	.prepare = lite_prepare,
	.step = lite_step,
	.reset = lite_reset,
	.changes = lite_changes,
	.last_id = lite_last_id,
	.search_refused = lite_search_refused,
	.bind_int64 = lite_bind_int64,
	.bind_null = lite_bind_null,
	.bind_text = lite_bind_text,
	.col_int64 = lite_col_int64,
	.col_double = lite_col_double,
	.col_text = lite_col_text,
	.col_is_null = lite_col_is_null,
	.col_count = lite_col_count,
};
