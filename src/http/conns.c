/*
 * conns.c - the connection table, the accept thread and the deadlines; see conns.h.
 *
 * Every connection has a slot from accept to libmicrohttpd's close notification. One mutex
 * guards the states; it is taken for a few instructions at each step of a request (request
 * line, headers, each body chunk, end), and by the accept thread while it admits a connection
 * or checks the deadlines. A connection owned by libmicrohttpd is ended by shutdown(2) on its
 * socket under that mutex: libmicrohttpd closes the socket only after the close notification,
 * which takes the mutex too, so the descriptor cannot be reused under us. libmicrohttpd then
 * sees the end of the stream and closes the connection the ordinary way.
 */
#include "http/conns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "core/util.h"
#include "http/metrics.h"

enum conn_state {
	C_FREE,
	C_LINE,    /* the accept thread waits for the first request line */
	C_HANDED,  /* given to libmicrohttpd, which has not announced it yet */
	C_HEADERS, /* libmicrohttpd reads the request line or headers */
	C_BODY,    /* the handler has the headers; the body arrives */
	C_BUSY,    /* the request is handled and answered */
	C_IDLE,    /* a kept-alive connection between requests */
	C_ENDED    /* shut down by a deadline or to make room; libmicrohttpd has yet to close it */
};

/* Why the server ended a connection, for the summary line in the log. */
enum end_reason { END_LINE, END_HEADERS, END_BODY, END_RATE, END_SHED, END_PER_IP, END_FULL, END_REASONS };

static const char *const reason_names[END_REASONS] = {
	"bad request line", "header timeout", "body timeout", "body too slow", "shed at the cap",
	"per-address cap", "no slot",
};

/* Each end is also an answer in /metrics, under a route of its own. */
static const struct {
	const char *route;
	int status;
} reason_metrics[END_REASONS] = {
	{"conn-bad-request-line", 400}, {"conn-header-timeout", 408}, {"conn-body-timeout", 408},
	{"conn-body-too-slow", 408},    {"conn-shed", 503},           {"conn-per-address", 503},
	{"conn-no-slot", 503},
};

struct slot {
	sr__conns *cs;
	int state;
	int fd;
	struct sockaddr_in addr;
	int64_t since_ns;  /* the start of the current wait: accept, a later request line, the
			    * end of the previous request */
	int64_t handed_ns; /* when the accept thread gave it to libmicrohttpd */
	int64_t read_ns;   /* the last chunk of body */
	int64_t body_ns;   /* when the headers were complete */
	int64_t body_bytes;
	int64_t win_ns;    /* the start of the period the body's rate is judged over */
	int64_t win_bytes; /* body bytes since then */
};

struct sr__conns {
	sr__conn_limits lim;
	int listen_fd, ep, wake, port;
	struct MHD_Daemon *d;
	pthread_t thread;
	int running;
	pthread_mutex_t lock;
	struct slot *slots;
	int nslots;
	/* Connections ended by this module since the last summary line, by reason. */
	int ended[END_REASONS];
	int64_t next_summary_ns;
};

/* The first request line is read (not consumed) up to this many bytes; a longer line that is
 * well formed so far goes to libmicrohttpd, whose answer to a line too long is its own. */
#define LINE_PEEK 8192
/* How long a handed connection may wait for libmicrohttpd's notification before its slot is
 * given up (libmicrohttpd dropped it on a failure of its own). */
#define HANDED_MAX_NS (5 * INT64_C(1000000000))
#define MS (INT64_C(1000000))

static void count_end(sr__conns *cs, enum end_reason why)
{
	static const sr_reads none;
	cs->ended[why]++;
	sr_metrics_request(reason_metrics[why].route, reason_metrics[why].status, 0, &none);
}

static void answer(int fd, int status, const char *reason, const char *text)
{
	char msg[256];
	int n = snprintf(msg, sizeof(msg),
			 "HTTP/1.1 %d %s\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n"
			 "Content-Length: %zu\r\n\r\n%s",
			 status, reason, strlen(text), text);
	ssize_t w = send(fd, msg, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
	(void)w;
}

/* Closes a socket the accept thread owns after an answer: what the client sent is read first,
 * since closing over unread bytes resets the connection and may destroy the answer. */
static void close_owned(int fd)
{
	char sink[4096];
	for (int i = 0; i < 16 && recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0; i++)
		;
	shutdown(fd, SHUT_WR);
	close(fd);
}

/* Ends a connection, with an answer when status is not 0. Under the lock. */
static void end_slot(struct slot *s, int status, const char *reason, const char *text)
{
	if (status)
		answer(s->fd, status, reason, text);
	if (s->state == C_LINE) {
		close_owned(s->fd);
		s->state = C_FREE;
	} else {
		shutdown(s->fd, SHUT_RDWR);
		s->state = C_ENDED;
	}
}

static void end_timeout(struct slot *s, enum end_reason why)
{
	count_end(s->cs, why);
	end_slot(s, 408, "Request Timeout", "Request timeout");
}

/* ---------------------------------------------------------------- the first request line */

enum { LINE_MORE, LINE_OK, LINE_BAD };

static int is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Whether b[0..n) starts an HTTP/1.x request line (RFC 9112 section 3): a method token of at
 * most 32 characters, one space, a target of visible characters, one space, HTTP/d.d and a
 * line end (CRLF, or LF as libmicrohttpd accepts). Empty lines before it are allowed. */
static int request_line(const unsigned char *b, size_t n)
{
	size_t i = 0;
	while (i < n && (b[i] == '\r' || b[i] == '\n'))
		i++;
	size_t start = i;
	while (i < n && is_tchar(b[i]) && i - start < 32)
		i++;
	if (i == n)
		return LINE_MORE;
	if (i == start || b[i] != ' ')
		return LINE_BAD;
	start = ++i;
	while (i < n && b[i] > ' ' && b[i] != 0x7f)
		i++;
	if (i == n)
		return LINE_MORE;
	if (i == start || b[i] != ' ')
		return LINE_BAD;
	i++;
	static const char version[] = "HTTP/d.d";
	for (size_t k = 0; version[k]; k++, i++) {
		if (i == n)
			return LINE_MORE;
		int ok = version[k] == 'd' ? b[i] >= '0' && b[i] <= '9' : b[i] == (unsigned char)version[k];
		if (!ok)
			return LINE_BAD;
	}
	if (i < n && b[i] == '\r')
		i++;
	if (i == n)
		return LINE_MORE;
	return b[i] == '\n' ? LINE_OK : LINE_BAD;
}

static void hand_over(sr__conns *cs, struct slot *s)
{
	epoll_ctl(cs->ep, EPOLL_CTL_DEL, s->fd, NULL);
	pthread_mutex_lock(&cs->lock);
	s->state = C_HANDED;
	s->handed_ns = sr_mono_ns();
	pthread_mutex_unlock(&cs->lock);
	if (MHD_add_connection(cs->d, s->fd, (const struct sockaddr *)&s->addr, sizeof(s->addr)) != MHD_YES) {
		/* libmicrohttpd has closed the socket. */
		pthread_mutex_lock(&cs->lock);
		s->state = C_FREE;
		pthread_mutex_unlock(&cs->lock);
	}
}

/* New bytes on a connection the accept thread holds. */
static void on_line_bytes(sr__conns *cs, struct slot *s)
{
	unsigned char buf[LINE_PEEK];
	int st = LINE_MORE;
	pthread_mutex_lock(&cs->lock);
	/* An event of this round may name a slot that was shed or reused meanwhile. */
	ssize_t r = s->state == C_LINE ? recv(s->fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT) : -1;
	if (s->state != C_LINE || (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))) {
		pthread_mutex_unlock(&cs->lock);
		return;
	}
	if (r <= 0) {
		/* The client went away before its request line. */
		close(s->fd);
		s->state = C_FREE;
	} else if ((st = request_line(buf, (size_t)r)) == LINE_BAD) {
		count_end(cs, END_LINE);
		end_slot(s, 400, "Bad Request", "Bad request line");
	}
	pthread_mutex_unlock(&cs->lock);
	if (r > 0 && (st == LINE_OK || (st == LINE_MORE && (size_t)r == sizeof(buf))))
		hand_over(cs, s);
}

/* ---------------------------------------------------------------- admission */

static int sheddable(int state)
{
	return state == C_LINE || state == C_HEADERS || state == C_IDLE;
}

/* Takes a slot for a new connection, shedding the connection longest in its request line and
 * headers when the global cap is reached. NULL with *why set when the connection is refused.
 * Under the lock. */
static struct slot *take_slot(sr__conns *cs, const struct sockaddr_in *a, const char **why)
{
	int live = 0, same_ip = 0;
	struct slot *victim = NULL, *free_slot = NULL;
	for (int i = 0; i < cs->nslots; i++) {
		struct slot *s = &cs->slots[i];
		if (s->state == C_FREE) {
			if (!free_slot)
				free_slot = s;
			continue;
		}
		if (s->state == C_ENDED)
			continue;
		live++;
		same_ip += s->addr.sin_addr.s_addr == a->sin_addr.s_addr;
		if (sheddable(s->state) && (!victim || s->since_ns < victim->since_ns))
			victim = s;
	}
	if (same_ip >= cs->lim.max_per_ip) {
		count_end(cs, END_PER_IP);
		*why = "Too many connections from your address";
		return NULL;
	}
	if (live >= cs->lim.max_connections) {
		if (!victim) {
			count_end(cs, END_FULL);
			*why = "Server busy";
			return NULL;
		}
		count_end(cs, END_SHED);
		end_slot(victim, 503, "Service Unavailable", "Server busy");
		if (!free_slot)
			free_slot = victim->state == C_FREE ? victim : NULL;
	}
	if (!free_slot) {
		count_end(cs, END_FULL);
		*why = "Server busy";
	}
	return free_slot;
}

static void admit(sr__conns *cs, int fd, const struct sockaddr_in *a)
{
	const char *why = NULL;
	pthread_mutex_lock(&cs->lock);
	struct slot *s = take_slot(cs, a, &why);
	if (s) {
		s->state = C_LINE;
		s->fd = fd;
		s->addr = *a;
		s->since_ns = sr_mono_ns();
	}
	pthread_mutex_unlock(&cs->lock);
	if (!s) {
		answer(fd, 503, "Service Unavailable", why);
		close_owned(fd);
		return;
	}
	/* Edge-triggered: the bytes are only peeked, so a level-triggered descriptor would stay
	 * ready until the line is complete. Bytes that came with the connection still raise the
	 * first event. */
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.ptr = s};
	if (epoll_ctl(cs->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
		pthread_mutex_lock(&cs->lock);
		close(fd);
		s->state = C_FREE;
		pthread_mutex_unlock(&cs->lock);
	}
}

static void accept_some(sr__conns *cs)
{
	for (int i = 0; i < 64; i++) {
		struct sockaddr_in a;
		socklen_t len = sizeof(a);
		int fd = accept4(cs->listen_fd, (struct sockaddr *)&a, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			/* Out of descriptors: the listening socket stays ready, so wait a little
			 * instead of spinning; closing connections frees some. */
			if (errno == EMFILE || errno == ENFILE)
				usleep(10000);
			return;
		}
		admit(cs, fd, &a);
	}
}

/* ---------------------------------------------------------------- deadlines */

/* A body that keeps arriving, but slower than the minimum rate over a period of the body
 * timeout: a client holding its request and its buffer open a byte at a time. Each period is
 * judged by its own bytes, so a fast start (60 MiB, then a byte every few seconds) buys no
 * credit for the periods after it. */
static int too_slow(const sr__conns *cs, struct slot *s, int64_t now)
{
	int64_t took = now - s->win_ns;
	if (!cs->lim.body_min_rate || took < cs->lim.body_timeout_ms * MS)
		return 0;
	if (s->win_bytes < (int64_t)((double)cs->lim.body_min_rate * (double)took / 1e9))
		return 1;
	s->win_ns = now;
	s->win_bytes = 0;
	return 0;
}

static void sweep(sr__conns *cs, int64_t now)
{
	int64_t header = cs->lim.header_timeout_ms * MS, body = cs->lim.body_timeout_ms * MS;
	int64_t idle = cs->lim.idle_timeout_ms * MS;
	pthread_mutex_lock(&cs->lock);
	for (int i = 0; i < cs->nslots; i++) {
		struct slot *s = &cs->slots[i];
		switch (s->state) {
		case C_LINE:
		case C_HEADERS:
			if (now - s->since_ns > header)
				end_timeout(s, END_HEADERS);
			break;
		case C_BODY:
			if (now - s->read_ns > body)
				end_timeout(s, END_BODY);
			else if (too_slow(cs, s, now))
				end_timeout(s, END_RATE);
			break;
		case C_IDLE:
			if (now - s->since_ns > idle)
				end_slot(s, 0, NULL, NULL);
			break;
		case C_HANDED:
			if (now - s->handed_ns > HANDED_MAX_NS)
				s->state = C_FREE;
			break;
		default:
			break;
		}
	}
	pthread_mutex_unlock(&cs->lock);
}

/* At most one line every ten seconds says how many connections the server ended and why:
 * under an attack a line per connection would flood the log. */
static void summary(sr__conns *cs, int64_t now)
{
	if (now < cs->next_summary_ns)
		return;
	cs->next_summary_ns = now + 10000 * MS;
	char line[512];
	size_t n = 0;
	pthread_mutex_lock(&cs->lock);
	for (int i = 0; i < END_REASONS; i++) {
		if (cs->ended[i] && n < sizeof(line))
			n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s %d", n ? ", " : "", reason_names[i],
					      cs->ended[i]);
		cs->ended[i] = 0;
	}
	pthread_mutex_unlock(&cs->lock);
	if (n)
		sr_log_info("connections ended by the server in the last 10 s: %s", line);
}

static void *accept_thread(void *arg)
{
	sr__conns *cs = arg;
	int64_t next_sweep = 0;
	for (;;) {
		struct epoll_event ev[64];
		int n = epoll_wait(cs->ep, ev, 64, 100);
		for (int i = 0; i < n; i++) {
			if (ev[i].data.ptr == &cs->wake)
				return NULL;
			if (ev[i].data.ptr == &cs->listen_fd)
				accept_some(cs);
			else
				on_line_bytes(cs, ev[i].data.ptr);
		}
		int64_t now = sr_mono_ns();
		if (now >= next_sweep) {
			sweep(cs, now);
			summary(cs, now);
			next_sweep = now + 100 * MS;
		}
	}
}

/* ---------------------------------------------------------------- life cycle */

static int listen_on(const struct sockaddr_in *sa, int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	struct sockaddr_in got;
	socklen_t len = sizeof(got);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) != 0 || listen(fd, SOMAXCONN) != 0 ||
	    getsockname(fd, (struct sockaddr *)&got, &len) != 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(got.sin_port);
	return fd;
}

int sr__conns_new(const struct sockaddr_in *sa, const sr__conn_limits *lim, sr__conns **out)
{
	sr__conns *cs = calloc(1, sizeof(*cs));
	if (!cs)
		return SR_ENOMEM;
	cs->lim = *lim;
	if (cs->lim.max_connections <= 0)
		cs->lim.max_connections = SR_HTTP_MAX_CONNECTIONS;
	if (cs->lim.max_per_ip <= 0)
		cs->lim.max_per_ip = SR_HTTP_MAX_PER_IP;
	if (cs->lim.header_timeout_ms <= 0)
		cs->lim.header_timeout_ms = SR_HTTP_HEADER_TIMEOUT_MS;
	if (cs->lim.body_timeout_ms <= 0)
		cs->lim.body_timeout_ms = SR_HTTP_BODY_TIMEOUT_MS;
	if (cs->lim.body_min_rate < 0)
		cs->lim.body_min_rate = SR_HTTP_BODY_MIN_RATE;
	if (cs->lim.idle_timeout_ms <= 0)
		cs->lim.idle_timeout_ms = SR_HTTP_IDLE_TIMEOUT_MS;
	/* Shed connections keep their slot until libmicrohttpd has closed them: room for them
	 * beside the cap. */
	cs->nslots = cs->lim.max_connections + cs->lim.max_connections / 4 + 16;
	cs->slots = calloc((size_t)cs->nslots, sizeof(*cs->slots));
	cs->listen_fd = cs->ep = cs->wake = -1;
	pthread_mutex_init(&cs->lock, NULL);
	if (!cs->slots) {
		sr__conns_free(cs);
		return SR_ENOMEM;
	}
	for (int i = 0; i < cs->nslots; i++)
		cs->slots[i].cs = cs;
	cs->listen_fd = listen_on(sa, &cs->port);
	cs->ep = epoll_create1(EPOLL_CLOEXEC);
	cs->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct epoll_event lev = {.events = EPOLLIN, .data.ptr = &cs->listen_fd};
	struct epoll_event wev = {.events = EPOLLIN, .data.ptr = &cs->wake};
	if (cs->listen_fd < 0 || cs->ep < 0 || cs->wake < 0 ||
	    epoll_ctl(cs->ep, EPOLL_CTL_ADD, cs->listen_fd, &lev) != 0 ||
	    epoll_ctl(cs->ep, EPOLL_CTL_ADD, cs->wake, &wev) != 0) {
		char ip[INET_ADDRSTRLEN] = "";
		inet_ntop(AF_INET, &sa->sin_addr, ip, sizeof(ip));
		sr_log_error("cannot listen on %s:%d: %s", ip, ntohs(sa->sin_port), strerror(errno));
		sr__conns_free(cs);
		return SR_EIO;
	}
	*out = cs;
	return 0;
}

const sr__conn_limits *sr__conns_limits(const sr__conns *cs)
{
	return &cs->lim;
}

int sr__conns_port(const sr__conns *cs)
{
	return cs->port;
}

int sr__conns_slots(const sr__conns *cs)
{
	return cs->nslots;
}

int sr__conns_run(sr__conns *cs, struct MHD_Daemon *d)
{
	cs->d = d;
	if (pthread_create(&cs->thread, NULL, accept_thread, cs) != 0)
		return SR_ENOMEM;
	cs->running = 1;
	return 0;
}

void sr__conns_stop(sr__conns *cs)
{
	if (!cs || !cs->running)
		return;
	uint64_t one = 1;
	ssize_t w = write(cs->wake, &one, sizeof(one));
	(void)w;
	pthread_join(cs->thread, NULL);
	cs->running = 0;
	pthread_mutex_lock(&cs->lock);
	for (int i = 0; i < cs->nslots; i++)
		if (cs->slots[i].state == C_LINE) {
			close(cs->slots[i].fd);
			cs->slots[i].state = C_FREE;
		}
	pthread_mutex_unlock(&cs->lock);
}

void sr__conns_free(sr__conns *cs)
{
	if (!cs)
		return;
	sr__conns_stop(cs);
	if (cs->listen_fd >= 0)
		close(cs->listen_fd);
	if (cs->ep >= 0)
		close(cs->ep);
	if (cs->wake >= 0)
		close(cs->wake);
	pthread_mutex_destroy(&cs->lock);
	free(cs->slots);
	free(cs);
}

/* ---------------------------------------------------------------- libmicrohttpd's side */

void sr__conns_notify(void *cls, struct MHD_Connection *c, void **socket_context,
		      enum MHD_ConnectionNotificationCode toe)
{
	sr__conns *cs = cls;
	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		struct slot *s = *socket_context;
		if (s) {
			pthread_mutex_lock(&cs->lock);
			s->state = C_FREE;
			pthread_mutex_unlock(&cs->lock);
		}
		return;
	}
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	*socket_context = NULL;
	if (!ci)
		return;
	pthread_mutex_lock(&cs->lock);
	for (int i = 0; i < cs->nslots; i++) {
		struct slot *s = &cs->slots[i];
		if (s->state == C_HANDED && s->fd == ci->connect_fd) {
			/* The first request's deadline still counts from accept. */
			s->state = C_HEADERS;
			*socket_context = s;
			break;
		}
	}
	pthread_mutex_unlock(&cs->lock);
}

static struct slot *slot_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

/* Moves a connection from one state to another, unless a deadline ended it; restart starts
 * the wait of the state (since_ns) or, for C_BODY, the body's clock (body_ns). */
static int step(struct MHD_Connection *c, int to, int restart, size_t bytes)
{
	struct slot *s = slot_of(c);
	if (!s)
		return 0;
	sr__conns *cs = s->cs;
	int rc = 0;
	pthread_mutex_lock(&cs->lock);
	if (s->state == C_ENDED || s->state == C_FREE) {
		rc = -1;
	} else {
		int64_t now = sr_mono_ns();
		s->state = to;
		if (restart && to == C_BODY) {
			s->body_ns = s->win_ns = now;
			s->body_bytes = s->win_bytes = 0;
		} else if (restart) {
			s->since_ns = now;
		}
		s->read_ns = now;
		s->body_bytes += (int64_t)bytes;
		s->win_bytes += (int64_t)bytes;
	}
	pthread_mutex_unlock(&cs->lock);
	return rc;
}

void *sr__conns_uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
	/* A later request on a kept-alive connection: its header deadline starts here. The first
	 * request keeps the one that started at accept. */
	struct slot *s = slot_of(c);
	if (s) {
		pthread_mutex_lock(&s->cs->lock);
		if (s->state == C_IDLE) {
			s->state = C_HEADERS;
			s->since_ns = sr_mono_ns();
		}
		pthread_mutex_unlock(&s->cs->lock);
	}
	return NULL; /* the handler's first call must still find no request state */
}

int sr__conns_headers_done(struct MHD_Connection *c)
{
	return step(c, C_BODY, 1, 0);
}

int sr__conns_body_read(struct MHD_Connection *c, size_t bytes)
{
	return step(c, C_BODY, 0, bytes);
}

int sr__conns_handling(struct MHD_Connection *c)
{
	return step(c, C_BUSY, 0, 0);
}

void sr__conns_request_done(struct MHD_Connection *c)
{
	step(c, C_IDLE, 1, 0);
}
