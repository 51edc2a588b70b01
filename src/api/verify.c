/*
 * verify.c - a version's verification and its skill card (the accounts reference, sections
 * 5.1-5.3): GET /api/v1/skills/{slug}/verify (`clawhub skill verify`),
 * GET /api/v1/skills/{slug}/card (`clawhub skill verify --card`, which fetches the URL the
 * verification names) and GET /api/v1/skills/{slug}/scan (a version's scan evidence, which
 * ClawHub's site shows and no CLI command reads).
 *
 * Verification passes when the version has its card and its scan came out clean. skillreg's
 * deciding verdict is the version's joined verdict (the built-in scanner and, when one is
 * configured, the external one), where ClawHub's is its language-model scan; the built-in
 * scanner is also the static-scan signal, and the signals skillreg does not run
 * (VirusTotal, SkillSpector) are null, as ClawHub answers when it has none.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/error.h"
#include "api/internal.h"
#include "core/err.h"
#include "moderation/card.h"
#include "registry/modstate.h"

/* What the two routes read of the version they name. */
struct vpick {
	int found;
	int64_t id, created_at, soft_deleted_at;
	char version[260];
	char fingerprint[65];
	int scan_state, scan_verdict;
	int changelog_source; /* -1 unset, 0 auto, 1 user */
};

static int take_version(void *ud, const void *row)
{
	const sr_version_row *v = row;
	struct vpick *p = ud;
	p->found = 1;
	p->id = v->id;
	p->created_at = v->created_at;
	p->soft_deleted_at = v->soft_deleted_at;
	snprintf(p->version, sizeof(p->version), "%s", v->version);
	snprintf(p->fingerprint, sizeof(p->fingerprint), "%s", v->fingerprint ? v->fingerprint : "");
	p->scan_state = v->scan_state;
	p->scan_verdict = v->scan_verdict;
	p->changelog_source = v->changelog_source;
	return 1;
}

enum { FROM_LATEST, FROM_VERSION, FROM_TAG };

/* ?version=, else ?tag=, else latest; 404 "Version not found" and 410 for a withdrawn one,
 * written here. */
static int pick(sr_req *req, sr_resp *resp, const sr_skill *sk, struct vpick *v, int *from)
{
	const char *ver = sr_req_query(req, "version");
	const char *tag = sr_req_query(req, "tag");
	int rc = 0;
	*from = FROM_LATEST;
	if (ver && ver[0]) {
		*from = FROM_VERSION;
		rc = sr_store_version_get(req->store, sk->id, ver, take_version, v);
	} else if (tag && tag[0]) {
		*from = FROM_TAG;
		int64_t vid = 0;
		rc = sr_store_tag_get(req->store, sk->id, tag, &vid);
		if (!rc)
			rc = sr_store_version_by_id(req->store, vid, take_version, v);
		else if (rc == SR_ENOTFOUND)
			rc = 0;
	} else if (sk->latest_version_id) {
		rc = sr_store_version_by_id(req->store, sk->latest_version_id, take_version, v);
	}
	if (rc) {
		sr__internal(resp, rc);
		return -1;
	}
	if (!v->found) {
		sr_resp_text(resp, 404, "Version not found");
		return -1;
	}
	if (v->soft_deleted_at) {
		sr_resp_text(resp, 410, "Version not available");
		return -1;
	}
	return 0;
}

static void put_escaped(sr_buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~", *p))
			sr_buf_putc(b, (char)*p);
		else
			sr_buf_printf(b, "%%%02X", *p);
	}
}

/* ---- security ---- */

struct results {
	int has_static, has_external;
	sr_scan_result_row st, ex;
	char st_engine[128], st_summary[512], ex_engine[256], ex_summary[512];
};

static void keep_result(sr_scan_result_row *dst, char *engine, size_t en, char *summary, size_t sn,
			const sr_scan_result_row *r)
{
	*dst = *r;
	snprintf(engine, en, "%s", r->engine ? r->engine : "");
	snprintf(summary, sn, "%s", r->summary ? r->summary : "");
	dst->engine = r->engine ? engine : NULL;
	dst->summary = r->summary ? summary : NULL;
	dst->source = NULL;
}

static int take_result(void *ud, const void *row)
{
	const sr_scan_result_row *r = row;
	struct results *o = ud;
	if (strcmp(r->source, "static") == 0) {
		o->has_static = 1;
		keep_result(&o->st, o->st_engine, sizeof(o->st_engine), o->st_summary, sizeof(o->st_summary), r);
	} else if (strcmp(r->source, "external") == 0) {
		o->has_external = 1;
		keep_result(&o->ex, o->ex_engine, sizeof(o->ex_engine), o->ex_summary, sizeof(o->ex_summary), r);
	}
	return 0;
}

/* The static scan's reason codes: each rule that fired, once, in the scanner's order. */
struct codes {
	sr_jw *w;
	char seen[32][64];
	int n;
};

static int take_code(void *ud, const void *row)
{
	const sr_finding_row *f = row;
	struct codes *c = ud;
	if (strcmp(f->source, "static") != 0)
		return 0;
	for (int i = 0; i < c->n; i++)
		if (strcmp(c->seen[i], f->rule_id) == 0)
			return 0;
	if (c->n == 32)
		return 1;
	snprintf(c->seen[c->n++], sizeof(c->seen[0]), "%s", f->rule_id);
	sr_jw_str(c->w, f->rule_id);
	return 0;
}

/* ClawHub's normalized status of one verdict: clean, suspicious, malicious, or error. */
static const char *result_status(const sr_scan_result_row *r)
{
	return r->status == SR_SCAN_RESULT_DONE && sr_verdict_name(r->verdict) ? sr_verdict_name(r->verdict) : "error";
}

static void write_signal(sr_jw *w, const char *key, const sr_scan_result_row *r, struct codes *codes,
			 sr_store *store, int64_t version_id, int *rc)
{
	sr_jw_key(w, key);
	sr_jw_obj(w);
	sr_jw_kstr(w, "status", r ? result_status(r) : "pending");
	sr_jw_kstr(w, "rawStatus", r ? (r->status == SR_SCAN_RESULT_DONE ? "done" : "error") : NULL);
	if (codes) {
		sr_jw_key(w, "reasonCodes");
		sr_jw_arr(w);
		if (r && !*rc)
			*rc = sr_store_scan_findings(store, version_id, 200, take_code, codes);
		sr_jw_arr_end(w);
	} else {
		sr_jw_kstr(w, "verdict", r ? sr_verdict_name(r->verdict) : NULL);
	}
	sr_jw_kstr(w, "summary", r ? r->summary : NULL);
	sr_jw_kstr(w, "engineVersion", r ? r->engine : NULL);
	if (r)
		sr_jw_kint(w, "checkedAt", r->checked_at);
	else
		sr_jw_knull(w, "checkedAt");
	sr_jw_obj_end(w);
}

/* The version's normalized status: pending until a scan finished, then its joined verdict,
 * or error when no scanner gave one. */
static const char *security_status(const struct vpick *v)
{
	if (v->scan_state == SR_SCAN_DONE && sr_verdict_name(v->scan_verdict))
		return sr_verdict_name(v->scan_verdict);
	return v->scan_state == SR_SCAN_ERROR ? "error" : "pending";
}

static int write_security(sr_req *req, sr_jw *w, const struct vpick *v, int64_t scanned_at)
{
	struct results *res = calloc(1, sizeof(*res));
	struct codes *codes = calloc(1, sizeof(*codes));
	int rc = res && codes ? sr_store_scan_results(req->store, v->id, take_result, res) : SR_ENOMEM;
	if (rc) {
		free(res);
		free(codes);
		return rc;
	}
	const char *status = security_status(v);
	int finished = v->scan_state == SR_SCAN_DONE || v->scan_state == SR_SCAN_ERROR;
	sr_jw_key(w, "security");
	sr_jw_obj(w);
	sr_jw_kstr(w, "status", status);
	sr_jw_kbool(w, "passed", strcmp(status, "clean") == 0);
	sr_jw_kstr(w, "rawStatus", v->scan_state == SR_SCAN_NONE ? NULL : finished ? status : "pending");
	sr_jw_kstr(w, "verdict", v->scan_state == SR_SCAN_DONE ? sr_verdict_name(v->scan_verdict) : NULL);
	sr_jw_knull(w, "confidence");
	sr_jw_kstr(w, "summary", res->has_external && res->ex.summary ? res->ex.summary : NULL);
	sr_jw_kstr(w, "model", finished ? "skillreg-static/1" : NULL);
	if (finished && scanned_at)
		sr_jw_kint(w, "checkedAt", scanned_at);
	else
		sr_jw_knull(w, "checkedAt");
	sr_jw_key(w, "signals");
	sr_jw_obj(w);
	codes->w = w;
	write_signal(w, "staticScan", res->has_static ? &res->st : NULL, codes, req->store, v->id, &rc);
	sr_jw_knull(w, "virusTotal");
	sr_jw_knull(w, "skillSpector");
	sr_jw_knull(w, "dependencyRegistry");
	/* The configured external scanner, a signal of skillreg's own. */
	if (res->has_external)
		write_signal(w, "external", &res->ex, NULL, req->store, v->id, &rc);
	sr_jw_obj_end(w);
	sr_jw_obj_end(w);
	free(res);
	free(codes);
	return rc;
}

/* ---- artifact ---- */

static int file_entry(void *ud, const void *row)
{
	const sr_file_row *f = row;
	sr_jw *w = ud;
	sr_jw_obj(w);
	sr_jw_kstr(w, "path", f->path);
	sr_jw_kint(w, "size", f->size);
	sr_jw_kstr(w, "sha256", f->sha256);
	sr_jw_kstr(w, "contentType", f->content_type && f->content_type[0] ? f->content_type : NULL);
	sr_jw_obj_end(w);
	return 0;
}

static int write_artifact(sr_req *req, sr_jw *w, const struct vpick *v)
{
	sr_jw_key(w, "artifact");
	sr_jw_obj(w);
	sr_jw_kstr(w, "sourceFingerprint", v->fingerprint[0] ? v->fingerprint : NULL);
	/* The card is kept beside the version's files, not among them: no generated bundle. */
	sr_jw_key(w, "bundleFingerprints");
	sr_jw_arr(w);
	sr_jw_arr_end(w);
	sr_jw_key(w, "files");
	sr_jw_arr(w);
	int rc = sr_store_version_files(req->store, v->id, file_entry, w);
	sr_jw_arr_end(w);
	sr_jw_obj_end(w);
	return rc;
}

/* ---- verify ---- */

static void card_url(sr_buf *b, const char *origin, const sr_skill *sk, const char *version)
{
	sr_buf_puts(b, origin);
	sr_buf_puts(b, "/api/v1/skills/");
	put_escaped(b, sk->slug);
	sr_buf_puts(b, "/card?ownerHandle=");
	put_escaped(b, sk->owner_handle);
	sr_buf_puts(b, "&version=");
	put_escaped(b, version);
}

static void write_card(sr_jw *w, const sr_card *card, int available, int malware, const char *url)
{
	sr_jw_key(w, "card");
	sr_jw_obj(w);
	sr_jw_kbool(w, "available", available);
	sr_jw_kstr(w, "path", SR_CARD_PATH);
	sr_jw_kstr(w, "url", malware ? NULL : url);
	sr_jw_kstr(w, "sha256", available ? card->sha256 : NULL);
	if (available)
		sr_jw_kint(w, "size", card->size);
	else
		sr_jw_knull(w, "size");
	sr_jw_kstr(w, "contentType", available ? "text/markdown; charset=utf-8" : NULL);
	sr_jw_obj_end(w);
}

/* The reasons a verification fails, in ClawHub's order. */
static void write_reasons(sr_jw *w, int card, int malware, const char *status, int *n)
{
	const char *r[5];
	*n = 0;
	if (!card && !malware)
		r[(*n)++] = "card.missing";
	if (malware)
		r[(*n)++] = "moderation.malware_blocked";
	if (strcmp(status, "clean") != 0)
		r[(*n)++] = "security.status_not_clean";
	if (strcmp(status, "pending") == 0)
		r[(*n)++] = "security.pending";
	if (strcmp(status, "error") == 0)
		r[(*n)++] = "security.error";
	sr_jw_key(w, "reasons");
	sr_jw_arr(w);
	for (int i = 0; i < *n; i++)
		sr_jw_str(w, r[i]);
	sr_jw_arr_end(w);
}

/* Finds the skill for both routes: a malware-blocked one is found by verify (which then
 * fails it) but otherwise the skill must be one the caller may read. */
static int find(sr_app *app, sr_req *req, sr_resp *resp, const char *slug, int allow_malware, sr_skill *sk,
		int *malware)
{
	sr_user us;
	const sr_user *caller = sr__optional_user(req, &us);
	if (sr__find_skill(app, req, resp, slug, sr__owner_param(req), caller, SR__CONFLICT_JSON, sk))
		return -1;
	*malware = sr_mod_is_blocked(sk->moderation_flags, sk->moderation_verdict);
	sr_regerr err;
	if (!(allow_malware && *malware && !sk->soft_deleted_at) && sr_check_visible(sk, caller, &err)) {
		sr__regerr(resp, &err);
		return -1;
	}
	return 0;
}

static int write_verify(sr_app *app, sr_req *req, sr_jw *w, const sr_skill *sk, const struct vpick *v, int from,
			int malware)
{
	sr_card card = {0};
	int rc = malware ? SR_ENOTFOUND : sr_store_card_meta(req->store, v->id, &card);
	if (rc && rc != SR_ENOTFOUND)
		return rc;
	int has_card = rc == 0;
	sr_version_scan vs = {0};
	sr_user owner = {0};
	if ((rc = sr_store_version_scan_get(req->store, v->id, &vs)) ||
	    (rc = sr_store_user_by_id(req->store, sk->owner_id, &owner)))
		return rc;
	char origin[600];
	sr_app_origin(app, req, origin, sizeof(origin));
	const char *status = security_status(v);
	int nreasons;
	sr_jw_obj(w);
	sr_jw_kstr(w, "schema", "clawhub.skill.verify.v1");
	/* The reasons decide ok and decision; they are written after them but known first. */
	sr_buf tmp;
	sr_buf_init(&tmp, 4096);
	sr_jw tw;
	sr_jw_init(&tw, &tmp);
	write_reasons(&tw, has_card, malware, status, &nreasons);
	sr_buf_deinit(&tmp);
	sr_jw_kbool(w, "ok", nreasons == 0);
	sr_jw_kstr(w, "decision", nreasons == 0 ? "pass" : "fail");
	write_reasons(w, has_card, malware, status, &nreasons);
	sr_jw_kstr(w, "slug", sk->slug);
	sr_jw_kstr(w, "displayName", sk->display_name);
	sr_buf u;
	sr_buf_init(&u, 4096);
	sr_buf_printf(&u, "%s/", origin);
	put_escaped(&u, sk->owner_handle);
	sr_jw_kstr(w, "publisherProfileUrl", u.data);
	sr_buf_puts(&u, "/skills/");
	put_escaped(&u, sk->slug);
	sr_jw_kstr(w, "pageUrl", u.data);
	sr_jw_kstr(w, "publisherHandle", sk->owner_handle);
	sr_jw_kstr(w, "publisherDisplayName", owner.display_name[0] ? owner.display_name : sk->owner_handle);
	sr_jw_kstr(w, "version", v->version);
	static const char *const froms[] = {"latest", "version", "tag"};
	sr_jw_kstr(w, "resolvedFrom", froms[from]);
	sr_jw_kstr(w, "tag", from == FROM_TAG ? sr_req_query(req, "tag") : NULL);
	sr_jw_kint(w, "createdAt", v->created_at);
	sr_buf_reset(&u);
	card_url(&u, origin, sk, v->version);
	write_card(w, &card, has_card, malware, u.data);
	sr_buf_deinit(&u);
	rc = write_artifact(req, w, v);
	sr_jw_key(w, "provenance");
	sr_jw_obj(w);
	sr_jw_kstr(w, "source", "unavailable");
	sr_jw_kstr(w, "reason", "No server-resolved GitHub import provenance is stored for this version.");
	sr_jw_obj_end(w);
	if (!rc)
		rc = write_security(req, w, v, vs.scanned_at);
	sr_jw_key(w, "signature");
	sr_jw_obj(w);
	sr_jw_kstr(w, "status", "unsigned");
	sr_jw_obj_end(w);
	sr_jw_obj_end(w);
	return rc;
}

void sr__verify(sr_app *app, sr_req *req, sr_resp *resp, const char *slug)
{
	req->route = "verify";
	const char *ver = sr_req_query(req, "version"), *tag = sr_req_query(req, "tag");
	if (ver && ver[0] && tag && tag[0]) {
		sr_resp_text(resp, 400, "Use either version or tag");
		return;
	}
	sr_skill sk;
	int malware, from;
	struct vpick v = {0};
	if (find(app, req, resp, slug, 1, &sk, &malware) || pick(req, resp, &sk, &v, &from))
		return;
	sr_jw w;
	sr_buf_reset(&resp->body);
	sr_jw_init(&w, &resp->body);
	int rc = write_verify(app, req, &w, &sk, &v, from, malware);
	if (rc) {
		sr_buf_reset(&resp->body);
		sr__internal(resp, rc);
		return;
	}
	sr_resp_json(resp, 200);
}

/* ---- card ---- */

void sr__card(sr_app *app, sr_req *req, sr_resp *resp, const char *slug)
{
	req->route = "card";
	sr_skill sk;
	int malware, from;
	struct vpick v = {0};
	if (find(app, req, resp, slug, 0, &sk, &malware) || pick(req, resp, &sk, &v, &from))
		return;
	/* A version the scanners found malicious is never served, its card included. */
	if (v.scan_verdict == SR_VERDICT_MALICIOUS) {
		sr_resp_text(resp, 403, SR_BLOCKED_TEXT);
		return;
	}
	sr_card card = {0};
	int rc = sr_store_card_get(req->store, v.id, &card);
	if (rc == SR_ENOTFOUND) {
		sr_resp_text(resp, 404, "Skill Card not found");
		return;
	}
	if (rc) {
		sr__internal(resp, rc);
		return;
	}
	if (card.size > SR_CARD_MAX_BYTES) {
		sr_resp_text(resp, 413, "File exceeds 200KB limit");
	} else {
		sr_buf_reset(&resp->body);
		if ((rc = sr_buf_append(&resp->body, card.content, strlen(card.content)))) {
			sr__internal(resp, rc);
		} else {
			resp->status = 200;
			resp->content_type = "text/markdown; charset=utf-8";
			resp->no_store = 0;
			sr_resp_header(resp, "Cache-Control", "private, max-age=60");
			sr_resp_header(resp, "ETag", "%s", card.sha256);
			sr_resp_header(resp, "X-Content-SHA256", "%s", card.sha256);
			sr_resp_header(resp, "X-Content-Size", "%lld", (long long)card.size);
			sr_resp_header(resp, "X-Content-Type-Options", "nosniff");
			sr_resp_header(resp, "X-Frame-Options", "DENY");
			sr_resp_header(resp, "Content-Security-Policy",
				       "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
		}
	}
	free(card.content);
}

/* ---- scan evidence ---- */

/* One scanner's stored result under the name it has in `scanners`. */
static void evidence_scanner(sr_jw *w, const char *key, const sr_scan_result_row *r)
{
	sr_jw_key(w, key);
	if (!r) {
		sr_jw_null(w);
		return;
	}
	sr_jw_obj(w);
	sr_jw_kstr(w, "status", r->status == SR_SCAN_RESULT_DONE ? "done" : "error");
	sr_jw_kstr(w, "verdict", sr_verdict_name(r->verdict));
	sr_jw_kstr(w, "normalizedStatus", result_status(r));
	sr_jw_kstr(w, "summary", r->summary);
	sr_jw_kstr(w, "engineVersion", r->engine);
	sr_jw_kint(w, "checkedAt", r->checked_at);
	sr_jw_obj_end(w);
}

/* `security`: null for a version never queued for a scan; else its status, whether the
 * scanners warned, and each scanner's result (the ones skillreg does not run are null). */
static int evidence_security(sr_req *req, sr_jw *w, const struct vpick *v, const sr_version_scan *vs)
{
	sr_jw_key(w, "security");
	if (v->scan_state == SR_SCAN_NONE) {
		sr_jw_null(w);
		return 0;
	}
	struct results *res = calloc(1, sizeof(*res));
	int rc = res ? sr_store_scan_results(req->store, v->id, take_result, res) : SR_ENOMEM;
	if (rc) {
		free(res);
		sr_jw_null(w);
		return rc;
	}
	const char *status = security_status(v);
	int finished = v->scan_state == SR_SCAN_DONE || v->scan_state == SR_SCAN_ERROR;
	sr_jw_obj(w);
	sr_jw_kstr(w, "status", status);
	sr_jw_kbool(w, "hasWarnings", strcmp(status, "suspicious") == 0 || strcmp(status, "malicious") == 0);
	if (finished && vs->scanned_at)
		sr_jw_kint(w, "checkedAt", vs->scanned_at);
	else
		sr_jw_knull(w, "checkedAt");
	sr_jw_kstr(w, "model", finished ? "skillreg-static/1" : NULL);
	sr_jw_kbool(w, "hasScanResult", v->scan_state == SR_SCAN_DONE);
	sr_jw_kstr(w, "sha256hash", vs->zip_sha256[0] ? vs->zip_sha256 : NULL);
	sr_jw_knull(w, "virustotalUrl");
	sr_jw_key(w, "scanners");
	sr_jw_obj(w);
	sr_jw_knull(w, "vt");
	sr_jw_knull(w, "skillspector");
	sr_jw_knull(w, "llm");
	evidence_scanner(w, "static", res->has_static ? &res->st : NULL);
	evidence_scanner(w, "external", res->has_external ? &res->ex : NULL);
	sr_jw_obj_end(w);
	sr_jw_obj_end(w);
	free(res);
	return 0;
}

/* `moderation`: null for a skill no moderation touched; else where it stands. The skill's
 * verdict follows its latest version, the source version named here. */
static int evidence_moderation(sr_req *req, sr_jw *w, const sr_skill *sk, const struct vpick *v)
{
	int malware = sr_mod_is_blocked(sk->moderation_flags, sk->moderation_verdict);
	int pending = sr_reason_is_pending(sk->moderation_reason);
	int hidden = sk->moderation_status == SR_SKILL_HIDDEN && !pending;
	int removed = sk->moderation_status == SR_SKILL_REMOVED;
	sr_jw_key(w, "moderation");
	if (!malware && !sk->is_suspicious && !pending && !hidden && !removed) {
		sr_jw_null(w);
		return 0;
	}
	struct vpick latest = {0};
	int rc = sk->latest_version_id ? sr_store_version_by_id(req->store, sk->latest_version_id, take_version, &latest) : 0;
	sr_jw_obj(w);
	sr_jw_kstr(w, "scope", "skill");
	sr_jw_key(w, "sourceVersion");
	if (latest.found) {
		sr_jw_obj(w);
		sr_jw_kstr(w, "version", latest.version);
		sr_jw_kint(w, "createdAt", latest.created_at);
		sr_jw_obj_end(w);
	} else {
		sr_jw_null(w);
	}
	sr_jw_kbool(w, "matchesRequestedVersion", latest.found && latest.id == v->id);
	sr_jw_kbool(w, "isPendingScan", pending);
	sr_jw_kbool(w, "isMalwareBlocked", malware);
	sr_jw_kbool(w, "isSuspicious", sk->is_suspicious);
	sr_jw_kbool(w, "isHiddenByMod", hidden);
	sr_jw_kbool(w, "isRemoved", removed);
	sr_jw_obj_end(w);
	return rc;
}

void sr__scan_evidence(sr_app *app, sr_req *req, sr_resp *resp, const char *slug)
{
	req->route = "scan-evidence";
	sr_skill sk;
	int malware, from;
	struct vpick v = {0};
	if (find(app, req, resp, slug, 0, &sk, &malware) || pick(req, resp, &sk, &v, &from))
		return;
	/* A version the scanners found malicious is never served, its evidence included. */
	if (v.scan_verdict == SR_VERDICT_MALICIOUS) {
		sr_resp_text(resp, 403, SR_BLOCKED_TEXT);
		return;
	}
	sr_version_scan vs = {0};
	int rc = sr_store_version_scan_get(req->store, v.id, &vs);
	sr_jw w;
	sr_buf_reset(&resp->body);
	sr_jw_init(&w, &resp->body);
	sr_jw_obj(&w);
	sr_jw_key(&w, "skill");
	sr_jw_obj(&w);
	sr_jw_kstr(&w, "slug", sk.slug);
	sr_jw_kstr(&w, "displayName", sk.display_name);
	sr_jw_obj_end(&w);
	sr_jw_key(&w, "version");
	sr_jw_obj(&w);
	sr_jw_kstr(&w, "version", v.version);
	sr_jw_kint(&w, "createdAt", v.created_at);
	sr_jw_kstr(&w, "changelogSource", v.changelog_source == 1 ? "user" : v.changelog_source == 0 ? "auto" : NULL);
	sr_jw_obj_end(&w);
	if (!rc)
		rc = evidence_moderation(req, &w, &sk, &v);
	if (!rc)
		rc = evidence_security(req, &w, &v, &vs);
	sr_jw_obj_end(&w);
	if (rc) {
		sr_buf_reset(&resp->body);
		sr__internal(resp, rc);
		return;
	}
	sr_resp_json(resp, 200);
}
