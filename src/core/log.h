/*
 * log.h - one-line log messages on stderr with a UTC timestamp and a level. Control
 * characters, DEL, a backslash and bytes that are not valid UTF-8 are written as \xNN, so a
 * message cannot break its line or write terminal escapes whatever a client put into it.
 */
#ifndef SR_LOG_H
#define SR_LOG_H

void sr_log_set_quiet(int quiet);
void sr_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sr_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
