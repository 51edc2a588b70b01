/*
 * fuzz.h - what the libFuzzer targets of tests/fuzz share (docs/fuzzing.md).
 *
 * Each target checks more than "did not crash": where the code under test promises
 * something (a round trip, bounds, escaping), the target asserts it with FUZZ_CHECK, which
 * aborts so libFuzzer records the input as a crash.
 */
#ifndef SR_FUZZ_H
#define SR_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                       \
	do {                                                                                   \
		if (!(cond)) {                                                                 \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                               \
		}                                                                              \
	} while (0)

/* A NUL-terminated copy of data[0..size) (the caller frees it); abort on no memory. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* An exact-size heap copy (no terminator), so a read one byte past the input is an ASan
 * report instead of a read of whatever libFuzzer's buffer holds after it. */
static inline char *fuzz_exact(const uint8_t *data, size_t size)
{
	char *s = malloc(size ? size : 1);
	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	return s;
}

#endif
