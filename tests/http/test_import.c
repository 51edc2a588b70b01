/*
 * test_import.c - `skillreg import` of the real ClawHub archive (../shared/corpus, 506 owners,
 * 1,235 skills) into a fresh registry, on the database the harness runs (SQLite, or PostgreSQL
 * with SKILLREG_TEST_DB=postgres), while its server runs and scans:
 *
 *   - a run stopped by SIGINT ends after the skill in hand (exit 1, its summary matches the
 *     rows), a run killed with SIGKILL mid-way leaves whole versions, and the next run
 *     completes with no refusal, skipping exactly what the two before imported;
 *   - owners, skills and versions match the archive one for one (each owner an account its
 *     GitHub login claims, each skill at its version and original publish time), no duplicate;
 *   - a second complete run imports nothing;
 *   - once the server has scanned everything, a sample of skills downloads byte for byte as
 *     the archive holds them, with the registry's own _meta.json.
 *
 * It prints the time of each run; the README's figures come from runs of the command itself.
 */
#include "archive.h"
#include "harness.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static srt_server S;
static srt_archive A;
static int runs;

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int group_setup(void **state)
{
	(void)state;
	if (srt_archive_load(&A) != 0 || A.n == 0)
		return -1;
	S.no_scan_wait = 1;
	return srt_server_start(&S);
}

static int group_teardown(void **state)
{
	(void)state;
	srt_archive_free(&A);
	return srt_server_stop(&S);
}

/* Starts `skillreg import ARCHIVE` on the server's database, its stdout and stderr into
 * DIR/import-N.out and .err; the pid. */
static pid_t spawn_import(char *out_path, size_t outsz)
{
	char err_path[600];
	runs++;
	snprintf(out_path, outsz, "%s/import-%d.out", S.dir, runs);
	snprintf(err_path, sizeof err_path, "%s/import-%d.err", S.dir, runs);
	const char *argv[] = {S.bin, "import", A.root, "--data-dir", S.dir, "--db", S.db, NULL};
	if (!srt_db_postgres())
		argv[5] = NULL;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (o < 0 || e < 0)
			_exit(126);
		dup2(o, 1);
		dup2(e, 2);
		execv(S.bin, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The number after `label` in a summary; fails the test when the line is missing. */
static long figure(const char *text, const char *label)
{
	const char *p = strstr(text, label);
	if (!p)
		fail_msg("the summary has no \"%s\":\n%s", label, text);
	return strtol(p + strlen(label), NULL, 10);
}

static long long versions_now(void)
{
	return srt_sql_int(&S, "SELECT count(*) FROM skill_versions");
}

/* Waits until the import has written at least `rows` versions (it is still running). */
static void wait_rows(pid_t pid, long long rows)
{
	double t0 = now_s();
	while (versions_now() < rows) {
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid)
			fail_msg("the import ended before it wrote %lld versions", rows);
		if (now_s() - t0 > 300)
			fail_msg("the import wrote fewer than %lld versions in 300 s", rows);
		usleep(5000);
	}
}

/* A complete run: its exit status and its summary. */
static int run_to_end(char **summary, double *seconds)
{
	char out[600];
	double t0 = now_s();
	pid_t pid = spawn_import(out, sizeof out);
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	*seconds = now_s() - t0;
	*summary = slurp(out);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void test_stop_kill_and_complete(void **state)
{
	(void)state;
	long long total = (long long)A.n;
	/* SIGINT: the run finishes the skill in hand, says what it did and exits 1. */
	char out[600];
	pid_t pid = spawn_import(out, sizeof out);
	wait_rows(pid, total / 10);
	assert_int_equal(kill(pid, SIGINT), 0);
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 1);
	const char *text = slurp(out);
	assert_non_null(strstr(text, "stopped after"));
	long long after_int = versions_now();
	assert_int_equal(figure(text, "imported: "), after_int);
	assert_int_equal(figure(text, "refused: "), 0);
	assert_true(after_int < total);

	/* SIGKILL mid-way: nothing runs after it, and each version is all there or absent. */
	pid = spawn_import(out, sizeof out);
	wait_rows(pid, after_int + total / 4);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	long long after_kill = versions_now();
	assert_true(after_kill > after_int && after_kill < total);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM skill_versions v WHERE NOT EXISTS "
				       "(SELECT 1 FROM skills s WHERE s.id = v.skill_id AND s.latest_version_id = v.id)"),
			 0);

	/* The next run completes: no refusal, and it skips exactly what is present. */
	char *summary;
	double secs;
	int rc = run_to_end(&summary, &secs);
	fprintf(stderr, "import after SIGINT at %lld and SIGKILL at %lld versions: %.1f s\n%s", after_int,
		after_kill, secs, summary);
	assert_int_equal(rc, 0);
	assert_int_equal(figure(summary, "refused: "), 0);
	assert_int_equal(figure(summary, "skipped (already present): "), after_kill);
	assert_int_equal(figure(summary, "imported: "), total - after_kill);
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Splits text into lines (in place) and sorts them. */
static char **sorted_lines(char *text, size_t *n)
{
	size_t cap = 16;
	char **v = malloc(cap * sizeof(*v));
	*n = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (*n == cap)
			v = realloc(v, (cap *= 2) * sizeof(*v));
		v[(*n)++] = line;
	}
	qsort(v, *n, sizeof(*v), cmp_line);
	return v;
}

static void test_counts_match_archive(void **state)
{
	(void)state;
	long long total = (long long)A.n;
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM users WHERE claim_github IS NOT NULL"), A.owners);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM users WHERE claim_github = handle"), A.owners);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM skills"), total);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM skill_versions"), total);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM (SELECT DISTINCT owner_id, slug FROM skills) d"), total);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM (SELECT DISTINCT skill_id, version FROM skill_versions) d"),
			 total);
	/* The archive's _meta.json is ClawHub's record, not a file of any version. */
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM version_files WHERE path = '_meta.json'"), 0);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM skill_versions WHERE created_by NOT IN "
				       "(SELECT owner_id FROM skills WHERE skills.id = skill_versions.skill_id)"),
			 0);

	/* Every skill at its owner, slug, version and original publish time, one for one. */
	char *rows = srt_db_text(S.db, "SELECT u.handle, s.slug, v.version, v.created_at FROM skills s "
				       "JOIN users u ON u.id = s.owner_id JOIN skill_versions v ON v.skill_id = s.id");
	assert_non_null(rows);
	size_t ngot = 0;
	char **got = sorted_lines(rows, &ngot);
	char *want_text = malloc(A.n * 400 + 1);
	size_t at = 0;
	for (size_t i = 0; i < A.n; i++)
		at += (size_t)snprintf(want_text + at, 400, "%s|%s|%s|%lld\n", A.skills[i].owner, A.skills[i].slug,
				       A.skills[i].version, (long long)A.skills[i].published_at);
	size_t nwant = 0;
	char **want = sorted_lines(want_text, &nwant);
	assert_int_equal(ngot, nwant);
	for (size_t i = 0; i < nwant; i++)
		if (strcmp(got[i], want[i]) != 0)
			fail_msg("registry row %s, archive %s", got[i], want[i]);
	free(got);
	free(want);
	free(want_text);
	free(rows);
}

static void test_rerun_imports_nothing(void **state)
{
	(void)state;
	char *summary;
	double secs;
	int rc = run_to_end(&summary, &secs);
	fprintf(stderr, "rerun over a complete import: %.1f s\n%s", secs, summary);
	assert_int_equal(rc, 0);
	assert_int_equal(figure(summary, "imported: "), 0);
	assert_int_equal(figure(summary, "skipped (already present): "), (long)A.n);
	assert_int_equal(figure(summary, "refused: "), 0);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM skill_versions"), (long long)A.n);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM users WHERE claim_github IS NOT NULL"), A.owners);
}

/* Whether another owner of the archive has the same slug (the shared slug resolves to one). */
static int slug_shared(size_t k)
{
	for (size_t i = 0; i < A.n; i++)
		if (i != k && strcmp(A.skills[i].slug, A.skills[k].slug) == 0)
			return 1;
	return 0;
}

static void check_download(const srt_askill *k)
{
	srt_file *files;
	size_t n;
	assert_int_equal(srt_archive_files(&A, k, &files, &n), 0);
	srt_resp r;
	assert_int_equal(srt_get(&S, srt_fmt("/api/v1/download?slug=%s&version=%s", k->slug, k->version), NULL, &r), 0);
	if (r.status != 200)
		fail_msg("download %s/%s@%s: HTTP %ld %.200s", k->owner, k->slug, k->version, r.status, r.body);
	assert_int_equal(srt_zip_count(r.body, r.len), (long)n + 1);
	for (size_t i = 0; i < n; i++) {
		char *data;
		size_t len;
		if (srt_zip_read(r.body, r.len, files[i].path, &data, &len) != 0)
			fail_msg("%s/%s: %s is not in the download", k->owner, k->slug, files[i].path);
		if (len != files[i].len || memcmp(data, files[i].data, len) != 0)
			fail_msg("%s/%s: %s differs from the archive", k->owner, k->slug, files[i].path);
		free(data);
	}
	char *meta;
	size_t mlen;
	assert_int_equal(srt_zip_read(r.body, r.len, "_meta.json", &meta, &mlen), 0);
	assert_non_null(strstr(meta, srt_fmt("\"slug\": \"%s\"", k->slug)));
	assert_non_null(strstr(meta, srt_fmt("\"version\": \"%s\"", k->version)));
	assert_null(strstr(meta, "\"history\"")); /* the registry's own, not the archive's */
	free(meta);
	srt_resp_free(&r);

	srt_resp d;
	assert_int_equal(srt_get(&S, srt_fmt("/api/v1/skills/%s", k->slug), NULL, &d), 0);
	json_t *j = SRT_EXPECT_JSON(&d, 200);
	json_t *skill = json_object_get(j, "skill");
	assert_string_equal(json_string_value(json_object_get(skill, "displayName")), k->display_name);
	json_decref(j);
	srt_resp_free(&d);
	srt_archive_files_free(files, n);
}

static void test_sample_downloads_byte_exact(void **state)
{
	(void)state;
	double t0 = now_s();
	while (srt_pending_scans(&S) > 0) {
		if (now_s() - t0 > 600)
			fail_msg("%d versions still wait for their scan after 600 s", srt_pending_scans(&S));
		usleep(100 * 1000);
	}
	fprintf(stderr, "the server scanned the imported versions in %.1f s after the import\n", now_s() - t0);
	int checked = 0;
	for (size_t i = 0; i < A.n; i += 20) {
		/* The labelled skills are the ones the scanner may block: their download is refused. */
		while (i < A.n && (srt_archive_labelled(&A, &A.skills[i]) != 0 || slug_shared(i)))
			i++;
		if (i == A.n)
			break;
		check_download(&A.skills[i]);
		checked++;
	}
	fprintf(stderr, "%d skills downloaded byte for byte as the archive holds them\n", checked);
	assert_true(checked >= 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stop_kill_and_complete),
		cmocka_unit_test(test_counts_match_archive),
		cmocka_unit_test(test_rerun_imports_nothing),
		cmocka_unit_test(test_sample_downloads_byte_exact),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
