/*
 * nlstate.c - the Lua side of the netlink plumbing: one struct nl_state
 * (nl.c) per Lua state, a userdata in the registry whose __gc closes every
 * socket at lua_close, and the wrappers of nl.h that find it and raise
 * "<prim>: <obj>: <reason>".
 */
#include <errno.h>

#include "nl.h"

#define NL_STATE	"nsl.nl"		/* registry: the cache */
#define NL_META		"nsl.nl.cache"	/* registry: its metatable */

/* __gc of the cache: closes every socket and namespace fd; safe twice. */
static int state_gc(lua_State *L)
{
	nls_close_all(luaL_checkudata(L, 1, NL_META));
	return 0;
}

/* The cache of this Lua state, made on first use; raises if the start
 * namespace cannot be opened. */
static struct nl_state *nl_state(lua_State *L)
{
	struct nl_state *st;
	int err;

	if (lua_getfield(L, LUA_REGISTRYINDEX, NL_STATE) == LUA_TUSERDATA) {
		st = lua_touserdata(L, -1);
		lua_pop(L, 1);
		return st;
	}
	lua_pop(L, 1);
	st = lua_newuserdatauv(L, sizeof(*st), 0);
	nls_init(st);
	if (luaL_newmetatable(L, NL_META)) {
		lua_pushcfunction(L, state_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_setmetatable(L, -2);
	lua_setfield(L, LUA_REGISTRYINDEX, NL_STATE);
	err = nls_open_home(st);
	if (err)
		nsl_fail(L, "netlink", "/proc/thread-self/ns/net", -err, NULL);
	return st;
}

/* See nl.h: the cached namespace, or raises "<prim>: <name>: ...". */
struct nl_ns *nl_ns(lua_State *L, const char *prim, const char *name)
{
	struct nl_state *st = nl_state(L);
	struct nl_ns *ns;
	const char *why;
	int err;

	if (!name)
		return &st->home;
	nl_check_nsref(L, prim, name);
	ns = nls_lookup(st, name, &err, &why);
	if (!ns)
		nsl_fail(L, prim, name, err, why ? "%s" : NULL, why);
	return ns;
}

/* See nl.h: never raises but for the cache's first making. */
struct nl_ns *nl_ns_borrow(lua_State *L, const char *name, struct nl_ns *tmp)
{
	return nls_borrow(nl_state(L), name, tmp);
}

/* See nl.h. */
void nl_ns_release(struct nl_ns *tmp)
{
	nls_release(tmp);
}

/* See nl.h: the namespace named by option "ns"; raises as nl_ns. */
struct nl_ns *nl_opts_ns(struct nsl_opts *o)
{
	return nl_ns(o->L, o->p->name, nsl_opt_str(o, "ns", NULL));
}

/* See nl.h. */
void nl_touch(lua_State *L, struct nl_ns *ns)
{
	nls_touch(nl_state(L), ns);
}

/* See nl.h. */
int nl_ns_here(lua_State *L, const char *name)
{
	return nls_here(nl_state(L), name);
}

/* See nl.h. */
int nl_cached(lua_State *L, struct nl_ns **out, int max)
{
	return nls_cached(nl_state(L), out, max);
}

/* See nl.h. */
void nl_forget(lua_State *L, const char *name)
{
	nls_forget(nl_state(L), name);
}

/* See nl.h. */
int nl_enter(lua_State *L, struct nl_ns *ns)
{
	(void)L;
	return nls_enter(ns);
}

/* See nl.h. */
int nl_leave(lua_State *L)
{
	return nls_leave(nl_state(L));
}

/* See nl.h: never raises. */
int nl_talk(lua_State *L, struct nl_ns *ns, void *buf, size_t len,
	    nl_cb cb, void *data, char *ext, size_t extlen)
{
	return nls_talk(nl_state(L), ns, buf, len, cb, data, ext, extlen);
}

/* See nl.h: never raises. */
int nl_talk_proto(lua_State *L, struct nl_ns *ns, int proto, void *buf,
		  size_t len, nl_cb cb, void *data, char *ext, size_t extlen)
{
	return nls_talk_proto(nl_state(L), ns, proto, buf, len, cb, data, ext, extlen);
}

/* See nl.h: one request; raises "<prim>: <obj>: <reason>". */
void nl_do(lua_State *L, struct nl_ns *ns, struct nlmsghdr *nlh, nl_cb cb,
	   void *data, const char *prim, const char *obj)
{
	char ext[256];
	int err;

	err = nl_talk(L, ns, nlh, nlh->nlmsg_len, cb, data, ext, sizeof(ext));
	if (err)
		nsl_fail(L, prim, obj, -err, ext[0] ? "%s" : NULL, ext);
}
