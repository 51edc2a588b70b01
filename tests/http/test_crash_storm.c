/*
 * test_crash_storm.c - kill -9 in the middle of a publish storm (issue 16).
 *
 * Several publishers, each with its own connection and skill, publish version after version
 * (multipart and ticketed publishes in turn, each with a SKILL.md and a data file of its own
 * bytes) against a real server, which is killed with SIGKILL mid-storm and started again on
 * the same data, round after round. A publish answered 200 is acknowledged; one that got no
 * answer may or may not have landed. After each restart:
 *
 *   - every acknowledged publish is there and downloads byte for byte (the file as sent, the
 *     archive as its version's row names it, holding the file);
 *   - nothing is half-visible: no skill without a version, no latest version pointing
 *     nowhere, no version without both of its files, no file or archive whose bytes the
 *     store lacks (whether the publish was acknowledged or not);
 *   - the database is sound (SQLite's integrity_check says "ok"; PostgreSQL's amcheck).
 *
 * At the end the blob collector runs with the clock past the grace period, the holds' and
 * the tickets' hour: no orphan blob and no ".tmp-" file are left, and every acknowledged
 * publish still downloads. The figures (acknowledged, lost, orphans before and after) are
 * printed for docs/hostile.md. SR_STORM_ROUNDS and SR_STORM_PUBLISHERS make the storm larger.
 */
#include "harness.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

static srt_server S;

#define MAX_PUBLISHERS 16
#define MAX_ACKS 4096
#define NUSERS 4

/* The server's own collector runs every 200 ms with no grace during the storm, so only the
 * blob holds and the tickets keep a publish's bytes; the final collection runs alone. */
static const char *const SERVE_ARGS[] = {"--threads", "8", "--no-rate-limit", "--cron", "blob-gc=200",
					 "--blob-grace-ms", "0", NULL};
static const char *const FINAL_ARGS[] = {"--threads", "8", "--no-rate-limit", NULL};
static const char *const HANDLES[NUSERS] = {"alice", "bob", "carol", "dave"};
static char tokens[NUSERS][128];
static int rounds = 5, npublishers = 6;

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
	const char *r = getenv("SR_STORM_ROUNDS"), *p = getenv("SR_STORM_PUBLISHERS");
	if (r && atoi(r) > 0)
		rounds = atoi(r);
	if (p && atoi(p) > 0 && atoi(p) <= MAX_PUBLISHERS)
		npublishers = atoi(p);
	if (srt_server_start_args(&S, SERVE_ARGS))
		return -1;
	snprintf(tokens[0], sizeof tokens[0], "%s", S.tok_alice);
	snprintf(tokens[1], sizeof tokens[1], "%s", S.tok_bob);
	for (int i = 2; i < NUSERS; i++)
		if (add_user(HANDLES[i], tokens[i], sizeof tokens[i]))
			return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	unsetenv("SKILLREG_NOW_MS");
	return srt_server_stop(&S);
}

/* ---- what a publisher sends: its n-th version, bytes that differ by publisher and n ---- */

static size_t data_len(int who, int n)
{
	return 20000 + (size_t)((who * 7919 + n * 104729) % 180000);
}

static unsigned char *data_bytes(int who, int n, size_t *len)
{
	*len = data_len(who, n);
	unsigned char *b = malloc(*len);
	unsigned seed = (unsigned)(who << 16 | n);
	for (size_t i = 0; b && i < *len; i++) {
		seed = seed * 1103515245u + 12345u;
		b[i] = (unsigned char)(seed >> 16);
	}
	return b;
}

/* ---- the publishers ---- */

typedef struct ack {
	int who, n;
} ack;

static ack acks[MAX_ACKS];
static _Atomic int nacks, round_acks;
static _Atomic long unanswered; /* publishes that got no answer: killed under them */
static _Atomic long refused;    /* publishes answered with anything but 200: none may be */
static int next_n[MAX_PUBLISHERS];

typedef struct publisher {
	srt_server s; /* a copy of S with its own curl handle */
	int who;
	atomic_int *stop;
} publisher;

/* The ticketed publish: upload-url and upload per file, then the JSON publish. 0 when it was
 * answered (*status set), -1 when the connection failed. */
static int publish_ticketed(srt_server *s, const char *token, json_t *payload, const srt_file *files, int n,
			    long *status)
{
	json_t *arr = json_array();
	for (int i = 0; i < n; i++) {
		char sha[65];
		srt_sha256_hex(files[i].data, files[i].len, sha);
		srt_resp r;
		int rc = srt_upload_url(s, token, files[i].path, (long long)files[i].len, sha, files[i].ctype, &r);
		json_t *j = !rc && r.status == 200 ? srt_json(&r) : NULL;
		*status = r.status;
		srt_resp_free(&r);
		if (!j) {
			json_decref(arr);
			return rc ? -1 : 0;
		}
		const char *url = json_string_value(json_object_get(j, "uploadUrl"));
		char auth[256], ct[256];
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
		snprintf(ct, sizeof ct, "Content-Type: %s", files[i].ctype);
		const char *h[] = {auth, ct, NULL};
		rc = srt_request(s, "POST", url, h, files[i].data, files[i].len, &r);
		*status = r.status;
		srt_resp_free(&r);
		if (rc || *status != 200) {
			json_decref(j);
			json_decref(arr);
			return rc ? -1 : 0;
		}
		json_array_append_new(arr, json_pack("{s:s, s:I, s:s, s:s, s:O}", "path", files[i].path, "size",
						     (json_int_t)files[i].len, "sha256", sha, "contentType",
						     files[i].ctype, "uploadTicket", json_object_get(j, "uploadTicket")));
		json_decref(j);
	}
	json_t *p = json_deep_copy(payload);
	json_object_set_new(p, "files", arr);
	char *body = json_dumps(p, JSON_COMPACT);
	srt_resp r;
	int rc = srt_send(s, "POST", "/api/v1/skills", token, body, &r);
	*status = r.status;
	srt_resp_free(&r);
	free(body);
	json_decref(p);
	return rc ? -1 : 0;
}

/* One publish of version 1.0.n; 1 acknowledged, 0 refused, -1 no answer. */
static int publish_one(publisher *p, int n)
{
	char md[256], slug[32], version[32];
	snprintf(slug, sizeof slug, "storm-%d", p->who);
	snprintf(version, sizeof version, "1.0.%d", n);
	snprintf(md, sizeof md, "---\nname: Storm %d\ndescription: Version %d of a storm.\n---\n\n# Storm\n", p->who, n);
	size_t len;
	unsigned char *data = data_bytes(p->who, n, &len);
	srt_file files[2] = {{"SKILL.md", md, strlen(md), "text/markdown"},
			     {"data.bin", data, len, "application/octet-stream"}};
	json_t *pl = srt_payload(slug, version);
	const char *token = tokens[p->who % NUSERS];
	long status = 0;
	int rc;
	if (n % 2) {
		rc = publish_ticketed(&p->s, token, pl, files, 2, &status);
	} else {
		char *payload = json_dumps(pl, JSON_COMPACT);
		srt_resp r;
		rc = srt_publish_multipart(&p->s, token, payload, files, 2, &r);
		status = r.status;
		srt_resp_free(&r);
		free(payload);
	}
	json_decref(pl);
	free(data);
	if (rc)
		return -1;
	if (status != 200) {
		fprintf(stderr, "storm-%d %s: answered %ld\n", p->who, version, status);
		atomic_fetch_add(&refused, 1);
	}
	return status == 200;
}

static void *publisher_run(void *arg)
{
	publisher *p = arg;
	while (!atomic_load(p->stop)) {
		int n = next_n[p->who]++;
		int r = publish_one(p, n);
		if (r < 0) {
			atomic_fetch_add(&unanswered, 1);
			break;
		}
		if (r == 1) {
			int k = atomic_fetch_add(&nacks, 1);
			if (k < MAX_ACKS)
				acks[k] = (ack){p->who, n};
			atomic_fetch_add(&round_acks, 1);
		}
	}
	return NULL;
}

/* ---- the checks ---- */

static char *referenced; /* every SHA-256 a version names, one a line */

static void load_referenced(void)
{
	free(referenced);
	referenced = srt_db_text(S.db, "SELECT sha256 FROM version_files UNION SELECT zip_sha256 FROM skill_versions");
	assert_non_null(referenced);
}

static int is_referenced(const char *sha)
{
	char line[70];
	snprintf(line, sizeof line, "%.64s\n", sha);
	return strncmp(referenced, line, 65) == 0 || strstr(referenced, srt_fmt("\n%s", line)) != NULL;
}

struct store_count {
	long blobs, orphans, tmp, missing;
};

/* The blob store's files (SQLite: the store; PostgreSQL: this node's cache, whose temporaries
 * count) and, on PostgreSQL, the table's rows. */
static void count_store(struct store_count *c)
{
	memset(c, 0, sizeof *c);
	load_referenced();
	for (int d = 0; d < 256; d++) {
		DIR *dir = opendir(srt_fmt("%s/blobs/%02x", S.dir, d));
		if (!dir)
			continue;
		struct dirent *e;
		while ((e = readdir(dir))) {
			if (e->d_name[0] == '.')
				continue;
			if (strstr(e->d_name, ".tmp-")) {
				c->tmp++;
				continue;
			}
			if (srt_db_postgres())
				continue;
			c->blobs++;
			if (strlen(e->d_name) != 64 || !is_referenced(e->d_name))
				c->orphans++;
		}
		closedir(dir);
	}
	if (srt_db_postgres()) {
		c->blobs = srt_sql_int(&S, "SELECT count(*) FROM blobs");
		c->orphans = srt_sql_int(&S, "SELECT count(*) FROM blobs b WHERE NOT EXISTS (SELECT 1 FROM version_files f "
					     "WHERE f.sha256 = b.sha256) AND NOT EXISTS (SELECT 1 FROM skill_versions v "
					     "WHERE v.zip_sha256 = b.sha256)");
		c->missing = srt_sql_int(&S, "SELECT count(*) FROM (SELECT sha256 FROM version_files UNION SELECT "
					     "zip_sha256 FROM skill_versions) r WHERE NOT EXISTS (SELECT 1 FROM blobs b "
					     "WHERE b.sha256 = r.sha256)");
		if (c->missing) {
			char *t = srt_db_text(S.db, "SELECT r.sha256 FROM (SELECT sha256 FROM version_files UNION SELECT "
						    "zip_sha256 FROM skill_versions) r WHERE NOT EXISTS (SELECT 1 FROM blobs b "
						    "WHERE b.sha256 = r.sha256)");
			fprintf(stderr, "blobs the store lacks:\n%s", t ? t : "?\n");
			free(t);
		}
		return;
	}
	for (char *l = referenced; *l; l = strchr(l, '\n') + 1) {
		if (access(srt_fmt("%s/blobs/%.2s/%.64s", S.dir, l, l), F_OK) != 0) {
			fprintf(stderr, "a blob the store lacks: %.64s\n", l);
			c->missing++;
		}
	}
}

/* Nothing half-visible, whatever was acknowledged, and a sound database. */
static void check_whole(void)
{
	assert_int_equal(srt_db_check(S.db), 0);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM skills s WHERE NOT EXISTS (SELECT 1 FROM skill_versions v "
					 "WHERE v.skill_id = s.id)"),
			 0);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM skills s WHERE s.latest_version_id IS NULL OR NOT EXISTS "
					 "(SELECT 1 FROM skill_versions v WHERE v.id = s.latest_version_id AND "
					 "v.skill_id = s.id)"),
			 0);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM skill_versions v WHERE (SELECT count(*) FROM "
					 "version_files f WHERE f.version_id = v.id) <> 2"),
			 0);
	struct store_count c;
	count_store(&c);
	assert_int_equal(c.missing, 0);
}

/* Every acknowledged publish downloads byte for byte; how many do not (lost). */
static long check_acks(void)
{
	/* Each version is scanned before it is public; a storm queues many. */
	int pending = -1;
	for (int w = 0; w < 1200 && (pending = srt_pending_scans(&S)) != 0; w++)
		usleep(100 * 1000);
	assert_int_equal(pending, 0);
	char *zips = srt_db_text(S.db, "SELECT s.slug, v.version, v.zip_sha256 FROM skill_versions v JOIN skills s ON "
				       "s.id = v.skill_id");
	assert_non_null(zips);
	long lost = 0;
	int total = atomic_load(&nacks) < MAX_ACKS ? atomic_load(&nacks) : MAX_ACKS;
	for (int k = 0; k < total; k++) {
		size_t len;
		unsigned char *data = data_bytes(acks[k].who, acks[k].n, &len);
		const char *q = srt_fmt("slug=storm-%d&version=1.0.%d", acks[k].who, acks[k].n);
		srt_resp r;
		srt_get(&S, srt_fmt("/api/v1/skills/storm-%d/file?path=data.bin&version=1.0.%d", acks[k].who, acks[k].n),
			NULL, &r);
		int ok = r.status == 200 && r.len == len && memcmp(r.body, data, len) == 0;
		srt_resp_free(&r);
		srt_get(&S, srt_fmt("/api/v1/download?%s", q), NULL, &r);
		char sha[65] = "", *got = NULL;
		size_t got_len = 0;
		if (r.status == 200)
			srt_sha256_hex(r.body, r.len, sha);
		ok = ok && r.status == 200 &&
		     strstr(zips, srt_fmt("storm-%d|1.0.%d|%s\n", acks[k].who, acks[k].n, sha)) != NULL &&
		     srt_zip_read(r.body, r.len, "data.bin", &got, &got_len) == 0 && got_len == len &&
		     memcmp(got, data, len) == 0;
		free(got);
		srt_resp_free(&r);
		free(data);
		if (!ok) {
			fprintf(stderr, "lost: storm-%d 1.0.%d\n", acks[k].who, acks[k].n);
			lost++;
		}
	}
	free(zips);
	return lost;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_storm(void **state)
{
	(void)state;
	unsigned seed = (unsigned)now_ms();
	fprintf(stderr, "storm: %d rounds, %d publishers, seed %u\n", rounds, npublishers, seed);
	long lost = 0;
	for (int round = 0; round < rounds; round++) {
		atomic_int stop = 0;
		publisher ps[MAX_PUBLISHERS];
		pthread_t th[MAX_PUBLISHERS];
		atomic_store(&round_acks, 0);
		for (int i = 0; i < npublishers; i++) {
			ps[i].s = S;
			ps[i].s.curl = curl_easy_init();
			ps[i].s.no_scan_wait = 1;
			ps[i].s.starting = 1; /* transport errors are expected: the server is killed */
			ps[i].who = i;
			ps[i].stop = &stop;
			pthread_create(&th[i], NULL, publisher_run, &ps[i]);
		}
		/* The storm is under way (a few publishes answered), then a kill at a moment of
		 * chance within the next 200 ms. */
		for (int w = 0; w < 1000 && atomic_load(&round_acks) < npublishers; w++)
			usleep(10 * 1000);
		usleep((useconds_t)(rand_r(&seed) % 200) * 1000);
		assert_int_equal(srt_server_kill_restart(&S), 0);
		atomic_store(&stop, 1);
		for (int i = 0; i < npublishers; i++) {
			pthread_join(th[i], NULL);
			curl_easy_cleanup(ps[i].s.curl);
		}
		/* A scan the killed server had claimed stays claimed for the lease (11 minutes,
		 * SR_SCAN_LEASE_MS) before another worker may take it; end those claims as the lease
		 * would, so the versions are scanned and public for the checks. */
		assert_true(srt_sql(&S, "UPDATE skill_versions SET scan_claimed_at = NULL, scan_claimed_by = NULL "
					"WHERE scan_claimed_at IS NOT NULL") >= 0);
		struct store_count c;
		count_store(&c);
		fprintf(stderr, "round %d: %d acknowledged in the round, %d in all, %ld unanswered in all; store: %ld "
				"blobs, %ld orphans, %ld .tmp-\n",
			round + 1, atomic_load(&round_acks), atomic_load(&nacks), atomic_load(&unanswered), c.blobs,
			c.orphans, c.tmp);
		check_whole();
		lost += check_acks();
	}
	assert_true(atomic_load(&nacks) <= MAX_ACKS);
	assert_int_equal(lost, 0);
	assert_int_equal(atomic_load(&refused), 0);

	/* Past the grace period, the holds' and the tickets' hour: the collector leaves nothing
	 * that no version names. The server's own collector stops first (a clean restart): two
	 * collectors whose clocks are two hours apart would each put back what the other moved
	 * aside. */
	S.serve_args = FINAL_ARGS;
	assert_int_equal(srt_server_restart(&S), 0);
	struct store_count before, after;
	count_store(&before);
	char out[512];
	const char *const gc[] = {"cron", "run", "blob-gc", NULL};
	setenv("SKILLREG_NOW_MS", srt_fmt("%lld", now_ms() + 2 * 3600 * 1000LL + 60000), 1);
	int rc = srt_admin(&S, out, sizeof out, gc);
	unsetenv("SKILLREG_NOW_MS");
	assert_int_equal(rc, 0);
	count_store(&after);
	fprintf(stderr, "blob-gc: %s\nstorm totals: %d acknowledged, %ld lost, %ld unanswered; before blob-gc %ld blobs, "
			"%ld orphans, %ld .tmp-; after %ld blobs, %ld orphans, %ld .tmp-\n",
		out, atomic_load(&nacks), lost, atomic_load(&unanswered), before.blobs, before.orphans, before.tmp,
		after.blobs, after.orphans, after.tmp);
	assert_int_equal(after.orphans, 0);
	assert_int_equal(after.tmp, 0);
	assert_int_equal(after.missing, 0);
	assert_int_equal(srt_sql_int(&S, "SELECT count(*) FROM blob_holds"), 0);
	check_whole();
	assert_int_equal(check_acks(), 0);
	free(referenced);
	referenced = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_storm),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
