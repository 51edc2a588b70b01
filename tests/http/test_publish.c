/*
 * test_publish.c - publishing (api-v1 section 3.11): the ticketed JSON flow, multipart (with
 * files parts and skillreg's `bundle` zip part), every validation error with its exact text,
 * ownership, the `latest` tag rule (section 1.6), and that a failed publish leaves nothing.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static srt_server S;

#define ZERO_SHA "0000000000000000000000000000000000000000000000000000000000000000"
#define TEN_MIB 10485760LL

static int group_setup(void **state)
{
	(void)state;
	return srt_server_start(&S);
}

static int group_teardown(void **state)
{
	(void)state;
	return srt_server_stop(&S);
}

static const char RUN_SH[] = "#!/bin/sh\necho hello from run.sh\n";

static srt_file skill_md(const char *name)
{
	const char *md = srt_skill_md(name, "A small helper used by the publish tests.");
	return (srt_file){"SKILL.md", md, strlen(md), "text/markdown"};
}

static json_t *get_json(const char *path, long status)
{
	srt_resp r;
	srt_get(&S, path, NULL, &r);
	json_t *j = SRT_EXPECT_JSON(&r, status);
	srt_resp_free(&r);
	return j;
}

static void expect_404_skill(const char *slug)
{
	srt_resp r;
	srt_get(&S, srt_fmt("/api/v1/skills/%s", srt_urlenc(slug)), NULL, &r);
	if (r.status != 404)
		print_error("skill %s exists after a failed publish\n", slug);
	SRT_EXPECT_TEXT(&r, 404, "Skill not found");
	srt_resp_free(&r);
}

static size_t version_count(const char *slug)
{
	json_t *j = get_json(srt_fmt("/api/v1/skills/%s/versions?limit=50", slug), 200);
	size_t n = json_array_size(json_object_get(j, "items"));
	json_decref(j);
	return n;
}

/* Publishes through the JSON flow; returns the response (caller frees). */
static void publish_json(const char *token, json_t *payload, const srt_file *files, size_t n,
			 srt_resp *r)
{
	srt_publish_json(&S, token, payload, files, n, r);
}

static void expect_published(const srt_resp *r, const char *slug, const char *version)
{
	json_t *j = SRT_EXPECT_JSON(r, 200);
	assert_true(json_is_true(json_object_get(j, "ok")));
	assert_true(json_is_string(json_object_get(j, "skillId")));
	assert_true(json_is_string(json_object_get(j, "versionId")));
	assert_true(strlen(json_string_value(json_object_get(j, "skillId"))) > 0);
	assert_true(strlen(json_string_value(json_object_get(j, "versionId"))) > 0);
	SRT_EXPECT_STR(j, "status", "published");
	SRT_EXPECT_STR(j, "publicationStatus", "published");
	SRT_EXPECT_STR(j, "slug", slug);
	SRT_EXPECT_STR(j, "version", version);
	json_decref(j);
}

/* The version's file list as path -> entry. */
static json_t *version_files(const char *slug, const char *version)
{
	json_t *j = get_json(srt_fmt("/api/v1/skills/%s/versions/%s", slug, version), 200);
	json_t *files = json_object_get(json_object_get(j, "version"), "files");
	assert_true(json_is_array(files));
	json_t *map = json_object();
	size_t i;
	json_t *f;
	json_array_foreach(files, i, f)
		json_object_set(map, json_string_value(json_object_get(f, "path")), f);
	json_decref(j);
	return map;
}

static void test_ticket_flow(void **state)
{
	(void)state;
	srt_file files[] = {skill_md("Ticket Kit"), {"scripts/run.sh", RUN_SH, sizeof RUN_SH - 1, "text/x-sh"}};
	json_t *p = srt_payload("ticket-kit", "1.0.0");
	json_object_set_new(p, "displayName", json_string("Ticket Kit"));
	json_object_set_new(p, "changelog", json_string("first release"));
	json_object_set_new(p, "ownerHandle", json_string("alice"));
	srt_resp r;
	publish_json(S.tok_alice, p, files, 2, &r);
	expect_published(&r, "ticket-kit", "1.0.0");
	srt_resp_free(&r);
	json_decref(p);

	json_t *d = get_json("/api/v1/skills/ticket-kit", 200);
	json_t *skill = json_object_get(d, "skill");
	SRT_EXPECT_STR(skill, "slug", "ticket-kit");
	SRT_EXPECT_STR(skill, "displayName", "Ticket Kit");
	SRT_EXPECT_STR(json_object_get(d, "latestVersion"), "version", "1.0.0");
	SRT_EXPECT_STR(json_object_get(d, "latestVersion"), "changelog", "first release");
	SRT_EXPECT_STR(json_object_get(d, "owner"), "handle", "alice");
	json_decref(d);

	json_t *m = version_files("ticket-kit", "1.0.0");
	assert_int_equal(json_object_size(m), 2);
	json_t *run = json_object_get(m, "scripts/run.sh");
	assert_non_null(run);
	char sha[65];
	srt_sha256_hex(RUN_SH, sizeof RUN_SH - 1, sha);
	SRT_EXPECT_STR(run, "sha256", sha);
	assert_int_equal(json_integer_value(json_object_get(run, "size")), sizeof RUN_SH - 1);
	json_decref(m);
}

/* One publish of a SKILL.md as multipart with token tok; its round trips to PostgreSQL past
 * preparing statements (srt_trips). */
static long publish_trips_as(const char *tok, const char *slug, const char *version, long status)
{
	srt_file files[] = {skill_md("Trip Kit")};
	char payload[256];
	snprintf(payload, sizeof(payload),
		 "{\"slug\":\"%s\",\"displayName\":\"Trip Kit\",\"version\":\"%s\",\"changelog\":\"\","
		 "\"acceptLicenseTerms\":true}",
		 slug, version);
	srt_resp r;
	srt_publish_multipart(&S, tok, payload, files, 1, &r);
	SRT_EXPECT_STATUS(&r, status);
	long trips = srt_trips(&r);
	srt_resp_free(&r);
	return trips;
}

static long publish_trips(const char *slug, const char *version, long status)
{
	return publish_trips_as(S.tok_alice, slug, version, status);
}

/* The same through upload tickets: a new skill of SKILL.md and n - 1 more files, with the
 * publisher's own handle as ownerHandle (the clawhub CLI sends it; it costs no read). */
static long publish_json_trips(const char *slug, size_t n)
{
	srt_file files[] = {skill_md("Ticket Count"), {"a.txt", "a\n", 2, "text/plain"}, {"b.txt", "b\n", 2, "text/plain"}};
	json_t *p = srt_payload(slug, "1.0.0");
	json_object_set_new(p, "ownerHandle", json_string("Alice"));
	srt_resp r;
	srt_publish_json(&S, S.tok_alice, p, files, n, &r);
	SRT_EXPECT_STATUS(&r, 200);
	long trips = srt_trips(&r);
	srt_resp_free(&r);
	json_decref(p);
	return trips;
}

/* A publish's round trips on PostgreSQL (issue 12), the file bytes apart (the blob store's own
 * connections carry them): the blob holds and the slug's claims, to refuse before any byte is
 * stored, which also draw the new rows' ids and give the claims' digest; the write
 * transaction, in one exchange: BEGIN, the lock, the assertion that the claims are unchanged,
 * every write (the inserts with those ids) and the COMMIT. The token's lookup is one more
 * the first time a node sees the token; after that the node answers it from memory
 * (store/token_memo.c). A version that does not become the latest has its skill's search
 * fields read back for the index (one more); one that exists is refused after the claims, and
 * its holds ended (one more). SQLite makes none. (test_slug_race.c has claims that change
 * meanwhile; test_tokens.c what makes a node forget a token.) */
static void test_round_trips(void **state)
{
	(void)state;
	int pg = srt_db_postgres();
	/* Alice's token fresh in the node's memory (it forgets after a minute), so that the pins
	 * below do not depend on how long the tests before took. */
	assert_int_equal(srt_forget_tokens(&S), 0);
	srt_resp w;
	srt_get(&S, "/api/v1/whoami", S.tok_alice, &w);
	SRT_EXPECT_STATUS(&w, 200);
	srt_resp_free(&w);
	assert_int_equal(publish_trips("trip-kit", "1.0.0", 200), pg ? 2 : 0);
	assert_int_equal(publish_trips("trip-kit", "1.1.0", 200), pg ? 2 : 0);
	assert_int_equal(publish_trips("trip-kit", "1.0.5", 200), pg ? 3 : 0);
	assert_int_equal(publish_trips("trip-kit", "1.1.0", 400), pg ? 2 : 0);
	/* Through upload tickets, as the clawhub CLI publishes: the tickets, uploaded through this
	 * server, are recalled from its memory, not read, and marked used by one statement the
	 * database asserts, whatever their number (test_ticket_used_elsewhere: when the memory
	 * is out of date). */
	assert_int_equal(publish_json_trips("tickets-one", 1), pg ? 2 : 0);
	assert_int_equal(publish_json_trips("tickets-three", 3), pg ? 2 : 0);
	/* A ticket asked for: the user's live tickets (the quota) read with BEGIN and the lock,
	 * then the ticket's insert sent with the COMMIT. */
	char sha[65];
	srt_sha256_hex("x\n", 2, sha);
	srt_resp u;
	srt_upload_url(&S, S.tok_alice, "x.txt", 2, sha, "text/plain", &u);
	SRT_EXPECT_STATUS(&u, 200);
	assert_int_equal(srt_trips(&u), pg ? 2 : 0);
	srt_resp_free(&u);
	/* The refused publish left no hold behind. */
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM blob_holds"), 0);
	/* The version that did not become the latest left the skill's search fields as they were. */
	json_t *j = get_json("/api/v1/search?q=trip", 200);
	json_t *hits = json_object_get(j, "results");
	assert_int_equal(json_array_size(hits), 1);
	SRT_EXPECT_STR(json_array_get(hits, 0), "slug", "trip-kit");
	SRT_EXPECT_STR(json_array_get(hits, 0), "version", "1.1.0");
	json_decref(j);
	/* A token never used: its lookup and the record of its first use are one round trip
	 * each. One the node has forgotten (a minute on): its lookup. One it knows: none. */
	char tok[128];
	srt_make_user(&S, "tripper", "user", tok, sizeof(tok));
	assert_int_equal(publish_trips_as(tok, "trip-cold", "1.0.0", 200), pg ? 4 : 0);
	assert_int_equal(srt_forget_tokens(&S), 0);
	assert_int_equal(publish_trips_as(tok, "trip-cold", "1.1.0", 200), pg ? 3 : 0);
	assert_int_equal(publish_trips_as(tok, "trip-cold", "1.2.0", 200), pg ? 2 : 0);
}

static void test_multipart_flow(void **state)
{
	(void)state;
	const char *py = "print('helper')\n";
	srt_file files[] = {skill_md("Multi Kit"), {"scripts/helper.py", py, strlen(py), "text/x-python"},
			    {"docs/deep/notes.md", "# notes\n", 8, "text/markdown"}};
	const char *payload = "{\"slug\":\"multi-kit\",\"displayName\":\"Multi Kit\",\"version\":\"0.1.0\","
			      "\"changelog\":\"\",\"acceptLicenseTerms\":true}";
	srt_resp r;
	srt_publish_multipart(&S, S.tok_alice, payload, files, 3, &r);
	expect_published(&r, "multi-kit", "0.1.0");
	srt_resp_free(&r);
	json_t *m = version_files("multi-kit", "0.1.0");
	assert_int_equal(json_object_size(m), 3);
	assert_non_null(json_object_get(m, "scripts/helper.py"));
	assert_non_null(json_object_get(m, "docs/deep/notes.md"));
	assert_non_null(json_object_get(m, "SKILL.md"));
	json_decref(m);

	/* The bytes round-trip. */
	srt_get(&S, "/api/v1/skills/multi-kit/file?path=scripts/helper.py", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_int_equal(r.len, strlen(py));
	assert_memory_equal(r.body, py, r.len);
	srt_resp_free(&r);
}

static void test_multipart_junk_dropped(void **state)
{
	(void)state;
	srt_file files[] = {skill_md("Junk Kit"), {".DS_Store", "junk", 4, "application/octet-stream"},
			    {"__MACOSX/._SKILL.md", "junk", 4, "application/octet-stream"},
			    {"docs/._notes.md", "junk", 4, "application/octet-stream"},
			    {"docs/notes.md", "real\n", 5, "text/markdown"}};
	const char *payload = "{\"slug\":\"junk-kit\",\"displayName\":\"Junk Kit\",\"version\":\"1.0.0\","
			      "\"changelog\":\"\",\"acceptLicenseTerms\":true}";
	srt_resp r;
	srt_publish_multipart(&S, S.tok_alice, payload, files, 5, &r);
	expect_published(&r, "junk-kit", "1.0.0");
	srt_resp_free(&r);
	json_t *m = version_files("junk-kit", "1.0.0");
	assert_int_equal(json_object_size(m), 2);
	assert_non_null(json_object_get(m, "docs/notes.md"));
	json_decref(m);
}

static void test_multipart_bundle(void **state)
{
	(void)state;
	srt_file files[] = {skill_md("Bundle Kit"), {"docs/guide.md", "# guide\n", 8, "text/markdown"},
			    {"scripts/run.sh", RUN_SH, sizeof RUN_SH - 1, "text/x-sh"}};
	void *zip = NULL;
	size_t ziplen = 0;
	assert_int_equal(srt_zip_build(files, 3, &zip, &ziplen), 0);
	const char *payload = "{\"slug\":\"bundle-kit\",\"displayName\":\"Bundle Kit\",\"version\":\"1.0.0\","
			      "\"changelog\":\"zipped\",\"acceptLicenseTerms\":true}";
	srt_part parts[] = {{"payload", NULL, NULL, payload, strlen(payload)},
			    {"bundle", "bundle.zip", "application/zip", zip, ziplen}};
	srt_resp r;
	srt_multipart(&S, S.tok_alice, parts, 2, &r);
	expect_published(&r, "bundle-kit", "1.0.0");
	srt_resp_free(&r);
	free(zip);
	json_t *m = version_files("bundle-kit", "1.0.0");
	assert_int_equal(json_object_size(m), 3);
	json_t *g = json_object_get(m, "docs/guide.md");
	assert_non_null(g);
	char sha[65];
	srt_sha256_hex("# guide\n", 8, sha);
	SRT_EXPECT_STR(g, "sha256", sha);
	json_decref(m);

	/* A corrupt zip. */
	const char *junk = "PK\003\004 this is not really a zip file at all";
	parts[1] = (srt_part){"bundle", "bundle.zip", "application/zip", junk, strlen(junk)};
	const char *payload2 = "{\"slug\":\"bundle-bad\",\"displayName\":\"Bundle Bad\",\"version\":\"1.0.0\","
			       "\"changelog\":\"\",\"acceptLicenseTerms\":true}";
	parts[0] = (srt_part){"payload", NULL, NULL, payload2, strlen(payload2)};
	srt_multipart(&S, S.tok_alice, parts, 2, &r);
	SRT_EXPECT_TEXT(&r, 400, "Invalid zip bundle");
	srt_resp_free(&r);
	expect_404_skill("bundle-bad");

	/* A zip with an escaping path. */
	srt_file evil[] = {skill_md("Evil"), {"../evil.txt", "x", 1, "text/plain"}};
	assert_int_equal(srt_zip_build(evil, 2, &zip, &ziplen), 0);
	parts[1] = (srt_part){"bundle", "bundle.zip", "application/zip", zip, ziplen};
	srt_multipart(&S, S.tok_alice, parts, 2, &r);
	SRT_EXPECT_STATUS(&r, 400);
	srt_resp_free(&r);
	free(zip);
	expect_404_skill("bundle-bad");
}

static void test_multipart_payload_errors(void **state)
{
	(void)state;
	srt_file files[] = {skill_md("Payload Kit")};
	srt_resp r;
	srt_publish_multipart(&S, S.tok_alice, NULL, files, 1, &r);
	SRT_EXPECT_TEXT(&r, 400, "Missing payload");
	srt_resp_free(&r);

	srt_publish_multipart(&S, S.tok_alice, "{\"slug\": \"payload-kit\", nope", files, 1, &r);
	SRT_EXPECT_TEXT(&r, 400, "Invalid JSON payload");
	srt_resp_free(&r);
	expect_404_skill("payload-kit");
}

static void test_unsupported_content_type(void **state)
{
	(void)state;
	char auth[256];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", S.tok_alice);
	const char *h[] = {auth, "Content-Type: text/plain", NULL};
	srt_resp r;
	srt_request(&S, "POST", "/api/v1/skills", h, "hello", 5, &r);
	SRT_EXPECT_TEXT(&r, 415, "Unsupported content type");
	srt_resp_free(&r);
	const char *h2[] = {auth, "Content-Type: application/x-www-form-urlencoded", NULL};
	srt_request(&S, "POST", "/api/v1/skills", h2, "a=b", 3, &r);
	SRT_EXPECT_TEXT(&r, 415, "Unsupported content type");
	srt_resp_free(&r);
}

static void expect_json_publish_error(json_t *p, const srt_file *files, size_t n, const char *text)
{
	srt_resp r;
	publish_json(S.tok_alice, p, files, n, &r);
	SRT_EXPECT_TEXT(&r, 400, text);
	srt_resp_free(&r);
}

static void test_license_terms(void **state)
{
	(void)state;
	srt_file f = skill_md("License Kit");
	json_t *p = srt_payload("license-kit", "1.0.0");
	json_object_del(p, "acceptLicenseTerms");
	expect_json_publish_error(p, &f, 1, "MIT-0 license terms must be accepted to publish skills");
	json_object_set_new(p, "acceptLicenseTerms", json_false());
	expect_json_publish_error(p, &f, 1, "MIT-0 license terms must be accepted to publish skills");
	json_object_set_new(p, "acceptLicenseTerms", json_string("true"));
	expect_json_publish_error(p, &f, 1, "MIT-0 license terms must be accepted to publish skills");
	json_decref(p);
	expect_404_skill("license-kit");

	/* Multipart too. */
	srt_resp r;
	srt_publish_multipart(&S, S.tok_alice,
			      "{\"slug\":\"license-kit\",\"displayName\":\"L\",\"version\":\"1.0.0\",\"changelog\":\"\"}",
			      &f, 1, &r);
	SRT_EXPECT_TEXT(&r, 400, "MIT-0 license terms must be accepted to publish skills");
	srt_resp_free(&r);
	expect_404_skill("license-kit");
}

static void test_semver(void **state)
{
	(void)state;
	srt_file f = skill_md("Semver Kit");
	static const char *const bad[] = {"1.0", "v1.0.0", "1", "1.0.0.0", "01.0.0", "1.0.0-", "latest"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *p = srt_payload("semver-kit", bad[i]);
		srt_resp r;
		publish_json(S.tok_alice, p, &f, 1, &r);
		if (r.status != 400)
			print_error("version \"%s\" was accepted\n", bad[i]);
		SRT_EXPECT_TEXT(&r, 400, "Version must be valid semver");
		srt_resp_free(&r);
		json_decref(p);
	}
	expect_404_skill("semver-kit");
	/* Prerelease and build metadata are valid semver. */
	srt_publish_ok(&S, S.tok_alice, "semver-kit", "1.0.0-rc.1+build.5", NULL, NULL);
}

static void test_duplicate_version(void **state)
{
	(void)state;
	srt_publish_ok(&S, S.tok_alice, "dup-kit", "1.0.0", "Dup Kit", "Original text.");
	const char *md = srt_skill_md("Dup Kit", "Changed text.");
	srt_file f = {"SKILL.md", md, strlen(md), "text/markdown"};
	json_t *p = srt_payload("dup-kit", "1.0.0");
	expect_json_publish_error(p, &f, 1,
				  "Version 1.0.0 already exists. Increment the version number and try again.");
	json_decref(p);
	assert_int_equal(version_count("dup-kit"), 1);
	/* The original bytes are still served. */
	srt_resp r;
	srt_get(&S, "/api/v1/skills/dup-kit/file?path=SKILL.md", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_non_null(strstr(r.body, "Original text."));
	srt_resp_free(&r);
}

static void test_skill_md_required(void **state)
{
	(void)state;
	srt_file f[] = {{"README.md", "# readme\n", 9, "text/markdown"},
			{"docs/SKILL.md", "# nested\n", 9, "text/markdown"}};
	json_t *p = srt_payload("nomd-kit", "1.0.0");
	expect_json_publish_error(p, f, 2, "SKILL.md is required");
	json_decref(p);
	srt_resp r;
	srt_publish_multipart(&S, S.tok_alice,
			      "{\"slug\":\"nomd-kit\",\"displayName\":\"N\",\"version\":\"1.0.0\",\"changelog\":\"\",\"acceptLicenseTerms\":true}",
			      f, 2, &r);
	SRT_EXPECT_TEXT(&r, 400, "SKILL.md is required");
	srt_resp_free(&r);
	expect_404_skill("nomd-kit");

	/* Any case of SKILL.md at the root is fine. */
	const char *md = srt_skill_md("Lower Kit", "lower-case skill.md");
	srt_file lower = {"skill.md", md, strlen(md), "text/markdown"};
	p = srt_payload("lower-kit", "1.0.0");
	publish_json(S.tok_alice, p, &lower, 1, &r);
	expect_published(&r, "lower-kit", "1.0.0");
	srt_resp_free(&r);
	json_decref(p);

	/* skill-card.md is rejected. */
	srt_file card[] = {skill_md("Card Kit"), {"skill-card.md", "card\n", 5, "text/markdown"}};
	srt_publish_multipart(&S, S.tok_alice,
			      "{\"slug\":\"card-kit\",\"displayName\":\"C\",\"version\":\"1.0.0\",\"changelog\":\"\",\"acceptLicenseTerms\":true}",
			      card, 2, &r);
	SRT_EXPECT_STATUS(&r, 400);
	srt_resp_free(&r);
	expect_404_skill("card-kit");
}

static void test_invalid_paths(void **state)
{
	(void)state;
	static const char *const bad[] = {"../x", "/abs/../x", "a\\b.md", "docs/../../x", "docs//x.md"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		srt_file f[] = {skill_md("Path Kit"), {bad[i], "x\n", 2, "text/plain"}};
		srt_resp r;
		if (i < 4) {
			srt_publish_multipart(&S, S.tok_alice,
					      "{\"slug\":\"path-kit\",\"displayName\":\"P\",\"version\":\"1.0.0\",\"changelog\":\"\",\"acceptLicenseTerms\":true}",
					      f, 2, &r);
			if (r.status != 400)
				print_error("multipart path \"%s\" accepted\n", bad[i]);
			SRT_EXPECT_TEXT(&r, 400, "Invalid file paths");
			srt_resp_free(&r);
		}

		/* upload-url refuses them as well (any 400 text). */
		srt_upload_url(&S, S.tok_alice, bad[i], 2, ZERO_SHA, "text/plain", &r);
		if (r.status != 400)
			print_error("upload-url path \"%s\" accepted\n", bad[i]);
		SRT_EXPECT_STATUS(&r, 400);
		srt_resp_free(&r);
	}
	expect_404_skill("path-kit");

	/* upload-url also refuses an absolute path and an over-long one. */
	srt_resp r;
	char longp[600];
	memset(longp, 'a', 501);
	longp[501] = '\0';
	srt_upload_url(&S, S.tok_alice, longp, 2, ZERO_SHA, "text/plain", &r);
	SRT_EXPECT_STATUS(&r, 400);
	srt_resp_free(&r);

	/* A leading '/' alone is stripped and accepted (multipart). */
	srt_file ok[] = {skill_md("Slash Kit"), {"/docs/notes.md", "notes\n", 6, "text/markdown"}};
	srt_publish_multipart(&S, S.tok_alice,
			      "{\"slug\":\"slash-kit\",\"displayName\":\"S\",\"version\":\"1.0.0\",\"changelog\":\"\",\"acceptLicenseTerms\":true}",
			      ok, 2, &r);
	expect_published(&r, "slash-kit", "1.0.0");
	srt_resp_free(&r);
	json_t *m = version_files("slash-kit", "1.0.0");
	assert_non_null(json_object_get(m, "docs/notes.md"));
	assert_int_equal(json_object_size(m), 2);
	json_decref(m);

	/* upload-url: "not absolute" (api-v1 section 3.11 a). */
	srt_upload_url(&S, S.tok_alice, "/etc/passwd", 2, ZERO_SHA, "text/plain", &r);
	if (r.status != 400)
		print_error("upload-url accepted the absolute path /etc/passwd\n");
	SRT_EXPECT_STATUS(&r, 400);
	srt_resp_free(&r);
}

static void test_upload_url_validation(void **state)
{
	(void)state;
	srt_resp r;
	srt_upload_url(&S, S.tok_alice, "big.bin", TEN_MIB + 1, ZERO_SHA, "application/octet-stream", &r);
	SRT_EXPECT_CONTAINS(&r, 400, "10MB");
	srt_resp_free(&r);

	srt_upload_url(&S, S.tok_alice, "edge.bin", TEN_MIB, ZERO_SHA, "application/octet-stream", &r);
	json_t *j = SRT_EXPECT_JSON(&r, 200);
	assert_true(json_is_string(json_object_get(j, "uploadTicket")));
	const char *url = json_string_value(json_object_get(j, "uploadUrl"));
	assert_non_null(url);
	assert_non_null(strstr(url, srt_fmt("%s/api/v1/skills/-/upload/", S.base)));
	json_decref(j);
	srt_resp_free(&r);

	srt_upload_url(&S, S.tok_alice, "neg.bin", -1, ZERO_SHA, "application/octet-stream", &r);
	SRT_EXPECT_STATUS(&r, 400);
	srt_resp_free(&r);

	static const char *const shas[] = {"xyz", "", ZERO_SHA "0",
					   "g000000000000000000000000000000000000000000000000000000000000000"};
	for (size_t i = 0; i < sizeof shas / sizeof shas[0]; i++) {
		srt_upload_url(&S, S.tok_alice, "a.txt", 5, shas[i], "text/plain", &r);
		if (r.status != 400)
			print_error("sha256 \"%s\" accepted\n", shas[i]);
		SRT_EXPECT_STATUS(&r, 400);
		srt_resp_free(&r);
	}
	/* Missing fields. */
	srt_send(&S, "POST", "/api/v1/skills/-/upload-url", S.tok_alice, "{\"path\":\"a.txt\"}", &r);
	SRT_EXPECT_STATUS(&r, 400);
	srt_resp_free(&r);
}

/* Asks for a ticket for (path, declared bytes) and returns the absolute upload URL. */
static char *ticket_for(const char *path, const char *data, size_t len, char ticket[256])
{
	char sha[65];
	srt_sha256_hex(data, len, sha);
	srt_resp r;
	srt_upload_url(&S, S.tok_alice, path, (long long)len, sha, "text/plain", &r);
	json_t *j = SRT_EXPECT_JSON(&r, 200);
	char *url = strdup(json_string_value(json_object_get(j, "uploadUrl")));
	snprintf(ticket, 256, "%s", json_string_value(json_object_get(j, "uploadTicket")));
	json_decref(j);
	srt_resp_free(&r);
	return url;
}

static void raw_upload(const char *url, const char *token, const char *data, size_t len, srt_resp *r)
{
	char auth[256];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	const char *h[] = {auth, "Content-Type: text/plain", NULL};
	srt_request(&S, "POST", url, h, data, len, r);
}

static void test_raw_upload_checks(void **state)
{
	(void)state;
	char ticket[256];
	srt_resp r;

	/* Same size, different bytes: SHA-256 mismatch. */
	char *url = ticket_for("a.txt", "hello", 5, ticket);
	raw_upload(url, S.tok_alice, "world", 5, &r);
	SRT_EXPECT_STATUS(&r, 400);
	srt_resp_free(&r);
	free(url);

	/* Shorter than declared. */
	url = ticket_for("b.txt", "hello", 5, ticket);
	raw_upload(url, S.tok_alice, "hell", 4, &r);
	SRT_EXPECT_CONTAINS(&r, 400, "does not match its upload ticket");
	srt_resp_free(&r);
	free(url);

	/* Longer than declared. */
	url = ticket_for("c.txt", "hello", 5, ticket);
	raw_upload(url, S.tok_alice, "hello world", 11, &r);
	SRT_EXPECT_TEXT(&r, 413, "Uploaded file exceeds its declared size");
	srt_resp_free(&r);
	free(url);

	/* A good upload, then the same ticket again. */
	url = ticket_for("e.txt", "hello", 5, ticket);
	raw_upload(url, S.tok_alice, "hello", 5, &r);
	json_t *j = SRT_EXPECT_JSON(&r, 200);
	assert_true(json_is_string(json_object_get(j, "storageId")));
	json_decref(j);
	srt_resp_free(&r);
	raw_upload(url, S.tok_alice, "hello", 5, &r);
	SRT_EXPECT_TEXT(&r, 400, "Skill upload ticket is missing, used, or expired");
	srt_resp_free(&r);
	free(url);

	/* A ticket that never existed. */
	raw_upload(srt_fmt("%s/api/v1/skills/-/upload/nonexistentticket123", S.base), S.tok_alice,
		   "hello", 5, &r);
	SRT_EXPECT_TEXT(&r, 400, "Skill upload ticket is missing, used, or expired");
	srt_resp_free(&r);

	/* Another user cannot use alice's ticket. */
	url = ticket_for("d.txt", "hello", 5, ticket);
	raw_upload(url, S.tok_bob, "hello", 5, &r);
	SRT_EXPECT_TEXT(&r, 400, "Skill upload ticket is missing, used, or expired");
	srt_resp_free(&r);
	free(url);
}

static void test_ticket_reuse_in_publish(void **state)
{
	(void)state;
	srt_file f = skill_md("Reuse Kit");
	json_t *entry = srt_upload_file(&S, S.tok_alice, &f);
	assert_non_null(entry);
	json_t *p = srt_payload("reuse-kit", "1.0.0");
	json_object_set_new(p, "files", json_pack("[O]", entry));
	char *body = json_dumps(p, JSON_COMPACT);
	srt_resp r;
	srt_send(&S, "POST", "/api/v1/skills", S.tok_alice, body, &r);
	expect_published(&r, "reuse-kit", "1.0.0");
	srt_resp_free(&r);
	free(body);

	/* The same (now consumed) ticket for another version. */
	json_object_set_new(p, "version", json_string("1.0.1"));
	body = json_dumps(p, JSON_COMPACT);
	srt_send(&S, "POST", "/api/v1/skills", S.tok_alice, body, &r);
	SRT_EXPECT_TEXT(&r, 400, "Skill upload ticket is missing, used, or expired");
	srt_resp_free(&r);
	free(body);
	assert_int_equal(version_count("reuse-kit"), 1);

	/* A file entry without its uploadTicket. */
	json_t *e2 = srt_upload_file(&S, S.tok_alice, &f);
	json_object_del(e2, "uploadTicket");
	json_object_set_new(p, "files", json_pack("[o]", e2));
	body = json_dumps(p, JSON_COMPACT);
	srt_send(&S, "POST", "/api/v1/skills", S.tok_alice, body, &r);
	SRT_EXPECT_TEXT(&r, 400, "Every directly uploaded skill file requires an upload ticket");
	srt_resp_free(&r);
	free(body);
	assert_int_equal(version_count("reuse-kit"), 1);

	/* Bob cannot publish with alice's (unconsumed) ticket. */
	json_t *e3 = srt_upload_file(&S, S.tok_alice, &f);
	json_object_set_new(p, "files", json_pack("[o]", e3));
	json_object_set_new(p, "slug", json_string("bob-steals"));
	body = json_dumps(p, JSON_COMPACT);
	srt_send(&S, "POST", "/api/v1/skills", S.tok_bob, body, &r);
	SRT_EXPECT_TEXT(&r, 400, "Skill upload ticket is missing, used, or expired");
	srt_resp_free(&r);
	free(body);
	expect_404_skill("bob-steals");

	/* No files at all. */
	json_object_set_new(p, "files", json_array());
	json_object_set_new(p, "slug", json_string("empty-kit"));
	body = json_dumps(p, JSON_COMPACT);
	srt_send(&S, "POST", "/api/v1/skills", S.tok_alice, body, &r);
	SRT_EXPECT_STATUS(&r, 400);
	srt_resp_free(&r);
	free(body);
	expect_404_skill("empty-kit");

	json_decref(entry);
	json_decref(p);
}

static void test_big_file_multipart(void **state)
{
	(void)state;
	size_t n = (size_t)TEN_MIB + 1;
	char *big = malloc(n);
	memset(big, 'z', n);
	srt_file f[] = {skill_md("Big Kit"), {"big.bin", big, n, "application/octet-stream"}};
	srt_resp r;
	srt_publish_multipart(&S, S.tok_alice,
			      "{\"slug\":\"big-kit\",\"displayName\":\"B\",\"version\":\"1.0.0\",\"changelog\":\"\",\"acceptLicenseTerms\":true}",
			      f, 2, &r);
	SRT_EXPECT_TEXT(&r, 400, "File \"big.bin\" exceeds 10MB limit");
	srt_resp_free(&r);
	free(big);
	expect_404_skill("big-kit");
}

static void test_invalid_slugs(void **state)
{
	(void)state;
	static const char *const bad[] = {"ab", "Bad_Slug", "api", "a--b", "-abc", "abc-", "skills",
					  "openclaw", "has space", "x"};
	srt_file f = skill_md("Slug Kit");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_t *p = srt_payload(bad[i], "1.0.0");
		srt_resp r;
		publish_json(S.tok_alice, p, &f, 1, &r);
		if (r.status != 400)
			print_error("slug \"%s\" accepted\n", bad[i]);
		SRT_EXPECT_STATUS(&r, 400);
		assert_true(r.len > 0);
		srt_resp_free(&r);
		json_decref(p);
	}
	expect_404_skill("ab");
	expect_404_skill("api");
	expect_404_skill("a--b");
	expect_404_skill("openclaw");

	/* A 96-char slug is fine, 97 is not. */
	char s96[100], s97[100];
	memset(s96, 'k', 96);
	s96[96] = '\0';
	memset(s97, 'k', 97);
	s97[97] = '\0';
	json_t *p = srt_payload(s97, "1.0.0");
	srt_resp r;
	publish_json(S.tok_alice, p, &f, 1, &r);
	SRT_EXPECT_STATUS(&r, 400);
	srt_resp_free(&r);
	json_decref(p);
	srt_publish_ok(&S, S.tok_alice, s96, "1.0.0", "Long", NULL);
}

static void test_empty_display_name(void **state)
{
	(void)state;
	srt_file f = skill_md("Noname Kit");
	srt_resp r;
	json_t *p = srt_payload("noname-kit", "1.0.0");
	json_object_set_new(p, "displayName", json_string("  "));
	publish_json(S.tok_alice, p, &f, 1, &r);
	/* ClawHub trims the name and refuses an empty one, in its words. */
	SRT_EXPECT_TEXT(&r, 400, "Display name required");
	srt_resp_free(&r);
	json_decref(p);
	expect_404_skill("noname-kit");
}

static void test_owner_handle(void **state)
{
	(void)state;
	srt_file f = skill_md("Owner Kit");
	json_t *p = srt_payload("owner-kit", "1.0.0");
	json_object_set_new(p, "ownerHandle", json_string("nobody"));
	expect_json_publish_error(p, &f, 1,
				  "Publisher \"@nobody\" not found. Create the \"@nobody\" organization on ClawHub or "
				  "choose a different owner.");
	expect_404_skill("owner-kit");

	json_object_set_new(p, "ownerHandle", json_string("bob"));
	srt_resp r;
	publish_json(S.tok_alice, p, &f, 1, &r);
	SRT_EXPECT_TEXT(&r, 400, "You do not have publish access for \"@bob\". Ask an owner or admin of \"@bob\" to add you.");
	srt_resp_free(&r);
	expect_404_skill("owner-kit");

	/* Own handle with '@' and another case is accepted. */
	json_object_set_new(p, "ownerHandle", json_string("@Alice"));
	publish_json(S.tok_alice, p, &f, 1, &r);
	expect_published(&r, "owner-kit", "1.0.0");
	srt_resp_free(&r);
	json_t *d = get_json("/api/v1/skills/owner-kit", 200);
	SRT_EXPECT_STR(json_object_get(d, "owner"), "handle", "alice");
	json_decref(d);

	/* Bob cannot add a version to alice's skill. */
	json_decref(p);
	p = srt_payload("owner-kit", "9.0.0");
	json_object_set_new(p, "ownerHandle", json_string("alice"));
	publish_json(S.tok_bob, p, &f, 1, &r);
	SRT_EXPECT_TEXT(&r, 400, "You do not have publish access for \"@alice\". Ask an owner or admin of \"@alice\" to add you.");
	srt_resp_free(&r);
	assert_int_equal(version_count("owner-kit"), 1);
	json_decref(p);
}

static void test_latest_semver_rule(void **state)
{
	(void)state;
	srt_publish_ok(&S, S.tok_alice, "latest-kit", "1.0.0", "Latest Kit", NULL);
	srt_publish_ok(&S, S.tok_alice, "latest-kit", "2.0.0", "Latest Kit", NULL);
	srt_publish_ok(&S, S.tok_alice, "latest-kit", "1.5.0", "Latest Kit", NULL);
	json_t *d = get_json("/api/v1/skills/latest-kit", 200);
	SRT_EXPECT_STR(json_object_get(d, "latestVersion"), "version", "2.0.0");
	SRT_EXPECT_STR(json_object_get(json_object_get(d, "skill"), "tags"), "latest", "2.0.0");
	json_t *stats = json_object_get(json_object_get(d, "skill"), "stats");
	assert_int_equal(json_integer_value(json_object_get(stats, "versions")), 3);
	json_decref(d);
	assert_int_equal(version_count("latest-kit"), 3);

	/* A prerelease of a higher version is semver-greater than 2.0.0. */
	srt_publish_ok(&S, S.tok_alice, "latest-kit", "2.0.1-beta.1", "Latest Kit", NULL);
	d = get_json("/api/v1/skills/latest-kit", 200);
	SRT_EXPECT_STR(json_object_get(d, "latestVersion"), "version", "2.0.1-beta.1");
	json_decref(d);
	/* ... and 2.0.1 is greater than its prerelease. */
	srt_publish_ok(&S, S.tok_alice, "latest-kit", "2.0.1", "Latest Kit", NULL);
	/* 10.0.0 > 9.0.0 numerically, not lexically. */
	srt_publish_ok(&S, S.tok_alice, "latest-kit", "10.0.0", "Latest Kit", NULL);
	srt_publish_ok(&S, S.tok_alice, "latest-kit", "9.0.0", "Latest Kit", NULL);
	d = get_json("/api/v1/skills/latest-kit", 200);
	SRT_EXPECT_STR(json_object_get(d, "latestVersion"), "version", "10.0.0");
	SRT_EXPECT_STR(json_object_get(json_object_get(d, "skill"), "tags"), "latest", "10.0.0");
	json_decref(d);
}

static void test_tags(void **state)
{
	(void)state;
	srt_publish_ok(&S, S.tok_alice, "tag-kit", "3.0.0", "Tag Kit", NULL);
	const char *tags[] = {"beta", "LATEST", "latest", NULL};
	srt_publish_ok_at(&S, S.tok_alice, "tag-kit", "0.9.0", "Tag Kit", NULL, NULL, tags, __FILE__,
			  __LINE__);
	json_t *d = get_json("/api/v1/skills/tag-kit", 200);
	json_t *t = json_object_get(json_object_get(d, "skill"), "tags");
	SRT_EXPECT_STR(t, "beta", "0.9.0");
	SRT_EXPECT_STR(t, "latest", "3.0.0");
	assert_null(json_object_get(t, "LATEST"));
	SRT_EXPECT_STR(json_object_get(d, "latestVersion"), "version", "3.0.0");
	json_decref(d);

	/* ?tag=beta selects that version. */
	srt_resp r;
	srt_get(&S, "/api/v1/download?slug=tag-kit&tag=beta", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	const char *cd = srt_header(&r, "Content-Disposition");
	assert_non_null(cd);
	assert_non_null(strstr(cd, "tag-kit-0.9.0.zip"));
	srt_resp_free(&r);

	/* A tag moves to the next version that names it. */
	const char *tags2[] = {"beta", NULL};
	srt_publish_ok_at(&S, S.tok_alice, "tag-kit", "3.1.0-beta.1", "Tag Kit", NULL, NULL, tags2,
			  __FILE__, __LINE__);
	d = get_json("/api/v1/skills/tag-kit", 200);
	t = json_object_get(json_object_get(d, "skill"), "tags");
	SRT_EXPECT_STR(t, "beta", "3.1.0-beta.1");
	json_decref(d);
}

/* The publish response arrives in bounded time even with many files. */
static void test_many_files(void **state)
{
	(void)state;
	enum { N = 40 };
	srt_file f[N];
	char names[N][32];
	char datas[N][32];
	f[0] = skill_md("Many Kit");
	for (int i = 1; i < N; i++) {
		snprintf(names[i], sizeof names[i], "files/f%02d.txt", i);
		snprintf(datas[i], sizeof datas[i], "content %d\n", i);
		f[i] = (srt_file){names[i], datas[i], strlen(datas[i]), "text/plain"};
	}
	srt_resp r;
	srt_publish_multipart(&S, S.tok_alice,
			      "{\"slug\":\"many-kit\",\"displayName\":\"M\",\"version\":\"1.0.0\",\"changelog\":\"\",\"acceptLicenseTerms\":true}",
			      f, N, &r);
	expect_published(&r, "many-kit", "1.0.0");
	srt_resp_free(&r);
	json_t *m = version_files("many-kit", "1.0.0");
	assert_int_equal(json_object_size(m), N);
	json_decref(m);
}

/* Total size over 50 MiB (each file under 10 MiB). */
static void test_bundle_total_limit(void **state)
{
	(void)state;
	enum { N = 6 };
	size_t each = 9u * 1024 * 1024;
	char *blob = malloc(each);
	memset(blob, 'q', each);
	srt_file f[N + 1];
	char names[N][32];
	f[0] = skill_md("Huge Kit");
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof names[i], "data/part%d.bin", i);
		f[i + 1] = (srt_file){names[i], blob, each, "application/octet-stream"};
	}
	srt_resp r;
	srt_publish_multipart(&S, S.tok_alice,
			      "{\"slug\":\"huge-kit\",\"displayName\":\"H\",\"version\":\"1.0.0\",\"changelog\":\"\",\"acceptLicenseTerms\":true}",
			      f, N + 1, &r);
	if (r.status == 413)
		SRT_EXPECT_STATUS(&r, 413);
	else
		SRT_EXPECT_TEXT(&r, 400, "Skill bundle exceeds 50MB limit");
	srt_resp_free(&r);
	free(blob);
	expect_404_skill("huge-kit");
}

/* A multipart filename that is not UTF-8: refused, or stored so that every JSON response
 * stays valid. */
static void test_non_utf8_filename(void **state)
{
	(void)state;
	srt_file f[] = {skill_md("Bytes Kit"), {"docs/\xff\xfe.md", "x\n", 2, "text/markdown"}};
	srt_resp r;
	srt_publish_multipart(&S, S.tok_alice,
			      "{\"slug\":\"bytes-kit\",\"displayName\":\"B\",\"version\":\"1.0.0\",\"changelog\":\"\",\"acceptLicenseTerms\":true}",
			      f, 2, &r);
	long st = r.status;
	if (st != 200)
		SRT_EXPECT_STATUS(&r, 400);
	srt_resp_free(&r);
	if (st == 200) {
		json_t *j = get_json("/api/v1/skills/bytes-kit/versions/1.0.0", 200);
		json_decref(j);
		srt_get(&S, "/api/v1/download?slug=bytes-kit", NULL, &r);
		SRT_EXPECT_STATUS(&r, 200);
		srt_resp_free(&r);
	} else {
		expect_404_skill("bytes-kit");
	}
	/* Non-UTF-8 inside the JSON payload is a 400. */
	const char *bad = "{\"slug\":\"bytes-kit2\",\"displayName\":\"\xff\",\"version\":\"1.0.0\",\"changelog\":\"\",\"acceptLicenseTerms\":true}";
	srt_publish_multipart(&S, S.tok_alice, bad, f, 1, &r);
	SRT_EXPECT_STATUS(&r, 400);
	srt_resp_free(&r);
	expect_404_skill("bytes-kit2");
}

/* Two files with the same path in one publish. */
static void test_duplicate_paths(void **state)
{
	(void)state;
	srt_file f[] = {skill_md("Twice Kit"), {"docs/a.md", "one\n", 4, "text/markdown"},
			{"docs/a.md", "two\n", 4, "text/markdown"}};
	srt_resp r;
	srt_publish_multipart(&S, S.tok_alice,
			      "{\"slug\":\"twice-kit\",\"displayName\":\"T\",\"version\":\"1.0.0\",\"changelog\":\"\",\"acceptLicenseTerms\":true}",
			      f, 3, &r);
	long st = r.status;
	assert_true(st == 200 || st == 400);
	srt_resp_free(&r);
	if (st == 200) {
		json_t *m = version_files("twice-kit", "1.0.0");
		assert_int_equal(json_object_size(m), 2);
		json_decref(m);
		srt_get(&S, "/api/v1/download?slug=twice-kit", NULL, &r);
		SRT_EXPECT_STATUS(&r, 200);
		assert_int_equal(srt_zip_count(r.body, r.len), 3);
		srt_resp_free(&r);
	}
}

/* A folder with its own _meta.json (every installed copy has one) publishes, as on ClawHub:
 * the uploaded file stays in the version's file list and fingerprint, and the download
 * carries one _meta.json, the registry's, for the new version (issue 13). */
static void test_meta_json_in_folder(void **state)
{
	(void)state;
	static const char OLD_META[] = "{\n  \"ownerId\": \"us_1\",\n  \"slug\": \"meta-kit\",\n  \"version\": "
				       "\"0.9.0\",\n  \"publishedAt\": 1\n}";
	srt_file files[] = {skill_md("Meta Kit"), {"_meta.json", OLD_META, sizeof OLD_META - 1, "application/json"},
			    {"notes.txt", "n\n", 2, "text/plain"}};
	srt_resp r;
	json_t *p = srt_payload("meta-kit", "1.0.0");
	publish_json(S.tok_alice, p, files, 3, &r);
	expect_published(&r, "meta-kit", "1.0.0");
	srt_resp_free(&r);
	json_decref(p);
	/* The multipart form takes it too. */
	p = srt_payload("meta-kit", "1.0.1");
	char *payload = json_dumps(p, JSON_COMPACT);
	srt_publish_multipart(&S, S.tok_alice, payload, files, 3, &r);
	expect_published(&r, "meta-kit", "1.0.1");
	srt_resp_free(&r);
	free(payload);
	json_decref(p);

	json_t *m = version_files("meta-kit", "1.0.0");
	assert_int_equal(json_object_size(m), 3);
	char sha[65];
	srt_sha256_hex(OLD_META, sizeof OLD_META - 1, sha);
	SRT_EXPECT_STR(json_object_get(m, "_meta.json"), "sha256", sha);
	json_decref(m);
	/* resolve matches the folder as the CLI fingerprints it, _meta.json included. */
	char fp[65];
	srt_fingerprint(files, 3, fp);
	json_t *res = get_json(srt_fmt("/api/v1/resolve?slug=meta-kit&hash=%s", fp), 200);
	SRT_EXPECT_STR(json_object_get(res, "match"), "version", "1.0.1");
	json_decref(res);

	srt_get(&S, "/api/v1/download?slug=meta-kit&version=1.0.0", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	char names[8][64];
	long n = srt_zip_names(r.body, r.len, names, 8);
	assert_int_equal(n, 3);
	int metas = 0;
	for (long i = 0; i < n; i++)
		metas += strcmp(names[i], "_meta.json") == 0;
	assert_int_equal(metas, 1);
	char *meta = NULL;
	size_t len = 0;
	assert_int_equal(srt_zip_read(r.body, r.len, "_meta.json", &meta, &len), 0);
	json_t *mj = json_loadb(meta, len, 0, NULL);
	assert_non_null(mj);
	SRT_EXPECT_STR(mj, "slug", "meta-kit");
	SRT_EXPECT_STR(mj, "version", "1.0.0");
	json_decref(mj);
	free(meta);
	srt_resp_free(&r);
	/* The file route serves the bytes that were uploaded. */
	srt_get(&S, "/api/v1/skills/meta-kit/file?path=_meta.json&version=1.0.0", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_int_equal(r.len, sizeof OLD_META - 1);
	assert_memory_equal(r.body, OLD_META, r.len);
	srt_resp_free(&r);
}

/* A SKILL.md whose frontmatter ClawHub's YAML reader cannot read is published there as one
 * without frontmatter, not refused; the archive holds such skills, most often a description
 * with an unquoted ": " in it (issue 13). Every way a block can be unreadable publishes. */
static void test_unreadable_frontmatter(void **state)
{
	(void)state;
	static const struct {
		const char *slug, *md;
	} cases[] = {
		{"colon-kit", "---\nname: Colon Kit\ndescription: Runs plans: strictly, with no questions\n---\n\n# Colon\n"},
		{"tab-kit", "---\nname: Tab Kit\n\tdescription: tabbed\n---\n\n# Tab\n"},
		{"list-kit", "---\n- one\n- two\n---\n\n# A list, not a mapping\n"},
		{"open-kit", "---\nname: Open Kit\ndescription: never closed\n\n# Open\n"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		srt_file f = {"SKILL.md", cases[i].md, strlen(cases[i].md), "text/markdown"};
		json_t *p = srt_payload(cases[i].slug, "1.0.0");
		srt_resp r;
		publish_json(S.tok_alice, p, &f, 1, &r);
		if (r.status != 200)
			print_error("%s\n", cases[i].slug);
		expect_published(&r, cases[i].slug, "1.0.0");
		srt_resp_free(&r);
		json_decref(p);
		/* Nothing came from the frontmatter: no summary, no metadata. */
		json_t *d = get_json(srt_fmt("/api/v1/skills/%s", cases[i].slug), 200);
		json_t *skill = json_object_get(d, "skill");
		SRT_EXPECT_STR(skill, "displayName", cases[i].slug);
		assert_true(json_is_null(json_object_get(skill, "summary")));
		assert_true(json_is_null(json_object_get(d, "metadata")));
		json_decref(d);
	}
}

/* ClawHub sets no length limit on a display name (issue 13): 300 characters, many of them
 * two bytes long, publish and read back whole. */
static void test_long_display_name(void **state)
{
	(void)state;
	char name[1024] = "";
	for (int i = 0; i < 100; i++)
		strcat(name, "Ab\xc3\xa9"); /* "Abé": 300 characters, 400 bytes */
	srt_file f = skill_md("Long Name Kit");
	json_t *p = srt_payload("long-name-kit", "1.0.0");
	json_object_set_new(p, "displayName", json_string(name));
	srt_resp r;
	publish_json(S.tok_alice, p, &f, 1, &r);
	expect_published(&r, "long-name-kit", "1.0.0");
	srt_resp_free(&r);
	json_decref(p);
	json_t *d = get_json("/api/v1/skills/long-name-kit", 200);
	SRT_EXPECT_STR(json_object_get(d, "skill"), "displayName", name);
	json_decref(d);
	/* The version detail's skill block is valid JSON too (its copy of the name may be cut, but
	 * never inside a character). */
	d = get_json("/api/v1/skills/long-name-kit/versions/1.0.0", 200);
	const char *vn = json_string_value(json_object_get(json_object_get(d, "skill"), "displayName"));
	assert_non_null(vn);
	if (strncmp(name, vn, strlen(vn)) != 0)
		print_error("version detail name: %s\n", vn);
	assert_true(strncmp(name, vn, strlen(vn)) == 0);
	json_decref(d);
}

/* Multipart details: payload after the files, binary content with boundary-like bytes, a
 * part without Content-Type, unknown extra fields in the payload. */
static void test_multipart_robustness(void **state)
{
	(void)state;
	char bin[4096];
	for (int i = 0; i < 4096; i++)
		bin[i] = (char)(i & 0xff);
	static const char tricky[] = "line\r\n--srtBoundary7MA4YWxkTrZu0g\r\n--\r\n\r\n--srtBoundary7MA4YWxkTrZu0gWX\r\nend";
	srt_file sm = skill_md("Robust Kit");
	const char *payload = "{\"slug\":\"robust-kit\",\"displayName\":\"Robust Kit\",\"version\":\"1.0.0\","
			      "\"changelog\":\"\",\"acceptLicenseTerms\":true,\"categories\":[\"x\"],\"topics\":[\"t\"],"
			      "\"source\":{\"kind\":\"github\",\"url\":\"https://example.com/r\",\"repo\":\"o/r\",\"ref\":\"main\","
			      "\"commit\":\"abc\",\"path\":\".\",\"importedAt\":1},\"unknownField\":{\"a\":[1,2]}}";
	srt_part parts[] = {
		{"files", "SKILL.md", "text/markdown", sm.data, sm.len},
		{"files", "data/all-bytes.bin", "application/octet-stream", bin, sizeof bin},
		{"files", "docs/tricky.txt", NULL, tricky, sizeof tricky - 1},
		{"files", "empty.txt", "text/plain", "", 0},
		{"payload", NULL, "application/json", payload, strlen(payload)},
	};
	srt_resp r;
	srt_multipart(&S, S.tok_alice, parts, 5, &r);
	expect_published(&r, "robust-kit", "1.0.0");
	srt_resp_free(&r);
	json_t *m = version_files("robust-kit", "1.0.0");
	assert_int_equal(json_object_size(m), 4);
	char sha[65];
	srt_sha256_hex(bin, sizeof bin, sha);
	SRT_EXPECT_STR(json_object_get(m, "data/all-bytes.bin"), "sha256", sha);
	srt_sha256_hex(tricky, sizeof tricky - 1, sha);
	SRT_EXPECT_STR(json_object_get(m, "docs/tricky.txt"), "sha256", sha);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(m, "empty.txt"), "size")), 0);
	json_decref(m);
	srt_get(&S, "/api/v1/skills/robust-kit/file?path=data/all-bytes.bin", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_int_equal(r.len, sizeof bin);
	assert_memory_equal(r.body, bin, sizeof bin);
	srt_resp_free(&r);
	srt_get(&S, "/api/v1/skills/robust-kit/file?path=empty.txt", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_int_equal(r.len, 0);
	srt_resp_free(&r);
}

/* Tags a client may not set: dropped or refused, never stored. */
static void test_bad_tags(void **state)
{
	(void)state;
	srt_publish_ok(&S, S.tok_alice, "badtag-kit", "1.0.0", "Badtag", NULL);
	static const char *const bad[] = {"$dollar", "_under", "tab\there", "caf\xc3\xa9"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *tags[] = {bad[i], "  spaced  ", NULL};
		srt_file f = skill_md("Badtag");
		json_t *p = srt_payload("badtag-kit", srt_fmt("1.0.%zu", i + 1));
		json_object_set_new(p, "tags", json_pack("[s,s]", tags[0], tags[1]));
		srt_resp r;
		srt_publish_json(&S, S.tok_alice, p, &f, 1, &r);
		long st = r.status;
		if (st != 200)
			SRT_EXPECT_STATUS(&r, 400);
		srt_resp_free(&r);
		json_decref(p);
		json_t *d = get_json("/api/v1/skills/badtag-kit", 200);
		json_t *t = json_object_get(json_object_get(d, "skill"), "tags");
		if (json_object_get(t, bad[i])) {
			print_error("tag \"%s\" was stored\n", bad[i]);
			fail();
		}
		if (st == 200) {
			/* The good tag is trimmed. */
			SRT_EXPECT_STR(t, "spaced", srt_fmt("1.0.%zu", i + 1));
		}
		json_decref(d);
	}
}

/* A raw upload sent with chunked transfer encoding: accepted or refused, never a 5xx. */
static void test_chunked_upload(void **state)
{
	(void)state;
	char ticket[256];
	char *url = ticket_for("chunk.txt", "hello", 5, ticket);
	char auth[256];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", S.tok_alice);
	const char *path = strstr(url + 7, "/");
	char req[1024];
	int n = snprintf(req, sizeof req,
			 "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\nContent-Type: text/plain\r\n"
			 "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\nhe\r\n3\r\nllo\r\n0\r\n\r\n",
			 path, auth);
	char *out = NULL;
	int st = srt_raw(&S, req, (size_t)n, &out, NULL);
	if (st < 200 || st >= 500) {
		print_error("chunked upload: %s\n", out ? out : "(no answer)");
		fail();
	}
	free(out);
	free(url);
}

/* Publishes slug 1.0.0 through the JSON flow with the two file entries given (stolen) as
 * alice; the answer in r, its round trips to PostgreSQL the return. */
static long publish_entries(const char *slug, json_t *e1, json_t *e2, srt_resp *r)
{
	json_t *p = srt_payload(slug, "1.0.0");
	json_object_set_new(p, "files", json_pack("[o,o]", e1, e2));
	char *body = json_dumps(p, JSON_COMPACT);
	srt_send(&S, "POST", "/api/v1/skills", S.tok_alice, body, r);
	free(body);
	json_decref(p);
	return srt_trips(r);
}

/* The publish of slug with entries e1, e2 (stolen) is published in 2 round trips on
 * PostgreSQL, and its notes.txt holds what f holds, in f's content type. */
static void expect_notes(const char *slug, json_t *e1, json_t *e2, const srt_file *f)
{
	srt_resp r;
	long trips = publish_entries(slug, e1, e2, &r);
	expect_published(&r, slug, "1.0.0");
	srt_resp_free(&r);
	assert_int_equal(trips, srt_db_postgres() ? 2 : 0);
	json_t *m = version_files(slug, "1.0.0");
	json_t *n = json_object_get(m, "notes.txt");
	assert_non_null(n);
	char sha[65];
	srt_sha256_hex(f->data, f->len, sha);
	SRT_EXPECT_STR(n, "sha256", sha);
	assert_int_equal(json_integer_value(json_object_get(n, "size")), (json_int_t)f->len);
	SRT_EXPECT_STR(n, "contentType", f->ctype);
	json_decref(m);
}

/* The publish of slug with entries e1, e2 (stolen) is refused with text after reading its
 * tickets (1 round trip on PostgreSQL). */
static void expect_refused(const char *slug, json_t *e1, json_t *e2, const char *text)
{
	srt_resp r;
	long trips = publish_entries(slug, e1, e2, &r);
	SRT_EXPECT_TEXT(&r, 400, text);
	srt_resp_free(&r);
	assert_int_equal(trips, srt_db_postgres() ? 1 : 0);
	expect_404_skill(slug);
}

/*
 * The publish body's file entries cannot lie: what a ticket holds comes from its upload
 * (section 3.11), and a ticket covers only the path it was issued for. On PostgreSQL the
 * tickets uploaded through this server are recalled from its memory, not read (2 round
 * trips, as any publish); the entries' sizes, hashes and content types are not read either
 * way. A ticket named under another path, or one never uploaded, sends the publish to read
 * its tickets (one round trip), and is refused.
 */
static void test_entry_tampering(void **state)
{
	(void)state;
	srt_file notes = {"notes.txt", "real notes\n", 11, "text/plain"};
	const char *names[] = {"Tamper Kit", "Tamper Three", "Tamper Two", "Tamper Four"};
	json_t *e1[4], *e2[4];
	for (int i = 0; i < 4; i++) {
		srt_file sm = skill_md(names[i]);
		e1[i] = srt_upload_file(&S, S.tok_alice, &sm);
		e2[i] = srt_upload_file(&S, S.tok_alice, &notes);
	}
	/* notes.txt said to hold other bytes of its size, stored through a ticket of their own,
	 * in another content type. */
	srt_file decoy = {"decoy.txt", "fake notes\n", 11, "text/plain"};
	json_t *d = srt_upload_file(&S, S.tok_alice, &decoy);
	json_object_set(e2[0], "sha256", json_object_get(d, "sha256"));
	json_object_set_new(e2[0], "contentType", json_string("text/x-sh"));
	json_decref(d);
	expect_notes("tamper-kit", e1[0], e2[0], &notes);
	/* Said to hold bytes never stored. */
	json_object_set_new(e2[1], "size", json_integer(999));
	json_object_set_new(e2[1], "sha256", json_string(ZERO_SHA));
	expect_notes("tamper-three", e1[1], e2[1], &notes);
	/* A ticket issued for notes.txt used for another path. */
	json_object_set_new(e2[2], "path", json_string("scripts/evil.sh"));
	expect_refused("tamper-two", e1[2], e2[2], "Invalid file paths");
	/* A ticket asked for and never uploaded, for bytes another ticket has uploaded. */
	char ticket[256];
	free(ticket_for("notes.txt", notes.data, notes.len, ticket));
	json_object_set_new(e2[3], "uploadTicket", json_string(ticket));
	expect_refused("tamper-four", e1[3], e2[3], "Skill upload ticket is missing, used, or expired");
}

/*
 * A server's memory of the tickets it took the bytes of can be out of date: here a ticket
 * uploaded through S is used by a publish through another node. S's next publish naming it
 * trusts its memory, and the database's assertion at its commit refuses it (on PostgreSQL:
 * the claims, the failed exchange and its ROLLBACK, the holds' end); S then reads the ticket
 * and answers as it always has (one more: 5 round trips), and forgets it (the next: 1).
 */
static void test_ticket_used_elsewhere(void **state)
{
	(void)state;
	int pg = srt_db_postgres();
	srt_file sm = skill_md("Elsewhere Kit");
	json_t *e = srt_upload_file(&S, S.tok_alice, &sm);
	srt_server peer;
	assert_int_equal(srt_server_start_peer(&peer, &S), 0);
	json_t *p = srt_payload("elsewhere-kit", "1.0.0");
	json_object_set_new(p, "files", json_pack("[O]", e));
	char *body = json_dumps(p, JSON_COMPACT);
	srt_resp r;
	srt_send(&peer, "POST", "/api/v1/skills", S.tok_alice, body, &r);
	expect_published(&r, "elsewhere-kit", "1.0.0");
	srt_resp_free(&r);
	free(body);
	assert_int_equal(srt_server_stop_peer(&peer), 0);

	json_object_set_new(p, "version", json_string("1.0.1"));
	body = json_dumps(p, JSON_COMPACT);
	for (int i = 0; i < 2; i++) {
		srt_send(&S, "POST", "/api/v1/skills", S.tok_alice, body, &r);
		SRT_EXPECT_TEXT(&r, 400, "Skill upload ticket is missing, used, or expired");
		assert_int_equal(srt_trips(&r), pg ? (i ? 1 : 5) : 0);
		srt_resp_free(&r);
	}
	free(body);
	json_decref(p);
	json_decref(e);
	assert_int_equal(version_count("elsewhere-kit"), 1);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM blob_holds"), 0);
}

/* Large bodies are for holders of a valid token: an anonymous 2 MiB publish, or one with a
 * token that is not valid, is refused with the API's 401 before it is held in memory, while
 * the same body with a valid token is read and judged (here: not JSON). */
static void test_anonymous_large_body(void **state)
{
	(void)state;
	size_t n = 2u << 20;
	char *big = malloc(n);
	assert_non_null(big);
	memset(big, 'x', n);
	srt_resp r;
	/* The refusals come when the headers arrive; the client waits for "100 Continue" as curl
	 * does for a large body, so the answer does not race a body the server will not read. */
	const char *anon[] = {"Content-Type: application/json", "Expect: 100-continue", NULL};
	srt_request(&S, "POST", "/api/v1/skills", anon, big, n, &r);
	SRT_EXPECT_TEXT(&r, 401, "Unauthorized: API token is missing. Run `clawhub login` to authenticate.");
	srt_resp_free(&r);
	const char *bogus[] = {"Content-Type: application/json", "Expect: 100-continue", "Authorization: Bearer bogus", NULL};
	srt_request(&S, "POST", "/api/v1/skills", bogus, big, n, &r);
	SRT_EXPECT_TEXT(&r, 401, "Unauthorized: API token is invalid or revoked. Run `clawhub login` again.");
	srt_resp_free(&r);
	const char *auth[] = {"Content-Type: application/json", srt_fmt("Authorization: Bearer %s", S.tok_alice), NULL};
	srt_request(&S, "POST", "/api/v1/skills", auth, big, n, &r);
	SRT_EXPECT_TEXT(&r, 400, "Invalid JSON payload");
	srt_resp_free(&r);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ticket_flow),
		cmocka_unit_test(test_multipart_flow),
		cmocka_unit_test(test_multipart_junk_dropped),
		cmocka_unit_test(test_multipart_bundle),
		cmocka_unit_test(test_multipart_payload_errors),
		cmocka_unit_test(test_unsupported_content_type),
		cmocka_unit_test(test_license_terms),
		cmocka_unit_test(test_semver),
		cmocka_unit_test(test_duplicate_version),
		cmocka_unit_test(test_skill_md_required),
		cmocka_unit_test(test_invalid_paths),
		cmocka_unit_test(test_upload_url_validation),
		cmocka_unit_test(test_raw_upload_checks),
		cmocka_unit_test(test_ticket_reuse_in_publish),
		cmocka_unit_test(test_entry_tampering),
		cmocka_unit_test(test_ticket_used_elsewhere),
		cmocka_unit_test(test_big_file_multipart),
		cmocka_unit_test(test_invalid_slugs),
		cmocka_unit_test(test_empty_display_name),
		cmocka_unit_test(test_owner_handle),
		cmocka_unit_test(test_latest_semver_rule),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_many_files),
		cmocka_unit_test(test_bundle_total_limit),
		cmocka_unit_test(test_non_utf8_filename),
		cmocka_unit_test(test_duplicate_paths),
		cmocka_unit_test(test_meta_json_in_folder),
		cmocka_unit_test(test_unreadable_frontmatter),
		cmocka_unit_test(test_long_display_name),
		cmocka_unit_test(test_multipart_robustness),
		cmocka_unit_test(test_bad_tags),
		cmocka_unit_test(test_chunked_upload),
		cmocka_unit_test(test_anonymous_large_body),
		cmocka_unit_test(test_round_trips),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
