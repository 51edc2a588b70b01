/*
 * transfers.c - ownership transfers over HTTP (the accounts reference, section 4), the routes
 * behind `clawhub transfer request|list|accept|reject|cancel`:
 *   POST /api/v1/skills/{slug}/transfer                  request (or move at once)
 *   POST /api/v1/skills/{slug}/transfer/accept|reject|cancel
 *   GET  /api/v1/transfers/incoming|outgoing
 * The rules are the registry's (registry/transfer.c); this file keeps ClawHub's order of
 * checks (token, then the skill, then the body) and its answers' shapes.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "api/internal.h"
#include "core/err.h"
#include "core/jw.h"
#include "core/util.h"
#include "registry/slug.h"

/* The token, then the skill {slug} (with ?ownerHandle=) names: 0, or non-zero after
 * answering 401 or 404. */
static int begin(sr_req *req, sr_resp *resp, const char *slug_in, sr_user *u, sr_skill *sk)
{
	if (sr__require_user(req, resp, u))
		return -1;
	char slug[128];
	sr_regerr err = {0};
	if (sr_slug_normalize(slug_in, slug, sizeof(slug)) || !sr_slug_is_plausible(slug))
		sr_regerr_set(&err, SR_ENOTFOUND, SR_WHY_SKILL_NOT_FOUND, NULL);
	else
		sr_transfer_lookup(req->store, slug, sr__owner_param(req), u, sk, &err);
	if (err.code) {
		sr__regerr(resp, &err);
		return -1;
	}
	return 0;
}

/* A string field of the body, trimmed, into out ("" when absent or not a string); 1 when
 * the field is a string at all. */
static int field(json_t *body, const char *key, char *out, size_t n)
{
	json_t *v = json_object_get(body, key);
	out[0] = '\0';
	if (!json_is_string(v))
		return 0;
	const char *t = json_string_value(v);
	while (isspace((unsigned char)*t))
		t++;
	size_t len = strlen(t);
	while (len && isspace((unsigned char)t[len - 1]))
		len--;
	if (len >= n)
		len = n - 1;
	memcpy(out, t, len);
	out[len] = '\0';
	return 1;
}

static void request_answer(sr_resp *resp, const sr_skill *sk, const sr_transfer_out *o)
{
	char id[40];
	sr_jw w;
	sr_jw_init(&w, &resp->body);
	sr_jw_obj(&w);
	sr_jw_kbool(&w, "ok", 1);
	if (o->transferred) {
		sr_jw_kbool(&w, "transferred", 1);
		sr_jw_kstr(&w, "skillSlug", sk->slug);
		sr_jw_kstr(&w, "toPublisherHandle", o->to_handle);
		sr_public_id(id, sizeof(id), "us", o->owner_user_id);
		sr_jw_kstr(&w, "ownerUserId", id);
		sr_public_id(id, sizeof(id), "us", o->owner_publisher_id);
		sr_jw_kstr(&w, "ownerPublisherId", id);
	} else {
		sr_public_id(id, sizeof(id), "tr", o->transfer_id);
		sr_jw_kstr(&w, "transferId", id);
		sr_jw_kstr(&w, "toUserHandle", o->to_handle);
		sr_jw_kint(&w, "expiresAt", o->expires_at);
	}
	sr_jw_obj_end(&w);
	sr_resp_json(resp, 200);
}

void sr__transfer_request(sr_app *app, sr_req *req, sr_resp *resp, const char *slug)
{
	(void)app;
	req->route = "transfer-request";
	sr_user u;
	sr_skill sk;
	if (begin(req, resp, slug, &u, &sk))
		return;
	/* Only a body that is not JSON at all is refused here; another JSON value carries no
	 * recipient and is refused for that. */
	json_error_t e;
	json_t *body = req->body->len ? json_loadb(req->body->data, req->body->len, JSON_DECODE_ANY, &e) : NULL;
	if (!body) {
		sr_resp_text(resp, 400, "Invalid JSON");
		return;
	}
	/* ClawHub's destination: toOwner, else toPublisherHandle (either moves at once), else
	 * toUserHandle. */
	char user[128], owner[128];
	field(body, "toUserHandle", user, sizeof(user));
	if (!field(body, "toOwner", owner, sizeof(owner)))
		field(body, "toPublisherHandle", owner, sizeof(owner));
	sr_transfer_req tr = {owner[0] ? owner : user, owner[0] != '\0',
			      json_string_value(json_object_get(body, "message"))};
	sr_transfer_out out;
	sr_regerr err = {0};
	if (sr_transfer_request(req->store, &sk, &u, &tr, &out, &err))
		sr__regerr(resp, &err);
	else
		request_answer(resp, &sk, &out);
	json_decref(body);
}

void sr__transfer_decide(sr_app *app, sr_req *req, sr_resp *resp, const char *slug, const char *word)
{
	(void)app;
	int decision = strcasecmp(word, "accept") == 0   ? SR_TRANSFER_DO_ACCEPT
		       : strcasecmp(word, "reject") == 0 ? SR_TRANSFER_DO_REJECT
		       : strcasecmp(word, "cancel") == 0 ? SR_TRANSFER_DO_CANCEL
							 : -1;
	static const char *const routes[] = {"transfer-accept", "transfer-reject", "transfer-cancel"};
	req->route = decision < 0 ? "not-found" : routes[decision];
	if (decision < 0) {
		sr_resp_text(resp, 404, "Not found");
		return;
	}
	sr_user u;
	sr_skill sk;
	if (begin(req, resp, slug, &u, &sk))
		return;
	sr_regerr err = {0};
	if (sr_transfer_decide(req->store, &sk, &u, decision, &err)) {
		sr__regerr(resp, &err);
		return;
	}
	sr_jw w;
	sr_jw_init(&w, &resp->body);
	sr_jw_obj(&w);
	sr_jw_kbool(&w, "ok", 1);
	if (decision == SR_TRANSFER_DO_ACCEPT)
		sr_jw_kstr(&w, "skillSlug", sk.slug);
	sr_jw_obj_end(&w);
	sr_resp_json(resp, 200);
}

struct list_ctx {
	sr_jw *w;
	int outgoing;
};

static int list_row(void *ud, const void *row)
{
	const sr_transfer_row *r = row;
	struct list_ctx *c = ud;
	char id[40];
	sr_jw_obj(c->w);
	sr_public_id(id, sizeof(id), "tr", r->id);
	sr_jw_kstr(c->w, "_id", id);
	sr_jw_key(c->w, "skill");
	sr_jw_obj(c->w);
	sr_public_id(id, sizeof(id), "sk", r->skill_id);
	sr_jw_kstr(c->w, "_id", id);
	sr_jw_kstr(c->w, "slug", r->slug);
	sr_jw_kstr(c->w, "displayName", r->display_name ? r->display_name : r->slug);
	sr_jw_obj_end(c->w);
	sr_jw_key(c->w, c->outgoing ? "toUser" : "fromUser");
	sr_jw_obj(c->w);
	sr_public_id(id, sizeof(id), "us", r->other_id);
	sr_jw_kstr(c->w, "_id", id);
	sr_jw_kstr(c->w, "handle", r->other_handle);
	sr_jw_kstr(c->w, "displayName", r->other_display_name && r->other_display_name[0] ? r->other_display_name : NULL);
	sr_jw_obj_end(c->w);
	/* The CLI refuses a null message: a request without one has no key. */
	if (r->message)
		sr_jw_kstr(c->w, "message", r->message);
	sr_jw_kint(c->w, "requestedAt", r->created_at);
	sr_jw_kint(c->w, "expiresAt", r->expires_at);
	sr_jw_obj_end(c->w);
	return 0;
}

void sr__transfers_list(sr_app *app, sr_req *req, sr_resp *resp, const char *which)
{
	(void)app;
	int outgoing = strcasecmp(which, "outgoing") == 0;
	/* An unknown list is unknown before the token is asked for. */
	if (!outgoing && strcasecmp(which, "incoming") != 0) {
		req->route = "not-found";
		sr_resp_text(resp, 404, "Not found");
		return;
	}
	req->route = outgoing ? "transfers-outgoing" : "transfers-incoming";
	sr_user u;
	if (sr__require_user(req, resp, &u))
		return;
	sr_jw w;
	sr_jw_init(&w, &resp->body);
	sr_jw_obj(&w);
	sr_jw_key(&w, "transfers");
	sr_jw_arr(&w);
	struct list_ctx c = {&w, outgoing};
	int rc = sr_transfers_pending(req->store, u.id, outgoing, list_row, &c);
	if (rc) {
		sr_buf_reset(&resp->body);
		sr__internal(resp, rc);
		return;
	}
	sr_jw_arr_end(&w);
	sr_jw_obj_end(&w);
	sr_resp_json(resp, 200);
}
