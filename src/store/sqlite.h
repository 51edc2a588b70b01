/*
 * sqlite.h - what the SQLite engine's own files share (sqlite.c, schema.c, catalogue.c), and
 * nothing else includes: the connection of a store, the failure path that records its
 * message, and the engine's full-text syntax.
 */
#ifndef SR_STORE_SQLITE_H
#define SR_STORE_SQLITE_H

#include <sqlite3.h>

#include "store/store.h"

struct sr_buf;

sqlite3 *sr__sqlite_db(sr_store *s);
/* Counts an error in the read context, records "what: SQLite's message" for
 * sr_store_errmsg, logs it, and returns SR_EDB. */
int sr__sqlite_fail(sr_store *s, const char *what);
/* Applies the migrations of sql/sqlite (schema.c). */
int sr__sqlite_migrate(sr_store *s);
/* FTS5 match expressions (catalogue.c). */
int sr__lite_match_expr(struct sr_buf *b, int match, const char *const *tokens, int n);

#endif
