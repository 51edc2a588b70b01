/*
 * publish.c - publishing through the harness's server (harness.c): payloads, the upload
 * ticket flow, multipart bodies, the checked publish; and zips built and read in memory
 * (libzip) for the download and upload tests.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

/* ---------------------------------------------------------------- publishing */

json_t *srt_payload(const char *slug, const char *version)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:b}", "slug", slug, "displayName", slug, "version",
			 version, "changelog", "", "acceptLicenseTerms", 1);
}

const char *srt_skill_md(const char *name, const char *description)
{
	return srt_fmt("---\nname: %s\ndescription: %s\n---\n\n# %s\n\n%s\n\nUse it when you need it.\n",
		       name, description, name, description);
}

int srt_upload_url(srt_server *s, const char *token, const char *path, long long size,
		   const char *sha256, const char *ctype, srt_resp *out)
{
	json_t *j = json_pack("{s:s, s:I, s:s, s:s}", "path", path, "size", (json_int_t)size, "sha256",
			      sha256, "contentType", ctype ? ctype : "text/plain");
	char *body = json_dumps(j, JSON_COMPACT);
	int rc = srt_send(s, "POST", "/api/v1/skills/-/upload-url", token, body, out);
	free(body);
	json_decref(j);
	return rc;
}

static const char *ctype_or_default(const srt_file *f)
{
	return f->ctype ? f->ctype : "text/plain";
}

json_t *srt_upload_file_at(srt_server *s, const char *token, const srt_file *f, const char *file,
			   int line)
{
	char sha[65];
	srt_sha256_hex(f->data, f->len, sha);
	srt_resp r;
	srt_upload_url(s, token, f->path, (long long)f->len, sha, ctype_or_default(f), &r);
	if (r.status != 200) {
		print_error("upload-url for %s failed\n", f->path);
		srt_expect_status_at(&r, 200, file, line);
	}
	json_t *j = srt_expect_json_at(&r, 200, file, line);
	srt_resp_free(&r);
	const char *url = json_string_value(json_object_get(j, "uploadUrl"));
	const char *ticket = json_string_value(json_object_get(j, "uploadTicket"));
	if (!url || !ticket || strncmp(url, "http", 4) != 0) {
		print_error("upload-url response lacks an absolute uploadUrl / uploadTicket\n");
		json_decref(j);
		_fail(file, line);
		return NULL;
	}
	char auth[256], ct[256];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	snprintf(ct, sizeof ct, "Content-Type: %s", ctype_or_default(f));
	const char *h[] = {auth, ct, NULL};
	srt_request(s, "POST", url, h, f->data, f->len, &r);
	json_t *up = srt_expect_json_at(&r, 200, file, line);
	srt_resp_free(&r);
	const char *sid = json_string_value(json_object_get(up, "storageId"));
	if (!sid) {
		print_error("upload response lacks storageId\n");
		_fail(file, line);
	}
	json_t *entry = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s}", "path", f->path, "size",
				  (json_int_t)f->len, "storageId", sid, "sha256", sha, "contentType",
				  ctype_or_default(f), "uploadTicket", ticket);
	json_decref(up);
	json_decref(j);
	return entry;
}

int srt_publish_json_at(srt_server *s, const char *token, json_t *payload, const srt_file *files,
			size_t n, srt_resp *out, const char *file, int line)
{
	json_t *p = json_deep_copy(payload);
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *e = srt_upload_file_at(s, token, &files[i], file, line);
		if (e)
			json_array_append_new(arr, e);
	}
	json_object_set_new(p, "files", arr);
	char *body = json_dumps(p, JSON_COMPACT);
	int rc = srt_send(s, "POST", "/api/v1/skills", token, body, out);
	free(body);
	json_decref(p);
	return rc;
}

char *srt_multipart_body(const srt_part *parts, size_t n, size_t *len)
{
	static const char boundary[] = SRT_MP_BOUNDARY;
	size_t cap = 1024;
	for (size_t i = 0; i < n; i++)
		cap += parts[i].len + 512 + (parts[i].filename ? 2 * strlen(parts[i].filename) : 0);
	char *body = malloc(cap);
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		o += (size_t)snprintf(body + o, cap - o, "--%s\r\nContent-Disposition: form-data; name=\"%s\"",
				      boundary, parts[i].name);
		if (parts[i].filename) {
			/* A quoted-string: backslash and quote are escaped (as curl does). */
			o += (size_t)snprintf(body + o, cap - o, "; filename=\"");
			for (const char *c = parts[i].filename; *c; c++) {
				if (*c == '\\' || *c == '"')
					body[o++] = '\\';
				body[o++] = *c;
			}
			body[o++] = '"';
		}
		o += (size_t)snprintf(body + o, cap - o, "\r\n");
		if (parts[i].ctype)
			o += (size_t)snprintf(body + o, cap - o, "Content-Type: %s\r\n", parts[i].ctype);
		o += (size_t)snprintf(body + o, cap - o, "\r\n");
		memcpy(body + o, parts[i].data, parts[i].len);
		o += parts[i].len;
		o += (size_t)snprintf(body + o, cap - o, "\r\n");
	}
	o += (size_t)snprintf(body + o, cap - o, "--%s--\r\n", boundary);
	*len = o;
	return body;
}

int srt_multipart(srt_server *s, const char *token, const srt_part *parts, size_t n,
		  srt_resp *out)
{
	static const char boundary[] = SRT_MP_BOUNDARY;
	size_t o;
	char *body = srt_multipart_body(parts, n, &o);
	char auth[256], ct[256];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", token ? token : "");
	snprintf(ct, sizeof ct, "Content-Type: multipart/form-data; boundary=%s", boundary);
	const char *h[] = {ct, "Accept: application/json", token ? auth : NULL, NULL};
	int rc = srt_request(s, "POST", "/api/v1/skills", h, body, o, out);
	free(body);
	return rc;
}

int srt_publish_multipart(srt_server *s, const char *token, const char *payload_text,
			  const srt_file *files, size_t n, srt_resp *out)
{
	srt_part *parts = calloc(n + 1, sizeof *parts);
	size_t k = 0;
	if (payload_text)
		parts[k++] = (srt_part){"payload", NULL, NULL, payload_text, strlen(payload_text)};
	for (size_t i = 0; i < n; i++)
		parts[k++] = (srt_part){"files", files[i].path, ctype_or_default(&files[i]), files[i].data,
					files[i].len};
	int rc = srt_multipart(s, token, parts, k, out);
	free(parts);
	return rc;
}

void srt_publish_ok_at(srt_server *s, const char *token, const char *slug, const char *version,
		       const char *display, const char *description, const char *owner,
		       const char *const *tags, const char *file, int line)
{
	json_t *p = srt_payload(slug, version);
	if (display)
		json_object_set_new(p, "displayName", json_string(display));
	if (owner)
		json_object_set_new(p, "ownerHandle", json_string(owner));
	if (tags) {
		json_t *t = json_array();
		for (size_t i = 0; tags[i]; i++)
			json_array_append_new(t, json_string(tags[i]));
		json_object_set_new(p, "tags", t);
	}
	const char *md = srt_skill_md(display ? display : slug, description ? description : "A skill.");
	srt_file f = {"SKILL.md", md, strlen(md), "text/markdown"};
	srt_resp r;
	srt_publish_json_at(s, token, p, &f, 1, &r, file, line);
	json_t *j = srt_expect_json_at(&r, 200, file, line);
	if (!json_is_true(json_object_get(j, "ok")) ||
	    !json_is_string(json_object_get(j, "skillId")) ||
	    !json_is_string(json_object_get(j, "versionId"))) {
		print_error("publish %s@%s: bad success shape\n", slug, version);
		srt__show_body(&r);
		_fail(file, line);
	}
	json_decref(j);
	json_decref(p);
	srt_resp_free(&r);
}

/* ---------------------------------------------------------------- zip */

int srt_zip_build(const srt_file *files, size_t n, void **out, size_t *outlen)
{
	zip_error_t err;
	zip_error_init(&err);
	zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &err);
	if (!src)
		return -1;
	zip_source_keep(src);
	zip_t *z = zip_open_from_source(src, ZIP_TRUNCATE, &err);
	if (!z) {
		zip_source_free(src);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		zip_source_t *fs = zip_source_buffer(z, files[i].data, files[i].len, 0);
		if (!fs || zip_file_add(z, files[i].path, fs, ZIP_FL_ENC_UTF_8) < 0) {
			zip_source_free(fs);
			zip_discard(z);
			zip_source_free(src);
			return -1;
		}
	}
	if (zip_close(z) != 0) {
		zip_discard(z);
		zip_source_free(src);
		return -1;
	}
	zip_stat_t st;
	if (zip_source_stat(src, &st) != 0 || zip_source_open(src) != 0) {
		zip_source_free(src);
		return -1;
	}
	*out = malloc(st.size ? st.size : 1);
	zip_int64_t r = zip_source_read(src, *out, st.size);
	zip_source_close(src);
	zip_source_free(src);
	if (r < 0 || (zip_uint64_t)r != st.size) {
		free(*out);
		*out = NULL;
		return -1;
	}
	*outlen = (size_t)st.size;
	return 0;
}

static zip_t *zip_mem_open(const void *zip, size_t ziplen)
{
	zip_error_t err;
	zip_error_init(&err);
	zip_source_t *src = zip_source_buffer_create(zip, ziplen, 0, &err);
	if (!src)
		return NULL;
	zip_t *z = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err);
	if (!z)
		zip_source_free(src);
	return z;
}

long srt_zip_count(const void *zip, size_t ziplen)
{
	zip_t *z = zip_mem_open(zip, ziplen);
	if (!z)
		return -1;
	long n = (long)zip_get_num_entries(z, 0);
	zip_discard(z);
	return n;
}

long srt_zip_names(const void *zip, size_t ziplen, char (*names)[64], long max)
{
	zip_t *z = zip_mem_open(zip, ziplen);
	if (!z)
		return -1;
	long n = (long)zip_get_num_entries(z, 0);
	for (long i = 0; i < n && i < max; i++) {
		const char *nm = zip_get_name(z, (zip_uint64_t)i, ZIP_FL_ENC_RAW);
		snprintf(names[i], 64, "%s", nm ? nm : "");
	}
	zip_discard(z);
	return n;
}

int srt_zip_read(const void *zip, size_t ziplen, const char *name, char **data, size_t *len)
{
	*data = NULL;
	zip_t *z = zip_mem_open(zip, ziplen);
	if (!z)
		return -1;
	zip_stat_t st;
	if (zip_stat(z, name, 0, &st) != 0) {
		zip_discard(z);
		return -1;
	}
	zip_file_t *zf = zip_fopen(z, name, 0);
	if (!zf) {
		zip_discard(z);
		return -1;
	}
	*data = malloc(st.size + 1);
	zip_int64_t r = zip_fread(zf, *data, st.size);
	zip_fclose(zf);
	zip_discard(z);
	if (r < 0 || (zip_uint64_t)r != st.size) {
		free(*data);
		*data = NULL;
		return -1;
	}
	(*data)[st.size] = '\0';
	*len = (size_t)st.size;
	return 0;
}
