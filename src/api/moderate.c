/*
 * moderate.c - the moderation write routes: a user's report (api-v1 section 3.16) and the
 * staff actions (hide, unhide, remove, set a verdict, rescan). The rules are in
 * src/moderation/moderation.c; this file parses, checks the caller and encodes.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "api/internal.h"
#include "core/err.h"
#include "core/jw.h"
#include "moderation/moderation.h"
#include "moderation/worker.h"
#include "registry/modstate.h"
#include "registry/slug.h"

/* A string member, or NULL; *bad when present but not a string. */
static const char *opt_str(json_t *body, const char *key, int *bad)
{
	json_t *v = json_object_get(body, key);
	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v)) {
		*bad = 1;
		return NULL;
	}
	return json_string_value(v);
}

static const char *owner_from(sr_req *req, json_t *body)
{
	json_t *o = json_object_get(body, "ownerHandle");
	if (json_is_string(o) && json_string_value(o)[0])
		return json_string_value(o);
	return sr__owner_param(req);
}

/* The skill a report names. ClawHub answers every refusal on this route with 400 text, a
 * skill it cannot find or tell apart included; visibility is the domain's to judge (a hidden
 * skill can be reported). */
static int report_target(sr_req *req, const char *slug_in, const char *owner, const sr_user *u, sr_skill *out,
			 sr_regerr *err)
{
	char slug[128];
	if (sr_slug_normalize(slug_in, slug, sizeof(slug)) || !sr_slug_is_plausible(slug))
		return sr_regerr_set(err, SR_ENOTFOUND, SR_WHY_REPORT_SKILL_NOT_FOUND, NULL);
	sr_lookup lk;
	int rc = sr_lookup_skill(req->store, slug, owner, u, &lk);
	if (rc == SR_ENOTFOUND)
		return sr_regerr_set(err, rc, SR_WHY_REPORT_SKILL_NOT_FOUND, NULL);
	if (rc == SR_ECONFLICT)
		return sr_regerr_set(err, rc, SR_WHY_REPORT_AMBIGUOUS, NULL);
	if (rc)
		return sr_regerr_internal(err, rc);
	*out = lk.skill;
	return 0;
}

void sr__report(sr_app *app, sr_req *req, sr_resp *resp, const char *slug)
{
	req->route = "report";
	sr_user u;
	if (sr__require_user(req, resp, &u))
		return;
	json_t *body = sr__body_object(req, resp);
	if (!body)
		return;
	/* As ClawHub reads them: a reason that is not a string is no reason (refused as missing),
	 * a version that is not a string is no version. */
	const char *reason = json_string_value(json_object_get(body, "reason"));
	const char *version = json_string_value(json_object_get(body, "version"));
	sr_skill sk;
	sr_regerr err = {0};
	sr_report_result r;
	if (report_target(req, slug, owner_from(req, body), &u, &sk, &err) ||
	    sr_skill_report(req->store, &sk, &u, reason, version, &r, &err)) {
		sr__regerr(resp, &err);
	} else {
		char rid[32], sid[32];
		sr_public_id(rid, sizeof(rid), "rp", r.report_id);
		sr_public_id(sid, sizeof(sid), "sk", sk.id);
		sr_jw w;
		sr_jw_init(&w, &resp->body);
		sr_jw_obj(&w);
		sr_jw_kbool(&w, "ok", 1);
		sr_jw_kbool(&w, "reported", r.reported);
		sr_jw_kbool(&w, "alreadyReported", r.already);
		sr_jw_kstr(&w, "reportId", rid);
		sr_jw_kstr(&w, "skillId", sid);
		sr_jw_kint(&w, "reportCount", r.count);
		sr_jw_obj_end(&w);
		sr_resp_json(resp, 200);
	}
	json_decref(body);
}

/* The moderation fields after a staff action, as the answer. */
static int mod_answer(void *ud, const void *row)
{
	const sr_skill_row *r = row;
	sr_jw *w = ud;
	sr_jw_key(w, "moderation");
	sr_jw_obj(w);
	sr_jw_kstr(w, "status", sr_mod_status_name(r->moderation_status));
	sr_jw_kstr(w, "reason", r->moderation_reason);
	sr_jw_key(w, "flags");
	sr_jw_arr(w);
	if (r->moderation_flags & SR_FLAG_SUSPICIOUS)
		sr_jw_str(w, sr_flag_name(SR_FLAG_SUSPICIOUS));
	if (r->moderation_flags & SR_FLAG_MALWARE)
		sr_jw_str(w, sr_flag_name(SR_FLAG_MALWARE));
	sr_jw_arr_end(w);
	sr_jw_kstr(w, "verdict", sr_verdict_name(r->moderation_verdict));
	sr_jw_kbool(w, "isSuspicious", r->is_suspicious);
	sr_jw_kbool(w, "isPublic", r->is_public);
	sr_jw_obj_end(w);
	return 1;
}

void sr__moderate(sr_app *app, sr_req *req, sr_resp *resp, const char *slug, const char *action)
{
	req->route = "moderate";
	sr_user u;
	/* sr_moderate checks the role too (the console goes through it); refusing here first
	 * keeps a non-staff caller from learning which slugs exist from a 404. */
	if (sr__require_staff(req, resp, &u))
		return;
	int act = sr_mod_action_parse(action);
	if (act < 0) {
		sr_resp_text(resp, 404, "Not found");
		return;
	}
	json_t *body = sr__body_object(req, resp);
	if (!body)
		return;
	int bad = 0;
	const char *reason = opt_str(body, "reason", &bad);
	const char *arg = opt_str(body, act == SR_MOD_VERDICT ? "verdict" : "version", &bad);
	const char *note = opt_str(body, "note", &bad);
	sr_skill sk;
	if (bad) {
		sr_resp_text(resp, 400, "reason, note, verdict and version must be strings");
	} else if (act == SR_MOD_VERDICT && !arg) {
		sr_resp_text(resp, 400, "Missing verdict");
	} else if (!sr__find_skill(app, req, resp, slug, owner_from(req, body), &u, 0, &sk)) {
		sr_regerr err = {0};
		if (sr_moderate_noted(req->store, &sk, &u, act, arg, reason, note, &err)) {
			sr__regerr(resp, &err);
		} else {
			if (act == SR_MOD_RESCAN)
				sr_scan_worker_wake(app->scan_worker);
			sr_jw w;
			sr_jw_init(&w, &resp->body);
			sr_jw_obj(&w);
			sr_jw_kbool(&w, "ok", 1);
			sr_jw_kstr(&w, "slug", sk.slug);
			int rc = sr_store_skill_by_id(req->store, sk.id, mod_answer, &w);
			sr_jw_obj_end(&w);
			if (rc)
				sr__internal(resp, rc);
			else
				sr_resp_json(resp, 200);
		}
	}
	json_decref(body);
}
