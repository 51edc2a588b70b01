/*
 * test_staff.c - the staff console (/staff) and appeals, through a real server: every page
 * answers 404 to anyone but moderators and admins, signed out included; every action needs
 * the session's CSRF token and a reason (400 on the page without one, nothing changed); each
 * action changes the skill as the API's moderation route does and leaves the same audit row
 * with the reason; reports are resolved or dismissed with who and when; an owner appeals from
 * the appeal page (one open appeal per version), staff reject or accept it, and an accepted
 * appeal makes the skill active and clean. Then ClawHub's appeal routes under /api/v1.
 * Then accounts (/staff/users): a handle finds a person or an org; a ban needs a reason,
 * stops the account's API token (401) and hides its skills from the public list; a moderator
 * bans neither an admin nor themselves and changes no role (403); an admin changes roles
 * (audited, on the audit page) but keeps their own admin role; the org tools ensure an org
 * with a member and remove the member, for admins only; each page reads one index lookup and
 * one bounded range.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static srt_server S;
static char tok_carol[128], tok_mod[128], tok_erin[128], tok_dave[128];
static char c_alice[128], t_alice[80], c_carol[128], t_carol[80], c_mod[128], t_mod[80], c_boss[128], t_boss[80];

static int group_setup(void **state)
{
	(void)state;
	if (srt_server_start(&S))
		return -1;
	srt_make_user(&S, "carol", "user", tok_carol, sizeof(tok_carol));
	srt_make_user(&S, "mod", "moderator", tok_mod, sizeof(tok_mod));
	srt_make_user(&S, "erin", "user", tok_erin, sizeof(tok_erin));
	srt_make_user(&S, "dave", "user", tok_dave, sizeof(tok_dave));
	srt_set_password(&S, "alice");
	srt_set_password(&S, "boss");
	srt_set_password(&S, "carol");
	srt_set_password(&S, "mod");
	srt_web_signin(&S, "alice", "/settings/sessions", c_alice, sizeof(c_alice), t_alice, sizeof(t_alice));
	srt_web_signin(&S, "carol", "/settings/sessions", c_carol, sizeof(c_carol), t_carol, sizeof(t_carol));
	srt_web_signin(&S, "mod", "/settings/sessions", c_mod, sizeof(c_mod), t_mod, sizeof(t_mod));
	srt_web_signin(&S, "boss", "/settings/sessions", c_boss, sizeof(c_boss), t_boss, sizeof(t_boss));
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return srt_server_stop(&S);
}

/* A form's answer: its status, and the Location of a 303 or a text of the page. */
static void expect_post(const char *cookie, const char *path, const char *form, long status, const char *want)
{
	srt_resp r;
	srt_post_form(&S, cookie, path, form, &r);
	SRT_EXPECT_STATUS(&r, status);
	if (status == 303)
		assert_string_equal(srt_header(&r, "Location"), want);
	else if (want && !strstr(r.body, want))
		fail_msg("POST %s answer lacks: %s", path, want);
	srt_resp_free(&r);
}

static long long q(const char *sql)
{
	return srt_sql_int(&S, sql);
}

static long long skill_col(const char *col, const char *slug)
{
	return q(srt_fmt("SELECT %s FROM skills WHERE slug = '%s'", col, slug));
}

static long long audit(const char *action, const char *actor, const char *detail_part)
{
	return q(srt_fmt("SELECT count(*) FROM audit_log a JOIN users u ON u.id = a.actor_id WHERE a.action = '%s' "
			 "AND u.handle = '%s' AND a.detail LIKE '%%%s%%'",
			 action, actor, detail_part));
}

static const char *const console_pages[] = {"/staff", "/staff/queue", "/staff/flagged", "/staff/blocked",
					    "/staff/reports", "/staff/appeals", "/staff/audit",
					    "/staff/skill/alice/console-target", "/staff/users", "/staff/users/carol"};

static void test_only_staff(void **state)
{
	(void)state;
	srt_publish_ok(&S, S.tok_alice, "console-target", "1.0.0", "Staff Target", "A skill staff look at.");
	assert_int_equal(srt_wait_scans(&S), 0);
	for (size_t i = 0; i < sizeof(console_pages) / sizeof(console_pages[0]); i++) {
		srt_expect_page(&S, NULL, console_pages[i], 404, (const char *const[]){"Page not found", NULL});
		srt_expect_page(&S, c_carol, console_pages[i], 404, (const char *const[]){"Page not found", NULL});
		srt_expect_page(&S, c_mod, console_pages[i], 200, (const char *const[]){"Staff console", NULL});
	}
	/* Staff find the console from every page's header and from a skill page; others do not. */
	srt_expect_page(&S, c_mod, "/alice/console-target", 200,
			    (const char *const[]){"<a href=\"/staff\">Staff</a>", "href=\"/staff/skill/alice/console-target\"", NULL});
	srt_resp r;
	srt_page(&S, c_carol, "/alice/console-target", &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_null(strstr(r.body, "href=\"/staff"));
	srt_resp_free(&r);
	/* A form of a signed-in user who is not staff, with a good token, finds no page either. */
	expect_post(c_carol, "/staff/skill/alice/console-target/hide", srt_fmt("csrf=%s&reason=mine", t_carol), 404,
		    "Page not found");
	/* Staff without the session's token: refused before anything runs. */
	expect_post(c_mod, "/staff/skill/alice/console-target/hide", "reason=no+token", 403, "Form expired");
	assert_int_equal(skill_col("moderation_status", "console-target"), 0);
	/* The accounts' search and forms likewise. */
	srt_expect_page(&S, NULL, "/staff/users?q=carol", 404, (const char *const[]){"Page not found", NULL});
	srt_expect_page(&S, c_carol, "/staff/users?q=carol", 404, (const char *const[]){"Page not found", NULL});
	expect_post(c_carol, "/staff/users/dave/ban", srt_fmt("csrf=%s&reason=mine", t_carol), 404, "Page not found");
	expect_post(c_carol, "/staff/orgs/ensure", srt_fmt("csrf=%s&org=carols", t_carol), 404, "Page not found");
	expect_post(c_mod, "/staff/users/dave/ban", "reason=no+token", 403, "Form expired");
	assert_int_equal(q("SELECT count(*) FROM users WHERE handle = 'dave' AND deactivated_at IS NULL"), 1);
	assert_int_equal(q("SELECT count(*) FROM users WHERE handle = 'carols'"), 0);
	srt_expect_page(&S, c_mod, "/staff", 200, (const char *const[]){"<a href=\"/staff/users\">Users and orgs</a>", NULL});
	/* The handle is the console's: nobody can take it. */
	char out[256];
	const char *add[] = {"user", "add", "staff", NULL};
	assert_int_not_equal(srt_admin(&S, out, sizeof(out), add), 0);
}

/* One console action on console-target: refused without a reason, done with one. */
static void act(const char *action, const char *extra, const char *reason)
{
	char path[96];
	snprintf(path, sizeof(path), "/staff/skill/alice/console-target/%s", action);
	char before[64];
	snprintf(before, sizeof(before), "%lld/%lld", skill_col("moderation_status", "console-target"),
		 skill_col("coalesce(moderation_verdict, -1)", "console-target"));
	expect_post(c_mod, path, srt_fmt("csrf=%s%s&reason=++", t_mod, extra), 400, "Give a reason for this action");
	char after[64];
	snprintf(after, sizeof(after), "%lld/%lld", skill_col("moderation_status", "console-target"),
		 skill_col("coalesce(moderation_verdict, -1)", "console-target"));
	assert_string_equal(before, after);
	expect_post(c_mod, path, srt_fmt("csrf=%s%s&reason=%s", t_mod, extra, srt_urlenc(reason)), 303,
		    srt_fmt("/staff/skill/alice/console-target?done=%s", action));
	assert_int_equal(audit(srt_fmt("skill.%s", action), "mod", srt_fmt("note: %s", reason)), 1);
}

static void test_skill_actions(void **state)
{
	(void)state;
	srt_expect_page(&S, c_mod, "/staff/skill/alice/console-target", 200,
			    (const char *const[]){"action=\"/staff/skill/alice/console-target/hide\"",
						  srt_fmt("name=\"csrf\" value=\"%s\"", t_mod), "name=\"reason\"", NULL});
	act("hide", "", "spam links in SKILL.md");
	assert_int_equal(skill_col("moderation_status", "console-target"), 1);
	act("unhide", "", "links were fine");
	assert_int_equal(skill_col("moderation_status", "console-target"), 0);
	/* Unhide of an active skill: the domain's refusal, on the page. */
	expect_post(c_mod, "/staff/skill/alice/console-target/unhide", srt_fmt("csrf=%s&reason=again", t_mod), 409,
		    "The skill is not hidden.");
	act("remove", "", "copied from another publisher");
	assert_int_equal(skill_col("moderation_status", "console-target"), 2);
	act("restore", "", "the publisher showed the licence");
	assert_int_equal(skill_col("moderation_status", "console-target"), 0);
	act("verdict", "&verdict=suspicious", "asks for a token in plain text");
	assert_int_equal(skill_col("moderation_verdict", "console-target"), 1);
	srt_expect_page(&S, c_mod, "/staff/flagged", 200, (const char *const[]){"console-target", NULL});
	act("verdict", "&verdict=malicious", "downloads a binary");
	assert_int_equal(skill_col("moderation_verdict", "console-target"), 2);
	srt_expect_page(&S, c_mod, "/staff/blocked", 200, (const char *const[]){"console-target", NULL});
	act("rescan", "", "new rules");
	srt_expect_page(&S, c_mod, "/staff/audit", 200,
			    (const char *const[]){"skill.rescan", "note: new rules", "skill.verdict", NULL});
	/* The API's route writes the same row for the same action. */
	srt_resp r;
	srt_send(&S, "POST", "/api/v1/skills/console-target/moderation/verdict", tok_mod,
		 "{\"verdict\":\"clean\",\"note\":\"from the api\"}", &r);
	json_decref(SRT_EXPECT_JSON(&r, 200));
	srt_resp_free(&r);
	assert_int_equal(audit("skill.verdict", "mod", "note: from the api"), 1);
	assert_int_equal(skill_col("moderation_verdict", "console-target"), 0);
	/* A long reason is kept to its first 500 bytes, cut between characters (é is 2 bytes). */
	char form[4096], kept[600];
	size_t n = (size_t)snprintf(form, sizeof(form), "csrf=%s&reason=", t_mod);
	for (int i = 0; i < 300; i++)
		n += (size_t)snprintf(form + n, sizeof(form) - n, "%%C3%%A9");
	expect_post(c_mod, "/staff/skill/alice/console-target/hide", form, 303,
		    "/staff/skill/alice/console-target?done=hide");
	n = 0;
	for (int i = 0; i < 250; i++)
		n += (size_t)snprintf(kept + n, sizeof(kept) - n, "\xc3\xa9");
	assert_int_equal(q(srt_fmt("SELECT count(*) FROM audit_log WHERE action = 'skill.hide' AND detail LIKE '%%note: %s'", kept)), 1);
	assert_int_equal(q(srt_fmt("SELECT count(*) FROM audit_log WHERE action = 'skill.hide' AND detail LIKE '%%%s\xc3\xa9'", kept)), 0);
}

static void test_reports(void **state)
{
	(void)state;
	srt_publish_ok(&S, S.tok_alice, "console-reported", "1.0.0", "Reported", "A skill people report.");
	assert_int_equal(srt_wait_scans(&S), 0);
	srt_resp r;
	srt_send(&S, "POST", "/api/v1/skills/console-reported/report", tok_carol, "{\"reason\":\"steals cookies\"}", &r);
	json_decref(SRT_EXPECT_JSON(&r, 200));
	srt_resp_free(&r);
	srt_send(&S, "POST", "/api/v1/skills/console-reported/report", S.tok_bob, "{\"reason\":\"just disliked\"}", &r);
	json_decref(SRT_EXPECT_JSON(&r, 200));
	srt_resp_free(&r);
	assert_int_equal(skill_col("stats_reports", "console-reported"), 2);
	long long rc = q("SELECT r.id FROM skill_reports r JOIN users u ON u.id = r.user_id WHERE u.handle = 'carol'");
	long long rb = q("SELECT r.id FROM skill_reports r JOIN users u ON u.id = r.user_id WHERE u.handle = 'bob'");
	srt_expect_page(&S, c_mod, "/staff/reports", 200,
			    (const char *const[]){"steals cookies", "just disliked", srt_fmt("/staff/reports/%lld/decide", rc), NULL});
	char pc[64], pb[64];
	snprintf(pc, sizeof(pc), "/staff/reports/%lld/decide", rc);
	snprintf(pb, sizeof(pb), "/staff/reports/%lld/decide", rb);
	expect_post(c_mod, pc, srt_fmt("csrf=%s&do=resolve&reason=", t_mod), 400, "Give a reason for this decision");
	assert_int_equal(q(srt_fmt("SELECT status FROM skill_reports WHERE id = %lld", rc)), 0);
	expect_post(c_mod, pc, srt_fmt("csrf=%s&do=resolve&reason=confirmed%%2C+hidden", t_mod), 303,
		    "/staff/reports?done=resolve");
	expect_post(c_mod, pb, srt_fmt("csrf=%s&do=dismiss&reason=not+a+problem", t_mod), 303,
		    "/staff/reports?done=dismiss");
	assert_int_equal(q(srt_fmt("SELECT status FROM skill_reports WHERE id = %lld", rc)), 1);
	assert_int_equal(q(srt_fmt("SELECT status FROM skill_reports WHERE id = %lld", rb)), 2);
	assert_int_equal(q(srt_fmt("SELECT count(*) FROM skill_reports r JOIN users u ON u.id = r.triaged_by "
				   "WHERE r.id = %lld AND u.handle = 'mod' AND r.triaged_at > 0 AND r.triage_note = 'confirmed, hidden'",
				   rc)),
			 1);
	assert_int_equal(skill_col("stats_reports", "console-reported"), 0);
	assert_int_equal(audit("report.resolve", "mod", "note: confirmed, hidden"), 1);
	assert_int_equal(audit("report.dismiss", "mod", "note: not a problem"), 1);
	srt_expect_page(&S, c_mod, "/staff/reports?status=resolved", 200,
			    (const char *const[]){"steals cookies", "resolved", "confirmed, hidden", NULL});
	srt_expect_page(&S, c_mod, "/staff/reports?status=dismissed", 200, (const char *const[]){"just disliked", NULL});
	expect_post(c_mod, pc, srt_fmt("csrf=%s&do=dismiss&reason=changed+my+mind", t_mod), 400,
		    "This case was decided already.");
	/* A closed report is opened again when its reporter reports again. */
	srt_send(&S, "POST", "/api/v1/skills/console-reported/report", tok_carol, "{\"reason\":\"still bad\"}", &r);
	json_t *j = SRT_EXPECT_JSON(&r, 200);
	assert_true(json_is_true(json_object_get(j, "reported")));
	json_decref(j);
	srt_resp_free(&r);
	assert_int_equal(q(srt_fmt("SELECT status FROM skill_reports WHERE id = %lld", rc)), 0);
	assert_int_equal(skill_col("stats_reports", "console-reported"), 1);
	/* Resolved with the final action: the skill is hidden by the staff hide, audited too. */
	expect_post(c_mod, pc, srt_fmt("csrf=%s&do=hide&reason=hiding+it+now", t_mod), 303, "/staff/reports?done=hide");
	assert_int_equal(skill_col("moderation_status", "console-reported"), 1);
	assert_int_equal(q("SELECT count(*) FROM skills WHERE slug = 'console-reported' AND moderation_reason = 'manual.report'"), 1);
	assert_int_equal(audit("skill.hide", "mod", "note: hiding it now"), 1);
	srt_expect_page(&S, c_mod, "/staff/reports?status=resolved", 200, (const char *const[]){"(skill hidden)", NULL});
	/* The skill's console page has its reports and its history. */
	srt_expect_page(&S, c_mod, "/staff/skill/alice/console-reported", 200,
			    (const char *const[]){"<h2>Reports</h2>", "still bad", "just disliked", "<h2>History</h2>",
						  "report.resolve", "note: hiding it now", NULL});
}

static void test_appeals(void **state)
{
	(void)state;
	srt_publish_ok(&S, S.tok_alice, "console-appealed", "1.0.0", "Appealed", "A skill its owner defends.");
	assert_int_equal(srt_wait_scans(&S), 0);
	const char *file = "/settings/appeals/file";
	/* Nothing to appeal yet. */
	expect_post(c_alice, file, srt_fmt("csrf=%s&owner=alice&slug=console-appealed&message=hm", t_alice), 400,
		    "Nothing to appeal");
	srt_resp r;
	srt_send(&S, "POST", "/api/v1/skills/console-appealed/moderation/verdict", tok_mod, "{\"verdict\":\"malicious\"}", &r);
	json_decref(SRT_EXPECT_JSON(&r, 200));
	srt_resp_free(&r);
	srt_expect_page(&S, c_alice, "/dashboard", 200, (const char *const[]){"/settings/appeals/alice/console-appealed", NULL});
	srt_expect_page(&S, c_alice, "/settings/appeals/alice/console-appealed", 200,
			    (const char *const[]){"action=\"/settings/appeals/file\"", "name=\"message\"", NULL});
	srt_expect_page(&S, c_carol, "/settings/appeals/alice/console-appealed", 404, (const char *const[]){"Skill not found", NULL});
	expect_post(c_alice, file, srt_fmt("csrf=%s&owner=alice&slug=console-appealed&message=+", t_alice), 400,
		    "an appeal needs a message");
	expect_post(c_carol, file, srt_fmt("csrf=%s&owner=alice&slug=console-appealed&message=mine", t_carol), 404,
		    "Skill not found");
	expect_post(c_alice, file,
		    srt_fmt("csrf=%s&owner=alice&slug=console-appealed&message=%s", t_alice,
			    srt_urlenc("The binary is our signed release.")),
		    303, "/settings/appeals/alice/console-appealed?filed=1");
	expect_post(c_alice, file, srt_fmt("csrf=%s&owner=alice&slug=console-appealed&message=again", t_alice), 303,
		    "/settings/appeals/alice/console-appealed?filed=again");
	assert_int_equal(q("SELECT count(*) FROM skill_appeals"), 1);
	long long a1 = q("SELECT id FROM skill_appeals");
	srt_expect_page(&S, c_alice, "/settings/appeals/alice/console-appealed", 200,
			    (const char *const[]){"The binary is our signed release.", ">open<", NULL});
	srt_expect_page(&S, c_mod, "/staff/appeals", 200, (const char *const[]){"The binary is our signed release.", NULL});
	char p1[64];
	snprintf(p1, sizeof(p1), "/staff/appeals/%lld/decide", a1);
	expect_post(c_mod, p1, srt_fmt("csrf=%s&do=reject&reason=", t_mod), 400, "Give a reason for this decision");
	expect_post(c_mod, p1, srt_fmt("csrf=%s&do=reject&reason=unsigned+binary", t_mod), 303, "/staff/appeals?done=reject");
	assert_int_equal(skill_col("moderation_verdict", "console-appealed"), 2);
	srt_expect_page(&S, c_alice, "/settings/appeals/alice/console-appealed", 200,
			    (const char *const[]){">rejected<", "unsigned binary", NULL});
	/* Decided, the version can be appealed again; accepted, the skill is active and clean. */
	expect_post(c_alice, file, srt_fmt("csrf=%s&owner=alice&slug=console-appealed&message=signed+now", t_alice), 303,
		    "/settings/appeals/alice/console-appealed?filed=1");
	long long a2 = q("SELECT max(id) FROM skill_appeals");
	assert_true(a2 > a1);
	expect_post(c_mod, srt_fmt("/staff/appeals/%lld/decide", a2), srt_fmt("csrf=%s&do=accept&reason=checked+the+signature", t_mod),
		    303, "/staff/appeals?done=accept");
	assert_int_equal(skill_col("moderation_verdict", "console-appealed"), 0);
	assert_int_equal(skill_col("moderation_status", "console-appealed"), 0);
	assert_int_equal(skill_col("moderation_flags", "console-appealed"), 0);
	assert_int_equal(audit("appeal.accept", "mod", "note: checked the signature"), 1);
	assert_int_equal(audit("appeal.reject", "mod", "note: unsigned binary"), 1);
	assert_int_equal(audit("skill.verdict", "mod", "note: checked the signature"), 1);
	srt_expect_page(&S, c_mod, "/staff/appeals?status=accepted", 200, (const char *const[]){"signed now", NULL});
	/* The audit log is longer than a page: the next page starts after the 25th row. */
	assert_true(q("SELECT count(*) FROM audit_log") > 25);
	long long last = q("SELECT min(id) FROM (SELECT id FROM audit_log ORDER BY id DESC LIMIT 25) t");
	srt_expect_page(&S, c_mod, "/staff/audit", 200,
			    (const char *const[]){srt_fmt("href=\"/staff/audit?before=%lld\"", last), NULL});
	long long older = q(srt_fmt("SELECT count(*) FROM audit_log WHERE id < %lld", last));
	srt_resp r2;
	srt_page(&S, c_mod, srt_fmt("/staff/audit?before=%lld", last), &r2);
	SRT_EXPECT_STATUS(&r2, 200);
	long long rows = 0;
	for (const char *p = r2.body; (p = strstr(p, "<td class=\"audit-detail\">")); p++)
		rows++;
	srt_resp_free(&r2);
	assert_int_equal(rows, older < 25 ? older : 25);
	/* A console page reads its page and no more: measured from Server-Timing. */
	static const char *const measured[] = {"/staff/audit", "/staff/reports?status=resolved", "/staff/appeals?status=rejected",
					       "/staff/flagged", "/staff/blocked", "/staff/queue"};
	for (size_t i = 0; i < sizeof(measured) / sizeof(measured[0]); i++) {
		srt_page(&S, c_mod, measured[i], &r2);
		SRT_EXPECT_STATUS(&r2, 200);
		long rrows = 0, rbytes = 0;
		assert_int_equal(srt_timing(&r2, &rrows, &rbytes), 0);
		fprintf(stderr, "# %s: %ld rows, %ld bytes read\n", measured[i], rrows, rbytes);
		srt_resp_free(&r2);
		/* The audit log holds more than a page: 25 rows shown, the 26th that says there is
		 * more, and the session's row. */
		if (i == 0)
			assert_int_equal(rrows, 27);
	}
}

/* A staff list of at least two cases by pages of one (cases.c): nextCursor is the last id of a
 * page, the next page starts below it; a cursor that is not an id of this list and a limit
 * outside 1..100 are refused. */
static void expect_paged(const char *list, const char *idkey, const char *prefix)
{
	json_t *j = srt_call(&S, "GET", srt_fmt("%s?status=all&limit=1", list), tok_mod, NULL, 200, NULL);
	json_t *items = json_object_get(j, "items");
	assert_int_equal(json_array_size(items), 1);
	char first[32];
	snprintf(first, sizeof(first), "%s", json_string_value(json_object_get(json_array_get(items, 0), idkey)));
	SRT_EXPECT_STR(j, "nextCursor", first);
	assert_true(json_is_false(json_object_get(j, "done")));
	json_decref(j);
	j = srt_call(&S, "GET", srt_fmt("%s?status=all&limit=1&cursor=%s", list, first), tok_mod, NULL, 200, NULL);
	const char *second = json_string_value(json_object_get(json_array_get(json_object_get(j, "items"), 0), idkey));
	assert_non_null(second);
	size_t n = strlen(prefix) + 1;
	assert_true(strncmp(second, prefix, n - 1) == 0 && atoll(second + n) < atoll(first + n));
	json_decref(j);
	srt_call(&S, "GET", srt_fmt("%s?cursor=%s", list, strcmp(prefix, "rp") == 0 ? "ap_1" : "rp_1"), tok_mod, NULL, 400,
		 "Invalid cursor");
	srt_call(&S, "GET", srt_fmt("%s?cursor=x", list), tok_mod, NULL, 400, "Invalid cursor");
	srt_call(&S, "GET", srt_fmt("%s?limit=0", list), tok_mod, NULL, 400, "Invalid limit");
	srt_call(&S, "GET", srt_fmt("%s?limit=101", list), tok_mod, NULL, 400, "Invalid limit");
}

static void test_api_appeals(void **state)
{
	(void)state;
	srt_publish_ok(&S, S.tok_alice, "console-api-appeal", "1.0.0", "Api Appeal", "Appealed through the API.");
	assert_int_equal(srt_wait_scans(&S), 0);
	const char *p = "/api/v1/skills/console-api-appeal/appeal";
	srt_call(&S, "POST", p, S.tok_alice, "{\"message\":\"why\"}", 400, "Skill is not in an appealable state");
	json_decref(srt_call(&S, "POST", "/api/v1/skills/console-api-appeal/moderation/hide", tok_mod, "{}", 200, NULL));
	srt_call(&S, "POST", p, S.tok_alice, "{}", 400, "Appeal message required.");
	srt_call(&S, "POST", p, S.tok_bob, "{\"message\":\"why\"}", 400, "Unauthorized");
	srt_call(&S, "POST", p, S.tok_alice, "{\"message\":\"why\",\"version\":\"9.9.9\"}", 400, "Skill version not found");
	json_t *j = srt_call(&S, "POST", p, S.tok_alice, "{\"message\":\"hidden by mistake\"}", 200, NULL);
	assert_true(json_is_true(json_object_get(j, "submitted")));
	assert_true(json_is_false(json_object_get(j, "alreadyOpen")));
	SRT_EXPECT_STR(j, "status", "open");
	char aid[32];
	snprintf(aid, sizeof(aid), "%s", json_string_value(json_object_get(j, "appealId")));
	json_decref(j);
	j = srt_call(&S, "POST", p, S.tok_alice, "{\"message\":\"again\"}", 200, NULL);
	assert_true(json_is_false(json_object_get(j, "submitted")));
	assert_true(json_is_true(json_object_get(j, "alreadyOpen")));
	SRT_EXPECT_STR(j, "appealId", aid);
	json_decref(j);
	srt_call(&S, "GET", "/api/v1/skills/-/appeals", S.tok_alice, NULL, 403, "Forbidden");
	srt_call(&S, "GET", "/api/v1/skills/-/appeals?status=nope", tok_mod, NULL, 400, "Invalid skill appeal status");
	j = srt_call(&S, "GET", "/api/v1/skills/-/appeals?status=open&limit=1", tok_mod, NULL, 200, NULL);
	json_t *it = json_array_get(json_object_get(j, "items"), 0);
	SRT_EXPECT_STR(it, "appealId", aid);
	SRT_EXPECT_STR(it, "message", "hidden by mistake");
	json_decref(j);
	char res[96];
	snprintf(res, sizeof(res), "/api/v1/skills/-/appeals/%s/resolve", aid);
	srt_call(&S, "POST", res, tok_mod, "{\"status\":\"accepted\"}", 400, "Resolution note required.");
	srt_call(&S, "POST", "/api/v1/skills/-/appeals/ap_999999/resolve", tok_mod, "{\"status\":\"accepted\",\"note\":\"x\"}", 400,
		     "Skill appeal not found");
	j = srt_call(&S, "POST", res, tok_mod, "{\"status\":\"accepted\",\"note\":\"a mistake indeed\"}", 200, NULL);
	SRT_EXPECT_STR(j, "status", "accepted");
	SRT_EXPECT_STR(j, "actionTaken", "restore");
	json_decref(j);
	assert_int_equal(skill_col("moderation_status", "console-api-appeal"), 0);
	srt_call(&S, "POST", res, tok_mod, "{\"status\":\"rejected\",\"note\":\"no\"}", 400,
		     "Invalid appeal status transition from accepted to rejected. Reopen the case before recording a different "
		     "outcome.");
	expect_paged("/api/v1/skills/-/appeals", "appealId", "ap");
}

static void test_api_reports(void **state)
{
	(void)state;
	srt_publish_ok(&S, S.tok_alice, "console-api-report", "1.0.0", "Api Report", "Reported through the API.");
	assert_int_equal(srt_wait_scans(&S), 0);
	json_t *j = srt_call(&S, "POST", "/api/v1/skills/console-api-report/report", tok_carol, "{\"reason\":\"typosquat\"}", 200, NULL);
	char rid[32];
	snprintf(rid, sizeof(rid), "%s", json_string_value(json_object_get(j, "reportId")));
	json_decref(j);
	srt_call(&S, "GET", "/api/v1/skills/-/reports", tok_carol, NULL, 403, "Forbidden");
	srt_call(&S, "GET", "/api/v1/skills/-/reports?status=resolved", tok_mod, NULL, 400, "Invalid skill report status");
	j = srt_call(&S, "GET", "/api/v1/skills/-/reports?limit=1", tok_mod, NULL, 200, NULL);
	json_t *it = json_array_get(json_object_get(j, "items"), 0);
	SRT_EXPECT_STR(it, "reportId", rid);
	SRT_EXPECT_STR(it, "reason", "typosquat");
	SRT_EXPECT_STR(it, "status", "open");
	SRT_EXPECT_STR(json_object_get(it, "reporter"), "handle", "carol");
	json_decref(j);
	char tp[96];
	snprintf(tp, sizeof(tp), "/api/v1/skills/-/reports/%s/triage", rid);
	srt_call(&S, "POST", tp, tok_mod, "{\"status\":\"confirmed\"}", 400, "Review note required.");
	srt_call(&S, "POST", tp, tok_mod, "{\"status\":\"dismissed\",\"note\":\"x\",\"finalAction\":\"hide\"}", 400,
		     "Dismissed reports cannot apply a final action.");
	srt_call(&S, "POST", "/api/v1/skills/-/reports/rp_999999/triage", tok_mod, "{\"status\":\"confirmed\",\"note\":\"x\"}", 400,
		     "Skill report not found");
	j = srt_call(&S, "POST", tp, tok_mod, "{\"status\":\"confirmed\",\"note\":\"a typosquat indeed\",\"finalAction\":\"hide\"}",
			 200, NULL);
	SRT_EXPECT_STR(j, "status", "confirmed");
	SRT_EXPECT_STR(j, "actionTaken", "hide");
	assert_int_equal(json_integer_value(json_object_get(j, "reportCount")), 0);
	json_decref(j);
	assert_int_equal(skill_col("moderation_status", "console-api-report"), 1);
	srt_call(&S, "POST", tp, tok_mod, "{\"status\":\"dismissed\",\"note\":\"no\"}", 400,
		     "Invalid report status transition from confirmed to dismissed. Reopen the case before recording a different "
		     "outcome.");
	j = srt_call(&S, "GET", "/api/v1/skills/-/reports?status=confirmed", tok_mod, NULL, 200, NULL);
	it = json_array_get(json_object_get(j, "items"), 0);
	SRT_EXPECT_STR(it, "reportId", rid);
	SRT_EXPECT_STR(it, "triagedBy", "mod");
	SRT_EXPECT_STR(it, "triageNote", "a typosquat indeed");
	SRT_EXPECT_STR(it, "actionTaken", "hide");
	json_decref(j);
	expect_paged("/api/v1/skills/-/reports", "reportId", "rp");
}

/* ---- accounts: /staff/users ---- */

static long long user_col(const char *col, const char *handle)
{
	return q(srt_fmt("SELECT %s FROM users WHERE handle = '%s'", col, handle));
}

/* The page's rows read, from Server-Timing. */
static long rows_read(const char *cookie, const char *path)
{
	srt_resp r;
	srt_page(&S, cookie, path, &r);
	SRT_EXPECT_STATUS(&r, 200);
	long rows = 0, bytes = 0;
	assert_int_equal(srt_timing(&r, &rows, &bytes), 0);
	fprintf(stderr, "# %s: %ld rows, %ld bytes read\n", path, rows, bytes);
	srt_resp_free(&r);
	return rows;
}

static void test_find(void **state)
{
	(void)state;
	srt_resp r;
	srt_page(&S, c_mod, "/staff/users?q=%40Carol", &r);
	SRT_EXPECT_STATUS(&r, 303);
	assert_string_equal(srt_header(&r, "Location"), "/staff/users/carol");
	srt_resp_free(&r);
	srt_expect_page(&S, c_mod, "/staff/users?q=+", 400, (const char *const[]){"Name the account by its handle.", NULL});
	srt_expect_page(&S, c_mod, "/staff/users/nobody", 404, (const char *const[]){"Account not found", NULL});
	srt_expect_page(&S, c_mod, "/staff/users/carol", 200,
			    (const char *const[]){"<a href=\"/carol\">@carol</a>", "<dd id=\"account-kind\">user</dd>",
						  "<dd id=\"account-role\">user</dd>", "in good standing", "No orgs.",
						  "action=\"/staff/users/carol/ban\"", srt_fmt("name=\"csrf\" value=\"%s\"", t_mod),
						  NULL});
	/* What a moderator may not do is not offered: no role form, no ban of an admin. */
	srt_page(&S, c_mod, "/staff/users/boss", &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_null(strstr(r.body, "/staff/users/boss/ban"));
	assert_null(strstr(r.body, "/staff/users/boss/role"));
	assert_null(strstr(r.body, "/staff/orgs/"));
	srt_resp_free(&r);
}

static void test_ban(void **state)
{
	(void)state;
	srt_publish_ok(&S, tok_erin, "erin-banned-tool", "1.0.0", "Carol Tool", "A skill of an account staff ban.");
	assert_int_equal(srt_wait_scans(&S), 0);
	json_t *j = srt_call(&S, "GET", "/api/v1/skills?prefix=erin-banned", NULL, NULL, 200, NULL);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
	json_decref(j);
	json_decref(srt_call(&S, "GET", "/api/v1/whoami", tok_erin, NULL, 200, NULL));
	/* Without a reason: refused on the page, nothing changed. */
	expect_post(c_mod, "/staff/users/erin/ban", srt_fmt("csrf=%s&reason=+++", t_mod), 400,
		    "Give a reason for this action: the audit log keeps it.");
	assert_int_equal(q("SELECT count(*) FROM users WHERE handle = 'erin' AND deactivated_at IS NULL"), 1);
	assert_int_equal(q("SELECT count(*) FROM audit_log WHERE action = 'user.ban' AND detail LIKE '@erin%'"), 0);
	/* Nobody bans themselves; a moderator bans no admin. */
	expect_post(c_mod, "/staff/users/mod/ban", srt_fmt("csrf=%s&reason=oops", t_mod), 400, "You cannot ban yourself.");
	expect_post(c_mod, "/staff/users/boss/ban", srt_fmt("csrf=%s&reason=coup", t_mod), 403, "Only an admin may do this.");
	assert_int_equal(q("SELECT count(*) FROM users WHERE deactivated_at IS NOT NULL AND handle IN ('mod', 'boss')"), 0);
	expect_post(c_mod, "/staff/users/nobody/ban", srt_fmt("csrf=%s&reason=who", t_mod), 404,
		    "There is no account with this handle.");
	/* With one: the account is banned, audited, its token refused, its skills gone. */
	expect_post(c_mod, "/staff/users/%40Erin/ban", srt_fmt("csrf=%s&reason=%s", t_mod, srt_urlenc("spam <b>skills</b>")),
		    303, "/staff/users/erin?done=ban");
	assert_int_equal(q("SELECT count(*) FROM users WHERE handle = 'erin' AND deactivated_at > 0 "
			   "AND ban_reason = 'spam <b>skills</b>'"),
			 1);
	assert_int_equal(audit("user.ban", "mod", "@erin; note: spam <b>skills</b>"), 1);
	srt_call(&S, "GET", "/api/v1/whoami", tok_erin, NULL, 401,
		 "Unauthorized: This ClawHub account is not in good standing and cannot use API tokens. "
		 "Contact the registry's moderators if you believe this is a mistake.");
	j = srt_call(&S, "GET", "/api/v1/skills?prefix=erin-banned", NULL, NULL, 200, NULL);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
	json_decref(j);
	assert_int_equal(q("SELECT count(*) FROM skills WHERE slug = 'erin-banned-tool' AND moderation_reason = 'user.banned'"), 1);
	srt_expect_page(&S, c_mod, "/staff/users/erin?done=ban", 200,
			    (const char *const[]){"Banned.", "banned on ", "spam &lt;b&gt;skills&lt;/b&gt;", NULL});
	srt_resp r;
	srt_page(&S, c_mod, "/staff/users/erin", &r);
	assert_null(strstr(r.body, "spam <b>"));
	assert_null(strstr(r.body, "/staff/users/erin/ban"));
	assert_non_null(strstr(r.body, "<h1 id=\"staff-h\">@erin</h1>"));
	assert_non_null(strstr(r.body, "action=\"/staff/users/erin/unban\""));
	srt_resp_free(&r);
	srt_expect_page(&S, c_mod, "/staff/audit", 200, (const char *const[]){"user.ban", "@erin; note: spam &lt;b&gt;", NULL});
	/* /staff/users lists the banned accounts, the latest ban first (mallory's is the harness's). */
	srt_page(&S, c_mod, "/staff/users", &r);
	SRT_EXPECT_STATUS(&r, 200);
	const char *erin_row = strstr(r.body, "<tr><td><a href=\"/staff/users/erin\">@erin</a></td>");
	const char *mallory_row = strstr(r.body, "<tr><td><a href=\"/staff/users/mallory\">@mallory</a></td>");
	assert_non_null(erin_row);
	assert_non_null(mallory_row);
	assert_true(erin_row < mallory_row);
	assert_non_null(strstr(erin_row, "<td>spam &lt;b&gt;skills&lt;/b&gt;</td></tr>"));
	srt_resp_free(&r);
	/* A second ban says nothing new: refused, the first ban's date and reason kept. */
	long long banned_at = q("SELECT deactivated_at FROM users WHERE handle = 'erin'");
	expect_post(c_mod, "/staff/users/erin/ban", srt_fmt("csrf=%s&reason=again", t_mod), 409, "This account is banned already.");
	assert_int_equal(q("SELECT deactivated_at FROM users WHERE handle = 'erin'"), banned_at);
	assert_int_equal(audit("user.ban", "mod", "@erin"), 1);
}

/* Who is the owner of a skill, in a count query's terms. */
#define FRED "owner_id = (SELECT id FROM users WHERE handle = 'fred')"

/* An unban puts back what the ban changed, and only that: a public skill is public again with
 * the reason it had, a skill staff hid before the ban stays hidden, one its owner deleted stays
 * deleted, one staff acted on during the ban keeps that decision. The account's old token
 * stays refused (the unban revokes it), a new one works. An unban of an account in good
 * standing is refused. A ban from before the holds (none kept): ClawHub's rule, run by
 * `skillreg user unban`. */
static void test_unban(void **state)
{
	(void)state;
	char tok_fred[128], out[256];
	srt_make_user(&S, "fred", "user", tok_fred, sizeof(tok_fred));
	srt_publish_ok(&S, tok_fred, "fred-public", "1.0.0", "Fred Public", "Public before and after a ban.");
	srt_publish_ok(&S, tok_fred, "fred-hidden", "1.0.0", "Fred Hidden", "Hidden by staff before the ban.");
	srt_publish_ok(&S, tok_fred, "fred-gone", "1.0.0", "Fred Gone", "Deleted by its owner before the ban.");
	srt_publish_ok(&S, tok_fred, "fred-removed", "1.0.0", "Fred Removed", "Removed by staff during the ban.");
	assert_int_equal(srt_wait_scans(&S), 0);
	expect_post(c_mod, "/staff/skill/fred/fred-hidden/hide", srt_fmt("csrf=%s&reason=looks+off", t_mod), 303,
		    "/staff/skill/fred/fred-hidden?done=hide");
	json_decref(srt_call(&S, "DELETE", "/api/v1/skills/fred-gone", tok_fred, NULL, 200, NULL));
	srt_sql(&S, "CREATE TABLE fred_before AS SELECT slug, moderation_status, moderation_reason, soft_deleted_at "
		    "FROM skills WHERE " FRED);
	assert_int_equal(q("SELECT count(*) FROM fred_before"), 4);
	assert_int_equal(q("SELECT count(*) FROM skills WHERE " FRED " AND is_public = 1"), 2);
	srt_expect_page(&S, c_mod, "/staff/users/fred", 200, (const char *const[]){"action=\"/staff/users/fred/ban\"", NULL});
	expect_post(c_mod, "/staff/users/fred/unban", srt_fmt("csrf=%s&reason=why", t_mod), 409, "This account is not banned.");
	expect_post(c_mod, "/staff/users/fred/ban", srt_fmt("csrf=%s&reason=stolen+account", t_mod), 303,
		    "/staff/users/fred?done=ban");
	assert_int_equal(q("SELECT count(*) FROM skills WHERE " FRED " AND moderation_reason = 'user.banned' AND "
			   "soft_deleted_at > 0 AND moderation_status = 1"),
			 4);
	assert_int_equal(q("SELECT count(*) FROM ban_holds WHERE user_id = (SELECT id FROM users WHERE handle = 'fred')"), 4);
	/* During the ban, staff remove one of the skills: the unban leaves that decision alone. */
	expect_post(c_mod, "/staff/skill/fred/fred-removed/remove", srt_fmt("csrf=%s&reason=malware+after+all", t_mod), 303,
		    "/staff/skill/fred/fred-removed?done=remove");
	long long removed_reason_len = q("SELECT length(moderation_reason) FROM skills WHERE slug = 'fred-removed'");
	/* Without a reason, nothing happens; a user is not staff. */
	expect_post(c_mod, "/staff/users/fred/unban", srt_fmt("csrf=%s&reason=+", t_mod), 400,
		    "Give a reason for this action: the audit log keeps it.");
	expect_post(c_carol, "/staff/users/fred/unban", srt_fmt("csrf=%s&reason=friend", t_carol), 404, "Page not found");
	assert_int_equal(q("SELECT count(*) FROM users WHERE handle = 'fred' AND deactivated_at > 0"), 1);
	expect_post(c_mod, "/staff/users/fred/unban", srt_fmt("csrf=%s&reason=%s", t_mod, srt_urlenc("owner proved it was stolen")),
		    303, "/staff/users/fred?done=unban");
	assert_int_equal(q("SELECT count(*) FROM users WHERE handle = 'fred' AND deactivated_at IS NULL AND ban_reason IS NULL"), 1);
	assert_int_equal(audit("user.unban", "mod", "@fred; note: owner proved it was stolen"), 1);
	/* public, hidden and gone exactly as before the ban (gone: deleted at the same time). */
	assert_int_equal(q("SELECT count(*) FROM skills s JOIN fred_before b ON b.slug = s.slug WHERE s.slug IN "
			   "('fred-public', 'fred-hidden', 'fred-gone') AND s.moderation_status = b.moderation_status "
			   "AND coalesce(s.moderation_reason, '') = coalesce(b.moderation_reason, '') "
			   "AND coalesce(s.soft_deleted_at, 0) = coalesce(b.soft_deleted_at, 0)"),
			 3);
	assert_int_equal(q("SELECT count(*) FROM skills WHERE slug = 'fred-gone' AND soft_deleted_at > 0"), 1);
	assert_int_equal(q("SELECT count(*) FROM skills WHERE slug = 'fred-hidden' AND moderation_status = 1"), 1);
	assert_int_equal(q("SELECT length(moderation_reason) FROM skills WHERE slug = 'fred-removed'"), removed_reason_len);
	assert_int_equal(skill_col("moderation_status", "fred-removed"), 2);
	assert_int_equal(q("SELECT count(*) FROM ban_holds"), 1); /* erin's, below */
	json_t *j = srt_call(&S, "GET", "/api/v1/skills?prefix=fred-", NULL, NULL, 200, NULL);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
	SRT_EXPECT_STR(json_array_get(json_object_get(j, "items"), 0), "slug", "fred-public");
	json_decref(j);
	srt_call(&S, "GET", "/api/v1/whoami", tok_fred, NULL, 401,
		 "Unauthorized: API token is invalid or revoked. Run `clawhub login` again.");
	const char *mint[] = {"token", "create", "fred", NULL};
	assert_int_equal(srt_admin(&S, tok_fred, sizeof(tok_fred), mint), 0);
	tok_fred[strcspn(tok_fred, "\r\n")] = 0;
	json_decref(srt_call(&S, "GET", "/api/v1/whoami", tok_fred, NULL, 200, NULL));
	srt_expect_page(&S, c_mod, "/staff/users/fred?done=unban", 200,
			    (const char *const[]){"Unbanned.", "action=\"/staff/users/fred/ban\"", NULL});
	srt_expect_page(&S, c_mod, "/staff/audit", 200, (const char *const[]){"user.unban", "@fred; note: owner proved", NULL});

	/* erin was banned before there were holds (her hold is dropped here): her skill comes back
	 * active and undeleted under restored.unban, as ClawHub's unban does. */
	assert_int_equal(srt_sql(&S, "DELETE FROM ban_holds WHERE user_id = (SELECT id FROM users WHERE handle = 'erin')"), 1);
	const char *unban[] = {"user", "unban", "erin", "--reason", "appeal accepted", NULL};
	assert_int_equal(srt_admin(&S, out, sizeof out, unban), 0);
	assert_int_equal(q("SELECT count(*) FROM skills WHERE slug = 'erin-banned-tool' AND moderation_status = 0 AND "
			   "moderation_reason = 'restored.unban' AND soft_deleted_at IS NULL"),
			 1);
	assert_int_equal(q("SELECT count(*) FROM audit_log WHERE action = 'user.unban' AND actor_id IS NULL AND "
			   "detail = '@erin; note: appeal accepted'"),
			 1);
	assert_int_equal(srt_admin(&S, out, sizeof out, unban), 1);
	assert_int_equal(srt_sync(&S), 0);
	j = srt_call(&S, "GET", "/api/v1/skills?prefix=erin-banned", NULL, NULL, 200, NULL);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
	json_decref(j);
	/* Unbanned, neither is listed among the banned any more. */
	srt_resp r;
	srt_page(&S, c_mod, "/staff/users", &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_null(strstr(r.body, "href=\"/staff/users/erin\""));
	assert_null(strstr(r.body, "href=\"/staff/users/fred\""));
	assert_non_null(strstr(r.body, "href=\"/staff/users/mallory\""));
	srt_resp_free(&r);
}

static void test_roles(void **state)
{
	(void)state;
	expect_post(c_mod, "/staff/users/dave/role", srt_fmt("csrf=%s&role=moderator&reason=please", t_mod), 403,
		    "Only an admin may do this.");
	expect_post(c_boss, "/staff/users/dave/role", srt_fmt("csrf=%s&role=moderator&reason=", t_boss), 400,
		    "Give a reason for this action: the audit log keeps it.");
	expect_post(c_boss, "/staff/users/dave/role", srt_fmt("csrf=%s&role=king&reason=why+not", t_boss), 400,
		    "Choose a role: user, moderator or admin.");
	assert_int_equal(user_col("role", "dave"), 0);
	srt_expect_page(&S, c_boss, "/staff/users/dave", 200,
			    (const char *const[]){"action=\"/staff/users/dave/role\"", srt_fmt("name=\"csrf\" value=\"%s\"", t_boss),
						  NULL});
	expect_post(c_boss, "/staff/users/dave/role", srt_fmt("csrf=%s&role=moderator&reason=trusted+reviewer", t_boss), 303,
		    "/staff/users/dave?done=role");
	assert_int_equal(user_col("role", "dave"), 1);
	assert_int_equal(audit("user.role", "boss", "@dave user -> moderator; note: trusted reviewer"), 1);
	srt_expect_page(&S, c_boss, "/staff/audit", 200,
			    (const char *const[]){"user.role", "@dave user -&gt; moderator; note: trusted reviewer", NULL});
	/* A moderator made in the console moderates: the console opens to their token's user. */
	json_t *j = srt_call(&S, "GET", "/api/v1/whoami", tok_dave, NULL, 200, NULL);
	SRT_EXPECT_STR(json_object_get(j, "user"), "role", "moderator");
	json_decref(j);
	/* An admin keeps their own admin role. */
	expect_post(c_boss, "/staff/users/boss/role", srt_fmt("csrf=%s&role=user&reason=retiring", t_boss), 400,
		    "You cannot take away your own admin role; another admin can.");
	assert_int_equal(user_col("role", "boss"), 2);
}

static void test_org_tools(void **state)
{
	(void)state;
	srt_expect_page(&S, c_boss, "/staff/users", 200,
			    (const char *const[]){"action=\"/staff/orgs/ensure\"", "action=\"/staff/orgs/remove\"",
						  srt_fmt("name=\"csrf\" value=\"%s\"", t_boss), NULL});
	srt_resp r;
	srt_page(&S, c_mod, "/staff/users", &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_null(strstr(r.body, "/staff/orgs/"));
	srt_resp_free(&r);
	expect_post(c_mod, "/staff/orgs/ensure", srt_fmt("csrf=%s&org=modorg&member=dave&role=admin", t_mod), 403,
		    "Only an admin may do this.");
	assert_int_equal(q("SELECT count(*) FROM users WHERE handle = 'modorg'"), 0);
	expect_post(c_boss, "/staff/orgs/ensure", srt_fmt("csrf=%s&org=-bad&member=dave", t_boss), 400,
		    "This handle cannot name an org.");
	expect_post(c_boss, "/staff/orgs/ensure", srt_fmt("csrf=%s&org=%%40Acme&display_name=Acme+Inc&member=dave&role=admin", t_boss),
		    303, "/staff/users/acme?done=ensure");
	assert_int_equal(q("SELECT count(*) FROM users WHERE handle = 'acme' AND kind = 1 AND display_name = 'Acme Inc'"), 1);
	assert_int_equal(q("SELECT m.role FROM publisher_members m JOIN users o ON o.id = m.publisher_id "
			   "JOIN users u ON u.id = m.user_id WHERE o.handle = 'acme' AND u.handle = 'dave'"),
			 2);
	assert_int_equal(audit("publisher.create", "boss", "acme"), 1);
	assert_int_equal(audit("publisher.member.set", "boss", "acme dave admin"), 1);
	srt_expect_page(&S, c_boss, "/staff/users/acme?done=ensure", 200,
			    (const char *const[]){"The org is as asked.", "<dd id=\"account-kind\">org</dd>", "<h2>Members</h2>",
						  "<a href=\"/staff/users/dave\">@dave</a>", "action=\"/staff/orgs/remove\"", NULL});
	srt_expect_page(&S, c_mod, "/staff/users/dave", 200,
			    (const char *const[]){"<h2>Orgs</h2>", "<a href=\"/staff/users/acme\">@acme</a>", NULL});
	expect_post(c_mod, "/staff/orgs/remove", srt_fmt("csrf=%s&org=acme&member=dave", t_mod), 403,
		    "Only an admin may do this.");
	expect_post(c_boss, "/staff/orgs/remove", srt_fmt("csrf=%s&org=nope&member=dave", t_boss), 404,
		    "There is no org with this handle.");
	expect_post(c_boss, "/staff/orgs/remove", srt_fmt("csrf=%s&org=acme&member=dave", t_boss), 303,
		    "/staff/users/acme?done=remove");
	assert_int_equal(q("SELECT count(*) FROM publisher_members m JOIN users o ON o.id = m.publisher_id WHERE o.handle = 'acme'"), 0);
	assert_int_equal(audit("publisher.member.remove", "boss", "acme dave"), 1);
	expect_post(c_boss, "/staff/orgs/remove", srt_fmt("csrf=%s&org=acme&member=dave", t_boss), 303,
		    "/staff/users/acme?done=kept");
}

/* Each page reads the session's row, the account's and its memberships: no more. */
static void test_reads(void **state)
{
	(void)state;
	expect_post(c_boss, "/staff/orgs/ensure", srt_fmt("csrf=%s&org=acme&member=dave&role=publisher", t_boss), 303,
		    "/staff/users/acme?done=ensure");
	/* The session, and the one banned account left (mallory). */
	assert_int_equal(rows_read(c_mod, "/staff/users"), 2);
	assert_int_equal(rows_read(c_mod, "/staff/users/dave"), 3);
	assert_int_equal(rows_read(c_mod, "/staff/users/acme"), 3);
	assert_int_equal(rows_read(c_mod, "/staff/users/bob"), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_only_staff),
		cmocka_unit_test(test_skill_actions),
		cmocka_unit_test(test_reports),
		cmocka_unit_test(test_appeals),
		cmocka_unit_test(test_api_appeals),
		cmocka_unit_test(test_api_reports),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_ban),
		cmocka_unit_test(test_unban),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_org_tools),
		cmocka_unit_test(test_reads),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
