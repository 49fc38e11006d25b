/*
 * error.c - the one shape of every primitive's failure.
 *
 * A primitive that fails raises an error object (a table with metatable
 * "nsl.error") rather than a bare string, so scripts can read the errno:
 *
 *   local ok, err = pcall(ns_add, "a")
 *   err.errno, err.code, err.primitive, err.object, err.reason
 *   err.where  --> "script.lua:12", the caller's line outside nsl's library
 *   tostring(err)  --> "ns_add: a: File exists"
 *
 * String methods are forwarded to the message, so err:match("exists")
 * and "x" .. err work as they would on a plain string.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nsl.h"

#define ERROR_META "nsl.error"

/* errno -> its symbolic name, for err.code.  Only the ones a namespace
 * tool meets; anything else gets "E<number>". */
static const struct {
	int err;
	const char *name;
} errno_names[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" },
	{ EINTR, "EINTR" }, { EIO, "EIO" }, { E2BIG, "E2BIG" },
	{ ENOEXEC, "ENOEXEC" }, { EBADF, "EBADF" }, { ECHILD, "ECHILD" },
	{ EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" }, { EACCES, "EACCES" },
	{ EFAULT, "EFAULT" }, { EBUSY, "EBUSY" }, { EEXIST, "EEXIST" },
	{ EXDEV, "EXDEV" }, { ENODEV, "ENODEV" }, { ENOTDIR, "ENOTDIR" },
	{ EISDIR, "EISDIR" }, { EINVAL, "EINVAL" }, { ENFILE, "ENFILE" },
	{ EMFILE, "EMFILE" }, { ENOSPC, "ENOSPC" }, { EROFS, "EROFS" },
	{ ERANGE, "ERANGE" }, { ENAMETOOLONG, "ENAMETOOLONG" },
	{ ENOSYS, "ENOSYS" }, { ENOTEMPTY, "ENOTEMPTY" },
	{ EOPNOTSUPP, "EOPNOTSUPP" }, { EADDRINUSE, "EADDRINUSE" },
	{ EADDRNOTAVAIL, "EADDRNOTAVAIL" }, { ENETDOWN, "ENETDOWN" },
	{ ENETUNREACH, "ENETUNREACH" }, { ECONNREFUSED, "ECONNREFUSED" },
	{ ETIMEDOUT, "ETIMEDOUT" }, { EHOSTUNREACH, "EHOSTUNREACH" },
	{ EAFNOSUPPORT, "EAFNOSUPPORT" }, { EPROTONOSUPPORT, "EPROTONOSUPPORT" },
	{ ENOBUFS, "ENOBUFS" }, { EMSGSIZE, "EMSGSIZE" },
	{ EPIPE, "EPIPE" }, { ECONNRESET, "ECONNRESET" },
	{ ECONNABORTED, "ECONNABORTED" }, { ENOTCONN, "ENOTCONN" },
};

static const char *errno_name(int err, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (errno_names[i].err == err)
			return errno_names[i].name;
	snprintf(buf, len, "E%d", err);
	return buf;
}

static int error_tostring(lua_State *L)
{
	lua_getfield(L, 1, "message");
	return 1;
}

/* Calls the string function in upvalue 1 with the message in place of
 * the error object: err:match(p) is err.message:match(p). */
static int error_forward(lua_State *L)
{
	if (lua_type(L, 1) == LUA_TTABLE) {
		lua_getfield(L, 1, "message");
		lua_replace(L, 1);
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

/* __index: string methods act on the message, so err:match() works. */
static int error_index(lua_State *L)
{
	const char *key = lua_tostring(L, 2);

	if (key == NULL || lua_getglobal(L, "string") != LUA_TTABLE)
		return 0;
	if (lua_getfield(L, -1, key) != LUA_TFUNCTION)
		return 0;
	lua_pushcclosure(L, error_forward, 1);
	return 1;
}

/* __concat: either side may be the error object. */
static int error_concat(lua_State *L)
{
	int i;

	for (i = 1; i <= 2; i++)
		luaL_tolstring(L, i, NULL);
	lua_concat(L, 2);
	return 1;
}

static const luaL_Reg error_meta[] = {
	{ "__tostring", error_tostring },
	{ "__index", error_index },
	{ "__concat", error_concat },
	{ NULL, NULL }
};

/* Pushes the metatable of nsl errors, made on first use (liolib's
 * createmeta; not nsl_handle_meta: an error has no __gc nor __close,
 * and its __index is a function, not a method table). */
static void push_meta(lua_State *L)
{
	if (luaL_newmetatable(L, ERROR_META))
		luaL_setfuncs(L, error_meta, 0);
}

/* See nsl.h: is chunk (a Lua source name) part of nsl's own Lua library,
 * compiled in ("@embedded:lua/nsl/...") or loaded from NSL_LUA_DIR? */
int nsl_library_chunk(const char *chunk)
{
	const char *dir = getenv("NSL_LUA_DIR");
	size_t n;

	if (!strncmp(chunk, "@embedded:", 10))
		return 1;
	if (dir && *dir && chunk[0] == '@') {
		n = strlen(dir);
		return !strncmp(chunk + 1, dir, n);
	}
	return 0;
}

/* See nsl.h: pushes "file:line" of the innermost Lua function outside
 * nsl's library that leads to this call (the user's script or spec
 * line), or nil. */
void nsl_push_where(lua_State *L)
{
	lua_Debug ar;
	int level;

	for (level = 1; lua_getstack(L, level, &ar); level++) {
		if (!lua_getinfo(L, "Sl", &ar) || ar.currentline <= 0)
			continue;
		if (nsl_library_chunk(ar.source))
			continue;
		lua_pushfstring(L, "%s:%d", ar.short_src, ar.currentline);
		return;
	}
	lua_pushnil(L);
}

/* The hint added to a refusal for want of privilege, when nsl does not
 * run as root (in its user namespace): what is wrong, and how to get the
 * right. */
#define PRIV_HINT "(run as root, or rootless: nsl --rootless, or in a user namespace: unshare -rn)"

void nsl_push_error(lua_State *L, const char *primitive, const char *object,
		    int err, const char *reason)
{
	char buf[16], hinted[600];

	if (reason == NULL)
		reason = strerror(err);
	if ((err == EPERM || err == EACCES) && geteuid() != 0 &&
	    !strstr(reason, PRIV_HINT)) {
		snprintf(hinted, sizeof(hinted), "%s " PRIV_HINT, reason);
		reason = hinted;
	}
	lua_createtable(L, 0, 7);
	nsl_push_where(L);
	lua_setfield(L, -2, "where");
	lua_pushstring(L, primitive);
	lua_setfield(L, -2, "primitive");
	if (object) {
		lua_pushstring(L, object);
		lua_setfield(L, -2, "object");
	}
	lua_pushstring(L, reason);
	lua_setfield(L, -2, "reason");
	if (err) {
		lua_pushinteger(L, err);
		lua_setfield(L, -2, "errno");
		lua_pushstring(L, errno_name(err, buf, sizeof(buf)));
		lua_setfield(L, -2, "code");
	}
	if (object)
		lua_pushfstring(L, "%s: %s: %s", primitive, object, reason);
	else
		lua_pushfstring(L, "%s: %s", primitive, reason);
	lua_setfield(L, -2, "message");
	push_meta(L);
	lua_setmetatable(L, -2);
}

int nsl_fail(lua_State *L, const char *primitive, const char *object,
	     int err, const char *fmt, ...)
{
	char reason[512];

	if (fmt) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(reason, sizeof(reason), fmt, ap);
		va_end(ap);
	}
	nsl_push_error(L, primitive, object, err, fmt ? reason : NULL);
	return lua_error(L);
}

/* _fail(primitive, object, reason [, errno]): raises the same error object
 * from Lua, for the Lua library (exposed there as nsl.fail). */
static int l_fail(lua_State *L)
{
	const char *primitive = luaL_checkstring(L, 1);
	const char *object = luaL_optstring(L, 2, NULL);
	const char *reason = luaL_optstring(L, 3, NULL);
	int err = (int)luaL_optinteger(L, 4, 0);

	if (reason == NULL && err == 0)
		reason = "failed";
	nsl_push_error(L, primitive, object, err, reason);
	return lua_error(L);
}

/* Adds _fail and errno (the errno values by name) to the table at
 * index 1. */
int nsl_open_error(lua_State *L)
{
	size_t i, n = sizeof(errno_names) / sizeof(errno_names[0]);
	static const struct nsl_prim prims[] = {
		{ "_fail", l_fail, 0, NULL },
		{ NULL, NULL, 0, NULL }
	};

	nsl_register(L, prims);
	/* errno = { EEXIST = 17, ... }: Lua names errors, never numbers */
	lua_createtable(L, 0, (int)n);
	for (i = 0; i < n; i++) {
		lua_pushinteger(L, errno_names[i].err);
		lua_setfield(L, -2, errno_names[i].name);
	}
	lua_setfield(L, 1, "errno");
	return 0;
}
