/*
 * cases.c - what the staff's routes for reports (reports.c) and appeals (appeals.c) share:
 * the staff gate, the dispatch of /api/v1/skills/-/{reports,appeals}[/{id}/{verb}], the
 * public id of a case read back, and the paged list of cases with its cursor.
 */
#include <stdlib.h>
#include <string.h>

#include "api/internal.h"
#include "core/err.h"

#define CASES_LIMIT_DEFAULT 25
#define CASES_LIMIT_MAX 100

int sr__require_staff(sr_req *req, sr_resp *resp, sr_user *u)
{
	if (sr__require_user(req, resp, u))
		return -1;
	if (u->role != SR_ROLE_MODERATOR && u->role != SR_ROLE_ADMIN) {
		sr_resp_text(resp, 403, "Forbidden");
		return -1;
	}
	return 0;
}

int sr__case_route(sr_req *req, sr_resp *resp, char **seg, int n, const sr__case_routes *r, sr_user *u)
{
	int get = strcmp(req->method, "GET") == 0, post = strcmp(req->method, "POST") == 0;
	int list = n == 5 && get, act = n == 7 && post && strcmp(seg[6], r->verb) == 0;
	if (!list && !act) {
		req->route = "not-found";
		sr_resp_text(resp, 404, "Not found");
		return -1;
	}
	req->route = list ? r->list_route : r->act_route;
	if (sr__require_staff(req, resp, u))
		return -1;
	return list ? 0 : 1;
}

int64_t sr__case_id_of(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	if (strncmp(s, prefix, n) == 0 && s[n] == '_')
		s += n + 1;
	char *end;
	long long v = strtoll(s, &end, 10);
	return *s && !*end && v > 0 ? v : 0;
}

struct list_ctx {
	sr_jw *w;
	sr__case_item_fn item;
	int n, limit, more;
	int64_t last;
};

/* One row of a page; the row past the limit only says that there is a next page. */
static int list_item(void *ud, const void *row)
{
	const sr_case_row *r = row;
	struct list_ctx *c = ud;
	if (c->n == c->limit) {
		c->more = 1;
		return 1;
	}
	c->n++;
	c->last = r->id;
	c->item(c->w, r);
	return 0;
}

void sr__case_list(sr_req *req, sr_resp *resp, int status, const char *prefix, sr__case_list_fn list,
		   sr__case_item_fn item)
{
	const char *cur = sr_req_query(req, "cursor");
	int64_t before = cur && cur[0] ? sr__case_id_of(cur, prefix) : INT64_MAX;
	long limit = sr_req_query_long(req, "limit", CASES_LIMIT_DEFAULT);
	if (!before || limit < 1 || limit > CASES_LIMIT_MAX) {
		sr_resp_text(resp, 400, !before ? "Invalid cursor" : "Invalid limit");
		return;
	}
	sr_jw w;
	sr_jw_init(&w, &resp->body);
	sr_jw_obj(&w);
	sr_jw_key(&w, "items");
	sr_jw_arr(&w);
	struct list_ctx c = {&w, item, 0, (int)limit, 0, 0};
	int rc = list(req->store, status, before, (int)limit + 1, list_item, &c);
	sr_jw_arr_end(&w);
	if (c.more) {
		char next[32];
		sr_public_id(next, sizeof(next), prefix, c.last);
		sr_jw_kstr(&w, "nextCursor", next);
	} else {
		sr_jw_knull(&w, "nextCursor");
	}
	sr_jw_kbool(&w, "done", !c.more);
	sr_jw_obj_end(&w);
	if (rc)
		sr__internal(resp, rc);
	else
		sr_resp_json(resp, 200);
}
