/*
 * test_mutate.c - soft delete / undelete of skills and versions (api-v1 section 3.12), stars
 * (section 3.13) and install telemetry (section 3.15).
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static srt_server S;

static int group_setup(void **state)
{
	(void)state;
	if (srt_server_start(&S) != 0)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return srt_server_stop(&S);
}

static json_t *get_json(const char *path, const char *token, long status)
{
	srt_resp r;
	srt_get(&S, path, token, &r);
	if (r.status != status)
		print_error("GET %s\n", path);
	json_t *j = SRT_EXPECT_JSON(&r, status);
	srt_resp_free(&r);
	return j;
}

static void expect_get_text(const char *path, const char *token, long status, const char *text)
{
	srt_resp r;
	srt_get(&S, path, token, &r);
	if (r.status != status || strcmp(r.body, text) != 0)
		print_error("GET %s\n", path);
	SRT_EXPECT_TEXT(&r, status, text);
	srt_resp_free(&r);
}

/* method path with token and optional JSON body; expects status; returns JSON (200) or NULL. */
static json_t *call(const char *method, const char *path, const char *token, const char *body,
		    long status, const char *text)
{
	srt_resp r;
	srt_send(&S, method, path, token, body, &r);
	if (r.status != status)
		print_error("%s %s\n", method, path);
	json_t *j = NULL;
	if (status == 200) {
		j = SRT_EXPECT_JSON(&r, 200);
	} else if (text) {
		SRT_EXPECT_TEXT(&r, status, text);
	} else {
		SRT_EXPECT_STATUS(&r, status);
	}
	srt_resp_free(&r);
	return j;
}

static void expect_ok_only(json_t *j)
{
	assert_true(json_is_true(json_object_get(j, "ok")));
	json_decref(j);
}

static size_t versions_of(const char *slug, const char *want_absent, const char *want_present)
{
	json_t *j = get_json(srt_fmt("/api/v1/skills/%s/versions?limit=50", slug), NULL, 200);
	json_t *items = json_object_get(j, "items");
	size_t n = json_array_size(items);
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it) {
		const char *v = json_string_value(json_object_get(it, "version"));
		if (want_absent && strcmp(v, want_absent) == 0) {
			print_error("version %s still listed\n", v);
			fail();
		}
	}
	if (want_present) {
		int found = 0;
		json_array_foreach(items, i, it)
			found |= strcmp(json_string_value(json_object_get(it, "version")), want_present) == 0;
		if (!found) {
			print_error("version %s not listed\n", want_present);
			fail();
		}
	}
	json_decref(j);
	return n;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_fixtures(void **state)
{
	(void)state;
	srt_publish_ok(&S, S.tok_alice, "mut-skill", "1.0.0", "Mut Skill", "Gets deleted and restored.");
	srt_publish_ok(&S, S.tok_alice, "ver-skill", "1.0.0", "Ver Skill", "Versions come and go.");
	srt_publish_ok(&S, S.tok_alice, "ver-skill", "1.1.0", "Ver Skill", "Versions come and go.");
	srt_publish_ok(&S, S.tok_alice, "ver-skill", "1.2.0", "Ver Skill", "Versions come and go.");
	srt_publish_ok(&S, S.tok_alice, "star-skill", "1.0.0", "Star Skill", "Gets starred.");
	srt_publish_ok(&S, S.tok_bob, "bob-skill", "1.0.0", "Bob Skill", "Bob's own.");
}

static void test_delete_forbidden(void **state)
{
	(void)state;
	srt_resp r;
	srt_send(&S, "DELETE", "/api/v1/skills/mut-skill", S.tok_bob, NULL, &r);
	SRT_EXPECT_PREFIX(&r, 403, "Forbidden");
	srt_resp_free(&r);
	/* Still there. */
	json_t *d = get_json("/api/v1/skills/mut-skill", NULL, 200);
	json_decref(d);
	call("DELETE", "/api/v1/skills/no-such-skill", S.tok_alice, NULL, 404, "Skill not found");
	/* A version in the body is refused (the version route is meant). */
	call("DELETE", "/api/v1/skills/mut-skill", S.tok_alice, "{\"version\":\"1.0.0\"}", 400, NULL);
	call("DELETE", "/api/v1/skills/mut-skill?version=1.0.0", S.tok_alice, NULL, 400, NULL);
	d = get_json("/api/v1/skills/mut-skill", NULL, 200);
	json_decref(d);
}

static void test_delete_undelete(void **state)
{
	(void)state;
	long long before = now_ms();
	json_t *j = call("DELETE", "/api/v1/skills/mut-skill", S.tok_alice, NULL, 200, NULL);
	assert_true(json_is_true(json_object_get(j, "ok")));
	json_t *until = json_object_get(j, "slugReservedUntil");
	assert_true(json_is_integer(until) || json_is_real(until));
	/* About 30 days ahead. */
	long long u = (long long)json_number_value(until);
	assert_true(u > before + 29LL * 86400000);
	assert_true(u < before + 31LL * 86400000 + 60000);
	json_decref(j);

	expect_get_text("/api/v1/skills/mut-skill", NULL, 404, "Skill not found");
	expect_get_text("/api/v1/skills/mut-skill", S.tok_bob, 404, "Skill not found");
	expect_get_text("/api/v1/skills/mut-skill?ownerHandle=alice", NULL, 404, "Skill not found");
	expect_get_text("/api/v1/skills/mut-skill?ownerHandle=alice", S.tok_alice, 410,
			"Skill is hidden/deleted. Run \"clawhub undelete mut-skill\" to restore it.");
	expect_get_text("/api/v1/download?slug=mut-skill", NULL, 404, "Skill not found");
	expect_get_text(srt_fmt("/api/v1/resolve?slug=mut-skill&hash=%064d", 0), NULL, 404, "Skill not found");
	expect_get_text("/api/v1/skills/mut-skill/versions", NULL, 404, "Skill not found");
	expect_get_text("/api/v1/skills/mut-skill/install", NULL, 404, "Skill not found");
	expect_get_text("/api/v1/skills/mut-skill/file?path=SKILL.md", NULL, 404, "Skill not found");

	/* Someone else cannot take the reserved slug. */
	srt_file f = {"SKILL.md", "# taken\n", 8, "text/markdown"};
	json_t *p = srt_payload("mut-skill", "5.0.0");
	srt_resp r;
	srt_publish_json(&S, S.tok_bob, p, &f, 1, &r);
	assert_true(r.status >= 400 && r.status < 500);
	srt_resp_free(&r);
	json_decref(p);
	expect_get_text("/api/v1/skills/mut-skill", NULL, 404, "Skill not found");

	/* Bob can neither undelete nor delete it: ClawHub finds a deleted skill for these two
	 * routes whoever asks, so the answer is its 403, with or without the owner. */
	call("POST", "/api/v1/skills/mut-skill/undelete", S.tok_bob, "{}", 403, "Forbidden");
	call("POST", "/api/v1/skills/mut-skill/undelete?ownerHandle=alice", S.tok_bob, "{}", 403, "Forbidden");
	call("DELETE", "/api/v1/skills/mut-skill", S.tok_bob, NULL, 403, "Forbidden");
	expect_get_text("/api/v1/skills/mut-skill", NULL, 404, "Skill not found");

	expect_ok_only(call("POST", "/api/v1/skills/mut-skill/undelete", S.tok_alice, "{}", 200, NULL));
	json_t *d = get_json("/api/v1/skills/mut-skill", NULL, 200);
	SRT_EXPECT_STR(json_object_get(d, "skill"), "slug", "mut-skill");
	SRT_EXPECT_STR(json_object_get(d, "latestVersion"), "version", "1.0.0");
	json_decref(d);

	/* ownerHandle in the JSON body; and an empty-bodied POST undelete. */
	j = call("DELETE", "/api/v1/skills/mut-skill", S.tok_alice, "{\"ownerHandle\":\"@alice\",\"reason\":\"test\"}", 200, NULL);
	assert_true(json_is_true(json_object_get(j, "ok")));
	json_decref(j);
	expect_get_text("/api/v1/skills/mut-skill", NULL, 404, "Skill not found");
	char auth[256];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", S.tok_alice);
	const char *h[] = {auth, NULL};
	srt_request(&S, "POST", "/api/v1/skills/mut-skill/undelete?ownerHandle=alice", h, NULL, 0, &r);
	j = SRT_EXPECT_JSON(&r, 200);
	expect_ok_only(j);
	srt_resp_free(&r);
	d = get_json("/api/v1/skills/mut-skill", NULL, 200);
	json_decref(d);
}

static void test_admin_delete(void **state)
{
	(void)state;
	json_t *j = call("DELETE", "/api/v1/skills/bob-skill", S.tok_admin, NULL, 200, NULL);
	assert_true(json_is_true(json_object_get(j, "ok")));
	json_decref(j);
	expect_get_text("/api/v1/skills/bob-skill", NULL, 404, "Skill not found");
	/* Staff undelete: qualified by owner (the unqualified form is checked separately). */
	expect_ok_only(call("POST", "/api/v1/skills/bob-skill/undelete?ownerHandle=bob", S.tok_admin, "{}", 200, NULL));
	json_t *d = get_json("/api/v1/skills/bob-skill", NULL, 200);
	SRT_EXPECT_STR(json_object_get(d, "owner"), "handle", "bob");
	json_decref(d);
	call("POST", "/api/v1/skills/no-such-skill/undelete", S.tok_alice, "{}", 404, "Skill not found");
}

/* A moderator/admin undeleting without ownerHandle, as `clawhub undelete <slug>` sends it: the
 * slug is unambiguous (only bob has it), so it should resolve to bob's deleted skill. */
static void test_admin_undelete_unqualified(void **state)
{
	(void)state;
	json_t *j = call("DELETE", "/api/v1/skills/bob-skill", S.tok_admin, NULL, 200, NULL);
	json_decref(j);
	srt_resp r;
	srt_send(&S, "POST", "/api/v1/skills/bob-skill/undelete", S.tok_admin, "{}", &r);
	int ok = r.status == 200;
	srt_resp_free(&r);
	if (!ok) {
		/* Restore for the tests after this one, then report. */
		json_decref(call("POST", "/api/v1/skills/bob-skill/undelete?ownerHandle=bob", S.tok_admin, "{}", 200, NULL));
		print_error("admin POST /api/v1/skills/bob-skill/undelete (no ownerHandle) did not succeed\n");
		fail();
	}
	json_t *d = get_json("/api/v1/skills/bob-skill", NULL, 200);
	json_decref(d);
}

static void test_version_delete_restore(void **state)
{
	(void)state;
	assert_int_equal(versions_of("ver-skill", NULL, "1.0.0"), 3);
	/* Non-owner. */
	srt_resp r;
	srt_send(&S, "DELETE", "/api/v1/skills/ver-skill/versions/1.0.0", S.tok_bob, NULL, &r);
	SRT_EXPECT_PREFIX(&r, 403, "Forbidden");
	srt_resp_free(&r);
	assert_int_equal(versions_of("ver-skill", NULL, "1.0.0"), 3);

	expect_ok_only(call("DELETE", "/api/v1/skills/ver-skill/versions/1.0.0", S.tok_alice, NULL, 200, NULL));
	assert_int_equal(versions_of("ver-skill", "1.0.0", "1.1.0"), 2);
	expect_get_text("/api/v1/skills/ver-skill/versions/1.0.0", NULL, 410, "Version not available");
	expect_get_text("/api/v1/download?slug=ver-skill&version=1.0.0", NULL, 410, "Version not available");
	json_t *d = get_json("/api/v1/skills/ver-skill", NULL, 200);
	SRT_EXPECT_STR(json_object_get(d, "latestVersion"), "version", "1.2.0");
	json_decref(d);

	expect_ok_only(call("POST", "/api/v1/skills/ver-skill/versions/1.0.0/restore", S.tok_alice, "{}", 200, NULL));
	assert_int_equal(versions_of("ver-skill", NULL, "1.0.0"), 3);
	json_t *v = get_json("/api/v1/skills/ver-skill/versions/1.0.0", NULL, 200);
	json_decref(v);
	srt_get(&S, "/api/v1/download?slug=ver-skill&version=1.0.0", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);

	/* Unknown version; mismatched body version. */
	call("DELETE", "/api/v1/skills/ver-skill/versions/9.9.9", S.tok_alice, NULL, 404, NULL);
	call("DELETE", "/api/v1/skills/ver-skill/versions/1.1.0", S.tok_alice, "{\"version\":\"1.2.0\"}", 400, NULL);
	assert_int_equal(versions_of("ver-skill", NULL, "1.1.0"), 3);
	call("POST", "/api/v1/skills/ver-skill/versions/9.9.9/restore", S.tok_alice, "{}", 404, NULL);
	call("DELETE", "/api/v1/skills/no-such-skill/versions/1.0.0", S.tok_alice, NULL, 404, "Skill not found");
}

static json_t *star_stats(const char *slug)
{
	json_t *d = get_json(srt_fmt("/api/v1/skills/%s", slug), NULL, 200);
	json_t *n = json_object_get(json_object_get(json_object_get(d, "skill"), "stats"), "stars");
	json_t *copy = json_copy(n);
	json_decref(d);
	return copy;
}

static void expect_stars(const char *slug, long long n)
{
	json_t *v = star_stats(slug);
	if (json_integer_value(v) != n) {
		print_error("%s: stats.stars = %lld, expected %lld\n", slug, (long long)json_integer_value(v), n);
		fail();
	}
	json_decref(v);
}

static void expect_triplet(json_t *j, const char *k1, int v1, const char *k2, int v2)
{
	assert_true(json_is_true(json_object_get(j, "ok")));
	json_t *a = json_object_get(j, k1), *b = json_object_get(j, k2);
	if (!json_is_boolean(a) || !json_is_boolean(b) || json_is_true(a) != v1 || json_is_true(b) != v2) {
		char *d = json_dumps(j, 0);
		print_error("expected %s:%s, %s:%s in %s\n", k1, v1 ? "true" : "false", k2,
			    v2 ? "true" : "false", d);
		free(d);
		fail();
	}
	json_decref(j);
}

static void test_stars(void **state)
{
	(void)state;
	expect_stars("star-skill", 0);
	expect_triplet(call("POST", "/api/v1/stars/star-skill", S.tok_alice, "{}", 200, NULL), "starred", 1,
		       "alreadyStarred", 0);
	expect_stars("star-skill", 1);
	/* A repeated star still says starred (ClawHub: {ok, starred:true, alreadyStarred:true}). */
	expect_triplet(call("POST", "/api/v1/stars/star-skill", S.tok_alice, "{}", 200, NULL), "starred", 1,
		       "alreadyStarred", 1);
	expect_stars("star-skill", 1);

	/* Bob too, with ownerHandle. */
	expect_triplet(call("POST", "/api/v1/stars/star-skill?ownerHandle=alice", S.tok_bob, "{}", 200, NULL),
		       "starred", 1, "alreadyStarred", 0);
	expect_stars("star-skill", 2);

	expect_triplet(call("DELETE", "/api/v1/stars/star-skill", S.tok_alice, NULL, 200, NULL), "unstarred", 1,
		       "alreadyUnstarred", 0);
	expect_stars("star-skill", 1);
	expect_triplet(call("DELETE", "/api/v1/stars/star-skill", S.tok_alice, NULL, 200, NULL), "unstarred", 0,
		       "alreadyUnstarred", 1);
	expect_stars("star-skill", 1);
	expect_triplet(call("DELETE", "/api/v1/stars/star-skill", S.tok_bob, NULL, 200, NULL), "unstarred", 1,
		       "alreadyUnstarred", 0);
	expect_stars("star-skill", 0);

	/* Unstarring something never starred. */
	expect_triplet(call("DELETE", "/api/v1/stars/ver-skill", S.tok_bob, NULL, 200, NULL), "unstarred", 0,
		       "alreadyUnstarred", 1);
	expect_stars("ver-skill", 0);

	call("POST", "/api/v1/stars/no-such-skill", S.tok_alice, "{}", 404, "Skill not found");
	call("DELETE", "/api/v1/stars/no-such-skill", S.tok_alice, NULL, 404, "Skill not found");
	call("POST", "/api/v1/stars/star-skill/extra", S.tok_alice, "{}", 404, "Not found");
	call("POST", "/api/v1/stars/star-skill?ownerHandle=bob", S.tok_alice, "{}", 404, "Skill not found");

	/* A soft-deleted skill cannot be starred. */
	json_t *d = call("DELETE", "/api/v1/skills/star-skill", S.tok_alice, NULL, 200, NULL);
	json_decref(d);
	call("POST", "/api/v1/stars/star-skill", S.tok_bob, "{}", 404, "Skill not found");
	expect_ok_only(call("POST", "/api/v1/skills/star-skill/undelete", S.tok_alice, "{}", 200, NULL));
	expect_stars("star-skill", 0);

	/* As ClawHub: a skill hidden by moderation can still be starred and unstarred (only a
	 * deleted one cannot), and a slug two publishers use names no skill to star without an
	 * owner: 404 "Skill not found", not the 409 of the read routes. */
	srt_publish_ok(&S, S.tok_alice, "star-hidden", "1.0.0", "Star Hidden", "Gets hidden.");
	json_decref(call("POST", "/api/v1/skills/star-hidden/moderation/hide", S.tok_admin,
			 "{\"reason\":\"staff.review\"}", 200, NULL));
	expect_triplet(call("POST", "/api/v1/stars/star-hidden", S.tok_bob, "{}", 200, NULL), "starred", 1,
		       "alreadyStarred", 0);
	expect_triplet(call("DELETE", "/api/v1/stars/star-hidden", S.tok_bob, NULL, 200, NULL), "unstarred", 1,
		       "alreadyUnstarred", 0);
	srt_publish_ok(&S, S.tok_alice, "twin-star", "1.0.0", "Twin Star", "Twice.");
	assert_int_equal(srt_import_skill(&S, "bob", "twin-star", "1.0.0", "Twin Star", "Twice."), 0);
	call("POST", "/api/v1/stars/twin-star", S.tok_bob, "{}", 404, "Skill not found");
	call("DELETE", "/api/v1/stars/twin-star", S.tok_bob, NULL, 404, "Skill not found");
	expect_triplet(call("POST", "/api/v1/stars/twin-star?ownerHandle=bob", S.tok_bob, "{}", 200, NULL), "starred",
		       1, "alreadyStarred", 0);
}

static void test_telemetry(void **state)
{
	(void)state;
	expect_ok_only(call("POST", "/api/cli/telemetry/install", S.tok_alice,
			    "{\"event\":\"install\",\"slug\":\"ver-skill\"}", 200, NULL));
	expect_ok_only(call("POST", "/api/cli/telemetry/install", S.tok_bob,
			    "{\"event\":\"install\",\"slug\":\"ver-skill\",\"ownerHandle\":\"alice\",\"version\":\"1.2.0\"}",
			    200, NULL));
	/* Unknown slugs and odd events must not be 5xx (the CLI retries those). */
	srt_resp r;
	srt_send(&S, "POST", "/api/cli/telemetry/install", S.tok_alice,
		 "{\"event\":\"install\",\"slug\":\"no-such-skill\"}", &r);
	assert_true(r.status == 200 || r.status == 404 || r.status == 400);
	srt_resp_free(&r);
	srt_send(&S, "POST", "/api/cli/telemetry/install", S.tok_alice, "{\"event\":\"weird\"}", &r);
	assert_true(r.status >= 200 && r.status < 500);
	srt_resp_free(&r);
	srt_send(&S, "POST", "/api/cli/telemetry/install", S.tok_alice, "not json", &r);
	assert_true(r.status >= 200 && r.status < 500);
	srt_resp_free(&r);
}

/* Deleting the version `latest` points at: the detail's latestVersion becomes null and the
 * tag is omitted (api-v1 sections 1.6, 3.4); list items never carry latestVersion:null. */
static void test_delete_latest_version(void **state)
{
	(void)state;
	srt_publish_ok(&S, S.tok_alice, "lv-skill", "1.0.0", "LV Skill", "Latest goes away.");
	srt_publish_ok(&S, S.tok_alice, "lv-skill", "1.1.0", "LV Skill", "Latest goes away.");
	expect_ok_only(call("DELETE", "/api/v1/skills/lv-skill/versions/1.1.0", S.tok_alice, NULL, 200, NULL));
	json_t *d = get_json("/api/v1/skills/lv-skill", NULL, 200);
	json_t *lv = json_object_get(d, "latestVersion");
	assert_non_null(lv);
	/* ClawHub leaves `latest` on the deleted version and so reports null; moving it back to
	 * the newest live version is acceptable too. Never the deleted one, and consistent. */
	json_t *tl = json_object_get(json_object_get(json_object_get(d, "skill"), "tags"), "latest");
	if (json_is_null(lv)) {
		assert_null(tl);
	} else {
		SRT_EXPECT_STR(lv, "version", "1.0.0");
		assert_non_null(tl);
		assert_string_equal(json_string_value(tl), "1.0.0");
	}
	json_decref(d);
	for (int i = 0; i < 3; i++) {
		const char *path = i == 0 ? "/api/v1/skills?prefix=lv-skill"
				   : i == 1 ? "/api/v1/skills?sort=newest&limit=100"
					    : "/api/v1/skills?sort=updated&limit=100";
		json_t *j = get_json(path, NULL, 200);
		size_t k;
		json_t *it;
		json_array_foreach(json_object_get(j, "items"), k, it) {
			json_t *l = json_object_get(it, "latestVersion");
			if (l && !json_is_object(l)) {
				print_error("%s: item %s has latestVersion that is not an object\n", path,
					    json_string_value(json_object_get(it, "slug")));
				fail();
			}
			if (l && strcmp(json_string_value(json_object_get(it, "slug")), "lv-skill") == 0 &&
			    strcmp(json_string_value(json_object_get(l, "version")), "1.1.0") == 0) {
				print_error("%s: lists the deleted version 1.1.0 as latest\n", path);
				fail();
			}
		}
		json_decref(j);
	}
	/* The search row's version is not the deleted one either. */
	json_t *j = get_json("/api/v1/search?q=lv-skill", NULL, 200);
	json_t *row = json_array_get(json_object_get(j, "results"), 0);
	if (row) {
		json_t *v = json_object_get(row, "version");
		assert_false(json_is_string(v) && strcmp(json_string_value(v), "1.1.0") == 0);
	}
	json_decref(j);

	/* Restore does not restore the tag (section 3.12), but the version is back. */
	expect_ok_only(call("POST", "/api/v1/skills/lv-skill/versions/1.1.0/restore", S.tok_alice, "{}", 200, NULL));
	assert_int_equal(versions_of("lv-skill", NULL, "1.1.0"), 2);
	/* A new publish moves latest again. */
	srt_publish_ok(&S, S.tok_alice, "lv-skill", "1.2.0", "LV Skill", "Latest goes away.");
	d = get_json("/api/v1/skills/lv-skill", NULL, 200);
	SRT_EXPECT_STR(json_object_get(d, "latestVersion"), "version", "1.2.0");
	SRT_EXPECT_STR(json_object_get(json_object_get(d, "skill"), "tags"), "latest", "1.2.0");
	json_decref(d);
}

/* Publishing to a soft-deleted skill is refused; after undelete it works. */
static void test_publish_to_deleted(void **state)
{
	(void)state;
	srt_publish_ok(&S, S.tok_alice, "pd-skill", "1.0.0", "PD", NULL);
	json_decref(call("DELETE", "/api/v1/skills/pd-skill", S.tok_alice, NULL, 200, NULL));
	const char *md = srt_skill_md("PD", "again");
	srt_file f = {"SKILL.md", md, strlen(md), "text/markdown"};
	json_t *p = srt_payload("pd-skill", "1.0.1");
	srt_resp r;
	srt_publish_json(&S, S.tok_alice, p, &f, 1, &r);
	assert_true(r.status >= 400 && r.status < 500);
	srt_resp_free(&r);
	expect_get_text("/api/v1/skills/pd-skill", NULL, 404, "Skill not found");
	expect_ok_only(call("POST", "/api/v1/skills/pd-skill/undelete", S.tok_alice, "{}", 200, NULL));
	srt_publish_json(&S, S.tok_alice, p, &f, 1, &r);
	json_t *j = SRT_EXPECT_JSON(&r, 200);
	json_decref(j);
	srt_resp_free(&r);
	json_decref(p);
	assert_int_equal(versions_of("pd-skill", NULL, "1.0.1"), 2);
}

/* A banned owner's skills vanish publicly (api-v1 section 1.5: the owner must not be
 * deactivated): detail/download 404, gone from lists and search. The ban happens through
 * the admin command while the server runs. */
static void test_banned_owner_hidden(void **state)
{
	(void)state;
	char out[256], tok[256];
	const char *add[] = {"user", "add", "carol", NULL};
	assert_int_equal(srt_admin(&S, out, sizeof out, add), 0);
	const char *mk[] = {"token", "create", "carol", NULL};
	assert_int_equal(srt_admin(&S, tok, sizeof tok, mk), 0);
	srt_publish_ok(&S, tok, "carol-skill", "1.0.0", "Carol Skill", "Belongs to carol.");
	json_t *d = get_json("/api/v1/skills/carol-skill", NULL, 200);
	json_decref(d);
	int listed = 0;
	for (int tries = 0; tries < 50 && !listed; tries++) {
		d = get_json("/api/v1/skills?prefix=carol", NULL, 200);
		listed = json_array_size(json_object_get(d, "items")) == 1;
		json_decref(d);
	}
	assert_true(listed);

	const char *ban[] = {"user", "ban", "carol", NULL};
	assert_int_equal(srt_admin(&S, out, sizeof out, ban), 0);
	srt_resp r;
	srt_get(&S, "/api/v1/whoami", tok, &r);
	SRT_EXPECT_PREFIX(&r, 401, "Unauthorized: This ClawHub account is not in good standing");
	srt_resp_free(&r);
	/* The ban was written by another process. On SQLite it bumped the shared generation file
	 * before it exited; on PostgreSQL the server learns of it from the notification its
	 * listener receives a few milliseconds later, and until then it may serve the detail it
	 * cached above. Wait (at most 3 s) for the detail to go, then check everything at once. */
	int bad = 0;
	for (int tries = 0; tries < 300; tries++) {
		srt_get(&S, "/api/v1/skills/carol-skill", NULL, &r);
		if (r.status == 404)
			break;
		srt_resp_free(&r);
		struct timespec ts = {0, 10000000L};
		nanosleep(&ts, NULL);
	}
	if (r.status != 404) {
		print_error("detail of a banned owner's skill: HTTP %ld\n", r.status);
		bad++;
	}
	srt_resp_free(&r);
	srt_get(&S, "/api/v1/download?slug=carol-skill", NULL, &r);
	if (r.status != 404) {
		print_error("download of a banned owner's skill: HTTP %ld\n", r.status);
		bad++;
	}
	srt_resp_free(&r);
	d = get_json("/api/v1/skills?prefix=carol", NULL, 200);
	if (json_array_size(json_object_get(d, "items")) != 0) {
		print_error("a banned owner's skill is still listed\n");
		bad++;
	}
	json_decref(d);
	d = get_json("/api/v1/skills?sort=newest&limit=200", NULL, 200);
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(d, "items"), i, it) {
		if (strcmp(json_string_value(json_object_get(it, "slug")), "carol-skill") == 0) {
			print_error("a banned owner's skill is still in sort=newest\n");
			bad++;
		}
	}
	json_decref(d);
	d = get_json("/api/v1/search?q=carol-skill", NULL, 200);
	json_array_foreach(json_object_get(d, "results"), i, it) {
		if (strcmp(json_string_value(json_object_get(it, "slug")), "carol-skill") == 0) {
			print_error("a banned owner's skill is still found by search\n");
			bad++;
		}
	}
	json_decref(d);
	assert_int_equal(bad, 0);
}

/* resolve's match is the newest non-deleted version with that fingerprint (section 3.7). */
static void test_resolve_skips_deleted(void **state)
{
	(void)state;
	srt_publish_ok(&S, S.tok_alice, "fp-skill", "1.0.0", "FP Skill", "Same bytes every time.");
	srt_publish_ok(&S, S.tok_alice, "fp-skill", "1.1.0", "FP Skill", "Same bytes every time.");
	const char *md = srt_skill_md("FP Skill", "Same bytes every time.");
	srt_file f = {"SKILL.md", md, strlen(md), "text/markdown"};
	char fp[65];
	srt_fingerprint(&f, 1, fp);
	json_t *j = get_json(srt_fmt("/api/v1/resolve?slug=fp-skill&hash=%s", fp), NULL, 200);
	SRT_EXPECT_STR(json_object_get(j, "match"), "version", "1.1.0");
	json_decref(j);
	expect_ok_only(call("DELETE", "/api/v1/skills/fp-skill/versions/1.1.0", S.tok_alice, NULL, 200, NULL));
	j = get_json(srt_fmt("/api/v1/resolve?slug=fp-skill&hash=%s", fp), NULL, 200);
	SRT_EXPECT_STR(json_object_get(j, "match"), "version", "1.0.0");
	json_t *lv = json_object_get(j, "latestVersion");
	assert_non_null(lv);
	assert_true(json_is_null(lv) || strcmp(json_string_value(json_object_get(lv, "version")), "1.1.0") != 0);
	json_decref(j);
	expect_get_text("/api/v1/skills/fp-skill/file?path=SKILL.md&version=1.1.0", NULL, 410, "Version not available");
	srt_resp r;
	srt_get(&S, "/api/v1/skills/fp-skill/file?path=SKILL.md&version=1.0.0", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
}

/* Version paging skips deleted versions without short or repeated pages. */
static void test_version_paging_with_holes(void **state)
{
	(void)state;
	for (int i = 0; i < 6; i++)
		srt_publish_ok(&S, S.tok_alice, "page-skill", srt_fmt("1.0.%d", i), "Page Skill", NULL);
	expect_ok_only(call("DELETE", "/api/v1/skills/page-skill/versions/1.0.3", S.tok_alice, NULL, 200, NULL));
	expect_ok_only(call("DELETE", "/api/v1/skills/page-skill/versions/1.0.4", S.tok_alice, NULL, 200, NULL));
	static const char *const want[] = {"1.0.5", "1.0.2", "1.0.1", "1.0.0"};
	size_t got = 0;
	char cursor[1024] = "";
	for (int page = 0; page < 6; page++) {
		const char *path = cursor[0]
			? srt_fmt("/api/v1/skills/page-skill/versions?limit=2&cursor=%s", srt_urlenc(cursor))
			: "/api/v1/skills/page-skill/versions?limit=2";
		json_t *j = get_json(path, NULL, 200);
		json_t *items = json_object_get(j, "items");
		assert_true(json_array_size(items) <= 2);
		for (size_t i = 0; i < json_array_size(items); i++) {
			const char *v = json_string_value(json_object_get(json_array_get(items, i), "version"));
			if (got >= 4 || strcmp(v, want[got]) != 0) {
				print_error("versions paging: position %zu is %s\n", got, v);
				fail();
			}
			got++;
		}
		json_t *nc = json_object_get(j, "nextCursor");
		assert_non_null(nc);
		int done = json_is_null(nc);
		if (!done)
			snprintf(cursor, sizeof cursor, "%s", json_string_value(nc));
		json_decref(j);
		if (done)
			break;
	}
	assert_int_equal(got, 4);
}

/* Downloads count once per identity per UTC day and installs come from telemetry; both are
 * folded into stats asynchronously (api-v1 sections 3.8, 3.15), so poll for a while. */
static void test_download_and_install_counters(void **state)
{
	(void)state;
	srt_publish_ok(&S, S.tok_alice, "count-skill", "1.0.0", "Count Skill", "Gets counted.");
	srt_resp r;
	for (int i = 0; i < 3; i++) {
		srt_get(&S, "/api/v1/download?slug=count-skill", NULL, &r);
		SRT_EXPECT_STATUS(&r, 200);
		srt_resp_free(&r);
	}
	for (int i = 0; i < 2; i++) {
		srt_get(&S, "/api/v1/download?slug=count-skill", S.tok_bob, &r);
		SRT_EXPECT_STATUS(&r, 200);
		srt_resp_free(&r);
	}
	expect_ok_only(call("POST", "/api/cli/telemetry/install", S.tok_bob,
			    "{\"event\":\"install\",\"slug\":\"count-skill\",\"version\":\"1.0.0\"}", 200, NULL));
	long long downloads = -1, installs = -1;
	for (int tries = 0; tries < 100; tries++) {
		json_t *d = get_json("/api/v1/skills/count-skill", NULL, 200);
		json_t *st = json_object_get(json_object_get(d, "skill"), "stats");
		downloads = json_integer_value(json_object_get(st, "downloads"));
		installs = json_integer_value(json_object_get(st, "installs"));
		json_decref(d);
		if (downloads >= 2 && installs >= 1)
			break;
		struct timespec ts = {0, 100000000L};
		nanosleep(&ts, NULL);
	}
	if (downloads != 2 || installs != 1) {
		print_error("after 3 anonymous + 2 bob downloads and 1 install: downloads=%lld (want 2), installs=%lld (want 1)\n",
			    downloads, installs);
		fail();
	}
	/* The counters order the downloads sort. */
	json_t *j = get_json("/api/v1/skills?sort=downloads&limit=1", NULL, 200);
	SRT_EXPECT_STR(json_array_get(json_object_get(j, "items"), 0), "slug", "count-skill");
	json_decref(j);
}

/* Moderators act on others' skills (api-v1 section 1.1); a staff delete does not reserve the
 * slug for the owner. */
static void test_moderator(void **state)
{
	(void)state;
	char out[256], tok[256];
	const char *add[] = {"user", "add", "mod", "--role", "moderator", NULL};
	assert_int_equal(srt_admin(&S, out, sizeof out, add), 0);
	const char *mk[] = {"token", "create", "mod", NULL};
	assert_int_equal(srt_admin(&S, tok, sizeof tok, mk), 0);
	json_t *w = get_json("/api/v1/whoami", tok, 200);
	SRT_EXPECT_STR(json_object_get(w, "user"), "role", "moderator");
	json_decref(w);
	srt_publish_ok(&S, S.tok_bob, "modded-skill", "1.0.0", "Modded", NULL);
	json_t *j = call("DELETE", "/api/v1/skills/modded-skill", tok, NULL, 200, NULL);
	assert_true(json_is_true(json_object_get(j, "ok")));
	json_decref(j);
	expect_get_text("/api/v1/skills/modded-skill", NULL, 404, "Skill not found");
	expect_ok_only(call("POST", "/api/v1/skills/modded-skill/undelete?ownerHandle=bob", tok, "{}", 200, NULL));
	json_t *d = get_json("/api/v1/skills/modded-skill", NULL, 200);
	json_decref(d);
	/* A moderator can withdraw one of bob's versions too. */
	srt_publish_ok(&S, S.tok_bob, "modded-skill", "1.1.0", "Modded", NULL);
	expect_ok_only(call("DELETE", "/api/v1/skills/modded-skill/versions/1.0.0", tok, NULL, 200, NULL));
	expect_get_text("/api/v1/skills/modded-skill/versions/1.0.0", NULL, 410, "Version not available");
}

/* POST /skills/{slug}/tags/{tag} moves a tag; moving `latest` moves the summary that list rows
 * and the detail show, in the same write (api-v1 section 3.16). */
static void test_tag_move(void **state)
{
	(void)state;
	srt_publish_ok(&S, S.tok_alice, "tag-skill", "1.0.0", "Tag Skill", "Tags move.");
	srt_publish_ok(&S, S.tok_alice, "tag-skill", "2.0.0", "Tag Skill", "Tags move.");
	json_t *j = call("POST", "/api/v1/skills/tag-skill/tags/stable", S.tok_alice, "{\"version\":\"1.0.0\"}", 200, NULL);
	SRT_EXPECT_STR(j, "tag", "stable");
	SRT_EXPECT_STR(j, "version", "1.0.0");
	json_decref(j);
	json_t *d = get_json("/api/v1/skills/tag-skill", NULL, 200);
	SRT_EXPECT_STR(json_object_get(json_object_get(d, "skill"), "tags"), "stable", "1.0.0");
	SRT_EXPECT_STR(json_object_get(d, "latestVersion"), "version", "2.0.0");
	json_decref(d);

	/* Repointing latest back to 1.0.0 changes the detail and the list rows at once. */
	expect_ok_only(call("POST", "/api/v1/skills/tag-skill/tags/latest", S.tok_alice, "{\"version\":\"1.0.0\"}", 200, NULL));
	d = get_json("/api/v1/skills/tag-skill", NULL, 200);
	SRT_EXPECT_STR(json_object_get(d, "latestVersion"), "version", "1.0.0");
	SRT_EXPECT_STR(json_object_get(json_object_get(d, "skill"), "tags"), "latest", "1.0.0");
	json_decref(d);
	j = get_json("/api/v1/skills?prefix=tag-skill", NULL, 200);
	json_t *row = json_array_get(json_object_get(j, "items"), 0);
	assert_non_null(row);
	SRT_EXPECT_STR(json_object_get(row, "latestVersion"), "version", "1.0.0");
	json_decref(j);
	/* Downloads without a version follow `latest`. */
	srt_resp r;
	srt_get(&S, "/api/v1/download?slug=tag-skill", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_non_null(strstr(srt_header(&r, "Content-Disposition"), "tag-skill-1.0.0.zip"));
	srt_resp_free(&r);
	srt_get(&S, "/api/v1/download?slug=tag-skill&tag=stable", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_non_null(strstr(srt_header(&r, "Content-Disposition"), "tag-skill-1.0.0.zip"));
	srt_resp_free(&r);

	/* Errors, in ClawHub's words (issue 13): another user, an unknown version, a bad tag, no
	 * version, no token. */
	call("POST", "/api/v1/skills/tag-skill/tags/stable", S.tok_bob, "{\"version\":\"1.0.0\"}", 403, "Forbidden");
	call("POST", "/api/v1/skills/tag-skill/tags/stable", S.tok_alice, "{\"version\":\"9.9.9\"}", 404,
	     "Skill version not found");
	call("POST", "/api/v1/skills/tag-skill/tags/_hidden", S.tok_alice, "{\"version\":\"1.0.0\"}", 400,
	     "Valid tag required");
	call("POST", "/api/v1/skills/tag-skill/tags/$x", S.tok_alice, "{\"version\":\"1.0.0\"}", 400, "Valid tag required");
	call("POST", "/api/v1/skills/tag-skill/tags/stable", S.tok_alice, "{}", 400, "Version required");
	call("POST", "/api/v1/skills/tag-skill/tags/stable", S.tok_alice, "{\"version\":\" \"}", 400, "Version required");
	call("POST", "/api/v1/skills/tag-skill/tags/stable", NULL, "{\"version\":\"1.0.0\"}", 401, NULL);
	/* ClawHub's order: the tag before the skill, the version before the actor's right. */
	call("POST", "/api/v1/skills/no-such-skill/tags/$x", S.tok_alice, "{\"version\":\"1.0.0\"}", 400,
	     "Valid tag required");
	call("POST", "/api/v1/skills/tag-skill/tags/$x", S.tok_bob, "{\"version\":\"1.0.0\"}", 400, "Valid tag required");
	call("POST", "/api/v1/skills/tag-skill/tags/stable", S.tok_bob, "{\"version\":\"9.9.9\"}", 404,
	     "Skill version not found");
	call("POST", "/api/v1/skills/no-such-skill/tags/stable", S.tok_alice, "{\"version\":\"1.0.0\"}", 404,
	     "Skill not found");
	/* `latest` in any case is latest; the version is trimmed. */
	j = call("POST", "/api/v1/skills/tag-skill/tags/LATEST", S.tok_alice, "{\"version\":\" 2.0.0 \"}", 200, NULL);
	SRT_EXPECT_STR(j, "tag", "latest");
	SRT_EXPECT_STR(j, "version", "2.0.0");
	json_decref(j);
	d = get_json("/api/v1/skills/tag-skill", NULL, 200);
	SRT_EXPECT_STR(json_object_get(d, "latestVersion"), "version", "2.0.0");
	assert_null(json_object_get(json_object_get(json_object_get(d, "skill"), "tags"), "LATEST"));
	json_decref(d);
	/* A tag on a withdrawn version disappears from the map; naming a withdrawn version is
	 * ClawHub's 404 "Version not found". */
	expect_ok_only(call("DELETE", "/api/v1/skills/tag-skill/versions/2.0.0", S.tok_alice, NULL, 200, NULL));
	expect_ok_only(call("POST", "/api/v1/skills/tag-skill/tags/beta", S.tok_alice, "{\"version\":\"1.0.0\"}", 200, NULL));
	call("POST", "/api/v1/skills/tag-skill/tags/beta", S.tok_alice, "{\"version\":\"2.0.0\"}", 404, "Version not found");
	/* A slug two publishers use needs an owner here, in ClawHub's words. */
	srt_publish_ok(&S, S.tok_alice, "twin-tag", "1.0.0", "Twin Tag", "Twice.");
	assert_int_equal(srt_import_skill(&S, "bob", "twin-tag", "1.0.0", "Twin Tag", "Twice."), 0);
	call("POST", "/api/v1/skills/twin-tag/tags/beta", S.tok_alice, "{\"version\":\"1.0.0\"}", 400,
	     "Slug is used by multiple publishers. Pass an owner handle.");
	j = call("POST", "/api/v1/skills/twin-tag/tags/beta?ownerHandle=alice", S.tok_alice, "{\"version\":\"1.0.0\"}",
		 200, NULL);
	json_decref(j);
}

/* The pre-v1 read routes still answer like their v1 counterparts. */
static void test_legacy_routes(void **state)
{
	(void)state;
	json_t *d = get_json("/api/skill?slug=ver-skill", NULL, 200);
	SRT_EXPECT_STR(json_object_get(d, "skill"), "slug", "ver-skill");
	json_decref(d);
	d = get_json("/api/search?q=ver-skill", NULL, 200);
	assert_true(json_array_size(json_object_get(d, "results")) >= 1);
	json_decref(d);
	srt_resp r;
	srt_get(&S, "/api/download?slug=ver-skill", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_true(srt_zip_count(r.body, r.len) >= 2);
	srt_resp_free(&r);
	expect_get_text("/api/skill", NULL, 400, "Missing slug");
	expect_get_text("/api/skill/resolve?slug=ver-skill", NULL, 400, "Missing slug or hash");
}

/* Renamed and merged skills: the old slug is an alias that finds the canonical skill, whose
 * skill.slug is the new one (api-v1 sections 1.2 and 3.16). */
static void test_rename_and_merge(void **state)
{
	(void)state;
	srt_publish_ok(&S, S.tok_alice, "old-name", "1.0.0", "Old Name", "Gets renamed.");
	json_t *j = call("POST", "/api/v1/skills/old-name/rename", S.tok_alice, "{\"newSlug\":\"new-name\"}", 200, NULL);
	SRT_EXPECT_STR(j, "slug", "new-name");
	SRT_EXPECT_STR(j, "previousSlug", "old-name");
	json_decref(j);
	json_t *d = get_json("/api/v1/skills/old-name", NULL, 200);
	SRT_EXPECT_STR(json_object_get(d, "skill"), "slug", "new-name");
	json_decref(d);
	d = get_json("/api/v1/skills/old-name?ownerHandle=alice", NULL, 200);
	SRT_EXPECT_STR(json_object_get(d, "skill"), "slug", "new-name");
	json_decref(d);
	d = get_json("/api/v1/skills/new-name", NULL, 200);
	SRT_EXPECT_STR(json_object_get(d, "skill"), "slug", "new-name");
	json_decref(d);
	srt_resp r;
	srt_get(&S, "/api/v1/download?slug=old-name", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	/* Lists and search show the new slug only. */
	d = get_json("/api/v1/skills?prefix=old-name", NULL, 200);
	assert_int_equal(json_array_size(json_object_get(d, "items")), 0);
	json_decref(d);
	d = get_json("/api/v1/skills?prefix=new-name", NULL, 200);
	assert_int_equal(json_array_size(json_object_get(d, "items")), 1);
	json_decref(d);
	d = get_json("/api/v1/search?q=new-name&mode=exact", NULL, 200);
	assert_int_equal(json_array_size(json_object_get(d, "results")), 1);
	json_decref(d);
	/* A publish to the old slug continues the renamed skill. */
	srt_publish_ok(&S, S.tok_alice, "old-name", "1.1.0", "Old Name", "Gets renamed.");
	d = get_json("/api/v1/skills/new-name", NULL, 200);
	SRT_EXPECT_STR(json_object_get(d, "latestVersion"), "version", "1.1.0");
	json_decref(d);
	/* Errors, in ClawHub's words (issue 13): not the owner, a slug another skill of the same
	 * publisher has, an invalid slug, no slug. */
	call("POST", "/api/v1/skills/new-name/rename", S.tok_bob, "{\"newSlug\":\"bobs-name\"}", 403, "Forbidden");
	srt_publish_ok(&S, S.tok_alice, "taken-name", "1.0.0", "Taken", "Holds a slug.");
	call("POST", "/api/v1/skills/new-name/rename", S.tok_alice, "{\"newSlug\":\"taken-name\"}", 400,
	     "Slug already belongs to one of your skills. Use merge instead.");
	call("POST", "/api/v1/skills/new-name/rename", S.tok_alice, "{\"newSlug\":\"Bad Slug!\"}", 400, NULL);
	call("POST", "/api/v1/skills/new-name/rename", S.tok_alice, "{}", 400, "newSlug required");
	call("POST", "/api/v1/skills/new-name/rename", S.tok_alice, "{\"newSlug\":\" \\t\"}", 400, "newSlug required");
	/* Renaming a skill to the slug it has succeeds and changes nothing, as on ClawHub. */
	j = call("POST", "/api/v1/skills/new-name/rename", S.tok_alice, "{\"newSlug\":\"new-name\"}", 200, NULL);
	SRT_EXPECT_STR(j, "slug", "new-name");
	SRT_EXPECT_STR(j, "previousSlug", "new-name");
	json_decref(j);
	/* Taking the old name back is allowed: it is this skill's own alias. */
	expect_ok_only(call("POST", "/api/v1/skills/new-name/rename", S.tok_alice, "{\"newSlug\":\"old-name\"}", 200, NULL));
	d = get_json("/api/v1/skills/new-name", NULL, 200);
	SRT_EXPECT_STR(json_object_get(d, "skill"), "slug", "old-name");
	json_decref(d);

	/* Merge: taken-name retires into old-name; its slug now finds old-name. */
	j = call("POST", "/api/v1/skills/taken-name/merge", S.tok_alice, "{\"targetSlug\":\"old-name\"}", 200, NULL);
	/* ClawHub's answer, which `clawhub skill merge` checks: {ok:true, sourceSlug, targetSlug}. */
	assert_true(json_is_true(json_object_get(j, "ok")));
	SRT_EXPECT_STR(j, "sourceSlug", "taken-name");
	SRT_EXPECT_STR(j, "targetSlug", "old-name");
	json_decref(j);
	d = get_json("/api/v1/skills/taken-name", NULL, 200);
	SRT_EXPECT_STR(json_object_get(d, "skill"), "slug", "old-name");
	json_decref(d);
	d = get_json("/api/v1/skills?prefix=taken-name", NULL, 200);
	assert_int_equal(json_array_size(json_object_get(d, "items")), 0);
	json_decref(d);
	/* Merge errors in ClawHub's words: no target, the skill itself, a side that is missing. */
	call("POST", "/api/v1/skills/old-name/merge", S.tok_alice, "{}", 400, "targetSlug required");
	call("POST", "/api/v1/skills/old-name/merge", S.tok_alice, "{\"targetSlug\":\"old-name\"}", 400,
	     "Source and target must be different skills");
	call("POST", "/api/v1/skills/old-name/merge", S.tok_alice, "{\"targetSlug\":\"no-such-skill\"}", 404,
	     "Target skill not found");
	call("POST", "/api/v1/skills/no-such-skill/merge", S.tok_alice, "{\"targetSlug\":\"old-name\"}", 404,
	     "Source skill not found");
}

/* A staff delete also hides the skill: the owner's undelete undoes only the deletion, so the
 * skill stays hidden until staff lift it (api-v1 section 3.12: owners undo their own
 * deletes). */
static void test_staff_delete_owner_undelete(void **state)
{
	(void)state;
	srt_publish_ok(&S, S.tok_bob, "bob-hidden", "1.0.0", "Bob Hidden", "Staff hide this.");
	json_t *j = call("DELETE", "/api/v1/skills/bob-hidden", S.tok_admin, NULL, 200, NULL);
	assert_null(json_object_get(j, "slugReservedUntil"));
	json_decref(j);
	expect_ok_only(call("POST", "/api/v1/skills/bob-hidden/undelete", S.tok_bob, "{}", 200, NULL));
	expect_get_text("/api/v1/skills/bob-hidden", NULL, 404, "Skill not found");
	expect_get_text("/api/v1/skills/bob-hidden?ownerHandle=bob", S.tok_bob, 403,
			"Skill is hidden by moderation (staff.hidden).");
	expect_ok_only(call("POST", "/api/v1/skills/bob-hidden/undelete?ownerHandle=bob", S.tok_admin, "{}", 200, NULL));
	json_t *d = get_json("/api/v1/skills/bob-hidden", NULL, 200);
	json_decref(d);
}

/* Withdrawing a version drops its tags; restoring it brings back neither `latest` nor them
 * (api-v1 section 3.12). */
static void test_restore_keeps_tags_dropped(void **state)
{
	(void)state;
	srt_publish_ok(&S, S.tok_alice, "tagdrop-skill", "1.0.0", "Tag Drop", "Tags fall off.");
	srt_publish_ok(&S, S.tok_alice, "tagdrop-skill", "1.1.0", "Tag Drop", "Tags fall off.");
	expect_ok_only(call("POST", "/api/v1/skills/tagdrop-skill/tags/beta", S.tok_alice, "{\"version\":\"1.0.0\"}", 200, NULL));
	expect_ok_only(call("DELETE", "/api/v1/skills/tagdrop-skill/versions/1.0.0", S.tok_alice, NULL, 200, NULL));
	expect_ok_only(call("POST", "/api/v1/skills/tagdrop-skill/versions/1.0.0/restore", S.tok_alice, "{}", 200, NULL));
	json_t *d = get_json("/api/v1/skills/tagdrop-skill", NULL, 200);
	json_t *tags = json_object_get(json_object_get(d, "skill"), "tags");
	assert_null(json_object_get(tags, "beta"));
	SRT_EXPECT_STR(tags, "latest", "1.1.0");
	SRT_EXPECT_STR(json_object_get(d, "latestVersion"), "version", "1.1.0");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(d, "skill"), "stats"), "versions")), 2);
	json_decref(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_delete_forbidden),
		cmocka_unit_test(test_delete_undelete),
		cmocka_unit_test(test_admin_delete),
		cmocka_unit_test(test_admin_undelete_unqualified),
		cmocka_unit_test(test_version_delete_restore),
		cmocka_unit_test(test_stars),
		cmocka_unit_test(test_telemetry),
		cmocka_unit_test(test_delete_latest_version),
		cmocka_unit_test(test_publish_to_deleted),
		cmocka_unit_test(test_banned_owner_hidden),
		cmocka_unit_test(test_resolve_skips_deleted),
		cmocka_unit_test(test_version_paging_with_holes),
		cmocka_unit_test(test_download_and_install_counters),
		cmocka_unit_test(test_moderator),
		cmocka_unit_test(test_tag_move),
		cmocka_unit_test(test_legacy_routes),
		cmocka_unit_test(test_rename_and_merge),
		cmocka_unit_test(test_staff_delete_owner_undelete),
		cmocka_unit_test(test_restore_keeps_tags_dropped),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
