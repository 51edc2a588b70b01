/*
 * publishers.c - org publishers and who may act for a skill's owner (the accounts reference,
 * section 3).
 *
 * An org is a users row of kind SR_USER_ORG: it owns skills like a person does and never
 * signs in. Its members hold a role, owner > admin > publisher. A person holds the owner role
 * on their own (personal) publisher, so one question answers every skill command: which role
 * does the actor hold on the skill's owner? sr_publisher_role says, and the lifecycle writes
 * compare it with the minimum the command needs.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/util.h"
#include "registry/registry.h"

int sr_publisher_role(sr_store *s, int64_t owner_id, const sr_user *u, int *role)
{
	*role = SR_PUB_NONE;
	if (!u)
		return 0;
	if (u->id == owner_id) {
		*role = SR_PUB_OWNER;
		return 0;
	}
	return sr_store_member_role(s, owner_id, u->id, role);
}

int sr_may_act(sr_store *s, int64_t owner_id, const sr_user *u, int min_role, int *ok)
{
	int role;
	int rc = sr_publisher_role(s, owner_id, u, &role);
	*ok = rc == 0 && role >= min_role;
	return rc;
}

const char *sr_member_role_name(int role)
{
	static const char *const names[] = {"none", "publisher", "admin", "owner"};
	return role >= 0 && role <= SR_PUB_OWNER ? names[role] : "none";
}

int sr_member_role_parse(const char *name)
{
	for (int r = SR_PUB_PUBLISHER; r <= SR_PUB_OWNER; r++)
		if (name && strcmp(name, sr_member_role_name(r)) == 0)
			return r;
	return -1;
}

void sr_handle_normalize(const char *in, char *out, size_t n)
{
	while (*in && isspace((unsigned char)*in))
		in++;
	if (*in == '@')
		in++;
	size_t len = 0;
	for (; *in && len + 1 < n; in++)
		out[len++] = (char)tolower((unsigned char)*in);
	while (len && isspace((unsigned char)out[len - 1]))
		len--;
	if (n)
		out[len] = '\0';
}

/* ClawHub's handle shape: 1 to 40 of [a-z0-9._-], starting and ending with a letter or digit. */
static int handle_shape_ok(const char *h)
{
	size_t n = strlen(h);
	if (n == 0 || n > 40)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)h[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (!alnum && ((i == 0 || i == n - 1) || (c != '.' && c != '_' && c != '-')))
			return 0;
	}
	return 1;
}

/* The words ClawHub keeps for its own routes, then the first path segments of this site's
 * own pages (web.c's reserved list), which an org's page at /{handle} must not shadow.
 * ClawHub also keeps about 190 names of OpenClaw extensions (its openClawExtensionSlugs
 * list), which this registry does not host and so does not hold back. */
static const char *const route_words[] = {
	"admin", "clawhub", "docs", "official", "plugins", "publishers", "skills",
	"api", "static", "search", "trending", "metrics", "healthz", "login", "logout", "settings",
	"about", "help", "new", "upload", "publish", "users", "owners", "stars", "dashboard", "auth",
	"cli", "download", "import", "orgs",
};

int sr_handle_check_new(const char *handle, sr_regerr *err)
{
	if (!handle_shape_ok(handle))
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_HANDLE_INVALID, NULL);
	if (strstr(handle, "openclaw"))
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_HANDLE_OPENCLAW, handle);
	for (size_t i = 0; i < sizeof(route_words) / sizeof(route_words[0]); i++)
		if (strcmp(handle, route_words[i]) == 0)
			return sr_regerr_set(err, SR_EINVAL, SR_WHY_HANDLE_ROUTE, handle);
	return 0;
}

/* Creates the org row; the caller's transaction. A taken handle is the person's or the
 * org's, each with its own words. */
static int org_insert(sr_store *s, const char *handle, const char *display_name, int trusted, int64_t now,
		      int64_t *id, sr_regerr *err)
{
	int rc = sr_store_org_add(s, handle, display_name && display_name[0] ? display_name : handle, trusted, now, id);
	if (rc != SR_EEXIST)
		return rc ? sr_regerr_internal(err, rc) : 0;
	sr_user other;
	int kind = SR_USER_PERSON;
	if (sr_store_user_by_handle(s, handle, &other) == 0)
		sr_store_user_kind(s, other.id, &kind, NULL);
	return sr_regerr_set(err, SR_EEXIST, kind == SR_USER_ORG ? SR_WHY_PUBLISHER_EXISTS : SR_WHY_HANDLE_USED_BY_USER,
			     handle);
}

int sr_publisher_create(sr_store *s, const sr_user *actor, const char *handle, const char *display_name,
			int64_t *id, sr_regerr *err)
{
	int rc = sr_handle_check_new(handle, err);
	if (rc)
		return rc;
	int64_t now = sr_now_ms();
	if ((rc = sr_store_begin(s)))
		return sr_regerr_internal(err, rc);
	if ((rc = org_insert(s, handle, display_name, 0, now, id, err))) {
		sr_store_rollback(s);
		return rc;
	}
	if ((rc = sr_store_member_set(s, *id, actor->id, SR_PUB_OWNER, now)) ||
	    (rc = sr_store_audit(s, actor->id, "publisher.create", 0, handle, now))) {
		sr_store_rollback(s);
		return sr_regerr_internal(err, rc);
	}
	if ((rc = sr_store_commit(s)))
		return sr_regerr_internal(err, rc);
	return 0;
}

/* The org a handle names: SR_WHY_PUBLISHER_NOT_FOUND when none (or a person). */
static int find_org(sr_store *s, const char *handle, sr_user *org, sr_regerr *err)
{
	int kind = SR_USER_PERSON;
	int rc = sr_store_user_by_handle(s, handle, org);
	if (rc == 0)
		rc = sr_store_user_kind(s, org->id, &kind, NULL);
	if (rc == SR_ENOTFOUND || (rc == 0 && kind != SR_USER_ORG)) {
		char at[80];
		snprintf(at, sizeof(at), "@%s", handle);
		return sr_regerr_set(err, SR_ENOTFOUND, SR_WHY_PUBLISHER_NOT_FOUND, at);
	}
	return rc ? sr_regerr_internal(err, rc) : 0;
}

int sr_publisher_ensure(sr_store *s, const sr_user *actor, const sr_org_ensure *e, int64_t *id, int *created,
			sr_regerr *err)
{
	*created = 0;
	if (actor && actor->role != SR_ROLE_ADMIN)
		return sr_regerr_set(err, SR_EPERM, SR_WHY_ADMIN_REQUIRED, NULL);
	if (!e->handle[0])
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_HANDLE_MISSING, NULL);
	if (e->member_role < 0 || e->member_role > SR_PUB_OWNER)
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_MEMBER_ROLE_INVALID, NULL);
	sr_user member;
	int rc;
	if (e->member_handle && e->member_handle[0]) {
		rc = sr_store_user_by_handle(s, e->member_handle, &member);
		if (rc == SR_ENOTFOUND)
			return sr_regerr_set(err, SR_ENOTFOUND, SR_WHY_USER_NOT_FOUND, NULL);
		if (rc)
			return sr_regerr_internal(err, rc);
	}
	int64_t now = sr_now_ms();
	if ((rc = sr_store_begin(s)))
		return sr_regerr_internal(err, rc);
	sr_user org;
	rc = find_org(s, e->handle, &org, err);
	if (rc == SR_ENOTFOUND) {
		if ((rc = sr_handle_check_new(e->handle, err)) ||
		    (rc = org_insert(s, e->handle, e->display_name, e->trusted > 0, now, id, err))) {
			sr_store_rollback(s);
			return rc;
		}
		*created = 1;
	} else if (rc) {
		sr_store_rollback(s);
		return rc;
	} else {
		*id = org.id;
		if ((rc = sr_store_org_update(s, org.id, e->display_name, e->trusted)))
			goto fail;
	}
	if (e->member_handle && e->member_handle[0] &&
	    (rc = sr_store_member_set(s, *id, member.id, e->member_role ? e->member_role : SR_PUB_PUBLISHER, now)))
		goto fail;
	int64_t actor_id = actor ? actor->id : 0;
	if ((rc = sr_store_audit(s, actor_id, *created ? "publisher.create" : "publisher.update", 0, e->handle, now)))
		goto fail;
	if (e->member_handle && e->member_handle[0]) {
		char detail[200];
		snprintf(detail, sizeof(detail), "%s %s %s", e->handle, e->member_handle,
			 sr_member_role_name(e->member_role ? e->member_role : SR_PUB_PUBLISHER));
		if ((rc = sr_store_audit(s, actor_id, "publisher.member.set", 0, detail, now)))
			goto fail;
	}
	if ((rc = sr_store_commit(s)))
		return sr_regerr_internal(err, rc);
	return 0;
fail:
	sr_store_rollback(s);
	return sr_regerr_internal(err, rc);
}

int sr_publisher_member_remove(sr_store *s, const sr_user *actor, const char *handle, const char *member_handle,
			       int *removed, sr_regerr *err)
{
	*removed = 0;
	if (actor && actor->role != SR_ROLE_ADMIN)
		return sr_regerr_set(err, SR_EPERM, SR_WHY_ADMIN_REQUIRED, NULL);
	if (!handle[0])
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_HANDLE_MISSING, NULL);
	sr_user org, member;
	int rc = find_org(s, handle, &org, err);
	if (rc)
		return rc;
	rc = sr_store_user_by_handle(s, member_handle ? member_handle : "", &member);
	if (rc == SR_ENOTFOUND)
		return sr_regerr_set(err, SR_ENOTFOUND, SR_WHY_USER_NOT_FOUND, NULL);
	if (rc)
		return sr_regerr_internal(err, rc);
	int64_t now = sr_now_ms(), owners = 0;
	int role;
	if ((rc = sr_store_begin(s)))
		return sr_regerr_internal(err, rc);
	/* The last owner stays: an org nobody can manage could never be managed again. Read in
	 * the write transaction, so two removals cannot each leave the other as the last. */
	if ((rc = sr_store_member_role(s, org.id, member.id, &role)) ||
	    (rc = sr_store_member_owners(s, org.id, &owners)))
		goto fail;
	if (role == SR_PUB_OWNER && owners <= 1) {
		sr_store_rollback(s);
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_LAST_OWNER, NULL);
	}
	char detail[200];
	snprintf(detail, sizeof(detail), "%s %s", handle, member_handle);
	if ((rc = sr_store_member_remove(s, org.id, member.id, removed)) ||
	    (*removed && (rc = sr_store_audit(s, actor ? actor->id : 0, "publisher.member.remove", 0, detail, now))))
		goto fail;
	if ((rc = sr_store_commit(s)))
		return sr_regerr_internal(err, rc);
	return 0;
fail:
	sr_store_rollback(s);
	return sr_regerr_internal(err, rc);
}

/* ---- an org's own admins (the web site's org page) ---- */

/* Ends a transaction begun by the caller: committed when rc is 0, else rolled back and rc returned. */
static int end_tx(sr_store *s, int rc, sr_regerr *err)
{
	if (rc) {
		sr_store_rollback(s);
		return rc;
	}
	if ((rc = sr_store_commit(s))) {
		sr_store_rollback(s);
		return sr_regerr_internal(err, rc);
	}
	return 0;
}

/* The org, the actor's role on it, and the member named, in the caller's transaction. An
 * actor below admin is refused as the accounts reference's table says, and so is one below
 * owner when the change touches an owner (the member's role before or after). new_role is
 * negated for an invitation, which only offers the role. */
static int member_change(sr_store *s, const sr_user *actor, const char *handle, const char *member_handle,
			 int new_role, sr_user *org, sr_user *member, int *old_role, sr_regerr *err)
{
	int rc = find_org(s, handle, org, err);
	if (rc)
		return rc;
	int mine = SR_PUB_NONE, kind = SR_USER_PERSON;
	if ((rc = sr_publisher_role(s, org->id, actor, &mine)))
		return sr_regerr_internal(err, rc);
	if (mine < SR_PUB_ADMIN)
		return sr_regerr_set(err, SR_EPERM, SR_WHY_FORBIDDEN, NULL);
	rc = sr_store_user_by_handle(s, member_handle, member);
	if (rc == 0)
		rc = sr_store_user_kind(s, member->id, &kind, NULL);
	/* An org is no member of an org: only people sign in to act for one. */
	if (rc == SR_ENOTFOUND || (rc == 0 && kind != SR_USER_PERSON))
		return sr_regerr_set(err, SR_ENOTFOUND, SR_WHY_USER_NOT_FOUND, NULL);
	if (rc || (rc = sr_store_member_role(s, org->id, member->id, old_role)))
		return sr_regerr_internal(err, rc);
	if (new_role < 0 && *old_role != SR_PUB_NONE) /* an invitation of a member */
		return sr_regerr_set(err, SR_ECONFLICT, SR_WHY_ALREADY_MEMBER, member->handle);
	if ((new_role == SR_PUB_OWNER || new_role == -SR_PUB_OWNER || *old_role == SR_PUB_OWNER) && mine < SR_PUB_OWNER)
		return sr_regerr_set(err, SR_EPERM, SR_WHY_FORBIDDEN, NULL);
	/* The last owner stays: read in the write transaction, so two changes cannot each leave
	 * the other as the last. An invitation (new_role negated) changes no member's role. */
	int64_t owners = 0;
	if (*old_role == SR_PUB_OWNER && new_role != SR_PUB_OWNER && new_role >= SR_PUB_NONE) {
		if ((rc = sr_store_member_owners(s, org->id, &owners)))
			return sr_regerr_internal(err, rc);
		if (owners <= 1)
			return sr_regerr_set(err, SR_EINVAL, SR_WHY_LAST_OWNER, NULL);
	}
	return 0;
}

static int member_set_writes(sr_store *s, const sr_user *actor, const char *handle, const char *member_handle, int role,
			     sr_regerr *err)
{
	int64_t now = sr_now_ms();
	int old_role;
	sr_user org, member;
	int rc = member_change(s, actor, handle, member_handle, role, &org, &member, &old_role, err);
	if (rc)
		return rc;
	if (old_role == SR_PUB_NONE)
		return sr_regerr_set(err, SR_ENOTFOUND, SR_WHY_NOT_MEMBER, member.handle);
	char detail[200];
	snprintf(detail, sizeof(detail), "%s %s %s", org.handle, member.handle, sr_member_role_name(role));
	if ((rc = sr_store_member_set(s, org.id, member.id, role, now)) ||
	    (rc = sr_store_audit(s, actor->id, "publisher.member.set", 0, detail, now)))
		return sr_regerr_internal(err, rc);
	return 0;
}

static int member_remove_writes(sr_store *s, const sr_user *actor, const char *handle, const char *member_handle,
				sr_regerr *err)
{
	int old_role, removed = 0;
	sr_user org, member;
	int rc = member_change(s, actor, handle, member_handle, SR_PUB_NONE, &org, &member, &old_role, err);
	if (rc)
		return rc;
	char detail[200];
	snprintf(detail, sizeof(detail), "%s %s", org.handle, member.handle);
	if ((rc = sr_store_member_remove(s, org.id, member.id, &removed)) ||
	    (removed && (rc = sr_store_audit(s, actor->id, "publisher.member.remove", 0, detail, sr_now_ms()))))
		return sr_regerr_internal(err, rc);
	return 0;
}

int sr_org_member_set(sr_store *s, const sr_user *actor, const char *handle, const char *member_handle, int role,
		      sr_regerr *err)
{
	if (role < SR_PUB_PUBLISHER || role > SR_PUB_OWNER)
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_MEMBER_ROLE_INVALID, NULL);
	int rc = sr_store_begin(s);
	if (rc)
		return sr_regerr_internal(err, rc);
	return end_tx(s, member_set_writes(s, actor, handle, member_handle, role, err), err);
}

int sr_org_member_remove(sr_store *s, const sr_user *actor, const char *handle, const char *member_handle,
			 sr_regerr *err)
{
	int rc = sr_store_begin(s);
	if (rc)
		return sr_regerr_internal(err, rc);
	return end_tx(s, member_remove_writes(s, actor, handle, member_handle, err), err);
}

/* ---- invitations ---- */

static int invite_writes(sr_store *s, const sr_user *actor, const char *handle, const char *member_handle, int role,
			 int64_t *id, sr_regerr *err)
{
	int64_t now = sr_now_ms();
	int old_role;
	sr_user org, member;
	int rc = member_change(s, actor, handle, member_handle, -role, &org, &member, &old_role, err);
	if (rc)
		return rc;
	if (member.deactivated_at) /* ClawHub invites active users only */
		return sr_regerr_set(err, SR_ENOTFOUND, SR_WHY_USER_NOT_FOUND, NULL);
	sr_org_invite inv = {.publisher_id = org.id, .user_id = member.id, .role = role, .invited_by = actor->id,
			     .created_at = now, .expires_at = now + SR_ORG_INVITE_TTL_MS};
	if (!(rc = sr_store_org_invite_expire(s, org.id, member.id, now)))
		rc = sr_store_org_invite_add(s, &inv, id);
	if (rc == SR_EEXIST)
		return sr_regerr_set(err, SR_ECONFLICT, SR_WHY_INVITE_PENDING, member.handle);
	char detail[200];
	snprintf(detail, sizeof(detail), "%s %s %s", org.handle, member.handle, sr_member_role_name(role));
	if (rc || (rc = sr_store_audit(s, actor->id, "publisher.invite", 0, detail, now)))
		return sr_regerr_internal(err, rc);
	return 0;
}

int sr_org_invite_send(sr_store *s, const sr_user *actor, const char *handle, const char *member_handle, int role,
		       int64_t *id, sr_regerr *err)
{
	if (role < SR_PUB_PUBLISHER || role > SR_PUB_OWNER)
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_MEMBER_ROLE_INVALID, NULL);
	int rc = sr_store_begin(s);
	if (rc)
		return sr_regerr_internal(err, rc);
	return end_tx(s, invite_writes(s, actor, handle, member_handle, role, id, err), err);
}

/* Invitation id, read in the caller's transaction, if it is to user_id (an answer) or of the
 * org publisher_id (a revocation), the other 0; else SR_WHY_INVITE_NOT_FOUND, whatever its
 * state, so nobody learns about invitations that are not theirs. */
static int invite_of(sr_store *s, int64_t id, int64_t user_id, int64_t publisher_id, sr_org_invite *inv,
		     sr_regerr *err)
{
	int rc = sr_store_org_invite_get(s, id, inv);
	if (rc == 0 && ((user_id && inv->user_id != user_id) || (publisher_id && inv->publisher_id != publisher_id)))
		rc = SR_ENOTFOUND;
	if (rc == SR_ENOTFOUND)
		return sr_regerr_set(err, SR_ENOTFOUND, SR_WHY_INVITE_NOT_FOUND, NULL);
	return rc ? sr_regerr_internal(err, rc) : 0;
}

/* SR_WHY_INVITE_CLOSED unless the invitation is pending and in time. */
static int still_open(const sr_org_invite *inv, sr_regerr *err)
{
	if (inv->status != SR_INVITE_PENDING || inv->expires_at <= sr_now_ms())
		return sr_regerr_set(err, SR_ECONFLICT, SR_WHY_INVITE_CLOSED, NULL);
	return 0;
}

/* An invitation speaks for its inviter: it stays good only while the inviter could still
 * send it (an active account, admin on the org, owner for an owner's role). */
static int inviter_stands(sr_store *s, const sr_org_invite *inv, sr_regerr *err)
{
	sr_user by;
	int role = SR_PUB_NONE;
	int rc = sr_store_user_by_id(s, inv->invited_by, &by);
	if (rc == 0 && !by.deactivated_at)
		rc = sr_publisher_role(s, inv->publisher_id, &by, &role);
	if (rc && rc != SR_ENOTFOUND)
		return sr_regerr_internal(err, rc);
	if (role < SR_PUB_ADMIN || (inv->role == SR_PUB_OWNER && role < SR_PUB_OWNER))
		return sr_regerr_set(err, SR_ECONFLICT, SR_WHY_INVITE_CLOSED, NULL);
	return 0;
}

/* Closes the invitation as status, audited as action with "org person role". */
static int close_invite(sr_store *s, const sr_user *actor, const sr_org_invite *inv, int status, const char *action,
			const char *org_handle, const char *person, sr_regerr *err)
{
	int64_t now = sr_now_ms();
	int changed = 0;
	int rc = sr_store_org_invite_decide(s, inv->id, status, now, &changed);
	if (rc)
		return sr_regerr_internal(err, rc);
	if (!changed) /* answered by a concurrent request first */
		return sr_regerr_set(err, SR_ECONFLICT, SR_WHY_INVITE_CLOSED, NULL);
	char detail[200];
	snprintf(detail, sizeof(detail), "%s %s %s", org_handle, person, sr_member_role_name(inv->role));
	if ((rc = sr_store_audit(s, actor->id, action, 0, detail, now)))
		return sr_regerr_internal(err, rc);
	return 0;
}

static int answer_writes(sr_store *s, const sr_user *actor, int64_t invite_id, int accept, char *org_out, size_t n,
			 sr_regerr *err)
{
	sr_org_invite inv;
	int rc = invite_of(s, invite_id, actor->id, 0, &inv, err);
	if (rc || (rc = still_open(&inv, err)) || (accept && (rc = inviter_stands(s, &inv, err))))
		return rc;
	sr_user org;
	if ((rc = sr_store_user_by_id(s, inv.publisher_id, &org)))
		return rc == SR_ENOTFOUND ? sr_regerr_set(err, SR_ENOTFOUND, SR_WHY_INVITE_NOT_FOUND, NULL)
					  : sr_regerr_internal(err, rc);
	if (org_out)
		snprintf(org_out, n, "%s", org.handle);
	if (accept) {
		int held = SR_PUB_NONE;
		if ((rc = sr_store_member_role(s, org.id, actor->id, &held)))
			return sr_regerr_internal(err, rc);
		/* Made a member meanwhile (by a platform admin): a lower role is no demotion. */
		if (inv.role > held && (rc = sr_store_member_set(s, org.id, actor->id, inv.role, sr_now_ms())))
			return sr_regerr_internal(err, rc);
	}
	return close_invite(s, actor, &inv, accept ? SR_INVITE_ACCEPTED : SR_INVITE_DECLINED,
			    accept ? "publisher.invite.accept" : "publisher.invite.decline", org.handle, actor->handle, err);
}

int sr_org_invite_answer(sr_store *s, const sr_user *actor, int64_t invite_id, int accept, char *org_out, size_t n,
			 sr_regerr *err)
{
	int rc = sr_store_begin(s);
	if (rc)
		return sr_regerr_internal(err, rc);
	return end_tx(s, answer_writes(s, actor, invite_id, accept, org_out, n, err), err);
}

static int revoke_writes(sr_store *s, const sr_user *actor, const char *handle, int64_t invite_id, sr_regerr *err)
{
	sr_user org, person;
	int rc = find_org(s, handle, &org, err);
	if (rc)
		return rc;
	int mine = SR_PUB_NONE;
	if ((rc = sr_publisher_role(s, org.id, actor, &mine)))
		return sr_regerr_internal(err, rc);
	if (mine < SR_PUB_ADMIN)
		return sr_regerr_set(err, SR_EPERM, SR_WHY_FORBIDDEN, NULL);
	sr_org_invite inv;
	if ((rc = invite_of(s, invite_id, 0, org.id, &inv, err)) || (rc = still_open(&inv, err)))
		return rc;
	if (inv.role == SR_PUB_OWNER && mine < SR_PUB_OWNER)
		return sr_regerr_set(err, SR_EPERM, SR_WHY_FORBIDDEN, NULL);
	if ((rc = sr_store_user_by_id(s, inv.user_id, &person)))
		return sr_regerr_internal(err, rc);
	return close_invite(s, actor, &inv, SR_INVITE_REVOKED, "publisher.invite.revoke", org.handle, person.handle, err);
}

int sr_org_invite_revoke(sr_store *s, const sr_user *actor, const char *handle, int64_t invite_id, sr_regerr *err)
{
	int rc = sr_store_begin(s);
	if (rc)
		return sr_regerr_internal(err, rc);
	return end_tx(s, revoke_writes(s, actor, handle, invite_id, err), err);
}
