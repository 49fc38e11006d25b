/*
 * prim.c - the registration of primitives with the keys they accept.
 *
 * A primitive is declared once, in its file's struct nsl_prim table
 * (nsl.h): name, C function, the position of its options argument and
 * the keys it takes.  Each becomes a closure whose upvalue is its entry,
 * so the option reader (opts.c) finds the keys through nsl_self, and the
 * declarations are kept in nsl.core._options for the specs.
 */
#include <string.h>

#include "nsl.h"

#define OPTIONS_FIELD "_options"	/* nsl.core._options[prim] */

/* Pushes {arg = n, keys = {...}} describing p's options. */
static void push_decl(lua_State *L, const struct nsl_prim *p)
{
	const char *w = p->keys ? p->keys : "";
	size_t n;
	int i = 0;

	lua_createtable(L, 0, 2);
	lua_pushinteger(L, p->opt_arg);
	lua_setfield(L, -2, "arg");
	lua_newtable(L);
	for (w += strspn(w, " "); *w; w += n, w += strspn(w, " ")) {
		n = strcspn(w, " ");
		lua_pushlstring(L, w, n);
		lua_rawseti(L, -2, ++i);
	}
	lua_setfield(L, -2, "keys");
}

/* See nsl.h: t[p->name] = closure(p->fn, p), and its declaration in
 * t._options (arg 0 and no keys when it takes no options). */
void nsl_register_one(lua_State *L, const struct nsl_prim *p)
{
	lua_pushlightuserdata(L, (void *)p);
	lua_pushcclosure(L, p->fn, 1);
	lua_setfield(L, 1, p->name);
	if (lua_getfield(L, 1, OPTIONS_FIELD) != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_setfield(L, 1, OPTIONS_FIELD);
	}
	push_decl(L, p);
	lua_setfield(L, -2, p->name);
	lua_pop(L, 1);
}

/* See nsl.h: every entry up to the one with a NULL name. */
void nsl_register(lua_State *L, const struct nsl_prim *prims)
{
	for (; prims->name; prims++)
		nsl_register_one(L, prims);
}

/* See nsl.h: the entry of the running primitive (its upvalue 1). */
const struct nsl_prim *nsl_self(lua_State *L)
{
	return lua_touserdata(L, lua_upvalueindex(1));
}
