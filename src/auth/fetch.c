/*
 * fetch.c - see fetch.h. One libcurl easy handle per request: sign-in makes a few requests
 * per login, so a handle's set-up cost does not matter and no handle is shared between
 * worker threads.
 */
#include "auth/fetch.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "core/err.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static int curl_ready;

static void curl_init(void)
{
	curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

/* Refuses the write (and so ends the transfer) once the body would pass its ceiling. */
static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	sr_buf *b = ud;
	size_t n = size * nmemb;
	if (b->len + n > SR_FETCH_MAX_BODY || sr_buf_append(b, p, n))
		return 0;
	return n;
}

int sr__fetch(const sr__fetch_req *rq, long *status, sr_buf *out)
{
	pthread_once(&curl_once, curl_init);
	if (!curl_ready)
		return SR_EIO;
	*status = 0;
	sr_buf_reset(out);
	CURL *c = curl_easy_init();
	if (!c)
		return SR_ENOMEM;
	struct curl_slist *h = NULL;
	char line[1200];
	snprintf(line, sizeof(line), "Accept: %s", rq->accept ? rq->accept : "application/json");
	h = curl_slist_append(h, line);
	if (rq->bearer) {
		snprintf(line, sizeof(line), "Authorization: Bearer %s", rq->bearer);
		h = curl_slist_append(h, line);
	} else if (rq->basic) {
		snprintf(line, sizeof(line), "Authorization: Basic %s", rq->basic);
		h = curl_slist_append(h, line);
	}
	/* The secret went into the header line; it must not linger on this stack. */
	memset(line, 0, sizeof(line));
	curl_easy_setopt(c, CURLOPT_URL, rq->url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "skillreg");
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)SR_FETCH_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)SR_FETCH_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE, (long)SR_FETCH_MAX_BODY);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	if (rq->form)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->form);
	CURLcode cc = curl_easy_perform(c);
	int rc = 0;
	if (cc == CURLE_WRITE_ERROR || cc == CURLE_FILESIZE_EXCEEDED)
		rc = SR_ETOOBIG;
	else if (cc != CURLE_OK)
		rc = SR_EIO;
	else
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return rc;
}

int sr__urlenc(sr_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		int plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
			    *p == '-' || *p == '.' || *p == '_' || *p == '~';
		char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
		int rc = plain ? sr_buf_putc(b, (char)*p) : sr_buf_append(b, esc, 3);
		if (rc)
			return rc;
	}
	return 0;
}

int sr__url_allowed(const char *url)
{
	if (strncasecmp(url, "https://", 8) == 0)
		return url[8] != '\0';
	if (strncasecmp(url, "http://", 7) != 0)
		return 0;
	const char *host = url + 7;
	size_t n = strcspn(host, ":/?#");
	if (n == 9 && strncasecmp(host, "localhost", 9) == 0)
		return 1;
	if (strncmp(host, "[::1]", 5) == 0)
		return 1;
	/* 127.x.y.z: digits and dots only, first label 127. */
	if (n < 9 || strncmp(host, "127.", 4) != 0)
		return 0;
	for (size_t i = 4; i < n; i++)
		if (!(host[i] == '.' || (host[i] >= '0' && host[i] <= '9')))
			return 0;
	return 1;
}
