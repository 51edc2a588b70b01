/*
 * frontmatter.h - the YAML frontmatter of a SKILL.md (libyaml).
 *
 * A SKILL.md may open with a block between two lines of exactly "---". From it the
 * registry takes the name, the description (the skill's summary) and the platform
 * metadata a list row shows: ClawHub reads `metadata.clawdbot`, `metadata.clawdis` or
 * `metadata.openclaw` (or a top-level `clawdis`) and derives
 *   setup   = requires.env (required) + requires.config (required) + envVars[].name
 *   os      = os (list of strings) or null
 *   systems = nix.systems (list of strings) or null
 */
#ifndef SR_FRONTMATTER_H
#define SR_FRONTMATTER_H

#include <stddef.h>

typedef struct sr_frontmatter {
	char *name;          /* frontmatter `name`, or NULL */
	char *description;   /* `description`, else `metadata.description`, or NULL */
	/* {"setup":[{"key":"API_KEY","required":true},...],"os":[...]|null,"systems":[...]|null}
	 * as compact JSON, or NULL when there is no clawdbot/clawdis/openclaw block. */
	char *metadata_json;
	/* the whole frontmatter as a compact JSON object ("{}" when there is none) */
	char *frontmatter_json;
} sr_frontmatter;

/* 0 on success, also when the document has no frontmatter (all fields NULL except
 * frontmatter_json = "{}"). SR_EINVAL with a message in err (errsz bytes) when the block is
 * not valid YAML or not a mapping; SR_ETOOBIG past the ceilings (64 KiB of frontmatter,
 * nesting depth 32, 10,000 nodes). Free with sr_frontmatter_deinit. */
int sr_frontmatter_parse(const char *md, size_t len, sr_frontmatter *out, char *err, size_t errsz);
void sr_frontmatter_deinit(sr_frontmatter *fm);
/* Where the document's body starts: the byte after the frontmatter's closing fence line, by
 * the same rules sr_frontmatter_parse reads it with (optional BOM, "---" or "..." to close);
 * 0 when there is no complete frontmatter block. */
size_t sr_frontmatter_body_offset(const char *md, size_t len);

#endif
