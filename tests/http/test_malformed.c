/*
 * test_malformed.c - malformed bodies against every API route that reads one (issue 16: the
 * review's malformed inputs, kept in the suite). Each route is sent the same bodies that are
 * not JSON (cut short, trailing bytes, a lone surrogate, a NUL or a bad UTF-8 byte in a string,
 * a number out of range, nesting deeper than the parser takes, nothing at all) and JSON that is
 * not an object; each must get the route's one refusal in its own words, every time, and the
 * registry must read the same afterwards. A publish is also sent multipart bodies broken in
 * each way the reader and the publish check (framing, the payload part, the file parts, a
 * bundle that is not a zip, a path that climbs).
 *
 * The routes are called by a caller who may use them on a skill that exists (alice on her own
 * skill, the admin for the staff's routes), so that what answers is the body's reading, not a
 * missing right or a missing skill.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static srt_server S;
static const char *const SERVE_ARGS[] = {"--no-rate-limit", "--fold-ms", "604800000", NULL};

static int group_setup(void **state)
{
	(void)state;
	S.serve_args = SERVE_ARGS;
	if (srt_server_start(&S))
		return -1;
	srt_publish_ok(&S, S.tok_alice, "mal-kit", "1.0.0", "Mal Kit", "The malformed bodies' target.");
	srt_publish_ok(&S, S.tok_alice, "mal-two", "1.0.0", "Mal Two", "A second skill of alice's.");
	srt_wait_scans(&S);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return srt_server_stop(&S);
}

typedef struct body {
	const char *name;
	const char *data;
	size_t len; /* 0: strlen */
	int kind; /* NOT_JSON, or JSON that is not an object: an ARRAY or a SCALAR */
} body;

enum { NOT_JSON, ARRAY, SCALAR };

static char deep[20001];

static const body bodies[] = {
	{"an open brace", "{", 0, NOT_JSON},
	{"a value cut short", "{\"slug\":", 0, NOT_JSON},
	{"a string cut short", "{\"slug\":\"mal", 0, NOT_JSON},
	{"trailing bytes", "{} x", 0, NOT_JSON},
	{"a lone surrogate", "{\"slug\":\"\\ud800\"}", 0, NOT_JSON},
	{"a NUL in a string", "{\"slug\":\"a\0b\"}", 15, NOT_JSON},
	{"a bad UTF-8 byte", "{\"slug\":\"\xff\"}", 0, NOT_JSON},
	{"a number out of range", "{\"limit\":1e999}", 0, NOT_JSON},
	{"10,000 nested arrays", deep, 0, NOT_JSON},
	{"single quotes", "{'slug':'mal-kit'}", 0, NOT_JSON},
	{"an array", "[]", 0, ARRAY},
	{"null", "null", 0, SCALAR},
	{"a string", "\"mal-kit\"", 0, SCALAR},
	{"a number", "1", 0, SCALAR},
	{"true", "true", 0, SCALAR},
};

typedef struct route {
	const char *method, *path;
	int admin;
	long status;
	const char *bad;    /* the answer to a body that is not JSON */
	const char *array;  /* to an array (NULL: the same) */
	const char *scalar; /* to a scalar (NULL: the same) */
} route;

/* Most routes read their body as ClawHub's do (a JSON object or 400 with the route's text); the
 * transfer request reads any JSON that is not an object as an empty one, whose first missing
 * field it names; the scan, publisher and org routes take only an object or an array as JSON
 * and say an array is not an object. */
static const route routes[] = {
	{"POST", "/api/v1/skills/-/upload-url", 0, 400, "Invalid JSON body", NULL, NULL},
	{"POST", "/api/v1/skills", 0, 400, "Invalid JSON payload", NULL, NULL},
	{"POST", "/api/v1/skills/mal-kit/rename", 0, 400, "Invalid JSON body", NULL, NULL},
	{"POST", "/api/v1/skills/mal-kit/merge", 0, 400, "Invalid JSON body", NULL, NULL},
	{"POST", "/api/v1/skills/mal-kit/tags/latest", 0, 400, "Invalid JSON body", NULL, NULL},
	{"POST", "/api/v1/skills/mal-kit/transfer", 0, 400, "Invalid JSON", "toUserHandle required", "toUserHandle required"},
	{"POST", "/api/v1/skills/mal-kit/report", 0, 400, "Invalid JSON body", NULL, NULL},
	{"POST", "/api/v1/skills/mal-kit/appeal", 0, 400, "Invalid JSON body", NULL, NULL},
	{"POST", "/api/v1/skills/mal-kit/moderation/hide", 1, 400, "Invalid JSON body", NULL, NULL},
	{"POST", "/api/v1/skills/-/scan", 0, 400, "Invalid JSON", "Skill scan payload: must be an object", NULL},
	{"POST", "/api/v1/stars/mal-kit", 0, 400, "Invalid JSON body", NULL, NULL},
	{"POST", "/api/cli/telemetry/install", 0, 400, "Invalid JSON body", NULL, NULL},
	{"POST", "/api/v1/publishers", 0, 400, "Invalid JSON", "JSON body must be an object", NULL},
	{"POST", "/api/v1/users/publisher", 1, 400, "Invalid JSON body", NULL, NULL},
	{"POST", "/api/v1/users/publisher-member", 1, 400, "Invalid JSON body", NULL, NULL},
};

/* What a write can change, as text. */
static char *registry_text(void)
{
	static const char *const tables[] = {"users", "publisher_members", "skills", "skill_versions", "skill_tags",
					     "skill_aliases", "stars", "skill_reports", "skill_transfers", "upload_tickets"};
	size_t len = 0;
	char *all = calloc(1, 1);
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		char *t = srt_db_text(S.db, srt_fmt("SELECT * FROM %s ORDER BY 1", tables[i]));
		assert_non_null(t);
		size_t n = strlen(t);
		all = realloc(all, len + n + 1);
		memcpy(all + len, t, n + 1);
		len += n;
		free(t);
	}
	return all;
}

static int wrong;

static void send_one(const route *rt, const char *label, const char *ctype, const char *data, size_t len, long status,
		     const char *text)
{
	const char *h[] = {srt_fmt("Authorization: Bearer %s", rt->admin ? S.tok_admin : S.tok_alice),
			   srt_fmt("Content-Type: %s", ctype), NULL};
	srt_resp r;
	srt_request(&S, rt->method, rt->path, h, data, len, &r);
	if (r.status != status || !r.body || strcmp(r.body, text) != 0) {
		wrong++;
		print_error("%s %s, %s: %ld \"%.200s\", want %ld \"%s\"\n", rt->method, rt->path, label, r.status,
			    r.body ? r.body : "", status, text);
	}
	srt_resp_free(&r);
}

static void test_malformed_json(void **state)
{
	(void)state;
	for (size_t i = 0; i < 10000; i++) {
		deep[i] = '[';
		deep[10000 + i] = ']';
	}
	int cells = 0;
	wrong = 0;
	for (size_t k = 0; k < sizeof routes / sizeof routes[0]; k++) {
		const route *rt = &routes[k];
		char *before = registry_text();
		for (size_t b = 0; b < sizeof bodies / sizeof bodies[0]; b++) {
			const body *bd = &bodies[b];
			const char *text = bd->kind == ARRAY && rt->array	  ? rt->array
					   : bd->kind == SCALAR && rt->scalar ? rt->scalar
									      : rt->bad;
			send_one(rt, bd->name, "application/json", bd->data, bd->len ? bd->len : strlen(bd->data),
				 rt->status, text);
			cells++;
		}
		srt_wait_scans(&S);
		char *after = registry_text();
		if (strcmp(before, after) != 0) {
			wrong++;
			print_error("%s %s: a refused body changed the registry\n", rt->method, rt->path);
		}
		free(before);
		free(after);
	}
	print_message("# %d malformed bodies on %zu routes\n", cells, sizeof routes / sizeof routes[0]);
	assert_int_equal(wrong, 0);
}

typedef struct mp_case {
	const char *name, *ctype, *data;
	const char *text; /* the 400's text */
} mp_case;

#define MP "multipart/form-data; boundary=XyZ"
#define PAYLOAD "{\"slug\":\"mal-kit\",\"displayName\":\"Mal Kit\",\"version\":\"2.0.0\",\"changelog\":\"\",\"acceptLicenseTerms\":true}"
#define PART(h, v) "--XyZ\r\n" h "\r\n\r\n" v "\r\n"
#define PAYLOAD_PART PART("Content-Disposition: form-data; name=\"payload\"", PAYLOAD)
#define FILE_PART                                                                                   \
	PART("Content-Disposition: form-data; name=\"files\"; filename=\"SKILL.md\"\r\nContent-Type: text/markdown", \
	     "---\nname: mal\ndescription: d\n---\n# Mal\n")

static const mp_case mp_cases[] = {
	{"no boundary", "multipart/form-data", PAYLOAD_PART FILE_PART "--XyZ--\r\n", "Invalid multipart body"},
	{"an empty body", MP, "", "Invalid multipart body"},
	{"no closing boundary", MP, PAYLOAD_PART FILE_PART, "Invalid multipart body"},
	{"a part cut in its headers", MP, PAYLOAD_PART "--XyZ\r\nContent-Disposition: form-data; name=\"files\"", "Invalid multipart body"},
	{"a payload that is not JSON", MP, PART("Content-Disposition: form-data; name=\"payload\"", "{") FILE_PART "--XyZ--\r\n", "Invalid JSON payload"},
	{"a payload that is an array", MP, PART("Content-Disposition: form-data; name=\"payload\"", "[]") FILE_PART "--XyZ--\r\n", "Invalid JSON payload"},
	{"no payload part", MP, FILE_PART "--XyZ--\r\n", "Missing payload"},
	{"no file part", MP, PAYLOAD_PART "--XyZ--\r\n", "SKILL.md is required"},
	{"a file part without a filename", MP, PAYLOAD_PART PART("Content-Disposition: form-data; name=\"files\"", "x") "--XyZ--\r\n", "Invalid file paths"},
	{"a bundle that is not a zip", MP, PAYLOAD_PART PART("Content-Disposition: form-data; name=\"bundle\"; filename=\"b.zip\"", "PK\x03\x04 not a zip") "--XyZ--\r\n", "Invalid zip bundle"},
	{"a file path that climbs", MP, PAYLOAD_PART PART("Content-Disposition: form-data; name=\"files\"; filename=\"../../etc/SKILL.md\"", "x") "--XyZ--\r\n", "Invalid file paths"},
};

static void test_malformed_multipart(void **state)
{
	(void)state;
	static const route publish = {"POST", "/api/v1/skills", 0, 400, NULL, NULL, NULL};
	wrong = 0;
	char *before = registry_text();
	for (size_t i = 0; i < sizeof mp_cases / sizeof mp_cases[0]; i++) {
		const mp_case *c = &mp_cases[i];
		send_one(&publish, c->name, c->ctype, c->data, strlen(c->data), 400, c->text);
	}
	srt_wait_scans(&S);
	char *after = registry_text();
	if (strcmp(before, after) != 0) {
		wrong++;
		print_error("a refused multipart publish changed the registry\n");
	}
	free(before);
	free(after);
	assert_int_equal(wrong, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed_json),
		cmocka_unit_test(test_malformed_multipart),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
