/*
 * test_fingerprint.c - fingerprint.c: the localeCompare path order and the fingerprint.
 *
 * The expected orders were produced by node 20 (full ICU 78) with
 * `paths.sort((a, b) => a.localeCompare(b))`, which is what the clawhub CLI runs; the
 * fingerprints by node's crypto over the same sorted lines. Beyond these tables the C order
 * was checked offline against node on 90,000 random ASCII strings without a difference.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/err.h"
#include "registry/fingerprint.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Paths in localeCompare order; no two are equal under it. */
static const char *const node_order[] = {
	"  x", " x", "_a", "_meta.json", "-a", ",a", ".env", ".gitignore", "(a)",
	"[a]", "{a}", "@scope/pkg", "~a", "$a", "0", "00", "01", "1", "1_a", "1-a",
	"1.md", "10.md", "1a", "1A", "2", "9.md", "a", "A", "a b", "a_b.md", "a-B",
	"A-b", "a-b.md", "a,b", "a;b", "a:b", "a!b", "a?b", "a.B", "A.b", "a.md",
	"A.md", "a'b", "a\"b", "a(b", "a)b", "a[b", "a]b", "a{b", "a}b", "a@b", "a*b",
	"a/b", "a\\b", "a&b", "a#b", "a%b", "a`b", "a^b", "a+b", "a<b", "a=b", "a>b",
	"a|b", "a~b", "a$b", "a1", "a10", "a2", "a9", "ab", "aB", "Ab", "AB", "ab.md",
	"aB.md", "Ab.md", "AB.md", "b", "B", "data-2024-01-01.csv",
	"data-2024-1-1.csv", "data.json", "data.JSON", "Data.json", "data.json5",
	"data.jsonl", "docs-y.md", "docs/x.md", "file (1).txt", "file 1.txt",
	"file_1.txt", "file-1.txt", "file(1).txt", "notes.txt", "README", "readme.md",
	"Readme.md", "ReadMe.md", "README.md", "README.txt", "references",
	"references/", "references/api_v2.md", "references/api-v2.md",
	"references/api.md", "references/Api.md", "references/API.md",
	"references/api.v2.md", "references/api2.md", "references/apis.md",
	"scripts_old/a", "scripts-old/a", "scripts.md", "scripts/a.md", "scripts/A.md",
	"scripts/a/b.md", "scripts/aa.md", "scripts/run_all.sh", "scripts/run-all.sh",
	"scripts/run.sh", "scripts/Run.sh", "scripts/runall.sh", "skill.md",
	"Skill.md", "SKILL.md", "templates/report.md", "templates/report.MD",
	"templates/Report.MD", "templates/REPORT.md", "v1.0.0.md", "v1.10.md",
	"v1.9.md", "v10.md", "x", "x\ty", "x ", "x  y", "x y", "x_y/z", "x-y/z",
	"x/y-z", "x/y/z", "x/yz", "z", "Z",
};

static int sign(int c)
{
	return (c > 0) - (c < 0);
}

static void assert_chain(const char *const *chain, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			int want = sign((int)i - (int)j);
			int got = sign(sr_path_collate(chain[i], chain[j]));
			if (got != want)
				fail_msg("collate(\"%s\", \"%s\") = %d, want %d", chain[i], chain[j], got,
					 want);
		}
	}
}

static void test_node_order_pairs(void **state)
{
	assert_chain(node_order, COUNT(node_order));
}

/* Sorting any permutation of the table gives back the table. */
static void test_sort_permutations(void **state)
{
	enum { N = COUNT(node_order) };
	const char *v[N];
	uint32_t seed = 1;

	for (int round = 0; round < 20; round++) {
		memcpy(v, node_order, sizeof(v));
		if (round == 1) {
			for (size_t i = 0; i < N / 2; i++) {
				const char *t = v[i];
				v[i] = v[N - 1 - i];
				v[N - 1 - i] = t;
			}
		} else if (round > 1) {
			for (size_t i = N - 1; i > 0; i--) {
				seed = seed * 1664525u + 1013904223u;
				size_t j = (seed >> 8) % (i + 1);
				const char *t = v[i];
				v[i] = v[j];
				v[j] = t;
			}
		}
		sr_path_sort(v, N);
		for (size_t i = 0; i < N; i++)
			assert_string_equal(v[i], node_order[i]);
	}
	sr_path_sort(v, 0);
	sr_path_sort(v, 1);
}

/* The example orders from the api and cli references, verbatim. */
static void test_reference_examples(void **state)
{
	static const char *const api[] = {
		"_meta.json", "10.md", "9.md", "a_b.md", "a-b.md", "a.md", "A.md", "a/b", "ab",
		"README.md", "Skill.md", "SKILL.md",
	};
	static const char *const cli[] = {
		"_meta.json", "a_b.md", "a-b.md", "a.md", "A.md", "docs-y.md", "docs/x.md",
		"notes.txt", "SKILL.md",
	};
	assert_chain(api, COUNT(api));
	assert_chain(cli, COUNT(cli));
}

/*
 * Case only breaks a tie left by the letters and punctuation, at the first position where
 * it differs, lower case first; a difference further on in the letters still wins.
 */
static void test_case_is_tertiary(void **state)
{
	assert_true(sr_path_collate("aB", "Ab") < 0);
	assert_true(sr_path_collate("Ab", "aB") > 0);
	assert_true(sr_path_collate("Ab", "ac") < 0);
	assert_true(sr_path_collate("A", "ab") < 0);
	assert_true(sr_path_collate("SKILL.md", "skill.mdx") < 0);
	assert_int_equal(sr_path_collate("SKILL.md", "SKILL.md"), 0);
	assert_int_equal(sr_path_collate("", ""), 0);
	assert_true(sr_path_collate("", "a") < 0);
}

/*
 * Tab, LF, VT, FF and CR sort before the space; other controls are ignorable in ICU, so
 * they only matter when nothing else differs, and then byte order decides.
 */
static void test_controls(void **state)
{
	static const char *const ws[] = { "a\tb", "a\nb", "a\vb", "a\fb", "a\rb", "a b", "a_b" };
	assert_chain(ws, COUNT(ws));

	assert_true(sr_path_collate("a\x01" "c", "ab") > 0);
	assert_true(sr_path_collate("a\x7f" "a", "ab") < 0);
	assert_true(sr_path_collate("a\x01" "b", "ab") < 0);
	assert_true(sr_path_collate("ab", "a\x01" "b") > 0);
	assert_true(sr_path_collate("a\x01" "b", "a\x02" "b") < 0);
}

/*
 * Non-ASCII code points follow every ASCII letter, by code point. This chain is one where
 * that agrees with ICU (Latin, Greek, Cyrillic, Han); ICU would put "é" beside "e" and
 * "ω" before "Ω", which this module deliberately does not attempt.
 */
static void test_non_ascii(void **state)
{
	static const char *const agree[] = {
		"z.md", "Zz.md", "\xcf\x89.md" /* ω */, "\xd0\xb0.md" /* Cyrillic а */,
		"\xe4\xb8\xad\xe6\x96\x87.md" /* 中文 */, "\xe6\x97\xa5\xe6\x9c\xac.md" /* 日本 */,
	};
	assert_chain(agree, COUNT(agree));

	assert_true(sr_path_collate("\xc3\xa9.md" /* é */, "z") > 0);
	assert_true(sr_path_collate("\xc3\xa9", "\xc3\xbc") < 0);

	/* Malformed UTF-8 still orders deterministically and antisymmetrically. */
	static const char *const odd[] = { "\xc3", "\xc3\x28", "\xe2\x82", "\xf8\x88\x80\x80",
					   "\xed\xa0\x80", "\xc0\xaf", "\xff", "\xfe" };
	for (size_t i = 0; i < COUNT(odd); i++) {
		assert_true(sr_path_collate(odd[i], "zzz") > 0);
		for (size_t j = 0; j < COUNT(odd); j++) {
			int ab = sign(sr_path_collate(odd[i], odd[j]));
			int ba = sign(sr_path_collate(odd[j], odd[i]));
			assert_int_equal(ab, -ba);
			assert_int_equal(ab == 0, i == j);
		}
	}
}

static void test_fingerprint_vector(void **state)
{
	sr_fp_entry e[] = {
		{ "SKILL.md", "68eaff2e0ad625c09e03f870bacab663b6ac5a8051cf21149cce0bbe5b1151d5" },
		{ "notes.txt", "d7ec5748c14f611bd69f4c0a5e3281e2d6b930aeabd615ce036c4a6e24f5e78a" },
	};
	char fp[65];

	assert_int_equal(sr_fingerprint(e, COUNT(e), fp), 0);
	assert_string_equal(fp, "5aeb0cc1c2c50d0fe22ceff19b669a06b269dbc18840bfb3263e7ab218a8e64c");
	assert_string_equal(e[0].path, "notes.txt");
	assert_string_equal(e[1].path, "SKILL.md");

	/* Input order does not matter. */
	assert_int_equal(sr_fingerprint(e, COUNT(e), fp), 0);
	assert_string_equal(fp, "5aeb0cc1c2c50d0fe22ceff19b669a06b269dbc18840bfb3263e7ab218a8e64c");
}

/* A larger vector where byte order would give a different answer (a1a18bde...). */
static void test_fingerprint_mixed(void **state)
{
	sr_fp_entry e[] = {
		{ "SKILL.md", "9c53c074d7ac6a2728b638ac1f376c5fa9eb8f71603017c3ea638c2fd40548df" },
		{ "scripts/run.sh", "acba25512100f80b56fc3ccd14c65be55d94800cda77585c5f41a887e398f9be" },
		{ "_meta.json", "ea3bd73e2b506e00527232b3ed743c066da83a8e3066f62a71e75eb9b4aa1db6" },
		{ "a-b.md", "fb8e20fc2e4c3f248c60c39bd652f3c1347298bb977b8b4d5903b85055620603" },
		{ "A.md", "559aead08264d5795d3909718cdd05abd49572e84fe55590eef31a88a08fdffd" },
		{ "a.md", "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb" },
		{ "scripts-old/x", "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881" },
	};
	static const char *const order[] = {
		"_meta.json", "a-b.md", "a.md", "A.md", "scripts-old/x", "scripts/run.sh", "SKILL.md",
	};
	char fp[65];

	assert_int_equal(sr_fingerprint(e, COUNT(e), fp), 0);
	assert_string_equal(fp, "979e41ce970aa83cdfc8f0a741c8502873a8ceecf893b60ab72fb393ca86e784");
	for (size_t i = 0; i < COUNT(order); i++)
		assert_string_equal(e[i].path, order[i]);
}

/* Entries with an empty or missing path or hash take no part, as in the CLI. */
static void test_fingerprint_skips_empty(void **state)
{
	sr_fp_entry e[] = {
		{ "", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" },
		{ "SKILL.md", "68eaff2e0ad625c09e03f870bacab663b6ac5a8051cf21149cce0bbe5b1151d5" },
		{ "ignored.md", "" },
		{ NULL, "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" },
		{ "notes.txt", "d7ec5748c14f611bd69f4c0a5e3281e2d6b930aeabd615ce036c4a6e24f5e78a" },
		{ "also-ignored.md", NULL },
	};
	char fp[65];

	assert_int_equal(sr_fingerprint(e, COUNT(e), fp), 0);
	assert_string_equal(fp, "5aeb0cc1c2c50d0fe22ceff19b669a06b269dbc18840bfb3263e7ab218a8e64c");
}

/* No files hash the empty string. */
static void test_fingerprint_empty(void **state)
{
	sr_fp_entry e[] = { { "", "" } };
	char fp[65];

	assert_int_equal(sr_fingerprint(NULL, 0, fp), 0);
	assert_string_equal(fp, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_int_equal(sr_fingerprint(e, 1, fp), 0);
	assert_string_equal(fp, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_node_order_pairs),
		cmocka_unit_test(test_sort_permutations),
		cmocka_unit_test(test_reference_examples),
		cmocka_unit_test(test_case_is_tertiary),
		cmocka_unit_test(test_controls),
		cmocka_unit_test(test_non_ascii),
		cmocka_unit_test(test_fingerprint_vector),
		cmocka_unit_test(test_fingerprint_mixed),
		cmocka_unit_test(test_fingerprint_skips_empty),
		cmocka_unit_test(test_fingerprint_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
