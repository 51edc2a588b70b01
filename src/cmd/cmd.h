/*
 * cmd.h - what the subcommands of the skillreg command share.
 *
 * Each subcommand is one sr_cmd value, defined in the file of its group (serve.c, admin.c,
 * seed.c, import.c, jobs.c, bench.c, moderate.c, copy.c) next to its code: its name, a one-line summary for
 * `skillreg --help`, its own usage for `skillreg NAME --help`, the options it takes and the
 * function that runs it. main.c lists them and dispatches; opts.c parses the command line.
 *
 * cmd is the top layer: it may include every other folder, and nothing includes it.
 */
#ifndef SR_CMD_CMD_H
#define SR_CMD_CMD_H

#include <stdint.h>
#include <stdio.h>

#include "api/api.h"
#include "cmd/opts.h"
#include "cron/cron.h"
#include "store/store.h"

typedef struct sr_cmd {
	const char *name;
	const char *summary; /* one line in the global usage */
	const char *usage;   /* the subcommand's usage, "usage: skillreg NAME ..." lines */
	uint64_t takes;      /* SR_O(...) bits: the options it accepts */
	int (*run)(const sr_cmd_opts *o);
} sr_cmd;

extern const sr_cmd sr__cmd_serve, sr__cmd_migrate, sr__cmd_user, sr__cmd_token, sr__cmd_publisher, sr__cmd_seed,
	sr__cmd_fold, sr__cmd_cron, sr__cmd_backfill, sr__cmd_gen, sr__cmd_bench_replay,
	sr__cmd_scan, sr__cmd_moderate, sr__cmd_db_copy, sr__cmd_import;

/* Prints o's subcommand's usage on stderr (the words do not fit it) and returns 2. */
int sr__cmd_misuse(const sr_cmd_opts *o);

/* Opens (creating) the data directory: the blob store into app->blobs and the migrated
 * database into *store. On failure nothing stays open. */
int sr__cmd_open_data(const sr_cmd_opts *o, sr_app *app, sr_store **store);
void sr__cmd_close_data(sr_app *app, sr_store *store);

/* The start of an administration command: exactly nargs words (the subcommand's name
 * counted), then the data directory opened. 0 when ready, else the exit status to return. */
int sr__cmd_begin(const sr_cmd_opts *o, int nargs, sr_app *app, sr_store **store);

/* The end of import and db-copy: the search backfill run (or resumed) when no pass of it has
 * finished, so the registry they leave has its word index (docs/search.md), each skill's text
 * read from its SKILL.md in blobs (NULL: the text the database holds). 0, or 1 after a
 * message on stderr. */
int sr__cmd_search_backfill(sr_store *s, sr_blobs *blobs);

/* The sign-in providers of serve's options (idp.c): GitHub when --github-client-id is given,
 * one OpenID Connect provider per --oidc NAME=ISSUER_URL, each with its client id and
 * secret, into app->idps. 2 after a message on stderr (nothing kept). */
int sr__cmd_idps(const sr_cmd_opts *o, sr_app *app);
void sr__cmd_idps_free(sr_app *app);

/* The job schedule: defaults, then --fold-ms, then each --cron NAME=MS in order (serve.c;
 * `cron list` prints it). -1 after a message on stderr. */
int sr__cron_schedule(const sr_cmd_opts *o, sr_cron *c);

#endif
