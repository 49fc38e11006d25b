/*
 * call.c - the protected call and the error report of the nsl command,
 * shared by main.c (scripts, -e, -l) and repl.c (each line), as lua.c's
 * docall and report are.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static const char *progname = NSL_NAME;

/* NSL_DEBUG set (and not "0"): every error is shown with its traceback. */
static int debugging(void)
{
	const char *d = getenv("NSL_DEBUG");

	return d && *d && strcmp(d, "0") != 0;
}

/* Is the function on top of the stack one of nsl's primitives (a value
 * of nsl.core)?  Pops it. */
static int is_primitive(lua_State *L)
{
	int found = 0;

	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
	if (lua_getfield(L, -1, "nsl.core") == LUA_TTABLE) {
		lua_pushnil(L);
		while (!found && lua_next(L, -2)) {
			found = lua_rawequal(L, -1, -5);
			lua_pop(L, found ? 2 : 1);
		}
	}
	lua_pop(L, 3);
	return found;
}

/* Is the global `name` the function on top of the stack? */
static int is_global(lua_State *L, const char *name)
{
	int same;

	lua_getglobal(L, name);
	same = lua_rawequal(L, -1, -2);
	lua_pop(L, 1);
	return same;
}

/* Did nsl itself raise the error being handled: a primitive that refused
 * its arguments, or the library (its error() or assert()) refusing a
 * description?  Not a runtime error in Lua code (the user's own, or a bug
 * of the library), nor the user's own error() call: those keep their
 * traceback. */
static int raised_by_nsl(lua_State *L)
{
	lua_Debug ar;
	int level;

	if (!lua_getstack(L, 1, &ar) || !lua_getinfo(L, "Sf", &ar))
		return 0;
	if (strcmp(ar.what, "C") != 0) {
		lua_pop(L, 1);
		return 0;
	}
	/* error() and assert() speak for their caller; a primitive called
	 * by the user's code is nsl's refusal; any other C function is
	 * judged by the Lua code that called it */
	if (!is_global(L, "error") && !is_global(L, "assert") && is_primitive(L))
		return 1;
	lua_settop(L, 1);
	for (level = 2; lua_getstack(L, level, &ar); level++) {
		if (!lua_getinfo(L, "S", &ar))
			break;
		if (strcmp(ar.what, "C") != 0)
			return nsl_library_chunk(ar.source);
	}
	return 0;
}

/* Where the "chunk:line: " prefix of msg ends (after its space), or
 * NULL when msg has none (a ": " before any ":line: " means none: chunk
 * names have no ": ", messages do, "topology: ..."). */
static const char *position_end(const char *msg)
{
	const char *p, *d;

	for (p = msg; *p && *p != '\n'; p++) {
		if (*p != ':')
			continue;
		if (p[1] == ' ')
			return NULL;
		for (d = p + 1; *d >= '0' && *d <= '9'; d++)
			;
		if (d > p + 1 && d[0] == ':' && d[1] == ' ')
			return d + 2;
	}
	return NULL;
}

/* Pushes msg, an error nsl raised, at the user's line: a position in
 * nsl's library gives way to the user's, and a message without one gets
 * it.  msg is left as it is when its position is the user's already or
 * no user code led here (a subcommand). */
static void push_at_user_line(lua_State *L, const char *msg)
{
	const char *rest = position_end(msg);
	int library = 1;

	nsl_push_where(L);
	if (rest) {
		lua_pushfstring(L, "@%s", msg);
		lua_pushlstring(L, lua_tostring(L, -1), (size_t)(rest - msg) + 1);
		library = nsl_library_chunk(lua_tostring(L, -1));
		lua_pop(L, 2);
	}
	if (lua_isnil(L, -1) || !library) {
		lua_pushstring(L, msg);
		return;
	}
	lua_pushfstring(L, "%s: %s", lua_tostring(L, -1), rest ? rest : msg);
}

/* Message handler: turns any error value into the line to report.  What
 * nsl itself refused (a description, a primitive's arguments or failure)
 * and a signal are one line at the user's line; the user's own errors and
 * the library's bugs get a traceback, as everything does with NSL_DEBUG. */
static int msghandler(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);
	int brief = !debugging();

	if (brief && nsl_signal) {
		if (nsl_signal == SIGINT)
			lua_pushliteral(L, "interrupted");
		else
			lua_pushfstring(L, "terminated by signal %d (%s)",
					(int)nsl_signal, strsignal(nsl_signal));
		return 1;
	}
	if (msg == NULL && lua_type(L, 1) == LUA_TTABLE &&
	    lua_getmetatable(L, 1)) {
		/* a primitive's error (error.c): where it was called from and
		 * its message */
		luaL_getmetatable(L, "nsl.error");
		if (lua_rawequal(L, -1, -2)) {
			lua_pop(L, 2);
			lua_getfield(L, 1, "where");
			lua_getfield(L, 1, "message");
			if (lua_type(L, -2) == LUA_TSTRING)
				msg = lua_pushfstring(L, "%s: %s", lua_tostring(L, -2),
						      lua_tostring(L, -1));
			else
				msg = luaL_tolstring(L, -1, NULL);
			if (!brief)
				luaL_traceback(L, L, msg, 1);
			return 1;
		}
		lua_pop(L, 2);
	}
	if (msg == NULL) {
		if (luaL_callmeta(L, 1, "__tostring") &&
		    lua_type(L, -1) == LUA_TSTRING)
			return 1;	/* an error object that prints itself */
		msg = lua_pushfstring(L, "(error object is a %s value)",
				      luaL_typename(L, 1));
	} else if (brief && raised_by_nsl(L)) {
		push_at_user_line(L, msg);
		return 1;
	}
	luaL_traceback(L, L, msg, 1);
	return 1;
}

/* See cmd.h: the function under nargs arguments, protected, with a
 * traceback handler and signals armed. */
int nsl_docall(lua_State *L, int narg, int nres)
{
	int status;
	int base = lua_gettop(L) - narg;

	lua_pushcfunction(L, msghandler);
	lua_insert(L, base);
	nsl_signals_arm(L);
	status = lua_pcall(L, narg, nres, base);
	nsl_signals_disarm();
	lua_sethook(L, NULL, 0, 0);
	lua_remove(L, base);
	return status;
}

/* "nsl: msg" on stderr. */
static void print_message(const char *msg)
{
	if (progname)
		fprintf(stderr, "%s: ", progname);
	fprintf(stderr, "%s\n", msg);
	fflush(stderr);
}

/* See cmd.h: prints "nsl: message" for a failed status, pops it. */
int nsl_report(lua_State *L, int status)
{
	if (status != LUA_OK) {
		const char *msg = luaL_tolstring(L, -1, NULL);

		print_message(msg);
		lua_pop(L, 2);
	}
	return status;
}

int nsl_finish(lua_State *L, int failed)
{
	int bad = nsl_run_end(L, failed);
	int sig = nsl_signal;

	if (sig) {
		fflush(NULL);
		signal(sig, SIG_DFL);
		raise(sig);
	}
	return bad;
}
