/*
 * libs.c - what the nsl binary opens in its Lua state: nsl.core and the
 * embedded library (in package.preload), the global nsl, the primitives
 * as globals, and an os.exit that closes the state (a module, nsl.so,
 * does none of this: lib/module.c).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "lib/core.h"

/* os.exit(code [, close]): as Lua's, but close defaults to true, so the
 * state is closed and every __gc/__close cleanup of the script runs
 * before the process ends.  os.exit(code, false) skips it. */
static int os_exit(lua_State *L)
{
	int status;

	if (lua_isboolean(L, 1))
		status = lua_toboolean(L, 1) ? EXIT_SUCCESS : EXIT_FAILURE;
	else
		status = (int)luaL_optinteger(L, 1, EXIT_SUCCESS);
	if (lua_isnoneornil(L, 2) || lua_toboolean(L, 2)) {
		if (nsl_finish(L, status != EXIT_SUCCESS) && status == EXIT_SUCCESS)
			status = EXIT_FAILURE;	/* a teardown failed */
	}
	fflush(NULL);
	exit(status);
}

/* Registers nsl.core and the embedded library, loads "nsl" into the
 * global nsl (unless lean), and makes each C primitive a global as well
 * ("_" names excepted: they are the Lua library's). */
static int openlibs(lua_State *L, int lean)
{
	nsl_preload(L);

	lua_getglobal(L, "os");
	lua_pushcfunction(L, os_exit);
	lua_setfield(L, -2, "exit");
	lua_pop(L, 1);

	if (!lean) {
		lua_getglobal(L, "require");
		lua_pushliteral(L, "nsl");
		lua_call(L, 1, 1);
		lua_setglobal(L, "nsl");
	}

	lua_getglobal(L, "require");
	lua_pushliteral(L, "nsl.core");
	lua_call(L, 1, 1);
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		if (lua_type(L, -2) == LUA_TSTRING && lua_iscfunction(L, -1) &&
		    lua_tostring(L, -2)[0] != '_')
			lua_setglobal(L, lua_tostring(L, -2));
		else
			lua_pop(L, 1);
	}
	return 0;
}

int nsl_openlibs(lua_State *L)
{
	return openlibs(L, 0);
}

int nsl_openlibs_lean(lua_State *L)
{
	return openlibs(L, 1);
}
