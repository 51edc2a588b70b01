/*
 * pg_schema.c - the PostgreSQL schema and catalogue: applies the migrations of
 * sql/postgres (compiled in as migrations_postgres.h) that schema_migrations does not record
 * yet, under an advisory lock so that nodes starting at once apply each exactly once; explains
 * a statement for the plan guard; and hands the engine the SQL text and the full-text syntax
 * of pg_catalogue.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/util.h"
#include "migrations_postgres.h"
#include "store/internal.h"
#include "store/pg.h"
#include "store/pg_catalogue.h"

const char *sr__pg_sql(int q)
{
	return q >= 0 && q < SR__Q_TOTAL ? sr__pg_statement_sql(q) : NULL;
}

int sr__pg_match(sr_buf *b, int match, const char *const *tokens, int n)
{
	return sr__pg_match_expr(b, match, tokens, n);
}

/* One parameterized statement whose result is not wanted beyond its status and rows. */
static int exec_params(sr_store *s, PGconn *c, const char *sql, int n, const char *const *vals,
		       const char *what, int *rows)
{
	PGresult *res = PQexecParams(c, sql, n, NULL, vals, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : sr__pg_fail(s, what, res);
	if (!rc && rows)
		*rows = PQntuples(res);
	PQclear(res);
	return rc;
}

static int apply(sr_store *s, PGconn *c, const char *name, const char *sql)
{
	int rows = 0;
	const char *check[] = {name};
	int rc = exec_params(s, c, "SELECT 1 FROM schema_migrations WHERE name = $1", 1, check,
			     "migration check", &rows);
	if (rc || rows)
		return rc;
	if ((rc = sr__pg_exec(s, "BEGIN", "begin migration")))
		return rc;
	char now[24];
	snprintf(now, sizeof(now), "%lld", (long long)sr_now_ms());
	const char *rec[] = {name, now};
	if (!(rc = sr__pg_exec(s, sql, name)) &&
	    !(rc = exec_params(s, c, "INSERT INTO schema_migrations(name, applied_at) VALUES ($1, $2::bigint)", 2, rec,
			       "record migration", NULL)) &&
	    !(rc = sr__pg_exec(s, "COMMIT", "commit migration"))) {
		sr_log_info("applied migration %s", name);
		return 0;
	}
	sr__pg_exec(s, "ROLLBACK", "rollback migration");
	return rc;
}

int sr__pg_migrate(sr_store *s)
{
	PGconn *c = sr__pg_conn(s);
	if (!c)
		return SR_EUNAVAIL;
	char lock[128], unlock[128];
	snprintf(lock, sizeof(lock), "SELECT pg_advisory_lock(%lld)", (long long)SR__PG_LOCK_MIGRATE);
	snprintf(unlock, sizeof(unlock), "SELECT pg_advisory_unlock(%lld)", (long long)SR__PG_LOCK_MIGRATE);
	/* A second node starting now waits here until the first has applied everything, then
	 * finds every migration recorded. */
	int rc = sr__pg_exec(s, lock, "lock migrations");
	if (rc)
		return rc;
	rc = sr__pg_exec(s, "CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, "
			    "applied_at bigint NOT NULL)", "create schema_migrations");
	size_t n = sizeof(sr__migrations_postgres) / sizeof(sr__migrations_postgres[0]);
	for (size_t i = 0; i < n && !rc; i++)
		if (sr__migrations_postgres[i].name)
			rc = apply(s, c, sr__migrations_postgres[i].name, sr__migrations_postgres[i].sql);
	sr__pg_exec(s, unlock, "unlock migrations");
	return rc;
}

/*
 * The plan of statement i for the plan guard: prepared under a name of its own and explained
 * with EXPLAIN EXECUTE under a forced generic plan (the plan the engine runs after a few
 * executions, whatever the values) with sequential scans priced out, so a statement that has
 * no index path still shows `Seq Scan`. Every parameter is NULL: a generic plan does not
 * look at the values.
 */
int sr__pg_explain(sr_store *s, int i, sr_buf *out)
{
	const char *sql = sr__pg_sql(i);
	if (!sql)
		return SR_EINVAL;
	PGconn *c = sr__pg_conn(s);
	if (!c)
		return SR_EUNAVAIL;
	char *own;
	unsigned char map[SR__PG_PARAMS_MAX];
	int n;
	int rc = sr__pg_compact(sql, &own, map, &n);
	if (rc)
		return rc;
	PGresult *res = PQprepare(c, "sr_explain", own ? own : sql, 0, NULL);
	free(own);
	rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : sr__pg_fail(s, "explain prepare", res);
	PQclear(res);
	if (rc)
		return rc;
	sr_buf q;
	sr_buf_init(&q, 4096);
	sr_buf_puts(&q, "EXPLAIN EXECUTE sr_explain");
	for (int k = 0; k < n; k++)
		sr_buf_puts(&q, k ? ", NULL" : "(NULL");
	if (n)
		sr_buf_putc(&q, ')');
	rc = sr__pg_exec(s, "SET plan_cache_mode = force_generic_plan; SET enable_seqscan = off", "explain settings");
	if (!rc && !q.data)
		rc = SR_ENOMEM;
	if (!rc) {
		res = PQexec(c, q.data);
		if (PQresultStatus(res) == PGRES_TUPLES_OK) {
			for (int r = 0; r < PQntuples(res); r++)
				sr_buf_printf(out, "%s\n", PQgetvalue(res, r, 0));
		} else {
			rc = sr__pg_fail(s, "explain", res);
		}
		PQclear(res);
	}
	sr_buf_deinit(&q);
	sr__pg_exec(s, "DEALLOCATE sr_explain; RESET plan_cache_mode; RESET enable_seqscan", "explain reset");
	return rc;
}
