/*
 * pg_gens.c - generation counters across nodes on PostgreSQL (store/gen.h says what they
 * are).
 *
 * On SQLite the counters are a file every process on the machine maps. On PostgreSQL the
 * writers are other machines, so each process keeps its counters in memory, one set per
 * database URL shared by every store it opens on it, and learns of writes two ways:
 *   - its own: a committing write transaction sends pg_notify('skillreg_gens', payload)
 *     inside the transaction (pg.c), and the store bumps the counters right after COMMIT
 *     returns, exactly as on SQLite;
 *   - other nodes': one listener thread per URL holds a connection of its own that LISTENs
 *     on the channel, sleeps in poll() on its socket, and bumps the counters for every
 *     notification that a backend of another process sent. PostgreSQL delivers a
 *     notification only when its transaction commits, and after the data is visible.
 * The payload is what the transaction touched, catalog always implied: "c" (the catalog
 * only), "c,17,4090" (the catalog and those bucket slots), or "w" (catalog and details: a
 * transaction that could not say which skills it changed, or touched too many). A listener
 * that lost its connection may have missed notifications, so on every (re)connect it bumps
 * the catalog and the details counters: every cached answer misses once, none is stale.
 *
 * Notifications from this process's own backends are skipped (their bumps were done at
 * commit); stores register their backend pids here.
 *
 * A payload "a" bumps the auth generation alone: the triggers of migration 0018 send it for
 * every write to the columns a token's lookup reads, by skillreg or by hand, and it is applied
 * from this process's own backends too; a (re)connect bumps it with the others. A "w" does
 * not: a wide write of counters must not make every node forget its tokens. The entry also
 * holds the URL's memory of tokens (token_memo.h), which answers only while the listener is
 * connected.
 *
 * A payload "nN" (N a number) bumps nothing: it is a sync marker. Notifications reach a
 * listener in commit order, so once a node has applied marker N, every write committed before
 * N was sent has reached its cache. The node shows the highest marker it applied in /metrics
 * (skillreg_gens_marker); a probe that sends one and watches for it measures how far a node's
 * cache lags the database, and the tests use it to know that a write another process made is
 * visible before they read.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "core/err.h"
#include "core/log.h"
#include "store/engine.h"
#include "store/gen.h"
#include "store/pg.h"
#include "store/token_memo.h"

#define OWN_PIDS_MAX 1024

struct gens_entry {
	struct gens_entry *next;
	char url[2200];
	sr_gens *gens;
	sr__token_memo *memo;
	int refs;
	pthread_t thread;
	int wake[2]; /* a pipe: closing the store's last reference wakes the listener to stop */
	int stop;
	uint64_t marker; /* the highest sync marker applied (atomic) */
	int npids;
	int pids[OWN_PIDS_MAX];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct gens_entry *entries;

static struct gens_entry *entry_of(const sr_gens *g)
{
	for (struct gens_entry *e = entries; e; e = e->next)
		if (e->gens == g)
			return e;
	return NULL;
}

void sr__pg_gens_payload(const sr_store *s, char *buf, size_t n)
{
	if (s->touch.wide) {
		snprintf(buf, n, "w");
		return;
	}
	size_t len = (size_t)snprintf(buf, n, "c");
	for (int i = 0; i < s->touch.n && len < n; i++) {
		int k = snprintf(buf + len, n - len, ",%d", s->touch.slot[i]);
		if (k < 0 || (size_t)k >= n - len) {
			snprintf(buf, n, "w");
			return;
		}
		len += (size_t)k;
	}
}

/* Bumps what a payload names, the catalog first (the order src/http/cache.c relies on); a
 * sync marker only raises the entry's marker. */
static void apply_payload(struct gens_entry *e, const char *p)
{
	sr_gens *g = e->gens;
	if (p[0] == 'a' && !p[1]) {
		sr_gens_bump(g, SR_GEN_AUTH);
		return;
	}
	if (p[0] == 'n') {
		uint64_t m = strtoull(p + 1, NULL, 10), old = __atomic_load_n(&e->marker, __ATOMIC_SEQ_CST);
		while (m > old && !__atomic_compare_exchange_n(&e->marker, &old, m, 0, __ATOMIC_SEQ_CST,
								 __ATOMIC_SEQ_CST))
			;
		return;
	}
	/* Replicas may not have replayed that write yet: anonymous reads go to the primary
	 * until they have (pg_replica.c). */
	sr__pg_replica_fence();
	sr_gens_bump(g, SR_GEN_CATALOG);
	if (p[0] != 'c') {
		sr_gens_bump(g, SR_GEN_DETAILS);
		return;
	}
	for (const char *c = strchr(p, ','); c; c = strchr(c + 1, ',')) {
		long slot = strtol(c + 1, NULL, 10);
		if (slot >= 0 && slot < SR_GEN_BUCKETS)
			sr_gens_bump(g, (int)slot);
	}
}

static int is_own(struct gens_entry *e, int pid)
{
	pthread_mutex_lock(&lock);
	int own = 0;
	for (int i = 0; i < e->npids && !own; i++)
		own = e->pids[i] == pid;
	pthread_mutex_unlock(&lock);
	return own;
}

void sr__pg_gens_own(sr_gens *g, int pid, int add)
{
	pthread_mutex_lock(&lock);
	struct gens_entry *e = entry_of(g);
	if (e && add && e->npids < OWN_PIDS_MAX) {
		e->pids[e->npids++] = pid;
	} else if (e && !add) {
		for (int i = 0; i < e->npids; i++)
			if (e->pids[i] == pid) {
				e->pids[i] = e->pids[--e->npids];
				break;
			}
	}
	pthread_mutex_unlock(&lock);
}

sr__token_memo *sr__pg_gens_memo(const sr_gens *g)
{
	pthread_mutex_lock(&lock);
	struct gens_entry *e = entry_of(g);
	sr__token_memo *m = e ? e->memo : NULL;
	pthread_mutex_unlock(&lock);
	return m;
}

int sr__pg_gens_marker(const sr_gens *g, uint64_t *out)
{
	pthread_mutex_lock(&lock);
	struct gens_entry *e = entry_of(g);
	if (e)
		*out = __atomic_load_n(&e->marker, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&lock);
	return e ? 0 : SR_ENOTFOUND;
}

/* Connects and LISTENs; NULL when the database does not answer. */
static PGconn *listen_connect(const char *url)
{
	/* Keepalives matter most here: a listener on a connection that died silently would
	 * never hear another notification. */
	const char *keys[] = {"connect_timeout", "application_name", "keepalives_idle", "keepalives_interval",
			      "keepalives_count", "dbname", NULL};
	const char *vals[] = {"3", "skillreg-listener", "4", "2", "3", url, NULL};
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(c) == CONNECTION_OK) {
		PGresult *r = PQexec(c, "LISTEN " SR__PG_CHANNEL);
		int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		PQclear(r);
		if (ok)
			return c;
	}
	PQfinish(c);
	return NULL;
}

/* Waits until the socket (fd >= 0) is readable, the stop pipe is, or ms pass. */
static void wait_for(struct gens_entry *e, int fd, int ms)
{
	struct pollfd p[2] = {{e->wake[0], POLLIN, 0}, {fd, POLLIN, 0}};
	while (poll(p, fd >= 0 ? 2 : 1, ms) < 0 && errno == EINTR)
		;
}

static void *listener(void *arg)
{
	struct gens_entry *e = arg;
	PGconn *c = NULL;
	int warned = 0;
	while (!__atomic_load_n(&e->stop, __ATOMIC_SEQ_CST)) {
		if (!c) {
			if (!(c = listen_connect(e->url))) {
				if (!warned++)
					sr_log_error("db: the generation listener cannot connect; cached answers "
						     "may miss other nodes' writes until it does");
				wait_for(e, -1, 500);
				continue;
			}
			/* Notifications sent while no connection listened are lost. */
			apply_payload(e, "w");
			apply_payload(e, "a");
			sr__token_memo_live(e->memo, 1);
			if (warned)
				sr_log_info("db: the generation listener is connected again");
			warned = 0;
		}
		wait_for(e, PQsocket(c), 1000);
		if (!PQconsumeInput(c) || PQstatus(c) != CONNECTION_OK) {
			sr__token_memo_live(e->memo, 0);
			PQfinish(c);
			c = NULL;
			continue;
		}
		PGnotify *n;
		while ((n = PQnotifies(c))) {
			/* An auth change is applied even from this process's own backends: their
			 * commit bumped it already when the statement was marked (effects.c), and
			 * this covers one that was not, and a COMMIT whose answer was lost. */
			if (!is_own(e, n->be_pid) || strcmp(n->extra, "a") == 0)
				apply_payload(e, n->extra);
			PQfreemem(n);
		}
	}
	PQfinish(c);
	return NULL;
}

int sr__pg_gens_acquire(const char *url, sr_gens **out)
{
	pthread_mutex_lock(&lock);
	struct gens_entry *e;
	for (e = entries; e; e = e->next)
		if (strcmp(e->url, url) == 0)
			break;
	if (e) {
		e->refs++;
		*out = e->gens;
		pthread_mutex_unlock(&lock);
		return 0;
	}
	int rc = SR_ENOMEM;
	if (!(e = calloc(1, sizeof(*e))))
		goto out;
	snprintf(e->url, sizeof(e->url), "%s", url);
	if ((rc = sr_gens_open("", &e->gens)))
		goto out;
	rc = SR_ENOMEM;
	if (!(e->memo = sr__token_memo_new()))
		goto out;
	rc = SR_EIO;
	if (pipe(e->wake))
		goto out;
	if (pthread_create(&e->thread, NULL, listener, e)) {
		close(e->wake[0]);
		close(e->wake[1]);
		goto out;
	}
	e->refs = 1;
	e->next = entries;
	entries = e;
	*out = e->gens;
	e = NULL;
	rc = 0;
out:
	if (e) {
		sr_gens_close(e->gens);
		sr__token_memo_free(e->memo);
		free(e);
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

void sr__pg_gens_release(sr_gens *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&lock);
	struct gens_entry **pp = &entries;
	while (*pp && (*pp)->gens != g)
		pp = &(*pp)->next;
	struct gens_entry *e = *pp;
	if (!e || --e->refs > 0) {
		pthread_mutex_unlock(&lock);
		return;
	}
	*pp = e->next;
	pthread_mutex_unlock(&lock);
	__atomic_store_n(&e->stop, 1, __ATOMIC_SEQ_CST);
	if (write(e->wake[1], "x", 1) < 0)
		sr_log_error("db: cannot wake the generation listener");
	pthread_join(e->thread, NULL);
	close(e->wake[0]);
	close(e->wake[1]);
	sr_gens_close(e->gens);
	sr__token_memo_free(e->memo);
	free(e);
}
