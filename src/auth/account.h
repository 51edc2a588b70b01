/*
 * account.h - turning a sign-in's identity into an account (identity.h says what one is).
 *
 * A known (provider, subject) finds the account it was linked to. A first GitHub sign-in
 * whose login matches an unclaimed imported account (users.claim_github, migration 0013)
 * takes that account over. Anything else makes a new account with a free handle: the login
 * when it is free and not reserved, else login-2 ... login-50, as ClawHub's users.ensure does.
 */
#ifndef SR_AUTH_ACCOUNT_H
#define SR_AUTH_ACCOUNT_H

#include "auth/identity.h"
#include "store/store.h"

/* Whether a handle may not be taken (it names a route of the site): the caller's rule. */
typedef int (*sr_handle_reserved_fn)(const char *handle);

/* The account of id into *out; *created is 1 when it was made now (may be NULL).
 * SR_EPERM (with *out filled) when the account is banned or deactivated, SR_EINVAL for an
 * identity without provider or subject, SR_ECONFLICT when no free handle was found. */
int sr_account_from_identity(sr_store *s, const struct sr_identity *id, sr_handle_reserved_fn reserved,
			     sr_user *out, int *created);

/* The handle a login asks for: lower-cased, characters outside a-z, 0-9, - and _ turned into
 * '-', trimmed of '-' at either end, at most 39 characters; "" when nothing is left. */
void sr_account_handle_base(const char *login, char *out, size_t n);
/* 1 when h is a well-formed handle (1-39 of a-z, 0-9, - and _, starting with a letter or digit). */
int sr_account_handle_ok(const char *h);

#endif
