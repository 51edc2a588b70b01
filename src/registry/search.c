/*
 * search.c - the search engine behind GET /api/v1/search and the web site's search page.
 *
 * A search reads a bounded number of candidates (exact slug matches, then full-text stages
 * that each rank a bounded window of matches) and orders them in memory by tier: an exact
 * slug first, then names whose words equal the query's tokens, then names they start, then
 * summary matches by bm25. Each candidate is encoded by the caller's callback while its row
 * is at hand, so nothing is read twice and the caller's format stays the caller's.
 */
#include "registry/search.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/util.h"
#include "registry/slug.h"

/* Full-text candidates read per search: enough for the tiers to reorder the best bm25 matches,
 * bounded so a search reads a few times what it returns, never the whole index. */
#define SEARCH_CANDIDATES_MIN 40
#define SEARCH_CANDIDATES_MAX 200
#define SEARCH_MAX_TOKENS 16
#define SEARCH_HIT_MAX (64 * 1024)

struct search {
	char q[SR_SEARCH_QUERY_MAX + 1];
	const char *tokens[SEARCH_MAX_TOKENS];
	int ntokens;
	sr_search_hit *c;
	int n, cap;
	int rc;
	sr_search_encode_fn enc;
	void *ud;
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

static int add_candidate(void *ud, const void *row)
{
	const sr_skill_row *r = row;
	struct search *S = ud;
	for (int i = 0; i < S->n; i++)
		if (S->c[i].id == r->id)
			return 0;
	if (S->n == S->cap)
		return 1;
	sr_search_hit *c = &S->c[S->n];
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
	sr_buf_init(&b, SEARCH_HIT_MAX);
	int rc = S->enc(S->ud, r, &b);
	if (rc) {
		sr_buf_deinit(&b);
		S->rc = rc;
		return rc;
	}
	c->data = sr_buf_steal(&b, &c->len);
	S->n++;
	return 0;
}

/* Exact-slug candidates come from the slug index, which holds every skill: keep only the
 * browse-eligible ones, as the full-text query does. */
static int add_listed(void *ud, const void *row)
{
	const sr_skill_row *r = row;
	return r->is_listed ? add_candidate(ud, r) : 0;
}

/* Tier first. Within the name tiers (a token equal to or starting a word of the slug or the
 * name) the more popular skill first: bm25 says little about a short name, and the names
 * stage does not rank. Within the summary tier, bm25. */
static int cand_cmp(const void *a, const void *b)
{
	const sr_search_hit *x = a, *y = b;
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

/* The full-text stages, each ranking a bounded window of matches and skipping candidates
 * already held: matches in the names, whole words, word prefixes, then (the trigram index)
 * matches inside words, the last ones only when every token has three characters. */
static int fulltext(sr_store *st, struct search *S)
{
	int rc = 0, trigram_ok = 1;
	for (int t = 0; t < S->ntokens; t++)
		if (utf8_chars(S->tokens[t]) < 3)
			trigram_ok = 0;
	/* Names first: a token equal to or starting a word of the slug or the name (tiers 1 and
	 * 2) outranks a match in the summary whatever bm25 says, so a stage restricted to those
	 * two columns puts such skills among the candidates even when summary matches alone
	 * would fill them. It takes at most half the room. */
	if (trigram_ok) {
		rc = sr_store_search(st, SR_MATCH_NAMES, S->tokens, S->ntokens, S->cap / 2, SR_SEARCH_WINDOW_TRIGRAMS,
				     add_candidate, S);
		if (rc == SR_EINVAL)
			rc = 0;
	}
	/* Whole words before word prefixes: a prefix query merges the lists of every word that
	 * starts with it, which on a large catalogue costs more than ranking, so it runs only
	 * when whole words leave room. */
	for (int prefix = 0; prefix < 2 && !rc && S->n < S->cap; prefix++) {
		rc = sr_store_search(st, prefix ? SR_MATCH_PREFIXES : SR_MATCH_WORDS, S->tokens, S->ntokens, S->cap,
				     SR_SEARCH_WINDOW_WORDS, add_candidate, S);
		if (rc == SR_EINVAL)
			rc = 0; /* a query the full-text index cannot parse simply matches nothing */
	}
	if (!rc && trigram_ok && S->n < S->cap) {
		/* Asks for a full set: the candidates already held come back too and are skipped,
		 * and they must not use up the room left for new ones. */
		rc = sr_store_search(st, SR_MATCH_INSIDE, S->tokens, S->ntokens, S->cap, SR_SEARCH_WINDOW_TRIGRAMS,
				     add_candidate, S);
		if (rc == SR_EINVAL)
			rc = 0;
	}
	return rc;
}

void sr_search_results_free(sr_search_results *r)
{
	for (int i = 0; r->hits && i < r->n; i++)
		free(r->hits[i].data);
	free(r->hits);
	r->hits = NULL;
	r->n = 0;
}

double sr_search_score(const sr_search_hit *h)
{
	double lexical = h->tier == 0 ? 120 : h->tier == 1 ? 95 : h->tier == 2 ? 80 : 60;
	/* bm25 ranks are negative, better ones lower: fold them in as a small bonus where they
	 * order the results (the summary tier), so scores never increase down the list. */
	return (6 - h->tier) * 1000 + lexical - (h->tier > 2 ? h->rank : 0);
}

void sr_search_normalize(const char *qs, char *out)
{
	out[0] = '\0';
	if (qs) {
		while (*qs == '@' || isspace((unsigned char)*qs))
			qs++;
		size_t n = strlen(qs);
		char *t = sr_trim_dup(qs, n < SR_SEARCH_QUERY_MAX ? n : SR_SEARCH_QUERY_MAX);
		if (t) {
			snprintf(out, SR_SEARCH_QUERY_MAX + 1, "%s", t);
			free(t);
		}
	}
	sr_lower(out);
}

int sr_search_run(sr_store *st, const char *qs, int exact, int limit, sr_search_encode_fn enc,
		  void *ud, sr_search_results *out)
{
	memset(out, 0, sizeof(*out));
	if (limit < 1)
		limit = 1;
	if (limit > SR_SEARCH_LIMIT_MAX)
		limit = SR_SEARCH_LIMIT_MAX;
	struct search S;
	memset(&S, 0, sizeof(S));
	S.enc = enc;
	S.ud = ud;
	sr_search_normalize(qs, S.q);
	snprintf(out->query, sizeof(out->query), "%s", S.q);
	char tokbuf[SR_SEARCH_QUERY_MAX + 1];
	snprintf(tokbuf, sizeof(tokbuf), "%s", S.q);
	char *save = NULL;
	for (char *p = strtok_r(tokbuf, " \t\r\n", &save); p && S.ntokens < SEARCH_MAX_TOKENS;
	     p = strtok_r(NULL, " \t\r\n", &save))
		S.tokens[S.ntokens++] = p;
	if (!S.ntokens)
		return 0;
	S.cap = exact ? 8 : (limit * 4 < SEARCH_CANDIDATES_MIN ? SEARCH_CANDIDATES_MIN
			     : limit * 4 > SEARCH_CANDIDATES_MAX ? SEARCH_CANDIDATES_MAX : limit * 4);
	S.c = calloc((size_t)S.cap, sizeof(*S.c));
	if (!S.c)
		return SR_ENOMEM;
	int rc = 0;
	/* Exact slug matches first (also the whole of exact mode), then full-text candidates. */
	char slug[128];
	const char *slash = strchr(S.q, '/');
	if (sr_slug_normalize(slash ? slash + 1 : S.q, slug, sizeof(slug)) == 0 && sr_slug_is_plausible(slug))
		rc = sr_store_skills_by_slug(st, slug, 8, add_listed, &S);
	if (!rc && !exact)
		rc = fulltext(st, &S);
	out->hits = S.c;
	out->n = S.n;
	if (rc || S.rc)
		return rc ? rc : S.rc;
	qsort(S.c, (size_t)S.n, sizeof(*S.c), cand_cmp);
	/* Keep the first limit hits that qualify, in order; free the rest. */
	int kept = 0;
	for (int i = 0; i < S.n; i++) {
		if (kept < limit && (!exact || S.c[i].tier == 0))
			S.c[kept++] = S.c[i];
		else
			free(S.c[i].data);
	}
	out->n = kept;
	return 0;
}
