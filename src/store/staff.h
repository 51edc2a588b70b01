/*
 * staff.h - the rows of the staff console and of appeals (issue 15, migration 0020): the
 * scan queue, skills by verdict, reports and appeals by status, the audit log, and the
 * writes that decide a report or an appeal and file an appeal. src/moderation/staff.c is
 * their one user; the web console reads the pages through it.
 *
 * Every page is one index range of at most `limit` rows: newest first by id after a keyset
 * cursor `before` (INT64_MAX for the first page), the scan queue oldest request first after
 * (after_req, after_id) ((-1, 0) for the first page).
 */
#ifndef SR_STORE_STAFF_H
#define SR_STORE_STAFF_H

#include <stdint.h>

#include "store/store.h"

/* skill_reports.status and skill_appeals.status. */
enum { SR_CASE_OPEN = 0, SR_CASE_UPHELD = 1, SR_CASE_DISMISSED = 2 };

typedef struct sr_queue_row {
	int64_t version_id, skill_id, requested_at;
	int64_t claimed_at; /* 0: no worker holds it */
	const char *version, *slug, *owner;
} sr_queue_row;

typedef struct sr_verdict_row {
	int64_t skill_id, latest_version_id, soft_deleted_at, reports;
	int status, flags, verdict;
	const char *slug, *display_name, *reason, *latest_version, *owner;
} sr_verdict_row;

/* A report or an appeal: text is the reason or the message, decider and note who closed
 * it and why (NULL while open). */
typedef struct sr_case_row {
	int64_t id, skill_id, created_at, decided_at;
	int status;
	const char *version, *text, *note, *author, *decider, *slug, *owner;
	const char *action; /* a decided report's final action ("none", "hide"); NULL otherwise */
} sr_case_row;

typedef struct sr_audit_row {
	int64_t id, created_at, skill_id;
	const char *action, *detail, *actor, *slug, *owner; /* actor NULL: the system */
} sr_audit_row;

int sr_store_staff_queue(sr_store *s, int64_t after_req, int64_t after_id, int limit, sr_row_fn fn, void *ud);
int sr_store_staff_verdict(sr_store *s, int verdict, int64_t before, int limit, sr_row_fn fn, void *ud);
/* status -1: reports of every status (the API's status=all). */
int sr_store_staff_reports(sr_store *s, int status, int64_t before, int limit, sr_row_fn fn, void *ud);
/* status -1: appeals of every status (the API's status=all). */
int sr_store_staff_appeals(sr_store *s, int status, int64_t before, int limit, sr_row_fn fn, void *ud);
int sr_store_staff_audit(sr_store *s, int64_t before, int limit, sr_row_fn fn, void *ud);
/* One skill's audit rows, newest first (rows sr_audit_row), and its reports, one per
 * reporter in the unique index's order (rows sr_case_row). */
int sr_store_staff_skill_audit(sr_store *s, int64_t skill_id, int limit, sr_row_fn fn, void *ud);
int sr_store_staff_skill_reports(sr_store *s, int64_t skill_id, int limit, sr_row_fn fn, void *ud);
/* One skill's appeals, newest first: rows sr_case_row. */
int sr_store_appeals_of_skill(sr_store *s, int64_t skill_id, int limit, sr_row_fn fn, void *ud);

/* One account on the console's user page (a person or an org). */
typedef struct sr_account_row {
	int64_t id, created_at;
	int64_t banned_at; /* 0: in good standing */
	int role, kind;    /* SR_ROLE_*, SR_USER_* */
	const char *handle, *display_name, *ban_reason;
} sr_account_row;

/* The account a handle names, one row to fn; SR_ENOTFOUND when there is none. */
int sr_store_staff_account(sr_store *s, const char *handle, sr_row_fn fn, void *ud);
/* The banned accounts, the latest ban first, up to limit rows to fn. */
int sr_store_staff_banned(sr_store *s, int limit, sr_row_fn fn, void *ud);

/* A report's or an appeal's skill and status; SR_ENOTFOUND when there is none. */
int sr_store_report_get(sr_store *s, int64_t id, int64_t *skill_id, int *status);
int sr_store_appeal_get(sr_store *s, int64_t id, int64_t *skill_id, int *status);
/* Closes an open report (with its final action) or appeal; *changed 0 when it was not open
 * any more. */
int sr_store_report_triage(sr_store *s, int64_t id, int status, int64_t by, int64_t now, const char *note,
			   const char *action, int *changed);
int sr_store_appeal_resolve(sr_store *s, int64_t id, int status, int64_t by, int64_t now, const char *note,
			    int *changed);
/* Takes one from a skill's report counter (never below 0). */
int sr_store_reports_drop(sr_store *s, int64_t skill_id);
/* Files an appeal unless one is open for this skill version: *added, and *appeal_id of the
 * new or the open one. */
int sr_store_appeal_add(sr_store *s, int64_t skill_id, int64_t version_id, const char *version, int64_t user_id,
			const char *message, int64_t now, int64_t *appeal_id, int *added);

#endif
