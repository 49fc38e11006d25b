/*
 * subcmd.c - the first argument as a subcommand.
 *
 * `nsl ls`, `nsl show`, `nsl exec`, `nsl dot` are subcommands only as the
 * first argument and only when no file of that name exists, so a script
 * called `ls` still runs (as `nsl ls` when it is there, or `nsl ./ls`).
 * The work is the Lua library's (lua/nsl/cli.lua); C only dispatches.
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "subcmd.h"

static const char *const subcommands[] = { "ls", "show", "exec", "dot", NULL };

const char nsl_subcommand_help[] =
	"Subcommands (first argument, when no file of that name exists):\n"
	"  ls [--json]                     the live runs and their topologies; dead runs' leftovers\n"
	"  show [--json] [NODE|RUN]        the live state of running topologies\n"
	"  exec [--run ID] NODE [-- cmd]   run cmd (default: a shell) in a node of a live topology\n"
	"  dot SCRIPT.lua [-o FILE]        draw the topologies a script describes (.dot or .svg)\n"
	"  (ls, show, exec: --world PID, -w PID: in that rootless world; ls lists them all)\n";

int nsl_is_subcommand(const char *word)
{
	size_t i;

	for (i = 0; subcommands[i]; i++)
		if (strcmp(word, subcommands[i]) == 0)
			return access(word, F_OK) != 0;
	return 0;
}

static void ignore_signal(int sig)
{
	(void)sig;
}

/* _hold_signals(on): while nsl exec waits for a command on the terminal,
 * Ctrl-C and Ctrl-\ are the command's (it shares nsl's process group):
 * nsl catches them with a handler that does nothing (a handler, unlike
 * SIG_IGN, is reset in the child by execve).  _hold_signals(false) arms
 * nsl's own handling again. */
static int l_hold_signals(lua_State *L)
{
	struct sigaction sa;

	if (!lua_toboolean(L, 1)) {
		signal(SIGQUIT, SIG_DFL);
		nsl_signals_arm(L);
		return 0;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ignore_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	return 0;
}

int nsl_run_subcommand(lua_State *L, char **argv)
{
	int n = 0;

	lua_getglobal(L, "require");
	lua_pushliteral(L, "nsl.cli");
	if (nsl_report(L, nsl_docall(L, 1, 1)) != LUA_OK)
		return LUA_ERRRUN;
	lua_pushcfunction(L, l_hold_signals);
	lua_setfield(L, -2, "_hold_signals");
	lua_getfield(L, -1, "main");
	lua_remove(L, -2);
	for (; argv[n]; n++) {
		luaL_checkstack(L, 1, "too many arguments");
		lua_pushstring(L, argv[n]);
	}
	return nsl_report(L, nsl_docall(L, n, 0));
}
