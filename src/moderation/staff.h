/*
 * staff.h - what staff decide besides the skill actions of moderation.h: reports (resolve or
 * dismiss) and appeals (an owner files one; staff accept or reject it), each with a note,
 * each audited in the transaction that makes it (the accounts reference, section 6).
 *
 * The console's pages read the store directly (store/staff.h); the words of the statuses are
 * here, for the web console and the API alike.
 */
#ifndef SR_MODERATION_STAFF_H
#define SR_MODERATION_STAFF_H

#include <stdint.h>

#include "registry/registry.h"
#include "store/staff.h"
#include "store/store.h"

#define SR_APPEAL_MESSAGE_MAX 2000
#define SR_CASE_NOTE_MAX 500

/* "open", "resolved", "dismissed" (reports); "open", "accepted", "rejected" (appeals). */
const char *sr_report_status_name(int status);
const char *sr_appeal_status_name(int status);
/* The status of a name, -1 for another word. */
int sr_report_status_parse(const char *name);
int sr_appeal_status_parse(const char *name);

/* Closes an open report (status SR_CASE_UPHELD: resolved, ClawHub's "confirmed"; or
 * SR_CASE_DISMISSED) with a required note, takes it off the skill's report counter, and
 * audits report.resolve or report.dismiss. hide (resolved only) also hides the skill with
 * reason manual.report, as the staff hide, in the same transaction. actor must be staff. */
int sr_report_decide(sr_store *s, int64_t report_id, const sr_user *actor, int status, const char *note, int hide,
		     sr_regerr *err);

typedef struct sr_appeal_result {
	int submitted, already;
	int64_t appeal_id;
} sr_appeal_result;

/* An owner's appeal (the skill's own publisher, or a member of its org): the skill must be
 * hidden, removed, flagged or judged suspicious or malicious; message trimmed, required, cut
 * to SR_APPEAL_MESSAGE_MAX bytes on a character boundary; version a live version (NULL or
 * "": the latest). One open appeal per version: a second answers the open one. */
int sr_appeal_file(sr_store *s, const sr_skill *sk, const sr_user *user, const char *message, const char *version,
		   sr_appeal_result *res, sr_regerr *err);

/* Closes an open appeal with a required note. Accepted, the skill is made active (unhidden
 * or restored) and its verdict set clean by the staff actions of moderation.h, with their
 * audit rows, in the same transaction; rejected, the skill stays as it is. */
int sr_appeal_decide(sr_store *s, int64_t appeal_id, const sr_user *actor, int status, const char *note,
		     sr_regerr *err);

/* For the staff modules (staff.c, accounts.c): a note trimmed and cut to SR_CASE_NOTE_MAX
 * bytes between characters, to free(), or NULL with err set (why `blank` when blank); and a
 * decision's writes run in one transaction, rolled back on any error. */
char *sr__staff_note(const char *note, sr_why blank, sr_regerr *err);
int sr__staff_in_tx(sr_store *s, sr_regerr *err, int (*decide)(sr_store *, void *, sr_regerr *), void *ud);

#endif
