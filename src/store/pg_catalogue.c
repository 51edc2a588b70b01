/*
 * pg_catalogue.c - the SQL text of every statement the store runs, PostgreSQL dialect.
 *
 * One statement per id of catalogue.c (enum sr__q in internal.h), with the same parameter
 * numbers ($N for ?N), the same result columns in the same order, and the list statements
 * from catalogue.c's generator (sr__list_sql_build). The schema is sql/postgres/0001_init.sql.
 * What differs from SQLite's text, and why:
 *   - No INDEXED BY: the partial indexes are chosen by the planner because every predicate
 *     is written exactly as the index's (`s.is_listed = 1`); tests/unit/test_pg_catalogue.c
 *     runs EXPLAIN on generic plans with sequential scans disabled and checks the index of
 *     each list statement, which is what INDEXED BY guarantees on SQLite.
 *   - Results are integers or text, never booleans (a comparison read as a number is cast
 *     ::integer); sums are cast back to bigint.
 *   - INSERT OR IGNORE is ON CONFLICT DO NOTHING, IS NOT is IS DISTINCT FROM, max() of two
 *     values is greatest(); inserts whose id is read with sr__last_id return it.
 *   - Search reads the trigram and tsvector tables of 0001_init.sql under the same windows
 *     as SQLite's FTS5: the newest ?3 matches, of which the best ?4 are joined to skills.
 */
#include "store/pg_catalogue.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/catalogue.h"
#include "store/internal.h"

/* PostgreSQL has no CROSS JOIN ... ON; the planner orders the joins itself. */
#define PG_SKILL_FROM " FROM skills s JOIN users u ON u.id = s.owner_id "
#define PG_ALIAS_FROM " FROM skill_aliases a JOIN skills s ON s.id = a.skill_id JOIN users u ON u.id = s.owner_id "
/* A digest of the rows of the CTE c: each row as text, sorted, so that the same rows give the
 * same digest whatever order a plan reads them in. */
#define CLAIMS_DIGEST                                                                                  \
	"(SELECT encode(sha256(convert_to(coalesce(string_agg(c::text, '|' ORDER BY c::text), ''), 'UTF8')), " \
	"'hex') FROM c)"
#define PG_SKILL_JOIN " JOIN skills s ON s.id = w.id JOIN users u ON u.id = s.owner_id "

/* The search statements' LIKE patterns ($1, a text[] literal), lower-cased as the indexed
 * texts are. */
#define PATTERNS "(lower($1::text)::text[])"
#define TSQUERY "to_tsquery('simple'::regconfig, $1::text)"

static const char *const fixed_sql[Q_FIXED_COUNT] = {
	/* The search engine's word index (sql/postgres/0011_search_postings.sql), as SQLite's: a
	 * term's postings are its primary key range read backwards, cut at $2. */
	[Q_TERM_GET] = "SELECT df, titled FROM search_terms WHERE term = $1",
	[Q_TERMS_PREFIX] = "SELECT term, df FROM search_terms WHERE term >= $1 AND term < $2 AND df > 0 AND titled > 0 "
			   "ORDER BY term LIMIT $3",
	/* A skill's terms, postings and new typo keys as one JSON array each (postings.c). */
	[Q_TERM_ADD] = "INSERT INTO search_terms(term, df, titled) "
		       "SELECT e->>0, 1, (e->>1)::bigint FROM json_array_elements($1::json) e "
		       "ON CONFLICT(term) DO UPDATE SET df = search_terms.df + 1, "
		       "titled = search_terms.titled + excluded.titled",
	[Q_TERM_DROP] = "UPDATE search_terms SET df = greatest(0, df - 1) WHERE term = ANY "
			"(ARRAY(SELECT term FROM search_postings WHERE skill_id = $1))",
	[Q_POSTINGS] = "SELECT skill_id, impact FROM search_postings WHERE term = $1 "
		       "ORDER BY impact DESC, skill_id DESC LIMIT $2",
	[Q_POSTING_ADD] = "INSERT INTO search_postings(term, impact, skill_id) "
			  "SELECT e->>0, (e->>1)::int, $2 FROM json_array_elements($1::json) e ON CONFLICT DO NOTHING",
	[Q_POSTINGS_DEL] = "DELETE FROM search_postings WHERE skill_id = $1",
	/* The term's row by its key for each key row (LATERAL and LIMIT: never a hash of the
	 * vocabulary, whatever its size). */
	[Q_TYPO_ADD] = "INSERT INTO search_typos(key, word, term) SELECT e->>0, e->>1, t.term FROM "
		       "json_array_elements($1::json) e CROSS JOIN LATERAL (SELECT term FROM search_terms "
		       "WHERE term = e->>2 AND titled = 1 LIMIT 1) t ON CONFLICT DO NOTHING",
	[Q_INDEX_SOURCE] = "SELECT s.id, s.slug, s.display_name, s.summary, t.body, s.stats_downloads, "
			    "s.stats_installs, s.stats_stars FROM skills s "
			    "LEFT JOIN search_text t ON t.skill_id = s.id WHERE s.id = $1",
	[Q_SEARCH_TEXT_SET] = "INSERT INTO search_text(skill_id, body) VALUES ($1, $2) "
			      "ON CONFLICT(skill_id) DO UPDATE SET body = excluded.body",
	[Q_SKILLS_BY_IDS] = "SELECT " SKILL_COLS PG_SKILL_FROM "WHERE s.id IN ($1, $2, $3, $4, $5, $6, $7, $8)",
	[Q_TYPOS] = "SELECT k.word, k.term, t.df FROM search_typos k JOIN search_terms t ON t.term = k.term "
		    "WHERE k.key IN ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) "
		    "AND t.df > 0 LIMIT $17",
	[Q_USER_ADD] = "INSERT INTO users(handle, display_name, role, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
	[Q_USER_BY_HANDLE] = "SELECT id, handle, display_name, image, role, deactivated_at FROM users WHERE handle = $1",
	[Q_USER_BY_ID] = "SELECT id, handle, display_name, image, role, deactivated_at FROM users WHERE id = $1",
	/* An imported owner's account (skillreg import), made with the GitHub login that claims it. */
	[Q_USER_ADD_CLAIMABLE] = "INSERT INTO users(handle, display_name, role, created_at, claim_github) VALUES ($1, $2, $3, $4, $5) "
				 "RETURNING id",
	[Q_USER_BAN] = "UPDATE users SET deactivated_at = $2, ban_reason = $3 WHERE id = $1",
	[Q_USER_BAN_SKILLS] = "UPDATE skills SET moderation_status = 1, moderation_reason = 'user.banned', "
			      "soft_deleted_at = coalesce(soft_deleted_at, $2) WHERE owner_id = $1",
	[Q_BAN_HOLDS_SAVE] = "INSERT INTO ban_holds(skill_id, user_id, moderation_status, moderation_reason, soft_deleted_at) "
			     "SELECT id, owner_id, moderation_status, moderation_reason, soft_deleted_at FROM skills "
			     "WHERE owner_id = $1 AND coalesce(moderation_reason, '') != 'user.banned' "
			     "ON CONFLICT (skill_id) DO NOTHING",
	[Q_UNBAN_RESTORE] = "UPDATE skills SET moderation_status = h.moderation_status, moderation_reason = h.moderation_reason, "
			    "soft_deleted_at = h.soft_deleted_at FROM ban_holds AS h "
			    "WHERE h.user_id = $1 AND skills.id = h.skill_id AND skills.owner_id = h.user_id "
			    "AND skills.moderation_reason = 'user.banned'",
	[Q_UNBAN_UNHELD] = "UPDATE skills SET moderation_status = 0, moderation_reason = 'restored.unban', "
			   "soft_deleted_at = CASE WHEN soft_deleted_at = $2 THEN NULL ELSE soft_deleted_at END "
			   "WHERE owner_id = $1 AND moderation_reason = 'user.banned'",
	[Q_BAN_HOLDS_DROP] = "DELETE FROM ban_holds WHERE user_id = $1",
	[Q_USER_UNBAN] = "UPDATE users SET deactivated_at = NULL, ban_reason = NULL WHERE id = $1 AND deactivated_at IS NOT NULL",
	[Q_TOKENS_REVOKE_USER] = "UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
	[Q_SESSIONS_END_USER] = "DELETE FROM web_sessions WHERE user_id = $1",
	[Q_TOKEN_ADD] = "INSERT INTO api_tokens(user_id, label, prefix, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
	[Q_TOKEN_LOOKUP] = "SELECT t.revoked_at, u.id, u.handle, u.display_name, u.image, u.role, u.deactivated_at, t.expires_at, "
			   "t.id, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
	[Q_TOKEN_REVOKE] = "UPDATE api_tokens SET revoked_at = $3 WHERE prefix >= $1 AND prefix < $2 AND revoked_at IS NULL",
	[Q_SKILLS_BY_SLUG] = "SELECT " SKILL_COLS PG_SKILL_FROM "WHERE s.slug = $1 ORDER BY s.id LIMIT $2",
	[Q_SKILL_BY_OWNER_SLUG] = "SELECT " LOOKUP_COLS PG_SKILL_FROM "WHERE s.owner_id = $1 AND s.slug = $2",
	[Q_LOOKUP_BY_SLUG] = "SELECT " LOOKUP_COLS PG_SKILL_FROM "WHERE s.slug = $1 ORDER BY s.id LIMIT $2",
	[Q_SKILL_BY_ID] = "SELECT " SKILL_COLS PG_SKILL_FROM "WHERE s.id = $1",
	[Q_SKILLS_BY_ALIAS] = "SELECT " LOOKUP_COLS PG_ALIAS_FROM "WHERE a.slug = $1 LIMIT $2",
	[Q_SKILL_BY_OWNER_ALIAS] = "SELECT " LOOKUP_COLS PG_ALIAS_FROM "WHERE a.owner_id = $1 AND a.slug = $2",
	[Q_LOOKUP_ANY] = "SELECT " LOOKUP_COLS SLUG_OR_ALIAS_FROM("$1", "JOIN") "LIMIT $2",
	[Q_LOOKUP_OWNED] = OWNED_OR_ALIAS("$1", "$2", "JOIN", "", ""),
	/* The ids drawn from the identity columns' sequences: not in commit order, and a
	 * transaction that does not commit leaves a gap, as every insert there does. The digest
	 * is of the claims' rows as text, in an order of their own (CLAIMS_DIGEST); it is the
	 * same expression Q_SLUG_CLAIMS_EXPECT compares under the lock. */
	[Q_SLUG_CLAIMS] = "WITH c AS (" SLUG_CLAIMS("$1", "$2", "$3", "$4", "JOIN") ") SELECT * FROM c"
			  SLUG_CLAIMS_IDS_ROW("nextval(pg_get_serial_sequence('skills', 'id'))",
					      "nextval(pg_get_serial_sequence('skill_versions', 'id'))", CLAIMS_DIGEST),
	/* Fails the transaction (SQLSTATE SR409, migration 0017) unless the claims are as the
	 * digest $5 says. */
	[Q_SLUG_CLAIMS_EXPECT] = "WITH c AS (" SLUG_CLAIMS("$1", "$2", "$3", "$4", "JOIN") ") SELECT sr_expect(" CLAIMS_DIGEST
				 " = $5)",
	[Q_DETAIL_ANY] = "SELECT " SKILL_COLS ", " DETAIL_COLS SLUG_OR_ALIAS_FROM("$1", "JOIN") DETAIL_JOIN " LIMIT $2",
	[Q_DETAIL_OWNED] = "SELECT " SKILL_COLS ", " DETAIL_COLS " FROM users o JOIN skills s ON s.owner_id = o.id "
			   "AND s.slug = $2 JOIN users u ON u.id = s.owner_id" DETAIL_JOIN " WHERE o.handle = $1",
	[Q_DETAIL_BY_ID] = "SELECT " SKILL_COLS ", " DETAIL_COLS PG_SKILL_FROM DETAIL_JOIN " WHERE s.id = $1",
	[Q_LOOKUP_VERSION_ANY] = "SELECT " LOOKUP_COLS ", " VERSION_COLS_V SLUG_OR_ALIAS_FROM("$1", "JOIN") VERSION_JOIN("$2") " LIMIT $3",
	[Q_LOOKUP_VERSION_OWNED] = "SELECT " LOOKUP_COLS ", " VERSION_COLS_V " FROM users o JOIN skills s "
				   "ON s.owner_id = o.id AND s.slug = $2 JOIN users u ON u.id = s.owner_id" VERSION_JOIN("$3") " WHERE o.handle = $1",
	[Q_ALIAS_ADD] = "INSERT INTO skill_aliases(owner_id, slug, skill_id, created_at) VALUES ($1, $2, $3, $4) "
			"ON CONFLICT(owner_id, slug) DO UPDATE SET skill_id = excluded.skill_id, created_at = excluded.created_at",
	[Q_ALIAS_DEL] = "DELETE FROM skill_aliases WHERE owner_id = $1 AND slug = $2",
	[Q_ALIASES_REPOINT] = "UPDATE skill_aliases SET skill_id = $2 WHERE skill_id = $1",
	[Q_SKILL_RENAME] = "UPDATE skills SET slug = $2, slug_shared = 0, updated_at = $3 WHERE id = $1",
	[Q_SKILL_MERGED] = "UPDATE skills SET soft_deleted_at = $2, moderation_status = 1, "
			   "moderation_reason = 'owner.merged' WHERE id = $1",
	/* Search ranks a bounded window, as on SQLite: the newest $3 matches (ids are creation
	 * order), of which the best $4 are joined to their rows and filtered. The trigram index
	 * is asked for the first pattern (the longest token, sr__pg_match_expr) and the rows it
	 * finds are checked against all of them; the rank (lower is better, as bm25's) is
	 * computed over the window only, outside the subquery that limits it: trigram similarity
	 * for the substrings, ts_rank divided by 1 + the log of the text's length for words
	 * (bm25 also favours the shorter text, and the two order a window alike). The window is
	 * ordered by "id + 0": ordered by id itself, the planner may walk the primary key
	 * backwards filtering every row until $3 match, which for a rare token is the whole
	 * table; this way the matches come from the GIN index, and only they are sorted. */
	[Q_SEARCH] = "SELECT " SKILL_COLS ", w.r FROM (SELECT m.id, -similarity(m.everything, "
		     "array_to_string(" PATTERNS ", ' '))::float8 AS r FROM (SELECT id, everything FROM skill_search "
		     "WHERE everything LIKE " PATTERNS "[1] AND everything LIKE ALL " PATTERNS " "
		     "ORDER BY id + 0 DESC LIMIT $3) m ORDER BY r, m.id DESC LIMIT $4) w" PG_SKILL_JOIN
		     "WHERE s.is_listed = 1 ORDER BY w.r, w.id DESC LIMIT $2",
	[Q_SEARCH_SHORT] = "SELECT " SKILL_COLS ", w.r FROM (SELECT m.id, -ts_rank(m.words, " TSQUERY ", 1)::float8 AS r "
			   "FROM (SELECT id, words FROM skill_search_short WHERE words @@ " TSQUERY " "
			   "ORDER BY id + 0 DESC LIMIT $3) m ORDER BY r, m.id DESC LIMIT $4) w" PG_SKILL_JOIN
			   "WHERE s.is_listed = 1 ORDER BY w.r, w.id DESC LIMIT $2",
	/* Matches in the names, newest first and unranked (SQLite's order: the window's); the
	 * window as Q_SEARCH's. */
	[Q_SEARCH_NAMES] = "SELECT " SKILL_COLS ", 0::float8 FROM (SELECT id FROM skill_search "
			   "WHERE names LIKE " PATTERNS "[1] AND names LIKE ALL " PATTERNS " "
			   "ORDER BY id + 0 DESC LIMIT $3) w" PG_SKILL_JOIN "WHERE s.is_listed = 1 ORDER BY w.id DESC LIMIT $2",
	[Q_VERSION_GET] = "SELECT " VERSION_COLS " FROM skill_versions WHERE skill_id = $1 AND version = $2",
	[Q_VERSION_BY_ID] = "SELECT " VERSION_COLS " FROM skill_versions WHERE id = $1",
	[Q_VERSIONS_FIRST] = "SELECT " VERSION_COLS " FROM skill_versions "
			     "WHERE skill_id = $1 AND soft_deleted_at IS NULL "
			     "AND (scan_verdict IS NULL OR scan_verdict <> 2) "
			     "ORDER BY created_at DESC, id DESC LIMIT $2",
	[Q_VERSIONS_AFTER] = "SELECT " VERSION_COLS " FROM skill_versions "
			     "WHERE skill_id = $1 AND soft_deleted_at IS NULL "
			     "AND (scan_verdict IS NULL OR scan_verdict <> 2) "
			     "AND (created_at, id) < ($3, $4) "
			     "ORDER BY created_at DESC, id DESC LIMIT $2",
	/* SQLite walks ux_versions_skill_version and so returns versions in byte order; the
	 * ORDER BY says so here (version is COLLATE "C"). */
	[Q_VERSIONS_ALL] = "SELECT " VERSION_COLS " FROM skill_versions WHERE skill_id = $1 ORDER BY version LIMIT $2",
	[Q_VERSION_BY_FP] = "SELECT " VERSION_COLS " FROM skill_versions "
			    "WHERE skill_id = $1 AND fingerprint = $2 AND soft_deleted_at IS NULL "
			    "ORDER BY created_at DESC LIMIT 1",
	[Q_FILES] = "SELECT path, sha256, content_type, size, ord FROM version_files WHERE version_id = $1 ORDER BY ord",
	[Q_FILE] = "SELECT path, sha256, content_type, size, ord FROM version_files WHERE version_id = $1 AND path = $2",
	[Q_COLD] = "SELECT frontmatter_json, metadata_json FROM version_cold WHERE version_id = $1",
	[Q_SKILL_INSERT] = "INSERT INTO skills(owner_id, slug, display_name, summary, created_at, updated_at, slug_shared) "
			   "VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING id",
	[Q_SKILL_INSERT_AT] = "INSERT INTO skills(id, owner_id, slug, display_name, summary, created_at, updated_at, "
			      "slug_shared) VALUES ($1, $2, $3, $4, $5, $6, $6, $7)",
	[Q_RESERVED_HOLDER] = "SELECT owner_id FROM reserved_slugs WHERE slug = $1 AND expires_at > $2 LIMIT 4",
	[Q_RESERVE] = "INSERT INTO reserved_slugs(slug, owner_id, expires_at) VALUES ($1, $2, $3) "
		      "ON CONFLICT(slug, owner_id) DO UPDATE SET expires_at = excluded.expires_at",
	[Q_UNRESERVE] = "DELETE FROM reserved_slugs WHERE slug = $1 AND owner_id = $2",
	[Q_VERSION_INSERT] = "INSERT INTO skill_versions(skill_id, version, fingerprint, changelog, changelog_source, "
			     "created_by, created_at, file_count, total_size, zip_sha256, zip_size) "
			     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
	[Q_VERSION_INSERT_AT] = "INSERT INTO skill_versions(id, skill_id, version, fingerprint, changelog, "
				"changelog_source, created_by, created_at, file_count, total_size, zip_sha256, zip_size) "
				"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
	[Q_FILE_INSERT] = "INSERT INTO version_files(version_id, path, size, sha256, content_type, ord) "
			  "VALUES ($1, $2, $3, $4, $5, $6)",
	[Q_COLD_INSERT] = "INSERT INTO version_cold(version_id, frontmatter_json, metadata_json) VALUES ($1, $2, $3)",
	[Q_SET_LATEST] = "UPDATE skills SET (latest_version_id, latest_version, latest_created_at, latest_changelog, "
			 "latest_metadata) = (SELECT v.id, v.version, v.created_at, substr(v.changelog, 1, 2000), "
			 "c.metadata_json FROM skill_versions v LEFT JOIN version_cold c ON c.version_id = v.id "
			 "WHERE v.id = $2) WHERE id = $1",
	[Q_CLEAR_LATEST] = "UPDATE skills SET latest_version_id = NULL, latest_version = NULL, latest_created_at = NULL, "
			   "latest_changelog = NULL, latest_metadata = NULL WHERE id = $1",
	[Q_SET_IDENTITY] = "UPDATE skills SET display_name = $2, summary = $3 WHERE id = $1 "
			   "AND (display_name IS DISTINCT FROM $2 OR summary IS DISTINCT FROM $3)",
	[Q_TAG_SET] = "INSERT INTO skill_tags(skill_id, tag, version_id) VALUES ($1, $2, $3) "
		      "ON CONFLICT(skill_id, tag) DO UPDATE SET version_id = excluded.version_id",
	[Q_TAG_GET] = "SELECT version_id FROM skill_tags WHERE skill_id = $1 AND tag = $2",
	/* The text SQLite's json_group_object writes, {"tag":"version",...} without spaces in tag
	 * order, since the API sends the column as it is (json_object_agg would add spaces). */
	[Q_TAGS_JSON] = "UPDATE skills SET tags_json = (SELECT coalesce('{' || string_agg(to_json(t.tag)::text || ':' "
			"|| to_json(v.version)::text, ',' ORDER BY t.tag) || '}', '{}') "
			"FROM skill_tags t JOIN skill_versions v ON v.id = t.version_id "
			"WHERE t.skill_id = $1 AND v.soft_deleted_at IS NULL) WHERE id = $1",
	[Q_TOUCH] = "UPDATE skills SET updated_at = $2, stats_versions = stats_versions + $3 WHERE id = $1",
	[Q_FTS_DEL] = "DELETE FROM skill_search WHERE id = $1",
	[Q_FTS_INS] = "INSERT INTO skill_search(id, slug, display_name, summary) VALUES ($1, $2, $3, $4)",
	[Q_FTS_SHORT_DEL] = "DELETE FROM skill_search_short WHERE id = $1",
	[Q_FTS_SHORT_INS] = "INSERT INTO skill_search_short(id, body) VALUES ($1, $2)",
	[Q_SOFT_DELETE] = "UPDATE skills SET soft_deleted_at = $2 WHERE id = $1",
	[Q_UNDELETE] = "UPDATE skills SET soft_deleted_at = NULL, moderation_status = 0 WHERE id = $1",
	[Q_SKILL_HIDE] = "UPDATE skills SET moderation_status = 1, moderation_reason = $2 WHERE id = $1",
	[Q_UNDELETE_OWNER] = "UPDATE skills SET soft_deleted_at = NULL WHERE id = $1",
	[Q_TAGS_DROP_VERSION] = "DELETE FROM skill_tags WHERE skill_id = $1 AND version_id = $2 AND tag <> 'latest'",
	[Q_VERSION_DEL] = "UPDATE skill_versions SET soft_deleted_at = $2 WHERE id = $1 AND soft_deleted_at IS NULL",
	[Q_VERSION_RESTORE] = "UPDATE skill_versions SET soft_deleted_at = NULL WHERE id = $1 AND soft_deleted_at IS NOT NULL",
	[Q_AUDIT] = "INSERT INTO audit_log(actor_id, action, skill_id, detail, created_at) VALUES ($1, $2, $3, $4, $5)",
	[Q_STAR_INS] = "INSERT INTO stars(skill_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
	[Q_STAR_DEL] = "DELETE FROM stars WHERE skill_id = $1 AND user_id = $2",
	[Q_STARS_ADJ] = "UPDATE skills SET stats_stars = greatest(0, stats_stars + $2) WHERE id = $1",
	[Q_DEDUPE_INS] = "INSERT INTO download_dedupes(skill_id, identity, day) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
	[Q_EVENT_INS] = "INSERT INTO stat_events(skill_id, kind, day, occurred_at) VALUES ($1, $2, $3, $4)",
	/* The fold claims the oldest unfolded events and folds them in the same transaction, so
	 * an event whose id was taken before a later one's but committed after it is still
	 * folded once (sequences are not commit-ordered). */
	[Q_EVENTS_CLAIM] = "UPDATE stat_events SET folded = 1 WHERE folded = 0 AND id IN (SELECT id FROM stat_events "
			   "WHERE folded = 0 ORDER BY id LIMIT $1::integer) RETURNING id, skill_id, kind, day",
	[Q_DAILY_UPSERT] = "INSERT INTO skill_daily_stats AS d(skill_id, day, downloads, installs) VALUES ($1, $2, $3, $4) "
			   "ON CONFLICT(skill_id, day) DO UPDATE SET downloads = d.downloads + excluded.downloads, "
			   "installs = d.installs + excluded.installs",
	[Q_COUNTERS_ADJ] = "UPDATE skills SET stats_downloads = stats_downloads + $2, stats_installs = stats_installs + $3 "
			   "WHERE id = $1",
	[Q_CURSOR_SET] = "INSERT INTO stat_cursors(name, last_event_id) VALUES ($1, $2::bigint) ON CONFLICT (name) "
			 "DO UPDATE SET last_event_id = greatest(stat_cursors.last_event_id, excluded.last_event_id)",
	[Q_TICKET_ADD] = "INSERT INTO upload_tickets(ticket, user_id, path, size, sha256, content_type, created_at, expires_at) "
			 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
	[Q_TICKET_GET] = "SELECT ticket, user_id, path, size, sha256, content_type, expires_at, uploaded_at, used_at "
			 "FROM upload_tickets WHERE ticket = $1",
	[Q_TICKET_UPLOADED] = "UPDATE upload_tickets SET uploaded_at = $2 WHERE ticket = $1",
	[Q_TICKET_USED] = "UPDATE upload_tickets SET used_at = $2 WHERE ticket = $1 AND used_at IS NULL AND expires_at > $2",
	[Q_TICKETS_GET] = "SELECT ticket, user_id, path, size, sha256, content_type, expires_at, uploaded_at, used_at "
			  "FROM upload_tickets WHERE ticket = ANY (ARRAY(SELECT json_array_elements_text($1::json)))",
	/* Fails the transaction (SQLSTATE SR409, migration 0017) unless every ticket of the list
	 * ($3 of them) was live and is now used. `IS TRUE` keeps the expiry index out of the plan
	 * (the generic plan walked every live ticket by it): the primary key finds the list. */
	[Q_TICKETS_USE_EXPECT] = "WITH u AS (UPDATE upload_tickets SET used_at = $2 WHERE ticket = ANY "
				 "(ARRAY(SELECT json_array_elements_text($1::json))) AND used_at IS NULL "
				 "AND (expires_at > $2) IS TRUE RETURNING 1) SELECT sr_expect((SELECT count(*) FROM u) = $3)",
	[Q_TICKETS_EXPIRE] = "DELETE FROM upload_tickets WHERE ticket IN (SELECT ticket FROM upload_tickets "
			     "WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)",
	[Q_BLOB_REF_FILE] = "SELECT 1 FROM version_files WHERE sha256 = $1 LIMIT 1",
	[Q_BLOB_REF_ZIP] = "SELECT 1 FROM skill_versions WHERE zip_sha256 = $1 LIMIT 1",
	[Q_BLOB_REF_TICKET] = "SELECT 1 FROM upload_tickets WHERE sha256 = $1 AND expires_at > $2 LIMIT 1",
	[Q_TICKETS_PENDING] = "SELECT count(*), coalesce(sum(size), 0)::bigint FROM (SELECT size FROM upload_tickets "
			      "WHERE user_id = $1 AND used_at IS NULL AND expires_at > $2 LIMIT $3) AS live",
	[Q_BLOB_REF_HOLD] = "SELECT 1 FROM blob_holds WHERE sha256 = $1 AND expires_at > $2 LIMIT 1",
	[Q_BLOB_HOLD_ADD] = "INSERT INTO blob_holds(hold, sha256, expires_at) SELECT $1, e, $3 "
			    "FROM json_array_elements_text($2::json) e ON CONFLICT DO NOTHING",
	[Q_BLOB_HOLD_DEL] = "DELETE FROM blob_holds WHERE hold = $1",
	[Q_BLOB_HOLDS_EXPIRE] = "DELETE FROM blob_holds WHERE (hold, sha256) IN (SELECT hold, sha256 FROM blob_holds "
				"WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)",
	[Q_MODERATION_PAGE] = "SELECT id, created_at FROM skills "
			      "WHERE moderation_status = $1 AND moderation_reason = $2 AND (created_at, id) > ($3, $4) "
			      "ORDER BY created_at, id LIMIT $5",
	[Q_PUBLIC_IDS_PAGE] = "SELECT id, created_at FROM skills "
			      "WHERE is_public = 1 AND (created_at, id) > ($1, $2) ORDER BY created_at, id LIMIT $3",
	[Q_DAILY_PAGE] = "SELECT skill_id, installs, downloads FROM skill_daily_stats "
			 "WHERE day = $1 AND skill_id > $2 ORDER BY skill_id LIMIT $3",
	[Q_SKILL_LISTED] = "SELECT is_listed FROM skills WHERE id = $1",
	[Q_PUBLIC_COUNT] = "SELECT public_skills FROM global_stats WHERE id = 1",
	[Q_PUBLIC_COUNT_ADJ] = "UPDATE global_stats SET public_skills = public_skills + $1, updated_at = $2 WHERE id = 1",
	[Q_OWNER_FIRST] = "SELECT " SKILL_COLS PG_SKILL_FROM "WHERE s.owner_id = $1 AND s.is_public = 1 "
			  "ORDER BY s.updated_at DESC, s.id DESC LIMIT $2",
	[Q_OWNER_AFTER] = "SELECT " SKILL_COLS PG_SKILL_FROM "WHERE s.owner_id = $1 AND s.is_public = 1 "
			  "AND (s.updated_at, s.id) < ($3, $4) ORDER BY s.updated_at DESC, s.id DESC LIMIT $2",
	[Q_TRENDING_LATEST] = "SELECT id, computed_at, day, entries FROM trending_snapshots WHERE id > 0 ORDER BY id DESC LIMIT 1",
	[Q_TRENDING_SNAPSHOT] = "SELECT id, computed_at, day, entries FROM trending_snapshots WHERE id = $1",
	[Q_TRENDING_KEPT] = "SELECT id FROM trending_snapshots WHERE id > 0 ORDER BY id DESC LIMIT 1 OFFSET $1",
	[Q_TRENDING_SNAP_INS] = "INSERT INTO trending_snapshots(computed_at, day, entries) VALUES ($1, $2, $3) RETURNING id",
	[Q_TRENDING_ENTRY_INS] = "INSERT INTO trending_entries(snapshot_id, rank, skill_id, installs, downloads) "
				 "VALUES ($1, $2, $3, $4, $5)",
	[Q_TRENDING_ENTRIES_DEL] = "DELETE FROM trending_entries WHERE snapshot_id < $1",
	[Q_TRENDING_SNAPS_DEL] = "DELETE FROM trending_snapshots WHERE id < $1",
	[Q_TRENDING_PAGE] = "SELECT " SKILL_COLS ", e.rank, e.installs, e.downloads FROM trending_entries e "
			    "JOIN skills s ON s.id = e.skill_id JOIN users u ON u.id = s.owner_id "
			    "WHERE e.snapshot_id = $1 AND e.rank > $2 ORDER BY e.rank LIMIT $3",
	[Q_BF_STATE_GET] = "SELECT last_id, pass, started_at, finished_at, scanned, changed FROM backfill_state "
			   "WHERE name = $1",
	[Q_BF_STATE_PUT] = "INSERT INTO backfill_state(name, last_id, pass, started_at, finished_at, scanned, changed) "
			   "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT(name) DO UPDATE SET last_id = excluded.last_id, "
			   "pass = excluded.pass, started_at = excluded.started_at, finished_at = excluded.finished_at, "
			   "scanned = excluded.scanned, changed = excluded.changed",
	[Q_BF_MAX_ID] = "SELECT id FROM skills WHERE id > 0 ORDER BY id DESC LIMIT 1",
	[Q_BF_SUMMARY_PAGE] = "SELECT s.id, s.latest_version_id, (s.latest_version_id IS DISTINCT FROM v.id "
			      "OR s.latest_version IS DISTINCT FROM v.version "
			      "OR s.latest_created_at IS DISTINCT FROM v.created_at "
			      "OR s.latest_changelog IS DISTINCT FROM substr(v.changelog, 1, 2000) "
			      "OR s.latest_metadata IS DISTINCT FROM c.metadata_json)::integer "
			      "FROM skills s LEFT JOIN skill_versions v ON v.id = s.latest_version_id "
			      "LEFT JOIN version_cold c ON c.version_id = v.id "
			      "WHERE s.id > $1 ORDER BY s.id LIMIT $2",
	[Q_BF_COUNTERS_PAGE] = "SELECT s.id, s.stats_downloads, s.stats_installs, s.stats_stars, s.stats_versions, "
			       "(SELECT coalesce(sum(d.downloads), 0)::bigint FROM skill_daily_stats d WHERE d.skill_id = s.id), "
			       "(SELECT coalesce(sum(d.installs), 0)::bigint FROM skill_daily_stats d WHERE d.skill_id = s.id), "
			       "(SELECT count(*) FROM stars t WHERE t.skill_id = s.id), "
			       "(SELECT count(*) FROM skill_versions v "
			       "WHERE v.skill_id = s.id AND v.soft_deleted_at IS NULL) "
			       "FROM skills s WHERE s.id > $1 ORDER BY s.id LIMIT $2",
	[Q_BF_COUNTERS_SET] = "UPDATE skills SET stats_downloads = $2, stats_installs = $3, stats_stars = $4, "
			      "stats_versions = $5 WHERE id = $1",
	[Q_VERSION_SCAN_REQUEST] = "UPDATE skill_versions SET scan_state = 1, scan_requested_at = $2, scan_claimed_at = NULL, "
				   "scan_claimed_by = NULL WHERE id = $1 AND skill_id = $3",
	[Q_SKILL_MARK_PENDING] = "UPDATE skills SET moderation_reason = 'pending.scan' WHERE id = $1 AND moderation_status = 0",
	[Q_SCAN_QUEUE] = "SELECT id, scan_requested_at FROM skill_versions "
			 "WHERE scan_state = 1 AND (scan_requested_at, id) > ($1, $2) ORDER BY scan_requested_at, id LIMIT $3",
	[Q_VERSION_SCAN_GET] = "SELECT id, skill_id, version, zip_sha256, scan_state, scan_verdict, scan_requested_at, "
			       "scanned_at, soft_deleted_at, scan_claimed_at, created_by FROM skill_versions WHERE id = $1",
	[Q_MALWARE_FINDING_ADD] = "INSERT INTO malware_findings(user_id, skill_id, version_id, created_at) VALUES ($1, $2, $3, $4) "
				  "ON CONFLICT(user_id, version_id) DO NOTHING",
	[Q_USER_CLAIMABLE] = "SELECT (claim_github IS NOT NULL)::int FROM users WHERE id = $1",
	[Q_MALWARE_FINDINGS] = "SELECT skill_id, version_id FROM malware_findings WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
	[Q_MALWARE_FINDINGS_SKILL_DROP] = "DELETE FROM malware_findings WHERE skill_id = $1",
	/* Concurrent claims of one row queue on its row lock; each re-checks the condition on
	 * the row the one before it left, so exactly one changes it. */
	[Q_VERSION_SCAN_CLAIM] = "UPDATE skill_versions SET scan_claimed_at = $2::bigint, scan_claimed_by = $3 WHERE id = $1 "
				 "AND scan_state = 1 AND (scan_claimed_at IS NULL OR scan_claimed_at <= $2::bigint - $4::bigint)",
	[Q_VERSION_SCAN_FINISH] = "UPDATE skill_versions SET scan_state = $2, scan_verdict = $3, scanned_at = $4, "
				  "scan_claimed_at = NULL, scan_claimed_by = NULL WHERE id = $1 "
				  "AND scan_requested_at IS NOT DISTINCT FROM $5 AND skill_id = $6 "
				  "AND ($7::text IS NULL OR scan_claimed_by = $7::text)",
	[Q_SCAN_RESULT_PUT] = "INSERT INTO scan_results(version_id, source, status, verdict, checked_at, engine, summary) "
			      "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT(version_id, source) DO UPDATE SET "
			      "status = excluded.status, verdict = excluded.verdict, checked_at = excluded.checked_at, "
			      "engine = excluded.engine, summary = excluded.summary",
	[Q_SCAN_RESULTS] = "SELECT source, status, verdict, checked_at, engine, summary FROM scan_results WHERE version_id = $1 "
			   "ORDER BY source LIMIT 8",
	[Q_SCAN_FINDINGS_DEL] = "DELETE FROM scan_findings WHERE version_id = $1 AND source = $2",
	[Q_SCAN_FINDING_INS] = "INSERT INTO scan_findings(version_id, source, ord, rule_id, severity, title, path, line, excerpt) "
			       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
	[Q_SCAN_FINDINGS] = "SELECT source, ord, rule_id, severity, title, path, line, excerpt FROM scan_findings "
			    "WHERE version_id = $1 ORDER BY source, ord LIMIT $2",
	[Q_SCAN_HOLD_PUT] = "INSERT INTO scan_holds(skill_id, source, verdict, version_id, updated_at) VALUES ($1, $2, $3, $4, $5) "
			    "ON CONFLICT(skill_id, source) DO UPDATE SET verdict = excluded.verdict, "
			    "version_id = excluded.version_id, updated_at = excluded.updated_at",
	[Q_SCAN_HOLDS] = "SELECT source, verdict FROM scan_holds WHERE skill_id = $1 ORDER BY source LIMIT 8",
	[Q_SKILL_MODERATE] = "UPDATE skills SET moderation_status = $2, moderation_reason = $3, moderation_flags = $4, "
			     "moderation_verdict = $5 WHERE id = $1",
	[Q_REPORT_INS] = "INSERT INTO skill_reports(skill_id, user_id, version, reason, created_at) VALUES ($1, $2, $3, $4, $5) "
			 "ON CONFLICT(skill_id, user_id) DO UPDATE SET version = excluded.version, reason = excluded.reason, "
			 "created_at = excluded.created_at, status = 0, triaged_by = NULL, triaged_at = NULL, triage_note = NULL, action_taken = NULL "
			 "WHERE skill_reports.status <> 0 RETURNING id",
	[Q_REPORT_GET] = "SELECT id FROM skill_reports WHERE skill_id = $1 AND user_id = $2",
	[Q_REPORTS_BUMP] = "UPDATE skills SET stats_reports = stats_reports + 1 WHERE id = $1 RETURNING stats_reports",
	[Q_REPORTS_COUNT] = "SELECT stats_reports FROM skills WHERE id = $1",
	[Q_REPORTS_RESET] = "UPDATE skills SET stats_reports = 0 WHERE id = $1",
	[Q_USER_ROLE] = "UPDATE users SET role = $2 WHERE id = $1",
	[Q_MOD_QUEUE_PAGE] = "SELECT s.id, s.created_at, s.latest_version_id, v.scan_state, v.scan_requested_at "
			     "FROM skills s LEFT JOIN skill_versions v ON v.id = s.latest_version_id "
			     "WHERE s.moderation_status = $1 AND s.moderation_reason = $2 AND (s.created_at, s.id) > ($3, $4) "
			     "ORDER BY s.created_at, s.id LIMIT $5",
	[Q_SKILL_IDS_PAGE] = "SELECT id, latest_version_id FROM skills WHERE id > $1 ORDER BY id LIMIT $2",
	/* A job's claim for one run (jobs.c); one row changed means this node won. */
	[Q_JOB_CLAIM] = "INSERT INTO job_claims(name, started_at, node) VALUES ($1, $2::bigint, $3) ON CONFLICT (name) "
			"DO UPDATE SET started_at = excluded.started_at, node = excluded.node, runs = job_claims.runs + 1 "
			"WHERE job_claims.started_at <= excluded.started_at - $4::bigint",
	/* accounts (issue 13: src/auth) */
	[Q_IDENT_USER] = "SELECT user_id FROM user_identities WHERE provider = $1 AND subject = $2",
	[Q_IDENT_ADD] = "INSERT INTO user_identities(provider, subject, user_id, login, created_at) VALUES ($1, $2, $3, $4, $5)",
	[Q_USER_BY_CLAIM] = "SELECT id, handle, display_name, image, role, deactivated_at FROM users "
			    "WHERE claim_github = $1 AND claim_github IS NOT NULL",
	[Q_USER_CLAIMED] = "UPDATE users SET claim_github = NULL WHERE id = $1 AND claim_github IS NOT NULL",
	[Q_USER_SET_IMAGE] = "UPDATE users SET image = $2 WHERE id = $1",
	[Q_SESSION_ADD] = "INSERT INTO web_sessions(token_hash, user_id, created_at, expires_at, last_seen_at, user_agent, ip) "
			  "VALUES ($1, $2, $3, $4, $3, $5, $6) RETURNING id",
	[Q_SESSION_GET] = "SELECT w.id, w.expires_at, w.last_seen_at, u.id, u.handle, u.display_name, u.image, u.role, "
			  "u.deactivated_at FROM web_sessions w JOIN users u ON u.id = w.user_id WHERE w.token_hash = $1",
	[Q_SESSION_TOUCH] = "UPDATE web_sessions SET last_seen_at = $2 WHERE id = $1",
	[Q_SESSION_END] = "DELETE FROM web_sessions WHERE id = $1 AND user_id = $2",
	[Q_SESSIONS_OF] = "SELECT id, created_at, expires_at, last_seen_at, user_agent, ip FROM web_sessions "
			  "WHERE user_id = $1 ORDER BY user_id DESC, created_at DESC LIMIT $2",
	[Q_PASSWORD_GET] = "SELECT hash FROM user_passwords WHERE user_id = $1",
	[Q_PASSWORD_SET] = "INSERT INTO user_passwords(user_id, hash, updated_at) VALUES ($1, $2, $3) ON CONFLICT (user_id) "
			   "DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at",
	[Q_INVITE_ADD] = "INSERT INTO invites(token_hash, role, note, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
	[Q_INVITE_GET] = "SELECT id, role, expires_at, used_at FROM invites WHERE token_hash = $1",
	[Q_INVITE_USE] = "UPDATE invites SET used_at = $2, user_id = $3 WHERE id = $1 AND used_at IS NULL",
	[Q_DEVICE_ADD] = "INSERT INTO device_codes(device_hash, user_code_hash, user_code, label, scope, status, created_at, "
			 "expires_at, poll_interval) VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8)",
	[Q_DEVICE_BY_HASH] = "SELECT " DEVICE_COLS " FROM device_codes WHERE device_hash = $1",
	[Q_DEVICE_BY_USER_CODE] = "SELECT " DEVICE_COLS " FROM device_codes WHERE user_code_hash = $1 LIMIT 50",
	[Q_DEVICE_SET] = "UPDATE device_codes SET status = $3, user_id = coalesce($4, user_id) WHERE id = $1 AND status = $2",
	[Q_DEVICE_POLL] = "UPDATE device_codes SET last_poll_at = $2, poll_interval = $3 WHERE id = $1",
	[Q_TOKEN_MINT] = "INSERT INTO api_tokens(user_id, label, prefix, token_hash, created_at, expires_at) "
			 "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
	[Q_TOKENS_OF] = "SELECT id, label, prefix, created_at, last_used_at, revoked_at, expires_at FROM api_tokens "
			"WHERE user_id = $1 ORDER BY user_id DESC, created_at DESC LIMIT $2",
	[Q_TOKEN_REVOKE_ID] = "UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
	[Q_TOKEN_TOUCH] = "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)",
	[Q_OWNER_ALL_FIRST] = "SELECT " SKILL_COLS PG_SKILL_FROM "WHERE s.owner_id = $1 "
			      "ORDER BY s.updated_at DESC, s.id DESC LIMIT $2",
	[Q_OWNER_ALL_AFTER] = "SELECT " SKILL_COLS PG_SKILL_FROM "WHERE s.owner_id = $1 "
			      "AND (s.updated_at, s.id) < ($3, $4) ORDER BY s.updated_at DESC, s.id DESC LIMIT $2",
	[Q_STARRED] = "SELECT " SKILL_COLS " FROM stars st JOIN skills s ON s.id = st.skill_id JOIN users u ON u.id = s.owner_id "
		      "WHERE st.user_id = $1 ORDER BY st.created_at DESC LIMIT $2",
	/* Org publishers, transfers and scan jobs (migration 0015). */
	[Q_USER_KIND] = "SELECT kind, trusted FROM users WHERE id = $1",
	[Q_ORG_ADD] = "INSERT INTO users(handle, display_name, role, created_at, kind, trusted) VALUES ($1, $2, 0, $4, 1, $3) RETURNING id",
	[Q_ORG_UPDATE] = "UPDATE users SET display_name = coalesce($2, display_name), "
			 "trusted = CASE WHEN $3 < 0 THEN trusted ELSE $3 END WHERE id = $1 AND kind = 1",
	[Q_MEMBER_ROLE] = "SELECT role FROM publisher_members WHERE publisher_id = $1 AND user_id = $2",
	[Q_MEMBER_SET] = "INSERT INTO publisher_members(publisher_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) "
			 "ON CONFLICT(publisher_id, user_id) DO UPDATE SET role = excluded.role",
	[Q_MEMBER_DEL] = "DELETE FROM publisher_members WHERE publisher_id = $1 AND user_id = $2",
	[Q_MEMBER_OWNERS] = "SELECT count(*) FROM publisher_members WHERE publisher_id = $1 AND role = 3",
	[Q_MEMBERS] = "SELECT m.publisher_id, m.user_id, m.role, u.handle, u.display_name FROM publisher_members m "
		      "JOIN users u ON u.id = m.user_id WHERE m.publisher_id = $1 ORDER BY m.user_id LIMIT $2",
	[Q_USER_ORGS] = "SELECT m.publisher_id, m.user_id, m.role, u.handle, u.display_name FROM publisher_members m "
			"JOIN users u ON u.id = m.publisher_id WHERE m.user_id = $1 ORDER BY m.publisher_id LIMIT $2",
	/* Invitations to an org (migration 0022). */
	[Q_ORG_INVITE_EXPIRE] = "UPDATE org_invites SET status = 4, decided_at = $3 WHERE publisher_id = $1 AND user_id = $2 "
				"AND status = 0 AND expires_at <= $3",
	[Q_ORG_INVITE_ADD] = "INSERT INTO org_invites(publisher_id, user_id, role, invited_by, created_at, expires_at) "
			     "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
	[Q_ORG_INVITE_GET] = "SELECT id, publisher_id, user_id, role, invited_by, status, created_at, expires_at "
			     "FROM org_invites WHERE id = $1",
	[Q_ORG_INVITE_DECIDE] = "UPDATE org_invites SET status = $2, decided_at = $3 WHERE id = $1 AND status = 0",
	[Q_ORG_INVITES_OF_USER] = "SELECT i.id, i.publisher_id, i.user_id, i.role, i.invited_by, i.status, i.created_at, i.expires_at, o.handle, o.display_name, b.handle "
				  "FROM org_invites i JOIN users o ON o.id = i.publisher_id LEFT JOIN users b ON b.id = i.invited_by "
				  "WHERE i.user_id = $1 AND i.status = 0 AND i.expires_at > $2 ORDER BY i.id DESC LIMIT $3",
	[Q_ORG_INVITES_OF_ORG] = "SELECT i.id, i.publisher_id, i.user_id, i.role, i.invited_by, i.status, i.created_at, i.expires_at, u.handle, u.display_name, b.handle "
				 "FROM org_invites i JOIN users u ON u.id = i.user_id LEFT JOIN users b ON b.id = i.invited_by "
				 "WHERE i.publisher_id = $1 AND i.status = 0 AND i.expires_at > $2 ORDER BY i.id DESC LIMIT $3",
	[Q_SKILL_SET_OWNER] = "UPDATE skills SET owner_id = $2, updated_at = $3 WHERE id = $1",
	[Q_ALIASES_MOVE] = "UPDATE skill_aliases SET owner_id = $2 WHERE skill_id = $1",
	[Q_TRANSFER_EXPIRE] = "UPDATE skill_transfers SET status = 4, resolved_at = $2 "
			      "WHERE skill_id = $1 AND status = 0 AND expires_at < $2",
	[Q_TRANSFER_ADD] = "INSERT INTO skill_transfers(skill_id, from_user_id, to_user_id, message, created_at, expires_at) "
			   "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
	[Q_TRANSFER_PENDING] = "SELECT id, skill_id, from_user_id, to_user_id, created_at, expires_at, status "
			       "FROM skill_transfers WHERE skill_id = $1 AND status = 0",
	[Q_TRANSFER_FINISH] = "UPDATE skill_transfers SET status = $2, resolved_at = $3, resolved_by = $4 "
			      "WHERE id = $1 AND status = 0",
	[Q_TRANSFERS_IN] = "SELECT t.id, t.skill_id, t.from_user_id, t.created_at, t.expires_at, s.slug, s.display_name, "
			   "t.message, u.handle, u.display_name, s.soft_deleted_at, u.deactivated_at, o.handle "
			   "FROM skill_transfers t JOIN skills s ON s.id = t.skill_id JOIN users u ON u.id = t.from_user_id "
			   "JOIN users o ON o.id = s.owner_id "
			   "WHERE t.to_user_id = $1 AND t.status = 0 AND t.expires_at >= $2 ORDER BY t.created_at DESC LIMIT $3",
	[Q_TRANSFERS_OUT] = "SELECT t.id, t.skill_id, t.to_user_id, t.created_at, t.expires_at, s.slug, s.display_name, "
			    "t.message, u.handle, u.display_name, s.soft_deleted_at, u.deactivated_at, o.handle "
			    "FROM skill_transfers t JOIN skills s ON s.id = t.skill_id JOIN users u ON u.id = t.to_user_id "
			   "JOIN users o ON o.id = s.owner_id "
			    "WHERE t.from_user_id = $1 AND t.status = 0 AND t.expires_at >= $2 ORDER BY t.created_at DESC LIMIT $3",
	/* Transfer history (migration 0017). */
	[Q_TRANSFER_HIST_IN] = "SELECT t.id, t.skill_id, t.from_user_id, t.to_user_id, t.status, t.created_at, t.expires_at, t.resolved_at, "
				 "t.resolved_by, t.message, s.slug, f.handle, r.handle FROM skill_transfers t "
				 "JOIN skills s ON s.id = t.skill_id JOIN users f ON f.id = t.from_user_id "
				 "JOIN users r ON r.id = t.to_user_id "
				 "WHERE t.to_user_id = $1 ORDER BY t.to_user_id DESC, t.created_at DESC LIMIT $2",
	[Q_TRANSFER_HIST_OUT] = "SELECT t.id, t.skill_id, t.from_user_id, t.to_user_id, t.status, t.created_at, t.expires_at, t.resolved_at, "
				 "t.resolved_by, t.message, s.slug, f.handle, r.handle FROM skill_transfers t "
				 "JOIN skills s ON s.id = t.skill_id JOIN users f ON f.id = t.from_user_id "
				 "JOIN users r ON r.id = t.to_user_id "
				 "WHERE t.from_user_id = $1 ORDER BY t.from_user_id DESC, t.created_at DESC LIMIT $2",
	[Q_TRANSFER_HIST_SKILL] = "SELECT t.id, t.skill_id, t.from_user_id, t.to_user_id, t.status, t.created_at, t.expires_at, t.resolved_at, "
				 "t.resolved_by, t.message, s.slug, f.handle, r.handle FROM skill_transfers t "
				 "JOIN skills s ON s.id = t.skill_id JOIN users f ON f.id = t.from_user_id "
				 "JOIN users r ON r.id = t.to_user_id "
				 "WHERE t.skill_id = $1 ORDER BY t.skill_id DESC, t.created_at DESC LIMIT $2",
	[Q_ALIASES_OF_SKILL] = "SELECT slug FROM skill_aliases WHERE skill_id = $1 LIMIT $2",
	[Q_SCAN_JOB_ADD] = "INSERT INTO scan_jobs(requester_id, skill_id, version_id, scan_update, created_at) "
			   "VALUES ($1, $2, $3, $4, $5) RETURNING id",
	[Q_SCAN_JOB_GET] = "SELECT id, requester_id, skill_id, version_id, scan_update, created_at FROM scan_jobs WHERE id = $1",
	[Q_CARD_PUT] = "INSERT INTO skill_cards(version_id, sha256, size, content, created_at) VALUES ($1, $2, $3, $4, $5) "
		       "ON CONFLICT(version_id) DO UPDATE SET sha256 = excluded.sha256, size = excluded.size, "
		       "content = excluded.content, created_at = excluded.created_at",
	[Q_CARD_GET] = "SELECT sha256, size, content, created_at FROM skill_cards WHERE version_id = $1",
	[Q_CARD_META] = "SELECT sha256, size, '', created_at FROM skill_cards WHERE version_id = $1",
	/* The staff console and appeals (store/staff.c). Every page is one index range newest
	 * first (the queue oldest first), joined by primary keys. */
	[Q_STAFF_QUEUE] = "SELECT v.id, v.skill_id, v.scan_requested_at, v.scan_claimed_at, v.version, s.slug, u.handle "
			  "FROM skill_versions v JOIN skills s ON s.id = v.skill_id JOIN users u ON u.id = s.owner_id "
			  "WHERE v.scan_state = 1 AND (v.scan_requested_at, v.id) > ($1, $2) ORDER BY v.scan_requested_at, v.id LIMIT $3",
	[Q_STAFF_VERDICT] = "SELECT s.id, s.latest_version_id, s.soft_deleted_at, s.stats_reports, s.moderation_status, "
			    "s.moderation_flags, s.moderation_verdict, s.slug, s.display_name, s.moderation_reason, s.latest_version, u.handle "
			    "FROM skills s JOIN users u ON u.id = s.owner_id "
			    "WHERE s.moderation_verdict = $1 AND s.id < $2 ORDER BY s.id DESC LIMIT $3",
	[Q_STAFF_REPORTS] = "SELECT r.id, r.skill_id, r.created_at, r.triaged_at, r.status, r.version, r.reason, r.triage_note, "
			    "ur.handle, ut.handle, s.slug, uo.handle, r.action_taken "
			    "FROM skill_reports r JOIN skills s ON s.id = r.skill_id JOIN users uo ON uo.id = s.owner_id "
			    "LEFT JOIN users ur ON ur.id = r.user_id LEFT JOIN users ut ON ut.id = r.triaged_by "
			    "WHERE r.status = $1 AND r.id < $2 ORDER BY r.id DESC LIMIT $3",
	[Q_STAFF_REPORTS_ALL] = "SELECT r.id, r.skill_id, r.created_at, r.triaged_at, r.status, r.version, r.reason, r.triage_note, "
			    "ur.handle, ut.handle, s.slug, uo.handle, r.action_taken "
			    "FROM skill_reports r JOIN skills s ON s.id = r.skill_id JOIN users uo ON uo.id = s.owner_id "
			    "LEFT JOIN users ur ON ur.id = r.user_id LEFT JOIN users ut ON ut.id = r.triaged_by "
			    "WHERE r.id < $1 ORDER BY r.id DESC LIMIT $2",
	[Q_STAFF_SKILL_REPORTS] = "SELECT r.id, r.skill_id, r.created_at, r.triaged_at, r.status, r.version, r.reason, r.triage_note, "
			    "ur.handle, ut.handle, s.slug, uo.handle, r.action_taken "
			    "FROM skill_reports r JOIN skills s ON s.id = r.skill_id JOIN users uo ON uo.id = s.owner_id "
			    "LEFT JOIN users ur ON ur.id = r.user_id LEFT JOIN users ut ON ut.id = r.triaged_by "
			    "WHERE r.skill_id = $1 LIMIT $2",
	[Q_STAFF_APPEALS] = "SELECT a.id, a.skill_id, a.created_at, a.resolved_at, a.status, a.version, a.message, a.resolution_note, "
			    "us.handle, ur.handle, s.slug, uo.handle, NULL "
			    "FROM skill_appeals a JOIN skills s ON s.id = a.skill_id JOIN users uo ON uo.id = s.owner_id "
			    "LEFT JOIN users us ON us.id = a.user_id LEFT JOIN users ur ON ur.id = a.resolved_by "
			    "WHERE a.status = $1 AND a.id < $2 ORDER BY a.id DESC LIMIT $3",
	[Q_STAFF_AUDIT] = "SELECT a.id, a.created_at, a.skill_id, a.action, a.detail, ua.handle, s.slug, uo.handle FROM audit_log a "
			  "LEFT JOIN users ua ON ua.id = a.actor_id LEFT JOIN skills s ON s.id = a.skill_id "
			  "LEFT JOIN users uo ON uo.id = s.owner_id WHERE a.id < $1 ORDER BY a.id DESC LIMIT $2",
	[Q_STAFF_SKILL_AUDIT] = "SELECT a.id, a.created_at, a.skill_id, a.action, a.detail, ua.handle, s.slug, uo.handle FROM audit_log a "
			  "LEFT JOIN users ua ON ua.id = a.actor_id LEFT JOIN skills s ON s.id = a.skill_id "
			  "LEFT JOIN users uo ON uo.id = s.owner_id WHERE a.skill_id = $1 ORDER BY a.skill_id DESC, a.created_at DESC LIMIT $2",
	[Q_APPEALS_OF_SKILL] = "SELECT a.id, a.skill_id, a.created_at, a.resolved_at, a.status, a.version, a.message, a.resolution_note, "
			    "us.handle, ur.handle, s.slug, uo.handle, NULL "
			    "FROM skill_appeals a JOIN skills s ON s.id = a.skill_id JOIN users uo ON uo.id = s.owner_id "
			    "LEFT JOIN users us ON us.id = a.user_id LEFT JOIN users ur ON ur.id = a.resolved_by "
			    "WHERE a.skill_id = $1 ORDER BY a.id DESC LIMIT $2",
	[Q_STAFF_APPEALS_ALL] = "SELECT a.id, a.skill_id, a.created_at, a.resolved_at, a.status, a.version, a.message, a.resolution_note, "
			    "us.handle, ur.handle, s.slug, uo.handle, NULL "
			    "FROM skill_appeals a JOIN skills s ON s.id = a.skill_id JOIN users uo ON uo.id = s.owner_id "
			    "LEFT JOIN users us ON us.id = a.user_id LEFT JOIN users ur ON ur.id = a.resolved_by "
			    "WHERE a.id < $1 ORDER BY a.id DESC LIMIT $2",
	[Q_STAFF_ACCOUNT] = "SELECT id, handle, display_name, role, kind, created_at, deactivated_at, ban_reason "
			    "FROM users WHERE handle = $1",
	[Q_STAFF_BANNED] = "SELECT id, handle, display_name, role, kind, created_at, deactivated_at, ban_reason "
			   "FROM users WHERE deactivated_at IS NOT NULL ORDER BY deactivated_at DESC, id DESC LIMIT $1",
	[Q_REPORT_BY_ID] = "SELECT skill_id, status FROM skill_reports WHERE id = $1",
	[Q_REPORT_TRIAGE] = "UPDATE skill_reports SET status = $2, triaged_by = $3, triaged_at = $4, triage_note = $5, action_taken = $6 "
			    "WHERE id = $1 AND status = 0",
	[Q_REPORTS_DROP] = "UPDATE skills SET stats_reports = greatest(stats_reports - 1, 0) WHERE id = $1",
	[Q_APPEAL_INS] = "INSERT INTO skill_appeals(skill_id, version_id, version, user_id, message, created_at) "
			 "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id",
	[Q_APPEAL_OPEN] = "SELECT id FROM skill_appeals WHERE skill_id = $1 AND version_id = $2 AND status = 0",
	[Q_APPEAL_BY_ID] = "SELECT skill_id, status FROM skill_appeals WHERE id = $1",
	[Q_APPEAL_RESOLVE] = "UPDATE skill_appeals SET status = $2, resolved_by = $3, resolved_at = $4, resolution_note = $5 "
			     "WHERE id = $1 AND status = 0",
};

static char *list_sql[SR__LIST_VARIANTS];
static pthread_once_t list_once = PTHREAD_ONCE_INIT;

static void build_list_sql(void)
{
	static const sr__dialect pg = {'$', 0, " = 1", "JOIN"};
	sr__list_sql_build(&pg, list_sql);
}

const char *sr__pg_statement_sql(int q)
{
	pthread_once(&list_once, build_list_sql);
	if (q < 0 || q >= SR__Q_TOTAL)
		return NULL;
	return q < Q_FIXED_COUNT ? fixed_sql[q] : list_sql[q - Q_FIXED_COUNT];
}

/* ---- full-text match expressions ---- */

/* Appends token as the text[] literal element "%token%": LIKE's own %, _ and \ escaped with
 * a backslash, then the element's " and \ escaped with another. */
static int like_element(sr_buf *b, const char *token)
{
	int rc = sr_buf_puts(b, "\"%");
	for (const char *p = token; *p && !rc; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			rc = sr_buf_puts(b, "\\\\");
		if (!rc && (*p == '"' || *p == '\\'))
			rc = sr_buf_putc(b, '\\');
		if (!rc)
			rc = sr_buf_putc(b, *p);
	}
	return rc ? rc : sr_buf_puts(b, "%\"");
}

/* The LIKE patterns of every token, the longest first: the trigram index is asked for that
 * one (it has the most trigrams, so the fewest rows to check), the rows it finds for all. */
static int like_patterns(sr_buf *b, const char *const *tokens, int n)
{
	int first = 0;
	for (int t = 1; t < n; t++)
		if (strlen(tokens[t]) > strlen(tokens[first]))
			first = t;
	int rc = sr_buf_putc(b, '{');
	for (int k = 0; k < n && !rc; k++) {
		int t = k == 0 ? first : k <= first ? k - 1 : k;
		if (k)
			rc = sr_buf_putc(b, ',');
		if (!rc)
			rc = like_element(b, tokens[t]);
	}
	return rc ? rc : sr_buf_putc(b, '}');
}

/*
 * One token as a tsquery phrase of its words: ASCII characters other than letters and
 * digits separate words (the indexed text has them turned into spaces), a CJK character is a
 * word of its own, so "pdf-tables" is 'pdf' <-> 'tables' and a CJK token its characters in a
 * row, as FTS5 reads them. With prefix, the last word may start a longer one (FTS5's "..."*),
 * except in a token that starts with a CJK character, as on SQLite. *words counts the words.
 */
static int token_phrase(sr_buf *b, const char *token, int prefix, int *words)
{
	const unsigned char *p = (const unsigned char *)token;
	int rc = 0, open = 0, cjk = 0;
	*words = 0;
	sr__utf8_char(p, &cjk);
	prefix = prefix && !cjk;
	while (*p && !rc) {
		size_t len = sr__utf8_char(p, &cjk);
		int sep = *p < 0x80 && !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'));
		if ((sep || cjk) && open) {
			rc = sr_buf_putc(b, '\'');
			open = 0;
		}
		if (!sep && !rc && !open) {
			if (*words)
				rc = sr_buf_puts(b, " <-> ");
			if (!rc)
				rc = sr_buf_putc(b, '\'');
			open = 1;
			++*words;
		}
		for (size_t k = 0; k < len && !sep && !rc; k++)
			rc = sr_buf_putc(b, (char)p[k]);
		if (cjk && open && !rc) {
			rc = sr_buf_putc(b, '\'');
			open = 0;
		}
		p += len;
	}
	if (open && !rc)
		rc = sr_buf_putc(b, '\'');
	if (prefix && *words && !rc)
		rc = sr_buf_puts(b, ":*");
	return rc;
}

/* Every token a phrase, all of them required. A token with no word in it would be an empty
 * phrase, which matches nothing: the whole query is refused instead. */
static int tsquery(sr_buf *b, const char *const *tokens, int n, int prefix)
{
	int rc = 0;
	for (int t = 0; t < n && !rc; t++) {
		int words = 0;
		rc = sr_buf_puts(b, t ? " & (" : "(");
		if (!rc)
			rc = token_phrase(b, tokens[t], prefix, &words);
		if (!rc && !words)
			rc = SR_EINVAL;
		if (!rc)
			rc = sr_buf_putc(b, ')');
	}
	return rc;
}

int sr__pg_match_expr(sr_buf *b, int match, const char *const *tokens, int n)
{
	if (n < 1)
		return SR_EINVAL;
	switch (match) {
	case SR_MATCH_NAMES:
	case SR_MATCH_INSIDE:
		return like_patterns(b, tokens, n);
	case SR_MATCH_WORDS:
		return tsquery(b, tokens, n, 0);
	case SR_MATCH_PREFIXES:
		return tsquery(b, tokens, n, 1);
	}
	return SR_EINVAL;
}
