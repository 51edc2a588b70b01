/*
 * token.h - minting the people's own API tokens (the device login's and the tokens page's).
 *
 * A token is `clh_` and 43 characters of base64url (256 random bits), as `skillreg token
 * create` makes them; the store keeps its SHA-256 and its first 12 characters (the prefix the
 * pages show and `token revoke` takes). The secret is handed back once, never logged.
 */
#ifndef SR_AUTH_TOKEN_H
#define SR_AUTH_TOKEN_H

#include <stdint.h>

#include "store/store.h"

#define SR_TOKEN_LEN 47 /* "clh_" + 43 */
#define SR_TOKEN_LABEL_MAX 120

/* A new token of user_id (expires_at 0: never) into token (>= 48 bytes); *id its row. */
int sr_token_mint(sr_store *s, int64_t user_id, const char *label, int64_t expires_at, char *token, int64_t *id);

#endif
