/*
 * call.c - the protected call and the error report of the nsl command,
 * shared by main.c (scripts, -e, -l) and repl.c (each line), as lua.c's
 * docall and report are.
 */
#include <stdio.h>

#include "cmd.h"

static const char *progname = NSL_NAME;

/* Message handler: turns any error value into a string with a traceback. */
static int msghandler(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);

	if (msg == NULL && lua_type(L, 1) == LUA_TTABLE &&
	    lua_getmetatable(L, 1)) {
		/* a primitive's error (error.c): where it was called from,
		 * its message, and a traceback like any runtime error */
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

