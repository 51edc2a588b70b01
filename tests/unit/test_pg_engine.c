/*
 * test_pg_engine.c - the PostgreSQL engine on a real server: statements, transactions, a
 * constraint, a write after a read snapshot opened, a statement that fails inside a write
 * transaction, a connection lost inside
 * one, and the generation counters across processes (a write committed in one
 * process bumps the counters of another within a bound, through LISTEN/NOTIFY, and the
 * delay is printed). It runs on the database SKILLREG_TEST_PG names (scripts/
 * pg-test-cluster start DIR prints one URL) and fails when that is unset: a run that checked
 * nothing must not report ok. Each run uses handles of its own so a database can be reused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/util.h"
#include "store/gen.h"
#include "store/store.h"

static const char *url(void)
{
	const char *u = getenv("SKILLREG_TEST_PG");
	return u && u[0] ? u : NULL;
}

/* The group's setup: without a database every test would pass having checked nothing. */
static int need_database(void **state)
{
	(void)state;
	if (!url())
		fail_msg("SKILLREG_TEST_PG is not set: start a cluster (scripts/pg-test-cluster start DIR) "
			 "and export its URL");
	return 0;
}

static sr_store *open_store(void)
{
	sr_store *s;
	assert_int_equal(sr_store_open(url(), &s), 0);
	assert_int_equal(sr_store_migrate(s), 0);
	return s;
}

static void handle_of(char *out, size_t n, const char *what)
{
	snprintf(out, n, "%s%ld%d", what, (long)time(NULL) % 100000, (int)getpid());
}

static void test_statements_and_transactions(void **state)
{
	(void)state;
	sr_store *s = open_store();
	char h[64];
	handle_of(h, sizeof(h), "eng");
	int64_t id = 0;
	assert_int_equal(sr_store_user_add(s, h, "Engine Test", SR_ROLE_USER, &id), 0);
	assert_true(id > 0);
	sr_user u;
	assert_int_equal(sr_store_user_by_handle(s, h, &u), 0);
	assert_int_equal(u.id, id);
	assert_string_equal(u.display_name, "Engine Test");

	/* A rolled-back insert leaves nothing; a second user of one handle is SR_EEXIST. */
	char h2[64];
	handle_of(h2, sizeof(h2), "rb");
	assert_int_equal(sr_store_begin(s), 0);
	int64_t id2;
	assert_int_equal(sr_store_user_add(s, h2, NULL, SR_ROLE_USER, &id2), 0);
	sr_store_rollback(s);
	assert_int_equal(sr_store_user_by_handle(s, h2, &u), SR_ENOTFOUND);
	assert_int_equal(sr_store_user_add(s, h, NULL, SR_ROLE_USER, &id2), SR_EEXIST);

	/* A key that is not UTF-8 finds nothing, as on SQLite, instead of failing. */
	assert_int_equal(sr_store_user_by_handle(s, "bad\xc5o\xff", &u), SR_ENOTFOUND);

	/* Reads inside one request: the second statement opens the snapshot. */
	sr_reads r;
	sr_reads_init(&r);
	sr_store_set_reads(s, &r);
	assert_int_equal(sr_store_read_begin(s), 0);
	assert_int_equal(sr_store_user_by_id(s, id, &u), 0);
	assert_int_equal(sr_store_user_by_handle(s, h, &u), 0);
	sr_store_read_end(s);
	assert_int_equal(r.rows, 2);
	assert_int_equal(r.ranges, 2);
	assert_true(r.table_rows[SR_T_USERS] == 2);
	sr_store_set_reads(s, NULL);
	/* The connection is usable after the deferred COMMIT. */
	assert_int_equal(sr_store_user_by_id(s, id, &u), 0);
	sr_store_close(s);
}

/* A request's snapshot opens with its second statement; a strict one with its first, so a
 * row committed after the first read is not seen by the second. */
static void test_snapshots(void **state)
{
	(void)state;
	sr_store *s = open_store(), *w = open_store();
	for (int strict = 0; strict < 2; strict++) {
		char h[64], h2[64];
		handle_of(h, sizeof(h), strict ? "snapa" : "reqa");
		handle_of(h2, sizeof(h2), strict ? "snapb" : "reqb");
		int64_t id;
		assert_int_equal(sr_store_user_add(w, h, NULL, SR_ROLE_USER, &id), 0);
		assert_int_equal(strict ? sr_store_snapshot_begin(s) : sr_store_read_begin(s), 0);
		sr_user u;
		assert_int_equal(sr_store_user_by_handle(s, h, &u), 0);
		assert_int_equal(sr_store_user_add(w, h2, NULL, SR_ROLE_USER, &id), 0);
		assert_int_equal(sr_store_user_by_handle(s, h2, &u), strict ? SR_ENOTFOUND : 0);
		sr_store_read_end(s);
		assert_int_equal(sr_store_user_by_handle(s, h2, &u), 0);
	}
	sr_store_close(w);
	sr_store_close(s);
}

/* A write without sr_store_begin after a request's snapshot opened (a GET that reads and then
 * writes, as a sign-in's callback does) ends the READ ONLY snapshot and is committed. */
static void test_write_after_snapshot(void **state)
{
	(void)state;
	sr_store *s = open_store(), *other = open_store();
	for (int strict = 0; strict < 2; strict++) {
		char h[64], h2[64];
		handle_of(h, sizeof(h), strict ? "wsa" : "wra");
		handle_of(h2, sizeof(h2), strict ? "wsb" : "wrb");
		int64_t id, id2;
		assert_int_equal(sr_store_user_add(s, h, NULL, SR_ROLE_USER, &id), 0);
		assert_int_equal(strict ? sr_store_snapshot_begin(s) : sr_store_read_begin(s), 0);
		sr_user u;
		assert_int_equal(sr_store_user_by_handle(s, h, &u), 0);
		assert_int_equal(sr_store_user_by_id(s, id, &u), 0);
		assert_int_equal(sr_store_user_add(s, h2, NULL, SR_ROLE_USER, &id2), 0);
		assert_int_equal(sr_store_user_by_id(s, id2, &u), 0);
		sr_store_read_end(s);
		assert_int_equal(sr_store_user_by_handle(other, h2, &u), 0);
		assert_int_equal(u.id, id2);
	}
	sr_store_close(other);
	sr_store_close(s);
}

/* After a statement of a write transaction fails, the transaction reads on (as on SQLite,
 * where the domain asks who holds the slug it could not take) and its commit fails. */
static void test_failed_statement_in_a_transaction(void **state)
{
	(void)state;
	sr_store *s = open_store();
	char h[64], h2[64];
	handle_of(h, sizeof(h), "dup");
	handle_of(h2, sizeof(h2), "lost");
	int64_t id, id2;
	assert_int_equal(sr_store_user_add(s, h, NULL, SR_ROLE_USER, &id), 0);
	assert_int_equal(sr_store_begin(s), 0);
	assert_int_equal(sr_store_user_add(s, h2, NULL, SR_ROLE_USER, &id2), 0);
	assert_int_equal(sr_store_user_add(s, h, NULL, SR_ROLE_USER, &id2), SR_EEXIST);
	sr_user u;
	assert_int_equal(sr_store_user_by_handle(s, h, &u), 0);
	assert_int_equal(u.id, id);
	assert_int_equal(sr_store_commit(s), SR_EDB);
	assert_int_equal(sr_store_user_by_handle(s, h2, &u), SR_ENOTFOUND);
	sr_store_close(s);
}

/* A write transaction whose connection is lost fails to the end, and is never finished in
 * autocommit on the new connection; the store then works again. */
static void test_connection_lost_in_a_transaction(void **state)
{
	(void)state;
	sr_store *s = open_store();
	char h[64], h2[64];
	handle_of(h, sizeof(h), "cut");
	handle_of(h2, sizeof(h2), "cut2");
	int64_t id;
	assert_int_equal(sr_store_begin(s), 0);
	assert_int_equal(sr_store_user_add(s, h, NULL, SR_ROLE_USER, &id), 0);
	/* The backend to end is the one holding the write lock now: this transaction's, and no
	 * other test's sharing the database. */
	PGconn *k = PQconnectdb(url());
	assert_int_equal(PQstatus(k), CONNECTION_OK);
	PGresult *r = PQexec(k, "SELECT pg_terminate_backend(l.pid) FROM pg_locks l JOIN pg_database d ON "
				"d.oid = l.database WHERE d.datname = current_database() AND l.locktype = "
				"'advisory' AND l.granted AND ((l.classid::bigint << 32) | l.objid::bigint) = "
				"x'736b696c6c726567'::bigint");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	assert_int_equal(PQntuples(r), 1);
	PQclear(r);
	PQfinish(k);
	usleep(100000);
	assert_int_equal(sr_store_user_add(s, h2, NULL, SR_ROLE_USER, &id), SR_EUNAVAIL);
	assert_int_equal(sr_store_user_add(s, h2, NULL, SR_ROLE_USER, &id), SR_EUNAVAIL);
	assert_int_equal(sr_store_commit(s), SR_EUNAVAIL);
	sr_user u;
	assert_int_equal(sr_store_user_by_handle(s, h, &u), SR_ENOTFOUND);
	assert_int_equal(sr_store_user_by_handle(s, h2, &u), SR_ENOTFOUND);
	sr_store_close(s);
}

static int64_t count_of(const char *sql)
{
	PGconn *k = PQconnectdb(url());
	assert_int_equal(PQstatus(k), CONNECTION_OK);
	PGresult *r = PQexec(k, sql);
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	int64_t n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	PQfinish(k);
	return n;
}

static void exec_other(const char *sql)
{
	PGconn *k = PQconnectdb(url());
	assert_int_equal(PQstatus(k), CONNECTION_OK);
	PGresult *r = PQexec(k, sql);
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	PQfinish(k);
}

/* Writes whose answers nobody reads (audit rows here) are sent without waiting, and their
 * answers come with the next statement waited for or the commit, as do BEGIN and the write
 * lock: a transaction of a user, three audit rows and a read costs three round trips (the
 * insert with BEGIN and the lock, the read with the audit rows, the commit), where waiting
 * for each would cost seven. One
 * of them failing on the server (a trigger refuses it) fails the statement read with it and
 * the commit, leaves nothing of the transaction, and the store works on. */
static void test_deferred_writes(void **state)
{
	(void)state;
	sr_store *s = open_store();
	char h[64], detail[96], sql[512];
	handle_of(h, sizeof(h), "dfr");
	snprintf(detail, sizeof(detail), "deferred %s", h);
	sr_reads r;
	sr_reads_init(&r);
	sr_store_set_reads(s, &r);
	/* Every statement prepared on this connection first: a PREPARE is a round trip of its own. */
	char hw[64];
	handle_of(hw, sizeof(hw), "dfw");
	int64_t id;
	sr_user u;
	assert_int_equal(sr_store_begin(s), 0);
	assert_int_equal(sr_store_user_add(s, hw, NULL, SR_ROLE_USER, &id), 0);
	assert_int_equal(sr_store_audit(s, 0, "test.deferred", 0, detail, 1), 0);
	assert_int_equal(sr_store_user_by_id(s, id, &u), 0);
	assert_int_equal(sr_store_commit(s), 0);
	r.trips = 0;
	assert_int_equal(sr_store_begin(s), 0);
	assert_int_equal(sr_store_user_add(s, h, NULL, SR_ROLE_USER, &id), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(sr_store_audit(s, id, "test.deferred", 0, detail, 2), 0);
	assert_int_equal(sr_store_user_by_id(s, id, &u), 0);
	assert_string_equal(u.handle, h);
	assert_int_equal(sr_store_commit(s), 0);
	assert_int_equal(r.trips, 3);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit_log WHERE detail = '%s' AND created_at = 2", detail);
	assert_int_equal(count_of(sql), 3);

	/* A failure among them. */
	exec_other("CREATE OR REPLACE FUNCTION test_refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
		   "IF NEW.detail LIKE 'boom %' THEN RAISE EXCEPTION 'refused by the test'; END IF; "
		   "IF NEW.detail LIKE 'dup %' THEN RAISE EXCEPTION 'a conflict by the test' USING ERRCODE = "
		   "'unique_violation'; END IF; RETURN NEW; END $$");
	exec_other("DROP TRIGGER IF EXISTS test_refuse_boom ON audit_log");
	exec_other("CREATE TRIGGER test_refuse_boom BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION "
		   "test_refuse_boom()");
	char h2[64], boom[96];
	handle_of(h2, sizeof(h2), "dfx");
	snprintf(boom, sizeof(boom), "boom %s", h2);
	assert_int_equal(sr_store_begin(s), 0);
	int64_t id2;
	assert_int_equal(sr_store_user_add(s, h2, NULL, SR_ROLE_USER, &id2), 0);
	assert_int_equal(sr_store_audit(s, id2, "test.deferred", 0, boom, 3), 0);
	assert_int_equal(sr_store_audit(s, id2, "test.deferred", 0, detail, 3), 0);
	assert_int_equal(sr_store_user_by_id(s, id, &u), SR_EDB);
	assert_int_equal(sr_store_commit(s), SR_EDB);
	assert_int_equal(sr_store_user_by_handle(s, h2, &u), SR_ENOTFOUND);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit_log WHERE created_at = 3 AND detail IN ('%s', '%s')",
		 detail, boom);
	assert_int_equal(count_of(sql), 0);
	/* A deferred write's conflict is the transaction's failure, not the next statement's own
	 * conflict: an insert read with it fails with SR_EDB, never SR_EEXIST (which the
	 * domain takes as "that handle or slug is taken"). */
	char h3[64], dup[96];
	handle_of(h3, sizeof(h3), "dfy");
	snprintf(dup, sizeof(dup), "dup %s", h3);
	assert_int_equal(sr_store_begin(s), 0);
	assert_int_equal(sr_store_user_by_id(s, id, &u), 0);
	assert_int_equal(sr_store_audit(s, id, "test.deferred", 0, dup, 6), 0);
	assert_int_equal(sr_store_user_add(s, h3, NULL, SR_ROLE_USER, &id2), SR_EDB);
	assert_int_equal(sr_store_commit(s), SR_EDB);
	assert_int_equal(sr_store_user_by_handle(s, h3, &u), SR_ENOTFOUND);
	/* The same when the commit is what reads the answers. */
	assert_int_equal(sr_store_begin(s), 0);
	assert_int_equal(sr_store_audit(s, id, "test.deferred", 0, boom, 4), 0);
	assert_int_equal(sr_store_commit(s), SR_EDB);
	exec_other("DROP TRIGGER test_refuse_boom ON audit_log");
	/* And the store works on. */
	assert_int_equal(sr_store_begin(s), 0);
	assert_int_equal(sr_store_user_add(s, h2, NULL, SR_ROLE_USER, &id2), 0);
	assert_int_equal(sr_store_audit(s, id2, "test.deferred", 0, detail, 5), 0);
	assert_int_equal(sr_store_commit(s), 0);
	assert_int_equal(sr_store_user_by_handle(s, h2, &u), 0);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit_log WHERE detail = '%s' AND created_at = 5", detail);
	assert_int_equal(count_of(sql), 1);
	sr_store_set_reads(s, NULL);
	sr_store_close(s);
}

#define GEN_SAMPLES 20

/* What the two processes of the generation test share: when each write's COMMIT returned in
 * the writer, and when the other process saw the catalog move (CLOCK_MONOTONIC, one clock for
 * both). */
struct gen_times {
	volatile int ready, written;
	volatile int64_t committed[GEN_SAMPLES], seen[GEN_SAMPLES];
};

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Another node: its own store, counters and listener; records when each bump lands. */
static void gen_child(struct gen_times *t)
{
	sr_store *c;
	if (sr_store_open(url(), &c))
		_exit(2);
	sr_gens *g = sr_store_gens(c);
	usleep(300000); /* the listener connects, LISTENs, and bumps everything once */
	uint64_t last = sr_gens_get(g, SR_GEN_CATALOG);
	__atomic_store_n(&t->ready, 1, __ATOMIC_SEQ_CST);
	for (int i = 0; i < GEN_SAMPLES; i++) {
		int64_t t0 = sr_mono_ns();
		uint64_t now;
		while ((now = sr_gens_get(g, SR_GEN_CATALOG)) == last) {
			if (sr_mono_ns() - t0 > 5000000000LL)
				_exit(1);
			usleep(20);
		}
		t->seen[i] = sr_mono_ns();
		last = now;
	}
	sr_store_close(c);
	_exit(0);
}

static void test_generations_across_processes(void **state)
{
	(void)state;
	struct gen_times *t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(t != MAP_FAILED);
	memset((void *)t, 0, sizeof(*t));
	/* The child forks before this process opens anything: a store's counters and listener
	 * belong to the process that opened them. */
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0)
		gen_child(t);
	sr_store *s = open_store();
	while (!__atomic_load_n(&t->ready, __ATOMIC_SEQ_CST))
		usleep(1000);
	for (int i = 0; i < GEN_SAMPLES; i++) {
		/* A transaction that changes what a cached answer shows (a publisher page): its
		 * notification goes with its COMMIT. */
		char h[64];
		snprintf(h, sizeof(h), "gen%d-%ld-%d", i, (long)time(NULL) % 100000, (int)getpid());
		int64_t id;
		assert_int_equal(sr_store_begin(s), 0);
		assert_int_equal(sr_store_user_add(s, h, NULL, SR_ROLE_USER, &id), 0);
		assert_int_equal(sr_store_commit(s), 0);
		t->committed[i] = sr_mono_ns();
		usleep(20000); /* one write at a time, so each bump is the write before it */
	}
	int status;
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	int64_t d[GEN_SAMPLES];
	for (int i = 0; i < GEN_SAMPLES; i++)
		d[i] = (t->seen[i] - t->committed[i]) / 1000;
	qsort(d, GEN_SAMPLES, sizeof(d[0]), cmp_i64);
	/* Negative: the bump landed before the writer's COMMIT call returned to it. */
	fprintf(stderr, "# notify: another process saw a commit %lld us after it returned to the writer "
		"(median of %d; min %lld, max %lld)\n", (long long)d[GEN_SAMPLES / 2], GEN_SAMPLES,
		(long long)d[0], (long long)d[GEN_SAMPLES - 1]);
	assert_true(d[GEN_SAMPLES - 1] < 1000000);
	munmap((void *)t, sizeof(*t));
	sr_store_close(s);
}

/* This process's own commit bumps its counters at once, with no wait for the listener. */
static void test_own_commit_bumps_at_once(void **state)
{
	(void)state;
	sr_store *s = open_store();
	sr_gens *g = sr_store_gens(s);
	usleep(300000); /* the listener's first connect bumps everything once */
	uint64_t before = sr_gens_get(g, SR_GEN_CATALOG);
	char h[64];
	handle_of(h, sizeof(h), "own");
	int64_t id;
	assert_int_equal(sr_store_begin(s), 0);
	assert_int_equal(sr_store_user_add(s, h, NULL, SR_ROLE_USER, &id), 0);
	assert_int_equal(sr_gens_get(g, SR_GEN_CATALOG), before);
	assert_int_equal(sr_store_commit(s), 0);
	assert_true(sr_gens_get(g, SR_GEN_CATALOG) > before);
	/* Two stores on one URL share the counters. */
	sr_store *t = open_store();
	assert_ptr_equal(sr_store_gens(t), g);
	sr_store_close(t);
	sr_store_close(s);
}

static void test_unreachable_database_is_unavailable(void **state)
{
	(void)state;
	sr_store *s;
	assert_int_equal(sr_store_open("postgres://nobody@127.0.0.1:1/none?connect_timeout=1", &s), SR_EUNAVAIL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_statements_and_transactions),
		cmocka_unit_test(test_snapshots),
		cmocka_unit_test(test_write_after_snapshot),
		cmocka_unit_test(test_failed_statement_in_a_transaction),
		cmocka_unit_test(test_connection_lost_in_a_transaction),
		cmocka_unit_test(test_deferred_writes),
		cmocka_unit_test(test_generations_across_processes),
		cmocka_unit_test(test_own_commit_bumps_at_once),
		cmocka_unit_test(test_unreachable_database_is_unavailable),
	};
	return cmocka_run_group_tests(tests, need_database, NULL);
}
