/*
 * admin.c - `skillreg user` and `skillreg token`: accounts and API tokens from the console.
 *
 * An operator creates the first users (and the first admin) here, changes roles, bans, and
 * creates or revokes tokens. A new token is printed once, on stdout, and stored only as its
 * SHA-256 and its first 12 characters (the prefix `token revoke` takes).
 */
#include <stdio.h>
#include <string.h>

#include "auth/password.h"
#include "auth/session.h"
#include "cmd/cmd.h"
#include "core/err.h"
#include "core/util.h"
#include "moderation/accounts.h"
#include "registry/registry.h"
#include "api/error.h"
#include "registry/slug.h"
#include "store/accounts.h"
#include "store/store.h"
#include "web/web.h"

static int role_of(const char *r)
{
	return r ? sr_role_parse(r) : SR_ROLE_USER;
}

/* What a ban or a role change refused, said on stderr. */
static void account_refusal(const char *handle, const sr_regerr *err)
{
	if (err->why == SR_WHY_USER_NOT_FOUND)
		fprintf(stderr, "skillreg: no user %s\n", handle);
	else if (err->why == SR_WHY_ALREADY_BANNED || err->why == SR_WHY_NOT_BANNED)
		fprintf(stderr, "skillreg: %s is %s\n", handle, err->why == SR_WHY_NOT_BANNED ? "not banned" : "banned already");
	else
		fprintf(stderr, "skillreg: cannot change %s: %s\n", handle, sr_strerror(err->code));
}

static int valid_handle(const char *h)
{
	size_t n = strlen(h);
	if (n < 1 || n > 39)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= '0' && h[i] <= '9') || h[i] == '-' || h[i] == '_'))
			return 0;
	return 1;
}

/* `user password HANDLE`: the new password is read from the first line of stdin, so it never
 * stands on a command line other users of the machine can list. */
static int set_password(sr_store *s, const char *handle)
{
	sr_user u;
	if (sr_store_user_by_handle(s, handle, &u)) {
		fprintf(stderr, "skillreg: no user %s\n", handle);
		return 1;
	}
	char pw[SR_PASSWORD_MAX + 2], hash[SR_PASSWORD_HASH_MAX];
	if (!fgets(pw, sizeof(pw), stdin)) {
		fprintf(stderr, "skillreg: give the password on stdin\n");
		return 1;
	}
	pw[strcspn(pw, "\r\n")] = '\0';
	const char *weak = sr_password_weak(pw);
	if (weak) {
		fprintf(stderr, "skillreg: %s\n", weak);
		return 1;
	}
	if (sr_password_hash(pw, hash, sizeof(hash)) || sr_store_password_set(s, u.id, hash, sr_now_ms()))
		return 1;
	fprintf(stderr, "password set for %s\n", handle);
	return 0;
}

#define INVITE_TTL_MS (7LL * 24 * 3600 * 1000)

/* `user invite`: prints the one-time URL of a new invitation (valid a week); only the hash of
 * its token is stored. */
static int invite(sr_store *s, const sr_cmd_opts *o)
{
	int role = role_of(o->role);
	if (role < 0) {
		fprintf(stderr, "skillreg: role must be user, moderator or admin\n");
		return 1;
	}
	char token[64], hash[65];
	if (sr_session_random(token))
		return 1;
	sr_sha256_hex(token, strlen(token), hash);
	int64_t now = sr_now_ms();
	if (sr_store_invite_add(s, hash, role, o->reason, now, now + INVITE_TTL_MS))
		return 1;
	const char *base = o->public_url && o->public_url[0] ? o->public_url : "";
	size_t bl = strlen(base);
	printf("%.*s/invite/%s\n", (int)(bl && base[bl - 1] == '/' ? bl - 1 : bl), base, token);
	return 0;
}

static int run_user(const sr_cmd_opts *o)
{
	sr_app app;
	sr_store *s;
	int is_role = o->nargs >= 2 && strcmp(o->args[1], "role") == 0;
	int is_invite = o->nargs >= 2 && strcmp(o->args[1], "invite") == 0;
	int early = sr__cmd_begin(o, is_invite ? 2 : is_role ? 4 : 3, &app, &s);
	if (early)
		return early;
	int ret = 1;
	char handle[64] = "";
	if (!is_invite)
		sr_owner_normalize(o->args[2], handle, sizeof(handle));
	if (is_invite) {
		ret = invite(s, o);
	} else if (strcmp(o->args[1], "add") == 0) {
		int role = role_of(o->role);
		if (role < 0 || !valid_handle(handle)) {
			fprintf(stderr, "skillreg: %s\n", role < 0 ? "role must be user, moderator or admin"
								  : "handle must be 1-39 characters of a-z, 0-9, - and _");
			goto out;
		}
		if (sr_web_reserved(handle)) {
			/* The handle is the owner page's address: it must not shadow a page of the site. */
			fprintf(stderr, "skillreg: handle %s is reserved (it names a page of the web site)\n", handle);
			goto out;
		}
		int64_t id;
		int rc = sr_store_user_add(s, handle, o->display_name ? o->display_name : handle, role, &id);
		if (rc == SR_EEXIST)
			fprintf(stderr, "skillreg: user %s already exists\n", handle);
		else if (!rc) {
			printf("%s\n", handle);
			ret = 0;
		}
	} else if (is_role) {
		int role = role_of(o->args[3]);
		sr_regerr err = {0};
		if (role < 0) {
			fprintf(stderr, "skillreg: role must be user, moderator or admin\n");
		} else if (sr_account_set_role(s, NULL, handle, role, o->reason ? o->reason : "set at the command line",
					       &err)) {
			account_refusal(handle, &err);
		} else {
			printf("%s %s\n", handle, o->args[3]);
			ret = 0;
		}
	} else if (strcmp(o->args[1], "password") == 0) {
		ret = set_password(s, handle);
	} else if (strcmp(o->args[1], "ban") == 0) {
		sr_regerr err = {0};
		if (sr_account_ban(s, NULL, handle, o->reason ? o->reason : "banned by an administrator", &err)) {
			account_refusal(handle, &err);
		} else {
			fprintf(stderr, "banned %s\n", handle);
			ret = 0;
		}
	} else if (strcmp(o->args[1], "unban") == 0) {
		sr_regerr err = {0};
		if (sr_account_unban(s, NULL, handle, o->reason ? o->reason : "unbanned by an administrator", &err)) {
			account_refusal(handle, &err);
		} else {
			fprintf(stderr, "unbanned %s\n", handle);
			ret = 0;
		}
	} else {
		ret = sr__cmd_misuse(o);
	}
out:
	sr__cmd_close_data(&app, s);
	return ret;
}

static int run_token(const sr_cmd_opts *o)
{
	sr_app app;
	sr_store *s;
	int early = sr__cmd_begin(o, 3, &app, &s);
	if (early)
		return early;
	int ret = 1;
	if (strcmp(o->args[1], "create") == 0) {
		char handle[64];
		sr_owner_normalize(o->args[2], handle, sizeof(handle));
		sr_user u;
		int kind = SR_USER_PERSON;
		if (sr_store_user_by_handle(s, handle, &u) || sr_store_user_kind(s, u.id, &kind, NULL)) {
			fprintf(stderr, "skillreg: no user %s\n", handle);
			goto out;
		}
		if (kind == SR_USER_ORG) {
			/* An org publishes through its members' tokens; it never signs in itself. */
			fprintf(stderr, "skillreg: %s is an org publisher, which has no tokens\n", handle);
			goto out;
		}
		unsigned char rnd[32];
		char b64[64], token[80], prefix[16], hash[65];
		if (sr_random_bytes(rnd, sizeof(rnd)))
			goto out;
		sr_b64url_encode(rnd, sizeof(rnd), b64);
		snprintf(token, sizeof(token), "clh_%s", b64);
		snprintf(prefix, sizeof(prefix), "%.12s", token);
		sr_sha256_hex(token, strlen(token), hash);
		if (!sr_store_token_add(s, u.id, o->label ? o->label : "cli", prefix, hash)) {
			printf("%s\n", token);
			ret = 0;
		}
	} else if (strcmp(o->args[1], "revoke") == 0) {
		int n = 0;
		if (strlen(o->args[2]) < 6) {
			fprintf(stderr, "skillreg: give at least 6 characters of the token\n");
			goto out;
		}
		char prefix[16];
		snprintf(prefix, sizeof(prefix), "%.12s", o->args[2]);
		if (!sr_store_token_revoke(s, prefix, &n)) {
			fprintf(stderr, "revoked %d token(s)\n", n);
			ret = n > 0 ? 0 : 1;
		}
	} else {
		ret = sr__cmd_misuse(o);
	}
out:
	sr__cmd_close_data(&app, s);
	return ret;
}

const sr_cmd sr__cmd_user = {
	"user", "add a user, change a role, set a password, invite, ban, unban",
	"usage: skillreg user add HANDLE [--role user|moderator|admin] [--display-name NAME] [--data-dir DIR] [--db URL]\n"
	"       skillreg user role HANDLE user|moderator|admin [--data-dir DIR] [--db URL]\n"
	"       skillreg user ban HANDLE [--reason TEXT] [--data-dir DIR] [--db URL]\n"
	"       skillreg user unban HANDLE [--reason TEXT] [--data-dir DIR] [--db URL]\n"
	"       skillreg user password HANDLE [--data-dir DIR] [--db URL]   the new password on stdin\n"
	"       skillreg user invite [--role user|moderator|admin] [--reason NOTE] [--public-url URL] [--data-dir DIR] [--db URL]\n"
	"                            prints a one-time URL (valid 7 days) where the invited person makes a local account\n",
	SR_O(DATA_DIR) | SR_O(DB) | SR_O(ROLE) | SR_O(DISPLAY_NAME) | SR_O(REASON) | SR_O(PUBLIC_URL),
	run_user,
};

const sr_cmd sr__cmd_token = {
	"token", "create an API token (printed once) or revoke one",
	"usage: skillreg token create HANDLE [--label LABEL] [--data-dir DIR] [--db URL]   prints only the new clh_ token\n"
	"       skillreg token revoke PREFIX [--data-dir DIR] [--db URL]                   6-12 first characters of the token\n",
	SR_O(DATA_DIR) | SR_O(DB) | SR_O(LABEL),
	run_token,
};

static int print_member(void *ud, const void *row)
{
	(void)ud;
	const sr_member_row *m = row;
	printf("%s %s\n", m->handle, sr_member_role_name(m->role));
	return 0;
}

/* `skillreg publisher`: org publishers and their members from the console. ClawHub manages
 * members only from its web app (invitations), so an operator does it here. */
static int run_publisher(const sr_cmd_opts *o)
{
	sr_app app;
	sr_store *s;
	const char *sub = o->nargs >= 2 ? o->args[1] : "";
	int need = strcmp(sub, "member") == 0 || strcmp(sub, "remove") == 0 ? 4 : 3;
	int early = sr__cmd_begin(o, need, &app, &s);
	if (early)
		return early;
	int ret = 1;
	char handle[64], member[64];
	sr_handle_normalize(o->args[2], handle, sizeof(handle));
	sr_handle_normalize(need >= 4 ? o->args[3] : "", member, sizeof(member));
	sr_regerr err = {0};
	char text[600];
	int64_t id = 0;
	int created = 0, removed = 0;
	if (strcmp(sub, "add") == 0 || strcmp(sub, "member") == 0) {
		int role = strcmp(sub, "member") == 0 ? sr_member_role_parse(o->role ? o->role : "publisher") : 0;
		sr_org_ensure e = {handle, o->display_name, -1, member[0] ? member : NULL, role};
		if (role < 0) {
			fprintf(stderr, "skillreg: role must be owner, admin or publisher\n");
		} else if (sr_publisher_ensure(s, NULL, &e, &id, &created, &err)) {
			sr_api_error_text(&err, text, sizeof(text));
			fprintf(stderr, "skillreg: %s\n", text);
		} else {
			if (member[0])
				printf("%s %s %s\n", handle, member, sr_member_role_name(role));
			else
				printf("%s %s\n", handle, created ? "created" : "exists");
			ret = 0;
		}
	} else if (strcmp(sub, "remove") == 0) {
		if (sr_publisher_member_remove(s, NULL, handle, member, &removed, &err)) {
			sr_api_error_text(&err, text, sizeof(text));
			fprintf(stderr, "skillreg: %s\n", text);
		} else {
			printf("%s %s %s\n", handle, member, removed ? "removed" : "was not a member");
			ret = removed ? 0 : 1;
		}
	} else if (strcmp(sub, "list") == 0) {
		sr_user org;
		if (sr_store_user_by_handle(s, handle, &org))
			fprintf(stderr, "skillreg: no publisher %s\n", handle);
		else if (!sr_store_members(s, org.id, 1000, print_member, NULL))
			ret = 0;
	} else {
		ret = sr__cmd_misuse(o);
	}
	sr__cmd_close_data(&app, s);
	return ret;
}

const sr_cmd sr__cmd_publisher = {
	"publisher", "org publishers and their members (owner, admin, publisher)",
	"usage: skillreg publisher add ORG [--display-name NAME] [--data-dir DIR] [--db URL]\n"
	"       skillreg publisher member ORG USER [--role owner|admin|publisher] [--data-dir DIR] [--db URL]   (creates ORG if needed)\n"
	"       skillreg publisher remove ORG USER [--data-dir DIR] [--db URL]\n"
	"       skillreg publisher list ORG [--data-dir DIR] [--db URL]\n",
	SR_O(DATA_DIR) | SR_O(DB) | SR_O(DISPLAY_NAME) | SR_O(ROLE),
	run_publisher,
};
