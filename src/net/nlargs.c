/*
 * nlargs.c - checking what scripts pass to the network primitives: names
 * of namespaces and links, option tables, CIDRs.  Mistakes are refused
 * here, before any request, with a message that says what is wrong.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <string.h>

#include "nl.h"

/* See nl.h: raises "<prim>: <name>: ..." unless ip would take name. */
void nl_check_nsname(lua_State *L, const char *prim, const char *name)
{
	size_t len = strlen(name);

	if (len == 0)
		nsl_fail(L, prim, name, EINVAL, "empty namespace name");
	if (len > NAME_MAX)
		nsl_fail(L, prim, name, ENAMETOOLONG,
			 "namespace name longer than %d bytes", NAME_MAX);
	if (strchr(name, '/'))
		nsl_fail(L, prim, name, EINVAL,
			 "namespace name may not contain '/'");
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		nsl_fail(L, prim, name, EINVAL,
			 "namespace name may not be '.' or '..'");
}

/* See nl.h: raises "<prim>: <name>: ..." unless the kernel would take it. */
void nl_check_ifname(lua_State *L, const char *prim, const char *name)
{
	size_t len = strlen(name), i;

	if (len == 0)
		nsl_fail(L, prim, name, EINVAL, "empty interface name");
	if (len >= IF_NAMESIZE)
		nsl_fail(L, prim, name, EINVAL,
			 "interface name longer than %d bytes", IF_NAMESIZE - 1);
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		nsl_fail(L, prim, name, EINVAL,
			 "interface name may not be '.' or '..'");
	for (i = 0; i < len; i++)
		if (name[i] == '/' || name[i] == ':' || name[i] <= ' ')
			nsl_fail(L, prim, name, EINVAL,
				 "interface name may not contain '/', ':' or white space");
}

/* Pushes field of the options table at idx (nil when idx is no table);
 * returns its type. */
static int get_opt(lua_State *L, int idx, const char *field)
{
	if (lua_type(L, idx) != LUA_TTABLE) {
		lua_pushnil(L);
		return LUA_TNIL;
	}
	return lua_getfield(L, idx, field);
}

/* See nl.h: the Lua type of an option; the stack is unchanged. */
int nl_opt_type(lua_State *L, int idx, const char *field)
{
	int t = get_opt(L, idx, field);

	lua_pop(L, 1);
	return t;
}

/* Raises "bad argument #idx (option 'field': <want> expected, got <type>)";
 * the value is on top of the stack. */
static int opt_error(lua_State *L, int idx, const char *field,
		     const char *want)
{
	return luaL_argerror(L, idx, lua_pushfstring(L,
		"option '%s': %s expected, got %s", field, want,
		luaL_typename(L, -1)));
}

/* See nl.h: a string option or def; argument error on another type. */
const char *nl_opt_str(lua_State *L, int idx, const char *field,
		       const char *def)
{
	const char *s;
	int t = get_opt(L, idx, field);

	if (t == LUA_TNIL) {
		lua_pop(L, 1);
		return def;
	}
	if (t != LUA_TSTRING)
		opt_error(L, idx, field, "string");
	s = lua_tostring(L, -1);	/* the table keeps it alive */
	lua_pop(L, 1);
	return s;
}

/* See nl.h: an integer option or def; argument error on another type. */
lua_Integer nl_opt_int(lua_State *L, int idx, const char *field,
		       lua_Integer def)
{
	lua_Integer v;
	int t = get_opt(L, idx, field), ok;

	if (t == LUA_TNIL) {
		lua_pop(L, 1);
		return def;
	}
	v = lua_tointegerx(L, -1, &ok);
	if (t != LUA_TNUMBER || !ok)
		opt_error(L, idx, field, "integer");
	lua_pop(L, 1);
	return v;
}

/* See nl.h: a boolean option or def; argument error on another type. */
int nl_opt_bool(lua_State *L, int idx, const char *field, int def)
{
	int t = get_opt(L, idx, field), v;

	if (t == LUA_TNIL) {
		lua_pop(L, 1);
		return def;
	}
	if (t != LUA_TBOOLEAN)
		opt_error(L, idx, field, "boolean");
	v = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return v;
}

/* See nl.h: argument error unless argument idx is a table or nil. */
void nl_check_opts(lua_State *L, int idx)
{
	luaL_argexpected(L, lua_isnoneornil(L, idx) || lua_istable(L, idx),
			 idx, "table of options");
}

/* See nl.h: "addr[/prefix]" to bytes; 0 or -1 with why. No Lua. */
int nl_parse_cidr(const char *s, int *family, unsigned char addr[16],
		  int *prefix, const char **why)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/'), *p;
	size_t hlen = slash ? (size_t)(slash - s) : strlen(s);
	int max;

	*why = "not an IPv4 or IPv6 address";
	if (hlen >= sizeof(host))
		return -1;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, addr) == 1)
		*family = AF_INET, max = 32;
	else if (inet_pton(AF_INET6, host, addr) == 1)
		*family = AF_INET6, max = 128;
	else
		return -1;
	*prefix = max;
	if (!slash)
		return 0;
	*why = *family == AF_INET ? "prefix length must be 0 to 32" :
				    "prefix length must be 0 to 128";
	p = slash + 1;
	if (*p == '\0' || strlen(p) > 3)
		return -1;
	for (*prefix = 0; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		*prefix = *prefix * 10 + (*p - '0');
	}
	return *prefix <= max ? 0 : -1;
}
