/*
 * test_concurrency.c - many clients at once: readers of every kind, star togglers and a
 * publisher run in parallel threads (each with its own keep-alive connection). Every answer
 * must be the expected status with a well-formed body, the read budget must hold under
 * concurrency, and the counters must add up afterwards. A routing hammer sends cheap
 * requests whose answer depends only on the path (state shared between worker threads, such
 * as strtok's, shows up as misrouted answers), and racing publishes of one skill must
 * serialize (one winner for a version; concurrent first publishes make one skill).
 *
 * Races are found by chance: a pass does not prove their absence, a failure proves a bug.
 */
#include "harness.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

static srt_server S;

#define NTHREADS 16
#define ITERS 400
#define NSK 5

static const char *const SLUGS[NSK] = {"conc-one", "conc-two", "conc-three", "conc-four", "conc-five"};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int failures;

/* More HTTP workers than cores, so requests really interleave inside the server; the load
 * is far above the anonymous rate limit, which test_ratelimit covers on its own. */
static const char *const SERVE_ARGS[] = {"--threads", "16", "--no-rate-limit", NULL};

static int group_setup(void **state)
{
	(void)state;
	return srt_server_start_args(&S, SERVE_ARGS);
}

static int group_teardown(void **state)
{
	(void)state;
	return srt_server_stop(&S);
}

static void report(const char *what, const srt_resp *r)
{
	pthread_mutex_lock(&mu);
	failures++;
	if (failures <= 20)
		fprintf(stderr, "concurrent %s: HTTP %ld %.200s\n", what, r->status, r->body ? r->body : "");
	pthread_mutex_unlock(&mu);
}

/* A per-thread client: a copy of the server record with its own curl handle. */
typedef struct client {
	srt_server s;
	int id;
} client;

static void check_json(client *c, const char *what, const char *path, const char *token, long status)
{
	srt_resp r;
	srt_get(&c->s, path, token, &r);
	int ok = r.status == status;
	if (ok && status == 200) {
		json_t *j = json_loadb(r.body, r.len, 0, NULL);
		ok = j != NULL;
		json_decref(j);
	}
	if (ok && strncmp(path, "/api/v1/skills?", 15) == 0) {
		long rows, bytes;
		const char *lim = strstr(path, "limit=");
		long l = lim ? atol(lim + 6) : 25;
		/* The page reads at most limit + 1 rows; a bearer token costs one more (its lookup). */
		ok = srt_timing(&r, &rows, &bytes) == 0 && rows <= l + 1 + (token ? 1 : 0);
	}
	if (!ok)
		report(what, &r);
	srt_resp_free(&r);
}

static void *reader(void *arg)
{
	client *c = arg;
	static const char *const sorts[] = {"updated", "newest", "downloads", "stars", "name", "trending",
					    "recommended"};
	for (int i = 0; i < ITERS; i++) {
		const char *slug = SLUGS[(i + c->id) % NSK];
		const char *tok = (i % 3 == 0) ? S.tok_alice : NULL;
		switch ((i + c->id) % 8) {
		case 0:
			check_json(c, "list", srt_fmt("/api/v1/skills?sort=%s&limit=%d", sorts[i % 7], 1 + i % 4), tok, 200);
			break;
		case 1:
			check_json(c, "detail", srt_fmt("/api/v1/skills/%s", slug), tok, 200);
			break;
		case 2: {
			/* Multi-word queries exercise the tokenizer from many threads at once. */
			srt_resp r;
			srt_get(&c->s, "/api/v1/search?q=concurrent%20skill%20conc", tok, &r);
			json_t *j = r.status == 200 ? json_loadb(r.body, r.len, 0, NULL) : NULL;
			if (!j || json_array_size(json_object_get(j, "results")) < NSK)
				report("search", &r);
			json_decref(j);
			srt_resp_free(&r);
			break;
		}
		case 3: {
			srt_resp r;
			srt_get(&c->s, srt_fmt("/api/v1/download?slug=%s", slug), tok, &r);
			if (r.status != 200 || srt_zip_count(r.body, r.len) < 2)
				report("download", &r);
			srt_resp_free(&r);
			break;
		}
		case 4:
			check_json(c, "versions", srt_fmt("/api/v1/skills/%s/versions?limit=2", slug), tok, 200);
			break;
		case 5: {
			srt_resp r;
			srt_get(&c->s, srt_fmt("/api/v1/skills/%s/file?path=SKILL.md", slug), tok, &r);
			if (r.status != 200 || r.len == 0)
				report("file", &r);
			srt_resp_free(&r);
			break;
		}
		case 6:
			check_json(c, "whoami", "/api/v1/whoami", S.tok_bob, 200);
			break;
		default:
			check_json(c, "missing", "/api/v1/skills/conc-nope", NULL, 404);
			break;
		}
	}
	return NULL;
}

/* Stars and unstars conc-one over and over; ends unstarred. */
static void *starrer(void *arg)
{
	client *c = arg;
	const char *tok = c->id % 2 ? S.tok_alice : S.tok_bob;
	for (int i = 0; i < ITERS; i++) {
		srt_resp r;
		int star = i % 2 == 0;
		srt_send(&c->s, star ? "POST" : "DELETE", "/api/v1/stars/conc-one", tok, star ? "{}" : NULL, &r);
		json_t *j = r.status == 200 ? json_loadb(r.body, r.len, 0, NULL) : NULL;
		if (!j || !json_is_true(json_object_get(j, "ok")))
			report(star ? "star" : "unstar", &r);
		json_decref(j);
		srt_resp_free(&r);
	}
	return NULL;
}

/* Publishes new versions of conc-two while the readers run. */
static void *publisher(void *arg)
{
	client *c = arg;
	for (int i = 1; i <= 10; i++) {
		json_t *p = srt_payload("conc-two", srt_fmt("1.0.%d", i));
		const char *md = srt_skill_md("Conc two", srt_fmt("Revision %d of a concurrent skill.", i));
		char mdcopy[1024];
		snprintf(mdcopy, sizeof mdcopy, "%s", md);
		srt_file f = {"SKILL.md", mdcopy, strlen(mdcopy), "text/markdown"};
		char *payload = json_dumps(p, JSON_COMPACT);
		srt_resp r;
		srt_publish_multipart(&c->s, S.tok_alice, payload, &f, 1, &r);
		if (r.status != 200)
			report("publish", &r);
		srt_resp_free(&r);
		free(payload);
		json_decref(p);
	}
	return NULL;
}

static void test_fixtures(void **state)
{
	(void)state;
	for (int i = 0; i < NSK; i++)
		srt_publish_ok(&S, S.tok_alice, SLUGS[i], "1.0.0", SLUGS[i], "A concurrent skill.");
}

static void test_parallel(void **state)
{
	(void)state;
	client cl[NTHREADS + 3];
	pthread_t th[NTHREADS + 3];
	for (int i = 0; i < NTHREADS + 3; i++) {
		cl[i].s = S;
		cl[i].s.curl = curl_easy_init();
		cl[i].id = i;
	}
	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, reader, &cl[i]);
	pthread_create(&th[NTHREADS], NULL, starrer, &cl[NTHREADS]);
	pthread_create(&th[NTHREADS + 1], NULL, starrer, &cl[NTHREADS + 1]);
	pthread_create(&th[NTHREADS + 2], NULL, publisher, &cl[NTHREADS + 2]);
	for (int i = 0; i < NTHREADS + 3; i++) {
		pthread_join(th[i], NULL);
		curl_easy_cleanup(cl[i].s.curl);
	}
	assert_int_equal(failures, 0);

	/* Both starrers ended with an unstar. */
	srt_resp r;
	srt_get(&S, "/api/v1/skills/conc-one", NULL, &r);
	json_t *d = SRT_EXPECT_JSON(&r, 200);
	json_t *stars = json_object_get(json_object_get(json_object_get(d, "skill"), "stats"), "stars");
	assert_int_equal(json_integer_value(stars), 0);
	json_decref(d);
	srt_resp_free(&r);

	/* All ten versions landed, latest is the highest. */
	srt_get(&S, "/api/v1/skills/conc-two", NULL, &r);
	d = SRT_EXPECT_JSON(&r, 200);
	SRT_EXPECT_STR(json_object_get(d, "latestVersion"), "version", "1.0.10");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(d, "skill"), "stats"), "versions")), 11);
	json_decref(d);
	srt_resp_free(&r);
}

/* ---- routing under load: cheap requests whose answer depends only on the path ---- */

#define ROUTE_ITERS 4000

static void *router_hammer(void *arg)
{
	client *c = arg;
	static const struct {
		const char *path;
		long status;
		const char *prefix;
	} reqs[] = {
		{"/api/v1/skills/conc-one/versions/1.0.0", 200, "{"},
		{"/api/v1/skills/conc-nope", 404, "Skill not found"},
		{"/api/v1/whoami", 401, "Unauthorized: API token is missing"},
		{"/api/v1/skills/conc-three/file", 400, "Missing path"},
		{"/api/v1/skills/x/bogus", 404, "Not found"},
		{"/api/v1/resolve?slug=conc-one", 400, "Missing slug or hash"},
	};
	for (int i = 0; i < ROUTE_ITERS; i++) {
		int k = (i + c->id) % 6;
		srt_resp r;
		srt_get(&c->s, reqs[k].path, NULL, &r);
		if (r.status != reqs[k].status || strncmp(r.body, reqs[k].prefix, strlen(reqs[k].prefix)) != 0) {
			char what[128];
			snprintf(what, sizeof what, "GET %s", reqs[k].path);
			report(what, &r);
		}
		srt_resp_free(&r);
	}
	return NULL;
}

static void test_routing_under_load(void **state)
{
	(void)state;
	failures = 0;
	client cl[NTHREADS];
	pthread_t th[NTHREADS];
	for (int i = 0; i < NTHREADS; i++) {
		cl[i].s = S;
		cl[i].s.curl = curl_easy_init();
		cl[i].id = i;
		pthread_create(&th[i], NULL, router_hammer, &cl[i]);
	}
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
		curl_easy_cleanup(cl[i].s.curl);
	}
	assert_int_equal(failures, 0);
}

/* ---- races on one skill ---- */

typedef struct racer {
	client c;
	const char *slug;
	char version[32];
	long status;
	char body[256];
} racer;

static void *race_publish(void *arg)
{
	racer *rc = arg;
	json_t *p = srt_payload(rc->slug, rc->version);
	char *payload = json_dumps(p, JSON_COMPACT);
	char md[512];
	snprintf(md, sizeof md, "---\nname: Race\ndescription: Racing publishes.\n---\n\n# Race %s\n", rc->version);
	srt_file f = {"SKILL.md", md, strlen(md), "text/markdown"};
	srt_resp r;
	srt_publish_multipart(&rc->c.s, S.tok_alice, payload, &f, 1, &r);
	rc->status = r.status;
	snprintf(rc->body, sizeof rc->body, "%s", r.body ? r.body : "");
	srt_resp_free(&r);
	free(payload);
	json_decref(p);
	return NULL;
}

static void run_racers(racer *rs, int n)
{
	pthread_t th[16];
	for (int i = 0; i < n; i++) {
		rs[i].c.s = S;
		rs[i].c.s.curl = curl_easy_init();
		rs[i].c.id = i;
	}
	for (int i = 0; i < n; i++)
		pthread_create(&th[i], NULL, race_publish, &rs[i]);
	for (int i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		curl_easy_cleanup(rs[i].c.s.curl);
	}
}

/* The same new skill and version from 8 clients at once: exactly one wins. */
static void test_race_same_version(void **state)
{
	(void)state;
	racer rs[8];
	memset(rs, 0, sizeof rs);
	for (int i = 0; i < 8; i++) {
		rs[i].slug = "race-same";
		snprintf(rs[i].version, sizeof rs[i].version, "1.0.0");
	}
	run_racers(rs, 8);
	int ok = 0, bad = 0;
	for (int i = 0; i < 8; i++) {
		if (rs[i].status == 200)
			ok++;
		else if (rs[i].status != 400) {
			print_error("racing publish %d: HTTP %ld %s\n", i, rs[i].status, rs[i].body);
			bad++;
		} else if (strcmp(rs[i].body, "Version 1.0.0 already exists. Increment the version number and try again.") != 0) {
			print_error("racing publish %d: 400 %s\n", i, rs[i].body);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	assert_int_equal(ok, 1);
	srt_resp r;
	srt_get(&S, "/api/v1/skills/race-same/versions", NULL, &r);
	json_t *j = SRT_EXPECT_JSON(&r, 200);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
	json_decref(j);
	srt_resp_free(&r);
}

/* Different versions of one brand-new skill at once: all land on one skill. */
static void test_race_new_skill(void **state)
{
	(void)state;
	racer rs[8];
	memset(rs, 0, sizeof rs);
	for (int i = 0; i < 8; i++) {
		rs[i].slug = "race-new";
		snprintf(rs[i].version, sizeof rs[i].version, "2.0.%d", i);
	}
	run_racers(rs, 8);
	int bad = 0;
	for (int i = 0; i < 8; i++) {
		if (rs[i].status != 200) {
			print_error("racing publish %s: HTTP %ld %s\n", rs[i].version, rs[i].status, rs[i].body);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	srt_resp r;
	srt_get(&S, "/api/v1/skills/race-new", NULL, &r);
	json_t *d = SRT_EXPECT_JSON(&r, 200);
	SRT_EXPECT_STR(json_object_get(d, "latestVersion"), "version", "2.0.7");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(d, "skill"), "stats"), "versions")), 8);
	json_decref(d);
	srt_resp_free(&r);
	srt_get(&S, "/api/v1/skills?prefix=race-new", NULL, &r);
	d = SRT_EXPECT_JSON(&r, 200);
	assert_true(json_array_size(json_object_get(d, "items")) <= 1);
	json_decref(d);
	srt_resp_free(&r);
}

/* Many clients withdraw the same version at once: it is withdrawn once, and the version
 * count moves once (the state is read inside the write transaction). */
struct delete_arg {
	client c;
	const char *method, *path;
};

static void *deleter(void *arg)
{
	struct delete_arg *a = arg;
	srt_resp r;
	srt_send(&a->c.s, a->method, a->path, S.tok_alice, a->method[0] == 'P' ? "{}" : NULL, &r);
	if (r.status != 200)
		report("version delete/restore", &r);
	srt_resp_free(&r);
	return NULL;
}

static long versions_count(const char *slug)
{
	srt_resp r;
	srt_get(&S, srt_fmt("/api/v1/skills/%s", slug), NULL, &r);
	json_t *d = SRT_EXPECT_JSON(&r, 200);
	long n = (long)json_integer_value(json_object_get(json_object_get(json_object_get(d, "skill"), "stats"), "versions"));
	json_decref(d);
	srt_resp_free(&r);
	return n;
}

static void test_parallel_version_withdraw(void **state)
{
	(void)state;
	srt_publish_ok(&S, S.tok_alice, "conc-ver", "1.0.0", "Conc Ver", "Withdrawn in parallel.");
	srt_publish_ok(&S, S.tok_alice, "conc-ver", "1.0.1", "Conc Ver", "Withdrawn in parallel.");
	for (int round = 0; round < 4; round++) {
		for (int restore = 0; restore < 2; restore++) {
			struct delete_arg a[8];
			pthread_t th[8];
			for (int i = 0; i < 8; i++) {
				a[i].c.s = S;
				a[i].c.s.curl = curl_easy_init();
				a[i].method = restore ? "POST" : "DELETE";
				a[i].path = restore ? "/api/v1/skills/conc-ver/versions/1.0.0/restore"
						    : "/api/v1/skills/conc-ver/versions/1.0.0";
				pthread_create(&th[i], NULL, deleter, &a[i]);
			}
			for (int i = 0; i < 8; i++) {
				pthread_join(th[i], NULL);
				curl_easy_cleanup(a[i].c.s.curl);
			}
			assert_int_equal(versions_count("conc-ver"), restore ? 2 : 1);
		}
	}
	assert_int_equal(failures, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_parallel),
		cmocka_unit_test(test_routing_under_load),
		cmocka_unit_test(test_race_same_version),
		cmocka_unit_test(test_race_new_skill),
		cmocka_unit_test(test_parallel_version_withdraw),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
