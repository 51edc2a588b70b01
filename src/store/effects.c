/*
 * effects.c - what each write statement of the catalogue can change in cached answers.
 *
 * The table is by statement id (enum sr__q), not by SQL text, so it holds for every engine:
 * SQLite's catalogue (catalogue.c) and PostgreSQL's (pg_catalogue.c) run the same writes with
 * the same parameters, and the store bumps the cache generations (gen.h) from the effects
 * noted here when a transaction commits. The kinds are in internal.h; a write statement
 * missing from the table counts as changing everything, so a forgotten entry costs cache
 * hits, never a stale answer. `auth` marks the writes a node's memory of tokens must see
 * (token_memo.c); every SR__E_WIDE statement, those missing from the table included, counts
 * as one too (engine.c), so a forgotten entry costs that memory's hits, never a stale token.
 */
#include "store/internal.h"

/* What each write statement can change in cached answers (the kinds: internal.h). */
static const sr__effect effects[Q_FIXED_COUNT] = {
	/* A publisher page (web) answers 404 until its user exists, and shows a ban. */
	[Q_USER_ADD] = {SR__E_LISTS, 0, 0},
	[Q_USER_ADD_CLAIMABLE] = {SR__E_LISTS, 0, 0},
	[Q_USER_BAN] = {SR__E_LISTS, 0, 0, 1},
	[Q_USER_UNBAN] = {SR__E_LISTS, 0, 0, 1},
	[Q_ORG_INVITE_EXPIRE] = {SR__E_NONE, 0, 0},
	[Q_ORG_INVITE_ADD] = {SR__E_NONE, 0, 0},
	[Q_ORG_INVITE_DECIDE] = {SR__E_NONE, 0, 0},
	[Q_BAN_HOLDS_SAVE] = {SR__E_NONE, 0, 0},
	[Q_BAN_HOLDS_DROP] = {SR__E_NONE, 0, 0},
	[Q_TOKENS_REVOKE_USER] = {SR__E_NONE, 0, 0, 1},
	[Q_SESSIONS_END_USER] = {SR__E_NONE, 0, 0},
	[Q_TOKEN_ADD] = {SR__E_NONE, 0, 0},
	[Q_TOKEN_REVOKE] = {SR__E_NONE, 0, 0, 1},
	[Q_ALIAS_ADD] = {SR__E_SKILL, 3, 2},
	[Q_ALIAS_DEL] = {SR__E_SKILL, 0, 2},
	[Q_ALIASES_REPOINT] = {SR__E_SKILL, 1, 0},
	[Q_SKILL_RENAME] = {SR__E_SKILL, 1, 2},
	[Q_SKILL_MERGED] = {SR__E_SKILL, 1, 0},
	[Q_SKILL_INSERT] = {SR__E_SKILL, 0, 2},
	[Q_SKILL_INSERT_AT] = {SR__E_SKILL, 1, 3},
	[Q_RESERVE] = {SR__E_NONE, 0, 0},
	[Q_UNRESERVE] = {SR__E_NONE, 0, 0},
	[Q_VERSION_INSERT] = {SR__E_SKILL, 1, 0},
	[Q_VERSION_INSERT_AT] = {SR__E_SKILL, 2, 0},
	[Q_FILE_INSERT] = {SR__E_LISTS, 0, 0},
	[Q_COLD_INSERT] = {SR__E_LISTS, 0, 0},
	[Q_SET_LATEST] = {SR__E_SKILL, 1, 0},
	[Q_CLEAR_LATEST] = {SR__E_SKILL, 1, 0},
	[Q_SET_IDENTITY] = {SR__E_SKILL, 1, 0},
	[Q_TAG_SET] = {SR__E_SKILL, 1, 0},
	[Q_TAGS_JSON] = {SR__E_SKILL, 1, 0},
	[Q_TOUCH] = {SR__E_SKILL, 1, 0},
	[Q_FTS_DEL] = {SR__E_LISTS, 0, 0},
	[Q_FTS_INS] = {SR__E_LISTS, 0, 0},
	[Q_FTS_SHORT_DEL] = {SR__E_LISTS, 0, 0},
	[Q_FTS_SHORT_INS] = {SR__E_LISTS, 0, 0},
	[Q_TERM_ADD] = {SR__E_LISTS, 0, 0},
	[Q_TERM_DROP] = {SR__E_LISTS, 0, 0},
	[Q_POSTING_ADD] = {SR__E_LISTS, 0, 0},
	[Q_POSTINGS_DEL] = {SR__E_LISTS, 0, 0},
	[Q_TYPO_ADD] = {SR__E_LISTS, 0, 0},
	[Q_SEARCH_TEXT_SET] = {SR__E_LISTS, 0, 0},
	[Q_MALWARE_FINDING_ADD] = {SR__E_NONE, 0, 0},
	[Q_SOFT_DELETE] = {SR__E_SKILL, 1, 0},
	[Q_UNDELETE] = {SR__E_SKILL, 1, 0},
	[Q_SKILL_HIDE] = {SR__E_SKILL, 1, 0},
	[Q_UNDELETE_OWNER] = {SR__E_SKILL, 1, 0},
	[Q_TAGS_DROP_VERSION] = {SR__E_SKILL, 1, 0},
	[Q_AUDIT] = {SR__E_NONE, 0, 0},
	[Q_STAR_INS] = {SR__E_NONE, 0, 0},
	[Q_STAR_DEL] = {SR__E_NONE, 0, 0},
	[Q_STARS_ADJ] = {SR__E_SKILL, 1, 0},
	[Q_DEDUPE_INS] = {SR__E_NONE, 0, 0},
	[Q_EVENT_INS] = {SR__E_NONE, 0, 0},
	[Q_DAILY_UPSERT] = {SR__E_LISTS, 0, 0},
	[Q_COUNTERS_ADJ] = {SR__E_SKILL, 1, 0},
	[Q_EVENTS_CLAIM] = {SR__E_NONE, 0, 0},
	[Q_CURSOR_SET] = {SR__E_NONE, 0, 0},
	[Q_TICKET_ADD] = {SR__E_NONE, 0, 0},
	[Q_TICKET_UPLOADED] = {SR__E_NONE, 0, 0},
	[Q_TICKET_USED] = {SR__E_NONE, 0, 0},
	[Q_TICKETS_USE_EXPECT] = {SR__E_NONE, 0, 0},
	[Q_TICKETS_EXPIRE] = {SR__E_NONE, 0, 0},
	[Q_BLOB_HOLD_ADD] = {SR__E_NONE, 0, 0},
	[Q_BLOB_HOLD_DEL] = {SR__E_NONE, 0, 0},
	[Q_BLOB_HOLDS_EXPIRE] = {SR__E_NONE, 0, 0},
	/* A new leaderboard changes trending lists, and nothing a detail shows. */
	[Q_TRENDING_SNAP_INS] = {SR__E_LISTS, 0, 0},
	[Q_TRENDING_ENTRY_INS] = {SR__E_LISTS, 0, 0},
	[Q_TRENDING_ENTRIES_DEL] = {SR__E_LISTS, 0, 0},
	[Q_TRENDING_SNAPS_DEL] = {SR__E_LISTS, 0, 0},
	[Q_BF_STATE_PUT] = {SR__E_NONE, 0, 0},
	[Q_BF_COUNTERS_SET] = {SR__E_SKILL, 1, 0},
	/* A version's scan state, results and findings show only on the version route and the
	 * moderation route, which are never cached; reports and roles show nowhere cached. */
	/* The web site's skill page shows the shown version's scan state and findings, so the
	 * request and the end of a scan (whose transaction also writes the results and
	 * findings) move that skill's answers. */
	[Q_VERSION_SCAN_REQUEST] = {SR__E_SKILL, 3, 0},
	/* A claim changes no column any answer shows. */
	[Q_VERSION_SCAN_CLAIM] = {SR__E_NONE, 0, 0},
	[Q_VERSION_SCAN_FINISH] = {SR__E_SKILL, 6, 0},
	[Q_SCAN_RESULT_PUT] = {SR__E_NONE, 0, 0},
	[Q_SCAN_FINDINGS_DEL] = {SR__E_NONE, 0, 0},
	[Q_SCAN_FINDING_INS] = {SR__E_NONE, 0, 0},
	[Q_SCAN_HOLD_PUT] = {SR__E_NONE, 0, 0},
	[Q_REPORT_INS] = {SR__E_NONE, 0, 0},
	[Q_REPORTS_BUMP] = {SR__E_NONE, 0, 0},
	[Q_REPORTS_RESET] = {SR__E_NONE, 0, 0},
	[Q_USER_ROLE] = {SR__E_NONE, 0, 0, 1},
	/* The skill's moderation columns decide its lists, search, and its detail. */
	[Q_SKILL_MARK_PENDING] = {SR__E_SKILL, 1, 0},
	[Q_SKILL_MODERATE] = {SR__E_SKILL, 1, 0},
	[Q_PUBLIC_COUNT_ADJ] = {SR__E_LISTS, 0, 0},
	[Q_JOB_CLAIM] = {SR__E_NONE, 0, 0},
	[Q_IDENT_ADD] = {SR__E_NONE, 0, 0},
	[Q_USER_CLAIMED] = {SR__E_NONE, 0, 0},
	/* A user's picture shows beside its skills and in what a token's lookup answers. */
	[Q_USER_SET_IMAGE] = {SR__E_WIDE, 0, 0, 1},
	[Q_SESSION_ADD] = {SR__E_NONE, 0, 0},
	[Q_SESSION_TOUCH] = {SR__E_NONE, 0, 0},
	[Q_SESSION_END] = {SR__E_NONE, 0, 0},
	[Q_PASSWORD_SET] = {SR__E_NONE, 0, 0},
	[Q_INVITE_ADD] = {SR__E_NONE, 0, 0},
	[Q_INVITE_USE] = {SR__E_NONE, 0, 0},
	[Q_DEVICE_ADD] = {SR__E_NONE, 0, 0},
	[Q_DEVICE_SET] = {SR__E_NONE, 0, 0},
	[Q_DEVICE_POLL] = {SR__E_NONE, 0, 0},
	[Q_TOKEN_MINT] = {SR__E_NONE, 0, 0},
	[Q_TOKEN_REVOKE_ID] = {SR__E_NONE, 0, 0, 1},
	[Q_TOKEN_TOUCH] = {SR__E_NONE, 0, 0},
	/* An org's page (web) answers 404 until it exists, and shows its name; members, requests
	 * and scan jobs show in no cached answer. A new owner shows on the skill's detail, its
	 * list rows and both owners' pages; moved aliases change what the skill's old slugs
	 * find. */
	[Q_ORG_ADD] = {SR__E_LISTS, 0, 0},
	[Q_ORG_UPDATE] = {SR__E_LISTS, 0, 0, 1},
	[Q_MEMBER_SET] = {SR__E_NONE, 0, 0},
	[Q_MEMBER_DEL] = {SR__E_NONE, 0, 0},
	[Q_SKILL_SET_OWNER] = {SR__E_SKILL, 1, 0},
	[Q_ALIASES_MOVE] = {SR__E_SKILL, 1, 0},
	[Q_TRANSFER_EXPIRE] = {SR__E_NONE, 0, 0},
	[Q_TRANSFER_ADD] = {SR__E_NONE, 0, 0},
	[Q_TRANSFER_FINISH] = {SR__E_NONE, 0, 0},
	[Q_SCAN_JOB_ADD] = {SR__E_NONE, 0, 0},
	/* A card is read by the verify and card routes only, which are never cached. */
	[Q_CARD_PUT] = {SR__E_NONE, 0, 0},
	/* Reports and appeals show only on staff pages and an owner's signed-in skill page, which
	 * are never cached; the report counter shows in no answer. */
	[Q_REPORT_TRIAGE] = {SR__E_NONE, 0, 0},
	[Q_REPORTS_DROP] = {SR__E_NONE, 0, 0},
	[Q_APPEAL_INS] = {SR__E_NONE, 0, 0},
	[Q_APPEAL_RESOLVE] = {SR__E_NONE, 0, 0},
};

sr__effect sr__effect_of(int q)
{
	sr__effect wide = {SR__E_WIDE, 0, 0, 0}; /* counts as auth too: engine.c */
	return q >= 0 && q < Q_FIXED_COUNT ? effects[q] : wide;
}
