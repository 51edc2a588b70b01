/*
 * test_hostile.c - what a hostile client does to the HTTP server itself (issue 16): request
 * smuggling through ambiguous framing, garbage request lines, forged log lines, and slow
 * connections that would hold every slot of the server. Raw sockets on 127.0.0.1 against the
 * real server; every socket is closed and every wait is bounded.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static srt_server S;

static int group_setup(void **state)
{
	(void)state;
	return srt_server_start(&S);
}

static int group_teardown(void **state)
{
	(void)state;
	return srt_server_stop(&S);
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int connect_to(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* What came back on one connection: the bytes, whether the server closed it, and when. */
struct exchange {
	char buf[16384];
	size_t len;
	int closed;
	long ms; /* from the send to the close (or to the end of the wait) */
};

/* Reads until the server closes the connection or wait_ms pass. */
static void read_all(int fd, long wait_ms, struct exchange *x, long t0)
{
	for (;;) {
		long left = wait_ms - (now_ms() - t0);
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		ssize_t r = recv(fd, x->buf + x->len, sizeof(x->buf) - 1 - x->len, 0);
		if (r <= 0) {
			x->closed = 1;
			break;
		}
		x->len += (size_t)r;
	}
	x->buf[x->len] = '\0';
	x->ms = now_ms() - t0;
}

/* Sends req on a new connection to port and reads what comes back within wait_ms. */
static void exchange_at(int port, const void *req, size_t len, long wait_ms, struct exchange *x)
{
	memset(x, 0, sizeof(*x));
	int fd = connect_to(port);
	assert_true(fd >= 0);
	long t0 = now_ms();
	assert_int_equal(send(fd, req, len, MSG_NOSIGNAL), (ssize_t)len);
	read_all(fd, wait_ms, x, t0);
	close(fd);
}

static void exchange(const void *req, size_t len, long wait_ms, struct exchange *x)
{
	exchange_at(S.port, req, len, wait_ms, x);
}

static int count_responses(const struct exchange *x)
{
	int n = 0;
	for (const char *p = x->buf; (p = strstr(p, "HTTP/1.1 ")) != NULL; p++)
		n++;
	return n;
}

/* One answer, a 400, and the connection closed at once: nothing after the ambiguous headers
 * is served as a second request. */
static void expect_refused(const char *req, const char *what)
{
	struct exchange x;
	exchange(req, strlen(req), 3000, &x);
	if (count_responses(&x) != 1 || strncmp(x.buf, "HTTP/1.1 400", 12) != 0 || !x.closed || x.ms > 2000) {
		print_error("%s: want one 400 and a close, got %d answers, closed=%d after %ld ms:\n%s\n", what,
			    count_responses(&x), x.closed, x.ms, x.buf);
		fail();
	}
}

#define SMUGGLED "GET /healthz?smuggled=1 HTTP/1.1\r\nHost: x\r\n\r\n"

static void test_ambiguous_framing(void **state)
{
	(void)state;
	expect_refused("POST /api/v1/whoami HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 45\r\n\r\n" SMUGGLED,
		       "two Content-Length headers");
	expect_refused("POST /api/v1/whoami HTTP/1.1\r\nHost: x\r\nContent-Length: 45\r\nContent-Length: 45\r\n\r\n" SMUGGLED,
		       "two equal Content-Length headers");
	expect_refused("POST /api/v1/whoami HTTP/1.1\r\nHost: x\r\nContent-Length: 45\r\nTransfer-Encoding: chunked\r\n\r\n"
		       "0\r\n\r\n" SMUGGLED, "Content-Length with chunked");
	expect_refused("POST /api/v1/whoami HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n"
		       "0\r\n\r\n" SMUGGLED, "two Transfer-Encoding headers");
	expect_refused("POST /api/v1/whoami HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" SMUGGLED,
		       "a Transfer-Encoding other than chunked");
	/* Ordinary framing still works: a chunked body and a pipelined request after a body. */
	struct exchange x;
	const char *ok = "POST /api/v1/whoami HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n" SMUGGLED;
	exchange(ok, strlen(ok), 1500, &x);
	assert_int_equal(count_responses(&x), 2);
	assert_non_null(strstr(x.buf, "HTTP/1.1 200"));
}

static void test_garbage_request_line(void **state)
{
	(void)state;
	static const struct {
		const char *req;
		size_t len;
	} bad[] = {
		{"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", 11}, /* a TLS hello: no line end */
		{"\x00\x01\x02\r\n\r\n", 7},
		{"GARBAGE\r\n\r\n", 11},
		{"GET /healthz HTTP/1.1 extra\r\n\r\n", 31},
		{"G\tT /healthz HTTP/1.1\r\n\r\n", 25},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct exchange x;
		exchange(bad[i].req, bad[i].len, 3000, &x);
		if (strncmp(x.buf, "HTTP/1.1 400", 12) != 0 || !x.closed || x.ms > 2000) {
			print_error("garbage line %zu: want 400 and a close within 2 s, got closed=%d after %ld ms:\n%s\n",
				    i, x.closed, x.ms, x.buf);
			fail();
		}
	}
	/* A request line split over several packets is still a request. */
	int fd = connect_to(S.port);
	assert_true(fd >= 0);
	const char *parts[] = {"GE", "T /heal", "thz HTTP/1", ".1\r\nHost: x\r\n\r\n"};
	long t0 = now_ms();
	for (int i = 0; i < 4; i++) {
		assert_true(send(fd, parts[i], strlen(parts[i]), MSG_NOSIGNAL) > 0);
		usleep(50 * 1000);
	}
	struct exchange x = {0};
	read_all(fd, 500, &x, t0);
	close(fd);
	assert_memory_equal(x.buf, "HTTP/1.1 200", 12);
}

/* The decoded path goes into the access log: a %0a must not start a line of its own, and a
 * %1b must not reach a terminal. */
static void test_log_injection(void **state)
{
	(void)state;
	srt_resp r;
	srt_get(&S, "/x%0a2026-01-01T00:00:00.000Z%20info%20forged%1b[31mred", NULL, &r);
	srt_resp_free(&r);
	char path[512];
	snprintf(path, sizeof path, "%s/server.log", S.dir);
	char *log = NULL;
	for (int tries = 0; tries < 20; tries++) {
		FILE *f = fopen(path, "rb");
		assert_non_null(f);
		free(log);
		log = calloc(1, 1 << 20);
		size_t n = fread(log, 1, (1 << 20) - 1, f);
		fclose(f);
		log[n] = '\0';
		if (strstr(log, "forged"))
			break;
		usleep(50 * 1000);
	}
	int lines = 0;
	for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n")) {
		if (!strstr(line, "forged"))
			continue;
		lines++;
		if (!strstr(line, "GET /x\\x0a2026-01-01T00:00:00.000Z info forged\\x1b[31mred 404")) {
			print_error("the logged path is not escaped: %s\n", line);
			fail();
		}
		for (const char *c = line; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f) {
				print_error("a control character in the log line: %s\n", line);
				fail();
			}
	}
	free(log);
	assert_int_equal(lines, 1);
}

/* ---------------------------------------------------------------- slow clients */

#define HEALTHZ_CLOSE "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
#define SLOW_HEAD "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "
#define NSLOW 80

/* Sends one byte on each slow socket still open; a socket the server closed is closed here
 * and marked -1. Returns how many are still open. */
static int trickle(int *fds, int n)
{
	int open_ = 0;
	for (int i = 0; i < n; i++) {
		if (fds[i] < 0)
			continue;
		char b;
		ssize_t r = recv(fds[i], &b, 1, MSG_DONTWAIT | MSG_PEEK);
		if (r == 0 || (r > 0 && b == 'H') || send(fds[i], "a", 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
			close(fds[i]);
			fds[i] = -1;
			continue;
		}
		open_++;
	}
	return open_;
}

/* The attack, bounded: more slow connections than the cap (each sends a byte of its
 * headers now and then, so an idle timeout never fires), then new clients, each of which
 * must be answered within 2 s. On main (no such option, a fixed cap of 4096) slow sockets
 * that reach the cap hold every slot until the idle timeout (120 s), restarted by each byte. */
static void test_slow_clients_shed_at_cap(void **state)
{
	(void)state;
	static const char *const args[] = {"--max-connections", "64", "--max-connections-per-ip", "1000",
					   "--header-timeout-ms", "60000", NULL};
	srt_server T;
	assert_int_equal(srt_server_start_args(&T, args), 0);
	int fds[NSLOW];
	for (int i = 0; i < NSLOW; i++) {
		fds[i] = connect_to(T.port);
		assert_true(fds[i] >= 0);
		assert_int_equal(send(fds[i], SLOW_HEAD, strlen(SLOW_HEAD), MSG_NOSIGNAL), (ssize_t)strlen(SLOW_HEAD));
	}
	usleep(300 * 1000);
	int served = 0;
	long worst = 0;
	for (int k = 0; k < 12; k++) {
		trickle(fds, NSLOW);
		struct exchange x;
		exchange_at(T.port, HEALTHZ_CLOSE, strlen(HEALTHZ_CLOSE), 2000, &x);
		if (strncmp(x.buf, "HTTP/1.1 200", 12) == 0)
			served++;
		if (x.ms > worst)
			worst = x.ms;
	}
	int left = trickle(fds, NSLOW);
	print_message("slow clients: %d slow sockets at a cap of 64; %d of 12 new clients served, slowest %ld ms; "
		      "%d slow sockets still open\n", NSLOW, served, worst, left);
	for (int i = 0; i < NSLOW; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	assert_int_equal(srt_server_stop(&T), 0);
	assert_int_equal(served, 12);
	assert_true(left <= 64);
}

/* Headers that never end get 408 and a close at the header deadline, counted from accept
 * and not restarted by each byte; so does a body that stops arriving, and one that arrives
 * below the minimum rate once the grace period is over. */
static void test_header_and_body_deadlines(void **state)
{
	(void)state;
	static const char *const args[] = {"--header-timeout-ms", "1000", "--body-timeout-ms", "1000",
					   "--body-min-rate", "1000", NULL};
	srt_server T;
	assert_int_equal(srt_server_start_args(&T, args), 0);
	int quiet = connect_to(T.port), slow = connect_to(T.port), body = connect_to(T.port);
	int drip = connect_to(T.port);
	assert_true(quiet >= 0 && slow >= 0 && body >= 0 && drip >= 0);
	long t0 = now_ms();
	assert_true(send(slow, SLOW_HEAD, strlen(SLOW_HEAD), MSG_NOSIGNAL) > 0);
	const char *post = "POST /api/v1/whoami HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789";
	assert_true(send(body, post, strlen(post), MSG_NOSIGNAL) > 0);
	const char *big = "POST /api/v1/whoami HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n";
	assert_true(send(drip, big, strlen(big), MSG_NOSIGNAL) > 0);
	/* All four are watched together. Every 200 ms the slow one sends a header byte and the
	 * dripping one ten bytes of body (50 bytes a second) until they are answered: an idle
	 * timeout, or a deadline per read, would never fire. */
	int fds[4] = {quiet, slow, body, drip};
	struct exchange xq = {0}, xs = {0}, xb = {0}, xd = {0};
	struct exchange *xs3[4] = {&xq, &xs, &xb, &xd};
	long next_byte = t0 + 200;
	while (now_ms() - t0 < 3000 && !(xq.closed && xs.closed && xb.closed && xd.closed)) {
		struct pollfd p[4];
		for (int i = 0; i < 4; i++)
			p[i] = (struct pollfd){.fd = xs3[i]->closed ? -1 : fds[i], .events = POLLIN};
		poll(p, 4, 20);
		for (int i = 0; i < 4; i++) {
			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			struct exchange *x = xs3[i];
			ssize_t r = recv(fds[i], x->buf + x->len, sizeof(x->buf) - 1 - x->len, 0);
			if (r > 0) {
				x->len += (size_t)r;
				continue;
			}
			x->closed = 1;
			x->ms = now_ms() - t0;
		}
		if (now_ms() >= next_byte) {
			if (!xs.len && !xs.closed)
				send(slow, "a", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (!xd.len && !xd.closed)
				send(drip, "0123456789", 10, MSG_NOSIGNAL | MSG_DONTWAIT);
			next_byte += 200;
		}
	}
	print_message("deadlines of 1000 ms: silent socket closed after %ld ms, trickled headers after %ld ms, "
		      "stalled body after %ld ms, body at 50 B/s (minimum 1000) after %ld ms\n", xq.ms, xs.ms, xb.ms,
		      xd.ms);
	close(quiet);
	close(slow);
	close(body);
	close(drip);
	/* Each end is an answer in /metrics under its own route. (The stalled body may count as
	 * either body route: both deadlines fall on the same sweep.) */
	srt_resp m;
	srt_get(&T, "/metrics", NULL, &m);
	const char *want[] = {"{route=\"conn-header-timeout\",status=\"408\"} 2",
			      "{route=\"conn-body-too-slow\",status=\"408\"} "};
	for (int i = 0; i < 2; i++)
		if (!m.body || !strstr(m.body, want[i])) {
			print_error("/metrics lacks %s\n", want[i]);
			fail();
		}
	srt_resp_free(&m);
	assert_int_equal(srt_server_stop(&T), 0);
	const struct exchange *all[] = {&xq, &xs, &xb, &xd};
	for (int i = 0; i < 4; i++) {
		if (strncmp(all[i]->buf, "HTTP/1.1 408", 12) != 0 || !all[i]->closed || all[i]->ms < 900 ||
		    all[i]->ms > 2500) {
			print_error("connection %d: want 408 and a close about 1 s in, got closed=%d after %ld ms:\n%s\n", i,
				    all[i]->closed, all[i]->ms, all[i]->buf);
			fail();
		}
	}
}

/* One address holds at most --max-connections-per-ip connections; the next is refused at
 * once, and a slot given back is usable again. */
static void test_per_ip_cap(void **state)
{
	(void)state;
	static const char *const args[] = {"--max-connections-per-ip", "8", NULL};
	srt_server T;
	assert_int_equal(srt_server_start_args(&T, args), 0);
	int fds[8];
	for (int i = 0; i < 8; i++) {
		fds[i] = connect_to(T.port);
		assert_true(fds[i] >= 0);
	}
	usleep(200 * 1000);
	struct exchange refused, again;
	exchange_at(T.port, HEALTHZ_CLOSE, strlen(HEALTHZ_CLOSE), 2000, &refused);
	close(fds[0]);
	usleep(200 * 1000);
	exchange_at(T.port, HEALTHZ_CLOSE, strlen(HEALTHZ_CLOSE), 2000, &again);
	for (int i = 1; i < 8; i++)
		close(fds[i]);
	assert_int_equal(srt_server_stop(&T), 0);
	if (strncmp(refused.buf, "HTTP/1.1 503", 12) != 0 || !refused.closed) {
		print_error("a 9th connection from one address: want 503 and a close, got:\n%s\n", refused.buf);
		fail();
	}
	assert_memory_equal(again.buf, "HTTP/1.1 200", 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ambiguous_framing),
		cmocka_unit_test(test_garbage_request_line),
		cmocka_unit_test(test_log_injection),
		cmocka_unit_test(test_slow_clients_shed_at_cap),
		cmocka_unit_test(test_header_and_body_deadlines),
		cmocka_unit_test(test_per_ip_cap),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
