/*
 * test_proxy_client.c - the client address behind trusted proxies (src/http/proxy.c): range
 * parsing, and which address X-Forwarded-For / X-Real-IP give from a trusted peer and from
 * any other. The end-to-end check through a server is tests/http/test_proxy.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/err.h"
#include "http/proxy.h"

static sr_http_cidr ranges[4];
static int nranges;

static void trust(const char *text)
{
	assert_int_equal(sr_http_cidr_parse(text, strlen(text), &ranges[nranges++]), 0);
}

static const char *client(const char *peer, const char *xff1, const char *xff2, const char *real_ip)
{
	static char out[64];
	const char *xff[2] = {xff1, xff2};
	int n = xff2 ? 2 : xff1 ? 1 : 0;
	sr__proxy_client(ranges, nranges, peer, xff, n, real_ip, out, sizeof(out));
	return out;
}

static void test_parse(void **state)
{
	(void)state;
	static const char *const bad[] = {"", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/8x", "10.0.0/8", "::1/129",
					  "host.example/8", "10.0.0.0/-1", "10.0.0.0/0008"};
	sr_http_cidr c;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sr_http_cidr_parse(bad[i], strlen(bad[i]), &c), SR_EINVAL);
	/* Host bits are cleared; IPv4 ranges also match IPv4-mapped peers. */
	nranges = 0;
	trust("10.1.2.3/8");
	assert_true(sr__proxy_trusted(ranges, nranges, "10.200.0.1", 10));
	assert_true(sr__proxy_trusted(ranges, nranges, "::ffff:10.0.0.9", 15));
	assert_false(sr__proxy_trusted(ranges, nranges, "11.0.0.1", 8));
	trust("fd00::/8");
	assert_true(sr__proxy_trusted(ranges, nranges, "fdab::1", 7));
	assert_false(sr__proxy_trusted(ranges, nranges, "fe80::1", 7));
	trust("192.0.2.5");
	assert_true(sr__proxy_trusted(ranges, nranges, "192.0.2.5", 9));
	assert_false(sr__proxy_trusted(ranges, nranges, "192.0.2.6", 9));
	trust("0.0.0.0/0");
	assert_true(sr__proxy_trusted(ranges, nranges, "8.8.8.8", 7));
	assert_false(sr__proxy_trusted(ranges, nranges, "not an address", 14));
}

static void test_client(void **state)
{
	(void)state;
	nranges = 0;
	trust("127.0.0.1/32");
	trust("10.0.0.0/8");
	/* From an untrusted peer the headers are ignored. */
	assert_string_equal(client("192.0.2.1", "198.51.100.1", NULL, "198.51.100.2"), "192.0.2.1");
	/* From a trusted one: the right-most untrusted address. */
	assert_string_equal(client("127.0.0.1", "198.51.100.1", NULL, NULL), "198.51.100.1");
	assert_string_equal(client("127.0.0.1", "6.6.6.6, 198.51.100.1", NULL, NULL), "198.51.100.1");
	assert_string_equal(client("127.0.0.1", "198.51.100.1, 10.0.0.2 ,10.1.1.1", NULL, NULL), "198.51.100.1");
	/* Across several headers, in order. */
	assert_string_equal(client("127.0.0.1", "6.6.6.6", "198.51.100.1, 10.0.0.2", NULL), "198.51.100.1");
	/* All trusted: the left-most. */
	assert_string_equal(client("127.0.0.1", "10.0.0.3, 10.0.0.2", NULL, NULL), "10.0.0.3");
	/* Garbage stops the walk at the trusted hop right of it, or at the peer. */
	assert_string_equal(client("127.0.0.1", "garbage, 10.0.0.2", NULL, NULL), "10.0.0.2");
	assert_string_equal(client("127.0.0.1", "198.51.100.1, garbage", NULL, NULL), "127.0.0.1");
	assert_string_equal(client("127.0.0.1", "", NULL, NULL), "127.0.0.1");
	/* X-Real-IP only without X-Forwarded-For, and only when it parses. */
	assert_string_equal(client("127.0.0.1", NULL, NULL, "198.51.100.7"), "198.51.100.7");
	assert_string_equal(client("127.0.0.1", "198.51.100.1", NULL, "198.51.100.7"), "198.51.100.1");
	assert_string_equal(client("127.0.0.1", NULL, NULL, "nope"), "127.0.0.1");
	/* Canonical spellings: one client, one bucket. */
	assert_string_equal(client("127.0.0.1", "::ffff:198.51.100.1", NULL, NULL), "198.51.100.1");
	assert_string_equal(client("127.0.0.1", "2001:DB8:0:0::1", NULL, NULL), "2001:db8::1");
	/* A long list: only the right-most SR_HTTP_MAX_FORWARDED entries are read. */
	char many[1024] = "";
	for (int i = 0; i < 40; i++)
		strcat(many, "10.0.0.1, ");
	strcat(many, "198.51.100.9");
	assert_string_equal(client("127.0.0.1", many, NULL, NULL), "198.51.100.9");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_client),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
