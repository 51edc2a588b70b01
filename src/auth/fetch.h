/*
 * fetch.h - the outgoing HTTP requests of sign-in (src/auth only): discovery documents, key
 * sets, token endpoints and GitHub's API, through libcurl.
 *
 * Every request has a deadline and every answer a ceiling: an identity provider that hangs
 * or answers without end holds one web request for at most SR_FETCH_TIMEOUT_MS and costs at
 * most SR_FETCH_MAX_BODY bytes. Only http and https are spoken, redirects are not followed
 * (a provider's endpoints are exact URLs), and TLS peers are verified.
 */
#ifndef SR_AUTH_FETCH_H
#define SR_AUTH_FETCH_H

#include "core/buf.h"

#define SR_FETCH_MAX_BODY (256 * 1024)
#define SR_FETCH_TIMEOUT_MS 10000
#define SR_FETCH_CONNECT_TIMEOUT_MS 5000

typedef struct sr__fetch_req {
	const char *url;
	const char *form;   /* a POST body (application/x-www-form-urlencoded); NULL: a GET */
	const char *bearer; /* Authorization: Bearer TOKEN, or NULL */
	const char *basic;  /* Authorization: Basic VALUE (already encoded), or NULL */
	const char *accept; /* the Accept header; NULL: application/json */
} sr__fetch_req;

/* Sends the request; *status is the answer's HTTP status and out (whose ceiling the caller
 * chose, at most SR_FETCH_MAX_BODY is read in any case) its body. SR_EIO when no answer came
 * (connection refused, timeout, TLS), SR_ETOOBIG when the body passed the ceiling. */
int sr__fetch(const sr__fetch_req *rq, long *status, sr_buf *out);

/* Appends s percent-encoded for a query string or form (RFC 3986 unreserved kept). */
int sr__urlenc(sr_buf *b, const char *s);

/* Whether url is https, or http to a loopback host (127.0.0.0/8, ::1, localhost): an
 * identity provider is reached only over TLS, except one on this machine (tests, a
 * development provider). */
int sr__url_allowed(const char *url);

#endif
