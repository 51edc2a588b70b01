/*
 * ratelimit.h - sliding-window request counters (api-v1 section 4, issue 16).
 *
 * ClawHub counts in fixed windows aligned to the minute, which lets twice the limit through
 * in a second across a minute boundary (the limit just before it, the limit again just
 * after). These counters keep, per key, one count for each of the last 61 whole seconds: a
 * request is admitted when the requests admitted in its own second and the 60 before it are
 * fewer than the limit. Those 61 seconds cover every 60-second span that ends with the
 * request, so no 60-second span, wherever it starts, ever holds more than the limit of
 * admitted requests. A refused request is not counted: a client that keeps knocking while
 * refused is admitted again as soon as its oldest counted requests leave the window.
 *
 * Counters live in a fixed-size table in memory, striped over a few locks. When more keys are
 * live than a run of slots holds, the key whose last request is oldest is evicted and starts
 * over: under such load a limit can be looser, never wrongly applied to another client. Each
 * skillreg process counts on its own.
 */
#ifndef SR_RATELIMIT_H
#define SR_RATELIMIT_H

#include <stdint.h>

/* The window: this many seconds before the current one, plus the current one. */
#define SR_RATELIMIT_WINDOW_S 60

typedef struct sr_ratelimit sr_ratelimit;

typedef struct sr_rate_result {
	int allowed;
	int64_t limit, count; /* count: admitted requests in the window, this one included */
	/* The epoch second at which the window next has room for one more request: when
	 * allowed, the moment its oldest counted request leaves the window; when refused, the
	 * moment enough have left for one more to fit. */
	int64_t reset_epoch_s;
} sr_rate_result;

int sr_ratelimit_new(sr_ratelimit **out);
void sr_ratelimit_free(sr_ratelimit *r);
/* Counts one request for key at now_ms when it is within limit, and says whether it was. */
void sr_ratelimit_hit(sr_ratelimit *r, const char *key, int64_t limit, int64_t now_ms,
		      sr_rate_result *res);

#endif
