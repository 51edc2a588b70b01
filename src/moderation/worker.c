/*
 * worker.c - the scan worker thread (worker.h).
 *
 * One thread is enough: a scan of a typical skill takes well under a millisecond, the
 * external scanner is bounded by its timeout, and one writer at a time is what SQLite
 * serves best anyway.
 */
#include "moderation/worker.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/job.h"
#include "core/log.h"
#include "core/util.h"

struct sr_scan_worker {
	sr_scan_worker_config cfg;
	char *cmd; /* a copy of cfg.ext.cmd */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int wake, stop;
	sr_store *store;
	sr_scan_rules *rules;
};

static void *run(void *arg)
{
	sr_scan_worker *w = arg;
	for (;;) {
		pthread_mutex_lock(&w->lock);
		if (!w->wake && !w->stop) {
			struct timespec ts;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += w->cfg.poll_ms / 1000;
			ts.tv_nsec += (long)(w->cfg.poll_ms % 1000) * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&w->cond, &w->lock, &ts);
		}
		int stop = w->stop;
		w->wake = 0;
		pthread_mutex_unlock(&w->lock);
		if (stop)
			break;
		/* Drains the queue in batches; a wake during a batch is seen by the next loop. */
		for (;;) {
			int done = 0;
			sr_reads budget;
			sr_reads_init(&budget);
			sr_store_set_reads(w->store, &budget);
			int64_t t0 = sr_mono_ns();
			int rc = sr_scan_queue_drain(w->store, w->cfg.blobs, w->rules,
						     w->cmd ? &w->cfg.ext : NULL, w->cfg.batch, &done);
			sr_store_set_reads(w->store, NULL);
			if (rc)
				sr_log_error("scan worker: %s", sr_strerror(rc));
			/* A poll that found nothing is not a run worth counting. */
			if (rc || done)
				sr_job_report("scan-worker", rc == 0, sr_mono_ns() - t0, &budget);
			pthread_mutex_lock(&w->lock);
			stop = w->stop;
			pthread_mutex_unlock(&w->lock);
			if (rc || done < w->cfg.batch || stop)
				break;
		}
	}
	return NULL;
}

int sr_scan_worker_start(const sr_scan_worker_config *cfg, sr_scan_worker **out)
{
	sr_scan_worker *w = calloc(1, sizeof(*w));
	if (!w)
		return SR_ENOMEM;
	w->cfg = *cfg;
	if (w->cfg.poll_ms <= 0)
		w->cfg.poll_ms = 1000;
	if (w->cfg.batch <= 0)
		w->cfg.batch = 32;
	if (cfg->ext.cmd && cfg->ext.cmd[0]) {
		w->cmd = strdup(cfg->ext.cmd);
		if (!w->cmd) {
			free(w);
			return SR_ENOMEM;
		}
		w->cfg.ext.cmd = w->cmd;
	}
	char err[256] = "";
	int rc = sr_scan_rules_new_builtin(&w->rules, err, sizeof(err));
	if (rc) {
		sr_log_error("scan worker: cannot load the scanner rules: %s", err);
		goto fail;
	}
	if ((rc = sr_store_open(cfg->db_path, &w->store)))
		goto fail;
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);
	/* Versions left pending by a previous run are scanned at once. */
	w->wake = 1;
	if (pthread_create(&w->thread, NULL, run, w)) {
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
		rc = SR_ENOMEM;
		goto fail;
	}
	*out = w;
	return 0;
fail:
	sr_store_close(w->store);
	sr_scan_rules_free(w->rules);
	free(w->cmd);
	free(w);
	return rc;
}

void sr_scan_worker_wake(sr_scan_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->wake = 1;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

void sr_scan_worker_stop(sr_scan_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = 1;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	sr_store_close(w->store);
	sr_scan_rules_free(w->rules);
	free(w->cmd);
	free(w);
}
