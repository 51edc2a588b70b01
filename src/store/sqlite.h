/*
 * sqlite.h - what the SQLite engine's own files share (sqlite.c, schema.c), and nothing else
 * includes: the connection of a store and the failure path that records its message.
 */
#ifndef SR_STORE_SQLITE_H
#define SR_STORE_SQLITE_H

#include <sqlite3.h>

#include "store/store.h"

sqlite3 *sr__sqlite_db(sr_store *s);
/* Counts an error in the read context, records "what: SQLite's message" for
 * sr_store_errmsg, logs it, and returns SR_EDB. */
int sr__sqlite_fail(sr_store *s, const char *what);

#endif
