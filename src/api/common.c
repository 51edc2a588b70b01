/*
 * common.c - what every API handler shares: ClawHub's 401 answers for bearer tokens, the
 * owner parameter, a write's JSON body, the mapping of registry errors and internal failures
 * to responses, and skill lookup with ClawHub's 404/409 answers.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/error.h"
#include "api/internal.h"
#include "core/err.h"
#include "core/jw.h"
#include "registry/slug.h"

/* ---- authentication ---- */

void sr_api_auth_refusal(int auth_state, int *status, const char **text)
{
	*status = 401;
	switch (auth_state) {
	case SR_AUTH_NONE:
		*text = "Unauthorized: API token is missing. Run `clawhub login` to authenticate.";
		break;
	case SR_AUTH_BANNED:
		*text = "Unauthorized: This ClawHub account is not in good standing and cannot use API tokens. "
			"Contact the registry's moderators if you believe this is a mistake.";
		break;
	case SR_AUTH_UNAVAIL:
		*status = 503;
		*text = SR_API_UNAVAILABLE_TEXT;
		break;
	default:
		*text = "Unauthorized: API token is invalid or revoked. Run `clawhub login` again.";
		break;
	}
}

int sr__require_user(sr_req *req, sr_resp *resp, sr_user *user)
{
	int state = sr_req_auth(req, user);
	if (state == SR_AUTH_OK)
		return 0;
	int status;
	const char *text;
	sr_api_auth_refusal(state, &status, &text);
	sr_resp_text(resp, status, text);
	return -1;
}

const sr_user *sr__optional_user(sr_req *req, sr_user *storage)
{
	return sr_req_auth(req, storage) == SR_AUTH_OK ? storage : NULL;
}

/* ---- helpers ---- */

const char *sr__owner_param(sr_req *req)
{
	const char *o = sr_req_query(req, "ownerHandle");
	if (!o || !o[0])
		o = sr_req_query(req, "owner");
	return o && o[0] ? o : NULL;
}

const char *sr__query_trimmed(sr_req *req, const char *key, char *out, size_t n)
{
	const char *v = sr_req_query(req, key);
	if (!v)
		return NULL;
	while (isspace((unsigned char)*v))
		v++;
	size_t len = strlen(v);
	while (len && isspace((unsigned char)v[len - 1]))
		len--;
	if (len >= n)
		len = 0;
	memcpy(out, v, len);
	out[len] = '\0';
	return out;
}

long sr__query_limit(sr_req *req, const char *key, long def)
{
	const char *v = sr_req_query(req, key);
	if (!v)
		return def;
	char *end;
	long n = strtol(v, &end, 10);
	/* Out of range, strtol's LONG_MAX or LONG_MIN clamps as JavaScript's huge number would. */
	return end == v ? def : n;
}

json_t *sr__body_object(sr_req *req, sr_resp *resp)
{
	if (!req->body->len)
		return json_object();
	json_error_t e;
	json_t *j = json_loadb(req->body->data, req->body->len, 0, &e);
	if (!json_is_object(j)) {
		json_decref(j);
		sr_resp_text(resp, 400, "Invalid JSON body");
		return NULL;
	}
	return j;
}

void sr__internal(sr_resp *resp, int rc)
{
	if (rc == SR_ELIMIT)
		sr_resp_text(resp, 500, "Read limit exceeded");
	else if (rc == SR_EUNAVAIL)
		sr_resp_text(resp, 503, SR_API_UNAVAILABLE_TEXT);
	else if (rc == SR_ENOSPC)
		sr_resp_text(resp, 507, SR_API_NO_SPACE_TEXT);
	else
		sr_resp_text(resp, 500, "Internal Server Error");
}

int sr_api_refusal(sr_app *app, const sr_req *req, sr_regerr *err, char *text, size_t n)
{
	if (err->why == SR_WHY_SLUG_OWNED_ELSEWHERE) {
		/* The page is at most 200 bytes (sr_slug_refuse) and an origin far less than 300. */
		char origin[300], page[200];
		sr_app_origin(app, req, origin, sizeof(origin));
		snprintf(page, sizeof(page), "%.199s", err->arg);
		snprintf(err->arg, sizeof(err->arg), "%.299s/%.199s", origin, page);
	}
	return sr_api_error_text(err, text, n);
}

void sr__regerr_at(sr_app *app, sr_req *req, sr_resp *resp, sr_regerr *err)
{
	char text[1024];
	int status = sr_api_refusal(app, req, err, text, sizeof(text));
	sr_resp_text(resp, status, text);
}

static void conflict_json(sr_app *app, sr_req *req, sr_resp *resp, const char *slug, const sr_lookup *lk)
{
	char origin[600];
	sr_app_origin(app, req, origin, sizeof(origin));
	sr_jw w;
	sr_buf_reset(&resp->body);
	sr_jw_init(&w, &resp->body);
	sr_jw_obj(&w);
	sr_jw_kstr(&w, "code", "AMBIGUOUS_SKILL_SLUG");
	char msg[300];
	snprintf(msg, sizeof(msg), "Found multiple skills with the slug \"%s\"; specify which one you want to install:", slug);
	sr_jw_kstr(&w, "message", msg);
	sr_jw_kstr(&w, "slug", slug);
	sr_jw_key(&w, "matches");
	sr_jw_arr(&w);
	for (int i = 0; i < lk->nmatches; i++) {
		const sr_skill *m = &lk->matches[i];
		char ref[200], url[1000];
		snprintf(ref, sizeof(ref), "@%s/%s", m->owner_handle, m->slug);
		snprintf(url, sizeof(url), "%s/%s/%s", origin, m->owner_handle, m->slug);
		sr_jw_obj(&w);
		sr_jw_kstr(&w, "ownerHandle", m->owner_handle);
		sr_jw_kstr(&w, "slug", m->slug);
		sr_jw_kstr(&w, "ref", ref);
		sr_jw_kstr(&w, "url", url);
		sr_jw_obj_end(&w);
	}
	sr_jw_arr_end(&w);
	sr_jw_obj_end(&w);
	sr_resp_json(resp, 409);
}

int sr__slug_arg(sr_resp *resp, const char *slug_in, char *slug, size_t n)
{
	if (!slug_in || sr_slug_normalize(slug_in, slug, n) || !sr_slug_is_plausible(slug)) {
		if (!slug_in || !slug_in[0])
			sr_resp_text(resp, 400, "Missing slug");
		else
			sr_resp_text(resp, 404, "Skill not found");
		return -1;
	}
	return 0;
}

int sr__lookup_answer(sr_app *app, sr_req *req, sr_resp *resp, const char *slug, int rc,
		      const sr_lookup *lk, int json_conflict, sr_skill *out)
{
	if (rc == 0) {
		*out = lk->skill;
		return 0;
	}
	if (rc == SR_ENOTFOUND) {
		sr_resp_text(resp, 404, "Skill not found");
	} else if (rc == SR_ECONFLICT) {
		if (json_conflict == SR__CONFLICT_JSON)
			conflict_json(app, req, resp, slug, lk);
		else if (json_conflict == SR__CONFLICT_OWNER_HINT)
			sr_resp_text(resp, 400, "Slug is used by multiple publishers. Pass an owner handle.");
		else
			sr_resp_textf(resp, 409,
				      "Ambiguous skill slug \"%s\". Multiple publishers use this slug. Retry with "
				      "ownerHandle, for example: /api/v1/download?slug=%s&ownerHandle=<owner>.",
				      slug, slug);
	} else {
		sr__internal(resp, rc);
	}
	return -1;
}

int sr__find_skill(sr_app *app, sr_req *req, sr_resp *resp, const char *slug_in, const char *owner,
		   const sr_user *caller, int json_conflict, sr_skill *out)
{
	char slug[128];
	if (sr__slug_arg(resp, slug_in, slug, sizeof(slug)))
		return -1;
	sr_lookup lk;
	int rc = json_conflict & SR__FIND_DELETED ? sr_lookup_skill_any(req->store, slug, owner, caller, &lk)
						  : sr_lookup_skill(req->store, slug, owner, caller, &lk);
	return sr__lookup_answer(app, req, resp, slug, rc, &lk, json_conflict & ~SR__FIND_DELETED, out);
}
