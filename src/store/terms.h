/*
 * terms.h - how text becomes the terms of a word index for search (issue 14), the same for a
 * skill's name and summary when they are indexed and for a query when it is read, with the
 * typo keys (one-deletion forms) and the edit distance that checks a typo's candidates: the
 * word index's postings (store/postings.c) and the search that reads them (registry/search.c).
 *
 * A term is a word of letters and digits, lower case, with its ending cut by a light English
 * stemmer ("notes" and "note", "posting" and "post" meet), or a CJK character, or a pair of
 * neighbouring CJK characters (the index holds both; a query of two or more CJK characters
 * reads its pairs, a single character itself). Stop words and single ASCII letters are no
 * terms.
 */
#ifndef SR_STORE_TERMS_H
#define SR_STORE_TERMS_H

#include <stddef.h>
#include <stdint.h>


#define SR_TERM_MAX 40     /* bytes of a term, NUL included; longer words are cut */
#define SR_TERM_TYPO_MIN 4 /* shorter terms have no typo keys: one edit makes another word */

/* Field classes of a posting, in the impact's high bits: a name outranks a summary. */
enum { SR_FIELD_SUMMARY = 1, SR_FIELD_NAME = 2 };
#define SR_IMPACT_POP 1024 /* sr_term_popularity's range: 0..1023 */
/* A posting's impact (store/postings.c) is round(text score * SR_IMPACT_TEXT_SCALE), 1..255,
 * times 16, plus the popularity bucket / 64: the text score is impact / 16 / scale. */
#define SR_IMPACT_TEXT_SCALE 20.0

/* Called for each term; `raw` is the word before stemming (the term itself for CJK). Non-zero
 * stops the walk and is returned. */
typedef int (*sr_term_fn)(void *ud, const char *term, const char *raw);

/* Walks the terms of text; query != 0 reads CJK as a query does (pairs, or a lone character). */
int sr_terms_each(const char *text, int query, sr_term_fn fn, void *ud);
/* Cuts a lower-case ASCII word's ending in place (plural, -ing, -ed, -er, final e). */
void sr_term_stem(char *w);
/* Whether a lower-case word is a stop word ("to", "the", "for"...). */
int sr_term_is_stop(const char *w);
/* Calls fn with each form of term that has one character (byte of ASCII) deleted. */
int sr_term_deletes(const char *term, sr_term_fn fn, void *ud);
/* The optimal-string-alignment distance of a and b (edits and swaps of neighbours), or
 * max + 1 when it is larger than max. */
int sr_term_distance(const char *a, const char *b, int max);
/* The popularity bucket of a skill (0..SR_IMPACT_POP - 1), from its downloads, installs and
 * stars on a log scale. */
int sr_term_popularity(int64_t downloads, int64_t installs, int64_t stars);

#endif
