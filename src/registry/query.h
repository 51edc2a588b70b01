/*
 * query.h - a search query read against the word index (docs/search.md): its terms (the
 * tokenizer, stop words and stemmer of store/terms.h), each term's alternatives (a word
 * prefix, a typo's neighbours within one or two edits), and the candidates their postings
 * bring with a text score each. Internal to src/registry: search.c fetches the best
 * candidates' rows and orders them.
 */
#ifndef SR_REGISTRY_QUERY_H
#define SR_REGISTRY_QUERY_H

#include <stdint.h>

#include "store/store.h"
#include "store/terms.h"

#define SR__QTERMS_MAX 8 /* query terms read; the rest of a long query is ignored */
#define SR__ALTS_MAX 6   /* readings per term: itself, word prefixes, typo neighbours */

enum { SR__ALT_EXACT = 0, SR__ALT_PREFIX, SR__ALT_TYPO };

typedef struct sr__alt {
	char term[SR_TERM_MAX];
	char word[SR_TERM_MAX]; /* the vocabulary word (a typo's correction) */
	int kind;
	double weight; /* the reading's weight times its term's idf */
} sr__alt;

typedef struct sr__qterm {
	char term[SR_TERM_MAX], raw[SR_TERM_MAX];
	int64_t df;     /* skills holding the term */
	int64_t titled; /* 0: no name, slug or summary holds it (read as unknown: prefix, typo) */
	sr__alt alts[SR__ALTS_MAX];
	int nalts;
} sr__qterm;

typedef struct sr__cand {
	int64_t id;
	float s[SR__QTERMS_MAX]; /* the best reading's score per query term */
	int pop;                 /* popularity bucket of the best posting (ordering only) */
	double text;             /* the combined text score, once scored */
} sr__cand;

typedef struct sr__query {
	sr__qterm t[SR__QTERMS_MAX];
	int n;
	sr__cand *c;
	int nc, capc;
	int *slots; /* open-addressing table of candidate indexes by id */
	int nslots;
	int reads;  /* postings ranges read */
} sr__query;

/* Reads q (normalized, sr_search_normalize) into terms and their readings, and the postings
 * of each reading into candidates with text scores, sorted best first. 0 or an SR_E* code;
 * free with sr__query_free either way. */
int sr__query_run(sr_store *s, const char *q, sr__query *out);
void sr__query_free(sr__query *qr);
/* How many of the query's terms the candidate matched. */
int sr__query_matched(const sr__query *qr, const sr__cand *c);
/* Writes into out (size n) the query with each unknown word that has a typo correction
 * replaced by it; 1 when anything was replaced, else 0 and out is empty. */
int sr__query_suggest(const sr__query *qr, const char *q, char *out, size_t n);

#endif
