/*
 * test_transfers.c - ownership transfers (the accounts reference, section 4): every route
 * behind `clawhub transfer`, in ClawHub's order of checks and with its words; the lists;
 * accept, reject, cancel and expiry; the audit rows each step leaves; an accept that moves
 * the skill and its aliases so that the new owner publishes and the old one cannot; the
 * refusals of an accept that stay pending or end the request; and the immediate moves to an
 * org or to one's own account. Then the same on the web site: the skill page's owner panel and
 * /settings/transfers, whose every form needs the session's CSRF token.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static srt_server S;
static char tok_carol[128], tok_mod[128];

#define MISSING "Unauthorized: API token is missing. Run `clawhub login` to authenticate."
#define NO_PENDING "No pending transfer found"

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

static void ok(const char *method, const char *path, const char *tok, const char *body)
{
	json_t *j = srt_call(&S, method, path, tok, body, 200, NULL);
	assert_true(json_is_true(json_object_get(j, "ok")));
	json_decref(j);
}

static void publish(const char *tok, const char *slug, const char *version)
{
	srt_publish_ok(&S, tok, slug, version, "Transfer Tool", "A tool that changes hands.");
}

/* The handle of the owner of the live skill slug (read from the rows: a hidden skill's
 * detail answers 404 to the public). */
static const char *owner_of(const char *slug)
{
	static char handle[64];
	char *t = srt_db_text(S.db, srt_fmt("SELECT u.handle FROM skills s JOIN users u ON u.id = s.owner_id "
					    "WHERE s.slug = '%s' AND s.soft_deleted_at IS NULL",
					    slug));
	assert_non_null(t);
	snprintf(handle, sizeof(handle), "%.*s", (int)strcspn(t, "\n"), t);
	free(t);
	return handle;
}

static long long audit(const char *action, const char *actor)
{
	return srt_sql_int(&S, srt_fmt("SELECT count(*) FROM audit_log a JOIN users u ON u.id = a.actor_id "
				       "WHERE a.action = '%s' AND u.handle = '%s'",
				       action, actor));
}

static json_t *list(const char *tok, const char *which, size_t n)
{
	json_t *j = srt_call(&S, "GET", srt_fmt("/api/v1/transfers/%s", which), tok, NULL, 200, NULL);
	json_t *t = json_object_get(j, "transfers");
	assert_true(json_is_array(t));
	assert_int_equal(json_array_size(t), n);
	json_incref(t);
	json_decref(j);
	return t;
}

static void test_routes(void **state)
{
	(void)state;
	publish(S.tok_alice, "hand-over", "1.0.0");
	/* The token first, then the skill, then the body. */
	srt_call(&S, "POST", "/api/v1/skills/hand-over/transfer", NULL, "{\"toUserHandle\":\"bob\"}", 401, MISSING);
	srt_call(&S, "POST", "/api/v1/skills/hand-over/transfer/accept", NULL, NULL, 401, MISSING);
	srt_call(&S, "GET", "/api/v1/transfers/incoming", NULL, NULL, 401, MISSING);
	srt_call(&S, "POST", "/api/v1/skills/no-such-skill/transfer", S.tok_alice, "{nope", 404, "Skill not found");
	srt_call(&S, "POST", "/api/v1/skills/no-such-skill/transfer/reject", S.tok_bob, NULL, 404, "Skill not found");
	/* Other words and lists are unknown, before the token is asked for. */
	srt_call(&S, "POST", "/api/v1/skills/hand-over/transfer/keep", NULL, NULL, 404, "Not found");
	srt_call(&S, "GET", "/api/v1/transfers/sideways", NULL, NULL, 404, "Not found");
	srt_call(&S, "GET", "/api/v1/transfers", S.tok_alice, NULL, 404, "No matching routes found");
	srt_call(&S, "GET", "/api/v1/skills/hand-over/transfer", S.tok_alice, NULL, 404, "Not found");
}

static void test_request_refusals(void **state)
{
	(void)state;
	const char *p = "/api/v1/skills/hand-over/transfer";
	srt_call(&S, "POST", p, S.tok_alice, NULL, 400, "Invalid JSON");
	srt_call(&S, "POST", p, S.tok_alice, "{nope", 400, "Invalid JSON");
	srt_call(&S, "POST", p, S.tok_alice, "{}", 400, "toUserHandle required");
	srt_call(&S, "POST", p, S.tok_alice, "{\"toUserHandle\":\"  @ \"}", 400, "toUserHandle required");
	srt_call(&S, "POST", p, S.tok_alice, "[\"bob\"]", 400, "toUserHandle required");
	/* Only who may manage the skill asks. */
	srt_call(&S, "POST", p, S.tok_bob, "{\"toUserHandle\":\"carol\"}", 403, "Forbidden");
	srt_call(&S, "POST", p, tok_mod, "{\"toUserHandle\":\"carol\"}", 403, "Forbidden");
	srt_call(&S, "POST", p, S.tok_alice, "{\"toUserHandle\":\"nobody\"}", 404, "User not found");
	srt_call(&S, "POST", p, S.tok_alice, "{\"toUserHandle\":\"mallory\"}", 404, "User not found");
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM skill_transfers"), 0);

	json_t *j = srt_call(&S, "POST", p, S.tok_alice, "{\"toUserHandle\":\" @Bob \",\"message\":\"  please take it  \"}", 200, NULL);
	assert_true(json_is_true(json_object_get(j, "ok")));
	SRT_EXPECT_STR(j, "toUserHandle", "bob");
	assert_true(json_is_string(json_object_get(j, "transferId")));
	assert_null(json_object_get(j, "transferred"));
	long long expires = json_integer_value(json_object_get(j, "expiresAt"));
	json_decref(j);
	long long created = srt_sql_int(&S, "SELECT created_at FROM skill_transfers");
	assert_int_equal(expires - created, 7LL * 86400000);
	char *msg = srt_db_text(S.db, "SELECT message FROM skill_transfers");
	assert_string_equal(msg, "please take it\n");
	free(msg);
	/* One live request per skill. */
	srt_call(&S, "POST", p, S.tok_alice, "{\"toUserHandle\":\"carol\"}", 400, "A transfer is already pending for this skill");
	assert_int_equal(audit("skill.transfer.request", "alice"), 1);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM audit_log WHERE action = 'skill.transfer.request' "
					  "AND detail = 'to @bob'"),
			 1);
}

static void test_lists(void **state)
{
	(void)state;
	json_t *in = list(S.tok_bob, "incoming", 1);
	json_t *t = json_array_get(in, 0);
	SRT_EXPECT_STR(json_object_get(t, "skill"), "slug", "hand-over");
	SRT_EXPECT_STR(json_object_get(t, "skill"), "displayName", "Transfer Tool");
	SRT_EXPECT_STR(json_object_get(t, "fromUser"), "handle", "alice");
	assert_true(json_is_string(json_object_get(json_object_get(t, "fromUser"), "_id")));
	assert_null(json_object_get(t, "toUser"));
	SRT_EXPECT_STR(t, "message", "please take it");
	assert_true(json_integer_value(json_object_get(t, "expiresAt")) >
		    json_integer_value(json_object_get(t, "requestedAt")));
	json_decref(in);
	json_t *out = list(S.tok_alice, "outgoing", 1);
	SRT_EXPECT_STR(json_object_get(json_array_get(out, 0), "toUser"), "handle", "bob");
	assert_null(json_object_get(json_array_get(out, 0), "fromUser"));
	json_decref(out);
	json_decref(list(S.tok_alice, "incoming", 0));
	json_decref(list(S.tok_bob, "outgoing", 0));
	json_decref(list(tok_carol, "incoming", 0));
}

static void test_reject_and_cancel(void **state)
{
	(void)state;
	const char *p = "/api/v1/skills/hand-over/transfer";
	/* Only the recipient answers, only the requester cancels. */
	srt_call(&S, "POST", srt_fmt("%s/accept", p), tok_carol, NULL, 404, NO_PENDING);
	srt_call(&S, "POST", srt_fmt("%s/accept", p), S.tok_alice, NULL, 404, NO_PENDING);
	srt_call(&S, "POST", srt_fmt("%s/reject", p), S.tok_alice, NULL, 404, NO_PENDING);
	srt_call(&S, "POST", srt_fmt("%s/cancel", p), S.tok_bob, NULL, 404, NO_PENDING);
	json_t *j = srt_call(&S, "POST", srt_fmt("%s/reject", p), S.tok_bob, "ignored", 200, NULL);
	assert_true(json_is_true(json_object_get(j, "ok")));
	assert_null(json_object_get(j, "skillSlug"));
	json_decref(j);
	srt_call(&S, "POST", srt_fmt("%s/reject", p), S.tok_bob, NULL, 404, NO_PENDING);
	json_decref(list(S.tok_bob, "incoming", 0));
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM skill_transfers t JOIN users u ON u.id = t.resolved_by "
					  "WHERE t.status = 2 AND u.handle = 'bob' AND t.resolved_at >= t.created_at"),
			 1);
	assert_int_equal(audit("skill.transfer.reject", "bob"), 1);

	ok("POST", p, S.tok_alice, "{\"toUserHandle\":\"bob\",\"message\":\"\"}");
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM skill_transfers WHERE status = 0 AND message IS NULL"), 1);
	ok("POST", srt_fmt("%s/CANCEL", p), S.tok_alice, NULL);
	srt_call(&S, "POST", srt_fmt("%s/cancel", p), S.tok_alice, NULL, 404, NO_PENDING);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM skill_transfers t JOIN users u ON u.id = t.resolved_by "
					  "WHERE t.status = 3 AND u.handle = 'alice'"),
			 1);
	assert_int_equal(audit("skill.transfer.cancel", "alice"), 1);
	json_decref(list(S.tok_alice, "outgoing", 0));
}

static void test_accept_moves_skill_and_aliases(void **state)
{
	(void)state;
	/* The skill had another slug before: its alias moves with it. */
	ok("POST", "/api/v1/skills/hand-over/rename", S.tok_alice, "{\"newSlug\":\"handed-over\"}");
	ok("POST", "/api/v1/skills/handed-over/transfer", S.tok_alice, "{\"toUserHandle\":\"bob\"}");
	json_t *j = srt_call(&S, "POST", "/api/v1/skills/handed-over/transfer/accept", S.tok_bob, NULL, 200, NULL);
	assert_true(json_is_true(json_object_get(j, "ok")));
	SRT_EXPECT_STR(j, "skillSlug", "handed-over");
	json_decref(j);
	assert_string_equal(owner_of("handed-over"), "bob");
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM skill_aliases a JOIN users u ON u.id = a.owner_id "
					  "WHERE a.slug = 'hand-over' AND u.handle = 'bob'"),
			 1);
	json_decref(srt_call(&S, "GET", "/api/v1/skills/hand-over?ownerHandle=bob", NULL, NULL, 200, NULL));
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM skill_transfers t JOIN users u ON u.id = t.resolved_by "
					  "WHERE t.status = 1 AND u.handle = 'bob'"),
			 1);
	assert_int_equal(audit("skill.transfer.accept", "bob"), 1);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM audit_log WHERE action = 'skill.transfer.accept' "
					  "AND detail = 'from @alice'"),
			 1);
	/* The new owner publishes; the old one may not, nor manage it. */
	publish(S.tok_bob, "handed-over", "1.1.0");
	srt_file f = {"SKILL.md", srt_skill_md("Transfer Tool", "Taken back."), 0, "text/markdown"};
	f.len = strlen(f.data);
	json_t *pl = srt_payload("handed-over", "1.2.0");
	srt_resp r;
	srt_publish_json(&S, S.tok_alice, pl, &f, 1, &r);
	SRT_EXPECT_TEXT(&r, 400,
			srt_fmt("Slug is already taken. Choose a different slug. Existing skill: %s/bob/handed-over", S.base));
	srt_resp_free(&r);
	json_decref(pl);
	srt_call(&S, "POST", "/api/v1/skills/handed-over/transfer", S.tok_alice, "{\"toUserHandle\":\"carol\"}", 403, "Forbidden");
	srt_call(&S, "DELETE", "/api/v1/skills/handed-over", S.tok_alice, NULL, 403, "Forbidden");
	/* The request is over: nothing more to accept. */
	srt_call(&S, "POST", "/api/v1/skills/handed-over/transfer/accept", S.tok_bob, NULL, 404, NO_PENDING);
}

static void test_expiry(void **state)
{
	(void)state;
	publish(S.tok_alice, "slow-hand", "1.0.0");
	ok("POST", "/api/v1/skills/slow-hand/transfer", S.tok_alice, "{\"toUserHandle\":\"carol\"}");
	json_decref(list(tok_carol, "incoming", 1));
	/* Seven days pass: the request leaves both lists and cannot be answered; it is marked
	 * expired when met, and a new one may be made. */
	assert_int_equal(srt_sql(&S, "UPDATE skill_transfers SET expires_at = created_at - 1 WHERE status = 0"), 1);
	json_decref(list(tok_carol, "incoming", 0));
	json_decref(list(S.tok_alice, "outgoing", 0));
	srt_call(&S, "POST", "/api/v1/skills/slow-hand/transfer/accept", tok_carol, NULL, 404, NO_PENDING);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM skill_transfers WHERE status = 4 AND resolved_by IS NULL"), 1);
	assert_string_equal(owner_of("slow-hand"), "alice");
	ok("POST", "/api/v1/skills/slow-hand/transfer", S.tok_alice, "{\"toUserHandle\":\"carol\"}");
	json_decref(list(tok_carol, "incoming", 1));
}

static void test_accept_refusals(void **state)
{
	(void)state;
	/* Under moderation: the accept ends the request. */
	ok("POST", "/api/v1/skills/slow-hand/moderation/hide", S.tok_admin, "{\"reason\":\"staff.review\"}");
	srt_call(&S, "POST", "/api/v1/skills/slow-hand/transfer/accept", tok_carol, NULL, 400, "Skill is under moderation");
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM skill_transfers t JOIN skills s ON s.id = t.skill_id "
					  "WHERE s.slug = 'slow-hand' AND t.status = 3"),
			 1);
	assert_int_equal(audit("skill.transfer.void", "carol"), 1);
	srt_call(&S, "POST", "/api/v1/skills/slow-hand/transfer/accept", tok_carol, NULL, 404, NO_PENDING);
	assert_string_equal(owner_of("slow-hand"), "alice");

	/* The recipient already holds the slug (an imported catalogue may share one): the
	 * request stays pending until the owners sort it out. */
	assert_int_equal(srt_import_skill(&S, "carol", "shared-slug", "1.0.0", "Shared", "Carol's own."), 0);
	assert_int_equal(srt_import_skill(&S, "alice", "shared-slug", "1.0.0", "Shared", "Alice's own."), 0);
	ok("POST", "/api/v1/skills/shared-slug/transfer?ownerHandle=alice", S.tok_alice, "{\"toUserHandle\":\"carol\"}");
	srt_call(&S, "POST", "/api/v1/skills/shared-slug/transfer/accept?ownerHandle=alice", tok_carol, NULL, 400,
		     "Destination owner @carol already has skill \"shared-slug\". Rename or merge it before accepting this transfer.");
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM skill_transfers t JOIN skills s ON s.id = t.skill_id "
					  "WHERE s.slug = 'shared-slug' AND t.status = 0"),
			 1);
	/* ... or holds a redirect of it. */
	ok("POST", "/api/v1/skills/shared-slug/rename?ownerHandle=carol", tok_carol, "{\"newSlug\":\"carols-slug\"}");
	srt_call(&S, "POST", "/api/v1/skills/shared-slug/transfer/accept?ownerHandle=alice", tok_carol, NULL, 400,
		     "Destination owner @carol already has a redirect for skill \"shared-slug\". Rename or merge it before "
		     "accepting this transfer.");
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM skills s JOIN users u ON u.id = s.owner_id "
					  "WHERE s.slug = 'shared-slug' AND u.handle = 'alice'"),
			 1);
	ok("POST", "/api/v1/skills/shared-slug/transfer/cancel?ownerHandle=alice", S.tok_alice, NULL);
}

static void test_org_moves_and_roles(void **state)
{
	(void)state;
	char out[256];
	json_decref(srt_call(&S, "POST", "/api/v1/publishers", S.tok_alice, "{\"handle\":\"acme\"}", 201, NULL));
	publish(S.tok_alice, "org-bound", "1.0.0");
	/* To an org its owner administers: at once. */
	json_t *j = srt_call(&S, "POST", "/api/v1/skills/org-bound/transfer", S.tok_alice, "{\"toUserHandle\":\"@acme\",\"message\":\"x\"}",
				 200, NULL);
	assert_true(json_is_true(json_object_get(j, "transferred")));
	SRT_EXPECT_STR(j, "skillSlug", "org-bound");
	SRT_EXPECT_STR(j, "toPublisherHandle", "acme");
	long long acme = srt_sql_int(&S, "SELECT id FROM users WHERE handle = 'acme'");
	long long alice = srt_sql_int(&S, "SELECT id FROM users WHERE handle = 'alice'");
	SRT_EXPECT_STR(j, "ownerPublisherId", srt_fmt("us_%lld", acme));
	SRT_EXPECT_STR(j, "ownerUserId", srt_fmt("us_%lld", alice));
	json_decref(j);
	assert_string_equal(owner_of("org-bound"), "acme");
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM audit_log WHERE action = 'skill.owner.transfer' "
					  "AND detail = '@alice -> @acme: x'"),
			 1);
	/* Someone who does not administer the destination, or names an owner that is not there. */
	publish(S.tok_bob, "bobs-tool", "1.0.0");
	srt_call(&S, "POST", "/api/v1/skills/bobs-tool/transfer", S.tok_bob, "{\"toUserHandle\":\"acme\"}", 400,
		     "You do not have admin access for \"@acme\". Ask an owner or admin to add you before transferring this skill.");
	srt_call(&S, "POST", "/api/v1/skills/bobs-tool/transfer", S.tok_bob, "{\"toOwner\":\"ghost-org\",\"toUserHandle\":\"carol\"}", 404,
		     "Publisher \"@ghost-org\" not found");
	/* A hidden skill does not move at once. */
	ok("POST", "/api/v1/skills/bobs-tool/moderation/hide", S.tok_admin, "{\"reason\":\"staff.review\"}");
	srt_call(&S, "POST", "/api/v1/skills/bobs-tool/transfer", S.tok_bob, "{\"toPublisherHandle\":\"bob\"}", 400,
		     "Skill is not eligible for ownership transfer while under moderation");
	/* An org's publisher may not give its skill away; its admin may, to a person or to
	 * their own account. */
	const char *member[] = {"publisher", "member", "acme", "bob", "--role", "publisher", NULL};
	assert_int_equal(srt_admin(&S, out, sizeof(out), member), 0);
	srt_call(&S, "POST", "/api/v1/skills/org-bound/transfer", S.tok_bob, "{\"toUserHandle\":\"carol\"}", 403, "Forbidden");
	const char *admin[] = {"publisher", "member", "acme", "bob", "--role", "admin", NULL};
	assert_int_equal(srt_admin(&S, out, sizeof(out), admin), 0);
	ok("POST", "/api/v1/skills/org-bound/transfer", S.tok_bob, "{\"toUserHandle\":\"carol\"}");
	json_decref(list(tok_carol, "incoming", 1));
	/* Demoted before carol answers: the request is no longer good, and ends. */
	assert_int_equal(srt_admin(&S, out, sizeof(out), member), 0);
	srt_call(&S, "POST", "/api/v1/skills/org-bound/transfer/accept", tok_carol, NULL, 400, "Transfer is no longer valid");
	assert_string_equal(owner_of("org-bound"), "acme");
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM skill_transfers t JOIN skills s ON s.id = t.skill_id "
					  "WHERE s.slug = 'org-bound' AND t.status = 3"),
			 1);
	/* As admin again, bob takes it to his own account at once. */
	assert_int_equal(srt_admin(&S, out, sizeof(out), admin), 0);
	j = srt_call(&S, "POST", "/api/v1/skills/org-bound/transfer", S.tok_bob, "{\"toUserHandle\":\"bob\"}", 200, NULL);
	assert_true(json_is_true(json_object_get(j, "transferred")));
	json_decref(j);
	assert_string_equal(owner_of("org-bound"), "bob");
	/* The org already holding the slug refuses an immediate move. */
	assert_int_equal(srt_import_skill(&S, "acme", "twin-slug", "1.0.0", "Twin", "The org's."), 0);
	assert_int_equal(srt_import_skill(&S, "alice", "twin-slug", "1.0.0", "Twin", "Alice's."), 0);
	srt_call(&S, "POST", "/api/v1/skills/twin-slug/transfer?ownerHandle=alice", S.tok_alice, "{\"toOwner\":\"acme\"}", 400,
		     "Destination owner @acme already has skill \"twin-slug\". Choose a different slug or publish without migrating "
		     "ownership.");
}

static void test_platform_admin_and_deleted(void **state)
{
	(void)state;
	publish(S.tok_alice, "gone-tool", "1.0.0");
	ok("DELETE", "/api/v1/skills/gone-tool", S.tok_alice, NULL);
	/* A deleted skill is found only by a platform admin, who moves it with a reason. */
	srt_call(&S, "POST", "/api/v1/skills/gone-tool/transfer", S.tok_alice, "{\"toUserHandle\":\"bob\",\"message\":\"m\"}", 404,
		     "Skill not found");
	srt_call(&S, "POST", "/api/v1/skills/gone-tool/transfer", S.tok_admin, "{\"toUserHandle\":\"bob\",\"message\":\"  \"}", 400,
		     "message required for soft-deleted skill transfer");
	json_t *j = srt_call(&S, "POST", "/api/v1/skills/gone-tool/transfer", S.tok_admin,
				 "{\"toUserHandle\":\"bob\",\"message\":\"account recovery\"}", 200, NULL);
	assert_true(json_is_true(json_object_get(j, "transferred")));
	SRT_EXPECT_STR(j, "toPublisherHandle", "bob");
	json_decref(j);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM skills s JOIN users u ON u.id = s.owner_id "
					  "WHERE s.slug = 'gone-tool' AND u.handle = 'bob'"),
			 1);
	assert_int_equal(audit("skill.owner.transfer", "boss"), 1);
	/* A platform admin may also ask on an owner's behalf. */
	publish(S.tok_alice, "moved-to-carol", "1.0.0");
	ok("POST", "/api/v1/skills/moved-to-carol/transfer", S.tok_admin, "{\"toUserHandle\":\"carol\"}");
	ok("POST", "/api/v1/skills/moved-to-carol/transfer/accept", tok_carol, NULL);
	assert_string_equal(owner_of("moved-to-carol"), "carol");
}

/* Messages are kept to 2,000 bytes and the audit row's copy to 200, each cut between two
 * characters (PostgreSQL refuses half a character). */
static void test_long_messages(void **state)
{
	(void)state;
	char msg[4000] = "";
	for (int i = 0; i < 700; i++)
		strcat(msg, "\xe2\x9c\x93"); /* U+2713, three bytes */
	publish(S.tok_alice, "long-note", "1.0.0");
	ok("POST", "/api/v1/skills/long-note/transfer", S.tok_alice, srt_fmt("{\"toUserHandle\":\"bob\",\"message\":\"%s\"}", msg));
	assert_int_equal(srt_sql_int(&S, "SELECT length(t.message) FROM skill_transfers t JOIN skills s ON s.id = t.skill_id "
					  "WHERE s.slug = 'long-note' AND t.status = 0"),
			 666);
	ok("POST", "/api/v1/skills/long-note/transfer/cancel", S.tok_alice, NULL);
	msg[300] = '\0';
	ok("POST", "/api/v1/skills/long-note/transfer", S.tok_alice, srt_fmt("{\"toOwner\":\"acme\",\"message\":\"%s\"}", msg));
	assert_int_equal(srt_sql_int(&S, "SELECT max(length(detail)) FROM audit_log WHERE action = 'skill.owner.transfer' "
					  "AND detail LIKE '@alice -> @acme: %'"),
			 17 + 66);
}

/* ---- the web pages ---- */

static void expect_post(const char *cookie, const char *path, const char *form, long status, const char *needle)
{
	srt_resp r;
	srt_post_form(&S, cookie, path, form, &r);
	SRT_EXPECT_STATUS(&r, status);
	if (status == 303)
		assert_string_equal(srt_header(&r, "Location"), "/settings/transfers");
	if (needle && !strstr(r.body, needle))
		fail_msg("POST %s answer lacks: %s", path, needle);
	srt_resp_free(&r);
}

static void test_web_pages(void **state)
{
	(void)state;
	srt_set_password(&S, "alice");
	srt_set_password(&S, "bob");
	char ca[128], cb[128], ta[80], tb[80];
	srt_web_signin(&S, "alice", "/settings/transfers", ca, sizeof(ca), ta, sizeof(ta));
	srt_web_signin(&S, "bob", "/settings/transfers", cb, sizeof(cb), tb, sizeof(tb));
	publish(S.tok_alice, "web-hand", "1.0.0");

	/* Signed out: the page asks to sign in; the skill page shows no owner actions. */
	srt_resp r;
	srt_page(&S, NULL, "/settings/transfers", &r);
	SRT_EXPECT_STATUS(&r, 303);
	assert_string_equal(srt_header(&r, "Location"), "/signin?return_to=%2Fsettings%2Ftransfers");
	srt_resp_free(&r);
	srt_page(&S, NULL, "/alice/web-hand", &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_null(strstr(r.body, "Transfer ownership"));
	srt_resp_free(&r);
	/* The owner's skill page offers the transfer, to others nothing. */
	srt_expect_page(&S, ca, "/alice/web-hand", 200,
			    (const char *const[]){"action=\"/settings/transfers/request\"", srt_fmt("name=\"csrf\" value=\"%s\"", ta),
						  "Transfer ownership", NULL});
	srt_page(&S, cb, "/alice/web-hand", &r);
	assert_null(strstr(r.body, "Transfer ownership"));
	srt_resp_free(&r);

	/* A form without the session's token is refused before anything happens. */
	expect_post(ca, "/settings/transfers/request", "owner=alice&slug=web-hand&to=bob", 403, "Form expired");
	expect_post(ca, "/settings/transfers/request", srt_fmt("csrf=%s&owner=alice&slug=web-hand&to=bob", tb), 403,
		    "Form expired");
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM skill_transfers t JOIN skills s ON s.id = t.skill_id "
					  "WHERE s.slug = 'web-hand'"),
			 0);
	/* Someone else's skill is refused in words. */
	expect_post(cb, "/settings/transfers/request", srt_fmt("csrf=%s&owner=alice&slug=web-hand&to=carol", tb), 403,
		    "only its owner (or an admin of its org) may");
	expect_post(ca, "/settings/transfers/request",
		    srt_fmt("csrf=%s&owner=alice&slug=web-hand&to=%%40bob&message=over+to+you", ta), 303, NULL);

	/* The recipient answers on the transfers page; the requester sees it waiting. */
	srt_expect_page(&S, cb, "/settings/transfers", 200,
			    (const char *const[]){"href=\"/alice/web-hand\"", "@alice", "over to you",
						  "action=\"/settings/transfers/accept\"", "action=\"/settings/transfers/reject\"",
						  srt_fmt("name=\"csrf\" value=\"%s\"", tb), NULL});
	srt_expect_page(&S, ca, "/settings/transfers", 200,
			    (const char *const[]){"Sent, waiting for an answer", "@bob", "action=\"/settings/transfers/cancel\"",
						  NULL});
	srt_expect_page(&S, cb, "/alice/web-hand", 200,
			    (const char *const[]){"@alice asked @bob to take this skill", "action=\"/settings/transfers/accept\"", NULL});
	expect_post(cb, "/settings/transfers/accept", "owner=alice&slug=web-hand", 403, "Form expired");
	expect_post(cb, "/settings/transfers/accept", srt_fmt("csrf=%s&owner=alice&slug=web-hand", tb), 303, NULL);
	assert_string_equal(owner_of("web-hand"), "bob");
	/* The history: on both parties' pages, and on the skill page for its owner. */
	srt_expect_page(&S, cb, "/settings/transfers", 200,
			    (const char *const[]){"No incoming transfers.", "History: asked of you", "web-hand", "accepted", NULL});
	srt_expect_page(&S, ca, "/settings/transfers", 200, (const char *const[]){"History: sent by you", "accepted", "@bob", NULL});
	srt_expect_page(&S, cb, "/bob/web-hand", 200, (const char *const[]){"Transfer history", "accepted", NULL});
	/* Staff read the history too, and are offered no transfer of a skill that is not theirs. */
	char cm[128], tm[80];
	srt_set_password(&S, "mod");
	srt_web_signin(&S, "mod", "/settings/transfers", cm, sizeof(cm), tm, sizeof(tm));
	srt_page(&S, cm, "/bob/web-hand", &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_non_null(strstr(r.body, "Transfer history"));
	assert_null(strstr(r.body, "Transfer ownership"));
	srt_resp_free(&r);
	/* Nothing left to cancel. */
	expect_post(ca, "/settings/transfers/cancel", srt_fmt("csrf=%s&owner=bob&slug=web-hand", ta), 404,
		    "There is no transfer of this skill waiting for you.");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_request_refusals),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_reject_and_cancel),
		cmocka_unit_test(test_accept_moves_skill_and_aliases),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_accept_refusals),
		cmocka_unit_test(test_org_moves_and_roles),
		cmocka_unit_test(test_platform_admin_and_deleted),
		cmocka_unit_test(test_long_messages),
		cmocka_unit_test(test_web_pages),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
