/*
 * dump.c - the one dump loop of the *_list primitives (see dump.h).
 */
#include <stdio.h>

#include "dump.h"

/* See dump.h. */
void nl_dump_start(struct nl_dump *d, lua_State *L, struct nl_ns *ns,
		   const char *prim)
{
	d->L = L;
	d->ns = ns;
	d->prim = prim;
	d->arg = NULL;
	d->names = d->dev = 0;
	lua_newtable(L);
	d->list = lua_gettop(L);
}

/* See dump.h. */
struct nl_ns *nl_dump_begin(struct nl_dump *d, struct nsl_opts *o,
			    const char *dev, int names)
{
	lua_State *L = o->L;
	const char *prim = o->p->name;
	struct nl_ns *ns = nl_opts_ns(o);
	int index, table = 0;

	lua_settop(L, o->p->opt_arg);
	index = dev ? nl_ifindex(L, ns, prim, dev) : 0;
	if (names) {
		nl_push_ifnames(L, ns, prim);
		table = lua_gettop(L);
	}
	nl_dump_start(d, L, ns, prim);
	d->dev = index;
	d->names = table;
	return ns;
}

/* See dump.h. */
void *nl_dump_req(struct nl_dump *d, struct nl_req *q, const char *dev,
		  const char *what, int type, size_t hdrlen)
{
	return nl_req_start(q, d->L, d->prim, dev ? dev : d->ns->name[0] ?
			    d->ns->name : what, type, NLM_F_DUMP, hdrlen);
}

/* See dump.h. */
void nl_dump_run(struct nl_dump *d, struct nl_req *q, nl_cb cb)
{
	nl_req_do(q, d->ns, cb, d);
}

/* See dump.h. */
int nl_dump_done(struct nl_dump *d)
{
	char meta[64];

	snprintf(meta, sizeof(meta), "nsl.%s", d->prim);
	luaL_newmetatable(d->L, meta);
	lua_setmetatable(d->L, d->list);
	lua_settop(d->L, d->list);
	return 1;
}

/* See dump.h. */
int nl_dump_end(struct nl_dump *d, struct nl_req *q, nl_cb cb)
{
	nl_dump_run(d, q, cb);
	return nl_dump_done(d);
}

/* See dump.h. */
void nl_dump_add(struct nl_dump *d)
{
	lua_rawseti(d->L, d->list, (lua_Integer)lua_rawlen(d->L, d->list) + 1);
}
