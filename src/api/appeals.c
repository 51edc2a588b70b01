/*
 * appeals.c - ClawHub's appeal routes (the accounts reference, section 6): an owner's
 * POST /api/v1/skills/{slug}/appeal, and for moderators and admins GET
 * /api/v1/skills/-/appeals and POST /api/v1/skills/-/appeals/{id}/resolve. The rules are
 * src/moderation/staff.c's, the same the web console and the owner's appeal page follow.
 *
 * Differences from ClawHub, on purpose: a caller who is not staff gets 403 `Forbidden` on
 * the staff routes (ClawHub's uncaught error is a 500), and resolve does not reopen a
 * decided appeal (status "open" is refused as a transition).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/internal.h"
#include "core/err.h"
#include "core/jw.h"
#include "moderation/staff.h"
#include "registry/slug.h"

void sr__appeal(sr_app *app, sr_req *req, sr_resp *resp, const char *slug_in)
{
	req->route = "appeal";
	sr_user u;
	if (sr__require_user(req, resp, &u))
		return;
	json_t *body = sr__body_object(req, resp);
	if (!body)
		return;
	const char *message = json_string_value(json_object_get(body, "message"));
	const char *version = json_string_value(json_object_get(body, "version"));
	sr_regerr err = {0};
	char slug[128];
	sr_lookup lk;
	/* No ownerHandle on this route: a slug of several publishers is not found, as ClawHub's. */
	int rc = sr_slug_normalize(slug_in, slug, sizeof(slug)) ? SR_ENOTFOUND
								: sr_lookup_skill_any(req->store, slug, NULL, &u, &lk);
	sr_appeal_result res;
	if (rc == SR_ENOTFOUND || rc == SR_ECONFLICT)
		rc = sr_regerr_set(&err, SR_ENOTFOUND, SR_WHY_REPORT_SKILL_NOT_FOUND, NULL);
	else if (rc)
		rc = sr_regerr_internal(&err, rc);
	else
		rc = sr_appeal_file(req->store, &lk.skill, &u, message, version, &res, &err);
	if (rc) {
		sr__regerr(resp, &err);
	} else {
		char aid[32], sid[32];
		sr_public_id(aid, sizeof(aid), "ap", res.appeal_id);
		sr_public_id(sid, sizeof(sid), "sk", lk.skill.id);
		sr_jw w;
		sr_jw_init(&w, &resp->body);
		sr_jw_obj(&w);
		sr_jw_kbool(&w, "ok", 1);
		sr_jw_kbool(&w, "submitted", res.submitted);
		sr_jw_kbool(&w, "alreadyOpen", res.already);
		sr_jw_kstr(&w, "appealId", aid);
		sr_jw_kstr(&w, "skillId", sid);
		sr_jw_kstr(&w, "status", "open");
		sr_jw_obj_end(&w);
		sr_resp_json(resp, 200);
	}
	json_decref(body);
}

/* One appeal of the staff's list, with ClawHub's field names. */
static void appeal_item(sr_jw *w, const sr_case_row *r)
{
	char aid[32], sid[32];
	sr_public_id(aid, sizeof(aid), "ap", r->id);
	sr_public_id(sid, sizeof(sid), "sk", r->skill_id);
	sr_jw_obj(w);
	sr_jw_kstr(w, "appealId", aid);
	sr_jw_kstr(w, "skillId", sid);
	sr_jw_kstr(w, "slug", r->slug);
	sr_jw_kstr(w, "version", r->version);
	sr_jw_kstr(w, "message", r->text);
	sr_jw_kstr(w, "status", sr_appeal_status_name(r->status));
	sr_jw_kint(w, "createdAt", r->created_at);
	sr_jw_key(w, "submitter");
	sr_jw_obj(w);
	sr_jw_kstr(w, "handle", r->author);
	sr_jw_obj_end(w);
	if (r->decided_at)
		sr_jw_kint(w, "resolvedAt", r->decided_at);
	else
		sr_jw_knull(w, "resolvedAt");
	sr_jw_kstr(w, "resolvedBy", r->decider);
	sr_jw_kstr(w, "resolutionNote", r->note);
	sr_jw_kstr(w, "actionTaken", r->status == SR_CASE_UPHELD ? "restore" : r->status == SR_CASE_DISMISSED ? "none" : NULL);
	sr_jw_obj_end(w);
}

static void appeals_list(sr_req *req, sr_resp *resp)
{
	const char *sname = sr_req_query(req, "status");
	int st = !sname || !sname[0] ? SR_CASE_OPEN : strcmp(sname, "all") == 0 ? -1 : sr_appeal_status_parse(sname);
	if (st == -1 && !(sname && strcmp(sname, "all") == 0)) {
		sr_resp_text(resp, 400, "Invalid skill appeal status");
		return;
	}
	sr__case_list(req, resp, st, "ap", sr_store_staff_appeals, appeal_item);
}

static void appeal_resolve(sr_req *req, sr_resp *resp, const sr_user *u, const char *id_s)
{
	json_t *body = sr__body_object(req, resp);
	if (!body)
		return;
	const char *status = json_string_value(json_object_get(body, "status"));
	const char *note = json_string_value(json_object_get(body, "note"));
	int st = sr_appeal_status_parse(status);
	int64_t id = sr__case_id_of(id_s, "ap");
	sr_regerr err = {0};
	int64_t skill_id = 0;
	int cur = 0;
	int rc = st < 0 ? sr_regerr_set(&err, SR_EINVAL, SR_WHY_APPEAL_STATUS_INVALID, NULL)
		 : !id	? sr_regerr_set(&err, SR_ENOTFOUND, SR_WHY_APPEAL_NOT_FOUND, NULL)
		 : st == SR_CASE_OPEN ? sr_regerr_set(&err, SR_EINVAL, SR_WHY_CASE_TRANSITION,
						      "appeal status transition from a decided case to open")
				      : sr_appeal_decide(req->store, id, u, st, note, &err);
	if (!rc)
		rc = sr_store_appeal_get(req->store, id, &skill_id, &cur);
	if (rc && err.code) {
		sr__regerr(resp, &err);
	} else if (rc) {
		sr__internal(resp, rc);
	} else {
		char aid[32], sid[32];
		sr_public_id(aid, sizeof(aid), "ap", id);
		sr_public_id(sid, sizeof(sid), "sk", skill_id);
		sr_jw w;
		sr_jw_init(&w, &resp->body);
		sr_jw_obj(&w);
		sr_jw_kbool(&w, "ok", 1);
		sr_jw_kstr(&w, "appealId", aid);
		sr_jw_kstr(&w, "skillId", sid);
		sr_jw_kstr(&w, "status", sr_appeal_status_name(cur));
		sr_jw_kstr(&w, "actionTaken", cur == SR_CASE_UPHELD ? "restore" : "none");
		sr_jw_obj_end(&w);
		sr_resp_json(resp, 200);
	}
	json_decref(body);
}

void sr__appeal_routes(sr_app *app, sr_req *req, sr_resp *resp, char **seg, int n)
{
	static const sr__case_routes routes = {"resolve", "appeals", "appeal-resolve"};
	sr_user u;
	int which = sr__case_route(req, resp, seg, n, &routes, &u);
	if (which == 0)
		appeals_list(req, resp);
	else if (which == 1)
		appeal_resolve(req, resp, &u, seg[5]);
}
