/*
 * record.c - the run's record as Lua sees it (the file itself, without
 * Lua, is base/record.c), its failures as errors, and the end of a run.
 *
 * The end of a run (nsl_run_end): a run that failed (an uncaught error,
 * a signal, os.exit with a failure) first rolls back what its record
 * still names (lua/nsl/record.lua: rollback), then the state is closed;
 * a run that ended well takes its topologies and handles down (finish)
 * and keeps what bare primitives made.  Either way the record is then
 * closed and removed (kept when a rollback could not remove everything,
 * or, at a good end, naming only what a teardown left, so that --clean
 * can).  Signals are blocked for all
 * of it: the cleanup runs to its end, and the signal is delivered after.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nsl.h"

static int torn;		/* teardowns that failed with no caller to tell */
static int host_ends;		/* the nsl binary ends the run (nsl_run_end) */

/* See nsl.h. */
int nsl_rec_fail(lua_State *L, const char *prim, const char *obj, int err)
{
	const char *hint = "";

	if (err == EACCES || err == EPERM || err == EROFS)
		hint = " (nsl needs root here: run it as root, or inside a user "
		       "and mount namespace of its own, e.g. unshare -rm, where "
		       "it is root)";
	return nsl_fail(L, prim, obj, err, "cannot keep the run's record in %s: %s%s",
			nsl_rec_dir(), strerror(err), hint);
}

/* _record(): pushes the path of this run's record and its id, or nil and
 * the id while nothing was recorded yet. */
static int l_record(lua_State *L)
{
	lua_pushstring(L, nsl_rec_path());	/* nil while not open */
	lua_pushstring(L, nsl_rec_id());
	return 2;
}

/* _record_seq(): pushes how many objects this run has recorded so far,
 * so that Lua can tell whether a call that raised had made something. */
static int l_record_seq(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)nsl_rec_seq());
	return 1;
}

/* _record_mark(): pushes how many + lines the record has so far: what
 * lua/nsl/record.lua's replay numbers its entries by (made), so a span
 * of the record can be named by two marks. */
static int l_record_mark(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)nsl_rec_mark());
	return 1;
}

/* _record_dir(): pushes the directory of the records (NSL_RUN_DIR). */
static int l_record_dir(lua_State *L)
{
	lua_pushstring(L, nsl_rec_dir());
	return 1;
}

/* Runs require("nsl.record")[fn]() under pcall ("rollback" or
 * "finish"); returns how many objects are left for --clean (fail when it
 * failed itself). */
static int call_record(lua_State *L, const char *fn, int fail)
{
	int left = fail;

	lua_getglobal(L, "require");
	lua_pushliteral(L, "nsl.record");
	if (lua_pcall(L, 1, 1, 0) == LUA_OK) {
		lua_getfield(L, -1, fn);
		if (lua_pcall(L, 0, 1, 0) == LUA_OK)
			left = (int)lua_tointeger(L, -1);
		else
			fprintf(stderr, "nsl: %s: %s\n", fn, luaL_tolstring(L, -1, NULL));
	}
	lua_settop(L, 0);
	return left;
}

/* _record_release(lines): appends "-all" and lines (the + and = lines
 * of what a teardown left, from the record itself) in one write: the run
 * lets go of everything else (lua/nsl/record.lua: finish). */
static int l_record_release(lua_State *L)
{
	size_t len;
	const char *lines = luaL_checklstring(L, 1, &len);
	int err = nsl_rec_release(lines, len);

	if (err)
		return nsl_rec_fail(L, "record", nsl_rec_path(), -err);
	return 0;
}

/* _teardown_failed(): counts a teardown that failed where no caller
 * could catch it (a __close, a __gc, the end of the run; the Lua library
 * has said what on stderr): the run's exit status then says so. */
static int l_teardown_failed(lua_State *L)
{
	(void)L;
	torn++;
	return 0;
}

/* See nsl.h. */
int nsl_run_end(lua_State *L, int failed)
{
	sigset_t set, old;
	sig_atomic_t sig;
	int left = 0;

	host_ends = 1;
	nsl_signals_set(&set);
	sigprocmask(SIG_BLOCK, &set, &old);
	nsl_signals_disarm();
	sig = nsl_signal;
	nsl_signal = 0;	/* the primitives' waits must not raise it again */
	if (sig)
		failed = 1;
	if (nsl_rec_active())
		left = failed ? call_record(L, "rollback", 1) : call_record(L, "finish", 0);
	lua_close(L);
	nsl_rec_close(left);
	sigprocmask(SIG_SETMASK, &old, NULL);	/* one that came meanwhile: delivered */
	if (sig)
		nsl_signal = sig;	/* nsl dies of the first signal */
	return torn > 0;
}

/* The end of a run a stock interpreter hosts (nsl.so or the rock under
 * lua5.4, a plain busted): the __gc of a sentinel made with nsl.core, so
 * it runs as the state closes (lua5.4's normal end, os.exit(code, true)),
 * after the finalizers of everything made since (newest first).  It ends
 * the run as nsl_run_end ends a good one: topologies and handles taken
 * down, the record closed and removed unless a teardown left something
 * for nsl --clean.  In the nsl binary, nsl_run_end has done it. */
static int run_end_gc(lua_State *L)
{
	sigset_t set, old;
	int left;

	if (host_ends || !nsl_rec_active())
		return 0;
	nsl_signals_set(&set);
	sigprocmask(SIG_BLOCK, &set, &old);
	left = call_record(L, "finish", 0);
	nsl_rec_close(left);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return 0;
}

static void run_end_sentinel(lua_State *L)
{
	if (lua_getfield(L, LUA_REGISTRYINDEX, "nsl.run_end") == LUA_TNIL) {
		lua_newuserdatauv(L, 0, 0);
		lua_createtable(L, 0, 1);
		lua_pushcfunction(L, run_end_gc);
		lua_setfield(L, -2, "__gc");
		lua_setmetatable(L, -2);
		lua_setfield(L, LUA_REGISTRYINDEX, "nsl.run_end");
	}
	lua_pop(L, 1);
}

/* _record_note(sign, kind, name [, f2 [, f3]]): appends
 * "<sign><kind>\tname" (and "\tf2", "\tf3") to the run's record, for what
 * the Lua library makes, changes or sees go without a primitive that
 * records it: sign "+" or "-" and kind "nft" (a topology's own nftables
 * table), "sysctl" (a root-namespace setting nsl switched: key, the value
 * it had, the value nsl set) or "-" "link" (a veth end the kernel
 * removed with its peer's namespace: name, ns) or "log" (a service's log
 * file nsl made under the run directory: path).  Raises like the
 * primitives when the record cannot be kept (a + line: a - line that
 * cannot be written is let be). */
static int l_record_note(lua_State *L)
{
	const char *sign = luaL_checkstring(L, 1);
	const char *kind = luaL_checkstring(L, 2);
	const char *f[3];
	char line[3 * (2 * NAME_MAX + 2)];
	size_t n = 0, len;
	int i, nf = lua_gettop(L) - 2, err;

	luaL_argcheck(L, (!strcmp(sign, "+") || !strcmp(sign, "-")), 1, "\"+\" or \"-\"");
	luaL_argcheck(L, !strcmp(kind, "nft") || !strcmp(kind, "sysctl") || !strcmp(kind, "log") ||
			 (!strcmp(kind, "link") && *sign == '-'),
		      2, "\"nft\", \"sysctl\", \"log\", or \"link\" with \"-\"");
	luaL_argcheck(L, nf >= 1 && nf <= 3, 3, "one to three fields");
	for (i = 0; i < nf; i++) {
		f[i] = nsl_checkstring(L, 3 + i, "_record_note");
		luaL_argcheck(L, strlen(f[i]) <= NAME_MAX, 3 + i, "field too long");
	}
	err = nsl_rec_open();
	if (err)
		return nsl_rec_fail(L, kind, f[0], -err);
	for (i = 0; i < nf; i++) {
		line[n++] = '\t';
		nsl_rec_name(f[i], line + n, sizeof(line) - n);
		len = strlen(line + n);
		n += len;
	}
	line[n] = 0;
	err = nsl_rec_note(*sign, kind, "%s", line + 1);
	/* a - line that cannot be written leaves a + line whose object is
	 * gone: what removes it then finds nothing of the run's */
	if (err && *sign == '+')
		return nsl_rec_fail(L, kind, f[0], -err);
	if (*sign == '+')
		nsl_rec_made();
	return 0;
}

/* Adds _record, _record_seq, _record_dir and _record_note to the table
 * at index 1. */
int nsl_open_record(lua_State *L)
{
	static const struct nsl_prim prims[] = {
		{ "_record", l_record, 0, NULL },
		{ "_record_seq", l_record_seq, 0, NULL },
		{ "_record_mark", l_record_mark, 0, NULL },
		{ "_record_dir", l_record_dir, 0, NULL },
		{ "_record_note", l_record_note, 0, NULL },
		{ "_record_release", l_record_release, 0, NULL },
		{ "_teardown_failed", l_teardown_failed, 0, NULL },
		{ NULL, NULL, 0, NULL }
	};

	nsl_register(L, prims);
	run_end_sentinel(L);
	return 0;
}
