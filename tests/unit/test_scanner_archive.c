/*
 * test_scanner_archive.c - the built-in scanner over the real ClawHub archive in
 * ../shared/corpus/clawhub-skills-2026-01 (OWNER/SLUG/ folders, hostile data: only read),
 * judged against tests/scanner-labels.tsv, written by reading the skills:
 *
 *   - every skill labelled malicious (the campaign) must be malicious;
 *   - no skill outside the labels may be malicious;
 *   - of the skills outside the labels, at most MAX_SUSPICIOUS_SHARE may be suspicious.
 *
 * It prints the figures docs/scanner.md quotes (counts, the suspicious share and the list of
 * suspicious skills with their findings, time per skill). SKILLREG_CORPUS names another
 * corpus folder (a git worktree sits deeper than the main checkout). A missing archive fails
 * the test: a measurement that did not run must not read as one that passed.
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
#include <sys/stat.h>
#include <time.h>

#include "moderation/scanner.h"

#define CORPUS_DEFAULT "../shared/corpus" /* beside the repository, as on CI */
#define ARCHIVE_NAME "clawhub-skills-2026-01"
#define LABELS "tests/scanner-labels.tsv"
#define MAX_SUSPICIOUS_SHARE 0.02
#define MAX_SKILLS 4096
#define MAX_LABELS 512

struct label {
	char skill[200]; /* OWNER/SLUG */
	int malicious;   /* else suspicious */
	int seen;
};

static struct label labels[MAX_LABELS];
static size_t nlabels;

static void read_labels(void)
{
	FILE *f = fopen(LABELS, "r");
	if (!f)
		fail_msg("cannot open %s (run from the repository root)", LABELS);
	char line[1024];
	int lineno = 0;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		char *tab1 = strchr(line, '\t');
		char *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
		if (!tab1 || !tab2 || tab2 - tab1 < 2 || !strchr(tab2 + 1, ' '))
			fail_msg("%s:%d: want OWNER/SLUG<TAB>malicious|suspicious<TAB>why", LABELS, lineno);
		*tab1 = *tab2 = '\0';
		if (nlabels == MAX_LABELS || strlen(line) >= sizeof(labels[0].skill))
			fail_msg("%s:%d: too many labels or too long a name", LABELS, lineno);
		struct label *l = &labels[nlabels++];
		memcpy(l->skill, line, strlen(line) + 1); /* the length was checked above */
		if (strcmp(tab1 + 1, "malicious") == 0)
			l->malicious = 1;
		else if (strcmp(tab1 + 1, "suspicious") != 0)
			fail_msg("%s:%d: label '%s' is neither malicious nor suspicious", LABELS, lineno, tab1 + 1);
	}
	fclose(f);
}

static struct label *label_of(const char *skill)
{
	for (size_t i = 0; i < nlabels; i++)
		if (strcmp(labels[i].skill, skill) == 0)
			return &labels[i];
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of dir that are directories, sorted; the count. */
static size_t subdirs(const char *dir, char **out, size_t max)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < max) {
		if (e->d_name[0] == '.')
			continue;
		char p[1024];
		struct stat st;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			out[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(out, n, sizeof(out[0]), cmp_str);
	return n;
}

static void print_findings(const sr_scan_result *res)
{
	for (size_t i = 0; i < res->nfindings; i++) {
		const sr_scan_finding *f = &res->findings[i];
		if (f->severity < SR_SEV_MEDIUM)
			continue;
		fprintf(stderr, "#     %-8s %-22s %s:%d  %s\n", sr_scan_severity_name(f->severity), f->rule_id,
			f->path[0] ? f->path : "(skill)", f->line, f->excerpt);
	}
}

static void test_archive(void **state)
{
	struct stat st;
	const char *corpus = getenv("SKILLREG_CORPUS");
	char archive[1024];
	snprintf(archive, sizeof(archive), "%s/%s", corpus && *corpus ? corpus : CORPUS_DEFAULT, ARCHIVE_NAME);
	if (stat(archive, &st) != 0 || !S_ISDIR(st.st_mode))
		fail_msg("the archive %s is missing (docs/scanner.md: it sits beside the repository, "
			 "or set SKILLREG_CORPUS); this test does not pass without it", archive);
	read_labels();
	sr_scan_rules *rules;
	char err[256];
	if (sr_scan_rules_new_builtin(&rules, err, sizeof(err)))
		fail_msg("builtin rules: %s", err);
	sr_scan_result *res = malloc(sizeof(*res));
	assert_non_null(res);
	static char *owners[MAX_SKILLS], *slugs[MAX_SKILLS];
	size_t nowners = subdirs(archive, owners, MAX_SKILLS);
	size_t nskills = 0, unlabelled = 0, unl_susp = 0, unl_mal = 0, mal_ok = 0, mal_missed = 0;
	size_t lab_susp_flagged = 0, lab_susp = 0, blocked = 0;
	struct timespec t0, t1, c0, c1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	for (size_t o = 0; o < nowners; o++) {
		char odir[1400];
		snprintf(odir, sizeof(odir), "%s/%s", archive, owners[o]);
		size_t ns = subdirs(odir, slugs, MAX_SKILLS);
		for (size_t s = 0; s < ns; s++) {
			char dir[1800], skill[600];
			snprintf(dir, sizeof(dir), "%s/%s", odir, slugs[s]);
			snprintf(skill, sizeof(skill), "%s/%s", owners[o], slugs[s]);
			if (sr_scan_dir(rules, dir, NULL, res, err, sizeof(err)))
				fail_msg("scan %s: %s", skill, err);
			nskills++;
			blocked += res->verdict == SR_VERDICT_MALICIOUS;
			struct label *l = label_of(skill);
			if (l) {
				l->seen = 1;
				if (l->malicious && res->verdict == SR_VERDICT_MALICIOUS) {
					mal_ok++;
				} else if (l->malicious) {
					mal_missed++;
					fprintf(stderr, "# MISSED campaign skill %s: %s\n", skill,
						sr_scan_verdict_name(res->verdict));
					print_findings(res);
				} else {
					lab_susp++;
					lab_susp_flagged += res->verdict != SR_VERDICT_CLEAN;
					if (res->verdict == SR_VERDICT_CLEAN)
						fprintf(stderr, "# labelled suspicious, scanned clean: %s\n", skill);
				}
				continue;
			}
			unlabelled++;
			if (res->verdict == SR_VERDICT_MALICIOUS) {
				unl_mal++;
				fprintf(stderr, "# FALSE POSITIVE (malicious, unlabelled) %s\n", skill);
				print_findings(res);
			} else if (res->verdict == SR_VERDICT_SUSPICIOUS) {
				unl_susp++;
				fprintf(stderr, "# suspicious (unlabelled) %s\n", skill);
				print_findings(res);
			}
		}
		for (size_t s = 0; s < ns; s++)
			free(slugs[s]);
		free(owners[o]);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	double cpu = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
	size_t nmal = 0;
	for (size_t i = 0; i < nlabels; i++) {
		nmal += labels[i].malicious;
		if (!labels[i].seen)
			fail_msg("%s labels %s, which is not in the archive", LABELS, labels[i].skill);
	}
	double share = unlabelled ? (double)unl_susp / (double)unlabelled : 0;
	fprintf(stderr,
		"# archive: %zu skills in %.2f s, %.2f s of CPU (%.2f ms of CPU a skill); %zu blocked in all\n"
		"# campaign (labelled malicious): %zu, blocked %zu, missed %zu\n"
		"# labelled suspicious: %zu, flagged %zu\n"
		"# unlabelled: %zu, malicious %zu, suspicious %zu (%.2f %%, at most %.0f %%)\n",
		nskills, secs, cpu, nskills ? cpu * 1000 / (double)nskills : 0, blocked, nmal, mal_ok, mal_missed,
		lab_susp, lab_susp_flagged, unlabelled, unl_mal, unl_susp, share * 100, MAX_SUSPICIOUS_SHARE * 100);
	free(res);
	sr_scan_rules_free(rules);
	assert_true(nskills > 1000);
	assert_int_equal(mal_missed, 0);
	assert_int_equal(unl_mal, 0);
	assert_true(share <= MAX_SUSPICIOUS_SHARE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_archive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
