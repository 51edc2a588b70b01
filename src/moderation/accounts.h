/*
 * accounts.h - what staff do to accounts: ban or unban one (moderators and admins) and change
 * a person's role (admins only), each with a required reason that the audit row keeps,
 * written in the transaction that makes the change. `skillreg user ban|unban|role` runs the
 * same functions as the operator (actor NULL: no checks of who acts, the audit row's actor is
 * the system), so the console and the command line change accounts the same way and leave
 * the same rows.
 */
#ifndef SR_MODERATION_ACCOUNTS_H
#define SR_MODERATION_ACCOUNTS_H

#include "registry/registry.h"
#include "store/store.h"

/* "user", "moderator", "admin" for SR_ROLE_*; the role of a name, or -1. */
const char *sr_role_name(int role);
int sr_role_parse(const char *name);

/* Bans the account a handle names (sr_store_user_ban_in_tx: its tokens and sessions stop
 * working, its skills are hidden and soft-deleted) and audits user.ban. Refused: a blank
 * reason, an actor who is not staff, the actor themselves, and an admin unless the actor is
 * an admin. */
int sr_account_ban(sr_store *s, const sr_user *actor, const char *handle, const char *reason, sr_regerr *err);

/* Lifts the ban on the account a handle names (sr_store_user_unban_in_tx: its skills as they
 * were before the ban, unless staff changed one since; its old tokens revoked and its
 * sessions ended, so the person signs in afresh) and audits user.unban. Refused: a blank
 * reason, an actor who is not staff, an admin's account unless the actor is an admin, and an
 * account that is not banned. A second ban of a banned account is refused as well. */
int sr_account_unban(sr_store *s, const sr_user *actor, const char *handle, const char *reason, sr_regerr *err);

/* Gives the account a handle names a role (SR_ROLE_*) and audits user.role with the old and
 * the new one. Refused: a blank reason, an actor who is not an admin, and an admin taking
 * their own admin role away (so the last admin cannot lock everyone out). */
int sr_account_set_role(sr_store *s, const sr_user *actor, const char *handle, int role, const char *reason,
			sr_regerr *err);

#endif
