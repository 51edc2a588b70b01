/*
 * test_cachegen.c - the response cache and the generation counters on their own: an entry is
 * served only while its generations are unchanged, least recently used entries go first when
 * the byte bound is reached, oversized answers are not kept, and two mappings of one
 * generation file (two processes) see each other's bumps. Also which writes bump what: a
 * statement that names its skill bumps that skill's bucket only, a bulk update bumps the
 * details generation, a rolled-back write bumps nothing.
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

#include "http/cache.h"
#include "registry/registry.h"
#include "store/gen.h"
#include "store/store.h"

static void resp_init(sr_resp *r, const char *body)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->status = 200;
	r->content_type = "application/json";
	sr_buf_init(&r->body, 1 << 20);
	sr_buf_puts(&r->body, body);
}

static sr_cache_deps deps_of(const sr_gens *g, int a, int b)
{
	sr_cache_deps d = {0};
	d.slot[d.n] = a;
	d.gen[d.n++] = sr_gens_get(g, a);
	if (b >= 0) {
		d.slot[d.n] = b;
		d.gen[d.n++] = sr_gens_get(g, b);
	}
	return d;
}

static void test_valid_until_a_dependency_moves(void **state)
{
	(void)state;
	sr_gens *g;
	assert_int_equal(sr_gens_open(":memory:", &g), 0);
	sr_cache *c;
	assert_int_equal(sr_cache_new(1 << 20, &c), 0);
	sr_resp in, out;
	resp_init(&in, "{\"a\":1}");
	resp_init(&out, "");
	int slot = sr_gens_slot_slug("alpha");
	sr_cache_deps d = deps_of(g, SR_GEN_DETAILS, slot);
	sr_cache_put(c, "k1", 2, &d, &in);
	assert_int_equal(sr_cache_get(c, g, "k1", 2, &out), 1);
	assert_string_equal(out.body.data, "{\"a\":1}");
	assert_int_equal(out.status, 200);
	assert_int_equal(sr_cache_get(c, g, "k2", 2, &out), 0);
	/* An unrelated bucket moving keeps the entry. */
	sr_gens_bump(g, slot == 0 ? 1 : 0);
	sr_gens_bump(g, SR_GEN_CATALOG);
	assert_int_equal(sr_cache_get(c, g, "k1", 2, &out), 1);
	/* Its own bucket moving drops it, for good. */
	sr_gens_bump(g, slot);
	assert_int_equal(sr_cache_get(c, g, "k1", 2, &out), 0);
	assert_int_equal(sr_cache_get(c, g, "k1", 2, &out), 0);
	sr_cache_stats st;
	sr_cache_get_stats(c, &st);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.stale, 1);
	sr_buf_deinit(&in.body);
	sr_buf_deinit(&out.body);
	sr_cache_free(c);
	sr_gens_close(g);
}

static void test_bound_evicts_least_recently_used(void **state)
{
	(void)state;
	sr_gens *g;
	assert_int_equal(sr_gens_open(":memory:", &g), 0);
	sr_cache *c;
	/* 16 shards of 16 KiB: about ten 1 KiB answers fit per shard. */
	assert_int_equal(sr_cache_new(256 << 10, &c), 0);
	char body[1025];
	memset(body, 'x', 1024);
	body[1024] = '\0';
	sr_resp in, out;
	resp_init(&in, body);
	resp_init(&out, "");
	sr_cache_deps d = deps_of(g, SR_GEN_CATALOG, -1);
	char key[32];
	for (int i = 0; i < 2000; i++) {
		int n = snprintf(key, sizeof key, "key-%d", i);
		sr_cache_put(c, key, (size_t)n, &d, &in);
		/* key-0 is used all the time, so it stays. */
		assert_int_equal(sr_cache_get(c, g, "key-0", 5, &out), 1);
	}
	sr_cache_stats st;
	sr_cache_get_stats(c, &st);
	assert_true(st.bytes <= 256 << 10);
	assert_true(st.evictions > 1000);
	assert_int_equal(sr_cache_get(c, g, "key-1", 5, &out), 0);
	assert_int_equal(sr_cache_get(c, g, "key-1999", 8, &out), 1);
	/* An answer above an eighth of a shard is not kept. */
	sr_buf_reset(&in.body);
	for (int i = 0; i < 4; i++)
		sr_buf_puts(&in.body, body);
	sr_cache_put(c, "big", 3, &d, &in);
	assert_int_equal(sr_cache_get(c, g, "big", 3, &out), 0);
	/* A cache of size 0 keeps nothing. */
	sr_cache *none;
	assert_int_equal(sr_cache_new(0, &none), 0);
	sr_cache_put(none, "k", 1, &d, &out);
	assert_int_equal(sr_cache_get(none, g, "k", 1, &out), 0);
	sr_cache_free(none);
	sr_buf_deinit(&in.body);
	sr_buf_deinit(&out.body);
	sr_cache_free(c);
	sr_gens_close(g);
}

struct db {
	char dir[64], path[128];
	sr_store *s;
};

static void db_open(struct db *d)
{
	snprintf(d->dir, sizeof d->dir, "/tmp/sr-cache-XXXXXX");
	assert_non_null(mkdtemp(d->dir));
	snprintf(d->path, sizeof d->path, "%s/db", d->dir);
	assert_int_equal(sr_store_open(d->path, &d->s), 0);
	assert_int_equal(sr_store_migrate(d->s), 0);
}

static void db_close(struct db *d)
{
	sr_store_close(d->s);
	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf %s", d->dir);
	assert_int_equal(system(cmd), 0);
}

static void test_two_mappings_share_generations(void **state)
{
	(void)state;
	struct db d;
	db_open(&d);
	/* A second opening stands for another process on the same data directory. */
	sr_gens *other;
	assert_int_equal(sr_gens_open(d.path, &other), 0);
	sr_gens *mine = sr_store_gens(d.s);
	uint64_t before = sr_gens_get(other, SR_GEN_CATALOG);
	sr_gens_bump(mine, SR_GEN_CATALOG);
	assert_int_equal(sr_gens_get(other, SR_GEN_CATALOG), before + 1);
	sr_gens_bump(other, 17);
	assert_int_equal(sr_gens_get(mine, 17), sr_gens_get(other, 17));
	sr_gens_close(other);
	db_close(&d);
}

static void test_writes_bump_what_they_change(void **state)
{
	(void)state;
	struct db d;
	db_open(&d);
	sr_gens *g = sr_store_gens(d.s);
	int64_t uid, a, b;
	assert_int_equal(sr_store_user_add(d.s, "owner", NULL, 0, &uid), 0);
	sr_new_skill na = {uid, "alpha", "Alpha", "first", 1000, 0};
	sr_new_skill nb = {uid, "beta", "Beta", "second", 1000, 0};
	assert_int_equal(sr_store_begin(d.s), 0);
	assert_int_equal(sr_store_skill_insert(d.s, &na, &a), 0);
	assert_int_equal(sr_store_skill_insert(d.s, &nb, &b), 0);
	assert_int_equal(sr_store_commit(d.s), 0);

	uint64_t cat = sr_gens_get(g, SR_GEN_CATALOG), det = sr_gens_get(g, SR_GEN_DETAILS);
	uint64_t ga = sr_gens_get(g, sr_gens_slot_id(a)), gb = sr_gens_get(g, sr_gens_slot_id(b));
	/* A star on alpha: its bucket and the catalog move, beta and the details do not. A
	 * transaction bumps what it touched twice, just before its COMMIT and after it
	 * (engine.h, sr__touch_announce). */
	int changed;
	uint64_t auth = sr_gens_get(g, SR_GEN_AUTH);
	assert_int_equal(sr_store_star(d.s, a, uid, 2000, &changed), 0);
	assert_int_equal(changed, 1);
	assert_int_equal(sr_gens_get(g, SR_GEN_CATALOG), cat + 2);
	assert_int_equal(sr_gens_get(g, sr_gens_slot_id(a)), ga + 2);
	assert_int_equal(sr_gens_get(g, SR_GEN_AUTH), auth);
	if (sr_gens_slot_id(b) != sr_gens_slot_id(a))
		assert_int_equal(sr_gens_get(g, sr_gens_slot_id(b)), gb);
	assert_int_equal(sr_gens_get(g, SR_GEN_DETAILS), det);

	/* A rolled-back write bumps nothing. */
	cat = sr_gens_get(g, SR_GEN_CATALOG);
	assert_int_equal(sr_store_begin(d.s), 0);
	assert_int_equal(sr_store_skill_soft_delete(d.s, b, 3000), 0);
	sr_store_rollback(d.s);
	assert_int_equal(sr_gens_get(g, SR_GEN_CATALOG), cat);

	/* A bulk update that names no skill (a ban hides all of a user's skills) moves the
	 * details generation, so every cached detail misses once. */
	det = sr_gens_get(g, SR_GEN_DETAILS);
	assert_int_equal(sr_store_user_ban(d.s, uid, "test"), 0);
	assert_int_equal(sr_gens_get(g, SR_GEN_DETAILS), det + 2);
	assert_int_equal(sr_gens_get(g, SR_GEN_CATALOG), cat + 2);
	/* A ban changes what the user's tokens' lookups answer (store/token_memo.c). */
	assert_int_equal(sr_gens_get(g, SR_GEN_AUTH), auth + 2);

	/* Writes that no cached answer shows (a token) move nothing; a revocation moves the auth
	 * generation alone (an autocommit write: once, after it). */
	cat = sr_gens_get(g, SR_GEN_CATALOG);
	auth = sr_gens_get(g, SR_GEN_AUTH);
	assert_int_equal(sr_store_token_add(d.s, uid, "t", "clh_abc", "hash"), 0);
	assert_int_equal(sr_gens_get(g, SR_GEN_CATALOG), cat);
	assert_int_equal(sr_gens_get(g, SR_GEN_AUTH), auth);
	int n = 0;
	assert_int_equal(sr_store_token_revoke(d.s, "clh_abc", &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(sr_gens_get(g, SR_GEN_CATALOG), cat);
	assert_int_equal(sr_gens_get(g, SR_GEN_AUTH), auth + 1);
	db_close(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_until_a_dependency_moves),
		cmocka_unit_test(test_bound_evicts_least_recently_used),
		cmocka_unit_test(test_two_mappings_share_generations),
		cmocka_unit_test(test_writes_bump_what_they_change),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
