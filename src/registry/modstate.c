/*
 * modstate.c - the moderation name tables (modstate.h).
 */
#include "registry/modstate.h"

#include <string.h>

static const char *const status_names[] = {
	[SR_SKILL_ACTIVE] = "active",
	[SR_SKILL_HIDDEN] = "hidden",
	[SR_SKILL_REMOVED] = "removed",
};

static const char *const verdict_names[] = {
	[SR_VERDICT_CLEAN] = "clean",
	[SR_VERDICT_SUSPICIOUS] = "suspicious",
	[SR_VERDICT_MALICIOUS] = "malicious",
};

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

const char *sr_mod_status_name(int status)
{
	return status >= 0 && status < COUNT(status_names) ? status_names[status] : status_names[SR_SKILL_ACTIVE];
}

const char *sr_verdict_name(int verdict)
{
	return verdict >= 0 && verdict < COUNT(verdict_names) ? verdict_names[verdict] : NULL;
}

int sr_verdict_parse(const char *name)
{
	for (int i = 0; name && i < COUNT(verdict_names); i++)
		if (strcmp(name, verdict_names[i]) == 0)
			return i;
	return SR_VERDICT_NONE;
}

const char *sr_flag_name(int flag)
{
	switch (flag) {
	case SR_FLAG_SUSPICIOUS: return "flagged.suspicious";
	case SR_FLAG_MALWARE: return "blocked.malware";
	}
	return NULL;
}

int sr_verdict_flag(int verdict)
{
	return verdict == SR_VERDICT_MALICIOUS ? SR_FLAG_MALWARE
	       : verdict == SR_VERDICT_SUSPICIOUS ? SR_FLAG_SUSPICIOUS
						   : 0;
}

int sr_mod_is_blocked(int flags, int verdict)
{
	return (flags & SR_FLAG_MALWARE) || verdict == SR_VERDICT_MALICIOUS;
}
