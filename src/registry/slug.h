/*
 * slug.h - the rules for a new skill's slug (ClawHub api-v1 section 1.2).
 *
 * Existing slugs are never re-validated, so these rules apply only when a publish creates
 * a skill. Lookups only normalize (trim + lower-case).
 */
#ifndef SR_SLUG_H
#define SR_SLUG_H

#include <stddef.h>

/* NULL when slug may name a new skill, else the rule it breaks, in the sentence ClawHub
 * answers with (a publish refuses with it as SR_WHY_SLUG_INVALID's argument). */
const char *sr_slug_check_new(const char *slug);
/* Trims ASCII whitespace and lower-cases into out; SR_EINVAL when empty or too long. */
int sr_slug_normalize(const char *in, char *out, size_t outsz);
/* The lookup shape: 1..96 chars of [a-z0-9-] after normalizing; used for path params. */
int sr_slug_is_plausible(const char *slug);

#endif
