/*
 * test_scanner_rules.c - every built-in rule against its samples in tests/scanner-rules/:
 * a folder per rule id holding at least one sample that must match (match.EXT, match-N.EXT)
 * and at least one near miss that must not (nomatch.EXT, nomatch-N.EXT). The test walks the
 * rule table, so a rule added without samples fails here.
 *
 * A sample is scanned alone under a path chosen by its extension: `.md` as the skill's
 * SKILL.md, `.ref.md` as references/notes.md (a markdown file the agent is not told to
 * follow), anything else as scripts/sample.EXT. Every sample is inert (example.invalid and
 * the documentation address ranges).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "moderation/scanner.h"

#define SAMPLES "tests/scanner-rules"

/* Rules whose samples cannot be files: the typosquat check reads the slug and name. */
static const char *const not_by_file[] = {"typosquat"};

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int fired(const sr_scan_result *res, const char *rule)
{
	for (size_t i = 0; i < res->nfindings; i++)
		if (strcmp(res->findings[i].rule_id, rule) == 0)
			return 1;
	return 0;
}

/* Scans one sample; 1 when rule fired. */
static int sample_fires(const sr_scan_rules *rules, const char *rule, const char *file)
{
	char full[1024], as[256];
	snprintf(full, sizeof(full), "%s/%s/%s", SAMPLES, rule, file);
	const char *dot = strchr(file, '.');
	if (ends_with(file, ".ref.md"))
		snprintf(as, sizeof(as), "references/notes.md");
	else if (ends_with(file, ".md"))
		snprintf(as, sizeof(as), "SKILL.md");
	else
		snprintf(as, sizeof(as), "scripts/sample%s", dot ? dot : "");
	sr_buf b;
	sr_buf_init(&b, 1 << 20);
	if (sr_buf_read_file(&b, full))
		fail_msg("cannot read %s", full);
	sr_pub_file f;
	memset(&f, 0, sizeof(f));
	f.path = as;
	f.data = (const unsigned char *)b.data;
	f.size = (int64_t)b.len;
	sr_scan_result *res = malloc(sizeof(*res));
	assert_non_null(res);
	assert_int_equal(sr_scan_files(rules, &f, 1, "neutral-sample", NULL, res), 0);
	int hit = fired(res, rule);
	if (hit != (strncmp(file, "match", 5) == 0)) {
		fprintf(stderr, "# %s/%s as %s: %zu findings\n", rule, file, as, res->nfindings);
		for (size_t i = 0; i < res->nfindings; i++)
			fprintf(stderr, "#   %s %s:%d %s\n", res->findings[i].rule_id, res->findings[i].path,
				res->findings[i].line, res->findings[i].excerpt);
	}
	free(res);
	sr_buf_deinit(&b);
	return hit;
}

static void test_every_rule_has_samples(void **state)
{
	sr_scan_rules *rules;
	char err[256];
	if (sr_scan_rules_new_builtin(&rules, err, sizeof(err)))
		fail_msg("builtin rules: %s", err);
	int failures = 0;
	for (size_t i = 0; i < sr_scan_rules_count(rules); i++) {
		const char *id = sr_scan_rule_id(rules, i);
		int exempt = 0;
		for (size_t k = 0; k < sizeof(not_by_file) / sizeof(not_by_file[0]); k++)
			exempt |= strcmp(id, not_by_file[k]) == 0;
		if (exempt)
			continue;
		char dir[512];
		snprintf(dir, sizeof(dir), "%s/%s", SAMPLES, id);
		DIR *d = opendir(dir);
		if (!d) {
			fprintf(stderr, "# rule %s has no samples folder %s\n", id, dir);
			failures++;
			continue;
		}
		int nmatch = 0, nnear = 0;
		struct dirent *e;
		while ((e = readdir(d))) {
			const char *n = e->d_name;
			if (strncmp(n, "match", 5) == 0) {
				nmatch++;
				if (!sample_fires(rules, id, n)) {
					fprintf(stderr, "# rule %s did not match its sample %s\n", id, n);
					failures++;
				}
			} else if (strncmp(n, "nomatch", 7) == 0) {
				nnear++;
				if (sample_fires(rules, id, n)) {
					fprintf(stderr, "# rule %s matched its near miss %s\n", id, n);
					failures++;
				}
			}
		}
		closedir(d);
		if (!nmatch || !nnear) {
			fprintf(stderr, "# rule %s needs a match.* and a nomatch.* sample\n", id);
			failures++;
		}
	}
	sr_scan_rules_free(rules);
	assert_int_equal(failures, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_rule_has_samples),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
