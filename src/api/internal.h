/*
 * internal.h - the ClawHub API v1 handlers and what they share (src/api only).
 *
 * Each handler parses and validates its input, calls the registry or the store, and encodes
 * the answer. Errors are plain text with ClawHub's wording (api-v1 section 1).
 */
#ifndef SR_API_INTERNAL_H
#define SR_API_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "api/api.h"
#include "blob/blob.h"
#include "core/jw.h"
#include "http/context.h"
#include "http/http.h"
#include "moderation/staff.h"
#include "registry/registry.h"

/* ---- shared by the handler files (common.c) ---- */

/* Like sr_req_auth, but writes ClawHub's 401 and returns non-zero unless a good token is there. */
int sr__require_user(sr_req *req, sr_resp *resp, sr_user *user);
/* The user behind a token, or NULL for anonymous (an invalid token counts as anonymous). */
const sr_user *sr__optional_user(sr_req *req, sr_user *storage);

/* The ownerHandle (alias owner) query parameter, or NULL. */
const char *sr__owner_param(sr_req *req);
/* A query value with the white space around it dropped, into out (n bytes); NULL when the
 * parameter is absent, and "" when the value does not fit, which no rule accepts. */
const char *sr__query_trimmed(sr_req *req, const char *key, char *out, size_t n);
/* A `limit` as ClawHub reads it (JavaScript's parseInt): white space and a sign, then the
 * digits up to the first other character ("5abc" is 5, "2.9" is 2); def when there are no
 * digits. The caller clamps it. */
long sr__query_limit(sr_req *req, const char *key, long def);
/* How sr__find_skill answers an ambiguous slug: ClawHub's 409 text, its 409 JSON (the detail
 * routes), or the 400 its tag route answers. */
enum { SR__CONFLICT_TEXT = 0, SR__CONFLICT_JSON = 1, SR__CONFLICT_OWNER_HINT = 2 };
/* Or'ed into json_conflict: look the slug up with sr_lookup_skill_any (delete, undelete). */
enum { SR__FIND_DELETED = 0x10 };
/* Resolves {slug} for a route; on failure writes the response (404, or the conflict answer
 * json_conflict, one of SR__CONFLICT_*, names) and returns non-zero. */
int sr__find_skill(sr_app *app, sr_req *req, sr_resp *resp, const char *slug, const char *owner,
		   const sr_user *caller, int json_conflict, sr_skill *out);
/* sr__find_skill's two halves, for a route that reads the candidates itself: the slug of the
 * path normalized into slug (n bytes), or the 400/404 written and non-zero; and the answer to
 * a lookup's result rc (the skill into out, or the 404 or conflict written and non-zero). */
int sr__slug_arg(sr_resp *resp, const char *slug_in, char *slug, size_t n);
int sr__lookup_answer(sr_app *app, sr_req *req, sr_resp *resp, const char *slug, int rc,
		      const sr_lookup *lk, int json_conflict, sr_skill *out);
void sr__regerr(sr_resp *resp, const sr_regerr *err);
/* sr__regerr for a refusal that names another skill's page: the "<owner>/<slug>" the domain
 * names becomes the absolute URL a client can open (this server's origin). */
void sr__regerr_at(sr_app *app, sr_req *req, sr_resp *resp, sr_regerr *err);
void sr__internal(sr_resp *resp, int rc);
/* The optional JSON object body of a write (an empty body is an empty object); NULL after
 * writing a 400 when it is something else. The caller owns the reference. */
json_t *sr__body_object(sr_req *req, sr_resp *resp);

void sr__skill_item(sr_app *app, sr_jw *w, const sr_skill_row *r);

/* ---- one skill's routes (read.c, version.c) ---- */

/* A version's fields as a route keeps them past the statement that read them
 * (sr__copy_version: an sr_row_fn over sr_version_row rows, stopping at the first). changelog
 * is the route's to free. */
struct sr__version_copy {
	int found;
	int64_t id, created_at, soft_deleted_at;
	int changelog_source;
	char version[260];
	char *changelog;
	char fingerprint[65];
	char zip_sha256[65];
	int64_t zip_size;
	int scan_state, scan_verdict;
};
int sr__copy_version(void *ud, const void *row);
/* How sr__visible_skill answers: the ambiguity as JSON (detail routes) or text, whether the
 * owner of a hidden skill gets the 403/410/423 diagnostics or, like everyone, a 404, and
 * whether a hidden skill's archive is refused in ClawHub's download words. */
enum { SR__VIS_JSON_CONFLICT = 1, SR__VIS_DIAGNOSTICS = 2, SR__VIS_DOWNLOAD = 4 };
/* Applies the visibility rules to a skill found; writes the error and returns non-zero when
 * the caller may not see it. */
int sr__answer_visible(sr_resp *resp, const sr_skill *sk, const sr_user *caller, int how);
/* Finds {slug} (with the ownerHandle parameter) for the caller and applies the visibility
 * rules; writes the error and returns non-zero when it fails. */
int sr__visible_skill(sr_app *app, sr_req *req, sr_resp *resp, const char *slug, int how,
		      sr_user *ustore, const sr_user **caller, sr_skill *sk);
/* The fields of a search result card (api-v1 section 3.1) into an open object. */
void sr__skill_card(sr_jw *w, const sr_skill_row *r);
/* The first `limit` browse-eligible skills of the newest trending snapshot as list items
 * (sr__skill_item) into an open array; *n gets how many. */
int sr__trending_items(sr_app *app, sr_req *req, sr_jw *w, int limit, int *n);

/* ---- the staff's routes for reports and appeals (cases.c) ---- */

/* sr__require_user, then 403 `Forbidden` unless the user is a moderator or an admin. */
int sr__require_staff(sr_req *req, sr_resp *resp, sr_user *user);
/* The routes under /api/v1/skills/-/{reports,appeals}: GET of the list, POST {id}/{verb}. */
typedef struct {
	const char *verb, *list_route, *act_route;
} sr__case_routes;
/* Names the route and checks the staff gate: 0 for the list, 1 for {id}/{verb}, -1 after
 * writing the answer (404, 401 or 403). */
int sr__case_route(sr_req *req, sr_resp *resp, char **seg, int n, const sr__case_routes *r, sr_user *u);
/* A case's id as the API shows it ("rp_123" for prefix "rp", sr_public_id) or bare, to its
 * number; 0 when it is neither. */
int64_t sr__case_id_of(const char *s, const char *prefix);
/* sr_store_staff_reports or sr_store_staff_appeals. */
typedef int (*sr__case_list_fn)(sr_store *s, int status, int64_t before, int limit, sr_row_fn fn, void *ud);
/* Writes one case of a page as a JSON object. */
typedef void (*sr__case_item_fn)(sr_jw *w, const sr_case_row *r);
/* The page `{items, nextCursor, done}` of cases in status (-1 for all), by the query's cursor
 * (an id of prefix) and limit (25 by default, 1 to 100). */
void sr__case_list(sr_req *req, sr_resp *resp, int status, const char *prefix, sr__case_list_fn list,
		   sr__case_item_fn item);

/* Handlers. */
void sr__list(sr_app *app, sr_req *req, sr_resp *resp);
void sr__search(sr_app *app, sr_req *req, sr_resp *resp);
void sr__trending(sr_app *app, sr_req *req, sr_resp *resp);
void sr__detail(sr_app *app, sr_req *req, sr_resp *resp, const char *slug);
void sr__versions(sr_app *app, sr_req *req, sr_resp *resp, const char *slug);
void sr__version(sr_app *app, sr_req *req, sr_resp *resp, const char *slug, const char *version);
void sr__file(sr_app *app, sr_req *req, sr_resp *resp, const char *slug);
void sr__install(sr_app *app, sr_req *req, sr_resp *resp, const char *slug);
void sr__moderation(sr_app *app, sr_req *req, sr_resp *resp, const char *slug);
void sr__resolve(sr_app *app, sr_req *req, sr_resp *resp);
void sr__download(sr_app *app, sr_req *req, sr_resp *resp);
void sr__upload_url(sr_app *app, sr_req *req, sr_resp *resp);
void sr__upload(sr_app *app, sr_req *req, sr_resp *resp, const char *ticket);
void sr__publish(sr_app *app, sr_req *req, sr_resp *resp);
void sr__delete(sr_app *app, sr_req *req, sr_resp *resp, const char *slug);
void sr__undelete(sr_app *app, sr_req *req, sr_resp *resp, const char *slug);
void sr__version_delete(sr_app *app, sr_req *req, sr_resp *resp, const char *slug,
			const char *version, int restore);
void sr__star(sr_app *app, sr_req *req, sr_resp *resp, const char *slug, int on);
void sr__telemetry(sr_app *app, sr_req *req, sr_resp *resp);
/* The CLI's device login (device.c). */
void sr__device_code(sr_app *app, sr_req *req, sr_resp *resp);
void sr__device_token(sr_app *app, sr_req *req, sr_resp *resp);
void sr__tag(sr_app *app, sr_req *req, sr_resp *resp, const char *slug, const char *tag);
void sr__rename(sr_app *app, sr_req *req, sr_resp *resp, const char *slug, int merge);
void sr__report(sr_app *app, sr_req *req, sr_resp *resp, const char *slug);
/* Appeals (appeals.c): an owner's POST {slug}/appeal, and the staff routes under
 * /api/v1/skills/-/appeals (the list, and {id}/resolve). */
void sr__appeal(sr_app *app, sr_req *req, sr_resp *resp, const char *slug);
void sr__appeal_routes(sr_app *app, sr_req *req, sr_resp *resp, char **seg, int n);
/* The staff routes for reports (reports.c): GET /api/v1/skills/-/reports and
 * POST /api/v1/skills/-/reports/{id}/triage. */
void sr__report_routes(sr_app *app, sr_req *req, sr_resp *resp, char **seg, int n);
/* Org publishers (publishers.c): POST /publishers, and the platform admin's ensure of an
 * org and its member (remove_member 0) or removal of a member (1). */
void sr__publisher_create(sr_app *app, sr_req *req, sr_resp *resp);
void sr__admin_publisher(sr_app *app, sr_req *req, sr_resp *resp, int remove_member);
/* Ownership transfers (transfers.c): a request, a decision (word: accept | reject | cancel,
 * anything else 404), and the incoming or outgoing list (which: anything else 404). */
void sr__transfer_request(sr_app *app, sr_req *req, sr_resp *resp, const char *slug);
void sr__transfer_decide(sr_app *app, sr_req *req, sr_resp *resp, const char *slug, const char *word);
void sr__transfers_list(sr_app *app, sr_req *req, sr_resp *resp, const char *which);
/* A version's verification and skill card (verify.c). */
void sr__verify(sr_app *app, sr_req *req, sr_resp *resp, const char *slug);
void sr__card(sr_app *app, sr_req *req, sr_resp *resp, const char *slug);
void sr__scan_evidence(sr_app *app, sr_req *req, sr_resp *resp, const char *slug);
/* Scans a client asks for (scan.c): every /api/v1/skills/-/scan... path, seg[4] = "scan". */
void sr__scan_routes(sr_app *app, sr_req *req, sr_resp *resp, char **seg, int n);
/* Staff moderation: action is hide | unhide | remove | verdict | rescan. */
void sr__moderate(sr_app *app, sr_req *req, sr_resp *resp, const char *slug, const char *action);

#endif
