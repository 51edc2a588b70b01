/*
 * proxy.h - the client address of a request behind trusted proxies (--trusted-proxy).
 *
 * A node behind a balancer sees the balancer as its TCP peer. The rate limits' address
 * buckets and the download dedupe identity want the client instead, which only the proxy
 * knows and passes on in X-Forwarded-For (or X-Real-IP). Those headers are anyone's to
 * write, so they are read only when the peer is inside a range the operator trusts, and then
 * only as far as the trusted hops vouch for them: the client is the right-most address of
 * X-Forwarded-For that is not itself trusted (every address right of it was appended by a
 * proxy the operator trusts; everything left of it the client could have written). The
 * per-address connection cap (conns.h) stays on the TCP peer: it protects this node's
 * sockets, which the balancer's connections hold, not the clients'.
 */
#ifndef SR_HTTP_PROXY_H
#define SR_HTTP_PROXY_H

#include <stddef.h>

/* An address range: IPv4 ranges are held as IPv4-mapped IPv6 (::ffff:a.b.c.d/96+n), so an
 * IPv4 peer on a dual-stack socket matches them too. */
typedef struct sr_http_cidr {
	unsigned char addr[16];
	int bits;
} sr_http_cidr;

/* The most ranges --trusted-proxy may give. */
#define SR_HTTP_MAX_PROXIES 32
/* The most X-Forwarded-For entries read, the right-most ones: a chain of trusted hops is
 * short, and what lies further left is the client's to write. */
#define SR_HTTP_MAX_FORWARDED 32

/* Parses len bytes of text, "ADDR/BITS" or a bare address (one host), IPv4 or IPv6.
 * Returns 0, or SR_EINVAL. */
int sr_http_cidr_parse(const char *text, size_t len, sr_http_cidr *out);

/* Whether the address in text (len bytes) is in one of the n ranges; 0 when it does not
 * parse. */
int sr__proxy_trusted(const sr_http_cidr *ranges, int n, const char *text, size_t len);

/* Writes the request's client address to out (at most outn bytes, always terminated): the
 * peer, unless the peer is in one of the n trusted ranges; then the right-most address of the
 * X-Forwarded-For values xff[0..nxff) (in header order, each a comma-separated list) that is
 * not trusted (the left-most when all are; when an entry does not parse, the trusted one right
 * of it, or the peer), else X-Real-IP when it parses, else the peer. An address taken from a
 * header is written in its canonical text form. */
void sr__proxy_client(const sr_http_cidr *ranges, int n, const char *peer, const char *const *xff, int nxff,
		      const char *real_ip, char *out, size_t outn);

#endif
