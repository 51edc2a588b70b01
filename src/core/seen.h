/*
 * seen.h - a bounded, lossy set of recently seen keys.
 *
 * Used to skip writes that would change nothing: a download already counted today for the
 * same identity need not open a write transaction to find that out again. The set forgets
 * (a newer key may overwrite an older one), so a miss only costs the write it would have
 * cost anyway; it never answers "seen" for a key it was not given.
 */
#ifndef SR_SEEN_H
#define SR_SEEN_H

#include <stddef.h>

typedef struct sr_seen sr_seen;

int sr_seen_new(size_t slots, sr_seen **out);
void sr_seen_free(sr_seen *s);
/* 1 when key was added since it was last overwritten, else 0 (and it is added now). */
int sr_seen_check_add(sr_seen *s, const char *key);

#endif
