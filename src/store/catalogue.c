/*
 * catalogue.c - the SQL text of every statement the store runs (SQLite dialect).
 *
 * One place per statement: the fixed statements by id (enum sr__q in internal.h, which
 * names the index each reads through) and the generated list statements, whose generator
 * (sr__list_sql_build) also writes PostgreSQL's; what each write can change in cached
 * answers is effects.c's, for every engine. test_queryplan runs EXPLAIN
 * QUERY PLAN on every statement here and fails on a scan, so a statement that would read a
 * table end to end cannot slip in. A second engine brings a catalogue of its own with the
 * same ids, parameters and result columns, and its own full-text match syntax
 * (sr__lite_match_expr here).
 */
#include <pthread.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/catalogue.h"
#include "store/internal.h"
#include "store/sqlite.h"

static const char *const fixed_sql[Q_FIXED_COUNT] = {
	/* The search engine's word index (sql/sqlite/0019_search_postings.sql). A term's postings
	 * are its key range read backwards, best impact first, cut at ?2: the read never grows
	 * with how many skills hold the term. */
	[Q_TERM_GET] = "SELECT df, titled FROM search_terms WHERE term = ?1",
	/* A prefix reads the words of names, slugs and summaries, as a typo does. */
	[Q_TERMS_PREFIX] = "SELECT term, df FROM search_terms WHERE term >= ?1 AND term < ?2 AND df > 0 AND titled > 0 "
			   "ORDER BY term LIMIT ?3",
	/* A skill's index is written in a few statements whatever its number of terms: its terms,
	 * postings and new typo keys go as one JSON array each (postings.c). The vocabulary's
	 * upsert answers each term's titled count: 1 is a term titled for the first time, whose
	 * typo keys are then written. */
	[Q_TERM_ADD] = "INSERT INTO search_terms(term, df, titled) "
		       "SELECT json_extract(value, '$[0]'), 1, json_extract(value, '$[1]') FROM json_each(?1) WHERE 1 "
		       "ON CONFLICT(term) DO UPDATE SET df = search_terms.df + 1, "
		       "titled = search_terms.titled + excluded.titled",
	/* The vocabulary counts of a skill's terms, one less, before its postings are dropped. */
	[Q_TERM_DROP] = "UPDATE search_terms SET df = max(0, df - 1) WHERE term IN "
			"(SELECT term FROM search_postings INDEXED BY ix_postings_skill WHERE skill_id = ?1)",
	[Q_POSTINGS] = "SELECT skill_id, impact FROM search_postings WHERE term = ?1 "
		       "ORDER BY impact DESC, skill_id DESC LIMIT ?2",
	[Q_POSTING_ADD] = "INSERT OR IGNORE INTO search_postings(term, impact, skill_id) "
			  "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), ?2 FROM json_each(?1)",
	[Q_POSTINGS_DEL] = "DELETE FROM search_postings WHERE skill_id = ?1",
	[Q_TYPO_ADD] = "INSERT OR IGNORE INTO search_typos(key, word, term) "
		       "SELECT json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]'), t.term FROM json_each(?1) j "
		       "CROSS JOIN search_terms t ON t.term = json_extract(j.value, '$[2]') WHERE t.titled = 1",
	[Q_INDEX_SOURCE] = "SELECT s.id, s.slug, s.display_name, s.summary, t.body, s.stats_downloads, "
			    "s.stats_installs, s.stats_stars FROM skills s "
			    "LEFT JOIN search_text t ON t.skill_id = s.id WHERE s.id = ?1",
	[Q_SEARCH_TEXT_SET] = "INSERT INTO search_text(skill_id, body) VALUES (?1, ?2) "
			      "ON CONFLICT(skill_id) DO UPDATE SET body = excluded.body",
	/* A search's candidates, fetched SR_IDS_BATCH at a time (unused slots hold 0, no id). */
	[Q_SKILLS_BY_IDS] = "SELECT " SKILL_COLS SKILL_FROM "WHERE s.id IN (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	/* The typo keys of a query word, SR_TYPO_KEYS at a time (unused slots hold '', no key). */
	[Q_TYPOS] = "SELECT k.word, k.term, t.df FROM search_typos k CROSS JOIN search_terms t ON t.term = k.term "
		    "WHERE k.key IN (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) "
		    "AND t.df > 0 LIMIT ?17",
	[Q_USER_ADD] = "INSERT INTO users(handle, display_name, role, created_at) VALUES (?1, ?2, ?3, ?4)",
	[Q_USER_BY_HANDLE] = "SELECT id, handle, display_name, image, role, deactivated_at FROM users WHERE handle = ?1",
	[Q_USER_BY_ID] = "SELECT id, handle, display_name, image, role, deactivated_at FROM users WHERE id = ?1",
	/* An imported owner's account (skillreg import), made with the GitHub login that claims it. */
	[Q_USER_ADD_CLAIMABLE] = "INSERT INTO users(handle, display_name, role, created_at, claim_github) VALUES (?1, ?2, ?3, ?4, ?5)",
	[Q_USER_BAN] = "UPDATE users SET deactivated_at = ?2, ban_reason = ?3 WHERE id = ?1",
	[Q_USER_BAN_SKILLS] = "UPDATE skills SET moderation_status = 1, moderation_reason = 'user.banned', "
			      "soft_deleted_at = coalesce(soft_deleted_at, ?2) WHERE owner_id = ?1",
	/* Before the ban hides them: each skill's moderation state, unless already banned. */
	[Q_BAN_HOLDS_SAVE] = "INSERT INTO ban_holds(skill_id, user_id, moderation_status, moderation_reason, soft_deleted_at) "
			     "SELECT id, owner_id, moderation_status, moderation_reason, soft_deleted_at FROM skills "
			     "WHERE owner_id = ?1 AND coalesce(moderation_reason, '') != 'user.banned' "
			     "ON CONFLICT(skill_id) DO NOTHING",
	/* An unban: the skills still as the ban left them get their state back. */
	[Q_UNBAN_RESTORE] = "UPDATE skills SET moderation_status = h.moderation_status, moderation_reason = h.moderation_reason, "
			    "soft_deleted_at = h.soft_deleted_at FROM ban_holds AS h INDEXED BY ix_ban_holds_user "
			    "WHERE h.user_id = ?1 AND skills.id = h.skill_id AND skills.owner_id = h.user_id "
			    "AND skills.moderation_reason = 'user.banned'",
	/* Those with no hold (banned before there were holds): ClawHub's rule. */
	[Q_UNBAN_UNHELD] = "UPDATE skills SET moderation_status = 0, moderation_reason = 'restored.unban', "
			   "soft_deleted_at = CASE WHEN soft_deleted_at = ?2 THEN NULL ELSE soft_deleted_at END "
			   "WHERE owner_id = ?1 AND moderation_reason = 'user.banned'",
	[Q_BAN_HOLDS_DROP] = "DELETE FROM ban_holds WHERE user_id = ?1",
	[Q_USER_UNBAN] = "UPDATE users SET deactivated_at = NULL, ban_reason = NULL WHERE id = ?1 AND deactivated_at IS NOT NULL",
	[Q_TOKENS_REVOKE_USER] = "UPDATE api_tokens SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL",
	[Q_SESSIONS_END_USER] = "DELETE FROM web_sessions WHERE user_id = ?1",
	[Q_TOKEN_ADD] = "INSERT INTO api_tokens(user_id, label, prefix, token_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
	[Q_TOKEN_LOOKUP] = "SELECT t.revoked_at, u.id, u.handle, u.display_name, u.image, u.role, u.deactivated_at, t.expires_at, "
			   "t.id, t.last_used_at FROM api_tokens t CROSS JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?1",
	[Q_TOKEN_REVOKE] = "UPDATE api_tokens SET revoked_at = ?3 WHERE prefix >= ?1 AND prefix < ?2 AND revoked_at IS NULL",
	[Q_SKILLS_BY_SLUG] = "SELECT " SKILL_COLS SKILL_FROM "WHERE s.slug = ?1 ORDER BY s.id LIMIT ?2",
	[Q_SKILL_BY_OWNER_SLUG] = "SELECT " LOOKUP_COLS SKILL_FROM "WHERE s.owner_id = ?1 AND s.slug = ?2",
	[Q_LOOKUP_BY_SLUG] = "SELECT " LOOKUP_COLS SKILL_FROM "WHERE s.slug = ?1 ORDER BY s.id LIMIT ?2",
	[Q_SKILL_BY_ID] = "SELECT " SKILL_COLS SKILL_FROM "WHERE s.id = ?1",
	[Q_SKILLS_BY_ALIAS] = "SELECT " LOOKUP_COLS " FROM skill_aliases a CROSS JOIN skills s ON s.id = a.skill_id "
			      "CROSS JOIN users u ON u.id = s.owner_id WHERE a.slug = ?1 LIMIT ?2",
	[Q_SKILL_BY_OWNER_ALIAS] = "SELECT " LOOKUP_COLS " FROM skill_aliases a CROSS JOIN skills s ON s.id = a.skill_id "
				   "CROSS JOIN users u ON u.id = s.owner_id WHERE a.owner_id = ?1 AND a.slug = ?2",
	[Q_LOOKUP_ANY] = "SELECT " LOOKUP_COLS SLUG_OR_ALIAS_FROM("?1", "CROSS JOIN") "LIMIT ?2",
	[Q_LOOKUP_OWNED] = OWNED_OR_ALIAS("?1", "?2", "CROSS JOIN", "", ""),
	/* Under BEGIN IMMEDIATE the next rowid is the last one's plus one, as SQLite picks it (the
	 * ids are used only from a read under the lock: no digest, store.h). */
	[Q_SLUG_CLAIMS] = SLUG_CLAIMS_IDS("?1", "?2", "?3", "?4", "CROSS JOIN",
					      "(SELECT coalesce(max(id), 0) + 1 FROM skills)",
					      "(SELECT coalesce(max(id), 0) + 1 FROM skill_versions)", "NULL"),
	/* PostgreSQL's only: the claims read here carry no digest to assert (store.h). */
	[Q_SLUG_CLAIMS_EXPECT] = NULL,
	[Q_DETAIL_ANY] = "SELECT " SKILL_COLS ", " DETAIL_COLS SLUG_OR_ALIAS_FROM("?1", "CROSS JOIN") DETAIL_JOIN " LIMIT ?2",
	[Q_DETAIL_OWNED] = "SELECT " SKILL_COLS ", " DETAIL_COLS " FROM users o CROSS JOIN skills s ON s.owner_id = o.id "
			   "AND s.slug = ?2 CROSS JOIN users u ON u.id = s.owner_id" DETAIL_JOIN " WHERE o.handle = ?1",
	[Q_DETAIL_BY_ID] = "SELECT " SKILL_COLS ", " DETAIL_COLS SKILL_FROM DETAIL_JOIN " WHERE s.id = ?1",
	[Q_LOOKUP_VERSION_ANY] = "SELECT " LOOKUP_COLS ", " VERSION_COLS_V SLUG_OR_ALIAS_FROM("?1", "CROSS JOIN") VERSION_JOIN("?2") " LIMIT ?3",
	[Q_LOOKUP_VERSION_OWNED] = "SELECT " LOOKUP_COLS ", " VERSION_COLS_V " FROM users o CROSS JOIN skills s "
				   "ON s.owner_id = o.id AND s.slug = ?2 CROSS JOIN users u ON u.id = s.owner_id" VERSION_JOIN("?3") " WHERE o.handle = ?1",
	[Q_ALIAS_ADD] = "INSERT INTO skill_aliases(owner_id, slug, skill_id, created_at) VALUES (?1, ?2, ?3, ?4) "
			"ON CONFLICT(owner_id, slug) DO UPDATE SET skill_id = excluded.skill_id, created_at = excluded.created_at",
	[Q_ALIAS_DEL] = "DELETE FROM skill_aliases WHERE owner_id = ?1 AND slug = ?2",
	[Q_ALIASES_REPOINT] = "UPDATE skill_aliases SET skill_id = ?2 WHERE skill_id = ?1",
	[Q_SKILL_RENAME] = "UPDATE skills SET slug = ?2, slug_shared = 0, updated_at = ?3 WHERE id = ?1",
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
			     "AND (scan_verdict IS NULL OR scan_verdict <> 2) "
			     "ORDER BY created_at DESC, id DESC LIMIT ?2",
	[Q_VERSIONS_AFTER] = "SELECT " VERSION_COLS " FROM skill_versions INDEXED BY ix_versions_skill_created "
			     "WHERE skill_id = ?1 AND soft_deleted_at IS NULL "
			     "AND (scan_verdict IS NULL OR scan_verdict <> 2) "
			     "AND (created_at, id) < (?3, ?4) "
			     "ORDER BY created_at DESC, id DESC LIMIT ?2",
	[Q_VERSIONS_ALL] = "SELECT " VERSION_COLS " FROM skill_versions INDEXED BY ux_versions_skill_version "
			   "WHERE skill_id = ?1 LIMIT ?2",
	[Q_VERSION_BY_FP] = "SELECT " VERSION_COLS " FROM skill_versions INDEXED BY ix_versions_skill_fp "
			    "WHERE skill_id = ?1 AND fingerprint = ?2 AND soft_deleted_at IS NULL "
			    "ORDER BY created_at DESC LIMIT 1",
	[Q_FILES] = "SELECT path, sha256, content_type, size, ord FROM version_files WHERE version_id = ?1 ORDER BY ord",
	[Q_FILE] = "SELECT path, sha256, content_type, size, ord FROM version_files WHERE version_id = ?1 AND path = ?2",
	[Q_COLD] = "SELECT frontmatter_json, metadata_json FROM version_cold WHERE version_id = ?1",
	[Q_SKILL_INSERT] = "INSERT INTO skills(owner_id, slug, display_name, summary, created_at, updated_at, slug_shared) "
			   "VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)",
	[Q_SKILL_INSERT_AT] = "INSERT INTO skills(id, owner_id, slug, display_name, summary, created_at, updated_at, "
			      "slug_shared) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)",
	[Q_RESERVED_HOLDER] = "SELECT owner_id FROM reserved_slugs WHERE slug = ?1 AND expires_at > ?2 LIMIT 4",
	[Q_RESERVE] = "INSERT INTO reserved_slugs(slug, owner_id, expires_at) VALUES (?1, ?2, ?3) "
		      "ON CONFLICT(slug, owner_id) DO UPDATE SET expires_at = excluded.expires_at",
	[Q_UNRESERVE] = "DELETE FROM reserved_slugs WHERE slug = ?1 AND owner_id = ?2",
	[Q_VERSION_INSERT] = "INSERT INTO skill_versions(skill_id, version, fingerprint, changelog, changelog_source, "
			     "created_by, created_at, file_count, total_size, zip_sha256, zip_size) "
			     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[Q_VERSION_INSERT_AT] = "INSERT INTO skill_versions(id, skill_id, version, fingerprint, changelog, "
				"changelog_source, created_by, created_at, file_count, total_size, zip_sha256, zip_size) "
				"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
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
	/* The fold takes the oldest ?1 events not folded yet and marks them in the statement that
	 * returns them, inside its transaction (stats.c): an event is folded and marked, or
	 * neither. The outer folded = 0 makes a second claimant skip a row another one marked. */
	[Q_EVENTS_CLAIM] = "UPDATE stat_events SET folded = 1 WHERE folded = 0 AND id IN (SELECT id FROM stat_events "
			   "INDEXED BY ix_events_unfolded WHERE folded = 0 ORDER BY id LIMIT ?1) RETURNING id, skill_id, kind, day",
	[Q_DAILY_UPSERT] = "INSERT INTO skill_daily_stats(skill_id, day, downloads, installs) VALUES (?1, ?2, ?3, ?4) "
			   "ON CONFLICT(skill_id, day) DO UPDATE SET downloads = downloads + excluded.downloads, "
			   "installs = installs + excluded.installs",
	[Q_COUNTERS_ADJ] = "UPDATE skills SET stats_downloads = stats_downloads + ?2, stats_installs = stats_installs + ?3 "
			   "WHERE id = ?1",
	/* The fold's high-water mark: the highest event id folded so far, never lowered. */
	[Q_CURSOR_SET] = "INSERT INTO stat_cursors(name, last_event_id) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE "
			 "SET last_event_id = max(stat_cursors.last_event_id, excluded.last_event_id)",
	[Q_TICKET_ADD] = "INSERT INTO upload_tickets(ticket, user_id, path, size, sha256, content_type, created_at, expires_at) "
			 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[Q_TICKET_GET] = "SELECT ticket, user_id, path, size, sha256, content_type, expires_at, uploaded_at, used_at "
			 "FROM upload_tickets WHERE ticket = ?1",
	[Q_TICKET_UPLOADED] = "UPDATE upload_tickets SET uploaded_at = ?2 WHERE ticket = ?1",
	/* An expired ticket is not used: the publish that would take it is refused in its
	 * transaction, however late it comes after the API's own check. */
	[Q_TICKET_USED] = "UPDATE upload_tickets SET used_at = ?2 WHERE ticket = ?1 AND used_at IS NULL AND expires_at > ?2",
	[Q_TICKETS_GET] = "SELECT ticket, user_id, path, size, sha256, content_type, expires_at, uploaded_at, used_at "
			  "FROM upload_tickets WHERE ticket IN (SELECT value FROM json_each(?1))",
	/* PostgreSQL's only: SQLite's publish marks its tickets one by one (store.h). */
	[Q_TICKETS_USE_EXPECT] = NULL,
	[Q_TICKETS_EXPIRE] = "DELETE FROM upload_tickets WHERE ticket IN (SELECT ticket FROM upload_tickets "
			     "WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2)",
	[Q_BLOB_REF_FILE] = "SELECT 1 FROM version_files WHERE sha256 = ?1 LIMIT 1",
	[Q_BLOB_REF_ZIP] = "SELECT 1 FROM skill_versions WHERE zip_sha256 = ?1 LIMIT 1",
	[Q_BLOB_REF_TICKET] = "SELECT 1 FROM upload_tickets WHERE sha256 = ?1 AND expires_at > ?2 LIMIT 1",
	[Q_TICKETS_PENDING] = "SELECT count(*), coalesce(sum(size), 0) FROM (SELECT size FROM upload_tickets "
			      "INDEXED BY ix_tickets_user_live WHERE user_id = ?1 AND used_at IS NULL AND expires_at > ?2 "
			      "LIMIT ?3) AS live",
	[Q_BLOB_REF_HOLD] = "SELECT 1 FROM blob_holds WHERE sha256 = ?1 AND expires_at > ?2 LIMIT 1",
	/* ?2 a JSON array of the shas; `WHERE true` tells the upsert from the SELECT's join. */
	[Q_BLOB_HOLD_ADD] = "INSERT INTO blob_holds(hold, sha256, expires_at) SELECT ?1, value, ?3 FROM json_each(?2) "
			    "WHERE true ON CONFLICT DO NOTHING",
	[Q_BLOB_HOLD_DEL] = "DELETE FROM blob_holds WHERE hold = ?1",
	[Q_BLOB_HOLDS_EXPIRE] = "DELETE FROM blob_holds WHERE (hold, sha256) IN (SELECT hold, sha256 FROM blob_holds "
				"WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2)",
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
	/* ?3 (the version's skill) only names the skill for the cache effects below. A request
	 * drops any scan claim: a scan in flight then finishes nothing, and the next worker to
	 * ask scans the version again. */
	[Q_VERSION_SCAN_REQUEST] = "UPDATE skill_versions SET scan_state = 1, scan_requested_at = ?2, scan_claimed_at = NULL, "
				   "scan_claimed_by = NULL WHERE id = ?1 AND skill_id = ?3",
	/* Only an active skill waits visibly for its scan: a hide by staff or by reports keeps
	 * its reason (and with it the owner's 403 text) through later publishes. */
	[Q_SKILL_MARK_PENDING] = "UPDATE skills SET moderation_reason = 'pending.scan' WHERE id = ?1 AND moderation_status = 0",
	[Q_SCAN_QUEUE] = "SELECT id, scan_requested_at FROM skill_versions INDEXED BY ix_versions_scan_queue "
			 "WHERE scan_state = 1 AND (scan_requested_at, id) > (?1, ?2) ORDER BY scan_requested_at, id LIMIT ?3",
	[Q_VERSION_SCAN_GET] = "SELECT id, skill_id, version, zip_sha256, scan_state, scan_verdict, scan_requested_at, "
			       "scanned_at, soft_deleted_at, scan_claimed_at, created_by FROM skill_versions WHERE id = ?1",
	/* A publisher's malware findings (migration 0024), for the auto-ban. */
	[Q_MALWARE_FINDING_ADD] = "INSERT INTO malware_findings(user_id, skill_id, version_id, created_at) VALUES (?1, ?2, ?3, ?4) "
				  "ON CONFLICT(user_id, version_id) DO NOTHING",
	[Q_USER_CLAIMABLE] = "SELECT claim_github IS NOT NULL FROM users WHERE id = ?1",
	[Q_MALWARE_FINDINGS] = "SELECT skill_id, version_id FROM malware_findings WHERE user_id = ?1 ORDER BY id DESC LIMIT ?2",
	[Q_MALWARE_FINDINGS_SKILL_DROP] = "DELETE FROM malware_findings WHERE skill_id = ?1",
	/* A worker's claim on a pending version (?3 its claim, ?4 the lease): one row changed
	 * means no claim was held, or the one held is older than the lease, and this worker
	 * scans the version. Primary key; claims that race queue on the write lock. */
	[Q_VERSION_SCAN_CLAIM] = "UPDATE skill_versions SET scan_claimed_at = ?2, scan_claimed_by = ?3 WHERE id = ?1 "
				 "AND scan_state = 1 AND (scan_claimed_at IS NULL OR scan_claimed_at <= ?2 - ?4)",
	/* A rescan requested while the scan ran moved scan_requested_at: the version then stays
	 * pending and is scanned again. ?7, the claim the scan ran under, must still be held
	 * (NULL: a scan by hand, which holds none and overrides any); the finish drops it. */
	[Q_VERSION_SCAN_FINISH] = "UPDATE skill_versions SET scan_state = ?2, scan_verdict = ?3, scanned_at = ?4, "
				  "scan_claimed_at = NULL, scan_claimed_by = NULL WHERE id = ?1 AND scan_requested_at IS ?5 "
				  "AND skill_id = ?6 AND (?7 IS NULL OR scan_claimed_by = ?7)",
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
	/* One row per (skill, user): an open report stays as it is, a resolved or dismissed one is
	 * opened again with the new reason, as ClawHub's reopen does. */
	[Q_REPORT_INS] = "INSERT INTO skill_reports(skill_id, user_id, version, reason, created_at) VALUES (?1, ?2, ?3, ?4, ?5) "
			 "ON CONFLICT(skill_id, user_id) DO UPDATE SET version = excluded.version, reason = excluded.reason, "
			 "created_at = excluded.created_at, status = 0, triaged_by = NULL, triaged_at = NULL, triage_note = NULL, action_taken = NULL "
			 "WHERE skill_reports.status <> 0",
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
	/* A job's claim for one run (jobs.c): inserts the row, or moves it to this node when its
	 * last claim started at least ?4 ms before ?2; one row changed means this node won. */
	[Q_JOB_CLAIM] = "INSERT INTO job_claims(name, started_at, node) VALUES (?1, ?2, ?3) ON CONFLICT(name) DO UPDATE "
			"SET started_at = excluded.started_at, node = excluded.node, runs = job_claims.runs + 1 "
			"WHERE job_claims.started_at <= excluded.started_at - ?4",
	/* accounts (issue 13: src/auth) */
	[Q_IDENT_USER] = "SELECT user_id FROM user_identities WHERE provider = ?1 AND subject = ?2",
	[Q_IDENT_ADD] = "INSERT INTO user_identities(provider, subject, user_id, login, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
	[Q_USER_BY_CLAIM] = "SELECT id, handle, display_name, image, role, deactivated_at FROM users "
			    "WHERE claim_github = ?1 AND claim_github IS NOT NULL",
	[Q_USER_CLAIMED] = "UPDATE users SET claim_github = NULL WHERE id = ?1 AND claim_github IS NOT NULL",
	[Q_USER_SET_IMAGE] = "UPDATE users SET image = ?2 WHERE id = ?1",
	[Q_SESSION_ADD] = "INSERT INTO web_sessions(token_hash, user_id, created_at, expires_at, last_seen_at, user_agent, ip) "
			  "VALUES (?1, ?2, ?3, ?4, ?3, ?5, ?6)",
	[Q_SESSION_GET] = "SELECT w.id, w.expires_at, w.last_seen_at, u.id, u.handle, u.display_name, u.image, u.role, "
			  "u.deactivated_at FROM web_sessions w CROSS JOIN users u ON u.id = w.user_id WHERE w.token_hash = ?1",
	[Q_SESSION_TOUCH] = "UPDATE web_sessions SET last_seen_at = ?2 WHERE id = ?1",
	[Q_SESSION_END] = "DELETE FROM web_sessions WHERE id = ?1 AND user_id = ?2",
	[Q_SESSIONS_OF] = "SELECT id, created_at, expires_at, last_seen_at, user_agent, ip FROM web_sessions "
			  "WHERE user_id = ?1 ORDER BY user_id DESC, created_at DESC LIMIT ?2",
	[Q_PASSWORD_GET] = "SELECT hash FROM user_passwords WHERE user_id = ?1",
	[Q_PASSWORD_SET] = "INSERT INTO user_passwords(user_id, hash, updated_at) VALUES (?1, ?2, ?3) ON CONFLICT(user_id) "
			   "DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at",
	[Q_INVITE_ADD] = "INSERT INTO invites(token_hash, role, note, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
	[Q_INVITE_GET] = "SELECT id, role, expires_at, used_at FROM invites WHERE token_hash = ?1",
	[Q_INVITE_USE] = "UPDATE invites SET used_at = ?2, user_id = ?3 WHERE id = ?1 AND used_at IS NULL",
	[Q_DEVICE_ADD] = "INSERT INTO device_codes(device_hash, user_code_hash, user_code, label, scope, status, created_at, "
			 "expires_at, poll_interval) VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7, ?8)",
	[Q_DEVICE_BY_HASH] = "SELECT " DEVICE_COLS " FROM device_codes WHERE device_hash = ?1",
	[Q_DEVICE_BY_USER_CODE] = "SELECT " DEVICE_COLS " FROM device_codes WHERE user_code_hash = ?1 LIMIT 50",
	[Q_DEVICE_SET] = "UPDATE device_codes SET status = ?3, user_id = coalesce(?4, user_id) WHERE id = ?1 AND status = ?2",
	[Q_DEVICE_POLL] = "UPDATE device_codes SET last_poll_at = ?2, poll_interval = ?3 WHERE id = ?1",
	[Q_TOKEN_MINT] = "INSERT INTO api_tokens(user_id, label, prefix, token_hash, created_at, expires_at) "
			 "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[Q_TOKENS_OF] = "SELECT id, label, prefix, created_at, last_used_at, revoked_at, expires_at FROM api_tokens "
			"WHERE user_id = ?1 ORDER BY user_id DESC, created_at DESC LIMIT ?2",
	[Q_TOKEN_REVOKE_ID] = "UPDATE api_tokens SET revoked_at = ?3 WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL",
	/* The condition makes it one write per interval however many nodes see the token. */
	[Q_TOKEN_TOUCH] = "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at < ?3)",
	/* The owner's dashboard: every skill of the owner, deleted and hidden ones too, so the
	 * full index (not the public partial one) and one range of it. */
	[Q_OWNER_ALL_FIRST] = "SELECT " SKILL_COLS " FROM skills s INDEXED BY ix_skills_owner_updated "
			      "CROSS JOIN users u ON u.id = s.owner_id WHERE s.owner_id = ?1 "
			      "ORDER BY s.updated_at DESC, s.id DESC LIMIT ?2",
	[Q_OWNER_ALL_AFTER] = "SELECT " SKILL_COLS " FROM skills s INDEXED BY ix_skills_owner_updated "
			      "CROSS JOIN users u ON u.id = s.owner_id WHERE s.owner_id = ?1 "
			      "AND (s.updated_at, s.id) < (?3, ?4) ORDER BY s.updated_at DESC, s.id DESC LIMIT ?2",
	/* One person's stars, newest first: a range of ix_stars_user, each star's skill by key. */
	[Q_STARRED] = "SELECT " SKILL_COLS " FROM stars st INDEXED BY ix_stars_user CROSS JOIN skills s ON s.id = st.skill_id "
		      "CROSS JOIN users u ON u.id = s.owner_id WHERE st.user_id = ?1 ORDER BY st.created_at DESC LIMIT ?2",
	/* Org publishers, transfers and scan jobs (migration 0015). */
	[Q_USER_KIND] = "SELECT kind, trusted FROM users WHERE id = ?1",
	[Q_ORG_ADD] = "INSERT INTO users(handle, display_name, role, created_at, kind, trusted) VALUES (?1, ?2, 0, ?4, 1, ?3)",
	[Q_ORG_UPDATE] = "UPDATE users SET display_name = coalesce(?2, display_name), "
			 "trusted = CASE WHEN ?3 < 0 THEN trusted ELSE ?3 END WHERE id = ?1 AND kind = 1",
	[Q_MEMBER_ROLE] = "SELECT role FROM publisher_members WHERE publisher_id = ?1 AND user_id = ?2",
	[Q_MEMBER_SET] = "INSERT INTO publisher_members(publisher_id, user_id, role, created_at) VALUES (?1, ?2, ?3, ?4) "
			 "ON CONFLICT(publisher_id, user_id) DO UPDATE SET role = excluded.role",
	[Q_MEMBER_DEL] = "DELETE FROM publisher_members WHERE publisher_id = ?1 AND user_id = ?2",
	[Q_MEMBER_OWNERS] = "SELECT count(*) FROM publisher_members WHERE publisher_id = ?1 AND role = 3",
	[Q_MEMBERS] = "SELECT m.publisher_id, m.user_id, m.role, u.handle, u.display_name FROM publisher_members m "
		      "CROSS JOIN users u ON u.id = m.user_id WHERE m.publisher_id = ?1 ORDER BY m.user_id LIMIT ?2",
	[Q_USER_ORGS] = "SELECT m.publisher_id, m.user_id, m.role, u.handle, u.display_name FROM publisher_members m "
			"CROSS JOIN users u ON u.id = m.publisher_id WHERE m.user_id = ?1 ORDER BY m.publisher_id LIMIT ?2",
	/* Invitations to an org (migration 0022). */
	[Q_ORG_INVITE_EXPIRE] = "UPDATE org_invites SET status = 4, decided_at = ?3 WHERE publisher_id = ?1 AND user_id = ?2 "
				"AND status = 0 AND expires_at <= ?3",
	[Q_ORG_INVITE_ADD] = "INSERT INTO org_invites(publisher_id, user_id, role, invited_by, created_at, expires_at) "
			     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[Q_ORG_INVITE_GET] = "SELECT id, publisher_id, user_id, role, invited_by, status, created_at, expires_at "
			     "FROM org_invites WHERE id = ?1",
	[Q_ORG_INVITE_DECIDE] = "UPDATE org_invites SET status = ?2, decided_at = ?3 WHERE id = ?1 AND status = 0",
	[Q_ORG_INVITES_OF_USER] = "SELECT i.id, i.publisher_id, i.user_id, i.role, i.invited_by, i.status, i.created_at, i.expires_at, o.handle, o.display_name, b.handle "
				  "FROM org_invites i CROSS JOIN users o ON o.id = i.publisher_id LEFT JOIN users b ON b.id = i.invited_by "
				  "WHERE i.user_id = ?1 AND i.status = 0 AND i.expires_at > ?2 ORDER BY i.id DESC LIMIT ?3",
	[Q_ORG_INVITES_OF_ORG] = "SELECT i.id, i.publisher_id, i.user_id, i.role, i.invited_by, i.status, i.created_at, i.expires_at, u.handle, u.display_name, b.handle "
				 "FROM org_invites i CROSS JOIN users u ON u.id = i.user_id LEFT JOIN users b ON b.id = i.invited_by "
				 "WHERE i.publisher_id = ?1 AND i.status = 0 AND i.expires_at > ?2 ORDER BY i.id DESC LIMIT ?3",
	[Q_SKILL_SET_OWNER] = "UPDATE skills SET owner_id = ?2, updated_at = ?3 WHERE id = ?1",
	[Q_ALIASES_MOVE] = "UPDATE skill_aliases SET owner_id = ?2 WHERE skill_id = ?1",
	[Q_TRANSFER_EXPIRE] = "UPDATE skill_transfers SET status = 4, resolved_at = ?2 "
			      "WHERE skill_id = ?1 AND status = 0 AND expires_at < ?2",
	[Q_TRANSFER_ADD] = "INSERT INTO skill_transfers(skill_id, from_user_id, to_user_id, message, created_at, expires_at) "
			   "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[Q_TRANSFER_PENDING] = "SELECT id, skill_id, from_user_id, to_user_id, created_at, expires_at, status "
			       "FROM skill_transfers WHERE skill_id = ?1 AND status = 0",
	[Q_TRANSFER_FINISH] = "UPDATE skill_transfers SET status = ?2, resolved_at = ?3, resolved_by = ?4 "
			      "WHERE id = ?1 AND status = 0",
	[Q_TRANSFERS_IN] = "SELECT t.id, t.skill_id, t.from_user_id, t.created_at, t.expires_at, s.slug, s.display_name, "
			   "t.message, u.handle, u.display_name, s.soft_deleted_at, u.deactivated_at, o.handle "
			   "FROM skill_transfers t CROSS JOIN skills s ON s.id = t.skill_id CROSS JOIN users u ON u.id = t.from_user_id "
			   "CROSS JOIN users o ON o.id = s.owner_id "
			   "WHERE t.to_user_id = ?1 AND t.status = 0 AND t.expires_at >= ?2 ORDER BY t.created_at DESC LIMIT ?3",
	[Q_TRANSFERS_OUT] = "SELECT t.id, t.skill_id, t.to_user_id, t.created_at, t.expires_at, s.slug, s.display_name, "
			    "t.message, u.handle, u.display_name, s.soft_deleted_at, u.deactivated_at, o.handle "
			    "FROM skill_transfers t CROSS JOIN skills s ON s.id = t.skill_id CROSS JOIN users u ON u.id = t.to_user_id "
			   "CROSS JOIN users o ON o.id = s.owner_id "
			    "WHERE t.from_user_id = ?1 AND t.status = 0 AND t.expires_at >= ?2 ORDER BY t.created_at DESC LIMIT ?3",
	/* Transfer history (migration 0017). */
	[Q_TRANSFER_HIST_IN] = "SELECT t.id, t.skill_id, t.from_user_id, t.to_user_id, t.status, t.created_at, t.expires_at, t.resolved_at, "
				 "t.resolved_by, t.message, s.slug, f.handle, r.handle FROM skill_transfers t "
				 "CROSS JOIN skills s ON s.id = t.skill_id CROSS JOIN users f ON f.id = t.from_user_id "
				 "CROSS JOIN users r ON r.id = t.to_user_id "
				 "WHERE t.to_user_id = ?1 ORDER BY t.to_user_id DESC, t.created_at DESC LIMIT ?2",
	[Q_TRANSFER_HIST_OUT] = "SELECT t.id, t.skill_id, t.from_user_id, t.to_user_id, t.status, t.created_at, t.expires_at, t.resolved_at, "
				 "t.resolved_by, t.message, s.slug, f.handle, r.handle FROM skill_transfers t "
				 "CROSS JOIN skills s ON s.id = t.skill_id CROSS JOIN users f ON f.id = t.from_user_id "
				 "CROSS JOIN users r ON r.id = t.to_user_id "
				 "WHERE t.from_user_id = ?1 ORDER BY t.from_user_id DESC, t.created_at DESC LIMIT ?2",
	[Q_TRANSFER_HIST_SKILL] = "SELECT t.id, t.skill_id, t.from_user_id, t.to_user_id, t.status, t.created_at, t.expires_at, t.resolved_at, "
				 "t.resolved_by, t.message, s.slug, f.handle, r.handle FROM skill_transfers t "
				 "CROSS JOIN skills s ON s.id = t.skill_id CROSS JOIN users f ON f.id = t.from_user_id "
				 "CROSS JOIN users r ON r.id = t.to_user_id "
				 "WHERE t.skill_id = ?1 ORDER BY t.skill_id DESC, t.created_at DESC LIMIT ?2",
	[Q_ALIASES_OF_SKILL] = "SELECT slug FROM skill_aliases WHERE skill_id = ?1 LIMIT ?2",
	[Q_SCAN_JOB_ADD] = "INSERT INTO scan_jobs(requester_id, skill_id, version_id, scan_update, created_at) "
			   "VALUES (?1, ?2, ?3, ?4, ?5)",
	[Q_SCAN_JOB_GET] = "SELECT id, requester_id, skill_id, version_id, scan_update, created_at FROM scan_jobs WHERE id = ?1",
	[Q_CARD_PUT] = "INSERT INTO skill_cards(version_id, sha256, size, content, created_at) VALUES (?1, ?2, ?3, ?4, ?5) "
		       "ON CONFLICT(version_id) DO UPDATE SET sha256 = excluded.sha256, size = excluded.size, "
		       "content = excluded.content, created_at = excluded.created_at",
	[Q_CARD_GET] = "SELECT sha256, size, content, created_at FROM skill_cards WHERE version_id = ?1",
	[Q_CARD_META] = "SELECT sha256, size, '', created_at FROM skill_cards WHERE version_id = ?1",
	/* The staff console and appeals (store/staff.c). Every page is one index range newest
	 * first (the queue oldest first), joined by primary keys. */
	[Q_STAFF_QUEUE] = "SELECT v.id, v.skill_id, v.scan_requested_at, v.scan_claimed_at, v.version, s.slug, u.handle "
			  "FROM skill_versions v INDEXED BY ix_versions_scan_queue CROSS JOIN skills s ON s.id = v.skill_id CROSS JOIN users u ON u.id = s.owner_id "
			  "WHERE v.scan_state = 1 AND (v.scan_requested_at, v.id) > (?1, ?2) ORDER BY v.scan_requested_at, v.id LIMIT ?3",
	[Q_STAFF_VERDICT] = "SELECT s.id, s.latest_version_id, s.soft_deleted_at, s.stats_reports, s.moderation_status, "
			    "s.moderation_flags, s.moderation_verdict, s.slug, s.display_name, s.moderation_reason, s.latest_version, u.handle "
			    "FROM skills s INDEXED BY ix_skills_verdict CROSS JOIN users u ON u.id = s.owner_id "
			    "WHERE s.moderation_verdict = ?1 AND s.id < ?2 ORDER BY s.id DESC LIMIT ?3",
	[Q_STAFF_REPORTS] = "SELECT r.id, r.skill_id, r.created_at, r.triaged_at, r.status, r.version, r.reason, r.triage_note, "
			    "ur.handle, ut.handle, s.slug, uo.handle, r.action_taken "
			    "FROM skill_reports r INDEXED BY ix_reports_status CROSS JOIN skills s ON s.id = r.skill_id CROSS JOIN users uo ON uo.id = s.owner_id "
			    "LEFT JOIN users ur ON ur.id = r.user_id LEFT JOIN users ut ON ut.id = r.triaged_by "
			    "WHERE r.status = ?1 AND r.id < ?2 ORDER BY r.id DESC LIMIT ?3",
	[Q_STAFF_REPORTS_ALL] = "SELECT r.id, r.skill_id, r.created_at, r.triaged_at, r.status, r.version, r.reason, r.triage_note, "
			    "ur.handle, ut.handle, s.slug, uo.handle, r.action_taken "
			    "FROM skill_reports r CROSS JOIN skills s ON s.id = r.skill_id CROSS JOIN users uo ON uo.id = s.owner_id "
			    "LEFT JOIN users ur ON ur.id = r.user_id LEFT JOIN users ut ON ut.id = r.triaged_by "
			    "WHERE r.id < ?1 ORDER BY r.id DESC LIMIT ?2",
	[Q_STAFF_SKILL_REPORTS] = "SELECT r.id, r.skill_id, r.created_at, r.triaged_at, r.status, r.version, r.reason, r.triage_note, "
			    "ur.handle, ut.handle, s.slug, uo.handle, r.action_taken "
			    "FROM skill_reports r CROSS JOIN skills s ON s.id = r.skill_id CROSS JOIN users uo ON uo.id = s.owner_id "
			    "LEFT JOIN users ur ON ur.id = r.user_id LEFT JOIN users ut ON ut.id = r.triaged_by "
			    "WHERE r.skill_id = ?1 LIMIT ?2",
	[Q_STAFF_APPEALS] = "SELECT a.id, a.skill_id, a.created_at, a.resolved_at, a.status, a.version, a.message, a.resolution_note, "
			    "us.handle, ur.handle, s.slug, uo.handle, NULL "
			    "FROM skill_appeals a INDEXED BY ix_appeals_status CROSS JOIN skills s ON s.id = a.skill_id CROSS JOIN users uo ON uo.id = s.owner_id "
			    "LEFT JOIN users us ON us.id = a.user_id LEFT JOIN users ur ON ur.id = a.resolved_by "
			    "WHERE a.status = ?1 AND a.id < ?2 ORDER BY a.id DESC LIMIT ?3",
	[Q_STAFF_AUDIT] = "SELECT a.id, a.created_at, a.skill_id, a.action, a.detail, ua.handle, s.slug, uo.handle FROM audit_log a "
			  "LEFT JOIN users ua ON ua.id = a.actor_id LEFT JOIN skills s ON s.id = a.skill_id "
			  "LEFT JOIN users uo ON uo.id = s.owner_id WHERE a.id < ?1 ORDER BY a.id DESC LIMIT ?2",
	[Q_STAFF_SKILL_AUDIT] = "SELECT a.id, a.created_at, a.skill_id, a.action, a.detail, ua.handle, s.slug, uo.handle FROM audit_log a "
			  "LEFT JOIN users ua ON ua.id = a.actor_id LEFT JOIN skills s ON s.id = a.skill_id "
			  "LEFT JOIN users uo ON uo.id = s.owner_id WHERE a.skill_id = ?1 ORDER BY a.skill_id DESC, a.created_at DESC LIMIT ?2",
	[Q_APPEALS_OF_SKILL] = "SELECT a.id, a.skill_id, a.created_at, a.resolved_at, a.status, a.version, a.message, a.resolution_note, "
			    "us.handle, ur.handle, s.slug, uo.handle, NULL "
			    "FROM skill_appeals a INDEXED BY ix_appeals_skill CROSS JOIN skills s ON s.id = a.skill_id CROSS JOIN users uo ON uo.id = s.owner_id "
			    "LEFT JOIN users us ON us.id = a.user_id LEFT JOIN users ur ON ur.id = a.resolved_by "
			    "WHERE a.skill_id = ?1 ORDER BY a.id DESC LIMIT ?2",
	[Q_STAFF_APPEALS_ALL] = "SELECT a.id, a.skill_id, a.created_at, a.resolved_at, a.status, a.version, a.message, a.resolution_note, "
			    "us.handle, ur.handle, s.slug, uo.handle, NULL "
			    "FROM skill_appeals a CROSS JOIN skills s ON s.id = a.skill_id CROSS JOIN users uo ON uo.id = s.owner_id "
			    "LEFT JOIN users us ON us.id = a.user_id LEFT JOIN users ur ON ur.id = a.resolved_by "
			    "WHERE a.id < ?1 ORDER BY a.id DESC LIMIT ?2",
	/* One account for the console's user page: the handle's unique index, one row. */
	[Q_STAFF_ACCOUNT] = "SELECT id, handle, display_name, role, kind, created_at, deactivated_at, ban_reason "
			    "FROM users WHERE handle = ?1",
	[Q_STAFF_BANNED] = "SELECT id, handle, display_name, role, kind, created_at, deactivated_at, ban_reason "
			   "FROM users INDEXED BY ix_users_banned WHERE deactivated_at IS NOT NULL "
			   "ORDER BY deactivated_at DESC, id DESC LIMIT ?1",
	[Q_REPORT_BY_ID] = "SELECT skill_id, status FROM skill_reports WHERE id = ?1",
	[Q_REPORT_TRIAGE] = "UPDATE skill_reports SET status = ?2, triaged_by = ?3, triaged_at = ?4, triage_note = ?5, action_taken = ?6 "
			    "WHERE id = ?1 AND status = 0",
	[Q_REPORTS_DROP] = "UPDATE skills SET stats_reports = max(stats_reports - 1, 0) WHERE id = ?1",
	[Q_APPEAL_INS] = "INSERT OR IGNORE INTO skill_appeals(skill_id, version_id, version, user_id, message, created_at) "
			 "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[Q_APPEAL_OPEN] = "SELECT id FROM skill_appeals WHERE skill_id = ?1 AND version_id = ?2 AND status = 0",
	[Q_APPEAL_BY_ID] = "SELECT skill_id, status FROM skill_appeals WHERE id = ?1",
	[Q_APPEAL_RESOLVE] = "UPDATE skill_appeals SET status = ?2, resolved_by = ?3, resolved_at = ?4, resolution_note = ?5 "
			     "WHERE id = ?1 AND status = 0",
};

/* The generated list statements (internal.h). SQLite's name their partial index with
 * INDEXED BY, so a change that makes the index unusable fails at prepare time instead of
 * becoming a scan. */
static char *list_sql[SR__LIST_VARIANTS];
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

int sr__list_statement(int sort, int filter, int desc, int after, int prefix)
{
	return Q_FIXED_COUNT + list_index(sort, filter, desc, after, prefix);
}

int sr__sort_is_text(int sort)
{
	return sort >= 0 && sort < SR_SORT_COUNT && sort_keys[sort].text;
}

/* One list statement: the keyset range of one partial index, limit ?4 rows. */
static char *list_one(const sr__dialect *d, int sort, int filter, int desc, int after, int prefix)
{
	const char *k1 = sort_keys[sort].k1, *k2 = sort_keys[sort].k2;
	const char *dir = desc ? "DESC" : "ASC";
	const char *cmp = desc ? "<" : ">";
	const char *set = filter == SR_FILTER_LISTED ? "list" : "pub";
	char p = d->param;
	sr_buf b;
	sr_buf_init(&b, 4096);
	sr_buf_puts(&b, "SELECT " SKILL_COLS " FROM skills s ");
	if (d->indexed_by)
		sr_buf_printf(&b, "INDEXED BY ix_%s_%s ", set, sort_keys[sort].index);
	sr_buf_printf(&b, "%s users u ON u.id = s.owner_id WHERE s.%s%s", d->join,
		      filter == SR_FILTER_LISTED ? "is_listed" : "is_public", d->is_true);
	if (prefix)
		sr_buf_printf(&b, " AND s.slug >= %c5 AND s.slug < %c6", p, p);
	if (after) {
		if (k2)
			sr_buf_printf(&b, " AND (s.%s, s.%s, s.id) %s (%c1, %c2, %c3)", k1, k2, cmp, p, p, p);
		else
			sr_buf_printf(&b, " AND (s.%s, s.id) %s (%c1, %c3)", k1, cmp, p, p);
	}
	if (k2)
		sr_buf_printf(&b, " ORDER BY s.%s %s, s.%s %s, s.id %s", k1, dir, k2, dir, dir);
	else
		sr_buf_printf(&b, " ORDER BY s.%s %s, s.id %s", k1, dir, dir);
	sr_buf_printf(&b, " LIMIT %c4", p);
	return sr_buf_steal(&b, NULL);
}

void sr__list_sql_build(const sr__dialect *d, char **out)
{
	for (int sort = 0; sort < SR_SORT_COUNT; sort++)
		for (int filter = 0; filter < SR_FILTER_COUNT; filter++)
			for (int desc = 0; desc < 2; desc++)
				for (int after = 0; after < 2; after++)
					for (int prefix = 0; prefix < 2; prefix++) {
		/* Prefix listing exists only for the name sort; other slots stay empty. */
		int i = list_index(sort, filter, desc, after, prefix);
		out[i] = prefix && sort != SR_SORT_NAME ? NULL : list_one(d, sort, filter, desc, after, prefix);
	}
}

static void build_list_sql(void)
{
	static const sr__dialect sqlite = {'?', 1, "", "CROSS JOIN"};
	sr__list_sql_build(&sqlite, list_sql);
}

int sr_store_statement_count(void)
{
	return SR__Q_TOTAL;
}

const char *sr_store_statement_sql(int i)
{
	pthread_once(&list_once, build_list_sql);
	if (i < 0 || i >= SR__Q_TOTAL)
		return NULL;
	return i < Q_FIXED_COUNT ? fixed_sql[i] : list_sql[i - Q_FIXED_COUNT];
}

/* ---- full-text match expressions (FTS5 syntax) ---- */

/* Appends s as an FTS5 string token ("..." with quotes doubled). */
static int fts_quote(sr_buf *b, const char *s, size_t n)
{
	int rc = sr_buf_putc(b, '"');
	for (size_t i = 0; i < n && !rc; i++)
		rc = s[i] == '"' ? sr_buf_puts(b, "\"\"") : sr_buf_putc(b, s[i]);
	return rc ? rc : sr_buf_putc(b, '"');
}

/* Appends "tok1" AND "tok2" ...: every token as a quoted string (the trigram index matches
 * each as a substring). */
static int all_tokens(sr_buf *b, const char *const *tokens, int n)
{
	int rc = 0;
	for (int t = 0; t < n && !rc; t++) {
		if (t)
			rc = sr_buf_puts(b, " AND ");
		if (!rc)
			rc = fts_quote(b, tokens[t], strlen(tokens[t]));
	}
	return rc;
}

static int is_cjk_lead(const unsigned char *p)
{
	/* Three-byte sequences from U+2E80 up to U+9FFF and the Hangul block. */
	return (p[0] == 0xe2 && p[1] >= 0xba) || (p[0] >= 0xe3 && p[0] <= 0xe9) || (p[0] >= 0xea && p[0] <= 0xed);
}

/* Builds the query for the single-character index: CJK tokens become phrases of their
 * characters, other tokens whole words or, with prefix, word prefixes. */
static int short_query(sr_buf *b, const char *const *tokens, int n, int prefix)
{
	int rc = 0;
	for (int t = 0; t < n && !rc; t++) {
		if (t)
			rc = sr_buf_puts(b, " AND ");
		const unsigned char *p = (const unsigned char *)tokens[t];
		if (is_cjk_lead(p)) {
			sr_buf tmp;
			sr_buf_init(&tmp, 4096);
			while (*p && !rc) {
				size_t len = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc0 ? 2 : 1;
				if (tmp.len)
					rc = sr_buf_putc(&tmp, ' ');
				for (size_t k = 0; k < len && p[k] && !rc; k++)
					rc = sr_buf_putc(&tmp, (char)p[k]);
				p += len;
			}
			if (!rc)
				rc = fts_quote(b, tmp.data ? tmp.data : "", tmp.len);
			sr_buf_deinit(&tmp);
		} else {
			rc = fts_quote(b, tokens[t], strlen(tokens[t]));
			if (!rc && prefix)
				rc = sr_buf_putc(b, '*');
		}
	}
	return rc;
}

int sr__lite_match_expr(sr_buf *b, int match, const char *const *tokens, int n)
{
	int rc;
	switch (match) {
	case SR_MATCH_NAMES:
		/* A column filter: the trigram index's slug and name columns only. */
		rc = sr_buf_puts(b, "{slug display_name} : (");
		if (!rc)
			rc = all_tokens(b, tokens, n);
		return rc ? rc : sr_buf_putc(b, ')');
	case SR_MATCH_WORDS:
		return short_query(b, tokens, n, 0);
	case SR_MATCH_PREFIXES:
		return short_query(b, tokens, n, 1);
	case SR_MATCH_INSIDE:
		return all_tokens(b, tokens, n);
	}
	return SR_EINVAL;
}
