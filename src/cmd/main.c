/*
 * main.c - the skillreg command: finds the subcommand, parses its options, runs it.
 *
 *   skillreg COMMAND [ARGS] [OPTIONS]     COMMAND: serve, migrate, user, token, seed, fold, cron,
 *                                         backfill, scan, moderate, gen, bench-replay,
 *                                         db-copy, import
 *   skillreg COMMAND --help | -h          that command's usage, on stdout
 *   skillreg --help | -h | help           every command with one line, on stdout
 *   skillreg --version | version          "skillreg 0.9.0 (935b835)": VERSION and the commit
 *
 * Each subcommand is an sr_cmd (cmd.h) in the file of its group; this file only lists them.
 * Options may come before or after the command's name, as they always could. A bad command
 * line (an unknown command, option or a bad value) exits with status 2, a failed command with 1.
 * SKILLREG_NOW_MS (tests only) pins the clock every command sees; SKILLREG_FAULT_AT (tests
 * only) is core/fault.h's crash injection; both are checked as numbers before a command runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/opts.h"
#include "version.h"

static const sr_cmd *const cmds[] = {
	&sr__cmd_serve, &sr__cmd_migrate, &sr__cmd_user, &sr__cmd_token, &sr__cmd_publisher, &sr__cmd_seed,
	&sr__cmd_fold, &sr__cmd_cron, &sr__cmd_backfill, &sr__cmd_scan, &sr__cmd_moderate,
	&sr__cmd_gen, &sr__cmd_bench_replay, &sr__cmd_db_copy, &sr__cmd_import,
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static const sr_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < NCMDS; i++)
		if (strcmp(cmds[i]->name, name) == 0)
			return cmds[i];
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: skillreg COMMAND [ARGS] [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < NCMDS; i++)
		fprintf(f, "  %-13s %s\n", cmds[i]->name, cmds[i]->summary);
	fprintf(f, "\n  skillreg COMMAND --help   the arguments and options of one command\n"
		   "  skillreg --version        the version and the commit it was built from\n"
		   "every command takes --data-dir DIR (default ./data, or SKILLREG_DATA_DIR); those that\n"
		   "open the database take --db postgres://... (or SKILLREG_DB) to use PostgreSQL instead of\n"
		   "DIR/skillreg.db, and DIR then holds only node-local files\n");
}

int sr__cmd_misuse(const sr_cmd_opts *o)
{
	const sr_cmd *c = o->nargs ? find_cmd(o->args[0]) : NULL;
	if (c)
		fputs(c->usage, stderr);
	else
		usage(stderr);
	return 2;
}

/* The index of the command's name: the first word that is neither an option nor the value of
 * one. -1 when there is none. */
static int command_at(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] != '-' || argv[i][1] == '\0')
			return i;
		if (sr__opts_takes_value(argv[i]))
			i++;
	}
	return -1;
}

/* Parses the command line for c, its name first, and runs it. */
static int run(const sr_cmd *c, int at, int argc, char **argv)
{
	char **av = malloc((size_t)argc * sizeof(*av));
	if (!av)
		return 1;
	int n = 0;
	av[n++] = argv[at];
	for (int i = 1; i < argc; i++)
		if (i != at)
			av[n++] = argv[i];
	sr_cmd_opts o;
	int rc = sr__opts_parse(n, av, c->takes, &o);
	free(av);
	if (rc)
		return rc;
	if (o.help) {
		fputs(c->usage, stdout);
		return 0;
	}
	if (sr__opts_env_common())
		return 2;
	return c->run(&o);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *first = argv[1];
	if (strcmp(first, "--help") == 0 || strcmp(first, "-h") == 0 || strcmp(first, "help") == 0) {
		const sr_cmd *c = argc == 3 ? find_cmd(argv[2]) : NULL;
		if (c)
			fputs(c->usage, stdout);
		else
			usage(stdout);
		return 0;
	}
	if (strcmp(first, "--version") == 0 || strcmp(first, "version") == 0) {
		printf("skillreg %s (%s)\n", SR_VERSION, SR_COMMIT);
		return 0;
	}
	int at = command_at(argc, argv);
	if (at < 0) {
		usage(stderr);
		return 2;
	}
	const sr_cmd *c = find_cmd(argv[at]);
	if (!c) {
		fprintf(stderr, "skillreg: %s: unknown command (skillreg --help lists them)\n", argv[at]);
		return 2;
	}
	return run(c, at, argc, argv);
}
