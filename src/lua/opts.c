/*
 * opts.c - the one reader of every primitive's options table (the keys
 * each primitive accepts are declared where it is registered: prim.c).
 *
 * A primitive is declared once, in its file's struct nsl_prim table:
 * name, C function, the position of its options argument and the keys it
 * takes, space-separated ("ns mtu up").  Adding an option to a primitive
 * is a word on that line (and the line that reads it).  nsl_opts_begin
 * refuses a key that is not declared, suggesting the closest one:
 *
 *   link_set: unknown option 'upp' (did you mean 'up'?)
 *
 * and the typed readers refuse a wrong type, a NUL byte or a value out
 * of range, all as nsl errors (EINVAL) that begin with the primitive:
 *
 *   veth_add: option 'mtu': integer expected, got string
 *   link_set: lo: mtu must be 68 to 65535
 *
 * Strings handed to the kernel or to a path are checked for NUL bytes
 * here too (nsl_checkstring), since C would silently cut them short.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "nsl.h"

/* Is key (len bytes) one of the space-separated words of keys? */
static int has_key(const char *keys, const char *key, size_t len)
{
	const char *p = keys;

	while (p && *p) {
		size_t n = strcspn(p, " ");

		if (n == len && memcmp(p, key, len) == 0)
			return 1;
		p += n;
		p += strspn(p, " ");
	}
	return 0;
}

/* Edit distance of a and b (both short: option names), capped at 9. */
static int distance(const char *a, size_t la, const char *b, size_t lb)
{
	int row[32], i, j, prev, cur;

	if (la > 30 || lb > 30)
		return 9;
	for (j = 0; j <= (int)lb; j++)
		row[j] = j;
	for (i = 1; i <= (int)la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= (int)lb; j++) {
			cur = row[j];
			row[j] = a[i - 1] == b[j - 1] ? prev :
				 1 + (prev < row[j - 1] ?
				      (prev < row[j] ? prev : row[j]) :
				      (row[j - 1] < row[j] ? row[j - 1] : row[j]));
			prev = cur;
		}
	}
	return row[lb] > 9 ? 9 : row[lb];
}

/* Pushes the keys as "a, b, c". */
static const char *push_keys(lua_State *L, const char *keys)
{
	luaL_Buffer b;
	size_t n;

	luaL_buffinit(L, &b);
	for (keys += strspn(keys, " "); *keys; keys += n, keys += strspn(keys, " ")) {
		n = strcspn(keys, " ");
		if (luaL_bufflen(&b))
			luaL_addstring(&b, ", ");
		luaL_addlstring(&b, keys, n);
	}
	luaL_pushresult(&b);
	return lua_tostring(L, -1);
}

/* Raises "<prim>: unknown option 'key' (did you mean 'k'?)", or with the
 * list of known keys when none is close; the key is on top. */
static int unknown_key(lua_State *L, const struct nsl_prim *p)
{
	const char *keys = p->keys ? p->keys : "", *w, *best = NULL, *key = NULL;
	size_t len = 0, n, best_len = 0;
	int d, best_d = 9;

	if (lua_type(L, -1) == LUA_TSTRING)
		key = lua_tolstring(L, -1, &len);
	for (w = keys; key && *w; w += n, w += strspn(w, " ")) {
		n = strcspn(w, " ");
		d = distance(key, len, w, n);
		if (d < best_d) {
			best_d = d;
			best = w;
			best_len = n;
		}
	}
	/* close: at most 2 edits, and fewer than the key has letters */
	if (best && best_d <= 2 && (size_t)best_d < len)
		return nsl_fail(L, p->name, NULL, EINVAL,
				"unknown option '%s' (did you mean '%.*s'?)",
				key, (int)best_len, best);
	if (!key)
		key = lua_pushfstring(L, "%s", luaL_tolstring(L, -1, NULL));
	if (!*keys)
		return nsl_fail(L, p->name, NULL, EINVAL,
				"unknown option '%s' (it takes no options)", key);
	return nsl_fail(L, p->name, NULL, EINVAL,
			"unknown option '%s' (known: %s)", key, push_keys(L, keys));
}

/* See nsl.h: starts reading the options of the running primitive. */
void nsl_opts_begin(lua_State *L, struct nsl_opts *o,
		    const struct nsl_prim *p, int idx)
{
	o->L = L;
	o->p = p;
	o->obj = NULL;
	o->idx = 0;
	if (!idx)
		idx = p->opt_arg;
	if (lua_isnoneornil(L, idx))
		return;
	luaL_argexpected(L, lua_istable(L, idx), idx, "table of options");
	o->idx = lua_absindex(L, idx);
	lua_pushnil(L);
	while (lua_next(L, o->idx)) {
		size_t len;
		const char *key;

		lua_pop(L, 1);
		if (lua_type(L, -1) != LUA_TSTRING)
			unknown_key(L, p);
		key = lua_tolstring(L, -1, &len);
		if (strlen(key) != len || !has_key(p->keys, key, len))
			unknown_key(L, p);
	}
}

/* Pushes the value of key (nil without a table); returns its type.
 * Reading a key the primitive did not declare is a bug of nsl. */
static int get(struct nsl_opts *o, const char *key)
{
	if (!has_key(o->p->keys, key, strlen(key)))
		luaL_error(o->L, "%s: option '%s' read but not declared (bug)",
			   o->p->name, key);
	if (!o->idx) {
		lua_pushnil(o->L);
		return LUA_TNIL;
	}
	return lua_getfield(o->L, o->idx, key);
}

/* See nsl.h: raises "<prim>: option 'key': <want> expected, got <type>";
 * the value is on top. */
int nsl_opt_type_error(struct nsl_opts *o, const char *key, const char *want)
{
	return nsl_fail(o->L, o->p->name, NULL, EINVAL,
			"option '%s': %s expected, got %s", key, want,
			luaL_typename(o->L, -1));
}

/* See nsl.h. */
int nsl_opt_type(struct nsl_opts *o, const char *key)
{
	int t = get(o, key);

	lua_pop(o->L, 1);
	return t;
}

/* See nsl.h. */
int nsl_opt_push(struct nsl_opts *o, const char *key)
{
	return get(o, key);
}

/* See nsl.h: a string (a number is not taken), no NUL byte. */
const char *nsl_opt_str(struct nsl_opts *o, const char *key, const char *def)
{
	const char *s;
	size_t len;

	if (get(o, key) == LUA_TNIL) {
		lua_pop(o->L, 1);
		return def;
	}
	if (lua_type(o->L, -1) != LUA_TSTRING)
		nsl_opt_type_error(o, key, "string");
	s = lua_tolstring(o->L, -1, &len);	/* the table keeps it alive */
	if (strlen(s) != len)
		nsl_fail(o->L, o->p->name, NULL, EINVAL,
			 "option '%s': contains a NUL byte", key);
	lua_pop(o->L, 1);
	return s;
}

/* See nsl.h: an integer in lo..hi, or def when absent. */
lua_Integer nsl_opt_int(struct nsl_opts *o, const char *key, lua_Integer lo,
			lua_Integer hi, lua_Integer def)
{
	lua_Integer v;
	int ok;

	if (get(o, key) == LUA_TNIL) {
		lua_pop(o->L, 1);
		return def;
	}
	v = lua_tointegerx(o->L, -1, &ok);
	if (lua_type(o->L, -1) != LUA_TNUMBER || !ok)
		nsl_opt_type_error(o, key, "integer");
	lua_pop(o->L, 1);
	nsl_check_range(o->L, o->p->name, o->obj, key, v, lo, hi);
	return v;
}

/* See nsl.h: a boolean, or def when absent. */
int nsl_opt_bool(struct nsl_opts *o, const char *key, int def)
{
	int t = get(o, key), v;

	if (t == LUA_TNIL) {
		lua_pop(o->L, 1);
		return def;
	}
	if (t != LUA_TBOOLEAN)
		nsl_opt_type_error(o, key, "boolean");
	v = lua_toboolean(o->L, -1);
	lua_pop(o->L, 1);
	return v;
}

/* See nsl.h: a string or a number, its text pushed (the value itself
 * stays as it is in the table). */
const char *nsl_opt_pushtext(struct nsl_opts *o, const char *key)
{
	const char *s;
	size_t len;

	if (get(o, key) == LUA_TNIL) {
		lua_pop(o->L, 1);
		return NULL;
	}
	if (!lua_isstring(o->L, -1))
		nsl_opt_type_error(o, key, "string");
	s = lua_tolstring(o->L, -1, &len);
	if (strlen(s) != len)
		nsl_fail(o->L, o->p->name, NULL, EINVAL,
			 "option '%s': contains a NUL byte", key);
	return s;
}

/* See nsl.h. */
int nsl_opt_declared(struct nsl_opts *o, const char *key)
{
	return has_key(o->p->keys, key, strlen(key));
}

/* See nsl.h: "<prim>: <message>". */
int nsl_opt_fail(struct nsl_opts *o, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return nsl_fail(o->L, o->p->name, NULL, EINVAL, "%s", msg);
}

/* See nsl.h: a table of fields read as options, its keys not checked. */
void nsl_opts_fields(lua_State *L, struct nsl_opts *o,
		     const struct nsl_prim *p, int idx)
{
	o->L = L;
	o->p = p;
	o->obj = NULL;
	o->idx = lua_absindex(L, idx);
}

/* See nsl.h: finite and not below zero (NaN fails the comparison). */
int nsl_seconds_ok(double v)
{
	return v >= 0 && v < HUGE_VAL;
}

/* See nsl.h: a number of seconds at idx, def when absent or nil. */
double nsl_check_seconds(lua_State *L, int idx, double def)
{
	double v;

	if (lua_isnoneornil(L, idx))
		return def;
	v = luaL_checknumber(L, idx);
	luaL_argcheck(L, nsl_seconds_ok(v), idx, NSL_SECONDS_WANTED);
	return v;
}

/* See nsl.h: option key as a number of seconds, def when absent. */
double nsl_opt_seconds(struct nsl_opts *o, const char *key, double def)
{
	double v;

	if (get(o, key) == LUA_TNIL) {
		lua_pop(o->L, 1);
		return def;
	}
	if (lua_type(o->L, -1) != LUA_TNUMBER)
		nsl_opt_type_error(o, key, "number of seconds");
	v = lua_tonumber(o->L, -1);
	lua_pop(o->L, 1);
	if (!nsl_seconds_ok(v))
		nsl_fail(o->L, o->p->name, o->obj, EINVAL, "option '%s': %s", key,
			 NSL_SECONDS_WANTED);
	return v;
}

/* See nsl.h: one shape for every range error. */
void nsl_check_range(lua_State *L, const char *prim, const char *obj,
		     const char *what, lua_Integer v, lua_Integer lo,
		     lua_Integer hi)
{
	if (v < lo || v > hi)
		nsl_fail(L, prim, obj, EINVAL, "%s must be %lld to %lld", what,
			 (long long)lo, (long long)hi);
}

/* Pushes s (len bytes) with each NUL byte written \0, for messages. */
static const char *push_shown(lua_State *L, const char *s, size_t len)
{
	luaL_Buffer b;
	size_t i;

	luaL_buffinit(L, &b);
	for (i = 0; i < len && i < 64; i++) {
		if (s[i])
			luaL_addchar(&b, s[i]);
		else
			luaL_addstring(&b, "\\0");
	}
	if (len > 64)
		luaL_addstring(&b, "...");
	luaL_pushresult(&b);
	return lua_tostring(L, -1);
}

/* See nsl.h: luaL_checkstring that refuses NUL bytes. */
const char *nsl_checkstring(lua_State *L, int idx, const char *prim)
{
	size_t len;
	const char *s = luaL_checklstring(L, idx, &len);

	if (strlen(s) != len)
		nsl_fail(L, prim, push_shown(L, s, len), EINVAL,
			 "contains a NUL byte");
	return s;
}
