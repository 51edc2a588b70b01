/*
 * token.c - minting API tokens; see token.h.
 */
#include "auth/token.h"

#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/util.h"
#include "store/accounts.h"

int sr_token_mint(sr_store *s, int64_t user_id, const char *label, int64_t expires_at, char *token, int64_t *id)
{
	unsigned char rnd[32];
	char b64[48], prefix[16], hash[65];
	if (sr_random_bytes(rnd, sizeof(rnd)))
		return SR_EIO;
	sr_b64url_encode(rnd, sizeof(rnd), b64);
	snprintf(token, SR_TOKEN_LEN + 1, "clh_%.43s", b64);
	snprintf(prefix, sizeof(prefix), "%.12s", token);
	sr_sha256_hex(token, strlen(token), hash);
	return sr_store_token_mint(s, user_id, label, prefix, hash, sr_now_ms(), expires_at, id);
}
