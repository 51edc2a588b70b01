/*
 * publishers.c - org publishers over HTTP (the accounts reference, section 3):
 * POST /api/v1/publishers (`clawhub publisher create`) and the platform admin's
 * POST /api/v1/users/publisher (ensure an org and a member) and
 * POST /api/v1/users/publisher-member (remove a member). Members are otherwise managed on
 * the server (`skillreg publisher`), as ClawHub manages them only from its web app.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "api/internal.h"
#include "core/err.h"
#include "core/jw.h"

/* ClawHub parses this route's body before it checks the token: a body that is not JSON, or
 * not an object, is refused first. NULL after writing the 400. */
static json_t *body_first(sr_req *req, sr_resp *resp)
{
	json_error_t e;
	json_t *j = json_loadb(req->body->len ? req->body->data : "{}", req->body->len ? req->body->len : 2, 0, &e);
	if (!j) {
		sr_resp_text(resp, 400, "Invalid JSON");
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		sr_resp_text(resp, 400, "JSON body must be an object");
		return NULL;
	}
	return j;
}

static void publisher_json(sr_resp *resp, int status, int64_t id, const char *handle, int created, int trusted)
{
	char pid[32];
	sr_public_id(pid, sizeof(pid), "us", id);
	sr_jw w;
	sr_buf_reset(&resp->body);
	sr_jw_init(&w, &resp->body);
	sr_jw_obj(&w);
	sr_jw_kbool(&w, "ok", 1);
	sr_jw_kstr(&w, "publisherId", pid);
	sr_jw_kstr(&w, "handle", handle);
	sr_jw_kbool(&w, "created", created);
	sr_jw_kbool(&w, "trusted", trusted);
	sr_jw_obj_end(&w);
	sr_resp_json(resp, status);
}

static void handle_of(json_t *body, const char *key, char *out, size_t n)
{
	const char *h = json_string_value(json_object_get(body, key));
	sr_handle_normalize(h ? h : "", out, n);
}

void sr__publisher_create(sr_app *app, sr_req *req, sr_resp *resp)
{
	(void)app;
	req->route = "publisher-create";
	json_t *body = body_first(req, resp);
	if (!body)
		return;
	sr_user u;
	char handle[128];
	handle_of(body, "handle", handle, sizeof(handle));
	const char *dn = json_string_value(json_object_get(body, "displayName"));
	int64_t id = 0;
	sr_regerr err = {0};
	if (sr__require_user(req, resp, &u))
		;
	else if (!handle[0])
		sr_resp_text(resp, 400, "Missing handle");
	else if (sr_publisher_create(req->store, &u, handle, dn, &id, &err))
		sr__regerr(resp, &err);
	else
		publisher_json(resp, 201, id, handle, 1, 0);
	json_decref(body);
}

void sr__admin_publisher(sr_app *app, sr_req *req, sr_resp *resp, int remove_member)
{
	(void)app;
	req->route = remove_member ? "admin-publisher-member" : "admin-publisher";
	sr_user u;
	if (sr__require_user(req, resp, &u))
		return;
	if (u.role != SR_ROLE_ADMIN) {
		sr_resp_text(resp, 403, "Admin role required.");
		return;
	}
	json_t *body = sr__body_object(req, resp);
	if (!body)
		return;
	char handle[128], member[128];
	handle_of(body, "handle", handle, sizeof(handle));
	handle_of(body, "memberHandle", member, sizeof(member));
	sr_regerr err = {0};
	if (remove_member) {
		int removed = 0;
		if (!member[0]) {
			sr_resp_text(resp, 400, "Missing memberHandle");
		} else if (sr_publisher_member_remove(req->store, &u, handle, member, &removed, &err)) {
			sr__regerr(resp, &err);
		} else {
			sr_jw w;
			sr_jw_init(&w, &resp->body);
			sr_jw_obj(&w);
			sr_jw_kbool(&w, "ok", 1);
			sr_jw_kbool(&w, "removed", removed);
			sr_jw_obj_end(&w);
			sr_resp_json(resp, 200);
		}
		json_decref(body);
		return;
	}
	json_t *tr = json_object_get(body, "trusted");
	const char *role = json_string_value(json_object_get(body, "memberRole"));
	sr_org_ensure e = {
		.handle = handle,
		.display_name = json_string_value(json_object_get(body, "displayName")),
		.trusted = json_is_boolean(tr) ? json_is_true(tr) : -1,
		.member_handle = member[0] ? member : NULL,
		.member_role = role ? sr_member_role_parse(role) : SR_PUB_PUBLISHER,
	};
	int64_t id = 0;
	int created = 0, kind = 0, trusted = 0;
	if (sr_publisher_ensure(req->store, &u, &e, &id, &created, &err)) {
		sr__regerr(resp, &err);
	} else {
		int rc = sr_store_user_kind(req->store, id, &kind, &trusted);
		if (rc)
			sr__internal(resp, rc);
		else
			publisher_json(resp, created ? 201 : 200, id, handle, created, trusted);
	}
	json_decref(body);
}
