/*
 * error.h - the domain's refusals: what kind of failure it was and which rule refused.
 *
 * Registry and moderation functions that can refuse a request fill an sr_regerr and return
 * its code (a negative SR_E* from core/err.h). The error says what happened in the domain's
 * own terms and nothing about HTTP:
 *
 *   code  the kind of failure (SR_EINVAL, SR_ENOTFOUND, SR_EPERM, SR_EGONE, SR_EPENDING ...),
 *         for callers that branch on it;
 *   why   the rule that refused, one value per distinct refusal below;
 *   arg   the one thing the refusal names when it names one (a path, a slug, a version, a
 *         publisher, a moderation reason, or the frontmatter parser's own diagnostic).
 *
 * The API (src/api/error.c) alone holds the table from `why` to ClawHub's status and words,
 * so a wording or a status changes in one place and no domain file knows either. The command
 * line asks the API for the same text; the web pages pick their own HTML page from the code.
 *
 * Why a reason per refusal and not a free-form message: the refusals are a closed set of
 * about fifty, most of them fixed sentences and the rest a sentence around one name, so
 * naming each is cheap and lets a caller (or a test) ask "was it the reserved slug?" without
 * matching text. One rule set keeps its own diagnostics and passes them as the argument: the
 * slug rules (SR_WHY_SLUG_INVALID), whose sentences are their unit-tested contract
 * (registry/slug.h). (A SKILL.md frontmatter that cannot be read refuses nothing: ClawHub
 * publishes such a skill without frontmatter.)
 */
#ifndef SR_REGISTRY_ERROR_H
#define SR_REGISTRY_ERROR_H

typedef enum sr_why {
	SR_WHY_NONE = 0,       /* no rule refused: an internal failure, as SR_WHY_INTERNAL */
	SR_WHY_INTERNAL,       /* the database, the blob store or memory failed */
	SR_WHY_FORBIDDEN,      /* the actor may not do this to this skill */

	/* ---- visibility: why a skill that exists is not shown (api-v1 section 1.5) ---- */
	SR_WHY_SKILL_NOT_FOUND,   /* also what the public sees of a skill it may not read */
	SR_WHY_SKILL_DELETED,     /* arg: the slug; the owner may undelete it */
	SR_WHY_SKILL_BLOCKED,     /* a scan found malware */
	SR_WHY_SKILL_REMOVED,     /* removed by moderation */
	SR_WHY_SKILL_SCAN_PENDING, /* hidden until its security scan finishes */
	SR_WHY_SKILL_QUALITY_LOW, /* hidden: it did not pass the quality check */
	SR_WHY_SKILL_HIDDEN,      /* arg: the moderation reason */

	/* ---- publish: the request ---- */
	SR_WHY_LICENSE_NOT_ACCEPTED,
	SR_WHY_SLUG_REQUIRED,
	SR_WHY_SLUG_INVALID,       /* arg: the slug rules' diagnostic (registry/slug.h) */
	SR_WHY_VERSION_NOT_SEMVER,
	SR_WHY_DISPLAY_NAME_REQUIRED,
	SR_WHY_CHANGELOG_TOO_LONG,
	/* ---- publish: the files ---- */
	SR_WHY_PATH_INVALID,
	SR_WHY_SKILL_CARD_PUBLISHED,
	SR_WHY_FILE_TOO_BIG,       /* arg: the path */
	SR_WHY_BUNDLE_TOO_BIG,
	SR_WHY_BUNDLE_INVALID,     /* a zip bundle that cannot be read */
	SR_WHY_SKILL_MD_REQUIRED,
	SR_WHY_TOO_MANY_FILES,
	SR_WHY_PATH_DUPLICATE,     /* arg: the path */
	SR_WHY_FILE_NOT_STORED,    /* arg: the path of an upload the blob store lacks */
	SR_WHY_TICKET_UNUSABLE,
	SR_WHY_UPLOAD_QUOTA,       /* arg: the quota, "256 MiB" or "4000 files" */
	/* ---- publish: the target ---- */
	SR_WHY_PUBLISHER_NOT_FOUND,    /* arg: the handle */
	SR_WHY_PUBLISHER_NOT_IN_GOOD_STANDING,
	SR_WHY_SLUG_HELD_AFTER_DELETE, /* arg: the slug */
	SR_WHY_SLUG_OWNED_ELSEWHERE,   /* arg: the holding skill's page, "<owner>/<slug>" */
	SR_WHY_PUBLISH_TO_DELETED,     /* arg: the slug */
	SR_WHY_PUBLISH_TO_REMOVED,
	SR_WHY_VERSION_EXISTS,         /* arg: the version */

	/* ---- lifecycle ---- */
	SR_WHY_DELETE_REMOVED,     /* a removed skill cannot be deleted */
	SR_WHY_DELETE_HIDDEN,      /* an owner cannot delete a skill under a moderation hide */
	SR_WHY_UNDELETE_HIDDEN,    /* nor restore one hidden or removed by moderation */
	SR_WHY_UNDELETE_MALWARE,   /* nor one a scan found malicious */
	SR_WHY_VERSION_NOT_FOUND,
	SR_WHY_VERSION_WITHDRAWN,
	SR_WHY_TAG_INVALID,
	SR_WHY_TAG_VERSION_UNKNOWN, /* a tag named a version the skill never had */
	SR_WHY_NEW_SLUG_MISSING,
	SR_WHY_SLUG_TAKEN_BY_OWN,  /* arg: the slug; another skill of the same publisher has it */
	SR_WHY_SLUG_HELD,          /* arg: the slug */
	SR_WHY_MERGE_ACROSS_PUBLISHERS,
	SR_WHY_MERGE_INTO_ITSELF,

	/* ---- moderation ---- */
	SR_WHY_NOT_HIDDEN,
	SR_WHY_VERDICT_INVALID,
	SR_WHY_ACTION_UNKNOWN,
	SR_WHY_MOD_REASON_INVALID,
	SR_WHY_REPORT_REASON_REQUIRED,
	/* A report is refused with 400, whatever the kind (ClawHub answers its route so). */
	SR_WHY_REPORT_SKILL_NOT_FOUND, /* no such skill, or it is deleted or removed */
	SR_WHY_REPORT_VERSION_NOT_FOUND,
	SR_WHY_REPORT_AMBIGUOUS,       /* the slug names skills of several publishers */

	/* ---- org publishers (accounts reference section 3) ---- */
	SR_WHY_ADMIN_REQUIRED,         /* a platform admin's route */
	SR_WHY_HANDLE_MISSING,
	SR_WHY_HANDLE_INVALID,
	SR_WHY_HANDLE_OPENCLAW,        /* arg: the handle */
	SR_WHY_HANDLE_ROUTE,           /* arg: the handle */
	SR_WHY_HANDLE_USED_BY_USER,    /* arg: the handle */
	SR_WHY_PUBLISHER_EXISTS,       /* arg: the handle */
	SR_WHY_PUBLISH_OWNER_NOT_FOUND, /* arg: the handle */
	SR_WHY_NO_PUBLISH_ACCESS,      /* arg: the handle */
	SR_WHY_LAST_OWNER,
	SR_WHY_MEMBER_ROLE_INVALID,
	SR_WHY_ALREADY_MEMBER,   /* an invitation of a member: change the role instead */
	SR_WHY_NOT_MEMBER,       /* a role change of a person who is not a member: invite them */
	SR_WHY_INVITE_PENDING,   /* one pending invitation per org and person */
	SR_WHY_INVITE_NOT_FOUND, /* no such invitation, or not the actor's to answer */
	SR_WHY_INVITE_CLOSED,    /* accepted, declined, revoked or expired already */
	/* ---- ownership moves (sections 3 and 4) ---- */
	SR_WHY_USER_NOT_FOUND,
	SR_WHY_TO_USER_REQUIRED,
	SR_WHY_TRANSFER_MESSAGE_REQUIRED,
	SR_WHY_NO_ADMIN_ACCESS,        /* arg: the handle */
	SR_WHY_TRANSFER_MODERATION,    /* the skill is under moderation (request, migration) */
	SR_WHY_DEST_HAS_SKILL,         /* arg: "@owner already has skill \"slug\"" */
	SR_WHY_DEST_HAS_ALIAS,         /* arg: "@owner already has a redirect for \"slug\"" */
	SR_WHY_MIGRATE_DEST_HAS_SKILL, /* arg: as SR_WHY_DEST_HAS_SKILL */
	SR_WHY_MIGRATE_SOURCE_LACKS,   /* arg: "@owner does not have skill \"slug\"" */
	SR_WHY_MIGRATE_SLUG_SHARED,    /* a third publisher holds the slug too */
	SR_WHY_TRANSFER_TO_SELF,
	SR_WHY_TRANSFER_PENDING,
	SR_WHY_NO_PENDING_TRANSFER,
	SR_WHY_ACCEPT_MODERATION,      /* accepting a skill under moderation */
	SR_WHY_TRANSFER_INVALID,
	SR_WHY_DEST_USER_NOT_FOUND,
	/* ---- scan jobs (section 5.4) ---- */
	SR_WHY_SCAN_NOT_FOUND,
	SR_WHY_SCAN_FORBIDDEN,
	SR_WHY_SCAN_SKILL_NOT_FOUND,
	SR_WHY_SCAN_VERSION_NOT_FOUND,
	SR_WHY_SCAN_OWNER_NOT_FOUND,   /* arg: the handle */
	SR_WHY_SCAN_AMBIGUOUS,
	SR_WHY_SCAN_RESULTS_NOT_FOUND,
	/* ---- staff console and appeals (accounts reference section 6) ---- */
	SR_WHY_NOT_REMOVED,
	SR_WHY_REPORT_NOT_FOUND,
	SR_WHY_APPEAL_NOT_FOUND,
	SR_WHY_CASE_TRANSITION,        /* arg: "report status transition from open to resolved" */
	SR_WHY_REVIEW_NOTE_REQUIRED,
	SR_WHY_RESOLUTION_NOTE_REQUIRED,
	SR_WHY_APPEAL_UNAUTHORIZED,    /* not the owner or a publisher of the owning org */
	SR_WHY_NOT_APPEALABLE,
	SR_WHY_APPEAL_MESSAGE_REQUIRED,
	SR_WHY_APPEAL_STATUS_INVALID,
	SR_WHY_REPORT_STATUS_INVALID,
	SR_WHY_DISMISSED_NO_ACTION,
	/* staff on accounts (moderation/accounts.h) */
	SR_WHY_STAFF_REASON_REQUIRED,
	SR_WHY_BAN_SELF,
	SR_WHY_ALREADY_BANNED,
	SR_WHY_NOT_BANNED,
	SR_WHY_DEMOTE_SELF,
	SR_WHY_ROLE_INVALID,

	SR_WHY_COUNT
} sr_why;

typedef struct sr_regerr {
	int code;      /* SR_E*: the kind of failure */
	sr_why why;    /* the rule that refused */
	char arg[512]; /* what the refusal names; "" when it names nothing */
} sr_regerr;

/* Fills err and returns code. arg may be NULL. */
int sr_regerr_set(sr_regerr *err, int code, sr_why why, const char *arg);
/* A failure of the store, the blob store or memory, not a refusal: SR_WHY_INTERNAL. */
int sr_regerr_internal(sr_regerr *err, int code);

#endif
