/*
 * transfer.c - ownership transfers (the accounts reference, section 4): a skill's owner asks
 * another person to take it, the person accepts or rejects, the owner may cancel, and an
 * unanswered request expires after seven days. A skill moved to an org the actor administers,
 * or to the actor's own account, moves at once without a request.
 *
 * Who may move a skill: the person who owns it, an admin or owner of the org that owns it, or
 * a platform admin. Every step writes an audit_log row in its own transaction, and the
 * request rows stay after they end (status, resolved_at, resolved_by), so the two parties and
 * staff can read who did what and when. An accept moves the skill and its aliases, ends the
 * request and writes its audit row in one transaction, or does none of it.
 *
 * A publish may move a skill too (`migrateOwner`, publish.c): its checks and its move are
 * here, so that it moves a skill as the transfers do, inside the publish's transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/util.h"
#include "registry/modstate.h"
#include "registry/registry.h"

int sr_transfer_lookup(sr_store *s, const char *slug, const char *owner, const sr_user *actor, sr_skill *out,
		       sr_regerr *err)
{
	/* Live skills only, except that a platform admin also reaches a deleted one; a slug two
	 * publishers share is as unknown as a missing one (ClawHub answers both 404). */
	int admin = actor && actor->role == SR_ROLE_ADMIN;
	sr_lookup lk;
	int rc = sr_lookup_skill(s, slug, owner, admin ? actor : NULL, &lk);
	if (rc == SR_ENOTFOUND || rc == SR_ECONFLICT || (rc == 0 && lk.skill.soft_deleted_at && !admin))
		return sr_regerr_set(err, SR_ENOTFOUND, SR_WHY_SKILL_NOT_FOUND, NULL);
	if (rc)
		return sr_regerr_internal(err, rc);
	*out = lk.skill;
	return 0;
}

/* A scan verdict or flag that ClawHub's transfers refuse (suspicious, malicious, malware). */
static int unsafe(const sr_skill *sk)
{
	return sk->is_suspicious || sr_mod_is_blocked(sk->moderation_flags, sk->moderation_verdict) ||
	       sk->moderation_verdict == SR_VERDICT_SUSPICIOUS || sk->moderation_verdict == SR_VERDICT_MALICIOUS;
}

/* Whether moderation holds the skill where it is: deleted, hidden (a scan still pending
 * included: ClawHub hides a skill until its scan ends), removed, or unsafe. */
static int blocked(const sr_skill *sk)
{
	return sk->soft_deleted_at || sk->moderation_status != SR_SKILL_ACTIVE ||
	       sr_reason_is_pending(sk->moderation_reason) || unsafe(sk);
}

/* Whether u may give the skill away: its owner, an admin or owner of its org, or a platform
 * admin. -1 when the store failed. */
static int may_give(sr_store *s, int64_t owner_id, const sr_user *u)
{
	int ok = 0;
	if (sr_may_act(s, owner_id, u, SR_PUB_ADMIN, &ok))
		return -1;
	return ok || u->role == SR_ROLE_ADMIN;
}

/* Ends a transaction: commits when rc is 0, else rolls back; a failure is internal. */
static int finish(sr_store *s, int rc, sr_regerr *err)
{
	if (rc)
		sr_store_rollback(s);
	else
		rc = sr_store_commit(s);
	return rc ? sr_regerr_internal(err, rc) : 0;
}

/* Rolls back and returns the refusal already in err. */
static int refuse(sr_store *s, int rc)
{
	sr_store_rollback(s);
	return rc;
}

/* Ends s at most max bytes in, at the start of a UTF-8 character, so a cut never leaves
 * half a character (which PostgreSQL's text refuses). */
static void utf8_cut(char *s, size_t max)
{
	if (strlen(s) <= max)
		return;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	s[max] = '\0';
}

/* A copy of message with the white space around it trimmed and at most
 * SR_TRANSFER_MESSAGE_MAX bytes kept; NULL when nothing is left (an empty message is dropped)
 * or on allocation failure (*oom set). */
static char *trimmed(const char *message, int *oom)
{
	*oom = 0;
	if (!message)
		return NULL;
	char *m = sr_trim_dup(message, strlen(message));
	if (!m) {
		*oom = 1;
		return NULL;
	}
	if (!m[0]) {
		free(m);
		return NULL;
	}
	utf8_cut(m, SR_TRANSFER_MESSAGE_MAX);
	return m;
}

/* The first row of a lookup read (sr_skill_row) into an sr_skill; ud is struct first. */
struct first {
	sr_skill sk;
	int found;
};

static int take_first(void *ud, const void *row)
{
	struct first *f = ud;
	if (!f->found)
		sr_skill_copy(&f->sk, row);
	f->found = 1;
	return 1;
}

/* Whether the publisher dest_id already holds slug, so sk cannot come to it under that slug:
 * a live skill of its own other than sk (*what 1), or an alias of its own naming another
 * skill (*what 2); 0 when slug is free there. */
static int dest_holds(sr_store *s, int64_t dest_id, const char *slug, const sr_skill *sk, int *what)
{
	struct first f = {.found = 0};
	*what = 0;
	int rc = sr_store_lookup_owner_slug(s, dest_id, slug, take_first, &f);
	if (rc)
		return rc;
	if (f.found && f.sk.id != sk->id && !f.sk.soft_deleted_at) {
		*what = 1;
		return 0;
	}
	f.found = 0;
	if ((rc = sr_store_lookup_owner_alias(s, dest_id, slug, take_first, &f)))
		return rc;
	if (f.found && f.sk.id != sk->id)
		*what = 2;
	return 0;
}

/* The refusal that names a slug the destination holds: ClawHub's argument is
 * `@h already has skill "slug"` or `@h already has a redirect for skill "slug"`. */
static int dest_refuse(sr_regerr *err, sr_why skill_why, int what, const char *handle, const char *slug)
{
	char arg[300];
	snprintf(arg, sizeof(arg), what == 2 ? "@%.63s already has a redirect for skill \"%.99s\"" : "@%.63s already has skill \"%.99s\"",
		 handle, slug);
	return sr_regerr_set(err, SR_EEXIST, what == 2 ? SR_WHY_DEST_HAS_ALIAS : skill_why, arg);
}

/* ---- moving at once (to an org, or to the actor's own account) ---- */

/* Inside the caller's transaction, the skill row (and with it its versions, tags, stats and
 * stars, which are keyed by the skill) becomes dest's. Refused when dest has a skill of that
 * slug, a deleted one included; dest's own redirect of the slug gives way to the skill
 * itself. Refusals and failures are in err; the caller rolls back. */
static int move_skill_row(sr_store *s, const sr_skill *sk, const sr_user *dest, int64_t now, sr_regerr *err)
{
	int what, rc = dest_holds(s, dest->id, sk->slug, sk, &what);
	if (rc)
		return sr_regerr_internal(err, rc);
	if (what == 1)
		return dest_refuse(err, SR_WHY_MIGRATE_DEST_HAS_SKILL, 1, dest->handle, sk->slug);
	if (what == 2 && (rc = sr_store_alias_remove(s, dest->id, sk->slug)))
		return sr_regerr_internal(err, rc);
	rc = sr_store_skill_set_owner(s, sk->id, dest->id, now);
	if (rc == SR_EEXIST) /* a deleted skill of the destination keeps the slug */
		return dest_refuse(err, SR_WHY_MIGRATE_DEST_HAS_SKILL, 1, dest->handle, sk->slug);
	return rc ? sr_regerr_internal(err, rc) : 0;
}

/* The destination of an immediate move: found, alive, and one the actor administers. */
static int check_dest(sr_store *s, const sr_user *actor, const char *handle, sr_user *dest, int *kind_out,
		      sr_regerr *err)
{
	char at[80];
	snprintf(at, sizeof(at), "@%s", handle);
	int kind = SR_USER_PERSON, rc = sr_store_user_by_handle(s, handle, dest);
	if (rc == 0)
		rc = sr_store_user_kind(s, dest->id, &kind, NULL);
	*kind_out = kind;
	if (rc == SR_ENOTFOUND)
		return sr_regerr_set(err, SR_ENOTFOUND, SR_WHY_PUBLISHER_NOT_FOUND, at);
	if (rc)
		return sr_regerr_internal(err, rc);
	int ok = actor->role == SR_ROLE_ADMIN || dest->id == actor->id;
	if (!ok && kind == SR_USER_ORG && (rc = sr_may_act(s, dest->id, actor, SR_PUB_ADMIN, &ok)))
		return sr_regerr_internal(err, rc);
	if (!ok)
		return sr_regerr_set(err, SR_EPERM, SR_WHY_NO_ADMIN_ACCESS, handle);
	if (kind == SR_USER_PERSON && dest->deactivated_at)
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_DEST_USER_NOT_FOUND, NULL);
	return 0;
}

static int move_now(sr_store *s, const sr_skill *sk, const sr_user *actor, const char *handle, const char *message,
		    sr_transfer_out *out, sr_regerr *err)
{
	int give = may_give(s, sk->owner_id, actor);
	if (give < 0)
		return sr_regerr_internal(err, SR_EDB);
	if (!give)
		return sr_regerr_set(err, SR_EPERM, SR_WHY_FORBIDDEN, NULL);
	/* A platform admin may move a skill its owner deleted (not one staff took down). */
	int deleted_ok = actor->role == SR_ROLE_ADMIN && sk->soft_deleted_at &&
			 sk->moderation_status == SR_SKILL_ACTIVE && !unsafe(sk);
	if (blocked(sk) && !deleted_ok)
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_TRANSFER_MODERATION, NULL);
	sr_user dest;
	int kind;
	int rc = check_dest(s, actor, handle, &dest, &kind, err);
	if (rc)
		return rc;
	int64_t now = sr_now_ms();
	if ((rc = sr_store_begin(s)))
		return sr_regerr_internal(err, rc);
	/* The skill's redirects stay with their owner, as ClawHub's immediate move leaves them. */
	if (dest.id != sk->owner_id && (rc = move_skill_row(s, sk, &dest, now, err)))
		return refuse(s, rc);
	/* A byte more than the cut, so utf8_cut sees whether byte 200 starts a character. */
	char reason[202], detail[400];
	snprintf(reason, sizeof(reason), "%s", message ? message : "");
	utf8_cut(reason, 200);
	snprintf(detail, sizeof(detail), "@%s -> @%s%s%s", sk->owner_handle, dest.handle, message ? ": " : "", reason);
	if ((rc = sr_store_audit(s, actor->id, "skill.owner.transfer", sk->id, detail, now)))
		return finish(s, rc, err);
	if ((rc = finish(s, 0, err)))
		return rc;
	out->transferred = 1;
	snprintf(out->to_handle, sizeof(out->to_handle), "%s", dest.handle);
	/* ClawHub names the person behind the new owner: the org's mover, or the person. */
	out->owner_user_id = kind == SR_USER_ORG ? actor->id : dest.id;
	out->owner_publisher_id = dest.id;
	return 0;
}

/* ---- requests to a person ---- */

static int ask(sr_store *s, const sr_skill *sk, const sr_user *actor, const char *handle, const char *message,
	       sr_transfer_out *out, sr_regerr *err)
{
	int give = may_give(s, sk->owner_id, actor);
	if (give < 0)
		return sr_regerr_internal(err, SR_EDB);
	if (!give)
		return sr_regerr_set(err, SR_EPERM, SR_WHY_FORBIDDEN, NULL);
	sr_user to;
	int rc = sr_store_user_by_handle(s, handle, &to);
	if (rc == SR_ENOTFOUND || (rc == 0 && to.deactivated_at))
		return sr_regerr_set(err, SR_ENOTFOUND, SR_WHY_USER_NOT_FOUND, NULL);
	if (rc)
		return sr_regerr_internal(err, rc);
	int64_t now = sr_now_ms();
	sr_transfer t = {.skill_id = sk->id, .from_user_id = actor->id, .to_user_id = to.id,
			 .created_at = now, .expires_at = now + SR_TRANSFER_TTL_MS};
	char detail[300];
	snprintf(detail, sizeof(detail), "to @%s", to.handle);
	if ((rc = sr_store_begin(s)))
		return sr_regerr_internal(err, rc);
	/* A request past its time gives way; a live one refuses a second (the partial unique
	 * index refuses it even against a concurrent request). */
	if ((rc = sr_store_transfer_expire(s, sk->id, now)))
		return finish(s, rc, err);
	rc = sr_store_transfer_add(s, &t, message, &out->transfer_id);
	if (rc == SR_EEXIST)
		return refuse(s, sr_regerr_set(err, SR_EINVAL, SR_WHY_TRANSFER_PENDING, NULL));
	if (rc || (rc = sr_store_audit(s, actor->id, "skill.transfer.request", sk->id, detail, now)))
		return finish(s, rc, err);
	if ((rc = finish(s, 0, err)))
		return rc;
	out->expires_at = t.expires_at;
	snprintf(out->to_handle, sizeof(out->to_handle), "%s", to.handle);
	return 0;
}

int sr_transfer_request(sr_store *s, const sr_skill *sk, const sr_user *actor, const sr_transfer_req *req,
			sr_transfer_out *out, sr_regerr *err)
{
	memset(out, 0, sizeof(*out));
	char handle[64];
	sr_handle_normalize(req->to_handle ? req->to_handle : "", handle, sizeof(handle));
	if (!handle[0])
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_TO_USER_REQUIRED, NULL);
	int oom;
	char *message = trimmed(req->message, &oom);
	if (oom)
		return sr_regerr_internal(err, SR_ENOMEM);
	if (sk->soft_deleted_at && !message)
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_TRANSFER_MESSAGE_REQUIRED, NULL);
	/* ClawHub's two modes: a request the recipient answers, unless the skill is deleted, the
	 * client named an owner (toOwner), or the destination is an org or the actor's own
	 * account, which move at once. */
	sr_user dest;
	int kind = SR_USER_PERSON;
	int rc = sr_store_user_by_handle(s, handle, &dest);
	if (rc == 0)
		rc = sr_store_user_kind(s, dest.id, &kind, NULL);
	if (rc && rc != SR_ENOTFOUND) {
		free(message);
		return sr_regerr_internal(err, rc);
	}
	int at_once = sk->soft_deleted_at || req->to_owner || (rc == 0 && (kind == SR_USER_ORG || dest.id == actor->id));
	rc = at_once ? move_now(s, sk, actor, handle, message, out, err) : ask(s, sk, actor, handle, message, out, err);
	free(message);
	return rc;
}

/* ---- answers: accept, reject, cancel ---- */

/* Ends a request the accept found no longer good: cancelled, by the recipient, with why in
 * the audit row; the refusal is committed with it. */
static int void_request(sr_store *s, const sr_transfer *t, const sr_user *actor, sr_why why, const char *detail,
			int64_t now, sr_regerr *err)
{
	int changed, rc = sr_store_transfer_finish(s, t->id, SR_TRANSFER_CANCELLED, actor->id, now, &changed);
	if (!rc)
		rc = sr_store_audit(s, actor->id, "skill.transfer.void", t->skill_id, detail, now);
	if ((rc = finish(s, rc, err)))
		return rc;
	return sr_regerr_set(err, SR_EINVAL, why, NULL);
}

/* Whether the requester may still give the skill away: in good standing and still entitled. */
static int requester_ok(sr_store *s, const sr_transfer *t, const sr_skill *sk, int *ok)
{
	sr_user from;
	*ok = 0;
	int rc = sr_store_user_by_id(s, t->from_user_id, &from);
	if (rc == SR_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	int give = from.deactivated_at ? 0 : may_give(s, sk->owner_id, &from);
	if (give < 0)
		return SR_EDB;
	*ok = give;
	return 0;
}

struct slugs {
	char (*slug)[100];
	int n, max;
};

static int add_slug(void *ud, const void *row)
{
	struct slugs *l = ud;
	const char *slug = *(const char *const *)row;
	if (l->n < l->max && slug)
		snprintf(l->slug[l->n++], sizeof(l->slug[0]), "%s", slug);
	return 0;
}

#define SR_TRANSFER_MAX_ALIASES 64

/* The accept after its checks: the skill and its aliases move to the actor, unless the actor
 * already holds one of their slugs (then the request stays pending). */
/* Whether dest holds none of the slugs that move with sk to it: its aliases, and with
 * with_slug its slug too. The first one dest holds refuses, in skill_why's words (or, for a
 * redirect of dest's own, SR_WHY_DEST_HAS_ALIAS). Refusals and failures are in err. */
static int dest_free(sr_store *s, const sr_skill *sk, const sr_user *dest, int with_slug, sr_why skill_why,
		     sr_regerr *err)
{
	char slug[SR_TRANSFER_MAX_ALIASES + 1][100];
	struct slugs l = {slug, 0, SR_TRANSFER_MAX_ALIASES + 1};
	if (with_slug)
		snprintf(slug[l.n++], sizeof(slug[0]), "%s", sk->slug);
	int rc = sr_store_aliases_of_skill(s, sk->id, SR_TRANSFER_MAX_ALIASES, add_slug, &l);
	for (int i = 0; !rc && i < l.n; i++) {
		int what;
		if ((rc = dest_holds(s, dest->id, slug[i], sk, &what)))
			break;
		if (what)
			return dest_refuse(err, skill_why, what, dest->handle, slug[i]);
	}
	return rc ? sr_regerr_internal(err, rc) : 0;
}

static int take_over(sr_store *s, const sr_transfer *t, const sr_skill *sk, const sr_user *actor, int64_t now,
		     sr_regerr *err)
{
	int rc = dest_free(s, sk, actor, 1, SR_WHY_DEST_HAS_SKILL, err);
	if (rc)
		return refuse(s, rc);
	rc = sr_store_skill_set_owner(s, sk->id, actor->id, now);
	if (rc == SR_EEXIST) /* a deleted skill of the recipient keeps the slug */
		return refuse(s, dest_refuse(err, SR_WHY_DEST_HAS_SKILL, 1, actor->handle, sk->slug));
	int changed = 0;
	char detail[200];
	snprintf(detail, sizeof(detail), "from @%s", sk->owner_handle);
	if (rc || (rc = sr_store_aliases_move(s, sk->id, actor->id)) ||
	    (rc = sr_store_transfer_finish(s, t->id, SR_TRANSFER_ACCEPTED, actor->id, now, &changed)) ||
	    (rc = sr_store_audit(s, actor->id, "skill.transfer.accept", sk->id, detail, now)))
		return finish(s, rc, err);
	return finish(s, 0, err);
}

static int accept(sr_store *s, const sr_transfer *t, int64_t skill_id, const sr_user *actor, int64_t now,
		  sr_regerr *err)
{
	/* The skill as it is now, inside the transaction: moderation or its owner may have
	 * changed since the request. */
	struct first f = {.found = 0};
	int rc = sr_store_skill_by_id(s, skill_id, take_first, &f);
	if (rc)
		return finish(s, rc, err);
	if (!f.found || f.sk.soft_deleted_at)
		return refuse(s, sr_regerr_set(err, SR_ENOTFOUND, SR_WHY_SKILL_NOT_FOUND, NULL));
	if (blocked(&f.sk))
		return void_request(s, t, actor, SR_WHY_ACCEPT_MODERATION, "under moderation", now, err);
	int ok;
	if ((rc = requester_ok(s, t, &f.sk, &ok)))
		return finish(s, rc, err);
	if (!ok)
		return void_request(s, t, actor, SR_WHY_TRANSFER_INVALID, "requester no longer entitled", now, err);
	return take_over(s, t, &f.sk, actor, now, err);
}

int sr_transfer_decide(sr_store *s, const sr_skill *sk, const sr_user *actor, int decision, sr_regerr *err)
{
	static const char *const actions[] = {"skill.transfer.accept", "skill.transfer.reject", "skill.transfer.cancel"};
	if (decision < SR_TRANSFER_DO_ACCEPT || decision > SR_TRANSFER_DO_CANCEL)
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_INTERNAL, NULL);
	int64_t now = sr_now_ms();
	int rc = sr_store_begin(s);
	if (rc)
		return sr_regerr_internal(err, rc);
	/* A request past its time is marked expired here, and stays so whatever follows. */
	sr_transfer t;
	if ((rc = sr_store_transfer_expire(s, sk->id, now)))
		return finish(s, rc, err);
	rc = sr_store_transfer_pending(s, sk->id, &t);
	if (rc && rc != SR_ENOTFOUND)
		return finish(s, rc, err);
	int64_t party = decision == SR_TRANSFER_DO_CANCEL ? t.from_user_id : t.to_user_id;
	if (rc == SR_ENOTFOUND || party != actor->id) {
		if ((rc = finish(s, 0, err)))
			return rc;
		return sr_regerr_set(err, SR_ENOTFOUND, SR_WHY_NO_PENDING_TRANSFER, NULL);
	}
	if (decision == SR_TRANSFER_DO_ACCEPT)
		return accept(s, &t, sk->id, actor, now, err);
	int changed = 0;
	if ((rc = sr_store_transfer_finish(s, t.id, decision == SR_TRANSFER_DO_REJECT ? SR_TRANSFER_REJECTED
										     : SR_TRANSFER_CANCELLED,
					   actor->id, now, &changed)) ||
	    (rc = sr_store_audit(s, actor->id, actions[decision], sk->id, NULL, now)))
		return finish(s, rc, err);
	return finish(s, 0, err);
}

/* ---- moving by publishing (`migrateOwner`) ---- */

/* Whether a live skill of a publisher other than the two named holds the slug (rows of
 * sr_store_lookup_slug); ud is struct third. */
struct third {
	int64_t a, b;
	int found;
};

static int third_row(void *ud, const void *row)
{
	struct third *t = ud;
	sr_skill sk;
	sr_skill_copy(&sk, row);
	if (!sk.soft_deleted_at && sk.owner_id != t->a && sk.owner_id != t->b)
		t->found = 1;
	return t->found;
}

int sr_migration_check(sr_store *s, const sr_user *actor, const char *source_handle, const sr_user *dest,
		       const char *slug, sr_skill *sk, sr_regerr *err)
{
	char handle[64], arg[300];
	sr_owner_normalize(source_handle, handle, sizeof(handle));
	snprintf(arg, sizeof(arg), "@%.63s does not have skill \"%.99s\"", handle, slug);
	/* dest's own redirect of the slug does not count: it gives way to the skill. */
	sr_skill none = {.id = 0};
	snprintf(none.slug, sizeof(none.slug), "%s", slug);
	int what, rc = dest_holds(s, dest->id, slug, &none, &what);
	if (rc)
		return sr_regerr_internal(err, rc);
	if (what == 1)
		return dest_refuse(err, SR_WHY_MIGRATE_DEST_HAS_SKILL, 1, dest->handle, slug);
	sr_user source;
	rc = sr_store_user_by_handle(s, handle, &source);
	if (rc == SR_ENOTFOUND)
		return sr_regerr_set(err, SR_ENOTFOUND, SR_WHY_MIGRATE_SOURCE_LACKS, arg);
	if (rc)
		return sr_regerr_internal(err, rc);
	struct first f = {.found = 0};
	if ((rc = sr_store_lookup_owner_slug(s, source.id, slug, take_first, &f)))
		return sr_regerr_internal(err, rc);
	if (!f.found)
		return sr_regerr_set(err, SR_ENOTFOUND, SR_WHY_MIGRATE_SOURCE_LACKS, arg);
	/* With a third holder, moving the source's skill would leave the slug's bare address to
	 * a different skill than before. */
	struct third th = {source.id, dest->id, 0};
	if ((rc = sr_store_lookup_slug(s, slug, SR_LOOKUP_MAX_MATCHES * 2, third_row, &th)))
		return sr_regerr_internal(err, rc);
	if (th.found)
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_MIGRATE_SLUG_SHARED, NULL);
	/* Admin rights on both sides (a person is the owner of their own); a platform admin has
	 * none here, publishing not being a staff command. Without them the slug is another's. */
	int ok_src = 0, ok_dest = 0;
	if ((rc = sr_may_act(s, source.id, actor, SR_PUB_ADMIN, &ok_src)) ||
	    (rc = sr_may_act(s, dest->id, actor, SR_PUB_ADMIN, &ok_dest)))
		return sr_regerr_internal(err, rc);
	if (!ok_src || !ok_dest)
		return sr_slug_refuse(&f.sk, err);
	if (blocked(&f.sk))
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_TRANSFER_MODERATION, NULL);
	*sk = f.sk;
	return 0;
}

int sr_migration_move(sr_store *s, const sr_skill *sk, const sr_user *actor, const sr_user *dest, int64_t now,
		      sr_regerr *err)
{
	/* The skill's aliases go with it, as an accepted transfer's do, so that each stays the
	 * property of the publisher of the skill it names. */
	int rc = dest_free(s, sk, dest, 0, SR_WHY_MIGRATE_DEST_HAS_SKILL, err);
	if (!rc)
		rc = move_skill_row(s, sk, dest, now, err);
	if (rc)
		return rc;
	char detail[200];
	snprintf(detail, sizeof(detail), "@%s -> @%s", sk->owner_handle, dest->handle);
	if ((rc = sr_store_aliases_move(s, sk->id, dest->id)) ||
	    (rc = sr_store_audit(s, actor->id, "skill.owner.migrate", sk->id, detail, now)))
		return sr_regerr_internal(err, rc);
	return 0;
}

/* ---- lists ---- */

struct live_only {
	sr_row_fn fn;
	void *ud;
};

static int live_row(void *ud, const void *row)
{
	const sr_transfer_row *r = row;
	struct live_only *l = ud;
	if (r->skill_deleted_at || r->other_deactivated_at)
		return 0;
	return l->fn(l->ud, row);
}

int sr_transfers_pending(sr_store *s, int64_t user_id, int outgoing, sr_row_fn fn, void *ud)
{
	/* ClawHub lists a person's live requests whole, with no paging; the ceiling bounds the
	 * read. Requests for a deleted skill or with a banned other party are left out. */
	struct live_only l = {fn, ud};
	return sr_store_transfers_list(s, user_id, outgoing, sr_now_ms(), SR_TRANSFER_LIST_MAX, live_row, &l);
}

const char *sr_transfer_status_name(int status)
{
	static const char *const names[] = {"pending", "accepted", "rejected", "cancelled", "expired"};
	return status >= 0 && status <= SR_TRANSFER_EXPIRED ? names[status] : "pending";
}
