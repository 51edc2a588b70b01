/*
 * worker.h - the scan worker: a thread of `serve` with its own store connection that scans
 * pending versions (moderation.h, sr_scan_queue_drain). A publish wakes it; between wakes
 * it polls the queue (the partial index ix_versions_scan_queue) every poll_ms, so versions
 * queued by another process (`skillreg moderate rescan`, the requeue job) are picked up
 * too.
 */
#ifndef SR_SCAN_WORKER_H
#define SR_SCAN_WORKER_H

#include "blob/blob.h"
#include "moderation/moderation.h"

typedef struct sr_scan_worker sr_scan_worker;

typedef struct sr_scan_worker_config {
	const char *db_path;
	sr_blobs *blobs;         /* shared with the server; blob reads are thread-safe */
	sr_ext_scanner ext;      /* cmd NULL: the built-in scanner only */
	int poll_ms;             /* default 1000 */
	int batch;               /* versions per wake-up before the queue is read again; default 32 */
} sr_scan_worker_config;

int sr_scan_worker_start(const sr_scan_worker_config *cfg, sr_scan_worker **out);
/* Asks the worker to look at the queue now (after a publish or a rescan request). NULL is a
 * no-op. */
void sr_scan_worker_wake(sr_scan_worker *w);
/* Finishes the scan in progress, stops the thread and frees the worker. NULL is a no-op. */
void sr_scan_worker_stop(sr_scan_worker *w);

#endif
