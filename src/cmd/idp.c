/*
 * idp.c - the sign-in providers serve is configured with (README, "Sign-in with GitHub or
 * OpenID Connect"): the options are checked as a whole here, before anything is opened, so a
 * client id without its secret or a secret for a provider nobody named stops serve with one
 * line instead of a sign-in button that cannot work. Secrets are never printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/idp.h"
#include "cmd/cmd.h"

/* NAME's value in a pair list, or NULL. */
static const char *lookup(const sr_cmd_pairs *l, const char *name)
{
	for (int i = 0; i < l->n; i++)
		if (strcmp(l->name[i], name) == 0)
			return l->value[i];
	return NULL;
}

static int add(sr_app *app, const sr_idp_config *c, const char *what)
{
	char why[200];
	sr_idp *p;
	if (sr_idp_new(c, &p, why, sizeof(why))) {
		fprintf(stderr, "skillreg: %s: %s\n", what, why);
		return 2;
	}
	app->idps[app->nidps++] = p;
	return 0;
}

/* Every NAME given to --oidc-client-id or --oidc-client-secret-file names an --oidc provider. */
static int names_known(const sr_cmd_opts *o, const sr_cmd_pairs *l, const char *what)
{
	for (int i = 0; i < l->n; i++)
		if (!lookup(&o->oidc, l->name[i])) {
			fprintf(stderr, "skillreg: %s: no --oidc %s=ISSUER_URL\n", what, l->name[i]);
			return 2;
		}
	return 0;
}

int sr__cmd_idps(const sr_cmd_opts *o, sr_app *app)
{
	if (names_known(o, &o->oidc_client_id, "--oidc-client-id") ||
	    names_known(o, &o->oidc_client_secret, "--oidc-client-secret-file"))
		return 2;
	if (!o->github_client_id && (o->github_client_secret || o->github_url)) {
		fprintf(stderr, "skillreg: --github-client-secret-file and --github-url need --github-client-id\n");
		return 2;
	}
	app->idps = calloc(SR_IDP_MAX, sizeof(*app->idps));
	if (!app->idps)
		return 1;
	int rc = 0;
	if (o->github_client_id) {
		sr_idp_config c = {.github_url = o->github_url, .client_id = o->github_client_id,
				   .client_secret = o->github_client_secret};
		rc = add(app, &c, "--github-client-id");
	}
	for (int i = 0; !rc && i < o->oidc.n; i++) {
		const char *name = o->oidc.name[i];
		if (lookup(&o->oidc, name) != o->oidc.value[i] || app->nidps == SR_IDP_MAX) {
			fprintf(stderr, "skillreg: --oidc %s: named twice, or more than %d providers\n", name, SR_IDP_MAX);
			rc = 2;
			break;
		}
		sr_idp_config c = {.name = name, .issuer = o->oidc.value[i],
				   .client_id = lookup(&o->oidc_client_id, name),
				   .client_secret = lookup(&o->oidc_client_secret, name)};
		char what[64];
		snprintf(what, sizeof(what), "--oidc %s", name);
		rc = add(app, &c, what);
	}
	if (rc)
		sr__cmd_idps_free(app);
	return rc;
}

void sr__cmd_idps_free(sr_app *app)
{
	for (int i = 0; i < app->nidps; i++)
		sr_idp_free(app->idps[i]);
	free(app->idps);
	app->idps = NULL;
	app->nidps = 0;
}
