/*
 * proxy.c - the client address behind trusted proxies (proxy.h).
 *
 * Addresses are compared as 16 bytes (IPv4 mapped into IPv6) against prefixes; an address
 * taken from a header is parsed and printed again, so that one client cannot spell its
 * address several ways ("::ffff:10.0.0.1", "10.0.0.1") to get several rate-limit buckets.
 */
#include "http/proxy.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

/* Parses len bytes (spaces around allowed) as an IPv4 or IPv6 address into 16 bytes. */
static int parse_addr(const char *text, size_t len, unsigned char out[16])
{
	while (len && (*text == ' ' || *text == '\t')) {
		text++;
		len--;
	}
	while (len && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	char buf[INET6_ADDRSTRLEN + 1];
	if (len == 0 || len >= sizeof(buf))
		return SR_EINVAL;
	memcpy(buf, text, len);
	buf[len] = '\0';
	unsigned char v4[4];
	if (inet_pton(AF_INET, buf, v4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, v4, 4);
		return 0;
	}
	return inet_pton(AF_INET6, buf, out) == 1 ? 0 : SR_EINVAL;
}

static int is_v4(const unsigned char a[16])
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	return memcmp(a, mapped, 12) == 0;
}

static void print_addr(const unsigned char a[16], char *out, size_t outn)
{
	char buf[INET6_ADDRSTRLEN];
	if (!inet_ntop(is_v4(a) ? AF_INET : AF_INET6, is_v4(a) ? a + 12 : a, buf, sizeof(buf)))
		buf[0] = '\0';
	snprintf(out, outn, "%s", buf);
}

int sr_http_cidr_parse(const char *text, size_t len, sr_http_cidr *out)
{
	const char *slash = memchr(text, '/', len);
	size_t alen = slash ? (size_t)(slash - text) : len;
	if (parse_addr(text, alen, out->addr))
		return SR_EINVAL;
	/* An IPv4 range counts its bits in IPv4; an IPv6 one (::ffff:a.b.c.d too) in IPv6. */
	int max = memchr(text, ':', alen) ? 128 : 32;
	int bits = max;
	if (slash) {
		const char *p = slash + 1, *end = text + len;
		if (p == end || end - p > 3)
			return SR_EINVAL;
		bits = 0;
		for (; p < end; p++) {
			if (*p < '0' || *p > '9')
				return SR_EINVAL;
			bits = bits * 10 + (*p - '0');
		}
		if (bits > max)
			return SR_EINVAL;
	}
	out->bits = max == 32 ? 96 + bits : bits;
	/* Host bits are cleared, so 10.1.2.3/8 means 10.0.0.0/8 as everywhere else. */
	for (int i = out->bits; i < 128; i++)
		out->addr[i / 8] &= (unsigned char)~(0x80u >> (i % 8));
	return 0;
}

static int in_range(const sr_http_cidr *r, const unsigned char a[16])
{
	int full = r->bits / 8, rest = r->bits % 8;
	if (memcmp(r->addr, a, (size_t)full) != 0)
		return 0;
	if (!rest)
		return 1;
	unsigned char mask = (unsigned char)(0xff00u >> rest);
	return (r->addr[full] & mask) == (a[full] & mask);
}

static int trusted(const sr_http_cidr *ranges, int n, const unsigned char a[16])
{
	for (int i = 0; i < n; i++)
		if (in_range(&ranges[i], a))
			return 1;
	return 0;
}

int sr__proxy_trusted(const sr_http_cidr *ranges, int n, const char *text, size_t len)
{
	unsigned char a[16];
	return !parse_addr(text, len, a) && trusted(ranges, n, a);
}

struct span {
	const char *p;
	size_t len;
};

void sr__proxy_client(const sr_http_cidr *ranges, int n, const char *peer, const char *const *xff, int nxff,
		      const char *real_ip, char *out, size_t outn)
{
	snprintf(out, outn, "%s", peer ? peer : "");
	if (n <= 0 || !peer || !sr__proxy_trusted(ranges, n, peer, strlen(peer)))
		return;
	/* The right-most SR_HTTP_MAX_FORWARDED entries, in order, in a ring. */
	struct span ring[SR_HTTP_MAX_FORWARDED];
	int count = 0;
	for (int h = 0; h < nxff; h++) {
		for (const char *p = xff[h]; p;) {
			const char *comma = strchr(p, ',');
			size_t len = comma ? (size_t)(comma - p) : strlen(p);
			ring[count % SR_HTTP_MAX_FORWARDED] = (struct span){p, len};
			count++;
			p = comma ? comma + 1 : NULL;
		}
	}
	int first = count > SR_HTTP_MAX_FORWARDED ? count - SR_HTTP_MAX_FORWARDED : 0;
	unsigned char a[16], found[16];
	int have = 0;
	for (int i = count - 1; i >= first; i--) {
		const struct span *e = &ring[i % SR_HTTP_MAX_FORWARDED];
		if (parse_addr(e->p, e->len, a))
			break; /* a hop wrote something else: trust stops at the hop right of it */
		memcpy(found, a, 16);
		have = 1;
		if (!trusted(ranges, n, a))
			break;
	}
	if (have) {
		print_addr(found, out, outn);
		return;
	}
	if (count == 0 && real_ip && !parse_addr(real_ip, strlen(real_ip), a))
		print_addr(a, out, outn);
}
