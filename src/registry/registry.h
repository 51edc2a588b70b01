/*
 * registry.h - the domain operations shared by the API, the web pages and the command line:
 * finding a skill by slug the way ClawHub does, deciding who may see it, publishing a
 * version, and the lifecycle writes (delete, undelete, version withdraw and restore).
 *
 * Nothing here knows about HTTP. A refusal comes back as an SR_E* code with the rule that
 * refused in an sr_regerr (registry/error.h); the API maps it to ClawHub's status and words.
 */
#ifndef SR_REGISTRY_H
#define SR_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "blob/blob.h"
#include "registry/error.h"
#include "store/store.h"

#define SR_MAX_FILE_BYTES (10 * 1024 * 1024)
#define SR_MAX_BUNDLE_BYTES (50 * 1024 * 1024)
#define SR_MAX_FILES 2000
#define SR_MAX_PATH 500
#define SR_SLUG_RESERVE_MS (30LL * 86400000)
/* The registry's own file in every download archive (owner, slug, version, time). */
#define SR_META_PATH "_meta.json"


/* ---- lookup (api-v1 sections 1.3 and 1.4) ---- */

#define SR_LOOKUP_MAX_MATCHES 8

typedef struct sr_lookup {
	sr_skill skill;
	int nmatches; /* ambiguous: the candidates */
	sr_skill matches[SR_LOOKUP_MAX_MATCHES];
} sr_lookup;

/* Finds the skill a request names. slug is normalized; owner (may be NULL) may carry '@'s
 * and any case. caller (may be NULL) lets an owner reach their own deleted skill without
 * naming the owner. 0, SR_ENOTFOUND, or SR_ECONFLICT with matches filled. */
int sr_lookup_skill(sr_store *s, const char *slug, const char *owner, const sr_user *caller,
		    sr_lookup *out);
/* sr_lookup_skill for the delete and undelete routes: as ClawHub's, a bare slug whose only
 * skill is deleted finds it for anyone, so that a caller without the right is told 403, not
 * 404. */
int sr_lookup_skill_any(sr_store *s, const char *slug, const char *owner, const sr_user *caller,
			sr_lookup *out);
/* The rows one bare-slug lookup reads (sr_store_lookup_any, sr_store_detail_any): up to twice
 * SR_LOOKUP_MAX_MATCHES skills holding the slug and SR_LOOKUP_MAX_MATCHES it is an alias of. */
#define SR_LOOKUP_ROWS (SR_LOOKUP_MAX_MATCHES * 3)
/* sr_lookup_skill's choice for a bare slug among the n candidates a lookup statement read
 * (copied with sr_skill_copy; reordered in place), for a route that read them with more
 * columns than a lookup's. */
int sr_lookup_pick(sr_store *s, const char *slug, sr_skill *cands, int n, const sr_user *caller,
		   sr_lookup *out);
/* Whether another publisher than owner_id holds slug: a live skill of theirs has it, or it
 * is an alias of one (api-v1 section 3.11: a new skill's slug must be free of both; a
 * reservation is sr_store_reserved_slug_holder's). 0 with the first such skill in holder,
 * SR_ENOTFOUND when the slug is free of other publishers, or the store's error. */
int sr_slug_holder(sr_store *s, const char *slug, int64_t owner_id, sr_skill *holder);
/* What a publish of version to slug by owner is decided by, read in one statement
 * (sr_store_slug_claims): the owner's skill the slug names, as sr_lookup_skill with the
 * owner's handle finds it, and whether it has that version; another publisher's live skill
 * holding it or aliased by it, as sr_slug_holder finds it; and a reservation of it not expired
 * at now. */
typedef struct sr_slug_state {
	int found; /* the owner's skill, in skill, with its counters */
	sr_skill skill;
	int64_t downloads, installs, stars;
	int has_version; /* the owner's skill has the version */
	int held; /* another publisher's, in holder */
	sr_skill holder;
	int reserved; /* for the publisher reserver */
	int64_t reserver;
	int64_t next_skill_id, next_version_id; /* read with ids: what the inserts take */
	char digest[72]; /* on PostgreSQL: what sr_store_slug_claims_expect asserts; "" on SQLite */
} sr_slug_state;
/* The statement also draws the ids a new skill and version take (store.h says when they may
 * be used), and where the store gives one the claims' digest. */
int sr_slug_state_read(sr_store *s, const char *slug, const char *version, const sr_user *owner, int64_t now,
		       sr_slug_state *out);
/* Fills err with the refusal that names holder (SR_WHY_SLUG_OWNED_ELSEWHERE) and returns its
 * code. */
int sr_slug_refuse(const sr_skill *holder, sr_regerr *err);
/* Strips leading '@'s and lower-cases into out. */
void sr_owner_normalize(const char *in, char *out, size_t n);

/* ---- visibility (api-v1 section 1.5) ---- */

/* 0 when the caller may read the skill; else fills err with why it may not: not found to the
 * public; to the owner, deleted or removed (SR_EGONE), blocked or hidden (SR_EPERM), or waiting
 * for its scan (SR_EPENDING). */
int sr_check_visible(const sr_skill *sk, const sr_user *caller, sr_regerr *err);
/* Whether a moderation reason means "waiting for a scan" (the is_listed column's list). */
int sr_reason_is_pending(const char *reason);

/* ---- publish (api-v1 section 3.11) ---- */

typedef struct sr_pub_file {
	char *path;              /* as sent; sanitized in place by sr_publish */
	char *content_type;      /* may be NULL */
	char sha256[65];
	int64_t size;
	const unsigned char *data; /* bytes in memory, or NULL when already in the blob store */
	const char *ticket;      /* ticketed upload: the ticket to consume, else NULL */
} sr_pub_file;

typedef struct sr_publish_req {
	const sr_user *actor;
	const char *owner_handle; /* NULL: the actor */
	const char *slug, *display_name, *version, *changelog;
	int accept_license;
	const char *const *tags;
	size_t ntags;
	sr_pub_file *files;
	size_t nfiles;
	int64_t now; /* 0: the clock */
	/* `migrateOwner` and `sourceOwnerHandle`: with both, and a source other than the owner,
	 * the publish first moves the source's skill of that slug to the owner
	 * (sr_migration_check). As on ClawHub, the source counts only with migrate_owner, and
	 * without one (the CLI always sends one: --source-owner, or the caller's handle) nothing
	 * moves. */
	int migrate_owner;
	const char *source_owner_handle;
	/* An operator's import (`skillreg import`, `skillreg seed`), not a client's publish: a
	 * new skill's slug needs only the lookup shape (ClawHub's reserved words, protected
	 * affixes and shape rules are for new slugs, and the catalogue imported already held it),
	 * and may be shared with another publisher's live skill, as catalogues from before the
	 * one-owner rule do (migration 0009); the skill is then marked slug_shared. The audit row
	 * says skill.import. Everything else (files, sizes, the scan) is a publish's. */
	int import;
	/* The files' tickets were not read by this request but recalled from this process's
	 * memory of the uploads it took (sr_ticket_recall), which may be out of date: the write
	 * transaction has the database assert that every ticket is still unused and live
	 * (sr_store_tickets_use_expect; only where sr_store_asserts; its owner, its upload and
	 * what it holds never change once recalled). A publish that fails so may have failed for
	 * a stale memory: the caller reads the tickets and publishes again with what they hold. */
	int tickets_recalled;
} sr_publish_req;

typedef struct sr_publish_result {
	int64_t skill_id, version_id;
	char slug[100];
	char version[260];
} sr_publish_result;

int sr_publish(sr_store *s, sr_blobs *b, sr_publish_req *req, sr_publish_result *res,
	       sr_regerr *err);
/* Sanitizes a relative path in place: trims, strips leading '/', refuses '\\', empty, '.'
 * and '..' segments. 0 or SR_EINVAL. */
int sr_path_sanitize(char *path);
/* macOS junk that publishes drop silently: __MACOSX/, .DS_Store, ._* */
int sr_path_is_junk(const char *path);
const char *sr_content_type_for(const char *path);

/* ---- upload tickets and the per-user upload quota ---- */

/* How many upload tickets one user may hold unused and unexpired at once, whatever their
 * bytes: a full-size skill's files twice over. It also bounds the index range the quota's
 * check reads. */
#define SR_UPLOAD_QUOTA_TICKETS (2 * SR_MAX_FILES)
/* The default byte quota (serve --upload-quota-mb): five full-size skills. */
#define SR_UPLOAD_QUOTA_MB 256

/* Issues the upload ticket t (its user, size and expiry filled by the caller) unless the
 * user's tickets neither used by a publish nor expired, with this one, would hold more than
 * quota_bytes (0: no byte quota) or SR_UPLOAD_QUOTA_TICKETS tickets. The check and the insert
 * are one write transaction, so concurrent requests of one user cannot pass the quota
 * together. A ticket stops counting when the publish that uses it commits or it expires.
 * 0, or SR_ETOOBIG with SR_WHY_UPLOAD_QUOTA (arg: the quota that refused). */
int sr_upload_ticket_issue(sr_store *s, const sr_ticket *t, int64_t now, int64_t quota_bytes, sr_regerr *err);
/* This process's memory of the tickets whose bytes it took (ticket.c): remember t as it is
 * once uploaded; recall a ticket by name (SR_ENOTFOUND when not remembered); forget one. What
 * it recalls may be out of date (used since, through another process): a publish that trusts
 * it has the database assert it (sr_publish_req.tickets_recalled). */
void sr_ticket_remember(const sr_ticket *t);
int sr_ticket_recall(const char *name, sr_ticket *out);
void sr_ticket_forget(const char *name);

/* ---- lifecycle ---- */

/* The id and deletion of one version, for the writes that act on a version by number. */
typedef struct sr_version_ref {
	int64_t id, soft_deleted_at;
	int found;
} sr_version_ref;
/* A row callback (sr_row_fn, rows sr_version_row) that fills an sr_version_ref (ud) from the first row. */
int sr_version_ref_take(void *ud, const void *row);

int sr_skill_delete(sr_store *s, const sr_skill *sk, const sr_user *actor, int64_t *reserved_until,
		    sr_regerr *err);
int sr_skill_undelete(sr_store *s, const sr_skill *sk, const sr_user *actor, sr_regerr *err);
int sr_version_delete(sr_store *s, const sr_skill *sk, const char *version, const sr_user *actor,
		      sr_regerr *err);
int sr_version_restore(sr_store *s, const sr_skill *sk, const char *version, const sr_user *actor,
		       sr_regerr *err);
/* Whether a tag a caller names may be set: printable ASCII, at most 64 bytes, not starting
 * with '$' or '_', and not `latest` in any case (`latest` moves only by semver). */
int sr_tag_valid(const char *tag);
/* Points a tag at one of the skill's live versions; `latest` (in any case) also moves the
 * skill's summary. */
int sr_tag_move(sr_store *s, const sr_skill *sk, const char *tag, const char *version,
		const sr_user *actor, sr_regerr *err);
/* Gives a skill a new slug; the old one becomes an alias that still finds it. */
int sr_skill_rename(sr_store *s, const sr_skill *sk, const char *new_slug, const sr_user *actor,
		    sr_regerr *err);
/* Retires src into dst (same publisher): src is hidden, and its slug and aliases find dst. */
int sr_skill_merge(sr_store *s, const sr_skill *src, const sr_skill *dst, const sr_user *actor,
		   sr_regerr *err);
/* ---- org publishers (accounts reference section 3; publishers.c) ---- */

/* The role u holds on the publisher owner_id: SR_PUB_OWNER on their own, a member's role on
 * an org, SR_PUB_NONE otherwise (and for NULL). */
int sr_publisher_role(sr_store *s, int64_t owner_id, const sr_user *u, int *role);
/* *ok = 1 when u holds at least min_role on owner_id. */
int sr_may_act(sr_store *s, int64_t owner_id, const sr_user *u, int min_role, int *ok);
const char *sr_member_role_name(int role);
/* "publisher", "admin" or "owner" to SR_PUB_*, else -1. */
int sr_member_role_parse(const char *name);
/* Trims, drops one leading '@' and lower-cases (ClawHub's handle input). */
void sr_handle_normalize(const char *in, char *out, size_t n);
/* Whether a normalized handle may name a new org: shape, OpenClaw's and ClawHub's words. */
int sr_handle_check_new(const char *handle, sr_regerr *err);
/* POST /publishers: a new org whose owner is actor (handle normalized). */
int sr_publisher_create(sr_store *s, const sr_user *actor, const char *handle, const char *display_name,
			int64_t *id, sr_regerr *err);
typedef struct sr_org_ensure {
	const char *handle;       /* normalized */
	const char *display_name; /* NULL: unchanged, or the handle for a new org */
	int trusted;              /* negative: unchanged */
	const char *member_handle; /* NULL: no member change */
	int member_role;          /* SR_PUB_*; 0 means publisher */
} sr_org_ensure;
/* An admin's (or, with actor NULL, the operator's) ensure: the org exists with these values,
 * and the member holds the role. */
int sr_publisher_ensure(sr_store *s, const sr_user *actor, const sr_org_ensure *e, int64_t *id, int *created,
			sr_regerr *err);
int sr_publisher_member_remove(sr_store *s, const sr_user *actor, const char *handle, const char *member_handle,
			       int *removed, sr_regerr *err);
/* An org's own admin changes a member's role (the web's org page): the actor needs admin on
 * the org, and owner when an owner's role is given or taken; the last owner stays; a person
 * who is not a member is refused (SR_WHY_NOT_MEMBER: people join by invitation). Audited as
 * the admin routes' publisher.member.set. */
int sr_org_member_set(sr_store *s, const sr_user *actor, const char *handle, const char *member_handle, int role,
		      sr_regerr *err);
/* The same for a removal (publisher.member.remove). */
int sr_org_member_remove(sr_store *s, const sr_user *actor, const char *handle, const char *member_handle,
			 sr_regerr *err);

/* Invitations (ClawHub's createMemberInvite, accept|decline|revokeMemberInvite): an org's
 * admin invites a person with a role (owner only by an owner), and the person becomes a
 * member by accepting within SR_ORG_INVITE_TTL_MS. Refused: a handle that is no active person
 * (SR_WHY_USER_NOT_FOUND), a member (SR_WHY_ALREADY_MEMBER), a second pending invitation
 * (SR_WHY_INVITE_PENDING). Audited publisher.invite, with the new invitation's id in *id. */
int sr_org_invite_send(sr_store *s, const sr_user *actor, const char *handle, const char *member_handle, int role,
		       int64_t *id, sr_regerr *err);
/* The invited person accepts (membership with the invitation's role, or the higher role they
 * hold already) or declines an open invitation; anyone else's answer is SR_WHY_INVITE_NOT_FOUND,
 * a closed or expired one SR_WHY_INVITE_CLOSED. The org's handle in org_out (may be NULL).
 * Audited publisher.invite.accept or .decline. */
int sr_org_invite_answer(sr_store *s, const sr_user *actor, int64_t invite_id, int accept, char *org_out, size_t n,
			 sr_regerr *err);
/* An org's admin withdraws an open invitation of that org (one with the owner role: an owner
 * only). Audited publisher.invite.revoke. */
int sr_org_invite_revoke(sr_store *s, const sr_user *actor, const char *handle, int64_t invite_id, sr_regerr *err);

/* ---- ownership transfers (accounts reference section 4; transfer.c) ---- */

#define SR_TRANSFER_TTL_MS (7LL * 86400000)
/* How long an invitation to an org stays open: 7 days, as ClawHub's. */
#define SR_ORG_INVITE_TTL_MS (7LL * 86400000)
/* A request's message is kept to this many bytes (cut at a character). */
#define SR_TRANSFER_MESSAGE_MAX 2000
/* The most live requests a person's incoming or outgoing list shows. */
#define SR_TRANSFER_LIST_MAX 200

/* The skill a transfer route names: a live skill (a platform admin also reaches a deleted
 * one); missing or ambiguous is SR_WHY_SKILL_NOT_FOUND. */
int sr_transfer_lookup(sr_store *s, const char *slug, const char *owner, const sr_user *actor, sr_skill *out,
		       sr_regerr *err);
typedef struct sr_transfer_req {
	const char *to_handle; /* as sent: '@', case and white space are dropped */
	int to_owner;          /* named as the owner (toOwner / toPublisherHandle): moves at once */
	const char *message;   /* may be NULL; trimmed, and dropped when empty */
} sr_transfer_req;
typedef struct sr_transfer_out {
	int transferred;                /* 1: moved at once; 0: a request was made */
	int64_t transfer_id, expires_at; /* the request */
	char to_handle[64];             /* the recipient, or the new owner */
	int64_t owner_user_id, owner_publisher_id; /* moved at once: the new owner */
} sr_transfer_out;
/* POST /skills/{slug}/transfer: a request to a person, or a move at once to an org the actor
 * administers or to the actor's own account (and for a deleted skill, by a platform admin). */
int sr_transfer_request(sr_store *s, const sr_skill *sk, const sr_user *actor, const sr_transfer_req *req,
			sr_transfer_out *out, sr_regerr *err);
enum { SR_TRANSFER_DO_ACCEPT = 0, SR_TRANSFER_DO_REJECT, SR_TRANSFER_DO_CANCEL };
/* The recipient accepts or rejects the skill's pending request, or its requester cancels it. */
int sr_transfer_decide(sr_store *s, const sr_skill *sk, const sr_user *actor, int decision, sr_regerr *err);
/* A person's live requests, incoming or outgoing, newest first (rows sr_transfer_row); those
 * of a deleted skill or a banned other party are left out. */
int sr_transfers_pending(sr_store *s, int64_t user_id, int outgoing, sr_row_fn fn, void *ud);
/* "pending", "accepted", "rejected", "cancelled", "expired". */
const char *sr_transfer_status_name(int status);

/* A publish that moves the skill (`migrateOwner`, the accounts reference section 3): the
 * skill slug of source_handle, which a publish by actor into dest would move there. Refused
 * when dest has a skill of that slug (SR_WHY_MIGRATE_DEST_HAS_SKILL), the source has none
 * (SR_WHY_MIGRATE_SOURCE_LACKS), a third publisher holds the slug too
 * (SR_WHY_MIGRATE_SLUG_SHARED), the actor is not the source or dest person nor an admin of
 * either org (the slug-taken refusal, naming the skill), or moderation holds the skill
 * (SR_WHY_TRANSFER_MODERATION). 0 with *sk filled. */
int sr_migration_check(sr_store *s, const sr_user *actor, const char *source_handle, const sr_user *dest,
		       const char *slug, sr_skill *sk, sr_regerr *err);
/* Moves sk (checked by sr_migration_check) and its aliases to dest inside the caller's
 * transaction, as an accepted transfer moves them, dropping dest's own redirect of the slug,
 * and writes the audit row skill.owner.migrate. Refusals and failures are in err; the caller
 * rolls back. */
int sr_migration_move(sr_store *s, const sr_skill *sk, const sr_user *actor, const sr_user *dest, int64_t now,
		      sr_regerr *err);

/* Public id strings: "sk_12", "sv_34", "us_5". */
void sr_public_id(char *out, size_t n, const char *prefix, int64_t id);

#endif
