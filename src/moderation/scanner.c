/*
 * scanner.c - the built-in static scanner (see scanner.h and docs/scanner.md).
 *
 * This module owns three things: the rules (parsed from the data file format into an opaque
 * handle that is read-only afterwards, so one handle can serve many threads), the matcher
 * (literal token sequences found case-insensitively on one line, plus the hand-written
 * checks) and the verdict rule. It reads no database and writes nothing; the caller decides
 * what a verdict does to a skill.
 *
 * The matcher is deliberately not a regular expression engine: every pattern is a list of
 * literal tokens, each found with memmem() from where the previous one ended, taking the
 * occurrence that ends first. That choice is optimal for "these tokens in this order", so
 * no backtracking is ever needed and the cost is linear in the line for each pattern.
 */
#include "moderation/scanner.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/err.h"
#include "core/jw.h"
#include "registry/frontmatter.h"
#include "registry/modstate.h"
#include "scanner_rules.h"

#define MAX_RULES 256
#define MAX_PATTERNS 1024
#define MAX_TOKENS 8
#define MAX_ALTS 16
#define MAX_POPULAR 1024
#define POPULAR_MAX_LEN 100
#define RULES_MAX_LINE 1024
#define EXCERPT_BEFORE 40 /* bytes of context kept before a match */

enum { SCOPE_ANY, SCOPE_SKILL_MD };

enum {
	CHECK_NONE,
	CHECK_EXECUTABLE_MAGIC, /* file: ELF, PE or Mach-O header */
	CHECK_NUL_IN_TEXT,      /* file: NUL bytes in a file named like text */
	CHECK_RAW_IPV4_URL,     /* line: http(s)://a.b.c.d with a public address */
	CHECK_TYPOSQUAT         /* skill: slug or name near a popular slug */
};

static const char *const check_names[] = {"", "executable-magic", "nul-in-text", "raw-ipv4-url",
					  "typosquat"};

struct alt {
	const char *s; /* lower case, inside the pattern's text */
	size_t len;
};

struct token {
	struct alt alts[MAX_ALTS];
	int nalts;
	int word; /* '=': not preceded or followed by a word character */
	int neg;  /* '!': the line must not contain it */
};

struct pattern {
	char *text; /* owns the alternatives' bytes */
	struct token toks[MAX_TOKENS];
	int ntoks;
};

struct rule {
	char id[64];
	char title[160];
	sr_scan_severity sev;
	int scope;
	int checks[4];
	int nchecks;
	size_t first_pat, npats; /* patterns are contiguous: they follow their rule line */
};

struct sr_scan_rules {
	struct rule *rules;
	size_t nrules;
	struct pattern *pats;
	size_t npats, patcap;
	char (*popular)[POPULAR_MAX_LEN + 1];
	size_t npopular;
};

static const char *const sev_names[] = {"info", "low", "medium", "high", "critical"};

const char *sr_scan_severity_name(sr_scan_severity s)
{
	return s >= 0 && s < SR_SEV_COUNT ? sev_names[s] : "unknown";
}

const char *sr_scan_verdict_name(sr_scan_verdict v)
{
	const char *name = sr_verdict_name(v);
	return name ? name : "unknown";
}

sr_scan_verdict sr_scan_decide(const unsigned counts[SR_SEV_COUNT])
{
	if (counts[SR_SEV_CRITICAL])
		return SR_VERDICT_MALICIOUS;
	if (counts[SR_SEV_HIGH] || counts[SR_SEV_MEDIUM] >= 2)
		return SR_VERDICT_SUSPICIOUS;
	return SR_VERDICT_CLEAN;
}

/* ---- rules ---- */

static void seterr(char *err, size_t errsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errsz, const char *fmt, ...)
{
	if (!err || !errsz)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

void sr_scan_rules_free(sr_scan_rules *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->npats; i++)
		free(r->pats[i].text);
	free(r->pats);
	free(r->rules);
	free(r->popular);
	free(r);
}

size_t sr_scan_rules_count(const sr_scan_rules *r)
{
	return r->nrules;
}

const char *sr_scan_rule_id(const sr_scan_rules *r, size_t i)
{
	return i < r->nrules ? r->rules[i].id : NULL;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static int is_word(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Parses the tokens of a match line (already copied into p->text, lower-cased) in place. */
static int parse_pattern(struct pattern *p, char *err, size_t errsz, int lineno)
{
	char *s = p->text;
	int npos = 0;
	while (*s) {
		while (is_space(*s))
			s++;
		if (!*s)
			break;
		if (p->ntoks == MAX_TOKENS) {
			seterr(err, errsz, "line %d: more than %d tokens", lineno, MAX_TOKENS);
			return SR_EINVAL;
		}
		struct token *t = &p->toks[p->ntoks];
		memset(t, 0, sizeof(*t));
		for (;; s++) {
			if (*s == '!' && !t->neg && s[1] && !is_space(s[1]))
				t->neg = 1;
			else if (*s == '=' && !t->word && s[1] && !is_space(s[1]))
				t->word = 1;
			else
				break;
		}
		char *body, *end;
		if (*s == '"') {
			body = s + 1;
			if (!(end = strchr(body, '"'))) {
				seterr(err, errsz, "line %d: unterminated quote", lineno);
				return SR_EINVAL;
			}
			if (end[1] && !is_space(end[1])) {
				seterr(err, errsz, "line %d: text right after a closing quote", lineno);
				return SR_EINVAL;
			}
			*end = '\0';
			s = end + 1;
		} else {
			body = end = s;
			while (*end && !is_space(*end))
				end++;
			s = *end ? end + 1 : end;
			*end = '\0';
		}
		/* alternatives, split on commas */
		char *a = body;
		for (;;) {
			char *comma = strchr(a, ',');
			size_t len = comma ? (size_t)(comma - a) : strlen(a);
			if (!len) {
				seterr(err, errsz, "line %d: empty token or alternative", lineno);
				return SR_EINVAL;
			}
			if (t->nalts == MAX_ALTS) {
				seterr(err, errsz, "line %d: more than %d alternatives", lineno, MAX_ALTS);
				return SR_EINVAL;
			}
			t->alts[t->nalts].s = a;
			t->alts[t->nalts].len = len;
			t->nalts++;
			if (!comma)
				break;
			a = comma + 1;
		}
		if (!t->neg)
			npos++;
		p->ntoks++;
	}
	if (!npos) {
		seterr(err, errsz, "line %d: a match needs at least one token that is not negated", lineno);
		return SR_EINVAL;
	}
	return 0;
}

static int parse_severity(const char *s, sr_scan_severity *out)
{
	for (int i = 0; i < SR_SEV_COUNT; i++)
		if (strcmp(s, sev_names[i]) == 0) {
			*out = (sr_scan_severity)i;
			return 0;
		}
	return SR_EINVAL;
}

/* One line of the rules file, already trimmed; kw is its first word, rest what follows. */
static int rules_line(sr_scan_rules *r, const char *kw, char *rest, int lineno, char *err,
		      size_t errsz)
{
	struct rule *cur = r->nrules ? &r->rules[r->nrules - 1] : NULL;
	if (strcmp(kw, "popular") == 0) {
		size_t n = strlen(rest);
		if (!n || n > POPULAR_MAX_LEN || strchr(rest, ' ')) {
			seterr(err, errsz, "line %d: popular takes one slug of at most %d bytes", lineno,
			       POPULAR_MAX_LEN);
			return SR_EINVAL;
		}
		if (r->npopular == MAX_POPULAR) {
			seterr(err, errsz, "line %d: more than %d popular slugs", lineno, MAX_POPULAR);
			return SR_ETOOBIG;
		}
		for (size_t i = 0; i <= n; i++)
			r->popular[r->npopular][i] = (char)lower((unsigned char)rest[i]);
		r->npopular++;
		return 0;
	}
	if (strcmp(kw, "rule") == 0) {
		char id[64] = "", sev[16] = "";
		char *sp = strchr(rest, ' ');
		if (!sp || (size_t)(sp - rest) >= sizeof(id) || strlen(sp + 1) >= sizeof(sev)) {
			seterr(err, errsz, "line %d: expected 'rule ID SEVERITY'", lineno);
			return SR_EINVAL;
		}
		memcpy(id, rest, (size_t)(sp - rest));
		snprintf(sev, sizeof(sev), "%s", sp + 1);
		if (r->nrules == MAX_RULES) {
			seterr(err, errsz, "line %d: more than %d rules", lineno, MAX_RULES);
			return SR_ETOOBIG;
		}
		for (size_t i = 0; i < r->nrules; i++)
			if (strcmp(r->rules[i].id, id) == 0) {
				seterr(err, errsz, "line %d: rule %s defined twice", lineno, id);
				return SR_EINVAL;
			}
		struct rule *nr = &r->rules[r->nrules];
		memset(nr, 0, sizeof(*nr));
		snprintf(nr->id, sizeof(nr->id), "%s", id);
		snprintf(nr->title, sizeof(nr->title), "%s", id);
		if (parse_severity(sev, &nr->sev)) {
			seterr(err, errsz, "line %d: unknown severity '%s'", lineno, sev);
			return SR_EINVAL;
		}
		nr->first_pat = r->npats;
		r->nrules++;
		return 0;
	}
	if (!cur) {
		seterr(err, errsz, "line %d: '%s' before any rule", lineno, kw);
		return SR_EINVAL;
	}
	if (strcmp(kw, "title") == 0) {
		snprintf(cur->title, sizeof(cur->title), "%.*s", (int)sizeof(cur->title) - 1, rest);
		return 0;
	}
	if (strcmp(kw, "scope") == 0) {
		if (strcmp(rest, "any") == 0)
			cur->scope = SCOPE_ANY;
		else if (strcmp(rest, "skill-md") == 0)
			cur->scope = SCOPE_SKILL_MD;
		else {
			seterr(err, errsz, "line %d: unknown scope '%s'", lineno, rest);
			return SR_EINVAL;
		}
		return 0;
	}
	if (strcmp(kw, "check") == 0) {
		int c = CHECK_NONE;
		for (int i = 1; i < (int)(sizeof(check_names) / sizeof(check_names[0])); i++)
			if (strcmp(rest, check_names[i]) == 0)
				c = i;
		if (c == CHECK_NONE) {
			seterr(err, errsz, "line %d: unknown check '%s'", lineno, rest);
			return SR_EINVAL;
		}
		if (cur->nchecks == (int)(sizeof(cur->checks) / sizeof(cur->checks[0]))) {
			seterr(err, errsz, "line %d: too many checks in rule %s", lineno, cur->id);
			return SR_EINVAL;
		}
		cur->checks[cur->nchecks++] = c;
		return 0;
	}
	if (strcmp(kw, "match") == 0) {
		if (r->npats == MAX_PATTERNS) {
			seterr(err, errsz, "line %d: more than %d match lines", lineno, MAX_PATTERNS);
			return SR_ETOOBIG;
		}
		if (r->npats == r->patcap) {
			size_t cap = r->patcap ? r->patcap * 2 : 64;
			struct pattern *np = realloc(r->pats, cap * sizeof(*np));
			if (!np)
				return SR_ENOMEM;
			r->pats = np;
			r->patcap = cap;
		}
		struct pattern *p = &r->pats[r->npats];
		memset(p, 0, sizeof(*p));
		if (!(p->text = strdup(rest)))
			return SR_ENOMEM;
		for (char *c = p->text; *c; c++)
			*c = (char)lower((unsigned char)*c);
		r->npats++; /* owned from here on, so freed on any failure */
		int rc = parse_pattern(p, err, errsz, lineno);
		if (rc)
			return rc;
		cur->npats++;
		return 0;
	}
	seterr(err, errsz, "line %d: unknown keyword '%s'", lineno, kw);
	return SR_EINVAL;
}

int sr_scan_rules_new_text(const char *text, size_t len, sr_scan_rules **out, char *err,
			   size_t errsz)
{
	*out = NULL;
	if (len > SR_SCAN_RULES_MAX_BYTES) {
		seterr(err, errsz, "rules are larger than %d bytes", SR_SCAN_RULES_MAX_BYTES);
		return SR_ETOOBIG;
	}
	sr_scan_rules *r = calloc(1, sizeof(*r));
	if (!r)
		return SR_ENOMEM;
	int rc = 0;
	r->rules = calloc(MAX_RULES, sizeof(*r->rules));
	r->popular = calloc(MAX_POPULAR, sizeof(*r->popular));
	if (!r->rules || !r->popular) {
		rc = SR_ENOMEM;
		goto out;
	}
	size_t pos = 0;
	int lineno = 0;
	while (pos < len && !rc) {
		lineno++;
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char line[RULES_MAX_LINE + 1];
		if (ll > RULES_MAX_LINE) {
			seterr(err, errsz, "line %d: longer than %d bytes", lineno, RULES_MAX_LINE);
			rc = SR_EINVAL;
			break;
		}
		memcpy(line, text + pos, ll);
		line[ll] = '\0';
		pos += ll + 1;
		if (memchr(line, '\0', ll)) {
			seterr(err, errsz, "line %d: NUL byte", lineno);
			rc = SR_EINVAL;
			break;
		}
		char *s = line;
		while (is_space(*s))
			s++;
		size_t n = strlen(s);
		while (n && is_space(s[n - 1]))
			s[--n] = '\0';
		if (!*s || *s == '#')
			continue;
		char *kw = s, *rest = s;
		while (*rest && !is_space(*rest))
			rest++;
		if (*rest) {
			*rest++ = '\0';
			while (is_space(*rest))
				rest++;
		}
		rc = rules_line(r, kw, rest, lineno, err, errsz);
	}
	if (!rc) {
		for (size_t i = 0; i < r->nrules; i++)
			if (!r->rules[i].npats && !r->rules[i].nchecks) {
				seterr(err, errsz, "rule %s has no match or check", r->rules[i].id);
				rc = SR_EINVAL;
				break;
			}
	}
	if (!rc && !r->nrules) {
		seterr(err, errsz, "no rules");
		rc = SR_EINVAL;
	}
out:
	if (rc) {
		if (rc == SR_ENOMEM)
			seterr(err, errsz, "out of memory");
		sr_scan_rules_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int sr_scan_rules_new_builtin(sr_scan_rules **out, char *err, size_t errsz)
{
	return sr_scan_rules_new_text(sr__scanner_rules_builtin, sizeof(sr__scanner_rules_builtin) - 1,
				      out, err, errsz);
}

int sr_scan_rules_new_file(const char *path, sr_scan_rules **out, char *err, size_t errsz)
{
	*out = NULL;
	sr_buf b;
	sr_buf_init(&b, SR_SCAN_RULES_MAX_BYTES);
	int rc = sr_buf_read_file(&b, path);
	if (rc)
		seterr(err, errsz, "cannot read %s: %s", path,
		       rc == SR_ETOOBIG ? "larger than the rules ceiling" : sr_strerror(rc));
	else
		rc = sr_scan_rules_new_text(b.data ? b.data : "", b.len, out, err, errsz);
	sr_buf_deinit(&b);
	return rc;
}

/* ---- matching ---- */

/* The first occurrence of a at or after from in line[0..n), honouring the word flag; the
 * offset or -1. */
static long find_alt(const unsigned char *line, size_t n, size_t from, const struct alt *a, int word)
{
	while (from + a->len <= n) {
		const unsigned char *hit = memmem(line + from, n - from, a->s, a->len);
		if (!hit)
			return -1;
		size_t off = (size_t)(hit - line);
		if (!word || ((off == 0 || !is_word(line[off - 1])) &&
			      (off + a->len == n || !is_word(line[off + a->len]))))
			return (long)off;
		from = off + 1;
	}
	return -1;
}

/* Whether the pattern matches the lower-cased line; *at gets the first token's offset. */
static int match_pattern(const struct pattern *p, const unsigned char *line, size_t n, size_t *at)
{
	size_t pos = 0;
	int first = 1;
	for (int i = 0; i < p->ntoks; i++) {
		const struct token *t = &p->toks[i];
		if (t->neg)
			continue;
		long best = -1;
		size_t best_end = 0;
		for (int j = 0; j < t->nalts; j++) {
			long off = find_alt(line, n, pos, &t->alts[j], t->word);
			if (off >= 0 && (best < 0 || (size_t)off + t->alts[j].len < best_end)) {
				best = off;
				best_end = (size_t)off + t->alts[j].len;
			}
		}
		if (best < 0)
			return 0;
		if (first) {
			*at = (size_t)best;
			first = 0;
		}
		pos = best_end;
	}
	for (int i = 0; i < p->ntoks; i++) {
		const struct token *t = &p->toks[i];
		if (!t->neg)
			continue;
		for (int j = 0; j < t->nalts; j++)
			if (find_alt(line, n, 0, &t->alts[j], t->word) >= 0)
				return 0;
	}
	return 1;
}

/* Parses a dotted quad at s[0..n); 1 with the octets when it is one and nothing that would
 * make it a host name (another label or digit) follows. */
static int parse_ipv4(const unsigned char *s, size_t n, unsigned oct[4])
{
	size_t i = 0;
	for (int k = 0; k < 4; k++) {
		if (k) {
			if (i >= n || s[i] != '.')
				return 0;
			i++;
		}
		unsigned v = 0;
		int digits = 0;
		while (i < n && s[i] >= '0' && s[i] <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(s[i] - '0');
			i++;
			digits++;
		}
		if (!digits || digits > 3 || v > 255)
			return 0;
		oct[k] = v;
	}
	if (i < n && (is_word(s[i]) || (s[i] == '.' && i + 1 < n && is_word(s[i + 1]))))
		return 0;
	return 1;
}

/* Loopback, private, link-local and unspecified addresses are local examples in docs and dev
 * set-ups, not a place data can be sent to across the internet. */
static int ipv4_is_local(const unsigned o[4])
{
	return o[0] == 0 || o[0] == 10 || o[0] == 127 || (o[0] == 169 && o[1] == 254) ||
	       (o[0] == 172 && o[1] >= 16 && o[1] <= 31) || (o[0] == 192 && o[1] == 168);
}

/* An http(s) URL whose host is a public IPv4 literal; *at gets the URL's offset. */
static int find_raw_ipv4_url(const unsigned char *line, size_t n, size_t *at)
{
	size_t from = 0;
	while (from < n) {
		const unsigned char *hit = memmem(line + from, n - from, "://", 3);
		if (!hit)
			return 0;
		size_t off = (size_t)(hit - line);
		size_t start = off >= 5 && memcmp(line + off - 5, "https", 5) == 0 ? off - 5
			       : off >= 4 && memcmp(line + off - 4, "http", 4) == 0 ? off - 4
										   : (size_t)-1;
		unsigned o[4];
		if (start != (size_t)-1 && parse_ipv4(line + off + 3, n - off - 3, o) && !ipv4_is_local(o)) {
			*at = start;
			return 1;
		}
		from = off + 3;
	}
	return 0;
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 when it is not one (overlongs,
 * surrogates and code points past U+10FFFF are not). *cp gets the code point. */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		len = 2, v = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, v = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

/* Code points an excerpt must not carry to a terminal or page: C0/C1 controls, DEL, and the
 * bidirectional overrides that can make displayed text differ from its bytes. */
static int unsafe_cp(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f;
}

/* Copies up to SR_SCAN_EXCERPT_MAX bytes of line[0..n) around offset at into out: valid
 * UTF-8 only, unsafe characters as '?', tabs as spaces, never a partial character. */
static void make_excerpt(const unsigned char *line, size_t n, size_t at, char *out)
{
	size_t start = at > EXCERPT_BEFORE ? at - EXCERPT_BEFORE : 0;
	while (start > 0 && start < n && (line[start] & 0xc0) == 0x80)
		start++; /* do not begin inside a character */
	while (start < n && (line[start] == ' ' || line[start] == '\t'))
		start++;
	size_t o = 0, i = start;
	while (i < n) {
		uint32_t cp;
		size_t len = utf8_seq(line + i, n - i, &cp);
		if (len == 0 || (len == 1 && cp != '\t' && unsafe_cp(cp)) || (len > 1 && unsafe_cp(cp))) {
			if (o + 1 > SR_SCAN_EXCERPT_MAX)
				break;
			out[o++] = '?';
			i += len ? len : 1;
			continue;
		}
		if (o + len > SR_SCAN_EXCERPT_MAX)
			break;
		if (cp == '\t')
			out[o++] = ' ';
		else
			memcpy(out + o, line + i, len), o += len;
		i += len;
	}
	while (o && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

/* ---- scanning ---- */

struct scan {
	const sr_scan_rules *rules;
	sr_scan_result *res;
	unsigned char fired[MAX_RULES];      /* in this skill */
	unsigned char fired_file[MAX_RULES]; /* in the file being scanned */
};

static void fire(struct scan *sc, size_t ri, const char *path, int line, const char *excerpt)
{
	const struct rule *ru = &sc->rules->rules[ri];
	if (sc->fired_file[ri])
		return; /* one finding per rule and file keeps reports readable */
	sc->fired_file[ri] = 1;
	if (!sc->fired[ri]) {
		sc->fired[ri] = 1;
		sc->res->rules_fired[ru->sev]++;
	}
	sr_scan_result *res = sc->res;
	if (res->nfindings == SR_SCAN_MAX_FINDINGS) {
		res->findings_truncated = 1;
		return;
	}
	sr_scan_finding *f = &res->findings[res->nfindings++];
	snprintf(f->rule_id, sizeof(f->rule_id), "%s", ru->id);
	snprintf(f->title, sizeof(f->title), "%s", ru->title);
	f->severity = ru->sev;
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->line = line;
	make_excerpt((const unsigned char *)excerpt, strlen(excerpt), 0, f->excerpt);
}

static void fire_line(struct scan *sc, size_t ri, const char *path, int lineno,
		      const unsigned char *orig, size_t n, size_t at)
{
	char ex[SR_SCAN_EXCERPT_MAX + 1];
	make_excerpt(orig, n, at, ex);
	fire(sc, ri, path, lineno, ex);
}

static int has_rule_check(const struct rule *ru, int check)
{
	for (int i = 0; i < ru->nchecks; i++)
		if (ru->checks[i] == check)
			return 1;
	return 0;
}

static int ends_with_ci(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* Names that promise text: a NUL byte in one of these is a disguised binary. */
static int text_name(const char *path)
{
	static const char *const ext[] = {".md", ".txt", ".sh", ".bash", ".zsh", ".py", ".js", ".mjs",
					  ".cjs", ".ts", ".rb", ".pl", ".ps1", ".bat", ".cmd", ".json",
					  ".yaml", ".yml", ".toml"};
	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
		if (ends_with_ci(path, ext[i]))
			return 1;
	return 0;
}

static const char *executable_kind(const unsigned char *d, size_t n)
{
	if (n >= 4 && memcmp(d, "\x7f" "ELF", 4) == 0)
		return "ELF executable header";
	if (n >= 4 && (memcmp(d, "\xfe\xed\xfa\xce", 4) == 0 || memcmp(d, "\xfe\xed\xfa\xcf", 4) == 0 ||
		       memcmp(d, "\xce\xfa\xed\xfe", 4) == 0 || memcmp(d, "\xcf\xfa\xed\xfe", 4) == 0 ||
		       memcmp(d, "\xca\xfe\xba\xbe", 4) == 0))
		return "Mach-O executable header";
	/* "MZ" alone starts ordinary words; a DOS/PE header has binary bytes right after it. */
	if (n >= 64 && d[0] == 'M' && d[1] == 'Z' && memchr(d, '\0', 64))
		return "PE/DOS executable header";
	return NULL;
}

static int is_skill_md(const char *path)
{
	return strcasecmp(path, "SKILL.md") == 0;
}

static void scan_file(struct scan *sc, const sr_pub_file *f, size_t len, unsigned char *low)
{
	const sr_scan_rules *r = sc->rules;
	const unsigned char *d = f->data;
	const char *path = f->path ? f->path : "";
	memset(sc->fired_file, 0, sizeof(sc->fired_file));
	int has_nul = memchr(d, '\0', len) != NULL;
	const char *exe = executable_kind(d, len);
	for (size_t ri = 0; ri < r->nrules; ri++) {
		const struct rule *ru = &r->rules[ri];
		if (ru->scope == SCOPE_SKILL_MD && !is_skill_md(path))
			continue;
		if (exe && has_rule_check(ru, CHECK_EXECUTABLE_MAGIC))
			fire(sc, ri, path, 0, exe);
		if (has_nul && text_name(path) && has_rule_check(ru, CHECK_NUL_IN_TEXT))
			fire(sc, ri, path, 0, "NUL bytes in a file named as text");
	}
	if (has_nul && !text_name(path))
		return; /* a binary asset (an image, say): its lines mean nothing */
	for (size_t i = 0; i < len; i++)
		low[i] = lower(d[i]);
	size_t pos = 0;
	int lineno = 0;
	while (pos < len) {
		lineno++;
		const unsigned char *nl = memchr(d + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (d + pos)) : len - pos;
		const unsigned char *orig = d + pos, *line = low + pos;
		for (size_t ri = 0; ri < r->nrules; ri++) {
			const struct rule *ru = &r->rules[ri];
			if (sc->fired_file[ri] || (ru->scope == SCOPE_SKILL_MD && !is_skill_md(path)))
				continue;
			size_t at = 0;
			int hit = 0;
			for (size_t k = 0; k < ru->npats && !hit; k++)
				hit = match_pattern(&r->pats[ru->first_pat + k], line, n, &at);
			if (!hit && has_rule_check(ru, CHECK_RAW_IPV4_URL))
				hit = find_raw_ipv4_url(line, n, &at);
			if (hit)
				fire_line(sc, ri, path, lineno, orig, n, at);
		}
		pos += n + 1;
	}
}

/* Levenshtein distance of a and b, or limit + 1 once it must exceed limit. */
static size_t edit_distance(const char *a, const char *b, size_t limit)
{
	size_t n = strlen(a), m = strlen(b);
	if (n > POPULAR_MAX_LEN || m > POPULAR_MAX_LEN)
		return limit + 1;
	if ((n > m ? n - m : m - n) > limit)
		return limit + 1;
	size_t prev[POPULAR_MAX_LEN + 1], cur[POPULAR_MAX_LEN + 1];
	for (size_t j = 0; j <= m; j++)
		prev[j] = j;
	for (size_t i = 1; i <= n; i++) {
		cur[0] = i;
		size_t rowmin = cur[0];
		for (size_t j = 1; j <= m; j++) {
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			cur[j] = del < ins ? del : ins;
			if (sub < cur[j])
				cur[j] = sub;
			if (cur[j] < rowmin)
				rowmin = cur[j];
		}
		if (rowmin > limit)
			return limit + 1;
		memcpy(prev, cur, (m + 1) * sizeof(size_t));
	}
	return prev[m];
}

/* How far a name may be from a popular slug and still read as an imitation of it: short slugs
 * are too close to ordinary words for two edits, and at five letters or fewer even one edit
 * makes too many honest names collide (slack/stack, gmail/email). */
static size_t typo_limit(size_t len)
{
	return len <= 5 ? 0 : len <= 8 ? 1 : 2;
}

static void check_typosquat(struct scan *sc, size_t ri, const char *name, const char *what)
{
	const sr_scan_rules *r = sc->rules;
	char low[POPULAR_MAX_LEN + 1];
	size_t n = 0;
	for (; name[n] && n < POPULAR_MAX_LEN; n++) {
		unsigned char c = lower((unsigned char)name[n]);
		low[n] = (char)(c == ' ' || c == '_' ? '-' : c);
	}
	if (name[n] || !n)
		return;
	low[n] = '\0';
	for (size_t i = 0; i < r->npopular; i++)
		if (strcmp(low, r->popular[i]) == 0)
			return; /* the popular skill itself, or another popular one */
	for (size_t i = 0; i < r->npopular; i++) {
		size_t lim = typo_limit(strlen(r->popular[i]));
		if (!lim)
			continue;
		size_t d = edit_distance(low, r->popular[i], lim);
		if (d >= 1 && d <= lim) {
			char ex[SR_SCAN_EXCERPT_MAX + 1];
			snprintf(ex, sizeof(ex), "%s '%.40s' is %zu edit%s from popular '%.40s'", what, low, d,
				 d == 1 ? "" : "s", r->popular[i]);
			fire(sc, ri, "", 0, ex);
			return;
		}
	}
}

int sr_scan_files(const sr_scan_rules *rules, const sr_pub_file *files, size_t n,
		  const char *slug, const char *display_name, sr_scan_result *out)
{
	memset(out, 0, sizeof(*out));
	struct scan *sc = calloc(1, sizeof(*sc));
	if (!sc)
		return SR_ENOMEM;
	sc->rules = rules;
	sc->res = out;
	unsigned char *low = NULL;
	int rc = 0;
	size_t budget = SR_SCAN_TOTAL_BYTES;
	for (size_t i = 0; i < n; i++) {
		const sr_pub_file *f = &files[i];
		if (!f->data || f->size <= 0)
			continue;
		size_t len = (size_t)f->size;
		if (len > SR_SCAN_FILE_BYTES)
			len = SR_SCAN_FILE_BYTES, out->bytes_truncated = 1;
		if (len > budget)
			len = budget, out->bytes_truncated = 1;
		if (!len)
			break;
		if (!low && !(low = malloc(SR_SCAN_FILE_BYTES))) {
			rc = SR_ENOMEM;
			break;
		}
		scan_file(sc, f, len, low);
		budget -= len;
		out->bytes_scanned += len;
		out->files_scanned++;
	}
	if (!rc) {
		memset(sc->fired_file, 0, sizeof(sc->fired_file));
		for (size_t ri = 0; ri < rules->nrules; ri++) {
			if (!has_rule_check(&rules->rules[ri], CHECK_TYPOSQUAT))
				continue;
			if (slug)
				check_typosquat(sc, ri, slug, "slug");
			if (display_name && (!slug || strcasecmp(slug, display_name) != 0))
				check_typosquat(sc, ri, display_name, "name");
		}
		out->verdict = sr_scan_decide(out->rules_fired);
	}
	free(low);
	free(sc);
	return rc;
}

/* ---- a skill directory on disk ---- */

struct dirload {
	sr_pub_file *files;
	size_t n, cap;
	size_t total;
	int truncated;
};

static int load_file(struct dirload *dl, const char *full, const char *rel, off_t size)
{
	if (dl->n == SR_SCAN_DIR_MAX_FILES || dl->total >= SR_SCAN_TOTAL_BYTES) {
		dl->truncated = 1;
		return 0;
	}
	if (strlen(rel) > SR_MAX_PATH)
		return 0; /* a publish would refuse this path too */
	size_t want = (size_t)size;
	if (want > SR_SCAN_FILE_BYTES)
		want = SR_SCAN_FILE_BYTES, dl->truncated = 1;
	if (want > SR_SCAN_TOTAL_BYTES - dl->total)
		want = SR_SCAN_TOTAL_BYTES - dl->total, dl->truncated = 1;
	if (dl->n == dl->cap) {
		size_t cap = dl->cap ? dl->cap * 2 : 16;
		sr_pub_file *nf = realloc(dl->files, cap * sizeof(*nf));
		if (!nf)
			return SR_ENOMEM;
		dl->files = nf;
		dl->cap = cap;
	}
	unsigned char *data = malloc(want ? want : 1);
	char *p = strdup(rel);
	if (!data || !p) {
		free(data);
		free(p);
		return SR_ENOMEM;
	}
	FILE *f = fopen(full, "rb");
	size_t got = f ? fread(data, 1, want, f) : 0;
	if (f)
		fclose(f);
	if (!f) {
		free(data);
		free(p);
		return 0; /* unreadable: nothing to scan, and nothing a publish could ship */
	}
	sr_pub_file *pf = &dl->files[dl->n++];
	memset(pf, 0, sizeof(*pf));
	pf->path = p;
	pf->data = data;
	pf->size = (int64_t)got;
	dl->total += got;
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Walks root/rel in name order (so reports are stable), depth-first. */
static int walk(struct dirload *dl, const char *root, const char *rel, int depth)
{
	if (depth > SR_SCAN_DIR_MAX_DEPTH) {
		dl->truncated = 1;
		return 0;
	}
	char dir[4096];
	if (snprintf(dir, sizeof(dir), "%s%s%s", root, rel[0] ? "/" : "", rel) >= (int)sizeof(dir))
		return 0;
	DIR *d = opendir(dir);
	if (!d)
		return depth == 0 ? SR_EIO : 0;
	char *names[SR_SCAN_DIR_MAX_FILES];
	size_t nn = 0;
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 || strcmp(e->d_name, ".git") == 0)
			continue;
		if (nn == SR_SCAN_DIR_MAX_FILES) {
			dl->truncated = 1;
			break;
		}
		if (!(names[nn] = strdup(e->d_name))) {
			rc = SR_ENOMEM;
			break;
		}
		nn++;
	}
	closedir(d);
	qsort(names, nn, sizeof(names[0]), cmp_name);
	for (size_t i = 0; i < nn && !rc; i++) {
		char r[2048], full[6200];
		if (snprintf(r, sizeof(r), "%s%s%s", rel, rel[0] ? "/" : "", names[i]) >= (int)sizeof(r))
			continue;
		snprintf(full, sizeof(full), "%s/%s", root, r);
		struct stat st;
		if (lstat(full, &st))
			continue;
		if (S_ISDIR(st.st_mode))
			rc = walk(dl, root, r, depth + 1);
		else if (S_ISREG(st.st_mode))
			rc = load_file(dl, full, r, st.st_size);
	}
	for (size_t i = 0; i < nn; i++)
		free(names[i]);
	return rc;
}

int sr_scan_dir(const sr_scan_rules *rules, const char *dir, const char *slug,
		sr_scan_result *out, char *err, size_t errsz)
{
	memset(out, 0, sizeof(*out));
	struct dirload dl;
	memset(&dl, 0, sizeof(dl));
	int rc = walk(&dl, dir, "", 0);
	if (rc) {
		seterr(err, errsz, rc == SR_EIO ? "cannot read directory %s" : "cannot load %s: out of memory", dir);
		goto out;
	}
	char base[POPULAR_MAX_LEN + 1] = "";
	if (!slug) {
		size_t n = strlen(dir);
		while (n > 1 && dir[n - 1] == '/')
			n--;
		size_t b = n;
		while (b > 0 && dir[b - 1] != '/')
			b--;
		if (n - b <= POPULAR_MAX_LEN) {
			memcpy(base, dir + b, n - b);
			base[n - b] = '\0';
		}
		slug = base[0] ? base : NULL;
	}
	sr_frontmatter fm;
	memset(&fm, 0, sizeof(fm));
	for (size_t i = 0; i < dl.n; i++)
		if (is_skill_md(dl.files[i].path)) {
			char fmerr[128];
			if (sr_frontmatter_parse((const char *)dl.files[i].data, (size_t)dl.files[i].size, &fm,
						 fmerr, sizeof(fmerr)))
				memset(&fm, 0, sizeof(fm));
			break;
		}
	rc = sr_scan_files(rules, dl.files, dl.n, slug, fm.name, out);
	sr_frontmatter_deinit(&fm);
	if (rc)
		seterr(err, errsz, "scan failed: %s", sr_strerror(rc));
	else if (dl.truncated)
		out->bytes_truncated = 1;
out:
	for (size_t i = 0; i < dl.n; i++) {
		free(dl.files[i].path);
		free((void *)dl.files[i].data);
	}
	free(dl.files);
	return rc;
}

/* ---- output ---- */

int sr_scan_result_json(const sr_scan_result *res, sr_buf *out)
{
	sr_jw w;
	sr_jw_init(&w, out);
	sr_jw_obj(&w);
	sr_jw_kstr(&w, "verdict", sr_scan_verdict_name(res->verdict));
	sr_jw_key(&w, "rulesFired");
	sr_jw_obj(&w);
	for (int s = SR_SEV_COUNT - 1; s >= 0; s--)
		sr_jw_kint(&w, sev_names[s], res->rules_fired[s]);
	sr_jw_obj_end(&w);
	sr_jw_kint(&w, "filesScanned", (int64_t)res->files_scanned);
	sr_jw_kint(&w, "bytesScanned", (int64_t)res->bytes_scanned);
	sr_jw_kbool(&w, "bytesTruncated", res->bytes_truncated);
	sr_jw_kbool(&w, "findingsTruncated", res->findings_truncated);
	sr_jw_key(&w, "findings");
	sr_jw_arr(&w);
	for (size_t i = 0; i < res->nfindings; i++) {
		const sr_scan_finding *f = &res->findings[i];
		sr_jw_obj(&w);
		sr_jw_kstr(&w, "ruleId", f->rule_id);
		sr_jw_kstr(&w, "severity", sr_scan_severity_name(f->severity));
		sr_jw_kstr(&w, "title", f->title);
		sr_jw_kstr(&w, "file", f->path);
		sr_jw_kint(&w, "line", f->line);
		sr_jw_kstr(&w, "excerpt", f->excerpt);
		sr_jw_obj_end(&w);
	}
	sr_jw_arr_end(&w);
	sr_jw_obj_end(&w);
	return sr_jw_error(&w);
}
