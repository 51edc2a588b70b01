/*
 * inflight.h - request body bytes held in memory, counted per owner, so that no client can
 * take the room every other client shares (issue 16, "authenticate before reading a large
 * body").
 *
 * Every body is charged to an owner: a user (a token valid when its headers arrived) or,
 * without one, the client address. Three ceilings hold at once: all bodies together; bodies
 * of no user, together (a quarter of the whole) and per address (a thirty-second); and each
 * user's bodies. So clients without a valid token, however many, leave three quarters of the
 * room to users, and one user leaves the rest to the others.
 */
#ifndef SR_HTTP_INFLIGHT_H
#define SR_HTTP_INFLIGHT_H

#include <stddef.h>
#include <stdint.h>

typedef struct sr__inflight sr__inflight;

/* Why a charge was refused. */
enum { SR_INFLIGHT_OK, SR_INFLIGHT_OWNER_FULL, SR_INFLIGHT_SHARED_FULL };

int sr__inflight_new(size_t total, size_t per_user, sr__inflight **out);
void sr__inflight_free(sr__inflight *f);
/* Charges n bytes to user (> 0) or, with user 0, to the address; SR_INFLIGHT_* (nothing is
 * charged on a refusal). */
int sr__inflight_take(sr__inflight *f, int64_t user, const char *addr, size_t n);
/* Gives back bytes taken for the same owner. */
void sr__inflight_give(sr__inflight *f, int64_t user, const char *addr, size_t n);
/* The ceiling of one owner of that kind, in bytes. */
size_t sr__inflight_owner_max(const sr__inflight *f, int64_t user);

#endif
