/*
 * password.h - local accounts' passwords, hashed with argon2id (libargon2).
 *
 * The costs follow OWASP's argon2id minimum (19 MiB of memory, 2 passes, 1 lane), measured
 * on this project's machine at 23 ms a hash and 20 ms a check (README, "Accounts and sign-in"): slow
 * enough that a stolen table is expensive to guess through, fast enough that a sign-in does
 * not hold a worker thread for long; the sign-in rate limits bound how often it runs. The
 * encoded form carries its salt and costs, so raising the costs later still verifies old
 * hashes.
 */
#ifndef SR_AUTH_PASSWORD_H
#define SR_AUTH_PASSWORD_H

#include <stddef.h>

#define SR_PASSWORD_MIN 10  /* characters a new password needs at least */
#define SR_PASSWORD_MAX 256 /* bytes a password may have at most */
#define SR_PASSWORD_HASH_MAX 128

/* The encoded argon2id hash of password into out (SR_PASSWORD_HASH_MAX bytes). */
int sr_password_hash(const char *password, char *out, size_t n);
/* 0 when password matches the encoded hash, SR_EPERM when it does not. With hash NULL a
 * dummy hash is checked, so an unknown account costs the same time as a known one. */
int sr_password_verify(const char *hash, const char *password);
/* NULL when a new password is acceptable, else why not (a sentence for the form). */
const char *sr_password_weak(const char *password);

#endif
