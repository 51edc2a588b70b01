/*
 * test_slug.c - slug.c: the rules for new slugs, normalizing, and the lookup shape.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "registry/slug.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const msg_length = "Slug must be 3-96 characters";
static const char *const msg_shape = "Slug must be lowercase letters, numbers and single hyphens, "
				     "starting and ending with a letter or number";
static const char *const msg_reserved = "Slug is reserved";
static const char *const msg_affix = "Slug uses a protected name as a prefix or suffix";

static void test_accepts(void **state)
{
	static const char *const ok[] = {
		"abc",
		"a1b",
		"123",
		"0-0",
		"gifgrep",
		"demo-skill",
		"a-b-c-d",
		"my-skill-2",
		"skill-tools",   /* a reserved word as one part of a slug is fine */
		"api-client",
		"my-api",
		"clawhubby",     /* protected words only count as a whole hyphen part */
		"officially",
		"unofficial",
		"teamwork",
		"my-teams",
		"openclawish",
		"x-official-y",  /* neither a prefix nor a suffix */
		"claude-helper", /* brands are reserved whole, not as affixes */
		"openai-tools",
	};
	for (size_t i = 0; i < COUNT(ok); i++) {
		const char *why = sr_slug_check_new(ok[i]);
		if (why)
			fail_msg("expected %s to be accepted, got: %s", ok[i], why);
	}
}

static void test_length(void **state)
{
	char s[100];

	assert_string_equal(sr_slug_check_new("ab"), msg_length);
	assert_string_equal(sr_slug_check_new("a"), msg_length);
	assert_non_null(sr_slug_check_new(""));
	assert_non_null(sr_slug_check_new(NULL));

	memset(s, 'a', 96);
	s[96] = '\0';
	assert_null(sr_slug_check_new(s));
	s[96] = 'a';
	s[97] = '\0';
	assert_string_equal(sr_slug_check_new(s), msg_length);
}

static void test_shape(void **state)
{
	static const char *const bad[] = {
		"-abc",
		"abc-",
		"-ab-",
		"ab--cd",
		"a---b",
		"ABC",
		"Abc",
		"abC",
		"ab_c",
		"ab.c",
		"ab c",
		" abc",
		"abc ",
		"ab/c",
		"ab\tc",
		"caf\xc3\xa9",
		"---",
	};
	for (size_t i = 0; i < COUNT(bad); i++) {
		const char *why = sr_slug_check_new(bad[i]);
		if (!why || strcmp(why, msg_shape) != 0)
			fail_msg("expected shape error for \"%s\", got: %s", bad[i], why ? why : "(null)");
	}
}

static void test_reserved(void **state)
{
	static const char *const bad[] = {
		"api", "skills", "skill", "search", "login", "logout", "new", "null", "undefined",
		"admin", "settings", "dashboard", "upload", "import", "stars", "users", "user",
		"about", "docs", "help", "static", "assets", "well-known", "trending", "explore",
		"download", "install", "publish", "cli", "auth", "account", "www", "mail", "root",
		"system", "support", "status", "healthz", "metrics", "moderation", "owner", "owners",
		"favicon", "openclaw", "clawhub", "clawdhub", "clawd", "clawdbot", "clawdis",
		"moltbot", "anthropic", "claude", "openai",
	};
	for (size_t i = 0; i < COUNT(bad); i++) {
		const char *why = sr_slug_check_new(bad[i]);
		if (!why || strcmp(why, msg_reserved) != 0)
			fail_msg("expected %s to be reserved, got: %s", bad[i], why ? why : "(null)");
	}
	/* "me" and "u" are reserved too, but already too short to be a new slug. */
	assert_string_equal(sr_slug_check_new("me"), msg_length);
	assert_string_equal(sr_slug_check_new("u"), msg_length);
}

static void test_protected_affix(void **state)
{
	static const char *const words[] = {
		"openclaw", "clawhub", "clawd", "official", "verified", "staff", "admin",
		"moderator", "security", "support", "team",
	};
	char s[128];

	for (size_t i = 0; i < COUNT(words); i++) {
		const char *why;

		snprintf(s, sizeof(s), "%s-tools", words[i]);
		why = sr_slug_check_new(s);
		if (!why || strcmp(why, msg_affix) != 0)
			fail_msg("expected affix error for %s, got: %s", s, why ? why : "(null)");

		snprintf(s, sizeof(s), "my-%s", words[i]);
		why = sr_slug_check_new(s);
		if (!why || strcmp(why, msg_affix) != 0)
			fail_msg("expected affix error for %s, got: %s", s, why ? why : "(null)");

		/* The bare word is refused, by the reserved list or by the affix rule. */
		if (!sr_slug_check_new(words[i]))
			fail_msg("expected %s to be refused", words[i]);
	}
	assert_string_equal(sr_slug_check_new("official"), msg_affix);
	assert_string_equal(sr_slug_check_new("team"), msg_affix);
	assert_string_equal(sr_slug_check_new("a-b-verified"), msg_affix);
	assert_string_equal(sr_slug_check_new("clawd-clawd"), msg_affix);
}

static void test_normalize(void **state)
{
	char out[16];

	assert_int_equal(sr_slug_normalize("  Demo-Skill \t\r\n", out, sizeof(out)), 0);
	assert_string_equal(out, "demo-skill");
	assert_int_equal(sr_slug_normalize("ABC", out, sizeof(out)), 0);
	assert_string_equal(out, "abc");
	/* Only the ends are trimmed, and only ASCII is lower-cased. */
	assert_int_equal(sr_slug_normalize(" A B ", out, sizeof(out)), 0);
	assert_string_equal(out, "a b");
	assert_int_equal(sr_slug_normalize("\xc3\x89x", out, sizeof(out)), 0);
	assert_string_equal(out, "\xc3\x89x");

	assert_int_equal(sr_slug_normalize("", out, sizeof(out)), SR_EINVAL);
	assert_string_equal(out, "");
	assert_int_equal(sr_slug_normalize(" \t\n ", out, sizeof(out)), SR_EINVAL);
	assert_int_equal(sr_slug_normalize(NULL, out, sizeof(out)), SR_EINVAL);

	/* 15 characters fit in 16 bytes, 16 do not; trimmed white space does not count. */
	assert_int_equal(sr_slug_normalize("  abcdefghijklmno  ", out, sizeof(out)), 0);
	assert_string_equal(out, "abcdefghijklmno");
	assert_int_equal(sr_slug_normalize("abcdefghijklmnop", out, sizeof(out)), SR_EINVAL);
	assert_string_equal(out, "");
	assert_int_equal(sr_slug_normalize("abc", out, 0), SR_EINVAL);
}

static void test_plausible(void **state)
{
	char s[100];

	assert_true(sr_slug_is_plausible("a"));
	assert_true(sr_slug_is_plausible("ab"));
	assert_true(sr_slug_is_plausible("-"));
	assert_true(sr_slug_is_plausible("a--b"));
	assert_true(sr_slug_is_plausible("api"));
	assert_true(sr_slug_is_plausible("openclaw-tools"));
	assert_false(sr_slug_is_plausible(""));
	assert_false(sr_slug_is_plausible(NULL));
	assert_false(sr_slug_is_plausible("Abc"));
	assert_false(sr_slug_is_plausible("a_b"));
	assert_false(sr_slug_is_plausible("a b"));
	assert_false(sr_slug_is_plausible("a/b"));
	assert_false(sr_slug_is_plausible("a.b"));
	assert_false(sr_slug_is_plausible("caf\xc3\xa9"));

	memset(s, 'z', 96);
	s[96] = '\0';
	assert_true(sr_slug_is_plausible(s));
	s[96] = 'z';
	s[97] = '\0';
	assert_false(sr_slug_is_plausible(s));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_shape),
		cmocka_unit_test(test_reserved),
		cmocka_unit_test(test_protected_affix),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_plausible),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
