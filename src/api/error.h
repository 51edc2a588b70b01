/*
 * error.h - ClawHub's answer to a domain refusal: the one mapping from registry/error.h's
 * reasons to an HTTP status and the text ClawHub sends (api-v1 section 1). The handlers answer
 * through sr__regerr (api.h); the command line prints the same text.
 */
#ifndef SR_API_ERROR_H
#define SR_API_ERROR_H

#include <stddef.h>

#include "registry/error.h"

/* ClawHub's refusal of malware (api-v1 section 1.5), for a blocked skill and a version whose
 * scan found it malicious. */
#define SR_BLOCKED_TEXT \
	"Blocked: this skill version has been flagged as malicious by ClawScan and cannot be downloaded."

/* The answer (503) when the database does not answer (SR_EUNAVAIL): down, restarting, or
 * failing over to a replica. Not ClawHub's words: its backend has no such state to report. */
#define SR_API_UNAVAILABLE_TEXT "Service unavailable: the database is not answering"
/* A write the registry's storage (its disk, or its database's) has no room for: 507, which
 * ClawHub never answers; the client may retry once the operator has made room. */
#define SR_API_NO_SPACE_TEXT "Insufficient storage: the registry's storage is full. Nothing was published; try again later."

/* Writes the text ClawHub answers err with into text (n bytes) and returns the status. */
int sr_api_error_text(const sr_regerr *err, char *text, size_t n);

#endif
