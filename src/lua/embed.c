/*
 * embed.c - loads the Lua library of lua/ from inside the binary.
 *
 * Every file of lua/ is compiled in (build/lua_embed.c) and registered in
 * package.preload, so a copied nsl binary needs nothing on disk.  For
 * development, NSL_LUA_DIR=/path/to/lua makes nsl read the library from
 * that directory instead (it goes first in package.path and the embedded
 * copies are not registered); -E ignores it, as it ignores LUA_PATH.
 */
#include <stdlib.h>
#include <string.h>

#include "nsl.h"

/* preload loader: upvalue 1 is the index into nsl_embedded.  Runs the
 * chunk with the module name, as package.searchers would. */
static int load_embedded(lua_State *L)
{
	const struct nsl_embedded *m =
		&nsl_embedded[lua_tointeger(L, lua_upvalueindex(1))];
	const char *chunkname = lua_pushfstring(L, "@embedded:%s", m->path);

	if (luaL_loadbuffer(L, (const char *)m->data, m->size, chunkname) != LUA_OK)
		return lua_error(L);
	lua_pushstring(L, m->module);
	lua_pushstring(L, chunkname);
	lua_call(L, 2, 1);
	return 1;
}

static int env_ignored(lua_State *L)
{
	int ignored;

	lua_getfield(L, LUA_REGISTRYINDEX, "LUA_NOENV");
	ignored = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return ignored;
}

void nsl_embed_register(lua_State *L)
{
	const char *dir = env_ignored(L) ? NULL : getenv("NSL_LUA_DIR");
	int i;

	lua_getglobal(L, "package");
	if (dir && *dir) {
		lua_getfield(L, -1, "path");
		lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;%s", dir, dir,
				lua_tostring(L, -1));
		lua_setfield(L, -3, "path");
		lua_pop(L, 2);
		return;
	}
	lua_getfield(L, -1, "preload");
	for (i = 0; nsl_embedded[i].module; i++) {
		lua_pushinteger(L, i);
		lua_pushcclosure(L, load_embedded, 1);
		lua_setfield(L, -2, nsl_embedded[i].module);
	}
	lua_pop(L, 2);
}
