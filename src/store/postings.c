/*
 * postings.c - the search engine's word index (issue 14, docs/search.md): how a skill's slug,
 * name and summary become postings with an impact, kept in the transaction of every write
 * that changes them, and the bounded reads a search makes of them (store.h).
 *
 * The tables are migration 0019 (SQLite) / 0011 (PostgreSQL). A posting's impact is the
 * term's field-weighted text score in the skill, quantised to 8 bits, times 16, plus the
 * skill's popularity bucket when it was indexed (4 bits) to order equal text scores: the
 * best postings of a term are the first of its key range read backwards, so a search reads
 * a fixed number of them however many skills hold the term. Postings exist for every skill
 * whatever its visibility; a search filters by the rows it fetches.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "store/internal.h"
#include "store/terms.h"

#define DOC_TERMS_MAX 256 /* distinct terms indexed per skill; a summary is at most 1 KB */
#define OLD_TERMS_MAX 1024

enum { F_SLUG = 1, F_NAME = 2 };

struct doc_term {
	char term[SR_TERM_MAX];
	char raw[SR_TERM_MAX];
	int fields; /* F_SLUG | F_NAME */
	int tf;     /* occurrences in the summary */
};

struct doc {
	struct doc_term t[DOC_TERMS_MAX];
	int n;
	int field;                 /* the field being walked: F_SLUG, F_NAME or 0 (summary) */
	int nslug, nname, nsummary; /* terms walked per field */
};

static int add_term(void *ud, const char *term, const char *raw)
{
	struct doc *d = ud;
	d->field == F_SLUG ? d->nslug++ : d->field == F_NAME ? d->nname++ : d->nsummary++;
	for (int i = 0; i < d->n; i++)
		if (strcmp(d->t[i].term, term) == 0) {
			d->t[i].fields |= d->field;
			d->t[i].tf += d->field == 0;
			return 0;
		}
	if (d->n == DOC_TERMS_MAX)
		return 0;
	struct doc_term *t = &d->t[d->n++];
	snprintf(t->term, sizeof(t->term), "%s", term);
	snprintf(t->raw, sizeof(t->raw), "%s", raw);
	t->fields = d->field;
	t->tf = d->field == 0;
	return 0;
}

/* The slug with its dashes dropped is a term of the slug too: "homeassistant" finds
 * home-assistant, as people type a product's name run together. */
static void add_joined_slug(struct doc *d, const char *slug)
{
	char j[SR_TERM_MAX];
	size_t n = 0;
	int dashes = 0;
	for (const char *p = slug; *p && n + 1 < sizeof(j); p++) {
		if (*p == '-')
			dashes++;
		else
			j[n++] = *p;
	}
	j[n] = '\0';
	if (dashes && n >= 4 && n + 1 < sizeof(j)) {
		int before = d->nslug;
		add_term(d, j, j);
		d->nslug = before;
	}
}

/* The text score of one term in one skill: a word of the name or the slug counts most, more
 * in a short name than in a long one; the summary's count saturates and is weighed by the
 * summary's length (BM25's shape without its corpus statistics, which the query's idf
 * brings). */
static double text_score(const struct doc *d, const struct doc_term *t)
{
	double title = 0;
	int nt = d->nname > d->nslug ? d->nname : d->nslug;
	if (nt > 8)
		nt = 8;
	if (t->fields & F_NAME)
		title += 4.0;
	if (t->fields & F_SLUG)
		title += 4.0;
	title *= 3.0 / (2.0 + 0.5 * nt);
	double sum = 0;
	if (t->tf) {
		double norm = 0.6 + 0.4 * (double)d->nsummary / 12.0;
		sum = 2.0 * (double)t->tf / ((double)t->tf + norm);
	}
	return title + sum;
}

int sr__postings_impact(double text, int popularity)
{
	int q = (int)lround(text * SR_IMPACT_TEXT_SCALE);
	q = q < 1 ? 1 : q > 255 ? 255 : q;
	int pop = popularity / (SR_IMPACT_POP / 16);
	return q * 16 + (pop < 0 ? 0 : pop > 15 ? 15 : pop);
}

struct old_terms {
	char (*t)[SR_TERM_MAX];
	int n;
};

static int old_term(void *ud, const void *row)
{
	struct old_terms *o = ud;
	const sr_term_row *r = row;
	if (o->n == OLD_TERMS_MAX)
		return 1;
	snprintf(o->t[o->n++], SR_TERM_MAX, "%s", r->term);
	return 0;
}

static void read_term(sr_store *s, sr__stmt *st, void *row)
{
	(void)s;
	sr_term_row *r = row;
	memset(r, 0, sizeof(*r));
	r->term = sr__col_text(st, 0);
}

/* Drops a skill's postings and takes its terms out of the vocabulary's counts. */
static int drop_postings(sr_store *s, int64_t skill_id)
{
	struct old_terms o = {calloc(OLD_TERMS_MAX, SR_TERM_MAX), 0};
	if (!o.t)
		return SR_ENOMEM;
	sr_term_row row;
	int rc = sr__each(s, sr__query(s, Q_POSTINGS_OF, "I", skill_id), read_term, &row, old_term, &o);
	for (int i = 0; i < o.n && !rc; i++)
		rc = sr__run(s, Q_TERM_DROP, "t", o.t[i]);
	free(o.t);
	return rc ? rc : sr__run(s, Q_POSTINGS_DEL, "I", skill_id);
}

/* Rows waiting for their batched insert: postings SR_POSTINGS_BATCH at a time, typo keys
 * SR_TYPO_ADD_BATCH at a time; a batch not full repeats its first row (the insert ignores it). */
struct pending {
	sr_store *s;
	int64_t skill_id;
	struct {
		char term[SR_TERM_MAX];
		int impact;
	} p[SR_POSTINGS_BATCH];
	int np;
	struct {
		char key[SR_TERM_MAX], word[SR_TERM_MAX], term[SR_TERM_MAX];
	} k[SR_TYPO_ADD_BATCH];
	int nk;
	const char *term; /* the term whose keys are being queued */
};

static int flush_postings(struct pending *w)
{
	if (!w->np)
		return 0;
	sr__stmt *st = sr__prepare(w->s, Q_POSTING_ADD);
	if (!st)
		return SR_EDB;
	for (int i = 0; i < SR_POSTINGS_BATCH; i++) {
		int j = i < w->np ? i : 0;
		sr__bind_text(st, 3 * i + 1, w->p[j].term);
		sr__bind_int(st, 3 * i + 2, w->p[j].impact);
		sr__bind_int64(st, 3 * i + 3, w->skill_id);
	}
	w->np = 0;
	return sr__exec(w->s, st);
}

static int flush_keys(struct pending *w)
{
	if (!w->nk)
		return 0;
	sr__stmt *st = sr__prepare(w->s, Q_TYPO_ADD);
	if (!st)
		return SR_EDB;
	for (int i = 0; i < SR_TYPO_ADD_BATCH; i++) {
		int j = i < w->nk ? i : 0;
		sr__bind_text(st, 3 * i + 1, w->k[j].key);
		sr__bind_text(st, 3 * i + 2, w->k[j].word);
		sr__bind_text(st, 3 * i + 3, w->k[j].term);
	}
	w->nk = 0;
	return sr__exec(w->s, st);
}

static int typo_key(void *ud, const char *key, const char *word)
{
	struct pending *w = ud;
	if (w->nk == SR_TYPO_ADD_BATCH) {
		int rc = flush_keys(w);
		if (rc)
			return rc;
	}
	snprintf(w->k[w->nk].key, SR_TERM_MAX, "%s", key);
	snprintf(w->k[w->nk].word, SR_TERM_MAX, "%s", word);
	snprintf(w->k[w->nk].term, SR_TERM_MAX, "%s", w->term);
	w->nk++;
	return 0;
}

static int letters(const char *w)
{
	for (const char *p = w; *p; p++)
		if (*p < 'a' || *p > 'z')
			return 0;
	return 1;
}

static int word_keys(struct pending *w, const char *word, const char *term)
{
	if (strlen(word) < SR_TERM_TYPO_MIN || !letters(word))
		return 0;
	w->term = term;
	int rc = typo_key(w, word, word);
	return rc ? rc : sr_term_deletes(word, typo_key, w);
}

/* A term new to the vocabulary brings typo keys: the word form that brought it and the term
 * itself (a stem meets every form of its word: "invoce" and "invoices" are two edits apart,
 * their stems one), each with its one-deletion forms. Only ASCII words of SR_TERM_TYPO_MIN
 * letters or more: one edit of a shorter word is another word, and the deletion of a byte
 * would split a character of other scripts. */
static int add_typo_keys(struct pending *w, const struct doc_term *t)
{
	int rc = word_keys(w, t->raw, t->term);
	return rc || strcmp(t->raw, t->term) == 0 ? rc : word_keys(w, t->term, t->term);
}

static int add_posting(struct pending *w, const char *term, int impact)
{
	if (w->np == SR_POSTINGS_BATCH) {
		int rc = flush_postings(w);
		if (rc)
			return rc;
	}
	snprintf(w->p[w->np].term, SR_TERM_MAX, "%s", term);
	w->p[w->np].impact = impact;
	w->np++;
	return 0;
}

int sr__postings_write(sr_store *s, const sr_skill_row *r)
{
	int rc = drop_postings(s, r->id);
	if (rc)
		return rc;
	struct doc *d = calloc(1, sizeof(*d));
	struct pending *w = calloc(1, sizeof(*w));
	if (!d || !w) {
		free(d);
		free(w);
		return SR_ENOMEM;
	}
	w->s = s;
	w->skill_id = r->id;
	d->field = F_SLUG;
	sr_terms_each(r->slug, 0, add_term, d);
	add_joined_slug(d, r->slug ? r->slug : "");
	d->field = F_NAME;
	sr_terms_each(r->display_name, 0, add_term, d);
	d->field = 0;
	sr_terms_each(r->summary, 0, add_term, d);
	int pop = sr_term_popularity(r->downloads, r->installs, r->stars);
	for (int i = 0; i < d->n && !rc; i++) {
		const struct doc_term *t = &d->t[i];
		rc = add_posting(w, t->term, sr__postings_impact(text_score(d, t), pop));
		int64_t df = 0;
		if (!rc)
			rc = sr__one_int64(s, sr__query(s, Q_TERM_ADD, "t", t->term), &df);
		if (!rc && df == 1)
			rc = add_typo_keys(w, t);
	}
	if (!rc)
		rc = flush_postings(w);
	if (!rc)
		rc = flush_keys(w);
	free(d);
	free(w);
	return rc;
}

/* ---- reads ---- */

int sr_store_term_df(sr_store *s, const char *term, int64_t *df)
{
	*df = 0;
	int rc = sr__one_int64(s, sr__query(s, Q_TERM_GET, "t", term), df);
	return rc == SR_ENOTFOUND ? 0 : rc;
}

static void read_posting(sr_store *s, sr__stmt *st, void *row)
{
	(void)s;
	sr_posting_row *r = row;
	r->skill_id = sr__col_int64(st, 0);
	r->impact = sr__col_int(st, 1);
}

int sr_store_postings(sr_store *s, const char *term, int limit, sr_row_fn fn, void *ud)
{
	sr_posting_row row;
	return sr__each(s, sr__query(s, Q_POSTINGS, "ti", term, limit), read_posting, &row, fn, ud);
}

static void read_vocab(sr_store *s, sr__stmt *st, void *row)
{
	(void)s;
	sr_term_row *r = row;
	r->term = sr__col_text(st, 0);
	r->word = r->term;
	r->df = sr__col_int64(st, 1);
}

int sr_store_terms_prefix(sr_store *s, const char *prefix, int limit, sr_row_fn fn, void *ud)
{
	/* Terms are compared bytewise; a prefix's range ends before the prefix followed by the
	 * highest character UTF-8 encodes (U+10FFFF). */
	char hi[SR_TERM_MAX + 8];
	snprintf(hi, sizeof(hi), "%s\xf4\x8f\xbf\xbf", prefix);
	sr_term_row row;
	return sr__each(s, sr__query(s, Q_TERMS_PREFIX, "tti", prefix, hi, limit), read_vocab, &row, fn, ud);
}

static void read_typo(sr_store *s, sr__stmt *st, void *row)
{
	(void)s;
	sr_term_row *r = row;
	r->word = sr__col_text(st, 0);
	r->term = sr__col_text(st, 1);
	r->df = sr__col_int64(st, 2);
}

int sr_store_typo_terms(sr_store *s, const char *const *keys, int n, int limit, sr_row_fn fn, void *ud)
{
	int rc = 0;
	for (int i = 0; i < n && !rc; i += SR_TYPO_KEYS) {
		sr__stmt *st = sr__prepare(s, Q_TYPOS);
		if (!st)
			return SR_EDB;
		for (int k = 0; k < SR_TYPO_KEYS; k++)
			sr__bind_text(st, k + 1, i + k < n ? keys[i + k] : "");
		sr__bind_int(st, SR_TYPO_KEYS + 1, limit);
		sr_term_row row;
		rc = sr__each(s, st, read_typo, &row, fn, ud);
	}
	return rc;
}
