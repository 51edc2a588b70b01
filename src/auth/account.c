/*
 * account.c - accounts from identities; see account.h.
 *
 * Lookups happen before any write, and each write (a claim, a new account) is one short
 * transaction: on PostgreSQL a failed statement spoils its transaction, so a taken handle is
 * found by reading, and a race lost at the insert is retried from the top.
 */
#include "auth/account.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "store/accounts.h"

#define MAX_SUFFIX 50

void sr_account_handle_base(const char *login, char *out, size_t n)
{
	size_t j = 0;
	for (const char *p = login; *p && j + 1 < n && j < 39; p++) {
		char c = (char)tolower((unsigned char)*p);
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			c = '-';
		if (c == '-' && (j == 0 || out[j - 1] == '-'))
			continue;
		out[j++] = c;
	}
	while (j && out[j - 1] == '-')
		j--;
	out[j] = '\0';
}

int sr_account_handle_ok(const char *h)
{
	size_t n = strlen(h);
	if (n < 1 || n > 39 || !isalnum((unsigned char)h[0]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= '0' && h[i] <= '9') || h[i] == '-' || h[i] == '_'))
			return 0;
	return 1;
}

static int finish(const sr_user *u, sr_user *out)
{
	*out = *u;
	return u->deactivated_at ? SR_EPERM : 0;
}

/* Takes over the imported account waiting for this GitHub login: 0 with *out, SR_ENOTFOUND
 * when there is none (or another sign-in claimed it first). */
static int claim(sr_store *s, const struct sr_identity *id, sr_user *out)
{
	char login[64];
	size_t i = 0;
	for (; id->login[i] && i + 1 < sizeof(login); i++)
		login[i] = (char)tolower((unsigned char)id->login[i]);
	login[i] = '\0';
	sr_user u;
	int rc = sr_store_user_by_claim(s, login, &u);
	if (rc)
		return rc;
	if ((rc = sr_store_begin(s)))
		return rc;
	if ((rc = sr_store_user_claimed(s, u.id)) ||
	    (rc = sr_store_identity_add(s, id->provider, id->subject, u.id, id->login))) {
		sr_store_rollback(s);
		return rc == SR_EEXIST ? SR_ECONFLICT : rc;
	}
	if ((rc = sr_store_commit(s)))
		return rc;
	*out = u;
	return 0;
}

/* The first free handle of base, base-2 ... base-50 into out. */
static int free_handle(sr_store *s, const char *base, sr_handle_reserved_fn reserved, char *out, size_t n)
{
	for (int k = 1; k <= MAX_SUFFIX; k++) {
		if (k == 1)
			snprintf(out, n, "%s", base);
		else
			snprintf(out, n, "%.*s-%d", 39 - 3, base, k);
		if (!sr_account_handle_ok(out) || strstr(out, "openclaw") || (reserved && reserved(out)))
			continue;
		sr_user u;
		int rc = sr_store_user_by_handle(s, out, &u);
		if (rc == SR_ENOTFOUND)
			return 0;
		if (rc)
			return rc;
	}
	return SR_ECONFLICT;
}

static int create(sr_store *s, const struct sr_identity *id, sr_handle_reserved_fn reserved, sr_user *out)
{
	char base[64] = "";
	sr_account_handle_base(id->login, base, sizeof(base));
	if (!base[0] && id->email[0]) {
		char local[256];
		snprintf(local, sizeof(local), "%.*s", (int)strcspn(id->email, "@"), id->email);
		sr_account_handle_base(local, base, sizeof(base));
	}
	if (!base[0])
		snprintf(base, sizeof(base), "user");
	char handle[64];
	int rc = free_handle(s, base, reserved, handle, sizeof(handle));
	if (rc)
		return rc;
	int64_t uid;
	if ((rc = sr_store_begin(s)))
		return rc;
	if ((rc = sr_store_user_add(s, handle, id->name[0] ? id->name : handle, SR_ROLE_USER, &uid)) ||
	    (id->avatar[0] && (rc = sr_store_user_set_image(s, uid, id->avatar))) ||
	    (rc = sr_store_identity_add(s, id->provider, id->subject, uid, id->login))) {
		sr_store_rollback(s);
		/* A handle taken or an identity linked by a concurrent sign-in: start over. */
		return rc == SR_EEXIST ? SR_ECONFLICT : rc;
	}
	if ((rc = sr_store_commit(s)))
		return rc;
	return sr_store_user_by_id(s, uid, out);
}

int sr_account_from_identity(sr_store *s, const struct sr_identity *id, sr_handle_reserved_fn reserved,
			     sr_user *out, int *created)
{
	if (created)
		*created = 0;
	if (!id->provider[0] || !id->subject[0])
		return SR_EINVAL;
	int rc = SR_ECONFLICT;
	/* Two tries: a race lost to a concurrent first sign-in of the same person finds the
	 * account that sign-in made. */
	for (int attempt = 0; attempt < 2 && rc == SR_ECONFLICT; attempt++) {
		int64_t uid;
		sr_user u;
		rc = sr_store_identity_user(s, id->provider, id->subject, &uid);
		if (!rc) {
			if ((rc = sr_store_user_by_id(s, uid, &u)))
				return rc;
			return finish(&u, out);
		}
		if (rc != SR_ENOTFOUND)
			return rc;
		if (strcmp(id->provider, "github") == 0 && id->login[0]) {
			rc = claim(s, id, &u);
			if (!rc)
				return finish(&u, out);
			if (rc != SR_ENOTFOUND && rc != SR_ECONFLICT)
				return rc;
		}
		rc = create(s, id, reserved, &u);
		if (!rc) {
			if (created)
				*created = 1;
			return finish(&u, out);
		}
	}
	return rc;
}
