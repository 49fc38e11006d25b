/*
 * module.c - nsl as a Lua module for the stock interpreter: nsl.so.
 *
 * `require "nsl"` from lua5.4 (or a plain busted) loads the same C core
 * and the same embedded Lua library as the nsl binary, and returns the
 * table the binary calls nsl.  What the binary's host does and a module
 * cannot (doc/reference.md, "Stock Lua and busted"): the primitives are not made
 * globals, SIGTERM/SIGHUP are not turned into Lua errors (lua5.4 handles
 * SIGINT itself), and os.exit keeps lua5.4's default of not closing the
 * state, so os.exit(code, true) is what runs the cleanups.
 */
#include "core.h"

int luaopen_nsl(lua_State *L);

/* require "nsl": registers nsl.core and the embedded modules in
 * package.preload (or NSL_LUA_DIR's path), then runs the embedded "nsl"
 * module and returns its table. */
int luaopen_nsl(lua_State *L)
{
	nsl_preload(L);

	/* The embedded "nsl", or with NSL_LUA_DIR the file nsl.lua there. */
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
	if (lua_getfield(L, -1, "nsl") == LUA_TFUNCTION) {
		lua_pushliteral(L, "nsl");
		lua_call(L, 1, 1);
		return 1;
	}
	lua_pop(L, 2);
	lua_getglobal(L, "package");
	lua_getfield(L, -1, "searchpath");
	lua_pushliteral(L, "nsl");
	lua_getfield(L, -3, "path");
	lua_call(L, 2, 2);
	if (lua_isnil(L, -2))
		return luaL_error(L, "nsl: no nsl.lua in NSL_LUA_DIR: %s", lua_tostring(L, -1));
	lua_pop(L, 1);
	if (luaL_loadfile(L, lua_tostring(L, -1)) != LUA_OK)
		return lua_error(L);
	lua_pushliteral(L, "nsl");
	lua_call(L, 1, 1);
	return 1;
}
