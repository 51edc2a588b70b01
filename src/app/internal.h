/*
 * internal.h - what the front controller's files share (src/app only).
 */
#ifndef SR_APP_INTERNAL_H
#define SR_APP_INTERNAL_H

#include "http/context.h"
#include "http/http.h"

/* Routes a request whose path is seg[0..n) to its handler (controller.c). */
void sr__app_dispatch(sr_app *app, sr_req *req, sr_resp *resp, char **seg, int n);

/* Counts an API request against its caller's rate limit; 0 to go on, else the 429 is
 * written (limits.c). */
int sr__app_rate_limit(sr_app *app, sr_req *req, sr_resp *resp);

/* The response cache class of a request (enum sr_cache_class of http/cache.h), asked of the
 * face its path belongs to; only anonymous GETs are cached. *slug and *route are set as the
 * faces' cache_class functions set them (caching.c). */
int sr__app_cache_class(const sr_req *req, char **seg, int n, int page, const char **slug,
			const char **route);

/* Answers a cacheable request from the cache, or dispatches it and keeps the answer when it
 * may be kept (caching.c). */
void sr__app_cached(sr_app *app, sr_req *req, sr_resp *resp, char **seg, int n, int cls,
		    const char *slug, const char *route);

#endif
