/*
 * test_scan_claim.c - many nodes' scan workers on one queue: each version is scanned once.
 *
 * Every `skillreg serve` node runs a scan worker that drains the same queue
 * (sr_scan_queue_drain). Each drain claims a version before scanning it
 * (sr_store_version_scan_claim) and finishes only under its own claim, so:
 *
 *   - the claim itself: one claimant at a time until the lease runs out; a finish under a
 *     claim that was taken over writes nothing, and a finish drops the claim;
 *   - workers in a race: NWORKERS threads, each with a connection of its own (as many
 *     nodes), drain NVERSIONS freshly published versions at the same moment; the scans they
 *     report add up to NVERSIONS, every version is done, and the audit log holds exactly one
 *     `scan.verdict` row per skill (without the claim every worker scans every version);
 *   - a dead worker: a version claimed a lease ago is taken by the next drain, one claimed
 *     just now is passed by, and a rescan request drops a claim so the version is scanned.
 *
 * It runs on a fresh SQLite file in a temporary directory, or on PostgreSQL when
 * SKILLREG_TEST_DB=postgres and SKILLREG_TEST_PG names a database URL (the harness's switch);
 * the names it writes carry the process id, so a database can be reused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "blob/blob.h"
#include "core/err.h"
#include "core/util.h"
#include "moderation/moderation.h"
#include "registry/registry.h"
#include "store/store.h"

#define NWORKERS 3
#define NVERSIONS 24

static char dir[64];
static char target[512];
static char tag[32];
static int on_pg;

struct node {
	sr_store *s;
	sr_blobs *b;
	sr_scan_rules *rules;
};

static void node_open(struct node *n)
{
	char blobs[128];
	snprintf(blobs, sizeof(blobs), "%s/blobs", dir);
	assert_int_equal(sr_store_open(target, &n->s), 0);
	assert_int_equal(sr_blobs_open_for(blobs, target, &n->b), 0);
	assert_int_equal(sr_scan_rules_new_builtin(&n->rules, NULL, 0), 0);
}

static void node_close(struct node *n)
{
	sr_store_close(n->s);
	sr_blobs_close(n->b);
	sr_scan_rules_free(n->rules);
}

/* One integer from the database, on a connection of its own (engine by target). */
static long long sql_int(const char *q)
{
	long long v = -1;
	if (on_pg) {
		PGconn *c = PQconnectdb(target);
		assert_int_equal(PQstatus(c), CONNECTION_OK);
		PGresult *r = PQexec(c, q);
		assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
		v = atoll(PQgetvalue(r, 0, 0));
		PQclear(r);
		PQfinish(c);
		return v;
	}
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(target, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static int64_t user_id(sr_store *s, sr_user *u)
{
	static int users;
	char handle[64];
	snprintf(handle, sizeof(handle), "claims%s-%d", tag, ++users);
	for (char *p = handle; *p; p++)
		if (*p == '-')
			*p = 'x';
	int64_t id;
	assert_int_equal(sr_store_user_add(s, handle, "Claims", SR_ROLE_USER, &id), 0);
	assert_int_equal(sr_store_user_by_id(s, id, u), 0);
	return id;
}

/* Publishes slug (a plain skill, queued for its scan); returns the version id. */
static int64_t publish(struct node *n, const sr_user *u, const char *slug, int64_t t)
{
	char md[512];
	snprintf(md, sizeof(md), "---\nname: %s\ndescription: scan claim test skill\n---\n# %s\n\nPlain.\n", slug, slug);
	sr_pub_file file;
	memset(&file, 0, sizeof(file));
	file.path = strdup("SKILL.md");
	file.data = (const unsigned char *)md;
	file.size = (int64_t)strlen(md);
	sr_sha256_hex(md, strlen(md), file.sha256);
	sr_publish_req pr = {.actor = u, .slug = slug, .version = "1.0.0", .changelog = "",
			     .accept_license = 1, .files = &file, .nfiles = 1, .now = t};
	sr_publish_result res;
	sr_regerr err = {0};
	sr_store_set_reads(n->s, NULL);
	int rc = sr_publish(n->s, n->b, &pr, &res, &err);
	free(file.path);
	if (rc)
		fail_msg("publish %s: reason %d", slug, (int)err.why);
	return res.version_id;
}

/* Scans whatever other tests left pending in a reused database, so that the drains below
 * see only this test's versions. */
static void drain_all(struct node *n)
{
	int done;
	assert_int_equal(sr_scan_queue_drain(n->s, n->b, n->rules, NULL, 1 << 20, &done), 0);
}

/* ---- the claim ---- */

static void test_claim_and_lease(void **state)
{
	(void)state;
	struct node n;
	node_open(&n);
	sr_user u;
	user_id(n.s, &u);
	char slug[64];
	snprintf(slug, sizeof(slug), "claim-lease-%s", tag);
	int64_t v = publish(&n, &u, slug, sr_now_ms());
	sr_version_scan vs;
	assert_int_equal(sr_store_version_scan_get(n.s, v, &vs), 0);

	int won = -1, finished = -1;
	assert_int_equal(sr_store_version_scan_claim(n.s, v, "a", 1000, 100, &won), 0);
	assert_int_equal(won, 1);
	/* Within the lease nobody else takes it, the holder neither. */
	assert_int_equal(sr_store_version_scan_claim(n.s, v, "b", 1099, 100, &won), 0);
	assert_int_equal(won, 0);
	assert_int_equal(sr_store_version_scan_claim(n.s, v, "a", 1050, 100, &won), 0);
	assert_int_equal(won, 0);
	/* A lease later the next claimant takes it; the first holder's finish writes nothing. */
	assert_int_equal(sr_store_version_scan_claim(n.s, v, "b", 1100, 100, &won), 0);
	assert_int_equal(won, 1);
	assert_int_equal(sr_store_version_scan_finish(n.s, vs.skill_id, v, SR_SCAN_DONE, 0, 2000, vs.requested_at, "a",
						      &finished), 0);
	assert_int_equal(finished, 0);
	assert_int_equal(sr_store_version_scan_finish(n.s, vs.skill_id, v, SR_SCAN_DONE, 0, 2000, vs.requested_at, "b",
						      &finished), 0);
	assert_int_equal(finished, 1);
	/* Done, so not pending: nothing to claim. */
	assert_int_equal(sr_store_version_scan_claim(n.s, v, "c", 5000, 100, &won), 0);
	assert_int_equal(won, 0);
	/* A rescan request queues it without a claim. */
	assert_int_equal(sr_store_version_scan_request(n.s, vs.skill_id, v, 6000), 0);
	assert_int_equal(sr_store_version_scan_claim(n.s, v, "c", 6001, 100, &won), 0);
	assert_int_equal(won, 1);
	assert_int_equal(sr_store_version_scan_request(n.s, vs.skill_id, v, 6002), 0);
	assert_int_equal(sr_store_version_scan_claim(n.s, v, "d", 6003, 100, &won), 0);
	assert_int_equal(won, 1);
	/* A scan by hand holds no claim and finishes over any. */
	assert_int_equal(sr_store_version_scan_finish(n.s, vs.skill_id, v, SR_SCAN_DONE, 0, 7000, 6002, NULL,
						      &finished), 0);
	assert_int_equal(finished, 1);
	node_close(&n);
}

/* ---- workers in a race ---- */

struct worker {
	pthread_barrier_t *go;
	int done, rc;
};

static void *drain(void *arg)
{
	struct worker *w = arg;
	struct node n;
	node_open(&n);
	pthread_barrier_wait(w->go);
	w->rc = sr_scan_queue_drain(n.s, n.b, n.rules, NULL, 1 << 20, &w->done);
	node_close(&n);
	return NULL;
}

static void test_workers_scan_once(void **state)
{
	(void)state;
	struct node n;
	node_open(&n);
	drain_all(&n);
	sr_user u;
	int64_t uid = user_id(n.s, &u);
	int64_t vids[NVERSIONS];
	int64_t t = sr_now_ms();
	for (int i = 0; i < NVERSIONS; i++) {
		char slug[64];
		snprintf(slug, sizeof(slug), "claim-race-%s-%d", tag, i);
		vids[i] = publish(&n, &u, slug, t + i);
	}

	pthread_barrier_t go;
	pthread_barrier_init(&go, NULL, NWORKERS);
	pthread_t th[NWORKERS];
	struct worker w[NWORKERS];
	for (int i = 0; i < NWORKERS; i++) {
		w[i] = (struct worker){.go = &go};
		assert_int_equal(pthread_create(&th[i], NULL, drain, &w[i]), 0);
	}
	int total = 0;
	for (int i = 0; i < NWORKERS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].rc, 0);
		total += w[i].done;
	}
	pthread_barrier_destroy(&go);
	print_message("scans by worker:");
	for (int i = 0; i < NWORKERS; i++)
		print_message(" %d", w[i].done);
	print_message(" (%d versions)\n", NVERSIONS);
	assert_int_equal(total, NVERSIONS);

	for (int i = 0; i < NVERSIONS; i++) {
		sr_version_scan vs;
		assert_int_equal(sr_store_version_scan_get(n.s, vids[i], &vs), 0);
		assert_int_equal(vs.state, SR_SCAN_DONE);
	}
	char q[300];
	snprintf(q, sizeof(q), "SELECT count(*) FROM audit_log a JOIN skills s ON s.id = a.skill_id "
		 "WHERE a.action = 'scan.verdict' AND s.owner_id = %lld", (long long)uid);
	assert_int_equal(sql_int(q), NVERSIONS);
	snprintf(q, sizeof(q), "SELECT count(*) FROM skill_versions v JOIN skills s ON s.id = v.skill_id "
		 "WHERE s.owner_id = %lld AND v.scan_claimed_by IS NOT NULL", (long long)uid);
	assert_int_equal(sql_int(q), 0);
	node_close(&n);
}

/* ---- a dead worker ---- */

static void test_dead_worker(void **state)
{
	(void)state;
	struct node n;
	node_open(&n);
	drain_all(&n);
	sr_user u;
	user_id(n.s, &u);
	char slug[64];
	snprintf(slug, sizeof(slug), "claim-dead-%s", tag);
	int64_t v = publish(&n, &u, slug, sr_now_ms());
	sr_version_scan vs;
	assert_int_equal(sr_store_version_scan_get(n.s, v, &vs), 0);
	int won, done;

	/* Held by a live worker: the drain passes it by. */
	assert_int_equal(sr_store_version_scan_claim(n.s, v, "live", sr_now_ms(), SR_SCAN_LEASE_MS, &won), 0);
	assert_int_equal(won, 1);
	assert_int_equal(sr_scan_queue_drain(n.s, n.b, n.rules, NULL, 10, &done), 0);
	assert_int_equal(done, 0);
	assert_int_equal(sr_store_version_scan_get(n.s, v, &vs), 0);
	assert_int_equal(vs.state, SR_SCAN_PENDING);

	/* A rescan drops the claim: the next drain scans it. */
	assert_int_equal(sr_store_version_scan_request(n.s, vs.skill_id, v, sr_now_ms()), 0);
	assert_int_equal(sr_scan_queue_drain(n.s, n.b, n.rules, NULL, 10, &done), 0);
	assert_int_equal(done, 1);

	/* Held by a worker that died a lease ago: the drain takes it over. */
	assert_int_equal(sr_store_version_scan_request(n.s, vs.skill_id, v, sr_now_ms()), 0);
	assert_int_equal(sr_store_version_scan_claim(n.s, v, "dead", sr_now_ms() - SR_SCAN_LEASE_MS - 1,
						     SR_SCAN_LEASE_MS, &won), 0);
	assert_int_equal(won, 1);
	assert_int_equal(sr_scan_queue_drain(n.s, n.b, n.rules, NULL, 10, &done), 0);
	assert_int_equal(done, 1);
	assert_int_equal(sr_store_version_scan_get(n.s, v, &vs), 0);
	assert_int_equal(vs.state, SR_SCAN_DONE);
	node_close(&n);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tag, sizeof(tag), "%ld-%d", (long)time(NULL) % 100000, (int)getpid());
	snprintf(dir, sizeof(dir), "/tmp/sr-scanclaim-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	const char *engine = getenv("SKILLREG_TEST_DB"), *pg = getenv("SKILLREG_TEST_PG");
	if (engine && strcmp(engine, "postgres") == 0) {
		if (!pg || !pg[0]) {
			fprintf(stderr, "SKILLREG_TEST_DB=postgres needs SKILLREG_TEST_PG\n");
			return -1;
		}
		on_pg = 1;
		snprintf(target, sizeof(target), "%s", pg);
	} else {
		snprintf(target, sizeof(target), "%s/db", dir);
	}
	sr_store *s;
	if (sr_store_open(target, &s))
		return -1;
	int rc = sr_store_migrate(s);
	sr_store_close(s);
	return rc ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_claim_and_lease),
		cmocka_unit_test(test_workers_scan_once),
		cmocka_unit_test(test_dead_worker),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
