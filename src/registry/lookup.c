/*
 * lookup.c - finding a skill by slug and deciding who may see it (api-v1 sections 1.3-1.5).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "registry/modstate.h"
#include "registry/registry.h"

void sr_owner_normalize(const char *in, char *out, size_t n)
{
	while (*in == '@' || isspace((unsigned char)*in))
		in++;
	size_t i = 0;
	for (; in[i] && i + 1 < n; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	while (i && isspace((unsigned char)out[i - 1]))
		i--;
	out[i] = '\0';
}

void sr_public_id(char *out, size_t n, const char *prefix, int64_t id)
{
	snprintf(out, n, "%s_%lld", prefix, (long long)id);
}

struct collect {
	sr_skill *rows;
	int n, max;
};

static int collect_row(void *ud, const void *row)
{
	const sr_skill_row *r = row;
	struct collect *c = ud;
	for (int i = 0; i < c->n; i++)
		if (c->rows[i].id == r->id)
			return 0; /* holding the slug and aliased by it: once */
	if (c->n < c->max)
		sr_skill_copy(&c->rows[c->n++], r);
	return 0;
}

/* Of the owner's skill holding a slug and the one an alias of theirs by it names (either may be
 * NULL), the one the slug means: the live skill holding it, else the alias's (renamed, or
 * merged into another skill), else the deleted one. */
static const sr_skill *owned_pick(const sr_skill *own, const sr_skill *aliased)
{
	return own && !own->soft_deleted_at ? own : aliased ? aliased : own;
}

/* The skill an owner's slug names, or that an alias of theirs points at: one statement. */
static int lookup_owned(sr_store *s, const char *slug, const char *owner, sr_lookup *out)
{
	char handle[64];
	sr_owner_normalize(owner, handle, sizeof(handle));
	sr_skill rows[2];
	struct collect c = {rows, 0, 2};
	int rc = sr_store_lookup_owned(s, handle, slug, collect_row, &c);
	if (rc)
		return rc;
	/* The owner's skill holds the slug itself; the other row is the alias's. A skill named
	 * both ways came once (collect_row). */
	const sr_skill *own = NULL, *aliased = NULL;
	for (int i = 0; i < c.n; i++) {
		if (!own && strcmp(rows[i].slug, slug) == 0 && strcmp(rows[i].owner_handle, handle) == 0)
			own = &rows[i];
		else
			aliased = &rows[i];
	}
	const sr_skill *found = owned_pick(own, aliased);
	if (!found)
		return SR_ENOTFOUND;
	out->skill = *found;
	return 0;
}

/* Picks the skill a bare slug means among the skills holding it or aliased by it (ClawHub's
 * rules, api-v1 section 1.3), or reports the candidates when it stays ambiguous. */
static int pick(sr_store *s, sr_skill *all, int n, const sr_user *caller, int any, sr_lookup *out)
{
	/* Candidates are the live skills; an owner may still reach their own deleted one. */
	sr_skill *live[SR_LOOKUP_MAX_MATCHES * 2];
	int nlive = 0;
	for (int i = 0; i < n; i++)
		if (!all[i].soft_deleted_at)
			live[nlive++] = &all[i];
	if (nlive == 0) {
		/* A deleted skill is reachable by its owner (the person, or a member of the org
		 * that owns it), and by staff when the slug names only one skill, so that
		 * `clawhub undelete <slug>` works without an owner. */
		const sr_skill *mine = NULL;
		int nmine = 0;
		for (int i = 0; caller && i < n; i++) {
			int member = 0;
			int rc = sr_may_act(s, all[i].owner_id, caller, SR_PUB_PUBLISHER, &member);
			if (rc)
				return rc;
			if (member) {
				mine = &all[i];
				nmine++;
			}
		}
		if (nmine == 1) {
			out->skill = *mine;
			return 0;
		}
		if ((any || (caller && caller->role != SR_ROLE_USER)) && n == 1) {
			out->skill = all[0];
			return 0;
		}
		return SR_ENOTFOUND;
	}
	if (nlive == 1) {
		out->skill = *live[0];
		return 0;
	}
	const sr_skill *pub = NULL, *official = NULL;
	int npub = 0, nofficial = 0;
	for (int i = 0; i < nlive; i++) {
		if (live[i]->is_public) {
			pub = live[i];
			npub++;
		}
		if (strcmp(live[i]->owner_handle, "openclaw") == 0) {
			official = live[i];
			nofficial++;
		}
	}
	if (npub == 1) {
		out->skill = *pub;
		return 0;
	}
	if (nofficial == 1) {
		out->skill = *official;
		return 0;
	}
	/* Ambiguous: report the public candidates, or all live ones when none is public. */
	for (int i = 0; i < nlive && out->nmatches < SR_LOOKUP_MAX_MATCHES; i++)
		if (npub == 0 || live[i]->is_public)
			out->matches[out->nmatches++] = *live[i];
	return SR_ECONFLICT;
}

_Static_assert(SR_LOOKUP_MAX_MATCHES == 8,
	       "store/catalogue.h's SLUG_OR_ALIAS_FROM reads 16 holders and 8 aliases of a slug");

/* Orders a bare slug's candidates the way its resolution reads them (api-v1 section 1.3):
 * the skills holding the slug first, then the ones it is an alias of, each group by id. The
 * lookup statement reads both in one range and returns them in no set order. */
static void order_candidates(sr_skill *c, int n, const char *slug)
{
	for (int i = 1; i < n; i++) {
		sr_skill x = c[i];
		int xk = strcmp(x.slug, slug) != 0;
		int k = i;
		for (; k > 0; k--) {
			int pk = strcmp(c[k - 1].slug, slug) != 0;
			if (pk < xk || (pk == xk && c[k - 1].id < x.id))
				break;
			c[k] = c[k - 1];
		}
		c[k] = x;
	}
}

static int pick_any(sr_store *s, const char *slug, sr_skill *all, int n, const sr_user *caller, int any,
		    sr_lookup *out)
{
	memset(out, 0, sizeof(*out));
	order_candidates(all, n, slug);
	if (n > SR_LOOKUP_MAX_MATCHES * 2)
		n = SR_LOOKUP_MAX_MATCHES * 2;
	return pick(s, all, n, caller, any, out);
}

int sr_lookup_pick(sr_store *s, const char *slug, sr_skill *cands, int n, const sr_user *caller,
		   sr_lookup *out)
{
	return pick_any(s, slug, cands, n, caller, 0, out);
}

static int lookup(sr_store *s, const char *slug, const char *owner, const sr_user *caller, int any,
		  sr_lookup *out)
{
	memset(out, 0, sizeof(*out));
	if (owner && owner[0])
		return lookup_owned(s, slug, owner, out);
	sr_skill all[SR_LOOKUP_ROWS];
	struct collect c = {all, 0, SR_LOOKUP_ROWS};
	int rc = sr_store_lookup_any(s, slug, c.max, collect_row, &c);
	if (rc)
		return rc;
	return pick_any(s, slug, all, c.n, caller, any, out);
}

int sr_lookup_skill(sr_store *s, const char *slug, const char *owner, const sr_user *caller,
		    sr_lookup *out)
{
	return lookup(s, slug, owner, caller, 0, out);
}

int sr_lookup_skill_any(sr_store *s, const char *slug, const char *owner, const sr_user *caller,
			sr_lookup *out)
{
	return lookup(s, slug, owner, caller, 1, out);
}

/* The first live skill of another publisher in rows, or NULL. */
static const sr_skill *other_live(const sr_skill *rows, int n, int64_t owner_id)
{
	for (int i = 0; i < n; i++)
		if (!rows[i].soft_deleted_at && rows[i].owner_id != owner_id)
			return &rows[i];
	return NULL;
}

int sr_slug_holder(sr_store *s, const char *slug, int64_t owner_id, sr_skill *holder)
{
	sr_skill rows[SR_LOOKUP_MAX_MATCHES * 2];
	struct collect c = {rows, 0, SR_LOOKUP_MAX_MATCHES * 2};
	int rc = sr_store_lookup_slug(s, slug, c.max, collect_row, &c);
	if (rc)
		return rc;
	const sr_skill *h = other_live(rows, c.n, owner_id);
	if (!h) {
		/* An alias is owned by the publisher of the skill it names. */
		c.n = 0;
		if ((rc = sr_store_lookup_alias(s, slug, c.max, collect_row, &c)))
			return rc;
		h = other_live(rows, c.n, owner_id);
	}
	if (!h)
		return SR_ENOTFOUND;
	*holder = *h;
	return 0;
}

struct claims {
	sr_slug_state *out;
	int own, aliased;
	int64_t versioned[2]; /* skills with the version (at most the own and the aliased one) */
	int nversioned;
	sr_skill alias;
	int64_t counts[2][3]; /* the own skill's and the aliased one's */
	struct collect others;
};

static void take_counts(int64_t *to, const sr_skill_row *r)
{
	to[0] = r->downloads;
	to[1] = r->installs;
	to[2] = r->stars;
}

static int claim_row(void *ud, const void *row)
{
	const sr_slug_claim_row *r = row;
	struct claims *c = ud;
	switch (r->kind) {
	case SR_CLAIM_OWN:
		if (!c->own++) {
			sr_skill_copy(&c->out->skill, &r->skill);
			take_counts(c->counts[0], &r->skill);
		}
		return 0;
	case SR_CLAIM_OWN_ALIAS:
		if (!c->aliased++) {
			sr_skill_copy(&c->alias, &r->skill);
			take_counts(c->counts[1], &r->skill);
		}
		return 0;
	case SR_CLAIM_RESERVED:
		if (!c->out->reserved++)
			c->out->reserver = r->skill.owner_id;
		return 0;
	case SR_CLAIM_VERSION:
		if (c->nversioned < 2)
			c->versioned[c->nversioned++] = r->skill.id;
		return 0;
	case SR_CLAIM_IDS:
		c->out->next_skill_id = r->next_skill_id;
		c->out->next_version_id = r->next_version_id;
		snprintf(c->out->digest, sizeof(c->out->digest), "%s", r->digest ? r->digest : "");
		return 0;
	default:
		return collect_row(&c->others, &r->skill);
	}
}

int sr_slug_state_read(sr_store *s, const char *slug, const char *version, const sr_user *owner, int64_t now,
		       sr_slug_state *out)
{
	memset(out, 0, sizeof(*out));
	sr_skill others[SR_LOOKUP_MAX_MATCHES * 4];
	struct claims c = {.out = out, .others = {others, 0, SR_LOOKUP_MAX_MATCHES * 4}};
	int rc = sr_store_slug_claims(s, owner->handle, slug, version, now, claim_row, &c);
	if (rc)
		return rc;
	out->reserved = out->reserved != 0;
	/* The owner's skill as lookup_owned picks it. */
	int via_alias = owned_pick(c.own ? &out->skill : NULL, c.aliased ? &c.alias : NULL) == &c.alias;
	if (via_alias)
		out->skill = c.alias;
	out->found = c.own || c.aliased;
	for (int i = 0; out->found && i < c.nversioned; i++)
		if (c.versioned[i] == out->skill.id)
			out->has_version = 1;
	out->downloads = c.counts[via_alias][0];
	out->installs = c.counts[via_alias][1];
	out->stars = c.counts[via_alias][2];
	/* Another publisher's, as sr_slug_holder picks it. */
	order_candidates(others, c.others.n, slug);
	const sr_skill *h = other_live(others, c.others.n, owner->id);
	if (h) {
		out->held = 1;
		out->holder = *h;
	}
	return 0;
}

int sr_slug_refuse(const sr_skill *holder, sr_regerr *err)
{
	char page[200];
	snprintf(page, sizeof(page), "%s/%s", holder->owner_handle, holder->slug);
	return sr_regerr_set(err, SR_EEXIST, SR_WHY_SLUG_OWNED_ELSEWHERE, page);
}

int sr_reason_is_pending(const char *r)
{
	return strcmp(r, "pending.scan") == 0 || strcmp(r, "pending.scan.stale") == 0 ||
	       strcmp(r, "scanner.vt.pending") == 0 || strcmp(r, "scanner.llm.pending") == 0;
}

int sr_check_visible(const sr_skill *sk, const sr_user *caller, sr_regerr *err)
{
	if (sk->is_public)
		return 0;
	int owner = caller && caller->id == sk->owner_id;
	if (!owner)
		return sr_regerr_set(err, SR_ENOTFOUND, SR_WHY_SKILL_NOT_FOUND, NULL);
	if (sk->soft_deleted_at)
		return sr_regerr_set(err, SR_EGONE, SR_WHY_SKILL_DELETED, sk->slug);
	if (sr_mod_is_blocked(sk->moderation_flags, sk->moderation_verdict))
		return sr_regerr_set(err, SR_EPERM, SR_WHY_SKILL_BLOCKED, NULL);
	if (sk->moderation_status == SR_SKILL_REMOVED)
		return sr_regerr_set(err, SR_EGONE, SR_WHY_SKILL_REMOVED, NULL);
	if (sr_reason_is_pending(sk->moderation_reason))
		return sr_regerr_set(err, SR_EPENDING, SR_WHY_SKILL_SCAN_PENDING, NULL);
	if (strcmp(sk->moderation_reason, "quality.low") == 0)
		return sr_regerr_set(err, SR_EPERM, SR_WHY_SKILL_QUALITY_LOW, NULL);
	return sr_regerr_set(err, SR_EPERM, SR_WHY_SKILL_HIDDEN,
			     sk->moderation_reason[0] ? sk->moderation_reason : "hidden");
}
