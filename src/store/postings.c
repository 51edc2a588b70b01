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

#include "core/buf.h"
#include "core/err.h"
#include "core/jw.h"
#include "store/internal.h"
#include "store/terms.h"

#define TITLE_TERMS_MAX 256 /* distinct terms of the slug, name and summary (a summary is at most 1 KB) */
#define BODY_TERMS_MAX 192  /* distinct terms the body adds, the first met */
#define DOC_TERMS_MAX (TITLE_TERMS_MAX + BODY_TERMS_MAX)
#define BODY_WORDS_AVG 300.0 /* a body's usual length in words, for its length weight */

enum { F_SLUG = 1, F_NAME = 2, F_SUMMARY = 4, F_BODY = 8 };
#define F_TITLED (F_SLUG | F_NAME | F_SUMMARY)

struct doc_term {
	char term[SR_TERM_MAX];
	char raw[SR_TERM_MAX];
	int fields; /* F_* */
	int tf;     /* occurrences in the summary */
	int btf;    /* occurrences in the body */
};

struct doc {
	struct doc_term t[DOC_TERMS_MAX];
	int n, nbody_only;                 /* terms, and those only the body brought */
	int field;                         /* the field being walked */
	int nslug, nname, nsummary, nbody; /* words walked per field */
};

static int add_term(void *ud, const char *term, const char *raw)
{
	struct doc *d = ud;
	switch (d->field) {
	case F_SLUG: d->nslug++; break;
	case F_NAME: d->nname++; break;
	case F_SUMMARY: d->nsummary++; break;
	default: d->nbody++; break;
	}
	for (int i = 0; i < d->n; i++)
		if (strcmp(d->t[i].term, term) == 0) {
			d->t[i].fields |= d->field;
			d->t[i].tf += d->field == F_SUMMARY;
			d->t[i].btf += d->field == F_BODY;
			return 0;
		}
	if (d->field == F_BODY ? d->nbody_only == BODY_TERMS_MAX : d->n - d->nbody_only == TITLE_TERMS_MAX)
		return 0;
	struct doc_term *t = &d->t[d->n++];
	d->nbody_only += d->field == F_BODY;
	snprintf(t->term, sizeof(t->term), "%s", term);
	snprintf(t->raw, sizeof(t->raw), "%s", raw);
	t->fields = d->field;
	t->tf = d->field == F_SUMMARY;
	t->btf = d->field == F_BODY;
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
 * brings); the body's the same way at half the summary's weight, so that name > summary >
 * body. */
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
	double body = 0;
	if (t->btf) {
		double norm = 0.6 + 0.4 * (double)d->nbody / BODY_WORDS_AVG;
		body = (double)t->btf / ((double)t->btf + norm);
	}
	return title + sum + body;
}

int sr__postings_impact(double text, int popularity)
{
	int q = (int)lround(text * SR_IMPACT_TEXT_SCALE);
	q = q < 1 ? 1 : q > 255 ? 255 : q;
	int pop = popularity / (SR_IMPACT_POP / 16);
	return q * 16 + (pop < 0 ? 0 : pop > 15 ? 15 : pop);
}

static int letters(const char *w)
{
	for (const char *p = w; *p; p++)
		if (*p < 'a' || *p > 'z')
			return 0;
	return 1;
}

/* Typo keys waiting for their insert, sorted before it (see sr__postings_write). */
struct key_row {
	char key[SR_TERM_MAX], word[SR_TERM_MAX], term[SR_TERM_MAX];
};

struct keys {
	struct key_row *r;
	size_t n, cap;
	const char *term; /* the term whose keys are being added */
	int rc;
};

static int typo_key(void *ud, const char *key, const char *word)
{
	struct keys *k = ud;
	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 256;
		struct key_row *r = realloc(k->r, cap * sizeof(*r));
		if (!r)
			return k->rc = SR_ENOMEM;
		k->r = r;
		k->cap = cap;
	}
	struct key_row *r = &k->r[k->n++];
	snprintf(r->key, sizeof(r->key), "%s", key);
	snprintf(r->word, sizeof(r->word), "%s", word);
	snprintf(r->term, sizeof(r->term), "%s", k->term);
	return 0;
}

static int word_keys(struct keys *k, const char *word, const char *term)
{
	if (strlen(word) < SR_TERM_TYPO_MIN || !letters(word))
		return 0;
	k->term = term;
	int rc = typo_key(k, word, word);
	return rc ? rc : sr_term_deletes(word, typo_key, k);
}

/* A term titled for the first time brings typo keys: the word form that brought it and the
 * term itself (a stem meets every form of its word: "invoce" and "invoices" are two edits
 * apart, their stems one), each with its one-deletion forms. Only ASCII words of
 * SR_TERM_TYPO_MIN letters or more: one edit of a shorter word is another word, and the
 * deletion of a byte would split a character of other scripts. */
static int add_typo_keys(struct keys *k, const struct doc_term *t)
{
	int rc = word_keys(k, t->raw, t->term);
	return rc || strcmp(t->raw, t->term) == 0 ? rc : word_keys(k, t->term, t->term);
}

static int cmp_term(const void *a, const void *b)
{
	return strcmp(((const struct doc_term *)a)->term, ((const struct doc_term *)b)->term);
}

static int cmp_key(const void *a, const void *b)
{
	const struct key_row *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : strcmp(x->word, y->word);
}

int sr_store_search_text_set(sr_store *s, int64_t skill_id, const char *text)
{
	size_t n = strnlen(text ? text : "", SR_SEARCH_TEXT_MAX + 1);
	if (n > SR_SEARCH_TEXT_MAX) {
		n = SR_SEARCH_TEXT_MAX;
		while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
			n--; /* not inside a UTF-8 character */
	}
	sr__stmt *st = sr__query(s, Q_SEARCH_TEXT_SET, "I", skill_id);
	if (!st)
		return SR_EDB;
	sr__bind_text_copy(st, 2, text ? text : "", n);
	return sr__exec(s, st);
}

/*
 * The writes, in five statements whatever the number of terms, none of them answering
 * anything (on PostgreSQL they ride in the pipeline of a write transaction: pg.c): the old
 * terms' counts down and the old postings dropped; the terms' counts up (one JSON array); the
 * postings (one array); the typo keys of every term the skill titles (one array, when there
 * are any), of which the insert keeps those of terms titled for the first time: a term's
 * titled count is 1 after the upsert only when this skill brought it. Terms and keys go in
 * their key order, so that two publishes sharing terms lock the vocabulary's rows in the same
 * order on PostgreSQL and cannot deadlock on them.
 */
int sr__postings_write(sr_store *s, const sr_index_source *r)
{
	int rc = sr__run(s, Q_TERM_DROP, "I", r->id);
	if (rc || (rc = sr__run(s, Q_POSTINGS_DEL, "I", r->id)))
		return rc;
	struct doc *d = calloc(1, sizeof(*d));
	if (!d)
		return SR_ENOMEM;
	d->field = F_SLUG;
	sr_terms_each(r->slug, 0, add_term, d);
	add_joined_slug(d, r->slug ? r->slug : "");
	d->field = F_NAME;
	sr_terms_each(r->display_name, 0, add_term, d);
	d->field = F_SUMMARY;
	sr_terms_each(r->summary, 0, add_term, d);
	d->field = F_BODY;
	sr_terms_each(r->body, 0, add_term, d);
	if (!d->n) {
		free(d);
		return 0;
	}
	qsort(d->t, (size_t)d->n, sizeof(d->t[0]), cmp_term);
	sr_buf terms, postings, keys;
	sr_buf_init(&terms, 1 << 20);
	sr_buf_init(&postings, 1 << 20);
	sr_buf_init(&keys, 4 << 20);
	sr_jw jt, jp, jk;
	sr_jw_init(&jt, &terms);
	sr_jw_init(&jp, &postings);
	sr_jw_init(&jk, &keys);
	sr_jw_arr(&jt);
	sr_jw_arr(&jp);
	int pop = sr_term_popularity(r->downloads, r->installs, r->stars);
	for (int i = 0; i < d->n; i++) {
		const struct doc_term *t = &d->t[i];
		sr_jw_arr(&jt);
		sr_jw_str(&jt, t->term);
		sr_jw_int(&jt, (t->fields & F_TITLED) != 0);
		sr_jw_arr_end(&jt);
		sr_jw_arr(&jp);
		sr_jw_str(&jp, t->term);
		sr_jw_int(&jp, sr__postings_impact(text_score(d, t), pop));
		sr_jw_arr_end(&jp);
	}
	sr_jw_arr_end(&jt);
	sr_jw_arr_end(&jp);
	rc = sr_jw_error(&jt) || sr_jw_error(&jp) ? SR_ENOMEM : 0;
	/* The keys of every term the skill titles; the insert keeps those of the terms titled for
	 * the first time (Q_TYPO_ADD), so no answer of the upsert is waited for. */
	struct keys k = {0};
	for (int i = 0; i < d->n && !rc; i++)
		if (d->t[i].fields & F_TITLED)
			rc = add_typo_keys(&k, &d->t[i]);
	if (!rc)
		rc = k.rc;
	if (!rc)
		rc = sr__run(s, Q_TERM_ADD, "t", terms.data);
	if (!rc)
		rc = sr__run(s, Q_POSTING_ADD, "tI", postings.data, r->id);
	if (!rc && k.n) {
		qsort(k.r, k.n, sizeof(k.r[0]), cmp_key);
		sr_jw_arr(&jk);
		for (size_t i = 0; i < k.n; i++) {
			sr_jw_arr(&jk);
			sr_jw_str(&jk, k.r[i].key);
			sr_jw_str(&jk, k.r[i].word);
			sr_jw_str(&jk, k.r[i].term);
			sr_jw_arr_end(&jk);
		}
		sr_jw_arr_end(&jk);
		rc = sr_jw_error(&jk) ? SR_ENOMEM : sr__run(s, Q_TYPO_ADD, "t", keys.data);
	}
	free(k.r);
	sr_buf_deinit(&terms);
	sr_buf_deinit(&postings);
	sr_buf_deinit(&keys);
	free(d);
	return rc;
}

/* ---- reads ---- */

struct df_ctx {
	int64_t *df, *titled;
};

static int take_df(void *ud, const void *row)
{
	struct df_ctx *c = ud;
	const sr_term_row *r = row;
	*c->df = r->df;
	*c->titled = r->titled;
	return 0;
}

static void read_df(sr_store *s, sr__stmt *st, void *row)
{
	(void)s;
	sr_term_row *r = row;
	memset(r, 0, sizeof(*r));
	r->df = sr__col_int64(st, 0);
	r->titled = sr__col_int64(st, 1);
}

int sr_store_term_df(sr_store *s, const char *term, int64_t *df, int64_t *titled)
{
	*df = *titled = 0;
	struct df_ctx c = {df, titled};
	sr_term_row row;
	return sr__each(s, sr__query(s, Q_TERM_GET, "t", term), read_df, &row, take_df, &c);
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
