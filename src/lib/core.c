/*
 * core.c - nsl.core, the module table of C primitives, for the nsl
 * binary (cmd/libs.c) and for nsl.so and the rock (module.c, core.lua).
 *
 * Each file of primitives exports one opener, listed in openers[] below;
 * an opener adds its functions to the table on top of the stack (see
 * nsl.h).  Adding a file of primitives is one line here.  It stands
 * above every floor of primitives, since it names them all.
 */
#include "core.h"

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
	nsl_open_brvlan,
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

/* See nsl.h. */
void nsl_preload(lua_State *L)
{
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
	lua_pushcfunction(L, luaopen_nsl_core);
	lua_setfield(L, -2, "nsl.core");
	lua_pop(L, 1);
	nsl_embed_register(L);
}
