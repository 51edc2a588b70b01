/*
 * reports.c - user reports of a skill (moderation.h; api-v1 section 3.16): one per user and
 * skill; more than SR_REPORTS_HIDE_AFTER of them hide an active skill until staff look.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/util.h"
#include "moderation/moderation_int.h"

/* Cuts r after SR_REPORT_REASON_MAX characters as ClawHub's slice does (UTF-16 units: a
 * character beyond the Basic Multilingual Plane counts two), never inside a character. */
static void cut_reason(char *r)
{
	size_t units = 0, i = 0;
	while (r[i]) {
		unsigned char c = (unsigned char)r[i];
		size_t len = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		size_t w = len == 4 ? 2 : 1;
		if (units + w > SR_REPORT_REASON_MAX)
			break;
		for (size_t k = 1; k < len; k++)
			if (!r[i + k])
				len = k;
		units += w;
		i += len;
	}
	r[i] = '\0';
}

/* A report with its reason already trimmed and present; see sr_skill_report. */
static int report(sr_store *s, const sr_skill *sk, const sr_user *user, char *reason, const char *version,
		  sr_report_result *res, sr_regerr *err)
{
	cut_reason(reason);
	if (version && version[0]) {
		sr_version_ref p = {0, 0, 0};
		int rc = sr_store_version_get(s, sk->id, version, sr_version_ref_take, &p);
		if (rc)
			return sr_regerr_internal(err, rc);
		if (!p.found || p.soft_deleted_at)
			return sr_regerr_set(err, SR_ENOTFOUND, SR_WHY_REPORT_VERSION_NOT_FOUND, NULL);
	}
	int64_t now = sr_now_ms();
	int rc = sr_store_begin(s);
	if (rc)
		return sr_regerr_internal(err, rc);
	int added = 0;
	if ((rc = sr_store_report_add(s, sk->id, user->id, version && version[0] ? version : NULL, reason, now,
				      &res->report_id, &added)))
		goto fail;
	res->reported = added;
	res->already = !added;
	if (!added) {
		if ((rc = sr_store_reports_count(s, sk->id, &res->count)))
			goto fail;
		sr_store_rollback(s);
		return 0;
	}
	if ((rc = sr_store_reports_bump(s, sk->id, &res->count)) ||
	    (rc = sr_store_audit(s, user->id, "skill.report", sk->id, reason, now)))
		goto fail;
	/* More than three reports hide an active skill until staff look at it. The skill is read
	 * again under the write lock: a scan may have changed it since the caller read it. */
	if (res->count > SR_REPORTS_HIDE_AFTER) {
		struct sr__mod_skill sc = {0};
		if ((rc = sr_store_skill_by_id(s, sk->id, sr__mod_copy_skill, &sc)))
			goto fail;
		if (sc.found && sc.sk.moderation_status == SR_SKILL_ACTIVE) {
			sr_mod_state cur, next;
			sr__mod_of(&sc.sk, &cur);
			next = cur;
			next.status = SR_SKILL_HIDDEN;
			snprintf(next.reason, sizeof(next.reason), "auto.reports");
			char detail[64];
			snprintf(detail, sizeof(detail), "reports=%lld", (long long)res->count);
			if ((rc = sr__mod_write(s, &sc.sk, &next, 0, "skill.auto_hide", detail, now)))
				goto fail;
			res->hidden = 1;
		}
	}
	if ((rc = sr_store_commit(s)))
		return sr_regerr_internal(err, rc);
	return 0;
fail:
	sr_store_rollback(s);
	return sr_regerr_internal(err, rc);
}

int sr_skill_report(sr_store *s, const sr_skill *sk, const sr_user *user, const char *reason,
		    const char *version, sr_report_result *res, sr_regerr *err)
{
	memset(res, 0, sizeof(*res));
	/* As ClawHub's: a hidden skill can still be reported, a deleted or removed one is not
	 * found; the reason is trimmed and required, and cut (not refused) when long. */
	if (sk->soft_deleted_at || sk->moderation_status == SR_SKILL_REMOVED)
		return sr_regerr_set(err, SR_ENOTFOUND, SR_WHY_REPORT_SKILL_NOT_FOUND, NULL);
	char *r = sr_trim_dup(reason ? reason : "", reason ? strlen(reason) : 0);
	if (!r)
		return sr_regerr_internal(err, SR_ENOMEM);
	int rc = r[0] ? report(s, sk, user, r, version, res, err)
		      : sr_regerr_set(err, SR_EINVAL, SR_WHY_REPORT_REASON_REQUIRED, NULL);
	free(r);
	return rc;
}
