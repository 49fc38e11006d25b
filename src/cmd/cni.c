/*
 * cni.c - nsl-cni: the nsl binary entered under the name nsl-cni (a hard
 * link beside nsl) is a CNI plugin.  The plugin is Lua (nsl.cni): this
 * file only makes the state, runs nsl.cni.main() under the protected
 * call and ends the run as nsl does, rolling back what a failed verb
 * made (its exit code non-zero) and dying of a signal that stopped it.
 * A plugin never joins a rootless world: without root it says so in
 * CNI's error JSON.  Its Lua state has a memory ceiling (CNI_MEM_MAX):
 * a topology chunk that grows a string or a table without end gets
 * "not enough memory", not the host's OOM killer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

/* What the plugin's Lua state may hold: the plugin needs a few MiB (a
 * topology file is read up to 4 MiB, a store value up to 1 MiB). */
#define CNI_MEM_MAX ((size_t)256 << 20)

/* The state's allocator: the default one (lauxlib's), refusing growth
 * past CNI_MEM_MAX.  Shrinking and freeing never fail, as Lua needs. */
struct cni_mem {
	lua_Alloc alloc;
	void *ud;
	size_t used;
};

static void *cni_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct cni_mem *m = ud;
	void *p;

	if (ptr == NULL)
		osize = 0;
	if (nsize > osize && nsize - osize > CNI_MEM_MAX - m->used)
		return NULL;
	p = m->alloc(m->ud, ptr, osize, nsize);
	if (p != NULL || nsize == 0)
		m->used = m->used + nsize - osize;
	return p;
}

/* True when argv[0]'s last component starts with "nsl-cni" (nsl-cni,
 * and nsl-cni-asan beside the sanitizer build). */
int nsl_is_cni(const char *argv0)
{
	const char *base = argv0 ? strrchr(argv0, '/') : NULL;

	base = base ? base + 1 : argv0;
	return base && strncmp(base, "nsl-cni", 7) == 0;
}

/* Opens the libraries and nsl's (the primitives, not the global nsl:
 * the plugin needs its own modules only), then pushes require("nsl.cni").main()'s
 * result: the process's exit code. */
static int cni_pmain(lua_State *L)
{
	luaL_openlibs(L);
	lua_pushcfunction(L, nsl_openlibs_lean);
	lua_call(L, 0, 0);
	lua_getglobal(L, "require");
	lua_pushliteral(L, "nsl.cni");
	lua_call(L, 1, 1);
	lua_getfield(L, -1, "main");
	lua_call(L, 0, 1);
	return 1;
}

/* The plugin's main: the exit code.  An error nsl.cni could not turn
 * into CNI's JSON itself (it failed to load) is written here in that
 * shape, code 100, so the runtime still reads one. */
int nsl_cni_main(void)
{
	lua_State *L = luaL_newstate();
	static struct cni_mem mem;
	int status, code = 100;

	if (L == NULL) {
		fputs("{\"cniVersion\":\"1.1.0\",\"code\":100,"
		      "\"msg\":\"nsl-cni: not enough memory\"}\n", stdout);
		return 100;
	}
	mem.alloc = lua_getallocf(L, &mem.ud);
	mem.used = (size_t)lua_gc(L, LUA_GCCOUNT, 0) * 1024 +
		   (size_t)lua_gc(L, LUA_GCCOUNTB, 0);
	lua_setallocf(L, cni_alloc, &mem);
	lua_pushcfunction(L, cni_pmain);
	status = nsl_docall(L, 0, 1);
	if (status == LUA_OK) {
		code = (int)lua_tointeger(L, -1);
	} else {
		const char *msg = lua_tostring(L, -1);

		fprintf(stderr, "nsl-cni: %s\n", msg ? msg : "error");
		fputs("{\"cniVersion\":\"1.1.0\",\"code\":100,"
		      "\"msg\":\"nsl-cni: internal error (see stderr)\"}\n", stdout);
	}
	fflush(stdout);
	if (nsl_finish(L, code != 0) && code == 0)
		code = 100;	/* a teardown failed: said on stderr */
	return code;
}
