/*
 * scanner_int.h - what the scanner's files share among themselves (not for other modules).
 *
 * The scanner is four files along its seams:
 *   scanner.c          the rules handle (YARA rules compiled with libyara, their meta checked),
 *                      sr_scan_files (one pass over the files), the verdict and the JSON;
 *   scanner_context.c  what a file is (instructions in SKILL.md and scripts, prose, data,
 *                      minified third-party code) and the masked views the rules run on;
 *   scanner_checks.c   what a rule language cannot say: executables by magic, binary data in
 *                      a text file, URLs to bare public IPv4 addresses, typosquats of popular
 *                      slugs; and the finding excerpts;
 *   scanner_dir.c      sr_scan_dir: a skill folder on disk read into memory and scanned.
 */
#ifndef SR_SCANNER_INT_H
#define SR_SCANNER_INT_H

#include <stddef.h>

#include "moderation/scanner.h"

#define SR__SCAN_MAX_RULES 256
#define SR__POPULAR_MAX 1024
#define SR__POPULAR_MAX_LEN 100

/* The checks written in C, in the order they follow the YARA rules in the rule table. */
enum {
	SR__CHECK_EXECUTABLE, /* file: ELF, PE or Mach-O header */
	SR__CHECK_NUL_IN_TEXT, /* file: NUL bytes in a file named like text */
	SR__CHECK_RAW_IP,      /* line: http(s)://a.b.c.d with a public address */
	SR__CHECK_TYPOSQUAT,   /* skill: slug or name near a popular slug */
	SR__CHECK_COUNT
};

/* One row of the rule table: a YARA rule (its meta) or a C check. */
struct sr__rule {
	char id[64]; /* the YARA identifier with '_' as '-': pipe_to_shell -> pipe-to-shell */
	char title[160];
	sr_scan_severity sev;
	const void *yrule; /* its YR_RULE, NULL for a C check */
};

struct sr_scan_rules {
	void *yara; /* YR_RULES *, NULL when a text had no YARA rules (never for the built-ins) */
	struct sr__rule rules[SR__SCAN_MAX_RULES];
	size_t nyara;  /* rules[0..nyara) are the YARA rules in their compiled order */
	size_t nrules; /* then the SR__CHECK_COUNT C checks */
	char (*popular)[SR__POPULAR_MAX_LEN + 1];
	size_t npopular;
};

/* One scan in progress (sr_scan_files). */
struct sr__scan {
	const sr_scan_rules *rules;
	sr_scan_result *res;
	unsigned char fired[SR__SCAN_MAX_RULES];      /* in this skill */
	unsigned char fired_file[SR__SCAN_MAX_RULES]; /* in the file being scanned */
};

/* What a file is, which decides the views the rules see (scanner_context.c). */
enum sr__file_kind {
	SR__KIND_MARKDOWN, /* SKILL.md, README.md, .txt: prose with code fences and spans */
	SR__KIND_CODE,     /* scripts and other text: every line may run */
	SR__KIND_DATA,     /* JSON, YAML, TOML, CSV: values, not instructions */
	SR__KIND_MINIFIED, /* bundled or minified third-party code: not read as instructions */
	SR__KIND_BINARY    /* NUL bytes in a file not named as text: magic bytes only */
};

/* The view a YARA rule sees through the external variable `context`. */
enum sr__view { SR__VIEW_CODE, SR__VIEW_PROSE, SR__VIEW_DATA, SR__VIEW_MINIFIED, SR__VIEW_COUNT };

extern const char *const sr__view_names[SR__VIEW_COUNT];

enum sr__file_kind sr__file_kind(const char *path, const unsigned char *d, size_t len);
/* Fills code and prose (each len bytes) with d's bytes where they are code, resp. prose, and
 * spaces elsewhere (newlines kept), so offsets and line numbers are the file's own. */
void sr__markdown_views(const unsigned char *d, size_t len, unsigned char *code, unsigned char *prose);
int sr__is_skill_md(const char *path);
int sr__text_name(const char *path);

/* Records that rule ri fired (once per file) with a finding at path:line. */
void sr__scan_fire(struct sr__scan *sc, size_t ri, const char *path, int line, const char *excerpt);
/* The same for a match at byte offset at of d[0..len): the line number and an excerpt of
 * that line starting near the match. */
void sr__scan_fire_at(struct sr__scan *sc, size_t ri, const char *path, const unsigned char *d,
		      size_t len, size_t at);
void sr__make_excerpt(const unsigned char *line, size_t n, size_t at, char *out);

/* The C checks (scanner_checks.c); ri is the check's row in the rule table. */
const char *sr__executable_kind(const unsigned char *d, size_t n);
void sr__check_raw_ip(struct sr__scan *sc, size_t ri, const char *path, const unsigned char *d,
		      size_t len);
void sr__check_typosquat(struct sr__scan *sc, size_t ri, const char *name, const char *what);
int sr__popular_parse(sr_scan_rules *r, const char *text, size_t len, char *err, size_t errsz);
void sr__rule_checks_init(sr_scan_rules *r);

void sr__seterr(char *err, size_t errsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
