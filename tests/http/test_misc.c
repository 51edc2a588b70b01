/*
 * test_misc.c - health, discovery documents, CORS, HEAD, unknown routes, the Server-Timing
 * header, and malformed input that must never take the server down.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

static srt_server S;
static int lingering_fd = -1; /* a connection left open across shutdown */

static int group_setup(void **state)
{
	(void)state;
	return srt_server_start(&S);
}

static int group_teardown(void **state)
{
	(void)state;
	int rc = srt_server_stop(&S);
	if (lingering_fd >= 0)
		close(lingering_fd);
	return rc;
}

static void expect_common_headers(const srt_resp *r, const char *what)
{
	const char *acao = srt_header(r, "Access-Control-Allow-Origin");
	if (!acao || strcmp(acao, "*") != 0) {
		print_error("%s: Access-Control-Allow-Origin is %s\n", what, acao ? acao : "(absent)");
		fail();
	}
	long rows = -1, bytes = -1;
	if (srt_timing(r, &rows, &bytes) != 0) {
		const char *st = srt_header(r, "Server-Timing");
		print_error("%s: Server-Timing missing or malformed: %s\n", what, st ? st : "(absent)");
		fail();
	}
	assert_true(rows >= 0);
	assert_true(bytes >= 0);
}

static void test_healthz(void **state)
{
	(void)state;
	srt_resp r;
	srt_get(&S, "/healthz", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	expect_common_headers(&r, "GET /healthz");
	srt_resp_free(&r);
}

static void check_well_known(const char *path)
{
	srt_resp r;
	srt_get(&S, path, NULL, &r);
	json_t *j = SRT_EXPECT_JSON(&r, 200);
	SRT_EXPECT_STR(j, "apiBase", S.base);
	SRT_EXPECT_STR(j, "registry", S.base);
	json_t *auth = json_object_get(j, "authBase");
	assert_true(auth == NULL || json_is_string(auth));
	expect_common_headers(&r, path);
	json_decref(j);
	srt_resp_free(&r);
}

static void test_well_known(void **state)
{
	(void)state;
	check_well_known("/.well-known/clawhub.json");
	check_well_known("/.well-known/clawdhub.json");
}

static void test_options_preflight(void **state)
{
	(void)state;
	srt_resp r;
	const char *h[] = {"Origin: http://example.com", "Access-Control-Request-Method: POST",
			   "Access-Control-Request-Headers: authorization, x-custom-thing", NULL};
	srt_request(&S, "OPTIONS", "/api/v1/skills", h, NULL, 0, &r);
	SRT_EXPECT_STATUS(&r, 204);
	assert_int_equal(r.len, 0);
	const char *acao = srt_header(&r, "Access-Control-Allow-Origin");
	assert_non_null(acao);
	assert_string_equal(acao, "*");
	const char *m = srt_header(&r, "Access-Control-Allow-Methods");
	assert_non_null(m);
	assert_string_equal(m, "GET, POST, PUT, DELETE, OPTIONS, PATCH, HEAD");
	const char *ma = srt_header(&r, "Access-Control-Max-Age");
	assert_non_null(ma);
	assert_string_equal(ma, "86400");
	const char *ah = srt_header(&r, "Access-Control-Allow-Headers");
	assert_non_null(ah);
	assert_string_equal(ah, "authorization, x-custom-thing");
	/* ClawHub's Vary names the request headers the answer depends on (issue 13). */
	const char *vary = srt_header(&r, "Vary");
	assert_non_null(vary);
	assert_string_equal(vary, "Access-Control-Request-Method, Access-Control-Request-Headers");
	srt_resp_free(&r);
	const char *h1[] = {"Origin: http://example.com", "Access-Control-Request-Method: DELETE", NULL};
	srt_request(&S, "OPTIONS", "/api/v1/stars/x", h1, NULL, 0, &r);
	SRT_EXPECT_STATUS(&r, 204);
	vary = srt_header(&r, "Vary");
	assert_non_null(vary);
	assert_string_equal(vary, "Access-Control-Request-Method");
	srt_resp_free(&r);
	const char *h3[] = {"Access-Control-Request-Headers:  x-a ", NULL};
	srt_request(&S, "OPTIONS", "/api/v1/skills", h3, NULL, 0, &r);
	SRT_EXPECT_STATUS(&r, 204);
	assert_string_equal(srt_header(&r, "Access-Control-Allow-Headers"), "x-a");
	vary = srt_header(&r, "Vary");
	assert_non_null(vary);
	assert_string_equal(vary, "Access-Control-Request-Headers");
	srt_resp_free(&r);

	/* Without Access-Control-Request-Headers the default list comes back. */
	const char *h2[] = {"Origin: http://example.com", NULL};
	srt_request(&S, "OPTIONS", "/api/v1/skills/some-skill/versions", h2, NULL, 0, &r);
	SRT_EXPECT_STATUS(&r, 204);
	ah = srt_header(&r, "Access-Control-Allow-Headers");
	assert_non_null(ah);
	assert_string_equal(ah, "Content-Type, Authorization, Digest, X-Clawhub-Version");
	assert_null(srt_header(&r, "Vary"));
	assert_non_null(srt_header(&r, "Access-Control-Allow-Methods"));
	expect_common_headers(&r, "OPTIONS /api/v1/skills/some-skill/versions");
	srt_resp_free(&r);

	static const char *const paths[] = {"/api/v1/download", "/api/v1/whoami", "/api/v1/stars/x",
					    "/api/v1/skills/-/upload-url", "/api/cli/telemetry/install"};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		srt_request(&S, "OPTIONS", paths[i], h2, NULL, 0, &r);
		if (r.status != 204)
			print_error("OPTIONS %s\n", paths[i]);
		SRT_EXPECT_STATUS(&r, 204);
		assert_non_null(srt_header(&r, "Access-Control-Max-Age"));
		srt_resp_free(&r);
	}
}

/* HEAD = GET without a body: same status and headers, checked over a raw connection so a
 * body the server wrongly sends would be seen. */
static void check_head(const char *path)
{
	srt_resp g;
	srt_get(&S, path, NULL, &g);
	char req[1024];
	int n = snprintf(req, sizeof req,
			 "HEAD %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n", path,
			 S.port);
	char *raw = NULL;
	size_t rawlen = 0;
	int st = srt_raw(&S, req, (size_t)n, &raw, &rawlen);
	if (st != g.status) {
		print_error("HEAD %s: status %d, GET gave %ld\n", path, st, g.status);
		fail();
	}
	char *end = strstr(raw, "\r\n\r\n");
	assert_non_null(end);
	if ((size_t)(end + 4 - raw) != rawlen) {
		print_error("HEAD %s: %zu body bytes after the headers\n", path,
			    rawlen - (size_t)(end + 4 - raw));
		fail();
	}
	*end = '\0';
	const char *gct = srt_header(&g, "Content-Type");
	if (gct) {
		char want[512];
		snprintf(want, sizeof want, "Content-Type: %s", gct);
		if (!strcasestr(raw, want)) {
			print_error("HEAD %s: headers lack \"%s\":\n%s\n", path, want, raw);
			fail();
		}
	}
	if (!strcasestr(raw, "Access-Control-Allow-Origin: *")) {
		print_error("HEAD %s: no CORS header:\n%s\n", path, raw);
		fail();
	}
	if (!strcasestr(raw, "Server-Timing:")) {
		print_error("HEAD %s: no Server-Timing header:\n%s\n", path, raw);
		fail();
	}
	free(raw);
	srt_resp_free(&g);
}

static void test_head(void **state)
{
	(void)state;
	check_head("/healthz");
	check_head("/api/v1/skills?limit=2");
	check_head("/api/v1/skills/no-such-skill");
	check_head("/api/v1/search?q=x");
	check_head("/.well-known/clawhub.json");

	/* curl's HEAD as well (keep-alive connection afterwards must still work). */
	srt_resp r;
	srt_request(&S, "HEAD", "/api/v1/skills", NULL, NULL, 0, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_int_equal(r.len, 0);
	srt_resp_free(&r);
	srt_get(&S, "/healthz", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
}

static void test_not_found(void **state)
{
	(void)state;
	srt_resp r;
	srt_get(&S, "/api/v1/skills/x/bogus", NULL, &r);
	SRT_EXPECT_TEXT(&r, 404, "Not found");
	expect_common_headers(&r, "GET /api/v1/skills/x/bogus");
	const char *cc = srt_header(&r, "Cache-Control");
	assert_non_null(cc);
	assert_non_null(strstr(cc, "no-store"));
	srt_resp_free(&r);

	srt_get(&S, "/api/v1/skills/some-skill/versions/1.0.0/extra", NULL, &r);
	SRT_EXPECT_STATUS(&r, 404);
	srt_resp_free(&r);

	/* A path no ClawHub route takes is answered by its router, in the router's words. */
	srt_get(&S, "/api/v1/definitely-not-a-route", NULL, &r);
	SRT_EXPECT_TEXT(&r, 404, "No matching routes found");
	expect_common_headers(&r, "GET /api/v1/definitely-not-a-route");
	srt_resp_free(&r);

	/* Under a prefix route, ClawHub's handler answers a path it does not know. */
	srt_send(&S, "POST", "/api/v1/stars/a/b", S.tok_alice, NULL, &r);
	SRT_EXPECT_TEXT(&r, 404, "Not found");
	srt_resp_free(&r);

	/* A known path asked with a method it does not serve is ClawHub's 404, not a 405
	 * (issue 13): its router's when no route of that method takes the path, the handler's
	 * "Not found" when a prefix route of that method does. */
	static const struct {
		const char *method, *path, *text;
	} wrong[] = {
		{"PUT", "/api/v1/skills", "No matching routes found"},
		{"DELETE", "/api/v1/skills", "No matching routes found"},
		{"PATCH", "/api/v1/skills/some-skill", "No matching routes found"},
		{"GET", "/api/v1/stars/some-skill", "No matching routes found"},
		{"DELETE", "/api/v1/search", "No matching routes found"},
		{"POST", "/api/v1/whoami", "No matching routes found"},
		{"GET", "/api/cli/device/code", "No matching routes found"},
		{"POST", "/api/v1/skills/some-skill", "Not found"},
		{"DELETE", "/api/v1/skills/some-skill/versions", "Not found"},
		{"POST", "/.well-known/clawhub.json", "Not found"},
	};
	for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
		srt_send(&S, wrong[i].method, wrong[i].path, S.tok_alice, NULL, &r);
		if (r.status != 404 || !r.body || strcmp(r.body, wrong[i].text) != 0)
			print_error("%s %s\n", wrong[i].method, wrong[i].path);
		SRT_EXPECT_TEXT(&r, 404, wrong[i].text);
		srt_resp_free(&r);
	}

	srt_get(&S, "/api/v1/skills/no-such-skill", NULL, &r);
	SRT_EXPECT_TEXT(&r, 404, "Skill not found");
	expect_common_headers(&r, "GET unknown skill");
	srt_resp_free(&r);
}

/* Every kind of response carries CORS and Server-Timing, errors included. */
static void test_headers_everywhere(void **state)
{
	(void)state;
	static const struct {
		const char *method, *path;
		const char *body;
	} reqs[] = {
		{"GET", "/api/v1/skills", NULL},
		{"GET", "/api/v1/skills?sort=bogus", NULL},
		{"GET", "/api/v1/search?q=hello", NULL},
		{"GET", "/api/v1/whoami", NULL},
		{"GET", "/api/v1/resolve", NULL},
		{"GET", "/api/v1/download", NULL},
		{"POST", "/api/v1/skills/-/upload-url", "{}"},
		{"DELETE", "/api/v1/skills/nope-nope", NULL},
		{"GET", "/api/v1/nothing-here", NULL},
	};
	for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
		srt_resp r;
		srt_send(&S, reqs[i].method, reqs[i].path, NULL, reqs[i].body, &r);
		assert_true(r.status >= 200 && r.status < 500);
		char what[256];
		snprintf(what, sizeof what, "%s %s (HTTP %ld)", reqs[i].method, reqs[i].path, r.status);
		expect_common_headers(&r, what);
		if (r.status >= 400 && r.status != 409) {
			const char *ct = srt_header(&r, "Content-Type");
			if (!ct || strncasecmp(ct, "text/plain", 10) != 0) {
				print_error("%s: error Content-Type %s, expected text/plain\n", what,
					    ct ? ct : "(absent)");
				fail();
			}
		}
		if (r.status == 200) {
			const char *ct = srt_header(&r, "Content-Type");
			assert_non_null(ct);
			assert_true(strncasecmp(ct, "application/json", 16) == 0);
			const char *cc = srt_header(&r, "Cache-Control");
			assert_non_null(cc);
			assert_non_null(strstr(cc, "no-store"));
		}
		srt_resp_free(&r);
	}
}

static void expect_alive(void)
{
	srt_resp r;
	assert_int_equal(srt_get(&S, "/healthz", NULL, &r), 0);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
}

static void expect_4xx(const char *what, long status)
{
	if (status < 400 || status >= 500) {
		print_error("%s: expected a 4xx, got %ld\n", what, status);
		fail();
	}
}

static void test_fuzz_paths(void **state)
{
	(void)state;
	srt_resp r;
	/* A very long path. */
	size_t n = 100000;
	char *p = malloc(n + 32);
	strcpy(p, "/api/v1/skills/");
	memset(p + 15, 'a', n);
	p[15 + n] = '\0';
	srt_get(&S, p, NULL, &r);
	expect_4xx("100 KB path", r.status);
	srt_resp_free(&r);
	expect_alive();

	/* A long but header-sized slug (over the 96-char limit). */
	p[15 + 300] = '\0';
	srt_get(&S, p, NULL, &r);
	expect_4xx("300-char slug", r.status);
	srt_resp_free(&r);
	free(p);

	static const char *const bad[] = {
		"/api/v1/skills/%zz%",
		"/api/v1/skills/%",
		"/api/v1/skills/%00abc",
		"/api/v1/skills/%ff%fe%c0%80",
		"/api/v1/skills/..%2f..%2fetc%2fpasswd",
		"/api/v1/skills/a%2Fb/versions",
		"/api/v1/skills/%25%25%25/file?path=%zz",
		"/api/v1/download?slug=%zz%00&version=%ff",
		"/api/v1/resolve?slug=%00&hash=%zz",
		"/api/v1/skills?cursor=%ff%00%zz&limit=%zz",
		"/api/v1/skills?limit=-99999999999999999999999",
		"/api/v1/skills/x/versions?cursor=%ff%fe",
	};
	int failures = 0;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		srt_get(&S, bad[i], NULL, &r);
		/* A list cursor the server cannot read serves the first page, as ClawHub's does
		 * (issue 13); these two need only no 5xx. */
		int need_4xx = strstr(bad[i], "limit=-9") == NULL && strncmp(bad[i], "/api/v1/skills?cursor=", 22) != 0;
		if (r.status >= 500 || r.status == 0 ||
		    (need_4xx && (r.status < 400 || r.status >= 500))) {
			print_error("GET %s: expected %s, got %ld: %.200s\n", bad[i],
				    need_4xx ? "a 4xx" : "no 5xx", r.status, r.body);
			failures++;
		}
		srt_resp_free(&r);
		expect_alive();
	}
	assert_int_equal(failures, 0);
}

static void test_fuzz_query_and_body(void **state)
{
	(void)state;
	srt_resp r;
	/* A huge query string. */
	size_t n = 200000;
	char *p = malloc(n + 64);
	strcpy(p, "/api/v1/search?q=");
	size_t o = strlen(p);
	memset(p + o, 'q', n);
	p[o + n] = '\0';
	srt_get(&S, p, NULL, &r);
	expect_4xx("200 KB query", r.status);
	srt_resp_free(&r);
	free(p);
	expect_alive();

	/* Invalid UTF-8 in q: ClawHub decodes it to replacement characters, which match no
	 * skill: 200 with no results. */
	srt_get(&S, "/api/v1/search?q=%ff%fe%c0%80%ed%a0%80", NULL, &r);
	json_t *sj = SRT_EXPECT_JSON(&r, 200);
	assert_int_equal(json_array_size(json_object_get(sj, "results")), 0);
	assert_true(json_is_array(json_object_get(sj, "results")));
	json_decref(sj);
	srt_resp_free(&r);
	expect_alive();

	/* Malformed JSON bodies and absurd values on write routes. */
	static const char *const bodies[] = {
		"{", "[]", "null", "\"str\"", "{\"path\":1,\"size\":\"x\",\"sha256\":[]}",
		"{\"path\":\"a\",\"size\":1e308,\"sha256\":\"00\"}",
		"{\"path\":\"a\",\"size\":-1,\"sha256\":\"0000000000000000000000000000000000000000000000000000000000000000\"}",
	};
	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		srt_send(&S, "POST", "/api/v1/skills/-/upload-url", S.tok_alice, bodies[i], &r);
		expect_4xx(bodies[i], r.status);
		srt_resp_free(&r);
		srt_send(&S, "POST", "/api/v1/skills", S.tok_alice, bodies[i], &r);
		expect_4xx(bodies[i], r.status);
		srt_resp_free(&r);
	}
	expect_alive();

	/* Deeply nested JSON. */
	size_t depth = 100000;
	char *deep = malloc(2 * depth + 1);
	memset(deep, '[', depth);
	memset(deep + depth, ']', depth);
	deep[2 * depth] = '\0';
	srt_send(&S, "POST", "/api/v1/skills", S.tok_alice, deep, &r);
	expect_4xx("deeply nested JSON", r.status);
	srt_resp_free(&r);
	free(deep);
	expect_alive();

	/* A multipart body with a broken boundary. */
	const char *mp = "--xyz\r\nContent-Disposition: form-data; name=\"payload\"\r\n\r\n{\"slug\":";
	const char *h[] = {"Content-Type: multipart/form-data; boundary=xyz", NULL};
	char auth[256];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", S.tok_alice);
	const char *h2[] = {h[0], auth, NULL};
	srt_request(&S, "POST", "/api/v1/skills", h2, mp, strlen(mp), &r);
	expect_4xx("truncated multipart", r.status);
	srt_resp_free(&r);
	expect_alive();
}

/* Sends bytes and hangs up without reading the answer. */
static void send_and_close(const char *bytes)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)S.port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_true(send(fd, bytes, strlen(bytes), MSG_NOSIGNAL) > 0);
	close(fd);
}

static void test_fuzz_raw(void **state)
{
	(void)state;
	static const char *const reqs[] = {
		"GARBAGE\r\n\r\n",
		"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n",
		"GET /api/v1/skills HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\nConnection: close\r\n\r\n",
		"POST /api/v1/skills HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\nConnection: close\r\n\r\n",
		"GET /api/v1/skills/\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		"GET /api/v1/search?q=\xe5\xb0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
		int st = srt_raw(&S, reqs[i], strlen(reqs[i]), NULL, NULL);
		if (st >= 500 && st != 505) {
			print_error("raw request %zu: status %d\n", i, st);
			fail();
		}
		expect_alive();
	}
	/* A client that sends half a request and disconnects. */
	const char *half = "POST /api/v1/skills HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"slug\"";
	send_and_close(half);
	send_and_close("GET /api/v1/skills?limit=1 HTTP/1.1\r\nHost: x\r\n");
	expect_alive();
}

/* Everything survives a clean restart on the same data directory. */
static void test_restart_persists(void **state)
{
	(void)state;
	static const char notes[] = "persistent notes\n";
	const char *md = srt_skill_md("Persist Kit", "Survives restarts.");
	char mdcopy[1024];
	snprintf(mdcopy, sizeof mdcopy, "%s", md);
	srt_file f[] = {{"SKILL.md", mdcopy, strlen(mdcopy), "text/markdown"},
			{"docs/notes.txt", notes, sizeof notes - 1, "text/plain"}};
	json_t *p = srt_payload("persist-kit", "1.0.0");
	srt_resp r;
	srt_publish_json(&S, S.tok_alice, p, f, 2, &r);
	json_t *j = SRT_EXPECT_JSON(&r, 200);
	json_decref(j);
	srt_resp_free(&r);
	json_decref(p);
	srt_publish_ok(&S, S.tok_alice, "persist-kit", "1.1.0", "Persist Kit", "Survives restarts.");
	srt_send(&S, "POST", "/api/v1/stars/persist-kit", S.tok_bob, "{}", &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	srt_send(&S, "DELETE", "/api/v1/skills/persist-kit/versions/1.0.0", S.tok_alice, NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);

	assert_int_equal(srt_server_restart(&S), 0);

	srt_get(&S, "/api/v1/whoami", S.tok_alice, &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	srt_get(&S, "/api/v1/whoami", S.tok_revoked, &r);
	SRT_EXPECT_STATUS(&r, 401);
	srt_resp_free(&r);
	srt_get(&S, "/api/v1/skills/persist-kit", NULL, &r);
	j = SRT_EXPECT_JSON(&r, 200);
	SRT_EXPECT_STR(json_object_get(j, "latestVersion"), "version", "1.1.0");
	json_t *stats = json_object_get(json_object_get(j, "skill"), "stats");
	assert_int_equal(json_integer_value(json_object_get(stats, "stars")), 1);
	json_decref(j);
	srt_resp_free(&r);
	srt_get(&S, "/api/v1/skills/persist-kit/versions/1.0.0", NULL, &r);
	SRT_EXPECT_TEXT(&r, 410, "Version not available");
	srt_resp_free(&r);
	srt_send(&S, "POST", "/api/v1/skills/persist-kit/versions/1.0.0/restore", S.tok_alice, "{}", &r);
	SRT_EXPECT_STATUS(&r, 200);
	srt_resp_free(&r);
	srt_get(&S, "/api/v1/skills/persist-kit/file?path=docs/notes.txt&version=1.0.0", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_int_equal(r.len, sizeof notes - 1);
	assert_memory_equal(r.body, notes, r.len);
	srt_resp_free(&r);
	srt_get(&S, "/api/v1/download?slug=persist-kit&version=1.0.0", NULL, &r);
	SRT_EXPECT_STATUS(&r, 200);
	assert_int_equal(srt_zip_count(r.body, r.len), 3);
	srt_resp_free(&r);
	srt_get(&S, "/api/v1/search?q=persist-kit", NULL, &r);
	j = SRT_EXPECT_JSON(&r, 200);
	json_t *first = json_array_get(json_object_get(j, "results"), 0);
	assert_non_null(first);
	SRT_EXPECT_STR(first, "slug", "persist-kit");
	json_decref(j);
	srt_resp_free(&r);
	srt_get(&S, "/.well-known/clawhub.json", NULL, &r);
	j = SRT_EXPECT_JSON(&r, 200);
	SRT_EXPECT_STR(j, "apiBase", S.base);
	json_decref(j);
	srt_resp_free(&r);
}

/* Shutdown must stay clean with a client mid-request: this leaves a half-sent upload and an
 * idle keep-alive connection open for the group teardown's SIGTERM. */
static void test_open_connection_at_shutdown(void **state)
{
	(void)state;
	lingering_fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(lingering_fd >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)S.port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(lingering_fd, (struct sockaddr *)&a, sizeof a), 0);
	char req[512];
	int n = snprintf(req, sizeof req,
			 "POST /api/v1/skills HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
			 "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"slug\":",
			 S.tok_alice);
	assert_true(send(lingering_fd, req, (size_t)n, MSG_NOSIGNAL) == n);
	expect_alive();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthz),
		cmocka_unit_test(test_well_known),
		cmocka_unit_test(test_options_preflight),
		cmocka_unit_test(test_head),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_headers_everywhere),
		cmocka_unit_test(test_fuzz_paths),
		cmocka_unit_test(test_fuzz_query_and_body),
		cmocka_unit_test(test_fuzz_raw),
		cmocka_unit_test(test_restart_persists),
		cmocka_unit_test(test_open_connection_at_shutdown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
