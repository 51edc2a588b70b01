/*
 * testdb.c - the database under the servers the HTTP tests start, on either engine.
 *
 * With SKILLREG_TEST_DB=postgres (scripts/run-tests sets it for the -pg groups) every server
 * gets a fresh database on the PostgreSQL cluster whose URL is in SKILLREG_TEST_PG, and the
 * harness passes `--db <its URL>` to `serve` and to every admin command; otherwise the
 * server keeps SQLite in its data directory as it always did. Tests that read a server's rows
 * or change them behind its back go through the srt_db_* calls here, with SQL both dialects
 * accept, so one test runs on both engines instead of being copied.
 *
 * A target is what `skillreg --db` takes: a postgres:// URL or a SQLite file path. PostgreSQL
 * connections are kept, one per URL, behind one lock: srt_pending_scans asks every few
 * milliseconds while a publish waits for its scan, and a new connection per question would
 * cost a backend start each time. The lock also lets copies of a server struct in several
 * threads share them.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#define MAX_CONNS 16

static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char url[512];
	PGconn *conn;
} conns[MAX_CONNS];

int srt_db_postgres(void)
{
	const char *e = getenv("SKILLREG_TEST_DB");
	return e && strcmp(e, "postgres") == 0;
}

static int is_pg(const char *target)
{
	return strncmp(target, "postgres://", 11) == 0 || strncmp(target, "postgresql://", 13) == 0;
}

/* The cluster's URL (SKILLREG_TEST_PG), or NULL after saying why. */
static const char *cluster_url(void)
{
	const char *u = getenv("SKILLREG_TEST_PG");
	if (!u || !is_pg(u)) {
		fprintf(stderr, "SKILLREG_TEST_DB=postgres needs SKILLREG_TEST_PG, the URL of a running cluster "
				"(scripts/pg-test-cluster start DIR prints one; scripts/run-tests starts it)\n");
		return NULL;
	}
	return u;
}

/* The URL of database name on the cluster of url: url with its last path segment replaced. */
static int url_with_name(const char *url, const char *name, char *out, size_t n)
{
	const char *slash = strrchr(url, '/');
	if (!slash || slash < url + 13)
		return -1;
	int w = snprintf(out, n, "%.*s/%s", (int)(slash - url), url, name);
	return w > 0 && (size_t)w < n ? 0 : -1;
}

/* The database name in a URL (its last path segment, without a query). */
static int name_of(const char *url, char *out, size_t n)
{
	const char *slash = strrchr(url, '/');
	if (!slash)
		return -1;
	size_t len = strcspn(slash + 1, "?");
	if (len == 0 || len >= n)
		return -1;
	memcpy(out, slash + 1, len);
	out[len] = '\0';
	return 0;
}

/* Closes the kept connection to url, if any: a database to drop or to copy from must have
 * no sessions. Caller holds conns_lock. */
static void forget_locked(const char *url)
{
	for (int i = 0; i < MAX_CONNS; i++)
		if (conns[i].conn && strcmp(conns[i].url, url) == 0) {
			PQfinish(conns[i].conn);
			conns[i].conn = NULL;
			conns[i].url[0] = '\0';
		}
}

/* The kept connection to url, made when missing or broken; NULL after printing why. Caller
 * holds conns_lock. */
static PGconn *conn_locked(const char *url)
{
	int free_slot = -1;
	for (int i = 0; i < MAX_CONNS; i++) {
		if (conns[i].conn && strcmp(conns[i].url, url) == 0) {
			if (PQstatus(conns[i].conn) == CONNECTION_OK)
				return conns[i].conn;
			PQfinish(conns[i].conn);
			conns[i].conn = NULL;
		}
		if (!conns[i].conn && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0) {
		/* More databases than slots: the oldest connection goes. */
		forget_locked(conns[0].url);
		free_slot = 0;
	}
	PGconn *c = PQconnectdb(url);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "cannot connect to %s: %s", url, PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	PQclear(PQexec(c, "SET client_min_messages = warning"));
	snprintf(conns[free_slot].url, sizeof conns[free_slot].url, "%s", url);
	conns[free_slot].conn = c;
	return c;
}

/* Runs sql (one statement or several) on url; the last statement's result, or NULL after
 * printing why. */
static PGresult *pg_run(const char *url, const char *sql)
{
	pthread_mutex_lock(&conns_lock);
	PGconn *c = conn_locked(url);
	PGresult *r = c ? PQexec(c, sql) : NULL;
	if (c && (!r || (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK))) {
		fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
		PQclear(r);
		r = NULL;
	}
	pthread_mutex_unlock(&conns_lock);
	return r;
}

static void pg_forget(const char *url)
{
	pthread_mutex_lock(&conns_lock);
	forget_locked(url);
	pthread_mutex_unlock(&conns_lock);
}

static sqlite3 *lite_open(const char *path)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		fprintf(stderr, "cannot open %s: %s\n", path, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 5000);
	return db;
}

long srt_db_exec(const char *target, const char *sql)
{
	if (is_pg(target)) {
		PGresult *r = pg_run(target, sql);
		if (!r)
			return -1;
		long n = strtol(PQcmdTuples(r), NULL, 10);
		PQclear(r);
		return n;
	}
	sqlite3 *db = lite_open(target);
	if (!db)
		return -1;
	char *err = NULL;
	long n = -1;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK)
		n = sqlite3_changes(db);
	else
		fprintf(stderr, "%s: %s\n", sql, err ? err : sqlite3_errmsg(db));
	sqlite3_free(err);
	sqlite3_close(db);
	return n;
}

/* Appends one value and its separator to a growing text; -1 when out of memory. */
static int put(char **out, size_t *len, size_t *cap, const char *v, char sep)
{
	size_t vl = strlen(v);
	if (*len + vl + 2 > *cap) {
		size_t nc = (*cap + vl + 2) * 2;
		char *nb = realloc(*out, nc);
		if (!nb)
			return -1;
		*out = nb;
		*cap = nc;
	}
	memcpy(*out + *len, v, vl);
	*len += vl;
	(*out)[(*len)++] = sep;
	(*out)[*len] = '\0';
	return 0;
}

char *srt_db_text(const char *target, const char *sql)
{
	size_t len = 0, cap = 256;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	out[0] = '\0';
	int bad = 0;
	if (is_pg(target)) {
		PGresult *r = pg_run(target, sql);
		if (!r) {
			free(out);
			return NULL;
		}
		int nc = PQnfields(r);
		for (int row = 0; row < PQntuples(r) && !bad; row++)
			for (int c = 0; c < nc && !bad; c++)
				bad = put(&out, &len, &cap, PQgetisnull(r, row, c) ? "NULL" : PQgetvalue(r, row, c),
					  c + 1 < nc ? '|' : '\n');
		PQclear(r);
	} else {
		sqlite3 *db = lite_open(target);
		sqlite3_stmt *st = NULL;
		if (!db || sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
			if (db)
				fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
			sqlite3_close(db);
			free(out);
			return NULL;
		}
		int rc;
		int nc = sqlite3_column_count(st);
		while (!bad && (rc = sqlite3_step(st)) == SQLITE_ROW)
			for (int c = 0; c < nc && !bad; c++) {
				const char *t = (const char *)sqlite3_column_text(st, c);
				bad = put(&out, &len, &cap, t ? t : "NULL", c + 1 < nc ? '|' : '\n');
			}
		if (!bad && rc != SQLITE_DONE) {
			fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
			bad = 1;
		}
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
	if (bad) {
		free(out);
		return NULL;
	}
	return out;
}

long long srt_db_int(const char *target, const char *sql)
{
	char *t = srt_db_text(target, sql);
	if (!t)
		return -1;
	char *end;
	long long v = strtoll(t, &end, 10);
	int ok = end != t && (*end == '\n' || *end == '|');
	if (!ok)
		fprintf(stderr, "%s: expected an integer, got \"%s\"\n", sql, t);
	free(t);
	return ok ? v : -1;
}

long srt_sql(srt_server *s, const char *sql)
{
	return srt_db_exec(s->db, sql);
}

long long srt_sql_int(srt_server *s, const char *sql)
{
	return srt_db_int(s->db, sql);
}

/* PostgreSQL's counterpart of SQLite's integrity_check: amcheck's structural check of every
 * B-tree index of the schema (the tables' own pages are checked by reading them through the
 * indexes' heap check). */
static const char pg_check_sql[] =
	"CREATE EXTENSION IF NOT EXISTS amcheck;"
	"SELECT count(*) FROM (SELECT bt_index_check(c.oid, true) FROM pg_index i "
	"JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam "
	"JOIN pg_namespace ns ON ns.oid = c.relnamespace "
	"WHERE am.amname = 'btree' AND ns.nspname = 'public') checked";

int srt_db_check(const char *target)
{
	if (is_pg(target))
		return srt_db_int(target, pg_check_sql) >= 0 ? 0 : -1;
	char *t = srt_db_text(target, "PRAGMA integrity_check");
	int ok = t && strcmp(t, "ok\n") == 0;
	if (t && !ok)
		fprintf(stderr, "integrity_check of %s: %s", target, t);
	free(t);
	return ok ? 0 : -1;
}

/* Copies a SQLite file byte for byte (the source is not being written). */
static int copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY);
	if (in < 0) {
		fprintf(stderr, "cannot open %s: %s\n", from, strerror(errno));
		return -1;
	}
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		fprintf(stderr, "cannot create %s: %s\n", to, strerror(errno));
		close(in);
		return -1;
	}
	char buf[65536];
	ssize_t r;
	int rc = 0;
	while ((r = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)r) != r) {
			rc = -1;
			break;
		}
	if (r < 0)
		rc = -1;
	close(in);
	if (close(out) != 0)
		rc = -1;
	return rc;
}

/* Drops a PostgreSQL database by its URL, ending whatever sessions it still has. */
static int pg_drop(const char *url)
{
	const char *cluster = cluster_url();
	char name[128];
	if (!cluster || name_of(url, name, sizeof name) != 0)
		return -1;
	pg_forget(url);
	return srt_db_exec(cluster, srt_fmt("DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", name)) < 0 ? -1 : 0;
}

int srt_db_drop(const char *target)
{
	if (is_pg(target))
		return pg_drop(target);
	int rc = unlink(target) == 0 || errno == ENOENT ? 0 : -1;
	unlink(srt_fmt("%s-wal", target));
	unlink(srt_fmt("%s-shm", target));
	return rc;
}

int srt_db_copy(const char *from, const char *to)
{
	if (!is_pg(from))
		return srt_db_drop(to) || copy_file(from, to);
	const char *cluster = cluster_url();
	char fname[128], tname[128];
	if (!cluster || name_of(from, fname, sizeof fname) != 0 || name_of(to, tname, sizeof tname) != 0)
		return -1;
	/* A template must have no sessions; PostgreSQL waits a few seconds for the backends of
	 * processes that just exited. */
	pg_forget(from);
	if (pg_drop(to) != 0)
		return -1;
	return srt_db_exec(cluster, srt_fmt("CREATE DATABASE \"%s\" TEMPLATE \"%s\"", tname, fname)) < 0 ? -1 : 0;
}

const char *srt_db_sibling(const srt_server *s, const char *suffix, const char *dir)
{
	if (!is_pg(s->db))
		return srt_fmt("%s/skillreg.db", dir);
	char name[128], url[600];
	if (name_of(s->db, name, sizeof name) != 0 || url_with_name(s->db, srt_fmt("%s_%s", name, suffix), url,
								      sizeof url) != 0)
		return NULL;
	return srt_fmt("%s", url);
}

int srt__db_create(srt_server *s)
{
	const char *e = getenv("SKILLREG_TEST_DB");
	if (e && *e && strcmp(e, "postgres") != 0 && strcmp(e, "sqlite") != 0) {
		fprintf(stderr, "SKILLREG_TEST_DB is \"%s\": sqlite or postgres\n", e);
		return -1;
	}
	if (!srt_db_postgres()) {
		snprintf(s->db, sizeof s->db, "%s/skillreg.db", s->dir);
		return 0;
	}
	const char *cluster = cluster_url();
	if (!cluster)
		return -1;
	/* Unique per server: the test program's pid, a counter for programs that start several
	 * servers, and the clock for a cluster kept across runs. */
	static int seq;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	char name[64];
	snprintf(name, sizeof name, "srt_%d_%d_%ld", (int)getpid(), ++seq, (long)(ts.tv_nsec / 1000));
	if (url_with_name(cluster, name, s->db, sizeof s->db) != 0) {
		fprintf(stderr, "cannot make a database URL from %s\n", cluster);
		s->db[0] = '\0';
		return -1;
	}
	if (srt_db_exec(cluster, srt_fmt("CREATE DATABASE \"%s\"", name)) < 0) {
		s->db[0] = '\0';
		return -1;
	}
	return 0;
}

void srt__db_release(srt_server *s)
{
	if (s->db[0] && is_pg(s->db)) {
		if (getenv("SRT_KEEP"))
			fprintf(stderr, "kept database %s\n", s->db);
		else
			pg_drop(s->db);
	}
	s->db[0] = '\0';
}
