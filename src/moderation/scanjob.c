/*
 * scanjob.c - scans a client asks for, and their status (scanjob.h).
 */
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/util.h"
#include "moderation/moderation.h"
#include "moderation/scanjob.h"
#include "registry/slug.h"

const char *sr_scan_job_status_name(int status)
{
	static const char *const names[] = {"queued", "running", "succeeded", "failed"};
	return status >= SR_JOB_QUEUED && status <= SR_JOB_FAILED ? names[status] : "queued";
}

static int refuse(sr_regerr *err, int code, sr_why why, const char *arg)
{
	return sr_regerr_set(err, code, why, arg);
}

static int is_staff(const sr_user *u)
{
	return u->role == SR_ROLE_MODERATOR || u->role == SR_ROLE_ADMIN;
}

/* The skill a scan names, as ClawHub resolves it for a rescan: with an owner, that owner's
 * skill (an owner that does not exist is its own refusal); without, the one skill the slug
 * or an alias names, refused when several publishers use it. Deleted skills are found; the
 * caller decides whether they count. */
static int find_skill(sr_store *s, const char *name, const char *owner_in, sr_skill *out, sr_regerr *err)
{
	char slug[128], owner[64] = "";
	if (sr_slug_normalize(name ? name : "", slug, sizeof(slug)) || !sr_slug_is_plausible(slug))
		return refuse(err, SR_ENOTFOUND, SR_WHY_SCAN_SKILL_NOT_FOUND, NULL);
	if (owner_in && owner_in[0]) {
		sr_owner_normalize(owner_in, owner, sizeof(owner));
		sr_user u;
		int rc = sr_store_user_by_handle(s, owner, &u);
		if (rc == SR_ENOTFOUND)
			return refuse(err, SR_ENOTFOUND, SR_WHY_SCAN_OWNER_NOT_FOUND, owner);
		if (rc)
			return sr_regerr_internal(err, rc);
	}
	sr_lookup lk;
	/* Staff as the caller: a deleted skill that the slug alone names is found. */
	static const sr_user anyone_staff = {.role = SR_ROLE_ADMIN};
	int rc = sr_lookup_skill(s, slug, owner[0] ? owner : NULL, &anyone_staff, &lk);
	if (rc == SR_ENOTFOUND)
		return refuse(err, rc, SR_WHY_SCAN_SKILL_NOT_FOUND, NULL);
	if (rc == SR_ECONFLICT)
		return refuse(err, rc, SR_WHY_SCAN_AMBIGUOUS, NULL);
	if (rc)
		return sr_regerr_internal(err, rc);
	*out = lk.skill;
	return 0;
}

/* Whether actor may act on the skill's scans: staff always, else its personal owner or a
 * member of its org holding at least org_role. */
static int may_scan(sr_store *s, const sr_user *actor, const sr_skill *sk, int org_role, sr_regerr *err)
{
	if (is_staff(actor))
		return 0;
	int ok = 0;
	int rc = sr_may_act(s, sk->owner_id, actor, org_role, &ok);
	if (rc)
		return sr_regerr_internal(err, rc);
	return ok ? 0 : refuse(err, SR_EPERM, SR_WHY_SCAN_FORBIDDEN, NULL);
}

/* The version a request names (default latest); a withdrawn one does not count. */
static int find_version(sr_store *s, const sr_skill *sk, const char *version, int allow_deleted,
			sr_version_ref *out, sr_regerr *err)
{
	memset(out, 0, sizeof(*out));
	int rc = 0;
	if (version && version[0])
		rc = sr_store_version_get(s, sk->id, version, sr_version_ref_take, out);
	else if (sk->latest_version_id)
		rc = sr_store_version_by_id(s, sk->latest_version_id, sr_version_ref_take, out);
	if (rc)
		return sr_regerr_internal(err, rc);
	if (!out->found || (out->soft_deleted_at && !allow_deleted))
		return refuse(err, SR_ENOTFOUND, SR_WHY_SCAN_VERSION_NOT_FOUND, NULL);
	return 0;
}

int sr_scan_job_submit(sr_store *s, const sr_user *actor, const sr_scan_request *in, int64_t *job_id,
		       sr_regerr *err)
{
	sr_skill sk;
	sr_version_ref v;
	int rc = find_skill(s, in->slug, in->owner_handle, &sk, err);
	if (!rc && sk.soft_deleted_at)
		rc = refuse(err, SR_ENOTFOUND, SR_WHY_SCAN_SKILL_NOT_FOUND, NULL);
	if (!rc)
		rc = may_scan(s, actor, &sk, SR_PUB_ADMIN, err);
	if (!rc)
		rc = find_version(s, &sk, in->version, 0, &v, err);
	if (rc)
		return rc;
	int64_t now = sr_now_ms();
	if ((rc = sr_store_begin(s)))
		return sr_regerr_internal(err, rc);
	sr_scan_job j = {.requester_id = actor->id, .skill_id = sk.id, .version_id = v.id, .created_at = now,
			 .update = in->update != 0};
	char detail[200];
	snprintf(detail, sizeof(detail), "version_id=%lld update=%d", (long long)v.id, j.update);
	rc = sr_store_version_scan_request(s, sk.id, v.id, now);
	if (!rc)
		rc = sr_store_scan_job_add(s, &j, job_id);
	if (!rc)
		rc = sr_store_audit(s, actor->id, "skill.scan.request", sk.id, detail, now);
	if (!rc)
		rc = sr_store_commit(s);
	else
		sr_store_rollback(s);
	return rc ? sr_regerr_internal(err, rc) : 0;
}

struct place {
	int64_t version_id;
	int ahead, found;
};

static int place_row(void *ud, const void *row)
{
	const sr_key_row *k = row;
	struct place *p = ud;
	if (k->id == p->version_id) {
		p->found = 1;
		return 1;
	}
	p->ahead++;
	return 0;
}

struct count_files {
	int64_t n;
};

static int take_count(void *ud, const void *row)
{
	((struct count_files *)ud)->n = ((const sr_version_row *)row)->file_count;
	return 1;
}

/* Fills the status, queue place and times of a view whose vs and job are read. A version
 * scanned since the request is finished; a claimed one is running; else it waits, and its
 * place is counted over at most SR_SCAN_JOB_QUEUE_LOOK versions of the queue. */
static int fill_status(sr_store *s, sr_scan_view *out)
{
	const sr_version_scan *vs = &out->vs;
	int finished = (vs->state == SR_SCAN_DONE || vs->state == SR_SCAN_ERROR) && vs->scanned_at >= out->job.created_at;
	int64_t now = sr_now_ms();
	out->updated_at = out->job.created_at;
	if (finished) {
		out->status = vs->state == SR_SCAN_DONE ? SR_JOB_SUCCEEDED : SR_JOB_FAILED;
		out->completed_at = out->updated_at = vs->scanned_at;
	} else if (vs->state == SR_SCAN_PENDING && vs->claimed_at && now - vs->claimed_at < SR_SCAN_LEASE_MS) {
		out->status = SR_JOB_RUNNING;
		out->updated_at = vs->claimed_at > out->job.created_at ? vs->claimed_at : out->job.created_at;
	} else {
		out->status = SR_JOB_QUEUED;
	}
	struct count_files cf = {0};
	int rc = sr_store_version_by_id(s, vs->id, take_count, &cf);
	out->file_count = cf.n;
	if (rc || out->status != SR_JOB_QUEUED)
		return rc;
	struct place p = {vs->id, 0, 0};
	rc = sr_store_scan_queue(s, -1, -1, SR_SCAN_JOB_QUEUE_LOOK, place_row, &p);
	out->queued_ahead = p.ahead;
	out->ahead_is_estimate = !p.found;
	out->position = p.found ? p.ahead + 1 : 0;
	return rc;
}

struct skill_out {
	sr_skill *sk;
	int *found;
};

static int take_skill(void *ud, const void *row)
{
	struct skill_out *o = ud;
	sr_skill_copy(o->sk, row);
	*o->found = 1;
	return 1;
}

int sr_scan_job_view(sr_store *s, const sr_user *actor, int64_t job_id, sr_scan_view *out, sr_regerr *err)
{
	memset(out, 0, sizeof(*out));
	int rc = sr_store_scan_job_get(s, job_id, &out->job);
	if (rc == SR_ENOTFOUND)
		return refuse(err, rc, SR_WHY_SCAN_NOT_FOUND, NULL);
	if (rc)
		return sr_regerr_internal(err, rc);
	if (out->job.requester_id != actor->id && !is_staff(actor))
		return refuse(err, SR_EPERM, SR_WHY_SCAN_FORBIDDEN, NULL);
	if ((rc = sr_store_version_scan_get(s, out->job.version_id, &out->vs)))
		return sr_regerr_internal(err, rc);
	int found = 0;
	struct skill_out so = {&out->skill, &found};
	if ((rc = sr_store_skill_by_id(s, out->job.skill_id, take_skill, &so)) || !found)
		return sr_regerr_internal(err, rc ? rc : SR_ENOTFOUND);
	if ((rc = fill_status(s, out)))
		return sr_regerr_internal(err, rc);
	return 0;
}

int sr_scan_stored_view(sr_store *s, const sr_user *actor, const char *name, const char *owner_handle,
			const char *version, sr_scan_view *out, sr_regerr *err)
{
	memset(out, 0, sizeof(*out));
	sr_version_ref v;
	int rc = find_skill(s, name, owner_handle, &out->skill, err);
	if (!rc)
		rc = may_scan(s, actor, &out->skill, SR_PUB_PUBLISHER, err);
	if (!rc)
		rc = find_version(s, &out->skill, version, 1, &v, err);
	if (rc)
		return rc;
	if ((rc = sr_store_version_scan_get(s, v.id, &out->vs)))
		return sr_regerr_internal(err, rc);
	/* Results exist once a scan finished; a version never scanned, or waiting for its first
	 * scan, has none to give. */
	if (!out->vs.scanned_at)
		return refuse(err, SR_ENOTFOUND, SR_WHY_SCAN_RESULTS_NOT_FOUND, NULL);
	out->job.skill_id = out->skill.id;
	out->job.version_id = v.id;
	out->job.created_at = out->vs.scanned_at;
	out->job.update = 1;
	if ((rc = fill_status(s, out)))
		return sr_regerr_internal(err, rc);
	/* Stored results are whatever the last finished scan left, even while a newer one
	 * waits, and ClawHub names them as a finished scan whatever their verdict. */
	out->status = SR_JOB_SUCCEEDED;
	out->completed_at = out->updated_at = out->vs.scanned_at;
	return 0;
}
