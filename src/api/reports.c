/*
 * reports.c - ClawHub's staff routes for reports (the accounts reference, section 6):
 * GET /api/v1/skills/-/reports and POST /api/v1/skills/-/reports/{id}/triage, over
 * src/moderation/staff.c's decisions, the same the web console makes. A report resolved in
 * the console is ClawHub's "confirmed".
 *
 * Differences from ClawHub, on purpose: a caller who is not staff gets 403 `Forbidden`
 * (ClawHub's uncaught error is a 500), a decided report is not reopened by triage (a new
 * report from its reporter reopens it), and a hide does not also soft-delete the skill.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/internal.h"
#include "core/err.h"
#include "core/jw.h"
#include "moderation/staff.h"

static const char *const api_names[] = {"open", "confirmed", "dismissed"};

/* A status word of this API: 0..2, -1 for "all", -2 for anything else. */
static int status_parse(const char *name, int all_ok)
{
	for (int i = 0; name && i < 3; i++)
		if (strcmp(name, api_names[i]) == 0)
			return i;
	return all_ok && name && strcmp(name, "all") == 0 ? -1 : -2;
}

/* One report of the staff's list, with ClawHub's field names. */
static void report_item(sr_jw *w, const sr_case_row *r)
{
	char rid[32], sid[32];
	sr_public_id(rid, sizeof(rid), "rp", r->id);
	sr_public_id(sid, sizeof(sid), "sk", r->skill_id);
	sr_jw_obj(w);
	sr_jw_kstr(w, "reportId", rid);
	sr_jw_kstr(w, "skillId", sid);
	sr_jw_kstr(w, "slug", r->slug);
	sr_jw_kstr(w, "version", r->version);
	sr_jw_kstr(w, "reason", r->text);
	sr_jw_kstr(w, "status", api_names[r->status >= 0 && r->status < 3 ? r->status : 0]);
	sr_jw_kint(w, "createdAt", r->created_at);
	sr_jw_key(w, "reporter");
	sr_jw_obj(w);
	sr_jw_kstr(w, "handle", r->author);
	sr_jw_obj_end(w);
	if (r->decided_at)
		sr_jw_kint(w, "triagedAt", r->decided_at);
	else
		sr_jw_knull(w, "triagedAt");
	sr_jw_kstr(w, "triagedBy", r->decider);
	sr_jw_kstr(w, "triageNote", r->note);
	sr_jw_kstr(w, "actionTaken", r->action);
	sr_jw_obj_end(w);
}

static void reports_list(sr_req *req, sr_resp *resp)
{
	const char *sname = sr_req_query(req, "status");
	int st = !sname || !sname[0] ? SR_CASE_OPEN : status_parse(sname, 1);
	if (st == -2) {
		sr_resp_text(resp, 400, "Invalid skill report status");
		return;
	}
	sr__case_list(req, resp, st, "rp", sr_store_staff_reports, report_item);
}

/* The answer of a triage: the report as it is now and its skill's report count. */
static int triage_answer(sr_req *req, sr_resp *resp, int64_t id, int hide)
{
	int64_t skill_id = 0, count = 0;
	int cur = 0;
	int rc = sr_store_report_get(req->store, id, &skill_id, &cur);
	if (!rc)
		rc = sr_store_reports_count(req->store, skill_id, &count);
	if (rc)
		return rc;
	char rid[32], sid[32];
	sr_public_id(rid, sizeof(rid), "rp", id);
	sr_public_id(sid, sizeof(sid), "sk", skill_id);
	sr_jw w;
	sr_jw_init(&w, &resp->body);
	sr_jw_obj(&w);
	sr_jw_kbool(&w, "ok", 1);
	sr_jw_kstr(&w, "reportId", rid);
	sr_jw_kstr(&w, "skillId", sid);
	sr_jw_kstr(&w, "status", api_names[cur >= 0 && cur < 3 ? cur : 0]);
	sr_jw_kint(&w, "reportCount", count);
	sr_jw_kstr(&w, "actionTaken", hide ? "hide" : "none");
	sr_jw_obj_end(&w);
	return 0;
}

static void report_triage(sr_req *req, sr_resp *resp, const sr_user *u, const char *id_s)
{
	json_t *body = sr__body_object(req, resp);
	if (!body)
		return;
	int st = status_parse(json_string_value(json_object_get(body, "status")), 0);
	const char *note = json_string_value(json_object_get(body, "note"));
	const char *action = json_string_value(json_object_get(body, "finalAction"));
	int hide = action && strcmp(action, "hide") == 0;
	int64_t id = sr__case_id_of(id_s, "rp");
	sr_regerr err = {0};
	int rc;
	if (st < 0)
		rc = sr_regerr_set(&err, SR_EINVAL, SR_WHY_REPORT_STATUS_INVALID, NULL);
	else if (action && !hide && strcmp(action, "none") != 0)
		rc = sr_regerr_set(&err, SR_EINVAL, SR_WHY_ACTION_UNKNOWN, NULL);
	else if (!id)
		rc = sr_regerr_set(&err, SR_ENOTFOUND, SR_WHY_REPORT_NOT_FOUND, NULL);
	else if (st == SR_CASE_OPEN)
		rc = sr_regerr_set(&err, SR_EINVAL, SR_WHY_CASE_TRANSITION, "report status transition from a decided case to open");
	else
		rc = sr_report_decide(req->store, id, u, st, note, hide, &err);
	if (rc) {
		sr__regerr(resp, &err);
	} else if ((rc = triage_answer(req, resp, id, hide))) {
		sr__internal(resp, rc);
	} else {
		sr_resp_json(resp, 200);
	}
	json_decref(body);
}

void sr__report_routes(sr_app *app, sr_req *req, sr_resp *resp, char **seg, int n)
{
	static const sr__case_routes routes = {"triage", "reports", "report-triage"};
	sr_user u;
	int which = sr__case_route(req, resp, seg, n, &routes, &u);
	if (which == 0)
		reports_list(req, resp);
	else if (which == 1)
		report_triage(req, resp, &u, seg[5]);
}
