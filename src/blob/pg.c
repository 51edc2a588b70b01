/*
 * pg.c - see pg.h. Every statement of the blobs table is here, each with the index it uses.
 */
#include "blob/pg.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/util.h"

/* Connections per process: enough for the server's worker threads, the scan worker and the
 * scheduler to move bytes at once; they are opened only when that many calls overlap. */
#define BPG_CONNS 8
/* After a connect fails, calls fail at once for this long instead of each waiting for it. */
#define BPG_RETRY_NS (1000LL * 1000 * 1000)

struct slot {
	pthread_mutex_t mu;
	PGconn *conn;
};

struct sr__bpg {
	char url[2048];
	struct slot slots[BPG_CONNS];
	_Atomic unsigned next;
	_Atomic int64_t down_until_ns;
};

/* Every statement of the blobs table, with the index it uses. */
enum { BQ_TOUCH, BQ_INSERT, BQ_FETCH, BQ_EXISTS, BQ_OLD, BQ_DELETE_OLD, BQ_PRESENT, BQ_YOUNG, BQ_COUNT };
static const char *const bq_sql[BQ_COUNT] = {
	/* The primary key. */
	[BQ_TOUCH] = "UPDATE blobs SET touched_at = GREATEST(touched_at, $2::bigint) WHERE sha256 = $1",
	/* The primary key. The bytes go in binary, as they are; a row already there is only made
	 * young (GREATEST: a node whose clock is behind does not make it older). */
	[BQ_INSERT] = "INSERT INTO blobs (sha256, size, data, created_at, touched_at) "
	    "VALUES ($1, $2::bigint, $3, $4::bigint, $4::bigint) ON CONFLICT (sha256) "
	    "DO UPDATE SET touched_at = GREATEST(blobs.touched_at, EXCLUDED.touched_at)",
	/* The primary key; the result in binary, so bytea comes as its bytes, not as hex. A part
	 * of the bytes (substring is 1-based), with the whole size as text. */
	[BQ_FETCH] = "SELECT size::text, substring(data FROM $2::integer FOR $3::integer) FROM blobs "
	    "WHERE sha256 = $1",
	/* The primary key, index only. */
	[BQ_EXISTS] = "SELECT 1 FROM blobs WHERE sha256 = $1",
	/* One range of ix_blobs_touched (index only: size is included), oldest first, after the
	 * previous page's last key. */
	[BQ_OLD] = "SELECT sha256, size, touched_at FROM blobs WHERE touched_at < $1::bigint "
	    "AND (touched_at, sha256) > ($2::bigint, $3::text) ORDER BY touched_at, sha256 "
	    "LIMIT $4::integer",
	/* The primary key per sha. A blob touched since the collector read it is still young
	 * here and stays: the age is checked by the statement that deletes. */
	[BQ_DELETE_OLD] = "DELETE FROM blobs WHERE sha256 = ANY($1::text[]) AND touched_at < $2::bigint "
	    "RETURNING sha256",
	/* The primary key per sha, index only. */
	[BQ_PRESENT] = "SELECT sha256 FROM blobs WHERE sha256 = ANY($1::text[])",
	/* One range of ix_blobs_touched, index only: the blobs the collector's walk does not see. */
	[BQ_YOUNG] = "SELECT count(*), COALESCE(sum(size), 0) FROM blobs WHERE touched_at >= $1::bigint",
};

const char *sr__bpg_sql(int i)
{
	return i >= 0 && i < BQ_COUNT ? bq_sql[i] : NULL;
}

int sr__bpg_new(const char *url, sr__bpg **out)
{
	sr__bpg *p = calloc(1, sizeof(*p));
	if (!p)
		return SR_ENOMEM;
	if (snprintf(p->url, sizeof(p->url), "%s", url) >= (int)sizeof(p->url)) {
		free(p);
		return SR_ETOOBIG;
	}
	for (int i = 0; i < BPG_CONNS; i++)
		pthread_mutex_init(&p->slots[i].mu, NULL);
	*out = p;
	return 0;
}

void sr__bpg_free(sr__bpg *p)
{
	if (!p)
		return;
	for (int i = 0; i < BPG_CONNS; i++) {
		PQfinish(p->slots[i].conn);
		pthread_mutex_destroy(&p->slots[i].mu);
	}
	free(p);
}

/* A free slot when there is one (the lowest, so connections open only under overlap), else
 * the next in turn, waited for. */
static struct slot *acquire(sr__bpg *p)
{
	for (int i = 0; i < BPG_CONNS; i++)
		if (pthread_mutex_trylock(&p->slots[i].mu) == 0)
			return &p->slots[i];
	struct slot *s = &p->slots[atomic_fetch_add(&p->next, 1) % BPG_CONNS];
	pthread_mutex_lock(&s->mu);
	return s;
}

static int connect_slot(sr__bpg *p, struct slot *s)
{
	if (s->conn && PQstatus(s->conn) == CONNECTION_OK)
		return 0;
	PQfinish(s->conn);
	s->conn = NULL;
	if (sr_mono_ns() < atomic_load(&p->down_until_ns))
		return SR_EUNAVAIL;
	/* These come before the URL, so a URL that sets its own wins. Keepalives find a server
	 * that vanished without closing the connection (a host gone, a partition) in about 25 s
	 * instead of the system's two hours, so a statement waiting on it does not hold its
	 * connection and its caller for good. */
	const char *keys[] = {"connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval",
			      "keepalives_count", "application_name", "dbname", NULL};
	const char *vals[] = {"5", "1", "10", "5", "3", "skillreg-blobs", p->url, NULL};
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	if (!c || PQstatus(c) != CONNECTION_OK) {
		sr_log_error("blobs: cannot connect to the database: %s", c ? PQerrorMessage(c) : "out of memory");
		PQfinish(c);
		atomic_store(&p->down_until_ns, sr_mono_ns() + BPG_RETRY_NS);
		return SR_EUNAVAIL;
	}
	s->conn = c;
	return 0;
}

/* Runs one statement on a connection of the pool and returns its result (*res, the caller
 * clears it). A connection found broken is opened again and the statement run once more. */
static int run(sr__bpg *p, const char *sql, int n, const char *const *vals, const int *lens, const int *fmts,
	       int binary, PGresult **res)
{
	*res = NULL;
	struct slot *s = acquire(p);
	int rc = 0;
	for (int attempt = 0; attempt < 2; attempt++) {
		if ((rc = connect_slot(p, s)))
			break;
		PGresult *r = PQexecParams(s->conn, sql, n, NULL, vals, lens, fmts, binary);
		ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
		if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
			*res = r;
			rc = 0;
			break;
		}
		if (PQstatus(s->conn) == CONNECTION_BAD) {
			sr_log_error("blobs: lost the database connection: %s", PQerrorMessage(s->conn));
			PQclear(r);
			rc = SR_EUNAVAIL;
			continue;
		}
		/* read_only_sql_transaction: the server was demoted (a failover). The connection is
		 * dropped, and the next one finds the server that takes writes (a multi-host URL
		 * with target_session_attrs=read-write). */
		const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
		if (state && strcmp(state, "25006") == 0) {
			sr_log_error("blobs: the server is read-only; connecting again");
			PQclear(r);
			PQfinish(s->conn);
			s->conn = NULL;
			rc = SR_EUNAVAIL;
			continue;
		}
		sr_log_error("blobs: statement failed: %s", r ? PQresultErrorMessage(r) : PQerrorMessage(s->conn));
		/* disk_full (53100): the database's disk, which the operator frees. */
		rc = state && strcmp(state, "53100") == 0 ? SR_ENOSPC : SR_EDB;
		PQclear(r);
		break;
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

static int64_t int_at(PGresult *r, int row, int col)
{
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* A text array literal of the shas ('{a,b,...}'): 64 hex digits each, nothing to quote. */
static int sha_array(sr_buf *b, const char *sha0, size_t stride, int n)
{
	int rc = sr_buf_append(b, "{", 1);
	for (int i = 0; i < n && !rc; i++) {
		const char *sha = sha0 + (size_t)i * stride;
		if (!sr_is_hex64(sha))
			return SR_EINVAL;
		rc = sr_buf_printf(b, "%s%s", i ? "," : "", sha);
	}
	return rc ? rc : sr_buf_append(b, "}", 1);
}

int sr__bpg_touch(sr__bpg *p, const char *sha, int64_t now, int *found)
{
	char nbuf[24];
	snprintf(nbuf, sizeof(nbuf), "%lld", (long long)now);
	const char *vals[] = {sha, nbuf};
	PGresult *r;
	int rc = run(p, bq_sql[BQ_TOUCH], 2, vals, NULL, NULL, 0, &r);
	if (!rc)
		*found = atoi(PQcmdTuples(r)) > 0;
	PQclear(r);
	return rc;
}

int sr__bpg_insert(sr__bpg *p, const char *sha, const void *data, size_t len, int64_t now)
{
	if (len > 0x3fffffff)
		return SR_ETOOBIG;
	char sbuf[24], nbuf[24];
	snprintf(sbuf, sizeof(sbuf), "%zu", len);
	snprintf(nbuf, sizeof(nbuf), "%lld", (long long)now);
	const char *vals[] = {sha, sbuf, len ? data : "", nbuf};
	const int lens[] = {0, 0, (int)len, 0};
	const int fmts[] = {0, 0, 1, 0};
	PGresult *r;
	int rc = run(p, bq_sql[BQ_INSERT], 4, vals, lens, fmts, 0, &r);
	PQclear(r);
	return rc;
}

int sr__bpg_fetch_part(sr__bpg *p, const char *sha, int64_t off, int64_t len,
		       int (*sink)(void *ud, const void *data, size_t len), void *ud, int64_t *size)
{
	if (off < 0 || len < 1 || off > 0x3fffffff || len > 0x3fffffff)
		return SR_EINVAL;
	char obuf[24], lbuf[24];
	snprintf(obuf, sizeof(obuf), "%lld", (long long)off + 1);
	snprintf(lbuf, sizeof(lbuf), "%lld", (long long)len);
	const char *vals[] = {sha, obuf, lbuf};
	PGresult *r;
	int rc = run(p, bq_sql[BQ_FETCH], 3, vals, NULL, NULL, 1, &r);
	if (rc)
		return rc;
	if (PQntuples(r) != 1)
		rc = SR_ENOTFOUND;
	else {
		/* In a binary result a text column is its characters, without a terminator. */
		char sbuf[24];
		int n = PQgetlength(r, 0, 0);
		snprintf(sbuf, sizeof(sbuf), "%.*s", n < 23 ? n : 23, PQgetvalue(r, 0, 0));
		*size = strtoll(sbuf, NULL, 10);
		rc = sink(ud, PQgetvalue(r, 0, 1), (size_t)PQgetlength(r, 0, 1));
	}
	PQclear(r);
	return rc;
}

int sr__bpg_exists(sr__bpg *p, const char *sha, int *found)
{
	const char *vals[] = {sha};
	PGresult *r;
	int rc = run(p, bq_sql[BQ_EXISTS], 1, vals, NULL, NULL, 0, &r);
	if (!rc)
		*found = PQntuples(r) == 1;
	PQclear(r);
	return rc;
}

int sr__bpg_old(sr__bpg *p, int64_t cutoff_ms, const sr_blob_row *after, sr_blob_row *out, int n, int *got)
{
	char cbuf[24], abuf[24], nbuf[16];
	snprintf(cbuf, sizeof(cbuf), "%lld", (long long)cutoff_ms);
	snprintf(abuf, sizeof(abuf), "%lld", (long long)(after ? after->touched_ms : INT64_MIN));
	snprintf(nbuf, sizeof(nbuf), "%d", n);
	const char *vals[] = {cbuf, abuf, after ? after->sha : "", nbuf};
	PGresult *r;
	int rc = run(p, bq_sql[BQ_OLD], 4, vals, NULL, NULL, 0, &r);
	if (rc)
		return rc;
	int rows = PQntuples(r);
	for (int i = 0; i < rows && i < n; i++) {
		snprintf(out[i].sha, sizeof(out[i].sha), "%s", PQgetvalue(r, i, 0));
		out[i].size = int_at(r, i, 1);
		out[i].touched_ms = int_at(r, i, 2);
	}
	*got = rows < n ? rows : n;
	PQclear(r);
	return 0;
}

int sr__bpg_delete_old(sr__bpg *p, const sr_blob_row *v, int n, int64_t cutoff_ms, int *deleted)
{
	sr_buf arr;
	sr_buf_init(&arr, (size_t)n * 66 + 16);
	char cbuf[24];
	snprintf(cbuf, sizeof(cbuf), "%lld", (long long)cutoff_ms);
	int rc = sha_array(&arr, v[0].sha, sizeof(v[0]), n);
	PGresult *r = NULL;
	if (!rc) {
		const char *vals[] = {arr.data, cbuf};
		rc = run(p, bq_sql[BQ_DELETE_OLD], 2, vals, NULL, NULL, 0, &r);
	}
	for (int i = 0; i < n; i++)
		deleted[i] = 0;
	for (int k = 0; !rc && k < PQntuples(r); k++)
		for (int i = 0; i < n; i++)
			if (strcmp(PQgetvalue(r, k, 0), v[i].sha) == 0)
				deleted[i] = 1;
	PQclear(r);
	sr_buf_deinit(&arr);
	return rc;
}

int sr__bpg_present(sr__bpg *p, const char (*shas)[65], int n, int *present)
{
	sr_buf arr;
	sr_buf_init(&arr, (size_t)n * 66 + 16);
	int rc = sha_array(&arr, shas[0], sizeof(shas[0]), n);
	PGresult *r = NULL;
	if (!rc) {
		const char *vals[] = {arr.data};
		rc = run(p, bq_sql[BQ_PRESENT], 1, vals, NULL, NULL, 0, &r);
	}
	for (int i = 0; i < n; i++)
		present[i] = 0;
	for (int k = 0; !rc && k < PQntuples(r); k++)
		for (int i = 0; i < n; i++)
			if (strcmp(PQgetvalue(r, k, 0), shas[i]) == 0)
				present[i] = 1;
	PQclear(r);
	sr_buf_deinit(&arr);
	return rc;
}

int sr__bpg_young(sr__bpg *p, int64_t cutoff_ms, int64_t *files, int64_t *bytes)
{
	char cbuf[24];
	snprintf(cbuf, sizeof(cbuf), "%lld", (long long)cutoff_ms);
	const char *vals[] = {cbuf};
	PGresult *r;
	int rc = run(p, bq_sql[BQ_YOUNG], 1, vals, NULL, NULL, 0, &r);
	if (!rc) {
		*files = int_at(r, 0, 0);
		*bytes = int_at(r, 0, 1);
	}
	PQclear(r);
	return rc;
}
