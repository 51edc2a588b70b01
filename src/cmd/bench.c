/*
 * bench.c - `skillreg gen` and `skillreg bench-replay`: the commands behind `make bench`.
 *
 * gen writes a synthetic catalogue of N skills into a new data directory (the generator lives
 * with the benchmarks); bench-replay runs the read paths on such a catalogue, the current way
 * and the pre-PR (legacy) way, and prints one TSV line per path. bench/run drives both.
 */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cron/backfill.h"
#include "core/buf.h"
#include "core/err.h"
#include "bench/bench.h"
#include "store/store.h"

static int run_gen(const sr_cmd_opts *o)
{
	if (o->nargs != 1)
		return sr__cmd_misuse(o);
	sr_synth_opts so = {o->data_dir, o->skills, (uint64_t)o->seed, 0, o->skills >= 100000};
	sr_synth_stats st;
	char err[512];
	if (sr_synth_generate(&so, &st, err, sizeof(err))) {
		fprintf(stderr, "skillreg gen: %s\n", err);
		return 1;
	}
	printf("gen: %lld skills, %lld users, %lld versions, %lld files, %lld daily rows, %lld stars, "
	       "db %.1f MB, %.1f s\n", (long long)st.skills, (long long)st.users, (long long)st.versions,
	       (long long)st.files, (long long)st.daily_rows, (long long)st.stars,
	       (double)st.db_bytes / 1e6, st.seconds);
	/* The generator writes rows, not the word index: its search backfill builds that, as
	 * on a database that had skills before it existed (docs/search.md). */
	sr_app app;
	sr_store *s;
	if (sr__cmd_open_data(o, &app, &s))
		return 1;
	sr_backfill_run r;
	int rc = sr_backfill_run_one(s, sr_backfill_find("search"), SR_BACKFILL_BATCH, NULL, 0, &r);
	sr__cmd_close_data(&app, s);
	if (rc) {
		fprintf(stderr, "skillreg gen: search index: %s\n", sr_strerror(rc));
		return 1;
	}
	printf("gen: search index of %lld skills, %.1f s\n", (long long)r.scanned, r.seconds);
	return 0;
}

static int run_bench_replay(const sr_cmd_opts *o)
{
	sr_app app;
	sr_store *s;
	/* No memory map, unless the options ask for one: SQLite counts only the pages that go
	 * through its page cache, and the replay reports the pages each path touched. */
	sr_store_tune(-1, 0);
	int early = sr__cmd_begin(o, 1, &app, &s);
	if (early)
		return early;
	sr_buf out;
	sr_buf_init(&out, 1 << 20);
	int rc = sr_bench_replay(s, app.db_path, (int)o->runs, &out);
	if (!rc)
		fwrite(out.data, 1, out.len, stdout);
	else
		fprintf(stderr, "skillreg bench-replay: failed (%d); is %s a generated catalogue?\n", rc,
			app.data_dir);
	sr_buf_deinit(&out);
	sr__cmd_close_data(&app, s);
	return rc ? 1 : 0;
}

const sr_cmd sr__cmd_gen = {
	"gen", "write a synthetic catalogue for benchmarks into a new data directory",
	"usage: skillreg gen --data-dir DIR [--skills N] [--seed S]   N: 1..100000000, default 10000\n",
	SR_O(DATA_DIR) | SR_O(SKILLS) | SR_O(SEED),
	run_gen,
};

const sr_cmd sr__cmd_bench_replay = {
	"bench-replay", "time the read paths, current against pre-PR, on a generated catalogue (TSV)",
	"usage: skillreg bench-replay [--data-dir DIR] [--runs K]   K: 1..1000, default 5\n",
	SR_O(DATA_DIR) | SR_O(RUNS),
	run_bench_replay,
};
