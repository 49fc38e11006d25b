/*
 * core.c - the module table of C primitives and its registration.
 *
 * Each file of primitives exports one opener, listed in openers[] below;
 * an opener adds its functions to the table on top of the stack (see
 * nsl.h).  Adding a file of primitives is one line here.
 */
#include <stdio.h>
#include <stdlib.h>

#include "nsl.h"

static const lua_CFunction openers[] = {
	nsl_open_clock,
	nsl_open_error,
	nsl_open_signal,
	nsl_open_fs,
	nsl_open_json,
	nsl_open_record,
	nsl_open_sys,
	nsl_open_nodefs,
	nsl_open_users,
	nsl_open_netns,
	nsl_open_link,
	nsl_open_linkinfo,
	nsl_open_bridge,
	nsl_open_fdb,
	nsl_open_qdisc,
	nsl_open_addr,
	nsl_open_linkwait,
	nsl_open_route,
	nsl_open_routeinfo,
	nsl_open_rule,
	nsl_open_neigh,
	nsl_open_sysctl,
	nsl_open_sockdiag,
	nsl_open_exec,
	nsl_open_proc,
	nsl_open_nft,
	nsl_open_sock,
	nsl_open_tcpreq,
	nsl_open_proxy,
	nsl_open_capture,
	NULL	/* keep last */
};

/* require "nsl.core": a fresh table of every C primitive. */
int luaopen_nsl_core(lua_State *L)
{
	size_t i;

	lua_newtable(L);
	for (i = 0; openers[i]; i++) {
		lua_pushcfunction(L, openers[i]);
		lua_pushvalue(L, -2);
		lua_call(L, 1, 0);
	}
	lua_pushstring(L, NSL_VERSION);
	lua_setfield(L, -2, "version");
	lua_pushstring(L, NSL_NETNS_DIR);
	lua_setfield(L, -2, "_netns_dir");
	return 1;
}

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
		if (nsl_run_end(L, status != EXIT_SUCCESS) && status == EXIT_SUCCESS)
			status = EXIT_FAILURE;	/* a teardown failed */
		if (nsl_signal) {	/* as main: die of it */
			fflush(NULL);
			signal(nsl_signal, SIG_DFL);
			raise(nsl_signal);
		}
	}
	fflush(NULL);
	exit(status);
}

/* Registers nsl.core and the embedded library, loads "nsl" into the
 * global nsl, and makes each C primitive a global as well ("_" names
 * excepted: they are the Lua library's). */
int nsl_openlibs(lua_State *L)
{
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
	lua_pushcfunction(L, luaopen_nsl_core);
	lua_setfield(L, -2, "nsl.core");
	lua_pop(L, 1);
	nsl_embed_register(L);

	lua_getglobal(L, "os");
	lua_pushcfunction(L, os_exit);
	lua_setfield(L, -2, "exit");
	lua_pop(L, 1);

	lua_getglobal(L, "require");
	lua_pushliteral(L, "nsl");
	lua_call(L, 1, 1);
	lua_setglobal(L, "nsl");

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
