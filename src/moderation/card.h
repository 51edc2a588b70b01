/*
 * card.h - the skill card: the skill-card.md the registry writes for a version once its scan
 * has settled on a verdict (the accounts reference, sections 5.2 and 5.3), which
 * `clawhub skill verify` requires and `clawhub skill verify --card` prints.
 *
 * ClawHub has an external worker write the card from the scans and a language model's
 * reading of the skill. skillreg has no such model, so its card says what the registry
 * knows for certain: the skill's own description, its publisher, the platform licence, the
 * risks the scanners found (each finding's rule, file and line), the version, and the
 * sections of ClawHub's card in ClawHub's order, so a reader that splits the card by its
 * headings finds every one. The text is the registry's own words.
 */
#ifndef SR_MODERATION_CARD_H
#define SR_MODERATION_CARD_H

#include <stdint.h>

#include "core/buf.h"
#include "store/store.h"

/* ClawHub's file name for the card and its ceiling. */
#define SR_CARD_PATH "skill-card.md"
#define SR_CARD_MAX_BYTES (200 * 1024)
/* Risks the card lists at most: one per distinct rule, in the scanners' order. */
#define SR_CARD_MAX_RISKS 12

typedef struct sr_card_risk {
	const char *rule_id, *title, *path;
	int line;
} sr_card_risk;

typedef struct sr_card_input {
	const char *slug, *display_name, *summary; /* summary may be NULL or empty */
	const char *owner_handle, *owner_display_name; /* display name may be NULL */
	const char *version;
	int verdict; /* the version's settled verdict, SR_VERDICT_* */
	const sr_card_risk *risks;
	int nrisks;
} sr_card_input;

/* Appends the card's Markdown to out. SR_ETOOBIG when it would pass out's ceiling. */
int sr_card_render(const sr_card_input *in, sr_buf *out);

/* Writes the card of a version whose scan has just settled on a verdict, inside the
 * caller's transaction: reads the skill, its owner, the version's verdict and findings,
 * and stores the text with its SHA-256 and size (a rescan rewrites it). */
int sr_card_write(sr_store *s, int64_t skill_id, int64_t version_id, int64_t now);

#endif
