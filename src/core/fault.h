/*
 * fault.h - crash injection for the tests of work that must survive a process dying.
 *
 * Code whose result must not depend on where the process stops (the fold, the backfills)
 * marks the points between its steps with sr_fault_point(). Normally a point costs one
 * atomic increment. When armed with k (sr_fault_arm, or the environment variable
 * SKILLREG_FAULT_AT=k read at the first point), the k-th point reached ends the process at
 * once with _exit(SR_FAULT_EXIT): no atexit handlers, no flushing, no rollback, as a kill
 * would. A test runs a child for k = 1, 2, ... until one finishes without reaching its k-th
 * point, and checks after each crash that a rerun ends where an uninterrupted run does.
 */
#ifndef SR_FAULT_H
#define SR_FAULT_H

#define SR_FAULT_EXIT 86

/* Ends the process at the k-th point from now (k >= 1); 0 disarms. Overrides the
 * environment. */
void sr_fault_arm(long k);
/* A point between two steps; `where` names it in the line written to stderr on exit. */
void sr_fault_point(const char *where);
/* Points reached since start or the last sr_fault_arm (tests count a run's steps). */
long sr_fault_count(void);

/* A point where a test can hold the process to race it against another: when the
 * environment names this point (SKILLREG_PAUSE_AT=where) and a file (SKILLREG_PAUSE_FILE),
 * the first time it is reached the process creates the file and waits until the test has
 * removed it (at most 30 s). Otherwise it costs one getenv. */
void sr_fault_pause(const char *where);

#endif
