/*
 * test_orgs.c - org publishers (the accounts reference, section 3): POST /api/v1/publishers
 * in ClawHub's order of checks and words, the platform admin's routes, publishing under an
 * org, and the role table on every skill command of an org-owned skill.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static srt_server S;
static char tok_carol[128], tok_mod[128];

static int group_setup(void **state)
{
	(void)state;
	if (srt_server_start(&S))
		return -1;
	srt_make_user(&S, "carol", "user", tok_carol, sizeof(tok_carol));
	srt_make_user(&S, "mod", "moderator", tok_mod, sizeof(tok_mod));
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return srt_server_stop(&S);
}

static void test_create_order_and_words(void **state)
{
	(void)state;
	/* The body is read before the token. */
	srt_call(&S, "POST", "/api/v1/publishers", NULL, "{nope", 400, "Invalid JSON");
	srt_call(&S, "POST", "/api/v1/publishers", NULL, "[1]", 400, "JSON body must be an object");
	srt_call(&S, "POST", "/api/v1/publishers", NULL, "{\"handle\":\"acme\"}", 401,
		     "Unauthorized: API token is missing. Run `clawhub login` to authenticate.");
	srt_call(&S, "POST", "/api/v1/publishers", S.tok_alice, "{}", 400, "Missing handle");
	srt_call(&S, "POST", "/api/v1/publishers", S.tok_alice, "{\"handle\":\"  @ \"}", 400, "Missing handle");
	const char *shape = "Handle must be 40 characters or fewer, start and end with a lowercase letter or number, "
			    "and use only lowercase letters, numbers, hyphens, dots, or underscores";
	srt_call(&S, "POST", "/api/v1/publishers", S.tok_alice, "{\"handle\":\"-acme\"}", 400, shape);
	srt_call(&S, "POST", "/api/v1/publishers", S.tok_alice, "{\"handle\":\"ac me\"}", 400, shape);
	srt_call(&S, "POST", "/api/v1/publishers", S.tok_alice,
		     "{\"handle\":\"a1234567890123456789012345678901234567890\"}", 400, shape);
	srt_call(&S, "POST", "/api/v1/publishers", S.tok_alice, "{\"handle\":\"my-openclaw-team\"}", 400,
		     "Handle \"@my-openclaw-team\" is reserved for OpenClaw publishers");
	srt_call(&S, "POST", "/api/v1/publishers", S.tok_alice, "{\"handle\":\"skills\"}", 400,
		     "Handle \"@skills\" is reserved for ClawHub routes. Choose a different handle.");
	srt_call(&S, "POST", "/api/v1/publishers", S.tok_alice, "{\"handle\":\"bob\"}", 409,
		     "Handle \"@bob\" is already used by a user or personal publisher");

	json_t *j = srt_call(&S, "POST", "/api/v1/publishers", S.tok_alice, "{\"handle\":\" @Acme \",\"displayName\":\"Acme Inc\"}",
				 201, NULL);
	assert_true(json_is_true(json_object_get(j, "ok")));
	assert_true(json_is_true(json_object_get(j, "created")));
	assert_true(json_is_false(json_object_get(j, "trusted")));
	SRT_EXPECT_STR(j, "handle", "acme");
	assert_true(json_is_string(json_object_get(j, "publisherId")));
	json_decref(j);
	srt_call(&S, "POST", "/api/v1/publishers", S.tok_bob, "{\"handle\":\"acme\"}", 409, "Publisher \"@acme\" already exists");
	/* The creator is its owner; an org never gets a token. */
	assert_int_equal(srt_sql_int(&S, "SELECT m.role FROM publisher_members m JOIN users o ON o.id = m.publisher_id "
					  "JOIN users u ON u.id = m.user_id WHERE o.handle = 'acme' AND u.handle = 'alice'"),
			 3);
	assert_int_equal(srt_sql_int(&S, "SELECT kind FROM users WHERE handle = 'acme'"), 1);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM audit_log WHERE action = 'publisher.create' AND detail = 'acme'"),
			 1);
	char out[256];
	const char *mk[] = {"token", "create", "acme", NULL};
	assert_int_not_equal(srt_admin(&S, out, sizeof(out), mk), 0);
}

static void test_admin_routes(void **state)
{
	(void)state;
	srt_call(&S, "POST", "/api/v1/users/publisher", NULL, "{\"handle\":\"beta\"}", 401,
		     "Unauthorized: API token is missing. Run `clawhub login` to authenticate.");
	srt_call(&S, "POST", "/api/v1/users/publisher", S.tok_alice, "{\"handle\":\"beta\"}", 403, "Admin role required.");
	srt_call(&S, "POST", "/api/v1/users/publisher-member", tok_mod, "{\"handle\":\"acme\",\"memberHandle\":\"bob\"}", 403,
		     "Admin role required.");
	json_t *j = srt_call(&S, "POST", "/api/v1/users/publisher", S.tok_admin,
				 "{\"handle\":\"beta\",\"trusted\":true,\"memberHandle\":\"carol\",\"memberRole\":\"owner\"}", 201, NULL);
	assert_true(json_is_true(json_object_get(j, "created")));
	assert_true(json_is_true(json_object_get(j, "trusted")));
	json_decref(j);
	/* bob joins acme as a publisher. */
	j = srt_call(&S, "POST", "/api/v1/users/publisher", S.tok_admin, "{\"handle\":\"acme\",\"memberHandle\":\"bob\"}", 200, NULL);
	assert_true(json_is_false(json_object_get(j, "created")));
	json_decref(j);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM audit_log WHERE action = 'publisher.member.set' "
					  "AND detail = 'acme bob publisher'"),
			 1);
	srt_call(&S, "POST", "/api/v1/users/publisher-member", S.tok_admin, "{\"handle\":\"acme\",\"memberHandle\":\"alice\"}", 400,
		     "Publisher must have at least one owner");
	srt_call(&S, "POST", "/api/v1/users/publisher-member", S.tok_admin, "{\"handle\":\"nope\",\"memberHandle\":\"alice\"}", 404,
		     "Publisher \"@nope\" not found");
	srt_call(&S, "POST", "/api/v1/users/publisher-member", S.tok_admin, "{\"handle\":\"acme\",\"memberHandle\":\"nobody\"}", 404,
		     "User not found");
}

static void publish_as(const char *tok, const char *owner, const char *slug, const char *version, long status,
		       const char *text)
{
	srt_file f = {"SKILL.md", srt_skill_md("Acme Tool", "A tool of the acme org."), 0, "text/markdown"};
	f.len = strlen(f.data);
	json_t *p = srt_payload(slug, version);
	if (owner)
		json_object_set_new(p, "ownerHandle", json_string(owner));
	srt_resp r;
	srt_publish_json(&S, tok, p, &f, 1, &r);
	if (text)
		SRT_EXPECT_TEXT(&r, status, text);
	else
		SRT_EXPECT_STATUS(&r, status);
	srt_resp_free(&r);
	json_decref(p);
}

static void test_publish_under_org(void **state)
{
	(void)state;
	publish_as(S.tok_alice, "@Acme", "acme-tool", "1.0.0", 200, NULL);
	json_t *d = srt_call(&S, "GET", "/api/v1/skills/acme-tool", NULL, NULL, 200, NULL);
	SRT_EXPECT_STR(json_object_get(d, "owner"), "handle", "acme");
	json_decref(d);
	/* A publisher member adds a version; someone outside the org may not. */
	publish_as(S.tok_bob, "acme", "acme-tool", "1.0.1", 200, NULL);
	publish_as(tok_carol, "acme", "acme-tool", "1.0.2", 400,
		   "You do not have publish access for \"@acme\". Ask an owner or admin of \"@acme\" to add you.");
	publish_as(tok_carol, "ghost", "ghost-tool", "1.0.0", 400,
		   "Publisher \"@ghost\" not found. Create the \"@ghost\" organization on ClawHub or choose a different owner.");
	/* Resolve with the org as owner finds the org's skill. */
	json_t *rv = srt_call(&S, "GET", "/api/v1/resolve?slug=acme-tool&ownerHandle=acme&hash=0000000000000000000000000000000000000000000000000000000000000000", NULL, NULL, 200, NULL);
	json_decref(rv);
	publish_as(S.tok_alice, "acme", "acme-other", "1.0.0", 200, NULL);
}

static void test_roles_on_org_skills(void **state)
{
	(void)state;
	/* bob is a publisher of acme: below admin, every management command is refused. */
	srt_call(&S, "POST", "/api/v1/skills/acme-tool/tags/beta", S.tok_bob, "{\"version\":\"1.0.0\"}", 403, "Forbidden");
	srt_call(&S, "POST", "/api/v1/skills/acme-tool/rename", S.tok_bob, "{\"newSlug\":\"acme-tool2\"}", 403, "Forbidden");
	srt_call(&S, "POST", "/api/v1/skills/acme-other/merge", S.tok_bob, "{\"targetSlug\":\"acme-tool\"}", 403, "Forbidden");
	srt_call(&S, "DELETE", "/api/v1/skills/acme-tool", S.tok_bob, NULL, 403, "Forbidden");
	srt_call(&S, "DELETE", "/api/v1/skills/acme-tool", tok_carol, NULL, 403, "Forbidden");
	/* As an admin of acme he may. */
	char out[256];
	const char *promote[] = {"publisher", "member", "acme", "bob", "--role", "admin", NULL};
	assert_int_equal(srt_admin(&S, out, sizeof(out), promote), 0);
	assert_string_equal(out, "acme bob admin");
	json_decref(srt_call(&S, "POST", "/api/v1/skills/acme-tool/tags/beta", S.tok_bob, "{\"version\":\"1.0.0\"}", 200, NULL));
	json_decref(srt_call(&S, "POST", "/api/v1/skills/acme-tool/rename", S.tok_bob, "{\"newSlug\":\"acme-tool2\"}", 200, NULL));
	/* Moderators may move a tag and delete, not rename; platform admins may rename, but
	 * nobody merges without rights on both skills. */
	json_decref(srt_call(&S, "POST", "/api/v1/skills/acme-tool2/tags/gamma", tok_mod, "{\"version\":\"1.0.1\"}", 200, NULL));
	srt_call(&S, "POST", "/api/v1/skills/acme-tool2/rename", tok_mod, "{\"newSlug\":\"acme-tool\"}", 403, "Forbidden");
	json_decref(srt_call(&S, "POST", "/api/v1/skills/acme-tool2/rename", S.tok_admin, "{\"newSlug\":\"acme-tool\"}", 200, NULL));
	srt_call(&S, "POST", "/api/v1/skills/acme-other/merge", S.tok_admin, "{\"targetSlug\":\"acme-tool\"}", 403, "Forbidden");
	json_decref(srt_call(&S, "DELETE", "/api/v1/skills/acme-other", S.tok_bob, NULL, 200, NULL));
	json_decref(srt_call(&S, "POST", "/api/v1/skills/acme-other/undelete", S.tok_bob, NULL, 200, NULL));
	json_decref(srt_call(&S, "POST", "/api/v1/skills/acme-other/merge", S.tok_bob, "{\"targetSlug\":\"acme-tool\"}", 200, NULL));
	/* Demoted again, and removed: nothing more. */
	const char *rm[] = {"publisher", "remove", "acme", "bob", NULL};
	assert_int_equal(srt_admin(&S, out, sizeof(out), rm), 0);
	srt_call(&S, "POST", "/api/v1/skills/acme-tool/tags/delta", S.tok_bob, "{\"version\":\"1.0.0\"}", 403, "Forbidden");
	publish_as(S.tok_bob, "acme", "acme-tool", "1.0.3", 400,
		   "You do not have publish access for \"@acme\". Ask an owner or admin of \"@acme\" to add you.");
	const char *list[] = {"publisher", "list", "acme", NULL};
	assert_int_equal(srt_admin(&S, out, sizeof(out), list), 0);
	assert_string_equal(out, "alice owner");
}

static void test_org_page(void **state)
{
	(void)state;
	srt_resp r;
	srt_get(&S, "/acme", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_non_null(strstr(r.body, "Organization · @acme"));
	assert_non_null(strstr(r.body, "acme-tool"));
	srt_resp_free(&r);
	srt_get(&S, "/alice", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_null(strstr(r.body, "Organization"));
	srt_resp_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_order_and_words),
		cmocka_unit_test(test_admin_routes),
		cmocka_unit_test(test_publish_under_org),
		cmocka_unit_test(test_roles_on_org_skills),
		cmocka_unit_test(test_org_page),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
