/*
 * query.c - a search query against the word index (query.h, docs/search.md).
 *
 * Each query term is read as itself and, where that helps, as a few other vocabulary terms:
 * the last word (the one still being typed) and an unknown word also as the terms it starts,
 * an unknown or rare word also as the words within one or two edits of it (the typo keys).
 * Every reading reads one bounded range of postings, best impact first; a candidate keeps,
 * per query term, the score of its best reading (weight x idf x the posting's text score),
 * and its text score sums them, scaled by how many of the query's terms it matched: the
 * words are joined by OR, and matching more of them ranks higher.
 */
#include "registry/query.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

/* Postings read per reading: a term's own best 300 (the cap's cost, docs/search.md: a skill
 * past the 300 best of every one of the query's terms is not found by them), a prefix's or
 * a typo's best 100; at most READS_MAX ranges per query. */
#define POSTINGS_EXACT 300
#define POSTINGS_ALT 100
#define READS_MAX 20
#define PREFIX_SCAN 32    /* vocabulary terms read for a prefix */
#define PREFIX_KEEP 3     /* of which the most common are read */
#define TYPO_PER_KEY 8    /* words read per typo key, on average */
#define TYPO_KEEP 3

#define W_PREFIX 0.5
#define W_TYPO1 0.8
#define W_TYPO2 0.55

static int add_qterm(void *ud, const char *term, const char *raw)
{
	sr__query *qr = ud;
	for (int i = 0; i < qr->n; i++)
		if (strcmp(qr->t[i].term, term) == 0)
			return 0;
	if (qr->n == SR__QTERMS_MAX)
		return 1;
	sr__qterm *t = &qr->t[qr->n++];
	memset(t, 0, sizeof(*t));
	snprintf(t->term, sizeof(t->term), "%s", term);
	snprintf(t->raw, sizeof(t->raw), "%s", raw);
	return 0;
}

static double idf(int64_t df, int64_t n)
{
	if (df < 1)
		df = 1;
	if (n < df)
		n = df;
	return log(1.0 + ((double)n - (double)df + 0.5) / ((double)df + 0.5));
}

static int ascii_word(const char *w)
{
	for (const char *p = w; *p; p++)
		if ((*p < 'a' || *p > 'z') && (*p < '0' || *p > '9'))
			return 0;
	return 1;
}

static int letters_only(const char *w)
{
	for (const char *p = w; *p; p++)
		if (*p < 'a' || *p > 'z')
			return 0;
	return 1;
}

/* Adds a reading, or raises the weight of the same term's. */
static void add_alt(sr__qterm *t, const char *term, const char *word, int kind, double weight)
{
	for (int i = 0; i < t->nalts; i++)
		if (strcmp(t->alts[i].term, term) == 0) {
			if (weight > t->alts[i].weight)
				t->alts[i].weight = weight;
			return;
		}
	if (t->nalts == SR__ALTS_MAX)
		return;
	sr__alt *a = &t->alts[t->nalts++];
	snprintf(a->term, sizeof(a->term), "%s", term);
	snprintf(a->word, sizeof(a->word), "%s", word);
	a->kind = kind;
	a->weight = weight;
}

/* A bounded list of vocabulary terms picked from a read: a prefix's, or a typo's. */
struct picked {
	char term[SR_TERM_MAX], word[SR_TERM_MAX];
	int64_t df;
	int d; /* edit distance from the query's word (typos) */
};

struct pick {
	const char *self;
	const char *raw;  /* typo: the query's word */
	const char *stem; /* and its term */
	int maxd;
	struct picked p[PREFIX_SCAN];
	int n;
};

static int pick_row(void *ud, const void *row)
{
	struct pick *k = ud;
	const sr_term_row *r = row;
	if (!r->term || strcmp(r->term, k->self) == 0)
		return 0;
	int d = 0;
	if (k->raw) {
		/* The word or the term nearest the query's word or term. */
		const char *w = r->word ? r->word : "";
		d = sr_term_distance(k->raw, w, k->maxd);
		int ds = sr_term_distance(k->stem, w, k->maxd);
		if (ds < d)
			d = ds;
		if (d > k->maxd)
			return 0;
	}
	/* One pick per term, with its nearest word; of two as near, a word form rather than the
	 * stem (the index keys both), which is what a person typed and a suggestion shows. */
	const char *w = r->word ? r->word : r->term;
	for (int i = 0; i < k->n; i++)
		if (strcmp(k->p[i].term, r->term) == 0) {
			int stem = strcmp(k->p[i].word, k->p[i].term) == 0 && strcmp(w, r->term) != 0;
			if (d < k->p[i].d || (d == k->p[i].d && stem)) {
				k->p[i].d = d;
				snprintf(k->p[i].word, SR_TERM_MAX, "%s", w);
			}
			return 0;
		}
	if (k->n == PREFIX_SCAN)
		return 1;
	snprintf(k->p[k->n].term, SR_TERM_MAX, "%s", r->term);
	snprintf(k->p[k->n].word, SR_TERM_MAX, "%s", w);
	k->p[k->n].df = r->df;
	k->p[k->n].d = d;
	k->n++;
	return 0;
}

/* Nearer first, then the more common. */
static int pick_cmp(const void *a, const void *b)
{
	const struct picked *x = a, *y = b;
	if (x->d != y->d)
		return x->d - y->d;
	return x->df > y->df ? -1 : x->df < y->df;
}

/* The typo keys of a word: the word and its one-deletion forms. */
struct typo_keys {
	char k[SR_TERM_MAX + 1][SR_TERM_MAX];
	const char *p[SR_TERM_MAX + 1];
	int n;
};

static int take_key(void *ud, const char *key, const char *word)
{
	(void)word;
	struct typo_keys *c = ud;
	if (c->n <= SR_TERM_MAX) {
		snprintf(c->k[c->n], SR_TERM_MAX, "%s", key);
		c->p[c->n] = c->k[c->n];
		c->n++;
	}
	return 0;
}

/* Reads the vocabulary words sharing a typo key with word into k. */
static int read_keys(sr_store *s, const char *word, struct pick *k)
{
	struct typo_keys *c = calloc(1, sizeof(*c));
	if (!c)
		return SR_ENOMEM;
	take_key(c, word, word);
	sr_term_deletes(word, take_key, c);
	int rc = sr_store_typo_terms(s, c->p, c->n, TYPO_PER_KEY * SR_TYPO_KEYS, pick_row, k);
	free(c);
	return rc;
}

static int expand(sr_store *s, sr__qterm *t, int last, int64_t n)
{
	int rc = sr_store_term_df(s, t->term, &t->df, &t->titled);
	if (rc)
		return rc;
	double own = idf(t->df, n);
	if (t->df > 0)
		add_alt(t, t->term, t->raw, SR__ALT_EXACT, own);
	struct pick *k = calloc(1, sizeof(*k));
	if (!k)
		return SR_ENOMEM;
	/* The word being typed, or one no skill holds: the terms it starts. */
	if ((last || t->titled == 0) && strlen(t->term) >= 3 && ascii_word(t->term)) {
		k->self = t->term;
		rc = sr_store_terms_prefix(s, t->term, PREFIX_SCAN, pick_row, k);
		qsort(k->p, (size_t)k->n, sizeof(k->p[0]), pick_cmp);
		for (int i = 0; !rc && i < k->n && i < PREFIX_KEEP; i++)
			add_alt(t, k->p[i].term, k->p[i].word, SR__ALT_PREFIX,
				W_PREFIX * idf(k->p[i].df > t->df ? k->p[i].df : t->df, n));
	}
	/* An unknown word (in no name, slug or summary) or a rare one (one skill holds it): its
	 * neighbours within one edit (two for a long word). */
	size_t len = strlen(t->raw);
	if (!rc && (t->titled == 0 || t->df <= 1) && len >= SR_TERM_TYPO_MIN && letters_only(t->raw)) {
		memset(k, 0, sizeof(*k));
		k->self = t->term;
		k->raw = t->raw;
		k->stem = t->term;
		k->maxd = len >= 7 ? 2 : 1;
		rc = read_keys(s, t->raw, k);
		/* The query's term too when its word met nothing: the index keys terms as well as
		 * word forms ("invoce" meets "invoices" only through their stems). */
		if (!rc && k->n == 0 && strcmp(t->term, t->raw) != 0 && strlen(t->term) >= SR_TERM_TYPO_MIN)
			rc = read_keys(s, t->term, k);
		qsort(k->p, (size_t)k->n, sizeof(k->p[0]), pick_cmp);
		for (int i = 0; !rc && i < k->n && i < TYPO_KEEP; i++)
			add_alt(t, k->p[i].term, k->p[i].word, SR__ALT_TYPO,
				(k->p[i].d <= 1 ? W_TYPO1 : W_TYPO2) * idf(k->p[i].df, n));
	}
	free(k);
	return rc;
}

static sr__cand *cand_get(sr__query *qr, int64_t id)
{
	unsigned mask = (unsigned)qr->nslots - 1;
	unsigned h = (unsigned)((uint64_t)id * 0x9E3779B97F4A7C15ull >> 40) & mask;
	for (;; h = (h + 1) & mask) {
		int i = qr->slots[h];
		if (i < 0) {
			if (qr->nc == qr->capc)
				return NULL;
			qr->slots[h] = qr->nc;
			sr__cand *c = &qr->c[qr->nc++];
			memset(c, 0, sizeof(*c));
			c->id = id;
			return c;
		}
		if (qr->c[i].id == id)
			return &qr->c[i];
	}
}

struct reading {
	sr__query *qr;
	int term;
	double weight;
};

static int take_posting(void *ud, const void *row)
{
	struct reading *r = ud;
	const sr_posting_row *p = row;
	sr__cand *c = cand_get(r->qr, p->skill_id);
	if (!c)
		return 0;
	double v = r->weight * (double)(p->impact >> 4) / SR_IMPACT_TEXT_SCALE;
	if (v > c->s[r->term])
		c->s[r->term] = (float)v;
	if ((p->impact & 15) > c->pop)
		c->pop = p->impact & 15;
	return 0;
}

/* Own terms first, then the expansions, so the read budget goes to the surest readings.
 * With plan set, only counts in *most the postings the reads may bring. */
static int read_postings(sr_store *s, sr__query *qr, int plan, int *most)
{
	int reads = 0;
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < qr->n; i++)
			for (int a = 0; a < qr->t[i].nalts; a++) {
				const sr__alt *al = &qr->t[i].alts[a];
				if ((al->kind == SR__ALT_EXACT) != (pass == 0) || reads == READS_MAX)
					continue;
				int limit = al->kind == SR__ALT_EXACT ? POSTINGS_EXACT : POSTINGS_ALT;
				reads++;
				if (plan) {
					*most += limit;
					continue;
				}
				struct reading r = {qr, i, al->weight};
				int rc = sr_store_postings(s, al->term, limit, take_posting, &r);
				if (rc)
					return rc;
			}
	qr->reads = reads;
	return 0;
}

int sr__query_matched(const sr__query *qr, const sr__cand *c)
{
	int m = 0;
	for (int i = 0; i < qr->n; i++)
		m += c->s[i] > 0;
	return m;
}

static int cand_cmp(const void *a, const void *b)
{
	const sr__cand *x = a, *y = b;
	double kx = x->text + 0.001 * x->pop, ky = y->text + 0.001 * y->pop;
	if (kx != ky)
		return kx > ky ? -1 : 1;
	return x->id > y->id ? -1 : x->id < y->id;
}

/* The sum of a candidate's term scores, scaled by the share of the readable terms it matched,
 * squared: two of three words matched keep 44 % of their sum. */
static void score(sr__query *qr)
{
	int readable = 0;
	for (int i = 0; i < qr->n; i++)
		readable += qr->t[i].nalts > 0;
	for (int k = 0; k < qr->nc; k++) {
		sr__cand *c = &qr->c[k];
		double sum = 0;
		for (int i = 0; i < qr->n; i++)
			sum += c->s[i];
		double share = readable ? (double)sr__query_matched(qr, c) / readable : 0;
		c->text = sum * share * share;
	}
	qsort(qr->c, (size_t)qr->nc, sizeof(*qr->c), cand_cmp);
}

int sr__query_run(sr_store *s, const char *q, sr__query *qr)
{
	memset(qr, 0, sizeof(*qr));
	sr_terms_each(q, 1, add_qterm, qr);
	if (!qr->n)
		return 0;
	int64_t n = 0;
	int rc = sr_store_public_count(s, &n);
	if (rc == SR_ENOTFOUND)
		rc = 0;
	for (int i = 0; i < qr->n && !rc; i++)
		rc = expand(s, &qr->t[i], i == qr->n - 1, n);
	if (rc)
		return rc;
	/* Room for every posting the reads can bring (a few thousand at most), in a table kept
	 * at most half full: sized to the query, so a short query's stays small. */
	int most = 0;
	read_postings(s, qr, 1, &most);
	if (!most)
		return 0;
	qr->nslots = 16;
	while (qr->nslots < 2 * most)
		qr->nslots *= 2;
	qr->c = malloc((size_t)most * sizeof(*qr->c));
	qr->slots = malloc((size_t)qr->nslots * sizeof(*qr->slots));
	if (!qr->c || !qr->slots)
		return SR_ENOMEM;
	memset(qr->slots, 0xff, (size_t)qr->nslots * sizeof(*qr->slots));
	qr->capc = most;
	rc = read_postings(s, qr, 0, NULL);
	if (!rc)
		score(qr);
	return rc;
}

void sr__query_free(sr__query *qr)
{
	free(qr->c);
	free(qr->slots);
	qr->c = NULL;
	qr->slots = NULL;
	qr->nc = 0;
}

/* The correction of a query word, when it is unknown and a typo reading was found. */
static const char *correction(const sr__query *qr, const char *word)
{
	for (int i = 0; i < qr->n; i++) {
		const sr__qterm *t = &qr->t[i];
		if (t->df > 0 || strcmp(t->raw, word) != 0)
			continue;
		for (int a = 0; a < t->nalts; a++)
			if (t->alts[a].kind == SR__ALT_TYPO)
				return t->alts[a].word;
	}
	return NULL;
}

int sr__query_suggest(const sr__query *qr, const char *q, char *out, size_t n)
{
	size_t o = 0;
	int changed = 0;
	out[0] = '\0';
	for (const char *p = q; *p && o + 1 < n;) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')) {
			char w[SR_TERM_MAX];
			size_t k = 0;
			while (((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))) {
				if (k + 1 < sizeof(w))
					w[k++] = *p;
				p++;
			}
			w[k] = '\0';
			const char *fix = correction(qr, w);
			changed |= fix != NULL;
			int m = snprintf(out + o, n - o, "%s", fix ? fix : w);
			o = m < 0 || (size_t)m >= n - o ? n - 1 : o + (size_t)m;
		} else {
			out[o++] = *p++;
			out[o] = '\0';
		}
	}
	if (!changed)
		out[0] = '\0';
	return changed;
}
