/*
 * controller.h - the front controller: the one HTTP application the server runs.
 *
 * The HTTP server (src/http) asks two things of its application: how large a body a request
 * may send, decided before the body is read, and the answer to a whole request. The
 * controller answers both. For a request it answers CORS preflights itself, counts API
 * requests against their rate limit, looks anonymous public GETs up in the response cache
 * (and fills it), and hands everything else to the face the path belongs to: the web pages
 * (src/web) or the JSON API (src/api). It answers /healthz and /metrics, which belong to
 * neither. The faces know nothing of the controller or of each other.
 */
#ifndef SR_APP_CONTROLLER_H
#define SR_APP_CONTROLLER_H

#include <stddef.h>

#include "http/http.h"

/* The body ceiling and owner of a request (sr_http_app.body_limit; app is the sr_app). */
void sr_app_body_limit(void *app, sr_req *req, sr_body_grant *grant);
/* Answers a request (sr_http_app.handle; app is the sr_app). */
void sr_app_handle(void *app, sr_req *req, sr_resp *resp);

#endif
