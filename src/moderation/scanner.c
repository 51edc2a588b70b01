/*
 * scanner.c - the built-in static scanner (see scanner.h and docs/scanner.md).
 *
 * This file owns the rules handle and the pass over a skill's files. The rules are YARA
 * rules (the .yar files under rules/, compiled into the binary; an operator's file may replace them),
 * compiled with libyara when the handle is made and read-only afterwards, so one handle
 * serves many threads (each scan makes its own YR_SCANNER). Every rule carries meta: a
 * severity (info, suspicious or malicious) and a description shown with each finding; a rule
 * without them is refused at load. After the YARA rules the rule table holds the checks
 * written in C (scanner_checks.c).
 *
 * A scan gives each file a kind and the rules the file's views (scanner_context.c), with
 * the external variables `context` (code, prose, data, minified), `skill_md` (the root
 * SKILL.md) and `path`. A rule reports once per file, at its earliest match. The verdict
 * follows from the distinct rules that fired (sr_scan_decide). It reads no database and
 * writes nothing; the caller decides what a verdict does to a skill.
 */
#include "moderation/scanner_int.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yara.h>

#include "core/err.h"
#include "core/jw.h"
#include "registry/modstate.h"
#include "scanner_rules.h"

#define SCAN_TIMEOUT_S 10 /* a pathological rule or input cannot hold the worker longer */

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

void sr__seterr(char *err, size_t errsz, const char *fmt, ...)
{
	if (!err || !errsz)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

/* ---- the rules handle ---- */

/* libyara is initialised once for as long as any rules handle lives. */
static pthread_mutex_t yara_lock = PTHREAD_MUTEX_INITIALIZER;
static int yara_users;

static int yara_acquire(void)
{
	int rc = 0;
	pthread_mutex_lock(&yara_lock);
	if (yara_users == 0 && yr_initialize() != ERROR_SUCCESS)
		rc = SR_ENOMEM;
	else
		yara_users++;
	pthread_mutex_unlock(&yara_lock);
	return rc;
}

static void yara_release(void)
{
	pthread_mutex_lock(&yara_lock);
	if (--yara_users == 0)
		yr_finalize();
	pthread_mutex_unlock(&yara_lock);
}

void sr_scan_rules_free(sr_scan_rules *r)
{
	if (!r)
		return;
	if (r->yara) {
		yr_rules_destroy(r->yara);
		yara_release();
	}
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

/* The first compiler error, as "line N: message". */
struct compile_err {
	char *err;
	size_t errsz;
	int nerr;
};

static void on_compile_msg(int level, const char *file, int line, const YR_RULE *rule,
			   const char *msg, void *ud)
{
	struct compile_err *ce = ud;
	if (level != YARA_ERROR_LEVEL_ERROR || ce->nerr++)
		return;
	sr__seterr(ce->err, ce->errsz, "line %d: %s", line, msg);
}

/* The meta of one rule into its table row: severity and description are required. */
static int rule_row(const YR_RULE *yr, struct sr__rule *row, char *err, size_t errsz)
{
	static const struct {
		const char *name;
		sr_scan_severity sev;
	} sevs[] = {{"info", SR_SEV_INFO},       {"suspicious", SR_SEV_HIGH}, {"malicious", SR_SEV_CRITICAL},
		    {"low", SR_SEV_LOW},         {"medium", SR_SEV_MEDIUM},   {"high", SR_SEV_HIGH},
		    {"critical", SR_SEV_CRITICAL}};
	const char *id = yr->identifier;
	if (strlen(id) >= sizeof(row->id)) {
		sr__seterr(err, errsz, "rule %.64s: identifier longer than %zu bytes", id, sizeof(row->id) - 1);
		return SR_EINVAL;
	}
	for (size_t i = 0; id[i]; i++)
		row->id[i] = id[i] == '_' ? '-' : id[i];
	const char *sev = NULL, *desc = NULL;
	const YR_META *m;
	yr_rule_metas_foreach(yr, m)
	{
		if (m->type == META_TYPE_STRING && strcmp(m->identifier, "severity") == 0)
			sev = m->string;
		else if (m->type == META_TYPE_STRING && strcmp(m->identifier, "description") == 0)
			desc = m->string;
	}
	if (!sev || !desc) {
		sr__seterr(err, errsz, "rule %s: meta severity and description are required", id);
		return SR_EINVAL;
	}
	size_t k = 0;
	while (k < sizeof(sevs) / sizeof(sevs[0]) && strcmp(sevs[k].name, sev) != 0)
		k++;
	if (k == sizeof(sevs) / sizeof(sevs[0])) {
		sr__seterr(err, errsz, "rule %s: unknown severity '%s' (info, suspicious or malicious)", id, sev);
		return SR_EINVAL;
	}
	row->sev = sevs[k].sev;
	snprintf(row->title, sizeof(row->title), "%s", desc);
	return 0;
}

/* `include "builtin"` in an operator's file pulls in the built-in rules, so a file can add to
 * them instead of replacing them. No other include is resolved: a rules file reads nothing
 * from disk behind the operator's back. */
static const char *on_include(const char *name, const char *from, const char *ns, void *ud)
{
	return strcmp(name, "builtin") == 0 ? sr__scanner_rules_builtin : NULL;
}

static void on_include_free(const char *result, void *ud)
{
}

/* Compiles text with the external variables the scan defines and fills the rule table. */
static int compile_rules(sr_scan_rules *r, const char *text, size_t len, char *err, size_t errsz)
{
	char *src = malloc(len + 1);
	if (!src)
		return SR_ENOMEM;
	memcpy(src, text, len);
	src[len] = '\0';
	if (memchr(src, '\0', len)) {
		free(src);
		sr__seterr(err, errsz, "NUL byte in the rules");
		return SR_EINVAL;
	}
	YR_COMPILER *c = NULL;
	int rc = 0;
	if (yr_compiler_create(&c) != ERROR_SUCCESS) {
		free(src);
		return SR_ENOMEM;
	}
	struct compile_err ce = {err, errsz, 0};
	yr_compiler_set_callback(c, on_compile_msg, &ce);
	yr_compiler_set_include_callback(c, on_include, on_include_free, NULL);
	if (yr_compiler_define_string_variable(c, "context", "code") != ERROR_SUCCESS ||
	    yr_compiler_define_boolean_variable(c, "skill_md", 0) != ERROR_SUCCESS ||
	    yr_compiler_define_string_variable(c, "path", "") != ERROR_SUCCESS) {
		rc = SR_ENOMEM;
		goto out;
	}
	if (yr_compiler_add_string(c, src, NULL) != 0) {
		rc = SR_EINVAL;
		goto out;
	}
	YR_RULES *yr = NULL;
	if (yr_compiler_get_rules(c, &yr) != ERROR_SUCCESS) {
		rc = SR_ENOMEM;
		goto out;
	}
	r->yara = yr;
	const YR_RULE *rule;
	yr_rules_foreach(yr, rule)
	{
		if (RULE_IS_PRIVATE(rule))
			continue;
		if (r->nyara == SR__SCAN_MAX_RULES - SR__CHECK_COUNT) {
			sr__seterr(err, errsz, "more than %d rules", SR__SCAN_MAX_RULES - SR__CHECK_COUNT);
			rc = SR_ETOOBIG;
			goto out;
		}
		if ((rc = rule_row(rule, &r->rules[r->nyara], err, errsz)))
			goto out;
		r->rules[r->nyara].yrule = rule;
		r->nyara++;
	}
	if (!r->nyara) {
		sr__seterr(err, errsz, "no rules");
		rc = SR_EINVAL;
	}
out:
	yr_compiler_destroy(c);
	free(src);
	return rc;
}

/* A handle from YARA text and popular-slug text. */
static int rules_new(const char *text, size_t len, const char *popular, size_t plen,
		     sr_scan_rules **out, char *err, size_t errsz)
{
	*out = NULL;
	if (len > SR_SCAN_RULES_MAX_BYTES) {
		sr__seterr(err, errsz, "rules are larger than %d bytes", SR_SCAN_RULES_MAX_BYTES);
		return SR_ETOOBIG;
	}
	sr_scan_rules *r = calloc(1, sizeof(*r));
	if (!r || !(r->popular = calloc(SR__POPULAR_MAX, sizeof(*r->popular)))) {
		free(r);
		sr__seterr(err, errsz, "out of memory");
		return SR_ENOMEM;
	}
	int rc = yara_acquire();
	if (rc) {
		free(r->popular);
		free(r);
		sr__seterr(err, errsz, "cannot initialise libyara");
		return rc;
	}
	rc = compile_rules(r, text, len, err, errsz);
	if (!r->yara)
		yara_release(); /* sr_scan_rules_free releases only with rules compiled */
	if (!rc)
		rc = sr__popular_parse(r, popular, plen, err, errsz);
	if (rc) {
		if (rc == SR_ENOMEM)
			sr__seterr(err, errsz, "out of memory");
		sr_scan_rules_free(r);
		return rc;
	}
	sr__rule_checks_init(r);
	*out = r;
	return 0;
}

int sr_scan_rules_new_builtin(sr_scan_rules **out, char *err, size_t errsz)
{
	return rules_new(sr__scanner_rules_builtin, sizeof(sr__scanner_rules_builtin) - 1,
			 sr__scanner_popular_builtin, sizeof(sr__scanner_popular_builtin) - 1, out, err, errsz);
}

int sr_scan_rules_new_text(const char *text, size_t len, sr_scan_rules **out, char *err,
			   size_t errsz)
{
	return rules_new(text, len, sr__scanner_popular_builtin, sizeof(sr__scanner_popular_builtin) - 1,
			 out, err, errsz);
}

int sr_scan_rules_new_file(const char *path, sr_scan_rules **out, char *err, size_t errsz)
{
	*out = NULL;
	sr_buf b;
	sr_buf_init(&b, SR_SCAN_RULES_MAX_BYTES);
	int rc = sr_buf_read_file(&b, path);
	if (rc)
		sr__seterr(err, errsz, "cannot read %s: %s", path,
			   rc == SR_ETOOBIG ? "larger than the rules ceiling" : sr_strerror(rc));
	else
		rc = sr_scan_rules_new_text(b.data ? b.data : "", b.len, out, err, errsz);
	sr_buf_deinit(&b);
	return rc;
}

/* ---- findings ---- */

void sr__scan_fire(struct sr__scan *sc, size_t ri, const char *path, int line, const char *excerpt)
{
	const struct sr__rule *ru = &sc->rules->rules[ri];
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
	sr__make_excerpt((const unsigned char *)excerpt, strlen(excerpt), 0, f->excerpt);
}

void sr__scan_fire_at(struct sr__scan *sc, size_t ri, const char *path, const unsigned char *d,
		      size_t len, size_t at)
{
	if (sc->fired_file[ri])
		return;
	if (at > len)
		at = len;
	if (at < len && d[at] == '\n')
		at++; /* a rule anchored on the line start matched from the newline before it */
	size_t start = at, line = 1;
	while (start > 0 && d[start - 1] != '\n')
		start--;
	for (size_t i = 0; i < start; i++)
		line += d[i] == '\n';
	const unsigned char *nl = memchr(d + at, '\n', len - at);
	size_t end = nl ? (size_t)(nl - d) : len;
	if (end > at && d[end - 1] == '\r')
		end--; /* a CRLF line ends before its CR */
	char ex[SR_SCAN_EXCERPT_MAX + 1];
	sr__make_excerpt(d + start, end - start, at - start, ex);
	sr__scan_fire(sc, ri, path, (int)line, ex);
}

/* ---- scanning ---- */

/* What the YARA callback needs to report a match in the file being scanned. */
struct yscan {
	struct sr__scan *sc;
	const char *path;
	const unsigned char *data; /* the file's own bytes, for line numbers and excerpts */
	size_t len;
};

/* libyara keeps its matches in a notebook that packs them at 4-byte boundaries, so their
 * 8-byte fields are read by copying, not through a misaligned pointer. */
#define MATCH_FIELD(m, field, out) memcpy(&(out), (const char *)(m) + offsetof(YR_MATCH, field), sizeof(out))

/* The earliest match of the rule's strings, preferring strings that are not private (a
 * rule marks its context-only strings private so findings point at the act itself). */
static size_t first_match(YR_SCAN_CONTEXT *ctx, const YR_RULE *rule)
{
	int64_t best = -1, best_any = -1;
	const YR_STRING *s;
	yr_rule_strings_foreach(rule, s)
	{
		const YR_MATCH *m = ctx->matches[s->idx].head;
		while (m) {
			int64_t base, off;
			bool is_private;
			MATCH_FIELD(m, base, base);
			MATCH_FIELD(m, offset, off);
			MATCH_FIELD(m, is_private, is_private);
			int64_t o = base + off;
			if (best_any < 0 || o < best_any)
				best_any = o;
			if (!is_private && (best < 0 || o < best))
				best = o;
			MATCH_FIELD(m, next, m);
		}
	}
	return best >= 0 ? (size_t)best : best_any >= 0 ? (size_t)best_any : 0;
}

static int on_scan_msg(YR_SCAN_CONTEXT *ctx, int msg, void *data, void *ud)
{
	if (msg != CALLBACK_MSG_RULE_MATCHING)
		return CALLBACK_CONTINUE;
	struct yscan *y = ud;
	const sr_scan_rules *r = y->sc->rules;
	const YR_RULE *rule = data;
	for (size_t ri = 0; ri < r->nyara; ri++)
		if (r->rules[ri].yrule == rule) {
			if (!y->sc->fired_file[ri])
				sr__scan_fire_at(y->sc, ri, y->path, y->data, y->len, first_match(ctx, rule));
			break;
		}
	return CALLBACK_CONTINUE;
}

/* Runs the rules over one view of the file (buf has the file's length). A view that timed
 * out marks the result truncated instead of failing the scan. */
static int scan_view(YR_SCANNER *ys, struct yscan *y, const unsigned char *buf, enum sr__view v)
{
	if (yr_scanner_define_string_variable(ys, "context", sr__view_names[v]) != ERROR_SUCCESS)
		return SR_ENOMEM;
	int rc = yr_scanner_scan_mem(ys, buf, y->len);
	if (rc == ERROR_SCAN_TIMEOUT) {
		y->sc->res->bytes_truncated = 1;
		return 0;
	}
	return rc == ERROR_SUCCESS ? 0 : SR_ENOMEM;
}

/* The views of a markdown file (two buffers of SR_SCAN_FILE_BYTES, made on first use). */
struct views {
	unsigned char *code, *prose;
};

static int scan_file(struct sr__scan *sc, YR_SCANNER *ys, const sr_pub_file *f, size_t len,
		     struct views *vw)
{
	const sr_scan_rules *r = sc->rules;
	const unsigned char *d = f->data;
	const char *path = f->path ? f->path : "";
	memset(sc->fired_file, 0, sizeof(sc->fired_file));
	const char *exe = sr__executable_kind(d, len);
	if (exe)
		sr__scan_fire(sc, r->nyara + SR__CHECK_EXECUTABLE, path, 0, exe);
	if (memchr(d, '\0', len) && sr__text_name(path))
		sr__scan_fire(sc, r->nyara + SR__CHECK_NUL_IN_TEXT, path, 0, "NUL bytes in a file named as text");
	enum sr__file_kind kind = sr__file_kind(path, d, len);
	if (kind == SR__KIND_BINARY)
		return 0; /* a binary asset (an image, say): its bytes are no instructions */
	sr__check_raw_ip(sc, r->nyara + SR__CHECK_RAW_IP, path, d, len);
	if (!r->yara)
		return 0;
	struct yscan y = {sc, path, d, len};
	yr_scanner_set_callback(ys, on_scan_msg, &y);
	if (yr_scanner_define_string_variable(ys, "path", path) != ERROR_SUCCESS ||
	    yr_scanner_define_boolean_variable(ys, "skill_md", sr__is_skill_md(path)) != ERROR_SUCCESS)
		return SR_ENOMEM;
	switch (kind) {
	case SR__KIND_MARKDOWN: {
		if (!vw->code && (!(vw->code = malloc(SR_SCAN_FILE_BYTES)) || !(vw->prose = malloc(SR_SCAN_FILE_BYTES))))
			return SR_ENOMEM;
		sr__markdown_views(d, len, vw->code, vw->prose);
		int rc = scan_view(ys, &y, vw->code, SR__VIEW_CODE);
		return rc ? rc : scan_view(ys, &y, vw->prose, SR__VIEW_PROSE);
	}
	case SR__KIND_DATA:
		return scan_view(ys, &y, d, SR__VIEW_DATA);
	case SR__KIND_MINIFIED:
		return scan_view(ys, &y, d, SR__VIEW_MINIFIED);
	default:
		return scan_view(ys, &y, d, SR__VIEW_CODE);
	}
}

int sr_scan_files(const sr_scan_rules *rules, const sr_pub_file *files, size_t n,
		  const char *slug, const char *display_name, sr_scan_result *out)
{
	memset(out, 0, sizeof(*out));
	struct sr__scan *sc = calloc(1, sizeof(*sc));
	if (!sc)
		return SR_ENOMEM;
	sc->rules = rules;
	sc->res = out;
	YR_SCANNER *ys = NULL;
	struct views vw = {NULL, NULL};
	int rc = 0;
	if (rules->yara && yr_scanner_create(rules->yara, &ys) != ERROR_SUCCESS)
		rc = SR_ENOMEM;
	if (ys)
		yr_scanner_set_timeout(ys, SCAN_TIMEOUT_S);
	size_t budget = SR_SCAN_TOTAL_BYTES;
	for (size_t i = 0; i < n && !rc; i++) {
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
		rc = scan_file(sc, ys, f, len, &vw);
		budget -= len;
		out->bytes_scanned += len;
		out->files_scanned++;
	}
	if (!rc) {
		memset(sc->fired_file, 0, sizeof(sc->fired_file));
		size_t ri = rules->nyara + SR__CHECK_TYPOSQUAT;
		if (slug)
			sr__check_typosquat(sc, ri, slug, "slug");
		if (display_name && (!slug || strcasecmp(slug, display_name) != 0))
			sr__check_typosquat(sc, ri, display_name, "name");
		out->verdict = sr_scan_decide(out->rules_fired);
	}
	if (ys)
		yr_scanner_destroy(ys);
	free(vw.code);
	free(vw.prose);
	free(sc);
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
