/*
 * test_registry.c - the pure rules of the registry layer: file path sanitizing (the publish
 * refuses traversal and absolute tricks), macOS junk, content types, owner handles, and the
 * visibility answers of api-v1 section 1.5 for every kind of hidden skill.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "api/error.h"
#include "core/err.h"
#include "registry/registry.h"

static void test_path_sanitize(void **state)
{
	static const struct {
		const char *in, *out; /* out NULL: refused */
	} cases[] = {
		{"SKILL.md", "SKILL.md"},
		{"  scripts/run.sh  ", "scripts/run.sh"},
		{"/SKILL.md", "SKILL.md"},
		{"///a/b.txt", "a/b.txt"},
		{" / y", "y"}, /* once sanitized, a path sanitizes to itself */
		{"/ /a.md", "a.md"},
		{"docs/A-b_c.md", "docs/A-b_c.md"},
		{"docs/\xe4\xb8\xad.md", "docs/\xe4\xb8\xad.md"},
		{"../x", NULL},
		{"a/../x", NULL},
		{"/abs/../x", NULL},
		{"a/./b", NULL},
		{"a//b", NULL},
		{"a/", NULL},
		{"a\\b", NULL},
		{"", NULL},
		{"   ", NULL},
		{"..", NULL},
		{".", NULL},
		{"a\nb", NULL},
		{"a\x7f", NULL},
		{"docs/\xff\xfe.md", NULL},
		{"docs/\xc0\xaf.md", NULL},      /* overlong '/' */
		{"docs/\xed\xa0\x80.md", NULL},  /* UTF-16 surrogate */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[600];
		snprintf(buf, sizeof(buf), "%s", cases[i].in);
		int rc = sr_path_sanitize(buf);
		if (cases[i].out) {
			if (rc != 0)
				fail_msg("refused %s", cases[i].in);
			assert_string_equal(buf, cases[i].out);
		} else if (rc != SR_EINVAL) {
			fail_msg("accepted %s as %s", cases[i].in, buf);
		}
	}
	char long_path[SR_MAX_PATH + 10];
	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[sizeof(long_path) - 1] = '\0';
	assert_int_equal(sr_path_sanitize(long_path), SR_EINVAL);
}

static void test_junk_and_types(void **state)
{
	assert_true(sr_path_is_junk("__MACOSX/SKILL.md"));
	assert_true(sr_path_is_junk("docs/__MACOSX/x"));
	assert_true(sr_path_is_junk(".DS_Store"));
	assert_true(sr_path_is_junk("docs/.DS_Store"));
	assert_true(sr_path_is_junk("docs/._notes.txt"));
	assert_false(sr_path_is_junk("docs/notes.txt"));
	assert_false(sr_path_is_junk("MACOSX.md"));
	assert_string_equal(sr_content_type_for("SKILL.md"), "text/markdown");
	assert_string_equal(sr_content_type_for("a/b.TXT"), "text/plain");
	assert_string_equal(sr_content_type_for("run.sh"), "application/x-sh");
	assert_string_equal(sr_content_type_for("bin/tool"), "application/octet-stream");
	assert_string_equal(sr_content_type_for("v1.2/tool"), "application/octet-stream");
}

static void test_owner_normalize(void **state)
{
	char out[64];
	sr_owner_normalize("@@Alice ", out, sizeof(out));
	assert_string_equal(out, "alice");
	sr_owner_normalize("  BOB", out, sizeof(out));
	assert_string_equal(out, "bob");
	sr_owner_normalize("@", out, sizeof(out));
	assert_string_equal(out, "");
}

/* Every way a skill can be invisible, seen by the public and by its owner. */
static void test_visibility(void **state)
{
	static const struct {
		const char *what;
		int status, flags, verdict;
		const char *reason;
		int deleted;
		int public_status, owner_status; /* 0 = visible */
		const char *owner_text;
	} cases[] = {
		{"active", 0, 0, -1, "", 0, 0, 0, NULL},
		{"suspicious stays reachable", 0, 1, 1, "scanner.llm.suspicious", 0, 0, 0, NULL},
		{"soft-deleted", 1, 0, -1, "", 1, 404, 410, "Skill is hidden/deleted. Run \"clawhub undelete x-skill\" to restore it."},
		{"removed", 2, 0, -1, "", 0, 404, 410, "Skill has been removed by moderation."},
		{"pending scan hidden", 1, 0, -1, "pending.scan", 0, 404, 423, NULL},
		{"quality", 1, 0, -1, "quality.low", 0, 404, 403, NULL},
		{"hidden other", 1, 0, -1, "auto.reports", 0, 404, 403, "Skill is hidden by moderation (auto.reports)."},
		{"malware flag", 0, 2, -1, "", 0, 404, 403, NULL},
		{"malicious verdict", 0, 0, 2, "", 0, 404, 403, NULL},
	};
	sr_user owner = {.id = 7, .role = SR_ROLE_USER};
	sr_user other = {.id = 8, .role = SR_ROLE_USER};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sr_skill sk;
		memset(&sk, 0, sizeof(sk));
		sk.owner_id = 7;
		snprintf(sk.slug, sizeof(sk.slug), "x-skill");
		sk.moderation_status = cases[i].status;
		sk.moderation_flags = cases[i].flags;
		sk.moderation_verdict = cases[i].verdict;
		snprintf(sk.moderation_reason, sizeof(sk.moderation_reason), "%s", cases[i].reason);
		sk.soft_deleted_at = cases[i].deleted ? 1 : 0;
		/* The is_public generated column of sql/sqlite/0001_init.sql, written out. */
		sk.is_public = !cases[i].deleted && cases[i].status == 0 && !(cases[i].flags & 2) &&
			       cases[i].verdict != 2;
		/* The status and text ClawHub answers with come from the API's table. */
		sr_regerr err = {0};
		char text[1024] = "";
		int rc = sr_check_visible(&sk, NULL, &err);
		assert_int_equal(rc ? sr_api_error_text(&err, text, sizeof(text)) : 0, cases[i].public_status);
		if (rc)
			assert_string_equal(text, "Skill not found");
		rc = sr_check_visible(&sk, &other, &err);
		assert_int_equal(rc ? sr_api_error_text(&err, text, sizeof(text)) : 0, cases[i].public_status);
		memset(&err, 0, sizeof(err));
		rc = sr_check_visible(&sk, &owner, &err);
		int status = rc ? sr_api_error_text(&err, text, sizeof(text)) : 0;
		if (status != cases[i].owner_status)
			fail_msg("%s: owner got %d, want %d", cases[i].what, status, cases[i].owner_status);
		if (cases[i].owner_text)
			assert_string_equal(text, cases[i].owner_text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_sanitize),
		cmocka_unit_test(test_junk_and_types),
		cmocka_unit_test(test_owner_normalize),
		cmocka_unit_test(test_visibility),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
