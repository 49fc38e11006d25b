/*
 * subcmd.h - nsl's subcommands (ls, show, exec, dot): the words main.c
 * hands to the Lua library (nsl.cli) instead of running them as scripts.
 */
#ifndef NSL_SUBCMD_H
#define NSL_SUBCMD_H

#include "cmd.h"

/* Runs nsl.cli.main(argv[0], argv[1], ...) under nsl_docall and reports
 * an error as main.c does; returns the Lua status. */
int nsl_run_subcommand(lua_State *L, char **argv);

#endif
