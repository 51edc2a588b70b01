/*
 * util.h - small helpers shared by every layer: clock, hex, base64url, SHA-256, randomness.
 */
#ifndef SR_UTIL_H
#define SR_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Milliseconds since the epoch, UTC. Tests may pin it with sr_clock_set(). */
int64_t sr_now_ms(void);
/* A monotonic clock in nanoseconds, for durations (never affected by sr_clock_set). */
int64_t sr_mono_ns(void);
void sr_clock_set(int64_t ms); /* 0 returns to the real clock */

void sr_hex(const unsigned char *in, size_t n, char *out); /* writes 2n chars + NUL */
int sr_is_hex64(const char *s);                              /* 64 hex digits, any case */
/* FNV-1a (64-bit) of the n bytes at p: the hash of the process's in-memory tables. */
uint64_t sr_fnv1a(const void *p, size_t n);
/* The length (1..4) of the well-formed UTF-8 character at s[0..n), or 0 when none starts there
 * (a stray byte, a cut sequence, an overlong form, a surrogate, past U+10FFFF). */
size_t sr_utf8_seq(const unsigned char *s, size_t n);
void sr_sha256_hex(const void *data, size_t n, char out[65]);

/* base64url without padding. out needs sr_b64url_len(n) + 1 bytes. */
size_t sr_b64url_len(size_t n);
void sr_b64url_encode(const unsigned char *in, size_t n, char *out);
/* Returns the decoded length, or -1 for bad input or when it would not fit in outsz. */
long sr_b64url_decode(const char *in, size_t n, unsigned char *out, size_t outsz);

int sr_random_bytes(unsigned char *out, size_t n);

/* ASCII lower-casing in place; returns s. */
char *sr_lower(char *s);
/* Copies s without leading/trailing ASCII whitespace into a new string (free()). */
char *sr_trim_dup(const char *s, size_t n);

#endif
