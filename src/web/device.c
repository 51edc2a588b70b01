/*
 * device.c - /cli/device, where a signed-in person authorizes (or denies) the code `clawhub
 * login` printed; the codes are src/auth/device.c's. Signed out, the page offers sign-in and
 * comes back here with the code. /cli/auth, ClawHub's old callback login, says it moved.
 */
#include <stdio.h>
#include <string.h>

#include "auth/device.h"
#include "core/err.h"
#include "web/internal.h"
#include "web/signin.h"

/* The code the link carries: user_code, or a legacy `code` shaped like one. */
static const char *code_param(sr_req *req)
{
	const char *c = sr_req_query(req, "user_code");
	if (c && c[0])
		return c;
	c = sr_req_query(req, "code");
	char norm[17];
	sr_device_user_code_norm(c, norm, sizeof(norm));
	return c && strlen(norm) == 8 && strlen(c) <= 9 ? c : "";
}

static void page(sr_web_rq *rq, int status, const char *code, const char *message, int ok)
{
	sr_page p = {&rq->resp->body, "Authorize the CLI", NULL, NULL};
	const sr_user *u = sr__web_viewer(rq);
	const char *csrf = u ? sr__web_csrf(rq) : "";
	sr__web_begin(&p);
	sr_html_printf(p.b, "<section class=\"signin\" aria-labelledby=\"dev-h\"><h1 id=\"dev-h\">Authorize the CLI</h1>");
	if (message)
		sr_html_printf(p.b, "<p class=\"notice %R\" role=\"status\">%s</p>", ok ? "notice-ok" : "notice-error", message);
	if (!u) {
		sr_buf here;
		sr_buf_init(&here, 1024);
		sr_html_printf(&here, "/cli/device?user_code=%u", code);
		sr_html_printf(p.b, "<p>Sign in to authorize the CLI.</p><p><a class=\"button\" href=\"/signin?return_to=%u\">Sign in</a></p>",
			       here.data ? here.data : "/cli/device");
		sr_buf ways;
		sr_buf_init(&ways, 64 * 1024);
		sr__web_signin_ways(rq, &ways, here.data ? here.data : "/cli/device");
		if (ways.len)
			sr_html_printf(p.b, "<div class=\"signin-ways\">%R</div>", ways.data);
		sr_buf_deinit(&ways);
		sr_buf_deinit(&here);
	} else if (!ok) {
		sr_html_printf(p.b,
			       "<p>Signed in as <b>@%s</b>. Check that the code matches the one your terminal shows, then "
			       "authorize it to give that terminal an API token of your account.</p>"
			       "<form class=\"form\" method=\"post\" action=\"/cli/device\">"
			       "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
			       "<p><label for=\"dev-code\">Code</label>"
			       "<input id=\"dev-code\" name=\"user_code\" value=\"%s\" required maxlength=\"32\" "
			       "autocomplete=\"off\" autocapitalize=\"characters\"></p>"
			       "<p><button type=\"submit\" name=\"action\" value=\"approve\">Authorize</button> "
			       "<button type=\"submit\" name=\"action\" value=\"deny\">Deny</button></p></form>",
			       u->handle, csrf, code);
	}
	sr_html_printf(p.b, "</section>");
	sr__web_end(&p, rq->resp, status);
}

void sr__web_device(sr_web_rq *rq)
{
	rq->req->route = "web-device";
	if (strcmp(rq->req->method, "GET") == 0) {
		page(rq, 200, code_param(rq->req), NULL, 0);
		return;
	}
	const sr_user *u = sr__web_viewer(rq);
	char code[64] = "", action[16] = "";
	sr__web_form(rq->req, "user_code", code, sizeof(code));
	sr__web_form(rq->req, "action", action, sizeof(action));
	if (!u) {
		page(rq, 401, code, NULL, 0);
		return;
	}
	const char *message = NULL;
	int rc = sr_device_decide(rq->req->store, code, u->id, strcmp(action, "deny") != 0, &message);
	if (rc && !message) {
		sr__web_fail(rq->req, rq->resp, rc);
		return;
	}
	int status = rc == 0 ? 200 : rc == SR_EINVAL ? 400 : rc == SR_ENOTFOUND ? 404 : rc == SR_EGONE ? 410 : 409;
	page(rq, status, code, message, rc == 0);
}

void sr__web_cli_auth(sr_web_rq *rq)
{
	rq->req->route = "web-cli-auth";
	sr_page p = {&rq->resp->body, "CLI login has moved", NULL, NULL};
	sr__web_begin(&p);
	sr_html_printf(p.b, "<section class=\"signin\"><h1>CLI login has moved</h1><p>Run <code>clawhub login</code> again: "
			    "it prints a link to <code>/cli/device</code> and a code to authorize there.</p></section>");
	sr__web_end(&p, rq->resp, 200);
}
