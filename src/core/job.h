/*
 * job.h - where background jobs report their runs.
 *
 * The jobs (the cron table, the scan worker) live below the HTTP server and must not include
 * it, yet each run belongs in /metrics. So a job reports through this hook, and the program
 * that serves installs the metrics recorder once at start (src/cmd/serve.c). With no
 * recorder installed, as in the one-shot subcommands, a report goes nowhere.
 */
#ifndef SR_JOB_H
#define SR_JOB_H

#include <stdint.h>

struct sr_reads; /* store/store.h: the rows and bytes the run read */

/* One run of the job called name (a string that outlives the process): whether it
 * succeeded, how long it took, and what it read. */
typedef void (*sr_job_report_fn)(const char *name, int ok, int64_t dur_ns, const struct sr_reads *reads);

/* Installs fn (NULL: none). Call before the jobs' threads start, and after they stop. */
void sr_job_report_set(sr_job_report_fn fn);
void sr_job_report(const char *name, int ok, int64_t dur_ns, const struct sr_reads *reads);

#endif
