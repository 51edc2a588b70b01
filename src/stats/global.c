/*
 * global.c - the public-skill count's daily recount (global.h).
 */
#include "stats/global.h"

#include "core/err.h"
#include "core/log.h"

struct tally {
	int64_t n, last_created, last_id;
};

static int count_row(void *ud, const void *row)
{
	const sr_key_row *k = row; /* the skill id and its created_at */
	struct tally *t = ud;
	t->n++;
	t->last_created = k->key;
	t->last_id = k->id;
	return 0;
}

static int count_public(sr_store *s, sr_reads *total, int64_t *counted, int64_t *stored)
{
	struct tally t = {0, -1, -1};
	int rc = 0;
	sr_budget bud;
	for (;;) {
		int64_t before = t.n;
		sr_store_budget_begin(s, &bud);
		rc = sr_store_public_ids_page(s, t.last_created, t.last_id, SR_RECOUNT_PAGE, count_row, &t);
		sr_store_budget_end(s, &bud, total);
		if (rc || t.n - before < SR_RECOUNT_PAGE)
			break;
	}
	if (!rc) {
		sr_store_budget_begin(s, &bud);
		rc = sr_store_public_count(s, stored);
		sr_store_budget_end(s, &bud, total);
	}
	*counted = t.n;
	return rc;
}

int sr_public_recount(sr_store *s, int64_t now_ms, sr_reads *total, sr_recount *out)
{
	*out = (sr_recount){0};
	/* One snapshot for every page and the stored value, so the two are comparable. */
	int rc = sr_store_snapshot_begin(s);
	if (!rc) {
		rc = count_public(s, total, &out->counted, &out->stored);
		sr_store_read_end(s);
	}
	if (rc)
		return rc;
	out->drift = out->stored - out->counted;
	if (out->drift == 0)
		return 0;
	sr_log_error("recount: public skill count drifted: stored %lld, counted %lld; corrected",
		     (long long)out->stored, (long long)out->counted);
	if ((rc = sr_store_begin(s)))
		return rc;
	if ((rc = sr_store_public_count_adjust(s, -out->drift, now_ms))) {
		sr_store_rollback(s);
		return rc;
	}
	return sr_store_commit(s);
}
