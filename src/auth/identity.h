/*
 * identity.h - who a sign-in says a person is, whatever way they came in.
 *
 * src/auth owns accounts: sign-in (GitHub OAuth, OpenID Connect, local passwords), web
 * sessions, the CLI's device login and the people's own tokens. Every way in ends in one
 * sr_identity, which the account code turns into a user: the provider's stable subject finds
 * the account linked before; a first sign-in links one (an imported account whose
 * users.claim_github matches a GitHub login, or a new account with a free handle).
 */
#ifndef SR_AUTH_IDENTITY_H
#define SR_AUTH_IDENTITY_H

struct sr_identity {
	char provider[64]; /* "github", "oidc:<name>" or "local" */
	char subject[256]; /* the provider's stable id of the person (GitHub's numeric id, OIDC's sub) */
	char login[64];    /* the handle the person goes by there (GitHub login, preferred_username) */
	char email[256];   /* "" when the provider gave none */
	char name[256];    /* display name, "" when none */
	char avatar[512];  /* avatar URL, "" when none */
};

#endif
