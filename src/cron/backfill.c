/*
 * backfill.c - see backfill.h. The backfills:
 *
 *   summary   the latest-version summary on skills (latest_version, latest_created_at,
 *             latest_changelog, latest_metadata) against the version latest_version_id
 *             points to, rewritten with the statement publish and tag moves use. The
 *             comparison includes rows that already have a summary: a stale one is exactly
 *             what it exists to repair (ClawHub's backfill skipped them, seed review).
 *   counters  stats_downloads and stats_installs against the folded daily stats,
 *             stats_stars against the stars rows, stats_versions against the live versions.
 *   search    the word index (docs/search.md): each skill's postings, vocabulary counts and
 *             typo keys written again from its row and its searchable text, as a publish
 *             writes them; with the blob store at hand (sr_backfill_set_blobs), the text is
 *             first read again from the latest version's SKILL.md. Migration 0019 / 0011
 *             records a finished pass on a database with no skills yet; one that had skills
 *             needs a pass, which `skillreg import` and `db-copy` run at their end
 *             (sr_backfill_search_pending), and `skillreg backfill search` otherwise.
 *             Migration 0023 / 0015 (the SKILL.md body in the index) asks for a new pass on a
 *             database that has skills.
 */
#include "cron/backfill.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/fault.h"
#include "core/log.h"
#include "core/util.h"
#include "registry/search.h"

static sr_blobs *bf_blobs;

void sr_backfill_set_blobs(sr_blobs *b)
{
	bf_blobs = b;
}

/* Rewrites what disagrees among the skills after `after`, up to limit; *last is the last id
 * read, *scanned the rows read and *changed the rows rewritten. */
typedef int (*batch_fn)(sr_store *s, int64_t after, int limit, int64_t *last, int *scanned, int *changed);

static int batch_summary(sr_store *s, int64_t after, int limit, int64_t *last, int *scanned, int *changed)
{
	sr_bf_summary *rows = calloc((size_t)limit, sizeof(*rows));
	if (!rows)
		return SR_ENOMEM;
	int n = 0, rc = sr_store_backfill_summary_page(s, after, limit, rows, &n);
	sr_fault_point("backfill: batch read");
	for (int i = 0; !rc && i < n; i++) {
		if (!rows[i].stale)
			continue;
		if ((rc = sr_store_set_latest(s, rows[i].id, rows[i].latest_version_id)))
			break;
		(*changed)++;
		sr_fault_point("backfill: row rewritten");
	}
	if (n)
		*last = rows[n - 1].id;
	*scanned = n;
	free(rows);
	return rc;
}

static int batch_counters(sr_store *s, int64_t after, int limit, int64_t *last, int *scanned, int *changed)
{
	sr_bf_counters *rows = calloc((size_t)limit, sizeof(*rows));
	if (!rows)
		return SR_ENOMEM;
	int n = 0, rc = sr_store_backfill_counters_page(s, after, limit, rows, &n);
	sr_fault_point("backfill: batch read");
	for (int i = 0; !rc && i < n; i++) {
		if (memcmp(rows[i].have, rows[i].want, sizeof(rows[i].have)) == 0)
			continue;
		if ((rc = sr_store_backfill_counters_set(s, rows[i].id, rows[i].want)))
			break;
		(*changed)++;
		sr_fault_point("backfill: row rewritten");
	}
	if (n)
		*last = rows[n - 1].id;
	*scanned = n;
	free(rows);
	return rc;
}

struct ids {
	int64_t *id;
	int n, cap;
};

static int take_id(void *ud, const void *row)
{
	struct ids *l = ud;
	const sr_key_row *r = row;
	if (l->n < l->cap)
		l->id[l->n++] = r->id;
	return 0;
}

struct md_ref {
	char sha[65];
	int found;
};

static int take_md(void *ud, const void *row)
{
	struct md_ref *m = ud;
	const sr_detail_row *d = row;
	if (d->md_sha256 && strlen(d->md_sha256) == 64) {
		memcpy(m->sha, d->md_sha256, 65);
		m->found = 1;
	}
	return 1;
}

/* The skill's searchable text from its latest SKILL.md in the blob store, as publish takes it.
 * A skill with no SKILL.md, or whose bytes the store lacks, keeps the text it has. */
static int refresh_text(sr_store *s, int64_t id)
{
	struct md_ref m = {"", 0};
	int rc = sr_store_detail_by_id(s, id, take_md, &m);
	if (rc || !m.found)
		return rc;
	sr_buf md, text;
	sr_buf_init(&md, (size_t)64 << 20); /* above any file a publish takes */
	sr_buf_init(&text, SR_SEARCH_TEXT_MAX);
	int got = sr_blob_read(bf_blobs, m.sha, &md);
	if (got) {
		sr_log_info("backfill search: skill %lld: SKILL.md %s not read from the blob store (%s); its text is kept",
			    (long long)id, m.sha, sr_strerror(got));
	} else {
		rc = sr_search_body_text(md.data ? md.data : "", md.len, &text);
		if (!rc)
			rc = sr_store_search_text_set(s, id, text.data ? text.data : "");
	}
	sr_buf_deinit(&md);
	sr_buf_deinit(&text);
	return rc;
}

static int batch_search(sr_store *s, int64_t after, int limit, int64_t *last, int *scanned, int *changed)
{
	struct ids l = {calloc((size_t)limit, sizeof(int64_t)), 0, limit};
	if (!l.id)
		return SR_ENOMEM;
	int rc = sr_store_skill_ids_page(s, after, limit, take_id, &l);
	sr_fault_point("backfill: batch read");
	/* One skill's index writes a few statements per term: each skill gets a read budget of
	 * its own, as a publish does, added to the batch's accounting. */
	sr_reads *batch = sr_store_get_reads(s);
	for (int i = 0; !rc && i < l.n; i++) {
		sr_reads one;
		sr_reads_init(&one);
		sr_store_set_reads(s, &one);
		rc = bf_blobs ? refresh_text(s, l.id[i]) : 0;
		if (!rc)
			rc = sr_store_search_index(s, l.id[i]);
		sr_store_set_reads(s, batch);
		sr_reads_add(batch, &one);
		if (!rc)
			(*changed)++;
	}
	if (l.n)
		*last = l.id[l.n - 1];
	*scanned = l.n;
	free(l.id);
	return rc;
}

static const struct {
	const char *name;
	batch_fn fn;
	const char *what;
} backfills[] = {
	{"summary", batch_summary, "rewrites each skill's latest-version summary that disagrees with its latest version"},
	{"counters", batch_counters, "recounts downloads, installs (daily stats), stars and versions of each skill"},
	{"search", batch_search, "reads each skill's SKILL.md text again and writes its search postings, vocabulary counts and typo keys"},
};
#define NBACKFILLS ((int)(sizeof(backfills) / sizeof(backfills[0])))

int sr_backfill_count(void)
{
	return NBACKFILLS;
}

const char *sr_backfill_name(int i)
{
	return i >= 0 && i < NBACKFILLS ? backfills[i].name : NULL;
}

const char *sr_backfill_what(int i)
{
	return i >= 0 && i < NBACKFILLS ? backfills[i].what : NULL;
}

int sr_backfill_find(const char *name)
{
	for (int i = 0; i < NBACKFILLS; i++)
		if (strcmp(backfills[i].name, name) == 0)
			return i;
	return -1;
}

static void show(FILE *f, int tty, const char *name, const sr_backfill_state *st, int64_t max_id, int done)
{
	double frac = max_id > 0 ? (double)st->last_id / (double)max_id : 1.0;
	if (done || frac > 1.0)
		frac = 1.0;
	if (tty) {
		char bar[41];
		int full = (int)(frac * 40);
		for (int i = 0; i < 40; i++)
			bar[i] = i < full ? '#' : '.';
		bar[40] = '\0';
		fprintf(f, "\r%s [%s] %3d%%  scanned %lld  changed %lld%s", name, bar, (int)(frac * 100),
			(long long)st->scanned, (long long)st->changed, done ? "\n" : "");
	} else {
		fprintf(f, "backfill %s: %d%% (id %lld of %lld), scanned %lld, changed %lld\n", name,
			(int)(frac * 100), (long long)st->last_id, (long long)max_id, (long long)st->scanned,
			(long long)st->changed);
	}
	fflush(f);
}

int sr_backfill_run_one(sr_store *s, int i, int batch, FILE *progress, int tty, sr_backfill_run *out)
{
	memset(out, 0, sizeof(*out));
	if (i < 0 || i >= NBACKFILLS)
		return SR_ENOTFOUND;
	if (batch < 1 || batch > SR_BACKFILL_MAX_BATCH)
		return SR_EINVAL;
	const char *name = backfills[i].name;
	sr_reads *caller = sr_store_get_reads(s);
	int64_t t0 = sr_mono_ns(), last_shown = 0;
	sr_reads page;
	sr_reads_init(&page);
	sr_store_set_reads(s, &page);

	/* Resume an unfinished pass, or start a new one; a finished pass is never resumed. */
	sr_backfill_state st;
	int64_t max_id = 0;
	int rc = sr_store_backfill_state_get(s, name, &st);
	if (rc == SR_ENOTFOUND) {
		memset(&st, 0, sizeof(st));
		st.finished_at = 1;
		rc = 0;
	}
	if (!rc)
		rc = sr_store_skills_max_id(s, &max_id);
	if (rc)
		goto out;
	if (st.finished_at) {
		st.pass++;
		st.last_id = st.scanned = st.changed = 0;
		st.started_at = sr_now_ms();
		st.finished_at = 0;
		if ((rc = sr_store_backfill_state_put(s, name, &st)))
			goto out;
	} else {
		out->resumed = 1;
	}
	out->pass = st.pass;
	sr_log_info("backfill %s: %s pass %lld after id %lld, batches of %d", name,
		    out->resumed ? "resuming" : "starting", (long long)st.pass, (long long)st.last_id, batch);

	for (;;) {
		sr_reads pr;
		sr_reads_init(&pr);
		sr_store_set_reads(s, &pr);
		if ((rc = sr_store_begin(s))) {
			sr_reads_add(&page, &pr);
			goto out;
		}
		sr_fault_point("backfill: batch begun");
		int64_t last = st.last_id;
		int scanned = 0, changed = 0;
		rc = backfills[i].fn(s, st.last_id, batch, &last, &scanned, &changed);
		sr_backfill_state next = st;
		next.last_id = last;
		next.scanned += scanned;
		next.changed += changed;
		int done = scanned < batch;
		if (done)
			next.finished_at = sr_now_ms();
		if (!rc)
			rc = sr_store_backfill_state_put(s, name, &next);
		if (!rc)
			sr_fault_point("backfill: cursor written, not committed");
		if (!rc)
			rc = sr_store_commit(s);
		else
			sr_store_rollback(s);
		sr_reads_add(&page, &pr);
		if (rc)
			goto out;
		sr_fault_point("backfill: batch committed");
		st = next;
		out->batches++;
		out->scanned += scanned;
		out->changed += changed;
		int64_t now = sr_mono_ns();
		if (progress && (tty || done || now - last_shown >= 1000000000LL)) {
			show(progress, tty, name, &st, max_id, done);
			last_shown = now;
		}
		if (done)
			break;
	}
out:
	out->pass_scanned = st.scanned;
	out->pass_changed = st.changed;
	out->rows_read = page.rows;
	out->bytes_read = page.bytes;
	out->seconds = (double)(sr_mono_ns() - t0) / 1e9;
	sr_store_set_reads(s, caller);
	return rc;
}

int sr_backfill_search_pending(sr_store *s, FILE *progress, int tty, sr_backfill_run *out)
{
	memset(out, 0, sizeof(*out));
	sr_backfill_state st;
	int rc = sr_store_backfill_state_get(s, "search", &st);
	if (rc == 0 && st.finished_at && st.pass > 0)
		return 0;
	if (rc && rc != SR_ENOTFOUND)
		return rc;
	return sr_backfill_run_one(s, sr_backfill_find("search"), SR_BACKFILL_BATCH, progress, tty, out);
}
