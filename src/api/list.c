/*
 * list.c - GET /api/v1/skills (browse, explore, prefix listing) and GET /api/v1/search.
 *
 * A list page is one range of a partial index over browse-eligible skills: it reads the
 * page plus one row (to know whether there is a next page) and never a row it then drops.
 * Search reads a bounded number of full-text candidates and ranks them in memory.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "core/err.h"
#include "core/jw.h"
#include "core/util.h"
#include "registry/cursor.h"
#include "registry/slug.h"

/* Cursor kinds are the sort code plus one, so that 0 never names a list; the filter code
 * tells a prefix listing's cursor from a plain one so neither is taken for the other. */
#define CURSOR_FILTER_API 1
#define CURSOR_FILTER_API_PREFIX 2

static const struct {
	const char *name;
	int sort;
} sorts[] = {
	{"updated", SR_SORT_UPDATED},
	{"recommended", SR_SORT_DOWNLOADS},
	{"default", SR_SORT_DOWNLOADS},
	{"createdat", SR_SORT_CREATED},
	{"created-at", SR_SORT_CREATED},
	{"newest", SR_SORT_CREATED},
	{"downloads", SR_SORT_DOWNLOADS},
	{"installs", SR_SORT_DOWNLOADS},
	{"install", SR_SORT_DOWNLOADS},
	{"installscurrent", SR_SORT_DOWNLOADS},
	{"installs-current", SR_SORT_DOWNLOADS},
	{"current", SR_SORT_DOWNLOADS},
	{"installsalltime", SR_SORT_DOWNLOADS},
	{"installs-all-time", SR_SORT_DOWNLOADS},
	{"stars", SR_SORT_STARS},
	{"rating", SR_SORT_STARS},
	{"name", SR_SORT_NAME},
	{"trending", -2},
};

struct page {
	sr_app *app;
	sr_jw *w;
	int sort, limit, n, more;
	sr_cursor last;
};

static int page_row(void *ud, const sr_skill_row *r)
{
	struct page *p = ud;
	if (p->n == p->limit) {
		p->more = 1;
		return 1;
	}
	p->n++;
	sr__skill_item(p->app, p->w, r);
	sr_cursor *c = &p->last;
	c->id = r->id;
	c->k2 = 0;
	c->text[0] = '\0';
	switch (p->sort) {
	case SR_SORT_UPDATED: c->k1 = r->updated_at; break;
	case SR_SORT_CREATED: c->k1 = r->created_at; break;
	case SR_SORT_NAME: snprintf(c->text, sizeof(c->text), "%s", r->slug); break;
	case SR_SORT_DOWNLOADS: c->k1 = r->downloads; c->k2 = r->updated_at; break;
	case SR_SORT_STARS: c->k1 = r->stars; c->k2 = r->updated_at; break;
	case SR_SORT_INSTALLS: c->k1 = r->installs; c->k2 = r->updated_at; break;
	}
	return 0;
}

void sr__list(sr_app *app, sr_req *req, sr_resp *resp)
{
	req->route = "list";
	long limit = sr__query_long(req, "limit", 25);
	if (limit < 1)
		limit = 1;
	if (limit > 200)
		limit = 200;
	const char *sort_s = sr_req_query(req, "sort");
	const char *prefix_s = sr_req_query(req, "prefix");
	int sort = SR_SORT_UPDATED, explicit_sort = 0;
	if (sort_s && sort_s[0]) {
		int found = 0;
		for (size_t i = 0; i < sizeof(sorts) / sizeof(sorts[0]); i++)
			if (strcasecmp(sort_s, sorts[i].name) == 0) {
				sort = sorts[i].sort;
				found = 1;
				break;
			}
		if (!found) {
			sr_resp_text(resp, 400, "Invalid sort query parameter");
			return;
		}
		explicit_sort = 1;
	}
	char prefix[100] = "";
	if (prefix_s && prefix_s[0]) {
		size_t n = strlen(prefix_s);
		int ok = n <= 96 && isalnum((unsigned char)prefix_s[0]);
		for (size_t i = 0; ok && i < n; i++) {
			char c = (char)tolower((unsigned char)prefix_s[i]);
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
				ok = 0;
			prefix[i] = c;
		}
		prefix[ok ? n : 0] = '\0';
		if (!ok) {
			sr_resp_text(resp, 400, "Invalid prefix query parameter");
			return;
		}
		if (explicit_sort && sort != SR_SORT_NAME) {
			sr_resp_text(resp, 400, "Prefix listing only supports name sort");
			return;
		}
		sort = SR_SORT_NAME;
	}
	/* Trending is the newest leaderboard snapshot; like ClawHub's, it is one page with no
	 * cursor, and when the leaderboard has no browse-eligible skill yet it falls back to the
	 * recently updated ones (api-v1 section 3.2). */
	int trending = sort == -2;
	if (trending)
		sort = SR_SORT_UPDATED;
	int desc = sort != SR_SORT_NAME;

	int cursor_filter = prefix[0] ? CURSOR_FILTER_API_PREFIX : CURSOR_FILTER_API;
	sr_list_query q = {.sort = sort, .filter = SR_FILTER_LISTED, .desc = desc, .limit = (int)limit,
			   .prefix = prefix[0] ? prefix : NULL};
	sr_cursor cur;
	const char *cs = sr_req_query(req, "cursor");
	if (cs && cs[0] && !trending) {
		if (sr_cursor_decode(cs, &cur) || cur.kind != sort + 1 || cur.filter != cursor_filter ||
		    cur.dir != desc) {
			sr_resp_text(resp, 400, "Invalid cursor");
			return;
		}
		q.has_after = 1;
		q.after_k1 = cur.k1;
		q.after_k2 = cur.k2;
		q.after_id = cur.id;
		q.after_text = cur.text;
	}

	sr_jw w;
	sr_jw_init(&w, &resp->body);
	sr_jw_obj(&w);
	sr_jw_key(&w, "items");
	sr_jw_arr(&w);
	struct page p = {app, &w, sort, (int)limit, 0, 0, {0}};
	int rc = 0, shown = 0;
	if (trending)
		rc = sr__trending_items(app, req, &w, (int)limit, &shown);
	if (!rc && !shown) {
		/* The store reads limit + 1 rows to know about a next page; the trending fallback has
		 * none, so it reads `limit` rows and shows them all. */
		if (trending)
			q.limit = (int)limit - 1;
		rc = sr_store_list(req->store, &q, page_row, &p);
	}
	if (rc) {
		sr__internal(resp, rc);
		return;
	}
	sr_jw_arr_end(&w);
	sr_jw_key(&w, "nextCursor");
	if (p.more && !trending) {
		p.last.version = SR_CURSOR_VERSION;
		p.last.kind = sort + 1;
		p.last.filter = cursor_filter;
		p.last.dir = desc;
		char enc[SR_CURSOR_MAX_LEN + 1];
		if (sr_cursor_encode(&p.last, enc, sizeof(enc))) {
			sr__internal(resp, SR_EINVAL);
			return;
		}
		sr_jw_str(&w, enc);
	} else {
		sr_jw_null(&w);
	}
	sr_jw_obj_end(&w);
	if (sr_jw_error(&w)) {
		sr__internal(resp, sr_jw_error(&w));
		return;
	}
	sr_resp_json(resp, 200);
}

/* ---- search ---- */

/* Full-text candidates read per search: enough for the tiers to reorder the best bm25 matches,
 * bounded so a search reads a few times what it returns, never the whole index. */
#define SEARCH_CANDIDATES_MIN 40
#define SEARCH_CANDIDATES_MAX 200

#define SEARCH_MAX_TOKENS 16

struct cand {
	int64_t id;
	int tier;
	double rank;
	int64_t downloads, updated_at;
	char *json; /* the encoded result row, minus its score */
	size_t json_len;
};

struct search {
	sr_app *app;
	char q[256];       /* lower-cased query without leading '@' */
	char *tokens[SEARCH_MAX_TOKENS];
	int ntokens;
	struct cand *c;
	int n, cap;
	int rc;
};

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xc0) != 0x80)
			n++;
	return n;
}

/* Splits s (lower-cased ASCII) into [a-z0-9]+ words and checks each query token against them:
 * 1 when every token equals a word, 2 when every token is a prefix of one, else 3. */
static int match_tier(const struct search *S, const char *slug, const char *name)
{
	char buf[600];
	snprintf(buf, sizeof(buf), "%s %s", slug, name ? name : "");
	sr_lower(buf);
	char *words[128];
	int nw = 0;
	for (char *p = buf; *p && nw < 128;) {
		while (*p && !isalnum((unsigned char)*p))
			*p++ = '\0';
		if (!*p)
			break;
		words[nw++] = p;
		while (*p && isalnum((unsigned char)*p))
			p++;
	}
	int all_equal = 1, all_prefix = 1;
	for (int t = 0; t < S->ntokens; t++) {
		int eq = 0, pre = 0;
		size_t tl = strlen(S->tokens[t]);
		for (int i = 0; i < nw; i++) {
			if (strcmp(words[i], S->tokens[t]) == 0)
				eq = 1;
			if (strncmp(words[i], S->tokens[t], tl) == 0)
				pre = 1;
		}
		all_equal &= eq;
		all_prefix &= pre;
	}
	return all_equal ? 1 : all_prefix ? 2 : 3;
}

void sr__skill_card(sr_jw *w, const sr_skill_row *r)
{
	char id[40], canonical[300], ref[300];
	snprintf(id, sizeof(id), "clawhub:sk_%lld", (long long)r->id);
	snprintf(canonical, sizeof(canonical), "/%s/skills/%s", r->owner_handle, r->slug);
	snprintf(ref, sizeof(ref), "%s/%s", r->owner_handle, r->slug);
	sr_jw_kstr(w, "id", id);
	sr_jw_kstr(w, "source", "clawhub");
	sr_jw_kstr(w, "slug", r->slug);
	sr_jw_kstr(w, "displayName", r->display_name);
	sr_jw_kstr(w, "summary", r->summary);
	sr_jw_knull(w, "icon");
	sr_jw_kstr(w, "version", r->latest_version);
	sr_jw_kint(w, "downloads", r->downloads);
	sr_jw_kint(w, "stars", r->stars);
	sr_jw_kint(w, "installs", r->installs);
	sr_jw_kint(w, "updatedAt", r->updated_at);
	sr_jw_kstr(w, "ownerHandle", r->owner_handle);
	sr_jw_key(w, "owner");
	sr_jw_obj(w);
	sr_jw_kstr(w, "handle", r->owner_handle);
	sr_jw_kstr(w, "displayName", r->owner_display_name ? r->owner_display_name : r->owner_handle);
	sr_jw_kstr(w, "image", r->owner_image);
	sr_jw_obj_end(w);
	sr_jw_kstr(w, "canonicalUrl", canonical);
	sr_jw_key(w, "install");
	sr_jw_obj(w);
	sr_jw_kstr(w, "kind", "clawhub");
	sr_jw_kstr(w, "reference", ref);
	sr_jw_knull(w, "sourceUrl");
	sr_jw_obj_end(w);
	sr_jw_kbool(w, "official", 0);
	sr_jw_kbool(w, "featured", 0);
}

static int add_candidate(void *ud, const sr_skill_row *r)
{
	struct search *S = ud;
	for (int i = 0; i < S->n; i++)
		if (S->c[i].id == r->id)
			return 0;
	if (S->n == S->cap)
		return 1;
	struct cand *c = &S->c[S->n];
	c->id = r->id;
	char full[300];
	snprintf(full, sizeof(full), "%s/%s", r->owner_handle ? r->owner_handle : "", r->slug);
	if (strcmp(S->q, r->slug) == 0 || strcasecmp(S->q, full) == 0)
		c->tier = 0;
	else
		c->tier = match_tier(S, r->slug, r->display_name);
	c->rank = r->rank;
	c->downloads = r->downloads;
	c->updated_at = r->updated_at;
	sr_buf b;
	sr_buf_init(&b, 64 * 1024);
	sr_jw w;
	sr_jw_init(&w, &b);
	/* Written without its closing brace; the score goes in once the order is known. */
	sr_jw_obj(&w);
	sr__skill_card(&w, r);
	int rc = sr_jw_error(&w) == SR_EINVAL ? 0 : sr_jw_error(&w); /* open object expected */
	if (rc) {
		sr_buf_deinit(&b);
		S->rc = rc;
		return rc;
	}
	c->json = sr_buf_steal(&b, &c->json_len);
	S->n++;
	return 0;
}

/* Exact-slug candidates come from the slug index, which holds every skill: keep only the
 * browse-eligible ones, as the full-text query does. */
static int add_listed(void *ud, const sr_skill_row *r)
{
	return r->is_listed ? add_candidate(ud, r) : 0;
}

/* Tier first. Within the name tiers (a token equal to or starting a word of the slug or the
 * name) the more popular skill first: bm25 says little about a short name, and the names
 * stage does not rank. Within the summary tier, bm25. */
static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	if (x->tier != y->tier)
		return x->tier - y->tier;
	if (x->tier > 2 && x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (x->downloads != y->downloads)
		return x->downloads > y->downloads ? -1 : 1;
	if (x->updated_at != y->updated_at)
		return x->updated_at > y->updated_at ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Appends s as an FTS5 string token ("..." with quotes doubled). */
static int fts_quote(sr_buf *b, const char *s, size_t n)
{
	int rc = sr_buf_putc(b, '"');
	for (size_t i = 0; i < n && !rc; i++)
		rc = s[i] == '"' ? sr_buf_puts(b, "\"\"") : sr_buf_putc(b, s[i]);
	return rc ? rc : sr_buf_putc(b, '"');
}

/* Appends "tok1" AND "tok2" ...: every token as a quoted string (the trigram index matches
 * each as a substring). */
static int all_tokens(sr_buf *b, char **tokens, int n)
{
	int rc = 0;
	for (int t = 0; t < n && !rc; t++) {
		if (t)
			rc = sr_buf_puts(b, " AND ");
		if (!rc)
			rc = fts_quote(b, tokens[t], strlen(tokens[t]));
	}
	return rc;
}

static int is_cjk_lead(const unsigned char *p)
{
	/* Three-byte sequences from U+2E80 up to U+9FFF and the Hangul block. */
	return (p[0] == 0xe2 && p[1] >= 0xba) || (p[0] >= 0xe3 && p[0] <= 0xe9) || (p[0] >= 0xea && p[0] <= 0xed);
}

/* Builds the query for the single-character index: CJK tokens become phrases of their
 * characters, other tokens whole words or, with prefix, word prefixes. */
static int short_query(sr_buf *b, char **tokens, int n, int prefix)
{
	int rc = 0;
	for (int t = 0; t < n && !rc; t++) {
		if (t)
			rc = sr_buf_puts(b, " AND ");
		const unsigned char *p = (const unsigned char *)tokens[t];
		if (is_cjk_lead(p)) {
			sr_buf tmp;
			sr_buf_init(&tmp, 4096);
			while (*p && !rc) {
				size_t len = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc0 ? 2 : 1;
				if (tmp.len)
					rc = sr_buf_putc(&tmp, ' ');
				for (size_t k = 0; k < len && p[k] && !rc; k++)
					rc = sr_buf_putc(&tmp, (char)p[k]);
				p += len;
			}
			if (!rc)
				rc = fts_quote(b, tmp.data ? tmp.data : "", tmp.len);
			sr_buf_deinit(&tmp);
		} else {
			rc = fts_quote(b, tokens[t], strlen(tokens[t]));
			if (!rc && prefix)
				rc = sr_buf_putc(b, '*');
		}
	}
	return rc;
}

static void free_search(struct search *S)
{
	for (int i = 0; i < S->n; i++)
		free(S->c[i].json);
	free(S->c);
}

void sr__search(sr_app *app, sr_req *req, sr_resp *resp)
{
	req->route = "search";
	const char *mode = sr_req_query(req, "mode");
	if (mode && mode[0] && strcmp(mode, "exact") != 0) {
		sr_resp_text(resp, 400, "Invalid search mode");
		return;
	}
	int exact = mode && mode[0];
	long limit = sr__query_long(req, "limit", 10);
	if (limit < 1)
		limit = 1;
	if (limit > 100)
		limit = 100;
	const char *qs = sr_req_query(req, "q");
	struct search S;
	memset(&S, 0, sizeof(S));
	S.app = app;
	if (qs) {
		while (*qs == '@' || isspace((unsigned char)*qs))
			qs++;
		char *t = sr_trim_dup(qs, strlen(qs) < 255 ? strlen(qs) : 255);
		if (t) {
			snprintf(S.q, sizeof(S.q), "%s", t);
			free(t);
		}
	}
	sr_lower(S.q);
	char tokbuf[256];
	snprintf(tokbuf, sizeof(tokbuf), "%s", S.q);
	char *save = NULL;
	for (char *p = strtok_r(tokbuf, " \t\r\n", &save); p && S.ntokens < SEARCH_MAX_TOKENS;
	     p = strtok_r(NULL, " \t\r\n", &save))
		S.tokens[S.ntokens++] = p;
	/* highlightedOnly keeps staff-highlighted skills; skillreg has no highlight badges yet,
	 * so such a search honestly finds nothing rather than ignoring the filter. */
	const char *hl = sr_req_query(req, "highlightedOnly");
	int highlighted_only = hl && (strcmp(hl, "true") == 0 || strcmp(hl, "1") == 0);
	if (!S.ntokens || highlighted_only) {
		sr_buf_puts(&resp->body, "{\"results\":[]}");
		sr_resp_json(resp, 200);
		return;
	}
	S.cap = exact ? 8 : (int)(limit * 4 < SEARCH_CANDIDATES_MIN ? SEARCH_CANDIDATES_MIN
					: limit * 4 > SEARCH_CANDIDATES_MAX ? SEARCH_CANDIDATES_MAX : limit * 4);
	S.c = calloc((size_t)S.cap, sizeof(*S.c));
	if (!S.c) {
		sr__internal(resp, SR_ENOMEM);
		return;
	}
	int rc = 0;
	/* Exact slug matches first (also the whole of exact mode), then full-text candidates. */
	char slug[128];
	const char *slash = strchr(S.q, '/');
	if (sr_slug_normalize(slash ? slash + 1 : S.q, slug, sizeof(slug)) == 0 && sr_slug_is_plausible(slug)) {
		rc = sr_store_skills_by_slug(req->store, slug, 8, add_listed, &S);
	}
	if (!rc && !exact) {
		/* Stages, each ranking a bounded window of matches and skipping candidates already
		 * held: matches in the names, whole words, word prefixes, then (the trigram index)
		 * matches inside words, the last ones only when every token has three characters. */
		sr_buf fq;
		sr_buf_init(&fq, 8192);
		int trigram_ok = 1;
		for (int t = 0; t < S.ntokens; t++)
			if (utf8_chars(S.tokens[t]) < 3)
				trigram_ok = 0;
		/* Names first: a token equal to or starting a word of the slug or the name (tiers 1
		 * and 2) outranks a match in the summary whatever bm25 says, so a stage restricted to
		 * those two columns puts such skills among the candidates even when summary matches
		 * alone would fill them. It takes at most half the room. */
		if (trigram_ok) {
			rc = sr_buf_puts(&fq, "{slug display_name} : (");
			if (!rc)
				rc = all_tokens(&fq, S.tokens, S.ntokens);
			if (!rc)
				rc = sr_buf_putc(&fq, ')');
			if (!rc)
				rc = sr_store_search_names(req->store, fq.data, S.cap / 2, SR_SEARCH_WINDOW_TRIGRAMS,
							   add_candidate, &S);
			if (rc == SR_EINVAL)
				rc = 0;
		}
		/* Whole words before word prefixes: a prefix query merges the lists of every word
		 * that starts with it, which on a large catalogue costs more than ranking, so it runs
		 * only when whole words leave room. */
		for (int prefix = 0; prefix < 2 && !rc && S.n < S.cap; prefix++) {
			sr_buf_reset(&fq);
			rc = short_query(&fq, S.tokens, S.ntokens, prefix);
			if (!rc)
				rc = sr_store_search(req->store, fq.data, 1, S.cap, SR_SEARCH_WINDOW_WORDS,
						     add_candidate, &S);
			if (rc == SR_EINVAL)
				rc = 0; /* a query FTS cannot parse simply matches nothing */
		}
		if (!rc && trigram_ok && S.n < S.cap) {
			sr_buf_reset(&fq);
			rc = all_tokens(&fq, S.tokens, S.ntokens);
			if (!rc)
				/* Asks for a full set: the candidates already held come back too and are
				 * skipped, and they must not use up the room left for new ones. */
				rc = sr_store_search(req->store, fq.data, 0, S.cap, SR_SEARCH_WINDOW_TRIGRAMS,
						     add_candidate, &S);
			if (rc == SR_EINVAL)
				rc = 0;
		}
		sr_buf_deinit(&fq);
	}
	if (rc || S.rc) {
		free_search(&S);
		sr__internal(resp, rc ? rc : S.rc);
		return;
	}
	qsort(S.c, (size_t)S.n, sizeof(*S.c), cand_cmp);
	sr_buf *b = &resp->body;
	sr_buf_puts(b, "{\"results\":[");
	int out = 0;
	for (int i = 0; i < S.n && out < limit; i++) {
		if (exact && S.c[i].tier != 0)
			continue;
		if (out++)
			sr_buf_putc(b, ',');
		sr_buf_append(b, S.c[i].json, S.c[i].json_len);
		double lexical = S.c[i].tier == 0 ? 120 : S.c[i].tier == 1 ? 95 : S.c[i].tier == 2 ? 80 : 60;
		/* bm25 ranks are negative, better ones lower: fold them in as a small bonus where
		 * they order the results (the summary tier), so scores never increase down the list. */
		double score = (6 - S.c[i].tier) * 1000 + lexical - (S.c[i].tier > 2 ? S.c[i].rank : 0);
		sr_buf_printf(b, ",\"score\":%.4f}", score);
	}
	sr_buf_puts(b, "]}");
	free_search(&S);
	sr_resp_json(resp, 200);
}
