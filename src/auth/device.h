/*
 * device.h - the CLI's device login (`clawhub login`), RFC 8628 as ClawHub speaks it
 * (reference: clawhub-accounts-and-ownership.md section 1).
 *
 * The CLI asks for a code pair: a device code it keeps (64 lower-case hex) and a user code
 * the person types or follows (XXXX-XXXX from an alphabet without look-alikes), both stored
 * only as SHA-256, pending for 15 minutes. A signed-in person approves or denies the user
 * code on the web site; the CLI polls with the device code every `interval` seconds and, once
 * approved, receives a new API token of the approver, one per code. A poll sooner than the
 * interval answers slow_down and adds 5 seconds to it (RFC 8628 section 3.5; ClawHub's CLI
 * obeys it).
 */
#ifndef SR_AUTH_DEVICE_H
#define SR_AUTH_DEVICE_H

#include <stdint.h>

#include "store/store.h"

#define SR_DEVICE_TTL_S 900
#define SR_DEVICE_INTERVAL_S 5
#define SR_DEVICE_SCOPE_MAX 200
#define SR_DEVICE_LABEL_MAX 120

typedef struct sr_device_grant {
	char device_code[65];
	char user_code[10]; /* "XXXX-XXXX" */
} sr_device_grant;

/* A new pending code pair. */
int sr_device_start(sr_store *s, const char *label, const char *scope, sr_device_grant *out);

/* What a poll answers. */
enum {
	SR_DEVICE_POLL_TOKEN = 0,   /* approved: *token and scope filled; the code is consumed */
	SR_DEVICE_POLL_PENDING,     /* authorization_pending */
	SR_DEVICE_POLL_SLOW_DOWN,   /* slow_down: *interval is the new interval */
	SR_DEVICE_POLL_EXPIRED,     /* expired_token: unknown, expired or consumed */
	SR_DEVICE_POLL_DENIED,      /* access_denied */
};
/* One poll: *result is one of the above. token >= 48 bytes, scope >= 208. */
int sr_device_poll(sr_store *s, const char *device_code, int *result, char *token, char *scope, int *interval);

/* Approves (approve 1) or denies the newest fitting row of a user code as user_id. *message
 * is what the page says: the success sentence, or ClawHub's error ("Device code expired"...).
 * Returns 0 on success, SR_EINVAL/SR_ENOTFOUND/SR_EGONE/SR_ECONFLICT with *message on a
 * refusal, or a store error. */
int sr_device_decide(sr_store *s, const char *user_code, int64_t user_id, int approve, const char **message);

/* The user code typed by a person made canonical: upper-cased, only A-Z and 0-9 kept (at most
 * 16); "" when nothing is left. */
void sr_device_user_code_norm(const char *typed, char *out, size_t n);

#endif
