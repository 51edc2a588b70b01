/*
 * search.c - the search engine behind GET /api/v1/search and the web site's search page.
 *
 * A search reads a bounded number of candidates: exact slug matches, then the word index's
 * (query.c: the best postings of each query term and of its prefix and typo readings, scored
 * by text), of which the best few rows are fetched by id and ordered in memory by tier (an
 * exact slug, then an exact name, then the rest) and by score (the text score, a popularity
 * prior from the row, a phrase bonus). A query the word index finds nothing for (a piece of
 * a word, text it cannot split) falls back to the full-text stages of before, which read a
 * bounded window of FTS5 / pg_trgm matches. Each candidate is encoded by the caller's
 * callback while its row is at hand, so nothing is read twice and the caller's format stays
 * the caller's. docs/search.md says why each number is what it is.
 */
#include "registry/search.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/util.h"
#include "registry/frontmatter.h"
#include "registry/query.h"
#include "registry/slug.h"

/* Full-text candidates read per search: enough for the tiers to reorder the best bm25 matches,
 * bounded so a search reads a few times what it returns, never the whole index. */
#define SEARCH_CANDIDATES_MIN 40
#define SEARCH_CANDIDATES_MAX 200
#define SEARCH_MAX_TOKENS 16
#define SEARCH_HIT_MAX (64 * 1024)
/* Rows fetched from the word index's candidates: the wanted count and FETCH_EXTRA more, for
 * the popularity prior and the phrase bonus to reorder, and more only while hidden skills
 * leave the page short, up to FETCH_MAX. */
#define FETCH_EXTRA 6
#define FETCH_MAX 60
#define PHRASE_TERMS 160

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xc0) != 0x80)
			n++;
	return n;
}

struct search {
	char q[SR_SEARCH_QUERY_MAX + 1];
	const char *tokens[SEARCH_MAX_TOKENS];
	int ntokens;
	sr_search_hit *c;
	int n, cap;
	int rc;
	int fallback;          /* candidates come from the full-text stages (tier 3) */
	const sr__query *qr;   /* the word index's reading of the query, when it ran */
	const sr__cand *cand;  /* the candidate whose row is being read */
	const sr__cand *batch[SR_IDS_BATCH]; /* the candidates whose rows are being fetched */
	int nbatch;
	sr_search_encode_fn enc;
	void *ud;
};

/* The query with its spaces as dashes: "home assistant" names home-assistant. */
static int slug_equal(const char *q, const char *slug)
{
	for (; *q && *slug; q++, slug++)
		if (*q != *slug && !(*q == ' ' && *slug == '-'))
			return 0;
	return !*q && !*slug;
}

/* The popularity prior: a tenth more per thousandfold of downloads, installs and stars,
 * at most 30 %, so it orders matches of like text scores and never lifts a weak match over
 * a clearly better one. */
static double prior(const sr_skill_row *r)
{
	double v = (double)(r->downloads > 0 ? r->downloads : 0) + 2.0 * (double)(r->installs > 0 ? r->installs : 0) +
		   20.0 * (double)(r->stars > 0 ? r->stars : 0);
	double p = 0.033 * log10(1.0 + v);
	return p > 0.3 ? 0.3 : p;
}

struct seq {
	char t[PHRASE_TERMS][SR_TERM_MAX];
	int n;
};

static int seq_add(void *ud, const char *term, const char *raw)
{
	(void)raw;
	struct seq *q = ud;
	if (q->n == PHRASE_TERMS)
		return 1;
	snprintf(q->t[q->n++], SR_TERM_MAX, "%s", term);
	return 0;
}

/* Whether a text term is one of query term i's readings. */
static int reads_as(const sr__qterm *t, const char *term)
{
	for (int a = 0; a < t->nalts; a++)
		if (strcmp(t->alts[a].term, term) == 0)
			return 1;
	return 0;
}

/* The phrase bonus: a fifth more when every pair of neighbouring query terms also stands
 * side by side in the name or the summary, in part for some of the pairs. */
static double phrase(const sr__query *qr, const sr_skill_row *r)
{
	if (qr->n < 2)
		return 1.0;
	struct seq *q = calloc(1, sizeof(*q));
	if (!q)
		return 1.0;
	sr_terms_each(r->display_name, 1, seq_add, q);
	if (q->n < PHRASE_TERMS)
		snprintf(q->t[q->n++], SR_TERM_MAX, "%s", "");
	sr_terms_each(r->summary, 1, seq_add, q);
	int pairs = 0;
	for (int i = 0; i + 1 < qr->n; i++)
		for (int j = 0; j + 1 < q->n; j++)
			if (reads_as(&qr->t[i], q->t[j]) && reads_as(&qr->t[i + 1], q->t[j + 1])) {
				pairs++;
				break;
			}
	free(q);
	return 1.0 + 0.2 * pairs / (qr->n - 1);
}

/* Exact slug (or owner/slug) first, then an exact name (or the query's words dashed as the
 * slug), then the word index's ranking, then the full-text fallback's. */
static void rate(struct search *S, const sr_skill_row *r, sr_search_hit *c)
{
	char full[300];
	snprintf(full, sizeof(full), "%s/%s", r->owner_handle ? r->owner_handle : "", r->slug);
	c->score = 0;
	if (strcmp(S->q, r->slug) == 0 || strcasecmp(S->q, full) == 0)
		c->tier = 0;
	else if ((r->display_name && strcasecmp(S->q, r->display_name) == 0) || slug_equal(S->q, r->slug))
		c->tier = 1;
	else
		c->tier = S->fallback ? 3 : 2;
	if (S->cand)
		c->score = S->cand->text * (1.0 + prior(r)) * phrase(S->qr, r);
	else if (S->fallback)
		c->score = -r->rank;
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
	rate(S, r, c);
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

/* Exact-slug candidates come from the slug index, which holds every skill, and the word
 * index's from its postings, which hold every skill too: keep only the browse-eligible
 * ones, as the lists do. */
static int add_listed(void *ud, const void *row)
{
	const sr_skill_row *r = row;
	return r->is_listed ? add_candidate(ud, r) : 0;
}

/* A row of the word index's candidates: rated with its candidate's text score. */
static int add_fetched(void *ud, const void *row)
{
	const sr_skill_row *r = row;
	struct search *S = ud;
	for (int k = 0; k < S->nbatch; k++)
		if (S->batch[k]->id == r->id)
			S->cand = S->batch[k];
	int rc = S->cand ? add_listed(S, r) : 0;
	S->cand = NULL;
	return rc;
}

/* Tier first, then the score, then the more downloaded, the newer. */
static int cand_cmp(const void *a, const void *b)
{
	const sr_search_hit *x = a, *y = b;
	if (x->tier != y->tier)
		return x->tier - y->tier;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->downloads != y->downloads)
		return x->downloads > y->downloads ? -1 : 1;
	if (x->updated_at != y->updated_at)
		return x->updated_at > y->updated_at ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The word index: its candidates best text score first, fetched by id in batches until
 * `want` browse-eligible ones are held or FETCH_MAX rows were read. Their final order comes
 * from the rows (tiers, popularity, phrase), so a batch is a few more than wanted. */
static void add_mark(sr_search_results *out, const char *w)
{
	if (!w[0] || strlen(w) >= SR_SEARCH_MARK_LEN)
		return;
	for (int i = 0; i < out->nmarks; i++)
		if (strcmp(out->marks[i], w) == 0)
			return;
	if (out->nmarks < SR_SEARCH_MARKS)
		snprintf(out->marks[out->nmarks++], SR_SEARCH_MARK_LEN, "%s", w);
}

static void marks(const sr__query *qr, sr_search_results *out)
{
	for (int i = 0; i < qr->n; i++) {
		const sr__qterm *t = &qr->t[i];
		add_mark(out, t->raw);
		add_mark(out, t->term);
		/* A typo's correction only for a word no skill holds: a rare word's neighbours are
		 * read too, but they are not what was typed. */
		for (int a = 0; a < t->nalts; a++)
			if (t->alts[a].kind == SR__ALT_PREFIX || (t->alts[a].kind == SR__ALT_TYPO && t->df == 0))
				add_mark(out, t->alts[a].word);
	}
}

static int words(sr_store *st, struct search *S, sr__query *qr, int want, sr_search_results *out)
{
	int rc = sr__query_run(st, S->q, qr);
	if (rc)
		return rc;
	S->qr = qr;
	sr__query_suggest(qr, S->q, out->suggest, sizeof(out->suggest));
	marks(qr, out);
	int target = want + FETCH_EXTRA, fetched = 0, i = 0;
	while (!rc && i < qr->nc && fetched < FETCH_MAX && S->n < S->cap && (fetched < target || S->n < want)) {
		/* Up to SR_IDS_BATCH ids, no more than reach the target (or, past it, a batch). */
		int room = fetched < target ? target - fetched : SR_IDS_BATCH;
		S->nbatch = 0;
		for (; i < qr->nc && S->nbatch < SR_IDS_BATCH && S->nbatch < room && qr->c[i].text > 0; i++)
			S->batch[S->nbatch++] = &qr->c[i];
		if (!S->nbatch)
			break;
		int64_t ids[SR_IDS_BATCH];
		for (int k = 0; k < S->nbatch; k++)
			ids[k] = S->batch[k]->id;
		fetched += S->nbatch;
		rc = sr_store_skills_by_ids(st, ids, S->nbatch, add_fetched, S);
	}
	S->cand = NULL;
	return rc ? rc : S->rc;
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
	/* Tiers 10,000 apart, the score within (capped below the gap), so scores never increase
	 * down the list. */
	double v = h->score < 0 ? 0 : h->score > 9999 ? 9999 : h->score;
	return (4 - h->tier) * 10000 + v;
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
	/* Exact slug matches first (also the whole of exact mode), then the word index; the
	 * full-text stages only when neither found anything. */
	char slug[128];
	const char *slash = strchr(S.q, '/');
	if (sr_slug_normalize(slash ? slash + 1 : S.q, slug, sizeof(slug)) == 0 && sr_slug_is_plausible(slug))
		rc = sr_store_skills_by_slug(st, slug, 8, add_listed, &S);
	sr__query qr;
	memset(&qr, 0, sizeof(qr));
	if (!rc && !exact)
		rc = words(st, &S, &qr, limit, out);
	if (!rc && !exact && S.n == 0) {
		S.fallback = 1;
		out->nmarks = 0;
		rc = fulltext(st, &S);
	}
	sr__query_free(&qr);
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

/* The fence a line opens or closes a code block with: up to three spaces, then three or more
 * backticks or tildes. Returns the run's length and sets *c to its character, or 0. */
static size_t fence_of(const char *p, const char *end, char *c)
{
	int sp = 0;
	while (p < end && *p == ' ' && sp < 4) {
		p++;
		sp++;
	}
	if (sp == 4 || p == end || (*p != '`' && *p != '~'))
		return 0;
	size_t n = 0;
	while (p + n < end && p[n] == *p)
		n++;
	*c = *p;
	return n >= 3 ? n : 0;
}

int sr_search_body_text(const char *md, size_t len, sr_buf *out)
{
	const char *p = md + sr_frontmatter_body_offset(md, len), *end = md + len;
	char open_c = 0; /* the fence character of the code block the line is in, 0 outside */
	size_t open_n = 0;
	int rc = 0, full = 0;
	while (p < end && !rc && !full) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *next = eol ? eol + 1 : end;
		if (!eol)
			eol = end;
		char c;
		size_t n = fence_of(p, eol, &c);
		if (open_c) {
			/* Closed by a run of the same character at least as long, with nothing after. */
			if (n && c == open_c && n >= open_n) {
				const char *q = p;
				while (q < eol && (*q == ' ' || *q == c))
					q++;
				if (q == eol || (q + 1 == eol && *q == '\r'))
					open_c = 0;
			}
		} else if (n) {
			open_c = c;
			open_n = n;
		} else {
			for (const char *q = p; q < eol && !rc;) {
				if ((eol - q > 7 && strncmp(q, "http://", 7) == 0) ||
				    (eol - q > 8 && strncmp(q, "https://", 8) == 0)) {
					while (q < eol && *q != ' ' && *q != ')' && *q != '>' && *q != '\t')
						q++;
					continue;
				}
				size_t k = *q ? sr_utf8_seq((const unsigned char *)q, (size_t)(eol - q)) : 0;
				if (out->len + (k ? k : 1) + 1 > SR_SEARCH_TEXT_MAX) {
					full = 1; /* a prefix of the text: nothing after the cut */
					break;
				}
				/* A byte that starts no UTF-8 character (or a NUL) becomes a space: the
				 * text is stored as text, which PostgreSQL checks. */
				rc = k ? sr_buf_append(out, q, k) : sr_buf_putc(out, ' ');
				q += k ? k : 1;
			}
			/* The inner loop leaves room for the line's end. */
			if (!rc && out->len < SR_SEARCH_TEXT_MAX)
				rc = sr_buf_putc(out, '\n');
			full |= out->len >= SR_SEARCH_TEXT_MAX;
		}
		p = next;
	}
	return rc;
}
