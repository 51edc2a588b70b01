/*
 * staff.c - the staff console's pages and the writes of reports and appeals (staff.h),
 * over the statements of catalogue.c and pg_catalogue.c.
 */
#include "store/staff.h"

#include "core/err.h"
#include "store/internal.h"

static void read_queue(sr_store *s, sr__stmt *st, void *row)
{
	sr_queue_row *r = row;
	r->version_id = sr__col_int64(st, 0);
	r->skill_id = sr__col_int64(st, 1);
	r->requested_at = sr__col_int64(st, 2);
	r->claimed_at = sr__col_int64(st, 3);
	r->version = sr__col_text(st, 4);
	r->slug = sr__col_text(st, 5);
	r->owner = sr__col_text(st, 6);
}

static void read_verdict(sr_store *s, sr__stmt *st, void *row)
{
	sr_verdict_row *r = row;
	r->skill_id = sr__col_int64(st, 0);
	r->latest_version_id = sr__col_int64(st, 1);
	r->soft_deleted_at = sr__col_int64(st, 2);
	r->reports = sr__col_int64(st, 3);
	r->status = sr__col_int(st, 4);
	r->flags = sr__col_int(st, 5);
	r->verdict = sr__col_int_or_null(st, 6);
	r->slug = sr__col_text(st, 7);
	r->display_name = sr__col_text(st, 8);
	r->reason = sr__col_text(st, 9);
	r->latest_version = sr__col_text(st, 10);
	r->owner = sr__col_text(st, 11);
	sr__note_skill(s, r->skill_id);
}

static void read_case(sr_store *s, sr__stmt *st, void *row)
{
	sr_case_row *r = row;
	r->id = sr__col_int64(st, 0);
	r->skill_id = sr__col_int64(st, 1);
	r->created_at = sr__col_int64(st, 2);
	r->decided_at = sr__col_int64(st, 3);
	r->status = sr__col_int(st, 4);
	r->version = sr__col_text(st, 5);
	r->text = sr__col_text(st, 6);
	r->note = sr__col_text(st, 7);
	r->author = sr__col_text(st, 8);
	r->decider = sr__col_text(st, 9);
	r->slug = sr__col_text(st, 10);
	r->owner = sr__col_text(st, 11);
	r->action = sr__col_text(st, 12);
}

static void read_audit(sr_store *s, sr__stmt *st, void *row)
{
	sr_audit_row *r = row;
	r->id = sr__col_int64(st, 0);
	r->created_at = sr__col_int64(st, 1);
	r->skill_id = sr__col_int64(st, 2);
	r->action = sr__col_text(st, 3);
	r->detail = sr__col_text(st, 4);
	r->actor = sr__col_text(st, 5);
	r->slug = sr__col_text(st, 6);
	r->owner = sr__col_text(st, 7);
}

int sr_store_staff_queue(sr_store *s, int64_t after_req, int64_t after_id, int limit, sr_row_fn fn, void *ud)
{
	sr_queue_row r;
	return sr__each(s, sr__query(s, Q_STAFF_QUEUE, "IIi", after_req, after_id, limit), read_queue, &r, fn, ud);
}

int sr_store_staff_verdict(sr_store *s, int verdict, int64_t before, int limit, sr_row_fn fn, void *ud)
{
	sr_verdict_row r;
	return sr__each(s, sr__query(s, Q_STAFF_VERDICT, "iIi", verdict, before, limit), read_verdict, &r, fn, ud);
}

/* A page of reports or appeals: statement q_all for every status (status < 0), q_one for one. */
static int staff_cases(sr_store *s, int q_all, int q_one, int status, int64_t before, int limit, sr_row_fn fn,
		       void *ud)
{
	sr_case_row r;
	sr__stmt *st = status < 0 ? sr__query(s, q_all, "Ii", before, limit)
				  : sr__query(s, q_one, "iIi", status, before, limit);
	return sr__each(s, st, read_case, &r, fn, ud);
}

int sr_store_staff_reports(sr_store *s, int status, int64_t before, int limit, sr_row_fn fn, void *ud)
{
	return staff_cases(s, Q_STAFF_REPORTS_ALL, Q_STAFF_REPORTS, status, before, limit, fn, ud);
}

int sr_store_staff_appeals(sr_store *s, int status, int64_t before, int limit, sr_row_fn fn, void *ud)
{
	return staff_cases(s, Q_STAFF_APPEALS_ALL, Q_STAFF_APPEALS, status, before, limit, fn, ud);
}

int sr_store_staff_audit(sr_store *s, int64_t before, int limit, sr_row_fn fn, void *ud)
{
	sr_audit_row r;
	return sr__each(s, sr__query(s, Q_STAFF_AUDIT, "Ii", before, limit), read_audit, &r, fn, ud);
}

int sr_store_staff_skill_audit(sr_store *s, int64_t skill_id, int limit, sr_row_fn fn, void *ud)
{
	sr_audit_row r;
	return sr__each(s, sr__query(s, Q_STAFF_SKILL_AUDIT, "Ii", skill_id, limit), read_audit, &r, fn, ud);
}

int sr_store_staff_skill_reports(sr_store *s, int64_t skill_id, int limit, sr_row_fn fn, void *ud)
{
	sr_case_row r;
	return sr__each(s, sr__query(s, Q_STAFF_SKILL_REPORTS, "Ii", skill_id, limit), read_case, &r, fn, ud);
}

int sr_store_appeals_of_skill(sr_store *s, int64_t skill_id, int limit, sr_row_fn fn, void *ud)
{
	sr_case_row r;
	return sr__each(s, sr__query(s, Q_APPEALS_OF_SKILL, "Ii", skill_id, limit), read_case, &r, fn, ud);
}

static void read_account(sr_store *s, sr__stmt *st, void *row)
{
	sr_account_row *r = row;
	r->id = sr__col_int64(st, 0);
	r->handle = sr__col_text(st, 1);
	r->display_name = sr__col_text(st, 2);
	r->role = sr__col_int(st, 3);
	r->kind = sr__col_int(st, 4);
	r->created_at = sr__col_int64(st, 5);
	r->banned_at = sr__col_int64(st, 6);
	r->ban_reason = sr__col_text(st, 7);
}

struct account_seen {
	sr_row_fn fn;
	void *ud;
	int seen;
};

static int account_seen_row(void *ud, const void *row)
{
	struct account_seen *a = ud;
	a->seen = 1;
	return a->fn(a->ud, row);
}

int sr_store_staff_account(sr_store *s, const char *handle, sr_row_fn fn, void *ud)
{
	sr_account_row r;
	struct account_seen a = {fn, ud, 0};
	int rc = sr__each(s, sr__query(s, Q_STAFF_ACCOUNT, "t", handle), read_account, &r, account_seen_row, &a);
	return rc ? rc : a.seen ? 0 : SR_ENOTFOUND;
}

int sr_store_staff_banned(sr_store *s, int limit, sr_row_fn fn, void *ud)
{
	sr_account_row r;
	return sr__each(s, sr__query(s, Q_STAFF_BANNED, "i", limit), read_account, &r, fn, ud);
}

/* The skill and status of one report or appeal (statement q). */
static int case_get(sr_store *s, int q, int64_t id, int64_t *skill_id, int *status)
{
	sr__stmt *st = sr__query(s, q, "I", id);
	if (!st)
		return SR_EDB;
	int rc = sr__step(s, st);
	if (rc == SR__ROW) {
		*skill_id = sr__col_int64(st, 0);
		*status = sr__col_int(st, 1);
		sr__reset(st);
		return 0;
	}
	return rc < 0 ? rc : SR_ENOTFOUND;
}

int sr_store_report_get(sr_store *s, int64_t id, int64_t *skill_id, int *status)
{
	return case_get(s, Q_REPORT_BY_ID, id, skill_id, status);
}

int sr_store_appeal_get(sr_store *s, int64_t id, int64_t *skill_id, int *status)
{
	return case_get(s, Q_APPEAL_BY_ID, id, skill_id, status);
}

int sr_store_report_triage(sr_store *s, int64_t id, int status, int64_t by, int64_t now, const char *note,
			   const char *action, int *changed)
{
	int rc = sr__run(s, Q_REPORT_TRIAGE, "IiIItt", id, status, by, now, note, action);
	*changed = !rc && sr__changes(s) > 0;
	return rc;
}

int sr_store_appeal_resolve(sr_store *s, int64_t id, int status, int64_t by, int64_t now, const char *note,
			    int *changed)
{
	int rc = sr__run(s, Q_APPEAL_RESOLVE, "IiIIt", id, status, by, now, note);
	*changed = !rc && sr__changes(s) > 0;
	return rc;
}

int sr_store_reports_drop(sr_store *s, int64_t skill_id)
{
	return sr__run(s, Q_REPORTS_DROP, "I", skill_id);
}

int sr_store_appeal_add(sr_store *s, int64_t skill_id, int64_t version_id, const char *version, int64_t user_id,
			const char *message, int64_t now, int64_t *appeal_id, int *added)
{
	int rc = sr__run(s, Q_APPEAL_INS, "IItItI", skill_id, version_id, version, user_id, message, now);
	if (rc)
		return rc;
	*added = sr__changes(s) > 0;
	if (*added) {
		*appeal_id = sr__last_id(s);
		return 0;
	}
	return sr__one_int64(s, sr__query(s, Q_APPEAL_OPEN, "II", skill_id, version_id), appeal_id);
}
