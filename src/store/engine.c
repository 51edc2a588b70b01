/*
 * engine.c - the store's calls over the engine table (engine.h), and what every engine does
 * alike.
 *
 * sr_store_open picks the engine from the target: a postgres:// or postgresql:// URL opens
 * PostgreSQL (pg.c), anything else is a SQLite file (sqlite.c). Every other call of store.h
 * and internal.h that an engine implements goes through the handle's or the statement's
 * engine, one indirect call each. Engine-neutral work stays here, once: the read context,
 * the error text, the bind-format walk of sr__query and sr__run, and the generation
 * bookkeeping (a write statement notes what it can change when it is prepared and bound; a
 * commit bumps the counters; a rollback forgets it).
 */
#include <stdarg.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/engine.h"
#include "store/gen.h"
#include "store/pg.h"

static int is_pg_url(const char *t)
{
	return strncmp(t, "postgres://", 11) == 0 || strncmp(t, "postgresql://", 13) == 0;
}

int sr_store_open(const char *target, sr_store **out)
{
	return is_pg_url(target) ? sr__pg_open(target, out) : sr__sqlite_open(target, out);
}

void sr_store_close(sr_store *s)
{
	if (s)
		s->eng->close(s);
}

void sr__store_init(sr_store *s, const struct sr__engine *eng)
{
	s->eng = eng;
	sr_reads_init(&s->scratch);
	s->reads = &s->scratch;
}

int sr_store_migrate(sr_store *s)
{
	return s->eng->migrate(s);
}

const char *sr_store_errmsg(sr_store *s)
{
	return s->err;
}

struct sr_gens *sr_store_gens(sr_store *s)
{
	return s->gens;
}

int sr_store_sync_marker(sr_store *s, uint64_t *out)
{
	return sr__pg_gens_marker(s->gens, out);
}

void sr_store_page_stats(sr_store *s, int64_t *hits, int64_t *misses)
{
	s->eng->page_stats(s, hits, misses);
}

int sr_store_pages_complete(sr_store *s)
{
	return s->eng->pages_complete(s);
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

int sr_store_read_begin(sr_store *s)
{
	/* The snapshot opens with the request's statements (the engine decides when), so a
	 * request answered without the database, a cache hit, costs no transaction at all. */
	s->read_want = SR__READ_REQUEST;
	return 0;
}

int sr_store_read_begin_replica(sr_store *s)
{
	s->read_want = SR__READ_REQUEST;
	s->replica_ok = 1;
	return 0;
}

int sr_store_snapshot_begin(sr_store *s)
{
	s->read_want = SR__READ_STRICT;
	return 0;
}

void sr_store_read_end(sr_store *s)
{
	s->read_want = SR__READ_NONE;
	s->replica_ok = 0;
	s->eng->read_end(s);
}

int sr_store_begin(sr_store *s)
{
	/* A write ends the request's read snapshot: it must see and lock the latest state. */
	sr_store_read_end(s);
	sr__touch_clear(s);
	return s->eng->begin(s);
}

int sr_store_commit(sr_store *s)
{
	return s->eng->commit(s);
}

void sr_store_rollback(sr_store *s)
{
	s->eng->rollback(s);
	sr__touch_clear(s);
}

int sr_store_explain(sr_store *s, int i, sr_buf *out)
{
	return s->eng->explain(s, i, out);
}

int sr_store_asserts(sr_store *s)
{
	return s->eng->sql(Q_TICKETS_USE_EXPECT) != NULL;
}

const char *sr_store_sql(sr_store *s, int i)
{
	return i >= 0 && i < SR__Q_TOTAL ? s->eng->sql(i) : NULL;
}

int sr__match_expr(sr_store *s, sr_buf *b, int match, const char *const *tokens, int n)
{
	return s->eng->match_expr(b, match, tokens, n);
}

/* ---- generation bookkeeping ---- */

void sr__touch_clear(sr_store *s)
{
	s->touch.dirty = s->touch.wide = s->touch.auth = s->touch.n = 0;
}

static void touch_slot(sr_store *s, int slot)
{
	for (int i = 0; i < s->touch.n; i++)
		if (s->touch.slot[i] == slot)
			return;
	if (s->touch.n == SR__TOUCH_MAX)
		s->touch.wide = 1;
	else
		s->touch.slot[s->touch.n++] = slot;
}

/* Bumps what the writes touched: the catalog first, then the buckets, the order the cache's
 * fill check relies on (src/http/cache.c). The auth generation stands alone. */
void sr__touch_announce(sr_store *s)
{
	if (s->touch.auth)
		sr_gens_bump(s->gens, SR_GEN_AUTH);
	if (s->touch.dirty) {
		sr_gens_bump(s->gens, SR_GEN_CATALOG);
		if (s->touch.wide)
			sr_gens_bump(s->gens, SR_GEN_DETAILS);
		else
			for (int i = 0; i < s->touch.n; i++)
				sr_gens_bump(s->gens, s->touch.slot[i]);
	}
}

void sr__touch_apply(sr_store *s)
{
	sr__touch_announce(s);
	sr__touch_clear(s);
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
	sr__effect e = sr__effect_of(q);
	if (e.auth || e.kind == SR__E_WIDE)
		s->touch.auth = 1;
	int kind = e.kind;
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

/* ---- statements ---- */

sr__stmt *sr__prepare(sr_store *s, int q)
{
	sr__stmt *st = s->eng->prepare(s, q);
	if (!st)
		return NULL;
	s->reads->ranges++;
	if (!st->readonly)
		note_write(s, q);
	return st;
}

int sr__step(sr_store *s, sr__stmt *st)
{
	return s->eng->step(s, st);
}

void sr__reset(sr__stmt *st)
{
	st->eng->reset(st);
}

int64_t sr__changes(sr_store *s)
{
	return s->eng->changes(s);
}

int64_t sr__last_id(sr_store *s)
{
	return s->eng->last_id(s);
}

int sr__search_refused(sr_store *s)
{
	return s->eng->search_refused(s);
}

void sr__bind_int64(sr__stmt *st, int i, int64_t v)
{
	st->eng->bind_int64(st, i, v);
}

void sr__bind_int(sr__stmt *st, int i, int v)
{
	st->eng->bind_int64(st, i, v);
}

void sr__bind_text(sr__stmt *st, int i, const char *v)
{
	if (v)
		st->eng->bind_text(st, i, v, strlen(v), 0);
	else
		st->eng->bind_null(st, i);
}

void sr__bind_text_copy(sr__stmt *st, int i, const char *p, size_t n)
{
	st->eng->bind_text(st, i, p, n, 1);
}

int64_t sr__col_int64(sr__stmt *st, int i)
{
	return st->eng->col_int64(st, i);
}

int sr__col_int(sr__stmt *st, int i)
{
	return (int)st->eng->col_int64(st, i);
}

double sr__col_double(sr__stmt *st, int i)
{
	return st->eng->col_double(st, i);
}

const char *sr__col_text(sr__stmt *st, int i)
{
	return st->eng->col_text(st, i);
}

int sr__col_is_null(sr__stmt *st, int i)
{
	return st->eng->col_is_null(st, i);
}

int sr__col_int_or_null(sr__stmt *st, int i)
{
	return st->eng->col_is_null(st, i) ? -1 : (int)st->eng->col_int64(st, i);
}

int sr__col_count(sr__stmt *st)
{
	return st->eng->col_count(st);
}

/*
 * Binds a statement's parameters from a format, one letter per parameter in order:
 *   I int64_t    i int    t text (NULL binds NULL)
 *   n int64_t, 0 binds NULL    N int, negative binds NULL
 * A parameter the format leaves NULL is not bound at all: a statement comes out of
 * sr__prepare with every parameter NULL.
 */
static void bindv(sr__stmt *st, const char *fmt, va_list ap)
{
	const struct sr__engine *e = st->eng;
	for (int i = 1; *fmt; fmt++, i++) {
		switch (*fmt) {
		case 'I': e->bind_int64(st, i, va_arg(ap, int64_t)); break;
		case 'i': e->bind_int64(st, i, va_arg(ap, int)); break;
		case 't': sr__bind_text(st, i, va_arg(ap, const char *)); break;
		case 'n': {
			int64_t v = va_arg(ap, int64_t);
			if (v)
				e->bind_int64(st, i, v);
			break;
		}
		case 'N': {
			int v = va_arg(ap, int);
			if (v >= 0)
				e->bind_int64(st, i, v);
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
	bindv(st, fmt, ap);
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
