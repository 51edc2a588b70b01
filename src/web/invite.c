/*
 * invite.c - /invite/{token}: the page where a person an administrator invited (`skillreg user
 * invite`) picks a handle and a password, which makes a local account and signs it in. An
 * invitation works once, until it expires; the token is stored only as its SHA-256.
 */
#include <stdio.h>
#include <string.h>

#include "auth/account.h"
#include "auth/password.h"
#include "core/err.h"
#include "core/util.h"
#include "store/accounts.h"
#include "web/internal.h"
#include "web/signin.h"
#include "web/web.h"

/* The live invitation of a token: 0, or answers the page (404 unknown, 410 used or expired)
 * and returns the error. */
static int find_invite(sr_web_rq *rq, const char *token, sr_invite_row *inv)
{
	char hash[65];
	sr_sha256_hex(token, strlen(token), hash);
	int rc = sr_store_invite_get(rq->req->store, hash, inv);
	if (rc == SR_ENOTFOUND) {
		sr__web_error(rq->req, rq->resp, 404, "No such invitation",
			      "This invitation link is not known here. Check that you copied all of it.");
		return rc;
	}
	if (rc) {
		sr__web_fail(rq->req, rq->resp, rc);
		return rc;
	}
	if (inv->used_at || inv->expires_at <= sr_now_ms()) {
		sr__web_error(rq->req, rq->resp, 410, inv->used_at ? "Invitation used" : "Invitation expired",
			      inv->used_at ? "This invitation has made its account already. Sign in with it instead."
					   : "This invitation has expired. Ask an administrator for a new one.");
		return SR_EGONE;
	}
	return 0;
}

static void invite_page(sr_web_rq *rq, const char *token, int status, const char *message, const char *handle)
{
	rq->req->route = "web-invite";
	sr_page p = {&rq->resp->body, "Join", NULL, NULL};
	const char *csrf = sr__web_csrf(rq);
	sr__web_begin(&p);
	sr_html_printf(p.b, "<section class=\"signin\" aria-labelledby=\"inv-h\"><h1 id=\"inv-h\">Make your account</h1>"
			    "<p>You were invited to this registry. Pick the handle you will publish under and a password.</p>");
	if (message)
		sr_html_printf(p.b, "<p class=\"notice notice-error\" role=\"alert\">%s</p>", message);
	sr_html_printf(p.b,
		       "<form class=\"form\" method=\"post\" action=\"/invite/%u\">"
		       "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
		       "<p><label for=\"inv-handle\">Handle</label>"
		       "<input id=\"inv-handle\" name=\"handle\" autocomplete=\"username\" required maxlength=\"39\" value=\"%s\">"
		       "<small>1 to 39 of a-z, 0-9, - and _.</small></p>"
		       "<p><label for=\"inv-pw\">Password</label>"
		       "<input id=\"inv-pw\" name=\"password\" type=\"password\" autocomplete=\"new-password\" required "
		       "minlength=\"10\" maxlength=\"256\"></p>"
		       "<p><label for=\"inv-pw2\">Password again</label>"
		       "<input id=\"inv-pw2\" name=\"password2\" type=\"password\" autocomplete=\"new-password\" required "
		       "minlength=\"10\" maxlength=\"256\"></p>"
		       "<p><button type=\"submit\">Make my account</button></p></form></section>",
		       token, csrf, handle ? handle : "");
	sr__web_end(&p, rq->resp, status);
}

/* Why a handle cannot be taken, or NULL when it is free. */
static const char *handle_problem(sr_web_rq *rq, const char *handle, int *rc)
{
	*rc = 0;
	if (!sr_account_handle_ok(handle))
		return "A handle is 1 to 39 of a-z, 0-9, - and _, starting with a letter or a digit.";
	if (sr_web_reserved(handle) || strstr(handle, "openclaw"))
		return "This handle is reserved. Pick another.";
	sr_user u;
	*rc = sr_store_user_by_handle(rq->req->store, handle, &u);
	if (*rc == SR_ENOTFOUND) {
		*rc = 0;
		return NULL;
	}
	return *rc ? NULL : "This handle is taken. Pick another.";
}

/* Makes the account, its password and uses the invitation, in one transaction. */
static int make_account(sr_store *s, const sr_invite_row *inv, const char *handle, const char *hash, int64_t *uid)
{
	int rc = sr_store_begin(s);
	if (rc)
		return rc;
	if ((rc = sr_store_user_add(s, handle, handle, inv->role, uid)) ||
	    (rc = sr_store_password_set(s, *uid, hash, sr_now_ms())) ||
	    (rc = sr_store_invite_use(s, inv->id, sr_now_ms(), *uid))) {
		sr_store_rollback(s);
		return rc;
	}
	return sr_store_commit(s);
}

static void accept(sr_web_rq *rq, const char *token, const sr_invite_row *inv)
{
	/* A handle longer than any allowed one stays too long here (handle_problem refuses it)
	 * rather than being cut to a shorter handle the person did not ask for. */
	char handle[128] = "", pw[SR_PASSWORD_MAX + 2] = "", pw2[SR_PASSWORD_MAX + 2] = "";
	sr__web_form(rq->req, "handle", handle, sizeof(handle));
	sr__web_form(rq->req, "password", pw, sizeof(pw));
	sr__web_form(rq->req, "password2", pw2, sizeof(pw2));
	for (char *c = handle; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	int rc;
	const char *problem = handle_problem(rq, handle, &rc);
	if (rc) {
		sr__web_fail(rq->req, rq->resp, rc);
		return;
	}
	if (!problem)
		problem = sr_password_weak(pw);
	if (!problem && strcmp(pw, pw2) != 0)
		problem = "The two passwords differ.";
	if (problem) {
		invite_page(rq, token, 400, problem, handle);
		return;
	}
	char hash[SR_PASSWORD_HASH_MAX];
	int64_t uid;
	if ((rc = sr_password_hash(pw, hash, sizeof(hash))) || (rc = make_account(rq->req->store, inv, handle, hash, &uid))) {
		if (rc == SR_EEXIST) {
			/* Taken between the check and the insert, or the invitation used meanwhile. */
			invite_page(rq, token, 409, "This handle was just taken, or the invitation was used. Try again.", handle);
			return;
		}
		sr__web_fail(rq->req, rq->resp, rc);
		return;
	}
	sr_user u;
	if ((rc = sr_store_user_by_id(rq->req->store, uid, &u))) {
		sr__web_fail(rq->req, rq->resp, rc);
		return;
	}
	sr__web_session_start(rq, &u, "/settings/sessions");
}

void sr__web_invite(sr_web_rq *rq, const char *token)
{
	rq->req->route = "web-invite";
	if (rq->app->no_local_signin) {
		sr__web_error(rq->req, rq->resp, 404, "Page not found", "Local accounts are not enabled here.");
		return;
	}
	sr_invite_row inv;
	if (find_invite(rq, token, &inv))
		return;
	if (strcmp(rq->req->method, "POST") == 0)
		accept(rq, token, &inv);
	else
		invite_page(rq, token, 200, NULL, NULL);
}
