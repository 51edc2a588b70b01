/*
 * test_read.c - the read side of one skill: detail, versions, one version, file, resolve,
 * download, install (api-v1 sections 3.4-3.10), owner qualification and slug ambiguity.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>

static srt_server S;

/* reader-kit 1.0.0 and 1.1.0 (alice). */
static const char MD_V1[] =
	"---\n"
	"name: Reader Kit\n"
	"description: Reads things for the read tests.\n"
	"metadata: {\"openclaw\": {\"requires\": {\"env\": [\"READER_API_KEY\"]}, \"os\": [\"linux\"]}}\n"
	"---\n\n# Reader Kit\n\nReads things.\n";
static const char MD_V2[] =
	"---\n"
	"name: Reader Kit\n"
	"description: Reads things for the read tests.\n"
	"metadata: {\"openclaw\": {\"requires\": {\"env\": [\"READER_API_KEY\"]}, \"os\": [\"linux\"]}}\n"
	"---\n\n# Reader Kit\n\nReads things, better.\n";
static const char NOTES_V1[] = "first notes\n";
static const char NOTES_V2[] = "second notes, longer\n";
static const char RUN_SH[] = "#!/bin/sh\necho run\n";

static srt_file V1[3];
static srt_file V2[3];

static int group_setup(void **state)
{
	(void)state;
	if (srt_server_start(&S) != 0)
		return -1;
	V1[0] = (srt_file){"SKILL.md", MD_V1, sizeof MD_V1 - 1, "text/markdown"};
	V1[1] = (srt_file){"notes.txt", NOTES_V1, sizeof NOTES_V1 - 1, "text/plain"};
	V1[2] = (srt_file){"scripts/run.sh", RUN_SH, sizeof RUN_SH - 1, "text/x-sh"};
	V2[0] = (srt_file){"SKILL.md", MD_V2, sizeof MD_V2 - 1, "text/markdown"};
	V2[1] = (srt_file){"notes.txt", NOTES_V2, sizeof NOTES_V2 - 1, "text/plain"};
	V2[2] = (srt_file){"scripts/run.sh", RUN_SH, sizeof RUN_SH - 1, "text/x-sh"};
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return srt_server_stop(&S);
}

static json_t *get_json(const char *path, long status)
{
	srt_resp r;
	srt_get(&S, path, NULL, &r);
	json_t *j = SRT_EXPECT_JSON(&r, status);
	srt_resp_free(&r);
	return j;
}

static void expect_text(const char *path, long status, const char *text)
{
	srt_resp r;
	srt_get(&S, path, NULL, &r);
	if (r.status != status || strcmp(r.body, text) != 0)
		print_error("GET %s\n", path);
	SRT_EXPECT_TEXT(&r, status, text);
	srt_resp_free(&r);
}

static void expect_prefix(const char *path, long status, const char *text)
{
	srt_resp r;
	srt_get(&S, path, NULL, &r);
	if (r.status != status)
		print_error("GET %s\n", path);
	SRT_EXPECT_PREFIX(&r, status, text);
	srt_resp_free(&r);
}

static void publish(const char *token, const char *slug, const char *version, const char *changelog,
		    const srt_file *files, size_t n)
{
	json_t *p = srt_payload(slug, version);
	json_object_set_new(p, "displayName", json_string("Reader Kit"));
	json_object_set_new(p, "changelog", json_string(changelog));
	srt_resp r;
	srt_publish_json(&S, token, p, files, n, &r);
	json_t *j = SRT_EXPECT_JSON(&r, 200);
	assert_true(json_is_true(json_object_get(j, "ok")));
	json_decref(j);
	srt_resp_free(&r);
	json_decref(p);
}

static void expect_number(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	if (!json_is_integer(v) && !json_is_real(v)) {
		print_error("\"%s\" is not a number\n", key);
		fail();
	}
}

static void expect_string_or_null(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	if (!v || !(json_is_string(v) || json_is_null(v))) {
		print_error("\"%s\" must be present as string or null\n", key);
		fail();
	}
}

static void test_publish_fixtures(void **state)
{
	(void)state;
	publish(S.tok_alice, "reader-kit", "1.0.0", "first release", V1, 3);
	publish(S.tok_alice, "reader-kit", "1.1.0", "second release", V2, 3);
	srt_publish_ok(&S, S.tok_alice, "shared-name", "1.0.0", "Shared (alice)", "alice's copy");
	assert_int_equal(srt_import_skill(&S, "bob", "shared-name", "2.0.0", "Shared (bob)", "bob's copy"), 0);
	srt_publish_ok(&S, S.tok_alice, "plain-kit", "1.0.0", "Plain Kit", "No metadata here.");
}

static void test_detail_shape(void **state)
{
	(void)state;
	json_t *d = get_json("/api/v1/skills/reader-kit", 200);
	assert_non_null(json_object_get(d, "skill"));
	assert_non_null(json_object_get(d, "latestVersion"));
	assert_non_null(json_object_get(d, "owner"));

	json_t *skill = json_object_get(d, "skill");
	SRT_EXPECT_STR(skill, "slug", "reader-kit");
	SRT_EXPECT_STR(skill, "displayName", "Reader Kit");
	SRT_EXPECT_STR(skill, "summary", "Reads things for the read tests.");
	expect_number(skill, "createdAt");
	expect_number(skill, "updatedAt");
	assert_true(json_integer_value(json_object_get(skill, "createdAt")) > 1600000000000LL);
	json_t *tags = json_object_get(skill, "tags");
	assert_true(json_is_object(tags));
	SRT_EXPECT_STR(tags, "latest", "1.1.0");
	json_t *stats = json_object_get(skill, "stats");
	assert_true(json_is_object(stats));
	static const char *const sk[] = {"downloads", "stars", "installs", "versions", "comments"};
	for (size_t i = 0; i < 5; i++)
		expect_number(stats, sk[i]);
	assert_int_equal(json_integer_value(json_object_get(stats, "versions")), 2);
	assert_int_equal(json_integer_value(json_object_get(stats, "stars")), 0);

	json_t *lv = json_object_get(d, "latestVersion");
	SRT_EXPECT_STR(lv, "version", "1.1.0");
	SRT_EXPECT_STR(lv, "changelog", "second release");
	expect_number(lv, "createdAt");
	json_t *lic = json_object_get(lv, "license");
	assert_true(lic == NULL || json_is_null(lic) ||
		    (json_is_string(lic) && strcmp(json_string_value(lic), "MIT-0") == 0));

	json_t *owner = json_object_get(d, "owner");
	SRT_EXPECT_STR(owner, "handle", "alice");
	expect_string_or_null(owner, "displayName");
	expect_string_or_null(owner, "image");
	/* description = the full SKILL.md text (<= 200 KB). */
	SRT_EXPECT_STR(skill, "description", MD_V2);
	json_t *mod = json_object_get(d, "moderation");
	assert_true(mod == NULL || json_is_null(mod));

	json_t *md = json_object_get(d, "metadata");
	assert_true(json_is_object(md));
	json_t *setup = json_object_get(md, "setup");
	assert_true(json_is_array(setup));
	int found = 0;
	size_t i;
	json_t *e;
	json_array_foreach(setup, i, e) {
		const char *k = json_string_value(json_object_get(e, "key"));
		if (k && strcmp(k, "READER_API_KEY") == 0) {
			found = 1;
			assert_true(json_is_true(json_object_get(e, "required")));
		}
	}
	if (!found) {
		char *s = json_dumps(md, 0);
		print_error("metadata.setup lacks READER_API_KEY: %s\n", s);
		free(s);
		fail();
	}
	json_decref(d);

	/* A skill without metadata: null (or absent). */
	d = get_json("/api/v1/skills/plain-kit", 200);
	md = json_object_get(d, "metadata");
	assert_true(md == NULL || json_is_null(md) || json_is_array(json_object_get(md, "setup")));
	SRT_EXPECT_STR(json_object_get(d, "skill"), "summary", "No metadata here.");
	json_decref(d);

	/* Slugs are lower-cased and trimmed before lookup. */
	d = get_json("/api/v1/skills/Reader-KIT", 200);
	SRT_EXPECT_STR(json_object_get(d, "skill"), "slug", "reader-kit");
	json_decref(d);
	d = get_json("/api/v1/skills/%20reader-kit%20", 200);
	json_decref(d);
}

static void test_detail_not_found(void **state)
{
	(void)state;
	expect_text("/api/v1/skills/no-such-skill", 404, "Skill not found");
	expect_text("/api/v1/skills/reader-kit?ownerHandle=bob", 404, "Skill not found");
	expect_text("/api/v1/skills/reader-kit?ownerHandle=nobody", 404, "Skill not found");
	expect_text("/api/v1/skills/reader-kit?owner=nobody", 404, "Skill not found");
}

static void test_owner_qualified(void **state)
{
	(void)state;
	static const char *const q[] = {"ownerHandle=alice", "ownerHandle=%40alice", "ownerHandle=@ALICE",
					"owner=Alice", "owner=%40%40alice"};
	for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
		json_t *d = get_json(srt_fmt("/api/v1/skills/reader-kit?%s", q[i]), 200);
		SRT_EXPECT_STR(json_object_get(d, "owner"), "handle", "alice");
		json_decref(d);
	}
	json_t *d = get_json("/api/v1/skills/shared-name?ownerHandle=bob", 200);
	SRT_EXPECT_STR(json_object_get(d, "owner"), "handle", "bob");
	SRT_EXPECT_STR(json_object_get(d, "latestVersion"), "version", "2.0.0");
	json_decref(d);
	d = get_json("/api/v1/skills/shared-name?owner=@Alice", 200);
	SRT_EXPECT_STR(json_object_get(d, "owner"), "handle", "alice");
	SRT_EXPECT_STR(json_object_get(d, "latestVersion"), "version", "1.0.0");
	json_decref(d);
}

static void check_ambiguous_json(const char *path)
{
	json_t *j = get_json(path, 409);
	SRT_EXPECT_STR(j, "code", "AMBIGUOUS_SKILL_SLUG");
	SRT_EXPECT_STR(j, "slug", "shared-name");
	assert_true(json_is_string(json_object_get(j, "message")));
	json_t *m = json_object_get(j, "matches");
	assert_true(json_is_array(m));
	assert_int_equal(json_array_size(m), 2);
	int seen_alice = 0, seen_bob = 0;
	size_t i;
	json_t *e;
	json_array_foreach(m, i, e) {
		const char *h = json_string_value(json_object_get(e, "ownerHandle"));
		assert_non_null(h);
		SRT_EXPECT_STR(e, "slug", "shared-name");
		SRT_EXPECT_STR(e, "ref", srt_fmt("@%s/shared-name", h));
		assert_true(json_is_string(json_object_get(e, "url")));
		seen_alice |= strcmp(h, "alice") == 0;
		seen_bob |= strcmp(h, "bob") == 0;
	}
	assert_true(seen_alice && seen_bob);
	json_decref(j);
}

static void test_ambiguous(void **state)
{
	(void)state;
	check_ambiguous_json("/api/v1/skills/shared-name");
	check_ambiguous_json("/api/v1/skills/shared-name/versions");
	check_ambiguous_json("/api/v1/skills/shared-name/versions/1.0.0");
	check_ambiguous_json("/api/v1/skills/shared-name/file?path=SKILL.md");
	expect_prefix("/api/v1/download?slug=shared-name", 409, "Ambiguous skill slug");
	expect_prefix(srt_fmt("/api/v1/resolve?slug=shared-name&hash=%064d", 0), 409,
		      "Ambiguous skill slug");

	/* Qualified, both work. */
	srt_resp r;
	srt_get(&S, "/api/v1/download?slug=shared-name&ownerHandle=bob", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	json_t *j = get_json(srt_fmt("/api/v1/resolve?slug=shared-name&ownerHandle=alice&hash=%064d", 0), 200);
	SRT_EXPECT_STR(json_object_get(j, "latestVersion"), "version", "1.0.0");
	json_decref(j);
}

/* A slug that is the old name of more skills than the lookup reads: only a legacy import makes
 * one (a slug has one owner at a time), by giving ten publishers' skills the same former
 * slug. The lookup reads 8 of them whatever their number, the lowest ids, and the ambiguity is
 * answered with those 8; every one of the ten stays reachable with its owner's handle. */
static void test_many_aliases(void **state)
{
	(void)state;
	enum { N = 10 };
	long long ids[N];
	for (int i = 0; i < N; i++) {
		char tok[256];
		srt_make_user(&S, srt_fmt("crowd%d", i), "user", tok, sizeof tok);
		srt_publish_ok(&S, tok, srt_fmt("crowd-kit-%d", i), "1.0.0", "Crowd kit", "One of many.");
		ids[i] = srt_sql_int(&S, srt_fmt("SELECT id FROM skills WHERE slug = 'crowd-kit-%d'", i));
		srt_sql(&S, srt_fmt("INSERT INTO skill_aliases(owner_id, slug, skill_id, created_at) SELECT owner_id, "
				    "'crowded-name', id, 1 FROM skills WHERE id = %lld",
				    ids[i]));
	}
	assert_int_equal(srt_wait_scans(&S), 0);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM skill_aliases WHERE slug = 'crowded-name'"), N);
	srt_resp r;
	srt_get(&S, "/api/v1/skills/crowded-name", NULL, &r);
	SRT_EXPECT_STATUS(&r, 409);
	long rows, bytes;
	assert_int_equal(srt_timing(&r, &rows, &bytes), 0);
	assert_int_equal(rows, 8);
	json_t *j = json_loadb(r.body, r.len, 0, NULL);
	srt_resp_free(&r);
	assert_non_null(j);
	SRT_EXPECT_STR(j, "code", "AMBIGUOUS_SKILL_SLUG");
	json_t *m = json_object_get(j, "matches");
	assert_int_equal(json_array_size(m), 8);
	for (size_t i = 0; i < 8; i++) {
		SRT_EXPECT_STR(json_array_get(m, i), "slug", srt_fmt("crowd-kit-%zu", i));
		SRT_EXPECT_STR(json_array_get(m, i), "ownerHandle", srt_fmt("crowd%zu", i));
	}
	json_decref(j);
	for (int i = 0; i < N; i++) {
		json_t *d = get_json(srt_fmt("/api/v1/skills/crowded-name?ownerHandle=crowd%d", i), 200);
		SRT_EXPECT_STR(json_object_get(d, "skill"), "slug", srt_fmt("crowd-kit-%d", i));
		json_decref(d);
	}
	/* A new skill may not take the slug while a live skill of another publisher is aliased by
	 * it, however many aliases come first: with the first eight skills deleted, the ninth
	 * still holds it (a publish reads 16 aliases of a slug). */
	srt_sql(&S, srt_fmt("UPDATE skills SET soft_deleted_at = 1 WHERE id <= %lld AND slug LIKE 'crowd-kit-%%'", ids[7]));
	char tok[256];
	srt_make_user(&S, "crowdnew", "user", tok, sizeof tok);
	const char *md = srt_skill_md("Crowded", "Wants the old name.");
	srt_file f = {"SKILL.md", md, strlen(md), "text/markdown"};
	srt_publish_multipart(&S, tok,
			      "{\"slug\":\"crowded-name\",\"displayName\":\"Crowded\",\"version\":\"1.0.0\","
			      "\"changelog\":\"\",\"acceptLicenseTerms\":true}",
			      &f, 1, &r);
	SRT_EXPECT_TEXT(&r, 400,
			srt_fmt("Slug is already taken. Choose a different slug. Existing skill: %s/crowd8/crowd-kit-8", S.base));
	srt_resp_free(&r);
}

/* GET path and its Server-Timing: the answer was computed (a cache miss), in stmts statements. */
static char *detail_in(const char *path, long status, long stmts)
{
	srt_resp r;
	srt_get(&S, path, NULL, &r);
	SRT_EXPECT_STATUS(&r, status);
	char cache[16];
	long n = srt_statements(&r, cache, sizeof(cache));
	if (strcmp(cache, "miss") != 0 || n != stmts) {
		print_error("GET %s: cache \"%s\", %ld statements (want a miss in %ld)\n", path, cache, n, stmts);
		fail();
	}
	char *body = strndup(r.body, r.len);
	srt_resp_free(&r);
	return body;
}

/* A detail is one statement, so one round trip on PostgreSQL (issue 12). A bare slug: the
 * skills the slug names, each with its latest version and SKILL.md, and the lookup's rules
 * pick among them. With an owner: that owner's skill of the slug. An owner's old slug (an
 * alias) takes the general way, the lookup and a read by id, and answers the same bytes as
 * the one-statement detail of the new slug. */
static void test_detail_one_statement(void **state)
{
	(void)state;
	publish(S.tok_alice, "one-trip-kit", "1.0.0", "first", V1, 3);
	publish(S.tok_alice, "one-trip-kit", "1.1.0", "second", V2, 3);
	char *bare = detail_in("/api/v1/skills/one-trip-kit", 200, 1);
	char *owned = detail_in("/api/v1/skills/one-trip-kit?ownerHandle=alice", 200, 1);
	assert_string_equal(bare, owned);
	assert_non_null(strstr(bare, "Reads things, better."));
	free(bare);
	free(owned);

	srt_resp r;
	srt_send(&S, "POST", "/api/v1/skills/one-trip-kit/rename", S.tok_alice, "{\"newSlug\":\"one-trip-kit-two\"}", &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	char *old = detail_in("/api/v1/skills/one-trip-kit", 200, 1);
	char *now = detail_in("/api/v1/skills/one-trip-kit-two", 200, 1);
	assert_string_equal(old, now);
	assert_non_null(strstr(now, "\"slug\":\"one-trip-kit-two\""));
	char *old_owned = detail_in("/api/v1/skills/one-trip-kit?ownerHandle=alice", 200, 5);
	assert_string_equal(old_owned, now);
	free(old_owned);
	char *nobody = detail_in("/api/v1/skills/one-trip-kit?ownerHandle=nobody-here", 404, 2);
	free(nobody);
	free(old);
	free(now);
	/* A version whose instructions are in skills.md: that file is the description. */
	static const char LOWER_MD[] = "---\nname: Lower Kit\ndescription: Old file name.\n---\n\nLower-case file.\n";
	srt_file lower[2] = {{"skills.md", LOWER_MD, sizeof LOWER_MD - 1, "text/markdown"},
			     {"notes.txt", NOTES_V1, sizeof NOTES_V1 - 1, "text/plain"}};
	publish(S.tok_alice, "one-trip-lower", "1.0.0", "first", lower, 2);
	char *lw = detail_in("/api/v1/skills/one-trip-lower", 200, 1);
	assert_non_null(strstr(lw, "Lower-case file."));
	free(lw);

	/* Two publishers' skills: still the ambiguity answer, from the same statement. */
	srt_publish_ok(&S, S.tok_alice, "one-trip-pair", "1.0.0", "Pair (alice)", "alice's copy");
	assert_int_equal(srt_import_skill(&S, "bob", "one-trip-pair", "1.0.0", "Pair (bob)", "bob's copy"), 0);
	char *pair = detail_in("/api/v1/skills/one-trip-pair", 409, 1);
	assert_non_null(strstr(pair, "AMBIGUOUS_SKILL_SLUG"));
	free(pair);
}

static void test_versions_list(void **state)
{
	(void)state;
	json_t *j = get_json("/api/v1/skills/reader-kit/versions", 200);
	json_t *items = json_object_get(j, "items");
	assert_int_equal(json_array_size(items), 2);
	SRT_EXPECT_STR(json_array_get(items, 0), "version", "1.1.0");
	SRT_EXPECT_STR(json_array_get(items, 1), "version", "1.0.0");
	SRT_EXPECT_STR(json_array_get(items, 0), "changelog", "second release");
	SRT_EXPECT_STR(json_array_get(items, 1), "changelog", "first release");
	expect_number(json_array_get(items, 0), "createdAt");
	assert_true(json_is_null(json_object_get(j, "nextCursor")));
	json_decref(j);

	/* Paging: limit=1 then the cursor. */
	j = get_json("/api/v1/skills/reader-kit/versions?limit=1", 200);
	items = json_object_get(j, "items");
	assert_int_equal(json_array_size(items), 1);
	SRT_EXPECT_STR(json_array_get(items, 0), "version", "1.1.0");
	json_t *c = json_object_get(j, "nextCursor");
	assert_true(json_is_string(c));
	char cursor[1024];
	snprintf(cursor, sizeof cursor, "%s", json_string_value(c));
	json_decref(j);
	j = get_json(srt_fmt("/api/v1/skills/reader-kit/versions?limit=1&cursor=%s", srt_urlenc(cursor)), 200);
	items = json_object_get(j, "items");
	assert_int_equal(json_array_size(items), 1);
	SRT_EXPECT_STR(json_array_get(items, 0), "version", "1.0.0");
	c = json_object_get(j, "nextCursor");
	assert_non_null(c);
	if (json_is_string(c)) {
		/* A trailing empty page is allowed, but then it must end. */
		char c2[1024];
		snprintf(c2, sizeof c2, "%s", json_string_value(c));
		json_decref(j);
		j = get_json(srt_fmt("/api/v1/skills/reader-kit/versions?limit=1&cursor=%s", srt_urlenc(c2)), 200);
		assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
		assert_true(json_is_null(json_object_get(j, "nextCursor")));
	}
	json_decref(j);

	/* The cursor is trimmed, as ClawHub reads it. */
	j = get_json(srt_fmt("/api/v1/skills/reader-kit/versions?limit=1&cursor=%%20%s%%20", srt_urlenc(cursor)), 200);
	SRT_EXPECT_STR(json_array_get(json_object_get(j, "items"), 0), "version", "1.0.0");
	json_decref(j);

	expect_text("/api/v1/skills/no-such-skill/versions", 404, "Skill not found");
	/* A cursor this list cannot read, garbled or another list's, ends it with an empty last
	 * page, as ClawHub's stale cursor does (issue 13), never a 400. */
	j = get_json("/api/v1/skills?sort=name&limit=1", 200);
	char list_cursor[1024];
	assert_true(json_is_string(json_object_get(j, "nextCursor")));
	snprintf(list_cursor, sizeof list_cursor, "%s", json_string_value(json_object_get(j, "nextCursor")));
	json_decref(j);
	const char *stale[] = {"%21garbage%21", srt_urlenc(list_cursor)};
	for (int i = 0; i < 2; i++) {
		j = get_json(srt_fmt("/api/v1/skills/reader-kit/versions?cursor=%s", stale[i]), 200);
		assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
		assert_true(json_is_null(json_object_get(j, "nextCursor")));
		json_decref(j);
	}
}

static void test_version_detail(void **state)
{
	(void)state;
	json_t *j = get_json("/api/v1/skills/reader-kit/versions/1.0.0", 200);
	json_t *skill = json_object_get(j, "skill");
	SRT_EXPECT_STR(skill, "slug", "reader-kit");
	SRT_EXPECT_STR(skill, "displayName", "Reader Kit");
	json_t *v = json_object_get(j, "version");
	SRT_EXPECT_STR(v, "version", "1.0.0");
	SRT_EXPECT_STR(v, "changelog", "first release");
	expect_number(v, "createdAt");
	json_t *files = json_object_get(v, "files");
	assert_true(json_is_array(files));
	assert_int_equal(json_array_size(files), 3);
	for (size_t k = 0; k < 3; k++) {
		json_t *f = NULL;
		size_t i;
		json_t *e;
		json_array_foreach(files, i, e) {
			if (strcmp(json_string_value(json_object_get(e, "path")), V1[k].path) == 0)
				f = e;
		}
		if (!f) {
			print_error("file %s missing from version 1.0.0\n", V1[k].path);
			fail();
		}
		char sha[65];
		srt_sha256_hex(V1[k].data, V1[k].len, sha);
		SRT_EXPECT_STR(f, "sha256", sha);
		assert_int_equal(json_integer_value(json_object_get(f, "size")), V1[k].len);
		expect_string_or_null(f, "contentType");
	}
	json_decref(j);

	expect_text("/api/v1/skills/reader-kit/versions/9.9.9", 404, "Version not found");
	expect_text("/api/v1/skills/reader-kit/versions/1.0", 404, "Version not found");
	expect_text("/api/v1/skills/no-such-skill/versions/1.0.0", 404, "Skill not found");
}

static void test_file(void **state)
{
	(void)state;
	srt_resp r;
	char sha[65];

	srt_get(&S, "/api/v1/skills/reader-kit/file?path=notes.txt", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_int_equal(r.len, sizeof NOTES_V2 - 1);
	assert_memory_equal(r.body, NOTES_V2, r.len);
	srt_sha256_hex(NOTES_V2, sizeof NOTES_V2 - 1, sha);
	const char *etag = srt_header(&r, "ETag");
	assert_non_null(etag);
	assert_string_equal(etag, sha);
	const char *xs = srt_header(&r, "X-Content-SHA256");
	assert_non_null(xs);
	assert_string_equal(xs, sha);
	const char *cd = srt_header(&r, "Content-Disposition");
	assert_non_null(cd);
	assert_true(strncmp(cd, "attachment", 10) == 0);
	assert_non_null(strstr(cd, "notes.txt"));
	const char *ct = srt_header(&r, "Content-Type");
	assert_non_null(ct);
	assert_true(strncmp(ct, "text/plain", 10) == 0);
	assert_non_null(srt_header(&r, "X-Content-Type-Options"));
	srt_resp_free(&r);

	/* An explicit old version, and a nested path. */
	srt_get(&S, "/api/v1/skills/reader-kit/file?path=notes.txt&version=1.0.0", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_int_equal(r.len, sizeof NOTES_V1 - 1);
	assert_memory_equal(r.body, NOTES_V1, r.len);
	srt_resp_free(&r);
	srt_get(&S, "/api/v1/skills/reader-kit/file?path=scripts%2Frun.sh", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_int_equal(r.len, sizeof RUN_SH - 1);
	assert_memory_equal(r.body, RUN_SH, r.len);
	cd = srt_header(&r, "Content-Disposition");
	assert_non_null(cd);
	assert_non_null(strstr(cd, "run.sh"));
	assert_null(strstr(cd, "scripts"));
	srt_resp_free(&r);

	/* Case-insensitive fallback. */
	srt_get(&S, "/api/v1/skills/reader-kit/file?path=NOTES.TXT", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_memory_equal(r.body, NOTES_V2, r.len);
	srt_resp_free(&r);

	/* Preview. */
	srt_get(&S, "/api/v1/skills/reader-kit/file?path=SKILL.md&preview=1", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	ct = srt_header(&r, "Content-Type");
	assert_non_null(ct);
	assert_true(strncasecmp(ct, "text/plain", 10) == 0);
	assert_null(srt_header(&r, "Content-Disposition"));
	assert_int_equal(r.len, sizeof MD_V2 - 1);
	assert_memory_equal(r.body, MD_V2, r.len);
	srt_resp_free(&r);

	expect_text("/api/v1/skills/reader-kit/file", 400, "Missing path");
	expect_text("/api/v1/skills/reader-kit/file?path=", 400, "Missing path");
	expect_text("/api/v1/skills/reader-kit/file?path=nope.txt", 404, "File not found");
	expect_text("/api/v1/skills/reader-kit/file?path=notes.txt&version=7.7.7", 404, "Version not found");
	expect_text("/api/v1/skills/no-such-skill/file?path=SKILL.md", 404, "Skill not found");
}

static void test_resolve(void **state)
{
	(void)state;
	expect_text("/api/v1/resolve", 400, "Missing slug or hash");
	expect_text("/api/v1/resolve?slug=reader-kit", 400, "Missing slug or hash");
	expect_text(srt_fmt("/api/v1/resolve?hash=%064d", 0), 400, "Missing slug or hash");
	expect_text("/api/v1/resolve?slug=reader-kit&hash=xyz", 400, "Invalid hash");
	expect_text(srt_fmt("/api/v1/resolve?slug=reader-kit&hash=%063d", 0), 400, "Invalid hash");
	expect_text(srt_fmt("/api/v1/resolve?slug=no-such-skill&hash=%064d", 0), 404, "Skill not found");

	char fp1[65], fp2[65];
	srt_fingerprint(V1, 3, fp1);
	srt_fingerprint(V2, 3, fp2);
	json_t *j = get_json(srt_fmt("/api/v1/resolve?slug=reader-kit&hash=%s", fp1), 200);
	SRT_EXPECT_STR(json_object_get(j, "match"), "version", "1.0.0");
	SRT_EXPECT_STR(json_object_get(j, "latestVersion"), "version", "1.1.0");
	json_decref(j);

	/* Upper-case hash, and the legacy alias. */
	char up[65];
	for (int i = 0; i < 65; i++)
		up[i] = (char)toupper((unsigned char)fp2[i]);
	j = get_json(srt_fmt("/api/v1/resolve?slug=reader-kit&hash=%s", up), 200);
	SRT_EXPECT_STR(json_object_get(j, "match"), "version", "1.1.0");
	json_decref(j);
	j = get_json(srt_fmt("/api/v1/skills/resolve?slug=reader-kit&hash=%s", fp2), 200);
	SRT_EXPECT_STR(json_object_get(j, "match"), "version", "1.1.0");
	json_decref(j);

	/* No match: match is null, latestVersion still there. */
	j = get_json(srt_fmt("/api/v1/resolve?slug=reader-kit&hash=%064d", 0), 200);
	assert_non_null(json_object_get(j, "match"));
	assert_true(json_is_null(json_object_get(j, "match")));
	SRT_EXPECT_STR(json_object_get(j, "latestVersion"), "version", "1.1.0");
	json_decref(j);
}

/* Checks a download zip holds exactly files (+ _meta.json). */
static void check_zip(const srt_resp *r, const char *slug, const char *version, const srt_file *files,
		      size_t n)
{
	SRT_EXPECT_STATUS(r, 200);
	const char *ct = srt_header(r, "Content-Type");
	assert_non_null(ct);
	assert_string_equal(ct, "application/zip");
	const char *cd = srt_header(r, "Content-Disposition");
	assert_non_null(cd);
	char want[256];
	snprintf(want, sizeof want, "filename=\"%s-%s.zip\"", slug, version);
	if (!strstr(cd, want) || strncmp(cd, "attachment", 10) != 0) {
		print_error("Content-Disposition \"%s\" lacks %s\n", cd, want);
		fail();
	}
	assert_int_equal(srt_zip_count(r->body, r->len), (long)n + 1);
	for (size_t i = 0; i < n; i++) {
		char *data;
		size_t len;
		if (srt_zip_read(r->body, r->len, files[i].path, &data, &len) != 0) {
			print_error("zip lacks %s\n", files[i].path);
			fail();
		}
		assert_int_equal(len, files[i].len);
		assert_memory_equal(data, files[i].data, len);
		free(data);
	}
	char *meta;
	size_t mlen;
	assert_int_equal(srt_zip_read(r->body, r->len, "_meta.json", &meta, &mlen), 0);
	json_t *m = json_loadb(meta, mlen, 0, NULL);
	assert_non_null(m);
	SRT_EXPECT_STR(m, "slug", slug);
	SRT_EXPECT_STR(m, "version", version);
	assert_true(json_is_string(json_object_get(m, "ownerId")));
	expect_number(m, "publishedAt");
	json_decref(m);
	free(meta);
}

static void test_download(void **state)
{
	(void)state;
	srt_resp r;
	srt_get(&S, "/api/v1/download?slug=reader-kit", NULL, &r);
	check_zip(&r, "reader-kit", "1.1.0", V2, 3);
	srt_resp_free(&r);

	srt_get(&S, "/api/v1/download?slug=reader-kit&version=1.0.0", NULL, &r);
	check_zip(&r, "reader-kit", "1.0.0", V1, 3);
	srt_resp_free(&r);

	srt_get(&S, "/api/v1/download?slug=reader-kit&tag=latest&ownerHandle=%40alice", NULL, &r);
	check_zip(&r, "reader-kit", "1.1.0", V2, 3);
	srt_resp_free(&r);

	/* With a token (counted per user), same bytes. */
	srt_get(&S, "/api/v1/download?slug=reader-kit&version=1.0.0", S.tok_bob, &r);
	check_zip(&r, "reader-kit", "1.0.0", V1, 3);
	srt_resp_free(&r);

	expect_text("/api/v1/download", 400, "Missing slug");
	expect_text("/api/v1/download?version=1.0.0", 400, "Missing slug");
	expect_text("/api/v1/download?slug=no-such-skill", 404, "Skill not found");
	expect_text("/api/v1/download?slug=reader-kit&version=3.3.3", 404, "Version not found");
	expect_text("/api/v1/download?slug=reader-kit&ownerHandle=bob", 404, "Skill not found");
}

/* GET path: status, and the statements Server-Timing reports. */
static long statements_of(const char *path, long status)
{
	srt_resp r;
	srt_get(&S, path, NULL, &r);
	if (r.status != status)
		print_error("GET %s\n", path);
	SRT_EXPECT_STATUS(&r, status);
	long n = srt_statements(&r, (char[16]){0}, 16);
	srt_resp_free(&r);
	return n;
}

/* A download that names its version, as `clawhub install` does (with the owner), reads the
 * skill and that version in one statement, one round trip on PostgreSQL (issue 12); once the
 * day's download of this client is counted, nothing else. A missing version is answered from
 * the same statement; an unknown owner or an old slug takes the general lookup. The version
 * and file routes read the skill and their version the same way, then their own rows. */
static void test_download_one_statement(void **state)
{
	(void)state;
	srt_resp r;
	srt_get(&S, "/api/v1/download?slug=reader-kit&version=1.0.0", NULL, &r); /* counted (or already) */
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	assert_int_equal(statements_of("/api/v1/download?slug=reader-kit&version=1.0.0", 200), 1);
	assert_int_equal(statements_of("/api/v1/download?slug=reader-kit&ownerHandle=alice&version=1.0.0", 200), 1);
	assert_int_equal(statements_of("/api/v1/download?slug=reader-kit&ownerHandle=alice&version=9.9.9", 404), 1);
	assert_int_equal(statements_of("/api/v1/download?slug=reader-kit&version=9.9.9", 404), 1);
	expect_text("/api/v1/download?slug=reader-kit&ownerHandle=nobody&version=1.0.0", 404, "Skill not found");
	expect_text("/api/v1/download?slug=reader-kit&ownerHandle=alice&version=9.9.9", 404, "Version not found");
	expect_prefix("/api/v1/download?slug=shared-name&version=1.0.0", 409, "Ambiguous skill slug");
	srt_get(&S, "/api/v1/download?slug=shared-name&ownerHandle=bob&version=2.0.0", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	/* one-trip-kit was renamed (test_detail_one_statement): its old slug still downloads. */
	srt_get(&S, "/api/v1/download?slug=one-trip-kit&ownerHandle=alice&version=1.0.0", NULL, &r);
	check_zip(&r, "one-trip-kit", "1.0.0", V1, 3);
	srt_resp_free(&r);
	srt_get(&S, "/api/v1/download?slug=one-trip-kit&version=1.1.0", NULL, &r);
	check_zip(&r, "one-trip-kit", "1.1.0", V2, 3);
	srt_resp_free(&r);

	/* The skill with its version, its files, its scan results, their findings. */
	assert_int_equal(statements_of("/api/v1/skills/reader-kit/versions/1.0.0", 200), 4);
	assert_int_equal(statements_of("/api/v1/skills/reader-kit/versions/1.0.0?ownerHandle=alice", 200), 4);
	assert_int_equal(statements_of("/api/v1/skills/reader-kit/versions/9.9.9", 404), 1);
	/* The skill with its version, then the file. */
	assert_int_equal(statements_of("/api/v1/skills/reader-kit/file?path=notes.txt&version=1.0.0", 200), 2);
	expect_text("/api/v1/skills/reader-kit/file?path=notes.txt&version=1.0.0", 200, NOTES_V1);
	expect_text("/api/v1/skills/one-trip-kit/file?path=notes.txt&version=1.1.0&ownerHandle=alice", 200, NOTES_V2);
}

static void test_download_deleted_version(void **state)
{
	(void)state;
	srt_publish_ok(&S, S.tok_alice, "gone-version-kit", "1.0.0", "Gone", NULL);
	srt_publish_ok(&S, S.tok_alice, "gone-version-kit", "1.0.1", "Gone", NULL);
	srt_resp r;
	srt_send(&S, "DELETE", "/api/v1/skills/gone-version-kit/versions/1.0.0", S.tok_alice, NULL, &r);
	json_t *j = SRT_EXPECT_JSON(&r, 200);
	assert_true(json_is_true(json_object_get(j, "ok")));
	json_decref(j);
	srt_resp_free(&r);
	expect_text("/api/v1/download?slug=gone-version-kit&version=1.0.0", 410, "Version not available");
	expect_text("/api/v1/skills/gone-version-kit/versions/1.0.0", 410, "Version not available");
	srt_get(&S, "/api/v1/download?slug=gone-version-kit&version=1.0.1", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
}

/* Strings with every JSON-escaping hazard survive publish -> detail/list/search/versions
 * (the hot responses use a hand-written JSON writer). */
static const char WEIRD_NAME[] = "Weird \"quoted\" \\back\\slash\\ tab\there nl\nx \x01\x1f del\x7f \xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 </script>";
static const char WEIRD_CHANGELOG[] = "line1\r\nline2 \"q\" \\ \x02 \xf0\x9f\x8e\x89";

static void test_json_escaping(void **state)
{
	(void)state;
	const char *md =
		"---\n"
		"name: weird\n"
		"description: \"Quote \\\" backslash \\\\ tab \\t ctrl \\x01 emoji \xf0\x9f\x98\x80 end\"\n"
		"---\n\n# Weird\n";
	const char *want_summary = "Quote \" backslash \\ tab \t ctrl \x01 emoji \xf0\x9f\x98\x80 end";
	srt_file f = {"SKILL.md", md, strlen(md), "text/markdown"};
	json_t *p = srt_payload("weird-chars", "1.0.0");
	json_object_set_new(p, "displayName", json_string(WEIRD_NAME));
	json_object_set_new(p, "changelog", json_string(WEIRD_CHANGELOG));
	srt_resp r;
	srt_publish_json(&S, S.tok_alice, p, &f, 1, &r);
	json_t *ok = SRT_EXPECT_JSON(&r, 200);
	json_decref(ok);
	srt_resp_free(&r);
	json_decref(p);

	json_t *d = get_json("/api/v1/skills/weird-chars", 200);
	SRT_EXPECT_STR(json_object_get(d, "skill"), "displayName", WEIRD_NAME);
	SRT_EXPECT_STR(json_object_get(d, "skill"), "summary", want_summary);
	SRT_EXPECT_STR(json_object_get(d, "latestVersion"), "changelog", WEIRD_CHANGELOG);
	json_decref(d);

	d = get_json("/api/v1/skills/weird-chars/versions", 200);
	SRT_EXPECT_STR(json_array_get(json_object_get(d, "items"), 0), "changelog", WEIRD_CHANGELOG);
	json_decref(d);
	d = get_json("/api/v1/skills/weird-chars/versions/1.0.0", 200);
	SRT_EXPECT_STR(json_object_get(d, "skill"), "displayName", WEIRD_NAME);
	SRT_EXPECT_STR(json_object_get(d, "version"), "changelog", WEIRD_CHANGELOG);
	json_decref(d);

	/* Lists (prefix and full) and search. */
	d = get_json("/api/v1/skills?prefix=weird", 200);
	json_t *it = json_array_get(json_object_get(d, "items"), 0);
	assert_non_null(it);
	SRT_EXPECT_STR(it, "displayName", WEIRD_NAME);
	SRT_EXPECT_STR(it, "summary", want_summary);
	json_decref(d);
	for (int tries = 0; tries < 50; tries++) {
		d = get_json("/api/v1/skills?sort=newest&limit=100", 200);
		json_t *items = json_object_get(d, "items");
		json_t *found = NULL;
		size_t i;
		json_t *e;
		json_array_foreach(items, i, e) {
			if (strcmp(json_string_value(json_object_get(e, "slug")), "weird-chars") == 0)
				found = e;
		}
		if (found) {
			SRT_EXPECT_STR(found, "displayName", WEIRD_NAME);
			json_t *lv = json_object_get(found, "latestVersion");
			if (lv)
				SRT_EXPECT_STR(lv, "changelog", WEIRD_CHANGELOG);
			json_decref(d);
			break;
		}
		json_decref(d);
		assert_true(tries < 49);
	}
	d = get_json("/api/v1/search?q=weird-chars", 200);
	it = json_array_get(json_object_get(d, "results"), 0);
	assert_non_null(it);
	SRT_EXPECT_STR(it, "slug", "weird-chars");
	SRT_EXPECT_STR(it, "displayName", WEIRD_NAME);
	json_t *sum = json_object_get(it, "summary");
	if (sum)
		SRT_EXPECT_STR(it, "summary", want_summary);
	json_decref(d);
}

/* Paths that sort differently under localeCompare and byte order (api-v1 section 3.7):
 * the server's stored fingerprint must match the CLI's. */
static srt_file MIXED[10];

static void test_fingerprint_collation(void **state)
{
	(void)state;
	static const char *const paths[] = {"SKILL.md", "10.md", "9.md", "a_b.md", "a-b.md", "a.md",
					    "a/b", "ab", "README.md", "Zeta.md"};
	static char bodies[10][32];
	for (size_t i = 0; i < 10; i++) {
		snprintf(bodies[i], sizeof bodies[i], "body of %s\n", paths[i]);
		MIXED[i] = (srt_file){paths[i], bodies[i], strlen(bodies[i]), "text/plain"};
	}
	const char *md = srt_skill_md("Mixed", "Mixed-case paths.");
	MIXED[0] = (srt_file){"SKILL.md", md, strlen(md), "text/markdown"};
	static char mdcopy[1024];
	snprintf(mdcopy, sizeof mdcopy, "%s", md);
	MIXED[0].data = mdcopy;
	json_t *p = srt_payload("mixed-paths", "1.0.0");
	srt_resp r;
	srt_publish_json(&S, S.tok_alice, p, MIXED, 10, &r);
	json_t *ok = SRT_EXPECT_JSON(&r, 200);
	json_decref(ok);
	srt_resp_free(&r);
	json_decref(p);

	char fp[65];
	srt_fingerprint(MIXED, 10, fp);
	json_t *j = get_json(srt_fmt("/api/v1/resolve?slug=mixed-paths&hash=%s", fp), 200);
	json_t *m = json_object_get(j, "match");
	if (!json_is_object(m)) {
		print_error("resolve with the localeCompare fingerprint %s: no match (byte-order sorting?)\n", fp);
		fail();
	}
	SRT_EXPECT_STR(m, "version", "1.0.0");
	json_decref(j);

	/* The download's entries are in localeCompare order, _meta.json last, no directories,
	 * and two downloads are byte-identical. */
	srt_get(&S, "/api/v1/download?slug=mixed-paths", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	check_zip(&r, "mixed-paths", "1.0.0", MIXED, 10);
	srt_resp r2;
	srt_get(&S, "/api/v1/download?slug=mixed-paths", NULL, &r2);
	SRT_EXPECT_STATUS(&r2, 200);
	assert_int_equal(r.len, r2.len);
	assert_memory_equal(r.body, r2.body, r.len);
	srt_resp_free(&r2);
	char names[12][64];
	long n = srt_zip_count(r.body, r.len);
	assert_int_equal(n, 11);
	assert_int_equal(srt_zip_names(r.body, r.len, names, 12), 11);
	assert_string_equal(names[10], "_meta.json");
	for (int i = 1; i < 10; i++) {
		if (srt_locale_cmp(names[i - 1], names[i]) >= 0) {
			print_error("zip entries out of localeCompare order: %s before %s\n", names[i - 1], names[i]);
			fail();
		}
	}
	srt_resp_free(&r);
}

/* Unicode file paths round-trip through publish, file and download. */
static void test_unicode_path(void **state)
{
	(void)state;
	const char *md = srt_skill_md("Unicode", "Unicode paths.");
	static char mdcopy[1024];
	snprintf(mdcopy, sizeof mdcopy, "%s", md);
	srt_file f[] = {{"SKILL.md", mdcopy, strlen(mdcopy), "text/markdown"},
			{"docs/\xe6\x97\xa5\xe6\x9c\xac.md", "nihon\n", 6, "text/markdown"},
			{"caf\xc3\xa9 menu.txt", "menu\n", 5, "text/plain"}};
	json_t *p = srt_payload("unicode-paths", "1.0.0");
	srt_resp r;
	srt_publish_json(&S, S.tok_alice, p, f, 3, &r);
	json_t *ok = SRT_EXPECT_JSON(&r, 200);
	json_decref(ok);
	srt_resp_free(&r);
	json_decref(p);
	srt_get(&S, srt_fmt("/api/v1/skills/unicode-paths/file?path=%s", srt_urlenc(f[1].path)), NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_int_equal(r.len, 6);
	assert_memory_equal(r.body, "nihon\n", 6);
	srt_resp_free(&r);
	srt_get(&S, srt_fmt("/api/v1/skills/unicode-paths/file?path=%s", srt_urlenc(f[2].path)), NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_memory_equal(r.body, "menu\n", 5);
	const char *cd = srt_header(&r, "Content-Disposition");
	assert_non_null(cd);
	srt_resp_free(&r);
	srt_get(&S, "/api/v1/download?slug=unicode-paths", NULL, &r);
	check_zip(&r, "unicode-paths", "1.0.0", f, 3);
	srt_resp_free(&r);
}

/* HEAD on the binary routes: same status and headers, no body. */
static void test_head_binary(void **state)
{
	(void)state;
	static const char *const paths[] = {"/api/v1/download?slug=reader-kit",
					    "/api/v1/skills/reader-kit/file?path=notes.txt",
					    "/api/v1/download?slug=no-such-skill"};
	for (size_t i = 0; i < 3; i++) {
		srt_resp g;
		srt_get(&S, paths[i], NULL, &g);
		char req[512];
		int n = snprintf(req, sizeof req, "HEAD %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
				 paths[i]);
		char *raw = NULL;
		size_t rawlen = 0;
		int st = srt_raw(&S, req, (size_t)n, &raw, &rawlen);
		assert_int_equal(st, g.status);
		char *end = strstr(raw, "\r\n\r\n");
		assert_non_null(end);
		if ((size_t)(end + 4 - raw) != rawlen) {
			print_error("HEAD %s: %zu body bytes\n", paths[i], rawlen - (size_t)(end + 4 - raw));
			fail();
		}
		const char *ct = srt_header(&g, "Content-Type");
		if (ct) {
			*end = '\0';
			if (!strcasestr(raw, srt_fmt("Content-Type: %s", ct))) {
				print_error("HEAD %s lacks Content-Type %s:\n%s\n", paths[i], ct, raw);
				fail();
			}
		}
		free(raw);
		srt_resp_free(&g);
	}
}

/* Caching and safety headers of download and file (api-v1 sections 3.8, 3.9). */
static void test_binary_headers(void **state)
{
	(void)state;
	srt_resp r;
	srt_get(&S, "/api/v1/download?slug=reader-kit", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	const char *cc = srt_header(&r, "Cache-Control");
	assert_non_null(cc);
	assert_string_equal(cc, "private, max-age=60");
	assert_non_null(srt_header(&r, "Access-Control-Allow-Origin"));
	srt_resp_free(&r);
	srt_get(&S, "/api/v1/skills/reader-kit/file?path=notes.txt", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	cc = srt_header(&r, "Cache-Control");
	assert_non_null(cc);
	assert_string_equal(cc, "private, max-age=60");
	const char *xs = srt_header(&r, "X-Content-Size");
	assert_non_null(xs);
	assert_int_equal(atol(xs), sizeof NOTES_V2 - 1);
	assert_non_null(srt_header(&r, "X-Frame-Options"));
	const char *csp = srt_header(&r, "Content-Security-Policy");
	assert_non_null(csp);
	assert_non_null(strstr(csp, "default-src 'none'"));
	srt_resp_free(&r);
}

/* A file of exactly 10 MiB goes through upload, file and download intact. */
static void test_ten_mib_file(void **state)
{
	(void)state;
	size_t n = 10485760;
	char *big = malloc(n);
	for (size_t i = 0; i < n; i++)
		big[i] = (char)((i * 2654435761u) >> 13);
	const char *md = srt_skill_md("Big", "Carries a big file.");
	static char mdcopy[1024];
	snprintf(mdcopy, sizeof mdcopy, "%s", md);
	srt_file f[] = {{"SKILL.md", mdcopy, strlen(mdcopy), "text/markdown"},
			{"data/big.bin", big, n, "application/octet-stream"}};
	json_t *p = srt_payload("ten-mib-kit", "1.0.0");
	srt_resp r;
	srt_publish_json(&S, S.tok_alice, p, f, 2, &r);
	json_t *ok = SRT_EXPECT_JSON(&r, 200);
	json_decref(ok);
	srt_resp_free(&r);
	json_decref(p);
	srt_get(&S, "/api/v1/skills/ten-mib-kit/file?path=data/big.bin", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_int_equal(r.len, n);
	assert_memory_equal(r.body, big, n);
	srt_resp_free(&r);
	srt_get(&S, "/api/v1/download?slug=ten-mib-kit", NULL, &r);
	check_zip(&r, "ten-mib-kit", "1.0.0", f, 2);
	srt_resp_free(&r);
	free(big);
}

static void test_install(void **state)
{
	(void)state;
	json_t *j = get_json("/api/v1/skills/reader-kit/install", 200);
	assert_true(json_is_true(json_object_get(j, "ok")));
	SRT_EXPECT_STR(j, "slug", "reader-kit");
	SRT_EXPECT_STR(j, "installKind", "archive");
	json_t *a = json_object_get(j, "archive");
	SRT_EXPECT_STR(a, "version", "1.1.0");
	const char *url = json_string_value(json_object_get(a, "downloadUrl"));
	assert_non_null(url);
	assert_non_null(strstr(url, "/api/v1/download?"));
	assert_non_null(strstr(url, "slug=reader-kit"));
	assert_non_null(strstr(url, "version=1.1.0"));
	/* The URL works when it points at us. */
	if (strncmp(url, S.base, strlen(S.base)) == 0) {
		srt_resp r;
		srt_get(&S, url, NULL, &r);
		check_zip(&r, "reader-kit", "1.1.0", V2, 3);
		srt_resp_free(&r);
	}
	json_decref(j);
	expect_text("/api/v1/skills/no-such-skill/install", 404, "Skill not found");
}

/* Size-dependent behaviour: a SKILL.md over 200 KB is summarized by its frontmatter
 * description in the detail (section 3.4); preview refuses > 200 KB (413) and non-UTF-8 (415). */
static void test_preview_limits(void **state)
{
	(void)state;
	size_t n = 250 * 1024;
	char *md = malloc(n + 1);
	const char *head = "---\nname: Huge Doc\ndescription: A very long SKILL.md.\n---\n\n";
	size_t hl = strlen(head);
	memcpy(md, head, hl);
	for (size_t i = hl; i < n; i++)
		md[i] = (i % 64 == 63) ? '\n' : (char)('a' + i % 26);
	md[n] = '\0';
	static const char bin[] = "\xff\xfe\x00\x01 not utf-8 \xc3\x28";
	srt_file f[] = {{"SKILL.md", md, n, "text/markdown"},
			{"data/blob.bin", bin, sizeof bin - 1, "application/octet-stream"}};
	json_t *p = srt_payload("huge-doc", "1.0.0");
	srt_resp r;
	srt_publish_json(&S, S.tok_alice, p, f, 2, &r);
	json_t *ok = SRT_EXPECT_JSON(&r, 200);
	json_decref(ok);
	srt_resp_free(&r);
	json_decref(p);

	json_t *d = get_json("/api/v1/skills/huge-doc", 200);
	json_t *desc = json_object_get(json_object_get(d, "skill"), "description");
	if (!json_is_string(desc) || strcmp(json_string_value(desc), "A very long SKILL.md.") != 0) {
		print_error("description of a 250 KB SKILL.md should be the frontmatter description, got %zu chars\n",
			    json_is_string(desc) ? strlen(json_string_value(desc)) : 0);
		fail();
	}
	json_decref(d);

	srt_get(&S, "/api/v1/skills/huge-doc/file?path=SKILL.md&preview=1", NULL, &r);
	SRT_EXPECT_TEXT(&r, 413, "File exceeds 200KB preview limit");
	srt_resp_free(&r);
	srt_get(&S, "/api/v1/skills/huge-doc/file?path=SKILL.md", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_int_equal(r.len, n);
	srt_resp_free(&r);
	srt_get(&S, "/api/v1/skills/huge-doc/file?path=data/blob.bin&preview=1", NULL, &r);
	SRT_EXPECT_TEXT(&r, 415, "File cannot be previewed as text");
	srt_resp_free(&r);
	srt_get(&S, "/api/v1/skills/huge-doc/file?path=data/blob.bin", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_int_equal(r.len, sizeof bin - 1);
	assert_memory_equal(r.body, bin, r.len);
	const char *ct = srt_header(&r, "Content-Type");
	assert_non_null(ct);
	assert_string_equal(ct, "application/octet-stream");
	srt_resp_free(&r);
	free(md);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_publish_fixtures),
		cmocka_unit_test(test_detail_shape),
		cmocka_unit_test(test_detail_not_found),
		cmocka_unit_test(test_owner_qualified),
		cmocka_unit_test(test_ambiguous),
		cmocka_unit_test(test_many_aliases),
		cmocka_unit_test(test_detail_one_statement),
		cmocka_unit_test(test_versions_list),
		cmocka_unit_test(test_version_detail),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_download),
		cmocka_unit_test(test_download_one_statement),
		cmocka_unit_test(test_download_deleted_version),
		cmocka_unit_test(test_install),
		cmocka_unit_test(test_json_escaping),
		cmocka_unit_test(test_fingerprint_collation),
		cmocka_unit_test(test_unicode_path),
		cmocka_unit_test(test_head_binary),
		cmocka_unit_test(test_binary_headers),
		cmocka_unit_test(test_ten_mib_file),
		cmocka_unit_test(test_preview_limits),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
