/*
 * test_many_nodes.c - several nodes on one database, each with connections of its own: the
 * job claims and the download/install fold.
 *
 *   - Job claims (sr_store_job_claim): a claim wins only when the job's last claim is at
 *     least one interval old, whichever node made it; and when many threads, each with its
 *     own connection, claim one job for the same interval at the same moment, exactly one
 *     wins each round.
 *   - The fold with several writers: writer threads append downloads and installs on
 *     connections of their own (installs are autocommit inserts that no lock orders, so on
 *     PostgreSQL their ids commit out of order) while two fold threads, two nodes' jobs,
 *     fold in small batches. After a final fold, every skill's counters and every daily
 *     row equal what the writers wrote: nothing is lost, nothing counted twice.
 *
 * It runs on a fresh SQLite file in a temporary directory, or on PostgreSQL when
 * SKILLREG_TEST_DB=postgres and SKILLREG_TEST_PG names a database URL (the harness's switch);
 * the names it writes (user, slugs, jobs) carry the process id, so a database can be reused,
 * and it reads only its own skills and jobs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "store/store.h"

#define NSKILLS 5
#define NDAYS 3
#define NWRITERS 4
#define EVENTS_PER_WRITER 300
#define NFOLDERS 2
#define FOLD_BATCH 7
#define NCLAIMERS 8
#define CLAIM_ROUNDS 20
#define DAY_MS 86400000LL
#define BASE_MS 1767225600000LL /* 2026-01-01T00:00:00Z */

static char dir[64];
static char target[512];
static char tag[32]; /* makes this run's names unique in a reused database */

static sr_store *open_node(void)
{
	sr_store *s = NULL;
	assert_int_equal(sr_store_open(target, &s), 0);
	return s;
}

/* ---- job claims ---- */

static void test_claim_waits_one_interval(void **state)
{
	(void)state;
	sr_store *a = open_node(), *b = open_node();
	char job[64];
	snprintf(job, sizeof(job), "claim-%s", tag);
	int won;
	assert_int_equal(sr_store_job_claim(a, job, "a", 1000, 100, &won), 0);
	assert_int_equal(won, 1);
	/* Within the interval, neither another node nor the claimant itself wins. */
	assert_int_equal(sr_store_job_claim(b, job, "b", 1050, 100, &won), 0);
	assert_int_equal(won, 0);
	assert_int_equal(sr_store_job_claim(a, job, "a", 1099, 100, &won), 0);
	assert_int_equal(won, 0);
	/* One interval after the last claim, the first node to ask wins, and the next interval
	 * counts from its claim. */
	assert_int_equal(sr_store_job_claim(b, job, "b", 1100, 100, &won), 0);
	assert_int_equal(won, 1);
	assert_int_equal(sr_store_job_claim(a, job, "a", 1150, 100, &won), 0);
	assert_int_equal(won, 0);
	assert_int_equal(sr_store_job_claim(a, job, "a", 1200, 100, &won), 0);
	assert_int_equal(won, 1);
	/* A node with a longer interval of its own waits for that one. */
	assert_int_equal(sr_store_job_claim(b, job, "b", 1300, 500, &won), 0);
	assert_int_equal(won, 0);
	sr_store_close(a);
	sr_store_close(b);
}

struct claimer {
	pthread_t t;
	pthread_barrier_t *bar;
	const char *job;
	int node;
	int won[CLAIM_ROUNDS];
	int rc;
};

static void *claim_rounds(void *arg)
{
	struct claimer *c = arg;
	sr_store *s = NULL;
	c->rc = sr_store_open(target, &s);
	char node[16];
	snprintf(node, sizeof(node), "n%d", c->node);
	for (int r = 0; r < CLAIM_ROUNDS; r++) {
		pthread_barrier_wait(c->bar);
		if (!c->rc)
			c->rc = sr_store_job_claim(s, c->job, node, BASE_MS + (int64_t)r * 1000, 1000, &c->won[r]);
	}
	sr_store_close(s);
	return NULL;
}

static void test_claim_race_one_winner(void **state)
{
	(void)state;
	char job[64];
	snprintf(job, sizeof(job), "race-%s", tag);
	pthread_barrier_t bar;
	pthread_barrier_init(&bar, NULL, NCLAIMERS);
	struct claimer c[NCLAIMERS];
	memset(c, 0, sizeof(c));
	for (int i = 0; i < NCLAIMERS; i++) {
		c[i].bar = &bar;
		c[i].job = job;
		c[i].node = i;
		assert_int_equal(pthread_create(&c[i].t, NULL, claim_rounds, &c[i]), 0);
	}
	for (int i = 0; i < NCLAIMERS; i++)
		pthread_join(c[i].t, NULL);
	pthread_barrier_destroy(&bar);
	int spread[NCLAIMERS] = {0};
	for (int i = 0; i < NCLAIMERS; i++)
		assert_int_equal(c[i].rc, 0);
	for (int r = 0; r < CLAIM_ROUNDS; r++) {
		int winners = 0;
		for (int i = 0; i < NCLAIMERS; i++) {
			winners += c[i].won[r];
			spread[i] += c[i].won[r];
		}
		if (winners != 1)
			fail_msg("round %d: %d winners", r, winners);
	}
	int nodes = 0;
	for (int i = 0; i < NCLAIMERS; i++)
		nodes += spread[i] > 0;
	printf("claim race: %d rounds of %d claimants, one winner each, won by %d nodes\n",
	       CLAIM_ROUNDS, NCLAIMERS, nodes);
}

/* ---- the fold with several writers ---- */

struct tally {
	int64_t dl[NSKILLS][NDAYS], in[NSKILLS][NDAYS];
};

struct writer {
	pthread_t t;
	int n;
	const int64_t *ids;
	struct tally m;
	int rc;
};

struct folder {
	pthread_t t;
	atomic_int *writers_done;
	int64_t folded, batches;
	int rc;
};

static void *write_events(void *arg)
{
	struct writer *w = arg;
	sr_store *s = NULL;
	if ((w->rc = sr_store_open(target, &s)))
		return NULL;
	uint64_t r = 0x9e3779b97f4a7c15ULL * (uint64_t)(w->n + 1);
	for (int e = 0; e < EVENTS_PER_WRITER && !w->rc; e++) {
		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		int k = (int)(r % NSKILLS), d = (int)(r / NSKILLS % NDAYS);
		int64_t at = BASE_MS + d * DAY_MS + e;
		sr_store_set_reads(s, NULL);
		if (r / 64 % 2) {
			w->rc = sr_store_install_event(s, w->ids[k], at);
			w->m.in[k][d]++;
		} else {
			/* An identity of its own per event, so every download counts. */
			char who[48];
			snprintf(who, sizeof(who), "w%d-e%d", w->n, e);
			w->rc = sr_store_download_event(s, w->ids[k], who, at);
			w->m.dl[k][d]++;
		}
	}
	sr_store_close(s);
	return NULL;
}

static void *fold_loop(void *arg)
{
	struct folder *f = arg;
	sr_store *s = NULL;
	if ((f->rc = sr_store_open(target, &s)))
		return NULL;
	for (;;) {
		int done = atomic_load(f->writers_done), n = 0;
		sr_store_set_reads(s, NULL);
		if ((f->rc = sr_store_fold_events(s, FOLD_BATCH, &n)))
			break;
		f->folded += n;
		f->batches++;
		if (done && n == 0)
			break;
		if (n == 0)
			usleep(1000);
	}
	sr_store_close(s);
	return NULL;
}

struct counters {
	int64_t downloads, installs;
	int found;
};

static int take_counters(void *ud, const void *row)
{
	struct counters *c = ud;
	const sr_skill_row *r = row;
	c->downloads = r->downloads;
	c->installs = r->installs;
	c->found = 1;
	return 0;
}

struct daily_sum {
	const int64_t *ids;
	int64_t dl[NSKILLS], in[NSKILLS];
	int64_t last;
};

static int take_daily(void *ud, const void *row)
{
	struct daily_sum *d = ud;
	const sr_daily_row *r = row;
	d->last = r->skill_id;
	for (int k = 0; k < NSKILLS; k++)
		if (d->ids[k] == r->skill_id) {
			d->dl[k] += r->downloads;
			d->in[k] += r->installs;
		}
	return 0;
}

/* One day's daily rows of this run's skills, a page at a time from the first id. */
static void read_day(sr_store *s, int64_t day, const int64_t *ids, struct daily_sum *d)
{
	memset(d, 0, sizeof(*d));
	d->ids = ids;
	d->last = ids[0] - 1;
	for (;;) {
		int64_t before = d->last;
		sr_store_set_reads(s, NULL);
		assert_int_equal(sr_store_daily_page(s, day, before, 100, take_daily, d), 0);
		if (d->last == before || d->last >= ids[NSKILLS - 1])
			break;
	}
}

static void test_fold_with_concurrent_writers(void **state)
{
	(void)state;
	sr_store *s = open_node();
	char handle[64];
	snprintf(handle, sizeof(handle), "nodes-%s", tag);
	int64_t uid, ids[NSKILLS];
	assert_int_equal(sr_store_user_add(s, handle, handle, SR_ROLE_USER, &uid), 0);
	for (int k = 0; k < NSKILLS; k++) {
		char slug[64];
		snprintf(slug, sizeof(slug), "nodes-%s-%d", tag, k);
		sr_new_skill n = {uid, slug, slug, "a skill", BASE_MS - DAY_MS, 0};
		assert_int_equal(sr_store_skill_insert(s, &n, &ids[k]), 0);
	}

	atomic_int writers_done = 0;
	struct writer w[NWRITERS];
	struct folder f[NFOLDERS];
	memset(w, 0, sizeof(w));
	memset(f, 0, sizeof(f));
	for (int i = 0; i < NFOLDERS; i++) {
		f[i].writers_done = &writers_done;
		assert_int_equal(pthread_create(&f[i].t, NULL, fold_loop, &f[i]), 0);
	}
	for (int i = 0; i < NWRITERS; i++) {
		w[i].n = i;
		w[i].ids = ids;
		assert_int_equal(pthread_create(&w[i].t, NULL, write_events, &w[i]), 0);
	}
	struct tally want;
	memset(&want, 0, sizeof(want));
	for (int i = 0; i < NWRITERS; i++) {
		pthread_join(w[i].t, NULL);
		assert_int_equal(w[i].rc, 0);
		for (int k = 0; k < NSKILLS; k++)
			for (int d = 0; d < NDAYS; d++) {
				want.dl[k][d] += w[i].m.dl[k][d];
				want.in[k][d] += w[i].m.in[k][d];
			}
	}
	atomic_store(&writers_done, 1);
	int64_t folded = 0, batches = 0;
	for (int i = 0; i < NFOLDERS; i++) {
		pthread_join(f[i].t, NULL);
		assert_int_equal(f[i].rc, 0);
		folded += f[i].folded;
		batches += f[i].batches;
	}
	/* Whatever the folders left (none, since each stops on an empty batch after the
	 * writers finished) is folded here. */
	int n;
	do {
		sr_store_set_reads(s, NULL);
		assert_int_equal(sr_store_fold_events(s, 500, &n), 0);
		folded += n;
	} while (n);

	int64_t total = 0;
	for (int k = 0; k < NSKILLS; k++) {
		int64_t dl = 0, in = 0;
		for (int d = 0; d < NDAYS; d++) {
			dl += want.dl[k][d];
			in += want.in[k][d];
		}
		total += dl + in;
		struct counters c = {0, 0, 0};
		sr_store_set_reads(s, NULL);
		assert_int_equal(sr_store_skill_by_id(s, ids[k], take_counters, &c), 0);
		assert_true(c.found);
		if (c.downloads != dl || c.installs != in)
			fail_msg("skill %d: %lld downloads and %lld installs counted, %lld and %lld written", k,
				 (long long)c.downloads, (long long)c.installs, (long long)dl, (long long)in);
	}
	for (int d = 0; d < NDAYS; d++) {
		struct daily_sum got;
		read_day(s, BASE_MS / DAY_MS + d, ids, &got);
		for (int k = 0; k < NSKILLS; k++) {
			assert_int_equal(got.dl[k], want.dl[k][d]);
			assert_int_equal(got.in[k], want.in[k][d]);
		}
	}
	assert_int_equal(total, (int64_t)NWRITERS * EVENTS_PER_WRITER);
	/* On a fresh database the folds took exactly the events written; a reused one may have
	 * held others' events still to fold. */
	assert_true(folded >= total);
	printf("fold: %d writers wrote %lld events while %d folders folded them in %lld batches\n",
	       NWRITERS, (long long)total, NFOLDERS, (long long)batches);
	sr_store_close(s);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tag, sizeof(tag), "%ld-%d", (long)time(NULL) % 100000, (int)getpid());
	const char *engine = getenv("SKILLREG_TEST_DB"), *pg = getenv("SKILLREG_TEST_PG");
	if (engine && strcmp(engine, "postgres") == 0) {
		if (!pg || !pg[0]) {
			fprintf(stderr, "SKILLREG_TEST_DB=postgres needs SKILLREG_TEST_PG\n");
			return -1;
		}
		snprintf(target, sizeof(target), "%s", pg);
	} else {
		snprintf(dir, sizeof(dir), "/tmp/sr-nodes-XXXXXX");
		if (!mkdtemp(dir))
			return -1;
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
	if (!dir[0])
		return 0;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_claim_waits_one_interval),
		cmocka_unit_test(test_claim_race_one_winner),
		cmocka_unit_test(test_fold_with_concurrent_writers),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
