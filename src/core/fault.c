/*
 * fault.c - see fault.h.
 */
#include "core/fault.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static _Atomic long armed_at = -1; /* -1: not decided yet (read the environment) */
static _Atomic long reached;

void sr_fault_arm(long k)
{
	atomic_store(&reached, 0);
	atomic_store(&armed_at, k > 0 ? k : 0);
}

long sr_fault_count(void)
{
	return atomic_load(&reached);
}

void sr_fault_point(const char *where)
{
	long at = atomic_load(&armed_at);
	if (at < 0) {
		const char *env = getenv("SKILLREG_FAULT_AT");
		long k = env ? strtol(env, NULL, 10) : 0;
		long expect = -1;
		atomic_compare_exchange_strong(&armed_at, &expect, k > 0 ? k : 0);
		at = atomic_load(&armed_at);
	}
	long n = atomic_fetch_add(&reached, 1) + 1;
	if (at > 0 && n == at) {
		char line[160];
		int len = snprintf(line, sizeof(line), "skillreg: injected fault at point %ld (%s)\n", n, where);
		if (len > 0)
			(void)!write(2, line, (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1);
		_exit(SR_FAULT_EXIT);
	}
}

void sr_fault_pause(const char *where)
{
	static _Atomic int paused;
	const char *at = getenv("SKILLREG_PAUSE_AT"), *file = getenv("SKILLREG_PAUSE_FILE");
	if (!at || !file || strcmp(at, where) != 0 || atomic_exchange(&paused, 1))
		return;
	FILE *f = fopen(file, "w");
	if (!f)
		return;
	fclose(f);
	struct stat st;
	struct timespec step = {0, 10 * 1000 * 1000};
	for (int i = 0; i < 3000 && stat(file, &st) == 0; i++)
		nanosleep(&step, NULL);
}
