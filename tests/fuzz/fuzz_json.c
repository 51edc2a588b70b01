/*
 * fuzz_json.c - the JSON bodies of the API's writes, as far as they go without a server.
 *
 * The first byte chooses the body: the optional object of a write route (sr__body_object:
 * delete, undelete, tags, rename, merge, report, moderation, telemetry), a publish payload
 * (parsed as publish.c parses it), or an upload ticket request (parsed with duplicate keys
 * refused). The fields each route reads then go through the checks the routes apply (slugs,
 * versions, tags, file paths). Every string taken from a body must also survive the JSON
 * writer (src/core/jw.c): written and read back, it is the same bytes.
 */
#include <jansson.h>

#include "api/internal.h"
#include "core/jw.h"
#include "fuzz.h"
#include "registry/registry.h"
#include "registry/semver.h"
#include "registry/slug.h"

/* Writes s (n bytes, possibly with NULs) with the JSON writer and reads it back. */
static void roundtrip(const char *s, size_t n)
{
	sr_buf b;
	sr_buf_init(&b, 8 * n + 64);
	sr_jw w;
	sr_jw_init(&w, &b);
	sr_jw_arr(&w);
	sr_jw_strn(&w, s, n);
	sr_jw_arr_end(&w);
	FUZZ_CHECK(!sr_jw_error(&w));
	json_error_t e;
	json_t *j = json_loadb(b.data, b.len, 0, &e);
	FUZZ_CHECK(json_is_array(j) && json_array_size(j) == 1);
	json_t *v = json_array_get(j, 0);
	FUZZ_CHECK(json_is_string(v) && json_string_length(v) == n);
	FUZZ_CHECK(memcmp(json_string_value(v), s, n) == 0);
	json_decref(j);
	sr_buf_deinit(&b);
}

/* A string field: its round trip, and the checks a route applies to that kind of value. */
static const char *field(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_string(v))
		return NULL;
	roundtrip(json_string_value(v), json_string_length(v));
	return json_string_value(v);
}

static void check_value(const char *slug, const char *version)
{
	char norm[128];
	if (slug) {
		sr_slug_check_new(slug);
		sr_slug_normalize(slug, norm, sizeof(norm));
		sr_slug_is_plausible(slug);
	}
	if (version)
		sr_semver_parse(version, NULL);
}

static void check_path(const char *p)
{
	char clean[600];
	if (!p || strlen(p) >= sizeof(clean))
		return;
	memcpy(clean, p, strlen(p) + 1);
	if (sr_path_sanitize(clean) == 0) {
		FUZZ_CHECK(clean[0] && clean[0] != '/' && !strstr(clean, "//"));
		char again[600];
		memcpy(again, clean, strlen(clean) + 1);
		FUZZ_CHECK(sr_path_sanitize(again) == 0 && strcmp(again, clean) == 0);
		sr_path_is_junk(clean);
		sr_content_type_for(clean);
	}
}

static void write_body(const uint8_t *data, size_t size)
{
	sr_buf body;
	sr_buf_init(&body, size + 1);
	sr_buf_append(&body, data, size);
	sr_req req;
	memset(&req, 0, sizeof(req));
	req.body = &body;
	sr_resp resp;
	memset(&resp, 0, sizeof(resp));
	sr_buf_init(&resp.body, 4096);
	json_t *o = sr__body_object(&req, &resp);
	if (o) {
		FUZZ_CHECK(json_is_object(o) && resp.status == 0);
		check_value(field(o, "to"), field(o, "version"));
		check_value(field(o, "slug"), NULL);
		check_value(field(o, "ownerHandle"), NULL);
		field(o, "reason");
		field(o, "note");
		field(o, "verdict");
		json_decref(o);
	} else {
		FUZZ_CHECK(resp.status == 400);
	}
	sr_buf_deinit(&resp.body);
	sr_buf_deinit(&body);
}

static void publish_payload(const uint8_t *data, size_t size, size_t flags)
{
	json_error_t e;
	json_t *p = json_loadb((const char *)data, size, flags, &e);
	if (!json_is_object(p)) {
		json_decref(p);
		return;
	}
	check_value(field(p, "slug"), field(p, "version"));
	field(p, "displayName");
	field(p, "changelog");
	check_path(field(p, "path"));
	json_t *tags = json_object_get(p, "tags"), *t, *files = json_object_get(p, "files"), *f;
	size_t i;
	json_array_foreach(tags, i, t)
		if (json_is_string(t))
			sr_tag_valid(json_string_value(t));
	json_array_foreach(files, i, f)
		check_path(field(f, "path"));
	json_decref(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0 || size > 65536)
		return 0;
	int mode = data[0] % 3;
	data++;
	size--;
	if (mode == 0)
		write_body(data, size);
	else
		publish_payload(data, size, mode == 2 ? JSON_REJECT_DUPLICATES : 0);
	return 0;
}
