/*
 * test_semver.c - semver.c: what parses, what does not, and precedence.
 *
 * The accept/reject tables were checked against npm's semver 7 (`semver.valid`), except
 * where semver.h says skillreg is stricter (a leading `v`, surrounding white space).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/err.h"
#include "registry/semver.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void test_valid(void **state)
{
	static const char *const ok[] = {
		"0.0.0",
		"1.0.0",
		"1.2.3",
		"10.20.30",
		"1.0.0-alpha",
		"1.0.0-alpha.1",
		"1.0.0-alpha.1+build",
		"1.0.0-0",
		"1.0.0-0.3.7",
		"1.0.0-x.7.z.92",
		"1.0.0-x-y-z.--",
		"1.0.0--",
		"1.0.0-01a",
		"1.0.0-a0",
		"1.0.0-99999999999999999999",
		"1.0.0+001",
		"1.0.0+20130313144700",
		"1.0.0+exp.sha.5114f85",
		"1.0.0+-",
		"1.0.0-beta+exp.sha.5114f85",
		"1.0.0-alpha+001",
		"1.2.3-SNAPSHOT-123",
		"2.0.0-rc.1+build.123",
		"9007199254740991.9007199254740991.9007199254740991",
	};
	for (size_t i = 0; i < COUNT(ok); i++) {
		if (sr_semver_parse(ok[i], NULL) != 0)
			fail_msg("expected valid: %s", ok[i]);
	}
}

static void test_invalid(void **state)
{
	static const char *const bad[] = {
		"",
		"1",
		"1.0",
		"1.0.0.0",
		"1.0.",
		".1.0.0",
		"01.0.0",
		"1.01.0",
		"1.0.01",
		"00.0.0",
		"v1.0.0",
		"V1.0.0",
		"=1.0.0",
		" 1.0.0",
		"1.0.0 ",
		"1.0.0\n",
		"1.0.0-",
		"1.0.0+",
		"1.0.0-+",
		"1.0.0-+build",
		"1.0.0-alpha.",
		"1.0.0-.alpha",
		"1.0.0-alpha..1",
		"1.0.0+build.",
		"1.0.0+build..1",
		"1.0.0-01",
		"1.0.0-alpha.01",
		"1.0.0-00",
		"1.0.0-a_b",
		"1.0.0-a b",
		"1.0.0+a_b",
		"1.0.0-alpha+build+more",
		"1.0.0-é",
		"-1.0.0",
		"1.-1.0",
		"1.0.0alpha",
		"a.b.c",
		"1.0.0-alpha\x01",
		"9007199254740992.0.0",
		"0.9007199254740992.0",
		"0.0.9007199254740992",
		"18446744073709551616.0.0",
		"99999999999999999999999.0.0",
	};
	for (size_t i = 0; i < COUNT(bad); i++) {
		if (sr_semver_parse(bad[i], NULL) != SR_EINVAL)
			fail_msg("expected invalid: \"%s\"", bad[i]);
	}
	assert_int_equal(sr_semver_parse(NULL, NULL), SR_EINVAL);
}

/* npm refuses anything longer than 256 characters, whatever it is made of. */
static void test_max_length(void **state)
{
	char s[300];

	strcpy(s, "1.0.0-");
	memset(s + 6, 'a', 250);
	s[256] = '\0';
	assert_int_equal(sr_semver_parse(s, NULL), 0);

	s[256] = 'a';
	s[257] = '\0';
	assert_int_equal(sr_semver_parse(s, NULL), SR_EINVAL);

	strcpy(s, "1.0.0+");
	memset(s + 6, 'b', 251);
	s[257] = '\0';
	assert_int_equal(sr_semver_parse(s, NULL), SR_EINVAL);
}

static void test_fields(void **state)
{
	sr_semver v;

	assert_int_equal(sr_semver_parse("12.34.56-rc.1+build.7", &v), 0);
	assert_true(v.major == 12 && v.minor == 34 && v.patch == 56);
	assert_int_equal(v.pre_len, 4);
	assert_memory_equal(v.pre, "rc.1", 4);
	assert_int_equal(v.build_len, 7);
	assert_memory_equal(v.build, "build.7", 7);

	assert_int_equal(sr_semver_parse("1.2.3+meta", &v), 0);
	assert_null(v.pre);
	assert_int_equal(v.pre_len, 0);
	assert_memory_equal(v.build, "meta", 4);

	assert_int_equal(sr_semver_parse("1.2.3", &v), 0);
	assert_null(v.pre);
	assert_null(v.build);

	assert_int_equal(sr_semver_parse("9007199254740991.0.0", &v), 0);
	assert_true(v.major == UINT64_C(9007199254740991));

	/* A failed parse leaves the output alone. */
	v.major = 77;
	assert_int_equal(sr_semver_parse("1.2", &v), SR_EINVAL);
	assert_true(v.major == 77);
}

static int sign(int c)
{
	return (c > 0) - (c < 0);
}

static void assert_order(const char *const *chain, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			int want = sign((int)i - (int)j);
			int got = sign(sr_semver_cmp_str(chain[i], chain[j]));
			if (got != want)
				fail_msg("cmp(%s, %s) = %d, want %d", chain[i], chain[j], got, want);
		}
	}
}

/* The example chain of semver.org section 11, then the core-number rules. */
static void test_precedence(void **state)
{
	static const char *const spec[] = {
		"1.0.0-alpha",
		"1.0.0-alpha.1",
		"1.0.0-alpha.beta",
		"1.0.0-beta",
		"1.0.0-beta.2",
		"1.0.0-beta.11",
		"1.0.0-rc.1",
		"1.0.0",
	};
	static const char *const core[] = {
		"0.0.0",
		"0.0.1",
		"0.0.2",
		"0.0.10",
		"0.1.0",
		"0.9.0",
		"0.10.0",
		"1.0.0",
		"1.9.0",
		"1.10.0",
		"1.11.0",
		"2.0.0-0",
		"2.0.0",
		"2.1.0",
		"2.1.1",
		"10.0.0",
		"9007199254740991.0.0",
	};
	/*
	 * Numeric identifiers sort before alphanumeric ones and numerically among themselves,
	 * at any size; alphanumeric ones sort by ASCII, so upper case comes first.
	 */
	static const char *const pre[] = {
		"1.0.0-0",
		"1.0.0-1",
		"1.0.0-2",
		"1.0.0-10",
		"1.0.0-99999999999999999998",
		"1.0.0-99999999999999999999",
		"1.0.0-100000000000000000000",
		"1.0.0--",
		"1.0.0-0a",
		"1.0.0-1a",
		"1.0.0-A",
		"1.0.0-Z",
		"1.0.0-a",
		"1.0.0-a.0",
		"1.0.0-a.1",
		"1.0.0-a.a",
		"1.0.0-a.a.0",
		"1.0.0-a-",
		"1.0.0-aa",
		"1.0.0-b",
		"1.0.0-beta",
		"1.0.0-beta.0",
		"1.0.0-z",
	};
	assert_order(spec, COUNT(spec));
	assert_order(core, COUNT(core));
	assert_order(pre, COUNT(pre));
}

static void test_build_ignored(void **state)
{
	assert_int_equal(sr_semver_cmp_str("1.0.0+a", "1.0.0+b"), 0);
	assert_int_equal(sr_semver_cmp_str("1.0.0+a", "1.0.0"), 0);
	assert_int_equal(sr_semver_cmp_str("1.0.0-rc.1+x", "1.0.0-rc.1+y.z"), 0);
	assert_true(sr_semver_cmp_str("1.0.0-rc.1+zzz", "1.0.0-rc.2+aaa") < 0);
	assert_true(sr_semver_cmp_str("1.0.0+zzz", "1.0.1+aaa") < 0);
}

static void test_cmp_struct(void **state)
{
	sr_semver a, b;

	assert_int_equal(sr_semver_parse("1.2.3-beta.2", &a), 0);
	assert_int_equal(sr_semver_parse("1.2.3-beta.11", &b), 0);
	assert_true(sr_semver_cmp(&a, &b) < 0);
	assert_true(sr_semver_cmp(&b, &a) > 0);
	assert_int_equal(sr_semver_cmp(&a, &a), 0);
}

static void test_cmp_str_invalid(void **state)
{
	assert_true(sr_semver_cmp_str("not-a-version", "0.0.0") < 0);
	assert_true(sr_semver_cmp_str("0.0.0-0", "v9.9.9") > 0);
	assert_true(sr_semver_cmp_str(NULL, "1.0.0") < 0);
	assert_int_equal(sr_semver_cmp_str("junk", "other junk"), 0);
	assert_int_equal(sr_semver_cmp_str(NULL, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_max_length),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_build_ignored),
		cmocka_unit_test(test_cmp_struct),
		cmocka_unit_test(test_cmp_str_invalid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
