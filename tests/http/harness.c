/*
 * harness.c - runs a real skillreg server for the HTTP end-to-end tests: its binary, port,
 * data directory and database, its users and tokens, the admin commands on its data, and its
 * start, restart, crash and stop.
 *
 * The server is a child process (killed with the test process through PR_SET_PDEATHSIG, so a
 * crashed test never leaves a server behind). Talking to it is client.c's; publishing and
 * zips are publish.c's; the web site's sessions and forms are web.c's.
 */
#include "harness.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <curl/curl.h>
#include <libpq-fe.h>

/* ---------------------------------------------------------------- server lifecycle */

static int resolve_bin(srt_server *s)
{
	const char *env = getenv("SKILLREG_BIN");
	if (env && *env) {
		snprintf(s->bin, sizeof s->bin, "%s", env);
		return 0;
	}
	char self[SRT_MAX_PATH - 64];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return -1;
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	snprintf(s->bin, sizeof s->bin, "%s/../skillreg", self);
	char real[PATH_MAX];
	if (realpath(s->bin, real))
		snprintf(s->bin, sizeof s->bin, "%s", real);
	return 0;
}

static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t al = sizeof a;
	int port = -1;
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &al) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static void print_log(const srt_server *s)
{
	char path[512];
	snprintf(path, sizeof path, "%s/server.log", s->dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char buf[8192];
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, size > (long)sizeof buf - 1 ? size - (long)sizeof buf + 1 : 0, SEEK_SET);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	fprintf(stderr, "---- tail of %s ----\n%s\n---- end of server log ----\n", path, buf);
}

/* Waits until the running server has applied every write committed so far by other
 * processes (an admin command's). On SQLite a commit bumps the shared generation file before
 * it returns, so there is nothing to wait for. On PostgreSQL the server hears of another
 * process's write from its LISTEN connection, a little after the commit: this sends a sync
 * marker on the same channel, which arrives after every earlier commit's notification, and
 * watches /metrics until the server has applied it (src/store/pg_gens.c). */
static void sleep_ms(long ms);

int srt_sync(srt_server *s)
{
	static unsigned long long seq;
	if (!srt_db_postgres() || s->pid <= 0)
		return 0;
	PGconn *c = PQconnectdb(s->db);
	char sql[96];
	snprintf(sql, sizeof sql, "SELECT pg_notify('skillreg_gens', 'n%llu')", ++seq);
	PGresult *r = PQstatus(c) == CONNECTION_OK ? PQexec(c, sql) : NULL;
	int sent = r && PQresultStatus(r) == PGRES_TUPLES_OK;
	PQclear(r);
	PQfinish(c);
	if (!sent) {
		fprintf(stderr, "cannot send sync marker %llu to %s\n", seq, s->db);
		return -1;
	}
	for (int i = 0; i < 500; i++) {
		srt_resp m;
		unsigned long long seen = 0;
		if (srt_get(s, "/metrics", NULL, &m) == 0 && m.status == 200) {
			static const char key[] = "\nskillreg_gens_marker ";
			const char *p = strstr(m.body, key);
			if (p)
				seen = strtoull(p + sizeof key - 1, NULL, 10);
		}
		srt_resp_free(&m);
		if (seen >= seq)
			return 0;
		sleep_ms(10);
	}
	fprintf(stderr, "the server did not apply sync marker %llu within 5 s\n", seq);
	return -1;
}

int srt_forget_tokens(srt_server *s)
{
	if (!srt_db_postgres())
		return 0;
	if (srt_sql(s, "NOTIFY skillreg_gens, 'a'") < 0)
		return -1;
	return srt_sync(s);
}

int srt_admin(srt_server *s, char *out, size_t outsz, const char *const *args)
{
	const char *argv[32];
	size_t n = 0;
	argv[n++] = s->bin;
	for (size_t i = 0; args[i] && n < 28; i++)
		argv[n++] = args[i];
	argv[n++] = "--data-dir";
	argv[n++] = s->dir;
	if (srt_db_postgres()) {
		argv[n++] = "--db";
		argv[n++] = s->db;
	}
	argv[n] = NULL;
	int pfd[2];
	if (pipe(pfd) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		char logp[512];
		snprintf(logp, sizeof logp, "%s/admin.log", s->dir);
		int lfd = open(logp, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (lfd >= 0)
			dup2(lfd, 2);
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execv(s->bin, (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	char buf[4096];
	size_t got = 0;
	for (;;) {
		ssize_t r = read(pfd[0], buf + got, sizeof buf - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
		if (got == sizeof buf - 1)
			break;
	}
	close(pfd[0]);
	buf[got] = '\0';
	int st = 0;
	waitpid(pid, &st, 0);
	char *b = buf;
	while (*b && isspace((unsigned char)*b))
		b++;
	size_t bl = strlen(b);
	while (bl > 0 && isspace((unsigned char)b[bl - 1]))
		b[--bl] = '\0';
	if (out)
		snprintf(out, outsz, "%s", b);
	if (!WIFEXITED(st))
		return -1;
	if (WEXITSTATUS(st) != 0) {
		fprintf(stderr, "admin command failed (exit %d):", WEXITSTATUS(st));
		for (size_t i = 0; argv[i]; i++)
			fprintf(stderr, " %s", argv[i]);
		fprintf(stderr, "\n");
		return WEXITSTATUS(st);
	}
	return srt_sync(s);
}

static int make_token(srt_server *s, const char *handle, char *out, size_t outsz)
{
	const char *args[] = {"token", "create", handle, NULL};
	if (srt_admin(s, out, outsz, args) != 0)
		return -1;
	/* Take the last whitespace-separated word in case the command says more. */
	char *last = strrchr(out, '\n');
	if (last)
		memmove(out, last + 1, strlen(last + 1) + 1);
	if (strncmp(out, "clh_", 4) != 0) {
		fprintf(stderr, "token create %s printed \"%s\", not a clh_ token\n", handle, out);
		return -1;
	}
	return 0;
}

static int setup_users(srt_server *s)
{
	char out[256];
	const char *a1[] = {"user", "add", "alice", NULL};
	const char *a2[] = {"user", "add", "bob", "--role", "user", NULL};
	const char *a3[] = {"user", "add", "boss", "--role", "admin", NULL};
	const char *a4[] = {"user", "add", "mallory", NULL};
	if (srt_admin(s, out, sizeof out, a1) || srt_admin(s, out, sizeof out, a2) ||
	    srt_admin(s, out, sizeof out, a3) || srt_admin(s, out, sizeof out, a4))
		return -1;
	if (make_token(s, "alice", s->tok_alice, sizeof s->tok_alice) ||
	    make_token(s, "bob", s->tok_bob, sizeof s->tok_bob) ||
	    make_token(s, "boss", s->tok_admin, sizeof s->tok_admin) ||
	    make_token(s, "mallory", s->tok_banned, sizeof s->tok_banned) ||
	    make_token(s, "alice", s->tok_revoked, sizeof s->tok_revoked))
		return -1;
	char prefix[16];
	snprintf(prefix, sizeof prefix, "%.12s", s->tok_revoked);
	const char *r[] = {"token", "revoke", prefix, NULL};
	const char *b[] = {"user", "ban", "mallory", NULL};
	if (srt_admin(s, out, sizeof out, r) || srt_admin(s, out, sizeof out, b))
		return -1;
	return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

int srt_metrics_off;

static int spawn(srt_server *s)
{
	char listen[64];
	snprintf(listen, sizeof listen, "127.0.0.1:%d", s->port);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		char logp[512];
		snprintf(logp, sizeof logp, "%s/server.log", s->dir);
		int lfd = open(logp, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (lfd >= 0) {
			dup2(lfd, 2);
			dup2(lfd, 1);
		}
		/* /metrics answers only the operator's token; every server of the harness has one,
		 * which srt_request sends on a GET of /metrics (harness.h). */
		char tokp[300];
		snprintf(tokp, sizeof tokp, "%s/metrics-token", s->dir);
		int tfd = open(tokp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (tfd < 0 || write(tfd, SRT_METRICS_TOKEN "\n", sizeof SRT_METRICS_TOKEN) != (ssize_t)sizeof SRT_METRICS_TOKEN)
			_exit(126);
		close(tfd);
		const char *argv[34] = {s->bin, "serve", "--listen", listen, "--data-dir", s->dir};
		size_t n = 6;
		if (!srt_metrics_off) {
			argv[n++] = "--metrics-token-file";
			argv[n++] = tokp;
		}
		if (srt_db_postgres()) {
			argv[n++] = "--db";
			argv[n++] = s->db;
		}
		for (size_t i = 0; s->serve_args && s->serve_args[i] && n < 31; i++)
			argv[n++] = s->serve_args[i];
		argv[n] = NULL;
		execv(s->bin, (char *const *)argv);
		_exit(127);
	}
	s->pid = pid;
	s->starting = 1;
	for (int i = 0; i < 200; i++) {
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			fprintf(stderr, "skillreg serve exited early (status 0x%x)\n", st);
			s->pid = -1;
			print_log(s);
			return -1;
		}
		srt_resp r;
		if (srt_request(s, "GET", "/healthz", NULL, NULL, 0, &r) == 0 && r.status == 200) {
			srt_resp_free(&r);
			s->starting = 0;
			return 0;
		}
		srt_resp_free(&r);
		sleep_ms(50);
	}
	fprintf(stderr, "skillreg serve did not answer /healthz with 200 within 10 s\n");
	print_log(s);
	return -1;
}

int srt_server_start(srt_server *s)
{
	return srt_server_start_args(s, NULL);
}

int srt_server_start_args(srt_server *s, const char *const *serve_args)
{
	memset(s, 0, sizeof *s);
	s->serve_args = serve_args;
	s->pid = -1;
	static int curl_ready;
	if (!curl_ready) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		curl_ready = 1;
	}
	if (resolve_bin(s) != 0 || access(s->bin, X_OK) != 0) {
		fprintf(stderr, "skillreg binary not found or not executable: %s\n", s->bin);
		return -1;
	}
	snprintf(s->dir, sizeof s->dir, "/tmp/skillreg-http-XXXXXX");
	if (!mkdtemp(s->dir)) {
		perror("mkdtemp");
		return -1;
	}
	s->port = free_port();
	if (s->port <= 0)
		return -1;
	snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
	s->curl = curl_easy_init();
	if (srt__db_create(s) != 0) {
		fprintf(stderr, "no database for the server\n");
		return -1;
	}
	if (setup_users(s) != 0) {
		fprintf(stderr, "creating users/tokens failed; see %s/admin.log\n", s->dir);
		return -1;
	}
	return spawn(s);
}

/* SIGTERM and wait; 0 when the server exited with status 0. */
static int stop_process(srt_server *s)
{
	int rc = 0;
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		int st = 0;
		pid_t w = 0;
		for (int i = 0; i < 300; i++) {
			w = waitpid(s->pid, &st, WNOHANG);
			if (w == s->pid)
				break;
			sleep_ms(50);
		}
		if (w != s->pid) {
			fprintf(stderr, "skillreg serve did not exit within 15 s of SIGTERM\n");
			kill(s->pid, SIGKILL);
			waitpid(s->pid, &st, 0);
			rc = -1;
		} else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			if (WIFSIGNALED(st))
				fprintf(stderr, "skillreg serve died from signal %d at shutdown\n", WTERMSIG(st));
			else
				fprintf(stderr, "skillreg serve exited with status %d at shutdown\n",
					WEXITSTATUS(st));
			rc = -1;
		}
		s->pid = -1;
	}
	if (rc != 0)
		print_log(s);
	return rc;
}

int srt_server_restart(srt_server *s)
{
	if (stop_process(s) != 0)
		return -1;
	s->port = free_port();
	if (s->port <= 0)
		return -1;
	snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
	return spawn(s);
}

int srt_server_kill_restart(srt_server *s)
{
	if (s->pid <= 0)
		return -1;
	kill(s->pid, SIGKILL);
	int st = 0;
	pid_t w = waitpid(s->pid, &st, 0);
	s->pid = -1;
	if (w <= 0 || !WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL) {
		fprintf(stderr, "skillreg serve did not die of SIGKILL (status 0x%x)\n", st);
		print_log(s);
		return -1;
	}
	s->port = free_port();
	if (s->port <= 0)
		return -1;
	snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
	return spawn(s);
}

int srt_db_snapshot(srt_server *s, const char *to)
{
	if (!srt_db_postgres()) {
		/* The test's own temporary paths: no quote to escape. */
		return srt_sql(s, srt_fmt("VACUUM INTO '%s'", to)) < 0 ? -1 : 0;
	}
	/* PostgreSQL copies a database only while nobody is connected to it. */
	if (stop_process(s) != 0 || srt_db_copy(s->db, to) != 0)
		return -1;
	s->port = free_port();
	if (s->port <= 0)
		return -1;
	snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
	return spawn(s);
}

int srt_server_stop(srt_server *s)
{
	int rc = stop_process(s);
	if (s->curl) {
		curl_easy_cleanup(s->curl);
		s->curl = NULL;
	}
	srt__db_release(s);
	if (s->dir[0] && !getenv("SRT_KEEP"))
		nftw(s->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	else if (s->dir[0])
		fprintf(stderr, "kept data dir %s\n", s->dir);
	s->dir[0] = '\0';
	return rc;
}

int srt_server_start_peer(srt_server *peer, const srt_server *s)
{
	*peer = *s;
	peer->pid = -1;
	peer->curl = curl_easy_init();
	peer->port = free_port();
	if (peer->port <= 0 || !peer->curl)
		return -1;
	snprintf(peer->base, sizeof peer->base, "http://127.0.0.1:%d", peer->port);
	return spawn(peer);
}

int srt_server_stop_peer(srt_server *peer)
{
	int rc = stop_process(peer);
	if (peer->curl) {
		curl_easy_cleanup(peer->curl);
		peer->curl = NULL;
	}
	return rc;
}

void srt_make_user(srt_server *s, const char *handle, const char *role, char *tok, size_t n)
{
	char out[256];
	const char *add[] = {"user", "add", handle, "--role", role, NULL};
	assert_int_equal(srt_admin(s, out, sizeof(out), add), 0);
	const char *mk[] = {"token", "create", handle, NULL};
	assert_int_equal(srt_admin(s, tok, n, mk), 0);
}

int srt_import_skill(srt_server *s, const char *owner, const char *slug, const char *version,
		     const char *name, const char *description)
{
	char root[600], dir[900], path[1000], cmd[1000], out[256];
	snprintf(root, sizeof root, "%s/import", s->dir);
	snprintf(dir, sizeof dir, "%s/%s/%s/%s", root, owner, slug, version);
	snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
	if (system(cmd) != 0) {
		print_error("import: cannot make %s\n", dir);
		return -1;
	}
	snprintf(path, sizeof path, "%s/SKILL.md", dir);
	FILE *f = fopen(path, "w");
	if (!f) {
		print_error("import: cannot write %s\n", path);
		return -1;
	}
	fputs(srt_skill_md(name, description), f);
	fclose(f);
	const char *const args[] = {"seed", root, NULL};
	if (srt_admin(s, out, sizeof out, args) != 0) {
		print_error("import: skillreg seed %s failed: %s\n", root, out);
		return -1;
	}
	return srt_wait_scans(s);
}
