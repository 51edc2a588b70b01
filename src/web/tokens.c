/*
 * tokens.c - the API tokens pages: /settings/tokens, where a signed-in person makes a token
 * (a label and an optional expiry; the secret is shown on the page the form leads to and
 * never again, only its SHA-256 and its prefix are kept), sees their tokens with their last use,
 * and revokes one; /admin/users/HANDLE/tokens, where an admin sees and revokes anyone's; and
 * /admin/tokens, where an admin finds a person's tokens or revokes one by its prefix.
 *
 * The admin pages answer 404 to everyone else, signed out included, as the API's staff routes
 * do: a page that exists only for staff does not tell others it is there. An admin's
 * revocation of another person's token goes into the audit log.
 *
 * A revocation is one row update; the bearer-token lookup (http/context.c) reads the row on
 * every request with no cache in front, so the next request with that token is refused on
 * every node. The same holds for expiry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/token.h"
#include "core/err.h"
#include "core/util.h"
#include "registry/registry.h"
#include "store/accounts.h"
#include "web/internal.h"
#include "web/signin.h"

/* ClawHub lists the newest 100 of a person's tokens; so do these pages. */
#define TOKENS_LISTED 100
/* Live tokens one person may hold (counted among the newest listed). */
#define TOKENS_LIVE_MAX 50
/* The cookie that carries a secret just made from the form's redirect to the page showing it. */
#define NEW_TOKEN_COOKIE "sr_new_token"
/* The expiries the form offers, in days (0: never). */
static const int expiry_days[] = {0, 7, 30, 90, 365};

static void datetime(int64_t ms, char *out, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%d %H:%M UTC", &tm);
}

/* The two tables a list of tokens is written into, and what the rows' forms post to. */
struct list_ctx {
	sr_buf live, dead;
	const char *csrf;
	const char *revoke_action; /* the path of the revoke form */
	int64_t now;
	int nlive, ndead;
};

static int token_row(void *ud, const void *row)
{
	struct list_ctx *c = ud;
	const sr_token_row *t = row;
	int expired = t->expires_at && t->expires_at <= c->now;
	int live = !t->revoked_at && !expired;
	sr_buf *b = live ? &c->live : &c->dead;
	char created[40], used[40] = "Never", expires[40] = "Never", ended[40];
	datetime(t->created_at, created, sizeof(created));
	if (t->last_used_at)
		datetime(t->last_used_at, used, sizeof(used));
	if (t->expires_at)
		datetime(t->expires_at, expires, sizeof(expires));
	sr_html_printf(b, "<tr><td>%s</td><td><code>%s...</code></td><td>%s</td><td>%s</td><td>%s</td><td>",
		       t->label && t->label[0] ? t->label : "CLI token", t->prefix ? t->prefix : "", created, used, expires);
	if (live) {
		c->nlive++;
		sr_html_printf(b,
			       "<form method=\"post\" action=\"%s\"><input type=\"hidden\" name=\"csrf\" value=\"%s\">"
			       "<input type=\"hidden\" name=\"id\" value=\"%L\"><button type=\"submit\">Revoke</button></form>",
			       c->revoke_action, c->csrf, t->id);
	} else {
		c->ndead++;
		datetime(t->revoked_at ? t->revoked_at : t->expires_at, ended, sizeof(ended));
		sr_html_printf(b, "%s %s", t->revoked_at ? "Revoked" : "Expired", ended);
	}
	sr_html_printf(b, "</td></tr>");
	return 0;
}

static const char *const table_head = "<div class=\"table-wrap\"><table class=\"table tokens\"><thead><tr><th>Label</th><th>Token</th>"
				      "<th>Created</th><th>Last used</th><th>Expires</th><th></th></tr></thead><tbody>";

/* Writes the tables of user_id's tokens into b; 0 or the read's error. */
static int token_tables(sr_web_rq *rq, sr_buf *b, int64_t user_id, const char *revoke_action)
{
	struct list_ctx c = {.csrf = sr__web_csrf(rq), .revoke_action = revoke_action, .now = sr_now_ms()};
	sr_buf_init(&c.live, 256 * 1024);
	sr_buf_init(&c.dead, 256 * 1024);
	int rc = sr_store_tokens_of(rq->req->store, user_id, TOKENS_LISTED, token_row, &c);
	if (!rc) {
		sr_html_printf(b, "<h2>Active tokens</h2>");
		if (c.nlive)
			sr_html_printf(b, "%R%R</tbody></table></div>", table_head, c.live.data);
		else
			sr_html_printf(b, "<p class=\"empty\">No active tokens.</p>");
		if (c.ndead)
			sr_html_printf(b, "<h2>Revoked and expired tokens</h2>%R%R</tbody></table></div>", table_head, c.dead.data);
		if (c.live.failed || c.dead.failed)
			b->failed = 1;
	}
	sr_buf_deinit(&c.live);
	sr_buf_deinit(&c.dead);
	return rc;
}

/* The tokens page of the viewer u: message (may be NULL) above the form, and new_token (may
 * be NULL) the secret just made, shown this once. */
static void tokens_page(sr_web_rq *rq, const sr_user *u, int status, const char *message, const char *new_token)
{
	sr_page p = {&rq->resp->body, "API tokens", NULL, NULL};
	sr__web_begin(&p);
	sr__web_account_nav(p.b, "tokens");
	sr_html_printf(p.b,
		       "<section aria-labelledby=\"tok-h\"><h1 id=\"tok-h\">API tokens</h1>"
		       "<p class=\"lead\">Tokens let the <code>clawhub</code> CLI and other programs act as <b>@%s</b>. "
		       "<a href=\"/settings/sessions\">Signed-in browsers</a> are on their own page.</p>",
		       u->handle);
	if (message)
		sr_html_printf(p.b, "<p class=\"notice notice-error\" role=\"alert\">%s</p>", message);
	if (new_token)
		sr_html_printf(p.b,
			       "<div class=\"panel secret\" role=\"status\"><p><b>Copy this token now — it will not be shown "
			       "again.</b></p><p><code id=\"new-token\">%s</code></p>"
			       "<p class=\"hint\">Sign the CLI in with <code>clawhub login --token &lt;token&gt;</code>.</p></div>",
			       new_token);
	sr_html_printf(p.b,
		       "<form class=\"form token-form\" method=\"post\" action=\"/settings/tokens\">"
		       "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
		       "<p><label for=\"tok-label\">Label</label>"
		       "<input id=\"tok-label\" name=\"label\" maxlength=\"%d\" placeholder=\"CLI token\"></p>"
		       "<p><label for=\"tok-exp\">Expires</label><select id=\"tok-exp\" name=\"expires_days\">",
		       sr__web_csrf(rq), SR_TOKEN_LABEL_MAX);
	for (size_t i = 0; i < sizeof(expiry_days) / sizeof(expiry_days[0]); i++) {
		if (expiry_days[i])
			sr_html_printf(p.b, "<option value=\"%d\">in %d days</option>", expiry_days[i], expiry_days[i]);
		else
			sr_html_printf(p.b, "<option value=\"0\">never</option>");
	}
	sr_html_printf(p.b, "</select></p><p><button type=\"submit\">Create token</button></p></form>");
	int rc = token_tables(rq, p.b, u->id, "/settings/tokens/revoke");
	if (rc) {
		sr__web_fail(rq->req, rq->resp, rc);
		return;
	}
	sr_html_printf(p.b, "</section>");
	sr__web_end(&p, rq->resp, status);
}

/* The label's length in characters; -1 when it is not UTF-8 or holds a control character. */
static int label_chars(const char *s)
{
	int n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; n++) {
		int more = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : -1;
		if (more < 0 || (*p < 0x80 && (*p < 0x20 || *p == 0x7F)) || (more == 1 && *p < 0xC2))
			return -1;
		p++;
		for (int i = 0; i < more; i++, p++)
			if ((*p & 0xC0) != 0x80)
				return -1;
	}
	return n;
}

/* 1 when the posted form has a field key, whatever its length. */
static int form_has(const sr_req *req, const char *key)
{
	const char *p = req->body && req->body->data ? req->body->data : NULL;
	size_t kl = strlen(key);
	for (size_t i = 0; p && i + kl < req->body->len; i++)
		if ((i == 0 || p[i - 1] == '&') && memcmp(p + i, key, kl) == 0 && p[i + kl] == '=')
			return 1;
	return 0;
}

/*
 * The secret just made travels to the page that shows it in a cookie of that page alone: the
 * answer to the form is a redirect, so reloading the page or going back never sends the form
 * again (which would make a second token). The page shows the cookie's token only when it is
 * a live token of the viewer, so a planted cookie shows nothing, and clears it at once.
 */
static void flash_set(sr_web_rq *rq, const char *token)
{
	sr_resp_header(rq->resp, "Set-Cookie", "%s=%s; Path=/settings/tokens; HttpOnly; SameSite=Strict%s", NEW_TOKEN_COOKIE,
		       token, strncmp(rq->app->public_url, "https:", 6) == 0 ? "; Secure" : "");
}

/* The token the cookie carries into out (SR_TOKEN_LEN + 1 bytes): 1 when it is one to show. */
static int flash_take(sr_web_rq *rq, const sr_user *u, char *out)
{
	char v[SR_TOKEN_LEN + 2];
	if (!sr__web_cookie(rq->req, NEW_TOKEN_COOKIE, v, sizeof(v)))
		return 0;
	sr_resp_header(rq->resp, "Set-Cookie", "%s=; Path=/settings/tokens; Max-Age=0; HttpOnly; SameSite=Strict%s",
		       NEW_TOKEN_COOKIE, strncmp(rq->app->public_url, "https:", 6) == 0 ? "; Secure" : "");
	int show = 0;
	if (strlen(v) == SR_TOKEN_LEN && strncmp(v, "clh_", 4) == 0) {
		char hash[65];
		sr_user owner;
		sr_token_state ts;
		sr_sha256_hex(v, strlen(v), hash);
		show = sr_store_token_lookup(rq->req->store, hash, &owner, &ts) == 0 && !ts.revoked && owner.id == u->id;
	}
	if (show)
		memcpy(out, v, SR_TOKEN_LEN + 1);
	explicit_bzero(v, sizeof(v));
	return show;
}

static int count_live(void *ud, const void *row)
{
	const sr_token_row *t = row;
	if (!t->revoked_at && (!t->expires_at || t->expires_at > sr_now_ms()))
		(*(int *)ud)++;
	return 0;
}

/* The form's expiry as a time (0: never); -1 when it is not one the form offers. */
static int64_t expiry_of(const char *field)
{
	char *end;
	long days = strtol(field, &end, 10);
	if (!field[0] || *end)
		return -1;
	for (size_t i = 0; i < sizeof(expiry_days) / sizeof(expiry_days[0]); i++)
		if (days == expiry_days[i])
			return days ? sr_now_ms() + (int64_t)days * 86400000 : 0;
	return -1;
}

static void token_create(sr_web_rq *rq, const sr_user *u)
{
	char label[SR_TOKEN_LABEL_MAX * 4 + 2] = "", days[16] = "0";
	/* A label the buffer cannot hold is too long, not absent. */
	int label_fits = sr__web_form(rq->req, "label", label, sizeof(label)) || !form_has(rq->req, "label");
	if (!label_fits)
		label[0] = '\0';
	if (!sr__web_form(rq->req, "expires_days", days, sizeof(days)))
		snprintf(days, sizeof(days), "%s", form_has(rq->req, "expires_days") ? "bad" : "0");
	char *trimmed = sr_trim_dup(label, strlen(label));
	if (!trimmed) {
		sr__web_fail(rq->req, rq->resp, SR_ENOMEM);
		return;
	}
	int64_t expires_at = expiry_of(days);
	int live = 0, rc = 0;
	int chars = label_chars(trimmed);
	if (!label_fits || chars > SR_TOKEN_LABEL_MAX) {
		tokens_page(rq, u, 400, "The label is too long (at most 120 characters).", NULL);
	} else if (chars < 0) {
		tokens_page(rq, u, 400, "The label must be text without control characters.", NULL);
	} else if (expires_at < 0) {
		tokens_page(rq, u, 400, "Choose one of the offered expiries.", NULL);
	} else if ((rc = sr_store_tokens_of(rq->req->store, u->id, TOKENS_LISTED, count_live, &live)) != 0) {
		sr__web_fail(rq->req, rq->resp, rc);
	} else if (live >= TOKENS_LIVE_MAX) {
		tokens_page(rq, u, 409, "You have 50 active tokens. Revoke one before making another.", NULL);
	} else {
		char token[SR_TOKEN_LEN + 1];
		int64_t id;
		rc = sr_token_mint(rq->req->store, u->id, trimmed[0] ? trimmed : "CLI token", expires_at, token, &id);
		if (rc) {
			sr__web_fail(rq->req, rq->resp, rc);
		} else {
			flash_set(rq, token);
			sr__web_redirect(rq->resp, 303, "/settings/tokens");
		}
		explicit_bzero(token, sizeof(token));
	}
	free(trimmed);
}

void sr__web_tokens(sr_web_rq *rq)
{
	rq->req->route = "web-tokens";
	const sr_user *u = sr__web_need_viewer(rq, "/settings/tokens");
	if (!u)
		return;
	if (strcmp(rq->req->method, "POST") == 0) {
		token_create(rq, u);
		return;
	}
	char fresh[SR_TOKEN_LEN + 1];
	int shown = flash_take(rq, u, fresh);
	tokens_page(rq, u, 200, NULL, shown ? fresh : NULL);
	explicit_bzero(fresh, sizeof(fresh));
}

/* The token id a revoke form names; 0 when it names none. */
static int64_t form_id(sr_web_rq *rq)
{
	char id[32] = "";
	sr__web_form(rq->req, "id", id, sizeof(id));
	char *end;
	long long v = strtoll(id, &end, 10);
	return id[0] && !*end && v > 0 ? (int64_t)v : 0;
}

void sr__web_token_revoke(sr_web_rq *rq)
{
	rq->req->route = "web-token-revoke";
	const sr_user *u = sr__web_need_viewer(rq, "/settings/tokens");
	if (!u)
		return;
	int n = 0;
	int rc = sr_store_token_revoke_id(rq->req->store, form_id(rq), u->id, sr_now_ms(), &n);
	if (rc) {
		sr__web_fail(rq->req, rq->resp, rc);
		return;
	}
	sr__web_redirect(rq->resp, 303, "/settings/tokens");
}

/* ---- staff ---- */

/* The admin viewing the page, or NULL after answering 404 to anyone else. */
static const sr_user *need_admin(sr_web_rq *rq)
{
	const sr_user *u = sr__web_viewer(rq);
	if (u && u->role == SR_ROLE_ADMIN)
		return u;
	sr__web_error(rq->req, rq->resp, 404, "Page not found", "There is no page at this address.");
	return NULL;
}

/* /admin/users/HANDLE/tokens (GET) and .../tokens/revoke (POST, revoke != 0). */
void sr__web_admin_tokens(sr_web_rq *rq, const char *handle, int revoke)
{
	rq->req->route = "web-admin-tokens";
	const sr_user *admin = need_admin(rq);
	if (!admin)
		return;
	sr_user who;
	char norm[64];
	sr_owner_normalize(handle, norm, sizeof(norm));
	int rc = norm[0] ? sr_store_user_by_handle(rq->req->store, norm, &who) : SR_ENOTFOUND;
	if (rc == SR_ENOTFOUND) {
		sr__web_error(rq->req, rq->resp, 404, "No such account", "No account has this handle.");
		return;
	}
	if (rc) {
		sr__web_fail(rq->req, rq->resp, rc);
		return;
	}
	sr_buf here;
	sr_buf_init(&here, 1024);
	sr_html_printf(&here, "/admin/users/%u/tokens", who.handle);
	const char *path = here.data && !here.failed ? here.data : "/";
	if (revoke) {
		int n = 0;
		int64_t id = form_id(rq);
		rc = sr_store_token_revoke_id(rq->req->store, id, who.id, sr_now_ms(), &n);
		if (!rc && n) {
			char detail[160];
			snprintf(detail, sizeof(detail), "token %lld of @%s", (long long)id, who.handle);
			rc = sr_store_audit(rq->req->store, admin->id, "token.revoke", 0, detail, sr_now_ms());
		}
		if (rc)
			sr__web_fail(rq->req, rq->resp, rc);
		else
			sr__web_redirect(rq->resp, 303, path);
		sr_buf_deinit(&here);
		return;
	}
	sr_page p = {&rq->resp->body, "Tokens of an account", NULL, NULL};
	sr__web_begin(&p);
	sr_html_printf(p.b,
		       "<section aria-labelledby=\"atok-h\"><h1 id=\"atok-h\">API tokens of @%s</h1>"
		       "<p class=\"lead\">Revoking one refuses it on the next request, on every node.</p>",
		       who.handle);
	sr_buf action;
	sr_buf_init(&action, 1024);
	sr_html_printf(&action, "%s/revoke", path);
	rc = token_tables(rq, p.b, who.id, action.data && !action.failed ? action.data : "/");
	sr_buf_deinit(&action);
	sr_buf_deinit(&here);
	if (rc) {
		sr__web_fail(rq->req, rq->resp, rc);
		return;
	}
	sr_html_printf(p.b, "</section>");
	sr__web_end(&p, rq->resp, 200);
}

/*
 * /admin/tokens: the staff's way in when all they hold is a handle or a token (seen in a log,
 * say). ?user=HANDLE goes to that account's tokens; POST /admin/tokens/revoke revokes the token
 * of a prefix: exactly the 12 characters the pages show, so a short one cannot revoke many.
 */
static int prefix_ok(const char *p)
{
	if (strlen(p) != 12 || strncmp(p, "clh_", 4) != 0)
		return 0;
	for (const char *c = p + 4; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '-' ||
		      *c == '_'))
			return 0;
	return 1;
}

static void admin_index(sr_web_rq *rq, int status, const char *message, int ok)
{
	sr_page p = {&rq->resp->body, "API tokens (staff)", NULL, NULL};
	sr__web_begin(&p);
	sr_html_printf(p.b, "<section aria-labelledby=\"adt-h\"><h1 id=\"adt-h\">API tokens (staff)</h1>");
	if (message)
		sr_html_printf(p.b, "<p class=\"notice %R\" role=\"status\">%s</p>", ok ? "notice-ok" : "notice-error", message);
	sr_html_printf(p.b,
		       "<form class=\"form token-form\" method=\"get\" action=\"/admin/tokens\">"
		       "<p><label for=\"adt-user\">A person's tokens</label>"
		       "<input id=\"adt-user\" name=\"user\" required maxlength=\"64\" placeholder=\"handle\"></p>"
		       "<p><button type=\"submit\">Show</button></p></form>"
		       "<form class=\"form token-form\" method=\"post\" action=\"/admin/tokens/revoke\">"
		       "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
		       "<p><label for=\"adt-prefix\">Revoke the token that starts with</label>"
		       "<input id=\"adt-prefix\" name=\"prefix\" required minlength=\"12\" maxlength=\"12\" "
		       "placeholder=\"clh_XXXXXXXX\" autocomplete=\"off\"></p>"
		       "<p class=\"hint\">The first 12 characters, as the tokens pages show them.</p>"
		       "<p><button type=\"submit\">Revoke</button></p></form></section>",
		       sr__web_csrf(rq));
	sr__web_end(&p, rq->resp, status);
}

static void admin_revoke_prefix(sr_web_rq *rq, const sr_user *admin)
{
	char prefix[16] = "";
	if (!sr__web_form(rq->req, "prefix", prefix, sizeof(prefix)) || !prefix_ok(prefix)) {
		admin_index(rq, 400, "Give the first 12 characters of the token: clh_ and the 8 that follow.", 0);
		return;
	}
	int n = 0;
	int rc = sr_store_token_revoke(rq->req->store, prefix, &n);
	if (!rc && n) {
		char detail[64];
		snprintf(detail, sizeof(detail), "token prefix %s", prefix);
		rc = sr_store_audit(rq->req->store, admin->id, "token.revoke", 0, detail, sr_now_ms());
	}
	if (rc)
		sr__web_fail(rq->req, rq->resp, rc);
	else if (!n)
		admin_index(rq, 404, "No live token starts with these characters.", 0);
	else
		admin_index(rq, 200, n == 1 ? "Revoked 1 token." : "Revoked the tokens that start with these characters.", 1);
}

void sr__web_admin_token_index(sr_web_rq *rq, int revoke)
{
	rq->req->route = "web-admin-tokens";
	const sr_user *admin = need_admin(rq);
	if (!admin)
		return;
	if (revoke) {
		admin_revoke_prefix(rq, admin);
		return;
	}
	const char *user = sr_req_query(rq->req, "user");
	if (user && user[0]) {
		char norm[64];
		sr_owner_normalize(user, norm, sizeof(norm));
		sr_buf loc;
		sr_buf_init(&loc, 1024);
		sr_html_printf(&loc, "/admin/users/%u/tokens", norm[0] ? norm : "-");
		sr__web_redirect(rq->resp, 303, loc.data && !loc.failed ? loc.data : "/admin/tokens");
		sr_buf_deinit(&loc);
		return;
	}
	admin_index(rq, 200, NULL, 0);
}
