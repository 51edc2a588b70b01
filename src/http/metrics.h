/*
 * metrics.h - the process's counters, rendered at GET /metrics in Prometheus text format.
 *
 * Requests are counted by route (the name the handler gives them) and status, with a latency
 * histogram and the database rows and bytes they read; reads are also counted by table.
 * Background jobs (the event fold, later the schedulers' jobs) are accounted the same way
 * under their job name. Counters are process-wide atomics: recording costs a few relaxed
 * increments and no lock once a route has been seen.
 */
#ifndef SR_METRICS_H
#define SR_METRICS_H

#include <stdint.h>

#include "core/buf.h"
#include "store/store.h"

/* route must be a string that outlives the process (the handlers' literals). */
void sr_metrics_request(const char *route, int status, int64_t dur_ns, const sr_reads *reads);
void sr_metrics_job(const char *name, int ok, int64_t dur_ns, const sr_reads *reads);
void sr_metrics_page_cache(int64_t hits, int64_t misses);
/* A response-cache lookup for route: 1 hit, 0 miss. */
void sr_metrics_cache(const char *route, int hit);

/* Extra lines a module appends (the response cache's gauges). */
typedef void (*sr_metrics_gauge_fn)(void *ud, sr_buf *out);
void sr_metrics_set_gauges(sr_metrics_gauge_fn fn, void *ud);

/* Appends the whole exposition to out. */
int sr_metrics_render(sr_buf *out);

#endif
