/*
 * fuzz_slug.c - slugs (src/registry/slug.c): the rules for a new one, normalizing a lookup,
 * and the plausible shape path parameters are held to.
 *
 * A slug a publish may create must also be one a lookup finds (plausible, and unchanged by
 * normalizing); normalizing is idempotent.
 */
#include "fuzz.h"
#include "registry/slug.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	const char *why = sr_slug_check_new(s);
	int plausible = sr_slug_is_plausible(s);
	char norm[128], again[128];
	if (sr_slug_normalize(s, norm, sizeof(norm)) == 0) {
		FUZZ_CHECK(memchr(norm, '\0', sizeof(norm)) != NULL);
		FUZZ_CHECK(sr_slug_normalize(norm, again, sizeof(again)) == 0);
		FUZZ_CHECK(strcmp(norm, again) == 0);
		if (!why)
			FUZZ_CHECK(strcmp(norm, s) == 0);
	} else {
		FUZZ_CHECK(why != NULL);
	}
	if (!why)
		FUZZ_CHECK(plausible);
	free(s);
	return 0;
}
