/*
 * handle.c - the one way a handle type's metatable is built (sockets of
 * listen/connect, processes of spawn): see nsl_handle_meta in nsl.h.
 */
#include "nsl.h"

/* See nsl.h. */
void nsl_handle_meta(lua_State *L, const char *name, const luaL_Reg *methods,
		     lua_CFunction index, lua_CFunction close,
		     lua_CFunction tostring)
{
	if (luaL_newmetatable(L, name)) {
		lua_newtable(L);
		luaL_setfuncs(L, methods, 0);
		if (index)
			lua_pushcclosure(L, index, 1);
		lua_setfield(L, -2, "__index");
		lua_pushcfunction(L, close);
		lua_setfield(L, -2, "__gc");
		lua_pushcfunction(L, close);
		lua_setfield(L, -2, "__close");
		if (tostring) {
			lua_pushcfunction(L, tostring);
			lua_setfield(L, -2, "__tostring");
		}
	}
	lua_pop(L, 1);
}
