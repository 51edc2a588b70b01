/*
 * ticket.c - upload tickets under a per-user quota (issue 16).
 *
 * A ticket's bytes are stored when the client uploads them, and stay until a publish names
 * them or the ticket expires (an hour) and the collector takes them (src/cron/blobgc.c).
 * Without a bound, one account could fill the disk for that hour with uploads it never
 * publishes. The quota counts what a user has asked tickets for, not what has arrived: a
 * ticket reserves its declared size when it is issued, so the refusal comes before any of
 * the bytes are sent, and an upload can never exceed the size its ticket declared.
 *
 * A process also remembers the tickets whose bytes it took (sr_ticket_remember), so that the
 * publish that names them, when it comes to the same process, need not read them from the
 * database first (a round trip on PostgreSQL; see sr_publish_req.tickets_recalled, which has
 * the database assert at the commit what the memory said). 2,048 entries, direct-mapped by
 * the ticket's name, under one mutex: a name is 144 random bits, so an entry is only ever
 * lost to another, never mistaken for it.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/util.h"
#include "registry/registry.h"

#define SEEN_SLOTS 2048

static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;
static sr_ticket seen[SEEN_SLOTS]; /* ticket[0] == 0: free */

static size_t seen_slot(const char *name)
{
	return (size_t)(sr_fnv1a(name, strlen(name)) % SEEN_SLOTS);
}

void sr_ticket_remember(const sr_ticket *t)
{
	size_t i = seen_slot(t->ticket);
	pthread_mutex_lock(&seen_lock);
	seen[i] = *t;
	pthread_mutex_unlock(&seen_lock);
}

int sr_ticket_recall(const char *name, sr_ticket *out)
{
	size_t i = seen_slot(name);
	int rc = SR_ENOTFOUND;
	pthread_mutex_lock(&seen_lock);
	if (name[0] && strcmp(seen[i].ticket, name) == 0) {
		*out = seen[i];
		rc = 0;
	}
	pthread_mutex_unlock(&seen_lock);
	return rc;
}

void sr_ticket_forget(const char *name)
{
	size_t i = seen_slot(name);
	pthread_mutex_lock(&seen_lock);
	if (strcmp(seen[i].ticket, name) == 0)
		seen[i].ticket[0] = '\0';
	pthread_mutex_unlock(&seen_lock);
}

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
