/*
 * terms.c - text into the word index's terms (terms.h): the one tokenizer, stemmer and stop
 * list that indexing and queries share, the typo keys, and the edit distance that checks a
 * typo's candidates.
 */
#include "store/terms.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "store/internal.h"

#define CJK_RUN_MAX 64

/* Words too common to say what a skill is for; a query of nothing else falls back to the
 * substring stages (registry/search.c). Sorted for bsearch. */
static const char *const stops[] = {
	"a",    "about", "an",   "and",  "any",  "are",   "as",    "at",   "be",   "by",    "can",
	"do",   "for",   "from", "get",  "has",  "have",  "how",   "i",    "if",   "in",    "into",
	"is",   "it",    "its",  "me",   "my",   "of",    "on",    "or",   "our",  "so",    "some",
	"that", "the",   "their", "them", "then", "these", "this",  "to",   "up",   "us",    "use",
	"used", "uses",  "using", "via",  "want", "was",   "we",    "what", "when", "which", "who",
	"will", "with",  "you",  "your",
};

static int cmp_stop(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int sr_term_is_stop(const char *w)
{
	return bsearch(&w, stops, sizeof(stops) / sizeof(stops[0]), sizeof(stops[0]), cmp_stop) != NULL;
}

static int ends(const char *w, size_t n, const char *suf)
{
	size_t k = strlen(suf);
	return n >= k && memcmp(w + n - k, suf, k) == 0;
}

static int is_vowel(char c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

static int has_vowel(const char *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (is_vowel(w[i]))
			return 1;
	return 0;
}

/* A light stemmer, not Porter's: the endings that split the forms people type of the same
 * word (plurals, -ing, -ed, -er, a final e) and nothing that needs a dictionary. Index and
 * query cut alike, so a cut that makes no English word still meets its other forms. */
void sr_term_stem(char *w)
{
	size_t n = strlen(w);
	for (size_t i = 0; i < n; i++)
		if (w[i] < 'a' || w[i] > 'z')
			return; /* digits or other scripts: kept whole (versions, names like "n8n") */
	if (n > 4 && ends(w, n, "ies")) {
		w[n - 3] = 'y';
		n -= 2;
	} else if (n > 4 && ends(w, n, "sses")) {
		n -= 2;
	} else if (n > 3 && w[n - 1] == 's' && !ends(w, n, "ss") && !ends(w, n, "us") && !ends(w, n, "is")) {
		n--;
	}
	w[n] = '\0';
	size_t cut = 0;
	if (n > 5 && ends(w, n, "ing") && has_vowel(w, n - 3))
		cut = 3;
	else if (n > 4 && ends(w, n, "ed") && has_vowel(w, n - 2))
		cut = 2;
	else if (n > 5 && ends(w, n, "er") && has_vowel(w, n - 2))
		cut = 2;
	if (cut) {
		n -= cut;
		/* "running" -> "runn" -> "run"; but "install", "fizz" and "press" keep theirs. */
		if (n > 2 && w[n - 1] == w[n - 2] && !is_vowel(w[n - 1]) && w[n - 1] != 'l' && w[n - 1] != 's' &&
		    w[n - 1] != 'z')
			n--;
	}
	if (n > 3 && w[n - 1] == 'e')
		n--;
	w[n] = '\0';
}

struct walk {
	int query;
	sr_term_fn fn;
	void *ud;
	char word[SR_TERM_MAX];
	size_t wn;
	int ascii; /* the word so far is ASCII only */
	const unsigned char *cjk[CJK_RUN_MAX];
	size_t cjklen[CJK_RUN_MAX];
	int ncjk;
};

static int flush_word(struct walk *w)
{
	if (!w->wn)
		return 0;
	w->word[w->wn] = '\0';
	size_t n = w->wn;
	w->wn = 0;
	if ((n == 1 && w->ascii) || sr_term_is_stop(w->word))
		return 0;
	char raw[SR_TERM_MAX], term[SR_TERM_MAX];
	memcpy(raw, w->word, n + 1);
	memcpy(term, w->word, n + 1);
	sr_term_stem(term);
	return w->fn(w->ud, term, raw);
}

static int emit_cjk(struct walk *w, int from, int count)
{
	char t[SR_TERM_MAX];
	size_t n = 0;
	for (int i = from; i < from + count; i++) {
		memcpy(t + n, w->cjk[i], w->cjklen[i]);
		n += w->cjklen[i];
	}
	t[n] = '\0';
	return w->fn(w->ud, t, t);
}

/* A run of CJK characters: the index holds each character and each neighbouring pair; a query
 * reads the pairs (a two-character word is one pair), or the lone character. */
static int flush_cjk(struct walk *w)
{
	int rc = 0, n = w->ncjk;
	w->ncjk = 0;
	for (int i = 0; i < n && !rc; i++) {
		if (!w->query || n == 1)
			rc = emit_cjk(w, i, 1);
		if (!rc && i + 1 < n)
			rc = emit_cjk(w, i, 2);
	}
	return rc;
}

int sr_terms_each(const char *text, int query, sr_term_fn fn, void *ud)
{
	struct walk w = {.query = query, .fn = fn, .ud = ud, .ascii = 1};
	const unsigned char *p = (const unsigned char *)(text ? text : "");
	int rc = 0;
	while (*p && !rc) {
		int cjk = 0;
		size_t len = sr__utf8_char(p, &cjk);
		if (cjk) {
			rc = flush_word(&w);
			if (!rc && w.ncjk == CJK_RUN_MAX)
				rc = flush_cjk(&w);
			w.cjk[w.ncjk] = p;
			w.cjklen[w.ncjk++] = len;
		} else {
			if (w.ncjk)
				rc = flush_cjk(&w);
			int word = len > 1 || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
				   (*p >= 'A' && *p <= 'Z');
			if (!rc && word) {
				if (!w.wn)
					w.ascii = 1;
				if (w.wn + len < SR_TERM_MAX) {
					for (size_t i = 0; i < len; i++)
						w.word[w.wn++] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]);
				}
				w.ascii &= len == 1;
			} else if (!rc) {
				rc = flush_word(&w);
			}
		}
		p += len;
	}
	if (!rc)
		rc = w.ncjk ? flush_cjk(&w) : flush_word(&w);
	return rc;
}

int sr_term_deletes(const char *term, sr_term_fn fn, void *ud)
{
	size_t n = strlen(term);
	char d[SR_TERM_MAX];
	for (size_t i = 0; i < n && n < SR_TERM_MAX; i++) {
		if (i > 0 && term[i] == term[i - 1])
			continue; /* deleting either of two equal letters gives the same key */
		memcpy(d, term, i);
		memcpy(d + i, term + i + 1, n - i);
		int rc = fn(ud, d, term);
		if (rc)
			return rc;
	}
	return 0;
}

static int min3(int a, int b, int c)
{
	return a < b ? (a < c ? a : c) : (b < c ? b : c);
}

int sr_term_distance(const char *a, const char *b, int max)
{
	int n = (int)strlen(a), m = (int)strlen(b);
	if (n >= SR_TERM_MAX || m >= SR_TERM_MAX || (n > m ? n - m : m - n) > max)
		return max + 1;
	int d[SR_TERM_MAX + 1][SR_TERM_MAX + 1];
	for (int i = 0; i <= n; i++)
		d[i][0] = i;
	for (int j = 0; j <= m; j++)
		d[0][j] = j;
	for (int i = 1; i <= n; i++)
		for (int j = 1; j <= m; j++) {
			int cost = a[i - 1] != b[j - 1];
			d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < d[i][j])
				d[i][j] = d[i - 2][j - 2] + 1;
		}
	return d[n][m] > max ? max + 1 : d[n][m];
}

int sr_term_popularity(int64_t downloads, int64_t installs, int64_t stars)
{
	double v = (double)(downloads > 0 ? downloads : 0) + 2.0 * (double)(installs > 0 ? installs : 0) +
		   20.0 * (double)(stars > 0 ? stars : 0);
	int b = (int)(log2(1.0 + v) * 32.0);
	return b < 0 ? 0 : b >= SR_IMPACT_POP ? SR_IMPACT_POP - 1 : b;
}
