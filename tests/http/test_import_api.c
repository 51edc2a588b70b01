/*
 * test_import_api.c - the real ClawHub archive (../shared/corpus, 1,235 skills of 506 owners)
 * published through the HTTP API as its owners would with the clawhub CLI: each owner has an
 * account and a token of its own, and each skill goes up as a multipart publish (payload with
 * slug, displayName and version from _meta.json, the skill's files; the archive's own
 * _meta.json is ClawHub's record, not a file of the skill), oldest first.
 *
 * ClawHub holds every one of these skills, so the only refusals a registry that behaves like
 * ClawHub may answer are its current rules for a new slug: the shape, reserved words and
 * protected affixes (registry/slug.c's sr_slug_check_new, whose sentence is the 400's text),
 * and one owner per slug (400 `Slug is already taken. Choose a different slug. Existing skill:
 * URL` for a later owner of a slug held).
 * Each answer must be exactly the one those rules give; nothing else (frontmatter, display
 * names, sizes, paths) may refuse. The refused slugs are listed with their reasons. The one
 * other refusal is ClawHub's too: a publisher the scanner found publishing malware twice is
 * banned (the malware auto-ban, docs/scanner.md), and their next publishes answer 401. The
 * test waits for each publish's scan, so that whether the owner is banned when the next one
 * goes up is settled, and expects that answer then.
 *
 * The server runs with --no-rate-limit (1,235 publishes in a minute are a migration, not a
 * client to slow down).
 */
#include "archive.h"
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "registry/slug.h"

static srt_server S;
static srt_archive A;
static const char *const serve_args[] = {"--no-rate-limit", NULL};

static int group_setup(void **state)
{
	(void)state;
	if (srt_archive_load(&A) != 0 || A.n == 0)
		return -1;
	return srt_server_start_args(&S, serve_args);
}

static int group_teardown(void **state)
{
	(void)state;
	srt_archive_free(&A);
	return srt_server_stop(&S);
}

/* The token of an owner: made up from its handle, stored hashed as `skillreg token create`
 * stores one. */
static void owner_token(const char *owner, char out[80])
{
	char hex[65];
	srt_sha256_hex(owner, strlen(owner), hex);
	snprintf(out, 80, "clh_import%.36s", hex);
}

/* Every owner of the archive as an account with one token, made in two statements. */
static void make_owners(void)
{
	size_t cap = A.n * 300 + 256;
	char *users = malloc(cap), *tokens = malloc(cap);
	size_t u = (size_t)snprintf(users, cap, "INSERT INTO users(handle, display_name, role, created_at) VALUES ");
	size_t t = (size_t)snprintf(tokens, cap, "INSERT INTO api_tokens(user_id, label, prefix, token_hash, "
						 "created_at) VALUES ");
	int first = 1;
	for (size_t i = 0; i < A.n; i++) {
		const char *o = A.skills[i].owner;
		if (i && strcmp(o, A.skills[i - 1].owner) == 0)
			continue;
		char tok[80], hash[65];
		owner_token(o, tok);
		srt_sha256_hex(tok, strlen(tok), hash);
		u += (size_t)snprintf(users + u, cap - u, "%s('%s', '%s', 0, 1)", first ? "" : ", ", o, o);
		t += (size_t)snprintf(tokens + t, cap - t, "%s((SELECT id FROM users WHERE handle = '%s'), 'cli', '%.12s', '%s', 1)",
				      first ? "" : ", ", o, tok, hash);
		first = 0;
	}
	assert_true(u < cap && t < cap);
	assert_int_equal(srt_sql(&S, users), (long)A.owners);
	assert_int_equal(srt_sql(&S, tokens), (long)A.owners);
	free(users);
	free(tokens);
}

static int by_time(const void *x, const void *y)
{
	const srt_askill *a = *(srt_askill *const *)x, *b = *(srt_askill *const *)y;
	if (a->published_at != b->published_at)
		return a->published_at < b->published_at ? -1 : 1;
	int c = strcmp(a->owner, b->owner);
	return c ? c : strcmp(a->slug, b->slug);
}

/* Whether an earlier skill of another owner, in publish order, took the slug. */
static int taken_before(srt_askill *const *order, size_t k)
{
	for (size_t i = 0; i < k; i++)
		if (strcmp(order[i]->slug, order[k]->slug) == 0 && strcmp(order[i]->owner, order[k]->owner) != 0 &&
		    !sr_slug_check_new(order[i]->slug))
			return 1;
	return 0;
}

#define BANNED_TEXT                                                                                    \
	"Unauthorized: This ClawHub account is not in good standing and cannot use API tokens. Contact " \
	"the registry's moderators if you believe this is a mistake."

/* Whether the malware auto-ban has banned the owner (the scans of their earlier publishes are
 * all done: the harness waits for them after each one). */
static int auto_banned(const char *owner)
{
	return srt_sql_int(&S, srt_fmt("SELECT count(*) FROM users WHERE handle = '%s' AND ban_reason = 'malware auto-ban'",
				       owner)) > 0;
}

static void publish_one(const srt_askill *k, long want_status, const char *want_text)
{
	srt_file *files;
	size_t n;
	assert_int_equal(srt_archive_files(&A, k, &files, &n), 0);
	json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:b, s:[s]}", "slug", k->slug, "displayName", k->display_name,
			      "version", k->version, "changelog", "", "acceptLicenseTerms", 1, "tags", "latest");
	char *payload = json_dumps(p, JSON_COMPACT);
	char tok[80];
	owner_token(k->owner, tok);
	srt_resp r;
	assert_int_equal(srt_publish_multipart(&S, tok, payload, files, n, &r), 0);
	/* The one-owner refusal ends with the holder's page, whose address has the server's port. */
	int prefix = want_text && want_text[strlen(want_text) - 1] == ' ';
	if (r.status != want_status ||
	    (want_text && (prefix ? strncmp(r.body, want_text, strlen(want_text)) : strcmp(r.body, want_text)) != 0))
		fail_msg("publish %s/%s@%s: HTTP %ld \"%.300s\", ClawHub's slug rules give %ld \"%s\"", k->owner, k->slug,
			 k->version, r.status, r.body, want_status, want_text ? want_text : "");
	if (want_text)
		fprintf(stderr, "refused %s/%s: %ld %s\n", k->owner, k->slug, r.status, r.body);
	srt_resp_free(&r);
	free(payload);
	json_decref(p);
	srt_archive_files_free(files, n);
}

static void test_only_slug_rules_refuse(void **state)
{
	(void)state;
	make_owners();
	srt_askill **order = malloc(A.n * sizeof(*order));
	for (size_t i = 0; i < A.n; i++)
		order[i] = &A.skills[i];
	qsort(order, A.n, sizeof(*order), by_time);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	size_t refused = 0, banned = 0;
	for (size_t i = 0; i < A.n; i++) {
		const char *rule = sr_slug_check_new(order[i]->slug);
		if (auto_banned(order[i]->owner)) {
			publish_one(order[i], 401, BANNED_TEXT);
			banned++;
		} else if (rule) {
			publish_one(order[i], 400, rule);
			refused++;
		} else if (taken_before(order, i)) {
			publish_one(order[i], 400, "Slug is already taken. Choose a different slug. Existing skill: ");
			refused++;
		} else {
			publish_one(order[i], 200, NULL);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	long long owners_banned = srt_sql_int(&S, "SELECT count(*) FROM users WHERE ban_reason = 'malware auto-ban'");
	fprintf(stderr,
		"%zu skills published through the API in %.1f s (%.1f/s); %zu refused, each by a slug rule; %zu refused "
		"to %lld owners the malware auto-ban banned\n",
		A.n - refused - banned, secs, (double)A.n / secs, refused, banned, owners_banned);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM skill_versions"), (long long)(A.n - refused - banned));
	free(order);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_only_slug_rules_refuse),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
