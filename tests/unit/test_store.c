/*
 * test_store.c - the store layer on its unhappy paths: databases that cannot be opened,
 * migrations run twice, read budgets that run out mid-read, constraint violations, and the
 * event fold counting each event exactly once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/util.h"
#include "registry/registry.h"
#include "store/accounts.h"
#include "store/store.h"

struct fixture {
	char dir[64];
	char db[128];
	sr_store *s;
	sr_blobs *b;
	sr_user alice;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/sr-store-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/db", f->dir);
	char blobs[128];
	snprintf(blobs, sizeof(blobs), "%s/blobs", f->dir);
	if (sr_store_open(f->db, &f->s) || sr_store_migrate(f->s) || sr_blobs_open(blobs, &f->b))
		return -1;
	int64_t id;
	if (sr_store_user_add(f->s, "alice", "Alice", SR_ROLE_USER, &id) || sr_store_user_by_id(f->s, id, &f->alice))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	sr_store_close(f->s);
	sr_blobs_close(f->b);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	int rc = system(cmd);
	free(f);
	return rc;
}

static void publish(struct fixture *f, const char *slug, const char *version)
{
	static const char md[] = "---\nname: x\ndescription: a skill for the store tests\n---\n# x\n";
	sr_pub_file file;
	memset(&file, 0, sizeof(file));
	file.path = strdup("SKILL.md");
	file.data = (const unsigned char *)md;
	file.size = (int64_t)strlen(md);
	sr_sha256_hex(md, strlen(md), file.sha256);
	sr_publish_req pr = {.actor = &f->alice, .slug = slug, .version = version, .changelog = "",
			     .accept_license = 1, .files = &file, .nfiles = 1};
	sr_publish_result res;
	sr_regerr err = {0};
	int rc = sr_publish(f->s, f->b, &pr, &res, &err);
	free(file.path);
	if (rc)
		fail_msg("publish %s@%s: reason %d", slug, version, (int)err.why);
}

static void test_open_failures(void **state)
{
	sr_store *s = NULL;
	/* A directory is not a database file; a missing parent directory cannot be created. */
	assert_int_equal(sr_store_open("/", &s), SR_EDB);
	assert_int_equal(sr_store_open("/nonexistent-dir-for-skillreg/x.db", &s), SR_EDB);
	assert_null(s);
}

static void test_migrate_twice(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(sr_store_migrate(f->s), 0);
	sr_store *other;
	assert_int_equal(sr_store_open(f->db, &other), 0);
	assert_int_equal(sr_store_migrate(other), 0);
	sr_user u;
	assert_int_equal(sr_store_user_by_handle(other, "alice", &u), 0);
	sr_store_close(other);
}

static void test_constraints(void **state)
{
	struct fixture *f = *state;
	int64_t id;
	assert_int_equal(sr_store_user_add(f->s, "alice", "Again", SR_ROLE_USER, &id), SR_EEXIST);
	sr_user u;
	assert_int_equal(sr_store_user_by_handle(f->s, "nobody", &u), SR_ENOTFOUND);
	sr_token_state ts;
	assert_int_equal(sr_store_token_lookup(f->s, "0000", &u, &ts), SR_ENOTFOUND);
}

/* A token's last use is written only when the recorded one is older than `since`. */
static void test_token_touch(void **state)
{
	struct fixture *f = *state;
	int64_t id;
	assert_int_equal(sr_store_token_mint(f->s, f->alice.id, "t", "clh_abcdefgh", "00ff", 1000, 0, &id), 0);
	sr_user u;
	sr_token_state ts;
	assert_int_equal(sr_store_token_lookup(f->s, "00ff", &u, &ts), 0);
	assert_int_equal(ts.id, id);
	assert_int_equal(ts.last_used_at, 0);
	assert_int_equal(ts.revoked, 0);
	assert_int_equal(sr_store_token_touch(f->s, id, 5000, 0), 0);
	assert_int_equal(sr_store_token_lookup(f->s, "00ff", &u, &ts), 0);
	assert_int_equal(ts.last_used_at, 5000);
	/* Another node that saw the token stale a moment ago writes nothing. */
	assert_int_equal(sr_store_token_touch(f->s, id, 6000, 4000), 0);
	assert_int_equal(sr_store_token_lookup(f->s, "00ff", &u, &ts), 0);
	assert_int_equal(ts.last_used_at, 5000);
	assert_int_equal(sr_store_token_touch(f->s, id, 9000, 6000), 0);
	assert_int_equal(sr_store_token_lookup(f->s, "00ff", &u, &ts), 0);
	assert_int_equal(ts.last_used_at, 9000);
}

static int count_row(void *ud, const void *row)
{
	(*(int *)ud)++;
	return 0;
}

/* A read budget that runs out stops the read with SR_ELIMIT and says which limit it was. */
static void test_read_budget(void **state)
{
	struct fixture *f = *state;
	for (int i = 0; i < 6; i++) {
		char slug[32];
		snprintf(slug, sizeof(slug), "budget-%d", i);
		publish(f, slug, "1.0.0");
	}
	sr_reads r;
	sr_reads_init(&r);
	r.max_rows = 3;
	sr_store_set_reads(f->s, &r);
	/* Public, not listed: these first versions still wait for their scan. */
	sr_list_query q = {.sort = SR_SORT_NAME, .filter = SR_FILTER_PUBLIC, .limit = 10};
	int n = 0;
	assert_int_equal(sr_store_list(f->s, &q, count_row, &n), SR_ELIMIT);
	assert_int_equal(r.exceeded, 'r');
	assert_int_equal(n, 3);

	sr_reads_init(&r);
	r.max_bytes = 100;
	n = 0;
	assert_int_equal(sr_store_list(f->s, &q, count_row, &n), SR_ELIMIT);
	assert_int_equal(r.exceeded, 'b');

	/* Within budget: exactly limit + 1 rows, and their bytes, are counted. */
	sr_reads_init(&r);
	q.limit = 2;
	n = 0;
	assert_int_equal(sr_store_list(f->s, &q, count_row, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(r.rows, 3);
	assert_true(r.bytes > 0);
	assert_int_equal(r.ranges, 1);
	sr_store_set_reads(f->s, NULL);
}

struct counters {
	int64_t downloads, installs;
};

static int read_counters(void *ud, const void *row)
{
	const sr_skill_row *r = row;
	struct counters *c = ud;
	c->downloads = r->downloads;
	c->installs = r->installs;
	return 1;
}

/* Each download identity counts once a day; the fold moves every event exactly once. */
static void test_events_fold_once(void **state)
{
	struct fixture *f = *state;
	publish(f, "counted", "1.0.0");
	sr_lookup lk;
	assert_int_equal(sr_lookup_skill(f->s, "counted", NULL, NULL, &lk), 0);
	int64_t day = 20000LL * 86400000;
	for (int i = 0; i < 5; i++)
		assert_int_equal(sr_store_download_event(f->s, lk.skill.id, "ip:1.2.3.4", day + i), 0);
	assert_int_equal(sr_store_download_event(f->s, lk.skill.id, "ip:5.6.7.8", day), 0);
	assert_int_equal(sr_store_download_event(f->s, lk.skill.id, "ip:1.2.3.4", day + 86400000), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(sr_store_install_event(f->s, lk.skill.id, day), 0);
	int n;
	assert_int_equal(sr_store_fold_events(f->s, 2, &n), 0);
	assert_int_equal(n, 2);
	int total = n;
	while (sr_store_fold_events(f->s, 2, &n) == 0 && n)
		total += n;
	assert_int_equal(total, 6); /* 3 downloads (2 on day one, 1 on day two) + 3 installs */
	assert_int_equal(sr_store_fold_events(f->s, 500, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(sr_store_fold_events(f->s, 0, &n), SR_EINVAL);
	struct counters got = {0, 0};
	assert_int_equal(sr_store_skill_by_id(f->s, lk.skill.id, read_counters, &got), 0);
	assert_int_equal(got.downloads, 3);
	assert_int_equal(got.installs, 3);
}

static int read_summary(void *ud, const void *row)
{
	const sr_skill_row *r = row;
	snprintf(ud, 2048, "%s", r->summary ? r->summary : "");
	return 1;
}

/* A description longer than the summary column keeps is cut between characters, never inside
 * a UTF-8 sequence. */
static void test_summary_cut_on_character(void **state)
{
	struct fixture *f = *state;
	char md[4096];
	size_t n = (size_t)snprintf(md, sizeof(md), "---\nname: long\ndescription: ");
	for (int i = 0; i < 700; i++)
		n += (size_t)snprintf(md + n, sizeof(md) - n, "\xc3\xa9");
	snprintf(md + n, sizeof(md) - n, "\n---\n# long\n");
	sr_pub_file file;
	memset(&file, 0, sizeof(file));
	file.path = strdup("SKILL.md");
	file.data = (const unsigned char *)md;
	file.size = (int64_t)strlen(md);
	sr_sha256_hex(md, strlen(md), file.sha256);
	sr_publish_req pr = {.actor = &f->alice, .slug = "long-summary", .version = "1.0.0", .changelog = "",
			     .accept_license = 1, .files = &file, .nfiles = 1};
	sr_publish_result res;
	sr_regerr err = {0};
	assert_int_equal(sr_publish(f->s, f->b, &pr, &res, &err), 0);
	free(file.path);
	char summary[2048];
	assert_int_equal(sr_store_skill_by_id(f->s, res.skill_id, read_summary, summary), 0);
	size_t len = strlen(summary);
	assert_true(len > 1000 && len % 2 == 0);
	assert_int_equal((unsigned char)summary[len - 2], 0xc3);
	assert_int_equal((unsigned char)summary[len - 1], 0xa9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_failures),
		cmocka_unit_test_setup_teardown(test_migrate_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_constraints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_touch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_budget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_fold_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_summary_cut_on_character, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
