/*
 * test_slug_race.c - one owner per new slug (issue 16): a new skill's slug is refused when
 * another publisher holds it, by a live skill or an alias, and the database decides races.
 *
 * Before migration 0009 three users publishing one new slug at once all got 200, and any
 * user could publish or rename into another publisher's slug, after which every bare-slug
 * lookup of it answered 409 for everyone. Here several users publish one new slug at once
 * (threads released together by a barrier, each with its own connection, a multipart
 * publish being one request) over many trials: exactly one wins each trial and the others
 * get ClawHub's refusal naming the winner's page. Then the single-request cases: another
 * user's publish and rename into a held slug or alias, the owner's own republish, and an
 * undelete that would make a second owner.
 */
#include "harness.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

static srt_server S;

#define NRACERS 5
#define NTRIALS 12

static const char *const SERVE_ARGS[] = {"--threads", "8", "--no-rate-limit", NULL};
static const char *const HANDLES[NRACERS] = {"alice", "bob", "carol", "dave", "erin"};
static char tokens[NRACERS][128];

static int add_user(const char *handle, char *token, size_t n)
{
	char out[256];
	const char *const add[] = {"user", "add", handle, NULL};
	const char *const tok[] = {"token", "create", handle, NULL};
	if (srt_admin(&S, out, sizeof out, add) != 0 || srt_admin(&S, out, sizeof out, tok) != 0)
		return -1;
	snprintf(token, n, "%.127s", out);
	return 0;
}

static int group_setup(void **state)
{
	(void)state;
	if (srt_server_start_args(&S, SERVE_ARGS))
		return -1;
	snprintf(tokens[0], sizeof tokens[0], "%s", S.tok_alice);
	snprintf(tokens[1], sizeof tokens[1], "%s", S.tok_bob);
	for (int i = 2; i < NRACERS; i++)
		if (add_user(HANDLES[i], tokens[i], sizeof tokens[i]))
			return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return srt_server_stop(&S);
}

/* ---- the race ---- */

typedef struct racer {
	srt_server s; /* a copy of S with its own curl handle */
	pthread_barrier_t *go;
	const char *token, *slug;
	long status;
	char body[512];
} racer;

static void *race_publish(void *arg)
{
	racer *rc = arg;
	json_t *p = srt_payload(rc->slug, "1.0.0");
	char *payload = json_dumps(p, JSON_COMPACT);
	const char *md = "---\nname: Race\ndescription: Racing for a slug.\n---\n\n# Race\n";
	srt_file f = {"SKILL.md", md, strlen(md), "text/markdown"};
	srt_resp r;
	pthread_barrier_wait(rc->go);
	srt_publish_multipart(&rc->s, rc->token, payload, &f, 1, &r);
	rc->status = r.status;
	snprintf(rc->body, sizeof rc->body, "%s", r.body ? r.body : "");
	srt_resp_free(&r);
	free(payload);
	json_decref(p);
	return NULL;
}

static void test_race_one_winner(void **state)
{
	(void)state;
	int winners_total = 0, refused_total = 0, won_by[NRACERS] = {0};
	for (int t = 0; t < NTRIALS; t++) {
		const char *slug = srt_fmt("race-slug-%d", t);
		racer rs[NRACERS];
		pthread_t th[NRACERS];
		pthread_barrier_t go;
		pthread_barrier_init(&go, NULL, NRACERS);
		for (int i = 0; i < NRACERS; i++) {
			/* Rotate who starts first, so no user is favoured by thread start order. */
			int u = (i + t) % NRACERS;
			rs[i].s = S;
			rs[i].s.curl = curl_easy_init();
			rs[i].s.no_scan_wait = 1;
			rs[i].go = &go;
			rs[i].token = tokens[u];
			rs[i].slug = slug;
		}
		for (int i = 0; i < NRACERS; i++)
			pthread_create(&th[i], NULL, race_publish, &rs[i]);
		for (int i = 0; i < NRACERS; i++) {
			pthread_join(th[i], NULL);
			curl_easy_cleanup(rs[i].s.curl);
		}
		pthread_barrier_destroy(&go);
		int winner = -1, wins = 0;
		for (int i = 0; i < NRACERS; i++)
			if (rs[i].status == 200) {
				winner = (i + t) % NRACERS;
				wins++;
			}
		if (wins != 1) {
			print_error("trial %d: %d publishes of %s answered 200\n", t, wins, slug);
			fail();
		}
		won_by[winner]++;
		winners_total += wins;
		/* Every loser got ClawHub's refusal, naming the winner's page. */
		const char *want = srt_fmt("Slug is already taken. Choose a different slug. Existing skill: %s/%s/%s",
					   S.base, HANDLES[winner], slug);
		for (int i = 0; i < NRACERS; i++) {
			if (rs[i].status == 200)
				continue;
			if (rs[i].status != 400 || strcmp(rs[i].body, want) != 0) {
				print_error("trial %d: a loser got %ld \"%s\", expected 400 \"%s\"\n", t, rs[i].status,
					    rs[i].body, want);
				fail();
			}
			refused_total++;
		}
	}
	assert_int_equal(srt_wait_scans(&S), 0);
	/* Each slug has one owner: the bare slug resolves (no 409) to the winner. */
	for (int t = 0; t < NTRIALS; t++) {
		srt_resp r;
		srt_get(&S, srt_fmt("/api/v1/skills/race-slug-%d", t), NULL, &r);
		SRT_EXPECT_STATUS(&r, 200);
		srt_resp_free(&r);
	}
	fprintf(stderr, "slug race: %d trials x %d users: %d winners, %d refused; wins by user:", NTRIALS,
		NRACERS, winners_total, refused_total);
	for (int i = 0; i < NRACERS; i++)
		fprintf(stderr, " %s %d", HANDLES[i], won_by[i]);
	fprintf(stderr, "\n");
	assert_int_equal(winners_total, NTRIALS);
	assert_int_equal(refused_total, NTRIALS * (NRACERS - 1));
}

/* ---- one request at a time ---- */

static void expect_taken(srt_resp *r, const char *owner, const char *slug)
{
	SRT_EXPECT_STATUS(r, 400);
	const char *want = srt_fmt("Slug is already taken. Choose a different slug. Existing skill: %s/%s/%s", S.base,
				   owner, slug);
	if (!r->body || strcmp(r->body, want) != 0) {
		print_error("expected \"%s\", got \"%s\"\n", want, r->body ? r->body : "");
		fail();
	}
}

static void publish_as(const char *token, const char *slug, const char *version, srt_resp *r)
{
	json_t *p = srt_payload(slug, version);
	const char *md = srt_skill_md("Held", "A slug someone holds.");
	srt_file f = {"SKILL.md", md, strlen(md), "text/markdown"};
	srt_publish_json(&S, token, p, &f, 1, r);
	json_decref(p);
}

static void expect_owner(const char *slug, const char *owner)
{
	srt_resp r;
	srt_get(&S, srt_fmt("/api/v1/skills/%s", slug), NULL, &r);
	json_t *d = SRT_EXPECT_JSON(&r, 200);
	SRT_EXPECT_STR(json_object_get(d, "owner"), "handle", owner);
	json_decref(d);
	srt_resp_free(&r);
}

static void test_publish_into_held_slug(void **state)
{
	(void)state;
	srt_publish_ok(&S, S.tok_alice, "alice-held", "1.0.0", "Alice Held", "alice's skill");
	srt_resp r;
	publish_as(S.tok_bob, "alice-held", "2.0.0", &r);
	expect_taken(&r, "alice", "alice-held");
	srt_resp_free(&r);
	/* The bare slug still names one skill, alice's. */
	expect_owner("alice-held", "alice");
	/* The owner's own republish still works, bare or with ownerHandle. */
	srt_publish_ok(&S, S.tok_alice, "alice-held", "1.1.0", "Alice Held", "alice's skill");
	const char *const tags[] = {NULL};
	srt_publish_ok_at(&S, S.tok_alice, "alice-held", "1.2.0", "Alice Held", "alice's skill", "alice", tags,
			  __FILE__, __LINE__);
	srt_get(&S, "/api/v1/skills/alice-held", NULL, &r);
	json_t *d = SRT_EXPECT_JSON(&r, 200);
	SRT_EXPECT_STR(json_object_get(d, "latestVersion"), "version", "1.2.0");
	json_decref(d);
	srt_resp_free(&r);
}

static void test_rename_into_held_slug(void **state)
{
	(void)state;
	srt_publish_ok(&S, S.tok_alice, "alice-first", "1.0.0", "Alice First", "to be renamed");
	srt_publish_ok(&S, S.tok_bob, "bob-own", "1.0.0", "Bob Own", "bob's skill");
	srt_resp r;
	/* Into another publisher's live skill. */
	srt_send(&S, "POST", "/api/v1/skills/bob-own/rename", S.tok_bob, "{\"newSlug\":\"alice-first\"}", &r);
	expect_taken(&r, "alice", "alice-first");
	srt_resp_free(&r);
	/* Into another publisher's alias: alice renames, her old slug stays hers as a redirect. */
	srt_send(&S, "POST", "/api/v1/skills/alice-first/rename", S.tok_alice, "{\"newSlug\":\"alice-second\"}", &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	srt_send(&S, "POST", "/api/v1/skills/bob-own/rename", S.tok_bob, "{\"newSlug\":\"alice-first\"}", &r);
	expect_taken(&r, "alice", "alice-second");
	srt_resp_free(&r);
	/* Nor can a new skill take the alias. */
	publish_as(S.tok_bob, "alice-first", "1.0.0", &r);
	expect_taken(&r, "alice", "alice-second");
	srt_resp_free(&r);
	expect_owner("alice-first", "alice");
	expect_owner("bob-own", "bob");
	/* A free slug is still bob's to take. */
	srt_send(&S, "POST", "/api/v1/skills/bob-own/rename", S.tok_bob, "{\"newSlug\":\"bob-renamed\"}", &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	expect_owner("bob-renamed", "bob");
}

/* A staff delete reserves nothing, so another publisher may take the slug; bringing the
 * deleted skill back would then make a second owner, and the unique index refuses it. */
static void test_undelete_into_taken_slug(void **state)
{
	(void)state;
	srt_publish_ok(&S, S.tok_bob, "bob-gone", "1.0.0", "Bob Gone", "deleted by staff");
	srt_resp r;
	srt_send(&S, "DELETE", "/api/v1/skills/bob-gone", S.tok_admin, NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	srt_publish_ok(&S, S.tok_alice, "bob-gone", "1.0.0", "Alice Took It", "a free slug");
	srt_send(&S, "POST", "/api/v1/skills/bob-gone/undelete?ownerHandle=bob", S.tok_admin, "{}", &r);
	expect_taken(&r, "alice", "bob-gone");
	srt_resp_free(&r);
	expect_owner("bob-gone", "alice");
}

/* ---- the claims changing under a publish ---- */

/* A publish held at the fault point "publish-commit" (src/core/fault.h): its claims are read
 * and its bytes stored, its transaction not begun. */
typedef struct held {
	srt_server node; /* a second node of S, started with the fault point armed */
	const char *token, *slug, *version;
	json_t *files; /* upload tickets' file entries: a JSON publish of them; NULL: multipart */
	int upload_here; /* files NULL: SKILL.md's ticket asked for and uploaded through node (whose
			  * publish then recalls it), and published as JSON */
	char pause[256];
	pthread_t th;
	long status, trips;
	char body[512];
} held;

static void *held_publish(void *arg)
{
	held *h = arg;
	json_t *p = srt_payload(h->slug, h->version);
	if (h->files)
		json_object_set(p, "files", h->files);
	char *payload = json_dumps(p, JSON_COMPACT);
	const char *md = srt_skill_md("Drift", "Claims that change under a publish.");
	srt_file f = {"SKILL.md", md, strlen(md), "text/markdown"};
	srt_resp r;
	if (h->files)
		srt_send(&h->node, "POST", "/api/v1/skills", h->token, payload, &r);
	else
		srt_publish_multipart(&h->node, h->token, payload, &f, 1, &r);
	h->status = r.status;
	h->trips = srt_trips(&r);
	snprintf(h->body, sizeof h->body, "%s", r.body ? r.body : "");
	srt_resp_free(&r);
	free(payload);
	json_decref(p);
	return NULL;
}

/* Starts h's publish on a node of its own and returns once it is held. */
static void hold_publish(held *h)
{
	snprintf(h->pause, sizeof h->pause, "/tmp/sr-claims-%d-%s", (int)getpid(), h->slug);
	unlink(h->pause);
	setenv("SKILLREG_PAUSE_AT", "publish-commit", 1);
	setenv("SKILLREG_PAUSE_FILE", h->pause, 1);
	int rc = srt_server_start_peer(&h->node, &S);
	unsetenv("SKILLREG_PAUSE_AT");
	unsetenv("SKILLREG_PAUSE_FILE");
	assert_int_equal(rc, 0);
	h->node.no_scan_wait = 1;
	if (h->upload_here) {
		/* The node listening, so that it keeps the token it looks up for the uploads: the
		 * publish then makes no lookup. */
		assert_int_equal(srt_sync(&h->node), 0);
		const char *md = srt_skill_md("Drift", "Claims that change under a publish.");
		srt_file f = {"SKILL.md", md, strlen(md), "text/markdown"};
		h->files = json_array();
		json_array_append_new(h->files, srt_upload_file(&h->node, h->token, &f));
	}
	assert_int_equal(pthread_create(&h->th, NULL, held_publish, h), 0);
	struct stat st;
	for (int i = 0; i < 1000 && stat(h->pause, &st) != 0; i++)
		usleep(10 * 1000);
	assert_int_equal(stat(h->pause, &st), 0);
}

static void release_publish(held *h)
{
	unlink(h->pause);
	pthread_join(h->th, NULL);
	assert_int_equal(srt_server_stop_peer(&h->node), 0);
	if (h->upload_here)
		json_decref(h->files);
}

/* Alice's publish of a new slug has read the slug free and stored its bytes when bob takes
 * it: hers is then decided on the claims as they are under the write lock, and refused. On
 * PostgreSQL the transaction that decided on the claims read before the lock fails the
 * database's assertion that they are unchanged (one round trip, then its ROLLBACK), and the
 * publish runs again reading them under the lock (one, then its ROLLBACK, then the end of
 * its holds): 7 round trips with the token and the first claims. */
static void test_claims_taken_while_storing(void **state)
{
	(void)state;
	held h = {.token = S.tok_alice, .slug = "late-claim", .version = "1.0.0"};
	hold_publish(&h);
	srt_publish_ok(&S, S.tok_bob, "late-claim", "1.0.0", "Bob Late", "bob took it first");
	release_publish(&h);
	assert_int_equal(h.status, 400);
	const char *want = srt_fmt("Slug is already taken. Choose a different slug. Existing skill: %s/bob/late-claim",
				   h.node.base);
	if (strcmp(h.body, want) != 0) {
		print_error("expected \"%s\", got \"%s\"\n", want, h.body);
		fail();
	}
	assert_int_equal(h.trips, srt_db_postgres() ? 7 : 0);
	expect_owner("late-claim", "bob");
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM skills WHERE slug = 'late-claim'"), 1);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM blob_holds"), 0);
}

/* The held publish h committed after pg_trips round trips on PostgreSQL, and its skill has
 * versions versions, latest the latest, and no hold is left. */
static void expect_drift(const held *h, long pg_trips, long versions, const char *latest)
{
	if (h->status != 200)
		print_error("publish: %ld %s\n", h->status, h->body);
	assert_int_equal(h->status, 200);
	assert_int_equal(h->trips, srt_db_postgres() ? pg_trips : 0);
	assert_int_equal(srt_sql_int(&S, srt_fmt("SELECT count(*) FROM skill_versions v JOIN skills s "
						  "ON s.id = v.skill_id WHERE s.slug = '%s'", h->slug)),
			 versions);
	srt_resp r;
	srt_get(&S, srt_fmt("/api/v1/skills/%s", h->slug), NULL, &r);
	json_t *d = SRT_EXPECT_JSON(&r, 200);
	SRT_EXPECT_STR(json_object_get(d, "latestVersion"), "version", latest);
	json_decref(d);
	srt_resp_free(&r);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM blob_holds"), 0);
}

/* Alice's new version has read her skill when another version of hers lands: the claims
 * changed (the skill's version count), the decision did not. On PostgreSQL the assertion
 * fails and the publish runs again under the lock, and commits: 6 round trips. A backport
 * reads its skill's search fields back inside the transaction, so the failed assertion
 * answers that read, before the COMMIT: the transaction is rolled back at once, not begun
 * again for nothing (7: the read, the ROLLBACK, then claims, read and COMMIT). */
static void test_claims_changed_while_storing(void **state)
{
	(void)state;
	srt_publish_ok(&S, S.tok_alice, "drift-kit", "1.0.0", "Drift Kit", "versions land meanwhile");
	held h = {.token = S.tok_alice, .slug = "drift-kit", .version = "1.1.0"};
	hold_publish(&h);
	srt_publish_ok(&S, S.tok_alice, "drift-kit", "1.0.5", "Drift Kit", "a backport meanwhile");
	release_publish(&h);
	expect_drift(&h, 6, 3, "1.1.0");

	held b = {.token = S.tok_alice, .slug = "drift-kit", .version = "1.0.2"};
	hold_publish(&b);
	srt_publish_ok(&S, S.tok_alice, "drift-kit", "1.2.0", "Drift Kit", "a release meanwhile");
	release_publish(&b);
	expect_drift(&b, 7, 5, "1.2.0");
}

/* Alice's new version through an upload ticket the held node took the bytes of: its publish
 * recalls the ticket, and its transaction decides on the claims read before the lock. When
 * another version lands meanwhile, the database's assertion fails, and with no second way in
 * place (the ticket is only as good as the node's memory) the publish runs again from the
 * ticket read from the database, and commits: the claims, the failed exchange and its
 * ROLLBACK, the holds' end (4; answered there, it would be a 500), then the ticket, the claims
 * and the write: 7 round trips (the way that reads the ticket first and retries under the
 * lock happens to make 7 too). */
static void test_claims_changed_recalled(void **state)
{
	(void)state;
	srt_publish_ok(&S, S.tok_alice, "drift-recall", "1.0.0", "Drift Recall", "versions land meanwhile");
	held h = {.token = S.tok_alice, .slug = "drift-recall", .version = "1.1.0", .upload_here = 1};
	hold_publish(&h);
	srt_publish_ok(&S, S.tok_alice, "drift-recall", "1.0.5", "Drift Recall", "a backport meanwhile");
	release_publish(&h);
	expect_drift(&h, 7, 3, "1.1.0");
}

/* One upload ticket named by two publishes at once (a client's retry, say): each finds it
 * uploaded and unused, and the first to commit uses it. The other, held meanwhile, is refused
 * under the lock as a used ticket. On PostgreSQL its transaction marks its tickets in one
 * statement whose count the database asserts, so that refusal comes as a conflict, and the
 * slow way marks them one by one and names the ticket: the token, the tickets, the claims,
 * the failed exchange and its ROLLBACK, the claims under the lock, the mark that finds the
 * ticket used, the ROLLBACK, the holds' end: 9 round trips. */
static void test_ticket_used_while_storing(void **state)
{
	(void)state;
	const char *md = srt_skill_md("Twice", "One ticket, two publishes.");
	srt_file f = {"SKILL.md", md, strlen(md), "text/markdown"};
	json_t *files = json_array();
	json_array_append_new(files, srt_upload_file(&S, S.tok_alice, &f));
	held h = {.token = S.tok_alice, .slug = "ticket-first", .version = "1.0.0", .files = files};
	hold_publish(&h);
	json_t *p = srt_payload("ticket-second", "1.0.0");
	json_object_set(p, "files", files);
	char *body = json_dumps(p, JSON_COMPACT);
	srt_resp r;
	srt_send(&S, "POST", "/api/v1/skills", S.tok_alice, body, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	free(body);
	json_decref(p);
	release_publish(&h);
	json_decref(files);
	assert_int_equal(h.status, 400);
	assert_string_equal(h.body, "Skill upload ticket is missing, used, or expired");
	assert_int_equal(h.trips, srt_db_postgres() ? 9 : 0);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM skills WHERE slug = 'ticket-first'"), 0);
	expect_owner("ticket-second", "alice");
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM blob_holds"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_race_one_winner),
		cmocka_unit_test(test_publish_into_held_slug),
		cmocka_unit_test(test_rename_into_held_slug),
		cmocka_unit_test(test_undelete_into_taken_slug),
		cmocka_unit_test(test_claims_taken_while_storing),
		cmocka_unit_test(test_claims_changed_while_storing),
		cmocka_unit_test(test_claims_changed_recalled),
		cmocka_unit_test(test_ticket_used_while_storing),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
