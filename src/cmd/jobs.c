/*
 * jobs.c - `skillreg fold`, `skillreg cron` and `skillreg backfill`: the server's background
 * work, run by hand.
 *
 * fold folds pending download/install events into the counters now; cron lists the scheduled
 * jobs (src/cron/cron.c) with their intervals or runs one of them once; backfill lists the
 * backfills (src/cron/backfill.c) or runs one to the end of its pass, resuming after the last
 * batch that committed.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/err.h"
#include "cron/backfill.h"
#include "cron/cron.h"
#include "store/store.h"

static int run_fold(const sr_cmd_opts *o)
{
	sr_app app;
	sr_store *s;
	int early = sr__cmd_begin(o, 1, &app, &s);
	if (early)
		return early;
	int rc = 0, n, total = 0;
	/* Each batch with a read budget of its own, as the fold job's. */
	while ((sr_store_set_reads(s, NULL), !(rc = sr_store_fold_events(s, 500, &n))) && n) {
		total += n;
		if (n < 500)
			break;
	}
	fprintf(stderr, "folded %d events\n", total);
	sr__cmd_close_data(&app, s);
	return rc ? 1 : 0;
}

static int run_cron(const sr_cmd_opts *o)
{
	if (o->nargs == 2 && strcmp(o->args[1], "list") == 0) {
		sr_cron c;
		if (sr__cron_schedule(o, &c))
			return 2;
		for (int i = 0; i < sr_cron_count(); i++) {
			const sr_cron_job *j = sr_cron_job_at(i);
			printf("%-10s every %lld ms  %s\n", j->name, (long long)c.interval_ms[i], j->what);
		}
		return 0;
	}
	if (o->nargs != 3 || strcmp(o->args[1], "run") != 0)
		return sr__cmd_misuse(o);
	int i = sr_cron_find(o->args[2]);
	if (i < 0) {
		fprintf(stderr, "skillreg: no job %s (see skillreg cron list)\n", o->args[2]);
		return 2;
	}
	sr_app app;
	sr_store *s;
	int early = sr__cmd_begin(o, 3, &app, &s);
	if (early)
		return early;
	char line[256];
	sr_cron_set_blobs(app.blobs);
	sr_cron_set_blob_grace(o->blob_grace_ms);
	int rc = sr_cron_run(s, i, line, sizeof(line));
	sr_cron_set_blobs(NULL);
	printf("%s\n", line);
	sr__cmd_close_data(&app, s);
	return rc ? 1 : 0;
}

int sr__cmd_search_backfill(sr_store *s, sr_blobs *blobs)
{
	sr_backfill_run r;
	sr_backfill_set_blobs(blobs);
	int rc = sr_backfill_search_pending(s, stderr, isatty(2), &r);
	sr_backfill_set_blobs(NULL);
	if (rc) {
		fprintf(stderr, "skillreg: search backfill: %s; run skillreg backfill search to finish\n", sr_strerror(rc));
		return 1;
	}
	if (r.batches)
		printf("search index: %lld skills indexed, %.2f s\n", (long long)r.scanned, r.seconds);
	return 0;
}

static int run_backfill(const sr_cmd_opts *o)
{
	if (o->nargs != 2)
		return sr__cmd_misuse(o);
	int list = strcmp(o->args[1], "list") == 0;
	int i = list ? -1 : sr_backfill_find(o->args[1]);
	if (!list && i < 0) {
		fprintf(stderr, "skillreg: no backfill %s (see skillreg backfill list)\n", o->args[1]);
		return 2;
	}
	sr_app app;
	sr_store *s;
	int early = sr__cmd_begin(o, 2, &app, &s);
	if (early)
		return early;
	int rc = 0;
	if (list) {
		for (int k = 0; k < sr_backfill_count(); k++) {
			sr_backfill_state st;
			int got = sr_store_backfill_state_get(s, sr_backfill_name(k), &st);
			char where[160];
			if (got == SR_ENOTFOUND)
				snprintf(where, sizeof(where), "never run");
			else if (got)
				snprintf(where, sizeof(where), "state unreadable");
			else
				snprintf(where, sizeof(where), "pass %lld %s at id %lld, scanned %lld, changed %lld",
					 (long long)st.pass, st.finished_at ? "finished" : "interrupted",
					 (long long)st.last_id, (long long)st.scanned, (long long)st.changed);
			printf("%-10s %s\n           %s\n", sr_backfill_name(k), sr_backfill_what(k), where);
		}
	} else {
		sr_backfill_run r;
		int tty = isatty(2);
		sr_backfill_set_blobs(app.blobs);
		rc = sr_backfill_run_one(s, i, (int)o->batch, stderr, tty, &r);
		sr_backfill_set_blobs(NULL);
		printf("backfill %s: %s pass %lld%s: scanned %lld, changed %lld, %lld batches, %.2f s, "
		       "rows read %lld, bytes read %lld (pass: scanned %lld, changed %lld)\n",
		       o->args[1], rc ? "failed in" : "finished", (long long)r.pass, r.resumed ? " (resumed)" : "",
		       (long long)r.scanned, (long long)r.changed, (long long)r.batches, r.seconds,
		       (long long)r.rows_read, (long long)r.bytes_read, (long long)r.pass_scanned,
		       (long long)r.pass_changed);
		if (rc)
			fprintf(stderr, "skillreg backfill %s: %s; rerun to resume\n", o->args[1], sr_strerror(rc));
	}
	sr__cmd_close_data(&app, s);
	return rc ? 1 : 0;
}

const sr_cmd sr__cmd_fold = {
	"fold", "fold pending download/install events into the counters now",
	"usage: skillreg fold [--data-dir DIR] [--db URL]\n",
	SR_O(DATA_DIR) | SR_O(DB),
	run_fold,
};

const sr_cmd sr__cmd_cron = {
	"cron", "list the scheduled jobs and their intervals, or run one once",
	"usage: skillreg cron list [--fold-ms MS] [--cron NAME=MS]...\n"
	"       skillreg cron run NAME [--data-dir DIR] [--db URL] [--blob-grace-ms MS]\n"
	"                 NAME: fold, trending, recount, scan-health, scan-requeue, reason-sync, blob-gc,\n"
	"                       blob-cache\n",
	SR_O(DATA_DIR) | SR_O(DB) | SR_O(FOLD_MS) | SR_O(CRON) | SR_O(BLOB_GRACE_MS),
	run_cron,
};

const sr_cmd sr__cmd_backfill = {
	"backfill", "list the backfills, or run (or resume) one to the end",
	"usage: skillreg backfill list [--data-dir DIR] [--db URL]\n"
	"       skillreg backfill summary|counters|search [--batch N] [--data-dir DIR] [--db URL]   N: 1..10000, default 500\n",
	SR_O(DATA_DIR) | SR_O(DB) | SR_O(BATCH),
	run_backfill,
};
