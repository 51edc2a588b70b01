/*
 * test_auth_matrix.c - every mutating route of the API against every kind of caller (issue 16),
 * each cell with the one status ClawHub's rules give it (the api-v1 reference section 1.1 for
 * tokens, sections 3.11-3.15 for the routes; the accounts reference sections 3, 4, 5.4, 6 and 7
 * for publishers, transfers, scans, reports and the org role table).
 *
 * The callers: no token, a malformed one, an unknown one, alice's revoked token, alice's
 * expired token, a banned user's token, a plain other user (bob), a publisher member of the org
 * (dave), an admin member of the org (carol), the owner (alice: the personal owner, and the
 * org's owner), a moderator, a platform admin. The targets: a skill of alice's, and a skill of
 * the org `acme`.
 *
 * Each row makes a fresh target, sends every refused cell to it first, and after each refused
 * cell checks that nothing in the registry's tables changed (no write across owners, nor any
 * other); then each allowed cell gets a fresh target of its own, since it changes it.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum caller {
	C_NONE,
	C_MALFORMED,
	C_UNKNOWN,
	C_REVOKED,
	C_EXPIRED,
	C_BANNED,
	C_OTHER,     /* bob */
	C_ORG_PUB,   /* dave, publisher of acme */
	C_ORG_ADMIN, /* carol, admin of acme */
	C_OWNER,     /* alice */
	C_MOD,
	C_ADMIN,
	NCALLERS
};

static const char *const caller_names[NCALLERS] = {
	"no token", "malformed token", "unknown token", "revoked token", "expired token", "banned user",
	"other user", "org publisher", "org admin", "owner", "moderator", "admin",
};

/* The fold is put off for the whole run: it applies earlier cells' counters (stars, downloads)
 * to the skills rows in the background, which a refused cell's before/after snapshot would see
 * as its own change. */
static const char *const SERVE_ARGS[] = {"--no-rate-limit", "--fold-ms", "604800000", NULL};

static srt_server S;
static const char *tok[NCALLERS];
static char tok_expired[128], tok_carol[128], tok_dave[128], tok_mod[128];

typedef struct target {
	char slug[64];
	char slug2[64]; /* a merge's target */
	char ticket[160];
	char org[64]; /* a member row's org */
} target;

static int serial;

/* ---- setting up ---- */

static void admin_cmd(const char *const *args, char *out, size_t n)
{
	char buf[256];
	if (srt_admin(&S, out ? out : buf, out ? n : sizeof buf, args) != 0)
		fail_msg("admin command %s %s failed", args[0], args[1]);
}

static void make_user(const char *handle, const char *role, char *t, size_t n)
{
	const char *add[] = {"user", "add", handle, "--role", role, NULL};
	admin_cmd(add, NULL, 0);
	const char *mk[] = {"token", "create", handle, NULL};
	admin_cmd(mk, t, n);
}

static long send_as(const char *method, const char *path, const char *t, const char *body, srt_resp *r)
{
	srt_send(&S, method, path, t, body, r);
	return r->status;
}

static void must(const char *method, const char *path, const char *t, const char *body, long status)
{
	srt_resp r;
	send_as(method, path, t, body, &r);
	SRT_EXPECT_STATUS(&r, status);
	srt_resp_free(&r);
}

static long publish(const char *t, const char *owner, const char *slug, const char *version, srt_resp *out)
{
	srt_file f = {"SKILL.md", srt_skill_md("Matrix Skill", "A skill the auth matrix aims at."), 0, "text/markdown"};
	f.len = strlen(f.data);
	char payload[512];
	snprintf(payload, sizeof payload,
		 "{\"slug\":\"%s\",\"displayName\":\"Matrix\",\"version\":\"%s\",\"changelog\":\"\","
		 "\"acceptLicenseTerms\":true%s%s%s}",
		 slug, version, owner ? ",\"ownerHandle\":\"" : "", owner ? owner : "", owner ? "\"" : "");
	srt_resp r;
	srt_publish_multipart(&S, t, payload, &f, 1, out ? out : &r);
	long st = out ? out->status : r.status;
	if (!out)
		srt_resp_free(&r);
	return st;
}

static void new_skill(const char *owner, char *slug, size_t n)
{
	snprintf(slug, n, "am-%d", ++serial);
	if (publish(tok[C_OWNER], owner, slug, "1.0.0", NULL) != 200 ||
	    publish(tok[C_OWNER], owner, slug, "1.0.1", NULL) != 200)
		fail_msg("alice cannot publish %s", slug);
}

static void setup_none(target *t)
{
	snprintf(t->slug, sizeof t->slug, "none-%d", ++serial);
}

static void setup_personal(target *t)
{
	new_skill(NULL, t->slug, sizeof t->slug);
}

static void setup_org(target *t)
{
	new_skill("acme", t->slug, sizeof t->slug);
}

static void setup_deleted(target *t)
{
	setup_personal(t);
	must("DELETE", srt_fmt("/api/v1/skills/%s", t->slug), tok[C_OWNER], NULL, 200);
}

static void setup_org_deleted(target *t)
{
	setup_org(t);
	must("DELETE", srt_fmt("/api/v1/skills/%s", t->slug), tok[C_OWNER], NULL, 200);
}

static void setup_version_deleted(target *t)
{
	setup_personal(t);
	must("DELETE", srt_fmt("/api/v1/skills/%s/versions/1.0.0", t->slug), tok[C_OWNER], NULL, 200);
}

static void setup_merge(target *t)
{
	setup_personal(t);
	new_skill(NULL, t->slug2, sizeof t->slug2);
}

static void setup_org_merge(target *t)
{
	setup_org(t);
	new_skill("acme", t->slug2, sizeof t->slug2);
}

static void setup_transfer(target *t)
{
	setup_personal(t);
	must("POST", srt_fmt("/api/v1/skills/%s/transfer", t->slug), tok[C_OWNER], "{\"toUserHandle\":\"dave\"}", 200);
}

#define HELLO_SHA "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"

static void setup_ticket(target *t)
{
	setup_none(t);
	srt_resp r;
	srt_upload_url(&S, tok[C_OWNER], "notes.txt", 5, HELLO_SHA, "text/plain", &r);
	json_t *j = SRT_EXPECT_JSON(&r, 200);
	const char *url = json_string_value(json_object_get(j, "uploadUrl"));
	const char *p = url ? strstr(url, "/api/v1/") : NULL;
	assert_non_null(p);
	snprintf(t->ticket, sizeof t->ticket, "%s", p);
	json_decref(j);
	srt_resp_free(&r);
}

static void setup_member(target *t)
{
	setup_none(t);
	snprintf(t->org, sizeof t->org, "org-%d", serial);
	must("POST", "/api/v1/users/publisher", tok[C_ADMIN],
	     srt_fmt("{\"handle\":\"%s\",\"memberHandle\":\"alice\",\"memberRole\":\"owner\"}", t->org), 201);
	must("POST", "/api/v1/users/publisher", tok[C_ADMIN],
	     srt_fmt("{\"handle\":\"%s\",\"memberHandle\":\"bob\",\"memberRole\":\"publisher\"}", t->org), 200);
}

/* ---- the requests ---- */

static long rq_publish(const target *t, int c, const char *k, srt_resp *r)
{
	(void)c;
	return publish(k, "alice", t->slug, "2.0.0", r);
}

static long rq_publish_org(const target *t, int c, const char *k, srt_resp *r)
{
	(void)c;
	return publish(k, "acme", t->slug, "2.0.0", r);
}

static long rq_upload(const target *t, int c, const char *k, srt_resp *r)
{
	(void)c;
	char auth[200];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", k ? k : "");
	const char *h[] = {auth, "Content-Type: text/plain", NULL};
	srt_request(&S, "POST", t->ticket, k ? h : h + 1, "hello", 5, r);
	return r->status;
}

static long rq_upload_url(const target *t, int c, const char *k, srt_resp *r)
{
	(void)t;
	(void)c;
	return send_as("POST", "/api/v1/skills/-/upload-url", k,
		       "{\"path\":\"notes.txt\",\"size\":5,\"sha256\":\"" HELLO_SHA "\",\"contentType\":\"text/plain\"}", r);
}

static long rq_delete(const target *t, int c, const char *k, srt_resp *r)
{
	(void)c;
	return send_as("DELETE", srt_fmt("/api/v1/skills/%s", t->slug), k, NULL, r);
}

static long rq_undelete(const target *t, int c, const char *k, srt_resp *r)
{
	(void)c;
	return send_as("POST", srt_fmt("/api/v1/skills/%s/undelete", t->slug), k, "{}", r);
}

static long rq_version_delete(const target *t, int c, const char *k, srt_resp *r)
{
	(void)c;
	return send_as("DELETE", srt_fmt("/api/v1/skills/%s/versions/1.0.0", t->slug), k, NULL, r);
}

static long rq_version_restore(const target *t, int c, const char *k, srt_resp *r)
{
	(void)c;
	return send_as("POST", srt_fmt("/api/v1/skills/%s/versions/1.0.0/restore", t->slug), k, "{}", r);
}

static long rq_tag(const target *t, int c, const char *k, srt_resp *r)
{
	(void)c;
	return send_as("POST", srt_fmt("/api/v1/skills/%s/tags/stable", t->slug), k, "{\"version\":\"1.0.0\"}", r);
}

static long rq_rename(const target *t, int c, const char *k, srt_resp *r)
{
	return send_as("POST", srt_fmt("/api/v1/skills/%s/rename", t->slug), k,
		       srt_fmt("{\"newSlug\":\"%s-r%d\"}", t->slug, c), r);
}

static long rq_merge(const target *t, int c, const char *k, srt_resp *r)
{
	(void)c;
	return send_as("POST", srt_fmt("/api/v1/skills/%s/merge", t->slug), k,
		       srt_fmt("{\"targetSlug\":\"%s\"}", t->slug2), r);
}

static long rq_transfer(const target *t, int c, const char *k, srt_resp *r)
{
	(void)c;
	return send_as("POST", srt_fmt("/api/v1/skills/%s/transfer", t->slug), k, "{\"toUserHandle\":\"bob\"}", r);
}

static long rq_transfer_accept(const target *t, int c, const char *k, srt_resp *r)
{
	(void)c;
	return send_as("POST", srt_fmt("/api/v1/skills/%s/transfer/accept", t->slug), k, "{}", r);
}

static long rq_transfer_reject(const target *t, int c, const char *k, srt_resp *r)
{
	(void)c;
	return send_as("POST", srt_fmt("/api/v1/skills/%s/transfer/reject", t->slug), k, "{}", r);
}

static long rq_transfer_cancel(const target *t, int c, const char *k, srt_resp *r)
{
	(void)c;
	return send_as("POST", srt_fmt("/api/v1/skills/%s/transfer/cancel", t->slug), k, "{}", r);
}

static long rq_hide(const target *t, int c, const char *k, srt_resp *r)
{
	(void)c;
	return send_as("POST", srt_fmt("/api/v1/skills/%s/moderation/hide", t->slug), k, "{\"reason\":\"matrix\"}", r);
}

static long rq_rescan(const target *t, int c, const char *k, srt_resp *r)
{
	(void)c;
	return send_as("POST", srt_fmt("/api/v1/skills/%s/rescan", t->slug), k, "{}", r);
}

static long rq_scan(const target *t, int c, const char *k, srt_resp *r)
{
	(void)c;
	return send_as("POST", "/api/v1/skills/-/scan", k,
		       srt_fmt("{\"source\":{\"kind\":\"published\",\"slug\":\"%s\"}}", t->slug), r);
}

static long rq_report(const target *t, int c, const char *k, srt_resp *r)
{
	(void)c;
	return send_as("POST", srt_fmt("/api/v1/skills/%s/report", t->slug), k, "{\"reason\":\"matrix\"}", r);
}

static long rq_star(const target *t, int c, const char *k, srt_resp *r)
{
	(void)c;
	return send_as("POST", srt_fmt("/api/v1/stars/%s", t->slug), k, "{}", r);
}

static long rq_unstar(const target *t, int c, const char *k, srt_resp *r)
{
	(void)c;
	return send_as("DELETE", srt_fmt("/api/v1/stars/%s", t->slug), k, NULL, r);
}

static long rq_telemetry(const target *t, int c, const char *k, srt_resp *r)
{
	(void)c;
	return send_as("POST", "/api/cli/telemetry/install", k,
		       srt_fmt("{\"event\":\"install\",\"slug\":\"%s\"}", t->slug), r);
}

static long rq_publisher_create(const target *t, int c, const char *k, srt_resp *r)
{
	return send_as("POST", "/api/v1/publishers", k, srt_fmt("{\"handle\":\"%s-p%d\"}", t->slug, c), r);
}

static long rq_admin_publisher(const target *t, int c, const char *k, srt_resp *r)
{
	return send_as("POST", "/api/v1/users/publisher", k,
		       srt_fmt("{\"handle\":\"%s-e%d\",\"memberHandle\":\"bob\",\"memberRole\":\"owner\"}", t->slug, c), r);
}

static long rq_admin_member(const target *t, int c, const char *k, srt_resp *r)
{
	(void)c;
	return send_as("POST", "/api/v1/users/publisher-member", k,
		       srt_fmt("{\"handle\":\"%s\",\"memberHandle\":\"bob\"}", t->org), r);
}

/* ---- the table ---- */

typedef struct row {
	const char *name;
	void (*setup)(target *t);
	long (*request)(const target *t, int c, const char *k, srt_resp *r);
	long want[NCALLERS]; /* after the six 401s: bob, dave, carol, alice, moderator, admin */
} row;

#define U 401, 401, 401, 401, 401, 401

static const row rows[] = {
	/* api-v1 3.11: publish needs >= publisher on ownerHandle; staff have no bypass. */
	{"publish a version (alice's)", setup_personal, rq_publish, {U, 400, 400, 400, 200, 400, 400}},
	{"publish a version (acme's)", setup_org, rq_publish_org, {U, 400, 200, 200, 200, 400, 400}},
	/* 3.11 (a), (b): any user asks for a ticket; a ticket is bound to its user. */
	{"upload-url", setup_none, rq_upload_url, {U, 200, 200, 200, 200, 200, 200}},
	{"upload to alice's ticket", setup_ticket, rq_upload, {U, 400, 400, 400, 200, 400, 400}},
	/* 3.12 and the accounts reference section 3: owner, org >= admin, moderators, admins. */
	{"delete (alice's)", setup_personal, rq_delete, {U, 403, 403, 403, 200, 200, 200}},
	{"delete (acme's)", setup_org, rq_delete, {U, 403, 403, 200, 200, 200, 200}},
	{"undelete (alice's)", setup_deleted, rq_undelete, {U, 403, 403, 403, 200, 200, 200}},
	{"undelete (acme's)", setup_org_deleted, rq_undelete, {U, 403, 403, 200, 200, 200, 200}},
	{"delete a version", setup_personal, rq_version_delete, {U, 403, 403, 403, 200, 200, 200}},
	{"restore a version", setup_version_deleted, rq_version_restore, {U, 403, 403, 403, 200, 200, 200}},
	/* Accounts reference section 7: tag (owner, org >= admin, moderator, admin); rename (no
	 * moderator); merge (rights on both, no staff bypass). */
	{"tag (alice's)", setup_personal, rq_tag, {U, 403, 403, 403, 200, 200, 200}},
	{"tag (acme's)", setup_org, rq_tag, {U, 403, 403, 200, 200, 200, 200}},
	{"rename (alice's)", setup_personal, rq_rename, {U, 403, 403, 403, 200, 403, 200}},
	{"rename (acme's)", setup_org, rq_rename, {U, 403, 403, 200, 200, 403, 200}},
	{"merge (alice's)", setup_merge, rq_merge, {U, 403, 403, 403, 200, 403, 403}},
	{"merge (acme's)", setup_org_merge, rq_merge, {U, 403, 403, 200, 200, 403, 403}},
	/* Section 4: a request by the owner, org >= admin or a platform admin; the answers by the
	 * recipient (dave) or, cancel, the requester (alice); anyone else finds no transfer. */
	{"transfer request (alice's)", setup_personal, rq_transfer, {U, 403, 403, 403, 200, 403, 200}},
	{"transfer request (acme's)", setup_org, rq_transfer, {U, 403, 403, 200, 200, 403, 200}},
	{"transfer accept", setup_transfer, rq_transfer_accept, {U, 404, 200, 404, 404, 404, 404}},
	{"transfer reject", setup_transfer, rq_transfer_reject, {U, 404, 200, 404, 404, 404, 404}},
	{"transfer cancel", setup_transfer, rq_transfer_cancel, {U, 404, 404, 404, 200, 404, 404}},
	/* Staff tooling (api-v1 3.16): moderators and admins only. */
	{"moderation hide", setup_personal, rq_hide, {U, 403, 403, 403, 403, 200, 200}},
	{"rescan", setup_personal, rq_rescan, {U, 403, 403, 403, 403, 200, 200}},
	/* Section 5.4: owner, org >= admin, staff; refusals are 400 text, success 202. */
	{"scan (alice's)", setup_personal, rq_scan, {U, 400, 400, 400, 202, 202, 202}},
	{"scan (acme's)", setup_org, rq_scan, {U, 400, 400, 202, 202, 202, 202}},
	/* Any signed-in user: reports (section 6), stars (3.13), install telemetry (3.15). */
	{"report", setup_personal, rq_report, {U, 200, 200, 200, 200, 200, 200}},
	{"star", setup_personal, rq_star, {U, 200, 200, 200, 200, 200, 200}},
	{"unstar", setup_personal, rq_unstar, {U, 200, 200, 200, 200, 200, 200}},
	{"install telemetry", setup_personal, rq_telemetry, {U, 200, 200, 200, 200, 200, 200}},
	/* Section 3: any user creates an org; the platform admin's routes say so to others. */
	{"create a publisher", setup_none, rq_publisher_create, {U, 201, 201, 201, 201, 201, 201}},
	{"admin: ensure a publisher", setup_none, rq_admin_publisher, {U, 403, 403, 403, 403, 403, 201}},
	{"admin: remove a member", setup_member, rq_admin_member, {U, 403, 403, 403, 403, 403, 200}},
};

/* ---- checking ---- */

/* Everything a write can change, as text. */
static char *snapshot(void)
{
	static const char *const tables[] = {
		"users",	     "publisher_members", "skills",	    "skill_versions", "skill_tags",
		"skill_aliases", "stars",		  "skill_reports", "skill_transfers", "upload_tickets",
		"reserved_slugs", "version_files",
	};
	size_t len = 0;
	char *all = calloc(1, 1);
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		char *t = srt_db_text(S.db, srt_fmt("SELECT * FROM %s ORDER BY 1, 2, 3", tables[i]));
		assert_non_null(t);
		size_t n = strlen(t), h = strlen(tables[i]);
		all = realloc(all, len + h + n + 3);
		memcpy(all + len, tables[i], h);
		all[len + h] = '\n';
		memcpy(all + len + h + 1, t, n + 1);
		len += h + 1 + n;
		free(t);
	}
	char *jobs = srt_db_text(S.db, "SELECT count(*) FROM scan_jobs");
	all = realloc(all, len + strlen(jobs) + 1);
	strcpy(all + len, jobs);
	free(jobs);
	return all;
}

static const char *const texts_401[] = {
	"Unauthorized: API token is missing. Run `clawhub login` to authenticate.",
	"Unauthorized: API token is invalid or revoked. Run `clawhub login` again.",
	"Unauthorized: API token is invalid or revoked. Run `clawhub login` again.",
	"Unauthorized: API token is invalid or revoked. Run `clawhub login` again.",
	"Unauthorized: API token is invalid or revoked. Run `clawhub login` again.",
	"Unauthorized: This ClawHub account is not in good standing and cannot use API tokens. "
	"Contact the registry's moderators if you believe this is a mistake.",
};

/* The first line that differs between two snapshots, and the table it is in (a whole dump is
 * longer than cmocka prints). */
static void print_first_change(const char *a, const char *b)
{
	const char *table = "?";
	size_t tl = 1;
	for (;;) {
		size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
		if (la != lb || memcmp(a, b, la) != 0) {
			print_error("in %.*s:\n--- before: %.*s\n--- after:  %.*s\n", (int)tl, table, (int)la, a,
				    (int)lb, b);
			return;
		}
		if (!a[la] || !b[lb])
			return;
		if (!strchr(a, '|') || strchr(a, '|') > a + la) {
			table = a;
			tl = la;
		}
		a += la + 1;
		b += lb + 1;
	}
}

static int cells, refused, wrong;

/* One cell: its status, and for a refusal the registry unchanged. */
static void cell(const row *rw, const target *t, int c)
{
	srt_wait_scans(&S);
	char *before = rw->want[c] >= 400 ? snapshot() : NULL;
	srt_resp r;
	memset(&r, 0, sizeof r);
	long st = rw->request(t, c, tok[c], &r);
	cells++;
	if (st != rw->want[c]) {
		wrong++;
		print_error("%s, %s: %ld, want %ld (%.200s)\n", rw->name, caller_names[c], st, rw->want[c],
			    r.body ? r.body : "");
	} else if (c <= C_BANNED && r.body && strcmp(r.body, texts_401[c]) != 0) {
		wrong++;
		print_error("%s, %s: 401 says \"%s\"\n", rw->name, caller_names[c], r.body);
	}
	srt_resp_free(&r);
	if (before) {
		refused++;
		char *after = snapshot();
		if (strcmp(before, after) != 0) {
			wrong++;
			print_error("%s, %s: the refused request changed the registry\n", rw->name, caller_names[c]);
			print_first_change(before, after);
		}
		free(after);
		free(before);
	}
}

static void run_row(const row *rw)
{
	target t;
	memset(&t, 0, sizeof t);
	rw->setup(&t);
	for (int c = 0; c < NCALLERS; c++)
		if (rw->want[c] >= 400)
			cell(rw, &t, c);
	for (int c = 0; c < NCALLERS; c++) {
		if (rw->want[c] >= 400)
			continue;
		memset(&t, 0, sizeof t);
		rw->setup(&t);
		cell(rw, &t, c);
	}
}

static void test_matrix(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		run_row(&rows[i]);
	print_message("    auth matrix: %zu routes x %d callers = %d cells, %d refused (each checked to change "
		      "nothing), %d wrong\n",
		      sizeof rows / sizeof rows[0], NCALLERS, cells, refused, wrong);
	assert_int_equal(wrong, 0);
}

static int group_setup(void **state)
{
	(void)state;
	if (srt_server_start_args(&S, SERVE_ARGS))
		return -1;
	make_user("carol", "user", tok_carol, sizeof tok_carol);
	make_user("dave", "user", tok_dave, sizeof tok_dave);
	make_user("mod", "moderator", tok_mod, sizeof tok_mod);
	const char *mk[] = {"token", "create", "alice", "--label", "expired", NULL};
	admin_cmd(mk, tok_expired, sizeof tok_expired);
	/* Expired a minute ago: the newest token is the one just made. */
	if (srt_sql(&S, "UPDATE api_tokens SET expires_at = 1000 WHERE id = (SELECT max(id) FROM api_tokens)") != 1)
		return -1;
	tok[C_NONE] = NULL;
	tok[C_MALFORMED] = "not a token!";
	tok[C_UNKNOWN] = "clh_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
	tok[C_REVOKED] = S.tok_revoked;
	tok[C_EXPIRED] = tok_expired;
	tok[C_BANNED] = S.tok_banned;
	tok[C_OTHER] = S.tok_bob;
	tok[C_ORG_PUB] = tok_dave;
	tok[C_ORG_ADMIN] = tok_carol;
	tok[C_OWNER] = S.tok_alice;
	tok[C_MOD] = tok_mod;
	tok[C_ADMIN] = S.tok_admin;
	srt_resp r;
	srt_send(&S, "POST", "/api/v1/publishers", S.tok_alice, "{\"handle\":\"acme\"}", &r);
	long st = r.status;
	srt_resp_free(&r);
	if (st != 201)
		return -1;
	const char *m1[] = {"publisher", "member", "acme", "carol", "--role", "admin", NULL};
	const char *m2[] = {"publisher", "member", "acme", "dave", "--role", "publisher", NULL};
	char out[256];
	if (srt_admin(&S, out, sizeof out, m1) != 0 || srt_admin(&S, out, sizeof out, m2) != 0)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return srt_server_stop(&S);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matrix),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
