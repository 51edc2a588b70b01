/*
 * moderate.c - `skillreg scan` and `skillreg moderate`: the scanner and the staff actions from
 * the console.
 *
 * scan --dir runs the static scanner over a skill folder on disk and prints its report; scan
 * SLUG or --all rescans published versions now, in this process, with the built-in rules and
 * the external scanner when one is configured. moderate hides, unhides, removes, rescans or
 * sets a verdict as staff would through the API, audited without an actor.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/error.h"
#include "cmd/cmd.h"
#include "core/buf.h"
#include "core/err.h"
#include "moderation/moderation.h"
#include "moderation/scanner.h"
#include "registry/modstate.h"
#include "registry/registry.h"
#include "registry/slug.h"
#include "store/store.h"

static int scan_db(const sr_cmd_opts *o);

/* Scans a skill directory on disk with the built-in rules (or --rules FILE) and prints the
 * verdict and findings. Exits 0 whatever the verdict: the report is the output. SLUG and
 * --all (no --dir) go to scan_db. */
static int run_scan(const sr_cmd_opts *o)
{
	if (!o->dir && (o->all || o->nargs == 2))
		return scan_db(o);
	if (o->nargs != 1 || !o->dir)
		return sr__cmd_misuse(o);
	char err[512] = "";
	sr_scan_rules *rules;
	int rc = o->rules ? sr_scan_rules_new_file(o->rules, &rules, err, sizeof(err))
			  : sr_scan_rules_new_builtin(&rules, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "skillreg scan: cannot load rules: %s\n", err);
		return 1;
	}
	sr_scan_result *res = malloc(sizeof(*res));
	if (!res) {
		sr_scan_rules_free(rules);
		return 1;
	}
	rc = sr_scan_dir(rules, o->dir, NULL, res, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "skillreg scan: %s\n", err);
	} else if (o->json) {
		sr_buf out;
		sr_buf_init(&out, 1 << 20);
		if ((rc = sr_scan_result_json(res, &out)) == 0)
			printf("%s\n", out.data);
		else
			fprintf(stderr, "skillreg scan: cannot encode the report: %s\n", sr_strerror(rc));
		sr_buf_deinit(&out);
	} else {
		printf("verdict: %s (%zu files, %zu bytes scanned%s)\n", sr_scan_verdict_name(res->verdict),
		       res->files_scanned, res->bytes_scanned,
		       res->bytes_truncated ? "; stopped at the byte or file ceiling" : "");
		for (size_t i = 0; i < res->nfindings; i++) {
			const sr_scan_finding *f = &res->findings[i];
			printf("%-8s %-22s %s:%d: %s\n         %s\n", sr_scan_severity_name(f->severity),
			       f->rule_id, f->path[0] ? f->path : "(skill)", f->line, f->title, f->excerpt);
		}
		if (res->findings_truncated)
			printf("(more findings than %d; the rest are not listed)\n", SR_SCAN_MAX_FINDINGS);
	}
	free(res);
	sr_scan_rules_free(rules);
	return rc ? 1 : 0;
}

/* Finds a skill for the console: by slug (and --owner), whatever its visibility. */
static int console_skill(sr_store *s, const char *slug, const char *owner, sr_skill *out)
{
	char norm[128];
	if (sr_slug_normalize(slug, norm, sizeof(norm)) || !sr_slug_is_plausible(norm)) {
		fprintf(stderr, "skillreg: %s is not a skill slug\n", slug);
		return SR_EINVAL;
	}
	sr_lookup lk;
	int rc = sr_lookup_skill(s, norm, owner, NULL, &lk);
	if (rc == SR_ECONFLICT)
		fprintf(stderr, "skillreg: several publishers have a skill %s; add --owner HANDLE\n", norm);
	else if (rc)
		fprintf(stderr, "skillreg: no skill %s%s%s\n", norm, owner ? " of " : "", owner ? owner : "");
	else
		*out = lk.skill;
	return rc;
}

static void print_outcome(const char *slug, const char *version, const sr_scan_outcome *out)
{
	printf("%s@%s: %s (static %s, external %s; %zu findings) reason %s\n", slug, version,
	       out->combined != SR_VERDICT_NONE ? sr_verdict_name(out->combined) : "error",
	       out->verdict[0] != SR_VERDICT_NONE ? sr_verdict_name(out->verdict[0]) : "-",
	       out->verdict[1] != SR_VERDICT_NONE ? sr_verdict_name(out->verdict[1]) : "-",
	       out->findings, out->after.reason[0] ? out->after.reason : "-");
}

struct id_batch {
	int64_t ids[256], versions[256];
	int n;
};

static int take_id(void *ud, const void *row)
{
	const sr_key_row *k = row; /* the skill id and its latest_version_id */
	struct id_batch *b = ud;
	b->ids[b->n] = k->id;
	b->versions[b->n++] = k->key;
	return 0;
}

/* skillreg scan --all | SLUG: scans now, in this process, with the built-in rules and the
 * external scanner when one is configured; a rescan of what was scanned before. */
static int scan_db(const sr_cmd_opts *o)
{
	if ((o->all && o->nargs != 1) || (!o->all && o->nargs != 2))
		return sr__cmd_misuse(o);
	sr_app app;
	sr_store *s;
	int early = sr__cmd_begin(o, o->nargs, &app, &s);
	if (early)
		return early;
	char err[256] = "";
	sr_scan_rules *rules;
	if (sr_scan_rules_new_builtin(&rules, err, sizeof(err))) {
		fprintf(stderr, "skillreg scan: cannot load rules: %s\n", err);
		sr__cmd_close_data(&app, s);
		return 1;
	}
	sr_ext_scanner ext = {o->scanner_cmd, o->scanner_timeout_ms};
	int rc = 0, failed = 0, scanned = 0;
	sr_scan_outcome out;
	if (!o->all) {
		sr_skill sk;
		int64_t vid = 0;
		if (console_skill(s, o->args[1], o->owner, &sk)) {
			failed = 1;
		} else if (o->version) {
			sr_regerr e;
			/* The version by its string: queue it as staff would, then scan it here. */
			if (sr_moderate(s, &sk, NULL, SR_MOD_RESCAN, o->version, NULL, &e)) {
				char text[1024];
				sr_api_error_text(&e, text, sizeof(text));
				fprintf(stderr, "skillreg scan: %s\n", text);
				failed = 1;
			} else {
				vid = -1;
			}
		} else {
			vid = sk.latest_version_id;
		}
		if (!failed && vid == -1) {
			/* Scans what the rescan queued (and anything else waiting). */
			int done = 0;
			rc = sr_scan_queue_drain(s, app.blobs, rules, &ext, 1 << 20, &done);
			printf("scanned %d queued versions\n", done);
		} else if (!failed && !vid) {
			fprintf(stderr, "skillreg scan: %s has no version\n", sk.slug);
			failed = 1;
		} else if (!failed) {
			rc = sr_scan_version(s, app.blobs, rules, &ext, vid, 0, &out);
			if (!rc)
				print_outcome(sk.slug, sk.latest_version, &out);
		}
	} else {
		int64_t after = 0;
		for (;;) {
			struct id_batch b = {.n = 0};
			sr_budget page;
			sr_store_budget_begin(s, &page);
			rc = sr_store_skill_ids_page(s, after, 256, take_id, &b);
			sr_store_budget_end(s, &page, NULL);
			if (rc)
				break;
			for (int i = 0; i < b.n && !rc; i++) {
				if (!b.versions[i])
					continue;
				/* One read budget per scan: a catalogue is many requests' worth. */
				sr_budget bud;
				sr_store_budget_begin(s, &bud);
				rc = sr_scan_version(s, app.blobs, rules, &ext, b.versions[i], 0, &out);
				sr_store_budget_end(s, &bud, NULL);
				if (rc == SR_ENOTFOUND)
					rc = 0;
				else if (!rc)
					scanned++;
			}
			if (rc || b.n < 256)
				break;
			after = b.ids[b.n - 1];
		}
		if (!rc)
			printf("scanned %d skills\n", scanned);
	}
	if (rc)
		fprintf(stderr, "skillreg scan: failed: %s\n", sr_strerror(rc));
	sr_scan_rules_free(rules);
	sr__cmd_close_data(&app, s);
	return rc || failed ? 1 : 0;
}

/* skillreg moderate ACTION SLUG [ARG]: the staff actions from the console (audited without
 * an actor). */
static int run_moderate(const sr_cmd_opts *o)
{
	int act = o->nargs >= 2 ? sr_mod_action_parse(o->args[1]) : -1;
	if (act < 0 || o->nargs != (act == SR_MOD_VERDICT ? 4 : 3))
		return sr__cmd_misuse(o);
	sr_app app;
	sr_store *s;
	int early = sr__cmd_begin(o, o->nargs, &app, &s);
	if (early)
		return early;
	int ret = 1;
	sr_skill sk;
	if (!console_skill(s, o->args[2], o->owner, &sk)) {
		sr_regerr e = {0};
		const char *arg = act == SR_MOD_VERDICT ? o->args[3] : o->version;
		if (sr_moderate(s, &sk, NULL, act, arg, o->reason, &e)) {
			char text[1024];
			sr_api_error_text(&e, text, sizeof(text));
			fprintf(stderr, "skillreg moderate: %s\n", text);
		} else {
			printf("%s %s\n", o->args[1], sk.slug);
			ret = 0;
		}
	}
	sr__cmd_close_data(&app, s);
	return ret;
}

const sr_cmd sr__cmd_scan = {
	"scan", "scan a skill folder on disk, or rescan published versions now",
	"usage: skillreg scan --dir PATH [--rules FILE] [--json]\n"
	"       skillreg scan SLUG [--owner H] [--version V] [--scanner-cmd PATH] [--scanner-timeout-ms MS] [--data-dir DIR] [--db URL]\n"
	"       skillreg scan --all [--scanner-cmd PATH] [--scanner-timeout-ms MS] [--data-dir DIR] [--db URL]\n",
	SR_O(DATA_DIR) | SR_O(DB) | SR_O(DIR) | SR_O(RULES) | SR_O(JSON) | SR_O(ALL) | SR_O(OWNER) | SR_O(VERSION) |
		SR_O(SCANNER_CMD) | SR_O(SCANNER_TIMEOUT_MS),
	run_scan,
};

const sr_cmd sr__cmd_moderate = {
	"moderate", "hide, unhide, remove, restore, rescan a skill or set its verdict, as staff",
	"usage: skillreg moderate hide|unhide|remove|restore|rescan SLUG [--owner H] [--reason R] [--version V] [--data-dir DIR] [--db URL]\n"
	"       skillreg moderate verdict SLUG clean|suspicious|malicious [--owner H] [--data-dir DIR] [--db URL]\n",
	SR_O(DATA_DIR) | SR_O(DB) | SR_O(OWNER) | SR_O(REASON) | SR_O(VERSION),
	run_moderate,
};
