/*
 * log.c - see log.h. Each message is formatted into one buffer and written with a single
 * write so lines from different worker threads never interleave.
 */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static int quiet;

void sr_log_set_quiet(int q)
{
	quiet = q;
}

static void emit(const char *level, const char *fmt, va_list ap)
{
	char line[2048];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, ts.tv_nsec / 1000000, level);
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	size_t len = (size_t)n + ((size_t)m < sizeof(line) - (size_t)n - 1 ? (size_t)m : sizeof(line) - (size_t)n - 2);
	line[len++] = '\n';
	ssize_t w = write(2, line, len);
	(void)w;
}

void sr_log_info(const char *fmt, ...)
{
	if (quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	emit("info", fmt, ap);
	va_end(ap);
}

void sr_log_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit("error", fmt, ap);
	va_end(ap);
}
