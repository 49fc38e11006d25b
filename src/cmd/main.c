/*
 * main.c - the nsl command: a Lua 5.4 interpreter with nsl's primitives.
 *
 * The command line follows lua(1) so that `busted --lua=./nsl` and users'
 * habits work unchanged.  main() only creates the state; everything else
 * runs in pmain() under lua_pcall, so no C path leaves with a half-reported
 * error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "cmd.h"
#include "rootless.h"
#include "subcmd.h"

static const char *progname = NSL_NAME;

static void print_options(FILE *out)
{
	fprintf(out,
		"usage: %s [options] [script [args]]\n"
		"       %s SUBCOMMAND [args]   (see below)\n"
		"Available options are:\n"
		"  -e stat   execute string 'stat'\n"
		"  -i        enter interactive mode after executing 'script'\n"
		"  -l mod    require library 'mod' into global 'mod'\n"
		"  -l g=mod  require library 'mod' into global 'g'\n"
		"  -v        show version information\n"
		"  -E        ignore environment variables\n"
		"  -W        turn warnings on\n"
		"  --        stop handling options\n"
		"  -         stop handling options and execute stdin\n"
		"  --clean   remove what killed nsl runs left behind, then exit\n"
		"  --rootless  run in a world of its own: user, mount, network and PID\n"
		"            namespaces where the caller is root (automatic without privileges)\n"
		"  --egress  rootless, with an uplink to the real network through pasta\n"
		"  --publish PORTS  rootless with egress; forward these ports of the real\n"
		"            machine's 127.0.0.1 into the world (8080,8443 5353/udp 9000-9009)\n"
		"  -V, --version  show the version, then exit\n"
		"  -h, --help     show this help, then exit\n"
		"%s"
		"Environment:\n"
		"  NSL_LUA_DIR  load the Lua library from this directory, not the binary\n"
		"  NSL_HISTORY  the REPL's history file (default ~/.nsl_history; empty: none)\n"
		"  NSL_ROOTLESS  0: never go rootless by itself (see --rootless)\n"
		"  NSL_ROOTLESS_EGRESS  1: a rootless world gets an uplink (as --egress)\n"
		"  NSL_ROOTLESS_PUBLISH  ports a rootless world publishes (as --publish)\n"
		"  NSL_RUN_DIR  where runs keep their records and lab files (default /run/nsl)\n"
		"  NSL_KEEPER_TIMEOUT  seconds nsl down, link... wait for a lab's keeper (60)\n"
		"  NSL_DEBUG  1: errors nsl reports on one line (a refused description or\n"
		"            argument, a primitive's failure, Ctrl-C) come with their traceback\n"
		"  LUA_INIT_5_4, LUA_INIT, LUA_PATH, LUA_CPATH  as in lua(1)\n"
		"See nsl(1) and README.md.\n",
		progname, progname, nsl_subcommand_help);
	fflush(out);
}

static void print_usage(const char *badoption)
{
	if (badoption[1] == 'e' || badoption[1] == 'l')
		fprintf(stderr, "%s: '%s' needs an argument\n", progname, badoption);
	else
		fprintf(stderr, "%s: unrecognized option '%s'\n", progname, badoption);
	print_options(stderr);
}

/* --clean: nsl.clean() (the Lua library's) removes the leftovers of dead
 * runs and returns what it removed, then why anything could not be; each
 * removal is printed on a line, and a failure makes --clean fail. */
static const char clean_chunk[] =
	"if type(nsl.clean) ~= 'function' then error('--clean: not available in this build', 0) end\n"
	"local removed, failures = nsl.clean()\n"
	"for _, item in ipairs(removed) do print('removed ' .. tostring(item)) end\n"
	"if #removed == 0 and not (failures and #failures > 0) then print('nothing to clean') end\n"
	"if failures and #failures > 0 then\n"
	"  local msg = '--clean: could not remove everything: ' .. table.concat(failures, '; ')\n"
	"  error(setmetatable({}, { __tostring = function() return msg end }), 0) -- one line\n"
	"end\n";

static void print_version(void)
{
	printf("%s %s (%s)  Copyright (C) 1994-2022 Lua.org, PUC-Rio\n",
	       NSL_NAME, NSL_VERSION, LUA_RELEASE);
	fflush(stdout);
}

/* The arg table: script at 0, its arguments at 1.., interpreter and
 * options at negative indices, exactly as lua(1) builds it. */
static void create_arg_table(lua_State *L, char **argv, int argc, int script)
{
	int i;

	if (script == argc)
		script = 0;	/* no script: the interpreter goes to 0 */
	lua_createtable(L, argc - script - 1, script + 1);
	for (i = 0; i < argc; i++) {
		lua_pushstring(L, argv[i]);
		lua_rawseti(L, -2, i - script);
	}
	lua_setglobal(L, "arg");
}

static int dochunk(lua_State *L, int status)
{
	if (status == LUA_OK)
		status = nsl_docall(L, 0, 0);
	return nsl_report(L, status);
}

static int dostring(lua_State *L, const char *s, const char *name)
{
	return dochunk(L, luaL_loadbuffer(L, s, strlen(s), name));
}

/* -l: require 'mod' and store it in global 'g' (or 'mod'). */
static int dolibrary(lua_State *L, char *spec)
{
	int status;
	char *eq = strchr(spec, '=');
	const char *mod = eq ? eq + 1 : spec;

	lua_getglobal(L, "require");
	lua_pushstring(L, mod);
	status = nsl_docall(L, 1, 1);
	if (status == LUA_OK) {
		if (eq)
			*eq = '\0';
		else {	/* "a.b-c" is stored in global "a" */
			char *dash = strchr(spec, '-');
			char *dot = strchr(spec, '.');

			if (dash)
				*dash = '\0';
			if (dot && (!dash || dot < dash))
				*dot = '\0';
		}
		lua_setglobal(L, spec);
	}
	return nsl_report(L, status);
}

static int push_script_args(lua_State *L)
{
	int i, n;

	if (lua_getglobal(L, "arg") != LUA_TTABLE)
		luaL_error(L, "'arg' is not a table");
	n = (int)luaL_len(L, -1);
	luaL_checkstack(L, n + 3, "too many arguments to script");
	for (i = 1; i <= n; i++)
		lua_rawgeti(L, -i, i);
	lua_remove(L, -i);
	return n;
}

/* Runs the script named argv[0] ("-" or NULL for stdin) with its args. */
static int handle_script(lua_State *L, char **argv)
{
	const char *fname = argv[0];
	int status;

	if (strcmp(fname, "-") == 0 && strcmp(argv[-1], "--") != 0)
		fname = NULL;
	status = luaL_loadfile(L, fname);
	if (status == LUA_OK) {
		int n = push_script_args(L);

		status = nsl_docall(L, n, LUA_MULTRET);
	}
	return nsl_report(L, status);
}

/* Runs -e, -l and -W in order (nsl_args.run). Returns 0 on failure. */
static int run_args(lua_State *L)
{
	const struct nsl_arg_run *r = nsl_args.run;
	int i;

	for (i = 0; i < nsl_args.nrun; i++) {
		if (r[i].opt == 'W')
			lua_warning(L, "@on", 0);
		else if ((r[i].opt == 'e' ? dostring(L, r[i].value, "=(command line)")
					   : dolibrary(L, r[i].value)) != LUA_OK)
			return 0;
	}
	return 1;
}

/* LUA_INIT_5_4 or LUA_INIT, as lua(1): "@file" runs a file, else a chunk. */
static int handle_luainit(lua_State *L)
{
	const char *name = "=LUA_INIT_5_4";
	const char *init = getenv(name + 1);

	if (init == NULL) {
		name = "=LUA_INIT";
		init = getenv(name + 1);
	}
	if (init == NULL)
		return LUA_OK;
	if (init[0] == '@')
		return dochunk(L, luaL_loadfile(L, init + 1));
	return dostring(L, init, name);
}

static int pmain(lua_State *L)
{
	int argc = nsl_args.argc;
	char **argv = nsl_args.argv;
	int script = nsl_args.script;
	int flags = nsl_args.flags;

	luaL_checkversion(L);
	if (flags == HAS_ERROR) {
		print_usage(argv[script]);
		return 0;
	}
	if (flags & HAS_HELP) {
		print_options(stdout);
		lua_pushboolean(L, 1);
		return 1;
	}
	if (flags & HAS_VERSION) {
		print_version();
		lua_pushboolean(L, 1);
		return 1;
	}
	if (flags & HAS_V)
		print_version();
	if ((flags & HAS_BIG_E) || nsl_world_joined) {
		lua_pushboolean(L, 1);
		lua_setfield(L, LUA_REGISTRYINDEX, "LUA_NOENV");
	}
	luaL_openlibs(L);
	if (nsl_world_joined) {
		/* In a world: its file system is its user's; require finds
		 * only package.preload, the embedded library. */
		lua_getglobal(L, "package");
		lua_pushliteral(L, "");
		lua_setfield(L, -2, "path");
		lua_pushliteral(L, "");
		lua_setfield(L, -2, "cpath");
		lua_pop(L, 1);
	}
	create_arg_table(L, argv, argc, script);
	lua_gc(L, LUA_GCRESTART);
	lua_gc(L, LUA_GCGEN, 0, 0);
	if (!(flags & HAS_BIG_E) && !nsl_world_joined && handle_luainit(L) != LUA_OK)
		return 0;
	lua_pushcfunction(L, nsl_openlibs);
	if (nsl_report(L, nsl_docall(L, 0, 0)) != LUA_OK)
		return 0;
	if (flags & HAS_CLEAN) {
		if (dostring(L, clean_chunk, "=--clean") != LUA_OK)
			return 0;
		lua_pushboolean(L, 1);
		return 1;
	}
	if (nsl_args.subcommand) {
		lua_pushboolean(L, nsl_run_subcommand(L, argv + 1) == LUA_OK);
		return 1;
	}
	if (!run_args(L))
		return 0;
	if (script < argc && handle_script(L, argv + script) != LUA_OK)
		return 0;
	if (flags & HAS_I) {
		nsl_repl(L);
	} else if (script == argc && !(flags & (HAS_E | HAS_V))) {
		if (isatty(STDIN_FILENO)) {
			print_version();
			nsl_repl(L);
		} else if (dochunk(L, luaL_loadfile(L, NULL)) != LUA_OK) {
			return 0;
		}
	}
	lua_pushboolean(L, 1);
	return 1;
}

/* Warnings go to stderr; "@on"/"@off" switch them, as in lua(1). */
static void warnf(void *ud, const char *msg, int tocont)
{
	static int on, cont;

	(void)ud;
	if (!cont && msg[0] == '@') {
		if (strcmp(msg, "@on") == 0)
			on = 1;
		else if (strcmp(msg, "@off") == 0)
			on = 0;
		return;
	}
	if (on) {
		if (!cont)
			fputs("Lua warning: ", stderr);
		fputs(msg, stderr);
		if (!tocont)
			fputs("\n", stderr);
		fflush(stderr);
	}
	cont = tocont;
}

int main(int argc, char **argv)
{
	int status, ok;
	lua_State *L;

	if (nsl_is_cni(argv[0]))
		return nsl_cni_main();
	/* Without root, the run moves into a world of its own first; from
	 * here on, this is the nsl inside it. */
	nsl_args_parse(argc, argv);
	if (!nsl_rootless_join() && nsl_rootless_wanted()) {
		if (nsl_args.argc > 3 && strcmp(argv[1], "_keep") == 0)
			nsl_world_label(argv[3]);	/* nsl up's keeper: its lab */
		nsl_rootless_enter();
	}
	L = luaL_newstate();

	if (L == NULL) {
		fprintf(stderr, "%s: cannot create state: not enough memory\n",
			progname);
		return EXIT_FAILURE;
	}
	lua_setwarnf(L, warnf, NULL);
	lua_gc(L, LUA_GCSTOP);
	lua_pushcfunction(L, pmain);
	status = lua_pcall(L, 0, 1, 0);
	ok = lua_toboolean(L, -1);
	nsl_report(L, status);
	/* Closing runs every __gc and __close: the cleanup of what the
	 * script made; a failed run first rolls back what its bare
	 * primitives made.  A signal now is kept but cuts nothing short. */
	if (nsl_finish(L, !(ok && status == LUA_OK)))
		ok = 0;		/* a teardown failed: said on stderr */
	return (ok && status == LUA_OK) ? EXIT_SUCCESS : EXIT_FAILURE;
}
