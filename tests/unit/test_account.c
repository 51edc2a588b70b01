/*
 * test_account.c - identities turned into accounts (src/auth/account.c) on a real SQLite
 * store: a linked identity finds its account again, a GitHub login claims the imported
 * account waiting for it (once), new accounts get the first free handle that is not reserved,
 * handles are cleaned from logins and e-mail addresses, and banned accounts are refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/account.h"
#include "core/err.h"
#include "store/store.h"

struct fixture {
	char dir[64];
	char db[128];
	sr_store *s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/sr-account-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/db", f->dir);
	if (sr_store_open(f->db, &f->s) || sr_store_migrate(f->s))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	sr_store_close(f->s);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	int rc = system(cmd);
	free(f);
	return rc;
}

/* Runs SQL beside the store (what `skillreg import` and bans do to the rows). */
static void sql(struct fixture *f, const char *text)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_exec(db, text, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static struct sr_identity ident(const char *provider, const char *subject, const char *login, const char *email)
{
	struct sr_identity id;
	memset(&id, 0, sizeof(id));
	snprintf(id.provider, sizeof(id.provider), "%s", provider);
	snprintf(id.subject, sizeof(id.subject), "%s", subject);
	snprintf(id.login, sizeof(id.login), "%s", login);
	snprintf(id.email, sizeof(id.email), "%s", email);
	return id;
}

static int reserved(const char *h)
{
	return strcmp(h, "settings") == 0;
}

static void test_link_and_find_again(void **state)
{
	struct fixture *f = *state;
	struct sr_identity id = ident("github", "1001", "Octo-Cat", "");
	snprintf(id.avatar, sizeof(id.avatar), "https://avatars.example/1001");
	sr_user u, again;
	int created;
	assert_int_equal(sr_account_from_identity(f->s, &id, reserved, &u, &created), 0);
	assert_int_equal(created, 1);
	assert_string_equal(u.handle, "octo-cat");
	assert_string_equal(u.image, "https://avatars.example/1001");
	/* The same subject, even under a new login, is the same account. */
	snprintf(id.login, sizeof(id.login), "renamed");
	assert_int_equal(sr_account_from_identity(f->s, &id, reserved, &again, &created), 0);
	assert_int_equal(created, 0);
	assert_int_equal(again.id, u.id);
	/* Another provider with the same subject is another person. */
	struct sr_identity other = ident("oidc:corp", "1001", "octo-cat", "");
	assert_int_equal(sr_account_from_identity(f->s, &other, reserved, &again, &created), 0);
	assert_int_equal(created, 1);
	assert_string_equal(again.handle, "octo-cat-2");
}

static void test_free_handles(void **state)
{
	struct fixture *f = *state;
	int64_t uid;
	assert_int_equal(sr_store_user_add(f->s, "sam", "Sam", SR_ROLE_USER, &uid), 0);
	assert_int_equal(sr_store_user_add(f->s, "sam-2", "Sam", SR_ROLE_USER, &uid), 0);
	sr_user u;
	struct sr_identity id = ident("github", "2001", "Sam", "");
	assert_int_equal(sr_account_from_identity(f->s, &id, reserved, &u, NULL), 0);
	assert_string_equal(u.handle, "sam-3");
	/* A reserved login is skipped like a taken one. */
	id = ident("github", "2002", "settings", "");
	assert_int_equal(sr_account_from_identity(f->s, &id, reserved, &u, NULL), 0);
	assert_string_equal(u.handle, "settings-2");
	/* No login: the e-mail's local part, cleaned. */
	id = ident("oidc:corp", "abc", "", "Jane.Doe+x@corp.example");
	assert_int_equal(sr_account_from_identity(f->s, &id, reserved, &u, NULL), 0);
	assert_string_equal(u.handle, "jane-doe-x");
	/* Nothing usable at all. */
	id = ident("oidc:corp", "def", "!!!", "");
	assert_int_equal(sr_account_from_identity(f->s, &id, reserved, &u, NULL), 0);
	assert_string_equal(u.handle, "user");
	id = ident("", "x", "nobody", "");
	assert_int_equal(sr_account_from_identity(f->s, &id, reserved, &u, NULL), SR_EINVAL);
}

static void test_claim_imported(void **state)
{
	struct fixture *f = *state;
	/* `skillreg import` made @steipete-imported for the GitHub login SteiPete. */
	sql(f, "INSERT INTO users(handle, display_name, role, created_at, claim_github) "
	       "VALUES ('steipete', 'Peter', 0, 1, 'steipete')");
	sr_user u;
	int created;
	struct sr_identity id = ident("github", "58493", "SteiPete", "");
	assert_int_equal(sr_account_from_identity(f->s, &id, reserved, &u, &created), 0);
	assert_int_equal(created, 0);
	assert_string_equal(u.handle, "steipete");
	/* Claimed once: the claim is cleared, and the next sign-in finds the link. */
	sr_user again;
	assert_int_equal(sr_store_user_by_handle(f->s, "steipete", &again), 0);
	assert_int_equal(sr_account_from_identity(f->s, &id, reserved, &again, &created), 0);
	assert_int_equal(again.id, u.id);
	/* Another GitHub account that now bears the login cannot take it again. */
	struct sr_identity thief = ident("github", "99999", "steipete", "");
	assert_int_equal(sr_account_from_identity(f->s, &thief, reserved, &again, &created), 0);
	assert_int_equal(created, 1);
	assert_string_equal(again.handle, "steipete-2");
	/* Only GitHub logins claim: an OIDC login of the same name does not. */
	sql(f, "INSERT INTO users(handle, display_name, role, created_at, claim_github) "
	       "VALUES ('imported-bob', 'Bob', 0, 1, 'bob')");
	struct sr_identity oidc = ident("oidc:corp", "bob-sub", "bob", "");
	assert_int_equal(sr_account_from_identity(f->s, &oidc, reserved, &again, &created), 0);
	assert_int_equal(created, 1);
	assert_string_equal(again.handle, "bob");
}

static void test_banned_refused(void **state)
{
	struct fixture *f = *state;
	struct sr_identity id = ident("github", "3001", "eve", "");
	sr_user u;
	assert_int_equal(sr_account_from_identity(f->s, &id, reserved, &u, NULL), 0);
	assert_int_equal(sr_store_user_ban(f->s, u.id, "spam"), 0);
	sr_user again;
	assert_int_equal(sr_account_from_identity(f->s, &id, reserved, &again, NULL), SR_EPERM);
	assert_int_equal(again.id, u.id);
	assert_true(again.deactivated_at > 0);
}

static void test_handle_base(void **state)
{
	(void)state;
	char out[64];
	sr_account_handle_base("--Hello World--", out, sizeof(out));
	assert_string_equal(out, "hello-world");
	sr_account_handle_base("a_b.c", out, sizeof(out));
	assert_string_equal(out, "a_b-c");
	sr_account_handle_base("0123456789012345678901234567890123456789xyz", out, sizeof(out));
	assert_int_equal(strlen(out), 39);
	assert_int_equal(sr_account_handle_ok("-x"), 0);
	assert_int_equal(sr_account_handle_ok("x"), 1);
	assert_int_equal(sr_account_handle_ok("X"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_link_and_find_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_handles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim_imported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_banned_refused, setup, teardown),
		cmocka_unit_test(test_handle_base),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
