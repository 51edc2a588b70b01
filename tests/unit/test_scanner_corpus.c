/*
 * test_scanner_corpus.c - the built-in scanner over tests/scanner-corpus: benign skills
 * written like real ones and malicious ones modelled on published attack patterns (all
 * payload addresses inert). Prints precision and recall, names every misclassified skill,
 * and holds both figures at or above 0.9. A skill counts as flagged when its verdict is
 * suspicious or malicious.
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

#include "moderation/scanner.h"

#define CORPUS "tests/scanner-corpus"
#define MIN_PRECISION 0.9
#define MIN_RECALL 0.9
#define MIN_SKILLS_PER_SIDE 12

struct tally {
	int tp, fp, tn, fn;
	int n;
};

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void scan_side(const sr_scan_rules *rules, const char *side, int malicious, struct tally *t)
{
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/%s", CORPUS, side);
	DIR *d = opendir(dir);
	if (!d)
		fail_msg("cannot open %s (run from the repository root)", dir);
	char *names[256];
	size_t nn = 0;
	struct dirent *e;
	while ((e = readdir(d)) && nn < 256)
		if (e->d_name[0] != '.')
			names[nn++] = strdup(e->d_name);
	closedir(d);
	qsort(names, nn, sizeof(names[0]), cmp_name);
	sr_scan_result *res = malloc(sizeof(*res));
	assert_non_null(res);
	for (size_t i = 0; i < nn; i++) {
		char path[1024], err[256];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		assert_int_equal(sr_scan_dir(rules, path, NULL, res, err, sizeof(err)), 0);
		int flagged = res->verdict != SR_VERDICT_CLEAN;
		t->n++;
		if (malicious && flagged)
			t->tp++;
		else if (malicious)
			t->fn++;
		else if (flagged)
			t->fp++;
		else
			t->tn++;
		if (flagged != malicious) {
			printf("misclassified: %s/%s -> %s\n", side, names[i], sr_scan_verdict_name(res->verdict));
			for (size_t k = 0; k < res->nfindings; k++)
				printf("    %s %s:%d %s\n", res->findings[k].rule_id, res->findings[k].path,
				       res->findings[k].line, res->findings[k].excerpt);
		} else {
			printf("ok: %s/%s -> %s", side, names[i], sr_scan_verdict_name(res->verdict));
			for (size_t k = 0; k < res->nfindings; k++)
				printf(" %s", res->findings[k].rule_id);
			printf("\n");
		}
		free(names[i]);
	}
	free(res);
}

static void test_corpus(void **state)
{
	sr_scan_rules *rules;
	char err[256];
	assert_int_equal(sr_scan_rules_new_builtin(&rules, err, sizeof(err)), 0);
	struct tally ben = {0}, mal = {0};
	scan_side(rules, "benign", 0, &ben);
	scan_side(rules, "malicious", 1, &mal);
	sr_scan_rules_free(rules);
	assert_true(ben.n >= MIN_SKILLS_PER_SIDE);
	assert_true(mal.n >= MIN_SKILLS_PER_SIDE);
	int tp = mal.tp, fn = mal.fn, fp = ben.fp;
	double precision = tp + fp ? (double)tp / (tp + fp) : 0.0;
	double recall = tp + fn ? (double)tp / (tp + fn) : 0.0;
	printf("corpus: %d benign, %d malicious; flagged %d of %d malicious, %d of %d benign\n", ben.n,
	       mal.n, tp, mal.n, fp, ben.n);
	printf("precision %.3f, recall %.3f (thresholds %.2f, %.2f)\n", precision, recall,
	       MIN_PRECISION, MIN_RECALL);
	assert_true(precision >= MIN_PRECISION);
	assert_true(recall >= MIN_RECALL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
