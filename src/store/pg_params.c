/*
 * pg_params.c - the parameters of the PostgreSQL engine's statements: how many a text names,
 * the text renumbered to the ones it uses, and text values made valid UTF-8 for a read (pg.c
 * binds and sends them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "store/pg.h"

int sr__pg_nparams(const char *sql)
{
	int max = 0, quoted = 0;
	for (const char *c = sql; *c; c++) {
		if (*c == '\'')
			quoted = !quoted;
		else if (!quoted && c[0] == '$' && c[1] >= '0' && c[1] <= '9') {
			int n = (int)strtol(c + 1, NULL, 10);
			if (n > max)
				max = n;
		}
	}
	return max;
}

/*
 * A statement's text with its parameters numbered 1..m in the order of the numbers it uses.
 * The catalogue's numbers are SQLite's (a first list page uses ?4 but not ?1..?3), and
 * PostgreSQL refuses a parameter a text does not use (it cannot infer its type); so the
 * engine sends only the used ones. map[j] is the catalogue number - 1 of parameter j + 1;
 * *out is NULL when every number up to the highest is used (the text stays as it is), else a
 * rewritten copy to free().
 */
int sr__pg_compact(const char *sql, char **out, unsigned char *map, int *m)
{
	unsigned char used[SR__PG_PARAMS_MAX + 1] = {0};
	int max = sr__pg_nparams(sql), quoted = 0;
	*out = NULL;
	*m = 0;
	if (max > SR__PG_PARAMS_MAX)
		return SR_ETOOBIG;
	for (const char *c = sql; *c; c++) {
		if (*c == '\'')
			quoted = !quoted;
		else if (!quoted && c[0] == '$' && c[1] >= '1' && c[1] <= '9')
			used[strtol(c + 1, NULL, 10)] = 1;
	}
	int renum[SR__PG_PARAMS_MAX + 1] = {0};
	for (int k = 1; k <= max; k++)
		if (used[k]) {
			map[*m] = (unsigned char)(k - 1);
			renum[k] = ++*m;
		}
	if (*m == max)
		return 0;
	size_t len = strlen(sql);
	char *o = malloc(len + 1), *d = o, *end_o = o + len + 1;
	if (!o)
		return SR_ENOMEM;
	quoted = 0;
	for (const char *c = sql; *c;) {
		if (*c == '\'')
			quoted = !quoted;
		if (!quoted && c[0] == '$' && c[1] >= '1' && c[1] <= '9') {
			char *end;
			long k = strtol(c + 1, &end, 10);
			/* Never longer than the number it replaces. */
			d += snprintf(d, (size_t)(end_o - d), "$%d", renum[k]);
			c = end;
			continue;
		}
		*d++ = *c++;
	}
	*d = '\0';
	*out = o;
	return 0;
}

/* The length of the valid UTF-8 sequence at p (n bytes left), as PostgreSQL accepts it (no
 * overlong forms, no surrogates, nothing past U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t len = p[0] < 0x80 ? 1 : p[0] >= 0xc2 && p[0] <= 0xdf ? 2 : p[0] >= 0xe0 && p[0] <= 0xef ? 3 :
		     p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : 0;
	if (!len || len > n)
		return 0;
	for (size_t k = 1; k < len; k++)
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0) || (p[0] == 0xf0 && p[1] < 0x90) ||
	    (p[0] == 0xf4 && p[1] >= 0x90))
		return 0;
	return len;
}

/*
 * A copy of v (n bytes) with each byte that is not part of valid UTF-8 replaced by U+FFFD,
 * or NULL when v is valid (or out of memory). PostgreSQL refuses a text parameter that is not
 * UTF-8, where SQLite compares its bytes; a read whose key came from a client (a tampered
 * cursor, a path segment) then finds what SQLite finds, nothing or the rows after it, instead
 * of failing. Writes are bound as given: the domain checks what it stores.
 */
char *sr__pg_utf8_fixed(const char *v, size_t n)
{
	const unsigned char *p = (const unsigned char *)v;
	size_t i = 0, len;
	while (i < n && (len = utf8_len(p + i, n - i)))
		i += len;
	if (i == n)
		return NULL;
	char *o = malloc(n * 3 + 1), *d = o;
	if (!o)
		return NULL;
	for (i = 0; i < n;) {
		if ((len = utf8_len(p + i, n - i))) {
			memcpy(d, p + i, len);
			d += len;
			i += len;
		} else {
			memcpy(d, "\xef\xbf\xbd", 3);
			d += 3;
			i++;
		}
	}
	*d = '\0';
	return o;
}
