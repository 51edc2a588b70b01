/*
 * staff.h - what the staff console's files share (src/web only): staff.c (the pages),
 * staff_post.c (a skill's moderation page and its actions), staff_users.c (accounts: bans,
 * roles, the org tools), appeals.c (an owner's appeals).
 */
#ifndef SR_WEB_STAFF_H
#define SR_WEB_STAFF_H

#include <stdint.h>

#include "registry/error.h"
#include "web/internal.h"
#include "web/signin.h"

/* A form's reason (maxlength 500 characters, so up to 2,000 bytes of UTF-8); the domain
 * keeps its first 500 bytes. */
#define SR_WEB_STAFF_REASON_MAX 2048

/* The moderator or admin viewing the page, or NULL after answering 404 to anyone else. */
const sr_user *sr__web_need_staff(sr_web_rq *rq);
/* A console page: the layout, the console's tabs (current: "queue", "flagged", ...), the
 * heading and a notice (an error unless ok). */
void sr__web_staff_begin(sr_page *p, const char *current, const char *heading, const char *message, int ok);
void sr__web_staff_end(sr_page *p, sr_resp *resp, int status);
/* A version's first findings as a list. */
int sr__web_staff_findings(sr_store *s, sr_buf *b, int64_t version_id);
/* A skill's reports (with their decision forms) and its audit rows, newest first. */
int sr__web_staff_skill_cases(sr_web_rq *rq, sr_buf *b, int64_t skill_id);
/* /staff/reports or /staff/appeals with a notice, answered with status. */
void sr__web_staff_cases(sr_web_rq *rq, int appeals, int status, const char *message, int ok);
/* /staff/skill/OWNER/SLUG with a notice, answered with status. */
void sr__web_staff_skill(sr_web_rq *rq, const char *owner, const char *slug, int status, const char *message, int ok);
/* A domain refusal in the console's words (NULL: not a refusal the console names), and its
 * status: 404 not found, 403 not allowed, 409 a conflict, 400 otherwise. */
const char *sr__web_staff_refusal_text(const sr_regerr *err);
int sr__web_staff_refusal_status(const sr_regerr *err);
/* /staff/users[/HANDLE] and their posts (staff_users.c); 0 when the path is none of them. */
int sr__web_staff_users(sr_web_rq *rq, const sr_user *u, char **seg, int n, int post);
/* Every POST under /staff (the viewer is staff). */
void sr__web_staff_post(sr_web_rq *rq, const sr_user *u, char **seg, int n);
/* One skill's appeals as a table (staff and its owner see it). */
int sr__web_appeal_list(sr_store *s, sr_buf *b, int64_t skill_id);

#endif
