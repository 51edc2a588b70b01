/*
 * conns.h - the server's connections from accept to close: who gets in, how long a client
 * may take over its request line, its headers and each read of its body, and who is shed
 * when every slot is taken (issue 16, "slow clients").
 *
 * libmicrohttpd 0.9.75 gives a connection one idle timeout that restarts on every byte, so a
 * client sending a header byte every few seconds holds its slot for as long as it likes, and
 * once the global cap is reached new clients are refused at accept. It also answers some
 * garbage request lines with nothing: a line without a space is closed silently, and binary
 * bytes without a line end (a TLS hello) are held for the whole idle timeout.
 *
 * So the server accepts connections itself. The accept thread reads (without consuming) the
 * first request line of each new connection, answers 400 and closes when it cannot be an HTTP
 * request line, and hands a complete one to libmicrohttpd (MHD_add_connection), which parses
 * it again. From then on the connection is followed through libmicrohttpd's callbacks: the
 * request line of a later request (the URI log callback), the first call of the handler
 * (headers complete), each chunk of body, the end of the request. The same thread checks the
 * deadlines ten times a second and ends a connection that missed one: 408 and close for a
 * request line or headers not complete within the header timeout (counted from accept for the
 * first request), for a body read that waits longer than the body timeout, and for a body
 * whose rate over a period of the body timeout (each period judged by its own bytes) is below the
 * minimum.
 *
 * At the global cap a new connection is admitted by shedding the connection that has been
 * longest waiting for, or in, its request line and headers (an idle keep-alive connection
 * counts as waiting); a connection whose request is being handled is never shed. A client
 * address at its own cap is refused with 503.
 */
#ifndef SR_HTTP_CONNS_H
#define SR_HTTP_CONNS_H

#include <netinet/in.h>

#include <microhttpd.h>

#include "http/http.h"

typedef struct sr__conns sr__conns;

/* The limits; a zero field takes its default (SR_HTTP_* in http.h). */
typedef struct sr__conn_limits {
	int max_connections;
	int max_per_ip;
	int header_timeout_ms;
	int body_timeout_ms;
	int body_min_rate; /* bytes a second; 0 turns the check off, negative takes the default */
	int idle_timeout_ms;
} sr__conn_limits;

/* Listens on sa (port 0 picks one). 0, or a negative SR_E* code after a log line. */
int sr__conns_new(const struct sockaddr_in *sa, const sr__conn_limits *lim, sr__conns **out);
/* The limits with defaults filled in. */
const sr__conn_limits *sr__conns_limits(const sr__conns *cs);
int sr__conns_port(const sr__conns *cs);
/* The connections libmicrohttpd must be able to hold: the cap and room for shed connections
 * that are still closing. */
int sr__conns_slots(const sr__conns *cs);
/* Starts the accept thread, which hands connections to d (started with
 * MHD_USE_NO_LISTEN_SOCKET). 0 or a negative SR_E* code. */
int sr__conns_run(sr__conns *cs, struct MHD_Daemon *d);
/* Stops the accept thread and closes what it holds; call before MHD_stop_daemon, and
 * sr__conns_free after it (libmicrohttpd's last callbacks still find their slots). */
void sr__conns_stop(sr__conns *cs);
void sr__conns_free(sr__conns *cs);

/* libmicrohttpd's callbacks (MHD_OPTION_NOTIFY_CONNECTION and MHD_OPTION_URI_LOG_CALLBACK),
 * with the sr__conns as their closure. */
void sr__conns_notify(void *cls, struct MHD_Connection *c, void **socket_context,
		      enum MHD_ConnectionNotificationCode toe);
void *sr__conns_uri_log(void *cls, const char *uri, struct MHD_Connection *c);

/* The request's headers are complete (the first call of the handler): its body reads are
 * timed from now. -1 when the connection was already ended by a deadline. */
int sr__conns_headers_done(struct MHD_Connection *c);
/* A chunk of body arrived; -1 when the connection was already ended by a deadline. */
int sr__conns_body_read(struct MHD_Connection *c, size_t bytes);
/* The body is complete and the handler runs: no more deadlines of ours. -1 as above. */
int sr__conns_handling(struct MHD_Connection *c);
/* The request is over (the request-completed callback): the connection waits for the next. */
void sr__conns_request_done(struct MHD_Connection *c);

#endif
