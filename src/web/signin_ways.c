/*
 * signin_ways.c - the sign-in page's buttons for the ways in besides local passwords (the hook
 * of signin.h): one link per configured identity provider (auth/idp.h), to its start route
 * (web/idp.c), carrying return_to along.
 */
#include "auth/idp.h"
#include "web/html.h"
#include "web/signin.h"

void sr__web_signin_ways(sr_web_rq *rq, sr_buf *b, const char *return_to)
{
	for (int i = 0; i < rq->app->nidps; i++) {
		const sr_idp *p = rq->app->idps[i];
		int gh = sr_idp_is_github(p);
		sr_html_printf(b, "<p class=\"signin-way\"><a class=\"button\" href=\"/auth/%s%s%s/start?return_to=%u\">"
				  "Sign in with %s</a></p>",
			       gh ? "github" : "oidc/", gh ? "" : sr_idp_name(p), "", return_to ? return_to : "/",
			       gh ? "GitHub" : sr_idp_name(p));
	}
}
