/*
 * json.c - _json_encode(value) and _json_decode(text), under nsl.json
 * (lua/nsl/json.lua), and nsl_push_json, the one JSON-to-Lua converter
 * (nft_list's too).
 *
 * Decoding is jansson's (libnftables is built on it, so nsl links it
 * already): integers stay integers up to 2^63 both ways, reals stay
 * reals, nothing is loaded from the file system at run time.  Encoding
 * is written here: jansson prints every real with 17 digits (0.1 as
 * 0.10000000000000001) and refuses a string that is not UTF-8, where nsl
 * wants the shortest text that reads back as the same double, and a
 * process's output encoded whatever bytes it holds.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nsl.h"

/* Deeper than this is refused: both ways, a cycle or a forged document
 * never runs the C stack out. */
#define JSON_MAX_DEPTH 200

static void push_value(lua_State *L, json_t *v, int nulls, int depth)
{
	luaL_checkstack(L, 4, "JSON nested too deeply");
	if (depth > JSON_MAX_DEPTH)
		luaL_error(L, "JSON nested deeper than %d", JSON_MAX_DEPTH);
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *x;

		lua_createtable(L, 0, (int)json_object_size(v));
		json_object_foreach(v, k, x) {
			push_value(L, x, nulls, depth + 1);
			lua_setfield(L, -2, k);
		}
		break;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *x;

		lua_createtable(L, (int)json_array_size(v), 0);
		json_array_foreach(v, i, x) {
			push_value(L, x, nulls, depth + 1);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		break;
	}
	case JSON_STRING:
		lua_pushlstring(L, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		lua_pushinteger(L, (lua_Integer)json_integer_value(v));
		break;
	case JSON_REAL:
		lua_pushnumber(L, json_real_value(v));
		break;
	case JSON_TRUE:
		lua_pushboolean(L, 1);
		break;
	case JSON_FALSE:
		lua_pushboolean(L, 0);
		break;
	default:
		if (nulls)
			lua_pushlightuserdata(L, NULL);
		else
			lua_pushnil(L);
	}
}

/* Under lua_pcall: push_value(doc, nulls), from light userdata. */
static int push_doc(lua_State *L)
{
	push_value(L, lua_touserdata(L, 1), lua_toboolean(L, 2), 0);
	return 1;
}

void nsl_push_json(lua_State *L, json_t *doc, int nulls)
{
	int status;

	lua_pushcfunction(L, push_doc);
	lua_pushlightuserdata(L, doc);
	lua_pushboolean(L, nulls);
	status = lua_pcall(L, 2, 1, 0);
	json_decref(doc);
	if (status != LUA_OK)
		lua_error(L);
}

/* The length of the UTF-8 sequence at s (at most n bytes), or 0 when it
 * is not one (overlong forms, surrogates and code points past U+10FFFF
 * included). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned int c = s[0], cp, min;
	size_t len, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* The text being encoded: malloc'd, so that a Lua error never leaves a
 * half-used luaL_Buffer; errors are kept in err and raised at the end. */
struct out {
	char *p;
	size_t len, cap;
	char err[128];
};

static void add(struct out *o, const char *s, size_t n)
{
	if (o->err[0])
		return;
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 256;
		char *p;

		while (cap < o->len + n + 1)
			cap *= 2;
		p = realloc(o->p, cap);
		if (p == NULL) {
			snprintf(o->err, sizeof(o->err), "nsl.json: not enough memory");
			return;
		}
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void adds(struct out *o, const char *s)
{
	add(o, s, strlen(s));
}

/* A JSON string: quotes, escapes, and U+FFFD for each byte that is not
 * part of a UTF-8 sequence (JSON text is Unicode). */
static void put_string(struct out *o, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, len;
	char esc[8];

	adds(o, "\"");
	while (i < n) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			add(o, esc, 2);
			i++;
		} else if (c < 0x20) {
			const char *e = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" :
				c == '\b' ? "\\b" : c == '\f' ? "\\f" : NULL;

			if (e == NULL) {
				snprintf(esc, sizeof(esc), "\\u%04x", c);
				e = esc;
			}
			adds(o, e);
			i++;
		} else if ((len = utf8_len(s + i, n - i)) == 0) {
			adds(o, "\xef\xbf\xbd");
			i++;
		} else {
			add(o, str + i, len);
			i += len;
		}
	}
	adds(o, "\"");
}

/* The shortest of %.14g .. %.17g that reads back as d; a real always
 * shows as one (a point or an exponent), so that it decodes as a real. */
static void put_real(struct out *o, double d)
{
	char text[40];
	int prec;

	if (!isfinite(d)) {
		snprintf(o->err, sizeof(o->err), "nsl.json: cannot encode %f", d);
		return;
	}
	for (prec = 14; prec <= 17; prec++) {
		snprintf(text, sizeof(text), "%.*g", prec, d);
		if (strtod(text, NULL) == d)
			break;
	}
	if (strpbrk(text, ".e") == NULL)
		strcat(text, ".0");
	adds(o, text);
}

/* The table at idx as a JSON array: a sequence 1..n (n > 0), or an empty
 * table whose metatable says __jsontype = "array".  Else an object. */
static int is_array(lua_State *L, int idx)
{
	lua_Integer n = 0;
	int yes;

	lua_pushnil(L);
	while (lua_next(L, idx)) {
		lua_pop(L, 1);
		if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1) {
			lua_pop(L, 1);
			return 0;
		}
		n++;
	}
	if (n > 0)
		return (lua_Unsigned)n == lua_rawlen(L, idx);
	if (!lua_getmetatable(L, idx))
		return 0;
	lua_getfield(L, -1, "__jsontype");
	yes = lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "array") == 0;
	lua_pop(L, 2);
	return yes;
}

static void put_value(lua_State *L, struct out *o, int idx, int depth);

static void put_table(lua_State *L, struct out *o, int idx, int depth)
{
	int first = 1;

	if (depth > JSON_MAX_DEPTH) {
		snprintf(o->err, sizeof(o->err), "nsl.json: nested deeper than %d",
			 JSON_MAX_DEPTH);
		return;
	}
	if (!lua_checkstack(L, 6)) {
		snprintf(o->err, sizeof(o->err), "nsl.json: nested too deeply");
		return;
	}
	if (is_array(L, idx)) {
		lua_Integer i, n = (lua_Integer)lua_rawlen(L, idx);

		adds(o, "[");
		for (i = 1; i <= n && !o->err[0]; i++) {
			if (i > 1)
				adds(o, ",");
			lua_rawgeti(L, idx, i);
			put_value(L, o, lua_gettop(L), depth + 1);
			lua_pop(L, 1);
		}
		adds(o, "]");
		return;
	}
	adds(o, "{");
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		size_t klen;
		const char *k;
		int kt = lua_type(L, -2);

		if ((kt != LUA_TSTRING && kt != LUA_TNUMBER) || o->err[0]) {
			lua_pop(L, 1);	/* a key JSON cannot name: dropped */
			continue;
		}
		/* a copy of the key, as text (never lua_tolstring on the key
		 * lua_next holds: it would turn a number into a string) */
		lua_pushvalue(L, -2);
		k = lua_tolstring(L, -1, &klen);
		if (!first)
			adds(o, ",");
		first = 0;
		put_string(o, k, klen);
		adds(o, ":");
		put_value(L, o, lua_gettop(L) - 1, depth + 1);
		lua_pop(L, 2);
	}
	adds(o, "}");
}

static void put_value(lua_State *L, struct out *o, int idx, int depth)
{
	char text[32];
	size_t n;
	const char *s;

	switch (lua_type(L, idx)) {
	case LUA_TNIL:
		adds(o, "null");
		return;
	case LUA_TBOOLEAN:
		adds(o, lua_toboolean(L, idx) ? "true" : "false");
		return;
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx)) {
			snprintf(text, sizeof(text), "%lld", (long long)lua_tointeger(L, idx));
			adds(o, text);
		} else {
			put_real(o, lua_tonumber(L, idx));
		}
		return;
	case LUA_TSTRING:
		s = lua_tolstring(L, idx, &n);
		put_string(o, s, n);
		return;
	case LUA_TTABLE:
		put_table(L, o, idx, depth);
		return;
	case LUA_TLIGHTUSERDATA:
		if (lua_touserdata(L, idx) == NULL) {
			adds(o, "null");
			return;
		}
		break;
	default:
		break;
	}
	if (!o->err[0])
		snprintf(o->err, sizeof(o->err), "nsl.json: cannot encode a %s",
			 luaL_typename(L, idx));
}

/* _json_encode(value): pushes its JSON text.  Tables that are sequences
 * (or empty, with a metatable whose __jsontype is "array") are arrays,
 * others objects (string and number keys; others dropped); nil and
 * _json_null are null.  Raises "nsl.json: cannot encode a function" (and
 * so on), or "nested deeper than 200" (a cycle, say). */
static int l_json_encode(lua_State *L)
{
	struct out o;

	memset(&o, 0, sizeof(o));
	lua_settop(L, 1);
	put_value(L, &o, 1, 0);
	if (o.err[0]) {
		free(o.p);
		lua_pushstring(L, o.err);
		return lua_error(L);
	}
	lua_pushlstring(L, o.p, o.len);
	free(o.p);
	return 1;
}


/* _json_decode(text): pushes the value: objects and arrays as tables,
 * integers as integers (up to 2^63 - 1 and down to -2^63), reals as
 * floats, null as _json_null.  Raises "nsl.json: <jansson's reason> at
 * line L column C" for text that is not JSON, for an integer outside
 * that range, a real beyond a double's, or nesting past 200. */
static int l_json_decode(lua_State *L)
{
	size_t n;
	const char *text = luaL_checklstring(L, 1, &n);
	json_error_t jerr;
	json_t *doc;

	doc = json_loadb(text, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (doc == NULL)
		return luaL_error(L, "nsl.json: %s at line %d column %d", jerr.text, jerr.line,
				  jerr.column);
	nsl_push_json(L, doc, 1);
	return 1;
}

/* Adds _json_encode, _json_decode and _json_null (the light userdata
 * NULL: JSON's null) to the table at index 1. */
int nsl_open_json(lua_State *L)
{
	static const struct nsl_prim prims[] = {
		{ "_json_encode", l_json_encode, 0, NULL },
		{ "_json_decode", l_json_decode, 0, NULL },
		{ NULL, NULL, 0, NULL }
	};

	nsl_register(L, prims);
	lua_pushlightuserdata(L, NULL);
	lua_setfield(L, 1, "_json_null");
	return 0;
}
