/*
 * subcmd.h - nsl's subcommands (ls, show, exec, dot): the words main.c
 * hands to the Lua library (nsl.cli) instead of running them as scripts.
 */
#ifndef NSL_SUBCMD_H
#define NSL_SUBCMD_H

#include "cmd.h"

/* The subcommands' lines of --help. */
extern const char nsl_subcommand_help[];

/* True when word is a subcommand and no file of that name exists (a
 * script called "ls" in the current directory still runs). */
int nsl_is_subcommand(const char *word);

/* Runs nsl.cli.main(argv[0], argv[1], ...) under nsl_docall and reports
 * an error as main.c does; returns the Lua status. */
int nsl_run_subcommand(lua_State *L, char **argv);

#endif
