/*
 * semver.h - Semantic Versioning 2.0.0: validation and precedence.
 *
 * ClawHub accepts what npm's `semver.valid` accepts for a new version (no leading `v`,
 * no surrounding spaces: the server trims before calling in). `latest` moves only to a
 * version of higher precedence, so comparison follows semver.org section 11 exactly
 * (build metadata ignored; pre-release identifiers compared numerically or in ASCII order).
 */
#ifndef SR_SEMVER_H
#define SR_SEMVER_H

#include <stddef.h>
#include <stdint.h>

typedef struct sr_semver {
	uint64_t major, minor, patch;
	const char *pre;   /* points into the parsed string; NULL when there is no pre-release */
	size_t pre_len;
	const char *build; /* likewise for build metadata */
	size_t build_len;
} sr_semver;

/* 0 when s is a valid semver string (filling *out, which may be NULL), else SR_EINVAL. */
int sr_semver_parse(const char *s, sr_semver *out);
/* <0, 0, >0 by precedence. Both must have been parsed successfully. */
int sr_semver_cmp(const sr_semver *a, const sr_semver *b);
/* Convenience for two strings; an invalid string sorts below every valid one. */
int sr_semver_cmp_str(const char *a, const char *b);

#endif
