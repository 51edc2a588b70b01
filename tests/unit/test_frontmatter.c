/*
 * test_frontmatter.c - SKILL.md frontmatter: finding the block, YAML to JSON, the ceilings
 * and the platform metadata a list row shows.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "registry/frontmatter.h"

static char errbuf[256];

static int parse(const char *md, sr_frontmatter *fm)
{
	errbuf[0] = '\0';
	return sr_frontmatter_parse(md, strlen(md), fm, errbuf, sizeof(errbuf));
}

/* Parses md expecting failure with rc and an error message containing want. */
static void expect_fail(const char *md, size_t len, int rc, const char *want)
{
	sr_frontmatter fm;
	errbuf[0] = '\0';
	assert_int_equal(sr_frontmatter_parse(md, len, &fm, errbuf, sizeof(errbuf)), rc);
	assert_null(fm.name);
	assert_null(fm.description);
	assert_null(fm.metadata_json);
	assert_null(fm.frontmatter_json);
	if (!strstr(errbuf, want))
		fail_msg("error '%s' does not mention '%s'", errbuf, want);
	sr_frontmatter_deinit(&fm);
}

static void expect_metadata(const char *md, const char *want)
{
	sr_frontmatter fm;
	assert_int_equal(parse(md, &fm), 0);
	if (want)
		assert_string_equal(fm.metadata_json, want);
	else
		assert_null(fm.metadata_json);
	sr_frontmatter_deinit(&fm);
}

static void test_no_frontmatter(void **state)
{
	static const char *docs[] = {
		"",
		"# Title\n\nSome text.\n",
		"--- \nname: x\n---\n",  /* a fence has nothing after the dashes */
		"----\nname: x\n----\n",
		"\n---\nname: x\n---\n", /* the fence must be the first line */
		"name: x\n---\n",
	};
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		sr_frontmatter fm;
		assert_int_equal(parse(docs[i], &fm), 0);
		assert_null(fm.name);
		assert_null(fm.description);
		assert_null(fm.metadata_json);
		assert_string_equal(fm.frontmatter_json, "{}");
		sr_frontmatter_deinit(&fm);
	}
}

static void test_basic(void **state)
{
	sr_frontmatter fm;
	assert_int_equal(parse("---\nname: '  my-skill  '\ndescription: Finds GIFs.\n---\n"
			       "# GifGrep\n\n---\n\nmore: text\n",
			       &fm),
			 0);
	assert_string_equal(fm.name, "my-skill");
	assert_string_equal(fm.description, "Finds GIFs.");
	assert_null(fm.metadata_json);
	assert_string_equal(fm.frontmatter_json,
			    "{\"name\":\"  my-skill  \",\"description\":\"Finds GIFs.\"}");
	sr_frontmatter_deinit(&fm);
	/* deinit leaves the struct reusable and is safe to repeat. */
	sr_frontmatter_deinit(&fm);
	sr_frontmatter_deinit(NULL);
}

static void test_empty_block(void **state)
{
	static const char *docs[] = {"---\n---\n", "---\n# only a comment\n\n---\nbody\n"};
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		sr_frontmatter fm;
		assert_int_equal(parse(docs[i], &fm), 0);
		assert_null(fm.name);
		assert_string_equal(fm.frontmatter_json, "{}");
		sr_frontmatter_deinit(&fm);
	}
}

static void test_line_endings_and_fences(void **state)
{
	static const char *docs[] = {
		"---\r\nname: a\r\ndescription: b\r\n---\r\nbody\r\n",
		"\xEF\xBB\xBF---\nname: a\ndescription: b\n---\n",
		"\xEF\xBB\xBF---\r\nname: a\r\ndescription: b\r\n...\r\n",
		"---\nname: a\ndescription: b\n...\n",
		"---\nname: a\ndescription: b\n---",   /* closing fence at the very end */
		"---\nname: a\ndescription: b\n---\r", /* ... with a lone CR */
	};
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		sr_frontmatter fm;
		assert_int_equal(parse(docs[i], &fm), 0);
		assert_string_equal(fm.name, "a");
		assert_string_equal(fm.description, "b");
		assert_string_equal(fm.frontmatter_json, "{\"name\":\"a\",\"description\":\"b\"}");
		sr_frontmatter_deinit(&fm);
	}
}

static void test_unclosed(void **state)
{
	const char *md = "---\nname: a\ndescription: b\n";
	expect_fail(md, strlen(md), SR_EINVAL, "SKILL.md frontmatter is not closed");
	expect_fail("---", 3, SR_EINVAL, "not closed");
	expect_fail("---\r\n", 5, SR_EINVAL, "not closed");
	/* "---" inside a line does not close the block. */
	md = "---\nname: a\n--- x\n";
	expect_fail(md, strlen(md), SR_EINVAL, "not closed");
}

static void test_invalid_yaml(void **state)
{
	const char *md = "---\nname: a\ndescription: b\n  c: d\n---\n";
	expect_fail(md, strlen(md), SR_EINVAL, "invalid YAML");
	expect_fail(md, strlen(md), SR_EINVAL, "line 4");
	expect_fail(md, strlen(md), SR_EINVAL, "mapping values are not allowed");

	md = "---\nname: [a, b\n---\n";
	expect_fail(md, strlen(md), SR_EINVAL, "invalid YAML");
	md = "---\nname: \"unterminated\n---\n";
	expect_fail(md, strlen(md), SR_EINVAL, "invalid YAML");
	md = "---\nname: a\tb\n\tdescription: x\n---\n";
	expect_fail(md, strlen(md), SR_EINVAL, "invalid YAML");
	/* Invalid UTF-8 is refused by libyaml before it can reach the JSON. */
	md = "---\nname: \xff\xfe\n---\n";
	expect_fail(md, strlen(md), SR_EINVAL, "invalid YAML");
	/* A NUL byte in the middle of the block. */
	static const char nul[] = "---\nname: a\0b\n---\n";
	expect_fail(nul, sizeof(nul) - 1, SR_EINVAL, "invalid YAML");
}

static void test_not_a_mapping(void **state)
{
	const char *md = "---\n- a\n- b\n---\n";
	expect_fail(md, strlen(md), SR_EINVAL, "not a YAML mapping");
	md = "---\njust a sentence\n---\n";
	expect_fail(md, strlen(md), SR_EINVAL, "not a YAML mapping");
	md = "---\n~\n---\n";
	expect_fail(md, strlen(md), SR_EINVAL, "not a YAML mapping");
	md = "---\n? [a, b]\n: c\n---\n";
	expect_fail(md, strlen(md), SR_EINVAL, "not a scalar");
	md = "---\na: 1\n--- b\n---\n";
	expect_fail(md, strlen(md), SR_EINVAL, "more than one YAML document");
}

static void test_rejects(void **state)
{
	const char *md = "---\na: &x [1, 2]\nb: *x\n---\n";
	expect_fail(md, strlen(md), SR_EINVAL, "YAML aliases are not supported");
	md = "---\na: &x [lol, lol]\nb: [*x, *x, *x, *x, *x, *x, *x, *x, *x]\n---\n";
	expect_fail(md, strlen(md), SR_EINVAL, "YAML aliases are not supported");
	md = "---\nname: a\nname: b\n---\n";
	expect_fail(md, strlen(md), SR_EINVAL, "duplicate key 'name'");
	md = "---\nname: \"a\\0b\"\n---\n";
	expect_fail(md, strlen(md), SR_EINVAL, "NUL");
}

/* "---\nd: " then depth nested flow sequences around a 1, then the closing fence. */
static char *nested(int depth)
{
	size_t n = (size_t)depth * 2 + 32;
	char *md = malloc(n);
	assert_non_null(md);
	char *p = md;
	memcpy(p, "---\nd: ", 7);
	p += 7;
	for (int i = 0; i < depth; i++)
		*p++ = '[';
	*p++ = '1';
	for (int i = 0; i < depth; i++)
		*p++ = ']';
	memcpy(p, "\n---\n", 6);
	return md;
}

static void test_depth_ceiling(void **state)
{
	sr_frontmatter fm;
	/* The root mapping is the first level, so 31 sequences inside it make 32. */
	char *md = nested(31);
	assert_int_equal(parse(md, &fm), 0);
	sr_frontmatter_deinit(&fm);
	free(md);

	md = nested(32);
	expect_fail(md, strlen(md), SR_ETOOBIG, "nested deeper than 32");
	free(md);
	md = nested(5000);
	expect_fail(md, strlen(md), SR_ETOOBIG, "nested deeper");
	free(md);
}

/* "---\nd: [0,0,...]\n---\n" with items zeros; the document has items + 3 nodes (the root,
 * the key and the sequence). */
static char *many(size_t items)
{
	char *md = malloc(items * 2 + 32);
	assert_non_null(md);
	char *p = md;
	memcpy(p, "---\nd: [", 8);
	p += 8;
	for (size_t i = 0; i < items; i++) {
		*p++ = '0';
		*p++ = ',';
	}
	memcpy(p - 1, "]\n---\n", 7);
	return md;
}

static void test_node_ceiling(void **state)
{
	sr_frontmatter fm;
	char *md = many(9997);
	assert_int_equal(parse(md, &fm), 0);
	sr_frontmatter_deinit(&fm);
	free(md);

	md = many(9998);
	expect_fail(md, strlen(md), SR_ETOOBIG, "more than 10000 nodes");
	free(md);
}

/* A frontmatter block of exactly n bytes: "d: xxxx...\n". */
static char *sized(size_t n, int closed)
{
	char *md = malloc(n + 16);
	assert_non_null(md);
	memcpy(md, "---\nd: ", 7);
	memset(md + 7, 'x', n - 4);
	const char *tail = closed ? "\n---\nbody\n" : "\n";
	memcpy(md + 7 + n - 4, tail, strlen(tail) + 1);
	return md;
}

static void test_size_ceiling(void **state)
{
	sr_frontmatter fm;
	char *md = sized(64 * 1024, 1);
	assert_int_equal(parse(md, &fm), 0);
	assert_int_equal(strlen(fm.frontmatter_json), 64 * 1024 - 4 + strlen("{\"d\":\"\"}"));
	sr_frontmatter_deinit(&fm);
	free(md);

	md = sized(64 * 1024 + 1, 1);
	expect_fail(md, strlen(md), SR_ETOOBIG, "larger than 65536 bytes");
	free(md);

	/* A long document whose fence never closes stops at the ceiling, too. */
	md = sized(1024 * 1024, 0);
	expect_fail(md, strlen(md), SR_ETOOBIG, "larger than");
	free(md);
}

static void test_clawdbot_metadata(void **state)
{
	sr_frontmatter fm;
	const char *md = "---\n"
			 "name: gifgrep\n"
			 "metadata:\n"
			 "  clawdbot:\n"
			 "    requires:\n"
			 "      env: [API_KEY, 3, OTHER]\n"
			 "      config:\n"
			 "        - cfg.path\n"
			 "        - API_KEY\n"
			 "    envVars:\n"
			 "      - name: OPTIONAL_KEY\n"
			 "        description: optional\n"
			 "      - name: REQ2\n"
			 "        required: true\n"
			 "      - name: NOT_BOOL\n"
			 "        required: \"true\"\n"
			 "      - PLAIN\n"
			 "      - OTHER\n"
			 "      - 42\n"
			 "      - {required: true}\n"
			 "      - [NESTED]\n"
			 "    os: [linux, 7, darwin]\n"
			 "    nix:\n"
			 "      systems:\n"
			 "        - x86_64-linux\n"
			 "        - aarch64-darwin\n"
			 "---\n";
	assert_int_equal(parse(md, &fm), 0);
	assert_string_equal(fm.name, "gifgrep");
	assert_null(fm.description);
	assert_string_equal(fm.metadata_json,
			    "{\"setup\":["
			    "{\"key\":\"API_KEY\",\"required\":true},"
			    "{\"key\":\"OTHER\",\"required\":true},"
			    "{\"key\":\"cfg.path\",\"required\":true},"
			    "{\"key\":\"OPTIONAL_KEY\",\"required\":false},"
			    "{\"key\":\"REQ2\",\"required\":true},"
			    "{\"key\":\"NOT_BOOL\",\"required\":false},"
			    "{\"key\":\"PLAIN\",\"required\":false}],"
			    "\"os\":[\"linux\",\"darwin\"],"
			    "\"systems\":[\"x86_64-linux\",\"aarch64-darwin\"]}");
	sr_frontmatter_deinit(&fm);
}

static void test_metadata_blocks(void **state)
{
	/* openclaw, with a lone os string and no nix. */
	expect_metadata("---\nmetadata:\n  openclaw:\n    os: linux\n---\n",
			"{\"setup\":[],\"os\":[\"linux\"],\"systems\":null}");
	/* os that is neither a list nor a string, systems that hold no strings. */
	expect_metadata("---\nmetadata:\n  openclaw:\n    os: {a: b}\n    nix: {systems: [1]}\n---\n",
			"{\"setup\":[],\"os\":null,\"systems\":[]}");
	/* clawdbot comes before clawdis, which comes before openclaw. */
	expect_metadata("---\nmetadata:\n  openclaw: {os: [c]}\n  clawdis: {os: [b]}\n"
			"  clawdbot: {os: [a]}\n---\n",
			"{\"setup\":[],\"os\":[\"a\"],\"systems\":null}");
	expect_metadata("---\nmetadata:\n  openclaw: {os: [c]}\n  clawdis: {os: [b]}\n---\n",
			"{\"setup\":[],\"os\":[\"b\"],\"systems\":null}");
	/* A block that is not an object does not count as present. */
	expect_metadata("---\nmetadata:\n  clawdbot: yes\n  openclaw: {os: [c]}\n---\n",
			"{\"setup\":[],\"os\":[\"c\"],\"systems\":null}");
	/* Top-level clawdis, used only when metadata has no block. */
	expect_metadata("---\nclawdis:\n  requires:\n    env: [TOKEN]\n---\n",
			"{\"setup\":[{\"key\":\"TOKEN\",\"required\":true}],\"os\":null,"
			"\"systems\":null}");
	expect_metadata("---\nclawdis: {os: [x]}\nmetadata: {clawdbot: {os: [y]}}\n---\n",
			"{\"setup\":[],\"os\":[\"y\"],\"systems\":null}");
	/* No block at all. */
	expect_metadata("---\nname: a\nmetadata:\n  other: {os: [linux]}\n---\n", NULL);
	expect_metadata("---\nname: a\nmetadata: 12\n---\n", NULL);
	expect_metadata("---\nname: a\nos: [linux]\n---\n", NULL);
}

static void test_metadata_json_forms(void **state)
{
	const char *want = "{\"setup\":[{\"key\":\"X\",\"required\":true}],\"os\":[\"darwin\"],"
			   "\"systems\":null}";
	/* JSON written as a YAML flow mapping. */
	expect_metadata("---\nname: a\nmetadata: {\"clawdbot\":{\"requires\":{\"env\":[\"X\"]},"
			"\"os\":[\"darwin\"]}}\n---\n",
			want);
	/* JSON inside a YAML string. */
	expect_metadata("---\nname: a\nmetadata: '{\"clawdbot\":{\"requires\":{\"env\":[\"X\"]},"
			"\"os\":[\"darwin\"]}}'\n---\n",
			want);
	/* A string that is not a JSON object gives no metadata. */
	expect_metadata("---\nmetadata: '[1, 2]'\n---\n", NULL);
	expect_metadata("---\nmetadata: '{not json'\n---\n", NULL);

	sr_frontmatter fm;
	assert_int_equal(parse("---\nmetadata: '{\"description\":\"from json\"}'\n---\n", &fm), 0);
	assert_string_equal(fm.description, "from json");
	/* frontmatter_json keeps what was written: a string. */
	assert_string_equal(fm.frontmatter_json,
			    "{\"metadata\":\"{\\\"description\\\":\\\"from json\\\"}\"}");
	sr_frontmatter_deinit(&fm);
}

static void test_description_fallback(void **state)
{
	sr_frontmatter fm;
	assert_int_equal(parse("---\nmetadata:\n  description: '  From meta '\n---\n", &fm), 0);
	assert_string_equal(fm.description, "From meta");
	assert_null(fm.metadata_json);
	sr_frontmatter_deinit(&fm);

	assert_int_equal(parse("---\ndescription: top\nmetadata: {description: meta}\n---\n", &fm),
			 0);
	assert_string_equal(fm.description, "top");
	sr_frontmatter_deinit(&fm);

	/* A non-string or blank description does not hide metadata.description. */
	assert_int_equal(parse("---\ndescription: 5\nmetadata: {description: meta}\n---\n", &fm), 0);
	assert_string_equal(fm.description, "meta");
	sr_frontmatter_deinit(&fm);
	assert_int_equal(parse("---\ndescription: ' '\nmetadata: {description: meta}\n---\n", &fm),
			 0);
	assert_string_equal(fm.description, "meta");
	sr_frontmatter_deinit(&fm);

	/* A non-string name is treated as absent. */
	assert_int_equal(parse("---\nname: 123\n---\n", &fm), 0);
	assert_null(fm.name);
	sr_frontmatter_deinit(&fm);
	assert_int_equal(parse("---\nname: [a]\n---\n", &fm), 0);
	assert_null(fm.name);
	sr_frontmatter_deinit(&fm);
}

static void test_scalar_types(void **state)
{
	sr_frontmatter fm;
	const char *md = "---\n"
			 "t: true\n"
			 "t2: True\n"
			 "t3: TRUE\n"
			 "f: false\n"
			 "f2: False\n"
			 "f3: FALSE\n"
			 "yes: yes\n"
			 "n: ~\n"
			 "n2: null\n"
			 "n3: NULL\n"
			 "e:\n"
			 "i: 42\n"
			 "neg: -7\n"
			 "pos: +3\n"
			 "lead: 007\n"
			 "hex: 0x1F\n"
			 "oct: 0o17\n"
			 "fl: 1.5\n"
			 "exp: 2e3\n"
			 "dot: .5\n"
			 "ver: 1.0\n"
			 "semver: 1.2.3\n"
			 "big: 123456789012345678901234\n"
			 "inf: .inf\n"
			 "nan: .nan\n"
			 "q: \"true\"\n"
			 "sq: '42'\n"
			 "qn: 'null'\n"
			 "tagged: !!str 12\n"
			 "s: hello world\n"
			 "utf8: héllo ✓\n"
			 "date: 2024-01-02\n"
			 "list: [1, \"2\", x, null, false]\n"
			 "map: {a: 1, 2: b}\n"
			 "folded: >\n"
			 "  one\n"
			 "  two\n"
			 "---\n";
	assert_int_equal(parse(md, &fm), 0);
	assert_string_equal(fm.frontmatter_json,
			    "{\"t\":true,\"t2\":true,\"t3\":true,"
			    "\"f\":false,\"f2\":false,\"f3\":false,\"yes\":\"yes\","
			    "\"n\":null,\"n2\":null,\"n3\":null,\"e\":null,"
			    "\"i\":42,\"neg\":-7,\"pos\":3,\"lead\":7,\"hex\":31,\"oct\":15,"
			    "\"fl\":1.5,\"exp\":2000.0,\"dot\":0.5,\"ver\":1.0,\"semver\":\"1.2.3\","
			    "\"big\":1.2345678901234569e23,\"inf\":\".inf\",\"nan\":\".nan\","
			    "\"q\":\"true\",\"sq\":\"42\",\"qn\":\"null\",\"tagged\":\"12\","
			    "\"s\":\"hello world\",\"utf8\":\"héllo ✓\",\"date\":\"2024-01-02\","
			    "\"list\":[1,\"2\",\"x\",null,false],"
			    "\"map\":{\"a\":1,\"2\":\"b\"},"
			    "\"folded\":\"one two\\n\"}");
	sr_frontmatter_deinit(&fm);
}

static void test_null_err(void **state)
{
	/* The error buffer is optional. */
	sr_frontmatter fm;
	const char *md = "---\n- a\n---\n";
	assert_int_equal(sr_frontmatter_parse(md, strlen(md), &fm, NULL, 0), SR_EINVAL);
	char tiny[8];
	assert_int_equal(sr_frontmatter_parse(md, strlen(md), &fm, tiny, sizeof(tiny)), SR_EINVAL);
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_frontmatter),
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_empty_block),
		cmocka_unit_test(test_line_endings_and_fences),
		cmocka_unit_test(test_unclosed),
		cmocka_unit_test(test_invalid_yaml),
		cmocka_unit_test(test_not_a_mapping),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_depth_ceiling),
		cmocka_unit_test(test_node_ceiling),
		cmocka_unit_test(test_size_ceiling),
		cmocka_unit_test(test_clawdbot_metadata),
		cmocka_unit_test(test_metadata_blocks),
		cmocka_unit_test(test_metadata_json_forms),
		cmocka_unit_test(test_description_fallback),
		cmocka_unit_test(test_scalar_types),
		cmocka_unit_test(test_null_err),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
