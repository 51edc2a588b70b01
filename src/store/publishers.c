/*
 * publishers.c - org publishers, their members, ownership transfer requests and scan jobs
 * (store.h, "org publishers, ownership transfers, scan jobs"; migration 0015). An org is a
 * row of users with kind 1, so everything that joins a skill to its owner reads orgs and
 * people alike. Dialect-neutral, over internal.h.
 */
#include <string.h>

#include "core/err.h"
#include "store/internal.h"

int sr_store_user_kind(sr_store *s, int64_t id, int *kind, int *trusted)
{
	sr__stmt *st = sr__query(s, Q_USER_KIND, "I", id);
	if (!st)
		return SR_EDB;
	int rc = sr__step(s, st);
	if (rc != SR__ROW)
		return rc == SR__DONE ? SR_ENOTFOUND : rc;
	*kind = sr__col_int(st, 0);
	if (trusted)
		*trusted = sr__col_int(st, 1);
	sr__reset(st);
	return 0;
}

int sr_store_org_add(sr_store *s, const char *handle, const char *display_name, int trusted,
		     int64_t now, int64_t *id_out)
{
	int rc = sr__run(s, Q_ORG_ADD, "ttiI", handle, display_name, trusted, now);
	if (!rc && id_out)
		*id_out = sr__last_id(s);
	return rc;
}

int sr_store_org_update(sr_store *s, int64_t id, const char *display_name, int trusted)
{
	return sr__run(s, Q_ORG_UPDATE, "Iti", id, display_name, trusted);
}

int sr_store_member_role(sr_store *s, int64_t publisher_id, int64_t user_id, int *role)
{
	int64_t r = 0;
	int rc = sr__one_int64(s, sr__query(s, Q_MEMBER_ROLE, "II", publisher_id, user_id), &r);
	*role = rc == 0 ? (int)r : SR_PUB_NONE;
	return rc == SR_ENOTFOUND ? 0 : rc;
}

int sr_store_member_set(sr_store *s, int64_t publisher_id, int64_t user_id, int role, int64_t now)
{
	return sr__run(s, Q_MEMBER_SET, "IIiI", publisher_id, user_id, role, now);
}

int sr_store_member_remove(sr_store *s, int64_t publisher_id, int64_t user_id, int *removed)
{
	int rc = sr__run(s, Q_MEMBER_DEL, "II", publisher_id, user_id);
	*removed = rc == 0 && sr__changes(s) > 0;
	return rc;
}

int sr_store_member_owners(sr_store *s, int64_t publisher_id, int64_t *n)
{
	return sr__one_int64(s, sr__query(s, Q_MEMBER_OWNERS, "I", publisher_id), n);
}

static void read_member(sr_store *s, sr__stmt *st, void *row)
{
	(void)s;
	sr_member_row *m = row;
	m->publisher_id = sr__col_int64(st, 0);
	m->user_id = sr__col_int64(st, 1);
	m->role = sr__col_int(st, 2);
	m->handle = sr__col_text(st, 3);
	m->display_name = sr__col_text(st, 4);
}

int sr_store_members(sr_store *s, int64_t publisher_id, int limit, sr_row_fn fn, void *ud)
{
	sr_member_row row;
	return sr__each(s, sr__query(s, Q_MEMBERS, "Ii", publisher_id, limit), read_member, &row, fn, ud);
}

int sr_store_user_orgs(sr_store *s, int64_t user_id, int limit, sr_row_fn fn, void *ud)
{
	sr_member_row row;
	return sr__each(s, sr__query(s, Q_USER_ORGS, "Ii", user_id, limit), read_member, &row, fn, ud);
}

int sr_store_org_invite_expire(sr_store *s, int64_t publisher_id, int64_t user_id, int64_t now)
{
	return sr__run(s, Q_ORG_INVITE_EXPIRE, "III", publisher_id, user_id, now);
}

int sr_store_org_invite_add(sr_store *s, const sr_org_invite *inv, int64_t *id_out)
{
	int rc = sr__run(s, Q_ORG_INVITE_ADD, "IIiIII", inv->publisher_id, inv->user_id, inv->role, inv->invited_by,
			 inv->created_at, inv->expires_at);
	if (!rc && id_out)
		*id_out = sr__last_id(s);
	return rc;
}

static void read_invite(sr_store *s, sr__stmt *st, void *row)
{
	(void)s;
	sr_org_invite *v = row;
	v->id = sr__col_int64(st, 0);
	v->publisher_id = sr__col_int64(st, 1);
	v->user_id = sr__col_int64(st, 2);
	v->role = sr__col_int(st, 3);
	v->invited_by = sr__col_int64(st, 4);
	v->status = sr__col_int(st, 5);
	v->created_at = sr__col_int64(st, 6);
	v->expires_at = sr__col_int64(st, 7);
	v->handle = v->display_name = v->inviter = NULL;
}

static void read_invite_listed(sr_store *s, sr__stmt *st, void *row)
{
	read_invite(s, st, row);
	sr_org_invite *v = row;
	v->handle = sr__col_text(st, 8);
	v->display_name = sr__col_text(st, 9);
	v->inviter = sr__col_text(st, 10);
}

int sr_store_org_invite_get(sr_store *s, int64_t id, sr_org_invite *out)
{
	sr__stmt *st = sr__query(s, Q_ORG_INVITE_GET, "I", id);
	if (!st)
		return SR_EDB;
	int rc = sr__step(s, st);
	if (rc != SR__ROW)
		return rc == SR__DONE ? SR_ENOTFOUND : rc;
	read_invite(s, st, out);
	sr__reset(st);
	return 0;
}

int sr_store_org_invite_decide(sr_store *s, int64_t id, int status, int64_t now, int *changed)
{
	int rc = sr__run(s, Q_ORG_INVITE_DECIDE, "IiI", id, status, now);
	*changed = rc == 0 && sr__changes(s) == 1;
	return rc;
}

int sr_store_org_invites_of_user(sr_store *s, int64_t user_id, int64_t now, int limit, sr_row_fn fn, void *ud)
{
	sr_org_invite row;
	return sr__each(s, sr__query(s, Q_ORG_INVITES_OF_USER, "IIi", user_id, now, limit), read_invite_listed, &row, fn,
			ud);
}

int sr_store_org_invites_of_org(sr_store *s, int64_t publisher_id, int64_t now, int limit, sr_row_fn fn, void *ud)
{
	sr_org_invite row;
	return sr__each(s, sr__query(s, Q_ORG_INVITES_OF_ORG, "IIi", publisher_id, now, limit), read_invite_listed, &row,
			fn, ud);
}

int sr_store_skill_set_owner(sr_store *s, int64_t skill_id, int64_t owner_id, int64_t now)
{
	return sr__run(s, Q_SKILL_SET_OWNER, "III", skill_id, owner_id, now);
}

int sr_store_aliases_move(sr_store *s, int64_t skill_id, int64_t owner_id)
{
	return sr__run(s, Q_ALIASES_MOVE, "II", skill_id, owner_id);
}

int sr_store_transfer_expire(sr_store *s, int64_t skill_id, int64_t now)
{
	return sr__run(s, Q_TRANSFER_EXPIRE, "II", skill_id, now);
}

int sr_store_transfer_add(sr_store *s, const sr_transfer *t, const char *message, int64_t *id_out)
{
	int rc = sr__run(s, Q_TRANSFER_ADD, "IIItII", t->skill_id, t->from_user_id, t->to_user_id, message,
			 t->created_at, t->expires_at);
	if (!rc && id_out)
		*id_out = sr__last_id(s);
	return rc;
}

int sr_store_transfer_pending(sr_store *s, int64_t skill_id, sr_transfer *out)
{
	sr__stmt *st = sr__query(s, Q_TRANSFER_PENDING, "I", skill_id);
	if (!st)
		return SR_EDB;
	int rc = sr__step(s, st);
	if (rc != SR__ROW)
		return rc == SR__DONE ? SR_ENOTFOUND : rc;
	out->id = sr__col_int64(st, 0);
	out->skill_id = sr__col_int64(st, 1);
	out->from_user_id = sr__col_int64(st, 2);
	out->to_user_id = sr__col_int64(st, 3);
	out->created_at = sr__col_int64(st, 4);
	out->expires_at = sr__col_int64(st, 5);
	out->status = sr__col_int(st, 6);
	sr__reset(st);
	return 0;
}

int sr_store_transfer_finish(sr_store *s, int64_t id, int status, int64_t by_id, int64_t now, int *changed)
{
	int rc = sr__run(s, Q_TRANSFER_FINISH, "IiIn", id, status, now, by_id);
	*changed = rc == 0 && sr__changes(s) == 1;
	return rc;
}

static void read_transfer(sr_store *s, sr__stmt *st, void *row)
{
	(void)s;
	sr_transfer_row *t = row;
	t->id = sr__col_int64(st, 0);
	t->skill_id = sr__col_int64(st, 1);
	t->other_id = sr__col_int64(st, 2);
	t->created_at = sr__col_int64(st, 3);
	t->expires_at = sr__col_int64(st, 4);
	t->slug = sr__col_text(st, 5);
	t->display_name = sr__col_text(st, 6);
	t->message = sr__col_text(st, 7);
	t->other_handle = sr__col_text(st, 8);
	t->other_display_name = sr__col_text(st, 9);
	t->skill_deleted_at = sr__col_int64(st, 10);
	t->other_deactivated_at = sr__col_int64(st, 11);
	t->owner_handle = sr__col_text(st, 12);
}

int sr_store_transfers_list(sr_store *s, int64_t user_id, int outgoing, int64_t now, int limit,
			    sr_row_fn fn, void *ud)
{
	sr_transfer_row row;
	int q = outgoing ? Q_TRANSFERS_OUT : Q_TRANSFERS_IN;
	return sr__each(s, sr__query(s, q, "IIi", user_id, now, limit), read_transfer, &row, fn, ud);
}

static void read_history(sr_store *s, sr__stmt *st, void *row)
{
	(void)s;
	sr_transfer_hist_row *t = row;
	t->id = sr__col_int64(st, 0);
	t->skill_id = sr__col_int64(st, 1);
	t->from_user_id = sr__col_int64(st, 2);
	t->to_user_id = sr__col_int64(st, 3);
	t->status = sr__col_int(st, 4);
	t->created_at = sr__col_int64(st, 5);
	t->expires_at = sr__col_int64(st, 6);
	t->resolved_at = sr__col_int64(st, 7);
	t->resolved_by = sr__col_int64(st, 8);
	t->message = sr__col_text(st, 9);
	t->slug = sr__col_text(st, 10);
	t->from_handle = sr__col_text(st, 11);
	t->to_handle = sr__col_text(st, 12);
}

int sr_store_transfer_history(sr_store *s, int which, int64_t id, int limit, sr_row_fn fn, void *ud)
{
	static const int q[] = {Q_TRANSFER_HIST_IN, Q_TRANSFER_HIST_OUT, Q_TRANSFER_HIST_SKILL};
	if (which < 0 || which > SR_TRANSFER_HIST_SKILL)
		return SR_EINVAL;
	sr_transfer_hist_row row;
	return sr__each(s, sr__query(s, q[which], "Ii", id, limit), read_history, &row, fn, ud);
}

static void read_slug(sr_store *s, sr__stmt *st, void *row)
{
	(void)s;
	*(const char **)row = sr__col_text(st, 0);
}

int sr_store_aliases_of_skill(sr_store *s, int64_t skill_id, int limit, sr_row_fn fn, void *ud)
{
	const char *row;
	return sr__each(s, sr__query(s, Q_ALIASES_OF_SKILL, "Ii", skill_id, limit), read_slug, &row, fn, ud);
}

int sr_store_scan_job_add(sr_store *s, const sr_scan_job *j, int64_t *id_out)
{
	int rc = sr__run(s, Q_SCAN_JOB_ADD, "IIIiI", j->requester_id, j->skill_id, j->version_id, j->update,
			 j->created_at);
	if (!rc && id_out)
		*id_out = sr__last_id(s);
	return rc;
}

int sr_store_scan_job_get(sr_store *s, int64_t id, sr_scan_job *out)
{
	sr__stmt *st = sr__query(s, Q_SCAN_JOB_GET, "I", id);
	if (!st)
		return SR_EDB;
	int rc = sr__step(s, st);
	if (rc != SR__ROW)
		return rc == SR__DONE ? SR_ENOTFOUND : rc;
	out->id = sr__col_int64(st, 0);
	out->requester_id = sr__col_int64(st, 1);
	out->skill_id = sr__col_int64(st, 2);
	out->version_id = sr__col_int64(st, 3);
	out->update = sr__col_int(st, 4);
	out->created_at = sr__col_int64(st, 5);
	sr__reset(st);
	return 0;
}
