/*
 * push.c - fields of the tables primitives return: one setter per type
 * for the table on top of the stack, shared by every list and get.
 */
#include "nsl.h"

/* See nsl.h. */
void nsl_set_int(lua_State *L, const char *k, lua_Integer v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, k);
}

/* See nsl.h. */
void nsl_set_str(lua_State *L, const char *k, const char *v)
{
	lua_pushstring(L, v);
	lua_setfield(L, -2, k);
}

/* See nsl.h. */
void nsl_set_bool(lua_State *L, const char *k, int v)
{
	lua_pushboolean(L, v);
	lua_setfield(L, -2, k);
}
