/*
 * sort.c - the sort name table and the list cursors' families and check; see sort.h.
 */
#include "registry/sort.h"

#include <strings.h>

#include "core/err.h"

#define API SR_SORTS_API
#define WEB SR_SORTS_WEB

const sr_sort_name sr_sort_names[] = {
	{"updated", SR_SORT_UPDATED, 1, API | WEB, "Recently updated"},
	{"recommended", SR_SORT_DOWNLOADS, 1, API, NULL},
	{"default", SR_SORT_DOWNLOADS, 1, API, NULL},
	{"createdat", SR_SORT_CREATED, 1, API, NULL},
	{"created-at", SR_SORT_CREATED, 1, API, NULL},
	{"newest", SR_SORT_CREATED, 1, API | WEB, "Newest"},
	{"downloads", SR_SORT_DOWNLOADS, 1, API | WEB, "Most downloaded"},
	/* ClawHub's two readings of `installs` (see sort.h): the API's legacy alias, the web's
	 * installs order. */
	{"installs", SR_SORT_DOWNLOADS, 1, API, NULL},
	{"installs", SR_SORT_INSTALLS, 1, WEB, "Most installed"},
	{"install", SR_SORT_DOWNLOADS, 1, API, NULL},
	{"installscurrent", SR_SORT_DOWNLOADS, 1, API, NULL},
	{"installs-current", SR_SORT_DOWNLOADS, 1, API, NULL},
	{"current", SR_SORT_DOWNLOADS, 1, API, NULL},
	{"installsalltime", SR_SORT_DOWNLOADS, 1, API, NULL},
	{"installs-all-time", SR_SORT_DOWNLOADS, 1, API, NULL},
	{"stars", SR_SORT_STARS, 1, API | WEB, "Most starred"},
	{"rating", SR_SORT_STARS, 1, API, NULL},
	{"name", SR_SORT_NAME, 0, API | WEB, "Name"},
	{"trending", SR_SORT_TRENDING, 1, API, NULL},
};
const int sr_sort_names_count = (int)(sizeof(sr_sort_names) / sizeof(sr_sort_names[0]));

const sr_sort_name *sr_sort_find(const char *name, unsigned face)
{
	for (int i = 0; i < sr_sort_names_count; i++)
		if ((sr_sort_names[i].faces & face) && strcasecmp(name, sr_sort_names[i].name) == 0)
			return &sr_sort_names[i];
	return NULL;
}

/* The API's families are 1 and 2; the web's start at 32 and take four codes per filter.
 * A cursor's kind is the sort plus one, so that 0 never names a list. These numbers are in
 * every cursor handed out, so they do not change. */
#define FAMILY_API 1
#define FAMILY_WEB 32

int sr_list_cursor_family(unsigned face, int filter, int prefix, int before)
{
	if (face == SR_SORTS_API)
		return FAMILY_API + (prefix != 0);
	return FAMILY_WEB + filter * 4 + (prefix != 0) * 2 + (before != 0);
}

int sr_list_cursor_encode(sr_cursor *c, int sort, int desc, int family, char *out, size_t outsz)
{
	c->version = SR_CURSOR_VERSION;
	c->kind = sort + 1;
	c->filter = family;
	c->dir = desc;
	return sr_cursor_encode(c, out, outsz);
}

int sr_list_cursor_check(const char *s, int sort, int desc, int family, int nfamilies, sr_cursor *out)
{
	sr_cursor c;
	if (sr_cursor_decode(s, &c) || c.kind != sort + 1 || c.dir != desc || c.filter < family ||
	    c.filter >= family + nfamilies)
		return SR_EINVAL;
	*out = c;
	return 0;
}

void sr_list_query_after(sr_list_query *q, const sr_cursor *c)
{
	q->has_after = 1;
	q->after_k1 = c->k1;
	q->after_k2 = c->k2;
	q->after_id = c->id;
	q->after_text = c->text;
}
