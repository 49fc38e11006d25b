/*
 * dir.c - the names in a directory, for the Lua library (nsl ls reads the
 * run directory's lab files without running ls).
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>

#include "nsl.h"

static int cmp_names(lua_State *L)
{
	lua_pushboolean(L, strcmp(lua_tostring(L, 1), lua_tostring(L, 2)) < 0);
	return 1;
}

/* _readdir(path): a sorted list of the names in path ("." and ".." left
 * out); nil, message, errno when it cannot be opened. */
static int l_readdir(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	DIR *d = opendir(path);
	struct dirent *de;
	lua_Integer n = 0;

	if (d == NULL) {
		int err = errno;

		luaL_pushfail(L);
		lua_pushfstring(L, "%s: %s", path, strerror(err));
		lua_pushinteger(L, err);
		return 3;
	}
	lua_newtable(L);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		lua_pushstring(L, de->d_name);
		lua_rawseti(L, -2, ++n);
	}
	closedir(d);
	lua_getglobal(L, "table");
	lua_getfield(L, -1, "sort");
	lua_remove(L, -2);
	lua_pushvalue(L, -2);
	lua_pushcfunction(L, cmp_names);
	lua_call(L, 2, 0);
	return 1;
}

int nsl_open_dir(lua_State *L)
{
	static const struct nsl_prim prims[] = {
		{ "_readdir", l_readdir, 0, NULL },
		{ NULL, NULL, 0, NULL }
	};

	nsl_register(L, prims);
	return 0;
}
