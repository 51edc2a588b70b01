/*
 * metrics.c - process-wide counters and their Prometheus rendering; see metrics.h.
 *
 * Each route or job name gets a slot in a fixed open-addressed table the first time it is
 * seen (under a lock); after that, recording is lock-free. Slots are never removed, and the
 * table is sized far above the number of routes and jobs the program has.
 */
#include "http/metrics.h"

#include <inttypes.h>
#include <stddef.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define NAMES_MAX 256
#define STATUS_MIN 100
#define STATUS_SPAN 500 /* 100..599 */

/* Latency bucket bounds in microseconds. */
static const int64_t bounds_us[] = {100, 250, 500, 1000, 2500, 5000, 10000, 25000,
				    50000, 100000, 250000, 500000, 1000000, 2500000};
#define NBOUNDS ((int)(sizeof(bounds_us) / sizeof(bounds_us[0])))

typedef _Atomic uint64_t counter;

struct series {
	const char *name;
	int job;
	counter status[STATUS_SPAN];  /* requests by status; jobs use [0] ok, [1] error */
	counter hist[NBOUNDS + 1];    /* last: above every bound */
	counter dur_ns, count;
	counter rows, bytes, limit_errors;
	counter cache_hits, cache_misses;
};

static struct {
	_Atomic(struct series *) slot[NAMES_MAX];
	pthread_mutex_t lock;
	counter table_rows[SR_T_COUNT], table_bytes[SR_T_COUNT];
	counter page_hits, page_misses;
	sr_metrics_gauge_fn gauges;
	void *gauges_ud;
} m = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void add(counter *c, uint64_t v)
{
	atomic_fetch_add_explicit(c, v, memory_order_relaxed);
}

static uint64_t get(counter *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

static unsigned hash(const char *s, int job)
{
	unsigned h = 2166136261u ^ (unsigned)job;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* Looks name up; with create (under the lock) an empty slot on the probe path gets it. */
static struct series *find(const char *name, int job, unsigned h, int create)
{
	for (unsigned i = 0; i < NAMES_MAX; i++) {
		unsigned k = (h + i) % NAMES_MAX;
		struct series *s = atomic_load_explicit(&m.slot[k], memory_order_acquire);
		if (!s) {
			if (!create)
				return NULL;
			s = calloc(1, sizeof(*s));
			if (!s)
				return NULL;
			s->name = name;
			s->job = job;
			atomic_store_explicit(&m.slot[k], s, memory_order_release);
			return s;
		}
		if (s->job == job && (s->name == name || strcmp(s->name, name) == 0))
			return s;
	}
	return NULL;
}

/* The series for a name, created on first use; NULL only when the table is full. */
static struct series *series_for(const char *name, int job)
{
	unsigned h = hash(name, job);
	struct series *s = find(name, job, h, 0);
	if (s)
		return s;
	pthread_mutex_lock(&m.lock);
	s = find(name, job, h, 1);
	pthread_mutex_unlock(&m.lock);
	return s;
}

static void add_reads(struct series *s, int64_t dur_ns, const sr_reads *r)
{
	int64_t us = dur_ns / 1000;
	int b = 0;
	while (b < NBOUNDS && us > bounds_us[b])
		b++;
	add(&s->hist[b], 1);
	add(&s->dur_ns, (uint64_t)(dur_ns > 0 ? dur_ns : 0));
	add(&s->count, 1);
	if (!r)
		return;
	add(&s->rows, (uint64_t)r->rows);
	add(&s->bytes, (uint64_t)r->bytes);
	if (r->exceeded)
		add(&s->limit_errors, 1);
	for (int t = 0; t < SR_T_COUNT; t++) {
		if (r->table_rows[t])
			add(&m.table_rows[t], (uint64_t)r->table_rows[t]);
		if (r->table_bytes[t])
			add(&m.table_bytes[t], (uint64_t)r->table_bytes[t]);
	}
}

void sr_metrics_request(const char *route, int status, int64_t dur_ns, const sr_reads *reads)
{
	struct series *s = series_for(route ? route : "-", 0);
	if (!s)
		return;
	if (status >= STATUS_MIN && status < STATUS_MIN + STATUS_SPAN)
		add(&s->status[status - STATUS_MIN], 1);
	add_reads(s, dur_ns, reads);
}

void sr_metrics_job(const char *name, int ok, int64_t dur_ns, const sr_reads *reads)
{
	struct series *s = series_for(name, 1);
	if (!s)
		return;
	add(&s->status[ok ? 0 : 1], 1);
	add_reads(s, dur_ns, reads);
}

void sr_metrics_page_cache(int64_t hits, int64_t misses)
{
	if (hits > 0)
		add(&m.page_hits, (uint64_t)hits);
	if (misses > 0)
		add(&m.page_misses, (uint64_t)misses);
}

void sr_metrics_cache(const char *route, int hit)
{
	struct series *s = series_for(route ? route : "-", 0);
	if (s)
		add(hit ? &s->cache_hits : &s->cache_misses, 1);
}

void sr_metrics_set_gauges(sr_metrics_gauge_fn fn, void *ud)
{
	pthread_mutex_lock(&m.lock);
	m.gauges = fn;
	m.gauges_ud = ud;
	pthread_mutex_unlock(&m.lock);
}

static void head(sr_buf *out, const char *name, const char *type, const char *help)
{
	sr_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Writes one counter line per series of the given kind whose value is not zero. */
static void per_series(sr_buf *out, const char *metric, int job, const char *label,
		       size_t field, double scale)
{
	for (int k = 0; k < NAMES_MAX; k++) {
		struct series *s = atomic_load_explicit(&m.slot[k], memory_order_acquire);
		if (!s || s->job != job)
			continue;
		uint64_t v = get((counter *)(void *)((char *)s + field));
		if (!v && scale == 1.0)
			continue;
		if (scale == 1.0)
			sr_buf_printf(out, "%s{%s=\"%s\"} %" PRIu64 "\n", metric, label, s->name, v);
		else
			sr_buf_printf(out, "%s{%s=\"%s\"} %.6f\n", metric, label, s->name, (double)v * scale);
	}
}

int sr_metrics_render(sr_buf *out)
{
	head(out, "skillreg_http_requests_total", "counter", "Requests answered, by route and status.");
	for (int k = 0; k < NAMES_MAX; k++) {
		struct series *s = atomic_load_explicit(&m.slot[k], memory_order_acquire);
		if (!s || s->job)
			continue;
		for (int i = 0; i < STATUS_SPAN; i++) {
			uint64_t v = get(&s->status[i]);
			if (v)
				sr_buf_printf(out, "skillreg_http_requests_total{route=\"%s\",status=\"%d\"} %" PRIu64 "\n",
					      s->name, i + STATUS_MIN, v);
		}
	}
	head(out, "skillreg_http_request_duration_seconds", "histogram", "Time from request to response, by route.");
	for (int k = 0; k < NAMES_MAX; k++) {
		struct series *s = atomic_load_explicit(&m.slot[k], memory_order_acquire);
		if (!s || s->job || !get(&s->count))
			continue;
		uint64_t cum = 0;
		for (int b = 0; b <= NBOUNDS; b++) {
			cum += get(&s->hist[b]);
			if (b < NBOUNDS)
				sr_buf_printf(out, "skillreg_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %" PRIu64 "\n",
					      s->name, (double)bounds_us[b] / 1e6, cum);
			else
				sr_buf_printf(out, "skillreg_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %" PRIu64 "\n",
					      s->name, cum);
		}
		sr_buf_printf(out, "skillreg_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", s->name,
			      (double)get(&s->dur_ns) / 1e9);
		/* The count is the +Inf bucket as printed, so the two agree even while requests
		 * are being recorded. */
		sr_buf_printf(out, "skillreg_http_request_duration_seconds_count{route=\"%s\"} %" PRIu64 "\n", s->name,
			      cum);
	}
	head(out, "skillreg_db_rows_read_total", "counter", "Rows the database handed back, by route.");
	per_series(out, "skillreg_db_rows_read_total", 0, "route", offsetof(struct series, rows), 1.0);
	head(out, "skillreg_db_bytes_read_total", "counter", "Column bytes the database handed back, by route.");
	per_series(out, "skillreg_db_bytes_read_total", 0, "route", offsetof(struct series, bytes), 1.0);
	head(out, "skillreg_db_read_limit_errors_total", "counter", "Requests ended by a read limit, by route.");
	per_series(out, "skillreg_db_read_limit_errors_total", 0, "route", offsetof(struct series, limit_errors), 1.0);
	head(out, "skillreg_db_table_rows_read_total", "counter", "Rows read by requests and jobs, by table.");
	for (int t = 0; t < SR_T_COUNT; t++)
		sr_buf_printf(out, "skillreg_db_table_rows_read_total{table=\"%s\"} %" PRIu64 "\n", sr_table_name(t),
			      get(&m.table_rows[t]));
	head(out, "skillreg_db_table_bytes_read_total", "counter", "Column bytes read by requests and jobs, by table.");
	for (int t = 0; t < SR_T_COUNT; t++)
		sr_buf_printf(out, "skillreg_db_table_bytes_read_total{table=\"%s\"} %" PRIu64 "\n", sr_table_name(t),
			      get(&m.table_bytes[t]));
	head(out, "skillreg_sqlite_page_cache_hits_total", "counter", "SQLite page-cache hits.");
	sr_buf_printf(out, "skillreg_sqlite_page_cache_hits_total %" PRIu64 "\n", get(&m.page_hits));
	head(out, "skillreg_sqlite_page_cache_misses_total", "counter", "SQLite page-cache misses (pages read from the file or the map).");
	sr_buf_printf(out, "skillreg_sqlite_page_cache_misses_total %" PRIu64 "\n", get(&m.page_misses));
	head(out, "skillreg_cache_hits_total", "counter", "Response-cache hits, by route.");
	per_series(out, "skillreg_cache_hits_total", 0, "route", offsetof(struct series, cache_hits), 1.0);
	head(out, "skillreg_cache_misses_total", "counter", "Response-cache misses, by route.");
	per_series(out, "skillreg_cache_misses_total", 0, "route", offsetof(struct series, cache_misses), 1.0);
	head(out, "skillreg_job_runs_total", "counter", "Background job runs, by job and result.");
	for (int k = 0; k < NAMES_MAX; k++) {
		struct series *s = atomic_load_explicit(&m.slot[k], memory_order_acquire);
		if (!s || !s->job)
			continue;
		sr_buf_printf(out, "skillreg_job_runs_total{job=\"%s\",result=\"ok\"} %" PRIu64 "\n", s->name,
			      get(&s->status[0]));
		sr_buf_printf(out, "skillreg_job_runs_total{job=\"%s\",result=\"error\"} %" PRIu64 "\n", s->name,
			      get(&s->status[1]));
	}
	head(out, "skillreg_job_duration_seconds_total", "counter", "Time spent in background jobs, by job.");
	per_series(out, "skillreg_job_duration_seconds_total", 1, "job", offsetof(struct series, dur_ns), 1e-9);
	head(out, "skillreg_job_rows_read_total", "counter", "Rows read by background jobs, by job.");
	per_series(out, "skillreg_job_rows_read_total", 1, "job", offsetof(struct series, rows), 1.0);
	head(out, "skillreg_job_bytes_read_total", "counter", "Column bytes read by background jobs, by job.");
	per_series(out, "skillreg_job_bytes_read_total", 1, "job", offsetof(struct series, bytes), 1.0);
	pthread_mutex_lock(&m.lock);
	if (m.gauges)
		m.gauges(m.gauges_ud, out);
	pthread_mutex_unlock(&m.lock);
	return 0;
}
