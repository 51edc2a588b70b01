/*
 * ratelimit.h - fixed-window request counters (api-v1 section 4).
 *
 * Windows are 60 s aligned to the minute. Counters live in a fixed-size table in memory,
 * striped over a few locks. When more keys are live in a minute than the table holds, the
 * oldest in a run of slots is evicted and starts over: under such load a limit can be
 * looser, never wrongly applied to another client. Each skillreg process counts on its own.
 */
#ifndef SR_RATELIMIT_H
#define SR_RATELIMIT_H

#include <stdint.h>

typedef struct sr_ratelimit sr_ratelimit;

typedef struct sr_rate_result {
	int allowed;
	int64_t limit, count;
	int64_t reset_epoch_s; /* when the window ends */
} sr_rate_result;

int sr_ratelimit_new(sr_ratelimit **out);
void sr_ratelimit_free(sr_ratelimit *r);
/* Counts one request for key in the current window and says whether it is within limit. */
void sr_ratelimit_hit(sr_ratelimit *r, const char *key, int64_t limit, int64_t now_ms,
		      sr_rate_result *res);

#endif
