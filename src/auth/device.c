/*
 * device.c - the CLI's device login; see device.h.
 */
#include "auth/device.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "auth/token.h"
#include "core/err.h"
#include "core/util.h"
#include "store/accounts.h"

/* ClawHub's user-code alphabet: no 0/O, 1/I/L to misread. */
static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/* How much sooner than the interval a poll may come before it is too fast: timers fire a
 * little early or late, and the request takes its time on the way. */
#define POLL_SLACK_MS 250
#define SLOW_DOWN_STEP_S 5
#define INTERVAL_MAX_S 60

void sr_device_user_code_norm(const char *typed, char *out, size_t n)
{
	size_t j = 0;
	for (const char *p = typed ? typed : ""; *p && j + 1 < n && j < 16; p++) {
		char c = (char)toupper((unsigned char)*p);
		if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			out[j++] = c;
	}
	out[j] = '\0';
}

static void hash_user_code(const char *norm, char out[65])
{
	sr_sha256_hex(norm, strlen(norm), out);
}

int sr_device_start(sr_store *s, const char *label, const char *scope, sr_device_grant *out)
{
	unsigned char rnd[32 + 8];
	if (sr_random_bytes(rnd, sizeof(rnd)))
		return SR_EIO;
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		out->device_code[2 * i] = hex[rnd[i] >> 4];
		out->device_code[2 * i + 1] = hex[rnd[i] & 15];
	}
	out->device_code[64] = '\0';
	char norm[9];
	for (int i = 0; i < 8; i++)
		norm[i] = alphabet[rnd[32 + i] % 32];
	norm[8] = '\0';
	snprintf(out->user_code, sizeof(out->user_code), "%.4s-%.4s", norm, norm + 4);
	char dhash[65], uhash[65];
	sr_sha256_hex(out->device_code, 64, dhash);
	hash_user_code(norm, uhash);
	int64_t now = sr_now_ms();
	return sr_store_device_add(s, dhash, uhash, out->user_code, label, scope, now, now + SR_DEVICE_TTL_S * 1000LL,
				   SR_DEVICE_INTERVAL_S);
}

/* The approved code's token: consumed and minted in one transaction, so a code gives one. */
static int redeem(sr_store *s, const sr_device_row *d, char *token, int *result)
{
	int rc = sr_store_begin(s);
	if (rc)
		return rc;
	int64_t id;
	rc = sr_store_device_set(s, d->id, SR_DEVICE_APPROVED, SR_DEVICE_CONSUMED, 0);
	if (!rc)
		rc = sr_token_mint(s, d->user_id, d->label, 0, token, &id);
	if (rc) {
		sr_store_rollback(s);
		if (rc == SR_ECONFLICT) {
			/* A concurrent poll took it. */
			*result = SR_DEVICE_POLL_EXPIRED;
			return 0;
		}
		return rc;
	}
	if ((rc = sr_store_commit(s)))
		return rc;
	*result = SR_DEVICE_POLL_TOKEN;
	return 0;
}

int sr_device_poll(sr_store *s, const char *device_code, int *result, char *token, char *scope, int *interval)
{
	char hash[65];
	sr_sha256_hex(device_code, strlen(device_code), hash);
	sr_device_row d;
	int rc = sr_store_device_by_hash(s, hash, &d);
	*result = SR_DEVICE_POLL_EXPIRED;
	if (rc == SR_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	int64_t now = sr_now_ms();
	if ((d.status == SR_DEVICE_PENDING || d.status == SR_DEVICE_APPROVED) && now >= d.expires_at) {
		rc = sr_store_device_set(s, d.id, d.status, SR_DEVICE_EXPIRED, 0);
		return rc == SR_ECONFLICT ? 0 : rc;
	}
	switch (d.status) {
	case SR_DEVICE_APPROVED:
		snprintf(scope, 208, "%s", d.scope);
		return redeem(s, &d, token, result);
	case SR_DEVICE_DENIED:
		*result = SR_DEVICE_POLL_DENIED;
		return 0;
	case SR_DEVICE_PENDING:
		break;
	default:
		return 0;
	}
	int iv = d.interval;
	if (d.last_poll_at && now - d.last_poll_at < iv * 1000LL - POLL_SLACK_MS) {
		iv = iv + SLOW_DOWN_STEP_S > INTERVAL_MAX_S ? INTERVAL_MAX_S : iv + SLOW_DOWN_STEP_S;
		*result = SR_DEVICE_POLL_SLOW_DOWN;
	} else {
		*result = SR_DEVICE_POLL_PENDING;
	}
	*interval = iv;
	return sr_store_device_poll(s, d.id, now, iv);
}

/* Of the rows of one user code: the newest unexpired pending one, else the newest unexpired,
 * else the newest (as ClawHub picks). */
static const sr_device_row *pick(const sr_device_row *rows, int n, int64_t now)
{
	const sr_device_row *pending = NULL, *live = NULL, *newest = NULL;
	for (int i = 0; i < n; i++) {
		const sr_device_row *r = &rows[i];
		if (!newest || r->id > newest->id)
			newest = r;
		if (r->expires_at > now && (!live || r->id > live->id))
			live = r;
		if (r->expires_at > now && r->status == SR_DEVICE_PENDING && (!pending || r->id > pending->id))
			pending = r;
	}
	return pending ? pending : live ? live : newest;
}

static int refuse(int rc, const char *why, const char **message)
{
	*message = why;
	return rc;
}

int sr_device_decide(sr_store *s, const char *user_code, int64_t user_id, int approve, const char **message)
{
	char norm[17], hash[65];
	sr_device_user_code_norm(user_code, norm, sizeof(norm));
	if (!norm[0])
		return refuse(SR_EINVAL, "Code required", message);
	hash_user_code(norm, hash);
	static _Thread_local sr_device_row rows[50];
	int n = 0;
	int rc = sr_store_device_by_user_code(s, hash, rows, 50, &n);
	if (rc)
		return rc;
	int64_t now = sr_now_ms();
	const sr_device_row *d = pick(rows, n, now);
	if (!d)
		return refuse(SR_ENOTFOUND, "Device code not found", message);
	int expired = d->status == SR_DEVICE_EXPIRED || now >= d->expires_at;
	if (!approve) {
		if (d->status == SR_DEVICE_APPROVED)
			return refuse(SR_ECONFLICT, "Device code already authorized", message);
		*message = "Denied. You can close this page.";
		if (d->status != SR_DEVICE_PENDING || expired)
			return 0;
		rc = sr_store_device_set(s, d->id, SR_DEVICE_PENDING, SR_DEVICE_DENIED, user_id);
		return rc == SR_ECONFLICT ? refuse(rc, "Device code already authorized", message) : rc;
	}
	if (expired)
		return refuse(SR_EGONE, "Device code expired", message);
	if (d->status == SR_DEVICE_CONSUMED)
		return refuse(SR_EGONE, "Device code already used", message);
	if (d->status == SR_DEVICE_APPROVED)
		return refuse(SR_ECONFLICT, "Device code already authorized", message);
	if (d->status == SR_DEVICE_DENIED)
		return refuse(SR_ECONFLICT, "Device code was denied", message);
	rc = sr_store_device_set(s, d->id, SR_DEVICE_PENDING, SR_DEVICE_APPROVED, user_id);
	if (rc == SR_ECONFLICT)
		return refuse(rc, "Device code already authorized", message);
	if (!rc)
		*message = "Authorized. You can return to your terminal.";
	return rc;
}
