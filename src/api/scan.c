/*
 * scan.c - scans a client asks for (the accounts reference, section 5.4):
 *   POST /api/v1/skills/-/scan                    `clawhub scan --slug`: queue a rescan (202)
 *   GET  /api/v1/skills/-/scan/{scanId}           its status, which the CLI polls
 *   GET  /api/v1/skills/-/scan/{scanId}/download  its report as a ZIP (`scan -o`)
 *   GET  /api/v1/skills/-/scan/download/{name}    a version's stored results (`scan download`)
 *
 * Who may ask and what a job's status is are the domain's (moderation/scanjob.h). As on
 * ClawHub, the token is checked first (401) and every other refusal is 400 text, even
 * "Forbidden" and the not-founds. The report's parts keep ClawHub's names: `clawscan` is
 * the registry's deciding verdict (its joined verdict), `staticAnalysis` the built-in
 * scanner's rules and findings, `skillspector` and `virustotal` null (skillreg runs
 * neither), and `external` the configured external scanner when it ran.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/internal.h"
#include "core/err.h"
#include "moderation/scanjob.h"
#include "moderation/worker.h"
#include "registry/bundle.h"
#include "registry/modstate.h"

#define UPLOAD_GONE_TEXT                                                                                              \
	"Local upload scans are no longer supported. Upload a version, then use `clawhub scan download <slug> "      \
	"--version <version>` to retrieve stored scan results."
#define QUEUE_NOTE "Scans are asynchronous and may take time to complete."
/* Findings a report lists per scanner at most. */
#define REPORT_FINDINGS 100

static void scan_id(char *out, size_t n, const sr_scan_view *v)
{
	if (v->job.id)
		sr_public_id(out, n, "sj", v->job.id);
	else
		snprintf(out, n, "skill:%s:%s", v->skill.slug, v->vs.version);
}

static int parse_scan_id(const char *s, int64_t *id)
{
	/* At most 18 digits, so the number cannot overflow. */
	if (strncmp(s, "sj_", 3) != 0 || !s[3] || strlen(s) > 3 + 18)
		return -1;
	int64_t v = 0;
	for (const char *p = s + 3; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	*id = v;
	return v > 0 ? 0 : -1;
}

/* ---- the report ---- */

struct result_pick {
	const char *source;
	int found;
	int status, verdict;
	int64_t checked_at;
	char engine[256], summary[512];
};

static int take_result(void *ud, const void *row)
{
	const sr_scan_result_row *r = row;
	struct result_pick *p = ud;
	if (strcmp(r->source, p->source) != 0)
		return 0;
	p->found = 1;
	p->status = r->status;
	p->verdict = r->verdict;
	p->checked_at = r->checked_at;
	snprintf(p->engine, sizeof(p->engine), "%s", r->engine ? r->engine : "");
	snprintf(p->summary, sizeof(p->summary), "%s", r->summary ? r->summary : "");
	return 1;
}

struct finding_out {
	sr_jw *w;
	const char *source;
	int codes; /* 1: rule ids once each; 0: the findings */
	char seen[32][64];
	int n;
};

static int take_finding(void *ud, const void *row)
{
	const sr_finding_row *f = row;
	struct finding_out *o = ud;
	if (strcmp(f->source, o->source) != 0)
		return 0;
	if (o->codes) {
		for (int i = 0; i < o->n; i++)
			if (strcmp(o->seen[i], f->rule_id) == 0)
				return 0;
		if (o->n == 32)
			return 1;
		snprintf(o->seen[o->n++], sizeof(o->seen[0]), "%s", f->rule_id);
		sr_jw_str(o->w, f->rule_id);
		return 0;
	}
	sr_jw_obj(o->w);
	sr_jw_kstr(o->w, "code", f->rule_id);
	sr_jw_kstr(o->w, "severity", f->severity);
	sr_jw_kstr(o->w, "file", f->path);
	sr_jw_kint(o->w, "line", f->line);
	sr_jw_kstr(o->w, "message", f->title);
	sr_jw_kstr(o->w, "evidence", f->excerpt);
	sr_jw_obj_end(o->w);
	return 0;
}

/* One scanner's part: its verdict, reason codes, summary and findings; null when it did not
 * run on this version. */
static int write_scanner_part(sr_req *req, sr_jw *w, const sr_scan_view *v, const char *source)
{
	struct result_pick p = {.source = source};
	int rc = sr_store_scan_results(req->store, v->vs.id, take_result, &p);
	if (rc || !p.found) {
		sr_jw_null(w);
		return rc;
	}
	const char *status = p.status == SR_SCAN_RESULT_DONE && sr_verdict_name(p.verdict) ? sr_verdict_name(p.verdict)
											  : "error";
	struct finding_out *o = calloc(1, sizeof(*o));
	if (!o)
		return SR_ENOMEM;
	*o = (struct finding_out){.w = w, .source = source, .codes = 1};
	sr_jw_obj(w);
	sr_jw_kstr(w, "status", status);
	sr_jw_kstr(w, "verdict", sr_verdict_name(p.verdict));
	sr_jw_key(w, "reasonCodes");
	sr_jw_arr(w);
	rc = sr_store_scan_findings(req->store, v->vs.id, REPORT_FINDINGS * 2, take_finding, o);
	sr_jw_arr_end(w);
	sr_jw_kstr(w, "summary", p.summary[0] ? p.summary : NULL);
	sr_jw_kstr(w, "engineVersion", p.engine[0] ? p.engine : NULL);
	sr_jw_kint(w, "checkedAt", p.checked_at);
	sr_jw_key(w, "findings");
	sr_jw_arr(w);
	o->codes = 0;
	if (!rc)
		rc = sr_store_scan_findings(req->store, v->vs.id, REPORT_FINDINGS * 2, take_finding, o);
	sr_jw_arr_end(w);
	sr_jw_obj_end(w);
	free(o);
	return rc;
}

/* The deciding verdict: the version's joined verdict, as ClawHub's ClawScan part. */
static void write_clawscan(sr_jw *w, const sr_scan_view *v)
{
	const char *verdict = v->vs.state == SR_SCAN_DONE || v->status == SR_JOB_SUCCEEDED ? sr_verdict_name(v->vs.verdict)
												 : NULL;
	sr_jw_obj(w);
	sr_jw_kstr(w, "status", verdict ? verdict : "error");
	sr_jw_kstr(w, "verdict", verdict);
	char summary[600];
	snprintf(summary, sizeof(summary), "The registry's scanners rated version %s of %s %s.", v->vs.version,
		 v->skill.slug, verdict ? verdict : "without a verdict (no scanner gave one)");
	sr_jw_kstr(w, "summary", summary);
	sr_jw_kstr(w, "model", "skillreg-static/1");
	sr_jw_kint(w, "checkedAt", v->vs.scanned_at);
	sr_jw_obj_end(w);
}

enum { PART_CLAWSCAN, PART_SKILLSPECTOR, PART_STATIC, PART_VIRUSTOTAL, PART_EXTERNAL, PART_COUNT };
static const char *const part_keys[PART_COUNT] = {"clawscan", "skillspector", "staticAnalysis", "virustotal",
						  "external"};

static int write_part(sr_req *req, sr_jw *w, const sr_scan_view *v, int part)
{
	int finished = v->status == SR_JOB_SUCCEEDED || v->status == SR_JOB_FAILED;
	if (!finished || part == PART_SKILLSPECTOR || part == PART_VIRUSTOTAL) {
		sr_jw_null(w);
		return 0;
	}
	if (part == PART_CLAWSCAN) {
		write_clawscan(w, v);
		return 0;
	}
	return write_scanner_part(req, w, v, part == PART_STATIC ? "static" : "external");
}

/* ---- status ---- */

/* The fields of a status and of a report's manifest. */
static void write_status_fields(sr_jw *w, const sr_scan_view *v)
{
	char id[400];
	scan_id(id, sizeof(id), v);
	sr_jw_kstr(w, "scanId", id);
	sr_jw_kstr(w, "sourceKind", "published");
	sr_jw_kbool(w, "update", v->job.update);
	sr_jw_kstr(w, "status", sr_scan_job_status_name(v->status));
	sr_jw_key(w, "artifact");
	sr_jw_obj(w);
	sr_jw_kstr(w, "slug", v->skill.slug);
	sr_jw_kstr(w, "displayName", v->skill.display_name);
	sr_jw_kstr(w, "version", v->vs.version);
	sr_jw_kstr(w, "sha256hash", v->vs.zip_sha256);
	sr_jw_kint(w, "fileCount", v->file_count);
	sr_jw_obj_end(w);
	sr_jw_kint(w, "createdAt", v->job.created_at);
	sr_jw_kint(w, "updatedAt", v->updated_at);
	if (v->completed_at)
		sr_jw_kint(w, "completedAt", v->completed_at);
	/* Every finished scan of a published version is recorded on it (scanjob.h). */
	if (v->completed_at)
		sr_jw_kbool(w, "writtenBack", 1);
}

static void write_queue(sr_jw *w, const sr_scan_view *v)
{
	sr_jw_key(w, "queue");
	sr_jw_obj(w);
	sr_jw_kint(w, "queuedAhead", v->status == SR_JOB_QUEUED ? v->queued_ahead : 0);
	sr_jw_kbool(w, "queuedAheadIsEstimate", v->status == SR_JOB_QUEUED && v->ahead_is_estimate);
	if (v->status == SR_JOB_QUEUED && v->position)
		sr_jw_kint(w, "position", v->position);
	else
		sr_jw_knull(w, "position");
	/* Other nodes' workers are not counted: only this job's own scan is known. */
	sr_jw_kint(w, "running", v->status == SR_JOB_RUNNING);
	sr_jw_kbool(w, "runningIsEstimate", 1);
	sr_jw_kstr(w, "note", QUEUE_NOTE);
	sr_jw_obj_end(w);
}

static int write_status(sr_req *req, sr_jw *w, const sr_scan_view *v)
{
	char id[400];
	scan_id(id, sizeof(id), v);
	sr_jw_obj(w);
	sr_jw_kbool(w, "ok", 1);
	if (v->job.id)
		sr_jw_kstr(w, "jobId", id);
	write_status_fields(w, v);
	if (v->status == SR_JOB_FAILED)
		sr_jw_kstr(w, "lastError", "No scanner gave a verdict for this version.");
	if (v->status == SR_JOB_QUEUED || v->status == SR_JOB_RUNNING)
		write_queue(w, v);
	sr_jw_key(w, "report");
	sr_jw_obj(w);
	int rc = 0;
	for (int i = 0; i < PART_COUNT && !rc; i++) {
		sr_jw_key(w, part_keys[i]);
		rc = write_part(req, w, v, i);
	}
	sr_jw_obj_end(w);
	sr_jw_obj_end(w);
	return rc;
}

/* ---- the ZIP ---- */

static const char readme[] =
	"# Scan report\n\n"
	"This archive holds what the registry's scanners recorded for one published skill version.\n\n"
	"- `manifest.json`: which skill and version, the scan's status and times.\n"
	"- `clawscan.json`: the registry's deciding verdict for the version (clean, suspicious or malicious).\n"
	"- `static-analysis.json`: the built-in scanner's verdict, the rules that fired and each finding with its "
	"file and line.\n"
	"- `skillspector.json`, `virustotal.json`: null; this registry runs neither scanner.\n"
	"- `external.json`: the verdict of the registry's configured external scanner, or null.\n\n"
	"A malicious version cannot be downloaded; a suspicious one can, with a warning. Fix what the findings "
	"name and publish a new version to have it scanned again.\n";

static int send_zip(sr_req *req, sr_resp *resp, const sr_scan_view *v, const char *filename)
{
	static const char *const names[PART_COUNT] = {"clawscan.json", "skillspector.json", "static-analysis.json",
						      "virustotal.json", "external.json"};
	sr_buf parts[PART_COUNT + 1];
	sr_zip_entry e[PART_COUNT + 2];
	int rc = 0;
	for (int i = 0; i <= PART_COUNT; i++)
		sr_buf_init(&parts[i], 4 << 20);
	sr_jw w;
	sr_jw_init(&w, &parts[0]);
	sr_jw_obj(&w);
	write_status_fields(&w, v);
	sr_jw_obj_end(&w);
	if (sr_jw_error(&w))
		rc = SR_ETOOBIG;
	e[0] = (sr_zip_entry){"manifest.json", (const unsigned char *)parts[0].data, parts[0].len};
	for (int i = 0; i < PART_COUNT && !rc; i++) {
		sr_jw_init(&w, &parts[i + 1]);
		rc = write_part(req, &w, v, i);
		if (!rc && sr_jw_error(&w))
			rc = SR_ETOOBIG;
		e[i + 1] = (sr_zip_entry){names[i], (const unsigned char *)parts[i + 1].data, parts[i + 1].len};
	}
	e[PART_COUNT + 1] = (sr_zip_entry){"README.md", (const unsigned char *)readme, sizeof(readme) - 1};
	sr_buf_reset(&resp->body);
	if (!rc)
		rc = sr_zip_write(e, PART_COUNT + 2, &resp->body);
	for (int i = 0; i <= PART_COUNT; i++)
		sr_buf_deinit(&parts[i]);
	if (rc)
		return rc;
	resp->status = 200;
	resp->content_type = "application/zip";
	sr_resp_header(resp, "Content-Disposition", "attachment; filename=\"%s\"", filename);
	return 0;
}

/* ClawHub's file name part: no leading '@', '/' as '-', anything else odd as '-'. */
static void safe_name(char *out, size_t n, const char *s)
{
	size_t o = 0;
	if (*s == '@')
		s++;
	for (; *s && o + 1 < n; s++) {
		char c = *s;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("._-", c);
		if (ok)
			out[o++] = c;
		else if (o == 0 || out[o - 1] != '-')
			out[o++] = '-';
	}
	while (o && out[o - 1] == '-')
		o--;
	size_t start = 0;
	while (start < o && out[start] == '-')
		start++;
	memmove(out, out + start, o - start);
	o -= start;
	if (!o)
		o = (size_t)snprintf(out, n, "artifact");
	out[o] = '\0';
}

/* ---- handlers ---- */

/* s without its leading and trailing blanks, cut to n - 1 bytes. */
static void trim_copy(char *out, size_t n, const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	snprintf(out, n, "%s", s);
	size_t len = strlen(out);
	while (len && (out[len - 1] == ' ' || out[len - 1] == '\t' || out[len - 1] == '\n' || out[len - 1] == '\r'))
		out[--len] = '\0';
}

/* The request body's refusal, or NULL when it is a published-source scan. */
static const char *payload_problem(json_t *body, int *gone)
{
	json_t *src = json_object_get(body, "source");
	*gone = 0;
	if (!json_is_object(src))
		return "Skill scan payload: source must be an object";
	const char *kind = json_string_value(json_object_get(src, "kind"));
	if (kind && strcmp(kind, "upload") == 0) {
		*gone = 1;
		return UPLOAD_GONE_TEXT;
	}
	if (!kind || strcmp(kind, "published") != 0)
		return "Skill scan payload: source.kind must be \"published\" or \"upload\"";
	if (!json_is_string(json_object_get(src, "slug")))
		return "Skill scan payload: source.slug must be a string";
	json_t *o = json_object_get(src, "ownerHandle"), *v = json_object_get(src, "version");
	if ((o && !json_is_string(o)) || (v && !json_is_string(v)))
		return "Skill scan payload: source.ownerHandle and source.version must be strings";
	json_t *u = json_object_get(body, "update");
	if (u && !json_is_boolean(u))
		return "Skill scan payload: update must be a boolean";
	return NULL;
}

static void scan_submit(sr_app *app, sr_req *req, sr_resp *resp)
{
	req->route = "scan-submit";
	sr_user u;
	if (sr__require_user(req, resp, &u))
		return;
	const char *ct = sr_req_header(req, "Content-Type");
	if (ct && strncasecmp(ct, "multipart/", 10) == 0) {
		sr_resp_text(resp, 410, UPLOAD_GONE_TEXT);
		return;
	}
	json_error_t je;
	json_t *body = json_loadb(req->body->len ? req->body->data : "", req->body->len, 0, &je);
	if (!body) {
		sr_resp_text(resp, 400, "Invalid JSON");
		return;
	}
	int gone = 0;
	const char *problem = json_is_object(body) ? payload_problem(body, &gone) : "Skill scan payload: must be an object";
	if (problem) {
		sr_resp_text(resp, gone ? 410 : 400, problem);
		json_decref(body);
		return;
	}
	json_t *src = json_object_get(body, "source");
	sr_scan_request in = {json_string_value(json_object_get(src, "slug")),
			      json_string_value(json_object_get(src, "ownerHandle")),
			      json_string_value(json_object_get(src, "version")),
			      json_is_true(json_object_get(body, "update"))};
	sr_regerr err = {0};
	int64_t id = 0;
	sr_scan_view v;
	if (sr_scan_job_submit(req->store, &u, &in, &id, &err) || sr_scan_job_view(req->store, &u, id, &v, &err)) {
		sr__regerr(resp, &err);
	} else {
		sr_scan_worker_wake(app->scan_worker);
		char sid[64];
		sr_public_id(sid, sizeof(sid), "sj", id);
		sr_jw w;
		sr_buf_reset(&resp->body);
		sr_jw_init(&w, &resp->body);
		sr_jw_obj(&w);
		sr_jw_kbool(&w, "ok", 1);
		sr_jw_kstr(&w, "scanId", sid);
		sr_jw_kstr(&w, "jobId", sid);
		sr_jw_kstr(&w, "status", "queued");
		sr_jw_kstr(&w, "sourceKind", "published");
		sr_jw_kbool(&w, "update", in.update);
		sr_jw_kbool(&w, "alreadyQueued", 0);
		/* Just queued: it is shown waiting even if a worker took it meanwhile. */
		v.status = SR_JOB_QUEUED;
		write_queue(&w, &v);
		sr_jw_obj_end(&w);
		sr_resp_json(resp, 202);
	}
	json_decref(body);
}

static void scan_get(sr_req *req, sr_resp *resp, const char *id_text, int download)
{
	req->route = download ? "scan-report" : "scan-status";
	sr_user u;
	if (sr__require_user(req, resp, &u))
		return;
	int64_t id;
	sr_regerr err = {0};
	sr_scan_view v;
	if (parse_scan_id(id_text, &id)) {
		sr_regerr_set(&err, SR_ENOTFOUND, SR_WHY_SCAN_NOT_FOUND, NULL);
		sr__regerr(resp, &err);
		return;
	}
	if (sr_scan_job_view(req->store, &u, id, &v, &err)) {
		sr__regerr(resp, &err);
		return;
	}
	int rc;
	if (download) {
		if (v.status != SR_JOB_SUCCEEDED) {
			sr_resp_text(resp, 409, "Scan is not complete");
			return;
		}
		char name[80];
		snprintf(name, sizeof(name), "clawhub-scan-sj_%lld.zip", (long long)id);
		rc = send_zip(req, resp, &v, name);
	} else {
		sr_jw w;
		sr_buf_reset(&resp->body);
		sr_jw_init(&w, &resp->body);
		rc = write_status(req, &w, &v);
		if (!rc)
			sr_resp_json(resp, 200);
	}
	if (rc) {
		sr_buf_reset(&resp->body);
		sr__internal(resp, rc);
	}
}

static void scan_stored(sr_req *req, sr_resp *resp, const char *name)
{
	req->route = "scan-download";
	sr_user u;
	if (sr__require_user(req, resp, &u))
		return;
	const char *version = sr_req_query(req, "version");
	const char *kind = sr_req_query(req, "kind");
	char n[200] = "", ver[200] = "";
	trim_copy(n, sizeof(n), name);
	trim_copy(ver, sizeof(ver), version ? version : "");
	if (!n[0]) {
		sr_resp_text(resp, 400, "name required");
		return;
	}
	if (!ver[0]) {
		sr_resp_text(resp, 400, "version required");
		return;
	}
	/* This registry holds skills only. */
	if (kind && strcmp(kind, "plugin") == 0) {
		sr_resp_text(resp, 400, "Plugin not found");
		return;
	}
	sr_regerr err = {0};
	sr_scan_view v;
	if (sr_scan_stored_view(req->store, &u, n, sr__owner_param(req), ver, &v, &err)) {
		sr__regerr(resp, &err);
		return;
	}
	char a[100], b[100], file[260];
	safe_name(a, sizeof(a), n);
	safe_name(b, sizeof(b), ver);
	snprintf(file, sizeof(file), "clawhub-scan-%s-%s.zip", a, b);
	int rc = send_zip(req, resp, &v, file);
	if (rc) {
		sr_buf_reset(&resp->body);
		sr__internal(resp, rc);
	}
}

void sr__scan_routes(sr_app *app, sr_req *req, sr_resp *resp, char **seg, int n)
{
	/* seg[0..4] = api v1 skills - scan */
	const char *m = req->method;
	if (n == 5 && strcmp(m, "POST") == 0) {
		scan_submit(app, req, resp);
	} else if (n == 5 && strcmp(m, "GET") == 0) {
		sr_user u;
		req->route = "scan-status";
		if (!sr__require_user(req, resp, &u))
			sr_resp_text(resp, 400, "scanId required");
	}
	else if (n == 7 && strcmp(m, "GET") == 0 && strcmp(seg[5], "download") == 0)
		scan_stored(req, resp, seg[6]);
	else if (n == 6 && strcmp(m, "GET") == 0)
		scan_get(req, resp, seg[5], 0);
	else if (n == 7 && strcmp(m, "GET") == 0 && strcmp(seg[6], "download") == 0)
		scan_get(req, resp, seg[5], 1);
	else
		sr_resp_text(resp, 404, "Not found");
}
