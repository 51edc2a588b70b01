/*
 * harness.c - runs a real skillreg server for the HTTP end-to-end tests and talks to it.
 *
 * The server is a child process (killed with the test process through PR_SET_PDEATHSIG, so a
 * crashed test never leaves a server behind). Requests go through one libcurl easy handle
 * per server so keep-alive is exercised like the real CLI does.
 */
#include "harness.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <curl/curl.h>
#include <libpq-fe.h>
#include <openssl/evp.h>
#include <zip.h>

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

static void show_body(const srt_resp *r)
{
	print_error("  body (%zu bytes): %.600s\n", r->len, r->body ? r->body : "(null)");
}

void srt_expect_status_at(const srt_resp *r, long status, const char *file, int line)
{
	if (r->status != status) {
		print_error("expected HTTP %ld, got %ld\n", status, r->status);
		show_body(r);
		_fail(file, line);
	}
}

static void expect_plain(const srt_resp *r, const char *file, int line)
{
	if (strncasecmp(content_type(r), "text/plain", 10) != 0) {
		print_error("expected a text/plain error body, got Content-Type %s\n", content_type(r));
		show_body(r);
		_fail(file, line);
	}
}

void srt_expect_text_at(const srt_resp *r, long status, const char *text, const char *file,
			int line)
{
	srt_expect_status_at(r, status, file, line);
	if (!r->body || strcmp(r->body, text) != 0) {
		print_error("HTTP %ld: expected body \"%s\"\n", status, text);
		show_body(r);
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
		show_body(r);
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
		show_body(r);
		_fail(file, line);
	}
}

json_t *srt_expect_json_at(const srt_resp *r, long status, const char *file, int line)
{
	srt_expect_status_at(r, status, file, line);
	if (strncasecmp(content_type(r), "application/json", 16) != 0) {
		print_error("expected application/json, got %s\n", content_type(r));
		show_body(r);
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
		show_body(r);
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

/* ---------------------------------------------------------------- server lifecycle */

static int resolve_bin(srt_server *s)
{
	const char *env = getenv("SKILLREG_BIN");
	if (env && *env) {
		snprintf(s->bin, sizeof s->bin, "%s", env);
		return 0;
	}
	char self[SRT_MAX_PATH - 64];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return -1;
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	snprintf(s->bin, sizeof s->bin, "%s/../skillreg", self);
	char real[PATH_MAX];
	if (realpath(s->bin, real))
		snprintf(s->bin, sizeof s->bin, "%s", real);
	return 0;
}

static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t al = sizeof a;
	int port = -1;
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &al) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static void print_log(const srt_server *s)
{
	char path[512];
	snprintf(path, sizeof path, "%s/server.log", s->dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char buf[8192];
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, size > (long)sizeof buf - 1 ? size - (long)sizeof buf + 1 : 0, SEEK_SET);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	fprintf(stderr, "---- tail of %s ----\n%s\n---- end of server log ----\n", path, buf);
}

/* Waits until the running server has applied every write committed so far by other
 * processes (an admin command's). On SQLite a commit bumps the shared generation file before
 * it returns, so there is nothing to wait for. On PostgreSQL the server hears of another
 * process's write from its LISTEN connection, a little after the commit: this sends a sync
 * marker on the same channel, which arrives after every earlier commit's notification, and
 * watches /metrics until the server has applied it (src/store/pg_gens.c). */
static void sleep_ms(long ms);

static int sync_writes(srt_server *s)
{
	static unsigned long long seq;
	if (!srt_db_postgres() || s->pid <= 0)
		return 0;
	PGconn *c = PQconnectdb(s->db);
	char sql[96];
	snprintf(sql, sizeof sql, "SELECT pg_notify('skillreg_gens', 'n%llu')", ++seq);
	PGresult *r = PQstatus(c) == CONNECTION_OK ? PQexec(c, sql) : NULL;
	int sent = r && PQresultStatus(r) == PGRES_TUPLES_OK;
	PQclear(r);
	PQfinish(c);
	if (!sent) {
		fprintf(stderr, "cannot send sync marker %llu to %s\n", seq, s->db);
		return -1;
	}
	for (int i = 0; i < 500; i++) {
		srt_resp m;
		unsigned long long seen = 0;
		if (srt_get(s, "/metrics", NULL, &m) == 0 && m.status == 200) {
			static const char key[] = "\nskillreg_gens_marker ";
			const char *p = strstr(m.body, key);
			if (p)
				seen = strtoull(p + sizeof key - 1, NULL, 10);
		}
		srt_resp_free(&m);
		if (seen >= seq)
			return 0;
		sleep_ms(10);
	}
	fprintf(stderr, "the server did not apply sync marker %llu within 5 s\n", seq);
	return -1;
}

int srt_admin(srt_server *s, char *out, size_t outsz, const char *const *args)
{
	const char *argv[32];
	size_t n = 0;
	argv[n++] = s->bin;
	for (size_t i = 0; args[i] && n < 28; i++)
		argv[n++] = args[i];
	argv[n++] = "--data-dir";
	argv[n++] = s->dir;
	if (srt_db_postgres()) {
		argv[n++] = "--db";
		argv[n++] = s->db;
	}
	argv[n] = NULL;
	int pfd[2];
	if (pipe(pfd) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		char logp[512];
		snprintf(logp, sizeof logp, "%s/admin.log", s->dir);
		int lfd = open(logp, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (lfd >= 0)
			dup2(lfd, 2);
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execv(s->bin, (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	char buf[4096];
	size_t got = 0;
	for (;;) {
		ssize_t r = read(pfd[0], buf + got, sizeof buf - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
		if (got == sizeof buf - 1)
			break;
	}
	close(pfd[0]);
	buf[got] = '\0';
	int st = 0;
	waitpid(pid, &st, 0);
	char *b = buf;
	while (*b && isspace((unsigned char)*b))
		b++;
	size_t bl = strlen(b);
	while (bl > 0 && isspace((unsigned char)b[bl - 1]))
		b[--bl] = '\0';
	if (out)
		snprintf(out, outsz, "%s", b);
	if (!WIFEXITED(st))
		return -1;
	if (WEXITSTATUS(st) != 0) {
		fprintf(stderr, "admin command failed (exit %d):", WEXITSTATUS(st));
		for (size_t i = 0; argv[i]; i++)
			fprintf(stderr, " %s", argv[i]);
		fprintf(stderr, "\n");
		return WEXITSTATUS(st);
	}
	return sync_writes(s);
}

static int make_token(srt_server *s, const char *handle, char *out, size_t outsz)
{
	const char *args[] = {"token", "create", handle, NULL};
	if (srt_admin(s, out, outsz, args) != 0)
		return -1;
	/* Take the last whitespace-separated word in case the command says more. */
	char *last = strrchr(out, '\n');
	if (last)
		memmove(out, last + 1, strlen(last + 1) + 1);
	if (strncmp(out, "clh_", 4) != 0) {
		fprintf(stderr, "token create %s printed \"%s\", not a clh_ token\n", handle, out);
		return -1;
	}
	return 0;
}

static int setup_users(srt_server *s)
{
	char out[256];
	const char *a1[] = {"user", "add", "alice", NULL};
	const char *a2[] = {"user", "add", "bob", "--role", "user", NULL};
	const char *a3[] = {"user", "add", "boss", "--role", "admin", NULL};
	const char *a4[] = {"user", "add", "mallory", NULL};
	if (srt_admin(s, out, sizeof out, a1) || srt_admin(s, out, sizeof out, a2) ||
	    srt_admin(s, out, sizeof out, a3) || srt_admin(s, out, sizeof out, a4))
		return -1;
	if (make_token(s, "alice", s->tok_alice, sizeof s->tok_alice) ||
	    make_token(s, "bob", s->tok_bob, sizeof s->tok_bob) ||
	    make_token(s, "boss", s->tok_admin, sizeof s->tok_admin) ||
	    make_token(s, "mallory", s->tok_banned, sizeof s->tok_banned) ||
	    make_token(s, "alice", s->tok_revoked, sizeof s->tok_revoked))
		return -1;
	char prefix[16];
	snprintf(prefix, sizeof prefix, "%.12s", s->tok_revoked);
	const char *r[] = {"token", "revoke", prefix, NULL};
	const char *b[] = {"user", "ban", "mallory", NULL};
	if (srt_admin(s, out, sizeof out, r) || srt_admin(s, out, sizeof out, b))
		return -1;
	return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

int srt_metrics_off;

static int spawn(srt_server *s)
{
	char listen[64];
	snprintf(listen, sizeof listen, "127.0.0.1:%d", s->port);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		char logp[512];
		snprintf(logp, sizeof logp, "%s/server.log", s->dir);
		int lfd = open(logp, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (lfd >= 0) {
			dup2(lfd, 2);
			dup2(lfd, 1);
		}
		/* /metrics answers only the operator's token; every server of the harness has one,
		 * which srt_request sends on a GET of /metrics (harness.h). */
		char tokp[300];
		snprintf(tokp, sizeof tokp, "%s/metrics-token", s->dir);
		int tfd = open(tokp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (tfd < 0 || write(tfd, SRT_METRICS_TOKEN "\n", sizeof SRT_METRICS_TOKEN) != (ssize_t)sizeof SRT_METRICS_TOKEN)
			_exit(126);
		close(tfd);
		const char *argv[34] = {s->bin, "serve", "--listen", listen, "--data-dir", s->dir};
		size_t n = 6;
		if (!srt_metrics_off) {
			argv[n++] = "--metrics-token-file";
			argv[n++] = tokp;
		}
		if (srt_db_postgres()) {
			argv[n++] = "--db";
			argv[n++] = s->db;
		}
		for (size_t i = 0; s->serve_args && s->serve_args[i] && n < 31; i++)
			argv[n++] = s->serve_args[i];
		argv[n] = NULL;
		execv(s->bin, (char *const *)argv);
		_exit(127);
	}
	s->pid = pid;
	s->starting = 1;
	for (int i = 0; i < 200; i++) {
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			fprintf(stderr, "skillreg serve exited early (status 0x%x)\n", st);
			s->pid = -1;
			print_log(s);
			return -1;
		}
		srt_resp r;
		if (srt_request(s, "GET", "/healthz", NULL, NULL, 0, &r) == 0 && r.status == 200) {
			srt_resp_free(&r);
			s->starting = 0;
			return 0;
		}
		srt_resp_free(&r);
		sleep_ms(50);
	}
	fprintf(stderr, "skillreg serve did not answer /healthz with 200 within 10 s\n");
	print_log(s);
	return -1;
}

int srt_server_start(srt_server *s)
{
	return srt_server_start_args(s, NULL);
}

int srt_server_start_args(srt_server *s, const char *const *serve_args)
{
	memset(s, 0, sizeof *s);
	s->serve_args = serve_args;
	s->pid = -1;
	static int curl_ready;
	if (!curl_ready) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		curl_ready = 1;
	}
	if (resolve_bin(s) != 0 || access(s->bin, X_OK) != 0) {
		fprintf(stderr, "skillreg binary not found or not executable: %s\n", s->bin);
		return -1;
	}
	snprintf(s->dir, sizeof s->dir, "/tmp/skillreg-http-XXXXXX");
	if (!mkdtemp(s->dir)) {
		perror("mkdtemp");
		return -1;
	}
	s->port = free_port();
	if (s->port <= 0)
		return -1;
	snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
	s->curl = curl_easy_init();
	if (srt__db_create(s) != 0) {
		fprintf(stderr, "no database for the server\n");
		return -1;
	}
	if (setup_users(s) != 0) {
		fprintf(stderr, "creating users/tokens failed; see %s/admin.log\n", s->dir);
		return -1;
	}
	return spawn(s);
}

/* SIGTERM and wait; 0 when the server exited with status 0. */
static int stop_process(srt_server *s)
{
	int rc = 0;
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		int st = 0;
		pid_t w = 0;
		for (int i = 0; i < 300; i++) {
			w = waitpid(s->pid, &st, WNOHANG);
			if (w == s->pid)
				break;
			sleep_ms(50);
		}
		if (w != s->pid) {
			fprintf(stderr, "skillreg serve did not exit within 15 s of SIGTERM\n");
			kill(s->pid, SIGKILL);
			waitpid(s->pid, &st, 0);
			rc = -1;
		} else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			if (WIFSIGNALED(st))
				fprintf(stderr, "skillreg serve died from signal %d at shutdown\n", WTERMSIG(st));
			else
				fprintf(stderr, "skillreg serve exited with status %d at shutdown\n",
					WEXITSTATUS(st));
			rc = -1;
		}
		s->pid = -1;
	}
	if (rc != 0)
		print_log(s);
	return rc;
}

int srt_server_restart(srt_server *s)
{
	if (stop_process(s) != 0)
		return -1;
	s->port = free_port();
	if (s->port <= 0)
		return -1;
	snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
	return spawn(s);
}

int srt_server_kill_restart(srt_server *s)
{
	if (s->pid <= 0)
		return -1;
	kill(s->pid, SIGKILL);
	int st = 0;
	pid_t w = waitpid(s->pid, &st, 0);
	s->pid = -1;
	if (w <= 0 || !WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL) {
		fprintf(stderr, "skillreg serve did not die of SIGKILL (status 0x%x)\n", st);
		print_log(s);
		return -1;
	}
	s->port = free_port();
	if (s->port <= 0)
		return -1;
	snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
	return spawn(s);
}

int srt_db_snapshot(srt_server *s, const char *to)
{
	if (!srt_db_postgres()) {
		/* The test's own temporary paths: no quote to escape. */
		return srt_sql(s, srt_fmt("VACUUM INTO '%s'", to)) < 0 ? -1 : 0;
	}
	/* PostgreSQL copies a database only while nobody is connected to it. */
	if (stop_process(s) != 0 || srt_db_copy(s->db, to) != 0)
		return -1;
	s->port = free_port();
	if (s->port <= 0)
		return -1;
	snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
	return spawn(s);
}

int srt_server_stop(srt_server *s)
{
	int rc = stop_process(s);
	if (s->curl) {
		curl_easy_cleanup(s->curl);
		s->curl = NULL;
	}
	srt__db_release(s);
	if (s->dir[0] && !getenv("SRT_KEEP"))
		nftw(s->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	else if (s->dir[0])
		fprintf(stderr, "kept data dir %s\n", s->dir);
	s->dir[0] = '\0';
	return rc;
}

int srt_server_start_peer(srt_server *peer, const srt_server *s)
{
	*peer = *s;
	peer->pid = -1;
	peer->curl = curl_easy_init();
	peer->port = free_port();
	if (peer->port <= 0 || !peer->curl)
		return -1;
	snprintf(peer->base, sizeof peer->base, "http://127.0.0.1:%d", peer->port);
	return spawn(peer);
}

int srt_server_stop_peer(srt_server *peer)
{
	int rc = stop_process(peer);
	if (peer->curl) {
		curl_easy_cleanup(peer->curl);
		peer->curl = NULL;
	}
	return rc;
}

/* ---------------------------------------------------------------- publishing */

json_t *srt_payload(const char *slug, const char *version)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:b}", "slug", slug, "displayName", slug, "version",
			 version, "changelog", "", "acceptLicenseTerms", 1);
}

const char *srt_skill_md(const char *name, const char *description)
{
	return srt_fmt("---\nname: %s\ndescription: %s\n---\n\n# %s\n\n%s\n\nUse it when you need it.\n",
		       name, description, name, description);
}

int srt_upload_url(srt_server *s, const char *token, const char *path, long long size,
		   const char *sha256, const char *ctype, srt_resp *out)
{
	json_t *j = json_pack("{s:s, s:I, s:s, s:s}", "path", path, "size", (json_int_t)size, "sha256",
			      sha256, "contentType", ctype ? ctype : "text/plain");
	char *body = json_dumps(j, JSON_COMPACT);
	int rc = srt_send(s, "POST", "/api/v1/skills/-/upload-url", token, body, out);
	free(body);
	json_decref(j);
	return rc;
}

static const char *ctype_or_default(const srt_file *f)
{
	return f->ctype ? f->ctype : "text/plain";
}

json_t *srt_upload_file_at(srt_server *s, const char *token, const srt_file *f, const char *file,
			   int line)
{
	char sha[65];
	srt_sha256_hex(f->data, f->len, sha);
	srt_resp r;
	srt_upload_url(s, token, f->path, (long long)f->len, sha, ctype_or_default(f), &r);
	if (r.status != 200) {
		print_error("upload-url for %s failed\n", f->path);
		srt_expect_status_at(&r, 200, file, line);
	}
	json_t *j = srt_expect_json_at(&r, 200, file, line);
	srt_resp_free(&r);
	const char *url = json_string_value(json_object_get(j, "uploadUrl"));
	const char *ticket = json_string_value(json_object_get(j, "uploadTicket"));
	if (!url || !ticket || strncmp(url, "http", 4) != 0) {
		print_error("upload-url response lacks an absolute uploadUrl / uploadTicket\n");
		json_decref(j);
		_fail(file, line);
		return NULL;
	}
	char auth[256], ct[256];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	snprintf(ct, sizeof ct, "Content-Type: %s", ctype_or_default(f));
	const char *h[] = {auth, ct, NULL};
	srt_request(s, "POST", url, h, f->data, f->len, &r);
	json_t *up = srt_expect_json_at(&r, 200, file, line);
	srt_resp_free(&r);
	const char *sid = json_string_value(json_object_get(up, "storageId"));
	if (!sid) {
		print_error("upload response lacks storageId\n");
		_fail(file, line);
	}
	json_t *entry = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s}", "path", f->path, "size",
				  (json_int_t)f->len, "storageId", sid, "sha256", sha, "contentType",
				  ctype_or_default(f), "uploadTicket", ticket);
	json_decref(up);
	json_decref(j);
	return entry;
}

int srt_publish_json_at(srt_server *s, const char *token, json_t *payload, const srt_file *files,
			size_t n, srt_resp *out, const char *file, int line)
{
	json_t *p = json_deep_copy(payload);
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *e = srt_upload_file_at(s, token, &files[i], file, line);
		if (e)
			json_array_append_new(arr, e);
	}
	json_object_set_new(p, "files", arr);
	char *body = json_dumps(p, JSON_COMPACT);
	int rc = srt_send(s, "POST", "/api/v1/skills", token, body, out);
	free(body);
	json_decref(p);
	return rc;
}

char *srt_multipart_body(const srt_part *parts, size_t n, size_t *len)
{
	static const char boundary[] = SRT_MP_BOUNDARY;
	size_t cap = 1024;
	for (size_t i = 0; i < n; i++)
		cap += parts[i].len + 512 + (parts[i].filename ? 2 * strlen(parts[i].filename) : 0);
	char *body = malloc(cap);
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		o += (size_t)snprintf(body + o, cap - o, "--%s\r\nContent-Disposition: form-data; name=\"%s\"",
				      boundary, parts[i].name);
		if (parts[i].filename) {
			/* A quoted-string: backslash and quote are escaped (as curl does). */
			o += (size_t)snprintf(body + o, cap - o, "; filename=\"");
			for (const char *c = parts[i].filename; *c; c++) {
				if (*c == '\\' || *c == '"')
					body[o++] = '\\';
				body[o++] = *c;
			}
			body[o++] = '"';
		}
		o += (size_t)snprintf(body + o, cap - o, "\r\n");
		if (parts[i].ctype)
			o += (size_t)snprintf(body + o, cap - o, "Content-Type: %s\r\n", parts[i].ctype);
		o += (size_t)snprintf(body + o, cap - o, "\r\n");
		memcpy(body + o, parts[i].data, parts[i].len);
		o += parts[i].len;
		o += (size_t)snprintf(body + o, cap - o, "\r\n");
	}
	o += (size_t)snprintf(body + o, cap - o, "--%s--\r\n", boundary);
	*len = o;
	return body;
}

int srt_multipart(srt_server *s, const char *token, const srt_part *parts, size_t n,
		  srt_resp *out)
{
	static const char boundary[] = SRT_MP_BOUNDARY;
	size_t o;
	char *body = srt_multipart_body(parts, n, &o);
	char auth[256], ct[256];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", token ? token : "");
	snprintf(ct, sizeof ct, "Content-Type: multipart/form-data; boundary=%s", boundary);
	const char *h[] = {ct, "Accept: application/json", token ? auth : NULL, NULL};
	int rc = srt_request(s, "POST", "/api/v1/skills", h, body, o, out);
	free(body);
	return rc;
}

int srt_publish_multipart(srt_server *s, const char *token, const char *payload_text,
			  const srt_file *files, size_t n, srt_resp *out)
{
	srt_part *parts = calloc(n + 1, sizeof *parts);
	size_t k = 0;
	if (payload_text)
		parts[k++] = (srt_part){"payload", NULL, NULL, payload_text, strlen(payload_text)};
	for (size_t i = 0; i < n; i++)
		parts[k++] = (srt_part){"files", files[i].path, ctype_or_default(&files[i]), files[i].data,
					files[i].len};
	int rc = srt_multipart(s, token, parts, k, out);
	free(parts);
	return rc;
}

void srt_publish_ok_at(srt_server *s, const char *token, const char *slug, const char *version,
		       const char *display, const char *description, const char *owner,
		       const char *const *tags, const char *file, int line)
{
	json_t *p = srt_payload(slug, version);
	if (display)
		json_object_set_new(p, "displayName", json_string(display));
	if (owner)
		json_object_set_new(p, "ownerHandle", json_string(owner));
	if (tags) {
		json_t *t = json_array();
		for (size_t i = 0; tags[i]; i++)
			json_array_append_new(t, json_string(tags[i]));
		json_object_set_new(p, "tags", t);
	}
	const char *md = srt_skill_md(display ? display : slug, description ? description : "A skill.");
	srt_file f = {"SKILL.md", md, strlen(md), "text/markdown"};
	srt_resp r;
	srt_publish_json_at(s, token, p, &f, 1, &r, file, line);
	json_t *j = srt_expect_json_at(&r, 200, file, line);
	if (!json_is_true(json_object_get(j, "ok")) ||
	    !json_is_string(json_object_get(j, "skillId")) ||
	    !json_is_string(json_object_get(j, "versionId"))) {
		print_error("publish %s@%s: bad success shape\n", slug, version);
		show_body(&r);
		_fail(file, line);
	}
	json_decref(j);
	json_decref(p);
	srt_resp_free(&r);
}

/* ---------------------------------------------------------------- zip */

int srt_zip_build(const srt_file *files, size_t n, void **out, size_t *outlen)
{
	zip_error_t err;
	zip_error_init(&err);
	zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &err);
	if (!src)
		return -1;
	zip_source_keep(src);
	zip_t *z = zip_open_from_source(src, ZIP_TRUNCATE, &err);
	if (!z) {
		zip_source_free(src);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		zip_source_t *fs = zip_source_buffer(z, files[i].data, files[i].len, 0);
		if (!fs || zip_file_add(z, files[i].path, fs, ZIP_FL_ENC_UTF_8) < 0) {
			zip_source_free(fs);
			zip_discard(z);
			zip_source_free(src);
			return -1;
		}
	}
	if (zip_close(z) != 0) {
		zip_discard(z);
		zip_source_free(src);
		return -1;
	}
	zip_stat_t st;
	if (zip_source_stat(src, &st) != 0 || zip_source_open(src) != 0) {
		zip_source_free(src);
		return -1;
	}
	*out = malloc(st.size ? st.size : 1);
	zip_int64_t r = zip_source_read(src, *out, st.size);
	zip_source_close(src);
	zip_source_free(src);
	if (r < 0 || (zip_uint64_t)r != st.size) {
		free(*out);
		*out = NULL;
		return -1;
	}
	*outlen = (size_t)st.size;
	return 0;
}

static zip_t *zip_mem_open(const void *zip, size_t ziplen)
{
	zip_error_t err;
	zip_error_init(&err);
	zip_source_t *src = zip_source_buffer_create(zip, ziplen, 0, &err);
	if (!src)
		return NULL;
	zip_t *z = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err);
	if (!z)
		zip_source_free(src);
	return z;
}

long srt_zip_count(const void *zip, size_t ziplen)
{
	zip_t *z = zip_mem_open(zip, ziplen);
	if (!z)
		return -1;
	long n = (long)zip_get_num_entries(z, 0);
	zip_discard(z);
	return n;
}

long srt_zip_names(const void *zip, size_t ziplen, char (*names)[64], long max)
{
	zip_t *z = zip_mem_open(zip, ziplen);
	if (!z)
		return -1;
	long n = (long)zip_get_num_entries(z, 0);
	for (long i = 0; i < n && i < max; i++) {
		const char *nm = zip_get_name(z, (zip_uint64_t)i, ZIP_FL_ENC_RAW);
		snprintf(names[i], 64, "%s", nm ? nm : "");
	}
	zip_discard(z);
	return n;
}

int srt_zip_read(const void *zip, size_t ziplen, const char *name, char **data, size_t *len)
{
	*data = NULL;
	zip_t *z = zip_mem_open(zip, ziplen);
	if (!z)
		return -1;
	zip_stat_t st;
	if (zip_stat(z, name, 0, &st) != 0) {
		zip_discard(z);
		return -1;
	}
	zip_file_t *zf = zip_fopen(z, name, 0);
	if (!zf) {
		zip_discard(z);
		return -1;
	}
	*data = malloc(st.size + 1);
	zip_int64_t r = zip_fread(zf, *data, st.size);
	zip_fclose(zf);
	zip_discard(z);
	if (r < 0 || (zip_uint64_t)r != st.size) {
		free(*data);
		*data = NULL;
		return -1;
	}
	(*data)[st.size] = '\0';
	*len = (size_t)st.size;
	return 0;
}

int srt_import_skill(srt_server *s, const char *owner, const char *slug, const char *version,
		     const char *name, const char *description)
{
	char root[600], dir[900], path[1000], cmd[1000], out[256];
	snprintf(root, sizeof root, "%s/import", s->dir);
	snprintf(dir, sizeof dir, "%s/%s/%s/%s", root, owner, slug, version);
	snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
	if (system(cmd) != 0) {
		print_error("import: cannot make %s\n", dir);
		return -1;
	}
	snprintf(path, sizeof path, "%s/SKILL.md", dir);
	FILE *f = fopen(path, "w");
	if (!f) {
		print_error("import: cannot write %s\n", path);
		return -1;
	}
	fputs(srt_skill_md(name, description), f);
	fclose(f);
	const char *const args[] = {"seed", root, NULL};
	if (srt_admin(s, out, sizeof out, args) != 0) {
		print_error("import: skillreg seed %s failed: %s\n", root, out);
		return -1;
	}
	return srt_wait_scans(s);
}
