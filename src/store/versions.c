/*
 * versions.c - versions and their files (store.h, "versions" and the version half of
 * "publish" and "lifecycle"): version rows, file lists, the cold per-version documents, the
 * insert of a published version with its files, the skill's latest-version summary, tags,
 * and withdrawing and restoring a version. Dialect-neutral, over internal.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/fault.h"
#include "store/internal.h"

void sr__read_version_at(sr__stmt *st, int base, sr_version_row *v)
{
	v->id = sr__col_int64(st, base);
	v->skill_id = sr__col_int64(st, base + 1);
	v->version = sr__col_text(st, base + 2);
	v->fingerprint = sr__col_text(st, base + 3);
	v->changelog = sr__col_text(st, base + 4);
	v->changelog_source = sr__col_int_or_null(st, base + 5);
	v->created_at = sr__col_int64(st, base + 6);
	v->soft_deleted_at = sr__col_int64(st, base + 7);
	v->created_by = sr__col_int64(st, base + 8);
	v->file_count = sr__col_int64(st, base + 9);
	v->total_size = sr__col_int64(st, base + 10);
	v->zip_sha256 = sr__col_text(st, base + 11);
	v->zip_size = sr__col_int64(st, base + 12);
	v->scan_state = sr__col_int(st, base + 13);
	v->scan_verdict = sr__col_int_or_null(st, base + 14);
	if (!v->changelog)
		v->changelog = "";
}

static void read_version(sr_store *s, sr__stmt *st, void *row)
{
	(void)s;
	sr__read_version_at(st, 0, row);
}

static int each_version(sr_store *s, sr__stmt *st, sr_row_fn fn, void *ud)
{
	sr_version_row row;
	return sr__each(s, st, read_version, &row, fn, ud);
}

int sr_store_version_get(sr_store *s, int64_t skill_id, const char *version, sr_row_fn fn,
			 void *ud)
{
	return each_version(s, sr__query(s, Q_VERSION_GET, "It", skill_id, version), fn, ud);
}

int sr_store_version_by_id(sr_store *s, int64_t id, sr_row_fn fn, void *ud)
{
	return each_version(s, sr__query(s, Q_VERSION_BY_ID, "I", id), fn, ud);
}

int sr_store_versions_page(sr_store *s, int64_t skill_id, int limit, int has_after,
			   int64_t after_created, int64_t after_id, sr_row_fn fn, void *ud)
{
	sr__stmt *st = has_after ? sr__query(s, Q_VERSIONS_AFTER, "IiII", skill_id, limit + 1, after_created, after_id)
				     : sr__query(s, Q_VERSIONS_FIRST, "Ii", skill_id, limit + 1);
	return each_version(s, st, fn, ud);
}

int sr_store_versions_all(sr_store *s, int64_t skill_id, int max, sr_row_fn fn, void *ud)
{
	return each_version(s, sr__query(s, Q_VERSIONS_ALL, "Ii", skill_id, max), fn, ud);
}

int sr_store_version_by_fingerprint(sr_store *s, int64_t skill_id, const char *fp,
				    sr_row_fn fn, void *ud)
{
	return each_version(s, sr__query(s, Q_VERSION_BY_FP, "It", skill_id, fp), fn, ud);
}

static void read_file(sr_store *s, sr__stmt *st, void *row)
{
	sr_file_row *f = row;
	f->path = sr__col_text(st, 0);
	f->sha256 = sr__col_text(st, 1);
	f->content_type = sr__col_text(st, 2);
	f->size = sr__col_int64(st, 3);
	f->ord = sr__col_int(st, 4);
}

static int each_file(sr_store *s, sr__stmt *st, sr_row_fn fn, void *ud)
{
	sr_file_row row;
	return sr__each(s, st, read_file, &row, fn, ud);
}

int sr_store_version_files(sr_store *s, int64_t version_id, sr_row_fn fn, void *ud)
{
	return each_file(s, sr__query(s, Q_FILES, "I", version_id), fn, ud);
}

int sr_store_version_file(sr_store *s, int64_t version_id, const char *path, sr_row_fn fn,
			  void *ud)
{
	return each_file(s, sr__query(s, Q_FILE, "It", version_id, path), fn, ud);
}

int sr_store_version_cold(sr_store *s, int64_t version_id, char **frontmatter, char **metadata)
{
	*frontmatter = *metadata = NULL;
	sr__stmt *st = sr__query(s, Q_COLD, "I", version_id);
	if (!st)
		return SR_EDB;
	int rc = sr__step(s, st);
	if (rc == SR__DONE)
		return SR_ENOTFOUND;
	if (rc != SR__ROW)
		return rc;
	const char *f = sr__col_text(st, 0), *m = sr__col_text(st, 1);
	*frontmatter = f ? strdup(f) : NULL;
	*metadata = m ? strdup(m) : NULL;
	sr__reset(st);
	if ((f && !*frontmatter) || (m && !*metadata)) {
		free(*frontmatter);
		free(*metadata);
		*frontmatter = *metadata = NULL;
		return SR_ENOMEM;
	}
	return 0;
}

int sr_store_version_insert(sr_store *s, const sr_new_version *v, int64_t *id_out)
{
	const char *changelog = v->changelog ? v->changelog : "";
	int rc = v->id ? sr__run(s, Q_VERSION_INSERT_AT, "IItttNIIIItI", v->id, v->skill_id, v->version,
				 v->fingerprint, changelog, v->changelog_source, v->created_by, v->created_at,
				 (int64_t)v->nfiles, v->total_size, v->zip_sha256, v->zip_size)
		       : sr__run(s, Q_VERSION_INSERT, "ItttNIIIItI", v->skill_id, v->version, v->fingerprint,
				 changelog, v->changelog_source, v->created_by, v->created_at, (int64_t)v->nfiles,
				 v->total_size, v->zip_sha256, v->zip_size);
	if (rc)
		return rc;
	int64_t vid = v->id ? v->id : sr__last_id(s);
	for (size_t i = 0; i < v->nfiles; i++) {
		const sr_new_file *f = &v->files[i];
		if ((rc = sr__run(s, Q_FILE_INSERT, "ItIttI", vid, f->path, f->size, f->sha256, f->content_type,
			      (int64_t)i)))
			return rc;
	}
	rc = sr__run(s, Q_COLD_INSERT, "Itt", vid, v->frontmatter_json ? v->frontmatter_json : "{}",
		 v->metadata_json);
	if (!rc)
		*id_out = vid;
	return rc;
}

int sr_store_set_latest(sr_store *s, int64_t skill_id, int64_t version_id)
{
	if (!version_id)
		return sr__run(s, Q_CLEAR_LATEST, "I", skill_id);
	return sr__run(s, Q_SET_LATEST, "II", skill_id, version_id);
}

int sr_store_tag_set(sr_store *s, int64_t skill_id, const char *tag, int64_t version_id)
{
	return sr__run(s, Q_TAG_SET, "ItI", skill_id, tag, version_id);
}

int sr_store_tag_get(sr_store *s, int64_t skill_id, const char *tag, int64_t *version_id)
{
	sr__stmt *st = sr__query(s, Q_TAG_GET, "It", skill_id, tag);
	if (!st)
		return SR_EDB;
	int rc = sr__step(s, st);
	if (rc != SR__ROW)
		return rc == SR__DONE ? SR_ENOTFOUND : rc;
	*version_id = sr__col_int64(st, 0);
	sr__reset(st);
	return 0;
}

int sr_store_tags_refresh(sr_store *s, int64_t skill_id)
{
	return sr__run(s, Q_TAGS_JSON, "I", skill_id);
}

int sr_store_tags_drop_version(sr_store *s, int64_t skill_id, int64_t version_id)
{
	return sr__run(s, Q_TAGS_DROP_VERSION, "II", skill_id, version_id);
}

int sr_store_version_soft_delete(sr_store *s, int64_t version_id, int64_t now)
{
	return sr__run(s, Q_VERSION_DEL, "II", version_id, now);
}

int sr_store_version_restore(sr_store *s, int64_t version_id)
{
	return sr__run(s, Q_VERSION_RESTORE, "I", version_id);
}

int sr_store_blob_referenced(sr_store *s, const char *sha, int64_t now, int *referenced)
{
	/* The order matters: each lookup is a statement of its own, and a publish moves its
	 * blobs' reference from its hold to its version (the version and the hold's release
	 * commit together; before, the release came after the commit). Asked in the other
	 * order, a publish committing between the version lookup and the hold lookup went
	 * unseen by both, and the collector took bytes a committed version names (the kill -9
	 * storm with the collector running found it). Hold first: a hold gone by then went with
	 * its version's commit, which the later lookups see. A hold not yet made is a put still to come, which the age check and the
	 * store's own recheck leave alone (blob.h). */
	static const int q[] = {Q_BLOB_REF_HOLD, Q_BLOB_REF_TICKET, Q_BLOB_REF_FILE, Q_BLOB_REF_ZIP};
	*referenced = 0;
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]) && !*referenced; i++) {
		int64_t one;
		int timed = q[i] == Q_BLOB_REF_TICKET || q[i] == Q_BLOB_REF_HOLD;
		int rc = timed ? sr__one_int64(s, sr__query(s, q[i], "tI", sha, now), &one)
			       : sr__one_int64(s, sr__query(s, q[i], "t", sha), &one);
		if (rc == 0)
			*referenced = 1;
		else if (rc != SR_ENOTFOUND)
			return rc;
		if (i == 0 && !*referenced) {
			/* A test holds the collector here, between the first lookup and the others,
			 * while a publish of this blob commits (tests/http/test_gc_race.c). */
			char where[80];
			snprintf(where, sizeof(where), "blob-ref %.64s", sha);
			sr_fault_pause(where);
		}
	}
	return 0;
}

int sr_store_blob_hold(sr_store *s, int64_t hold, const char *const *shas, size_t n, int64_t expires_at)
{
	/* One statement of a JSON array of the shas. */
	sr_buf list;
	sr_buf_init(&list, 64 + n * 67);
	int rc = sr__json_strings(&list, shas, n);
	if (!rc)
		rc = sr__run(s, Q_BLOB_HOLD_ADD, "ItI", hold, list.data, expires_at);
	sr_buf_deinit(&list);
	return rc;
}

int sr_store_blob_release(sr_store *s, int64_t hold)
{
	return sr__run(s, Q_BLOB_HOLD_DEL, "I", hold);
}

int sr_store_blob_holds_expire(sr_store *s, int64_t now, int limit, int64_t *deleted)
{
	int rc = sr__run(s, Q_BLOB_HOLDS_EXPIRE, "Ii", now, limit);
	*deleted = rc ? 0 : sr__changes(s);
	return rc;
}
