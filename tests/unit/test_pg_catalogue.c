/*
 * test_pg_catalogue.c - PostgreSQL's catalogue (src/store/pg_catalogue.c) against a real
 * PostgreSQL: the URL in SKILLREG_TEST_PG (scripts/pg-test-cluster start prints one). The
 * test fails when it is unset; it does not skip.
 *
 * It creates a database of its own, applies the files of sql/postgres in order, fills a few thousand skills,
 * and then for every statement of the catalogue: PQprepare succeeds with no parameter types
 * given (PostgreSQL infers them all); it returns as many columns as SQLite's statement of the
 * same id; and its generic plan, with sequential scans disabled, reads no table end to end
 * (no Seq Scan, no index walked without a condition unless under a LIMIT), sorts only where
 * the allow-list says why, and reads the index the statement is written for (every list
 * statement its partial index). Then the search statements and the tags JSON are run on
 * rows whose answers are known. SR_PG_PLANS=1 prints every statement's plan.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/internal.h"
#include "store/pg_catalogue.h"
#include "store/store.h"

/* Type oids of pg_type.h, which libpq's headers do not carry. */
#define BOOLOID 16
#define NUMERICOID 1700

static PGconn *db;     /* the test's own database */
static char dbname[64];

static void quiet(void *arg, const char *message)
{
}

static PGconn *connect_to(const char *url)
{
	PGconn *c = PQconnectdb(url);
	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("cannot connect to %s: %s", url, PQerrorMessage(c));
	PQsetNoticeProcessor(c, quiet, NULL);
	return c;
}

static void exec_ok(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		fail_msg("%s\n  failed: %s", sql, PQerrorMessage(c));
	PQclear(r);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	return s;
}

/* A database of the test's own, with the migrations applied and a catalogue's shape: 3,000
 * skills over 40 owners, three versions each, daily stats, stars, tickets, a few hidden,
 * deleted and suspicious skills, so the planner's statistics are not those of empty tables. */
static int setup(void **state)
{
	const char *url = getenv("SKILLREG_TEST_PG");
	if (!url || !*url)
		fail_msg("SKILLREG_TEST_PG is not set: start a cluster (scripts/pg-test-cluster start DIR) "
			 "and export its URL");
	PGconn *admin = connect_to(url);
	snprintf(dbname, sizeof(dbname), "sr_pgcat_%d", (int)getpid());
	char sql[512];
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", dbname);
	exec_ok(admin, sql);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", dbname);
	exec_ok(admin, sql);
	PQfinish(admin);
	char conninfo[1024];
	snprintf(conninfo, sizeof(conninfo), "%s", url);
	char *slash = strrchr(conninfo, '/');
	assert_non_null(slash);
	char *q = strchr(slash, '?');
	char tail[256] = "";
	if (q)
		snprintf(tail, sizeof(tail), "%s", q);
	snprintf(slash + 1, sizeof(conninfo) - (size_t)(slash + 1 - conninfo), "%s%s", dbname, tail);
	db = connect_to(conninfo);

	glob_t g;
	assert_int_equal(glob("sql/postgres/*.sql", 0, NULL, &g), 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char *text = read_file(g.gl_pathv[i]);
		exec_ok(db, text);
		free(text);
	}
	globfree(&g);

	exec_ok(db, "INSERT INTO users(handle, display_name, created_at) "
		    "SELECT 'owner' || i, 'Owner ' || i, 1000 FROM generate_series(1, 40) i");
	exec_ok(db, "INSERT INTO skills(owner_id, slug, display_name, summary, created_at, updated_at, "
		    "stats_versions, stats_downloads, stats_stars, stats_installs, soft_deleted_at, "
		    "moderation_status, moderation_reason, moderation_flags) "
		    "SELECT 1 + i % 40, 'skill-' || i, 'Skill ' || i, 'does thing number ' || i, 1000 + i, "
		    "2000 + (i * 7) % 3000, 3, (i * 13) % 997, i % 17, i % 23, "
		    "CASE WHEN i % 50 = 0 THEN 5000 END, CASE WHEN i % 70 = 0 THEN 1 ELSE 0 END, "
		    "CASE WHEN i % 90 = 0 THEN 'scanner.llm.suspicious' END, CASE WHEN i % 110 = 0 THEN 1 ELSE 0 END "
		    "FROM generate_series(1, 3000) i");
	exec_ok(db, "INSERT INTO skill_versions(skill_id, version, fingerprint, changelog, created_by, created_at, "
		    "file_count, total_size, zip_sha256, zip_size, scan_state, scan_requested_at) "
		    "SELECT s.id, '1.' || v || '.0', md5(s.id || '/' || v), 'notes', s.owner_id, s.created_at + v, 2, 100, "
		    "md5('zip' || s.id || '/' || v), 100, CASE WHEN s.id % 200 = 0 AND v = 2 THEN 1 ELSE 2 END, "
		    "s.created_at + v FROM skills s, generate_series(0, 2) v");
	exec_ok(db, "INSERT INTO version_files(version_id, ord, path, size, sha256) "
		    "SELECT v.id, f, 'file' || f || '.md', 10, md5('file' || v.id || '/' || f) "
		    "FROM skill_versions v, generate_series(0, 1) f");
	exec_ok(db, "INSERT INTO skill_daily_stats(skill_id, day, downloads, installs) "
		    "SELECT s.id, 20000 + d, s.id % 7, s.id % 3 FROM skills s, generate_series(0, 4) d");
	exec_ok(db, "INSERT INTO stars(skill_id, user_id, created_at) "
		    "SELECT s.id, 1 + (s.id * 3) % 40, 1000 FROM skills s");
	exec_ok(db, "INSERT INTO skill_search(id, slug, display_name, summary) "
		    "SELECT id, slug, display_name, summary FROM skills");
	exec_ok(db, "INSERT INTO skill_search_short(id, body) "
		    "SELECT id, replace(slug, '-', ' ') || ' ' || display_name || ' ' || summary FROM skills");
	exec_ok(db, "INSERT INTO upload_tickets(ticket, user_id, path, size, sha256, created_at, expires_at) "
		    "SELECT 't' || i, 1, 'p', 1, md5('t' || i), 1000, 1000 + i FROM generate_series(1, 500) i");
	exec_ok(db, "INSERT INTO stat_events(skill_id, kind, day, occurred_at) "
		    "SELECT 1 + i % 3000, 1, 20000, i FROM generate_series(1, 3000) i");
	exec_ok(db, "INSERT INTO skill_aliases(owner_id, slug, skill_id, created_at) "
		    "SELECT owner_id, 'old-' || slug, id, 1000 FROM skills WHERE id % 5 = 0");
	/* Accounts (sql/postgres/0006_accounts.sql). */
	exec_ok(db, "INSERT INTO api_tokens(user_id, label, prefix, token_hash, created_at) "
		    "SELECT 1 + i % 40, 'cli', 'clh_' || i, md5('tok' || i), 1000 FROM generate_series(1, 2000) i");
	exec_ok(db, "INSERT INTO web_sessions(token_hash, user_id, created_at, expires_at, last_seen_at) "
		    "SELECT md5('s' || i), 1 + i % 40, 1000, 2000, 1000 FROM generate_series(1, 2000) i");
	exec_ok(db, "INSERT INTO user_identities(provider, subject, user_id, created_at) "
		    "SELECT 'github', i::text, i, 1000 FROM generate_series(1, 40) i");
	exec_ok(db, "INSERT INTO device_codes(device_hash, user_code_hash, user_code, label, scope, created_at, "
		    "expires_at, poll_interval) SELECT md5('d' || i), md5('u' || i % 500), 'ABCD-EFGH', 'l', 's', 1000, "
		    "2000, 5 FROM generate_series(1, 2000) i");
	exec_ok(db, "INSERT INTO invites(token_hash, created_at, expires_at) "
		    "SELECT md5('i' || i), 1000, 2000 FROM generate_series(1, 500) i");
	exec_ok(db, "INSERT INTO user_passwords(user_id, hash, updated_at) SELECT id, 'x', 1000 FROM users");
	exec_ok(db, "UPDATE users SET claim_github = handle WHERE id % 4 = 0");
	exec_ok(db, "ANALYZE");
	return 0;
}

static int teardown(void **state)
{
	PQfinish(db);
	const char *url = getenv("SKILLREG_TEST_PG");
	if (url && *dbname) {
		PGconn *admin = connect_to(url);
		char sql[128];
		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", dbname);
		exec_ok(admin, sql);
		PQfinish(admin);
	}
	return 0;
}

/*
 * A statement's text with its parameters renumbered 1..m in order of number, as the engine
 * sends them: PostgreSQL cannot infer the type of a number a statement skips (a first list
 * page uses $4 but not $1..$3). *m is how many it uses.
 */
static char *compact(const char *sql, int *m)
{
	int used[64] = {0}, renum[64] = {0};
	for (const char *c = sql; *c; c++)
		if (c[0] == '$' && c[1] >= '1' && c[1] <= '9') {
			long k = strtol(c + 1, NULL, 10);
			assert_true(k < 64);
			used[k] = 1;
		}
	*m = 0;
	for (int k = 1; k < 64; k++)
		if (used[k])
			renum[k] = ++*m;
	char *out = malloc(strlen(sql) + 1), *d = out;
	assert_non_null(out);
	for (const char *c = sql; *c;) {
		if (c[0] == '$' && c[1] >= '1' && c[1] <= '9') {
			char *end;
			long k = strtol(c + 1, &end, 10);
			d += sprintf(d, "$%d", renum[k]);
			c = end;
			continue;
		}
		*d++ = *c++;
	}
	*d = '\0';
	return out;
}

/* Statements allowed a sort, each with why it is bounded. */
static const struct {
	int q;
	const char *why;
} sorts_allowed[] = {
	{Q_SEARCH, "the window of at most $3 trigram matches is ordered by id and then by rank: no GIN "
		   "index returns rows in order"},
	{Q_SEARCH_SHORT, "the same for the word index (SR_SEARCH_WINDOW_WORDS matches)"},
	{Q_SEARCH_NAMES, "the same: the newest $3 matches in the names"},
	{Q_TAGS_JSON, "string_agg orders one skill's tags (a primary-key range) by tag"},
	{Q_BF_COUNTERS_PAGE, "the planner may hash the sums of a batch's daily rows; every read is a "
			     "primary-key range of the batch"},
};

static int sort_allowed(int q)
{
	for (size_t i = 0; i < sizeof(sorts_allowed) / sizeof(sorts_allowed[0]); i++)
		if (sorts_allowed[i].q == q)
			return 1;
	return 0;
}

/* The index each statement must read, where the catalogue names one in internal.h. */
static const struct {
	int q;
	const char *index;
} reads[] = {
	{Q_SEARCH, "ix_search_everything"},
	{Q_SEARCH_NAMES, "ix_search_names"},
	{Q_SEARCH_SHORT, "ix_search_short_words"},
	{Q_VERSIONS_FIRST, "ix_versions_skill_created"},
	{Q_VERSIONS_AFTER, "ix_versions_skill_created"},
	{Q_VERSIONS_ALL, "ux_versions_skill_version"},
	{Q_VERSION_BY_FP, "ix_versions_skill_fp"},
	{Q_MODERATION_PAGE, "ix_moderation"},
	{Q_MOD_QUEUE_PAGE, "ix_moderation"},
	{Q_PUBLIC_IDS_PAGE, "ix_pub_created"},
	{Q_DAILY_PAGE, "ix_daily_day"},
	{Q_OWNER_FIRST, "ix_owner_pub_updated"},
	{Q_OWNER_AFTER, "ix_owner_pub_updated"},
	{Q_SCAN_QUEUE, "ix_versions_scan_queue"},
	{Q_TICKETS_EXPIRE, "ix_tickets_expires"},
	{Q_BLOB_REF_FILE, "ix_version_files_sha"},
	{Q_BLOB_REF_ZIP, "ix_versions_zip"},
	{Q_BLOB_REF_TICKET, "ix_tickets_sha"},
	{Q_SKILLS_BY_ALIAS, "ix_aliases_slug"},
	{Q_SKILLS_BY_SLUG, "ix_skills_slug"},
	{Q_LOOKUP_BY_SLUG, "ix_skills_slug"},
	{Q_TOKEN_REVOKE, "ix_tokens_prefix"},
	{Q_USER_BAN_SKILLS, "ix_skills_owner_updated"},
	{Q_BAN_HOLDS_SAVE, "ix_skills_owner_updated"},
	{Q_UNBAN_RESTORE, "ix_ban_holds_user"},
	{Q_UNBAN_UNHELD, "ix_skills_owner_updated"},
	{Q_BAN_HOLDS_DROP, "ix_ban_holds_user"},
	{Q_TOKENS_REVOKE_USER, "ix_tokens_user"},
	{Q_SESSIONS_END_USER, "ix_sessions_user"},
	{Q_ORG_INVITES_OF_USER, "ix_org_invites_user"},
	{Q_ORG_INVITES_OF_ORG, "ix_org_invites_org"},
	{Q_USER_BY_CLAIM, "ux_users_claim_github"},
	{Q_MALWARE_FINDINGS, "ix_malware_findings_user"},
	{Q_SESSION_GET, "ux_sessions_hash"},
	{Q_SESSIONS_OF, "ix_sessions_user"},
	{Q_INVITE_GET, "ux_invites_hash"},
	{Q_DEVICE_BY_HASH, "ux_device_hash"},
	{Q_DEVICE_BY_USER_CODE, "ix_device_user_code"},
	{Q_TOKENS_OF, "ix_tokens_user"},
	{Q_OWNER_ALL_FIRST, "ix_skills_owner_updated"},
	{Q_OWNER_ALL_AFTER, "ix_skills_owner_updated"},
	{Q_STARRED, "ix_stars_user"},
	{Q_STAFF_QUEUE, "ix_versions_scan_queue"},
	{Q_STAFF_VERDICT, "ix_skills_verdict"},
	{Q_STAFF_REPORTS, "ix_reports_status"},
	{Q_STAFF_APPEALS, "ix_appeals_status"},
	{Q_APPEALS_OF_SKILL, "ix_appeals_skill"},
	{Q_STAFF_AUDIT, "audit_log_pkey"},
	{Q_APPEAL_OPEN, "ux_appeals_open"},
	{Q_STAFF_APPEALS_ALL, "skill_appeals_pkey"},
	{Q_STAFF_REPORTS_ALL, "skill_reports_pkey"},
	{Q_STAFF_SKILL_AUDIT, "ix_audit_skill"},
	{Q_STAFF_SKILL_REPORTS, "ux_reports_skill_user"},
	{Q_STAFF_ACCOUNT, "ux_users_handle"},
	{Q_STAFF_BANNED, "ix_users_banned"},
};

/* The index statement q must read: its own for a list statement (ix_list_* or ix_pub_*,
 * from the generator's SQLite text, which names it), from reads[] otherwise, or NULL. */
static const char *wanted_index(int q, char *buf, size_t n)
{
	if (q >= Q_FIXED_COUNT) {
		const char *lite = sr_store_statement_sql(q);
		const char *ix = lite ? strstr(lite, "INDEXED BY ") : NULL;
		assert_non_null(ix);
		ix += strlen("INDEXED BY ");
		size_t len = strcspn(ix, " ");
		snprintf(buf, n, "%.*s", (int)len, ix);
		return buf;
	}
	for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++)
		if (reads[i].q == q)
			return reads[i].index;
	return NULL;
}

/* The number of columns SQLite's statement q returns, prepared on a migrated database. */
static int sqlite_columns(sqlite3 *lite, int q)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(lite, sr_store_statement_sql(q), -1, &st, NULL) != SQLITE_OK)
		fail_msg("SQLite statement %d does not prepare: %s", q, sqlite3_errmsg(lite));
	int n = sqlite3_column_count(st);
	sqlite3_finalize(st);
	return n;
}

/*
 * What is wrong with the plan of statement q (text of EXPLAIN), or NULL: a Seq Scan, an index
 * walked with no condition outside a LIMIT (a full index scan is how a missing index shows
 * when sequential scans are disabled), a sort not in the allow-list, or not reading the index
 * the statement is written for.
 */
static const char *plan_fault(int q, const char *sql, const char *plan)
{
	if (strstr(plan, "Seq Scan"))
		return "a sequential scan";
	if (strstr(plan, "Sort Key") && !sort_allowed(q))
		return "a sort";
	int limited = strstr(sql, " LIMIT ") != NULL;
	for (const char *l = plan; *l;) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);
		if (memmem(l, len, "Index Scan", 10) || memmem(l, len, "Index Only Scan", 15)) {
			/* Its details are the lines below it indented deeper that are not nodes. */
			size_t indent = strspn(l, " ");
			int cond = 0;
			for (const char *d = e ? e + 1 : l + len; *d;) {
				const char *de = strchr(d, '\n');
				size_t dl = de ? (size_t)(de - d) : strlen(d);
				size_t di = strspn(d, " ");
				if (di <= indent || memmem(d, dl, "->", 2))
					break;
				if (memmem(d, dl, "Index Cond:", 11))
					cond = 1;
				d += dl + (de ? 1 : 0);
			}
			if (!cond && !limited)
				return "an index walked end to end";
		}
		l += len + (e ? 1 : 0);
	}
	char buf[64];
	const char *ix = wanted_index(q, buf, sizeof(buf));
	if (ix) {
		char using[96];
		snprintf(using, sizeof(using), " using %s ", ix);
		char on[96];
		snprintf(on, sizeof(on), " on %s", ix);
		if (!strstr(plan, using) && !strstr(plan, on))
			return "not the index it is written for";
	}
	return NULL;
}

/* EXPLAIN of statement q's generic plan into out (the plan's lines); 0 or -1 when it does not
 * prepare (the message printed). */
static int explain(int q, const char *sql, int *nfields, sr_buf *out)
{
	int m;
	char *text = compact(sql, &m);
	PGresult *r = PQprepare(db, "sr_q", text, 0, NULL);
	int rc = 0;
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(stderr, "statement %d does not prepare: %s  %s\n", q, PQerrorMessage(db), text);
		rc = -1;
	}
	PQclear(r);
	free(text);
	if (rc)
		return rc;
	r = PQdescribePrepared(db, "sr_q");
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	*nfields = PQnfields(r);
	/* The engine reads every result as text and parses numbers with strtoll and strtod: a
	 * boolean ("t") or a numeric ("12.0") column would read wrong. */
	for (int i = 0; i < *nfields && !rc; i++)
		if (PQftype(r, i) == BOOLOID || PQftype(r, i) == NUMERICOID) {
			fprintf(stderr, "statement %d returns column %d as %s\n", q, i,
				PQftype(r, i) == BOOLOID ? "boolean" : "numeric");
			rc = -1;
		}
	PQclear(r);
	sr_buf cmd;
	sr_buf_init(&cmd, 4096);
	sr_buf_puts(&cmd, "EXPLAIN EXECUTE sr_q");
	for (int i = 0; i < m; i++)
		sr_buf_puts(&cmd, i ? ", NULL" : "(NULL");
	sr_buf_puts(&cmd, m ? ")" : "");
	r = PQexec(db, cmd.data);
	sr_buf_deinit(&cmd);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(stderr, "statement %d does not explain: %s\n", q, PQerrorMessage(db));
		rc = -1;
	}
	for (int i = 0; !rc && i < PQntuples(r); i++) {
		sr_buf_puts(out, PQgetvalue(r, i, 0));
		sr_buf_putc(out, '\n');
	}
	PQclear(r);
	exec_ok(db, "DEALLOCATE sr_q");
	return rc;
}

/* Every statement prepares with inferred types, returns SQLite's number of columns, and has
 * a plan that reads its index and no table end to end. */
static void test_every_statement(void **state)
{
	char tmp[] = "/tmp/sr-pgcat-XXXXXX";
	assert_non_null(mkdtemp(tmp));
	char path[128];
	snprintf(path, sizeof(path), "%s/db", tmp);
	sr_store *s;
	assert_int_equal(sr_store_open(path, &s), 0);
	assert_int_equal(sr_store_migrate(s), 0);
	sr_store_close(s);
	sqlite3 *lite;
	assert_int_equal(sqlite3_open(path, &lite), SQLITE_OK);

	exec_ok(db, "SET plan_cache_mode = force_generic_plan");
	exec_ok(db, "SET enable_seqscan = off");
	int bad = 0, checked = 0, lists = 0;
	for (int q = 0; q < SR__Q_TOTAL; q++) {
		const char *sql = sr__pg_statement_sql(q);
		if (!sql) {
			if (sr_store_statement_sql(q))
				fprintf(stderr, "statement %d has no PostgreSQL text\n", q), bad++;
			continue;
		}
		sr_buf plan;
		sr_buf_init(&plan, 1 << 16);
		int nfields = 0;
		if (explain(q, sql, &nfields, &plan)) {
			bad++;
		} else {
			checked++;
			lists += q >= Q_FIXED_COUNT;
			/* A statement of PostgreSQL's alone (Q_SLUG_CLAIMS_EXPECT) has no SQLite
			 * text to compare with. */
			int want = sr_store_statement_sql(q) ? sqlite_columns(lite, q) : nfields;
			const char *fault = plan_fault(q, sql, plan.data);
			/* An insert whose id the store reads returns it (RETURNING id) on PostgreSQL. */
			if (want == 0 && nfields == 1 && strstr(sql, " RETURNING id"))
				want = 1;
			if (nfields != want) {
				fprintf(stderr, "statement %d returns %d columns, SQLite's %d: %s\n", q, nfields, want, sql);
				bad++;
			}
			if (getenv("SR_PG_PLANS"))
				fprintf(stderr, "statement %d: %s\n%s\n", q, sql, plan.data);
			if (fault) {
				fprintf(stderr, "statement %d: %s\n  %s\n  plan:\n%s\n", q, fault, sql, plan.data);
				bad++;
			}
		}
		sr_buf_deinit(&plan);
	}
	exec_ok(db, "RESET enable_seqscan");
	exec_ok(db, "RESET plan_cache_mode");
	sqlite3_close(lite);
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(bad, 0);
	/* Every fixed statement and the 64 list variants that exist (the prefix ones are only
	 * the name sort's). */
	assert_int_equal(lists, SR__LIST_VARIANTS - (SR_SORT_COUNT - 1) * SR_FILTER_COUNT * 2 * 2);
	assert_int_equal(checked, Q_FIXED_COUNT + lists);
}

/* Runs statement q with the given parameters (catalogue numbers, NULL for unused ones) and
 * returns its result. */
static PGresult *run(int q, int n, const char *const *params)
{
	int m;
	char *text = compact(sr__pg_statement_sql(q), &m);
	const char *sent[16];
	int k = 0;
	const char *sql = sr__pg_statement_sql(q);
	for (int i = 1; i <= n; i++) {
		char needle[8];
		snprintf(needle, sizeof(needle), "$%d", i);
		const char *p = sql;
		int used = 0;
		while ((p = strstr(p, needle))) {
			p += strlen(needle);
			if (*p < '0' || *p > '9')
				used = 1;
		}
		if (used)
			sent[k++] = params[i - 1];
	}
	assert_int_equal(k, m);
	PGresult *r = PQexecParams(db, text, m, NULL, sent, NULL, NULL, 0);
	free(text);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		fail_msg("statement %d failed: %s", q, PQerrorMessage(db));
	return r;
}

/* The slugs a search statement returns for tokens matched so, comma-separated, in order. */
static void search(int q, int match, const char *const *tokens, int n, char *out, size_t outn)
{
	sr_buf expr;
	sr_buf_init(&expr, 8192);
	assert_int_equal(sr__pg_match_expr(&expr, match, tokens, n), 0);
	const char *params[4] = {expr.data, "10", "200", "52"};
	PGresult *r = run(q, q == Q_SEARCH_NAMES ? 3 : 4, params);
	assert_int_equal(PQnfields(r), SR__SKILL_NCOLS + 1);
	out[0] = '\0';
	for (int i = 0; i < PQntuples(r); i++) {
		size_t len = strlen(out);
		snprintf(out + len, outn - len, "%s%s", i ? "," : "", PQgetvalue(r, i, 2));
	}
	PQclear(r);
	sr_buf_deinit(&expr);
}

/* Indexes one skill as the store does (Q_FTS_INS, and Q_FTS_SHORT_INS with the word text of
 * sr_store_search_index: slug hyphens as spaces, CJK characters spaced). */
static void add_skill(const char *slug, const char *name, const char *summary, const char *words)
{
	char sql[1024];
	snprintf(sql, sizeof(sql),
		 "INSERT INTO skills(owner_id, slug, display_name, summary, created_at, updated_at, stats_versions) "
		 "VALUES (1, '%s', '%s', '%s', 9000, 9000, 2) RETURNING id", slug, name, summary);
	PGresult *r = PQexec(db, sql);
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	const char *id = PQgetvalue(r, 0, 0);
	const char *ins[4] = {id, slug, name, summary};
	PQclear(run(Q_FTS_INS, 4, ins));
	const char *short_ins[2] = {id, words};
	PQclear(run(Q_FTS_SHORT_INS, 2, short_ins));
	PQclear(r);
}

/* Each match mode finds what FTS5 finds on SQLite: words, word prefixes, phrases of CJK
 * characters, substrings inside words, and substrings of the names only. */
static void test_search(void **state)
{
	add_skill("pdf-tables", "PDF Tables", "extracts tables from documents", "pdf tables PDF Tables extracts tables from documents");
	add_skill("cjk-notes", "数据 工具", "整理数据的工具", "cjk notes  数  据   工  具   整  理  数  据  的  工  具 ");
	add_skill("weird-one", "Percent 100% Sure", "under_score and back\\slash", "weird one Percent 100% Sure under_score and back\\slash");
	char got[512];

	const char *pdf[] = {"pdf"};
	search(Q_SEARCH_SHORT, SR_MATCH_WORDS, pdf, 1, got, sizeof(got));
	assert_string_equal(got, "pdf-tables");
	const char *hyph[] = {"pdf-tables"};
	search(Q_SEARCH_SHORT, SR_MATCH_WORDS, hyph, 1, got, sizeof(got));
	assert_string_equal(got, "pdf-tables");
	const char *tab[] = {"tab"};
	search(Q_SEARCH_SHORT, SR_MATCH_WORDS, tab, 1, got, sizeof(got));
	assert_string_equal(got, "");
	search(Q_SEARCH_SHORT, SR_MATCH_PREFIXES, tab, 1, got, sizeof(got));
	assert_string_equal(got, "pdf-tables");
	const char *two[] = {"extracts", "documents"};
	search(Q_SEARCH_SHORT, SR_MATCH_WORDS, two, 2, got, sizeof(got));
	assert_string_equal(got, "pdf-tables");
	const char *cjk[] = {"数据"};
	search(Q_SEARCH_SHORT, SR_MATCH_WORDS, cjk, 1, got, sizeof(got));
	assert_string_equal(got, "cjk-notes");
	const char *cjk_apart[] = {"数工"};
	search(Q_SEARCH_SHORT, SR_MATCH_WORDS, cjk_apart, 1, got, sizeof(got));
	assert_string_equal(got, "");

	const char *inside[] = {"xtract"};
	search(Q_SEARCH, SR_MATCH_INSIDE, inside, 1, got, sizeof(got));
	assert_string_equal(got, "pdf-tables");
	const char *upper[] = {"ABLES", "docu"};
	search(Q_SEARCH, SR_MATCH_INSIDE, upper, 2, got, sizeof(got));
	assert_string_equal(got, "pdf-tables");
	const char *cjk3[] = {"整理数"};
	search(Q_SEARCH, SR_MATCH_INSIDE, cjk3, 1, got, sizeof(got));
	assert_string_equal(got, "cjk-notes");
	/* LIKE's own characters are literal. */
	const char *pct[] = {"100%"};
	search(Q_SEARCH, SR_MATCH_INSIDE, pct, 1, got, sizeof(got));
	assert_string_equal(got, "weird-one");
	const char *us[] = {"r_s"};
	search(Q_SEARCH, SR_MATCH_INSIDE, us, 1, got, sizeof(got));
	assert_string_equal(got, "weird-one");
	const char *not_us[] = {"rxs"};
	search(Q_SEARCH, SR_MATCH_INSIDE, not_us, 1, got, sizeof(got));
	assert_string_equal(got, "");
	const char *bs[] = {"k\\s"};
	search(Q_SEARCH, SR_MATCH_INSIDE, bs, 1, got, sizeof(got));
	assert_string_equal(got, "weird-one");
	/* No match across two fields: the slug ends "tables", the name starts "PDF". */
	const char *across[] = {"tablespdf"};
	search(Q_SEARCH, SR_MATCH_INSIDE, across, 1, got, sizeof(got));
	assert_string_equal(got, "");

	/* The names stage reads the slug and the name, not the summary. */
	const char *name_only[] = {"ables"};
	search(Q_SEARCH_NAMES, SR_MATCH_NAMES, name_only, 1, got, sizeof(got));
	assert_string_equal(got, "pdf-tables");
	const char *summary_only[] = {"xtract"};
	search(Q_SEARCH_NAMES, SR_MATCH_NAMES, summary_only, 1, got, sizeof(got));
	assert_string_equal(got, "");

	/* A token with no word in it matches nothing: refused before it reaches the database. */
	sr_buf b;
	sr_buf_init(&b, 1024);
	const char *punct[] = {"pdf", "!!!"};
	assert_int_equal(sr__pg_match_expr(&b, SR_MATCH_WORDS, punct, 2), SR_EINVAL);
	sr_buf_deinit(&b);
}

/* The tags column is the text SQLite's json_group_object writes, which the API sends as is. */
static void test_tags_json(void **state)
{
	exec_ok(db, "INSERT INTO skill_tags(skill_id, tag, version_id) SELECT 7, t, v.id "
		    "FROM skill_versions v, (VALUES ('latest'), ('beta'), ('a\"b')) x(t) "
		    "WHERE v.skill_id = 7 AND v.version = '1.2.0'");
	const char *p[1] = {"7"};
	PQclear(run(Q_TAGS_JSON, 1, p));
	PGresult *r = PQexec(db, "SELECT tags_json FROM skills WHERE id = 7");
	assert_string_equal(PQgetvalue(r, 0, 0), "{\"a\\\"b\":\"1.2.0\",\"beta\":\"1.2.0\",\"latest\":\"1.2.0\"}");
	PQclear(r);
	const char *none[1] = {"8"};
	PQclear(run(Q_TAGS_JSON, 1, none));
	r = PQexec(db, "SELECT tags_json FROM skills WHERE id = 8");
	assert_string_equal(PQgetvalue(r, 0, 0), "{}");
	PQclear(r);
}

/* Runs statement q with parameters p[0..n-1] and returns how many rows it changed or
 * returned, keeping the first value of its first row in first (when asked). */
static int runs(int q, int n, const char *const *p, char *first, size_t firstn)
{
	PGresult *r = run(q, n, p);
	int rows = PQresultStatus(r) == PGRES_TUPLES_OK ? PQntuples(r) : atoi(PQcmdTuples(r));
	if (first)
		snprintf(first, firstn, "%s", PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
	PQclear(r);
	return rows;
}

/* The value of one SQL expression, as text. */
static void value(const char *sql, char *out, size_t n)
{
	PGresult *r = PQexec(db, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
		fail_msg("%s: %s", sql, PQerrorMessage(db));
	snprintf(out, n, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
}

/* The writes do on PostgreSQL what they do on SQLite: ids come back, no-ops change nothing,
 * upserts add, the generated columns and the public count follow moderation. */
static void test_writes(void **state)
{
	char uid[32], sid[32], vid[32], got[256], before[32];
	const char *user[4] = {"writer", "Writer", "0", "1000"};
	assert_int_equal(runs(Q_USER_ADD, 4, user, uid, sizeof(uid)), 1);
	assert_true(atoll(uid) > 40);
	value("SELECT public_skills FROM global_stats", before, sizeof(before));
	const char *skill[6] = {uid, "written-skill", "Written", "a skill", "5000", "0"};
	assert_int_equal(runs(Q_SKILL_INSERT, 6, skill, sid, sizeof(sid)), 1);
	value("SELECT public_skills FROM global_stats", got, sizeof(got));
	assert_int_equal(atoll(got), atoll(before) + 1);
	/* A second live skill of another owner cannot take the slug (0009's unique index). */
	const char *clash[6] = {"1", "written-skill", "X", NULL, "5000", "0"};
	PGresult *r = PQexecParams(db, sr__pg_statement_sql(Q_SKILL_INSERT), 6, NULL, clash, NULL, NULL, 0);
	assert_string_equal(PQresultErrorField(r, PG_DIAG_SQLSTATE), "23505");
	PQclear(r);

	char log[2100];
	memset(log, 'x', sizeof(log) - 1);
	log[sizeof(log) - 1] = '\0';
	const char *version[11] = {sid, "1.0.0", "fp", log, "1", uid, "5001", "1", "10", "zipsha", "20"};
	assert_int_equal(runs(Q_VERSION_INSERT, 11, version, vid, sizeof(vid)), 1);
	const char *cold[3] = {vid, "{}", "{\"os\":[]}"};
	assert_int_equal(runs(Q_COLD_INSERT, 3, cold, NULL, 0), 1);
	const char *latest[2] = {sid, vid};
	assert_int_equal(runs(Q_SET_LATEST, 2, latest, NULL, 0), 1);
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT length(latest_changelog) || ' ' || latest_version || ' ' || latest_metadata "
		 "FROM skills WHERE id = %s", sid);
	value(sql, got, sizeof(got));
	assert_string_equal(got, "2000 1.0.0 {\"os\":[]}");
	const char *bf[2] = {"0", "100000"};
	r = run(Q_BF_SUMMARY_PAGE, 2, bf);
	int stale = 0;
	for (int i = 0; i < PQntuples(r); i++)
		if (strcmp(PQgetvalue(r, i, 0), sid) == 0)
			stale = atoi(PQgetvalue(r, i, 2)) + 10;
	PQclear(r);
	assert_int_equal(stale, 10); /* found, and its summary is what Q_SET_LATEST writes */

	const char *same[3] = {sid, "Written", "a skill"};
	assert_int_equal(runs(Q_SET_IDENTITY, 3, same, NULL, 0), 0);
	const char *nulled[3] = {sid, "Written", NULL};
	assert_int_equal(runs(Q_SET_IDENTITY, 3, nulled, NULL, 0), 1);
	assert_int_equal(runs(Q_SET_IDENTITY, 3, nulled, NULL, 0), 0);

	const char *star[3] = {sid, uid, "6000"};
	assert_int_equal(runs(Q_STAR_INS, 3, star, NULL, 0), 1);
	assert_int_equal(runs(Q_STAR_INS, 3, star, NULL, 0), 0);
	const char *adj[2] = {sid, "-5"};
	assert_int_equal(runs(Q_STARS_ADJ, 2, adj, NULL, 0), 1);
	snprintf(sql, sizeof(sql), "SELECT stats_stars FROM skills WHERE id = %s", sid);
	value(sql, got, sizeof(got));
	assert_string_equal(got, "0");

	const char *daily[4] = {sid, "30000", "2", "1"};
	runs(Q_DAILY_UPSERT, 4, daily, NULL, 0);
	runs(Q_DAILY_UPSERT, 4, daily, NULL, 0);
	snprintf(sql, sizeof(sql), "SELECT downloads || '/' || installs FROM skill_daily_stats WHERE skill_id = %s", sid);
	value(sql, got, sizeof(got));
	assert_string_equal(got, "4/2");

	char rid[32];
	const char *report[5] = {sid, uid, "1.0.0", "spam", "7000"};
	assert_int_equal(runs(Q_REPORT_INS, 5, report, rid, sizeof(rid)), 1);
	assert_true(atoll(rid) > 0);
	assert_int_equal(runs(Q_REPORT_INS, 5, report, NULL, 0), 0);
	const char *bump[1] = {sid};
	assert_int_equal(runs(Q_REPORTS_BUMP, 1, bump, got, sizeof(got)), 1);
	assert_string_equal(got, "1");

	/* A scan finishes only if no rescan was requested meanwhile (IS NOT DISTINCT FROM). */
	const char *finish_null[7] = {vid, "2", "0", "8000", NULL, sid, NULL};
	assert_int_equal(runs(Q_VERSION_SCAN_FINISH, 7, finish_null, NULL, 0), 1);
	const char *request[3] = {vid, "8100", sid};
	assert_int_equal(runs(Q_VERSION_SCAN_REQUEST, 3, request, NULL, 0), 1);
	assert_int_equal(runs(Q_VERSION_SCAN_FINISH, 7, finish_null, NULL, 0), 0);
	/* A pending version takes one claim until its lease runs out; only the holder's scan
	 * finishes under a claim, and the finish drops it. */
	const char *claim_a[4] = {vid, "8150", "a", "100"}, *claim_b[4] = {vid, "8200", "b", "100"};
	const char *claim_b_late[4] = {vid, "8250", "b", "100"};
	assert_int_equal(runs(Q_VERSION_SCAN_CLAIM, 4, claim_a, NULL, 0), 1);
	assert_int_equal(runs(Q_VERSION_SCAN_CLAIM, 4, claim_b, NULL, 0), 0);
	assert_int_equal(runs(Q_VERSION_SCAN_CLAIM, 4, claim_b_late, NULL, 0), 1);
	const char *finish_a[7] = {vid, "2", "0", "8300", "8100", sid, "a"};
	assert_int_equal(runs(Q_VERSION_SCAN_FINISH, 7, finish_a, NULL, 0), 0);
	const char *finish[7] = {vid, "2", "0", "8300", "8100", sid, "b"};
	assert_int_equal(runs(Q_VERSION_SCAN_FINISH, 7, finish, NULL, 0), 1);
	snprintf(sql, sizeof(sql), "SELECT coalesce(scan_claimed_by, '-') FROM skill_versions WHERE id = %s", vid);
	value(sql, got, sizeof(got));
	assert_string_equal(got, "-");
	/* A finished version is not pending: nothing claims it. */
	const char *claim_done[4] = {vid, "9000", "a", "100"};
	assert_int_equal(runs(Q_VERSION_SCAN_CLAIM, 4, claim_done, NULL, 0), 0);

	/* Moderation moves the generated columns and the count. */
	const char *mod[5] = {sid, "0", "scanner.llm.suspicious", "0", "1"};
	assert_int_equal(runs(Q_SKILL_MODERATE, 5, mod, NULL, 0), 1);
	snprintf(sql, sizeof(sql), "SELECT is_suspicious || '' || is_public || is_listed FROM skills WHERE id = %s", sid);
	value(sql, got, sizeof(got));
	assert_string_equal(got, "110");
	const char *del[2] = {sid, "9000"};
	assert_int_equal(runs(Q_SOFT_DELETE, 2, del, NULL, 0), 1);
	value("SELECT public_skills FROM global_stats", got, sizeof(got));
	assert_int_equal(atoll(got), atoll(before));
	const char *undel[1] = {sid};
	assert_int_equal(runs(Q_UNDELETE, 1, undel, NULL, 0), 1);
	value("SELECT public_skills FROM global_stats", got, sizeof(got));
	assert_int_equal(atoll(got), atoll(before) + 1);

	const char *expire[2] = {"1100", "50"};
	assert_int_equal(runs(Q_TICKETS_EXPIRE, 2, expire, NULL, 0), 50);
	const char *snap[3] = {"9000", "20000", "0"};
	assert_int_equal(runs(Q_TRENDING_SNAP_INS, 3, snap, got, sizeof(got)), 1);
	assert_true(atoll(got) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_statement),
		cmocka_unit_test(test_search),
		cmocka_unit_test(test_tags_json),
		cmocka_unit_test(test_writes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
