/*
 * accounts.c - bans, unbans and role changes by staff and by the operator (accounts.h). Each change
 * reads its target, checks who may do it and writes the change and its audit row in one
 * transaction, so the checks and the write see the same account.
 */
#include "moderation/accounts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/util.h"
#include "moderation/moderation.h"
#include "moderation/staff.h"

static const char *const role_names[] = {"user", "moderator", "admin"};

const char *sr_role_name(int role)
{
	return role >= SR_ROLE_USER && role <= SR_ROLE_ADMIN ? role_names[role] : "user";
}

int sr_role_parse(const char *name)
{
	for (int r = SR_ROLE_USER; name && r <= SR_ROLE_ADMIN; r++)
		if (strcmp(name, role_names[r]) == 0)
			return r;
	return -1;
}

struct account_change {
	const sr_user *actor; /* NULL: the operator */
	const char *handle, *reason;
	int role; /* the new role (a role change) */
};

static int target_of(sr_store *s, const char *handle, sr_user *t, sr_regerr *err)
{
	int rc = sr_store_user_by_handle(s, handle, t);
	if (rc == SR_ENOTFOUND)
		return sr_regerr_set(err, SR_ENOTFOUND, SR_WHY_USER_NOT_FOUND, NULL);
	return rc ? sr_regerr_internal(err, rc) : 0;
}

/* The change's audit row: "@handle<what>; note: <reason>", with no skill. */
static int audit(sr_store *s, const struct account_change *c, const char *action, const char *what, int64_t now,
		 sr_regerr *err)
{
	char detail[128 + SR_CASE_NOTE_MAX];
	snprintf(detail, sizeof(detail), "@%s%s; note: %s", c->handle, what, c->reason);
	int rc = sr_store_audit(s, c->actor ? c->actor->id : 0, action, 0, detail, now);
	return rc ? sr_regerr_internal(err, rc) : 0;
}

static int ban_writes(sr_store *s, void *ud, sr_regerr *err)
{
	struct account_change *c = ud;
	sr_user t;
	int rc = target_of(s, c->handle, &t, err);
	if (rc)
		return rc;
	if (c->actor && t.id == c->actor->id)
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_BAN_SELF, NULL);
	if (c->actor && t.role == SR_ROLE_ADMIN && c->actor->role != SR_ROLE_ADMIN)
		return sr_regerr_set(err, SR_EPERM, SR_WHY_ADMIN_REQUIRED, NULL);
	/* A second ban would date the account's ban anew and say nothing new. */
	if (t.deactivated_at)
		return sr_regerr_set(err, SR_ECONFLICT, SR_WHY_ALREADY_BANNED, NULL);
	int64_t now = sr_now_ms();
	if ((rc = sr_store_user_ban_in_tx(s, t.id, c->reason, now)))
		return sr_regerr_internal(err, rc);
	return audit(s, c, "user.ban", "", now, err);
}

static int unban_writes(sr_store *s, void *ud, sr_regerr *err)
{
	struct account_change *c = ud;
	sr_user t;
	int rc = target_of(s, c->handle, &t, err);
	if (rc)
		return rc;
	if (c->actor && t.role == SR_ROLE_ADMIN && c->actor->role != SR_ROLE_ADMIN)
		return sr_regerr_set(err, SR_EPERM, SR_WHY_ADMIN_REQUIRED, NULL);
	if (!t.deactivated_at)
		return sr_regerr_set(err, SR_ECONFLICT, SR_WHY_NOT_BANNED, NULL);
	int64_t now = sr_now_ms();
	rc = sr_store_user_unban_in_tx(s, t.id, t.deactivated_at, now);
	if (rc == SR_ENOTFOUND)
		return sr_regerr_set(err, SR_ECONFLICT, SR_WHY_NOT_BANNED, NULL);
	if (rc)
		return sr_regerr_internal(err, rc);
	return audit(s, c, "user.unban", "", now, err);
}

static int role_writes(sr_store *s, void *ud, sr_regerr *err)
{
	struct account_change *c = ud;
	sr_user t;
	int rc = target_of(s, c->handle, &t, err);
	if (rc)
		return rc;
	if (c->actor && t.id == c->actor->id && c->role != SR_ROLE_ADMIN)
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_DEMOTE_SELF, NULL);
	if ((rc = sr_store_user_set_role(s, t.id, c->role)))
		return sr_regerr_internal(err, rc);
	int64_t now = sr_now_ms();
	/* Staff's own skills are not flagged for a suspicious verdict (moderation.h). */
	int cleared = 0;
	if (t.role == SR_ROLE_USER && c->role != SR_ROLE_USER &&
	    (rc = sr__mod_staff_owner(s, t.id, c->actor ? c->actor->id : 0, now, &cleared)))
		return sr_regerr_internal(err, rc);
	char what[96];
	snprintf(what, sizeof(what), " %s -> %s%s", sr_role_name(t.role), sr_role_name(c->role),
		 cleared ? "; suspicious flags of their skills cleared" : "");
	return audit(s, c, "user.role", what, now, err);
}

/* Runs a change with its reason trimmed, cut and required. */
static int change(sr_store *s, struct account_change *c, int (*writes)(sr_store *, void *, sr_regerr *), sr_regerr *err)
{
	char *note = sr__staff_note(c->reason, SR_WHY_STAFF_REASON_REQUIRED, err);
	if (!note)
		return err->code;
	c->reason = note;
	int rc = sr__staff_in_tx(s, err, writes, c);
	free(note);
	return rc;
}

int sr_account_ban(sr_store *s, const sr_user *actor, const char *handle, const char *reason, sr_regerr *err)
{
	if (actor && actor->role != SR_ROLE_MODERATOR && actor->role != SR_ROLE_ADMIN)
		return sr_regerr_set(err, SR_EPERM, SR_WHY_FORBIDDEN, NULL);
	struct account_change c = {actor, handle, reason, 0};
	return change(s, &c, ban_writes, err);
}

int sr_account_unban(sr_store *s, const sr_user *actor, const char *handle, const char *reason, sr_regerr *err)
{
	if (actor && actor->role != SR_ROLE_MODERATOR && actor->role != SR_ROLE_ADMIN)
		return sr_regerr_set(err, SR_EPERM, SR_WHY_FORBIDDEN, NULL);
	struct account_change c = {actor, handle, reason, 0};
	return change(s, &c, unban_writes, err);
}

int sr_account_set_role(sr_store *s, const sr_user *actor, const char *handle, int role, const char *reason,
			sr_regerr *err)
{
	if (actor && actor->role != SR_ROLE_ADMIN)
		return sr_regerr_set(err, SR_EPERM, SR_WHY_ADMIN_REQUIRED, NULL);
	if (role < SR_ROLE_USER || role > SR_ROLE_ADMIN)
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_ROLE_INVALID, NULL);
	struct account_change c = {actor, handle, reason, role};
	return change(s, &c, role_writes, err);
}
