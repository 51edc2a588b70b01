/*
 * test_staff_cases.c - src/moderation/staff.c below HTTP, on a real SQLite store: who may
 * appeal and what, the message's cut on a character boundary, one open appeal per version,
 * the decisions' refusals in ClawHub's words, an accepted appeal making the skill active and
 * clean, a report resolved with the final hide, and a failing write that leaves nothing behind
 * (no appeal, no audit row).
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

#include <sqlite3.h>

#include "core/err.h"
#include "core/util.h"
#include "moderation/moderation.h"
#include "moderation/staff.h"
#include "registry/registry.h"
#include "store/store.h"

struct fixture {
	char dir[64];
	char db[128];
	sr_store *s;
	sr_blobs *b;
	sr_user alice, bob, mod;
};

static int add_user(struct fixture *f, const char *handle, int role, sr_user *u)
{
	int64_t id;
	return sr_store_user_add(f->s, handle, handle, role, &id) || sr_store_user_by_id(f->s, id, u);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/sr-staff-XXXXXX");
	if (!f || !mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/db", f->dir);
	char blobs[128];
	snprintf(blobs, sizeof(blobs), "%s/blobs", f->dir);
	if (sr_store_open(f->db, &f->s) || sr_store_migrate(f->s) || sr_blobs_open(blobs, &f->b))
		return -1;
	if (add_user(f, "alice", SR_ROLE_USER, &f->alice) || add_user(f, "bob", SR_ROLE_USER, &f->bob) ||
	    add_user(f, "mod", SR_ROLE_MODERATOR, &f->mod))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	sr_store_close(f->s);
	sr_blobs_close(f->b);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	int rc = system(cmd);
	free(f);
	return rc;
}

static void publish(struct fixture *f, const char *slug)
{
	char md[256];
	snprintf(md, sizeof(md), "---\nname: %s\ndescription: staff test skill\n---\n# %s\n", slug, slug);
	sr_pub_file file;
	memset(&file, 0, sizeof(file));
	file.path = strdup("SKILL.md");
	file.data = (const unsigned char *)md;
	file.size = (int64_t)strlen(md);
	sr_sha256_hex(md, strlen(md), file.sha256);
	sr_publish_req pr = {.actor = &f->alice, .slug = slug, .version = "1.0.0", .changelog = "",
			     .accept_license = 1, .files = &file, .nfiles = 1, .now = sr_now_ms()};
	sr_publish_result res;
	sr_regerr err = {0};
	int rc = sr_publish(f->s, f->b, &pr, &res, &err);
	free(file.path);
	if (rc)
		fail_msg("publish %s: reason %d", slug, (int)err.why);
}

static sr_skill skill(struct fixture *f, const char *slug)
{
	sr_lookup lk;
	assert_int_equal(sr_lookup_skill_any(f->s, slug, "alice", NULL, &lk), 0);
	return lk.skill;
}

static long long num(struct fixture *f, const char *q)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", q, sqlite3_errmsg(db));
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void set_verdict(struct fixture *f, const char *slug, const char *verdict)
{
	sr_skill sk = skill(f, slug);
	sr_regerr err = {0};
	assert_int_equal(sr_moderate(f->s, &sk, &f->mod, SR_MOD_VERDICT, verdict, NULL, &err), 0);
}

static void test_filing(void **state)
{
	struct fixture *f = *state;
	publish(f, "filed");
	sr_skill sk = skill(f, "filed");
	sr_appeal_result res;
	sr_regerr err = {0};
	/* Nothing held against it yet (its scan is pending, with no verdict or flag). */
	assert_int_equal(sr_appeal_file(f->s, &sk, &f->alice, "why", NULL, &res, &err), SR_EINVAL);
	assert_int_equal(err.why, SR_WHY_NOT_APPEALABLE);
	set_verdict(f, "filed", "suspicious");
	sk = skill(f, "filed");
	assert_int_equal(sr_appeal_file(f->s, &sk, &f->bob, "mine", NULL, &res, &err), SR_EPERM);
	assert_int_equal(err.why, SR_WHY_APPEAL_UNAUTHORIZED);
	assert_int_equal(sr_appeal_file(f->s, &sk, &f->alice, " \t ", NULL, &res, &err), SR_EINVAL);
	assert_int_equal(err.why, SR_WHY_APPEAL_MESSAGE_REQUIRED);
	assert_int_equal(sr_appeal_file(f->s, &sk, &f->alice, "x", "9.9.9", &res, &err), SR_ENOTFOUND);
	assert_int_equal(err.why, SR_WHY_REPORT_VERSION_NOT_FOUND);
	/* 1,050 two-byte characters: kept to 1,000 of them, 2,000 bytes, none cut in two. */
	char msg[2200];
	for (int i = 0; i < 1050; i++)
		memcpy(msg + 2 * i, "\xc3\xa9", 2);
	msg[2100] = '\0';
	assert_int_equal(sr_appeal_file(f->s, &sk, &f->alice, msg, NULL, &res, &err), 0);
	assert_true(res.submitted);
	int64_t first = res.appeal_id;
	assert_int_equal(num(f, "SELECT length(CAST(message AS BLOB)) FROM skill_appeals"), 2000);
	assert_int_equal(num(f, "SELECT length(message) FROM skill_appeals"), 1000);
	/* One open appeal per version: the second answers the first. */
	assert_int_equal(sr_appeal_file(f->s, &sk, &f->alice, "again", "1.0.0", &res, &err), 0);
	assert_true(res.already);
	assert_int_equal(res.appeal_id, first);
	assert_int_equal(num(f, "SELECT count(*) FROM skill_appeals"), 1);
	assert_int_equal(num(f, "SELECT count(*) FROM audit_log WHERE action = 'skill.appeal'"), 1);
}

static void test_deciding(void **state)
{
	struct fixture *f = *state;
	int64_t id = num(f, "SELECT id FROM skill_appeals");
	sr_regerr err = {0};
	assert_int_equal(sr_appeal_decide(f->s, id, &f->alice, SR_CASE_UPHELD, "mine", &err), SR_EPERM);
	assert_int_equal(sr_appeal_decide(f->s, id, &f->mod, SR_CASE_UPHELD, "  ", &err), SR_EINVAL);
	assert_int_equal(err.why, SR_WHY_RESOLUTION_NOTE_REQUIRED);
	assert_int_equal(sr_appeal_decide(f->s, id + 100, &f->mod, SR_CASE_UPHELD, "x", &err), SR_ENOTFOUND);
	assert_int_equal(err.why, SR_WHY_APPEAL_NOT_FOUND);
	assert_int_equal(sr_appeal_decide(f->s, id, &f->mod, SR_CASE_DISMISSED, "not convinced", &err), 0);
	assert_int_equal(sr_appeal_decide(f->s, id, &f->mod, SR_CASE_UPHELD, "changed my mind", &err), SR_EINVAL);
	assert_int_equal(err.why, SR_WHY_CASE_TRANSITION);
	assert_string_equal(err.arg, "appeal status transition from rejected to accepted");
	assert_int_equal(num(f, "SELECT moderation_verdict FROM skills WHERE slug = 'filed'"), 1);
	/* Filed again and accepted: hidden first, the skill ends active and clean. */
	sr_skill sk = skill(f, "filed");
	assert_int_equal(sr_moderate(f->s, &sk, &f->mod, SR_MOD_HIDE, NULL, NULL, &err), 0);
	sk = skill(f, "filed");
	sr_appeal_result res;
	assert_int_equal(sr_appeal_file(f->s, &sk, &f->alice, "please", NULL, &res, &err), 0);
	assert_true(res.submitted);
	assert_int_equal(sr_appeal_decide(f->s, res.appeal_id, &f->mod, SR_CASE_UPHELD, "fine after all", &err), 0);
	assert_int_equal(num(f, "SELECT moderation_status FROM skills WHERE slug = 'filed'"), 0);
	assert_int_equal(num(f, "SELECT moderation_verdict FROM skills WHERE slug = 'filed'"), 0);
	assert_int_equal(num(f, "SELECT moderation_flags FROM skills WHERE slug = 'filed'"), 0);
	assert_int_equal(num(f, "SELECT count(*) FROM skills WHERE slug = 'filed' AND moderation_reason = 'manual.override.clean'"), 1);
	assert_int_equal(num(f, "SELECT count(*) FROM audit_log WHERE action IN ('skill.unhide', 'skill.verdict', 'appeal.accept') "
				"AND detail LIKE '%note: fine after all'"),
			 3);
}

static void test_reports(void **state)
{
	struct fixture *f = *state;
	publish(f, "reported");
	sr_skill sk = skill(f, "reported");
	sr_report_result rr;
	sr_regerr err = {0};
	assert_int_equal(sr_skill_report(f->s, &sk, &f->bob, "bad", NULL, &rr, &err), 0);
	assert_int_equal(sr_report_decide(f->s, rr.report_id, &f->mod, SR_CASE_DISMISSED, "x", 1, &err), SR_EINVAL);
	assert_int_equal(err.why, SR_WHY_DISMISSED_NO_ACTION);
	assert_int_equal(sr_report_decide(f->s, rr.report_id, &f->mod, SR_CASE_UPHELD, "", 0, &err), SR_EINVAL);
	assert_int_equal(err.why, SR_WHY_REVIEW_NOTE_REQUIRED);
	assert_int_equal(sr_report_decide(f->s, rr.report_id, &f->mod, SR_CASE_UPHELD, "indeed", 1, &err), 0);
	assert_int_equal(num(f, "SELECT count(*) FROM skill_reports WHERE status = 1 AND action_taken = 'hide' "
				"AND triage_note = 'indeed' AND triaged_at > 0"),
			 1);
	assert_int_equal(num(f, "SELECT count(*) FROM skills WHERE slug = 'reported' AND moderation_status = 1 "
				"AND moderation_reason = 'manual.report' AND stats_reports = 0"),
			 1);
	assert_int_equal(sr_report_decide(f->s, rr.report_id, &f->mod, SR_CASE_DISMISSED, "x", 0, &err), SR_EINVAL);
	assert_string_equal(err.arg, "report status transition from confirmed to dismissed");
}

/* A write that fails inside the transaction leaves no appeal and no audit row. */
static void test_failed_write_rolls_back(void **state)
{
	struct fixture *f = *state;
	publish(f, "rollback");
	set_verdict(f, "rollback", "malicious");
	sr_skill sk = skill(f, "rollback");
	long long audits = num(f, "SELECT count(*) FROM audit_log");
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TRIGGER no_appeal_audit BEFORE INSERT ON audit_log "
					  "WHEN NEW.action = 'skill.appeal' BEGIN SELECT RAISE(ABORT, 'no'); END",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	sr_appeal_result res;
	sr_regerr err = {0};
	assert_int_not_equal(sr_appeal_file(f->s, &sk, &f->alice, "keep me", NULL, &res, &err), 0);
	assert_int_equal(err.why, SR_WHY_INTERNAL);
	assert_int_equal(num(f, "SELECT count(*) FROM skill_appeals WHERE message = 'keep me'"), 0);
	assert_int_equal(num(f, "SELECT count(*) FROM audit_log"), audits);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filing),
		cmocka_unit_test(test_deciding),
		cmocka_unit_test(test_reports),
		cmocka_unit_test(test_failed_write_rolls_back),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
