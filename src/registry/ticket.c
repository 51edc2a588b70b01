/*
 * ticket.c - upload tickets under a per-user quota (issue 16).
 *
 * A ticket's bytes are stored when the client uploads them, and stay until a publish names
 * them or the ticket expires (an hour) and the collector takes them (src/cron/blobgc.c).
 * Without a bound, one account could fill the disk for that hour with uploads it never
 * publishes. The quota counts what a user has asked tickets for, not what has arrived: a
 * ticket reserves its declared size when it is issued, so the refusal comes before any of
 * the bytes are sent, and an upload can never exceed the size its ticket declared.
 */
#include <stdio.h>

#include "core/err.h"
#include "registry/registry.h"

int sr_upload_ticket_issue(sr_store *s, const sr_ticket *t, int64_t now, int64_t quota_bytes, sr_regerr *err)
{
	int rc = sr_store_begin(s);
	if (rc)
		return sr_regerr_internal(err, rc);
	int64_t count = 0, bytes = 0;
	/* The range read stops at the ticket ceiling: a user who has reached it is refused. */
	rc = sr_store_tickets_pending(s, t->user_id, now, SR_UPLOAD_QUOTA_TICKETS, &count, &bytes);
	if (rc) {
		sr_store_rollback(s);
		return sr_regerr_internal(err, rc);
	}
	char arg[64] = "";
	if (count >= SR_UPLOAD_QUOTA_TICKETS)
		snprintf(arg, sizeof(arg), "%d files", SR_UPLOAD_QUOTA_TICKETS);
	else if (quota_bytes > 0 && bytes + t->size > quota_bytes)
		snprintf(arg, sizeof(arg), "%lld MiB", (long long)(quota_bytes >> 20));
	if (arg[0]) {
		sr_store_rollback(s);
		return sr_regerr_set(err, SR_ETOOBIG, SR_WHY_UPLOAD_QUOTA, arg);
	}
	if ((rc = sr_store_ticket_add(s, t, now)))
		sr_store_rollback(s);
	else
		rc = sr_store_commit(s); /* rolls back by itself when it fails */
	return rc ? sr_regerr_internal(err, rc) : 0;
}
