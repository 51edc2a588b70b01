/*
 * sort.h - the orders a skill list comes in, and the cursors that page a list in one of them.
 *
 * One table names every order both faces of the server accept: the query parameter's name,
 * the store's sort (enum sr_sort of store.h), its natural direction, and which face takes the
 * name. The store ranges one partial index per (sort, filter): ix_list_<sort> for the
 * browse-eligible skills (SR_FILTER_LISTED, every API list and the web's default) and
 * ix_pub_<sort> for every public skill (SR_FILTER_PUBLIC, the web's "all" filter), so a row of
 * this table together with a filter says which index a page reads.
 *
 * `installs` is the one name the faces read differently, as ClawHub does: in
 * GET /api/v1/skills it is a legacy alias of `downloads` (api-v1 section 3.2: "legacy
 * installs/install/installscurrent/... -> downloads"), while the browse page's `installs`
 * ranks by installs (data-model section 3.1: installs -> by_active_stats_installs_all_time).
 *
 * A list cursor (registry/cursor.h) carries the sort, the direction and a family code that
 * says which list made it (the API's plain or prefix list, the web's per filter, prefix and
 * paging direction). A cursor is taken only by the list that made it: every other one is
 * rejected, never reinterpreted.
 */
#ifndef SR_SORT_H
#define SR_SORT_H

#include <stddef.h>

#include "registry/cursor.h"
#include "store/store.h"

/* Which face of the server takes a sort name or makes a cursor. */
#define SR_SORTS_API 1u
#define SR_SORTS_WEB 2u

/* The API's sort=trending: the newest trending snapshot, not a range the store reads. */
#define SR_SORT_TRENDING (-1)

typedef struct sr_sort_name {
	const char *name;  /* as the query parameter spells it, compared case-insensitively */
	int sort;          /* enum sr_sort, or SR_SORT_TRENDING */
	int desc;          /* the natural direction: 1 descending */
	unsigned faces;    /* SR_SORTS_API, SR_SORTS_WEB or both */
	const char *label; /* the browse page's words for it; NULL for names the web does not offer */
} sr_sort_name;

/* The table, in the order the browse page offers its orders. */
extern const sr_sort_name sr_sort_names[];
extern const int sr_sort_names_count;

/* The order a face takes under name, or NULL when the face knows no such name. */
const sr_sort_name *sr_sort_find(const char *name, unsigned face);

/* The family code of a list's cursors: for the API (filter SR_FILTER_LISTED, forwards
 * only), whether a slug prefix narrowed the list; for the web, the filter, the prefix and
 * whether the cursor pages backwards. Different lists never share a code. */
int sr_list_cursor_family(unsigned face, int filter, int prefix, int before);

/* Seals c (whose key and id sr_cursor_set_row set) for the list (sort, desc, family) and
 * writes its opaque form into out (outsz >= SR_CURSOR_MAX_LEN + 1). 0 or an SR_E* code. */
int sr_list_cursor_encode(sr_cursor *c, int sort, int desc, int family, char *out, size_t outsz);

/* Decodes s and checks it was made by the list (sort, desc) under one of the families
 * [family, family + nfamilies). 0 with *out set, else SR_EINVAL. */
int sr_list_cursor_check(const char *s, int sort, int desc, int family, int nfamilies, sr_cursor *out);

/* Makes q continue strictly after the cursor's row (c must outlive q: q borrows its text). */
void sr_list_query_after(sr_list_query *q, const sr_cursor *c);

#endif
