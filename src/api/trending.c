/*
 * trending.c - GET /api/v1/trending, and the items of GET /api/v1/skills?sort=trending.
 *
 * Both read the newest leaderboard snapshot (src/stats/trending.c): one primary-key range of
 * entries in rank order, each joined to its skills row by primary key. A skill hidden since
 * the snapshot was taken is skipped, and the range is read on past it so the page stays
 * full; the snapshot holds at most 200 entries, so that is bounded too. When no snapshot
 * exists yet the first reader builds one (cold start) and the trending job is accounted.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "api/internal.h"
#include "core/err.h"
#include "core/jw.h"
#include "core/util.h"
#include "stats/trending.h"

#define TRENDING_DEFAULT_LIMIT 20
#define TRENDING_MAX_LIMIT 100

struct items {
	sr_app *app;
	sr_jw *w;
	int cards; /* 1: trending cards; 0: list items */
};

static int item_row(void *ud, const sr_skill_row *r, int rank, int64_t installs, int64_t downloads)
{
	struct items *k = ud;
	if (!k->cards) {
		sr__skill_item(k->app, k->w, r);
		return 0;
	}
	sr_jw *w = k->w;
	sr_jw_obj(w);
	sr__skill_card(w, r);
	sr_jw_kint(w, "rank", rank);
	sr_jw_kstr(w, "lane", "installs");
	sr_jw_key(w, "metrics");
	sr_jw_obj(w);
	/* ClawHub's names; the window is windowHours (the 7 days of data-model section 3.3). */
	sr_jw_kint(w, "trending24hDownloads", downloads);
	sr_jw_kint(w, "trending24hInstalls", installs);
	sr_jw_kint(w, "lifetimeInstalls", r->installs);
	sr_jw_kstr(w, "lifetimeInstallsPeriod", "lifetime");
	sr_jw_kint(w, "updatedAt", r->updated_at);
	sr_jw_obj_end(w);
	sr_jw_obj_end(w);
	return 0;
}

int sr__trending_items(sr_app *app, sr_req *req, sr_jw *w, int limit, int *n)
{
	*n = 0;
	sr_trending_snapshot snap;
	int rc = sr_trending_newest(req->store, &snap);
	if (rc)
		return rc;
	/* The list's trending page has no next page, so it reads no entry past its end. */
	struct items k = {app, w, 0};
	int last = 0, more = 0;
	if (snap.entries)
		rc = sr_trending_walk(req->store, snap.id, 0, limit, 0, item_row, &k, n, &last, &more);
	return rc;
}

/* Cursor: base64url of {"v":1,"s":<snapshot id>,"o":<rank of the last entry shown>}. */
static int cursor_encode(int64_t snapshot_id, int offset, char *out, size_t n)
{
	char json[96];
	int len = snprintf(json, sizeof(json), "{\"v\":1,\"s\":%lld,\"o\":%d}", (long long)snapshot_id, offset);
	if (len < 0 || (size_t)len >= sizeof(json) || sr_b64url_len((size_t)len) + 1 > n)
		return SR_EINVAL;
	sr_b64url_encode((const unsigned char *)json, (size_t)len, out);
	return 0;
}

static int cursor_decode(const char *c, int64_t *snapshot_id, int *offset)
{
	unsigned char raw[128];
	long len = sr_b64url_decode(c, strlen(c), raw, sizeof(raw) - 1);
	if (len <= 0)
		return SR_EINVAL;
	json_t *j = json_loadb((const char *)raw, (size_t)len, 0, NULL);
	json_int_t v = 0, s = 0, o = -1;
	int bad = !j || json_unpack(j, "{s:I,s:I,s:I}", "v", &v, "s", &s, "o", &o) || v != 1 || s < 1 ||
		  o < 0 || o > SR_TRENDING_TOP;
	json_decref(j);
	if (bad)
		return SR_EINVAL;
	*snapshot_id = s;
	*offset = (int)o;
	return 0;
}

/* s with the white space around it dropped, into out (n bytes); NULL when it does not fit. */
static const char *trimmed(const char *s, char *out, size_t n)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (len >= n)
		return NULL;
	memcpy(out, s, len);
	out[len] = '\0';
	return out;
}

/* The trending limit as ClawHub reads it, JavaScript's Number(): white space around it, then
 * a decimal number (a fraction or exponent allowed, "5.0" and "1e1" are whole) or a 0x, 0o or
 * 0b integer; 0 and *out set when it is a whole number, -1 otherwise. */
static int js_whole_number(const char *v, long *out)
{
	char b[64];
	const char *s = trimmed(v, b, sizeof(b));
	if (!s || !s[0])
		return -1;
	char *end;
	errno = 0;
	if (s[0] == '0' && s[1] && strchr("xXoObB", s[1])) {
		int base = strchr("xX", s[1]) ? 16 : strchr("oO", s[1]) ? 8 : 2;
		if (!isalnum((unsigned char)s[2]))
			return -1;
		long long n = strtoll(s + 2, &end, base);
		if (*end || errno || n > (1LL << 53))
			return -1;
		*out = (long)n;
		return 0;
	}
	/* strtod also takes hexadecimal, infinities and NaN, which Number() reads otherwise. */
	for (const char *c = s; *c; c++)
		if (!isdigit((unsigned char)*c) && !strchr("+-.eE", *c))
			return -1;
	double d = strtod(s, &end);
	if (*end || errno || d != (double)(long long)d || d < -9007199254740991.0 || d > 9007199254740991.0)
		return -1;
	*out = (long)d;
	return 0;
}

static void iso_time(int64_t ms, char *out, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	char base[32];
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, n, "%s.%03dZ", base, (int)(ms % 1000));
}

void sr__trending(sr_app *app, sr_req *req, sr_resp *resp)
{
	req->route = "trending";
	/* ClawHub's words on this route. `kind` and `cursor` are trimmed; an empty kind is
	 * `skills`, the only one. */
	char kind[16], cs_b[128];
	const char *kind_q = sr_req_query(req, "kind");
	if (kind_q && (!trimmed(kind_q, kind, sizeof(kind)) || (kind[0] && strcmp(kind, "skills") != 0))) {
		sr_resp_text(resp, 400, "Unsupported trending kind");
		return;
	}
	long limit = TRENDING_DEFAULT_LIMIT;
	const char *ls = sr_req_query(req, "limit");
	if (ls && (js_whole_number(ls, &limit) || limit < 1 || limit > TRENDING_MAX_LIMIT)) {
		sr_resp_text(resp, 400, "Invalid limit");
		return;
	}
	sr_trending_snapshot snap;
	int after = 0, rc;
	const char *c = sr_req_query(req, "cursor");
	const char *cs = c ? trimmed(c, cs_b, sizeof(cs_b)) : NULL;
	if (c && !cs) {
		sr_resp_text(resp, 400, "Invalid cursor format");
		return;
	}
	if (cs && cs[0]) {
		int64_t sid;
		if (cursor_decode(cs, &sid, &after)) {
			sr_resp_text(resp, 400, "Invalid cursor format");
			return;
		}
		/* A cursor stays on its snapshot, so paging never repeats or skips a skill when a
		 * new one is written meanwhile; once it is deleted, the client starts over. */
		rc = sr_store_trending_snapshot(req->store, sid, &snap);
		if (rc == SR_ENOTFOUND) {
			sr_resp_text(resp, 410, "Trending snapshot expired");
			return;
		}
	} else {
		rc = sr_trending_newest(req->store, &snap);
		if (rc == SR_ENOTFOUND) {
			sr_resp_text(resp, 503, "Trending snapshot unavailable");
			return;
		}
	}
	if (rc) {
		sr__internal(resp, rc);
		return;
	}
	char snap_cursor[128], next[128], at[40], sid_text[32];
	if (cursor_encode(snap.id, 0, snap_cursor, sizeof(snap_cursor))) {
		sr__internal(resp, SR_EINVAL);
		return;
	}
	iso_time(snap.computed_at, at, sizeof(at));
	snprintf(sid_text, sizeof(sid_text), "%lld", (long long)snap.id);
	sr_jw w;
	sr_jw_init(&w, &resp->body);
	sr_jw_obj(&w);
	sr_jw_kstr(&w, "kind", "skills");
	sr_jw_kstr(&w, "snapshotId", sid_text);
	sr_jw_kstr(&w, "snapshotCursor", snap_cursor);
	sr_jw_kstr(&w, "generatedAt", at);
	sr_jw_kint(&w, "windowHours", SR_TRENDING_DAYS * 24);
	sr_jw_kstr(&w, "rankingVersion", "skillreg-installs-7d-v1");
	sr_jw_kint(&w, "totalItems", snap.entries);
	sr_jw_key(&w, "items");
	sr_jw_arr(&w);
	struct items k = {app, &w, 1};
	int shown = 0, last_rank = 0, more = 0;
	rc = snap.entries ? sr_trending_walk(req->store, snap.id, after, (int)limit, 1, item_row, &k, &shown,
					     &last_rank, &more)
			  : 0;
	if (rc) {
		sr__internal(resp, rc);
		return;
	}
	sr_jw_arr_end(&w);
	sr_jw_key(&w, "nextCursor");
	if (more && !cursor_encode(snap.id, last_rank, next, sizeof(next)))
		sr_jw_str(&w, next);
	else
		sr_jw_null(&w);
	sr_jw_obj_end(&w);
	if (sr_jw_error(&w)) {
		sr__internal(resp, sr_jw_error(&w));
		return;
	}
	sr_resp_json(resp, 200);
}
