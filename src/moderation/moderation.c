/*
 * moderation.c - a skill's moderation state and its writes, scanning a version and applying
 * its verdict, staff actions (moderation.h; api-v1 section 1.5, data-model section 2). User
 * reports are in reports.c, the moderation jobs' batches in modjobs.c (moderation_int.h).
 *
 * Verdicts are kept per scanner: scan_results per version, scan_holds per skill. The skill's
 * moderation fields are derived from the holds, so a clean verdict from one scanner cannot
 * clear what another still holds. Each state change and its audit row share a transaction.
 */
#include "moderation/card.h"
#include "moderation/moderation.h"
#include "moderation/moderation_int.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/util.h"
#include "registry/modstate.h"

static const char *const source_names[SR_SRC_COUNT] = {"static", "external"};

static int source_index(const char *name)
{
	for (int i = 0; name && i < SR_SRC_COUNT; i++)
		if (strcmp(name, source_names[i]) == 0)
			return i;
	return -1;
}

/* Reasons the scanners own: a skill with one of these (or none) follows their verdicts;
 * any other reason was set by people (staff verdicts, hides, reports) and stays. */
static int scanner_owned(const sr_mod_state *m)
{
	return m->reason[0] == '\0' || sr_reason_is_pending(m->reason) || strncmp(m->reason, "scanner.", 8) == 0 ||
	       strcmp(m->reason, "manual.unhidden") == 0;
}

void sr_mod_after_scan(const sr_mod_state *cur, const int holds[SR_SRC_COUNT], int now,
		       sr_mod_state *next)
{
	*next = *cur;
	int worst = SR_VERDICT_NONE, by = -1;
	for (int i = 0; i < SR_SRC_COUNT; i++)
		if (holds[i] > worst || (holds[i] != SR_VERDICT_NONE && holds[i] == worst && i == now)) {
			worst = holds[i];
			by = i;
		}
	if (worst == SR_VERDICT_NONE)
		return;
	/* A block is sticky (data-model section 2.4: "malicious from any scanner, or already
	 * blocked"): no scan lifts it, only staff do. Under a staff verdict, scans may add a
	 * flag but never clear one. Otherwise the flags follow what the scanners hold. */
	int blocked = (cur->flags & SR_FLAG_MALWARE) != 0;
	int staff = strncmp(cur->reason, "manual.override.", 16) == 0;
	if (blocked)
		worst = SR_VERDICT_MALICIOUS;
	if (!staff || worst >= SR_VERDICT_SUSPICIOUS)
		next->flags &= ~(SR_FLAG_SUSPICIOUS | SR_FLAG_MALWARE);
	next->flags |= sr_verdict_flag(worst);
	if (!staff || worst > (cur->verdict == SR_VERDICT_NONE ? SR_VERDICT_CLEAN : cur->verdict))
		next->verdict = worst;
	if (blocked) {
		/* Status and reason stay what blocked it; a publish's pending reason, though, would
		 * keep the skill in the scan queue's ranges for ever, so it says blocked instead. */
		if (sr_reason_is_pending(cur->reason))
			snprintf(next->reason, sizeof(next->reason), "%s", sr_flag_name(SR_FLAG_MALWARE));
		return;
	}
	/* A hidden skill waiting for its scan becomes active; one hidden or removed by people
	 * keeps its status and reason. */
	if (cur->status == SR_SKILL_REMOVED || (cur->status == SR_SKILL_HIDDEN && !sr_reason_is_pending(cur->reason)) ||
	    (cur->status == SR_SKILL_ACTIVE && !scanner_owned(cur)))
		return;
	next->status = SR_SKILL_ACTIVE;
	snprintf(next->reason, sizeof(next->reason), "scanner.%s.%s", source_names[by], sr_verdict_name(worst));
}

int sr_mod_staff_owned(sr_mod_state *m)
{
	if ((m->flags & SR_FLAG_MALWARE) || strncmp(m->reason, "manual.override.", 16) == 0)
		return 0;
	int changed = 0;
	if (m->flags & SR_FLAG_SUSPICIOUS) {
		m->flags &= ~SR_FLAG_SUSPICIOUS;
		changed = 1;
	}
	static const char suffix[] = ".suspicious";
	size_t n = strlen(m->reason), k = sizeof(suffix) - 1;
	if (strncmp(m->reason, "scanner.", 8) == 0 && n > 8 + k && strcmp(m->reason + n - k, suffix) == 0) {
		snprintf(m->reason + n - k, sizeof(m->reason) - (n - k), ".clean");
		if (m->status == SR_SKILL_HIDDEN)
			m->status = SR_SKILL_ACTIVE;
		changed = 1;
	}
	return changed;
}

/* moderation_int.h; sr_mod_staff_owned leaves staff's skills unflagged. */
int sr__mod_after_scan_in(sr_store *s, const sr_skill *sk, const sr_mod_state *cur, const int holds[SR_SRC_COUNT],
			  int now, sr_mod_state *next)
{
	sr_mod_after_scan(cur, holds, now, next);
	if (!(next->flags & SR_FLAG_SUSPICIOUS) || sk->owner_id <= 0)
		return 0;
	sr_user u;
	int rc = sr_store_user_by_id(s, sk->owner_id, &u);
	if (rc)
		return rc == SR_ENOTFOUND ? 0 : rc;
	if (u.role == SR_ROLE_MODERATOR || u.role == SR_ROLE_ADMIN)
		sr_mod_staff_owned(next);
	return 0;
}

/* ---- scanning one version ---- */

struct file_list {
	sr_pub_file *files;
	size_t n, max;
	int rc;
};

static int take_file(void *ud, const void *row)
{
	const sr_file_row *f = row;
	struct file_list *l = ud;
	if (l->n == l->max)
		return 1;
	sr_pub_file *d = &l->files[l->n];
	memset(d, 0, sizeof(*d));
	d->path = strdup(f->path);
	if (!d->path) {
		l->rc = SR_ENOMEM;
		return 1;
	}
	snprintf(d->sha256, sizeof(d->sha256), "%s", f->sha256);
	d->size = f->size;
	l->n++;
	return 0;
}

/* Reads the first SR_SCAN_FILE_BYTES of each file, within SR_SCAN_TOTAL_BYTES in all (the
 * scanner reads no more of them). */
static int load_files(sr_blobs *b, struct file_list *l)
{
	size_t total = 0;
	for (size_t i = 0; i < l->n; i++) {
		sr_pub_file *f = &l->files[i];
		if (total >= SR_SCAN_TOTAL_BYTES)
			break;
		int fd;
		size_t size;
		int rc = sr_blob_open(b, f->sha256, &fd, &size);
		if (rc)
			return rc;
		size_t want = size < SR_SCAN_FILE_BYTES ? size : SR_SCAN_FILE_BYTES;
		if (want > SR_SCAN_TOTAL_BYTES - total)
			want = SR_SCAN_TOTAL_BYTES - total;
		unsigned char *data = malloc(want + 1);
		if (!data) {
			close(fd);
			return SR_ENOMEM;
		}
		size_t got = 0;
		while (got < want) {
			ssize_t n = read(fd, data + got, want - got);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		close(fd);
		f->data = data;
		f->size = (int64_t)got;
		total += got;
	}
	return 0;
}

static void free_files(struct file_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->files[i].path);
		free((void *)l->files[i].data);
	}
	free(l->files);
}

int sr__mod_copy_skill(void *ud, const void *row)
{
	const sr_skill_row *r = row;
	struct sr__mod_skill *c = ud;
	sr_skill_copy(&c->sk, r);
	c->found = 1;
	return 1;
}

void sr__mod_of(const sr_skill *sk, sr_mod_state *m)
{
	m->status = sk->moderation_status;
	snprintf(m->reason, sizeof(m->reason), "%s", sk->moderation_reason);
	m->flags = sk->moderation_flags;
	m->verdict = sk->moderation_verdict;
}

int sr__mod_equal(const sr_mod_state *a, const sr_mod_state *b)
{
	return a->status == b->status && strcmp(a->reason, b->reason) == 0 && a->flags == b->flags &&
	       a->verdict == b->verdict;
}

int sr__mod_take_hold(void *ud, const void *row)
{
	const sr_hold_row *h = row;
	int *holds = ud;
	int i = source_index(h->source);
	if (i >= 0)
		holds[i] = h->verdict;
	return 0;
}

static int store_result(sr_store *s, int64_t vid, int src, const sr_scan_result *res, int ok,
			const char *engine, const char *summary, int64_t now)
{
	sr_scan_result_row r = {source_names[src], ok ? SR_SCAN_RESULT_DONE : SR_SCAN_RESULT_ERROR,
				ok ? (int)res->verdict : SR_VERDICT_NONE, now, engine,
				summary && summary[0] ? summary : NULL};
	int rc = sr_store_scan_result_put(s, vid, &r);
	if (!rc)
		rc = sr_store_scan_findings_clear(s, vid, source_names[src]);
	for (size_t i = 0; ok && !rc && i < res->nfindings; i++) {
		const sr_scan_finding *f = &res->findings[i];
		sr_finding_row fr = {source_names[src], (int)i, f->rule_id, sr_scan_severity_name(f->severity),
				     f->title, f->path, f->line, f->excerpt};
		rc = sr_store_scan_finding_add(s, vid, &fr);
	}
	return rc;
}

/* Writes a skill's new moderation fields (when they changed) and the audit row. */
int sr__mod_write(sr_store *s, const sr_skill *sk, const sr_mod_state *next, int64_t actor_id, const char *action,
		  const char *detail, int64_t now)
{
	sr_mod_state cur;
	sr__mod_of(sk, &cur);
	int rc = 0;
	if (!sr__mod_equal(&cur, next))
		rc = sr_store_skill_moderate(s, sk->id, next->status, next->reason[0] ? next->reason : NULL,
					     next->flags, next->verdict);
	if (!rc)
		rc = sr_store_audit(s, actor_id, action, sk->id, detail, now);
	return rc;
}

/* The skills of an owner that a staff role would change, copied out of the pages before any
 * is written (a write moves a skill in the owner's updated_at order that the pages follow). */
#define STAFF_PAGE 200

struct staff_owned {
	sr_skill *sk;
	size_t n, cap;
	int rows, rc;
	int64_t last_updated, last_id;
};

static int take_staff_owned(void *ud, const void *row)
{
	const sr_skill_row *r = row;
	struct staff_owned *o = ud;
	if (++o->rows > STAFF_PAGE)
		return 1;
	o->last_updated = r->updated_at;
	o->last_id = r->id;
	sr_mod_state m = {r->moderation_status, "", r->moderation_flags, r->moderation_verdict};
	snprintf(m.reason, sizeof(m.reason), "%s", r->moderation_reason ? r->moderation_reason : "");
	if (!sr_mod_staff_owned(&m))
		return 0;
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 16;
		sr_skill *sk = realloc(o->sk, cap * sizeof(*sk));
		if (!sk) {
			o->rc = SR_ENOMEM;
			return 1;
		}
		o->sk = sk;
		o->cap = cap;
	}
	sr_skill_copy(&o->sk[o->n++], r);
	return 0;
}

int sr__mod_staff_owner(sr_store *s, int64_t owner_id, int64_t actor_id, int64_t now, int *changed)
{
	struct staff_owned o = {0};
	int rc = 0, more = 1;
	*changed = 0;
	for (int first = 1; more && !rc; first = 0) {
		o.rows = 0;
		rc = sr_store_owner_all_skills(s, owner_id, STAFF_PAGE, !first, o.last_updated, o.last_id,
					       take_staff_owned, &o);
		if (!rc)
			rc = o.rc;
		more = o.rows > STAFF_PAGE;
	}
	/* The caller's transaction holds the write lock: the rows read are the skills as they are. */
	for (size_t i = 0; !rc && i < o.n; i++) {
		sr_mod_state next;
		sr__mod_of(&o.sk[i], &next);
		sr_mod_staff_owned(&next);
		if (!(rc = sr__mod_write(s, &o.sk[i], &next, actor_id, "scan.staff_owner",
				     "the owner became staff: a suspicious verdict no longer flags", now)))
			++*changed;
	}
	free(o.sk);
	return rc;
}

/* One version's scan between running the scanners and writing what they said. */
struct scan_run {
	sr_version_scan vs;
	struct sr__mod_skill sc;
	sr_scan_result *res; /* one per source */
	int ok[SR_SRC_COUNT], ran[SR_SRC_COUNT];
	char summary[512], err[256];
};

/* Runs the built-in scanner over the version's files and the external scanner over its
 * zip, outside any transaction (a scan can take seconds). A scanner that fails leaves its
 * ok[] at 0; only a failure to read the version's file list is an error here. */
static int run_scanners(sr_store *s, sr_blobs *b, const sr_scan_rules *rules, const sr_ext_scanner *ext,
			int64_t version_id, struct scan_run *r)
{
	struct file_list fl = {calloc(SR_MAX_FILES, sizeof(sr_pub_file)), 0, SR_MAX_FILES, 0};
	if (!fl.files)
		return SR_ENOMEM;
	int rc = sr_store_version_files(s, version_id, take_file, &fl);
	if (!rc)
		rc = fl.rc;
	/* A file missing from the blob store leaves the built-in scanner without a verdict,
	 * like a failed external scanner: the version ends in the error state. */
	if (!rc) {
		r->ran[SR_SRC_STATIC] = 1;
		int lrc = load_files(b, &fl);
		if (lrc)
			sr_log_error("scan: version %lld: cannot read its files (%s)", (long long)version_id,
				     sr_strerror(lrc));
		else
			r->ok[SR_SRC_STATIC] = sr_scan_files(rules, fl.files, fl.n, r->sc.sk.slug, r->sc.sk.display_name,
							     &r->res[SR_SRC_STATIC]) == 0;
	}
	if (!rc && ext && ext->cmd && ext->cmd[0]) {
		r->ran[SR_SRC_EXTERNAL] = 1;
		char zip[4200];
		int prc = sr_blob_path(b, r->vs.zip_sha256, zip, sizeof(zip));
		if (!prc)
			prc = sr_ext_scan_run(ext, zip, r->sc.sk.slug, r->vs.version, &r->res[SR_SRC_EXTERNAL],
					      r->summary, sizeof(r->summary), r->err, sizeof(r->err));
		if (prc)
			sr_log_error("scan: external scanner on %s@%s gave no verdict: %s", r->sc.sk.slug, r->vs.version,
				     r->err[0] ? r->err : sr_strerror(prc));
		else
			r->ok[SR_SRC_EXTERNAL] = 1;
	}
	free_files(&fl);
	return rc;
}

/*
 * ClawHub's auto-ban of a malware publisher (the data model, section 2.4), as ClawHub does it
 * now: every version a scanner finds malicious is a finding against the person who published
 * it, and a publisher with malicious versions of BAN_DISTINCT_SKILLS distinct skills, or
 * BAN_VERSIONS_OF_ONE versions of one skill, among their latest FINDINGS_LOOKBACK findings is
 * banned (their own skills hidden, their sessions and tokens refused) in the scan's
 * transaction. One finding never bans: a false positive costs a skill, not an account. A
 * version has one finding however often it is scanned. Never banned so, their findings
 * recorded all the same: moderators and admins (as on ClawHub), org accounts (they publish
 * nothing themselves), and imported accounts nobody has signed in to (what an archive brought
 * was not published here; staff decide).
 */
#define FINDINGS_LOOKBACK 100
#define BAN_DISTINCT_SKILLS 2
#define BAN_VERSIONS_OF_ONE 3

struct findings {
	int64_t skill[FINDINGS_LOOKBACK];
	int n;
};

static int take_finding(void *ud, const void *row)
{
	struct findings *f = ud;
	const sr_key_row *k = row;
	if (f->n == FINDINGS_LOOKBACK)
		return 1;
	f->skill[f->n++] = k->id;
	return 0;
}

/* Whether the account is one the auto-ban leaves to staff. */
static int ban_exempt(sr_store *s, const sr_user *u, int *exempt)
{
	int kind = SR_USER_PERSON, trusted = 0, claimable = 0;
	int rc = sr_store_user_kind(s, u->id, &kind, &trusted);
	if (!rc)
		rc = sr_store_user_claimable(s, u->id, &claimable);
	*exempt = u->role != SR_ROLE_USER || kind != SR_USER_PERSON || claimable;
	return rc;
}

static int malware_finding(sr_store *s, const sr_version_scan *vs, const sr_skill *sk, int64_t now, sr_scan_outcome *out)
{
	if (vs->created_by <= 0)
		return 0;
	int added = 0;
	int rc = sr_store_malware_finding_add(s, vs->created_by, vs->skill_id, vs->id, now, &added);
	if (rc || !added)
		return rc;
	struct findings f = {.n = 0};
	if ((rc = sr_store_malware_findings(s, vs->created_by, FINDINGS_LOOKBACK, take_finding, &f)))
		return rc;
	int distinct = 0, of_this = 0;
	for (int i = 0; i < f.n; i++) {
		int seen = 0;
		for (int k = 0; k < i && !seen; k++)
			seen = f.skill[k] == f.skill[i];
		distinct += !seen;
		of_this += f.skill[i] == vs->skill_id;
	}
	sr_user u;
	rc = sr_store_user_by_id(s, vs->created_by, &u);
	if (rc)
		return rc == SR_ENOTFOUND ? 0 : rc;
	char detail[800];
	snprintf(detail, sizeof(detail), "@%s version=%s; distinct skills %d, versions of this skill %d", u.handle,
		 vs->version, distinct, of_this);
	if ((rc = sr_store_audit(s, 0, "user.malicious_artifact.finding", vs->skill_id, detail, now)))
		return rc;
	int exempt = 0;
	if (u.deactivated_at || (distinct < BAN_DISTINCT_SKILLS && of_this < BAN_VERSIONS_OF_ONE) ||
	    (rc = ban_exempt(s, &u, &exempt)) || exempt)
		return rc;
	if ((rc = sr_store_user_ban_in_tx(s, u.id, "malware auto-ban", now)))
		return rc;
	snprintf(detail, sizeof(detail), "@%s; trigger: scanner.malicious; skill: %s@%s; distinct skills %d, versions of "
		 "this skill %d", u.handle, sk->slug, vs->version, distinct, of_this);
	if ((rc = sr_store_audit(s, 0, "user.autoban.malware", 0, detail, now)))
		return rc;
	out->banned = 1;
	snprintf(out->banned_handle, sizeof(out->banned_handle), "%s", u.handle);
	return 0;
}

/* Writes what the scanners said in one transaction: each scanner's result and findings, the
 * holds against the skill, the version's scan state, and the skill's moderation fields with
 * an audit row, from the skill as it is at the time of writing. */
static int record_scan(sr_store *s, const sr_ext_scanner *ext, int64_t version_id, int64_t actor_id,
		       const char *claim, struct scan_run *r, sr_scan_outcome *out)
{
	int64_t now = sr_now_ms();
	int rc = sr_store_begin(s);
	if (rc)
		return rc;
	/* The skill as it is now: staff may have acted while the scanners ran. */
	r->sc.found = 0;
	if ((rc = sr_store_skill_by_id(s, r->vs.skill_id, sr__mod_copy_skill, &r->sc)) || !r->sc.found)
		goto fail;
	/* What each scanner holds against the skill follows its latest version; a scan of an
	 * older version (a back-port published without taking `latest`) may only make a hold
	 * worse, never clear what the latest version earned. */
	int holds[SR_SRC_COUNT] = {SR_VERDICT_NONE, SR_VERDICT_NONE};
	if ((rc = sr_store_scan_holds(s, r->vs.skill_id, sr__mod_take_hold, holds)))
		goto fail;
	int is_latest = r->sc.sk.latest_version_id == version_id;
	for (int i = 0; i < SR_SRC_COUNT; i++) {
		if (!r->ran[i])
			continue;
		if ((rc = store_result(s, version_id, i, &r->res[i], r->ok[i], i == SR_SRC_STATIC ? "skillreg-static/1" : ext->cmd,
				       i == SR_SRC_EXTERNAL ? (r->ok[i] ? r->summary : r->err) : NULL, now)))
			goto fail;
		if (r->ok[i]) {
			out->verdict[i] = (int)r->res[i].verdict;
			out->findings += r->res[i].nfindings;
			if (out->verdict[i] > out->combined)
				out->combined = out->verdict[i];
			if (is_latest || out->verdict[i] >= holds[i]) {
				holds[i] = out->verdict[i];
				if ((rc = sr_store_scan_hold_put(s, r->vs.skill_id, source_names[i], holds[i], version_id, now)))
					goto fail;
			}
		}
	}
	int finished = 0;
	if ((rc = sr_store_version_scan_finish(s, r->vs.skill_id, version_id,
					       out->combined != SR_VERDICT_NONE ? SR_SCAN_DONE : SR_SCAN_ERROR,
					       out->combined, now, r->vs.requested_at, claim, &finished)))
		goto fail;
	/* A scan under a claim that is no longer its own (its lease ran out and another worker
	 * took the version, or a rescan dropped it) records nothing: the scan that holds the
	 * claim records the version once. */
	if (claim && !finished) {
		rc = SR_ECONFLICT;
		goto fail;
	}
	sr__mod_of(&r->sc.sk, &out->before);
	int now_src = out->verdict[SR_SRC_EXTERNAL] > out->verdict[SR_SRC_STATIC] ? SR_SRC_EXTERNAL : SR_SRC_STATIC;
	if ((rc = sr__mod_after_scan_in(s, &r->sc.sk, &out->before, holds, now_src, &out->after)))
		goto fail;
	char detail[400];
	snprintf(detail, sizeof(detail), "version=%s static=%s external=%s verdict=%s reason=%s", r->vs.version,
		 out->verdict[0] != SR_VERDICT_NONE ? sr_verdict_name(out->verdict[0]) : r->ran[0] ? "error" : "none",
		 out->verdict[1] != SR_VERDICT_NONE ? sr_verdict_name(out->verdict[1]) : r->ran[1] ? "error" : "none",
		 out->after.verdict != SR_VERDICT_NONE ? sr_verdict_name(out->after.verdict) : "none",
		 out->after.reason[0] ? out->after.reason : "-");
	if ((rc = sr__mod_write(s, &r->sc.sk, &out->after, actor_id, "scan.verdict", detail, now)))
		goto fail;
	if (out->combined == SR_VERDICT_MALICIOUS && (rc = malware_finding(s, &r->vs, &r->sc.sk, now, out)))
		goto fail;
	/* A verdict settles the version: it gets its card (card.h) in the same transaction, so
	 * verify never sees a verdict without the card that goes with it. */
	if (out->combined != SR_VERDICT_NONE && (rc = sr_card_write(s, r->vs.skill_id, version_id, now)))
		goto fail;
	return sr_store_commit(s);
fail:
	sr_store_rollback(s);
	return rc ? rc : SR_ENOTFOUND;
}

/* sr_scan_version under a claim (NULL: by hand, none needed). */
static int scan_one(sr_store *s, sr_blobs *b, const sr_scan_rules *rules, const sr_ext_scanner *ext,
		    int64_t version_id, int64_t actor_id, const char *claim, sr_scan_outcome *out)
{
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < SR_SRC_COUNT; i++)
		out->verdict[i] = SR_VERDICT_NONE;
	out->combined = SR_VERDICT_NONE;
	struct scan_run *r = calloc(1, sizeof(*r));
	if (!r)
		return SR_ENOMEM;
	int rc = sr_store_version_scan_get(s, version_id, &r->vs);
	if (!rc)
		rc = sr_store_skill_by_id(s, r->vs.skill_id, sr__mod_copy_skill, &r->sc);
	if (!rc && !r->sc.found)
		rc = SR_ENOTFOUND;
	if (!rc && !(r->res = calloc(SR_SRC_COUNT, sizeof(*r->res))))
		rc = SR_ENOMEM;
	if (!rc)
		rc = run_scanners(s, b, rules, ext, version_id, r);
	if (!rc)
		rc = record_scan(s, ext, version_id, actor_id, claim, r, out);
	if (!rc && out->banned)
		sr_log_info("scan: @%s banned: malware in %s@%s, a repeated finding (malware auto-ban)", out->banned_handle,
			    r->sc.sk.slug, r->vs.version);
	free(r->res);
	free(r);
	return rc;
}

int sr_scan_version(sr_store *s, sr_blobs *b, const sr_scan_rules *rules, const sr_ext_scanner *ext,
		    int64_t version_id, int64_t actor_id, sr_scan_outcome *out)
{
	return scan_one(s, b, rules, ext, version_id, actor_id, NULL, out);
}

/* A claim identifier no other drain uses while this one runs: the host and process, and a
 * counter for the drains of this process (every node's worker, and tests' threads). */
static void make_claim(char *claim, size_t n)
{
	static atomic_ullong drains;
	char host[128];
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	snprintf(claim, n, "%s:%ld:%llu", host, (long)getpid(), (unsigned long long)atomic_fetch_add(&drains, 1) + 1);
}

struct queue_ids {
	int64_t ids[64];
	int64_t last_req, last_id;
	int n;
};

static int take_queued(void *ud, const void *row)
{
	const sr_key_row *k = row; /* the version id and its scan_requested_at */
	struct queue_ids *q = ud;
	q->ids[q->n++] = k->id;
	q->last_req = k->key;
	q->last_id = k->id;
	return 0;
}

int sr_scan_queue_drain(sr_store *s, sr_blobs *b, const sr_scan_rules *rules, const sr_ext_scanner *ext,
			int limit, int *done)
{
	/* Every queue page and every scan (a version may hold thousands of files) has a read
	 * budget of its own; their sum goes to the caller's context once, at the end, so a long
	 * drain is never stopped by the per-request ceilings. */
	sr_reads sum;
	sr_reads_init(&sum);
	sr_budget bud;
	*done = 0;
	int rc = 0;
	int64_t after_req = -1, after_id = -1;
	char claim[200];
	make_claim(claim, sizeof(claim));
	while (!rc && *done < limit) {
		struct queue_ids q = {.n = 0};
		int want = limit - *done < 64 ? limit - *done : 64;
		sr_store_budget_begin(s, &bud);
		rc = sr_store_scan_queue(s, after_req, after_id, want, take_queued, &q);
		sr_store_budget_end(s, &bud, &sum);
		for (int i = 0; !rc && i < q.n; i++) {
			sr_scan_outcome o;
			int won = 0;
			sr_store_budget_begin(s, &bud);
			/* Every node's worker reads the same queue: the one whose claim wins scans the
			 * version, the others pass it by. */
			rc = sr_store_version_scan_claim(s, q.ids[i], claim, sr_now_ms(), SR_SCAN_LEASE_MS, &won);
			if (!rc && won)
				rc = scan_one(s, b, rules, ext, q.ids[i], 0, claim, &o);
			sr_store_budget_end(s, &bud, &sum);
			if (!rc && !won)
				continue;
			if (rc == SR_ENOTFOUND || rc == SR_ECONFLICT) {
				rc = 0;
				continue;
			}
			if (rc)
				break;
			(*done)++;
			sr_log_info("scan: version %lld %s", (long long)q.ids[i],
				    o.combined != SR_VERDICT_NONE ? sr_verdict_name(o.combined) : "error");
		}
		if (q.n < want)
			break;
		after_req = q.last_req;
		after_id = q.last_id;
	}
	sr_reads_add(sr_store_get_reads(s), &sum);
	return rc;
}

/* ---- staff actions ---- */

int sr_mod_action_parse(const char *name)
{
	static const char *const names[] = {"hide", "unhide", "remove", "verdict", "rescan", "restore"};
	for (int i = 0; name && i < 6; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

static int reason_ok(const char *r)
{
	size_t n = strlen(r);
	if (n == 0 || n > 60)
		return 0;
	for (const char *p = r; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			return 0;
	return 1;
}

/* How many bytes of a note the audit row keeps: at most SR_MOD_NOTE_MAX, never ending
 * inside a UTF-8 character. */
static int note_len(const char *note)
{
	size_t n = note ? strlen(note) : 0;
	if (n <= SR_MOD_NOTE_MAX)
		return (int)n;
	n = SR_MOD_NOTE_MAX;
	while (n > 0 && ((unsigned char)note[n] & 0xc0) == 0x80)
		n--;
	return (int)n;
}

/* sr_moderate's work inside its transaction; the caller rolls back on an error. */
static int moderate_locked(sr_store *s, const sr_skill *sk, const sr_user *actor, int action, const char *arg,
			   const char *reason, const char *note, int64_t now, sr_regerr *err)
{
	sr_mod_state cur, next;
	sr__mod_of(sk, &cur);
	next = cur;
	char detail[300 + SR_MOD_NOTE_MAX + 8] = "";
	const char *act = "";
	int64_t rescan_version = 0;
	switch (action) {
	case SR_MOD_HIDE:
		next.status = SR_SKILL_HIDDEN;
		snprintf(next.reason, sizeof(next.reason), "%s", reason && reason[0] ? reason : "staff.hidden");
		act = "skill.hide";
		break;
	case SR_MOD_UNHIDE:
		if (cur.status == SR_SKILL_ACTIVE)
			return sr_regerr_set(err, SR_ECONFLICT, SR_WHY_NOT_HIDDEN, NULL);
		next.status = SR_SKILL_ACTIVE;
		snprintf(next.reason, sizeof(next.reason), "manual.unhidden");
		act = "skill.unhide";
		break;
	case SR_MOD_RESTORE:
		/* Undoes a removal only: a hidden skill is unhidden, which also resets its reports. */
		if (cur.status != SR_SKILL_REMOVED)
			return sr_regerr_set(err, SR_ECONFLICT, SR_WHY_NOT_REMOVED, NULL);
		next.status = SR_SKILL_ACTIVE;
		snprintf(next.reason, sizeof(next.reason), "manual.restored");
		act = "skill.restore";
		break;
	case SR_MOD_REMOVE:
		next.status = SR_SKILL_REMOVED;
		snprintf(next.reason, sizeof(next.reason), "%s", reason && reason[0] ? reason : "manual.removed");
		act = "skill.remove";
		break;
	case SR_MOD_VERDICT: {
		int v = sr_verdict_parse(arg);
		if (v == SR_VERDICT_NONE)
			return sr_regerr_set(err, SR_EINVAL, SR_WHY_VERDICT_INVALID, NULL);
		next.verdict = v;
		next.flags &= ~(SR_FLAG_SUSPICIOUS | SR_FLAG_MALWARE);
		next.flags |= sr_verdict_flag(v);
		/* A hide by people keeps its reason; otherwise the reason says who decided. */
		if (cur.status == SR_SKILL_ACTIVE)
			snprintf(next.reason, sizeof(next.reason), "manual.override.%s", sr_verdict_name(v));
		act = "skill.verdict";
		break;
	}
	case SR_MOD_RESCAN: {
		sr_version_ref p = {0, 0, 0};
		int rc = arg && arg[0] ? sr_store_version_get(s, sk->id, arg, sr_version_ref_take, &p)
				       : sk->latest_version_id ? sr_store_version_by_id(s, sk->latest_version_id, sr_version_ref_take, &p)
							       : 0;
		if (rc)
			return sr_regerr_internal(err, rc);
		if (!p.found)
			return sr_regerr_set(err, SR_ENOTFOUND, SR_WHY_VERSION_NOT_FOUND, NULL);
		rescan_version = p.id;
		act = "skill.rescan";
		break;
	}
	default:
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_ACTION_UNKNOWN, NULL);
	}
	/* The note is the person's why, kept after the machine-readable part. */
	snprintf(detail, sizeof(detail), "%s%s%s -> status=%d reason=%s flags=%d verdict=%d%s%.*s", actor ? "" : "console",
		 arg && arg[0] ? " " : "", arg && arg[0] ? arg : "", next.status, next.reason[0] ? next.reason : "-",
		 next.flags, next.verdict, note && note[0] ? "; note: " : "", note_len(note), note ? note : "");
	int rc = 0;
	if (rescan_version)
		rc = sr_store_version_scan_request(s, sk->id, rescan_version, now);
	/* Staff judged the skill not malware: what the scanners found in it no longer counts
	 * toward its publisher's auto-ban (a lifted ban stays with staff: unban). */
	int dropped = 0;
	if (!rc && action == SR_MOD_VERDICT && next.verdict != SR_VERDICT_MALICIOUS &&
	    !(rc = sr_store_malware_findings_drop(s, sk->id, &dropped)) && dropped) {
		size_t n = strlen(detail);
		snprintf(detail + n, sizeof(detail) - n, "; malware findings taken back: %d", dropped);
	}
	/* An unhide is a review: reports made before it do not count toward the next hide. */
	if (!rc && action == SR_MOD_UNHIDE)
		rc = sr_store_reports_reset(s, sk->id);
	if (!rc)
		rc = sr__mod_write(s, sk, &next, actor ? actor->id : 0, act, detail, now);
	return rc ? sr_regerr_internal(err, rc) : 0;
}

int sr__moderate_in_tx(sr_store *s, int64_t skill_id, const sr_user *actor, int action, const char *arg,
		       const char *reason, const char *note, int64_t now, sr_regerr *err)
{
	if (actor && actor->role != SR_ROLE_MODERATOR && actor->role != SR_ROLE_ADMIN)
		return sr_regerr_set(err, SR_EPERM, SR_WHY_FORBIDDEN, NULL);
	if (reason && reason[0] && !reason_ok(reason))
		return sr_regerr_set(err, SR_EINVAL, SR_WHY_MOD_REASON_INVALID, NULL);
	/* The skill as it is once the write lock is held: a scan or another moderator may have
	 * changed its moderation columns since the caller read it. */
	struct sr__mod_skill sc = {0};
	int rc = sr_store_skill_by_id(s, skill_id, sr__mod_copy_skill, &sc);
	if (rc || !sc.found)
		return rc ? sr_regerr_internal(err, rc) : sr_regerr_set(err, SR_ENOTFOUND, SR_WHY_SKILL_NOT_FOUND, NULL);
	return moderate_locked(s, &sc.sk, actor, action, arg, reason, note, now, err);
}

int sr_moderate_noted(sr_store *s, const sr_skill *sk, const sr_user *actor, int action, const char *arg,
		      const char *reason, const char *note, sr_regerr *err)
{
	int rc = sr_store_begin(s);
	if (rc)
		return sr_regerr_internal(err, rc);
	rc = sr__moderate_in_tx(s, sk->id, actor, action, arg, reason, note, sr_now_ms(), err);
	if (rc) {
		sr_store_rollback(s);
		return rc;
	}
	if ((rc = sr_store_commit(s)))
		return sr_regerr_internal(err, rc);
	return 0;
}

int sr_moderate(sr_store *s, const sr_skill *sk, const sr_user *actor, int action, const char *arg,
		const char *reason, sr_regerr *err)
{
	return sr_moderate_noted(s, sk, actor, action, arg, reason, NULL, err);
}
