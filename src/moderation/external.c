/*
 * external.c - the external scanner (docs/scanner.md): a program an operator names with
 * --scanner-cmd, run on a version's download zip beside the built-in scanner.
 *
 * It runs in a process group of its own under a deadline, with default signal handling and
 * /dev/null for input, and answers with a JSON verdict on standard output, read up to a
 * ceiling. Whatever it does, its whole group is killed when the run ends, so a script's
 * children cannot outlive it; a run that times out, overflows, fails or answers garbage gives
 * no verdict, and the version ends in the scan error state.
 */
#include "moderation/moderation.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/util.h"
#include "registry/modstate.h"

extern char **environ;

static int64_t mono_ms(void)
{
	return sr_mono_ns() / 1000000;
}

static sr_scan_severity severity_parse(const char *s)
{
	for (int i = 0; s && i < SR_SEV_COUNT; i++)
		if (strcmp(s, sr_scan_severity_name((sr_scan_severity)i)) == 0)
			return (sr_scan_severity)i;
	return SR_SEV_MEDIUM;
}

static void copy_field(char *dst, size_t n, json_t *v)
{
	snprintf(dst, n, "%s", json_is_string(v) ? json_string_value(v) : "");
}

/* Parses the scanner's answer into res; SR_EINVAL when it is not the documented JSON. */
static int ext_parse(const char *out, size_t len, sr_scan_result *res, char *summary, size_t summarysz,
		     char *err, size_t errsz)
{
	json_error_t je;
	json_t *j = json_loadb(out, len, 0, &je);
	int v = j ? sr_verdict_parse(json_string_value(json_object_get(j, "verdict"))) : SR_VERDICT_NONE;
	if (!json_is_object(j) || v < 0) {
		snprintf(err, errsz, "output is not {\"verdict\":\"clean|suspicious|malicious\",...}");
		json_decref(j);
		return SR_EINVAL;
	}
	memset(res, 0, sizeof(*res));
	res->verdict = (sr_scan_verdict)v;
	copy_field(summary, summarysz, json_object_get(j, "summary"));
	json_t *fs = json_object_get(j, "findings");
	size_t i;
	json_t *f;
	json_array_foreach(fs, i, f) {
		if (!json_is_object(f))
			continue;
		if (res->nfindings == SR_SCAN_MAX_FINDINGS) {
			res->findings_truncated = 1;
			break;
		}
		sr_scan_finding *d = &res->findings[res->nfindings++];
		copy_field(d->rule_id, sizeof(d->rule_id), json_object_get(f, "rule"));
		if (!d->rule_id[0])
			snprintf(d->rule_id, sizeof(d->rule_id), "external");
		copy_field(d->title, sizeof(d->title), json_object_get(f, "title"));
		copy_field(d->path, sizeof(d->path), json_object_get(f, "file"));
		copy_field(d->excerpt, sizeof(d->excerpt), json_object_get(f, "excerpt"));
		d->severity = severity_parse(json_string_value(json_object_get(f, "severity")));
		json_t *line = json_object_get(f, "line");
		d->line = json_is_integer(line) && json_integer_value(line) > 0 && json_integer_value(line) < 1 << 30
				  ? (int)json_integer_value(line)
				  : 0;
	}
	json_decref(j);
	return 0;
}

/* Starts the external scanner in a process group of its own with its standard output on a
 * pipe: *pid and *out_fd, or SR_EIO with err filled. */
static int ext_spawn(const sr_ext_scanner *ext, const char *zip_path, const char *slug,
		     const char *version, pid_t *pid, int *out_fd, char *err, size_t errsz)
{
	char eb[128];
	int fds[2];
	if (pipe2(fds, O_CLOEXEC)) {
		/* The worker is a thread of serve: strerror_r, never strerror. */
		snprintf(err, errsz, "pipe: %s", strerror_r(errno, eb, sizeof(eb)));
		return SR_EIO;
	}
	/* Everything the child needs is prepared before fork: after it, the child of a threaded
	 * process may only call async-signal-safe functions. */
	char *argv[] = {(char *)ext->cmd, (char *)zip_path, (char *)slug, (char *)version, NULL};
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	sigset_t none;
	sigemptyset(&none);
	pid_t p = fork();
	if (p < 0) {
		snprintf(err, errsz, "fork: %s", strerror_r(errno, eb, sizeof(eb)));
		close(fds[0]);
		close(fds[1]);
		if (devnull >= 0)
			close(devnull);
		return SR_EIO;
	}
	if (p == 0) {
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(fds[1], 1);
		setpgid(0, 0);
		/* The scanner starts with default signal handling, whatever serve's threads set
		 * (serve ignores SIGPIPE and its threads block the stop signals). */
		signal(SIGPIPE, SIG_DFL);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execve(ext->cmd, argv, environ);
		_exit(127);
	}
	/* Also here, so that the group exists before the parent may signal it. */
	setpgid(p, p);
	close(fds[1]);
	if (devnull >= 0)
		close(devnull);
	*pid = p;
	*out_fd = fds[0];
	return 0;
}

/* Reads the scanner's output until it closes it, the output passes its ceiling (*too_big)
 * or the deadline passes (*timed_out). */
static void ext_read(int fd, int64_t deadline, sr_buf *out, int *timed_out, int *too_big)
{
	for (;;) {
		int64_t left = deadline - mono_ms();
		if (left <= 0) {
			*timed_out = 1;
			return;
		}
		struct pollfd p = {fd, POLLIN, 0};
		int pr = poll(&p, 1, (int)(left > 1000 ? 1000 : left));
		if (pr <= 0)
			continue; /* a signal or a quiet second: look at the deadline again */
		char chunk[4096];
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		if (sr_buf_append(out, chunk, (size_t)n)) {
			*too_big = 1;
			return;
		}
	}
}

/* Waits for the scanner to exit until the deadline (unless it already ran out of time or
 * output), then kills its whole process group, always: a shell script's children that
 * outlive it go too. *status is its exit status when it exited. */
static void ext_reap(pid_t pid, int64_t deadline, int *timed_out, int too_big, int *status)
{
	int reaped = 0;
	/* Closing its output is not exiting: the deadline also bounds the wait for the exit. */
	while (!*timed_out && !too_big) {
		pid_t w = waitpid(pid, status, WNOHANG);
		if (w == pid) {
			reaped = 1;
			break;
		}
		if (w < 0 && errno != EINTR)
			break;
		if (mono_ms() >= deadline) {
			*timed_out = 1;
			break;
		}
		struct timespec nap = {0, 5 * 1000 * 1000};
		nanosleep(&nap, NULL);
	}
	kill(-pid, SIGKILL);
	if (!reaped) {
		kill(pid, SIGKILL);
		while (waitpid(pid, status, 0) < 0 && errno == EINTR)
			;
	}
}

int sr_ext_scan_run(const sr_ext_scanner *ext, const char *zip_path, const char *slug,
		    const char *version, sr_scan_result *res, char *summary, size_t summarysz,
		    char *err, size_t errsz)
{
	summary[0] = '\0';
	pid_t pid;
	int fd;
	if (ext_spawn(ext, zip_path, slug, version, &pid, &fd, err, errsz))
		return SR_EIO;
	sr_buf out;
	sr_buf_init(&out, SR_EXT_SCAN_MAX_OUTPUT);
	int64_t deadline = mono_ms() + (ext->timeout_ms > 0 ? ext->timeout_ms : SR_EXT_SCAN_DEFAULT_TIMEOUT_MS);
	int rc, timed_out = 0, too_big = 0, status = 0;
	ext_read(fd, deadline, &out, &timed_out, &too_big);
	close(fd);
	ext_reap(pid, deadline, &timed_out, too_big, &status);
	if (timed_out) {
		snprintf(err, errsz, "timed out after %d ms", ext->timeout_ms);
		rc = SR_EIO;
	} else if (too_big) {
		snprintf(err, errsz, "output longer than %d bytes", SR_EXT_SCAN_MAX_OUTPUT);
		rc = SR_ETOOBIG;
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, errsz, "exited with status %d", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		rc = SR_EIO;
	} else {
		rc = ext_parse(out.data ? out.data : "", out.len, res, summary, summarysz, err, errsz);
	}
	sr_buf_deinit(&out);
	return rc;
}
