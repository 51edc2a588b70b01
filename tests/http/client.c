/*
 * client.c - talks to the harness's server (harness.c): requests through one libcurl easy
 * handle per server, so keep-alive is exercised like the real CLI does, raw bytes over a
 * socket, the responses and the checks on them (at the caller's file and line), and the small
 * utilities the tests share (formatted paths, URL encoding, hashes, the CLI's fingerprint).
 */
#include "harness.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <curl/curl.h>
#include <openssl/evp.h>

/* ---------------------------------------------------------------- small utilities */

#define FMT_SLOTS 16
#define FMT_SIZE 8192

const char *srt_fmt(const char *fmt, ...)
{
	static _Thread_local char bufs[FMT_SLOTS][FMT_SIZE];
	static _Thread_local unsigned next;
	char *b = bufs[next++ % FMT_SLOTS];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b, FMT_SIZE, fmt, ap);
	va_end(ap);
	return b;
}

const char *srt_urlenc(const char *in)
{
	static const char hex[] = "0123456789ABCDEF";
	char tmp[FMT_SIZE];
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)in; *p && o + 4 < sizeof tmp; p++) {
		if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
			tmp[o++] = (char)*p;
		} else {
			tmp[o++] = '%';
			tmp[o++] = hex[*p >> 4];
			tmp[o++] = hex[*p & 15];
		}
	}
	tmp[o] = '\0';
	return srt_fmt("%s", tmp);
}

void srt_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
}

/* Primary order of ASCII characters in ICU root collation (api-v1 section 3.7). */
static int primary_rank(unsigned char c)
{
	static const char order[] = " _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$0123456789abcdefghijklmnopqrstuvwxyz";
	c = (unsigned char)tolower(c);
	const char *p = strchr(order, c);
	if (c && p)
		return (int)(p - order) + 1;
	return 200 + c;
}

int srt_locale_cmp(const char *a, const char *b)
{
	size_t i = 0;
	for (; a[i] && b[i]; i++) {
		int ra = primary_rank((unsigned char)a[i]);
		int rb = primary_rank((unsigned char)b[i]);
		if (ra != rb)
			return ra < rb ? -1 : 1;
	}
	if (a[i] || b[i])
		return a[i] ? 1 : -1;
	for (i = 0; a[i]; i++) {
		int la = islower((unsigned char)a[i]) != 0, lb = islower((unsigned char)b[i]) != 0;
		if (a[i] != b[i] && la != lb)
			return la ? -1 : 1;
	}
	return 0;
}

void srt_fingerprint(const srt_file *files, size_t n, char out[65])
{
	const srt_file **v = calloc(n ? n : 1, sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = &files[i];
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && srt_locale_cmp(v[j - 1]->path, v[j]->path) > 0; j--) {
			const srt_file *t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	size_t cap = 1, o = 0;
	for (size_t i = 0; i < n; i++)
		cap += strlen(v[i]->path) + 67;
	char *text = calloc(1, cap);
	for (size_t i = 0; i < n; i++) {
		char h[65];
		srt_sha256_hex(v[i]->data, v[i]->len, h);
		o += (size_t)snprintf(text + o, cap - o, "%s%s:%s", i ? "\n" : "", v[i]->path, h);
	}
	srt_sha256_hex(text, o, out);
	free(text);
	free(v);
}

/* ---------------------------------------------------------------- checks */

static const char *content_type(const srt_resp *r)
{
	const char *ct = srt_header(r, "Content-Type");
	return ct ? ct : "(none)";
}

void srt__show_body(const srt_resp *r)
{
	print_error("  body (%zu bytes): %.600s\n", r->len, r->body ? r->body : "(null)");
}

void srt_expect_status_at(const srt_resp *r, long status, const char *file, int line)
{
	if (r->status != status) {
		print_error("expected HTTP %ld, got %ld\n", status, r->status);
		srt__show_body(r);
		_fail(file, line);
	}
}

static void expect_plain(const srt_resp *r, const char *file, int line)
{
	if (strncasecmp(content_type(r), "text/plain", 10) != 0) {
		print_error("expected a text/plain error body, got Content-Type %s\n", content_type(r));
		srt__show_body(r);
		_fail(file, line);
	}
}

void srt_expect_text_at(const srt_resp *r, long status, const char *text, const char *file,
			int line)
{
	srt_expect_status_at(r, status, file, line);
	if (!r->body || strcmp(r->body, text) != 0) {
		print_error("HTTP %ld: expected body \"%s\"\n", status, text);
		srt__show_body(r);
		_fail(file, line);
	}
	expect_plain(r, file, line);
}

void srt_expect_prefix_at(const srt_resp *r, long status, const char *prefix, const char *file,
			  int line)
{
	srt_expect_status_at(r, status, file, line);
	if (!r->body || strncmp(r->body, prefix, strlen(prefix)) != 0) {
		print_error("HTTP %ld: expected body starting \"%s\"\n", status, prefix);
		srt__show_body(r);
		_fail(file, line);
	}
	expect_plain(r, file, line);
}

void srt_expect_contains_at(const srt_resp *r, long status, const char *needle, const char *file,
			    int line)
{
	srt_expect_status_at(r, status, file, line);
	if (!r->body || !strcasestr(r->body, needle)) {
		print_error("HTTP %ld: expected body containing \"%s\"\n", status, needle);
		srt__show_body(r);
		_fail(file, line);
	}
}

json_t *srt_expect_json_at(const srt_resp *r, long status, const char *file, int line)
{
	srt_expect_status_at(r, status, file, line);
	if (strncasecmp(content_type(r), "application/json", 16) != 0) {
		print_error("expected application/json, got %s\n", content_type(r));
		srt__show_body(r);
		_fail(file, line);
	}
	json_t *j = srt_json(r);
	if (!j)
		_fail(file, line);
	return j;
}

void srt_expect_str_at(json_t *obj, const char *key, const char *want, const char *file, int line)
{
	json_t *v = json_object_get(obj, key);
	if (!json_is_string(v) || strcmp(json_string_value(v), want) != 0) {
		char *d = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
		print_error("expected \"%s\" = \"%s\", got %s\n", key, want, d ? d : "(absent)");
		free(d);
		_fail(file, line);
	}
}

/* ---------------------------------------------------------------- responses */

void srt_resp_free(srt_resp *r)
{
	if (!r)
		return;
	free(r->body);
	for (size_t i = 0; i < r->nhdrs; i++) {
		free(r->hdrs[i].name);
		free(r->hdrs[i].value);
	}
	free(r->hdrs);
	memset(r, 0, sizeof *r);
}

const char *srt_header(const srt_resp *r, const char *name)
{
	for (size_t i = 0; i < r->nhdrs; i++)
		if (strcasecmp(r->hdrs[i].name, name) == 0)
			return r->hdrs[i].value;
	return NULL;
}

json_t *srt_json(const srt_resp *r)
{
	json_error_t err;
	json_t *j = json_loadb(r->body ? r->body : "", r->len, 0, &err);
	if (!j) {
		print_error("response is not JSON (%s)\n", err.text);
		srt__show_body(r);
	}
	return j;
}

int srt_timing(const srt_resp *r, long *rows, long *bytes)
{
	const char *st = srt_header(r, "Server-Timing");
	if (!st)
		return -1;
	const char *p = strstr(st, "rows;desc=\"");
	const char *q = strstr(st, "bytes;desc=\"");
	if (!p || !q || !strstr(st, "db;dur="))
		return -1;
	char *end;
	*rows = strtol(p + 11, &end, 10);
	if (end == p + 11 || *end != '"')
		return -1;
	*bytes = strtol(q + 12, &end, 10);
	if (end == q + 12 || *end != '"')
		return -1;
	return 0;
}

long srt_statements(const srt_resp *r, char *cache, size_t n)
{
	const char *st = srt_header(r, "Server-Timing");
	if (n)
		cache[0] = '\0';
	if (!st)
		return -1;
	const char *c = strstr(st, "cache;desc=\"");
	if (c && n) {
		c += 12;
		size_t len = strcspn(c, "\"");
		snprintf(cache, n, "%.*s", (int)len, c);
	}
	const char *p = strstr(st, "stmts;desc=\"");
	if (!p)
		return -1;
	char *end;
	long v = strtol(p + 12, &end, 10);
	return end == p + 12 || *end != '"' ? -1 : v;
}

/* The number in Server-Timing's `name;desc="N"`: 0 when absent, -1 when unreadable. */
static long timing_count(const char *st, const char *name)
{
	char key[32];
	snprintf(key, sizeof(key), "%s;desc=\"", name);
	const char *p = strstr(st, key);
	if (!p)
		return 0;
	p += strlen(key);
	char *end;
	long v = strtol(p, &end, 10);
	return end == p || *end != '"' ? -1 : v;
}

long srt_trips(const srt_resp *r)
{
	const char *st = srt_header(r, "Server-Timing");
	if (!st)
		return -1;
	long trips = timing_count(st, "trips"), prepares = timing_count(st, "prepares");
	return trips < 0 || prepares < 0 ? -1 : trips - prepares;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
	srt_resp *r = ud;
	size_t n = size * nmemb;
	char *nb = realloc(r->body, r->len + n + 1);
	if (!nb)
		return 0;
	memcpy(nb + r->len, ptr, n);
	r->body = nb;
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
	srt_resp *r = ud;
	size_t n = size * nmemb;
	if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
		/* A new response (after 100 Continue): forget earlier headers. */
		for (size_t i = 0; i < r->nhdrs; i++) {
			free(r->hdrs[i].name);
			free(r->hdrs[i].value);
		}
		r->nhdrs = 0;
		return n;
	}
	const char *colon = memchr(ptr, ':', n);
	if (!colon)
		return n;
	if (r->nhdrs == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 16;
		srt_hdr *nh = realloc(r->hdrs, nc * sizeof *nh);
		if (!nh)
			return 0;
		r->hdrs = nh;
		r->cap = nc;
	}
	size_t nl = (size_t)(colon - ptr);
	const char *v = colon + 1;
	const char *e = ptr + n;
	while (v < e && (*v == ' ' || *v == '\t'))
		v++;
	while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' '))
		e--;
	r->hdrs[r->nhdrs].name = strndup(ptr, nl);
	r->hdrs[r->nhdrs].value = strndup(v, (size_t)(e - v));
	r->nhdrs++;
	return n;
}

int srt_request(srt_server *s, const char *method, const char *path, const char *const *headers,
		const void *body, size_t len, srt_resp *out)
{
	memset(out, 0, sizeof *out);
	out->body = calloc(1, 1);
	CURL *c = s->curl;
	curl_easy_reset(c);
	size_t ulen = strlen(path) + strlen(s->base) + 1;
	char *url = malloc(ulen);
	if (strncmp(path, "http://", 7) == 0)
		snprintf(url, ulen, "%s", path);
	else
		snprintf(url, ulen, "%s%s", s->base, path);
	struct curl_slist *hl = NULL;
	int has_ct = 0;
	/* No "Expect: 100-continue" unless the caller asks for it (a test of a refusal before the
	 * body: without it, a server that answers early and closes races the body still being sent). */
	int has_expect = 0;
	for (size_t i = 0; headers && headers[i]; i++)
		has_expect |= strncasecmp(headers[i], "Expect:", 7) == 0;
	if (!has_expect)
		hl = curl_slist_append(hl, "Expect:");
	int has_auth = 0;
	for (size_t i = 0; headers && headers[i]; i++) {
		hl = curl_slist_append(hl, headers[i]);
		has_ct |= strncasecmp(headers[i], "Content-Type:", 13) == 0;
		has_auth |= strncasecmp(headers[i], "Authorization:", 14) == 0;
	}
	if (!has_auth && !s->metrics_anonymous && strcmp(method, "GET") == 0 && strcmp(path, "/metrics") == 0)
		hl = curl_slist_append(hl, "Authorization: Bearer " SRT_METRICS_TOKEN);
	/* No implicit application/x-www-form-urlencoded on bodies we did not type. */
	if (!has_ct)
		hl = curl_slist_append(hl, "Content-Type:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	} else if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? len : 0));
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
	} else {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
		if (body) {
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		}
	}
	CURLcode rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	else if (s->pid > 0 && !s->starting)
		print_error("%s %s: transport error: %s\n", method, url, curl_easy_strerror(rc));
	/* A published version waits for its scan before it is listed; tests continue once the
	 * server's scan worker has taken it, as a client would wait for the listing. */
	size_t ul = strlen(url);
	if (rc == CURLE_OK && out->status == 200 && strcmp(method, "POST") == 0 && !s->no_scan_wait &&
	    ul >= 14 && strcmp(url + ul - 14, "/api/v1/skills") == 0)
		srt_wait_scans(s);
	curl_slist_free_all(hl);
	free(url);
	return rc == CURLE_OK ? 0 : -1;
}

int srt_pending_scans(srt_server *s)
{
	return (int)srt_sql_int(s, "SELECT count(*) FROM skill_versions WHERE scan_state = 1");
}

int srt_wait_scans(srt_server *s)
{
	/* A deadline by the clock: one question costs more on PostgreSQL than on SQLite. */
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int n = srt_pending_scans(s);
		if (n == 0)
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= 10)
			break;
		struct timespec ts = {0, 2 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	print_error("the scan worker left versions pending for 10 s\n");
	return -1;
}

int srt_get(srt_server *s, const char *path, const char *token, srt_resp *out)
{
	return srt_send(s, "GET", path, token, NULL, out);
}

int srt_send(srt_server *s, const char *method, const char *path, const char *token,
	     const char *json_body, srt_resp *out)
{
	char auth[256];
	const char *h[4];
	size_t n = 0;
	h[n++] = "Accept: application/json";
	if (token) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
		h[n++] = auth;
	}
	if (json_body)
		h[n++] = "Content-Type: application/json";
	h[n] = NULL;
	return srt_request(s, method, path, h, json_body, json_body ? strlen(json_body) : 0, out);
}

int srt_raw(srt_server *s, const void *req, size_t len, char **out, size_t *outlen)
{
	if (out)
		*out = NULL;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct timeval tv = {.tv_sec = 10};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		close(fd);
		return -1;
	}
	const char *p = req;
	size_t left = len;
	while (left > 0) {
		ssize_t w = send(fd, p, left, MSG_NOSIGNAL);
		if (w <= 0)
			break;
		p += w;
		left -= (size_t)w;
	}
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	for (;;) {
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
		}
		ssize_t r = recv(fd, buf + n, cap - n, 0);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	close(fd);
	int status = -1;
	if (n > 12 && strncmp(buf, "HTTP/1.", 7) == 0)
		status = atoi(buf + 9);
	if (out)
		*out = buf;
	else
		free(buf);
	if (outlen)
		*outlen = n;
	return status;
}

json_t *srt_call_at(srt_server *s, const char *method, const char *path, const char *tok, const char *body, long status,
		    const char *text, const char *file, int line)
{
	srt_resp r;
	srt_send(s, method, path, tok, body, &r);
	if (r.status != status)
		print_error("%s %s\n", method, path);
	json_t *j = NULL;
	if (text)
		srt_expect_text_at(&r, status, text, file, line);
	else
		j = srt_expect_json_at(&r, status, file, line);
	srt_resp_free(&r);
	return j;
}
