/*
 * catalogue.h - the SQL text the two engines' catalogues share.
 *
 * SQLite's catalogue (catalogue.c) and PostgreSQL's (pg_catalogue.c) must hand back the same
 * result columns in the same order, so the projections of a skill, a lookup and a version
 * are written once, here. The list statements differ between the dialects only in their
 * placeholders, whether they name their index, and how a visibility column is tested, so
 * one generator (catalogue.c) writes both sets from a dialect.
 */
#ifndef SR_STORE_CATALOGUE_H
#define SR_STORE_CATALOGUE_H

/* A whole skill row, as sr__read_skill reads it (SR__SKILL_NCOLS columns). */
#define SKILL_COLS                                                                            \
	"s.id, s.owner_id, s.slug, s.display_name, s.summary, s.tags_json, s.latest_version_id, " \
	"s.latest_version, s.latest_changelog, s.latest_metadata, s.latest_created_at, "          \
	"s.moderation_status, s.moderation_reason, s.moderation_flags, s.moderation_verdict, "    \
	"s.soft_deleted_at, s.stats_downloads, s.stats_stars, s.stats_installs, "                 \
	"s.stats_versions, s.stats_comments, s.created_at, s.updated_at, s.is_suspicious, "       \
	"s.is_public, s.is_listed, u.handle, u.display_name, u.image"

/* What finding a skill and checking who may see it needs, and no more: a lookup on the way
 * to a version, a file or a download reads about a fifth of the list row. */
#define LOOKUP_COLS                                                                    \
	"s.id, s.owner_id, s.slug, s.display_name, s.latest_version_id, s.latest_version, " \
	"s.moderation_status, s.moderation_reason, s.moderation_flags, s.moderation_verdict, " \
	"s.soft_deleted_at, s.stats_versions, s.created_at, s.is_suspicious, s.is_public, "  \
	"s.is_listed, u.handle"
#define SKILL_FROM " FROM skills s CROSS JOIN users u ON u.id = s.owner_id "

/* The skills a bare slug names, in one statement: the first 16 holding it by id, then the
 * first 8 it is an alias of by id (SR_LOOKUP_MAX_MATCHES twice and once, registry.h), each
 * range of its index in key order. lookup.c orders the rows so; a skill holding the slug and
 * aliased by it comes twice, and its readers keep it once. P is the dialect's placeholder of
 * the slug, J its join. */
#define SLUG_OR_ALIAS_FROM(P, J)                                                                  \
	" FROM (SELECT id FROM (SELECT id FROM skills WHERE slug = " P " ORDER BY id LIMIT 16) h "     \
	"UNION ALL SELECT skill_id FROM (SELECT skill_id FROM skill_aliases WHERE slug = " P " "      \
	"ORDER BY skill_id LIMIT 8) a) c " J " skills s ON s.id = c.id " J " users u ON u.id = s.owner_id "

/* The skill an owner's slug names and the one an alias of the owner's by that slug names (at
 * most two rows, either may be missing; a skill named both ways comes twice): the owner by
 * handle, then the unique keys (owner, slug) of skills and of skill_aliases. H and S are the
 * dialect's placeholders of the handle and the slug, J its join; K0 and K1 columns added to
 * the rows of each (empty, or ", 0" and ", 1" to tell them apart). */
#define OWNED_OR_ALIAS(H, S, J, K0, K1)                                                              \
	"SELECT " LOOKUP_COLS K0 " FROM users o " J " skills s ON s.owner_id = o.id AND s.slug = " S " " \
	J " users u ON u.id = s.owner_id WHERE o.handle = " H " UNION ALL SELECT " LOOKUP_COLS K1       \
	" FROM users o " J " skill_aliases a ON a.owner_id = o.id AND a.slug = " S " " J " skills s "    \
	"ON s.id = a.skill_id " J " users u ON u.id = s.owner_id WHERE o.handle = " H

/* Everything a publish decides a slug's claim by, in one statement, each row with its kind
 * (SR_CLAIM_*) after LOOKUP_COLS and then the skill's counters: OWNED_OR_ALIAS's rows (0, 1),
 * the first 16 skills holding the slug by id (2), the first 16 it is an alias of by id (3)
 * (as sr_slug_holder reads them),
 * the first 4 reservations of it not expired at N (4: only owner_id and slug), and the
 * version V of the owner's skills of rows 0 and 1 (5: only the skill's id, by the versions'
 * unique key). Only the owner's rows carry counters (the search index's popularity). */
#define CLAIM_STATS ", s.stats_downloads, s.stats_installs, s.stats_stars"
#define CLAIM_VERSION                                                                              \
	"v.skill_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, " \
	"NULL, NULL, 5, NULL, NULL, NULL"
#define SLUG_CLAIMS(H, S, N, V, J)                                                                         \
	OWNED_OR_ALIAS(H, S, J, ", 0" CLAIM_STATS, ", 1" CLAIM_STATS)                                     \
	" UNION ALL SELECT " LOOKUP_COLS ", 2, NULL, NULL, NULL FROM (SELECT id FROM skills WHERE slug = " S " ORDER BY id " \
	"LIMIT 16) h " J " skills s ON s.id = h.id " J " users u ON u.id = s.owner_id "                   \
	"UNION ALL SELECT " LOOKUP_COLS ", 3, NULL, NULL, NULL FROM (SELECT skill_id FROM skill_aliases WHERE slug = " S    \
	" ORDER BY skill_id LIMIT 16) a " J " skills s ON s.id = a.skill_id " J " users u "                 \
	"ON u.id = s.owner_id UNION ALL SELECT NULL, owner_id, slug, NULL, NULL, NULL, NULL, NULL, NULL, " \
	"NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 4, NULL, NULL, NULL FROM (SELECT owner_id, slug FROM "               \
	"reserved_slugs WHERE slug = " S " AND expires_at > " N " LIMIT 4) r UNION ALL SELECT "            \
	CLAIM_VERSION " FROM users o " J " skills s ON s.owner_id = o.id AND s.slug = " S " "             \
	J " skill_versions v ON v.skill_id = s.id AND v.version = " V " WHERE o.handle = " H               \
	" UNION ALL SELECT " CLAIM_VERSION " FROM users o " J " skill_aliases a ON a.owner_id = o.id "     \
	"AND a.slug = " S " " J " skill_versions v ON v.skill_id = a.skill_id AND v.version = " V          \
	" WHERE o.handle = " H

/* SLUG_CLAIMS and a last row (6) of the ids the publish's inserts take, the skill's NS in the
 * first column and the version's NV in the second, and the claims' digest D (or NULL) in the
 * third (sr_store_slug_claims). */
#define SLUG_CLAIMS_IDS_ROW(NS, NV, D)                                                             \
	" UNION ALL SELECT " NS ", " NV ", " D ", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, " \
	"NULL, NULL, NULL, NULL, NULL, 6, NULL, NULL, NULL"
#define SLUG_CLAIMS_IDS(H, S, N, V, J, NS, NV, D) SLUG_CLAIMS(H, S, N, V, J) SLUG_CLAIMS_IDS_ROW(NS, NV, D)

/* A detail's extra columns after SKILL_COLS (sr_detail_row): the latest version's row and
 * its SKILL.md, joined as DETAIL_JOIN says. */
#define DETAIL_COLS "v.version, v.changelog, v.created_at, v.soft_deleted_at, f.sha256, f.size"

/* The SKILL.md of the latest version the way the detail has always picked it: the last file
 * named SKILL.md in any case, else the first named skills.md. Both are ranges of the files'
 * primary key (version_id, ord). */
#define DETAIL_JOIN                                                                               \
	" LEFT JOIN skill_versions v ON v.id = s.latest_version_id"                              \
	" LEFT JOIN version_files f ON f.version_id = s.latest_version_id AND f.ord = coalesce("  \
	"(SELECT ord FROM version_files WHERE version_id = s.latest_version_id AND lower(path) = 'skill.md' " \
	"ORDER BY ord DESC LIMIT 1), "                                                            \
	"(SELECT ord FROM version_files WHERE version_id = s.latest_version_id AND lower(path) = 'skills.md' " \
	"ORDER BY ord LIMIT 1))"

#define VERSION_COLS                                                                   \
	"id, skill_id, version, fingerprint, changelog, changelog_source, created_at, " \
	"soft_deleted_at, created_by, file_count, total_size, zip_sha256, zip_size, scan_state, scan_verdict"

/* VERSION_COLS of the version joined as v. */
#define VERSION_COLS_V                                                                           \
	"v.id, v.skill_id, v.version, v.fingerprint, v.changelog, v.changelog_source, v.created_at, " \
	"v.soft_deleted_at, v.created_by, v.file_count, v.total_size, v.zip_sha256, v.zip_size, "     \
	"v.scan_state, v.scan_verdict"
/* One named version of each skill a lookup finds (ux_versions_skill_version); P its placeholder. */
#define VERSION_JOIN(P) " LEFT JOIN skill_versions v ON v.skill_id = s.id AND v.version = " P

/* A device login's row (store/accounts.h: sr_device_row), as both device reads return it. */
#define DEVICE_COLS \
	"id, status, expires_at, user_id, label, scope, last_poll_at, poll_interval, created_at"

/* How the list statements of one engine are spelled. */
typedef struct sr__dialect {
	char param;          /* '?' for ?N (SQLite), '$' for $N (PostgreSQL) */
	int indexed_by;      /* name the partial index with INDEXED BY (SQLite) */
	const char *is_true; /* after a visibility column in a predicate: "" or " = 1" */
	const char *join;    /* the join to users: "CROSS JOIN" fixes SQLite's order */
} sr__dialect;

/* Writes the SR__LIST_VARIANTS list statements (internal.h) of a dialect into out, in the
 * order of sr__list_statement minus Q_FIXED_COUNT; the empty slots (a slug prefix on a sort
 * other than the name) are NULL. Each string is malloc'd and lives as long as the process. */
void sr__list_sql_build(const sr__dialect *d, char **out);

#endif
