/*
 * staff.c - reports decided by staff and appeals filed by owners and decided by staff
 * (staff.h). Each decision and its audit row share a transaction; an accepted appeal changes
 * the skill through the same staff actions the API's moderation routes run.
 */
#include "moderation/staff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/util.h"
#include "moderation/moderation.h"

static const char *const report_names[] = {"open", "resolved", "dismissed"};
/* ClawHub's words for a report's statuses, which its refusals name. */
static const char *const report_api_names[] = {"open", "confirmed", "dismissed"};
static const char *const appeal_names[] = {"open", "accepted", "rejected"};

const char *sr_report_status_name(int status)
{
	return status >= 0 && status < 3 ? report_names[status] : "open";
}

const char *sr_appeal_status_name(int status)
{
	return status >= 0 && status < 3 ? appeal_names[status] : "open";
}

static int parse(const char *const *names, const char *name)
{
	for (int i = 0; name && i < 3; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

int sr_report_status_parse(const char *name)
{
	return parse(report_names, name);
}

int sr_appeal_status_parse(const char *name)
{
	return parse(appeal_names, name);
}

static int is_staff(const sr_user *u)
{
	return u && (u->role == SR_ROLE_MODERATOR || u->role == SR_ROLE_ADMIN);
}

/* Cuts s to at most max bytes, never inside a UTF-8 character. */
static void cut_utf8(char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max)
		return;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	s[max] = '\0';
}

char *sr__staff_note(const char *note, sr_why blank, sr_regerr *err)
{
	char *n = sr_trim_dup(note ? note : "", note ? strlen(note) : 0);
	if (!n) {
		sr_regerr_internal(err, SR_ENOMEM);
		return NULL;
	}
	if (!n[0]) {
		free(n);
		sr_regerr_set(err, SR_EINVAL, blank, NULL);
		return NULL;
	}
	cut_utf8(n, SR_CASE_NOTE_MAX);
	return n;
}

/* The refusal of a move from one status to another, in ClawHub's words. */
static int transition(sr_regerr *err, const char *kind, const char *from, const char *to)
{
	char arg[128];
	snprintf(arg, sizeof(arg), "%s status transition from %s to %s", kind, from, to);
	return sr_regerr_set(err, SR_EINVAL, SR_WHY_CASE_TRANSITION, arg);
}

int sr__staff_in_tx(sr_store *s, sr_regerr *err, int (*decide)(sr_store *, void *, sr_regerr *), void *ud)
{
	int rc = sr_store_begin(s);
	if (rc)
		return sr_regerr_internal(err, rc);
	if ((rc = decide(s, ud, err))) {
		sr_store_rollback(s);
		return rc;
	}
	if ((rc = sr_store_commit(s)))
		return sr_regerr_internal(err, rc);
	return 0;
}

struct decision {
	int64_t id, skill_id;
	const sr_user *actor;
	int status, hide;
	const char *note;
};

static int report_writes(sr_store *s, void *ud, sr_regerr *err)
{
	struct decision *d = ud;
	int changed = 0;
	int64_t now = sr_now_ms();
	int rc = sr_store_report_triage(s, d->id, d->status, d->actor->id, now, d->note, d->hide ? "hide" : "none",
					&changed);
	if (rc)
		return sr_regerr_internal(err, rc);
	if (!changed)
		return transition(err, "report", "a closed case", report_api_names[d->status]);
	/* The final action is the staff hide, with its own audit row, under the reason ClawHub
	 * gives a skill hidden from a report. */
	if (d->hide && (rc = sr__moderate_in_tx(s, d->skill_id, d->actor, SR_MOD_HIDE, NULL, "manual.report", d->note,
						  now, err)))
		return rc;
	char detail[64 + SR_CASE_NOTE_MAX];
	snprintf(detail, sizeof(detail), "report=%lld; note: %s", (long long)d->id, d->note);
	if ((rc = sr_store_reports_drop(s, d->skill_id)) ||
	    (rc = sr_store_audit(s, d->actor->id, d->status == SR_CASE_UPHELD ? "report.resolve" : "report.dismiss",
				 d->skill_id, detail, now)))
		return sr_regerr_internal(err, rc);
	return 0;
}

int sr_report_decide(sr_store *s, int64_t report_id, const sr_user *actor, int status, const char *note, int hide,
		     sr_regerr *err)
{
	if (!is_staff(actor))
		return sr_regerr_set(err, SR_EPERM, SR_WHY_FORBIDDEN, NULL);
	if (status != SR_CASE_UPHELD && status != SR_CASE_DISMISSED)
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_ACTION_UNKNOWN, NULL);
	if (hide && status == SR_CASE_DISMISSED)
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_DISMISSED_NO_ACTION, NULL);
	struct decision d = {report_id, 0, actor, status, hide, NULL};
	int cur;
	int rc = sr_store_report_get(s, report_id, &d.skill_id, &cur);
	if (rc == SR_ENOTFOUND)
		return sr_regerr_set(err, rc, SR_WHY_REPORT_NOT_FOUND, NULL);
	if (rc)
		return sr_regerr_internal(err, rc);
	if (cur != SR_CASE_OPEN)
		return transition(err, "report", report_api_names[cur < 0 || cur > 2 ? 0 : cur], report_api_names[status]);
	char *n = sr__staff_note(note, SR_WHY_REVIEW_NOTE_REQUIRED, err);
	if (!n)
		return err->code;
	d.note = n;
	rc = sr__staff_in_tx(s, err, report_writes, &d);
	free(n);
	return rc;
}

static int appeal_writes(sr_store *s, void *ud, sr_regerr *err)
{
	struct decision *d = ud;
	int changed = 0;
	int64_t now = sr_now_ms();
	int rc = sr_store_appeal_resolve(s, d->id, d->status, d->actor->id, now, d->note, &changed);
	if (rc)
		return sr_regerr_internal(err, rc);
	if (!changed)
		return transition(err, "appeal", "a closed case", sr_appeal_status_name(d->status));
	if (d->status == SR_CASE_UPHELD) {
		/* Active first (a removal is restored, a hide lifted), then the verdict: on an
		 * active skill it is recorded as staff's override, which later scans keep. */
		rc = sr__moderate_in_tx(s, d->skill_id, d->actor, SR_MOD_RESTORE, NULL, NULL, d->note, now, err);
		if (rc && err->why == SR_WHY_NOT_REMOVED)
			rc = sr__moderate_in_tx(s, d->skill_id, d->actor, SR_MOD_UNHIDE, NULL, NULL, d->note, now, err);
		if (rc && err->why == SR_WHY_NOT_HIDDEN)
			rc = 0;
		if (!rc)
			rc = sr__moderate_in_tx(s, d->skill_id, d->actor, SR_MOD_VERDICT, "clean", NULL, d->note, now, err);
		if (rc)
			return rc;
	}
	char detail[64 + SR_CASE_NOTE_MAX];
	snprintf(detail, sizeof(detail), "appeal=%lld; note: %s", (long long)d->id, d->note);
	if ((rc = sr_store_audit(s, d->actor->id, d->status == SR_CASE_UPHELD ? "appeal.accept" : "appeal.reject",
				 d->skill_id, detail, now)))
		return sr_regerr_internal(err, rc);
	return 0;
}

int sr_appeal_decide(sr_store *s, int64_t appeal_id, const sr_user *actor, int status, const char *note,
		     sr_regerr *err)
{
	if (!is_staff(actor))
		return sr_regerr_set(err, SR_EPERM, SR_WHY_FORBIDDEN, NULL);
	if (status != SR_CASE_UPHELD && status != SR_CASE_DISMISSED)
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_APPEAL_STATUS_INVALID, NULL);
	struct decision d = {appeal_id, 0, actor, status, 0, NULL};
	int cur;
	int rc = sr_store_appeal_get(s, appeal_id, &d.skill_id, &cur);
	if (rc == SR_ENOTFOUND)
		return sr_regerr_set(err, rc, SR_WHY_APPEAL_NOT_FOUND, NULL);
	if (rc)
		return sr_regerr_internal(err, rc);
	if (cur != SR_CASE_OPEN)
		return transition(err, "appeal", sr_appeal_status_name(cur), sr_appeal_status_name(status));
	char *n = sr__staff_note(note, SR_WHY_RESOLUTION_NOTE_REQUIRED, err);
	if (!n)
		return err->code;
	d.note = n;
	rc = sr__staff_in_tx(s, err, appeal_writes, &d);
	free(n);
	return rc;
}

/* What an appeal may contest: anything staff, reports or the scanners did to the skill. */
static int appealable(const sr_skill *sk)
{
	return sk->moderation_status != SR_SKILL_ACTIVE || sk->moderation_flags != 0 ||
	       sk->moderation_verdict == SR_VERDICT_SUSPICIOUS || sk->moderation_verdict == SR_VERDICT_MALICIOUS;
}

struct filing {
	const sr_skill *sk;
	const sr_user *user;
	int64_t version_id;
	const char *version, *message;
	sr_appeal_result *res;
};

static int appeal_add_writes(sr_store *s, void *ud, sr_regerr *err)
{
	struct filing *f = ud;
	int64_t now = sr_now_ms();
	int added = 0;
	int rc = sr_store_appeal_add(s, f->sk->id, f->version_id, f->version, f->user->id, f->message, now,
				     &f->res->appeal_id, &added);
	if (!rc && added) {
		char detail[64 + SR_APPEAL_MESSAGE_MAX];
		snprintf(detail, sizeof(detail), "appeal=%lld version=%s; message: %s", (long long)f->res->appeal_id,
			 f->version, f->message);
		rc = sr_store_audit(s, f->user->id, "skill.appeal", f->sk->id, detail, now);
	}
	if (rc)
		return sr_regerr_internal(err, rc);
	f->res->submitted = added;
	f->res->already = !added;
	return 0;
}

int sr_appeal_file(sr_store *s, const sr_skill *sk, const sr_user *user, const char *message, const char *version,
		   sr_appeal_result *res, sr_regerr *err)
{
	memset(res, 0, sizeof(*res));
	int ok = 0;
	int rc = user ? sr_may_act(s, sk->owner_id, user, SR_PUB_PUBLISHER, &ok) : 0;
	if (rc)
		return sr_regerr_internal(err, rc);
	if (!ok)
		return sr_regerr_set(err, SR_EPERM, SR_WHY_APPEAL_UNAUTHORIZED, NULL);
	if (!appealable(sk))
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_NOT_APPEALABLE, NULL);
	struct filing f = {sk, user, 0, NULL, NULL, res};
	sr_version_ref p = {0, 0, 0};
	const char *v = version && version[0] ? version : sk->latest_version;
	if (v[0] && (rc = sr_store_version_get(s, sk->id, v, sr_version_ref_take, &p)))
		return sr_regerr_internal(err, rc);
	if (!p.found || p.soft_deleted_at)
		return sr_regerr_set(err, SR_ENOTFOUND, SR_WHY_REPORT_VERSION_NOT_FOUND, NULL);
	f.version_id = p.id;
	f.version = v;
	char *m = sr_trim_dup(message ? message : "", message ? strlen(message) : 0);
	if (!m)
		return sr_regerr_internal(err, SR_ENOMEM);
	cut_utf8(m, SR_APPEAL_MESSAGE_MAX);
	f.message = m;
	rc = m[0] ? sr__staff_in_tx(s, err, appeal_add_writes, &f) : sr_regerr_set(err, SR_EINVAL, SR_WHY_APPEAL_MESSAGE_REQUIRED, NULL);
	free(m);
	return rc;
}
