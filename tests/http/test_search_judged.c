/*
 * test_search_judged.c - search quality on the real archive: success at 5 and MRR.
 *
 * The archive in ../shared/corpus/clawhub-skills-2026-01 (OWNER/SLUG/ with SKILL.md and
 * ClawHub's _meta.json; hostile data, only read) is imported through `skillreg seed` into a
 * real server: each skill's SKILL.md with its frontmatter name set to ClawHub's displayName,
 * as ClawHub shows it, under the latest version's number. Then every query of
 * tests/search-judged.tsv goes through GET /api/v1/search (limit 10), and the test prints
 * success at 5 (a right slug among the first five) and the mean reciprocal rank of the first
 * right slug (0 when none of the ten is right), per kind of query and overall, with the
 * queries that missed. Below the floors it fails: a change that breaks ranking shows here.
 * SKILLREG_CORPUS names another corpus folder; a missing archive fails the test.
 */
#include "harness.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CORPUS_DEFAULT "../shared/corpus"
#define ARCHIVE_NAME "clawhub-skills-2026-01"
#define JUDGED "tests/search-judged.tsv"
#define OWNERS_PER_SEED 60 /* `skillreg seed` reads at most 64 owners per run */
/* The floors: a little under what the word index (docs/search.md) measures on this set, so a
 * loss of quality fails. 2026-12-06, 128 queries, SKILL.md bodies indexed: success at 5
 * 97.7 %, MRR 0.925 (the same set without the bodies: 95.3 %, 0.901). The 30 task queries
 * (a job in a user's words, often words of the body only) have floors of their own: 93.3 %
 * and 0.818 with the bodies, 83.3 % and 0.689 without. (The malware auto-ban hides the
 * skills of one campaign publisher the staging bans, one of them a right answer.) On the first 80 queries, before the
 * word index, the full-text stages measured 75.0 % and 0.750. Issue 14's targets are 0.90
 * and 0.85. */
#define SUCCESS5_FLOOR 0.965
#define MRR_FLOOR 0.915
#define TASK_SUCCESS5_FLOOR 0.90
#define TASK_MRR_FLOOR 0.80

static srt_server S;

static int group_setup(void **state)
{
	(void)state;
	return srt_server_start(&S);
}

static int group_teardown(void **state)
{
	(void)state;
	return srt_server_stop(&S);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	if (b)
		b[n] = '\0';
	fclose(f);
	return b;
}

/* Writes SKILL.md with its frontmatter `name:` line replaced by the display name (a JSON
 * string is a YAML double-quoted scalar); a file without frontmatter gets one. */
static int write_skill_md(const char *path, const char *md, const char *display)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	json_t *js = json_string(display);
	char *q = js ? json_dumps(js, JSON_ENCODE_ANY) : NULL;
	json_decref(js);
	if (strncmp(md, "---\n", 4) != 0) {
		fprintf(f, "---\nname: %s\n---\n%s", q ? q : "skill", md);
	} else {
		fprintf(f, "---\nname: %s\n", q ? q : "skill");
		const char *p = md + 4, *end = strstr(p, "\n---");
		while (p && *p) {
			const char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p + 1) : strlen(p);
			if (!(end && p < end && strncmp(p, "name:", 5) == 0))
				fwrite(p, 1, len, f);
			p += len;
		}
	}
	free(q);
	return fclose(f);
}

/* Lays one skill out as seed reads it: DIR/<owner>/<slug>/<version>/SKILL.md. */
static int stage_skill(const char *root, const char *archive, const char *owner, const char *slug)
{
	char path[2048];
	snprintf(path, sizeof path, "%s/%s/%s/_meta.json", archive, owner, slug);
	json_t *meta = json_load_file(path, 0, NULL);
	snprintf(path, sizeof path, "%s/%s/%s/SKILL.md", archive, owner, slug);
	char *md = slurp(path);
	const char *ver = json_string_value(json_object_get(json_object_get(meta, "latest"), "version"));
	const char *display = json_string_value(json_object_get(meta, "displayName"));
	int rc = -1;
	if (meta && md && ver) {
		snprintf(path, sizeof path, "mkdir -p '%s/%s/%s/%s'", root, owner, slug, ver);
		if (system(path) == 0) {
			snprintf(path, sizeof path, "%s/%s/%s/%s/SKILL.md", root, owner, slug, ver);
			rc = write_skill_md(path, md, display ? display : slug);
		}
	}
	free(md);
	json_decref(meta);
	return rc;
}

static int subdirs(const char *dir, char **out, int max)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)) && n < max)
		if (e->d_name[0] != '.')
			out[n++] = strdup(e->d_name);
	if (d)
		closedir(d);
	return n;
}

/* Imports the archive in batches of owners; returns the number of skills staged. */
static int import_archive(const char *archive)
{
	static char *owners[2048], *slugs[512];
	int nown = subdirs(archive, owners, 2048), staged = 0;
	for (int b = 0; b * OWNERS_PER_SEED < nown; b++) {
		char root[600], odir[2048], out[256];
		snprintf(root, sizeof root, "%s/judged/%d", S.dir, b);
		for (int i = b * OWNERS_PER_SEED; i < nown && i < (b + 1) * OWNERS_PER_SEED; i++) {
			snprintf(odir, sizeof odir, "%s/%s", archive, owners[i]);
			int ns = subdirs(odir, slugs, 512);
			for (int j = 0; j < ns; j++) {
				staged += stage_skill(root, archive, owners[i], slugs[j]) == 0;
				free(slugs[j]);
			}
			free(owners[i]);
		}
		const char *const args[] = {"seed", root, NULL};
		/* Every staged skill publishes (test_judged checks the count): a seed that exits 1
		 * has refused one, which the count then shows. */
		srt_admin(&S, out, sizeof out, args);
	}
	srt_wait_scans(&S);
	return staged;
}

struct tally {
	int n, hit5;
	double rr;
};

/* The 1-based rank of the first right slug among the results, 0 when none is right. */
static int first_right(json_t *results, const char *answers)
{
	for (size_t i = 0; i < json_array_size(results); i++) {
		const char *slug = json_string_value(json_object_get(json_array_get(results, i), "slug"));
		char list[1024];
		snprintf(list, sizeof list, "%s", answers);
		char *save = NULL;
		for (char *a = strtok_r(list, ",", &save); a && slug; a = strtok_r(NULL, ",", &save))
			if (strcmp(a, slug) == 0)
				return (int)i + 1;
	}
	return 0;
}

static int judge(const char *query, const char *answers, const char *kind)
{
	srt_resp r;
	srt_get(&S, srt_fmt("/api/v1/search?q=%s&limit=10", srt_urlenc(query)), NULL, &r);
	json_t *j = SRT_EXPECT_JSON(&r, 200);
	int rank = first_right(json_object_get(j, "results"), answers);
	if (rank != 1) {
		fprintf(stderr, "#   %-6s %-40s rank %d  (want %s) got:", kind, query, rank, answers);
		json_t *res = json_object_get(j, "results");
		for (size_t i = 0; i < json_array_size(res) && i < 5; i++)
			fprintf(stderr, " %s", json_string_value(json_object_get(json_array_get(res, i), "slug")));
		fprintf(stderr, "\n");
	}
	json_decref(j);
	srt_resp_free(&r);
	return rank;
}

static void test_judged(void **state)
{
	(void)state;
	const char *corpus = getenv("SKILLREG_CORPUS");
	char archive[1024];
	struct stat st;
	snprintf(archive, sizeof archive, "%s/%s", corpus && *corpus ? corpus : CORPUS_DEFAULT, ARCHIVE_NAME);
	if (stat(archive, &st) != 0 || !S_ISDIR(st.st_mode))
		fail_msg("the archive %s is missing (set SKILLREG_CORPUS); this test does not pass without it", archive);
	int staged = import_archive(archive);
	long long listed = srt_sql_int(&S, "SELECT count(*) FROM skills");
	fprintf(stderr, "# staged %d skills, %lld in the registry\n", staged, listed);
	/* Every skill ClawHub accepted publishes here too, on either database (a text the
	 * database refuses, such as bytes that are not UTF-8, would lose a skill). */
	assert_int_equal(listed, staged);
	char *tsv = slurp(JUDGED);
	assert_non_null(tsv);
	static const char *const kinds[] = {"phrase", "typo", "pair", "name", "cjk", "task"};
	enum { NKINDS = sizeof(kinds) / sizeof(kinds[0]), ALL = NKINDS };
	struct tally t[NKINDS + 1] = {{0}};
	char *save = NULL;
	for (char *line = strtok_r(tsv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		char *f[4] = {0};
		char *p = line;
		for (int i = 0; i < 4 && p; i++) {
			f[i] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = '\0';
		}
		assert_non_null(f[2]);
		int kind = 0;
		while (kind < NKINDS && strcmp(kinds[kind], f[0]) != 0)
			kind++;
		if (kind == NKINDS)
			fail_msg("%s: unknown kind %s", JUDGED, f[0]);
		int rank = judge(f[1], f[2], f[0]);
		for (int k = 0; k <= ALL; k++) {
			if (k != ALL && k != kind)
				continue;
			t[k].n++;
			t[k].hit5 += rank >= 1 && rank <= 5;
			t[k].rr += rank ? 1.0 / rank : 0;
		}
	}
	free(tsv);
	for (int k = 0; k <= ALL; k++)
		if (t[k].n)
			fprintf(stderr, "# %-7s %3d queries  success@5 %5.1f %%  MRR %.3f\n", k < ALL ? kinds[k] : "all",
				t[k].n, 100.0 * t[k].hit5 / t[k].n, t[k].rr / t[k].n);
	double s5 = (double)t[ALL].hit5 / t[ALL].n, mrr = t[ALL].rr / t[ALL].n;
	if (s5 < SUCCESS5_FLOOR || mrr < MRR_FLOOR)
		fail_msg("search quality under the floor: success@5 %.3f (floor %.3f), MRR %.3f (floor %.3f)", s5,
			 SUCCESS5_FLOOR, mrr, MRR_FLOOR);
	const struct tally *task = &t[NKINDS - 1];
	assert_true(task->n > 0);
	double ts5 = (double)task->hit5 / task->n, tmrr = task->rr / task->n;
	if (ts5 < TASK_SUCCESS5_FLOOR || tmrr < TASK_MRR_FLOOR)
		fail_msg("task queries under their floor: success@5 %.3f (floor %.2f), MRR %.3f (floor %.2f)", ts5,
			 TASK_SUCCESS5_FLOOR, tmrr, TASK_MRR_FLOOR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_judged),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
