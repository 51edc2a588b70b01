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

/* Sends req on a new connection and reads what comes back within wait_ms. */
static void exchange(const void *req, size_t len, long wait_ms, struct exchange *x)
{
	memset(x, 0, sizeof(*x));
	int fd = connect_to(S.port);
	assert_true(fd >= 0);
	long t0 = now_ms();
	assert_int_equal(send(fd, req, len, MSG_NOSIGNAL), (ssize_t)len);
	read_all(fd, wait_ms, x, t0);
	close(fd);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ambiguous_framing),
		cmocka_unit_test(test_garbage_request_line),
		cmocka_unit_test(test_log_injection),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
