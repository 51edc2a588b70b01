/*
 * skills.c - skills (store.h, "skills", "publish", "lifecycle"): the whole and the lookup
 * rows, lookups by slug, owner and alias, the generated lists, full-text search and the
 * search index, the skill row's writes (insert, identity, rename, merge, delete, hide) and
 * reserved slugs. Dialect-neutral, over internal.h: the SQL is catalogue.c's.
 */
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/internal.h"

/* Reads a whole skill row; the search reads add their rank after its columns. */
static void skill_cols(sr__stmt *st, sr_skill_row *r)
{
	r->id = sr__col_int64(st, 0);
	r->owner_id = sr__col_int64(st, 1);
	r->slug = sr__col_text(st, 2);
	r->display_name = sr__col_text(st, 3);
	r->summary = sr__col_text(st, 4);
	r->tags_json = sr__col_text(st, 5);
	r->latest_version_id = sr__col_int64(st, 6);
	r->latest_version = sr__col_text(st, 7);
	r->latest_changelog = sr__col_text(st, 8);
	r->latest_metadata = sr__col_text(st, 9);
	r->latest_created_at = sr__col_int64(st, 10);
	r->moderation_status = sr__col_int(st, 11);
	r->moderation_reason = sr__col_text(st, 12);
	r->moderation_flags = sr__col_int(st, 13);
	r->moderation_verdict = sr__col_int_or_null(st, 14);
	r->soft_deleted_at = sr__col_int64(st, 15);
	r->downloads = sr__col_int64(st, 16);
	r->stars = sr__col_int64(st, 17);
	r->installs = sr__col_int64(st, 18);
	r->versions = sr__col_int64(st, 19);
	r->comments = sr__col_int64(st, 20);
	r->created_at = sr__col_int64(st, 21);
	r->updated_at = sr__col_int64(st, 22);
	r->is_suspicious = sr__col_int(st, 23);
	r->is_public = sr__col_int(st, 24);
	r->is_listed = sr__col_int(st, 25);
	r->owner_handle = sr__col_text(st, 26);
	r->owner_display_name = sr__col_text(st, 27);
	r->owner_image = sr__col_text(st, 28);
	r->rank = sr__col_count(st) > SR__SKILL_NCOLS ? sr__col_double(st, SR__SKILL_NCOLS) : 0;
	if (!r->tags_json)
		r->tags_json = "{}";
}

/* The skill readers (sr__read_fn) also note the skill in the read context: a cached answer
 * depends on every skill row it read. */
void sr__read_skill(sr_store *s, sr__stmt *st, void *row)
{
	sr_skill_row *r = row;
	skill_cols(st, r);
	sr__note_skill(s, r->id);
}

/* The columns of LOOKUP_COLS. */
#define SR__LOOKUP_NCOLS 17

static void read_lookup(sr_store *s, sr__stmt *st, void *row)
{
	sr_skill_row *r = row;
	memset(r, 0, sizeof(*r));
	r->id = sr__col_int64(st, 0);
	r->owner_id = sr__col_int64(st, 1);
	r->slug = sr__col_text(st, 2);
	r->display_name = sr__col_text(st, 3);
	r->latest_version_id = sr__col_int64(st, 4);
	r->latest_version = sr__col_text(st, 5);
	r->moderation_status = sr__col_int(st, 6);
	r->moderation_reason = sr__col_text(st, 7);
	r->moderation_flags = sr__col_int(st, 8);
	r->moderation_verdict = sr__col_int_or_null(st, 9);
	r->soft_deleted_at = sr__col_int64(st, 10);
	r->versions = sr__col_int64(st, 11);
	r->created_at = sr__col_int64(st, 12);
	r->is_suspicious = sr__col_int(st, 13);
	r->is_public = sr__col_int(st, 14);
	r->is_listed = sr__col_int(st, 15);
	r->owner_handle = sr__col_text(st, 16);
	r->tags_json = "{}";
	sr__note_skill(s, r->id);
}

void sr_skill_copy(sr_skill *d, const sr_skill_row *r)
{
	memset(d, 0, sizeof(*d));
	d->id = r->id;
	d->owner_id = r->owner_id;
	sr__copy_text(d->slug, sizeof(d->slug), r->slug);
	sr__copy_text(d->display_name, sizeof(d->display_name), r->display_name);
	sr__copy_text(d->owner_handle, sizeof(d->owner_handle), r->owner_handle);
	d->latest_version_id = r->latest_version_id;
	sr__copy_text(d->latest_version, sizeof(d->latest_version), r->latest_version);
	d->moderation_status = r->moderation_status;
	sr__copy_text(d->moderation_reason, sizeof(d->moderation_reason), r->moderation_reason);
	d->moderation_flags = r->moderation_flags;
	d->moderation_verdict = r->moderation_verdict;
	d->soft_deleted_at = r->soft_deleted_at;
	d->is_suspicious = r->is_suspicious;
	d->is_public = r->is_public;
	d->is_listed = r->is_listed;
	d->stats_versions = r->versions;
	d->created_at = r->created_at;
}

static int each_skill(sr_store *s, sr__stmt *st, sr_row_fn fn, void *ud)
{
	sr_skill_row row;
	return sr__each(s, st, sr__read_skill, &row, fn, ud);
}

static int each_lookup(sr_store *s, sr__stmt *st, sr_row_fn fn, void *ud)
{
	sr_skill_row row;
	return sr__each(s, st, read_lookup, &row, fn, ud);
}

int sr_store_skills_by_slug(sr_store *s, const char *slug, int max, sr_row_fn fn, void *ud)
{
	return each_skill(s, sr__query(s, Q_SKILLS_BY_SLUG, "ti", slug, max), fn, ud);
}

int sr_store_lookup_slug(sr_store *s, const char *slug, int max, sr_row_fn fn, void *ud)
{
	return each_lookup(s, sr__query(s, Q_LOOKUP_BY_SLUG, "ti", slug, max), fn, ud);
}

int sr_store_lookup_owner_slug(sr_store *s, int64_t owner_id, const char *slug, sr_row_fn fn,
			       void *ud)
{
	return each_lookup(s, sr__query(s, Q_SKILL_BY_OWNER_SLUG, "It", owner_id, slug), fn, ud);
}

int sr_store_skill_by_id(sr_store *s, int64_t id, sr_row_fn fn, void *ud)
{
	return each_skill(s, sr__query(s, Q_SKILL_BY_ID, "I", id), fn, ud);
}

int sr_store_skills_by_ids(sr_store *s, const int64_t *ids, int n, sr_row_fn fn, void *ud)
{
	int rc = 0;
	for (int i = 0; i < n && !rc; i += SR_IDS_BATCH) {
		int64_t b[SR_IDS_BATCH] = {0};
		for (int k = 0; k < SR_IDS_BATCH && i + k < n; k++)
			b[k] = ids[i + k];
		rc = each_skill(s, sr__query(s, Q_SKILLS_BY_IDS, "IIIIIIII", b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]),
				fn, ud);
	}
	return rc;
}

int sr_store_lookup_alias(sr_store *s, const char *slug, int max, sr_row_fn fn, void *ud)
{
	return each_lookup(s, sr__query(s, Q_SKILLS_BY_ALIAS, "ti", slug, max), fn, ud);
}

int sr_store_lookup_owner_alias(sr_store *s, int64_t owner_id, const char *slug, sr_row_fn fn,
				void *ud)
{
	return each_lookup(s, sr__query(s, Q_SKILL_BY_OWNER_ALIAS, "It", owner_id, slug), fn, ud);
}

int sr_store_lookup_any(sr_store *s, const char *slug, int max, sr_row_fn fn, void *ud)
{
	return each_lookup(s, sr__query(s, Q_LOOKUP_ANY, "ti", slug, max), fn, ud);
}

int sr_store_lookup_owned(sr_store *s, const char *handle, const char *slug, sr_row_fn fn, void *ud)
{
	return each_lookup(s, sr__query(s, Q_LOOKUP_OWNED, "tt", handle, slug), fn, ud);
}

static void read_claim(sr_store *s, sr__stmt *st, void *row)
{
	sr_slug_claim_row *r = row;
	r->kind = sr__col_int(st, SR__LOOKUP_NCOLS);
	r->next_skill_id = r->next_version_id = 0;
	r->digest = NULL;
	if (r->kind == SR_CLAIM_IDS) {
		memset(&r->skill, 0, sizeof(r->skill));
		r->next_skill_id = sr__col_int64(st, 0);
		r->next_version_id = sr__col_int64(st, 1);
		r->digest = sr__col_text(st, 2);
		return;
	}
	if (r->kind < SR_CLAIM_RESERVED) {
		read_lookup(s, st, &r->skill);
		r->skill.downloads = sr__col_int64(st, SR__LOOKUP_NCOLS + 1);
		r->skill.installs = sr__col_int64(st, SR__LOOKUP_NCOLS + 2);
		r->skill.stars = sr__col_int64(st, SR__LOOKUP_NCOLS + 3);
		return;
	}
	memset(&r->skill, 0, sizeof(r->skill));
	r->skill.id = sr__col_int64(st, 0);
	r->skill.owner_id = sr__col_int64(st, 1);
	r->skill.slug = sr__col_text(st, 2);
}

int sr_store_slug_claims(sr_store *s, const char *handle, const char *slug, const char *version, int64_t now,
			 sr_row_fn fn, void *ud)
{
	sr_slug_claim_row row;
	return sr__each(s, sr__query(s, Q_SLUG_CLAIMS, "ttIt", handle, slug, now, version), read_claim, &row, fn,
			ud);
}

int sr_store_slug_claims_expect(sr_store *s, const char *handle, const char *slug, const char *version,
				int64_t now, const char *digest)
{
	return sr__run(s, Q_SLUG_CLAIMS_EXPECT, "ttItt", handle, slug, now, version, digest);
}

static void read_detail(sr_store *s, sr__stmt *st, void *row)
{
	sr_detail_row *d = row;
	sr__read_skill(s, st, &d->skill);
	d->skill.rank = 0;
	int c = SR__SKILL_NCOLS;
	d->version = sr__col_text(st, c);
	d->changelog = sr__col_text(st, c + 1);
	d->version_created_at = sr__col_int64(st, c + 2);
	d->version_deleted_at = sr__col_int64(st, c + 3);
	d->md_sha256 = sr__col_text(st, c + 4);
	d->md_size = sr__col_int64(st, c + 5);
	if (!d->changelog)
		d->changelog = "";
}

int sr_store_detail_any(sr_store *s, const char *slug, int max, sr_row_fn fn, void *ud)
{
	sr_detail_row row;
	return sr__each(s, sr__query(s, Q_DETAIL_ANY, "ti", slug, max), read_detail, &row, fn, ud);
}

int sr_store_detail_by_id(sr_store *s, int64_t skill_id, sr_row_fn fn, void *ud)
{
	sr_detail_row row;
	return sr__each(s, sr__query(s, Q_DETAIL_BY_ID, "I", skill_id), read_detail, &row, fn, ud);
}

int sr_store_detail_owned(sr_store *s, const char *handle, const char *slug, sr_row_fn fn, void *ud)
{
	sr_detail_row row;
	return sr__each(s, sr__query(s, Q_DETAIL_OWNED, "tt", handle, slug), read_detail, &row, fn, ud);
}

static void read_lookup_version(sr_store *s, sr__stmt *st, void *row)
{
	sr_lookup_version_row *r = row;
	read_lookup(s, st, &r->skill);
	memset(&r->version, 0, sizeof(r->version));
	if (sr__col_int64(st, SR__LOOKUP_NCOLS))
		sr__read_version_at(st, SR__LOOKUP_NCOLS, &r->version);
}

int sr_store_lookup_version_any(sr_store *s, const char *slug, const char *version, int max,
				sr_row_fn fn, void *ud)
{
	sr_lookup_version_row row;
	return sr__each(s, sr__query(s, Q_LOOKUP_VERSION_ANY, "tti", slug, version, max), read_lookup_version,
			&row, fn, ud);
}

int sr_store_lookup_version_owned(sr_store *s, const char *handle, const char *slug,
				  const char *version, sr_row_fn fn, void *ud)
{
	sr_lookup_version_row row;
	return sr__each(s, sr__query(s, Q_LOOKUP_VERSION_OWNED, "ttt", handle, slug, version),
			read_lookup_version, &row, fn, ud);
}

int sr_store_skill_listed(sr_store *s, int64_t id, int *listed)
{
	int64_t v = 0;
	int rc = sr__one_int64(s, sr__query(s, Q_SKILL_LISTED, "I", id), &v);
	*listed = (int)v;
	return rc;
}

int sr_store_owner_skills(sr_store *s, int64_t owner_id, int limit, int has_after,
			  int64_t after_updated, int64_t after_id, sr_row_fn fn, void *ud)
{
	if (has_after)
		return each_skill(s, sr__query(s, Q_OWNER_AFTER, "IiII", owner_id, limit + 1, after_updated, after_id),
				  fn, ud);
	return each_skill(s, sr__query(s, Q_OWNER_FIRST, "Ii", owner_id, limit + 1), fn, ud);
}

int sr_store_owner_all_skills(sr_store *s, int64_t owner_id, int limit, int has_after, int64_t after_updated,
			      int64_t after_id, sr_row_fn fn, void *ud)
{
	if (has_after)
		return each_skill(s, sr__query(s, Q_OWNER_ALL_AFTER, "IiII", owner_id, limit + 1, after_updated, after_id),
				  fn, ud);
	return each_skill(s, sr__query(s, Q_OWNER_ALL_FIRST, "Ii", owner_id, limit + 1), fn, ud);
}

int sr_store_starred(sr_store *s, int64_t user_id, int limit, sr_row_fn fn, void *ud)
{
	return each_skill(s, sr__query(s, Q_STARRED, "Ii", user_id, limit), fn, ud);
}

int sr_store_list(sr_store *s, const sr_list_query *q, sr_row_fn fn, void *ud)
{
	if (q->sort < 0 || q->sort >= SR_SORT_COUNT || q->filter < 0 || q->filter >= SR_FILTER_COUNT)
		return SR_EINVAL;
	int prefix = q->prefix && q->prefix[0] && q->sort == SR_SORT_NAME;
	int q_list = sr__list_statement(q->sort, q->filter, q->desc ? 1 : 0, q->has_after ? 1 : 0, prefix);
	sr__stmt *st = sr__prepare(s, q_list);
	if (!st)
		return SR_EDB;
	char hi[128];
	if (prefix) {
		/* Slugs are [a-z0-9-], all below '~', so prefix + "~" bounds the range. */
		snprintf(hi, sizeof(hi), "%s~", q->prefix);
		sr__bind_text(st, 5, q->prefix);
		sr__bind_text(st, 6, hi);
	}
	if (q->has_after) {
		if (sr__sort_is_text(q->sort))
			sr__bind_text(st, 1, q->after_text ? q->after_text : "");
		else
			sr__bind_int64(st, 1, q->after_k1);
		sr__bind_int64(st, 2, q->after_k2);
		sr__bind_int64(st, 3, q->after_id);
	}
	sr__bind_int(st, 4, q->limit + 1);
	return each_skill(s, st, fn, ud);
}

/* A query the full-text engine cannot parse is the client's input, not a server fault:
 * SR_EINVAL. Anything else (a busy or broken database) stays an error. */
static int fts_rc(sr_store *s, int rc)
{
	if (rc == SR_EDB && sr__search_refused(s))
		return SR_EINVAL;
	return rc;
}

int sr_store_search(sr_store *s, int match, const char *const *tokens, int ntokens, int limit,
		    int window, sr_row_fn fn, void *ud)
{
	if (match < 0 || match >= SR_MATCH_COUNT || ntokens < 0)
		return SR_EINVAL;
	sr_buf expr;
	sr_buf_init(&expr, 8192);
	int rc = sr__match_expr(s, &expr, match, tokens, ntokens);
	if (!rc && match == SR_MATCH_NAMES) {
		rc = each_skill(s, sr__query(s, Q_SEARCH_NAMES, "tii", expr.data, limit, window), fn, ud);
	} else if (!rc) {
		/* Words and prefixes read the single-character index, the rest the trigram one.
		 * Twice the wanted rows plus a margin go through the visibility filter, so the
		 * few matches that are not browse-eligible cannot leave the answer short. */
		int q = match == SR_MATCH_INSIDE ? Q_SEARCH : Q_SEARCH_SHORT;
		int prefilter = limit * 2 + 32;
		rc = each_skill(s, sr__query(s, q, "tiii", expr.data, limit, window, prefilter), fn, ud);
	}
	sr_buf_deinit(&expr);
	return fts_rc(s, rc);
}

static int skill_insert(sr_store *s, const sr_new_skill *n, int shared, int64_t *id_out)
{
	if (n->id) {
		int rc = sr__run(s, Q_SKILL_INSERT_AT, "IItttIi", n->id, n->owner_id, n->slug, n->display_name,
				 n->summary, n->now, shared);
		*id_out = rc ? 0 : n->id;
		return rc;
	}
	int rc = sr__run(s, Q_SKILL_INSERT, "ItttIi", n->owner_id, n->slug, n->display_name, n->summary, n->now,
			 shared);
	if (!rc)
		*id_out = sr__last_id(s);
	return rc;
}

int sr_store_skill_insert(sr_store *s, const sr_new_skill *n, int64_t *id_out)
{
	return skill_insert(s, n, 0, id_out);
}

int sr_store_skill_insert_shared(sr_store *s, const sr_new_skill *n, int64_t *id_out)
{
	return skill_insert(s, n, 1, id_out);
}

int sr_store_skill_set_identity(sr_store *s, int64_t skill_id, const char *display_name,
				const char *summary)
{
	return sr__run(s, Q_SET_IDENTITY, "Itt", skill_id, display_name, summary);
}

int sr_store_skill_touch(sr_store *s, int64_t skill_id, int64_t now, int versions_delta)
{
	return sr__run(s, Q_TOUCH, "IIi", skill_id, now, versions_delta);
}

int sr_store_alias_set(sr_store *s, int64_t owner_id, const char *slug, int64_t skill_id, int64_t now)
{
	return sr__run(s, Q_ALIAS_ADD, "ItII", owner_id, slug, skill_id, now);
}

int sr_store_alias_remove(sr_store *s, int64_t owner_id, const char *slug)
{
	return sr__run(s, Q_ALIAS_DEL, "It", owner_id, slug);
}

int sr_store_aliases_repoint(sr_store *s, int64_t from_skill, int64_t to_skill)
{
	return sr__run(s, Q_ALIASES_REPOINT, "II", from_skill, to_skill);
}

int sr_store_skill_rename(sr_store *s, int64_t skill_id, const char *slug, int64_t now)
{
	return sr__run(s, Q_SKILL_RENAME, "ItI", skill_id, slug, now);
}

int sr_store_skill_mark_merged(sr_store *s, int64_t skill_id, int64_t now)
{
	return sr__run(s, Q_SKILL_MERGED, "II", skill_id, now);
}

int sr_store_reserved_slug_holder(sr_store *s, const char *slug, int64_t now, int64_t *owner_out)
{
	sr__stmt *st = sr__query(s, Q_RESERVED_HOLDER, "tI", slug, now);
	if (!st)
		return SR_EDB;
	int rc = sr__step(s, st);
	if (rc == SR__ROW) {
		*owner_out = sr__col_int64(st, 0);
		sr__reset(st);
		return 0;
	}
	return rc == SR__DONE ? SR_ENOTFOUND : rc;
}

int sr_store_reserve_slug(sr_store *s, const char *slug, int64_t owner_id, int64_t until)
{
	return sr__run(s, Q_RESERVE, "tII", slug, owner_id, until);
}

int sr_store_unreserve_slug(sr_store *s, const char *slug, int64_t owner_id)
{
	return sr__run(s, Q_UNRESERVE, "tI", slug, owner_id);
}

int sr_store_skill_soft_delete(sr_store *s, int64_t skill_id, int64_t now)
{
	return sr__run(s, Q_SOFT_DELETE, "II", skill_id, now);
}

int sr_store_skill_undelete(sr_store *s, int64_t skill_id, int unhide)
{
	return sr__run(s, unhide ? Q_UNDELETE : Q_UNDELETE_OWNER, "I", skill_id);
}

int sr_store_skill_hide(sr_store *s, int64_t skill_id, const char *reason)
{
	return sr__run(s, Q_SKILL_HIDE, "It", skill_id, reason);
}

int sr_store_audit(sr_store *s, int64_t actor_id, const char *action, int64_t skill_id,
		   const char *detail, int64_t now)
{
	return sr__run(s, Q_AUDIT, "ntntI", actor_id, action, skill_id, detail, now);
}

/* Text for the single-character index: every CJK code point becomes its own token, so a
 * query of one or two CJK characters can match as a phrase; other text passes through. */
static int short_text(sr_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	int rc = 0;
	while (*p && !rc) {
		int cjk;
		size_t len = sr__utf8_char(p, &cjk);
		if (cjk)
			rc = sr_buf_putc(b, ' ');
		if (!rc)
			rc = sr_buf_append(b, p, len);
		if (!rc && cjk)
			rc = sr_buf_putc(b, ' ');
		p += len;
	}
	return rc;
}

struct index_ctx {
	sr_store *s;
	int rc;
};

static void read_index_src(sr_store *s, sr__stmt *st, void *row)
{
	(void)s;
	sr_index_source *r = row;
	r->id = sr__col_int64(st, 0);
	r->slug = sr__col_text(st, 1);
	r->display_name = sr__col_text(st, 2);
	r->summary = sr__col_text(st, 3);
	r->body = sr__col_text(st, 4);
	r->downloads = sr__col_int64(st, 5);
	r->installs = sr__col_int64(st, 6);
	r->stars = sr__col_int64(st, 7);
}

static int index_row(void *ud, const void *row)
{
	struct index_ctx *c = ud;
	return c->rc = sr_store_search_index_source(c->s, row);
}

int sr_store_search_index_source(sr_store *s, const sr_index_source *r)
{
	int rc = sr__run(s, Q_FTS_DEL, "I", r->id);
	if (rc || (rc = sr__run(s, Q_FTS_SHORT_DEL, "I", r->id)) ||
	    (rc = sr__run(s, Q_FTS_INS, "Ittt", r->id, r->slug, r->display_name, r->summary)) ||
	    (rc = sr__postings_write(s, r)))
		return rc;
	sr_buf b;
	sr_buf_init(&b, 1 << 20);
	/* Hyphens split slug words for the word index: "pdf-tables" matches "pdf". */
	rc = sr_buf_puts(&b, r->slug);
	for (size_t i = 0; i < b.len; i++)
		if (b.data[i] == '-')
			b.data[i] = ' ';
	if (!rc)
		rc = sr_buf_putc(&b, ' ');
	if (!rc)
		rc = short_text(&b, r->display_name);
	if (!rc)
		rc = sr_buf_putc(&b, ' ');
	if (!rc)
		rc = short_text(&b, r->summary);
	sr__stmt *st = rc ? NULL : sr__prepare(s, Q_FTS_SHORT_INS);
	if (st) {
		sr__bind_int64(st, 1, r->id);
		sr__bind_text_copy(st, 2, b.data, b.len);
		rc = sr__exec(s, st);
	} else if (!rc) {
		rc = SR_EDB;
	}
	sr_buf_deinit(&b);
	return rc;
}

int sr_store_search_index(sr_store *s, int64_t skill_id)
{
	struct index_ctx c = {s, 0};
	sr_index_source src;
	int rc = sr__each(s, sr__query(s, Q_INDEX_SOURCE, "I", skill_id), read_index_src, &src, index_row, &c);
	return rc ? rc : c.rc;
}
