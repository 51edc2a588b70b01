/*
 * rows.c - read accounting values and the generic row loop, written over the internal
 * statement API (internal.h) and so shared by every engine.
 *
 * sr__each is the one loop every row-returning read goes through: it steps a statement,
 * has a per-type reader fill the caller's row view, and hands the view to the caller's
 * sr_row_fn. The reads context itself (sr_reads) is filled by the engine's sr__step.
 */
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/internal.h"

static const char *const table_names[SR_T_COUNT] = {
	[SR_T_OTHER] = "other",
	[SR_T_USERS] = "users",
	[SR_T_API_TOKENS] = "api_tokens",
	[SR_T_SKILLS] = "skills",
	[SR_T_SKILL_VERSIONS] = "skill_versions",
	[SR_T_VERSION_FILES] = "version_files",
	[SR_T_VERSION_COLD] = "version_cold",
	[SR_T_SKILL_TAGS] = "skill_tags",
	[SR_T_SKILL_ALIASES] = "skill_aliases",
	[SR_T_STARS] = "stars",
	[SR_T_UPLOAD_TICKETS] = "upload_tickets",
	[SR_T_RESERVED_SLUGS] = "reserved_slugs",
	[SR_T_STAT_EVENTS] = "stat_events",
	[SR_T_DOWNLOAD_DEDUPES] = "download_dedupes",
	[SR_T_STAT_CURSORS] = "stat_cursors",
	[SR_T_SKILL_DAILY_STATS] = "skill_daily_stats",
	[SR_T_AUDIT_LOG] = "audit_log",
	[SR_T_SKILL_SEARCH] = "skill_search",
	[SR_T_SKILL_SEARCH_SHORT] = "skill_search_short",
	[SR_T_TRENDING_SNAPSHOTS] = "trending_snapshots",
	[SR_T_TRENDING_ENTRIES] = "trending_entries",
	[SR_T_BACKFILL_STATE] = "backfill_state",
	[SR_T_SCAN_RESULTS] = "scan_results",
	[SR_T_SCAN_FINDINGS] = "scan_findings",
	[SR_T_SCAN_HOLDS] = "scan_holds",
	[SR_T_SKILL_REPORTS] = "skill_reports",
	[SR_T_GLOBAL_STATS] = "global_stats",
	[SR_T_PUBLISHER_MEMBERS] = "publisher_members",
	[SR_T_SKILL_TRANSFERS] = "skill_transfers",
	[SR_T_SCAN_JOBS] = "scan_jobs",
	[SR_T_SKILL_CARDS] = "skill_cards",
};

const char *sr_table_name(int t)
{
	return t >= 0 && t < SR_T_COUNT ? table_names[t] : "other";
}

int sr__table_of(const char *name)
{
	if (name)
		for (int t = 1; t < SR_T_COUNT; t++)
			if (strcmp(name, table_names[t]) == 0)
				return t;
	return SR_T_OTHER;
}

void sr_reads_init(sr_reads *r)
{
	memset(r, 0, sizeof(*r));
	r->max_rows = SR_READS_DEFAULT_ROWS;
	r->max_bytes = SR_READS_DEFAULT_BYTES;
	r->max_ranges = SR_READS_DEFAULT_RANGES;
}

void sr_reads_add(sr_reads *dst, const sr_reads *src)
{
	dst->rows += src->rows;
	dst->bytes += src->bytes;
	dst->ranges += src->ranges;
	dst->db_ns += src->db_ns;
	dst->trips += src->trips;
	dst->prepares += src->prepares;
	dst->errors += src->errors;
	for (int t = 0; t < SR_T_COUNT; t++) {
		dst->table_rows[t] += src->table_rows[t];
		dst->table_bytes[t] += src->table_bytes[t];
	}
}

/* A budget swaps the read context through the public calls, so it works on any engine: the
 * context current before is never NULL (a store without one reads into its scratch). */
void sr_store_budget_begin(sr_store *s, sr_budget *b)
{
	b->prev = sr_store_get_reads(s);
	sr_reads_init(&b->reads);
	sr_store_set_reads(s, &b->reads);
}

void sr_store_budget_end(sr_store *s, sr_budget *b, sr_reads *sum)
{
	sr_store_set_reads(s, b->prev);
	if (sum)
		sr_reads_add(sum, &b->reads);
}

int sr__each(sr_store *s, sr__stmt *st, sr__read_fn read, void *row, sr_row_fn fn, void *ud)
{
	if (!st)
		return SR_EDB;
	for (;;) {
		int rc = sr__step(s, st);
		if (rc == SR__DONE)
			return 0;
		if (rc != SR__ROW)
			return rc;
		read(s, st, row);
		rc = fn(ud, row);
		if (rc) {
			sr__reset(st);
			return rc > 0 ? 0 : rc;
		}
	}
}

int sr__exec(sr_store *s, sr__stmt *st)
{
	int rc = sr__step(s, st);
	if (rc == SR__DONE || rc == SR__ROW) {
		sr__reset(st);
		return 0;
	}
	return rc;
}

int sr__one_int64(sr_store *s, sr__stmt *st, int64_t *out)
{
	if (!st)
		return SR_EDB;
	int rc = sr__step(s, st);
	if (rc == SR__ROW) {
		*out = sr__col_int64(st, 0);
		sr__reset(st);
		return 0;
	}
	return rc == SR__DONE ? SR_ENOTFOUND : rc;
}

void sr__note_skill(sr_store *s, int64_t id)
{
	sr_reads *r = sr_store_get_reads(s);
	for (int i = 0; i < r->nskills; i++)
		if (r->skill_ids[i] == id)
			return;
	if (r->nskills < SR_READS_SKILL_IDS)
		r->skill_ids[r->nskills++] = id;
	else
		r->skills_overflow = 1;
}

void sr__copy_text(char *dst, size_t n, const char *src)
{
	if (!n)
		return;
	src = src ? src : "";
	size_t len = strlen(src);
	if (len >= n) {
		/* A cut must not split a UTF-8 sequence: it ends before the character it would
		 * split (texts such as display names have no length limit). */
		len = n - 1;
		while (len > 0 && ((unsigned char)src[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
}

int sr__json_strings(sr_buf *b, const char *const *items, size_t n)
{
	int rc = sr_buf_putc(b, '[');
	for (size_t i = 0; i < n && !rc; i++) {
		for (const unsigned char *c = (const unsigned char *)items[i]; *c; c++)
			if (*c < 0x20 || *c == '"' || *c == '\\')
				return SR_EINVAL;
		rc = sr_buf_printf(b, "%s\"%s\"", i ? "," : "", items[i]);
	}
	return rc ? rc : sr_buf_putc(b, ']');
}

static void read_key(sr_store *s, sr__stmt *st, void *row)
{
	sr_key_row *k = row;
	k->id = sr__col_int64(st, 0);
	k->key = sr__col_int64(st, 1);
}

int sr__each_key(sr_store *s, sr__stmt *st, sr_row_fn fn, void *ud)
{
	sr_key_row row;
	return sr__each(s, st, read_key, &row, fn, ud);
}

/* The length of the UTF-8 character at p and whether it is one the word index holds as a
 * word of its own (CJK: skills.c spaces them in the word index, pg_catalogue.c reads them
 * back as words of their own). */
size_t sr__utf8_char(const unsigned char *p, int *cjk)
{
	size_t len = 1;
	uint32_t cp = *p;
	if (*p >= 0xf0 && p[1] && p[2] && p[3]) {
		len = 4;
		cp = (uint32_t)(p[0] & 7) << 18 | (uint32_t)(p[1] & 63) << 12 | (uint32_t)(p[2] & 63) << 6 | (p[3] & 63);
	} else if (*p >= 0xe0 && p[1] && p[2]) {
		len = 3;
		cp = (uint32_t)(p[0] & 15) << 12 | (uint32_t)(p[1] & 63) << 6 | (p[2] & 63);
	} else if (*p >= 0xc0 && p[1]) {
		len = 2;
		cp = (uint32_t)(p[0] & 31) << 6 | (p[1] & 63);
	}
	*cjk = (cp >= 0x2e80 && cp <= 0x9fff) || (cp >= 0xac00 && cp <= 0xd7af) || (cp >= 0xf900 && cp <= 0xfaff) ||
	       (cp >= 0x20000 && cp <= 0x2fa1f) || (cp >= 0x3040 && cp <= 0x30ff);
	return len;
}
