/*
 * scanner.h - the built-in static scanner: reads a skill's files and reports findings (rule,
 * severity, file, line, excerpt) and a verdict (clean / suspicious / malicious).
 *
 * The rules are YARA rules (the .yar files under rules/, compiled into the binary and
 * compiled with libyara when a rules handle is made; an operator's file may replace them),
 * each with a severity and a description in its meta. The rules see each file through views
 * that say where instructions live (code, prose, data, minified third-party code). A few
 * checks a rule language cannot say are written in C: executable magic bytes, binary data
 * in a text file, URLs to bare public IPv4 addresses, typosquats by edit distance. Every scan
 * is bounded by the byte and finding ceilings below. docs/scanner.md describes the rules,
 * their tests and the verdict rule.
 */
#ifndef SR_SCANNER_H
#define SR_SCANNER_H

#include <stddef.h>

#include "core/buf.h"
#include "registry/registry.h"

#define SR_SCAN_MAX_FINDINGS 64
#define SR_SCAN_EXCERPT_MAX 120         /* bytes of UTF-8, without the NUL */
#define SR_SCAN_FILE_BYTES (1 << 20)     /* bytes of one file that are read */
#define SR_SCAN_TOTAL_BYTES (8 << 20)    /* bytes of one skill that are read */
#define SR_SCAN_DIR_MAX_FILES 500        /* files sr_scan_dir reads */
#define SR_SCAN_DIR_MAX_DEPTH 8
#define SR_SCAN_RULES_MAX_BYTES (1 << 20) /* a rules file */

typedef enum sr_scan_severity {
	SR_SEV_INFO,
	SR_SEV_LOW,
	SR_SEV_MEDIUM,
	SR_SEV_HIGH,
	SR_SEV_CRITICAL,
	SR_SEV_COUNT
} sr_scan_severity;

/* sr_scan_verdict (SR_VERDICT_*) is in store/store.h: the columns store it. */

typedef struct sr_scan_finding {
	char rule_id[64];
	char title[160];
	sr_scan_severity severity;
	char path[SR_MAX_PATH + 1]; /* "" for a finding about the skill itself (its slug) */
	int line;                   /* 1-based; 0 when the finding is not about a line */
	char excerpt[SR_SCAN_EXCERPT_MAX + 1]; /* valid UTF-8, no control characters */
} sr_scan_finding;

typedef struct sr_scan_result {
	sr_scan_verdict verdict;
	/* Distinct rules that fired, per severity: the verdict follows from these alone, so it
	 * stays right when the finding list is full. */
	unsigned rules_fired[SR_SEV_COUNT];
	size_t nfindings;
	int findings_truncated;     /* more findings than SR_SCAN_MAX_FINDINGS */
	int bytes_truncated;        /* a file or the skill was longer than the byte ceilings */
	size_t files_scanned;
	size_t bytes_scanned;
	sr_scan_finding findings[SR_SCAN_MAX_FINDINGS];
} sr_scan_result;

typedef struct sr_scan_rules sr_scan_rules;

/* The rules compiled into the binary. err (may be NULL) gets the reason on failure. */
int sr_scan_rules_new_builtin(sr_scan_rules **out, char *err, size_t errsz);
/* Rules from YARA source text (the C checks and the built-in popular slugs come along);
 * SR_EINVAL with "line N: ..." or "rule X: ..." in err. */
int sr_scan_rules_new_text(const char *text, size_t len, sr_scan_rules **out, char *err,
			   size_t errsz);
/* Rules from a YARA file (at most SR_SCAN_RULES_MAX_BYTES); replaces the built-in rules,
 * unless it starts with `include "builtin"`, which adds them. */
int sr_scan_rules_new_file(const char *path, sr_scan_rules **out, char *err, size_t errsz);
void sr_scan_rules_free(sr_scan_rules *r);

size_t sr_scan_rules_count(const sr_scan_rules *r);
const char *sr_scan_rule_id(const sr_scan_rules *r, size_t i);

/* Scans n files in memory (files without data are skipped). slug and display_name (either
 * may be NULL) are checked against the popular list for typosquats. out is overwritten. */
int sr_scan_files(const sr_scan_rules *rules, const sr_pub_file *files, size_t n,
		  const char *slug, const char *display_name, sr_scan_result *out);

/* Reads the regular files under dir (recursively, symlinks and .git skipped, within the
 * SR_SCAN_DIR_* and byte ceilings) and scans them. slug NULL: the directory's base name;
 * the display name is SKILL.md's frontmatter name when it has one. SR_EIO when dir cannot
 * be read. */
int sr_scan_dir(const sr_scan_rules *rules, const char *dir, const char *slug,
		sr_scan_result *out, char *err, size_t errsz);

/* The verdict rule: any critical rule -> malicious; any high rule, or two or more distinct
 * medium rules -> suspicious; else clean. counts[s] is the number of distinct rules of
 * severity s that fired. A rule's meta severity "malicious" is critical, "suspicious" high
 * and "info" info. */
sr_scan_verdict sr_scan_decide(const unsigned counts[SR_SEV_COUNT]);

const char *sr_scan_severity_name(sr_scan_severity s);
/* The verdict's name (registry/modstate.h), "unknown" for none. */
const char *sr_scan_verdict_name(sr_scan_verdict v);

/* Writes a result as one JSON object (verdict, counts, findings) into out. */
int sr_scan_result_json(const sr_scan_result *res, sr_buf *out);

#endif
