/*
 * slug.c - slug rules for new skills and slug normalization for lookups; see slug.h.
 *
 * The shape is ClawHub's `^[a-z0-9](?:(?!--)[a-z0-9-])*[a-z0-9]$` with a length of 3 to 96,
 * checked here by hand because the rule is three facts (alphabet, ends, no double hyphen)
 * and a regex engine would be the larger risk. The reserved words stop a skill from
 * shadowing a site route or posing as the operator or a well-known brand; the protected
 * affixes stop the same thing done as `official-foo` or `foo-verified`.
 *
 * The texts returned are constant so that callers may keep them without copying and so that
 * a client-chosen slug never has to be formatted into a message.
 */
#include "registry/slug.h"

#include <string.h>

#include "core/err.h"

#define SLUG_MIN_LEN 3
#define SLUG_MAX_LEN 96

static const char *const reserved_words[] = {
	/* Route words: top-level paths of the site and the API, now or soon. */
	"api", "skills", "skill", "search", "login", "logout", "new", "null", "undefined",
	"admin", "settings", "dashboard", "upload", "import", "stars", "users", "user", "about",
	"docs", "help", "static", "assets", "well-known", "trending", "explore", "download",
	"install", "publish", "cli", "auth", "account", "me", "u", "www", "mail", "root",
	"system", "support", "status", "healthz", "metrics", "moderation", "owner", "owners",
	"favicon",
	/* Brands that only their owners may use. */
	"openclaw", "clawhub", "clawdhub", "clawd", "clawdbot", "clawdis", "moltbot",
	"anthropic", "claude", "openai",
};

static const char *const protected_affixes[] = {
	"openclaw", "clawhub", "clawd", "official", "verified", "staff", "admin", "moderator",
	"security", "support", "team",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int is_slug_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static int is_reserved(const char *slug)
{
	for (size_t i = 0; i < COUNT(reserved_words); i++)
		if (strcmp(slug, reserved_words[i]) == 0)
			return 1;
	return 0;
}

/* True when slug is X, starts with "X-" or ends with "-X" for a protected word X. */
static int has_protected_affix(const char *slug, size_t len)
{
	for (size_t i = 0; i < COUNT(protected_affixes); i++) {
		const char *x = protected_affixes[i];
		size_t xl = strlen(x);
		if (len == xl && memcmp(slug, x, xl) == 0)
			return 1;
		if (len > xl && memcmp(slug, x, xl) == 0 && slug[xl] == '-')
			return 1;
		if (len > xl && memcmp(slug + len - xl, x, xl) == 0 && slug[len - xl - 1] == '-')
			return 1;
	}
	return 0;
}

const char *sr_slug_check_new(const char *slug)
{
	if (!slug || !*slug)
		return "Slug is required";

	size_t len = strnlen(slug, SLUG_MAX_LEN + 1);
	if (len < SLUG_MIN_LEN || len > SLUG_MAX_LEN)
		return "Slug must be 3-96 characters";

	int shape_ok = slug[0] != '-' && slug[len - 1] != '-';
	for (size_t i = 0; shape_ok && i < len; i++) {
		if (!is_slug_char(slug[i]) || (slug[i] == '-' && slug[i + 1] == '-'))
			shape_ok = 0;
	}
	if (!shape_ok)
		return "Slug must be lowercase letters, numbers and single hyphens, "
		       "starting and ending with a letter or number";

	if (is_reserved(slug))
		return "Slug is reserved";
	if (has_protected_affix(slug, len))
		return "Slug uses a protected name as a prefix or suffix";
	return NULL;
}

int sr_slug_normalize(const char *in, char *out, size_t outsz)
{
	if (outsz)
		out[0] = '\0';
	if (!in)
		return SR_EINVAL;

	size_t n = strlen(in);
	while (n && is_space(*in)) {
		in++;
		n--;
	}
	while (n && is_space(in[n - 1]))
		n--;
	if (n == 0 || n >= outsz)
		return SR_EINVAL;

	for (size_t i = 0; i < n; i++) {
		char c = in[i];
		out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	out[n] = '\0';
	return 0;
}

int sr_slug_is_plausible(const char *slug)
{
	if (!slug)
		return 0;

	size_t len = strnlen(slug, SLUG_MAX_LEN + 1);
	if (len == 0 || len > SLUG_MAX_LEN)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!is_slug_char(slug[i]))
			return 0;
	return 1;
}
