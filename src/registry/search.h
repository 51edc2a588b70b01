/*
 * search.h - skill search shared by the API (GET /api/v1/search) and the web site's search
 * page: exact slug matches first, then the word index's best postings (docs/search.md), with
 * the bounded full-text stages of before when it finds nothing.
 *
 * The caller decides how a hit is shown: an encode callback turns each candidate row into
 * bytes (a JSON card, an HTML card) while the row is still in SQLite's memory, and the
 * results come back in their final order with the tier and rank that ordered them.
 */
#ifndef SR_SEARCH_H
#define SR_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "store/store.h"

#define SR_SEARCH_QUERY_MAX 255
#define SR_SEARCH_LIMIT_MAX 100
#define SR_SEARCH_MARKS 24    /* words to mark in a hit */
#define SR_SEARCH_MARK_LEN 40 /* bytes of one, NUL included */

/* Encodes one candidate into out (a buffer of its own per candidate); non-zero fails the
 * search with that code. */
typedef int (*sr_search_encode_fn)(void *ud, const sr_skill_row *row, sr_buf *out);

typedef struct sr_search_hit {
	int64_t id;
	int tier;     /* 0 exact slug, 1 exact name, 2 the word index, 3 the full-text fallback */
	double score; /* within the tier, higher is better */
	int64_t downloads, updated_at;
	char *data;   /* what the encode callback wrote */
	size_t len;
} sr_search_hit;

typedef struct sr_search_results {
	sr_search_hit *hits;
	int n;
	char query[SR_SEARCH_QUERY_MAX + 1]; /* the normalized query (lower case, trimmed) */
	/* The query with its unknown words corrected ("did you mean"), empty when none was. */
	char suggest[SR_SEARCH_QUERY_MAX + 1];
	/* The words a page marks in a hit's text: the query's words (stop words left out), their
	 * stems, the words their prefix readings stand for, and an unknown word's correction. Filled
	 * before the first hit is encoded, so an encode callback holding the results reads them;
	 * none in exact mode or when the full-text fallback answered. */
	char marks[SR_SEARCH_MARKS][SR_SEARCH_MARK_LEN];
	int nmarks;
} sr_search_results;

/* Runs a search for q (leading '@'s and spaces dropped, lower-cased); exact keeps only exact
 * slug matches (`owner/slug` names one). limit is clamped to 1..SR_SEARCH_LIMIT_MAX. An empty
 * query finds nothing. On success out holds up to limit hits in order (free with
 * sr_search_results_free, also after a failure). */
int sr_search_run(sr_store *s, const char *q, int exact, int limit, sr_search_encode_fn enc,
		  void *ud, sr_search_results *out);
/* The query as sr_search_run sees it: leading '@'s and spaces dropped, trimmed, at most
 * SR_SEARCH_QUERY_MAX bytes, lower case (out: SR_SEARCH_QUERY_MAX + 1 bytes). */
void sr_search_normalize(const char *q, char *out);
void sr_search_results_free(sr_search_results *r);
/* The searchable text of a SKILL.md (md, len bytes) appended to out (a buffer of at least
 * SR_SEARCH_TEXT_MAX bytes, store.h), at most SR_SEARCH_TEXT_MAX bytes: its body after the
 * frontmatter without fenced code blocks and http(s) addresses, which say how rather than
 * what a skill is for, each line ended by a newline, bytes that start no UTF-8 character
 * made spaces; a prefix of that text when it is longer. 0, or the buffer's error. */
int sr_search_body_text(const char *md, size_t len, sr_buf *out);
/* The API's score for a hit: tiers apart by 10,000, the hit's score within its tier. */
double sr_search_score(const sr_search_hit *h);

#endif
