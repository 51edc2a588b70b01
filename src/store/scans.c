/*
 * scans.c - scanning and moderation (store.h, "scanning and moderation"): a version's scan
 * state and queue, scanner results, findings and holds, a skill's moderation columns,
 * reports, and the moderation jobs' batches. Named scans.c, not moderation.c, so that it is
 * never confused with src/moderation/moderation.c (the transitions these rows serve).
 * Dialect-neutral, over internal.h.
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "store/internal.h"

int sr_store_version_scan_get(sr_store *s, int64_t version_id, sr_version_scan *out)
{
	sr__stmt *st = sr__query(s, Q_VERSION_SCAN_GET, "I", version_id);
	if (!st)
		return SR_EDB;
	int rc = sr__step(s, st);
	if (rc == SR__DONE)
		return SR_ENOTFOUND;
	if (rc != SR__ROW)
		return rc;
	memset(out, 0, sizeof(*out));
	out->id = sr__col_int64(st, 0);
	out->skill_id = sr__col_int64(st, 1);
	sr__copy_text(out->version, sizeof(out->version), sr__col_text(st, 2));
	sr__copy_text(out->zip_sha256, sizeof(out->zip_sha256), sr__col_text(st, 3));
	out->state = sr__col_int(st, 4);
	out->verdict = sr__col_int_or_null(st, 5);
	out->requested_at = sr__col_int64(st, 6);
	out->scanned_at = sr__col_int64(st, 7);
	out->soft_deleted_at = sr__col_int64(st, 8);
	out->claimed_at = sr__col_int64(st, 9);
	out->created_by = sr__col_int64(st, 10);
	sr__reset(st);
	return 0;
}

int sr_store_malware_finding_add(sr_store *s, int64_t user_id, int64_t skill_id, int64_t version_id, int64_t now,
				 int *added)
{
	int rc = sr__run(s, Q_MALWARE_FINDING_ADD, "IIII", user_id, skill_id, version_id, now);
	*added = !rc && sr__changes(s) > 0;
	return rc;
}

int sr_store_user_claimable(sr_store *s, int64_t user_id, int *claimable)
{
	int64_t v = 0;
	int rc = sr__one_int64(s, sr__query(s, Q_USER_CLAIMABLE, "I", user_id), &v);
	*claimable = v != 0;
	return rc;
}

int sr_store_malware_findings(sr_store *s, int64_t user_id, int limit, sr_row_fn fn, void *ud)
{
	return sr__each_key(s, sr__query(s, Q_MALWARE_FINDINGS, "Ii", user_id, limit), fn, ud);
}

int sr_store_malware_findings_drop(sr_store *s, int64_t skill_id, int *n)
{
	int rc = sr__run(s, Q_MALWARE_FINDINGS_SKILL_DROP, "I", skill_id);
	*n = rc ? 0 : (int)sr__changes(s);
	return rc;
}

int sr_store_version_scan_request(sr_store *s, int64_t skill_id, int64_t version_id, int64_t now)
{
	return sr__run(s, Q_VERSION_SCAN_REQUEST, "III", version_id, now, skill_id);
}

int sr_store_skill_mark_pending(sr_store *s, int64_t skill_id)
{
	return sr__run(s, Q_SKILL_MARK_PENDING, "I", skill_id);
}

int sr_store_scan_queue(sr_store *s, int64_t after_req, int64_t after_id, int limit, sr_row_fn fn,
			void *ud)
{
	return sr__each_key(s, sr__query(s, Q_SCAN_QUEUE, "IIi", after_req, after_id, limit), fn, ud);
}

int sr_store_version_scan_claim(sr_store *s, int64_t version_id, const char *claim, int64_t now,
				int64_t lease_ms, int *won)
{
	*won = 0;
	int rc = sr__run(s, Q_VERSION_SCAN_CLAIM, "IItI", version_id, now, claim, lease_ms);
	if (!rc)
		*won = sr__changes(s) == 1;
	return rc;
}

int sr_store_version_scan_finish(sr_store *s, int64_t skill_id, int64_t version_id, int state, int verdict,
				 int64_t now, int64_t requested_at, const char *claim, int *finished)
{
	int rc = sr__run(s, Q_VERSION_SCAN_FINISH, "IiNInIt", version_id, state, verdict, now, requested_at, skill_id,
			 claim);
	if (!rc && finished)
		*finished = sr__changes(s) == 1;
	return rc;
}

int sr_store_scan_result_put(sr_store *s, int64_t version_id, const sr_scan_result_row *r)
{
	return sr__run(s, Q_SCAN_RESULT_PUT, "ItiNItt", version_id, r->source, r->status, r->verdict,
		   r->checked_at, r->engine, r->summary);
}

static void read_result(sr_store *s, sr__stmt *st, void *row)
{
	sr_scan_result_row *r = row;
	r->source = sr__col_text(st, 0);
	r->status = sr__col_int(st, 1);
	r->verdict = sr__col_int_or_null(st, 2);
	r->checked_at = sr__col_int64(st, 3);
	r->engine = sr__col_text(st, 4);
	r->summary = sr__col_text(st, 5);
}

int sr_store_scan_results(sr_store *s, int64_t version_id, sr_row_fn fn, void *ud)
{
	sr_scan_result_row row;
	return sr__each(s, sr__query(s, Q_SCAN_RESULTS, "I", version_id), read_result, &row, fn, ud);
}

int sr_store_scan_findings_clear(sr_store *s, int64_t version_id, const char *source)
{
	return sr__run(s, Q_SCAN_FINDINGS_DEL, "It", version_id, source);
}

int sr_store_scan_finding_add(sr_store *s, int64_t version_id, const sr_finding_row *f)
{
	return sr__run(s, Q_SCAN_FINDING_INS, "Itittttit", version_id, f->source, f->ord, f->rule_id, f->severity,
		   f->title, f->path ? f->path : "", f->line, f->excerpt);
}

static void read_finding(sr_store *s, sr__stmt *st, void *row)
{
	sr_finding_row *f = row;
	f->source = sr__col_text(st, 0);
	f->ord = sr__col_int(st, 1);
	f->rule_id = sr__col_text(st, 2);
	f->severity = sr__col_text(st, 3);
	f->title = sr__col_text(st, 4);
	f->path = sr__col_text(st, 5);
	f->line = sr__col_int(st, 6);
	f->excerpt = sr__col_text(st, 7);
}

int sr_store_scan_findings(sr_store *s, int64_t version_id, int limit, sr_row_fn fn, void *ud)
{
	sr_finding_row row;
	return sr__each(s, sr__query(s, Q_SCAN_FINDINGS, "Ii", version_id, limit), read_finding, &row, fn, ud);
}

int sr_store_scan_hold_put(sr_store *s, int64_t skill_id, const char *source, int verdict,
			   int64_t version_id, int64_t now)
{
	return sr__run(s, Q_SCAN_HOLD_PUT, "ItiII", skill_id, source, verdict, version_id, now);
}

static void read_hold(sr_store *s, sr__stmt *st, void *row)
{
	sr_hold_row *h = row;
	h->source = sr__col_text(st, 0);
	h->verdict = sr__col_int(st, 1);
}

int sr_store_scan_holds(sr_store *s, int64_t skill_id, sr_row_fn fn, void *ud)
{
	sr_hold_row row;
	return sr__each(s, sr__query(s, Q_SCAN_HOLDS, "I", skill_id), read_hold, &row, fn, ud);
}

int sr_store_skill_moderate(sr_store *s, int64_t skill_id, int status, const char *reason, int flags,
			    int verdict)
{
	return sr__run(s, Q_SKILL_MODERATE, "IitiN", skill_id, status, reason, flags, verdict);
}

int sr_store_report_add(sr_store *s, int64_t skill_id, int64_t user_id, const char *version,
			const char *reason, int64_t now, int64_t *report_id, int *added)
{
	int rc = sr__run(s, Q_REPORT_INS, "IIttI", skill_id, user_id, version, reason, now);
	if (rc)
		return rc;
	/* A reopened report keeps its id, which an upsert's update does not report as the last
	 * insert's: the id is read back by the unique key either way. */
	*added = sr__changes(s) > 0;
	return sr__one_int64(s, sr__query(s, Q_REPORT_GET, "II", skill_id, user_id), report_id);
}

int sr_store_reports_bump(sr_store *s, int64_t skill_id, int64_t *count)
{
	return sr__one_int64(s, sr__query(s, Q_REPORTS_BUMP, "I", skill_id), count);
}

int sr_store_reports_count(sr_store *s, int64_t skill_id, int64_t *count)
{
	return sr__one_int64(s, sr__query(s, Q_REPORTS_COUNT, "I", skill_id), count);
}

int sr_store_reports_reset(sr_store *s, int64_t skill_id)
{
	return sr__run(s, Q_REPORTS_RESET, "I", skill_id);
}

int sr_store_moderation_page(sr_store *s, int status, const char *reason, int64_t after_created,
			     int64_t after_id, int limit, sr_row_fn fn, void *ud)
{
	return sr__each_key(s, sr__query(s, Q_MODERATION_PAGE, "itIIi", status, reason, after_created, after_id, limit),
			fn, ud);
}

static void read_modq(sr_store *s, sr__stmt *st, void *row)
{
	sr_mod_queue_row *r = row;
	r->skill_id = sr__col_int64(st, 0);
	r->created_at = sr__col_int64(st, 1);
	r->version_id = sr__col_int64(st, 2);
	r->scan_state = sr__col_int(st, 3);
	r->requested_at = sr__col_int64(st, 4);
}

int sr_store_moderation_queue_page(sr_store *s, int status, const char *reason, int64_t after_created,
				   int64_t after_id, int limit, sr_row_fn fn, void *ud)
{
	sr_mod_queue_row row;
	return sr__each(s, sr__query(s, Q_MOD_QUEUE_PAGE, "itIIi", status, reason, after_created, after_id, limit),
		    read_modq, &row, fn, ud);
}

/* ---- skill cards ---- */

int sr_store_card_put(sr_store *s, int64_t version_id, const char *sha256, const char *content, int64_t size,
		      int64_t now)
{
	return sr__run(s, Q_CARD_PUT, "ItItI", version_id, sha256, size, content, now);
}

static int card_read(sr_store *s, int q, int64_t version_id, sr_card *out)
{
	memset(out, 0, sizeof(*out));
	sr__stmt *st = sr__query(s, q, "I", version_id);
	if (!st)
		return SR_EDB;
	int rc = sr__step(s, st);
	if (rc == SR__DONE)
		return SR_ENOTFOUND;
	if (rc != SR__ROW)
		return rc;
	sr__copy_text(out->sha256, sizeof(out->sha256), sr__col_text(st, 0));
	out->size = sr__col_int64(st, 1);
	out->created_at = sr__col_int64(st, 3);
	if (q == Q_CARD_GET) {
		const char *t = sr__col_text(st, 2);
		out->content = strdup(t ? t : "");
	}
	sr__reset(st);
	return q == Q_CARD_GET && !out->content ? SR_ENOMEM : 0;
}

int sr_store_card_get(sr_store *s, int64_t version_id, sr_card *out)
{
	return card_read(s, Q_CARD_GET, version_id, out);
}

int sr_store_card_meta(sr_store *s, int64_t version_id, sr_card *out)
{
	return card_read(s, Q_CARD_META, version_id, out);
}
