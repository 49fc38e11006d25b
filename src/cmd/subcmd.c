/*
 * subcmd.c - the first argument as a subcommand.
 *
 * `nsl ls`, `nsl show`, `nsl exec`, `nsl dot` are subcommands only as the
 * first argument and only when no file of that name exists, so a script
 * called `ls` still runs (as `nsl ls` when it is there, or `nsl ./ls`).
 * The work is the Lua library's (lua/nsl/cli.lua); C only dispatches.
 */
#include <string.h>
#include <unistd.h>

#include "subcmd.h"

static const char *const subcommands[] = { "ls", "show", "exec", "dot", NULL };

const char nsl_subcommand_help[] =
	"Subcommands (first argument, when no file of that name exists):\n"
	"  ls [--json]                     the live runs and their topologies; dead runs' leftovers\n"
	"  show [--json] [NODE|RUN]        the live state of running topologies\n"
	"  exec [--run ID] NODE [-- cmd]   run cmd (default: a shell) in a node of a live topology\n"
	"  dot SCRIPT.lua [-o FILE]        draw the topologies a script describes (.dot or .svg)\n";

int nsl_is_subcommand(const char *word)
{
	size_t i;

	for (i = 0; subcommands[i]; i++)
		if (strcmp(word, subcommands[i]) == 0)
			return access(word, F_OK) != 0;
	return 0;
}

int nsl_run_subcommand(lua_State *L, char **argv)
{
	int n = 0;

	lua_getglobal(L, "require");
	lua_pushliteral(L, "nsl.cli");
	if (nsl_report(L, nsl_docall(L, 1, 1)) != LUA_OK)
		return LUA_ERRRUN;
	lua_getfield(L, -1, "main");
	lua_remove(L, -2);
	for (; argv[n]; n++) {
		luaL_checkstack(L, 1, "too many arguments");
		lua_pushstring(L, argv[n]);
	}
	return nsl_report(L, nsl_docall(L, n, 0));
}
