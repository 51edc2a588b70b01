/*
 * moderation.h - the moderation state machine of api-v1 section 1.5 and data-model section
 * 2: scanning a version and applying the verdict, staff actions, user reports, and the
 * batch functions the moderation jobs run.
 *
 * The rules that decide visibility live in the generated columns of the skills table
 * (sql/sqlite/0001_init.sql); this module only writes the moderation fields they read.
 * Every change it makes is written to audit_log in the same transaction.
 */
#ifndef SR_MODERATION_H
#define SR_MODERATION_H

#include <stddef.h>
#include <stdint.h>

#include "blob/blob.h"
#include "moderation/scanner.h"
#include "registry/registry.h"
#include "store/store.h"

/* Reports beyond this many hide a skill (auto.reports). */
#define SR_REPORTS_HIDE_AFTER 3
#define SR_REPORT_REASON_MAX 500

/* The scanners whose verdicts join: the built-in one and the configured command. */
enum { SR_SRC_STATIC = 0, SR_SRC_EXTERNAL = 1, SR_SRC_COUNT };

/* A skill's moderation fields. verdict SR_VERDICT_NONE when unset. */
typedef struct sr_mod_state {
	int status; /* SR_SKILL_ACTIVE, _HIDDEN, _REMOVED (store.h) */
	char reason[64];
	int flags;
	int verdict;
} sr_mod_state;

/*
 * The scanner transition (data-model 2.4): holds[src] is what each scanner holds against the
 * skill (SR_VERDICT_NONE: nothing). The strongest verdict decides: malicious sets blocked.malware,
 * suspicious flagged.suspicious, and clean clears the flags, which it can only do when no
 * scanner holds worse. The reason becomes scanner.<source>.<verdict> (the source holding the
 * deciding verdict, `now` on a tie) and the status active, unless staff or reports hid or
 * removed the skill: then status and reason stay and only flags and verdict follow.
 */
void sr_mod_after_scan(const sr_mod_state *cur, const int holds[SR_SRC_COUNT], int now,
		       sr_mod_state *next);

/*
 * What a suspicious verdict does to a skill whose owner is a moderator or an admin (data
 * model 2.4, ClawHub's approveSkillByHash and clearOwnerSuspiciousFlags): nothing. Strips
 * flagged.suspicious, says scanner.<source>.clean where the reason said .suspicious, and makes
 * a skill hidden for that reason active again. The verdict stays what the scanners said; a
 * block (blocked.malware) and a staff verdict (manual.override.*) are untouched. Returns
 * whether *m changed.
 */
int sr_mod_staff_owned(sr_mod_state *m);
/* sr_mod_staff_owned over every skill of owner_id, inside the caller's transaction, each
 * change audited (actor_id 0: none); *changed counts the skills it changed. Run when the
 * account becomes a moderator or an admin. */
int sr__mod_staff_owner(sr_store *s, int64_t owner_id, int64_t actor_id, int64_t now, int *changed);

/* The external scanner: a program run as `CMD BUNDLE_ZIP SLUG VERSION` that prints
 * {"verdict":"clean|suspicious|malicious","summary"?:..,"findings"?:[{rule,severity,file,
 * line,excerpt,title}]} on stdout within timeout_ms. Anything else is no verdict. */
typedef struct sr_ext_scanner {
	const char *cmd; /* NULL or "": none */
	int timeout_ms;
} sr_ext_scanner;

#define SR_EXT_SCAN_DEFAULT_TIMEOUT_MS 10000
#define SR_EXT_SCAN_MAX_OUTPUT (256 * 1024)

/* Runs the external scanner on a zip; 0 with *res filled, or an error (logged, with the
 * reason in err) when it gave no verdict: not runnable, timed out, exit status not 0,
 * output not the JSON above. */
int sr_ext_scan_run(const sr_ext_scanner *ext, const char *zip_path, const char *slug,
		    const char *version, sr_scan_result *res, char *summary, size_t summarysz,
		    char *err, size_t errsz);

/* What one version scan did. */
typedef struct sr_scan_outcome {
	int verdict[SR_SRC_COUNT]; /* SR_VERDICT_NONE: that scanner gave none */
	int combined;              /* SR_VERDICT_NONE when no scanner gave a verdict */
	size_t findings;
	sr_mod_state before, after;
	int banned; /* the scan banned the version's publisher (a repeated malware finding) */
	char banned_handle[64];
} sr_scan_outcome;

/* Scans one version with the built-in rules and the external scanner (ext may be NULL),
 * stores results and findings, ends the version's pending state, and applies the
 * transition to the skill, with an audit row, in one transaction. actor_id 0: the system. */
int sr_scan_version(sr_store *s, sr_blobs *b, const sr_scan_rules *rules, const sr_ext_scanner *ext,
		    int64_t version_id, int64_t actor_id, sr_scan_outcome *out);

/* How long a worker's claim on a queued version holds (sr_scan_queue_drain): longer than
 * the longest scan, whose external scanner may take up to 600,000 ms (--scanner-timeout-ms),
 * so a live scan never loses its claim; a worker that died mid-scan holds its version this
 * long, then the next worker to ask takes it. */
#define SR_SCAN_LEASE_MS (11LL * 60 * 1000)

/* Scans up to limit pending versions from the queue, oldest request first, each under a
 * claim (sr_store_version_scan_claim) so that of many nodes' workers exactly one scans and
 * records a version; versions another worker holds are passed by. *done gets how many were
 * scanned. */
int sr_scan_queue_drain(sr_store *s, sr_blobs *b, const sr_scan_rules *rules, const sr_ext_scanner *ext,
			int limit, int *done);

/* ---- staff actions (moderators and admins) ---- */

enum {
	SR_MOD_HIDE,
	SR_MOD_UNHIDE,
	SR_MOD_REMOVE,
	SR_MOD_VERDICT, /* arg: clean | suspicious | malicious */
	SR_MOD_RESCAN,  /* arg: a version, or NULL for latest */
	SR_MOD_RESTORE  /* a removed skill back to active (SR_WHY_NOT_REMOVED otherwise) */
};

/* The longest note (a person's why) an audit row keeps of a staff action. */
#define SR_MOD_NOTE_MAX 500

/* Parses "hide", "unhide", "remove", "verdict", "rescan", "restore"; -1 otherwise. */
int sr_mod_action_parse(const char *name);

/* Applies a staff action. actor NULL: the command line (audited without an actor); else it
 * must be a moderator or admin (SR_EPERM otherwise). reason (may be NULL) is the hide or
 * remove reason, [a-z0-9._-], default staff.hidden / manual.removed. */
int sr_moderate(sr_store *s, const sr_skill *sk, const sr_user *actor, int action, const char *arg,
		const char *reason, sr_regerr *err);
/* sr_moderate with a note: the person's why, written to the audit row after the action's
 * details (its first SR_MOD_NOTE_MAX bytes). The staff console requires one. */
int sr_moderate_noted(sr_store *s, const sr_skill *sk, const sr_user *actor, int action, const char *arg,
		      const char *reason, const char *note, sr_regerr *err);
/* The same inside a transaction the caller holds (moderation/staff.c accepts an appeal with
 * it), on the skill of this id as it is under the write lock. */
int sr__moderate_in_tx(sr_store *s, int64_t skill_id, const sr_user *actor, int action, const char *arg,
		       const char *reason, const char *note, int64_t now, sr_regerr *err);

/* ---- reports (api-v1 section 3.16) ---- */

typedef struct sr_report_result {
	int reported, already;
	int64_t report_id, count;
	int hidden; /* this report hid the skill */
} sr_report_result;

/* The skill must not be deleted or removed (SR_WHY_REPORT_SKILL_NOT_FOUND); a hidden one may be
 * reported. reason is trimmed and required (SR_WHY_REPORT_REASON_REQUIRED when NULL or blank),
 * and kept to its first SR_REPORT_REASON_MAX characters; version, when given, must be a live
 * version of the skill (SR_WHY_REPORT_VERSION_NOT_FOUND). */
int sr_skill_report(sr_store *s, const sr_skill *sk, const sr_user *user, const char *reason,
		    const char *version, sr_report_result *res, sr_regerr *err);

/* ---- moderation jobs (src/cron) ---- */

/* Each walks ix_moderation ranges in keyset pages of `fetch` rows (twice the actions a run
 * may take), filters in C, and stops only when a range is exhausted, max_pages pages were
 * read or `limit` actions were taken: never because a page kept few rows. */
typedef struct sr_mod_job_stats {
	int64_t pending, stale, acted, pages;
} sr_mod_job_stats;

#define SR_SCAN_STALE_MS (10LL * 60 * 1000)

/* Counts the skills waiting for a scan and the stale ones among them (requested more than
 * SR_SCAN_STALE_MS ago, or not queued at all). */
int sr_mod_job_health(sr_store *s, int64_t now, int limit, sr_reads *total, sr_mod_job_stats *st);
/* Pending and stale-pending rescans: a skill waiting for a scan whose latest version is not
 * in the queue, or was queued more than SR_SCAN_STALE_MS ago, is queued again; a stale one
 * gets reason pending.scan.stale. */
int sr_mod_job_requeue(sr_store *s, int64_t now, int limit, sr_reads *total, sr_mod_job_stats *st);
/* Reason sync: a skill still marked pending whose latest version was scanned gets the
 * reason (and flags) its scanners' holds give. */
int sr_mod_job_reason_sync(sr_store *s, int64_t now, int limit, sr_reads *total, sr_mod_job_stats *st);

#endif
