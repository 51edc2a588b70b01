/*
 * internal.h - the store's internal statement API, shared by the files of src/store.
 *
 * The store is two halves. An engine (SQLite: sqlite.c, schema.c, catalogue.c; PostgreSQL:
 * pg.c, pg_schema.c, pg_gens.c and its catalogue) owns the connection, prepares the
 * catalogue's statements, steps them with read accounting and limits, binds parameters and
 * reads columns; engine.c implements the calls below once, over the table of engine.h. The
 * domain files (users.c, skills.c, versions.c, stats.c, scans.c, jobs.c) implement store.h
 * over these calls, with the row loop and accounting values of rows.c, and never see an
 * engine type: a statement is an opaque sr__stmt named by its id in the catalogue (enum
 * sr__q). Both engines' catalogues have the same ids, result columns and parameters, so the
 * domain files run on either unchanged.
 *
 * Conventions: a statement's result columns are in the order its reader reads them;
 * parameters are numbered from 1; an sr__stmt handed out by sr__prepare or sr__query is valid
 * until the next call that prepares the same id, and its text columns until the next step or
 * reset.
 */
#ifndef SR_STORE_INTERNAL_H
#define SR_STORE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

typedef struct sr__stmt sr__stmt;

/* The statements of the catalogue (catalogue.c), each with the index it reads through. */
enum sr__q {
	/* users and tokens */
	Q_USER_ADD,         /* insert */
	Q_USER_BY_HANDLE,   /* ux_users_handle */
	Q_USER_BY_ID,       /* primary key */
	Q_USER_ADD_CLAIMABLE, /* insert (ux_users_handle and ux_users_claim_github refuse a second) */
	Q_USER_BAN,         /* primary key */
	Q_USER_BAN_SKILLS,  /* ix_skills_owner_updated */
	Q_BAN_HOLDS_SAVE,   /* ix_skills_owner_updated (ban_holds primary key refuses a second row) */
	Q_UNBAN_RESTORE,    /* ix_ban_holds_user, then skills primary key */
	Q_UNBAN_UNHELD,     /* ix_skills_owner_updated: a ban from before ban_holds */
	Q_BAN_HOLDS_DROP,   /* ix_ban_holds_user */
	Q_USER_UNBAN,       /* primary key */
	Q_TOKENS_REVOKE_USER, /* ix_tokens_user */
	Q_SESSIONS_END_USER,  /* ix_sessions_user */
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
	Q_LOOKUP_ANY,         /* ix_skills_slug and ix_aliases_slug, then skills primary key */
	Q_LOOKUP_OWNED,       /* ux_users_handle, then ux_skills_owner_slug and the aliases' primary key */
	Q_SLUG_CLAIMS,        /* Q_LOOKUP_OWNED's, Q_LOOKUP_ANY's (16 aliases), reserved_slugs and ux_versions_skill_version,
			       * and the next ids: the primary keys' last entries (SQLite), sequences (PostgreSQL) */
	Q_SLUG_CLAIMS_EXPECT, /* Q_SLUG_CLAIMS's claims, compared with a digest (PostgreSQL only) */
	Q_DETAIL_ANY,         /* the same, then the latest version's and its SKILL.md's keys */
	Q_DETAIL_OWNED,       /* ux_users_handle, ux_skills_owner_slug, then as Q_DETAIL_ANY */
	Q_DETAIL_BY_ID,       /* skills primary key, then as Q_DETAIL_ANY */
	Q_LOOKUP_VERSION_ANY, /* Q_LOOKUP_ANY, then ux_versions_skill_version */
	Q_LOOKUP_VERSION_OWNED, /* ux_users_handle, ux_skills_owner_slug, ux_versions_skill_version */
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
	Q_VERSIONS_FIRST,     /* ix_versions_skill_created (live versions only, none found malicious) */
	Q_VERSIONS_AFTER,     /* ix_versions_skill_created keyset */
	Q_VERSIONS_ALL,       /* ux_versions_skill_version range on skill_id */
	Q_VERSION_BY_FP,      /* ix_versions_skill_fp */
	Q_FILES,              /* version_files primary key range */
	Q_FILE,               /* ux_version_files_path */
	Q_COLD,               /* version_cold primary key */
	/* publish */
	Q_SKILL_INSERT,
	Q_SKILL_INSERT_AT,    /* Q_SKILL_INSERT with the id drawn ahead */
	Q_RESERVED_HOLDER,    /* reserved_slugs primary key range on slug */
	Q_RESERVE,
	Q_UNRESERVE,          /* reserved_slugs primary key */
	Q_VERSION_INSERT,
	Q_VERSION_INSERT_AT,  /* Q_VERSION_INSERT with the id drawn ahead */
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
	Q_EVENTS_CLAIM,        /* ix_events_unfolded (partial: events not folded yet), a batch;
				* then stat_events primary key */
	Q_DAILY_UPSERT,
	Q_COUNTERS_ADJ,
	Q_CURSOR_SET,
	/* upload tickets */
	Q_TICKET_ADD,
	Q_TICKET_GET,          /* primary key */
	Q_TICKET_UPLOADED,
	Q_TICKET_USED,
	Q_TICKETS_GET,         /* primary key, once per ticket of the list */
	Q_TICKETS_USE_EXPECT,  /* the same, the marks counted and asserted (PostgreSQL only) */
	Q_TICKETS_EXPIRE,      /* ix_tickets_expires: the oldest expired, a bounded batch */
	Q_TICKETS_PENDING,     /* ix_tickets_user_live (covering partial): one user's live unused
				* tickets, a bounded range */
	/* blob references, for the blob collector */
	Q_BLOB_REF_FILE,       /* ix_version_files_sha (covering) */
	Q_BLOB_REF_ZIP,        /* ix_versions_zip (covering) */
	Q_BLOB_REF_TICKET,     /* ix_tickets_sha (covering): a ticket not yet expired */
	Q_BLOB_REF_HOLD,       /* ix_blob_holds_sha (covering): a publish in flight */
	Q_BLOB_HOLD_ADD,
	Q_BLOB_HOLD_DEL,       /* blob_holds primary key: one publish's range */
	Q_BLOB_HOLDS_EXPIRE,   /* ix_blob_holds_expires: the oldest expired, a bounded batch */
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
	Q_MALWARE_FINDING_ADD, /* insert (ux_malware_findings_version keeps one per version) */
	Q_USER_CLAIMABLE,      /* users primary key */
	Q_MALWARE_FINDINGS,    /* ix_malware_findings_user range, newest first, at most ?2 */
	Q_MALWARE_FINDINGS_SKILL_DROP, /* ix_malware_findings_skill range */
	Q_VERSION_SCAN_CLAIM,  /* skill_versions primary key */
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
	/* scheduled jobs across nodes (src/cron/cron.c) */
	Q_JOB_CLAIM,           /* job_claims primary key */
	/* accounts (issue 13: src/auth) */
	Q_IDENT_USER,          /* user_identities primary key */
	Q_IDENT_ADD,
	Q_USER_BY_CLAIM,       /* ux_users_claim_github (partial: unclaimed accounts) */
	Q_USER_CLAIMED,        /* users primary key */
	Q_USER_SET_IMAGE,      /* users primary key */
	Q_SESSION_ADD,
	Q_SESSION_GET,         /* ux_sessions_hash, then users primary key */
	Q_SESSION_TOUCH,       /* web_sessions primary key */
	Q_SESSION_END,         /* web_sessions primary key */
	Q_SESSIONS_OF,         /* ix_sessions_user range, newest first */
	Q_PASSWORD_GET,        /* user_passwords primary key */
	Q_PASSWORD_SET,        /* user_passwords primary key */
	Q_INVITE_ADD,
	Q_INVITE_GET,          /* ux_invites_hash */
	Q_INVITE_USE,          /* invites primary key */
	Q_DEVICE_ADD,
	Q_DEVICE_BY_HASH,      /* ux_device_hash */
	Q_DEVICE_BY_USER_CODE, /* ix_device_user_code range, at most 50 (the caller picks the newest) */
	Q_DEVICE_SET,          /* device_codes primary key */
	Q_DEVICE_POLL,         /* device_codes primary key */
	Q_TOKEN_MINT,          /* insert */
	Q_TOKENS_OF,           /* ix_tokens_user range, newest first */
	Q_TOKEN_REVOKE_ID,     /* api_tokens primary key */
	Q_TOKEN_TOUCH,         /* api_tokens primary key */
	Q_OWNER_ALL_FIRST,     /* ix_skills_owner_updated, one owner's range (every state) */
	Q_OWNER_ALL_AFTER,     /* ix_skills_owner_updated keyset */
	Q_STARRED,             /* ix_stars_user range, newest star first, then skills primary key */
	/* org publishers, transfers, scan jobs (migration 0015) */
	Q_USER_KIND,           /* users primary key */
	Q_ORG_ADD,             /* insert */
	Q_ORG_UPDATE,          /* users primary key */
	Q_MEMBER_ROLE,         /* publisher_members primary key */
	Q_MEMBER_SET,          /* publisher_members primary key */
	Q_MEMBER_DEL,          /* publisher_members primary key */
	Q_MEMBER_OWNERS,       /* publisher_members primary key range on publisher_id */
	Q_MEMBERS,             /* publisher_members primary key range, then users primary key */
	Q_USER_ORGS,           /* ix_members_user range, then users primary key */
	Q_ORG_INVITE_EXPIRE,   /* ux_org_invites_pending (partial: pending invitations) */
	Q_ORG_INVITE_ADD,      /* insert (ux_org_invites_pending refuses a second pending one) */
	Q_ORG_INVITE_GET,      /* org_invites primary key */
	Q_ORG_INVITE_DECIDE,   /* org_invites primary key */
	Q_ORG_INVITES_OF_USER, /* ix_org_invites_user range (pending), newest first, then users primary key */
	Q_ORG_INVITES_OF_ORG,  /* ix_org_invites_org range (pending), newest first, then users primary key */
	Q_SKILL_SET_OWNER,     /* skills primary key */
	Q_ALIASES_MOVE,        /* ix_aliases_skill */
	Q_TRANSFER_EXPIRE,     /* ux_transfers_pending (partial: pending requests) */
	Q_TRANSFER_ADD,        /* insert */
	Q_TRANSFER_PENDING,    /* ux_transfers_pending */
	Q_TRANSFER_FINISH,     /* skill_transfers primary key */
	Q_TRANSFERS_IN,        /* ix_transfers_to range (pending), then skills and users (the other, the owner) primary keys */
	Q_TRANSFERS_OUT,       /* ix_transfers_from range (pending), then skills and users primary keys */
	/* transfer history (migration 0017) */
	Q_TRANSFER_HIST_IN,    /* ix_transfers_to_time range, newest first, then skills and users primary keys */
	Q_TRANSFER_HIST_OUT,   /* ix_transfers_from_time range, newest first, the same */
	Q_TRANSFER_HIST_SKILL, /* ix_transfers_skill range, newest first, the same */
	Q_ALIASES_OF_SKILL,    /* ix_aliases_skill range */
	Q_SCAN_JOB_ADD,        /* insert */
	Q_SCAN_JOB_GET,        /* scan_jobs primary key */
	/* skill cards (migration 0018) */
	Q_CARD_PUT,            /* skill_cards primary key (insert, or rewrite on a rescan) */
	Q_CARD_GET,            /* skill_cards primary key */
	Q_CARD_META,           /* skill_cards primary key: the digest and size, not the text */
	/* the staff console and appeals (migration 0020, store/staff.h) */
	Q_STAFF_QUEUE,         /* ix_versions_scan_queue (partial: pending versions), keyset; skills and users primary keys */
	Q_STAFF_VERDICT,       /* ix_skills_verdict, one verdict's range newest first */
	Q_STAFF_REPORTS,       /* ix_reports_status, one status's range newest first; skills and users primary keys */
	Q_STAFF_REPORTS_ALL,   /* skill_reports primary key range, newest first (every status) */
	Q_STAFF_APPEALS,       /* ix_appeals_status, the same for appeals */
	Q_STAFF_APPEALS_ALL,   /* skill_appeals primary key range, newest first (every status) */
	Q_STAFF_AUDIT,         /* audit_log primary key range, newest first; users and skills primary keys */
	Q_STAFF_SKILL_AUDIT,   /* ix_audit_skill, one skill's range newest first */
	Q_STAFF_SKILL_REPORTS, /* ux_reports_skill_user, one skill's range (in reporter order) */
	Q_APPEALS_OF_SKILL,    /* ix_appeals_skill range, newest first; skills and users primary keys */
	Q_REPORT_BY_ID,        /* skill_reports primary key */
	Q_REPORT_TRIAGE,       /* skill_reports primary key */
	Q_REPORTS_DROP,        /* skills primary key */
	Q_APPEAL_INS,          /* insert (ux_appeals_open refuses a second open appeal) */
	Q_APPEAL_OPEN,         /* ux_appeals_open */
	Q_APPEAL_BY_ID,        /* skill_appeals primary key */
	Q_APPEAL_RESOLVE,      /* skill_appeals primary key */
	Q_STAFF_ACCOUNT,       /* ux_users_handle: one account, with its kind, creation and ban */
	Q_STAFF_BANNED,        /* ix_users_banned (partial: banned accounts), latest ban first */
	/* the search engine's word index (migration 0019, docs/search.md) */
	Q_TERM_GET,            /* search_terms primary key */
	Q_TERMS_PREFIX,        /* search_terms primary key range, at most ?3 */
	Q_TERM_ADD,            /* search_terms primary key per term of a JSON array (insert, or one more skill) */
	Q_TERM_DROP,           /* ix_postings_skill range, then search_terms primary key per term */
	Q_POSTINGS,            /* search_postings primary key range on term, backwards, at most ?2 */
	Q_POSTING_ADD,         /* insert, the rows of a JSON array */
	Q_POSTINGS_DEL,        /* ix_postings_skill range */
	Q_TYPO_ADD,            /* search_terms, then search_typos primary keys per row of a JSON array (kept when present) */
	Q_INDEX_SOURCE,        /* skills primary key, then search_text primary key */
	Q_SEARCH_TEXT_SET,     /* search_text primary key (insert or replace) */
	Q_TYPOS,               /* search_typos primary key ranges on SR_TYPO_KEYS keys, then search_terms primary key */
	Q_SKILLS_BY_IDS,       /* skills and users primary keys, SR_IDS_BATCH ids */
	Q_FIXED_COUNT
};

/*
 * List statements are generated: one per sort x filter x direction x (first page or after a
 * cursor) x (with or without a slug prefix), numbered after the fixed ones. Their parameters:
 * ?1 the key after (text for the name sort), ?2 the second key, ?3 the id, ?4 the limit,
 * ?5 and ?6 the slug prefix range.
 */
#define SR__LIST_VARIANTS (SR_SORT_COUNT * SR_FILTER_COUNT * 2 * 2 * 2)
#define SR__Q_TOTAL (Q_FIXED_COUNT + SR__LIST_VARIANTS)
int sr__list_statement(int sort, int filter, int desc, int after, int prefix);
/* Whether a sort's key is text (the name sort) rather than an integer. */
int sr__sort_is_text(int sort);

/*
 * What each write statement can change in the answers anonymous GETs are cached as
 * (store/gen.h), from catalogue.c's effects table. A write statement missing from it counts
 * as SR__E_WIDE and makes every cached answer miss once, so a forgotten entry costs hits,
 * never a stale answer.
 *   SR__E_NONE   nothing a cached answer shows (accounts, tickets, raw events, the audit log)
 *   SR__E_LISTS  lists and search only (search index rows, daily stats behind trending)
 *   SR__E_SKILL  one skill: parameter `id` is its id and/or parameter `slug` a slug whose
 *                lookups change (0: none)
 * Apart from the kind, `auth` marks the writes that change what a token's lookup answers
 * (SR_GEN_AUTH, token_memo.h); an SR__E_WIDE statement (one missing from the table too)
 * counts as one of them.
 */
enum { SR__E_WIDE = 0, SR__E_NONE, SR__E_LISTS, SR__E_SKILL };
typedef struct sr__effect {
	unsigned char kind, id, slug, auth;
} sr__effect;
/* The effect of statement q (SR__E_WIDE for generated and unknown ones). */
sr__effect sr__effect_of(int q);

/* Appends the full-text expression that matches tokens the way match (enum sr_match) says,
 * in the syntax of the store's engine, for the search statements' first parameter. */
struct sr_buf;
int sr__match_expr(sr_store *s, struct sr_buf *b, int match, const char *const *tokens, int n);

/* Appends a JSON array of the strings items[0..n) to b, for a statement that takes a list as
 * one parameter (json_each, json_array_elements_text). The lists are of names the server
 * made (hex digests, tickets), which need no escaping: SR_EINVAL for one that would. */
int sr__json_strings(struct sr_buf *b, const char *const *items, size_t n);

/* Reads a version row (VERSION_COLS) from the statement's columns base onwards. */
void sr__read_version_at(sr__stmt *st, int base, sr_version_row *v);

/* The number of result columns of a whole skill row (sr__read_skill reads them); search rows
 * add their rank after them, trending rows the entry's rank, installs and downloads. */
#define SR__SKILL_NCOLS 29

/* ---- the word index (postings.c) ---- */

/* Rewrites the postings of skill r (dropping its old ones and their vocabulary counts). */
int sr__postings_write(sr_store *s, const sr_index_source *r);
/* A posting's impact from a text score and a popularity bucket (terms.h). */
int sr__postings_impact(double text, int popularity);

/* ---- statements (engine.c, over the store's engine: engine.h) ---- */

/* Results of sr__step besides a negative SR_E* code. */
enum { SR__ROW = 1, SR__DONE = 2 };

/* The cached statement q, reset and with its bindings cleared, or NULL when it cannot be
 * prepared (the error is recorded). Counts one index range into the read context. */
sr__stmt *sr__prepare(sr_store *s, int q);
/*
 * sr__prepare, then binds parameters from a format, one letter per parameter in order:
 *   I int64_t    i int    t text (NULL binds NULL)
 *   n int64_t, 0 binds NULL    N int, negative binds NULL
 * A write statement's skill parameters (sr__effect) are noted for the cache generations.
 */
sr__stmt *sr__query(sr_store *s, int q, const char *fmt, ...);
/* sr__query, then runs the statement, which returns no rows: 0 or an SR_E* code. */
int sr__run(sr_store *s, int q, const char *fmt, ...);
/* Steps a statement and accounts what it returned: SR__ROW, SR__DONE, or a negative SR_E*
 * code (the statement is then reset); SR_ELIMIT when a read limit was passed, SR_EEXIST on
 * a constraint. */
int sr__step(sr_store *s, sr__stmt *st);
/* Releases a statement stepped part way (its row and its read lock). */
void sr__reset(sr__stmt *st);
/* Rows changed by the last write, and the id the last insert gave its row. */
int64_t sr__changes(sr_store *s);
int64_t sr__last_id(sr_store *s);
/* Whether the last failure was the full-text engine refusing a query it cannot parse. */
int sr__search_refused(sr_store *s);

/* Parameters and columns, by 1-based parameter and 0-based column number. Text bound with
 * sr__bind_text must outlive the statement's step; sr__bind_text_copy copies n bytes. */
void sr__bind_int64(sr__stmt *st, int i, int64_t v);
void sr__bind_int(sr__stmt *st, int i, int v);
void sr__bind_text(sr__stmt *st, int i, const char *v);
void sr__bind_text_copy(sr__stmt *st, int i, const char *p, size_t n);
int64_t sr__col_int64(sr__stmt *st, int i);
int sr__col_int(sr__stmt *st, int i);
double sr__col_double(sr__stmt *st, int i);
const char *sr__col_text(sr__stmt *st, int i); /* NULL for NULL */
int sr__col_int_or_null(sr__stmt *st, int i);  /* -1 for NULL (verdicts, sources) */
int sr__col_is_null(sr__stmt *st, int i);
int sr__col_count(sr__stmt *st);

/* ---- rows (rows.c, over the calls above) ---- */

/* Fills the row view `row` from the statement's current row. */
typedef void (*sr__read_fn)(sr_store *s, sr__stmt *st, void *row);
/*
 * Steps st and hands each row, read by `read` into the caller's buffer `row`, to fn. A
 * callback returning non-zero stops the walk: negative is an error passed back, positive a
 * wanted early stop (0 to the caller). st NULL (a failed prepare) is SR_EDB.
 */
int sr__each(sr_store *s, sr__stmt *st, sr__read_fn read, void *row, sr_row_fn fn, void *ud);
/* sr__each over a statement whose two columns are an id and a key: rows sr_key_row. */
int sr__each_key(sr_store *s, sr__stmt *st, sr_row_fn fn, void *ud);
/* Runs a statement that returns no rows, or whose first row is not wanted: 0 or an SR_E*
 * code. */
int sr__exec(sr_store *s, sr__stmt *st);
/* One integer column of a one-row statement into *out; SR_ENOTFOUND when no row. */
int sr__one_int64(sr_store *s, sr__stmt *st, int64_t *out);
/* Notes a skill row the request has read: a cached answer depends on every one of them. */
void sr__note_skill(sr_store *s, int64_t id);
/* The table named so (sr_table), SR_T_OTHER when none is. */
int sr__table_of(const char *name);
void sr__copy_text(char *dst, size_t n, const char *src);
/* The length of the UTF-8 character at p (1 for a byte that starts none), and in *cjk whether
 * it is a CJK character, which the word index holds as a word of its own. */
size_t sr__utf8_char(const unsigned char *p, int *cjk);

/* A user's six columns from column c on (users.c), and a one-row user statement run into
 * *out (SR_ENOTFOUND when no row); accounts.c reads users the same way. */
void sr__read_user(sr__stmt *st, int c, sr_user *u);
int sr__user_query(sr_store *s, sr__stmt *st, sr_user *out);

/* The whole-skill reader (skills.c), which the trending page reads its rows with too. */
void sr__read_skill(sr_store *s, sr__stmt *st, void *row);

#endif
