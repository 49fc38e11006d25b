/*
 * users.c - _user and _group: user and group names of the host's user
 * database, as the description's checks take them (the lookups, shared
 * with nodefs.c and exec.c, are base/sys.c's).
 */
#include <errno.h>
#include <stdlib.h>

#include "nsl.h"

/* _user(name): pushes uid and primary gid of a user (a name or a
 * number), or nil when there is no such user. */
static int l_user(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	uid_t uid;
	gid_t gid;

	if (nsl_user_lookup(name, &uid, &gid) < 0) {
		lua_pushnil(L);
		return 1;
	}
	lua_pushinteger(L, uid);
	lua_pushinteger(L, gid);
	return 2;
}

/* _group(name): pushes the gid of a group (a name or a number), or nil. */
static int l_group(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	gid_t gid;

	if (nsl_group_lookup(name, &gid) < 0) {
		lua_pushnil(L);
		return 1;
	}
	lua_pushinteger(L, gid);
	return 1;
}

static const struct nsl_prim users_funcs[] = {
	{ "_user", l_user, 0, NULL },
	{ "_group", l_group, 0, NULL },
	{ NULL, NULL, 0, NULL }
};

/* Adds _user and _group to the table at index 1. */
int nsl_open_users(lua_State *L)
{
	nsl_register(L, users_funcs);
	return 0;
}
