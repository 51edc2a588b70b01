/*
 * fingerprint.h - the skill fingerprint the clawhub CLI computes, bit for bit.
 *
 * fingerprint = lowercase hex SHA-256 of the lines "path:sha256" joined by "\n" (no
 * trailing newline), entries sorted by path the way JavaScript's String.localeCompare
 * (ICU root collation) sorts them. Byte order is wrong: it makes `clawhub publish`
 * re-publish unchanged skills and `clawhub update` see local changes.
 */
#ifndef SR_FINGERPRINT_H
#define SR_FINGERPRINT_H

#include <stddef.h>

typedef struct sr_fp_entry {
	const char *path;
	const char *sha256; /* 64 lowercase hex digits */
} sr_fp_entry;

/* localeCompare order for the paths a skill can hold; <0, 0, >0. */
int sr_path_collate(const char *a, const char *b);
/* Sorts a path array in place with sr_path_collate. */
void sr_path_sort(const char **paths, size_t n);
/* Sorts entries in place by sr_path_collate and writes the fingerprint (65 bytes). Entries
 * with an empty path or hash are skipped, as the CLI does. 0 or SR_ENOMEM. */
int sr_fingerprint(sr_fp_entry *entries, size_t n, char out[65]);

#endif
