/*
 * internal.h - what the web page files share (src/web only).
 */
#ifndef SR_WEB_INTERNAL_H
#define SR_WEB_INTERNAL_H

#include <stdint.h>

#include "core/buf.h"
#include "http/context.h"
#include "web/html.h"

/* A page under construction: the layout around a body the page file writes. */
typedef struct sr_page {
	sr_buf *b;          /* the response body */
	const char *title;  /* escaped on output */
	const char *query;  /* the search box's value, or NULL */
	const char *nav;    /* which top link is current: "home", "skills", "trending", or NULL */
} sr_page;

void sr__web_begin(sr_page *p);
/* Appends src to dst; a src that lost a piece marks dst as failed too. */
void sr__web_append(sr_buf *dst, const sr_buf *src);
/* Ends the page; a page any piece of which failed to be written becomes a 500. */
void sr__web_end(sr_page *p, sr_resp *resp, int status);
/* A whole error page (404, 400, 410, 500) with a message and ways on. */
void sr__web_error(sr_req *req, sr_resp *resp, int status, const char *heading, const char *detail);
/* 500 for a failed read (SR_ELIMIT is reported by the HTTP layer with its figure). */
void sr__web_fail(sr_req *req, sr_resp *resp, int rc);
void sr__web_redirect(sr_resp *resp, int status, const char *location);

/* A skill card (list item). tokens (may be NULL) are marked in name, slug and summary. */
int sr__web_card(sr_buf *b, const sr_skill_row *r, char *const *tokens, int ntokens, const char *extra);
/* "2026-11-29" for a millisecond time. */
void sr__web_date(int64_t ms, char *out, size_t n);
/* "12.3 KB" for a size. */
void sr__web_size(int64_t bytes, char *out, size_t n);
/* Integer query parameter within [lo, hi], def when absent or not a number. */
long sr__web_param(sr_req *req, const char *key, long def, long lo, long hi);

/* Pages. */
void sr__web_home(sr_app *app, sr_req *req, sr_resp *resp);
void sr__web_browse(sr_app *app, sr_req *req, sr_resp *resp);
void sr__web_search(sr_app *app, sr_req *req, sr_resp *resp);
void sr__web_trending(sr_app *app, sr_req *req, sr_resp *resp);
void sr__web_owner(sr_app *app, sr_req *req, sr_resp *resp, const char *handle);
void sr__web_skill(sr_app *app, sr_req *req, sr_resp *resp, const char *owner, const char *slug);
void sr__web_file(sr_app *app, sr_req *req, sr_resp *resp, const char *owner, const char *slug);

/* Accounts (account.c); they take the request as signin.h's sr_web_rq. */
struct sr_web_rq;
void sr__web_signin(struct sr_web_rq *rq);
void sr__web_signout(struct sr_web_rq *rq);
void sr__web_sessions(struct sr_web_rq *rq);
void sr__web_session_end(struct sr_web_rq *rq);
/* API tokens (tokens.c): one's own, and an admin's view of anyone's (revoke: the POST). */
void sr__web_tokens(struct sr_web_rq *rq);
void sr__web_token_revoke(struct sr_web_rq *rq);
void sr__web_admin_tokens(struct sr_web_rq *rq, const char *handle, int revoke);
void sr__web_admin_token_index(struct sr_web_rq *rq, int revoke); /* /admin/tokens[/revoke] */
/* One's own work (mine.c): every skill one publishes, and one's stars. */
void sr__web_dashboard(struct sr_web_rq *rq);
void sr__web_stars(struct sr_web_rq *rq);
/* A table of every skill owner publishes, in whatever state, with the reason in words (the
 * dashboard's, and an org's page's), paged from ?cursor= (sr__web_owned_cursor reads it:
 * non-zero after answering 400 for a stale one) with links to here. empty (HTML) when there
 * is none. The store's error, else 0. */
struct sr_cursor;
int sr__web_owned_cursor(struct sr_web_rq *rq, int *has_after, struct sr_cursor *cur);
int sr__web_owned_skills(struct sr_web_rq *rq, sr_buf *b, const sr_user *owner, int has_after,
			 const struct sr_cursor *cur, const char *here, const char *empty);
/* The links between the pages of one's account; current is "dashboard", "stars", "orgs",
 * "transfers", "tokens" or "sessions". */
void sr__web_account_nav(sr_buf *b, const char *current);
void sr__web_invite(struct sr_web_rq *rq, const char *token); /* invite.c */
void sr__web_device(struct sr_web_rq *rq);   /* device.c */
void sr__web_cli_auth(struct sr_web_rq *rq);
/* Ownership transfers (transfers.c): /settings/transfers, its forms (action: request, accept,
 * reject, cancel), and the skill page's owner panel (nothing for a signed-out viewer). */
void sr__web_transfers(struct sr_web_rq *rq);
void sr__web_transfer_post(struct sr_web_rq *rq, const char *action);
int sr__web_transfer_panel(sr_req *req, sr_buf *side, const sr_skill *sk);
/* The staff console (staff.c, staff_post.c): every GET and POST under /staff; 404 for anyone
 * but moderators and admins. */
void sr__web_staff(struct sr_web_rq *rq, char **seg, int n, int post);
/* An owner's appeals (appeals.c): /settings/appeals/OWNER/SLUG, the form it and the skill
 * page post (/settings/appeals/file), and the skill page's appeal panel (nothing for anyone
 * but the skill's publishers, or when there is nothing to appeal; staff get a link to the
 * skill's console page). */
void sr__web_appeal(struct sr_web_rq *rq, char **seg, int n, int post);
int sr__web_appeal_panel(sr_req *req, sr_buf *side, const sr_skill *sk);
/* Publishing from the browser (publish.c): the upload form and its POST. */
void sr__web_publish(struct sr_web_rq *rq);
void sr__web_publish_post(struct sr_web_rq *rq);
/* The skill page's "Publish a new version" link, for a viewer who may publish for its owner. */
int sr__web_publish_link(sr_buf *side, const sr_skill *sk);
/* Org publishers (orgs.c): /orgs (one's orgs, and a new one), an org's page, and its forms
 * (action: create, member, remove). */
void sr__web_orgs(struct sr_web_rq *rq);
void sr__web_org(struct sr_web_rq *rq, const char *handle);
void sr__web_org_post(struct sr_web_rq *rq, const char *handle, const char *action);
/* A <select name="role"> of an org member's roles (publisher, admin, owner). */
void sr__web_member_role_select(sr_buf *b, const char *id, int selected);
/* The viewer of a page that needs an account; signed out, answers 303 to the sign-in page
 * returning to `here` (a local path with its query; NULL: this request's path) and gives NULL. */
const sr_user *sr__web_need_viewer(struct sr_web_rq *rq, const char *here);

/* The identity providers' start and callback routes (idp.c): 1 when the path was one. */
int sr__web_idp(struct sr_web_rq *rq, char **seg, int n);

#endif
