/*
 * scanjob.h - scans a client asks for (`clawhub scan --slug`, `clawhub scan download`; the
 * accounts reference, section 5.4): who may ask, what a request queues, and what its status
 * is.
 *
 * A request names a published version; it puts that version back in the scan queue (the
 * worker scans it as any other, under a claim, and records its results on the version) and
 * keeps a scan_jobs row saying who asked, for which version, and when. The row holds no
 * status of its own: the version's scan state is the truth, read when the job is asked
 * about, so a job can never disagree with the results it points at. A job is queued while
 * the version waits, running while a worker holds its claim, and succeeded (or failed, when
 * no scanner gave a verdict) once the version was scanned at or after the request. Every
 * scan of a published version records its result on it, so a finished job always says
 * written back, whether or not the client asked for `update`.
 */
#ifndef SR_MODERATION_SCANJOB_H
#define SR_MODERATION_SCANJOB_H

#include <stdint.h>

#include "registry/registry.h"
#include "store/store.h"

enum { SR_JOB_QUEUED, SR_JOB_RUNNING, SR_JOB_SUCCEEDED, SR_JOB_FAILED };
/* "queued", "running", "succeeded", "failed". */
const char *sr_scan_job_status_name(int status);

/* How many queued versions a status reads to place a job; past that it says "at least". */
#define SR_SCAN_JOB_QUEUE_LOOK 50

typedef struct sr_scan_request {
	const char *slug, *owner_handle, *version; /* owner_handle, version: NULL or "" for none */
	int update;
} sr_scan_request;

/* A job or a version's stored results, as the routes show them. */
typedef struct sr_scan_view {
	sr_scan_job job;           /* id 0 for stored results (scan download) */
	sr_skill skill;
	sr_version_scan vs;
	int status;                /* SR_JOB_* */
	int queued_ahead, ahead_is_estimate, position; /* position 0: unknown */
	int64_t file_count;
	int64_t updated_at, completed_at; /* completed_at 0 while not finished */
} sr_scan_view;

/* POST /-/scan: queues the version (default latest) of the skill slug names and records
 * the job, with an audit row, in one transaction. The actor must be the skill's personal
 * owner, an admin or owner of its org, a moderator or an admin. *job_id gets the job. */
int sr_scan_job_submit(sr_store *s, const sr_user *actor, const sr_scan_request *in, int64_t *job_id,
		       sr_regerr *err);
/* GET /-/scan/{id}: the job and its status; only its requester and staff may read it. */
int sr_scan_job_view(sr_store *s, const sr_user *actor, int64_t job_id, sr_scan_view *out, sr_regerr *err);
/* GET /-/scan/download/{name}: a version's stored results (personal owner, any member of
 * its org, staff); SR_WHY_SCAN_RESULTS_NOT_FOUND while it has none. Deleted skills are
 * found. */
int sr_scan_stored_view(sr_store *s, const sr_user *actor, const char *name, const char *owner_handle,
			const char *version, sr_scan_view *out, sr_regerr *err);

#endif
