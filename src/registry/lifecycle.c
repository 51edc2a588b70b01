/*
 * lifecycle.c - what happens to a skill after it is published (api-v1 sections 3.12-3.16):
 * delete and undelete, withdrawing and restoring one version, moving a tag, renaming and
 * merging. Each is one transaction: the rows it changes, the skill's summary of its latest
 * version and the audit log row commit together or not at all.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/util.h"
#include "registry/modstate.h"
#include "registry/registry.h"
#include "registry/semver.h"
#include "registry/slug.h"

static int is_staff(const sr_user *u)
{
	return u->role == SR_ROLE_ADMIN || u->role == SR_ROLE_MODERATOR;
}

/* Whether actor manages the skill's owner: the person who owns it, or an admin or owner of
 * the org that does (the accounts reference, section 3). -1 when the store failed. */
static int manages(sr_store *s, const sr_skill *sk, const sr_user *actor)
{
	int ok = 0;
	return sr_may_act(s, sk->owner_id, actor, SR_PUB_ADMIN, &ok) ? -1 : ok;
}

/* Ends a lifecycle write's transaction: commits when rc is 0, else rolls back. A failure here
 * is internal: every refusal returns before the transaction writes. */
static int finish(sr_store *s, int rc, sr_regerr *err)
{
	if (rc)
		sr_store_rollback(s);
	else
		rc = sr_store_commit(s); /* rolls back by itself when it fails */
	return rc ? sr_regerr_internal(err, rc) : 0;
}

int sr_skill_delete(sr_store *s, const sr_skill *sk, const sr_user *actor, int64_t *reserved_until,
		    sr_regerr *err)
{
	int owner = manages(s, sk, actor);
	*reserved_until = 0;
	if (owner < 0)
		return sr_regerr_internal(err, SR_EDB);
	if (!owner && !is_staff(actor))
		return sr_regerr_set(err, SR_EPERM, SR_WHY_FORBIDDEN, NULL);
	if (sk->moderation_status == SR_SKILL_REMOVED)
		return sr_regerr_set(err, SR_EPERM, SR_WHY_DELETE_REMOVED, NULL);
	if (owner && !is_staff(actor) && !sk->soft_deleted_at && sk->moderation_status == SR_SKILL_HIDDEN)
		return sr_regerr_set(err, SR_EPERM, SR_WHY_DELETE_HIDDEN, NULL);
	int64_t now = sr_now_ms();
	int rc = sr_store_begin(s);
	if (rc)
		return sr_regerr_internal(err, rc);
	if (!sk->soft_deleted_at && (rc = sr_store_skill_soft_delete(s, sk->id, now)))
		return finish(s, rc, err);
	/* Staff deleting someone else's skill also hides it, so the owner's undelete (which
	 * undoes only a deletion) cannot bring it back. */
	if (!owner && (rc = sr_store_skill_hide(s, sk->id, "staff.hidden")))
		return finish(s, rc, err);
	if (owner) {
		*reserved_until = now + SR_SLUG_RESERVE_MS;
		if ((rc = sr_store_reserve_slug(s, sk->slug, sk->owner_id, *reserved_until)))
			return finish(s, rc, err);
	}
	if ((rc = sr_store_audit(s, actor->id, "skill.delete", sk->id, NULL, now)))
		return finish(s, rc, err);
	return finish(s, 0, err);
}

int sr_skill_undelete(sr_store *s, const sr_skill *sk, const sr_user *actor, sr_regerr *err)
{
	int owner = manages(s, sk, actor);
	if (owner < 0)
		return sr_regerr_internal(err, SR_EDB);
	if (!owner && !is_staff(actor))
		return sr_regerr_set(err, SR_EPERM, SR_WHY_FORBIDDEN, NULL);
	/* As ClawHub: an owner never restores a skill a scan found malicious, even one they
	 * deleted themselves; nor a removed one. */
	if (!is_staff(actor) && sr_mod_is_blocked(sk->moderation_flags, sk->moderation_verdict))
		return sr_regerr_set(err, SR_EPERM, SR_WHY_UNDELETE_MALWARE, NULL);
	if (sk->moderation_status == SR_SKILL_REMOVED && !is_staff(actor))
		return sr_regerr_set(err, SR_EPERM, SR_WHY_UNDELETE_HIDDEN, NULL);
	if (!sk->soft_deleted_at && sk->moderation_status == SR_SKILL_ACTIVE)
		return 0;
	/* Owners may undo only their own delete, not a moderation hide. */
	if (!is_staff(actor) && !sk->soft_deleted_at)
		return sr_regerr_set(err, SR_EPERM, SR_WHY_UNDELETE_HIDDEN, NULL);
	int64_t now = sr_now_ms();
	int rc = sr_store_begin(s);
	if (rc)
		return sr_regerr_internal(err, rc);
	/* An owner undoes only the deletion; a moderation hide stays until staff lift it. The
	 * slug was held for the owner while the skill was deleted; it is theirs again. */
	rc = sr_store_skill_undelete(s, sk->id, is_staff(actor));
	if (rc == SR_EEXIST) {
		/* While the skill was deleted (and its reservation over, or never made by a staff
		 * delete) another publisher took the slug: the unique index of migration 0009
		 * refuses a second live owner, and so does the undelete. */
		sr_skill holder;
		int found = sr_slug_holder(s, sk->slug, sk->owner_id, &holder) == 0;
		sr_store_rollback(s);
		return found ? sr_slug_refuse(&holder, err) : sr_regerr_internal(err, rc);
	}
	if (rc || (rc = sr_store_unreserve_slug(s, sk->slug, sk->owner_id)) ||
	    (rc = sr_store_audit(s, actor->id, "skill.undelete", sk->id, NULL, now)))
		return finish(s, rc, err);
	return finish(s, 0, err);
}

int sr_version_ref_take(void *ud, const void *row)
{
	const sr_version_row *v = row;
	sr_version_ref *vi = ud;
	vi->id = v->id;
	vi->soft_deleted_at = v->soft_deleted_at;
	vi->found = 1;
	return 1;
}

struct best {
	int64_t id;
	char version[260];
};

static int pick_best(void *ud, const void *row)
{
	const sr_version_row *v = row;
	struct best *b = ud;
	if (v->soft_deleted_at)
		return 0;
	if (!b->id || sr_semver_cmp_str(v->version, b->version) > 0) {
		b->id = v->id;
		snprintf(b->version, sizeof(b->version), "%s", v->version);
	}
	return 0;
}

/* Points `latest` at the highest live version (after a delete or restore changed the set). */
static int repoint_latest(sr_store *s, int64_t skill_id)
{
	struct best b = {0, ""};
	int rc = sr_store_versions_all(s, skill_id, 100000, pick_best, &b);
	if (rc)
		return rc;
	if (b.id && (rc = sr_store_tag_set(s, skill_id, "latest", b.id)))
		return rc;
	return sr_store_set_latest(s, skill_id, b.id);
}

struct latest_id {
	int64_t id;
	int found;
};

static int take_latest_id(void *ud, const void *row)
{
	const sr_skill_row *r = row;
	struct latest_id *l = ud;
	l->id = r->latest_version_id;
	l->found = 1;
	return 1;
}

static int version_change(sr_store *s, const sr_skill *sk, const char *version, const sr_user *actor,
			  int restore, sr_regerr *err)
{
	int owner = manages(s, sk, actor);
	if (owner < 0)
		return sr_regerr_internal(err, SR_EDB);
	if (!owner && !is_staff(actor))
		return sr_regerr_set(err, SR_EPERM, SR_WHY_FORBIDDEN, NULL);
	int64_t now = sr_now_ms();
	int rc = sr_store_begin(s);
	if (rc)
		return sr_regerr_internal(err, rc);
	/* The version's state and the skill's `latest` are read inside the write transaction, so
	 * concurrent deletes and restores of one version count it once. */
	sr_version_ref vi = {0, 0, 0};
	struct latest_id cur = {0, 0};
	if ((rc = sr_store_version_get(s, sk->id, version, sr_version_ref_take, &vi)) ||
	    (rc = sr_store_skill_by_id(s, sk->id, take_latest_id, &cur)))
		return finish(s, rc, err);
	if (!vi.found) {
		sr_store_rollback(s);
		return sr_regerr_set(err, SR_ENOTFOUND, SR_WHY_VERSION_NOT_FOUND, NULL);
	}
	if (restore ? !vi.soft_deleted_at : vi.soft_deleted_at != 0) {
		sr_store_rollback(s);
		return 0;
	}
	if (restore)
		rc = sr_store_version_restore(s, vi.id);
	else
		rc = sr_store_version_soft_delete(s, vi.id, now);
	if (!rc)
		rc = sr_store_skill_touch(s, sk->id, now, restore ? 1 : -1);
	/* Withdrawing a version drops the tags that name it (a restore does not bring them back,
	 * api-v1 section 3.12); withdrawing the latest moves `latest` to the highest remaining
	 * version; a restore gives `latest` back only to a skill that has none. */
	if (!rc && !restore)
		rc = sr_store_tags_drop_version(s, sk->id, vi.id);
	if (!rc && !restore && cur.id == vi.id)
		rc = repoint_latest(s, sk->id);
	if (!rc && restore && !cur.id)
		rc = repoint_latest(s, sk->id);
	if (!rc)
		rc = sr_store_tags_refresh(s, sk->id);
	if (!rc)
		rc = sr_store_audit(s, actor->id, restore ? "version.restore" : "version.delete", sk->id,
				    version, now);
	return finish(s, rc, err);
}

int sr_version_delete(sr_store *s, const sr_skill *sk, const char *version, const sr_user *actor,
		      sr_regerr *err)
{
	return version_change(s, sk, version, actor, 0, err);
}

int sr_version_restore(sr_store *s, const sr_skill *sk, const char *version, const sr_user *actor,
		       sr_regerr *err)
{
	return version_change(s, sk, version, actor, 1, err);
}

int sr_tag_move(sr_store *s, const sr_skill *sk, const char *tag, const char *version,
		const sr_user *actor, sr_regerr *err)
{
	/* `latest` in any case is `latest`, as ClawHub reads a tag named on this route. */
	int latest = strcasecmp(tag, "latest") == 0;
	if (latest)
		tag = "latest";
	else if (!sr_tag_valid(tag))
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_TAG_INVALID, NULL);
	int64_t now = sr_now_ms();
	int rc = sr_store_begin(s);
	if (rc)
		return sr_regerr_internal(err, rc);
	/* Checked inside the transaction so a concurrent withdraw cannot leave the tag on a
	 * deleted version. */
	sr_version_ref vi = {0, 0, 0};
	if ((rc = sr_store_version_get(s, sk->id, version, sr_version_ref_take, &vi)))
		return finish(s, rc, err);
	/* ClawHub's refusals in its order: a version the skill never had, then the actor's
	 * right (platform admins and moderators may move tags on any skill), then a version
	 * withdrawn since (to a tag it is as good as absent). */
	if (!vi.found) {
		sr_store_rollback(s);
		return sr_regerr_set(err, SR_ENOTFOUND, SR_WHY_TAG_VERSION_UNKNOWN, NULL);
	}
	int owner = manages(s, sk, actor);
	if (owner < 0 || (!owner && !is_staff(actor))) {
		sr_store_rollback(s);
		if (owner < 0)
			return sr_regerr_internal(err, SR_EDB);
		return sr_regerr_set(err, SR_EPERM, SR_WHY_FORBIDDEN, NULL);
	}
	if (vi.soft_deleted_at) {
		sr_store_rollback(s);
		return sr_regerr_set(err, SR_ENOTFOUND, SR_WHY_VERSION_NOT_FOUND, NULL);
	}
	rc = sr_store_tag_set(s, sk->id, tag, vi.id);
	/* Moving `latest` moves the summary every list row shows, in the same transaction. */
	if (!rc && latest)
		rc = sr_store_set_latest(s, sk->id, vi.id);
	if (!rc)
		rc = sr_store_tags_refresh(s, sk->id);
	if (!rc)
		rc = sr_store_audit(s, actor->id, "tag.move", sk->id, tag, now);
	return finish(s, rc, err);
}

/* ---- rename and merge (api-v1 section 3.16) ---- */

int sr_skill_rename(sr_store *s, const sr_skill *sk, const char *new_slug_in, const sr_user *actor,
		    sr_regerr *err)
{
	/* Platform admins may rename any skill; moderators may not (section 3's table). */
	int owner = manages(s, sk, actor);
	if (owner < 0)
		return sr_regerr_internal(err, SR_EDB);
	if (!owner && actor->role != SR_ROLE_ADMIN)
		return sr_regerr_set(err, SR_EPERM, SR_WHY_FORBIDDEN, NULL);
	if (sk->soft_deleted_at)
		return sr_regerr_set(err, SR_ENOTFOUND, SR_WHY_SKILL_NOT_FOUND, NULL);
	char slug[100];
	if (!new_slug_in || sr_slug_normalize(new_slug_in, slug, sizeof(slug)))
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_NEW_SLUG_MISSING, NULL);
	const char *why = sr_slug_check_new(slug);
	if (why)
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_SLUG_INVALID, why);
	/* As ClawHub: renaming a skill to the slug it has succeeds and changes nothing. */
	if (strcmp(slug, sk->slug) == 0)
		return 0;
	int64_t now = sr_now_ms();
	int rc = sr_store_begin(s);
	if (rc)
		return sr_regerr_internal(err, rc);
	/* The new slug must be free in this publisher, except as an old name of this skill. */
	sr_lookup lk;
	rc = sr_lookup_skill(s, slug, sk->owner_handle, NULL, &lk);
	if (rc == 0 && lk.skill.id != sk->id) {
		sr_store_rollback(s);
		return sr_regerr_set(err, SR_EEXIST, SR_WHY_SLUG_TAKEN_BY_OWN, slug);
	}
	if (rc && rc != SR_ENOTFOUND)
		return finish(s, rc, err);
	/* Nor may another publisher hold it, by a live skill or an alias (the same rule as a
	 * new skill's publish). */
	sr_skill other;
	rc = sr_slug_holder(s, slug, sk->owner_id, &other);
	if (rc == 0) {
		sr_store_rollback(s);
		return sr_slug_refuse(&other, err);
	}
	if (rc != SR_ENOTFOUND)
		return finish(s, rc, err);
	int64_t holder;
	rc = sr_store_reserved_slug_holder(s, slug, now, &holder);
	if (rc == 0 && holder != sk->owner_id) {
		sr_store_rollback(s);
		return sr_regerr_set(err, SR_EEXIST, SR_WHY_SLUG_HELD, slug);
	}
	if (rc && rc != SR_ENOTFOUND)
		return finish(s, rc, err);
	if ((rc = sr_store_alias_remove(s, sk->owner_id, slug)) ||
	    (rc = sr_store_alias_set(s, sk->owner_id, sk->slug, sk->id, now)) ||
	    (rc = sr_store_skill_rename(s, sk->id, slug, now)) || (rc = sr_store_search_index(s, sk->id)) ||
	    (rc = sr_store_audit(s, actor->id, "skill.rename", sk->id, slug, now)))
		return finish(s, rc, err);
	return finish(s, 0, err);
}

int sr_skill_merge(sr_store *s, const sr_skill *src, const sr_skill *dst, const sr_user *actor,
		   sr_regerr *err)
{
	/* A merge needs the right on both skills' owners, and nobody bypasses that: not even a
	 * platform admin (section 3). */
	int on_src = manages(s, src, actor), on_dst = manages(s, dst, actor);
	if (on_src < 0 || on_dst < 0)
		return sr_regerr_internal(err, SR_EDB);
	if (!on_src || !on_dst)
		return sr_regerr_set(err, SR_EPERM, SR_WHY_FORBIDDEN, NULL);
	if (src->owner_id != dst->owner_id)
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_MERGE_ACROSS_PUBLISHERS, NULL);
	if (src->id == dst->id)
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_MERGE_INTO_ITSELF, NULL);
	if (src->soft_deleted_at || dst->soft_deleted_at)
		return sr_regerr_set(err, SR_ENOTFOUND, SR_WHY_SKILL_NOT_FOUND, NULL);
	int64_t now = sr_now_ms();
	int rc = sr_store_begin(s);
	if (rc)
		return sr_regerr_internal(err, rc);
	/* The merged skill's slug and old names all lead to the target from now on. */
	if ((rc = sr_store_aliases_repoint(s, src->id, dst->id)) ||
	    (rc = sr_store_alias_set(s, src->owner_id, src->slug, dst->id, now)) ||
	    (rc = sr_store_skill_mark_merged(s, src->id, now)) ||
	    (rc = sr_store_audit(s, actor->id, "skill.merge", src->id, dst->slug, now)))
		return finish(s, rc, err);
	return finish(s, 0, err);
}
