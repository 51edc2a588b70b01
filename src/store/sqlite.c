/*
 * sqlite.c - the SQLite engine behind store.h: the connection and the statement engine.
 *
 * It owns everything the domain files must not see: the connection and its tuning, the
 * cache of prepared statements (each catalogue statement is prepared lazily, once per
 * connection, and reset after use), binding and column access, transactions and the
 * request's read snapshot, and the generation counters a committed write bumps. All reads go
 * through sr__step, which counts rows, column bytes and index ranges into the connection's
 * read context (sr_reads) and stops the read when a limit is passed. With schema.c (the
 * migrations) it is the only code in src/store that includes <sqlite3.h>.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/util.h"
#include "store/gen.h"
#include "store/internal.h"
#include "store/sqlite.h"

#define COLTAB_MAX 32  /* columns attributed to their table; later ones go to the first's */
#define TOUCH_MAX 64   /* generation slots one transaction bumps before it counts as wide */

struct sr_store {
	sqlite3 *db;
	sqlite3_stmt *stmts[SR__Q_TOTAL];
	unsigned char coltab[SR__Q_TOTAL][COLTAB_MAX]; /* sr_table of each result column */
	int cur;       /* the statement sr__prepare handed out last */
	sr_reads *reads;
	sr_reads scratch;
	int read_want; /* a request asked for one read snapshot (sr_store_read_begin) */
	int read_txn;  /* and its first statement has opened it */
	sqlite3_stmt *begin_read, *commit_read;
	sr_gens *gens;
	/* What the open transaction's writes will bump once it commits. */
	struct {
		int dirty, wide, n;
		int slot[TOUCH_MAX];
	} touch;
	char err[256];
};

/* An sr__stmt is a sqlite3_stmt under another name: the domain files hold it opaque. */
static sqlite3_stmt *lite(sr__stmt *st)
{
	return (sqlite3_stmt *)st;
}

sqlite3 *sr__sqlite_db(sr_store *s)
{
	return s->db;
}

struct sr_gens *sr_store_gens(sr_store *s)
{
	return s->gens;
}

void sr_store_page_stats(sr_store *s, int64_t *hits, int64_t *misses)
{
	int cur = 0, hi = 0;
	sqlite3_db_status(s->db, SQLITE_DBSTATUS_CACHE_HIT, &cur, &hi, 1);
	*hits = cur;
	sqlite3_db_status(s->db, SQLITE_DBSTATUS_CACHE_MISS, &cur, &hi, 1);
	*misses = cur;
}

static void touch_clear(sr_store *s)
{
	s->touch.dirty = s->touch.wide = s->touch.n = 0;
}

static void touch_slot(sr_store *s, int slot)
{
	for (int i = 0; i < s->touch.n; i++)
		if (s->touch.slot[i] == slot)
			return;
	if (s->touch.n == TOUCH_MAX)
		s->touch.wide = 1;
	else
		s->touch.slot[s->touch.n++] = slot;
}

/* Bumps what the committed writes touched: the catalog first, then the buckets, the order
 * the cache's fill check relies on (src/http/cache.c). */
static void touch_apply(sr_store *s)
{
	if (s->touch.dirty) {
		sr_gens_bump(s->gens, SR_GEN_CATALOG);
		if (s->touch.wide)
			sr_gens_bump(s->gens, SR_GEN_DETAILS);
		else
			for (int i = 0; i < s->touch.n; i++)
				sr_gens_bump(s->gens, s->touch.slot[i]);
	}
	touch_clear(s);
}

/* Parameter k (1-based) of a bind format and its arguments: an integer or a string. */
static void bind_arg(const char *fmt, va_list ap, int k, int64_t *num, const char **text)
{
	*num = 0;
	*text = NULL;
	for (int i = 1; fmt[i - 1]; i++) {
		int64_t v = 0;
		const char *t = NULL;
		switch (fmt[i - 1]) {
		case 'I': case 'n': v = va_arg(ap, int64_t); break;
		case 'i': case 'N': v = va_arg(ap, int); break;
		case 't': t = va_arg(ap, const char *); break;
		}
		if (i == k) {
			*num = v;
			*text = t;
			return;
		}
	}
}

/* Records that write statement q is about to run: what kind of answers it can change. */
static void note_write(sr_store *s, int q)
{
	int kind = sr__effect_of(q).kind;
	if (kind == SR__E_NONE)
		return;
	s->touch.dirty = 1;
	if (kind == SR__E_WIDE)
		s->touch.wide = 1;
}

/* Records which skill an SR__E_SKILL statement changes, from its bound parameters. A
 * statement bound by hand (sr__prepare and sr__bind_*) must be one whose effect names no
 * skill parameter. */
static void note_params(sr_store *s, int q, const char *fmt, va_list ap)
{
	sr__effect e = sr__effect_of(q);
	if (e.kind != SR__E_SKILL)
		return;
	int64_t num;
	const char *text;
	va_list cp;
	if (e.id) {
		va_copy(cp, ap);
		bind_arg(fmt, cp, e.id, &num, &text);
		va_end(cp);
		touch_slot(s, sr_gens_slot_id(num));
	}
	if (e.slug) {
		va_copy(cp, ap);
		bind_arg(fmt, cp, e.slug, &num, &text);
		va_end(cp);
		if (text)
			touch_slot(s, sr_gens_slot_slug(text));
	}
}

int sr__sqlite_fail(sr_store *s, const char *what)
{
	s->reads->errors++;
	snprintf(s->err, sizeof(s->err), "%s: %s", what, sqlite3_errmsg(s->db));
	sr_log_error("db: %s", s->err);
	return SR_EDB;
}

const char *sr_store_errmsg(sr_store *s)
{
	return s->err;
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

int sr_store_open(const char *path, sr_store **out)
{
	sr_store *s = calloc(1, sizeof(*s));
	if (!s)
		return SR_ENOMEM;
	sr_reads_init(&s->scratch);
	s->reads = &s->scratch;
	int rc = sqlite3_open_v2(path, &s->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		sr_log_error("cannot open db %s: %s", path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
		sqlite3_close(s->db);
		free(s);
		return SR_EDB;
	}
	if (sr_gens_open(path, &s->gens)) {
		sqlite3_close(s->db);
		free(s);
		return SR_EIO;
	}
	sqlite3_busy_timeout(s->db, 5000);
	/* WAL lets readers run beside the one writer; NORMAL sync is durable across a process
	 * crash and loses at most the last transactions on power loss. The page cache and the
	 * memory map are sr_store_tune's (BENCHMARKS.md has the measurement behind the
	 * defaults). */
	char pragmas[512];
	snprintf(pragmas, sizeof(pragmas),
		 "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF; "
		 "PRAGMA mmap_size=%lld; PRAGMA cache_size=-%lld; PRAGMA temp_store=MEMORY;",
		 (long long)atomic_load(&tune_mmap_bytes), (long long)atomic_load(&tune_cache_kib));
	if (sqlite3_exec(s->db, pragmas, NULL, NULL, NULL) != SQLITE_OK) {
		sr__sqlite_fail(s, "pragmas");
		sr_store_close(s);
		return SR_EDB;
	}
	*out = s;
	return 0;
}

void sr_store_close(sr_store *s)
{
	if (!s)
		return;
	for (int i = 0; i < SR__Q_TOTAL; i++)
		sqlite3_finalize(s->stmts[i]);
	sqlite3_finalize(s->begin_read);
	sqlite3_finalize(s->commit_read);
	sqlite3_close(s->db);
	sr_gens_close(s->gens);
	free(s);
}

void sr_store_set_reads(sr_store *s, sr_reads *r)
{
	s->reads = r ? r : &s->scratch;
	if (!r)
		sr_reads_init(&s->scratch);
}

sr_reads *sr_store_get_reads(sr_store *s)
{
	return s->reads;
}

static int open_read(sr_store *s);

sr__stmt *sr__prepare(sr_store *s, int q)
{
	if (s->read_want && open_read(s))
		return NULL;
	sqlite3_stmt *st = s->stmts[q];
	if (!st) {
		const char *sql = sr_store_statement_sql(q);
		if (!sql)
			return NULL;
		if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
			sr__sqlite_fail(s, "prepare");
			sr_log_error("db: statement was: %s", sql);
			return NULL;
		}
		s->stmts[q] = st;
		int n = sqlite3_column_count(st);
		for (int c = 0; c < n && c < COLTAB_MAX; c++)
			s->coltab[q][c] = (unsigned char)sr__table_of(sqlite3_column_table_name(st, c));
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	s->reads->ranges++;
	s->cur = q;
	if (!sqlite3_stmt_readonly(st))
		note_write(s, q);
	return (sr__stmt *)st;
}

/* The catalogue number of a prepared statement: nearly always the one handed out last. */
static int stmt_index(sr_store *s, sqlite3_stmt *st)
{
	if (s->stmts[s->cur] == st)
		return s->cur;
	for (int q = 0; q < SR__Q_TOTAL; q++)
		if (s->stmts[q] == st)
			return q;
	return -1;
}

int sr__step(sr_store *s, sr__stmt *h)
{
	sqlite3_stmt *st = lite(h);
	int64_t t0 = sr_mono_ns();
	int rc = sqlite3_step(st);
	sr_reads *r = s->reads;
	r->db_ns += sr_mono_ns() - t0;
	if (rc == SQLITE_ROW) {
		int q = stmt_index(s, st);
		const unsigned char *tab = q >= 0 ? s->coltab[q] : NULL;
		int n = sqlite3_column_count(st);
		int first = tab ? tab[0] : SR_T_OTHER;
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
			r->table_bytes[tab && i < COLTAB_MAX ? tab[i] : first] += b;
		}
		if (r->rows > r->max_rows)
			r->exceeded = 'r';
		else if (r->bytes > r->max_bytes)
			r->exceeded = 'b';
		else if (r->ranges > r->max_ranges)
			r->exceeded = 'g';
		if (r->exceeded) {
			sqlite3_reset(st);
			return SR_ELIMIT;
		}
		return SR__ROW;
	}
	if (rc == SQLITE_DONE) {
		/* A write outside a transaction has committed by now. */
		if (s->touch.dirty && sqlite3_get_autocommit(s->db))
			touch_apply(s);
		return SR__DONE;
	}
	if (rc == SQLITE_CONSTRAINT) {
		snprintf(s->err, sizeof(s->err), "%s", sqlite3_errmsg(s->db));
		sqlite3_reset(st);
		return SR_EEXIST;
	}
	sr__sqlite_fail(s, "step");
	sqlite3_reset(st);
	return SR_EDB;
}

void sr__reset(sr__stmt *st)
{
	sqlite3_reset(lite(st));
}

int64_t sr__changes(sr_store *s)
{
	return sqlite3_changes(s->db);
}

int64_t sr__last_id(sr_store *s)
{
	return sqlite3_last_insert_rowid(s->db);
}

/* FTS5 says so in its message: "fts5: syntax error near ...", or a column filter naming no
 * column. A busy or broken database is another message. */
int sr__search_refused(sr_store *s)
{
	return strstr(s->err, "fts5:") || strstr(s->err, "no such column");
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

void sr__bind_int64(sr__stmt *st, int i, int64_t v)
{
	sqlite3_bind_int64(lite(st), i, v);
}

void sr__bind_int(sr__stmt *st, int i, int v)
{
	sqlite3_bind_int(lite(st), i, v);
}

void sr__bind_text(sr__stmt *st, int i, const char *v)
{
	bind_text(lite(st), i, v);
}

void sr__bind_text_copy(sr__stmt *st, int i, const char *p, size_t n)
{
	sqlite3_bind_text(lite(st), i, p, (int)n, SQLITE_TRANSIENT);
}

int64_t sr__col_int64(sr__stmt *st, int i)
{
	return sqlite3_column_int64(lite(st), i);
}

int sr__col_int(sr__stmt *st, int i)
{
	return sqlite3_column_int(lite(st), i);
}

double sr__col_double(sr__stmt *st, int i)
{
	return sqlite3_column_double(lite(st), i);
}

const char *sr__col_text(sr__stmt *st, int i)
{
	return (const char *)sqlite3_column_text(lite(st), i);
}

int sr__col_is_null(sr__stmt *st, int i)
{
	return sqlite3_column_type(lite(st), i) == SQLITE_NULL;
}

int sr__col_int_or_null(sr__stmt *st, int i)
{
	return sr__col_is_null(st, i) ? -1 : sqlite3_column_int(lite(st), i);
}

int sr__col_count(sr__stmt *st)
{
	return sqlite3_column_count(lite(st));
}

/*
 * Binds a statement's parameters from a format, one letter per parameter in order:
 *   I int64_t    i int    t text (NULL binds NULL)
 *   n int64_t, 0 binds NULL    N int, negative binds NULL
 */
static void bindv(sqlite3_stmt *st, const char *fmt, va_list ap)
{
	for (int i = 1; *fmt; fmt++, i++) {
		switch (*fmt) {
		case 'I': sqlite3_bind_int64(st, i, va_arg(ap, int64_t)); break;
		case 'i': sqlite3_bind_int(st, i, va_arg(ap, int)); break;
		case 't': bind_text(st, i, va_arg(ap, const char *)); break;
		case 'n': {
			int64_t v = va_arg(ap, int64_t);
			if (v)
				sqlite3_bind_int64(st, i, v);
			break;
		}
		case 'N': {
			int v = va_arg(ap, int);
			if (v >= 0)
				sqlite3_bind_int(st, i, v);
			break;
		}
		}
	}
}

/* Statement q with its parameters bound from ap (the format of bindv), or NULL when it cannot
 * be prepared. */
static sr__stmt *vquery(sr_store *s, int q, const char *fmt, va_list ap)
{
	sr__stmt *st = sr__prepare(s, q);
	if (!st)
		return NULL;
	va_list cp;
	va_copy(cp, ap);
	note_params(s, q, fmt, cp);
	va_end(cp);
	bindv(lite(st), fmt, ap);
	return st;
}

sr__stmt *sr__query(sr_store *s, int q, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sr__stmt *st = vquery(s, q, fmt, ap);
	va_end(ap);
	return st;
}

int sr__run(sr_store *s, int q, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sr__stmt *st = vquery(s, q, fmt, ap);
	va_end(ap);
	return st ? sr__exec(s, st) : SR_EDB;
}

int sr_store_read_begin(sr_store *s)
{
	/* The snapshot opens with the request's first statement (open_read), so a request
	 * answered without the database, a cache hit, costs no transaction at all. */
	s->read_want = 1;
	return 0;
}

static int open_read(sr_store *s)
{
	s->read_want = 0;
	if (!sqlite3_get_autocommit(s->db))
		return 0;
	if (!s->begin_read &&
	    sqlite3_prepare_v3(s->db, "BEGIN", -1, SQLITE_PREPARE_PERSISTENT, &s->begin_read, NULL) != SQLITE_OK)
		return sr__sqlite_fail(s, "prepare begin");
	int rc = sqlite3_step(s->begin_read);
	sqlite3_reset(s->begin_read);
	if (rc != SQLITE_DONE)
		return sr__sqlite_fail(s, "begin read");
	s->read_txn = 1;
	return 0;
}

void sr_store_read_end(sr_store *s)
{
	s->read_want = 0;
	if (!s->read_txn)
		return;
	s->read_txn = 0;
	if (sqlite3_get_autocommit(s->db))
		return;
	if (!s->commit_read &&
	    sqlite3_prepare_v3(s->db, "COMMIT", -1, SQLITE_PREPARE_PERSISTENT, &s->commit_read, NULL) != SQLITE_OK) {
		sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
		return;
	}
	sqlite3_step(s->commit_read);
	sqlite3_reset(s->commit_read);
}

int sr_store_begin(sr_store *s)
{
	/* A write ends the request's read snapshot: it must see and lock the latest state. */
	sr_store_read_end(s);
	touch_clear(s);
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return sr__sqlite_fail(s, "begin");
	return 0;
}

int sr_store_commit(sr_store *s)
{
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		int rc = sr__sqlite_fail(s, "commit");
		sr_store_rollback(s);
		return rc;
	}
	touch_apply(s);
	return 0;
}

void sr_store_rollback(sr_store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	touch_clear(s);
}

/* The query plan of statement i, for the query-plan guard (tests/unit/test_queryplan.c). */
int sr_store_explain(sr_store *s, int i, sr_buf *out)
{
	const char *sql = sr_store_statement_sql(i);
	if (!sql)
		return SR_EINVAL;
	char *q = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql);
	if (!q)
		return SR_ENOMEM;
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, q, -1, &st, NULL);
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
