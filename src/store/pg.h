/*
 * pg.h - what the PostgreSQL engine's own files share (pg.c, pg_schema.c, pg_gens.c), and
 * nothing else includes: the connection of a store, its failure path, the catalogue it runs,
 * and the process-wide generation counters every store on one database URL shares.
 */
#ifndef SR_STORE_PG_H
#define SR_STORE_PG_H

#include <libpq-fe.h>

#include "store/store.h"

struct sr_buf;
struct sr_gens;

/* The advisory-lock keys: every write transaction of every node takes the first (as
 * SQLite's BEGIN IMMEDIATE takes its one write lock), migrations the second. */
#define SR__PG_LOCK_WRITE 0x736b696c6c726567LL /* "skillreg" */
#define SR__PG_LOCK_MIGRATE 0x736b696c6c6d6967LL

/* The most parameters a statement binds. */
#define SR__PG_PARAMS_MAX 32

/* The channel committed writes notify on, with the generation slots they bump. */
#define SR__PG_CHANNEL "skillreg_gens"

/* The store's connection, reconnected first when it broke (a restarted or promoted database
 * is picked up by the next use); NULL when the database does not answer, with the error
 * recorded (sr__pg_fail). */
PGconn *sr__pg_conn(sr_store *s);
/* Records "what: the server's message" for sr_store_errmsg and returns SR_EEXIST for a
 * constraint violation (SQLSTATE class 23); anything else is also counted in the read context
 * and logged, and is SR_EUNAVAIL when the connection is gone, SR_EDB otherwise. res may be
 * NULL. */
int sr__pg_fail(sr_store *s, const char *what, const PGresult *res);
/* Runs one or more statements as a simple query: 0 when the last one succeeded. */
int sr__pg_exec(sr_store *s, const char *sql, const char *what);

/* The SQL text of statement q in PostgreSQL's dialect (pg_catalogue.c), NULL for none; the
 * highest $n a text names. */
const char *sr__pg_sql(int q);
int sr__pg_nparams(const char *sql);
/* The text with the parameters it uses numbered 1..*m (pg.c says why); *out NULL when
 * unchanged, else to free(). map gets m catalogue numbers - 1. */
int sr__pg_compact(const char *sql, char **out, unsigned char *map, int *m);
/* A copy of v (n bytes) with each byte that is not valid UTF-8 replaced by U+FFFD, or NULL
 * when v is valid (pg_params.c says why). */
char *sr__pg_utf8_fixed(const char *v, size_t n);
/* The full-text match expression in PostgreSQL's syntax (pg_catalogue.c). */
int sr__pg_match(struct sr_buf *b, int match, const char *const *tokens, int n);

/* Opens a connection to a read replica (pg_replica.c picks which): a store of its own that
 * pg.c routes a request's reads to; it shares no generation counters and registers no
 * backend. */
int sr__pg_open_replica(const char *url, sr_store **out);

/* Read replicas (pg_replica.c). The fence is raised before every generation bump; pick
 * returns the replica a request may read (prefer: the one its store is connected to), or -1
 * for the primary (none configured, none in use, or the fence up). */
#define SR__PG_URL_MAX 2200
#define SR__PG_REPLICAS_MAX 8
void sr__pg_replica_fence(void);
int sr__pg_replica_pick(int prefer);
const char *sr__pg_replica_url(int i);
void sr__pg_replica_used(int i);
void sr__pg_replica_failed(int i);

int sr__pg_migrate(sr_store *s);
int sr__pg_explain(sr_store *s, int i, struct sr_buf *out);

/* The generation counters of the database url, shared by every store the process opens on
 * it and kept current by one listener thread per url (pg_gens.c). */
int sr__pg_gens_acquire(const char *url, struct sr_gens **out);
void sr__pg_gens_release(struct sr_gens *g);
/* A backend of this process (its notifications were applied when they committed). */
void sr__pg_gens_own(struct sr_gens *g, int pid, int add);
/* The highest sync marker the url's listener applied; SR_ENOTFOUND when g is not a
 * PostgreSQL store's (see pg_gens.c). */
int sr__pg_gens_marker(const struct sr_gens *g, uint64_t *out);
/* The memory of tokens of the URL whose counters g are (token_memo.h). */
struct sr__token_memo *sr__pg_gens_memo(const struct sr_gens *g);
/* The notification payload of what a store's transaction touched (see pg_gens.c). */
void sr__pg_gens_payload(const sr_store *s, char *buf, size_t n);

#endif
