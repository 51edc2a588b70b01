/*
 * pg.c - the PostgreSQL engine behind store.h, over libpq: the connection and the statement
 * engine (the migrations and the plan guard are pg_schema.c, the generation counters shared
 * across nodes pg_gens.c, the SQL text pg_catalogue.c).
 *
 * Round trips are the cost that matters here; what each call costs:
 *   - A statement is PQprepare'd once per connection, lazily, the first time it runs; after
 *     that one PQexecPrepared (parameters as text) is one round trip, and its whole result
 *     is held in the statement and walked row by row by step, with the same read accounting
 *     as SQLite: a row per row, 8 bytes per number, the length of text, 0 for NULL, one
 *     index range per statement run, and SR_ELIMIT past a limit.
 *   - A request's read snapshot (sr_store_read_begin) costs nothing for a request that runs
 *     one statement: that statement runs in autocommit (a snapshot opened with it cost about a
 *     tenth of an uncached list page's throughput, measured with wrk on this machine). The
 *     second statement opens a REPEATABLE READ READ ONLY transaction in the same round trip
 *     (BEGIN and the statement pipelined), so the rest of the request reads one snapshot (the
 *     first statement read the committed state just before it). read_end sends COMMIT without
 *     waiting; its answer is read at the connection's next use. A request of n statements
 *     costs n round trips. sr_store_snapshot_begin opens it with the first statement instead.
 *     A write statement ends the snapshot and runs in autocommit or in its transaction.
 *   - A write transaction is `BEGIN; SELECT pg_advisory_xact_lock(K)`, sent with its first
 *     statement that is waited for (see deferred writes below):
 *     writes of all nodes are serialized as SQLite's BEGIN IMMEDIATE serializes them, which
 *     the domain's check-then-insert relies on. Its commit is `SELECT pg_notify(...);
 *     COMMIT` in one round trip when it changed something a cached answer shows (the
 *     notification is delivered only if it commits), and bumps this process's counters.
 *   - An autocommit write that changes a cached answer is followed by its notification (one
 *     more round trip); hot autocommit writes (download and install events) change none.
 *   - Inside a write transaction, a write whose answer the domain never reads (deferrable():
 *     no rows, count or id read back, no constraint it expects to fail) is sent and not
 *     waited for (libpq's pipeline mode); the answers of those writes are read with the next
 *     statement that is waited for, or with the COMMIT, in that statement's round trip. A
 *     failure among them fails that statement, and so the transaction, as a failed write
 *     would have (write_failed). A publish's rows (its skill and version too, with ids drawn
 *     ahead), tags, counters, word index and audit row go out so, after the assertion that
 *     the claims it decided on are unchanged, whose failure (SQLSTATE SR409) is SR_ECONFLICT.
 *     Outside a transaction only a publish's blob holds are sent so (sent_ahead()).
 * Every exchange that waits for the server counts one round trip in the request's reads
 * (trips; the Server-Timing header shows it).
 * A connection that broke is reset on its next use (PQreset), so a restarted or promoted
 * database is picked up; while it does not answer, calls fail with SR_EUNAVAIL at once.
 *
 * Table attribution of read bytes: each result column's table (PQftable) is mapped to
 * sr_table through one read of pg_class per connection, once per statement.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/util.h"
#include "store/engine.h"
#include "store/gen.h"
#include "store/pg.h"

#define PG_COLS_MAX 48
#define PG_TABLES_MAX 128
/* Deferred writes sent before their answers are read: a publish's are about 20. */
#define PG_SENT_MAX 64

/* Type oids of the result columns that count as numbers (8 bytes, as SQLite's integers). */
enum { OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23, OID_OID = 26, OID_FLOAT4 = 700, OID_FLOAT8 = 701,
       OID_NUMERIC = 1700 };

struct pg;

struct pg_stmt {
	sr__stmt base;
	struct pg *owner; /* the store (primary or replica connection) it was made for */
	const char *sql;
	char *own_sql;   /* the text with its parameters renumbered (sr__pg_compact), or NULL */
	int nparams;     /* the catalogue's: the highest number bound */
	int nsend;       /* the parameters the text uses, sent in the order of map */
	unsigned char map[SR__PG_PARAMS_MAX];
	int rows_wanted; /* a write whose returned rows the domain reads (as on SQLite) */
	unsigned prepared_gen; /* the connection generation it was prepared on; 0: never */
	const char *val[SR__PG_PARAMS_MAX];
	char num[SR__PG_PARAMS_MAX][24];
	char *copy[SR__PG_PARAMS_MAX];
	PGresult *res;
	int executed, row, nrows, ncols;
	int described; /* coltab and colnum filled from a first result */
	unsigned char coltab[PG_COLS_MAX]; /* sr_table of each column */
	unsigned char colnum[PG_COLS_MAX]; /* 1: a number */
};

struct pg {
	sr_store base;
	PGconn *conn;
	unsigned gen;  /* bumped on every (re)connect: statements prepare again */
	int pid;       /* the backend's pid, registered with the shared counters */
	struct pg_stmt *stmts[SR__Q_TOTAL];
	int read_txn;  /* the request's read snapshot is open */
	int begin_pending;  /* the next statement opens it, in the same round trip */
	int commit_pending; /* its COMMIT was sent and its answer not read yet */
	int in_write;   /* a write transaction (sr_store_begin) is open */
	int write_lost; /* 1: a statement of it failed, it was rolled back and begun again;
			 * 2: its connection was lost; 3: an assertion of it failed (SR_ECONFLICT:
			 * the caller rolls back and reads again), it is aborted and not begun again */
	int64_t changes, last_id;
	/* The open pipeline of deferred writes: what was sent and not read yet, in order. */
	int pipeline;
	int foreign; /* the last pipeline's answer was an earlier deferred write's failure */
	int nsent;
	struct sent {
		struct pg_stmt *ps; /* NULL: not a catalogue statement (the commit's notification) */
		char prepare;       /* 1: the statement's PREPARE, 0: its execution */
	} sent[PG_SENT_MAX];
	int refused;   /* the last failure was a full-text query the server cannot parse */
	int reset;     /* the server refused a write as read-only (a demoted primary): reconnect */
	/* Read replicas (pg_replica.c): a store of its own on a replica's connection, opened
	 * lazily; route is set while a request's reads go there. */
	int is_replica, replica_idx;
	sr_store *replica;
	struct pg *route;
	/* oid -> sr_table of this database's tables, read once per connection. */
	int ntables;
	unsigned tab_oid[PG_TABLES_MAX];
	unsigned char tab_id[PG_TABLES_MAX];
};

static const struct sr__engine pg_engine;

static struct pg *P(sr_store *s)
{
	return (struct pg *)s;
}

static struct pg_stmt *PS(sr__stmt *st)
{
	return (struct pg_stmt *)st;
}

/* ---- connection ---- */

/* The server's notices (a CREATE ... IF NOT EXISTS that skipped) are not the operator's
 * business: errors come back as results and are logged there. */
static void quiet(void *arg, const char *message)
{
}

static PGconn *connect_url(const char *url)
{
	/* The URL comes last, so whatever it says wins over these defaults. Keepalives find a
	 * server that vanished without closing the connection (a host down) in about 10 s.
	 * Generic plans: every catalogue statement is one index range whatever its parameters
	 * (the plan guard checks exactly the generic plan), and with the default plan cache
	 * mode the server planned each execution again (a custom plan costing about as much as
	 * the execution of a list page; BENCHMARKS.md section 6). */
	const char *keys[] = {"connect_timeout", "application_name", "keepalives_idle", "keepalives_interval",
			      "keepalives_count", "options", "dbname", NULL};
	const char *vals[] = {"3", "skillreg", "4", "2", "3", "-c plan_cache_mode=force_generic_plan", url, NULL};
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	if (c)
		PQsetNoticeProcessor(c, quiet, NULL);
	return c;
}

static void own_pid(struct pg *p, int add)
{
	if (!p->base.gens || !p->pid)
		return;
	sr__pg_gens_own(p->base.gens, p->pid, add);
	if (!add)
		p->pid = 0;
}

static void connected(struct pg *p)
{
	p->gen++;
	p->ntables = 0;
	p->read_txn = p->begin_pending = p->commit_pending = 0;
	p->pipeline = p->nsent = 0;
	/* A write transaction the old connection held is gone with it: its statements and its
	 * commit fail until the domain rolls back, never run in autocommit on the new one. */
	if (p->in_write)
		p->write_lost = 2;
	p->pid = PQbackendPID(p->conn);
	own_pid(p, 1);
}

PGconn *sr__pg_conn(sr_store *s)
{
	struct pg *p = P(s);
	if (p->commit_pending) {
		/* The last request's snapshot COMMIT: its answer came while that request's
		 * response went out. */
		p->commit_pending = 0;
		PGresult *r;
		while ((r = PQgetResult(p->conn)))
			PQclear(r);
	}
	if (PQstatus(p->conn) == CONNECTION_OK && !p->reset)
		return p->conn;
	own_pid(p, 0);
	p->reset = 0;
	PQreset(p->conn);
	if (PQstatus(p->conn) != CONNECTION_OK) {
		sr__pg_fail(s, "reconnect", NULL);
		return NULL;
	}
	sr_log_info("db: reconnected to the database");
	connected(p);
	return p->conn;
}

int sr__pg_fail(sr_store *s, const char *what, const PGresult *res)
{
	struct pg *p = P(s);
	const char *msg = res ? PQresultErrorMessage(res) : "";
	if (!msg || !msg[0])
		msg = PQerrorMessage(p->conn);
	snprintf(s->err, sizeof(s->err), "%s: %s", what, msg && msg[0] ? msg : "no answer");
	size_t n = strlen(s->err);
	while (n && (s->err[n - 1] == '\n' || s->err[n - 1] == ' '))
		s->err[--n] = '\0';
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	/* A constraint is the domain's answer (as SQLite's): no error counted, nothing logged.
	 * So is an assertion on rows read earlier that no longer holds (sr_expect, migration
	 * 0017): the caller reads them again. */
	if (PQstatus(p->conn) == CONNECTION_OK && state && strncmp(state, "23", 2) == 0)
		return SR_EEXIST;
	if (PQstatus(p->conn) == CONNECTION_OK && state && strcmp(state, "SR409") == 0)
		return SR_ECONFLICT;
	s->reads->errors++;
	/* read_only_sql_transaction: this server is a replica now (the primary failed over and
	 * this one was demoted, or a multi-host URL reached a standby). The connection is dropped
	 * at its next use, so a reconnect finds the server that takes writes. */
	if (state && strcmp(state, "25006") == 0 && !p->is_replica) {
		p->reset = 1;
		sr_log_error("db: %s (the server is read-only: reconnecting)", s->err);
		return SR_EUNAVAIL;
	}
	if (PQstatus(p->conn) != CONNECTION_OK) {
		sr_log_error("db: %s (the database does not answer)", s->err);
		return SR_EUNAVAIL;
	}
	sr_log_error("db: %s", s->err);
	/* disk_full (53100): the operator's to fix and the client's to retry. */
	return state && strcmp(state, "53100") == 0 ? SR_ENOSPC : SR_EDB;
}

static int pipeline_flush(struct pg *p, PGconn *c);

int sr__pg_exec(sr_store *s, const char *sql, const char *what)
{
	PGconn *c = sr__pg_conn(s);
	if (!c)
		return SR_EUNAVAIL;
	int rc;
	if (P(s)->pipeline && (rc = pipeline_flush(P(s), c)))
		return rc;
	s->reads->trips++;
	PGresult *res = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(res);
	rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : sr__pg_fail(s, what, res);
	PQclear(res);
	return rc;
}

/* Loads the oids of this database's tables and the sr_table each is: a round trip made once
 * per connection, counted with the prepares. */
static void load_tables(struct pg *p)
{
	p->base.reads->trips++;
	p->base.reads->prepares++;
	p->ntables = -1; /* tried: a failure attributes everything to the first column's table */
	PGresult *res = PQexec(p->conn, "SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON "
					"n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND "
					"n.nspname = current_schema()");
	if (PQresultStatus(res) == PGRES_TUPLES_OK) {
		int n = PQntuples(res);
		p->ntables = 0;
		for (int i = 0; i < n && p->ntables < PG_TABLES_MAX; i++) {
			int t = sr__table_of(PQgetvalue(res, i, 1));
			if (t == SR_T_OTHER)
				continue;
			p->tab_oid[p->ntables] = (unsigned)strtoul(PQgetvalue(res, i, 0), NULL, 10);
			p->tab_id[p->ntables++] = (unsigned char)t;
		}
	}
	PQclear(res);
}

static int table_of_oid(struct pg *p, Oid oid)
{
	for (int i = 0; i < p->ntables; i++)
		if (p->tab_oid[i] == oid)
			return p->tab_id[i];
	return SR_T_OTHER;
}

/* ---- open and close ---- */

static void pg_close(sr_store *s)
{
	struct pg *p = P(s);
	for (int q = 0; q < SR__Q_TOTAL; q++) {
		struct pg_stmt *ps = p->stmts[q];
		if (!ps)
			continue;
		PQclear(ps->res);
		for (int i = 0; i < SR__PG_PARAMS_MAX; i++)
			free(ps->copy[i]);
		free(ps->own_sql);
		free(ps);
	}
	own_pid(p, 0);
	PQfinish(p->conn);
	sr_store_close(p->replica);
	sr__pg_gens_release(s->gens);
	free(p);
}

static int open_conn(const char *url, int replica, sr_store **out)
{
	struct pg *p = calloc(1, sizeof(*p));
	if (!p)
		return SR_ENOMEM;
	sr__store_init(&p->base, &pg_engine);
	p->is_replica = replica;
	p->replica_idx = -1;
	p->conn = connect_url(url);
	if (!p->conn) {
		free(p);
		return SR_ENOMEM;
	}
	if (PQstatus(p->conn) != CONNECTION_OK) {
		/* The URL may carry a password: the message names the server, never the URL. */
		sr_log_error("cannot connect to the database: %s", PQerrorMessage(p->conn));
		PQfinish(p->conn);
		free(p);
		return SR_EUNAVAIL;
	}
	int rc = replica ? 0 : sr__pg_gens_acquire(url, &p->base.gens);
	if (rc) {
		PQfinish(p->conn);
		free(p);
		return rc;
	}
	p->base.memo = replica ? NULL : sr__pg_gens_memo(p->base.gens);
	connected(p);
	*out = &p->base;
	return 0;
}

int sr__pg_open(const char *url, sr_store **out)
{
	return open_conn(url, 0, out);
}

int sr__pg_open_replica(const char *url, sr_store **out)
{
	return open_conn(url, 1, out);
}

/* ---- statements ---- */

/* Whether a statement only reads: it starts with SELECT, or is a WITH that neither inserts,
 * updates nor deletes. */
static int sql_readonly(const char *sql)
{
	while (*sql == ' ' || *sql == '\n' || *sql == '\t' || *sql == '(')
		sql++;
	if (strncasecmp(sql, "SELECT", 6) == 0)
		return 1;
	if (strncasecmp(sql, "WITH", 4) != 0)
		return 0;
	return !strcasestr(sql, "INSERT ") && !strcasestr(sql, "UPDATE ") && !strcasestr(sql, "DELETE ");
}

static void clear_params(struct pg_stmt *ps)
{
	for (int i = 0; i < ps->nparams && i < SR__PG_PARAMS_MAX; i++) {
		ps->val[i] = NULL;
		free(ps->copy[i]);
		ps->copy[i] = NULL;
	}
}

static void pg_reset(sr__stmt *st)
{
	struct pg_stmt *ps = PS(st);
	PQclear(ps->res);
	ps->res = NULL;
	ps->executed = 0;
	ps->row = -1;
	ps->nrows = 0;
}

static struct pg_stmt *stmt_new(sr_store *s, int q)
{
	const char *sql = sr__pg_sql(q);
	if (!sql) {
		snprintf(s->err, sizeof(s->err), "statement %d has no PostgreSQL text", q);
		return NULL;
	}
	struct pg_stmt *ps = calloc(1, sizeof(*ps));
	if (!ps)
		return NULL;
	ps->base.eng = &pg_engine;
	ps->owner = P(s);
	ps->base.q = q;
	ps->base.readonly = sql_readonly(sql);
	ps->nparams = sr__pg_nparams(sql);
	const char *lite = sr_store_statement_sql(q);
	ps->rows_wanted = ps->base.readonly || (lite && strstr(lite, "RETURNING"));
	ps->row = -1;
	if (sr__pg_compact(sql, &ps->own_sql, ps->map, &ps->nsend)) {
		sr_log_error("db: statement %d has %d parameters (at most %d)", q, ps->nparams, SR__PG_PARAMS_MAX);
		free(ps);
		return NULL;
	}
	ps->sql = ps->own_sql ? ps->own_sql : sql;
	return ps;
}

/* Decides whether statement ps opens the read snapshot, in the same round trip (see the top
 * of the file): a request's second statement, or the first of a strict snapshot
 * (sr_store_snapshot_begin); a write ends it. */
static int snapshot(struct pg *p, struct pg_stmt *ps)
{
	sr_store *s = &p->base;
	if (!ps->base.readonly) {
		/* A write ends the snapshot: it must see the latest state. */
		s->read_want = SR__READ_NONE;
		p->begin_pending = 0;
		pg_engine.read_end(s);
		return 0;
	}
	if (s->read_want == SR__READ_REQUEST) {
		s->read_want = SR__READ_SECOND;
		return 0;
	}
	s->read_want = SR__READ_NONE;
	PGconn *c = sr__pg_conn(s);
	if (!c)
		return SR_EUNAVAIL;
	if (PQtransactionStatus(c) == PQTRANS_IDLE)
		p->begin_pending = 1;
	return 0;
}

/*
 * BEGIN of the read snapshot and the statement in one round trip (libpq's pipeline mode):
 * the statement's result, or NULL when the connection failed. *began says whether BEGIN
 * succeeded.
 */
static PGresult *exec_begin(PGconn *c, const char *name, int n, const char *const *vals, int *began)
{
	*began = 0;
	if (!PQenterPipelineMode(c))
		return NULL;
	PGresult *res = NULL;
	if (PQsendQueryParams(c, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", 0, NULL, NULL, NULL, NULL, 0) &&
	    PQsendQueryPrepared(c, name, n, vals, NULL, NULL, 0) && PQpipelineSync(c)) {
		/* Results come as BEGIN's, NULL, the statement's, NULL, then the sync point. */
		for (int idx = 0, nulls = 0; nulls < 4;) {
			PGresult *r = PQgetResult(c);
			if (!r) {
				idx++;
				nulls++;
				if (PQstatus(c) != CONNECTION_OK)
					break;
				continue;
			}
			ExecStatusType st = PQresultStatus(r);
			if (st == PGRES_PIPELINE_SYNC) {
				PQclear(r);
				break;
			}
			if (idx == 0) {
				*began = st == PGRES_COMMAND_OK;
				PQclear(r);
			} else if (!res) {
				res = r;
			} else {
				PQclear(r);
			}
		}
	}
	if (!PQexitPipelineMode(c)) {
		/* Results left unread (a broken connection): drop them so the connection can leave
		 * pipeline mode, or be reset on its next use. */
		PGresult *r;
		while ((r = PQgetResult(c)))
			PQclear(r);
		PQexitPipelineMode(c);
	}
	return res;
}

/*
 * The replica store a request's first read goes to, or NULL for the primary: a request that
 * may read a replica (sr_store_read_begin_replica), outside a write transaction, with a
 * replica in use and the fence down (pg_replica.c). The store's connection to it is opened
 * here the first time, and kept.
 */
static struct pg *route_to_replica(struct pg *p)
{
	int i = sr__pg_replica_pick(p->replica_idx);
	if (i < 0)
		return NULL;
	if (i != p->replica_idx || !p->replica) {
		sr_store_close(p->replica);
		p->replica = NULL;
		p->replica_idx = -1;
		if (sr__pg_open_replica(sr__pg_replica_url(i), &p->replica)) {
			sr__pg_replica_failed(i);
			return NULL;
		}
		p->replica_idx = i;
	}
	struct pg *r = P(p->replica);
	r->base.reads = p->base.reads;
	r->base.read_want = SR__READ_REQUEST;
	sr__pg_replica_used(i);
	return r;
}

/* Ends the request's reads on its replica: its snapshot, and the route. */
static void route_end(struct pg *p)
{
	if (!p->route)
		return;
	pg_engine.read_end(&p->route->base);
	p->route->base.read_want = SR__READ_NONE;
	p->route->base.reads = &p->route->base.scratch;
	p->route = NULL;
}

static sr__stmt *pg_prepare(sr_store *s, int q)
{
	struct pg *p = P(s);
	struct pg_stmt *ps = p->stmts[q];
	if (!ps && !(ps = p->stmts[q] = stmt_new(s, q)))
		return NULL;
	if (s->replica_ok && !p->in_write) {
		if (!ps->base.readonly) {
			/* A write goes to the primary; the request reads there from now on. */
			route_end(p);
			s->replica_ok = 0;
		} else {
			/* The first read decides where the request reads; the cache has read its
			 * generations before it (pg_replica.c says why that order matters). */
			if (!p->route && s->read_want == SR__READ_REQUEST && (p->route = route_to_replica(p)))
				s->read_want = SR__READ_NONE;
			if (!p->route)
				s->replica_ok = 0;
			else
				return pg_engine.prepare(&p->route->base, q);
		}
	}
	/* A write outside sr_store_begin once the request's READ ONLY snapshot is open (a GET
	 * that reads, then writes: a sign-in's callback finds the account, then starts the
	 * session) would fail inside it; it ends the snapshot and runs on its own. */
	if (!ps->base.readonly && !p->in_write && (p->read_txn || p->begin_pending))
		pg_engine.read_end(s);
	if (s->read_want && snapshot(p, ps))
		return NULL;
	pg_reset(&ps->base);
	clear_params(ps);
	return &ps->base;
}

/* Fills a statement's column tables and kinds from its first result. */
static void describe(struct pg *p, struct pg_stmt *ps, const PGresult *res)
{
	if (!p->ntables)
		load_tables(p);
	for (int c = 0; c < ps->ncols && c < PG_COLS_MAX; c++) {
		Oid t = PQftype(res, c);
		ps->colnum[c] = t == OID_INT8 || t == OID_INT2 || t == OID_INT4 || t == OID_OID ||
				t == OID_FLOAT4 || t == OID_FLOAT8 || t == OID_NUMERIC;
		Oid tab = PQftable(res, c);
		ps->coltab[c] = (unsigned char)(tab == InvalidOid ? SR_T_OTHER : table_of_oid(p, tab));
	}
	ps->described = 1;
}

/* Sends this process's counters' notification after an autocommit write, and bumps them.
 * (Other nodes learn of an auth write from the triggers of migration 0018.) */
static void autocommit_touched(struct pg *p)
{
	if (p->base.touch.dirty) {
		char payload[512], sql[600];
		sr__pg_gens_payload(&p->base, payload, sizeof(payload));
		snprintf(sql, sizeof(sql), "SELECT pg_notify('" SR__PG_CHANNEL "', '%s')", payload);
		sr__pg_exec(&p->base, sql, "notify");
		sr__pg_replica_fence();
	}
	sr__touch_apply(&p->base);
}

static int is_search(int q)
{
	return q == Q_SEARCH || q == Q_SEARCH_SHORT || q == Q_SEARCH_NAMES;
}

/*
 * A statement of a write transaction failed, and PostgreSQL refuses every statement after it
 * until the transaction ends. On SQLite the domain may read on after a refused insert (who
 * holds the slug it could not take) and then roll back. So the transaction is rolled back
 * and begun again at once, with the write lock, in one round trip, and marked lost: reads go
 * on, and its commit fails (the writes before the failure are gone).
 */
static void write_failed(struct pg *p)
{
	char sql[160];
	snprintf(sql, sizeof(sql), "ROLLBACK; BEGIN; SELECT pg_advisory_xact_lock(%lld)", (long long)SR__PG_LOCK_WRITE);
	if (p->write_lost != 3)
		p->write_lost = 1;
	if (sr__pg_exec(&p->base, sql, "begin again"))
		p->in_write = 0;
}

/* ---- deferred writes ---- */

/* The writes a transaction sends without waiting (the top of the file): each store function
 * that runs one reads nothing back from it, and each can fail only as the database fails, but
 * for a publish's assertion (a conflict, SR_ECONFLICT) and its inserts, whose unique indexes
 * stand behind the checks the claims made. */
static int deferrable(int q)
{
	switch (q) {
	case Q_SLUG_CLAIMS_EXPECT:
	case Q_TICKETS_USE_EXPECT:
	case Q_TICKET_ADD:
	case Q_SKILL_INSERT_AT:
	case Q_VERSION_INSERT_AT:
	case Q_FILE_INSERT:
	case Q_COLD_INSERT:
	case Q_TAG_SET:
	case Q_SET_LATEST:
	case Q_SET_IDENTITY:
	case Q_TAGS_JSON:
	case Q_TOUCH:
	case Q_SEARCH_TEXT_SET:
	case Q_VERSION_SCAN_REQUEST:
	case Q_SKILL_MARK_PENDING:
	case Q_FTS_DEL:
	case Q_FTS_INS:
	case Q_FTS_SHORT_DEL:
	case Q_FTS_SHORT_INS:
	case Q_TERM_DROP:
	case Q_TERM_ADD:
	case Q_POSTINGS_DEL:
	case Q_POSTING_ADD:
	case Q_TYPO_ADD:
	case Q_AUDIT:
	case Q_BLOB_HOLD_DEL:
		return 1;
	default:
		return 0;
	}
}

/* Whether ps is the blob holds outside any transaction, which go with the next statement: a
 * publish reads the slug's claims after them and before it puts the bytes they hold
 * (store.h), so the holds and that read cost one round trip, in one implicit transaction (a
 * pipeline's statements up to its sync point). Nothing else is sent ahead outside a
 * transaction: a write there is answered before the call returns. */
static int sent_ahead(struct pg *p, struct pg_stmt *ps, PGconn *c)
{
	return ps->base.q == Q_BLOB_HOLD_ADD && !p->in_write && !p->read_txn && !p->begin_pending &&
	       (p->pipeline || PQtransactionStatus(c) == PQTRANS_IDLE);
}

/* Sends a statement (and its PREPARE, the first time on this connection) into the pipeline,
 * opening it if needed: 0, or -1 when libpq refused (the connection broke). */
static int pipeline_send(struct pg *p, struct pg_stmt *ps, PGconn *c)
{
	if (p->nsent > PG_SENT_MAX - 2)
		return -1; /* full: the caller ends the pipeline and waits instead */
	if (!p->pipeline) {
		if (!PQenterPipelineMode(c))
			return -1;
		p->pipeline = 1;
	}
	char name[16];
	snprintf(name, sizeof(name), "q%d", ps->base.q);
	if (ps->prepared_gen != p->gen) {
		if (!PQsendPrepare(c, name, ps->sql, 0, NULL))
			return -1;
		p->sent[p->nsent++] = (struct sent){ps, 1};
		ps->prepared_gen = p->gen;
	}
	const char *vals[SR__PG_PARAMS_MAX];
	for (int j = 0; j < ps->nsend; j++)
		vals[j] = ps->val[ps->map[j]];
	if (!PQsendQueryPrepared(c, name, ps->nsend, vals, NULL, NULL, 0))
		return -1;
	p->sent[p->nsent++] = (struct sent){ps, 0};
	return 0;
}

/*
 * Ends the pipeline: a sync point, then the answer of everything sent, in order, in one round
 * trip. Returns the last answer when `last` (the statement waited for), else NULL; when an
 * earlier answer is a failure, that failure instead (the server skipped what followed it).
 * NULL with last set: the connection broke. A PREPARE that did not succeed is marked undone.
 */
static PGresult *pipeline_end(struct pg *p, PGconn *c, int last)
{
	PGresult *failed = NULL, *answer = NULL;
	p->foreign = 0;
	int ok = PQpipelineSync(c);
	if (ok)
		p->base.reads->trips++;
	for (int i = 0; ok && i < p->nsent; i++) {
		PGresult *r, *mine = NULL;
		while ((r = PQgetResult(c))) {
			if (!mine)
				mine = r;
			else
				PQclear(r);
			if (PQstatus(c) != CONNECTION_OK)
				break;
		}
		if (!mine || PQstatus(c) != CONNECTION_OK) {
			PQclear(mine);
			ok = 0;
			break;
		}
		ExecStatusType st = PQresultStatus(mine);
		int good = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
		if (!good && p->sent[i].prepare)
			p->sent[i].ps->prepared_gen = 0;
		if (last && i == p->nsent - 1)
			answer = mine;
		else if (!good && !failed && st != PGRES_PIPELINE_ABORTED)
			failed = mine;
		else
			PQclear(mine);
	}
	/* The sync point's own answer; then out of pipeline mode. A pipeline that could not be
	 * synced or read to its end (a broken connection, libpq out of memory) is not drained,
	 * which could wait for answers that never come: the connection is reset at its next use
	 * instead (which also ends the transaction: connected()). */
	PGresult *r;
	if (ok && (r = PQgetResult(c)))
		PQclear(r);
	if (!ok || !PQexitPipelineMode(c))
		p->reset = 1;
	p->pipeline = 0;
	p->nsent = 0;
	if (failed) {
		PQclear(answer);
		p->foreign = 1;
		return failed;
	}
	if (!ok) {
		PQclear(answer);
		return NULL;
	}
	return answer;
}

/* sr__pg_fail for the answer of a statement waited for, which may be an earlier deferred
 * write's failure (pipeline_end): that failure is the transaction's, never the statement's own
 * answer, so it is no constraint conflict of the statement (SR_EEXIST) and it is logged. */
static int answer_fail(struct pg *p, const char *what, const PGresult *res)
{
	if (!p->foreign)
		return sr__pg_fail(&p->base, what, res);
	p->foreign = 0;
	int rc = sr__pg_fail(&p->base, "deferred write", res);
	if (rc == SR_EEXIST) {
		p->base.reads->errors++;
		sr_log_error("db: %s", p->base.err);
		rc = SR_EDB;
	}
	return rc;
}

/* Reads the deferred writes' answers before an exchange that cannot ride with them: 0, or the
 * failure's error (the transaction is then rolled back and marked lost, as write_failed). */
static int pipeline_flush(struct pg *p, PGconn *c)
{
	PGresult *res = pipeline_end(p, c, 0);
	if (!res && PQstatus(c) == CONNECTION_OK && !p->reset)
		return 0;
	p->foreign = 1;
	int rc = answer_fail(p, "deferred write", res);
	PQclear(res);
	if (p->reset) {
		/* The connection goes at its next use, and the transaction with it. */
		if (p->in_write)
			p->write_lost = 2;
		return rc ? rc : SR_EUNAVAIL;
	}
	if (p->in_write && rc == SR_ECONFLICT) {
		p->write_lost = 3;
	} else if (p->in_write && PQstatus(c) == CONNECTION_OK) {
		p->write_lost = 1;
		p->base.reads->trips++;
		PGresult *r = PQexec(c, "ROLLBACK");
		PQclear(r);
		char sql[160];
		snprintf(sql, sizeof(sql), "BEGIN; SELECT pg_advisory_xact_lock(%lld)", (long long)SR__PG_LOCK_WRITE);
		p->base.reads->trips++;
		r = PQexec(c, sql);
		if (PQresultStatus(r) != PGRES_TUPLES_OK)
			p->in_write = 0;
		PQclear(r);
	}
	return rc ? rc : SR_EDB;
}

/* Prepares a statement on this connection if needed and runs it: its result, or NULL with
 * *rc set when it could not be prepared. With deferred writes in the pipeline, the statement
 * joins them and their answers come in its round trip. */
static PGresult *run(struct pg *p, struct pg_stmt *ps, PGconn *c, int *rc)
{
	sr_store *s = &p->base;
	if (p->pipeline) {
		if (ps->owner == p && !pipeline_send(p, ps, c))
			return pipeline_end(p, c, 1);
		if ((*rc = pipeline_flush(p, c)))
			return NULL;
	}
	char name[16];
	snprintf(name, sizeof(name), "q%d", ps->base.q);
	const char *vals[SR__PG_PARAMS_MAX];
	for (int j = 0; j < ps->nsend; j++)
		vals[j] = ps->val[ps->map[j]];
	/* A replica's statement run on the primary after the replica failed (pg_step): unnamed,
	 * since its name may be the primary store's own statement on this connection. */
	s->reads->trips++;
	if (ps->owner != p)
		return PQexecParams(c, ps->sql, ps->nsend, NULL, vals, NULL, NULL, 0);
	if (ps->prepared_gen != p->gen) {
		s->reads->trips++;
		s->reads->prepares++;
		PGresult *r = PQprepare(c, name, ps->sql, 0, NULL);
		int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		*rc = ok ? 0 : sr__pg_fail(s, "prepare", r);
		PQclear(r);
		if (!ok) {
			sr_log_error("db: statement was: %s", ps->sql);
			return NULL;
		}
		ps->prepared_gen = p->gen;
	}
	if (p->begin_pending && PQtransactionStatus(c) == PQTRANS_IDLE) {
		p->begin_pending = 0;
		int began;
		PGresult *res = exec_begin(c, name, ps->nsend, vals, &began);
		p->read_txn = began;
		return res;
	}
	p->begin_pending = 0;
	return PQexecPrepared(c, name, ps->nsend, vals, NULL, NULL, 0);
}

/* Runs a statement: one round trip (and its PREPARE the first time on a connection). A read
 * outside a transaction that finds the connection broken (the database restarted or failed
 * over since the last use) runs once more on a new connection. */
static int execute(struct pg *p, struct pg_stmt *ps)
{
	sr_store *s = &p->base;
	p->refused = p->foreign = 0;
	int64_t t0 = sr_mono_ns();
	PGresult *res = NULL;
	PGconn *c;
	for (int attempt = 0;; attempt++) {
		if (!(c = sr__pg_conn(s)))
			return SR_EUNAVAIL;
		if (p->write_lost == 2) {
			snprintf(s->err, sizeof(s->err), "step: the write transaction was lost with its connection");
			return SR_EUNAVAIL;
		}
		/* A write of the transaction whose answer nobody reads, or the blob holds outside
		 * one: sent, not waited for. */
		if (ps->owner == p && p->nsent <= PG_SENT_MAX - 4 &&
		    ((p->in_write && !p->write_lost && deferrable(ps->base.q)) || sent_ahead(p, ps, c)) &&
		    !pipeline_send(p, ps, c)) {
			ps->executed = 1;
			ps->row = -1;
			ps->nrows = ps->ncols = 0;
			p->changes = p->last_id = 0;
			return 0;
		}
		int idle = PQtransactionStatus(c) == PQTRANS_IDLE && !p->read_txn && !p->pipeline;
		int rc = 0;
		res = run(p, ps, c, &rc);
		if (PQstatus(c) != CONNECTION_OK && idle && ps->base.readonly && !attempt) {
			PQclear(res);
			sr_log_info("db: the connection broke; running the read again on a new one");
			continue;
		}
		if (rc)
			return rc;
		break;
	}
	s->reads->db_ns += sr_mono_ns() - t0;
	ExecStatusType st = PQresultStatus(res);
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		p->refused = !p->foreign && is_search(ps->base.q) && state &&
			     (strncmp(state, "42", 2) == 0 || strncmp(state, "22", 2) == 0);
		int rc = answer_fail(p, "step", res);
		PQclear(res);
		/* A failed read must not leave the request's snapshot aborted for the reads after
		 * it (a search stage the server refused is followed by the next stage). */
		if (p->read_txn && rc != SR_EUNAVAIL) {
			p->read_txn = 0;
			sr__pg_exec(s, "ROLLBACK", "end read");
		}
		if (p->in_write && rc == SR_ECONFLICT)
			p->write_lost = 3;
		else if (p->in_write && rc != SR_EUNAVAIL && PQtransactionStatus(c) == PQTRANS_INERROR)
			write_failed(p);
		return rc;
	}
	ps->res = res;
	ps->executed = 1;
	ps->row = -1;
	ps->ncols = PQnfields(res);
	ps->nrows = PQntuples(res);
	if (!ps->described)
		describe(p, ps, res);
	if (!ps->base.readonly) {
		const char *n = PQcmdTuples(res);
		p->changes = n && n[0] ? strtoll(n, NULL, 10) : 0;
		p->last_id = ps->nrows && ps->ncols && !PQgetisnull(res, 0, 0) ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
		if (!ps->rows_wanted)
			ps->nrows = 0;
		if ((s->touch.dirty || s->touch.auth) && PQtransactionStatus(c) == PQTRANS_IDLE)
			autocommit_touched(p);
	}
	return 0;
}

/* Runs a statement of the request's replica; when the replica fails it (down, or a conflict
 * with its recovery), the same statement runs on the primary and the request reads there
 * from now on. A full-text query the server refused is an answer, not a failure. */
static int execute_routed(struct pg *p, struct pg_stmt *ps)
{
	struct pg *r = ps->owner;
	int rc = execute(r, ps);
	p->refused = r->refused;
	if (!rc || r->refused)
		return rc;
	if (rc == SR_EUNAVAIL && r == P(p->replica))
		sr__pg_replica_failed(p->replica_idx);
	if (p->route == r)
		route_end(p);
	p->base.replica_ok = 0;
	return execute(p, ps);
}

static int pg_step(sr_store *s, sr__stmt *h)
{
	struct pg *p = P(s);
	struct pg_stmt *ps = PS(h);
	if (!ps->executed) {
		int rc = ps->owner == p ? execute(p, ps) : execute_routed(p, ps);
		if (rc)
			return rc;
	}
	if (ps->row + 1 >= ps->nrows) {
		pg_reset(h);
		return SR__DONE;
	}
	int row = ++ps->row;
	sr_reads *r = s->reads;
	int first = ps->coltab[0];
	r->rows++;
	r->table_rows[first]++;
	for (int i = 0; i < ps->ncols; i++) {
		int known = i < PG_COLS_MAX;
		int64_t b = PQgetisnull(ps->res, row, i) ? 0 : known && ps->colnum[i] ? 8 : PQgetlength(ps->res, row, i);
		r->bytes += b;
		r->table_bytes[known ? ps->coltab[i] : first] += b;
	}
	if (sr__reads_exceeded(r)) {
		pg_reset(h);
		return SR_ELIMIT;
	}
	return SR__ROW;
}

static int64_t pg_changes(sr_store *s)
{
	return P(s)->changes;
}

static int64_t pg_last_id(sr_store *s)
{
	return P(s)->last_id;
}

static int pg_search_refused(sr_store *s)
{
	return P(s)->refused;
}

static void pg_bind_int64(sr__stmt *st, int i, int64_t v)
{
	struct pg_stmt *ps = PS(st);
	if (i < 1 || i > ps->nparams)
		return;
	snprintf(ps->num[i - 1], sizeof(ps->num[0]), "%lld", (long long)v);
	ps->val[i - 1] = ps->num[i - 1];
}

static void pg_bind_null(sr__stmt *st, int i)
{
	struct pg_stmt *ps = PS(st);
	if (i >= 1 && i <= ps->nparams)
		ps->val[i - 1] = NULL;
}

static void pg_bind_text(sr__stmt *st, int i, const char *v, size_t n, int copy)
{
	struct pg_stmt *ps = PS(st);
	if (i < 1 || i > ps->nparams)
		return;
	free(ps->copy[i - 1]);
	ps->copy[i - 1] = NULL;
	char *fixed = ps->base.readonly ? sr__pg_utf8_fixed(v, n) : NULL;
	if (fixed) {
		ps->copy[i - 1] = fixed;
		v = fixed;
	} else if (copy) {
		char *c = malloc(n + 1);
		if (c) {
			memcpy(c, v, n);
			c[n] = '\0';
		}
		/* Out of memory binds NULL: the write then fails on its constraint, never writes
		 * other bytes. */
		ps->copy[i - 1] = c;
		v = c;
	}
	ps->val[i - 1] = v;
}

static int64_t pg_col_int64(sr__stmt *st, int i)
{
	struct pg_stmt *ps = PS(st);
	if (!ps->res || i >= ps->ncols || PQgetisnull(ps->res, ps->row, i))
		return 0;
	return strtoll(PQgetvalue(ps->res, ps->row, i), NULL, 10);
}

static double pg_col_double(sr__stmt *st, int i)
{
	struct pg_stmt *ps = PS(st);
	if (!ps->res || i >= ps->ncols || PQgetisnull(ps->res, ps->row, i))
		return 0;
	return strtod(PQgetvalue(ps->res, ps->row, i), NULL);
}

static const char *pg_col_text(sr__stmt *st, int i)
{
	struct pg_stmt *ps = PS(st);
	if (!ps->res || i >= ps->ncols || PQgetisnull(ps->res, ps->row, i))
		return NULL;
	return PQgetvalue(ps->res, ps->row, i);
}

static int pg_col_is_null(sr__stmt *st, int i)
{
	struct pg_stmt *ps = PS(st);
	return !ps->res || i >= ps->ncols || PQgetisnull(ps->res, ps->row, i);
}

static int pg_col_count(sr__stmt *st)
{
	return PS(st)->ncols;
}

/* ---- transactions ---- */

static int pg_reads_may_lag(sr_store *s)
{
	struct pg *p = P(s);
	return p->read_txn || p->route || s->replica_ok || p->in_write;
}

static void pg_read_end(sr_store *s)
{
	struct pg *p = P(s);
	route_end(p);
	p->begin_pending = 0;
	if (!p->read_txn)
		return;
	p->read_txn = 0;
	if (PQstatus(p->conn) != CONNECTION_OK || PQtransactionStatus(p->conn) != PQTRANS_INTRANS)
		return;
	/* Sent, not waited for: the answer is read at the connection's next use (sr__pg_conn), so
	 * the request does not wait for a COMMIT that cannot fail. */
	if (PQsendQuery(p->conn, "COMMIT"))
		p->commit_pending = 1;
	else
		sr__pg_exec(s, "COMMIT", "end read");
}

/* BEGIN and the write lock open the pipeline of deferred writes: they go out with the
 * transaction's first statement that is waited for (a failure of theirs fails it). Where the
 * pipeline cannot open, in one round trip of their own. */
static int pg_begin(sr_store *s)
{
	struct pg *p = P(s);
	char lock[96];
	snprintf(lock, sizeof(lock), "SELECT pg_advisory_xact_lock(%lld)", (long long)SR__PG_LOCK_WRITE);
	p->write_lost = 0;
	PGconn *c = sr__pg_conn(s);
	if (!c)
		return SR_EUNAVAIL;
	if (!p->pipeline && PQtransactionStatus(c) == PQTRANS_IDLE && PQenterPipelineMode(c)) {
		p->pipeline = 1;
		if (PQsendQueryParams(c, "BEGIN", 0, NULL, NULL, NULL, NULL, 0)) {
			p->sent[p->nsent++] = (struct sent){NULL, 0};
			if (PQsendQueryParams(c, lock, 0, NULL, NULL, NULL, NULL, 0)) {
				p->sent[p->nsent++] = (struct sent){NULL, 0};
				p->in_write = 1;
				return 0;
			}
		}
		PQclear(pipeline_end(p, c, 0));
	}
	char sql[128];
	snprintf(sql, sizeof(sql), "BEGIN; %s", lock);
	int rc = sr__pg_exec(s, sql, "begin");
	p->in_write = !rc;
	return rc;
}

static void pg_rollback(sr_store *s)
{
	struct pg *p = P(s);
	if (p->pipeline)
		PQclear(pipeline_end(p, p->conn, 0));
	p->in_write = p->write_lost = 0;
	if (PQstatus(p->conn) == CONNECTION_OK && sr__pg_conn(s) && PQtransactionStatus(p->conn) != PQTRANS_IDLE)
		sr__pg_exec(s, "ROLLBACK", "rollback");
}

static int pg_commit(sr_store *s)
{
	struct pg *p = P(s);
	/* The connection first: one reset here (a broken or demoted server) loses the
	 * transaction (connected() marks it), which the check below then reports. */
	PGconn *c = sr__pg_conn(s);
	if (!c && !p->write_lost)
		p->write_lost = 2;
	if (p->write_lost == 3) {
		snprintf(s->err, sizeof(s->err), "commit: an assertion of the transaction failed; it was rolled back");
		sr_store_rollback(s);
		return SR_ECONFLICT;
	}
	if (p->write_lost) {
		int rc = p->write_lost == 2 ? SR_EUNAVAIL : SR_EDB;
		snprintf(s->err, sizeof(s->err), "commit: %s; the transaction was rolled back",
			 rc == SR_EUNAVAIL ? "the connection was lost" : "a statement of the transaction failed");
		sr_log_error("db: %s", s->err);
		s->reads->errors++;
		sr_store_rollback(s);
		return rc;
	}
	p->in_write = 0;
	char sql[700] = "COMMIT", notify[680] = "";
	if (s->touch.dirty) {
		char payload[512];
		sr__pg_gens_payload(s, payload, sizeof(payload));
		snprintf(notify, sizeof(notify), "SELECT pg_notify('" SR__PG_CHANNEL "', '%s')", payload);
		snprintf(sql, sizeof(sql), "%s; COMMIT", notify);
	}
	PGresult *res;
	p->foreign = 0;
	sr__touch_announce(s);
	if (p->pipeline) {
		/* The deferred writes' answers come with the COMMIT's: one round trip. The
		 * notification is a statement of its own here (one query string per message). */
		int sent = 1;
		if (notify[0] && (sent = PQsendQueryParams(c, notify, 0, NULL, NULL, NULL, NULL, 0)))
			p->sent[p->nsent++] = (struct sent){NULL, 0};
		if (sent && (sent = PQsendQueryParams(c, "COMMIT", 0, NULL, NULL, NULL, NULL, 0)))
			p->sent[p->nsent++] = (struct sent){NULL, 0};
		res = pipeline_end(p, c, sent);
		if (!sent) {
			PQclear(res);
			res = NULL;
		}
	} else {
		s->reads->trips++;
		res = PQexec(c, sql);
	}
	int rc = 0;
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = answer_fail(p, "commit", res);
	else if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		/* COMMIT of a transaction a failed statement aborted answers ROLLBACK. */
		snprintf(s->err, sizeof(s->err), "commit: the transaction was rolled back");
		sr_log_error("db: %s", s->err);
		s->reads->errors++;
		rc = SR_EDB;
	}
	PQclear(res);
	if (rc) {
		sr_store_rollback(s);
		return rc;
	}
	/* Before the bump: no request may fill the cache from a replica under the new
	 * generations until the replicas have replayed this commit (pg_replica.c). */
	if (s->touch.dirty)
		sr__pg_replica_fence();
	sr__touch_apply(s);
	return 0;
}

static void pg_page_stats(sr_store *s, int64_t *hits, int64_t *misses)
{
	/* The server's buffer cache is not this connection's: nothing to report per request. */
	*hits = 0;
	*misses = 0;
}

static int pg_pages_complete(sr_store *s)
{
	return 0;
}

static const struct sr__engine pg_engine = {
	.name = "postgres",
	.close = pg_close,
	.migrate = sr__pg_migrate,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.read_end = pg_read_end,
	.reads_may_lag = pg_reads_may_lag,
	.page_stats = pg_page_stats,
	.pages_complete = pg_pages_complete,
	.explain = sr__pg_explain,
	.sql = sr__pg_sql,
	.match_expr = sr__pg_match,
	.prepare = pg_prepare,
	.step = pg_step,
	.reset = pg_reset,
	.changes = pg_changes,
	.last_id = pg_last_id,
	.search_refused = pg_search_refused,
	.bind_int64 = pg_bind_int64,
	.bind_null = pg_bind_null,
	.bind_text = pg_bind_text,
	.col_int64 = pg_col_int64,
	.col_double = pg_col_double,
	.col_text = pg_col_text,
	.col_is_null = pg_col_is_null,
	.col_count = pg_col_count,
};
