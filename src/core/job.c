/*
 * job.c - the job report hook (job.h).
 */
#include "core/job.h"

/* Written once before the job threads start and read by them; atomic all the same, so a
 * reader never sees a torn pointer. */
static sr_job_report_fn reporter;

void sr_job_report_set(sr_job_report_fn fn)
{
	__atomic_store_n(&reporter, fn, __ATOMIC_RELEASE);
}

void sr_job_report(const char *name, int ok, int64_t dur_ns, const struct sr_reads *reads)
{
	sr_job_report_fn fn = __atomic_load_n(&reporter, __ATOMIC_ACQUIRE);
	if (fn)
		fn(name, ok, dur_ns, reads);
}
