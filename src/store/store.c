/*
 * store.c - SQLite implementation of store.h.
 *
 * Every statement the server runs is in the catalogue below, with the index it reads
 * through. Statements are prepared lazily, once per connection, and reset after use. All
 * reads go through step(), which counts rows, column bytes and index ranges into the
 * connection's read context and stops the read when a limit is passed.
 */
#include "store/store.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/fault.h"
#include "core/log.h"
#include "core/util.h"
#include "migrations_sqlite.h"
#include "store/gen.h"

#define SKILL_COLS                                                                            \
	"s.id, s.owner_id, s.slug, s.display_name, s.summary, s.tags_json, s.latest_version_id, " \
	"s.latest_version, s.latest_changelog, s.latest_metadata, s.latest_created_at, "          \
	"s.moderation_status, s.moderation_reason, s.moderation_flags, s.moderation_verdict, "    \
	"s.soft_deleted_at, s.stats_downloads, s.stats_stars, s.stats_installs, "                 \
	"s.stats_versions, s.stats_comments, s.created_at, s.updated_at, s.is_suspicious, "       \
	"s.is_public, s.is_listed, u.handle, u.display_name, u.image"
#define SKILL_NCOLS 29

/* What finding a skill and checking who may see it needs, and no more: a lookup on the way
 * to a version, a file or a download reads about a fifth of the list row. */
#define LOOKUP_COLS                                                                    \
	"s.id, s.owner_id, s.slug, s.display_name, s.latest_version_id, s.latest_version, " \
	"s.moderation_status, s.moderation_reason, s.moderation_flags, s.moderation_verdict, " \
	"s.soft_deleted_at, s.stats_versions, s.created_at, s.is_suspicious, s.is_public, "  \
	"s.is_listed, u.handle"
#define SKILL_FROM " FROM skills s CROSS JOIN users u ON u.id = s.owner_id "

#define VERSION_COLS                                                                   \
	"id, skill_id, version, fingerprint, changelog, changelog_source, created_at, " \
	"soft_deleted_at, created_by, file_count, total_size, zip_sha256, zip_size, scan_state, scan_verdict"

enum {
	/* users and tokens */
	Q_USER_ADD,         /* insert */
	Q_USER_BY_HANDLE,   /* ux_users_handle */
	Q_USER_BY_ID,       /* primary key */
	Q_USER_BAN,         /* primary key */
	Q_USER_BAN_SKILLS,  /* ix_skills_owner_updated */
	Q_TOKEN_ADD,        /* insert */
	Q_TOKEN_LOOKUP,     /* ux_tokens_hash, then users primary key */
	Q_TOKEN_REVOKE,     /* ix_tokens_prefix range */
	/* skills */
	Q_SKILLS_BY_SLUG,     /* ix_skills_slug */
	Q_SKILL_BY_OWNER_SLUG, /* ux_skills_owner_slug */
	Q_LOOKUP_BY_SLUG,     /* ix_skills_slug */
	Q_SKILL_BY_ID,        /* primary key */
	Q_SKILLS_BY_ALIAS,    /* ix_aliases_slug, then skills primary key */
	Q_SKILL_BY_OWNER_ALIAS, /* skill_aliases primary key, then skills primary key */
	Q_ALIAS_ADD,
	Q_ALIAS_DEL,          /* skill_aliases primary key */
	Q_ALIASES_REPOINT,    /* ix_aliases_skill */
	Q_SKILL_RENAME,       /* primary key */
	Q_SKILL_MERGED,       /* primary key */
	Q_SEARCH,             /* skill_search (fts5 trigram), then skills primary key */
	Q_SEARCH_SHORT,       /* skill_search_short (fts5 unicode61), then skills primary key */
	Q_SEARCH_NAMES,       /* skill_search (fts5 trigram, name columns), then skills primary key */
	/* versions */
	Q_VERSION_GET,        /* ux_versions_skill_version */
	Q_VERSION_BY_ID,      /* primary key */
	Q_VERSIONS_FIRST,     /* ix_versions_skill_created (live versions only) */
	Q_VERSIONS_AFTER,     /* ix_versions_skill_created keyset */
	Q_VERSIONS_ALL,       /* ux_versions_skill_version range on skill_id */
	Q_VERSION_BY_FP,      /* ix_versions_skill_fp */
	Q_FILES,              /* version_files primary key range */
	Q_FILE,               /* ux_version_files_path */
	Q_COLD,               /* version_cold primary key */
	/* publish */
	Q_SKILL_INSERT,
	Q_RESERVED_HOLDER,    /* reserved_slugs primary key range on slug */
	Q_RESERVE,
	Q_UNRESERVE,          /* reserved_slugs primary key */
	Q_VERSION_INSERT,
	Q_FILE_INSERT,
	Q_COLD_INSERT,
	Q_SET_LATEST,         /* skills and skill_versions primary keys */
	Q_CLEAR_LATEST,
	Q_SET_IDENTITY,
	Q_TAG_SET,
	Q_TAG_GET,            /* skill_tags primary key */
	Q_TAGS_JSON,          /* skill_tags primary key range, skill_versions primary key */
	Q_TOUCH,
	Q_FTS_DEL,
	Q_FTS_INS,
	Q_FTS_SHORT_DEL,
	Q_FTS_SHORT_INS,
	/* lifecycle */
	Q_SOFT_DELETE,
	Q_UNDELETE,
	Q_UNDELETE_OWNER,
	Q_SKILL_HIDE,
	Q_TAGS_DROP_VERSION,  /* skill_tags primary key range on skill_id */
	Q_VERSION_DEL,
	Q_VERSION_RESTORE,
	Q_AUDIT,
	/* stars and stats */
	Q_STAR_INS,
	Q_STAR_DEL,
	Q_STARS_ADJ,
	Q_DEDUPE_INS,
	Q_EVENT_INS,
	Q_CURSOR_GET,          /* stat_cursors primary key */
	Q_EVENTS_AFTER,        /* stat_events primary key range */
	Q_DAILY_UPSERT,
	Q_COUNTERS_ADJ,
	Q_CURSOR_SET,
	/* upload tickets */
	Q_TICKET_ADD,
	Q_TICKET_GET,          /* primary key */
	Q_TICKET_UPLOADED,
	Q_TICKET_USED,
	/* batch reads for jobs */
	Q_MODERATION_PAGE,     /* ix_moderation (covering): equality on (status, reason), keyset */
	Q_PUBLIC_IDS_PAGE,     /* ix_pub_created (covering partial index), keyset */
	Q_DAILY_PAGE,          /* ix_daily_day (covering): one day, keyset on skill_id */
	Q_SKILL_LISTED,        /* skills primary key */
	/* the public-skill count (data-model section 3.4) */
	Q_PUBLIC_COUNT,        /* global_stats primary key */
	Q_PUBLIC_COUNT_ADJ,    /* global_stats primary key */
	/* web pages */
	Q_OWNER_FIRST,         /* ix_owner_pub_updated (partial: public skills), one owner's range */
	Q_OWNER_AFTER,         /* ix_owner_pub_updated keyset */
	/* trending leaderboard */
	Q_TRENDING_LATEST,     /* trending_snapshots primary key, from the end */
	Q_TRENDING_SNAPSHOT,   /* trending_snapshots primary key */
	Q_TRENDING_KEPT,       /* trending_snapshots primary key, from the end */
	Q_TRENDING_SNAP_INS,
	Q_TRENDING_ENTRY_INS,
	Q_TRENDING_ENTRIES_DEL, /* trending_entries primary key range */
	Q_TRENDING_SNAPS_DEL,  /* trending_snapshots primary key range */
	Q_TRENDING_PAGE,       /* trending_entries primary key range, then skills and users primary keys */
	/* backfills (src/cron/backfill.c) */
	Q_BF_STATE_GET,        /* backfill_state primary key */
	Q_BF_STATE_PUT,
	Q_BF_MAX_ID,           /* skills primary key, from the end */
	Q_BF_SUMMARY_PAGE,     /* skills primary key range; skill_versions, version_cold primary keys */
	Q_BF_COUNTERS_PAGE,    /* skills primary key range; per row: skill_daily_stats and stars
				* primary key ranges, ix_versions_skill_created (covering) */
	Q_BF_COUNTERS_SET,     /* skills primary key */
	/* scanning and moderation (src/moderation) */
	Q_VERSION_SCAN_REQUEST, /* skill_versions primary key */
	Q_SKILL_MARK_PENDING,  /* skills primary key */
	Q_SCAN_QUEUE,          /* ix_versions_scan_queue (partial: pending versions only), keyset */
	Q_VERSION_SCAN_GET,    /* skill_versions primary key */
	Q_VERSION_SCAN_FINISH, /* skill_versions primary key */
	Q_SCAN_RESULT_PUT,
	Q_SCAN_RESULTS,        /* scan_results primary key range on version_id */
	Q_SCAN_FINDINGS_DEL,   /* scan_findings primary key range */
	Q_SCAN_FINDING_INS,
	Q_SCAN_FINDINGS,       /* scan_findings primary key range on version_id */
	Q_SCAN_HOLD_PUT,
	Q_SCAN_HOLDS,          /* scan_holds primary key range on skill_id */
	Q_SKILL_MODERATE,      /* skills primary key */
	Q_REPORT_INS,
	Q_REPORT_GET,          /* ux_reports_skill_user */
	Q_REPORTS_BUMP,        /* skills primary key */
	Q_REPORTS_COUNT,       /* skills primary key */
	Q_REPORTS_RESET,       /* skills primary key */
	Q_USER_ROLE,           /* users primary key */
	Q_MOD_QUEUE_PAGE,      /* ix_moderation equality on (status, reason), keyset; versions primary key */
	Q_SKILL_IDS_PAGE,      /* skills primary key range */
	Q_FIXED_COUNT
};

static const char *const fixed_sql[Q_FIXED_COUNT] = {
	[Q_USER_ADD] = "INSERT INTO users(handle, display_name, role, created_at) VALUES (?1, ?2, ?3, ?4)",
	[Q_USER_BY_HANDLE] = "SELECT id, handle, display_name, image, role, deactivated_at FROM users WHERE handle = ?1",
	[Q_USER_BY_ID] = "SELECT id, handle, display_name, image, role, deactivated_at FROM users WHERE id = ?1",
	[Q_USER_BAN] = "UPDATE users SET deactivated_at = ?2, ban_reason = ?3 WHERE id = ?1",
	[Q_USER_BAN_SKILLS] = "UPDATE skills SET moderation_status = 1, moderation_reason = 'user.banned', "
			      "soft_deleted_at = coalesce(soft_deleted_at, ?2) WHERE owner_id = ?1",
	[Q_TOKEN_ADD] = "INSERT INTO api_tokens(user_id, label, prefix, token_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
	[Q_TOKEN_LOOKUP] = "SELECT t.revoked_at, u.id, u.handle, u.display_name, u.image, u.role, u.deactivated_at "
			   "FROM api_tokens t CROSS JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?1",
	[Q_TOKEN_REVOKE] = "UPDATE api_tokens SET revoked_at = ?3 WHERE prefix >= ?1 AND prefix < ?2 AND revoked_at IS NULL",
	[Q_SKILLS_BY_SLUG] = "SELECT " SKILL_COLS SKILL_FROM "WHERE s.slug = ?1 ORDER BY s.id LIMIT ?2",
	[Q_SKILL_BY_OWNER_SLUG] = "SELECT " LOOKUP_COLS SKILL_FROM "WHERE s.owner_id = ?1 AND s.slug = ?2",
	[Q_LOOKUP_BY_SLUG] = "SELECT " LOOKUP_COLS SKILL_FROM "WHERE s.slug = ?1 ORDER BY s.id LIMIT ?2",
	[Q_SKILL_BY_ID] = "SELECT " SKILL_COLS SKILL_FROM "WHERE s.id = ?1",
	[Q_SKILLS_BY_ALIAS] = "SELECT " LOOKUP_COLS " FROM skill_aliases a CROSS JOIN skills s ON s.id = a.skill_id "
			      "CROSS JOIN users u ON u.id = s.owner_id WHERE a.slug = ?1 LIMIT ?2",
	[Q_SKILL_BY_OWNER_ALIAS] = "SELECT " LOOKUP_COLS " FROM skill_aliases a CROSS JOIN skills s ON s.id = a.skill_id "
				   "CROSS JOIN users u ON u.id = s.owner_id WHERE a.owner_id = ?1 AND a.slug = ?2",
	[Q_ALIAS_ADD] = "INSERT INTO skill_aliases(owner_id, slug, skill_id, created_at) VALUES (?1, ?2, ?3, ?4) "
			"ON CONFLICT(owner_id, slug) DO UPDATE SET skill_id = excluded.skill_id, created_at = excluded.created_at",
	[Q_ALIAS_DEL] = "DELETE FROM skill_aliases WHERE owner_id = ?1 AND slug = ?2",
	[Q_ALIASES_REPOINT] = "UPDATE skill_aliases SET skill_id = ?2 WHERE skill_id = ?1",
	[Q_SKILL_RENAME] = "UPDATE skills SET slug = ?2, updated_at = ?3 WHERE id = ?1",
	[Q_SKILL_MERGED] = "UPDATE skills SET soft_deleted_at = ?2, moderation_status = 1, "
			   "moderation_reason = 'owner.merged' WHERE id = ?1",
	/* Search ranks a bounded window: the newest ?3 matches in rowid (creation) order, of which
	 * the best ?4 by bm25 are joined to their rows and filtered, so the cost does not grow
	 * with how many skills a common word matches (see sr_store_search). */
	[Q_SEARCH] = "SELECT " SKILL_COLS ", w.r FROM (SELECT id, r FROM (SELECT rowid AS id, rank AS r "
		     "FROM skill_search WHERE skill_search MATCH ?1 ORDER BY rowid DESC LIMIT ?3) ORDER BY r LIMIT ?4) w "
		     "CROSS JOIN skills s ON s.id = w.id CROSS JOIN users u ON u.id = s.owner_id "
		     "WHERE s.is_listed ORDER BY w.r LIMIT ?2",
	[Q_SEARCH_SHORT] = "SELECT " SKILL_COLS ", w.r FROM (SELECT id, r FROM (SELECT rowid AS id, rank AS r "
			   "FROM skill_search_short WHERE skill_search_short MATCH ?1 ORDER BY rowid DESC LIMIT ?3) "
			   "ORDER BY r LIMIT ?4) w "
			   "CROSS JOIN skills s ON s.id = w.id CROSS JOIN users u ON u.id = s.owner_id "
			   "WHERE s.is_listed ORDER BY w.r LIMIT ?2",
	/* Matches in the names are ordered by popularity, not bm25 (which costs tens of
	 * microseconds a match for a trigram phrase): the newest ?3 matches, no rank. */
	[Q_SEARCH_NAMES] = "SELECT " SKILL_COLS ", 0.0 FROM (SELECT rowid AS id FROM skill_search "
			   "WHERE skill_search MATCH ?1 ORDER BY rowid DESC LIMIT ?3) w "
			   "CROSS JOIN skills s ON s.id = w.id CROSS JOIN users u ON u.id = s.owner_id "
			   "WHERE s.is_listed LIMIT ?2",
	[Q_VERSION_GET] = "SELECT " VERSION_COLS " FROM skill_versions WHERE skill_id = ?1 AND version = ?2",
	[Q_VERSION_BY_ID] = "SELECT " VERSION_COLS " FROM skill_versions WHERE id = ?1",
	[Q_VERSIONS_FIRST] = "SELECT " VERSION_COLS " FROM skill_versions INDEXED BY ix_versions_skill_created "
			     "WHERE skill_id = ?1 AND soft_deleted_at IS NULL "
			     "ORDER BY created_at DESC, id DESC LIMIT ?2",
	[Q_VERSIONS_AFTER] = "SELECT " VERSION_COLS " FROM skill_versions INDEXED BY ix_versions_skill_created "
			     "WHERE skill_id = ?1 AND soft_deleted_at IS NULL AND (created_at, id) < (?3, ?4) "
			     "ORDER BY created_at DESC, id DESC LIMIT ?2",
	[Q_VERSIONS_ALL] = "SELECT " VERSION_COLS " FROM skill_versions INDEXED BY ux_versions_skill_version "
			   "WHERE skill_id = ?1 LIMIT ?2",
	[Q_VERSION_BY_FP] = "SELECT " VERSION_COLS " FROM skill_versions INDEXED BY ix_versions_skill_fp "
			    "WHERE skill_id = ?1 AND fingerprint = ?2 AND soft_deleted_at IS NULL "
			    "ORDER BY created_at DESC LIMIT 1",
	[Q_FILES] = "SELECT path, sha256, content_type, size, ord FROM version_files WHERE version_id = ?1 ORDER BY ord",
	[Q_FILE] = "SELECT path, sha256, content_type, size, ord FROM version_files WHERE version_id = ?1 AND path = ?2",
	[Q_COLD] = "SELECT frontmatter_json, metadata_json FROM version_cold WHERE version_id = ?1",
	[Q_SKILL_INSERT] = "INSERT INTO skills(owner_id, slug, display_name, summary, created_at, updated_at) "
			   "VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
	[Q_RESERVED_HOLDER] = "SELECT owner_id FROM reserved_slugs WHERE slug = ?1 AND expires_at > ?2 LIMIT 4",
	[Q_RESERVE] = "INSERT INTO reserved_slugs(slug, owner_id, expires_at) VALUES (?1, ?2, ?3) "
		      "ON CONFLICT(slug, owner_id) DO UPDATE SET expires_at = excluded.expires_at",
	[Q_UNRESERVE] = "DELETE FROM reserved_slugs WHERE slug = ?1 AND owner_id = ?2",
	[Q_VERSION_INSERT] = "INSERT INTO skill_versions(skill_id, version, fingerprint, changelog, changelog_source, "
			     "created_by, created_at, file_count, total_size, zip_sha256, zip_size) "
			     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[Q_FILE_INSERT] = "INSERT INTO version_files(version_id, path, size, sha256, content_type, ord) "
			  "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[Q_COLD_INSERT] = "INSERT INTO version_cold(version_id, frontmatter_json, metadata_json) VALUES (?1, ?2, ?3)",
	[Q_SET_LATEST] = "UPDATE skills SET (latest_version_id, latest_version, latest_created_at, latest_changelog, "
			 "latest_metadata) = (SELECT v.id, v.version, v.created_at, substr(v.changelog, 1, 2000), "
			 "c.metadata_json FROM skill_versions v LEFT JOIN version_cold c ON c.version_id = v.id "
			 "WHERE v.id = ?2) WHERE id = ?1",
	[Q_CLEAR_LATEST] = "UPDATE skills SET latest_version_id = NULL, latest_version = NULL, latest_created_at = NULL, "
			   "latest_changelog = NULL, latest_metadata = NULL WHERE id = ?1",
	[Q_SET_IDENTITY] = "UPDATE skills SET display_name = ?2, summary = ?3 WHERE id = ?1 "
			   "AND (display_name IS NOT ?2 OR summary IS NOT ?3)",
	[Q_TAG_SET] = "INSERT INTO skill_tags(skill_id, tag, version_id) VALUES (?1, ?2, ?3) "
		      "ON CONFLICT(skill_id, tag) DO UPDATE SET version_id = excluded.version_id",
	[Q_TAG_GET] = "SELECT version_id FROM skill_tags WHERE skill_id = ?1 AND tag = ?2",
	[Q_TAGS_JSON] = "UPDATE skills SET tags_json = (SELECT coalesce(json_group_object(t.tag, v.version), '{}') "
			"FROM skill_tags t CROSS JOIN skill_versions v ON v.id = t.version_id "
			"WHERE t.skill_id = ?1 AND v.soft_deleted_at IS NULL) WHERE id = ?1",
	[Q_TOUCH] = "UPDATE skills SET updated_at = ?2, stats_versions = stats_versions + ?3 WHERE id = ?1",
	[Q_FTS_DEL] = "DELETE FROM skill_search WHERE rowid = ?1",
	[Q_FTS_INS] = "INSERT INTO skill_search(rowid, slug, display_name, summary) VALUES (?1, ?2, ?3, ?4)",
	[Q_FTS_SHORT_DEL] = "DELETE FROM skill_search_short WHERE rowid = ?1",
	[Q_FTS_SHORT_INS] = "INSERT INTO skill_search_short(rowid, text) VALUES (?1, ?2)",
	/* Deletion is its own column: the moderation status stays what moderation made it. */
	[Q_SOFT_DELETE] = "UPDATE skills SET soft_deleted_at = ?2 WHERE id = ?1",
	[Q_UNDELETE] = "UPDATE skills SET soft_deleted_at = NULL, moderation_status = 0 WHERE id = ?1",
	[Q_SKILL_HIDE] = "UPDATE skills SET moderation_status = 1, moderation_reason = ?2 WHERE id = ?1",
	[Q_UNDELETE_OWNER] = "UPDATE skills SET soft_deleted_at = NULL WHERE id = ?1",
	[Q_TAGS_DROP_VERSION] = "DELETE FROM skill_tags WHERE skill_id = ?1 AND version_id = ?2 AND tag != 'latest'",
	[Q_VERSION_DEL] = "UPDATE skill_versions SET soft_deleted_at = ?2 WHERE id = ?1 AND soft_deleted_at IS NULL",
	[Q_VERSION_RESTORE] = "UPDATE skill_versions SET soft_deleted_at = NULL WHERE id = ?1 AND soft_deleted_at IS NOT NULL",
	[Q_AUDIT] = "INSERT INTO audit_log(actor_id, action, skill_id, detail, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
	[Q_STAR_INS] = "INSERT OR IGNORE INTO stars(skill_id, user_id, created_at) VALUES (?1, ?2, ?3)",
	[Q_STAR_DEL] = "DELETE FROM stars WHERE skill_id = ?1 AND user_id = ?2",
	[Q_STARS_ADJ] = "UPDATE skills SET stats_stars = max(0, stats_stars + ?2) WHERE id = ?1",
	[Q_DEDUPE_INS] = "INSERT OR IGNORE INTO download_dedupes(skill_id, identity, day) VALUES (?1, ?2, ?3)",
	[Q_EVENT_INS] = "INSERT INTO stat_events(skill_id, kind, day, occurred_at) VALUES (?1, ?2, ?3, ?4)",
	[Q_CURSOR_GET] = "SELECT last_event_id FROM stat_cursors WHERE name = ?1",
	[Q_EVENTS_AFTER] = "SELECT id, skill_id, kind, day FROM stat_events WHERE id > ?1 ORDER BY id LIMIT ?2",
	[Q_DAILY_UPSERT] = "INSERT INTO skill_daily_stats(skill_id, day, downloads, installs) VALUES (?1, ?2, ?3, ?4) "
			   "ON CONFLICT(skill_id, day) DO UPDATE SET downloads = downloads + excluded.downloads, "
			   "installs = installs + excluded.installs",
	[Q_COUNTERS_ADJ] = "UPDATE skills SET stats_downloads = stats_downloads + ?2, stats_installs = stats_installs + ?3 "
			   "WHERE id = ?1",
	[Q_CURSOR_SET] = "INSERT INTO stat_cursors(name, last_event_id) VALUES (?1, ?2) "
			 "ON CONFLICT(name) DO UPDATE SET last_event_id = excluded.last_event_id",
	[Q_TICKET_ADD] = "INSERT INTO upload_tickets(ticket, user_id, path, size, sha256, content_type, created_at, expires_at) "
			 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[Q_TICKET_GET] = "SELECT ticket, user_id, path, size, sha256, content_type, expires_at, uploaded_at, used_at "
			 "FROM upload_tickets WHERE ticket = ?1",
	[Q_TICKET_UPLOADED] = "UPDATE upload_tickets SET uploaded_at = ?2 WHERE ticket = ?1",
	[Q_TICKET_USED] = "UPDATE upload_tickets SET used_at = ?2 WHERE ticket = ?1 AND used_at IS NULL",
	/* The job batches read only index columns, so none of them touches a skills row: a
	 * moderation sweep or a recount costs 16 bytes a skill instead of the whole row. */
	[Q_MODERATION_PAGE] = "SELECT id, created_at FROM skills INDEXED BY ix_moderation "
			      "WHERE moderation_status = ?1 AND moderation_reason = ?2 AND (created_at, id) > (?3, ?4) "
			      "ORDER BY created_at, id LIMIT ?5",
	[Q_PUBLIC_IDS_PAGE] = "SELECT id, created_at FROM skills INDEXED BY ix_pub_created "
			      "WHERE is_public AND (created_at, id) > (?1, ?2) ORDER BY created_at, id LIMIT ?3",
	[Q_DAILY_PAGE] = "SELECT skill_id, installs, downloads FROM skill_daily_stats INDEXED BY ix_daily_day "
			 "WHERE day = ?1 AND skill_id > ?2 ORDER BY skill_id LIMIT ?3",
	[Q_SKILL_LISTED] = "SELECT is_listed FROM skills WHERE id = ?1",
	[Q_PUBLIC_COUNT] = "SELECT public_skills FROM global_stats WHERE id = 1",
	[Q_PUBLIC_COUNT_ADJ] = "UPDATE global_stats SET public_skills = public_skills + ?1, updated_at = ?2 WHERE id = 1",
	/* An owner's public skills, newest update first: one range of the partial index, so a
	 * page reads its rows plus one and never a deleted or hidden skill it would drop. */
	[Q_OWNER_FIRST] = "SELECT " SKILL_COLS " FROM skills s INDEXED BY ix_owner_pub_updated "
			  "CROSS JOIN users u ON u.id = s.owner_id WHERE s.owner_id = ?1 AND s.is_public "
			  "ORDER BY s.updated_at DESC, s.id DESC LIMIT ?2",
	[Q_OWNER_AFTER] = "SELECT " SKILL_COLS " FROM skills s INDEXED BY ix_owner_pub_updated "
			  "CROSS JOIN users u ON u.id = s.owner_id WHERE s.owner_id = ?1 AND s.is_public "
			  "AND (s.updated_at, s.id) < (?3, ?4) ORDER BY s.updated_at DESC, s.id DESC LIMIT ?2",
	[Q_TRENDING_LATEST] = "SELECT id, computed_at, day, entries FROM trending_snapshots WHERE id > 0 ORDER BY id DESC LIMIT 1",
	[Q_TRENDING_SNAPSHOT] = "SELECT id, computed_at, day, entries FROM trending_snapshots WHERE id = ?1",
	/* The oldest snapshot to keep: the keep-th newest. "id > 0" makes the plan a rowid range
	 * (read backwards) instead of a SCAN; ids start at 1. */
	[Q_TRENDING_KEPT] = "SELECT id FROM trending_snapshots WHERE id > 0 ORDER BY id DESC LIMIT 1 OFFSET ?1",
	[Q_TRENDING_SNAP_INS] = "INSERT INTO trending_snapshots(computed_at, day, entries) VALUES (?1, ?2, ?3)",
	[Q_TRENDING_ENTRY_INS] = "INSERT INTO trending_entries(snapshot_id, rank, skill_id, installs, downloads) "
				 "VALUES (?1, ?2, ?3, ?4, ?5)",
	[Q_TRENDING_ENTRIES_DEL] = "DELETE FROM trending_entries WHERE snapshot_id < ?1",
	[Q_TRENDING_SNAPS_DEL] = "DELETE FROM trending_snapshots WHERE id < ?1",
	[Q_TRENDING_PAGE] = "SELECT " SKILL_COLS ", e.rank, e.installs, e.downloads FROM trending_entries e "
			    "CROSS JOIN skills s ON s.id = e.skill_id CROSS JOIN users u ON u.id = s.owner_id "
			    "WHERE e.snapshot_id = ?1 AND e.rank > ?2 ORDER BY e.rank LIMIT ?3",
	[Q_BF_STATE_GET] = "SELECT last_id, pass, started_at, finished_at, scanned, changed FROM backfill_state "
			   "WHERE name = ?1",
	[Q_BF_STATE_PUT] = "INSERT INTO backfill_state(name, last_id, pass, started_at, finished_at, scanned, changed) "
			   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(name) DO UPDATE SET last_id = excluded.last_id, "
			   "pass = excluded.pass, started_at = excluded.started_at, finished_at = excluded.finished_at, "
			   "scanned = excluded.scanned, changed = excluded.changed",
	/* "id > 0" makes it a rowid range read backwards, one row (as Q_TRENDING_LATEST). */
	[Q_BF_MAX_ID] = "SELECT id FROM skills WHERE id > 0 ORDER BY id DESC LIMIT 1",
	/* Whether each row's latest-version summary is what Q_SET_LATEST would write from the
	 * version latest_version_id points to: the comparison runs inside SQLite, so a batch
	 * hands back two integers a skill and never skips a row that already has a value. */
	[Q_BF_SUMMARY_PAGE] = "SELECT s.id, s.latest_version_id, (s.latest_version_id IS NOT v.id "
			      "OR s.latest_version IS NOT v.version OR s.latest_created_at IS NOT v.created_at "
			      "OR s.latest_changelog IS NOT substr(v.changelog, 1, 2000) "
			      "OR s.latest_metadata IS NOT c.metadata_json) "
			      "FROM skills s LEFT JOIN skill_versions v ON v.id = s.latest_version_id "
			      "LEFT JOIN version_cold c ON c.version_id = v.id "
			      "WHERE s.id > ?1 ORDER BY s.id LIMIT ?2",
	/* Each counter beside its recount from the rows it counts: folded downloads and installs
	 * from the daily stats (the fold writes both in one transaction), stars from stars rows,
	 * versions from the live versions. */
	[Q_BF_COUNTERS_PAGE] = "SELECT s.id, s.stats_downloads, s.stats_installs, s.stats_stars, s.stats_versions, "
			       "(SELECT coalesce(sum(d.downloads), 0) FROM skill_daily_stats d WHERE d.skill_id = s.id), "
			       "(SELECT coalesce(sum(d.installs), 0) FROM skill_daily_stats d WHERE d.skill_id = s.id), "
			       "(SELECT count(*) FROM stars t WHERE t.skill_id = s.id), "
			       "(SELECT count(*) FROM skill_versions v INDEXED BY ix_versions_skill_created "
			       "WHERE v.skill_id = s.id AND v.soft_deleted_at IS NULL) "
			       "FROM skills s WHERE s.id > ?1 ORDER BY s.id LIMIT ?2",
	[Q_BF_COUNTERS_SET] = "UPDATE skills SET stats_downloads = ?2, stats_installs = ?3, stats_stars = ?4, "
			      "stats_versions = ?5 WHERE id = ?1",
	/* ?3 (the version's skill) only names the skill for the cache effects below. */
	[Q_VERSION_SCAN_REQUEST] = "UPDATE skill_versions SET scan_state = 1, scan_requested_at = ?2 WHERE id = ?1 AND skill_id = ?3",
	/* Only an active skill waits visibly for its scan: a hide by staff or by reports keeps
	 * its reason (and with it the owner's 403 text) through later publishes. */
	[Q_SKILL_MARK_PENDING] = "UPDATE skills SET moderation_reason = 'pending.scan' WHERE id = ?1 AND moderation_status = 0",
	[Q_SCAN_QUEUE] = "SELECT id, scan_requested_at FROM skill_versions INDEXED BY ix_versions_scan_queue "
			 "WHERE scan_state = 1 AND (scan_requested_at, id) > (?1, ?2) ORDER BY scan_requested_at, id LIMIT ?3",
	[Q_VERSION_SCAN_GET] = "SELECT id, skill_id, version, zip_sha256, scan_state, scan_verdict, scan_requested_at, "
			       "scanned_at, soft_deleted_at FROM skill_versions WHERE id = ?1",
	/* A rescan requested while the scan ran moved scan_requested_at: the version then stays
	 * pending and is scanned again. */
	[Q_VERSION_SCAN_FINISH] = "UPDATE skill_versions SET scan_state = ?2, scan_verdict = ?3, scanned_at = ?4 "
				  "WHERE id = ?1 AND scan_requested_at IS ?5 AND skill_id = ?6",
	[Q_SCAN_RESULT_PUT] = "INSERT INTO scan_results(version_id, source, status, verdict, checked_at, engine, summary) "
			      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(version_id, source) DO UPDATE SET "
			      "status = excluded.status, verdict = excluded.verdict, checked_at = excluded.checked_at, "
			      "engine = excluded.engine, summary = excluded.summary",
	[Q_SCAN_RESULTS] = "SELECT source, status, verdict, checked_at, engine, summary FROM scan_results WHERE version_id = ?1 "
			   "ORDER BY source LIMIT 8",
	[Q_SCAN_FINDINGS_DEL] = "DELETE FROM scan_findings WHERE version_id = ?1 AND source = ?2",
	[Q_SCAN_FINDING_INS] = "INSERT INTO scan_findings(version_id, source, ord, rule_id, severity, title, path, line, excerpt) "
			       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[Q_SCAN_FINDINGS] = "SELECT source, ord, rule_id, severity, title, path, line, excerpt FROM scan_findings "
			    "WHERE version_id = ?1 ORDER BY source, ord LIMIT ?2",
	[Q_SCAN_HOLD_PUT] = "INSERT INTO scan_holds(skill_id, source, verdict, version_id, updated_at) VALUES (?1, ?2, ?3, ?4, ?5) "
			    "ON CONFLICT(skill_id, source) DO UPDATE SET verdict = excluded.verdict, "
			    "version_id = excluded.version_id, updated_at = excluded.updated_at",
	[Q_SCAN_HOLDS] = "SELECT source, verdict FROM scan_holds WHERE skill_id = ?1 ORDER BY source LIMIT 8",
	[Q_SKILL_MODERATE] = "UPDATE skills SET moderation_status = ?2, moderation_reason = ?3, moderation_flags = ?4, "
			     "moderation_verdict = ?5 WHERE id = ?1",
	[Q_REPORT_INS] = "INSERT OR IGNORE INTO skill_reports(skill_id, user_id, version, reason, created_at) "
			 "VALUES (?1, ?2, ?3, ?4, ?5)",
	[Q_REPORT_GET] = "SELECT id FROM skill_reports WHERE skill_id = ?1 AND user_id = ?2",
	[Q_REPORTS_BUMP] = "UPDATE skills SET stats_reports = stats_reports + 1 WHERE id = ?1 RETURNING stats_reports",
	[Q_REPORTS_COUNT] = "SELECT stats_reports FROM skills WHERE id = ?1",
	[Q_REPORTS_RESET] = "UPDATE skills SET stats_reports = 0 WHERE id = ?1",
	[Q_USER_ROLE] = "UPDATE users SET role = ?2 WHERE id = ?1",
	/* The moderation jobs' batches: one equality range of ix_moderation in creation order,
	 * each skill joined by primary key to its latest version's scan state, which is what
	 * the jobs then filter on. */
	[Q_MOD_QUEUE_PAGE] = "SELECT s.id, s.created_at, s.latest_version_id, v.scan_state, v.scan_requested_at "
			     "FROM skills s INDEXED BY ix_moderation LEFT JOIN skill_versions v ON v.id = s.latest_version_id "
			     "WHERE s.moderation_status = ?1 AND s.moderation_reason = ?2 AND (s.created_at, s.id) > (?3, ?4) "
			     "ORDER BY s.created_at, s.id LIMIT ?5",
	[Q_SKILL_IDS_PAGE] = "SELECT id, latest_version_id FROM skills WHERE id > ?1 ORDER BY id LIMIT ?2",
};

/*
 * What each write statement can change in the answers anonymous GETs are cached as
 * (store/gen.h). A write statement missing from this table counts as E_WIDE and makes every
 * cached answer miss once, so a forgotten entry costs hits, never a stale answer.
 *   E_NONE   nothing a cached answer shows (accounts, tickets, raw events, the audit log)
 *   E_LISTS  lists and search only (search index rows, daily stats behind trending)
 *   E_SKILL  one skill: parameter `id` is its id and/or parameter `slug` a slug whose
 *            lookups change (0: none)
 */
enum { E_WIDE = 0, E_NONE, E_LISTS, E_SKILL };
static const struct {
	unsigned char kind, id, slug;
} effects[Q_FIXED_COUNT] = {
	/* A publisher page (web) answers 404 until its user exists, and shows a ban. */
	[Q_USER_ADD] = {E_LISTS, 0, 0},
	[Q_USER_BAN] = {E_LISTS, 0, 0},
	[Q_TOKEN_ADD] = {E_NONE, 0, 0},
	[Q_TOKEN_REVOKE] = {E_NONE, 0, 0},
	[Q_ALIAS_ADD] = {E_SKILL, 3, 2},
	[Q_ALIAS_DEL] = {E_SKILL, 0, 2},
	[Q_ALIASES_REPOINT] = {E_SKILL, 1, 0},
	[Q_SKILL_RENAME] = {E_SKILL, 1, 2},
	[Q_SKILL_MERGED] = {E_SKILL, 1, 0},
	[Q_SKILL_INSERT] = {E_SKILL, 0, 2},
	[Q_RESERVE] = {E_NONE, 0, 0},
	[Q_UNRESERVE] = {E_NONE, 0, 0},
	[Q_VERSION_INSERT] = {E_SKILL, 1, 0},
	[Q_FILE_INSERT] = {E_LISTS, 0, 0},
	[Q_COLD_INSERT] = {E_LISTS, 0, 0},
	[Q_SET_LATEST] = {E_SKILL, 1, 0},
	[Q_CLEAR_LATEST] = {E_SKILL, 1, 0},
	[Q_SET_IDENTITY] = {E_SKILL, 1, 0},
	[Q_TAG_SET] = {E_SKILL, 1, 0},
	[Q_TAGS_JSON] = {E_SKILL, 1, 0},
	[Q_TOUCH] = {E_SKILL, 1, 0},
	[Q_FTS_DEL] = {E_LISTS, 0, 0},
	[Q_FTS_INS] = {E_LISTS, 0, 0},
	[Q_FTS_SHORT_DEL] = {E_LISTS, 0, 0},
	[Q_FTS_SHORT_INS] = {E_LISTS, 0, 0},
	[Q_SOFT_DELETE] = {E_SKILL, 1, 0},
	[Q_UNDELETE] = {E_SKILL, 1, 0},
	[Q_SKILL_HIDE] = {E_SKILL, 1, 0},
	[Q_UNDELETE_OWNER] = {E_SKILL, 1, 0},
	[Q_TAGS_DROP_VERSION] = {E_SKILL, 1, 0},
	[Q_AUDIT] = {E_NONE, 0, 0},
	[Q_STAR_INS] = {E_NONE, 0, 0},
	[Q_STAR_DEL] = {E_NONE, 0, 0},
	[Q_STARS_ADJ] = {E_SKILL, 1, 0},
	[Q_DEDUPE_INS] = {E_NONE, 0, 0},
	[Q_EVENT_INS] = {E_NONE, 0, 0},
	[Q_DAILY_UPSERT] = {E_LISTS, 0, 0},
	[Q_COUNTERS_ADJ] = {E_SKILL, 1, 0},
	[Q_CURSOR_SET] = {E_NONE, 0, 0},
	[Q_TICKET_ADD] = {E_NONE, 0, 0},
	[Q_TICKET_UPLOADED] = {E_NONE, 0, 0},
	[Q_TICKET_USED] = {E_NONE, 0, 0},
	/* A new leaderboard changes trending lists, and nothing a detail shows. */
	[Q_TRENDING_SNAP_INS] = {E_LISTS, 0, 0},
	[Q_TRENDING_ENTRY_INS] = {E_LISTS, 0, 0},
	[Q_TRENDING_ENTRIES_DEL] = {E_LISTS, 0, 0},
	[Q_TRENDING_SNAPS_DEL] = {E_LISTS, 0, 0},
	[Q_BF_STATE_PUT] = {E_NONE, 0, 0},
	[Q_BF_COUNTERS_SET] = {E_SKILL, 1, 0},
	/* A version's scan state, results and findings show only on the version route and the
	 * moderation route, which are never cached; reports and roles show nowhere cached. */
	/* The web site's skill page shows the shown version's scan state and findings, so the
	 * request and the end of a scan (whose transaction also writes the results and
	 * findings) move that skill's answers. */
	[Q_VERSION_SCAN_REQUEST] = {E_SKILL, 3, 0},
	[Q_VERSION_SCAN_FINISH] = {E_SKILL, 6, 0},
	[Q_SCAN_RESULT_PUT] = {E_NONE, 0, 0},
	[Q_SCAN_FINDINGS_DEL] = {E_NONE, 0, 0},
	[Q_SCAN_FINDING_INS] = {E_NONE, 0, 0},
	[Q_SCAN_HOLD_PUT] = {E_NONE, 0, 0},
	[Q_REPORT_INS] = {E_NONE, 0, 0},
	[Q_REPORTS_BUMP] = {E_NONE, 0, 0},
	[Q_REPORTS_RESET] = {E_NONE, 0, 0},
	[Q_USER_ROLE] = {E_NONE, 0, 0},
	/* The skill's moderation columns decide its lists, search, and its detail. */
	[Q_SKILL_MARK_PENDING] = {E_SKILL, 1, 0},
	[Q_SKILL_MODERATE] = {E_SKILL, 1, 0},
	[Q_PUBLIC_COUNT_ADJ] = {E_LISTS, 0, 0},
};

/*
 * List statements are generated: one per sort x filter x direction x (first page or after a
 * cursor) x (with or without a slug prefix). Each names its partial index with INDEXED BY, so
 * a change that makes the index unusable fails at prepare time instead of becoming a scan.
 */
#define LIST_VARIANTS (SR_SORT_COUNT * SR_FILTER_COUNT * 2 * 2 * 2)
#define Q_TOTAL (Q_FIXED_COUNT + LIST_VARIANTS)

static char *list_sql[LIST_VARIANTS];
static pthread_once_t list_once = PTHREAD_ONCE_INIT;

static const struct {
	const char *index; /* suffix of ix_list_* / ix_pub_* */
	const char *k1, *k2; /* k2 NULL for two-column keys */
	int text;
} sort_keys[SR_SORT_COUNT] = {
	[SR_SORT_UPDATED] = {"updated", "updated_at", NULL, 0},
	[SR_SORT_CREATED] = {"created", "created_at", NULL, 0},
	[SR_SORT_NAME] = {"name", "slug", NULL, 1},
	[SR_SORT_DOWNLOADS] = {"downloads", "stats_downloads", "updated_at", 0},
	[SR_SORT_STARS] = {"stars", "stats_stars", "updated_at", 0},
	[SR_SORT_INSTALLS] = {"installs", "stats_installs", "updated_at", 0},
};

static int list_index(int sort, int filter, int desc, int after, int prefix)
{
	return ((((sort * SR_FILTER_COUNT + filter) * 2 + desc) * 2 + after) * 2) + prefix;
}

static void build_list_sql(void)
{
	for (int sort = 0; sort < SR_SORT_COUNT; sort++)
		for (int filter = 0; filter < SR_FILTER_COUNT; filter++)
			for (int desc = 0; desc < 2; desc++)
				for (int after = 0; after < 2; after++)
					for (int prefix = 0; prefix < 2; prefix++) {
		/* Prefix listing exists only for the name sort; other slots stay empty. */
		if (prefix && sort != SR_SORT_NAME)
			continue;
		const char *k1 = sort_keys[sort].k1, *k2 = sort_keys[sort].k2;
		const char *dir = desc ? "DESC" : "ASC";
		const char *cmp = desc ? "<" : ">";
		sr_buf b;
		sr_buf_init(&b, 4096);
		sr_buf_printf(&b, "SELECT " SKILL_COLS " FROM skills s INDEXED BY ix_%s_%s "
			      "CROSS JOIN users u ON u.id = s.owner_id WHERE s.%s",
			      filter == SR_FILTER_LISTED ? "list" : "pub", sort_keys[sort].index,
			      filter == SR_FILTER_LISTED ? "is_listed" : "is_public");
		if (prefix)
			sr_buf_puts(&b, " AND s.slug >= ?5 AND s.slug < ?6");
		if (after) {
			if (k2)
				sr_buf_printf(&b, " AND (s.%s, s.%s, s.id) %s (?1, ?2, ?3)", k1, k2, cmp);
			else
				sr_buf_printf(&b, " AND (s.%s, s.id) %s (?1, ?3)", k1, cmp);
		}
		if (k2)
			sr_buf_printf(&b, " ORDER BY s.%s %s, s.%s %s, s.id %s", k1, dir, k2, dir, dir);
		else
			sr_buf_printf(&b, " ORDER BY s.%s %s, s.id %s", k1, dir, dir);
		sr_buf_puts(&b, " LIMIT ?4");
		list_sql[list_index(sort, filter, desc, after, prefix)] = sr_buf_steal(&b, NULL);
	}
}

int sr_store_statement_count(void)
{
	return Q_TOTAL;
}

const char *sr_store_statement_sql(int i)
{
	pthread_once(&list_once, build_list_sql);
	if (i < 0 || i >= Q_TOTAL)
		return NULL;
	return i < Q_FIXED_COUNT ? fixed_sql[i] : list_sql[i - Q_FIXED_COUNT];
}

#define COLTAB_MAX 32  /* columns attributed to their table; later ones go to the first's */
#define TOUCH_MAX 64   /* generation slots one transaction bumps before it counts as wide */

struct sr_store {
	sqlite3 *db;
	sqlite3_stmt *stmts[Q_TOTAL];
	unsigned char coltab[Q_TOTAL][COLTAB_MAX]; /* sr_table of each result column */
	int cur;       /* the statement stmt() handed out last */
	sr_reads *reads;
	sr_reads scratch;
	int read_want; /* a request asked for one read snapshot (sr_store_read_begin) */
	int read_txn;  /* and its first statement has opened it */
	sqlite3_stmt *begin_read, *commit_read;
	sr_gens *gens;
	/* What the open transaction's writes will bump once it commits. */
	struct {
		int dirty, wide, n;
		int slot[TOUCH_MAX];
	} touch;
	char err[256];
};

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
};

const char *sr_table_name(int t)
{
	return t >= 0 && t < SR_T_COUNT ? table_names[t] : "other";
}

static int table_of(const char *name)
{
	if (name)
		for (int t = 1; t < SR_T_COUNT; t++)
			if (strcmp(name, table_names[t]) == 0)
				return t;
	return SR_T_OTHER;
}

struct sr_gens *sr_store_gens(sr_store *s)
{
	return s->gens;
}

void sr_store_page_stats(sr_store *s, int64_t *hits, int64_t *misses)
{
	int cur = 0, hi = 0;
	sqlite3_db_status(s->db, SQLITE_DBSTATUS_CACHE_HIT, &cur, &hi, 1);
	*hits = cur;
	sqlite3_db_status(s->db, SQLITE_DBSTATUS_CACHE_MISS, &cur, &hi, 1);
	*misses = cur;
}

static void touch_clear(sr_store *s)
{
	s->touch.dirty = s->touch.wide = s->touch.n = 0;
}

static void touch_slot(sr_store *s, int slot)
{
	for (int i = 0; i < s->touch.n; i++)
		if (s->touch.slot[i] == slot)
			return;
	if (s->touch.n == TOUCH_MAX)
		s->touch.wide = 1;
	else
		s->touch.slot[s->touch.n++] = slot;
}

/* Bumps what the committed writes touched: the catalog first, then the buckets, the order
 * the cache's fill check relies on (src/http/cache.c). */
static void touch_apply(sr_store *s)
{
	if (s->touch.dirty) {
		sr_gens_bump(s->gens, SR_GEN_CATALOG);
		if (s->touch.wide)
			sr_gens_bump(s->gens, SR_GEN_DETAILS);
		else
			for (int i = 0; i < s->touch.n; i++)
				sr_gens_bump(s->gens, s->touch.slot[i]);
	}
	touch_clear(s);
}

/* Parameter k (1-based) of a bind format and its arguments: an integer or a string. */
static void bind_arg(const char *fmt, va_list ap, int k, int64_t *num, const char **text)
{
	*num = 0;
	*text = NULL;
	for (int i = 1; fmt[i - 1]; i++) {
		int64_t v = 0;
		const char *t = NULL;
		switch (fmt[i - 1]) {
		case 'I': case 'n': v = va_arg(ap, int64_t); break;
		case 'i': case 'N': v = va_arg(ap, int); break;
		case 't': t = va_arg(ap, const char *); break;
		}
		if (i == k) {
			*num = v;
			*text = t;
			return;
		}
	}
}

/* Records that write statement q is about to run: what kind of answers it can change. */
static void note_write(sr_store *s, int q)
{
	int kind = q < Q_FIXED_COUNT ? effects[q].kind : E_WIDE;
	if (kind == E_NONE)
		return;
	s->touch.dirty = 1;
	if (kind == E_WIDE)
		s->touch.wide = 1;
}

/* Records which skill an E_SKILL statement changes, from its bound parameters. Statements
 * bound by hand (the fold) call touch_slot themselves. */
static void note_params(sr_store *s, int q, const char *fmt, va_list ap)
{
	if (q >= Q_FIXED_COUNT || effects[q].kind != E_SKILL)
		return;
	int64_t num;
	const char *text;
	va_list cp;
	if (effects[q].id) {
		va_copy(cp, ap);
		bind_arg(fmt, cp, effects[q].id, &num, &text);
		va_end(cp);
		touch_slot(s, sr_gens_slot_id(num));
	}
	if (effects[q].slug) {
		va_copy(cp, ap);
		bind_arg(fmt, cp, effects[q].slug, &num, &text);
		va_end(cp);
		if (text)
			touch_slot(s, sr_gens_slot_slug(text));
	}
}

void sr_reads_init(sr_reads *r)
{
	memset(r, 0, sizeof(*r));
	r->max_rows = SR_READS_DEFAULT_ROWS;
	r->max_bytes = SR_READS_DEFAULT_BYTES;
	r->max_ranges = SR_READS_DEFAULT_RANGES;
}

void sr_store_budget_begin(sr_store *s, sr_budget *b)
{
	b->prev = s->reads;
	sr_reads_init(&b->reads);
	s->reads = &b->reads;
}

void sr_store_budget_end(sr_store *s, sr_budget *b, sr_reads *sum)
{
	s->reads = b->prev;
	if (sum)
		sr_reads_add(sum, &b->reads);
}

void sr_reads_add(sr_reads *dst, const sr_reads *src)
{
	dst->rows += src->rows;
	dst->bytes += src->bytes;
	dst->ranges += src->ranges;
	dst->db_ns += src->db_ns;
	dst->errors += src->errors;
	for (int t = 0; t < SR_T_COUNT; t++) {
		dst->table_rows[t] += src->table_rows[t];
		dst->table_bytes[t] += src->table_bytes[t];
	}
}

static int db_fail(sr_store *s, const char *what)
{
	s->reads->errors++;
	snprintf(s->err, sizeof(s->err), "%s: %s", what, sqlite3_errmsg(s->db));
	sr_log_error("db: %s", s->err);
	return SR_EDB;
}

const char *sr_store_errmsg(sr_store *s)
{
	return s->err;
}

/* Process-wide settings for connections opened from now on. */
static _Atomic int64_t tune_cache_kib = SR_STORE_DEFAULT_CACHE_KIB;
static _Atomic int64_t tune_mmap_bytes = SR_STORE_DEFAULT_MMAP_BYTES;

void sr_store_tune(int64_t cache_kib, int64_t mmap_bytes)
{
	if (cache_kib >= 0)
		atomic_store(&tune_cache_kib, cache_kib);
	if (mmap_bytes >= 0)
		atomic_store(&tune_mmap_bytes, mmap_bytes);
}

int sr_store_open(const char *path, sr_store **out)
{
	sr_store *s = calloc(1, sizeof(*s));
	if (!s)
		return SR_ENOMEM;
	sr_reads_init(&s->scratch);
	s->reads = &s->scratch;
	int rc = sqlite3_open_v2(path, &s->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		sr_log_error("cannot open db %s: %s", path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
		sqlite3_close(s->db);
		free(s);
		return SR_EDB;
	}
	if (sr_gens_open(path, &s->gens)) {
		sqlite3_close(s->db);
		free(s);
		return SR_EIO;
	}
	sqlite3_busy_timeout(s->db, 5000);
	/* WAL lets readers run beside the one writer; NORMAL sync is durable across a process
	 * crash and loses at most the last transactions on power loss. The page cache and the
	 * memory map are sr_store_tune's (BENCHMARKS.md has the measurement behind the
	 * defaults). */
	char pragmas[512];
	snprintf(pragmas, sizeof(pragmas),
		 "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF; "
		 "PRAGMA mmap_size=%lld; PRAGMA cache_size=-%lld; PRAGMA temp_store=MEMORY;",
		 (long long)atomic_load(&tune_mmap_bytes), (long long)atomic_load(&tune_cache_kib));
	if (sqlite3_exec(s->db, pragmas, NULL, NULL, NULL) != SQLITE_OK) {
		db_fail(s, "pragmas");
		sr_store_close(s);
		return SR_EDB;
	}
	*out = s;
	return 0;
}

void sr_store_close(sr_store *s)
{
	if (!s)
		return;
	for (int i = 0; i < Q_TOTAL; i++)
		sqlite3_finalize(s->stmts[i]);
	sqlite3_finalize(s->begin_read);
	sqlite3_finalize(s->commit_read);
	sqlite3_close(s->db);
	sr_gens_close(s->gens);
	free(s);
}

void sr_store_set_reads(sr_store *s, sr_reads *r)
{
	s->reads = r ? r : &s->scratch;
	if (!r)
		sr_reads_init(&s->scratch);
}

sr_reads *sr_store_get_reads(sr_store *s)
{
	return s->reads;
}

int sr_store_migrate(sr_store *s)
{
	if (sqlite3_exec(s->db, "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, "
				"applied_at INTEGER NOT NULL)", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(s, "create schema_migrations");
	size_t n = sizeof(sr__migrations_sqlite) / sizeof(sr__migrations_sqlite[0]);
	for (size_t i = 0; i < n; i++) {
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM schema_migrations WHERE name = ?1", -1, &st,
				       NULL) != SQLITE_OK)
			return db_fail(s, "prepare migration check");
		sqlite3_bind_text(st, 1, sr__migrations_sqlite[i].name, -1, SQLITE_STATIC);
		int done = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
		if (done)
			continue;
		if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			return db_fail(s, "begin migration");
		if (sqlite3_exec(s->db, sr__migrations_sqlite[i].sql, NULL, NULL, NULL) != SQLITE_OK) {
			int rc = db_fail(s, sr__migrations_sqlite[i].name);
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return rc;
		}
		char ins[256];
		snprintf(ins, sizeof(ins), "INSERT INTO schema_migrations VALUES ('%s', %lld)",
			 sr__migrations_sqlite[i].name, (long long)sr_now_ms());
		if (sqlite3_exec(s->db, ins, NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			int rc = db_fail(s, "record migration");
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return rc;
		}
		sr_log_info("applied migration %s", sr__migrations_sqlite[i].name);
	}
	return 0;
}

static int open_read(sr_store *s);

/* Returns the cached statement q, reset and with its bindings cleared. */
static sqlite3_stmt *stmt(sr_store *s, int q)
{
	if (s->read_want && open_read(s))
		return NULL;
	sqlite3_stmt *st = s->stmts[q];
	if (!st) {
		const char *sql = sr_store_statement_sql(q);
		if (!sql)
			return NULL;
		if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
			db_fail(s, "prepare");
			sr_log_error("db: statement was: %s", sql);
			return NULL;
		}
		s->stmts[q] = st;
		int n = sqlite3_column_count(st);
		for (int c = 0; c < n && c < COLTAB_MAX; c++)
			s->coltab[q][c] = (unsigned char)table_of(sqlite3_column_table_name(st, c));
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	s->reads->ranges++;
	s->cur = q;
	if (!sqlite3_stmt_readonly(st))
		note_write(s, q);
	return st;
}

/* The catalogue number of a prepared statement: nearly always the one handed out last. */
static int stmt_index(sr_store *s, sqlite3_stmt *st)
{
	if (s->stmts[s->cur] == st)
		return s->cur;
	for (int q = 0; q < Q_TOTAL; q++)
		if (s->stmts[q] == st)
			return q;
	return -1;
}

/* Steps a statement and accounts what it returned. SQLITE_ROW, SQLITE_DONE, or a negative
 * SR_E* code (the statement is then reset). */
static int step(sr_store *s, sqlite3_stmt *st)
{
	int64_t t0 = sr_mono_ns();
	int rc = sqlite3_step(st);
	sr_reads *r = s->reads;
	r->db_ns += sr_mono_ns() - t0;
	if (rc == SQLITE_ROW) {
		int q = stmt_index(s, st);
		const unsigned char *tab = q >= 0 ? s->coltab[q] : NULL;
		int n = sqlite3_column_count(st);
		int first = tab ? tab[0] : SR_T_OTHER;
		r->rows++;
		r->table_rows[first]++;
		for (int i = 0; i < n; i++) {
			int64_t b;
			switch (sqlite3_column_type(st, i)) {
			case SQLITE_INTEGER:
			case SQLITE_FLOAT: b = 8; break;
			case SQLITE_NULL: b = 0; break;
			default: b = sqlite3_column_bytes(st, i); break;
			}
			r->bytes += b;
			r->table_bytes[tab && i < COLTAB_MAX ? tab[i] : first] += b;
		}
		if (r->rows > r->max_rows)
			r->exceeded = 'r';
		else if (r->bytes > r->max_bytes)
			r->exceeded = 'b';
		else if (r->ranges > r->max_ranges)
			r->exceeded = 'g';
		if (r->exceeded) {
			sqlite3_reset(st);
			return SR_ELIMIT;
		}
		return SQLITE_ROW;
	}
	if (rc == SQLITE_DONE) {
		/* A write outside a transaction has committed by now. */
		if (s->touch.dirty && sqlite3_get_autocommit(s->db))
			touch_apply(s);
		return SQLITE_DONE;
	}
	if (rc == SQLITE_CONSTRAINT) {
		snprintf(s->err, sizeof(s->err), "%s", sqlite3_errmsg(s->db));
		sqlite3_reset(st);
		return SR_EEXIST;
	}
	db_fail(s, "step");
	sqlite3_reset(st);
	return SR_EDB;
}

/* One integer column of a one-row statement into *out; SR_ENOTFOUND when no row. */
static int one_int64(sr_store *s, sqlite3_stmt *st, int64_t *out)
{
	if (!st)
		return SR_EDB;
	int rc = step(s, st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		return 0;
	}
	return rc == SQLITE_DONE ? SR_ENOTFOUND : rc;
}

/* Runs a statement that returns no rows. */
static int exec_stmt(sr_store *s, sqlite3_stmt *st)
{
	int rc = step(s, st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
		sqlite3_reset(st);
		return 0;
	}
	return rc;
}

/* An integer column, -1 when it is NULL (verdicts, changelog sources). */
static int col_int_or_null(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? -1 : sqlite3_column_int(st, i);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static void copy_text(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/*
 * Binds a statement's parameters from a format, one letter per parameter in order:
 *   I int64_t    i int    t text (NULL binds NULL)
 *   n int64_t, 0 binds NULL    N int, negative binds NULL
 */
static void bindv(sqlite3_stmt *st, const char *fmt, va_list ap)
{
	for (int i = 1; *fmt; fmt++, i++) {
		switch (*fmt) {
		case 'I': sqlite3_bind_int64(st, i, va_arg(ap, int64_t)); break;
		case 'i': sqlite3_bind_int(st, i, va_arg(ap, int)); break;
		case 't': bind_text(st, i, va_arg(ap, const char *)); break;
		case 'n': {
			int64_t v = va_arg(ap, int64_t);
			if (v)
				sqlite3_bind_int64(st, i, v);
			break;
		}
		case 'N': {
			int v = va_arg(ap, int);
			if (v >= 0)
				sqlite3_bind_int(st, i, v);
			break;
		}
		}
	}
}

/* The cached statement q with its parameters bound, or NULL when it cannot be prepared. */
static sqlite3_stmt *query(sr_store *s, int q, const char *fmt, ...)
{
	sqlite3_stmt *st = stmt(s, q);
	if (!st)
		return NULL;
	va_list ap;
	va_start(ap, fmt);
	note_params(s, q, fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	bindv(st, fmt, ap);
	va_end(ap);
	return st;
}

/* Runs statement q, which returns no rows, with its parameters bound. */
static int run(sr_store *s, int q, const char *fmt, ...)
{
	sqlite3_stmt *st = stmt(s, q);
	if (!st)
		return SR_EDB;
	va_list ap;
	va_start(ap, fmt);
	note_params(s, q, fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	bindv(st, fmt, ap);
	va_end(ap);
	return exec_stmt(s, st);
}

int sr_store_read_begin(sr_store *s)
{
	/* The snapshot opens with the request's first statement (open_read), so a request
	 * answered without the database, a cache hit, costs no transaction at all. */
	s->read_want = 1;
	return 0;
}

static int open_read(sr_store *s)
{
	s->read_want = 0;
	if (!sqlite3_get_autocommit(s->db))
		return 0;
	if (!s->begin_read &&
	    sqlite3_prepare_v3(s->db, "BEGIN", -1, SQLITE_PREPARE_PERSISTENT, &s->begin_read, NULL) != SQLITE_OK)
		return db_fail(s, "prepare begin");
	int rc = sqlite3_step(s->begin_read);
	sqlite3_reset(s->begin_read);
	if (rc != SQLITE_DONE)
		return db_fail(s, "begin read");
	s->read_txn = 1;
	return 0;
}

void sr_store_read_end(sr_store *s)
{
	s->read_want = 0;
	if (!s->read_txn)
		return;
	s->read_txn = 0;
	if (sqlite3_get_autocommit(s->db))
		return;
	if (!s->commit_read &&
	    sqlite3_prepare_v3(s->db, "COMMIT", -1, SQLITE_PREPARE_PERSISTENT, &s->commit_read, NULL) != SQLITE_OK) {
		sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
		return;
	}
	sqlite3_step(s->commit_read);
	sqlite3_reset(s->commit_read);
}

int sr_store_begin(sr_store *s)
{
	/* A write ends the request's read snapshot: it must see and lock the latest state. */
	sr_store_read_end(s);
	touch_clear(s);
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(s, "begin");
	return 0;
}

int sr_store_commit(sr_store *s)
{
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		int rc = db_fail(s, "commit");
		sr_store_rollback(s);
		return rc;
	}
	touch_apply(s);
	return 0;
}

void sr_store_rollback(sr_store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	touch_clear(s);
}

/* ---- users and tokens ---- */

static void read_user(sqlite3_stmt *st, int c, sr_user *u)
{
	u->id = sqlite3_column_int64(st, c);
	copy_text(u->handle, sizeof(u->handle), col_text(st, c + 1));
	copy_text(u->display_name, sizeof(u->display_name), col_text(st, c + 2));
	copy_text(u->image, sizeof(u->image), col_text(st, c + 3));
	u->role = sqlite3_column_int(st, c + 4);
	u->deactivated_at = sqlite3_column_int64(st, c + 5);
}

int sr_store_user_add(sr_store *s, const char *handle, const char *display_name, int role,
		      int64_t *id_out)
{
	int rc = run(s, Q_USER_ADD, "ttiI", handle, display_name, role, sr_now_ms());
	if (!rc && id_out)
		*id_out = sqlite3_last_insert_rowid(s->db);
	return rc;
}

static int user_query(sr_store *s, sqlite3_stmt *st, sr_user *out)
{
	if (!st)
		return SR_EDB;
	int rc = step(s, st);
	if (rc == SQLITE_ROW) {
		read_user(st, 0, out);
		sqlite3_reset(st);
		return 0;
	}
	return rc == SQLITE_DONE ? SR_ENOTFOUND : rc;
}

int sr_store_user_by_handle(sr_store *s, const char *handle, sr_user *out)
{
	return user_query(s, query(s, Q_USER_BY_HANDLE, "t", handle), out);
}

int sr_store_user_by_id(sr_store *s, int64_t id, sr_user *out)
{
	return user_query(s, query(s, Q_USER_BY_ID, "I", id), out);
}

int sr_store_user_ban(sr_store *s, int64_t user_id, const char *reason)
{
	int64_t now = sr_now_ms();
	int rc = sr_store_begin(s);
	if (rc)
		return rc;
	if ((rc = run(s, Q_USER_BAN, "IIt", user_id, now, reason)) ||
	    (rc = run(s, Q_USER_BAN_SKILLS, "II", user_id, now))) {
		sr_store_rollback(s);
		return rc;
	}
	return sr_store_commit(s);
}

int sr_store_token_add(sr_store *s, int64_t user_id, const char *label, const char *prefix,
		       const char *hash)
{
	return run(s, Q_TOKEN_ADD, "ItttI", user_id, label, prefix, hash, sr_now_ms());
}

int sr_store_token_lookup(sr_store *s, const char *hash, sr_user *user, int *revoked)
{
	sqlite3_stmt *st = query(s, Q_TOKEN_LOOKUP, "t", hash);
	if (!st)
		return SR_EDB;
	int rc = step(s, st);
	if (rc == SQLITE_ROW) {
		*revoked = sqlite3_column_type(st, 0) != SQLITE_NULL;
		read_user(st, 1, user);
		sqlite3_reset(st);
		return 0;
	}
	return rc == SQLITE_DONE ? SR_ENOTFOUND : rc;
}

int sr_store_token_revoke(sr_store *s, const char *prefix, int *n)
{
	char hi[80];
	/* Token characters are base64url, all below '~', so prefix + "~" bounds the range. */
	snprintf(hi, sizeof(hi), "%s~", prefix);
	int rc = run(s, Q_TOKEN_REVOKE, "ttI", prefix, hi, sr_now_ms());
	if (!rc)
		*n = sqlite3_changes(s->db);
	return rc;
}

/* ---- skills ---- */

static void note_skill(sr_reads *r, int64_t id);

/* Reads a whole skill row (SKILL_COLS); the search reads add their rank after them. */
static void skill_cols(sqlite3_stmt *st, sr_skill_row *r)
{
	r->id = sqlite3_column_int64(st, 0);
	r->owner_id = sqlite3_column_int64(st, 1);
	r->slug = col_text(st, 2);
	r->display_name = col_text(st, 3);
	r->summary = col_text(st, 4);
	r->tags_json = col_text(st, 5);
	r->latest_version_id = sqlite3_column_int64(st, 6);
	r->latest_version = col_text(st, 7);
	r->latest_changelog = col_text(st, 8);
	r->latest_metadata = col_text(st, 9);
	r->latest_created_at = sqlite3_column_int64(st, 10);
	r->moderation_status = sqlite3_column_int(st, 11);
	r->moderation_reason = col_text(st, 12);
	r->moderation_flags = sqlite3_column_int(st, 13);
	r->moderation_verdict = col_int_or_null(st, 14);
	r->soft_deleted_at = sqlite3_column_int64(st, 15);
	r->downloads = sqlite3_column_int64(st, 16);
	r->stars = sqlite3_column_int64(st, 17);
	r->installs = sqlite3_column_int64(st, 18);
	r->versions = sqlite3_column_int64(st, 19);
	r->comments = sqlite3_column_int64(st, 20);
	r->created_at = sqlite3_column_int64(st, 21);
	r->updated_at = sqlite3_column_int64(st, 22);
	r->is_suspicious = sqlite3_column_int(st, 23);
	r->is_public = sqlite3_column_int(st, 24);
	r->is_listed = sqlite3_column_int(st, 25);
	r->owner_handle = col_text(st, 26);
	r->owner_display_name = col_text(st, 27);
	r->owner_image = col_text(st, 28);
	r->rank = sqlite3_column_count(st) > SKILL_NCOLS ? sqlite3_column_double(st, SKILL_NCOLS) : 0;
	if (!r->tags_json)
		r->tags_json = "{}";
}

/* The row readers each() takes: one per row type, each filling the caller's view. The
 * skill readers also note the skill in the read context (a cached answer depends on it). */
static void read_skill(sr_store *s, sqlite3_stmt *st, void *row)
{
	sr_skill_row *r = row;
	skill_cols(st, r);
	note_skill(s->reads, r->id);
}

static void read_lookup(sr_store *s, sqlite3_stmt *st, void *row)
{
	sr_skill_row *r = row;
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->owner_id = sqlite3_column_int64(st, 1);
	r->slug = col_text(st, 2);
	r->display_name = col_text(st, 3);
	r->latest_version_id = sqlite3_column_int64(st, 4);
	r->latest_version = col_text(st, 5);
	r->moderation_status = sqlite3_column_int(st, 6);
	r->moderation_reason = col_text(st, 7);
	r->moderation_flags = sqlite3_column_int(st, 8);
	r->moderation_verdict = col_int_or_null(st, 9);
	r->soft_deleted_at = sqlite3_column_int64(st, 10);
	r->versions = sqlite3_column_int64(st, 11);
	r->created_at = sqlite3_column_int64(st, 12);
	r->is_suspicious = sqlite3_column_int(st, 13);
	r->is_public = sqlite3_column_int(st, 14);
	r->is_listed = sqlite3_column_int(st, 15);
	r->owner_handle = col_text(st, 16);
	r->tags_json = "{}";
	note_skill(s->reads, r->id);
}

void sr_skill_copy(sr_skill *d, const sr_skill_row *r)
{
	memset(d, 0, sizeof(*d));
	d->id = r->id;
	d->owner_id = r->owner_id;
	copy_text(d->slug, sizeof(d->slug), r->slug);
	copy_text(d->display_name, sizeof(d->display_name), r->display_name);
	copy_text(d->owner_handle, sizeof(d->owner_handle), r->owner_handle);
	d->latest_version_id = r->latest_version_id;
	copy_text(d->latest_version, sizeof(d->latest_version), r->latest_version);
	d->moderation_status = r->moderation_status;
	copy_text(d->moderation_reason, sizeof(d->moderation_reason), r->moderation_reason);
	d->moderation_flags = r->moderation_flags;
	d->moderation_verdict = r->moderation_verdict;
	d->soft_deleted_at = r->soft_deleted_at;
	d->is_suspicious = r->is_suspicious;
	d->is_public = r->is_public;
	d->is_listed = r->is_listed;
	d->stats_versions = r->versions;
	d->created_at = r->created_at;
}

/* Fills the row view `row` from the statement's current row. */
typedef void (*read_fn)(sr_store *s, sqlite3_stmt *st, void *row);

/*
 * Steps st and hands each row, read by `read` into the caller's buffer `row`, to fn. A
 * callback returning non-zero stops the walk: negative is an error passed back, positive a
 * wanted early stop (0 to the caller).
 */
static int each(sr_store *s, sqlite3_stmt *st, read_fn read, void *row, sr_row_fn fn, void *ud)
{
	if (!st)
		return SR_EDB;
	for (;;) {
		int rc = step(s, st);
		if (rc == SQLITE_DONE)
			return 0;
		if (rc != SQLITE_ROW)
			return rc;
		read(s, st, row);
		rc = fn(ud, row);
		if (rc) {
			sqlite3_reset(st);
			return rc > 0 ? 0 : rc;
		}
	}
}

/* Notes a skill row the request has read: a cached answer depends on every one of them. */
static void note_skill(sr_reads *r, int64_t id)
{
	for (int i = 0; i < r->nskills; i++)
		if (r->skill_ids[i] == id)
			return;
	if (r->nskills < SR_READS_SKILL_IDS)
		r->skill_ids[r->nskills++] = id;
	else
		r->skills_overflow = 1;
}

static int each_skill(sr_store *s, sqlite3_stmt *st, sr_row_fn fn, void *ud)
{
	sr_skill_row row;
	return each(s, st, read_skill, &row, fn, ud);
}

static int each_lookup(sr_store *s, sqlite3_stmt *st, sr_row_fn fn, void *ud)
{
	sr_skill_row row;
	return each(s, st, read_lookup, &row, fn, ud);
}

int sr_store_skills_by_slug(sr_store *s, const char *slug, int max, sr_row_fn fn, void *ud)
{
	return each_skill(s, query(s, Q_SKILLS_BY_SLUG, "ti", slug, max), fn, ud);
}

int sr_store_lookup_slug(sr_store *s, const char *slug, int max, sr_row_fn fn, void *ud)
{
	return each_lookup(s, query(s, Q_LOOKUP_BY_SLUG, "ti", slug, max), fn, ud);
}

int sr_store_lookup_owner_slug(sr_store *s, int64_t owner_id, const char *slug, sr_row_fn fn,
			       void *ud)
{
	return each_lookup(s, query(s, Q_SKILL_BY_OWNER_SLUG, "It", owner_id, slug), fn, ud);
}

int sr_store_skill_by_id(sr_store *s, int64_t id, sr_row_fn fn, void *ud)
{
	return each_skill(s, query(s, Q_SKILL_BY_ID, "I", id), fn, ud);
}

int sr_store_owner_skills(sr_store *s, int64_t owner_id, int limit, int has_after,
			  int64_t after_updated, int64_t after_id, sr_row_fn fn, void *ud)
{
	if (has_after)
		return each_skill(s, query(s, Q_OWNER_AFTER, "IiII", owner_id, limit + 1, after_updated, after_id),
				  fn, ud);
	return each_skill(s, query(s, Q_OWNER_FIRST, "Ii", owner_id, limit + 1), fn, ud);
}

int sr_store_list(sr_store *s, const sr_list_query *q, sr_row_fn fn, void *ud)
{
	if (q->sort < 0 || q->sort >= SR_SORT_COUNT || q->filter < 0 || q->filter >= SR_FILTER_COUNT)
		return SR_EINVAL;
	int prefix = q->prefix && q->prefix[0] && q->sort == SR_SORT_NAME;
	int idx = list_index(q->sort, q->filter, q->desc ? 1 : 0, q->has_after ? 1 : 0, prefix);
	sqlite3_stmt *st = stmt(s, Q_FIXED_COUNT + idx);
	if (!st)
		return SR_EDB;
	char hi[128];
	if (prefix) {
		/* Slugs are [a-z0-9-], all below '~', so prefix + "~" bounds the range. */
		snprintf(hi, sizeof(hi), "%s~", q->prefix);
		bind_text(st, 5, q->prefix);
		bind_text(st, 6, hi);
	}
	if (q->has_after) {
		if (sort_keys[q->sort].text)
			bind_text(st, 1, q->after_text ? q->after_text : "");
		else
			sqlite3_bind_int64(st, 1, q->after_k1);
		sqlite3_bind_int64(st, 2, q->after_k2);
		sqlite3_bind_int64(st, 3, q->after_id);
	}
	sqlite3_bind_int(st, 4, q->limit + 1);
	return each_skill(s, st, fn, ud);
}

/* A query FTS5 cannot parse is the client's input, not a server fault: SR_EINVAL. Anything
 * else (a busy or broken database) stays an error. */
static int fts_rc(sr_store *s, int rc)
{
	if (rc == SR_EDB && (strstr(s->err, "fts5:") || strstr(s->err, "no such column")))
		return SR_EINVAL;
	return rc;
}

int sr_store_search(sr_store *s, const char *fts_query, int short_index, int limit, int window,
		    sr_row_fn fn, void *ud)
{
	int q = short_index ? Q_SEARCH_SHORT : Q_SEARCH;
	/* Twice the wanted rows plus a margin go through the visibility filter, so the few
	 * matches that are not browse-eligible cannot leave the answer short. */
	int prefilter = limit * 2 + 32;
	int rc = each_skill(s, query(s, q, "tiii", fts_query, limit, window, prefilter), fn, ud);
	return fts_rc(s, rc);
}

int sr_store_search_names(sr_store *s, const char *fts_query, int limit, int window, sr_row_fn fn,
			  void *ud)
{
	int rc = each_skill(s, query(s, Q_SEARCH_NAMES, "tii", fts_query, limit, window), fn, ud);
	return fts_rc(s, rc);
}

/* ---- versions ---- */

static void read_version(sr_store *s, sqlite3_stmt *st, void *row)
{
	sr_version_row *v = row;
	v->id = sqlite3_column_int64(st, 0);
	v->skill_id = sqlite3_column_int64(st, 1);
	v->version = col_text(st, 2);
	v->fingerprint = col_text(st, 3);
	v->changelog = col_text(st, 4);
	v->changelog_source = col_int_or_null(st, 5);
	v->created_at = sqlite3_column_int64(st, 6);
	v->soft_deleted_at = sqlite3_column_int64(st, 7);
	v->created_by = sqlite3_column_int64(st, 8);
	v->file_count = sqlite3_column_int64(st, 9);
	v->total_size = sqlite3_column_int64(st, 10);
	v->zip_sha256 = col_text(st, 11);
	v->zip_size = sqlite3_column_int64(st, 12);
	v->scan_state = sqlite3_column_int(st, 13);
	v->scan_verdict = col_int_or_null(st, 14);
	if (!v->changelog)
		v->changelog = "";
}

static int each_version(sr_store *s, sqlite3_stmt *st, sr_row_fn fn, void *ud)
{
	sr_version_row row;
	return each(s, st, read_version, &row, fn, ud);
}

int sr_store_version_get(sr_store *s, int64_t skill_id, const char *version, sr_row_fn fn,
			 void *ud)
{
	return each_version(s, query(s, Q_VERSION_GET, "It", skill_id, version), fn, ud);
}

int sr_store_version_by_id(sr_store *s, int64_t id, sr_row_fn fn, void *ud)
{
	return each_version(s, query(s, Q_VERSION_BY_ID, "I", id), fn, ud);
}

int sr_store_versions_page(sr_store *s, int64_t skill_id, int limit, int has_after,
			   int64_t after_created, int64_t after_id, sr_row_fn fn, void *ud)
{
	sqlite3_stmt *st = has_after ? query(s, Q_VERSIONS_AFTER, "IiII", skill_id, limit + 1, after_created, after_id)
				     : query(s, Q_VERSIONS_FIRST, "Ii", skill_id, limit + 1);
	return each_version(s, st, fn, ud);
}

int sr_store_versions_all(sr_store *s, int64_t skill_id, int max, sr_row_fn fn, void *ud)
{
	return each_version(s, query(s, Q_VERSIONS_ALL, "Ii", skill_id, max), fn, ud);
}

int sr_store_version_by_fingerprint(sr_store *s, int64_t skill_id, const char *fp,
				    sr_row_fn fn, void *ud)
{
	return each_version(s, query(s, Q_VERSION_BY_FP, "It", skill_id, fp), fn, ud);
}

static void read_file(sr_store *s, sqlite3_stmt *st, void *row)
{
	sr_file_row *f = row;
	f->path = col_text(st, 0);
	f->sha256 = col_text(st, 1);
	f->content_type = col_text(st, 2);
	f->size = sqlite3_column_int64(st, 3);
	f->ord = sqlite3_column_int(st, 4);
}

static int each_file(sr_store *s, sqlite3_stmt *st, sr_row_fn fn, void *ud)
{
	sr_file_row row;
	return each(s, st, read_file, &row, fn, ud);
}

int sr_store_version_files(sr_store *s, int64_t version_id, sr_row_fn fn, void *ud)
{
	return each_file(s, query(s, Q_FILES, "I", version_id), fn, ud);
}

int sr_store_version_file(sr_store *s, int64_t version_id, const char *path, sr_row_fn fn,
			  void *ud)
{
	return each_file(s, query(s, Q_FILE, "It", version_id, path), fn, ud);
}

int sr_store_version_cold(sr_store *s, int64_t version_id, char **frontmatter, char **metadata)
{
	*frontmatter = *metadata = NULL;
	sqlite3_stmt *st = query(s, Q_COLD, "I", version_id);
	if (!st)
		return SR_EDB;
	int rc = step(s, st);
	if (rc == SQLITE_DONE)
		return SR_ENOTFOUND;
	if (rc != SQLITE_ROW)
		return rc;
	const char *f = col_text(st, 0), *m = col_text(st, 1);
	*frontmatter = f ? strdup(f) : NULL;
	*metadata = m ? strdup(m) : NULL;
	sqlite3_reset(st);
	if ((f && !*frontmatter) || (m && !*metadata)) {
		free(*frontmatter);
		free(*metadata);
		*frontmatter = *metadata = NULL;
		return SR_ENOMEM;
	}
	return 0;
}

/* ---- publish ---- */

int sr_store_skill_insert(sr_store *s, const sr_new_skill *n, int64_t *id_out)
{
	int rc = run(s, Q_SKILL_INSERT, "ItttI", n->owner_id, n->slug, n->display_name, n->summary, n->now);
	if (!rc)
		*id_out = sqlite3_last_insert_rowid(s->db);
	return rc;
}

int sr_store_reserved_slug_holder(sr_store *s, const char *slug, int64_t now, int64_t *owner_out)
{
	sqlite3_stmt *st = query(s, Q_RESERVED_HOLDER, "tI", slug, now);
	if (!st)
		return SR_EDB;
	int rc = step(s, st);
	if (rc == SQLITE_ROW) {
		*owner_out = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		return 0;
	}
	return rc == SQLITE_DONE ? SR_ENOTFOUND : rc;
}

int sr_store_reserve_slug(sr_store *s, const char *slug, int64_t owner_id, int64_t until)
{
	return run(s, Q_RESERVE, "tII", slug, owner_id, until);
}

int sr_store_version_insert(sr_store *s, const sr_new_version *v, int64_t *id_out)
{
	int rc = run(s, Q_VERSION_INSERT, "ItttNIIIItI", v->skill_id, v->version, v->fingerprint,
		     v->changelog ? v->changelog : "", v->changelog_source, v->created_by, v->created_at,
		     (int64_t)v->nfiles, v->total_size, v->zip_sha256, v->zip_size);
	if (rc)
		return rc;
	int64_t vid = sqlite3_last_insert_rowid(s->db);
	for (size_t i = 0; i < v->nfiles; i++) {
		const sr_new_file *f = &v->files[i];
		if ((rc = run(s, Q_FILE_INSERT, "ItIttI", vid, f->path, f->size, f->sha256, f->content_type,
			      (int64_t)i)))
			return rc;
	}
	rc = run(s, Q_COLD_INSERT, "Itt", vid, v->frontmatter_json ? v->frontmatter_json : "{}",
		 v->metadata_json);
	if (!rc)
		*id_out = vid;
	return rc;
}

int sr_store_set_latest(sr_store *s, int64_t skill_id, int64_t version_id)
{
	if (!version_id)
		return run(s, Q_CLEAR_LATEST, "I", skill_id);
	return run(s, Q_SET_LATEST, "II", skill_id, version_id);
}

int sr_store_skill_set_identity(sr_store *s, int64_t skill_id, const char *display_name,
				const char *summary)
{
	return run(s, Q_SET_IDENTITY, "Itt", skill_id, display_name, summary);
}

int sr_store_tag_set(sr_store *s, int64_t skill_id, const char *tag, int64_t version_id)
{
	return run(s, Q_TAG_SET, "ItI", skill_id, tag, version_id);
}

int sr_store_tags_refresh(sr_store *s, int64_t skill_id)
{
	return run(s, Q_TAGS_JSON, "I", skill_id);
}

int sr_store_skill_touch(sr_store *s, int64_t skill_id, int64_t now, int versions_delta)
{
	return run(s, Q_TOUCH, "IIi", skill_id, now, versions_delta);
}

/* Text for the single-character index: every CJK code point becomes its own token, so a
 * query of one or two CJK characters can match as a phrase; other text passes through. */
static int short_text(sr_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	int rc = 0;
	while (*p && !rc) {
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
		int cjk = (cp >= 0x2e80 && cp <= 0x9fff) || (cp >= 0xac00 && cp <= 0xd7af) ||
			  (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x20000 && cp <= 0x2fa1f) ||
			  (cp >= 0x3040 && cp <= 0x30ff);
		if (cjk)
			rc = sr_buf_putc(b, ' ');
		if (!rc)
			rc = sr_buf_append(b, p, len);
		if (!rc && cjk)
			rc = sr_buf_putc(b, ' ');
		p += len;
	}
	return rc;
}

struct index_ctx {
	sr_store *s;
	int rc;
};

static int index_row(void *ud, const void *row)
{
	const sr_skill_row *r = row;
	struct index_ctx *c = ud;
	sr_store *s = c->s;
	sqlite3_stmt *st = stmt(s, Q_FTS_INS);
	if (!st)
		return c->rc = SR_EDB;
	sqlite3_bind_int64(st, 1, r->id);
	bind_text(st, 2, r->slug);
	bind_text(st, 3, r->display_name);
	bind_text(st, 4, r->summary);
	if ((c->rc = exec_stmt(s, st)))
		return c->rc;
	sr_buf b;
	sr_buf_init(&b, 1 << 20);
	/* Hyphens split slug words for the word index: "pdf-tables" matches "pdf". */
	int rc = sr_buf_puts(&b, r->slug);
	for (size_t i = 0; i < b.len; i++)
		if (b.data[i] == '-')
			b.data[i] = ' ';
	if (!rc)
		rc = sr_buf_putc(&b, ' ');
	if (!rc)
		rc = short_text(&b, r->display_name);
	if (!rc)
		rc = sr_buf_putc(&b, ' ');
	if (!rc)
		rc = short_text(&b, r->summary);
	if (rc) {
		sr_buf_deinit(&b);
		return c->rc = rc;
	}
	st = stmt(s, Q_FTS_SHORT_INS);
	if (!st) {
		sr_buf_deinit(&b);
		return c->rc = SR_EDB;
	}
	sqlite3_bind_int64(st, 1, r->id);
	sqlite3_bind_text(st, 2, b.data, (int)b.len, SQLITE_TRANSIENT);
	c->rc = exec_stmt(s, st);
	sr_buf_deinit(&b);
	return c->rc;
}

int sr_store_search_index(sr_store *s, int64_t skill_id)
{
	sqlite3_stmt *st = stmt(s, Q_FTS_DEL);
	if (!st)
		return SR_EDB;
	sqlite3_bind_int64(st, 1, skill_id);
	int rc = exec_stmt(s, st);
	if (rc)
		return rc;
	st = stmt(s, Q_FTS_SHORT_DEL);
	if (!st)
		return SR_EDB;
	sqlite3_bind_int64(st, 1, skill_id);
	if ((rc = exec_stmt(s, st)))
		return rc;
	struct index_ctx c = {s, 0};
	rc = sr_store_skill_by_id(s, skill_id, index_row, &c);
	return rc ? rc : c.rc;
}

/* ---- lifecycle ---- */



int sr_store_skill_soft_delete(sr_store *s, int64_t skill_id, int64_t now)
{
	return run(s, Q_SOFT_DELETE, "II", skill_id, now);
}

int sr_store_skill_undelete(sr_store *s, int64_t skill_id, int unhide)
{
	return run(s, unhide ? Q_UNDELETE : Q_UNDELETE_OWNER, "I", skill_id);
}

int sr_store_tags_drop_version(sr_store *s, int64_t skill_id, int64_t version_id)
{
	return run(s, Q_TAGS_DROP_VERSION, "II", skill_id, version_id);
}

int sr_store_version_soft_delete(sr_store *s, int64_t version_id, int64_t now)
{
	return run(s, Q_VERSION_DEL, "II", version_id, now);
}

int sr_store_version_restore(sr_store *s, int64_t version_id)
{
	return run(s, Q_VERSION_RESTORE, "I", version_id);
}

int sr_store_audit(sr_store *s, int64_t actor_id, const char *action, int64_t skill_id,
		   const char *detail, int64_t now)
{
	return run(s, Q_AUDIT, "ntntI", actor_id, action, skill_id, detail, now);
}

/* ---- stars and stats ---- */

static int star_change(sr_store *s, int on, int64_t skill_id, int64_t user_id, int64_t now,
		       int *changed)
{
	int rc = sr_store_begin(s);
	if (rc)
		return rc;
	rc = on ? run(s, Q_STAR_INS, "III", skill_id, user_id, now) : run(s, Q_STAR_DEL, "II", skill_id, user_id);
	if (!rc) {
		*changed = sqlite3_changes(s->db) > 0;
		if (*changed)
			rc = run(s, Q_STARS_ADJ, "Ii", skill_id, on ? 1 : -1);
	}
	if (rc) {
		sr_store_rollback(s);
		return rc;
	}
	return sr_store_commit(s);
}

int sr_store_star(sr_store *s, int64_t skill_id, int64_t user_id, int64_t now, int *changed)
{
	return star_change(s, 1, skill_id, user_id, now, changed);
}

int sr_store_unstar(sr_store *s, int64_t skill_id, int64_t user_id, int *changed)
{
	return star_change(s, 0, skill_id, user_id, 0, changed);
}

static int event_insert(sr_store *s, int64_t skill_id, int kind, int64_t now)
{
	return run(s, Q_EVENT_INS, "IiII", skill_id, kind, now / 86400000, now);
}

int sr_store_download_event(sr_store *s, int64_t skill_id, const char *identity, int64_t now)
{
	int rc = sr_store_begin(s);
	if (rc)
		return rc;
	rc = run(s, Q_DEDUPE_INS, "ItI", skill_id, identity, now / 86400000);
	if (!rc && sqlite3_changes(s->db) > 0)
		rc = event_insert(s, skill_id, 1, now);
	if (rc) {
		sr_store_rollback(s);
		return rc;
	}
	return sr_store_commit(s);
}

int sr_store_install_event(sr_store *s, int64_t skill_id, int64_t now)
{
	return event_insert(s, skill_id, 2, now);
}

struct ev {
	int64_t skill_id, day;
	int kind;
};

static int ev_cmp(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;
	if (x->skill_id != y->skill_id)
		return x->skill_id < y->skill_id ? -1 : 1;
	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	return 0;
}

/*
 * One fold batch is one transaction: the events read, every daily row and counter they add
 * to, and the cursor past them commit together or not at all. A process that dies anywhere
 * in it leaves the database as before the batch (SQLite rolls the WAL frames of an
 * unfinished transaction back), and the next fold reads the same events again; a process
 * that dies after the commit has moved the cursor with the counters. The sr_fault_point
 * calls mark each step for the crash test (tests/unit/test_fold_crash.c).
 */
int sr_store_fold_events(sr_store *s, int batch, int *n)
{
	*n = 0;
	if (batch <= 0 || batch > 10000)
		return SR_EINVAL;
	struct ev *evs = calloc((size_t)batch, sizeof(*evs));
	if (!evs)
		return SR_ENOMEM;
	int rc = sr_store_begin(s);
	if (rc) {
		free(evs);
		return rc;
	}
	sr_fault_point("fold: begun");
	int64_t cursor = 0, last = 0;
	sqlite3_stmt *st = stmt(s, Q_CURSOR_GET);
	if (!st) {
		rc = SR_EDB;
		goto out;
	}
	bind_text(st, 1, "fold");
	rc = step(s, st);
	if (rc == SQLITE_ROW) {
		cursor = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	} else if (rc != SQLITE_DONE) {
		goto out;
	}
	st = stmt(s, Q_EVENTS_AFTER);
	if (!st) {
		rc = SR_EDB;
		goto out;
	}
	sqlite3_bind_int64(st, 1, cursor);
	sqlite3_bind_int(st, 2, batch);
	int count = 0;
	while ((rc = step(s, st)) == SQLITE_ROW) {
		last = sqlite3_column_int64(st, 0);
		evs[count].skill_id = sqlite3_column_int64(st, 1);
		evs[count].kind = sqlite3_column_int(st, 2);
		evs[count].day = sqlite3_column_int64(st, 3);
		count++;
	}
	if (rc != SQLITE_DONE)
		goto out;
	sr_fault_point("fold: events read");
	/* Group by (skill, day) so each daily row and each counter is written once a batch. */
	qsort(evs, (size_t)count, sizeof(*evs), ev_cmp);
	for (int i = 0; i < count;) {
		int j = i;
		int64_t dl = 0, in = 0;
		while (j < count && evs[j].skill_id == evs[i].skill_id && evs[j].day == evs[i].day) {
			if (evs[j].kind == 1)
				dl++;
			else
				in++;
			j++;
		}
		st = stmt(s, Q_DAILY_UPSERT);
		if (!st) {
			rc = SR_EDB;
			goto out;
		}
		sqlite3_bind_int64(st, 1, evs[i].skill_id);
		sqlite3_bind_int64(st, 2, evs[i].day);
		sqlite3_bind_int64(st, 3, dl);
		sqlite3_bind_int64(st, 4, in);
		if ((rc = exec_stmt(s, st)))
			goto out;
		sr_fault_point("fold: daily row added");
		st = stmt(s, Q_COUNTERS_ADJ);
		if (!st) {
			rc = SR_EDB;
			goto out;
		}
		sqlite3_bind_int64(st, 1, evs[i].skill_id);
		sqlite3_bind_int64(st, 2, dl);
		sqlite3_bind_int64(st, 3, in);
		touch_slot(s, sr_gens_slot_id(evs[i].skill_id));
		if ((rc = exec_stmt(s, st)))
			goto out;
		sr_fault_point("fold: counters added");
		i = j;
	}
	if (count) {
		st = stmt(s, Q_CURSOR_SET);
		if (!st) {
			rc = SR_EDB;
			goto out;
		}
		bind_text(st, 1, "fold");
		sqlite3_bind_int64(st, 2, last);
		if ((rc = exec_stmt(s, st)))
			goto out;
		sr_fault_point("fold: cursor moved, not committed");
	}
	free(evs);
	*n = count;
	rc = sr_store_commit(s);
	if (!rc)
		sr_fault_point("fold: committed");
	return rc;
out:
	free(evs);
	sr_store_rollback(s);
	return rc;
}

/* ---- upload tickets ---- */

int sr_store_ticket_add(sr_store *s, const sr_ticket *t, int64_t now)
{
	return run(s, Q_TICKET_ADD, "tItIttII", t->ticket, t->user_id, t->path, t->size, t->sha256,
		   t->content_type[0] ? t->content_type : NULL, now, t->expires_at);
}

int sr_store_ticket_get(sr_store *s, const char *ticket, sr_ticket *out)
{
	sqlite3_stmt *st = query(s, Q_TICKET_GET, "t", ticket);
	if (!st)
		return SR_EDB;
	int rc = step(s, st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? SR_ENOTFOUND : rc;
	memset(out, 0, sizeof(*out));
	copy_text(out->ticket, sizeof(out->ticket), col_text(st, 0));
	out->user_id = sqlite3_column_int64(st, 1);
	copy_text(out->path, sizeof(out->path), col_text(st, 2));
	out->size = sqlite3_column_int64(st, 3);
	copy_text(out->sha256, sizeof(out->sha256), col_text(st, 4));
	copy_text(out->content_type, sizeof(out->content_type), col_text(st, 5));
	out->expires_at = sqlite3_column_int64(st, 6);
	out->uploaded_at = sqlite3_column_int64(st, 7);
	out->used_at = sqlite3_column_int64(st, 8);
	sqlite3_reset(st);
	return 0;
}

int sr_store_ticket_mark_uploaded(sr_store *s, const char *ticket, int64_t now)
{
	return run(s, Q_TICKET_UPLOADED, "tI", ticket, now);
}

int sr_store_ticket_mark_used(sr_store *s, const char *ticket, int64_t now)
{
	int rc = run(s, Q_TICKET_USED, "tI", ticket, now);
	if (!rc && sqlite3_changes(s->db) == 0)
		return SR_EEXIST;
	return rc;
}

int sr_store_tag_get(sr_store *s, int64_t skill_id, const char *tag, int64_t *version_id)
{
	sqlite3_stmt *st = query(s, Q_TAG_GET, "It", skill_id, tag);
	if (!st)
		return SR_EDB;
	int rc = step(s, st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? SR_ENOTFOUND : rc;
	*version_id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

int sr_store_explain(sr_store *s, int i, sr_buf *out)
{
	const char *sql = sr_store_statement_sql(i);
	if (!sql)
		return SR_EINVAL;
	char *q = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql);
	if (!q)
		return SR_ENOMEM;
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, q, -1, &st, NULL);
	sqlite3_free(q);
	if (rc != SQLITE_OK)
		return db_fail(s, "explain");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *detail = col_text(st, 3);
		sr_buf_printf(out, "%s\n", detail ? detail : "");
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : SR_EDB;
}

int sr_store_unreserve_slug(sr_store *s, const char *slug, int64_t owner_id)
{
	return run(s, Q_UNRESERVE, "tI", slug, owner_id);
}

/* ---- aliases ---- */

int sr_store_lookup_alias(sr_store *s, const char *slug, int max, sr_row_fn fn, void *ud)
{
	return each_lookup(s, query(s, Q_SKILLS_BY_ALIAS, "ti", slug, max), fn, ud);
}

int sr_store_lookup_owner_alias(sr_store *s, int64_t owner_id, const char *slug, sr_row_fn fn,
				void *ud)
{
	return each_lookup(s, query(s, Q_SKILL_BY_OWNER_ALIAS, "It", owner_id, slug), fn, ud);
}

int sr_store_alias_set(sr_store *s, int64_t owner_id, const char *slug, int64_t skill_id, int64_t now)
{
	return run(s, Q_ALIAS_ADD, "ItII", owner_id, slug, skill_id, now);
}

int sr_store_alias_remove(sr_store *s, int64_t owner_id, const char *slug)
{
	return run(s, Q_ALIAS_DEL, "It", owner_id, slug);
}

int sr_store_aliases_repoint(sr_store *s, int64_t from_skill, int64_t to_skill)
{
	return run(s, Q_ALIASES_REPOINT, "II", from_skill, to_skill);
}

int sr_store_skill_rename(sr_store *s, int64_t skill_id, const char *slug, int64_t now)
{
	return run(s, Q_SKILL_RENAME, "ItI", skill_id, slug, now);
}

int sr_store_skill_mark_merged(sr_store *s, int64_t skill_id, int64_t now)
{
	return run(s, Q_SKILL_MERGED, "II", skill_id, now);
}

int sr_store_skill_hide(sr_store *s, int64_t skill_id, const char *reason)
{
	return run(s, Q_SKILL_HIDE, "It", skill_id, reason);
}

/* ---- batch reads for jobs ---- */

static void read_key(sr_store *s, sqlite3_stmt *st, void *row)
{
	sr_key_row *k = row;
	k->id = sqlite3_column_int64(st, 0);
	k->key = sqlite3_column_int64(st, 1);
}

static int each_key(sr_store *s, sqlite3_stmt *st, sr_row_fn fn, void *ud)
{
	sr_key_row row;
	return each(s, st, read_key, &row, fn, ud);
}

int sr_store_moderation_page(sr_store *s, int status, const char *reason, int64_t after_created,
			     int64_t after_id, int limit, sr_row_fn fn, void *ud)
{
	return each_key(s, query(s, Q_MODERATION_PAGE, "itIIi", status, reason, after_created, after_id, limit),
			fn, ud);
}

int sr_store_public_ids_page(sr_store *s, int64_t after_created, int64_t after_id, int limit,
			     sr_row_fn fn, void *ud)
{
	return each_key(s, query(s, Q_PUBLIC_IDS_PAGE, "IIi", after_created, after_id, limit), fn, ud);
}

static void read_daily(sr_store *s, sqlite3_stmt *st, void *row)
{
	sr_daily_row *d = row;
	d->skill_id = sqlite3_column_int64(st, 0);
	d->installs = sqlite3_column_int64(st, 1);
	d->downloads = sqlite3_column_int64(st, 2);
}

int sr_store_daily_page(sr_store *s, int64_t day, int64_t after_skill, int limit, sr_row_fn fn,
			void *ud)
{
	sr_daily_row row;
	return each(s, query(s, Q_DAILY_PAGE, "IIi", day, after_skill, limit), read_daily, &row, fn, ud);
}

int sr_store_skill_listed(sr_store *s, int64_t id, int *listed)
{
	int64_t v = 0;
	int rc = one_int64(s, query(s, Q_SKILL_LISTED, "I", id), &v);
	*listed = (int)v;
	return rc;
}

/* ---- the public-skill count ---- */

int sr_store_public_count(sr_store *s, int64_t *n)
{
	return one_int64(s, query(s, Q_PUBLIC_COUNT, ""), n);
}

int sr_store_public_count_adjust(sr_store *s, int64_t delta, int64_t now)
{
	return run(s, Q_PUBLIC_COUNT_ADJ, "II", delta, now);
}

/* ---- trending leaderboard ---- */

static int read_snapshot(sr_store *s, sqlite3_stmt *st, sr_trending_snapshot *out)
{
	if (!st)
		return SR_EDB;
	int rc = step(s, st);
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		out->computed_at = sqlite3_column_int64(st, 1);
		out->day = sqlite3_column_int64(st, 2);
		out->entries = sqlite3_column_int(st, 3);
		sqlite3_reset(st);
		return 0;
	}
	return rc == SQLITE_DONE ? SR_ENOTFOUND : rc;
}

int sr_store_trending_latest(sr_store *s, sr_trending_snapshot *out)
{
	return read_snapshot(s, query(s, Q_TRENDING_LATEST, ""), out);
}

int sr_store_trending_snapshot(sr_store *s, int64_t id, sr_trending_snapshot *out)
{
	return read_snapshot(s, query(s, Q_TRENDING_SNAPSHOT, "I", id), out);
}

int sr_store_trending_write(sr_store *s, int64_t computed_at, int64_t day, const sr_trending_entry *e,
			    int n, int keep, int only_if_none, int64_t *id_out)
{
	if (n < 0 || keep < 1)
		return SR_EINVAL;
	int rc = sr_store_begin(s);
	if (rc)
		return rc;
	sr_trending_snapshot have;
	if (only_if_none) {
		/* Inside the write lock: a cold start that lost the race uses the winner's. */
		rc = sr_store_trending_latest(s, &have);
		if (rc == 0) {
			sr_store_rollback(s);
			*id_out = have.id;
			return 0;
		}
		if (rc != SR_ENOTFOUND)
			goto out;
	}
	if ((rc = run(s, Q_TRENDING_SNAP_INS, "IIi", computed_at, day, n)))
		goto out;
	int64_t id = sqlite3_last_insert_rowid(s->db);
	for (int i = 0; i < n; i++)
		if ((rc = run(s, Q_TRENDING_ENTRY_INS, "IiIII", id, i + 1, e[i].skill_id, e[i].installs,
			      e[i].downloads)))
			goto out;
	sqlite3_stmt *st = query(s, Q_TRENDING_KEPT, "i", keep - 1);
	if (!st) {
		rc = SR_EDB;
		goto out;
	}
	rc = step(s, st);
	if (rc == SQLITE_ROW) {
		int64_t oldest = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if ((rc = run(s, Q_TRENDING_ENTRIES_DEL, "I", oldest)) ||
		    (rc = run(s, Q_TRENDING_SNAPS_DEL, "I", oldest)))
			goto out;
	} else if (rc != SQLITE_DONE) {
		goto out;
	}
	if ((rc = sr_store_commit(s)))
		return rc;
	*id_out = id;
	return 0;
out:
	sr_store_rollback(s);
	return rc;
}

static void read_trending(sr_store *s, sqlite3_stmt *st, void *row)
{
	sr_trending_row *t = row;
	read_skill(s, st, &t->skill);
	t->skill.rank = 0; /* the columns after the skill's are the entry's, not a search rank */
	t->rank = sqlite3_column_int(st, SKILL_NCOLS);
	t->installs = sqlite3_column_int64(st, SKILL_NCOLS + 1);
	t->downloads = sqlite3_column_int64(st, SKILL_NCOLS + 2);
}

int sr_store_trending_page(sr_store *s, int64_t snapshot_id, int after_rank, int limit,
			   sr_row_fn fn, void *ud)
{
	sr_trending_row row;
	return each(s, query(s, Q_TRENDING_PAGE, "Iii", snapshot_id, after_rank, limit), read_trending, &row, fn, ud);
}

/* ---- backfills ---- */

int sr_store_backfill_state_get(sr_store *s, const char *name, sr_backfill_state *out)
{
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *st = query(s, Q_BF_STATE_GET, "t", name);
	if (!st)
		return SR_EDB;
	int rc = step(s, st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? SR_ENOTFOUND : rc;
	out->last_id = sqlite3_column_int64(st, 0);
	out->pass = sqlite3_column_int64(st, 1);
	out->started_at = sqlite3_column_int64(st, 2);
	out->finished_at = sqlite3_column_int64(st, 3);
	out->scanned = sqlite3_column_int64(st, 4);
	out->changed = sqlite3_column_int64(st, 5);
	sqlite3_reset(st);
	return 0;
}

int sr_store_backfill_state_put(sr_store *s, const char *name, const sr_backfill_state *in)
{
	return run(s, Q_BF_STATE_PUT, "tIIInII", name, in->last_id, in->pass, in->started_at,
		   in->finished_at, in->scanned, in->changed);
}

int sr_store_skills_max_id(sr_store *s, int64_t *id)
{
	*id = 0;
	int rc = one_int64(s, query(s, Q_BF_MAX_ID, ""), id);
	return rc == SR_ENOTFOUND ? 0 : rc;
}

int sr_store_backfill_summary_page(sr_store *s, int64_t after, int limit, sr_bf_summary *rows, int *n)
{
	*n = 0;
	sqlite3_stmt *st = query(s, Q_BF_SUMMARY_PAGE, "Ii", after, limit);
	if (!st)
		return SR_EDB;
	int rc;
	while ((rc = step(s, st)) == SQLITE_ROW) {
		if (*n == limit) {
			sqlite3_reset(st);
			return SR_ETOOBIG;
		}
		rows[*n].id = sqlite3_column_int64(st, 0);
		rows[*n].latest_version_id = sqlite3_column_int64(st, 1);
		rows[*n].stale = sqlite3_column_int(st, 2) != 0;
		(*n)++;
	}
	return rc == SQLITE_DONE ? 0 : rc;
}

int sr_store_backfill_counters_page(sr_store *s, int64_t after, int limit, sr_bf_counters *rows, int *n)
{
	*n = 0;
	sqlite3_stmt *st = query(s, Q_BF_COUNTERS_PAGE, "Ii", after, limit);
	if (!st)
		return SR_EDB;
	int rc;
	while ((rc = step(s, st)) == SQLITE_ROW) {
		if (*n == limit) {
			sqlite3_reset(st);
			return SR_ETOOBIG;
		}
		rows[*n].id = sqlite3_column_int64(st, 0);
		for (int i = 0; i < SR_BF_COUNTERS; i++) {
			rows[*n].have[i] = sqlite3_column_int64(st, 1 + i);
			rows[*n].want[i] = sqlite3_column_int64(st, 1 + SR_BF_COUNTERS + i);
		}
		(*n)++;
	}
	return rc == SQLITE_DONE ? 0 : rc;
}

int sr_store_backfill_counters_set(sr_store *s, int64_t id, const int64_t v[SR_BF_COUNTERS])
{
	return run(s, Q_BF_COUNTERS_SET, "IIIII", id, v[0], v[1], v[2], v[3]);
}

/* ---- scanning and moderation ---- */



int sr_store_version_scan_get(sr_store *s, int64_t version_id, sr_version_scan *out)
{
	sqlite3_stmt *st = query(s, Q_VERSION_SCAN_GET, "I", version_id);
	if (!st)
		return SR_EDB;
	int rc = step(s, st);
	if (rc == SQLITE_DONE)
		return SR_ENOTFOUND;
	if (rc != SQLITE_ROW)
		return rc;
	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(st, 0);
	out->skill_id = sqlite3_column_int64(st, 1);
	copy_text(out->version, sizeof(out->version), col_text(st, 2));
	copy_text(out->zip_sha256, sizeof(out->zip_sha256), col_text(st, 3));
	out->state = sqlite3_column_int(st, 4);
	out->verdict = col_int_or_null(st, 5);
	out->requested_at = sqlite3_column_int64(st, 6);
	out->scanned_at = sqlite3_column_int64(st, 7);
	out->soft_deleted_at = sqlite3_column_int64(st, 8);
	sqlite3_reset(st);
	return 0;
}

int sr_store_version_scan_request(sr_store *s, int64_t skill_id, int64_t version_id, int64_t now)
{
	return run(s, Q_VERSION_SCAN_REQUEST, "III", version_id, now, skill_id);
}

int sr_store_skill_mark_pending(sr_store *s, int64_t skill_id)
{
	return run(s, Q_SKILL_MARK_PENDING, "I", skill_id);
}

int sr_store_scan_queue(sr_store *s, int64_t after_req, int64_t after_id, int limit, sr_row_fn fn,
			void *ud)
{
	return each_key(s, query(s, Q_SCAN_QUEUE, "IIi", after_req, after_id, limit), fn, ud);
}

int sr_store_version_scan_finish(sr_store *s, int64_t skill_id, int64_t version_id, int state, int verdict,
				 int64_t now, int64_t requested_at)
{
	return run(s, Q_VERSION_SCAN_FINISH, "IiNInI", version_id, state, verdict, now, requested_at, skill_id);
}

int sr_store_scan_result_put(sr_store *s, int64_t version_id, const sr_scan_result_row *r)
{
	return run(s, Q_SCAN_RESULT_PUT, "ItiNItt", version_id, r->source, r->status, r->verdict,
		   r->checked_at, r->engine, r->summary);
}

static void read_result(sr_store *s, sqlite3_stmt *st, void *row)
{
	sr_scan_result_row *r = row;
	r->source = col_text(st, 0);
	r->status = sqlite3_column_int(st, 1);
	r->verdict = col_int_or_null(st, 2);
	r->checked_at = sqlite3_column_int64(st, 3);
	r->engine = col_text(st, 4);
	r->summary = col_text(st, 5);
}

int sr_store_scan_results(sr_store *s, int64_t version_id, sr_row_fn fn, void *ud)
{
	sr_scan_result_row row;
	return each(s, query(s, Q_SCAN_RESULTS, "I", version_id), read_result, &row, fn, ud);
}

int sr_store_scan_findings_clear(sr_store *s, int64_t version_id, const char *source)
{
	return run(s, Q_SCAN_FINDINGS_DEL, "It", version_id, source);
}

int sr_store_scan_finding_add(sr_store *s, int64_t version_id, const sr_finding_row *f)
{
	return run(s, Q_SCAN_FINDING_INS, "Itittttit", version_id, f->source, f->ord, f->rule_id, f->severity,
		   f->title, f->path ? f->path : "", f->line, f->excerpt);
}

static void read_finding(sr_store *s, sqlite3_stmt *st, void *row)
{
	sr_finding_row *f = row;
	f->source = col_text(st, 0);
	f->ord = sqlite3_column_int(st, 1);
	f->rule_id = col_text(st, 2);
	f->severity = col_text(st, 3);
	f->title = col_text(st, 4);
	f->path = col_text(st, 5);
	f->line = sqlite3_column_int(st, 6);
	f->excerpt = col_text(st, 7);
}

int sr_store_scan_findings(sr_store *s, int64_t version_id, int limit, sr_row_fn fn, void *ud)
{
	sr_finding_row row;
	return each(s, query(s, Q_SCAN_FINDINGS, "Ii", version_id, limit), read_finding, &row, fn, ud);
}

int sr_store_scan_hold_put(sr_store *s, int64_t skill_id, const char *source, int verdict,
			   int64_t version_id, int64_t now)
{
	return run(s, Q_SCAN_HOLD_PUT, "ItiII", skill_id, source, verdict, version_id, now);
}

static void read_hold(sr_store *s, sqlite3_stmt *st, void *row)
{
	sr_hold_row *h = row;
	h->source = col_text(st, 0);
	h->verdict = sqlite3_column_int(st, 1);
}

int sr_store_scan_holds(sr_store *s, int64_t skill_id, sr_row_fn fn, void *ud)
{
	sr_hold_row row;
	return each(s, query(s, Q_SCAN_HOLDS, "I", skill_id), read_hold, &row, fn, ud);
}

int sr_store_skill_moderate(sr_store *s, int64_t skill_id, int status, const char *reason, int flags,
			    int verdict)
{
	return run(s, Q_SKILL_MODERATE, "IitiN", skill_id, status, reason, flags, verdict);
}

int sr_store_report_add(sr_store *s, int64_t skill_id, int64_t user_id, const char *version,
			const char *reason, int64_t now, int64_t *report_id, int *added)
{
	int rc = run(s, Q_REPORT_INS, "IIttI", skill_id, user_id, version, reason, now);
	if (rc)
		return rc;
	*added = sqlite3_changes(s->db) > 0;
	if (*added) {
		*report_id = sqlite3_last_insert_rowid(s->db);
		return 0;
	}
	return one_int64(s, query(s, Q_REPORT_GET, "II", skill_id, user_id), report_id);
}

int sr_store_reports_bump(sr_store *s, int64_t skill_id, int64_t *count)
{
	return one_int64(s, query(s, Q_REPORTS_BUMP, "I", skill_id), count);
}

int sr_store_reports_count(sr_store *s, int64_t skill_id, int64_t *count)
{
	return one_int64(s, query(s, Q_REPORTS_COUNT, "I", skill_id), count);
}

int sr_store_reports_reset(sr_store *s, int64_t skill_id)
{
	return run(s, Q_REPORTS_RESET, "I", skill_id);
}

int sr_store_user_set_role(sr_store *s, int64_t user_id, int role)
{
	int rc = run(s, Q_USER_ROLE, "Ii", user_id, role);
	if (!rc && sqlite3_changes(s->db) == 0)
		return SR_ENOTFOUND;
	return rc;
}

static void read_modq(sr_store *s, sqlite3_stmt *st, void *row)
{
	sr_mod_queue_row *r = row;
	r->skill_id = sqlite3_column_int64(st, 0);
	r->created_at = sqlite3_column_int64(st, 1);
	r->version_id = sqlite3_column_int64(st, 2);
	r->scan_state = sqlite3_column_int(st, 3);
	r->requested_at = sqlite3_column_int64(st, 4);
}

int sr_store_moderation_queue_page(sr_store *s, int status, const char *reason, int64_t after_created,
				   int64_t after_id, int limit, sr_row_fn fn, void *ud)
{
	sr_mod_queue_row row;
	return each(s, query(s, Q_MOD_QUEUE_PAGE, "itIIi", status, reason, after_created, after_id, limit),
		    read_modq, &row, fn, ud);
}

int sr_store_skill_ids_page(sr_store *s, int64_t after_id, int limit, sr_row_fn fn, void *ud)
{
	return each_key(s, query(s, Q_SKILL_IDS_PAGE, "Ii", after_id, limit), fn, ud);
}
