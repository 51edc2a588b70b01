/*
 * modstate.h - the names of a skill's moderation status, flags and verdicts, and the rules
 * read from them more than once.
 *
 * The values are the columns' (store.h: SR_SKILL_*, SR_FLAG_*, SR_VERDICT_*); this module holds
 * the one table of names for each, which the JSON answers, the web pages, the moderation
 * reasons ("scanner.static.clean", "manual.override.malicious") and the console all use.
 */
#ifndef SR_MODSTATE_H
#define SR_MODSTATE_H

#include "store/store.h"

/* "active", "hidden", "removed". The column holds nothing else; any other value reads as
 * active, ClawHub's default. */
const char *sr_mod_status_name(int status);
/* "clean", "suspicious", "malicious"; NULL for SR_VERDICT_NONE or any other value. */
const char *sr_verdict_name(int verdict);
/* The verdict a name stands for; SR_VERDICT_NONE when name is NULL or no verdict's name. */
int sr_verdict_parse(const char *name);
/* The reason code of one flag bit: "flagged.suspicious", "blocked.malware"; NULL otherwise. */
const char *sr_flag_name(int flag);
/* The flag a verdict sets: MALWARE for malicious, SUSPICIOUS for suspicious, else none. */
int sr_verdict_flag(int verdict);

/* Blocked as malware (api-v1 section 1.5): the malware flag or a malicious verdict. */
int sr_mod_is_blocked(int flags, int verdict);

#endif
