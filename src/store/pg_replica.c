/*
 * pg_replica.c - read replicas on PostgreSQL: which streaming replica an anonymous read may
 * use, and the fence that keeps the response cache exact while replicas replay.
 *
 * The process has one set of replicas (sr_store_set_replicas, from `serve --db-replica`).
 * A store opens a connection to a replica lazily, the first time a request that may read a
 * replica (sr_store_read_begin_replica) runs a statement, and keeps it (pg.c). What a replica
 * is allowed to serve is decided here:
 *
 *   - State. One monitor thread holds a connection to the primary and one to each replica.
 *     Every CHECK_MS it reads the primary's pg_current_wal_lsn() and waits until each replica
 *     has replayed it (pg_last_wal_replay_lsn(), or its own current LSN once promoted). A
 *     replica that does not within the lag bound (--replica-max-lag-ms) is lagging; one whose
 *     connection fails is down. Neither is used; each is tried again after a back-off that
 *     doubles from BACKOFF_MIN_MS to BACKOFF_MAX_MS. Requests never wait for any of this:
 *     picking a replica is two atomic loads.
 *   - The fence. A cached answer must never be filled from a replica that has not replayed a
 *     write whose generation bump this process has already made: the answer would be kept
 *     under the new generations and served stale until the next write. So every bump (a
 *     commit of this process, a notification from another node, the listener's reconnect)
 *     first raises the fence (sr__pg_replica_fence): a counter, then a wake of the monitor.
 *     While the fence is up, requests read the primary. The monitor reads the primary's
 *     current LSN (after the raise, so at or past the write's commit), waits until every
 *     replica in use has replayed it, and lowers the fence if nothing raised it meanwhile.
 *     The cache reads its generations before the request's first statement picks where to
 *     read, and a raise precedes its bump, so a request that found the fence down began
 *     before the bump and its answer is kept under the old generations: dropped at its next
 *     lookup.
 *   - The primary gone. Then no write can commit and no LSN can be read: the fence is
 *     lowered, and replicas keep answering anonymous reads with what they have.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/util.h"
#include "store/pg.h"

#define CHECK_MS 250
#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 8000

enum { R_UP, R_LAGGING, R_DOWN };

struct replica {
	char url[SR__PG_URL_MAX];
	PGconn *conn;     /* the monitor's */
	int state;        /* R_*: written by the monitor, read by every request */
	int64_t retry_ns; /* a lagging or down replica is tried again from then */
	int backoff_ms;
	int64_t lag_ms;   /* how long the last check waited for it to replay the primary's LSN */
	uint64_t reads;   /* requests it answered */
};

static struct {
	int n, max_lag_ms, running, stop;
	char primary_url[SR__PG_URL_MAX];
	PGconn *primary; /* the monitor's */
	struct replica r[SR__PG_REPLICAS_MAX];
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	uint64_t raised, lowered; /* the fence is up while they differ */
	int64_t raised_ns;        /* when it went up from down */
	uint64_t fences, fenced_reads, rr;
	int64_t fence_ns_total, fence_ns_max;
} R = {.mu = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static int64_t now_ns(void)
{
	return sr_mono_ns();
}

static PGconn *connect_to(const char *url)
{
	const char *keys[] = {"connect_timeout", "application_name", "dbname", NULL};
	const char *vals[] = {"2", "skillreg-replica-monitor", url, NULL};
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(c) == CONNECTION_OK)
		return c;
	PQfinish(c);
	return NULL;
}

/* The primary's current WAL position as text (lsn, n bytes), or -1 when it does not answer. */
static int primary_lsn(char *lsn, size_t n)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		if (!R.primary && !(R.primary = connect_to(R.primary_url)))
			return -1;
		PGresult *r = PQexec(R.primary, "SELECT pg_current_wal_lsn()");
		int ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
		if (ok)
			snprintf(lsn, n, "%s", PQgetvalue(r, 0, 0));
		PQclear(r);
		if (ok)
			return 0;
		/* A server that was demoted, or a connection that broke: connect again (a multi-host
		 * URL with target_session_attrs=read-write then finds the new primary). */
		PQfinish(R.primary);
		R.primary = NULL;
	}
	return -1;
}

/* 1 when replica i has replayed lsn, 0 when not yet, -1 when it does not answer. */
static int replayed(struct replica *x, const char *lsn)
{
	if (!x->conn && !(x->conn = connect_to(x->url)))
		return -1;
	const char *v[1] = {lsn};
	PGresult *r = PQexecParams(x->conn, "SELECT COALESCE(CASE WHEN pg_is_in_recovery() THEN "
					    "pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END >= $1::pg_lsn, false)",
				   1, NULL, v, NULL, NULL, 0);
	int rc = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? PQgetvalue(r, 0, 0)[0] == 't' : -1;
	PQclear(r);
	if (rc < 0) {
		PQfinish(x->conn);
		x->conn = NULL;
	}
	return rc;
}

static void sleep_us(long us)
{
	struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void set_state(struct replica *x, int state, int64_t now)
{
	int was = __atomic_load_n(&x->state, __ATOMIC_SEQ_CST);
	if (state == R_UP) {
		x->backoff_ms = 0;
		if (was != R_UP)
			sr_log_info("db: replica %d is used again", (int)(x - R.r));
	} else {
		x->backoff_ms = x->backoff_ms ? x->backoff_ms * 2 : BACKOFF_MIN_MS;
		if (x->backoff_ms > BACKOFF_MAX_MS)
			x->backoff_ms = BACKOFF_MAX_MS;
		x->retry_ns = now + (int64_t)x->backoff_ms * 1000000;
		if (was != state)
			sr_log_error("db: replica %d is %s; its reads go to the primary (next try in %d ms)",
				     (int)(x - R.r), state == R_DOWN ? "not answering" : "lagging", x->backoff_ms);
	}
	__atomic_store_n(&x->state, state, __ATOMIC_SEQ_CST);
}

/* Waits until replica x has replayed lsn, at most the lag bound, and sets its state. */
static void check(struct replica *x, const char *lsn, int64_t t0)
{
	long pause = 100;
	int64_t deadline = t0 + (int64_t)R.max_lag_ms * 1000000;
	for (;;) {
		int rc = replayed(x, lsn);
		int64_t now = now_ns();
		if (rc < 0) {
			set_state(x, R_DOWN, now);
			return;
		}
		if (rc) {
			x->lag_ms = (now - t0) / 1000000;
			set_state(x, R_UP, now);
			return;
		}
		if (now >= deadline || __atomic_load_n(&R.stop, __ATOMIC_SEQ_CST)) {
			x->lag_ms = (now - t0) / 1000000;
			set_state(x, R_LAGGING, now);
			return;
		}
		sleep_us(pause);
		if (pause < 10000)
			pause *= 2;
	}
}

/* Lowers the fence raised up to seq unless something raised it since. */
static void lower(uint64_t seq)
{
	uint64_t expect = seq;
	int64_t up = __atomic_load_n(&R.raised_ns, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&R.raised, __ATOMIC_SEQ_CST) != expect)
		return;
	__atomic_store_n(&R.lowered, seq, __ATOMIC_SEQ_CST);
	int64_t d = now_ns() - up;
	if (up && d > 0) {
		__atomic_add_fetch(&R.fences, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&R.fence_ns_total, d, __ATOMIC_RELAXED);
		if (d > __atomic_load_n(&R.fence_ns_max, __ATOMIC_RELAXED))
			__atomic_store_n(&R.fence_ns_max, d, __ATOMIC_RELAXED);
	}
}

static void *monitor(void *arg)
{
	(void)arg;
	int64_t next_check = 0;
	for (;;) {
		pthread_mutex_lock(&R.mu);
		while (!R.stop && __atomic_load_n(&R.raised, __ATOMIC_SEQ_CST) == R.lowered && now_ns() < next_check) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 50 * 1000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&R.cond, &R.mu, &ts);
		}
		int stop = R.stop;
		pthread_mutex_unlock(&R.mu);
		if (stop)
			break;
		uint64_t seq = __atomic_load_n(&R.raised, __ATOMIC_SEQ_CST);
		int fence = seq != __atomic_load_n(&R.lowered, __ATOMIC_SEQ_CST);
		int64_t t0 = now_ns();
		int periodic = t0 >= next_check;
		char lsn[64];
		if (primary_lsn(lsn, sizeof(lsn))) {
			/* No primary: nothing can be written, replicas serve what they have. A replica
			 * that answers is used; one that does not stays down. */
			for (int i = 0; i < R.n && periodic; i++) {
				struct replica *x = &R.r[i];
				if (x->state != R_UP && t0 < x->retry_ns)
					continue;
				if (!x->conn && !(x->conn = connect_to(x->url)))
					set_state(x, R_DOWN, t0);
				else if (PQstatus(x->conn) != CONNECTION_OK) {
					PQfinish(x->conn);
					x->conn = NULL;
					set_state(x, R_DOWN, t0);
				} else
					set_state(x, R_UP, t0);
			}
			if (fence)
				lower(seq);
			if (periodic)
				next_check = t0 + CHECK_MS * 1000000LL;
			continue;
		}
		for (int i = 0; i < R.n; i++) {
			struct replica *x = &R.r[i];
			/* A fence waits for the replicas in use; the periodic check also tries the
			 * others whose back-off has passed. */
			if (x->state == R_UP || (periodic && t0 >= x->retry_ns))
				check(x, lsn, t0);
		}
		if (fence)
			lower(seq);
		if (periodic)
			next_check = t0 + CHECK_MS * 1000000LL;
	}
	return NULL;
}

int sr_store_set_replicas(const char *primary_url, const char *const *urls, int n, int max_lag_ms)
{
	if (R.running || n <= 0)
		return n < 0 || n > SR__PG_REPLICAS_MAX ? SR_EINVAL : 0;
	if (n > SR__PG_REPLICAS_MAX || snprintf(R.primary_url, sizeof(R.primary_url), "%s", primary_url) >=
					       (int)sizeof(R.primary_url))
		return SR_EINVAL;
	for (int i = 0; i < n; i++) {
		if (snprintf(R.r[i].url, sizeof(R.r[i].url), "%s", urls[i]) >= (int)sizeof(R.r[i].url))
			return SR_EINVAL;
		/* Not used until the first check has seen it replay the primary's position. */
		R.r[i].state = R_DOWN;
	}
	R.n = n;
	R.max_lag_ms = max_lag_ms;
	R.stop = 0;
	if (pthread_create(&R.thread, NULL, monitor, NULL)) {
		R.n = 0;
		return SR_ENOMEM;
	}
	R.running = 1;
	return 0;
}

void sr_store_replicas_stop(void)
{
	if (!R.running)
		return;
	pthread_mutex_lock(&R.mu);
	R.stop = 1;
	pthread_cond_signal(&R.cond);
	pthread_mutex_unlock(&R.mu);
	pthread_join(R.thread, NULL);
	for (int i = 0; i < R.n; i++) {
		PQfinish(R.r[i].conn);
		R.r[i].conn = NULL;
	}
	PQfinish(R.primary);
	R.primary = NULL;
	R.running = 0;
	R.n = 0;
}

void sr__pg_replica_fence(void)
{
	if (!__atomic_load_n(&R.running, __ATOMIC_SEQ_CST))
		return;
	if (__atomic_load_n(&R.raised, __ATOMIC_SEQ_CST) == __atomic_load_n(&R.lowered, __ATOMIC_SEQ_CST))
		__atomic_store_n(&R.raised_ns, now_ns(), __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&R.raised, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_lock(&R.mu);
	pthread_cond_signal(&R.cond);
	pthread_mutex_unlock(&R.mu);
}

int sr__pg_replica_pick(int prefer)
{
	if (!__atomic_load_n(&R.running, __ATOMIC_SEQ_CST))
		return -1;
	if (__atomic_load_n(&R.raised, __ATOMIC_SEQ_CST) != __atomic_load_n(&R.lowered, __ATOMIC_SEQ_CST)) {
		__atomic_add_fetch(&R.fenced_reads, 1, __ATOMIC_RELAXED);
		return -1;
	}
	if (prefer >= 0 && prefer < R.n && __atomic_load_n(&R.r[prefer].state, __ATOMIC_SEQ_CST) == R_UP)
		return prefer;
	uint64_t start = __atomic_add_fetch(&R.rr, 1, __ATOMIC_RELAXED);
	for (int k = 0; k < R.n; k++) {
		int i = (int)((start + (uint64_t)k) % (uint64_t)R.n);
		if (__atomic_load_n(&R.r[i].state, __ATOMIC_SEQ_CST) == R_UP)
			return i;
	}
	return -1;
}

const char *sr__pg_replica_url(int i)
{
	return R.r[i].url;
}

void sr__pg_replica_used(int i)
{
	__atomic_add_fetch(&R.r[i].reads, 1, __ATOMIC_RELAXED);
}

void sr__pg_replica_failed(int i)
{
	/* The monitor confirms it and schedules the retry; until then no request picks it. */
	int up = R_UP;
	if (__atomic_compare_exchange_n(&R.r[i].state, &up, R_DOWN, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		sr_log_error("db: replica %d failed a read; its reads go to the primary", i);
}

void sr_store_replica_metrics(sr_buf *out)
{
	if (!__atomic_load_n(&R.running, __ATOMIC_SEQ_CST))
		return;
	sr_buf_printf(out, "# HELP skillreg_db_replica_up Whether a read replica is used (1), lagging (0) or "
			   "not answering (-1).\n# TYPE skillreg_db_replica_up gauge\n");
	for (int i = 0; i < R.n; i++) {
		int st = __atomic_load_n(&R.r[i].state, __ATOMIC_SEQ_CST);
		sr_buf_printf(out, "skillreg_db_replica_up{replica=\"%d\"} %d\n", i, st == R_UP ? 1 : st == R_LAGGING ? 0 : -1);
	}
	sr_buf_printf(out, "# HELP skillreg_db_replica_lag_ms How long the last check waited for the replica "
			   "to replay the primary's position.\n# TYPE skillreg_db_replica_lag_ms gauge\n");
	for (int i = 0; i < R.n; i++)
		sr_buf_printf(out, "skillreg_db_replica_lag_ms{replica=\"%d\"} %lld\n", i,
			      (long long)__atomic_load_n(&R.r[i].lag_ms, __ATOMIC_RELAXED));
	sr_buf_printf(out, "# HELP skillreg_db_replica_reads_total Requests whose reads a replica answered.\n"
			   "# TYPE skillreg_db_replica_reads_total counter\n");
	for (int i = 0; i < R.n; i++)
		sr_buf_printf(out, "skillreg_db_replica_reads_total{replica=\"%d\"} %llu\n", i,
			      (unsigned long long)__atomic_load_n(&R.r[i].reads, __ATOMIC_RELAXED));
	uint64_t n = __atomic_load_n(&R.fences, __ATOMIC_RELAXED);
	int64_t total = __atomic_load_n(&R.fence_ns_total, __ATOMIC_RELAXED);
	sr_buf_printf(out,
		      "# HELP skillreg_db_replica_fenced_reads_total Anonymous reads sent to the primary because a "
		      "write was not yet replayed everywhere.\n# TYPE skillreg_db_replica_fenced_reads_total counter\n"
		      "skillreg_db_replica_fenced_reads_total %llu\n"
		      "# HELP skillreg_db_replica_fences_total Writes (or runs of writes) the replicas were waited for.\n"
		      "# TYPE skillreg_db_replica_fences_total counter\nskillreg_db_replica_fences_total %llu\n"
		      "# HELP skillreg_db_replica_fence_seconds_total Time the fence was up in all.\n"
		      "# TYPE skillreg_db_replica_fence_seconds_total counter\n"
		      "skillreg_db_replica_fence_seconds_total %.6f\n"
		      "# HELP skillreg_db_replica_fence_max_seconds The longest the fence was up.\n"
		      "# TYPE skillreg_db_replica_fence_max_seconds gauge\nskillreg_db_replica_fence_max_seconds %.6f\n",
		      (unsigned long long)__atomic_load_n(&R.fenced_reads, __ATOMIC_RELAXED), (unsigned long long)n,
		      (double)total / 1e9, (double)__atomic_load_n(&R.fence_ns_max, __ATOMIC_RELAXED) / 1e9);
}
