/*
 * fuzz_frontmatter.c - a SKILL.md's YAML frontmatter (src/registry/frontmatter.c).
 *
 * The input is the whole document, in an exact-size buffer (the parser is given a length,
 * not a string). What the parser returns as JSON must be JSON, and the body offset must lie
 * inside the document.
 */
#include <jansson.h>

#include "fuzz.h"
#include "registry/frontmatter.h"

static void check_json(const char *s)
{
	if (!s)
		return;
	json_error_t e;
	json_t *j = json_loads(s, 0, &e);
	FUZZ_CHECK(j != NULL);
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *md = fuzz_exact(data, size);
	sr_frontmatter fm;
	char err[256];
	err[0] = '\0';
	int rc = sr_frontmatter_parse(md, size, &fm, err, sizeof(err));
	if (rc == 0) {
		FUZZ_CHECK(fm.frontmatter_json != NULL);
		check_json(fm.frontmatter_json);
		check_json(fm.metadata_json);
		sr_frontmatter_deinit(&fm);
	} else {
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	}
	size_t off = sr_frontmatter_body_offset(md, size);
	FUZZ_CHECK(off <= size);
	free(md);
	return 0;
}
