/*
 * mutate.c - the write routes besides publishing: delete/undelete of a skill and of one
 * version, stars, and install telemetry (api-v1 sections 3.12, 3.13, 3.15).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "api/internal.h"
#include "core/err.h"
#include "core/jw.h"
#include "core/util.h"

/* The start every write route shares: a good bearer token, then the optional JSON object
 * body. NULL when either is missing or wrong, with the 401 or 400 already written. */
static json_t *begin_write(sr_req *req, sr_resp *resp, sr_user *u)
{
	if (sr__require_user(req, resp, u))
		return NULL;
	return sr__body_object(req, resp);
}

static const char *owner_from(sr_req *req, json_t *body)
{
	json_t *o = json_object_get(body, "ownerHandle");
	if (json_is_string(o) && json_string_value(o)[0])
		return json_string_value(o);
	return sr__owner_param(req);
}

static void ok_json(sr_resp *resp, int64_t reserved_until)
{
	sr_jw w;
	sr_buf_reset(&resp->body);
	sr_jw_init(&w, &resp->body);
	sr_jw_obj(&w);
	sr_jw_kbool(&w, "ok", 1);
	if (reserved_until)
		sr_jw_kint(&w, "slugReservedUntil", reserved_until);
	sr_jw_obj_end(&w);
	sr_resp_json(resp, 200);
}

void sr__delete(sr_app *app, sr_req *req, sr_resp *resp, const char *slug)
{
	req->route = "skill-delete";
	sr_user u;
	json_t *body = begin_write(req, resp, &u);
	if (!body)
		return;
	json_t *v = json_object_get(body, "version");
	const char *qv = sr_req_query(req, "version");
	sr_skill sk;
	if ((v && !json_is_null(v)) || (qv && qv[0])) {
		sr_resp_text(resp, 400, "To delete one version use DELETE /api/v1/skills/{slug}/versions/{version}");
	} else if (!sr__find_skill(app, req, resp, slug, owner_from(req, body), &u, SR__FIND_DELETED, &sk)) {
		sr_regerr err = {0};
		int64_t until = 0;
		if (sr_skill_delete(req->store, &sk, &u, &until, &err))
			sr__regerr(resp, &err);
		else
			ok_json(resp, until);
	}
	json_decref(body);
}

void sr__undelete(sr_app *app, sr_req *req, sr_resp *resp, const char *slug)
{
	req->route = "skill-undelete";
	sr_user u;
	json_t *body = begin_write(req, resp, &u);
	if (!body)
		return;
	sr_skill sk;
	if (!sr__find_skill(app, req, resp, slug, owner_from(req, body), &u, SR__FIND_DELETED, &sk)) {
		sr_regerr err = {0};
		if (sr_skill_undelete(req->store, &sk, &u, &err))
			sr__regerr_at(app, req, resp, &err);
		else
			ok_json(resp, 0);
	}
	json_decref(body);
}

void sr__version_delete(sr_app *app, sr_req *req, sr_resp *resp, const char *slug,
			const char *version, int restore)
{
	req->route = restore ? "version-restore" : "version-delete";
	sr_user u;
	json_t *body = begin_write(req, resp, &u);
	if (!body)
		return;
	json_t *bv = json_object_get(body, "version");
	const char *qv = sr_req_query(req, "version");
	sr_skill sk;
	if ((json_is_string(bv) && strcmp(json_string_value(bv), version) != 0) ||
	    (qv && qv[0] && strcmp(qv, version) != 0)) {
		sr_resp_text(resp, 400, "Version in the body or query must match the version in the path");
	} else if (!sr__find_skill(app, req, resp, slug, owner_from(req, body), &u, 0, &sk)) {
		sr_regerr err = {0};
		int rc = restore ? sr_version_restore(req->store, &sk, version, &u, &err)
				 : sr_version_delete(req->store, &sk, version, &u, &err);
		if (rc)
			sr__regerr(resp, &err);
		else
			ok_json(resp, 0);
	}
	json_decref(body);
}

void sr__star(sr_app *app, sr_req *req, sr_resp *resp, const char *slug, int on)
{
	req->route = on ? "star" : "unstar";
	sr_user u;
	json_t *body = begin_write(req, resp, &u);
	if (!body)
		return;
	/* As ClawHub: any skill that is not deleted can be starred, one hidden by moderation
	 * included, and a slug two publishers use names none ("Skill not found", no 409). */
	sr_skill sk;
	int rc = sr__find_skill(app, req, resp, slug, owner_from(req, body), &u, 0, &sk);
	json_decref(body);
	if (rc || sk.soft_deleted_at) {
		if (!rc || resp->status == 409)
			sr_resp_text(resp, 404, "Skill not found");
		return;
	}
	int changed = 0;
	rc = on ? sr_store_star(req->store, sk.id, u.id, sr_now_ms(), &changed)
	     : sr_store_unstar(req->store, sk.id, u.id, &changed);
	if (rc) {
		sr__internal(resp, rc);
		return;
	}
	sr_jw w;
	sr_jw_init(&w, &resp->body);
	sr_jw_obj(&w);
	sr_jw_kbool(&w, "ok", 1);
	/* ClawHub's pairs: a star always ends starred (a repeated one says alreadyStarred); an
	 * unstar of what was not starred says unstarred:false, alreadyUnstarred:true. */
	sr_jw_kbool(&w, on ? "starred" : "unstarred", on || changed);
	sr_jw_kbool(&w, on ? "alreadyStarred" : "alreadyUnstarred", !changed);
	sr_jw_obj_end(&w);
	sr_resp_json(resp, 200);
}

void sr__telemetry(sr_app *app, sr_req *req, sr_resp *resp)
{
	req->route = "telemetry-install";
	sr_user u;
	json_t *body = begin_write(req, resp, &u);
	if (!body)
		return;
	json_t *slug = json_object_get(body, "slug");
	sr_skill sk;
	if (!json_is_string(slug)) {
		sr_resp_text(resp, 400, "Missing slug");
	} else if (!sr__find_skill(app, req, resp, json_string_value(slug), owner_from(req, body), &u, 0, &sk)) {
		if (!sk.is_public) {
			sr_resp_text(resp, 404, "Skill not found");
		} else {
			int rc = sr_store_install_event(req->store, sk.id, sr_now_ms());
			if (rc)
				sr__internal(resp, rc);
			else
				ok_json(resp, 0);
		}
	}
	json_decref(body);
}

void sr__tag(sr_app *app, sr_req *req, sr_resp *resp, const char *slug, const char *tag)
{
	req->route = "tag";
	sr_user u;
	json_t *body = begin_write(req, resp, &u);
	if (!body)
		return;
	/* ClawHub's words on this route: "Version required", "Valid tag required", and its own
	 * answer to an ambiguous slug. The version is trimmed. Its order too: the version and the
	 * tag are checked before the skill is looked up. */
	const char *v = json_string_value(json_object_get(body, "version"));
	char *version = sr_trim_dup(v ? v : "", v ? strlen(v) : 0);
	sr_skill sk;
	if (!version) {
		sr__internal(resp, SR_ENOMEM);
	} else if (!version[0]) {
		sr_resp_text(resp, 400, "Version required");
	} else if (strcasecmp(tag, "latest") != 0 && !sr_tag_valid(tag)) {
		sr_regerr err = {0};
		sr_regerr_set(&err, SR_EINVAL, SR_WHY_TAG_INVALID, NULL);
		sr__regerr(resp, &err);
	} else if (!sr__find_skill(app, req, resp, slug, owner_from(req, body), &u, SR__CONFLICT_OWNER_HINT, &sk)) {
		sr_regerr err = {0};
		if (strcasecmp(tag, "latest") == 0)
			tag = "latest";
		if (sr_tag_move(req->store, &sk, tag, version, &u, &err)) {
			sr__regerr(resp, &err);
		} else {
			sr_jw w;
			sr_jw_init(&w, &resp->body);
			sr_jw_obj(&w);
			sr_jw_kbool(&w, "ok", 1);
			sr_jw_kstr(&w, "slug", sk.slug);
			sr_jw_kstr(&w, "tag", tag);
			sr_jw_kstr(&w, "version", version);
			sr_jw_obj_end(&w);
			sr_resp_json(resp, 200);
		}
	}
	free(version);
	json_decref(body);
}

/* One side of a merge, or ClawHub's words for the side it cannot find ("Source skill not
 * found", "Target skill not found"; a deleted skill is not found either). */
static int merge_side(sr_app *app, sr_req *req, sr_resp *resp, const char *slug, const char *owner,
		      const sr_user *u, const char *missing, sr_skill *out)
{
	memset(out, 0, sizeof(*out));
	int rc = sr__find_skill(app, req, resp, slug, owner, u, 0, out);
	if (rc == 0 && !out->soft_deleted_at)
		return 0;
	if (rc == 0 || resp->status == 404)
		sr_resp_text(resp, 404, missing);
	return -1;
}

/* POST /skills/{slug}/rename {newSlug} and POST /skills/{slug}/merge {targetSlug}. */
void sr__rename(sr_app *app, sr_req *req, sr_resp *resp, const char *slug, int merge)
{
	req->route = merge ? "merge" : "rename";
	sr_user u;
	json_t *body = begin_write(req, resp, &u);
	if (!body)
		return;
	const char *key = merge ? "targetSlug" : "newSlug";
	const char *to = json_string_value(json_object_get(body, key));
	const char *owner = owner_from(req, body);
	sr_skill sk, dst;
	sr_regerr err = {0};
	/* ClawHub's words for a missing, empty or blank one: "newSlug required". */
	size_t at = 0;
	while (to && isspace((unsigned char)to[at]))
		at++;
	if (!to || !to[at]) {
		sr_resp_textf(resp, 400, "%s required", key);
	} else if (merge ? !merge_side(app, req, resp, slug, owner, &u, "Source skill not found", &sk)
			 : !sr__find_skill(app, req, resp, slug, owner, &u, 0, &sk)) {
		int rc;
		if (merge) {
			/* The target is looked up in the source's publisher. */
			if (merge_side(app, req, resp, to, sk.owner_handle, &u, "Target skill not found", &dst))
				goto out;
			rc = sr_skill_merge(req->store, &sk, &dst, &u, &err);
		} else {
			rc = sr_skill_rename(req->store, &sk, to, &u, &err);
		}
		if (rc) {
			sr__regerr_at(app, req, resp, &err);
		} else {
			sr_lookup lk;
			sr_jw w;
			sr_jw_init(&w, &resp->body);
			sr_jw_obj(&w);
			sr_jw_kbool(&w, "ok", 1);
			if (merge) {
				/* ClawHub's answer, which the CLI checks: {ok, sourceSlug, targetSlug}. */
				sr_jw_kstr(&w, "sourceSlug", sk.slug);
				sr_jw_kstr(&w, "targetSlug", dst.slug);
			} else if (sr_lookup_skill(req->store, sk.slug, sk.owner_handle, NULL, &lk) == 0) {
				sr_jw_kstr(&w, "slug", lk.skill.slug);
				sr_jw_kstr(&w, "previousSlug", sk.slug);
			}
			sr_jw_obj_end(&w);
			sr_resp_json(resp, 200);
		}
	}
out:
	json_decref(body);
}
