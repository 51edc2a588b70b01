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

/* Everything a refused migration must leave as it was: the skills with their owners and
 * times, the aliases, the versions and the audit rows. malloc'd. */
static char *skill_rows(void)
{
	char *a = srt_db_text(S.db, "SELECT id, owner_id, slug, updated_at, latest_version_id, "
				    "(SELECT count(*) FROM skill_versions v WHERE v.skill_id = s.id) FROM skills s ORDER BY id");
	char *b = srt_db_text(S.db, "SELECT owner_id, slug, skill_id FROM skill_aliases ORDER BY owner_id, slug");
	char *c = srt_db_text(S.db, "SELECT count(*) FROM audit_log");
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	char *all = strdup(srt_fmt("%s--\n%s--\n%s", a, b, c));
	free(a);
	free(b);
	free(c);
	return all;
}

/* A publish of slug@version into owner that asks to move it from source (NULL: no
 * sourceOwnerHandle); migrate 0 leaves migrateOwner out. */
static void migrate_as(const char *tok, const char *owner, const char *source, int migrate, const char *slug,
		       const char *version, long status, const char *text)
{
	srt_file f = {"SKILL.md", srt_skill_md("Mig Kit", "A kit that changes owner."), 0, "text/markdown"};
	f.len = strlen(f.data);
	json_t *p = srt_payload(slug, version);
	if (owner)
		json_object_set_new(p, "ownerHandle", json_string(owner));
	if (source)
		json_object_set_new(p, "sourceOwnerHandle", json_string(source));
	if (migrate)
		json_object_set_new(p, "migrateOwner", json_true());
	srt_resp r;
	srt_publish_json(&S, tok, p, &f, 1, &r);
	if (text)
		SRT_EXPECT_TEXT(&r, status, text);
	else
		SRT_EXPECT_STATUS(&r, status);
	srt_resp_free(&r);
	json_decref(p);
}

/* A migration refused in these words changes nothing. */
static void migrate_refused(const char *tok, const char *owner, const char *source, int migrate, const char *slug,
			    const char *version, const char *text)
{
	char *before = skill_rows();
	migrate_as(tok, owner, source, migrate, slug, version, 400, text);
	char *after = skill_rows();
	assert_string_equal(after, before);
	free(before);
	free(after);
}

static const char *owner_handle_of(const char *path)
{
	static char handle[64];
	json_t *d = srt_call(&S, "GET", path, NULL, NULL, 200, NULL);
	snprintf(handle, sizeof(handle), "%s", json_string_value(json_object_get(json_object_get(d, "owner"), "handle")));
	json_decref(d);
	return handle;
}

/* `clawhub publish --owner <org> --migrate-owner [--source-owner <s>]` (the accounts
 * reference, section 3): the skill moves inside the publish, with its aliases, and the version
 * is added to it; every refusal in ClawHub's words, each leaving the rows as they were. */
static void test_migrate_owner(void **state)
{
	(void)state;
	char out[256];
	json_decref(srt_call(&S, "POST", "/api/v1/publishers", S.tok_alice, "{\"handle\":\"acme-mig\"}", 201, NULL));
	const char *member[] = {"publisher", "member", "acme-mig", "bob", "--role", "publisher", NULL};
	assert_int_equal(srt_admin(&S, out, sizeof(out), member), 0);
	/* alice's mig-kit had another slug before: its alias goes with it. */
	srt_publish_ok(&S, S.tok_alice, "mig-kit-old", "1.0.0", "Mig Kit", "A kit that changes owner.");
	json_decref(srt_call(&S, "POST", "/api/v1/skills/mig-kit-old/rename", S.tok_alice, "{\"newSlug\":\"mig-kit\"}", 200, NULL));

	/* Without migrateOwner, or with a source equal to the owner, nothing moves: the slug is
	 * alice's, as today. */
	char taken[300];
	snprintf(taken, sizeof(taken), "Slug is already taken. Choose a different slug. Existing skill: %s/alice/mig-kit", S.base);
	migrate_refused(S.tok_alice, "acme-mig", "alice", 0, "mig-kit", "9.0.0", taken);
	migrate_refused(S.tok_alice, "acme-mig", "acme-mig", 1, "mig-kit", "9.0.0", taken);
	migrate_refused(S.tok_alice, "acme-mig", NULL, 1, "mig-kit", "9.0.0", taken);
	/* bob may publish into acme-mig but is no admin of it (nor of alice): the slug stays
	 * taken, even for his own skill. */
	migrate_refused(S.tok_bob, "acme-mig", "alice", 1, "mig-kit", "9.0.0", taken);
	srt_publish_ok(&S, S.tok_bob, "bob-mig", "1.0.0", "Bob Mig", "Bob's.");
	migrate_refused(S.tok_bob, "acme-mig", "bob", 1, "bob-mig", "9.0.0",
			srt_fmt("Slug is already taken. Choose a different slug. Existing skill: %s/bob/bob-mig", S.base));
	/* carol is no member at all: the publish itself is refused. */
	migrate_refused(tok_carol, "acme-mig", "carol", 1, "mig-kit", "9.0.0",
			"You do not have publish access for \"@acme-mig\". Ask an owner or admin of \"@acme-mig\" to add you.");
	migrate_refused(S.tok_alice, "acme-mig", "alice", 1, "mig-none", "9.0.0", "Source owner @alice does not have skill \"mig-none\".");
	migrate_refused(S.tok_alice, "acme-mig", "@ghost", 1, "mig-kit", "9.0.0", "Source owner @ghost does not have skill \"mig-kit\".");
	assert_int_equal(srt_import_skill(&S, "acme-mig", "mig-twin", "1.0.0", "Twin", "The org's."), 0);
	assert_int_equal(srt_import_skill(&S, "alice", "mig-twin", "1.0.0", "Twin", "Alice's."), 0);
	migrate_refused(S.tok_alice, "acme-mig", "alice", 1, "mig-twin", "9.0.0",
			"Destination owner @acme-mig already has skill \"mig-twin\". Choose a different slug or publish without "
			"migrating ownership.");
	assert_int_equal(srt_import_skill(&S, "alice", "mig-shared", "1.0.0", "Shared", "Alice's."), 0);
	assert_int_equal(srt_import_skill(&S, "carol", "mig-shared", "1.0.0", "Shared", "Carol's."), 0);
	migrate_refused(S.tok_alice, "acme-mig", "alice", 1, "mig-shared", "9.0.0",
			"Slug is used by multiple publishers. Publish with the source owner namespace instead.");
	srt_publish_ok(&S, S.tok_alice, "mig-hidden", "1.0.0", "Mig Hidden", "Hidden by staff.");
	json_decref(srt_call(&S, "POST", "/api/v1/skills/mig-hidden/moderation/hide", S.tok_admin,
			     "{\"reason\":\"staff.review\"}", 200, NULL));
	migrate_refused(S.tok_alice, "acme-mig", "alice", 1, "mig-hidden", "9.0.0",
			"Skill is not eligible for ownership transfer while under moderation");
	/* A version the skill has already is refused before anything moves. */
	migrate_refused(S.tok_alice, "acme-mig", "alice", 1, "mig-kit", "1.0.0",
			"Version 1.0.0 already exists. Increment the version number and try again.");

	/* The move: alice's own handle as source, as the CLI sends without --source-owner. */
	long long skill = srt_sql_int(&S, "SELECT id FROM skills WHERE slug = 'mig-kit'");
	migrate_as(S.tok_alice, "acme-mig", "alice", 1, "mig-kit", "1.1.0", 200, NULL);
	assert_string_equal(owner_handle_of("/api/v1/skills/mig-kit"), "acme-mig");
	assert_int_equal(srt_sql_int(&S, "SELECT id FROM skills WHERE slug = 'mig-kit'"), skill);
	json_t *v = srt_call(&S, "GET", "/api/v1/skills/mig-kit/versions", NULL, NULL, 200, NULL);
	assert_int_equal(json_array_size(json_object_get(v, "items")), 2);
	json_decref(v);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM audit_log WHERE action = 'skill.owner.migrate' "
					  "AND detail = '@alice -> @acme-mig'"),
			 1);
	/* The aliases follow the skill, as an accepted transfer's do: the old slug now answers
	 * under the org, and neither address answers under alice. */
	assert_string_equal(owner_handle_of("/api/v1/skills/mig-kit-old?ownerHandle=acme-mig"), "acme-mig");
	srt_call(&S, "GET", "/api/v1/skills/mig-kit?ownerHandle=alice", NULL, NULL, 404, "Skill not found");
	srt_call(&S, "GET", "/api/v1/skills/mig-kit-old?ownerHandle=alice", NULL, NULL, 404, "Skill not found");
	/* bob, a publisher of acme-mig, now adds versions to it as to any org skill. */
	publish_as(S.tok_bob, "acme-mig", "mig-kit", "1.2.0", 200, NULL);

	/* And back, from an org source written as a client might; alice's own redirect of the
	 * slug gives way to the skill. */
	srt_sql(&S, srt_fmt("INSERT INTO skill_aliases(owner_id, slug, skill_id, created_at) SELECT u.id, 'mig-kit', s.id, 1 "
			    "FROM users u, skills s WHERE u.handle = 'alice' AND s.slug = 'mig-hidden'"));
	migrate_as(S.tok_alice, NULL, "@Acme-Mig", 1, "mig-kit", "1.3.0", 200, NULL);
	assert_string_equal(owner_handle_of("/api/v1/skills/mig-kit"), "alice");
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM skill_aliases a JOIN skills s ON s.id = a.skill_id "
					  "WHERE a.slug = 'mig-kit'"),
			 0);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM skill_aliases a JOIN users u ON u.id = a.owner_id "
					  "WHERE a.slug = 'mig-kit-old' AND u.handle = 'alice'"),
			 1);
	assert_int_equal(srt_sql_int(&S, srt_fmt("SELECT count(*) FROM skill_versions WHERE skill_id = %lld", skill)), 4);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM audit_log WHERE action = 'skill.owner.migrate' "
					  "AND detail = '@acme-mig -> @alice'"),
			 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_order_and_words),
		cmocka_unit_test(test_admin_routes),
		cmocka_unit_test(test_publish_under_org),
		cmocka_unit_test(test_roles_on_org_skills),
		cmocka_unit_test(test_org_page),
		cmocka_unit_test(test_migrate_owner),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
