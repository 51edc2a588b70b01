/*
 * idp.c - a provider's configuration, and the pending login sealed in a cookie (idp.h says
 * why a cookie). The cookie value is
 *
 *     1.<expiry ms>.<seed, base64url>.<return path, base64url>.<HMAC-SHA256, base64url>
 *
 * with the HMAC over everything before its dot, keyed by HMAC(client secret, "skillreg
 * pending sign-in|" + provider name), so a cookie of one provider never opens another's.
 */
#include "auth/idp.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth/fetch.h"
#include "auth/internal.h"
#include "core/err.h"
#include "core/util.h"

static int say(char *why, size_t n, int rc, const char *text)
{
	snprintf(why, n, "%s", text);
	return rc;
}

static int name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > SR_IDP_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return 0;
	return 1;
}

/* A URL without its trailing slashes, when it fits and may be reached (fetch.h). */
static int set_url(char *dst, size_t n, const char *url)
{
	size_t len = strlen(url);
	while (len > 8 && url[len - 1] == '/')
		len--;
	if (len >= n || !sr__url_allowed(url))
		return -1;
	memcpy(dst, url, len);
	dst[len] = '\0';
	return 0;
}

int sr_idp_new(const sr_idp_config *c, sr_idp **out, char *why, size_t nwhy)
{
	*out = NULL;
	const char *name = c->issuer ? c->name : "github";
	if (!name || !name_ok(name))
		return say(why, nwhy, SR_EINVAL, "a provider's name is 1 to 32 letters, digits, '-' or '_'");
	if (!c->client_id || !*c->client_id || strlen(c->client_id) >= 256)
		return say(why, nwhy, SR_EINVAL, "the client id is missing (or longer than 255 bytes)");
	if (!c->client_secret || !*c->client_secret || strlen(c->client_secret) >= 256)
		return say(why, nwhy, SR_EINVAL, "the client secret is missing (or longer than 255 bytes)");
	sr_idp *p = calloc(1, sizeof(*p));
	if (!p)
		return SR_ENOMEM;
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->client_id, sizeof(p->client_id), "%s", c->client_id);
	snprintf(p->client_secret, sizeof(p->client_secret), "%s", c->client_secret);
	p->github = c->issuer == NULL;
	int bad;
	if (p->github) {
		const char *web = c->github_url && *c->github_url ? c->github_url : "https://github.com";
		bad = set_url(p->github_url, sizeof(p->github_url), web);
		/* github.com's API has a host of its own; GitHub Enterprise Server's is under /api/v3. */
		if (!bad && strcmp(p->github_url, "https://github.com") == 0)
			snprintf(p->github_api, sizeof(p->github_api), "https://api.github.com");
		else if (!bad)
			bad = snprintf(p->github_api, sizeof(p->github_api), "%s/api/v3", p->github_url) >=
			      (int)sizeof(p->github_api);
	} else {
		/* The issuer is compared with the discovery document's and the id_token's iss
		 * exactly, so it is kept as given, trailing slash and all. */
		bad = strlen(c->issuer) >= sizeof(p->issuer) || !sr__url_allowed(c->issuer);
		if (!bad)
			snprintf(p->issuer, sizeof(p->issuer), "%s", c->issuer);
	}
	if (bad) {
		sr_idp_free(p);
		return say(why, nwhy, SR_EINVAL, "the provider's URL must be https (or http to this machine's loopback)");
	}
	char label[64];
	int nl = snprintf(label, sizeof(label), "skillreg pending sign-in|%s", p->name);
	unsigned int klen = sizeof(p->seal_key);
	HMAC(EVP_sha256(), p->client_secret, (int)strlen(p->client_secret), (const unsigned char *)label, (size_t)nl,
	     p->seal_key, &klen);
	pthread_mutex_init(&p->lock, NULL);
	*out = p;
	return 0;
}

void sr_idp_free(sr_idp *p)
{
	if (!p)
		return;
	free(p->jwks);
	pthread_mutex_destroy(&p->lock);
	OPENSSL_cleanse(p, sizeof(*p));
	free(p);
}

const char *sr_idp_name(const sr_idp *p)
{
	return p->name;
}

int sr_idp_is_github(const sr_idp *p)
{
	return p->github;
}

/* One secret of the login: base64url(SHA-256(label || seed)). */
static void derive(const unsigned char seed[32], const char *label, char out[44])
{
	unsigned char md[32];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 0;
	if (ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 && EVP_DigestUpdate(ctx, label, strlen(label)) == 1 &&
	    EVP_DigestUpdate(ctx, seed, 32) == 1)
		EVP_DigestFinal_ex(ctx, md, &len);
	EVP_MD_CTX_free(ctx);
	if (len != 32)
		memset(md, 0, sizeof(md)); /* cannot happen with a working libcrypto; never a weak secret */
	sr_b64url_encode(md, 32, out);
}

static void login_from_seed(const unsigned char seed[32], sr__login *l)
{
	derive(seed, "state", l->state);
	derive(seed, "nonce", l->nonce);
	derive(seed, "verifier", l->verifier);
	/* PKCE S256: the challenge is base64url(SHA-256(verifier)), RFC 7636 section 4.2. */
	unsigned char md[32];
	unsigned int len = 0;
	EVP_Digest(l->verifier, strlen(l->verifier), md, &len, EVP_sha256(), NULL);
	sr_b64url_encode(md, 32, l->challenge);
}

static void seal_mac(const sr_idp *p, const char *text, size_t n, char out[44])
{
	unsigned char mac[32];
	unsigned int len = sizeof(mac);
	HMAC(EVP_sha256(), p->seal_key, sizeof(p->seal_key), (const unsigned char *)text, n, mac, &len);
	sr_b64url_encode(mac, 32, out);
}

/* A path on this site: "/" and more, never "//host" or "/\host" (which browsers read as
 * another host), no control characters; anything else goes home. */
static const char *local_path(const char *r)
{
	if (!r || r[0] != '/' || r[1] == '/' || r[1] == '\\' || strlen(r) > SR_IDP_RETURN_MAX)
		return "/";
	for (const char *c = r; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return "/";
	return r;
}

int sr_idp_start(sr_idp *p, const char *redirect_uri, const char *return_to, sr_buf *url, char *cookie,
		 size_t ncookie, char *why, size_t nwhy)
{
	unsigned char seed[32];
	if (sr_random_bytes(seed, sizeof(seed)))
		return say(why, nwhy, SR_EIO, "no randomness for the sign-in's secrets");
	sr__login l;
	login_from_seed(seed, &l);
	int rc = p->github ? sr__github_authorize(p, redirect_uri, &l, url)
			   : sr__oidc_authorize(p, redirect_uri, &l, url, why, nwhy);
	if (rc == SR_ETOOBIG)
		rc = say(why, nwhy, SR_EIO, "the provider's authorization URL is too long");
	if (rc)
		return rc;
	const char *ret = local_path(return_to);
	char seed64[44], ret64[SR_IDP_RETURN_MAX * 4 / 3 + 4], mac[44];
	sr_b64url_encode(seed, sizeof(seed), seed64);
	sr_b64url_encode((const unsigned char *)ret, strlen(ret), ret64);
	int n = snprintf(cookie, ncookie, "1.%" PRId64 ".%s.%s", sr_now_ms() + SR_IDP_PENDING_MS, seed64, ret64);
	if (n < 0 || (size_t)n + 45 >= ncookie)
		return say(why, nwhy, SR_ETOOBIG, "the sign-in's cookie does not fit");
	seal_mac(p, cookie, (size_t)n, mac);
	snprintf(cookie + n, ncookie - (size_t)n, ".%s", mac);
	OPENSSL_cleanse(seed, sizeof(seed));
	return 0;
}

/* Opens a sealed cookie: its seed and return path, when the MAC and the expiry hold. */
static int unseal(const sr_idp *p, const char *cookie, unsigned char seed[32], char *ret, size_t nret)
{
	const char *mac = cookie ? strrchr(cookie, '.') : NULL;
	if (!mac || strncmp(cookie, "1.", 2) != 0 || strlen(mac + 1) != 43)
		return SR_EPERM;
	char want[44];
	seal_mac(p, cookie, (size_t)(mac - cookie), want);
	if (CRYPTO_memcmp(want, mac + 1, 43) != 0)
		return SR_EPERM;
	char *end;
	long long exp = strtoll(cookie + 2, &end, 10);
	if (*end != '.' || exp < sr_now_ms())
		return SR_EGONE;
	const char *s = end + 1, *dot = strchr(s, '.');
	if (!dot || sr_b64url_decode(s, (size_t)(dot - s), seed, 32) != 32)
		return SR_EPERM;
	const char *r = dot + 1;
	long len = sr_b64url_decode(r, (size_t)(mac - r), (unsigned char *)ret, nret - 1);
	if (len < 1)
		return SR_EPERM;
	ret[len] = '\0';
	return 0;
}

int sr_idp_finish(sr_idp *p, const char *redirect_uri, const char *cookie, const char *state, const char *code,
		  struct sr_identity *id, char *return_to, size_t nreturn, char *why, size_t nwhy)
{
	memset(id, 0, sizeof(*id));
	snprintf(return_to, nreturn, "/");
	unsigned char seed[32];
	char ret[SR_IDP_RETURN_MAX + 1];
	int rc = cookie ? unseal(p, cookie, seed, ret, sizeof(ret)) : SR_EPERM;
	if (rc == SR_EGONE)
		return say(why, nwhy, SR_EPERM, "This sign-in took too long and has expired. Start again.");
	if (rc)
		return say(why, nwhy, SR_EPERM,
			   "This sign-in was not started in this browser (its cookie is missing or not this "
			   "server's). Start again from the sign-in page.");
	sr__login l;
	login_from_seed(seed, &l);
	OPENSSL_cleanse(seed, sizeof(seed));
	if (!state || strlen(state) != 43 || CRYPTO_memcmp(state, l.state, 43) != 0)
		return say(why, nwhy, SR_EPERM,
			   "The provider came back with a state this browser's sign-in did not send. Start again.");
	snprintf(return_to, nreturn, "%s", local_path(ret));
	if (!code || !*code || strlen(code) > 2048)
		return say(why, nwhy, SR_EPERM, "The provider came back without an authorization code.");
	rc = p->github ? sr__github_finish(p, redirect_uri, code, &l, id, why, nwhy)
		       : sr__oidc_finish(p, redirect_uri, code, &l, id, why, nwhy);
	OPENSSL_cleanse(&l, sizeof(l));
	return rc;
}

void sr__copy_claim(char *dst, size_t n, const char *src)
{
	dst[0] = '\0';
	if (!src)
		return;
	size_t len = strlen(src);
	if (len >= n) {
		len = n - 1;
		while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
			len--; /* do not end inside a UTF-8 character */
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
}
