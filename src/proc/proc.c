/*
 * proc.c - handles on the processes nsl starts ("nsl.process").
 *
 * A handle owns a pidfd, the parent ends of the child's pipes and what
 * was read from them.  One pump (poll on the pidfd and the pipes) serves
 * foreground runs, wait(), output() and write().  A child is only reaped
 * through its handle, so its pid cannot be reused while the handle still
 * signals it; killing targets its process group (it leads one), so what a
 * shell command started goes too.
 *
 * The pipes, signals and reaping are procio.c's.
 *
 * Nothing outlives the script: every live handle is on one list, and a
 * sentinel kept in the registry (so collected only by lua_close) stops
 * them all at once: SIGTERM to each, one shared grace period, SIGKILL to
 * what is left, reap.  lua_close calls finalizers newest first, so a new
 * sentinel is made after each start and runs before the handles' own
 * __gc.  A background process runs until its handle is closed (or its
 * scope ends, for a <close> one) or the run ends, whether the script
 * keeps its handle or not: the registry anchors the handle of every
 * background process until it is closed or seen to have ended, so a
 * garbage collection never stops a server a script started and dropped
 * (as `ns_exec(..., { background = true })` without a variable).
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"

#define PROC_META "nsl.process"
#define SENTINEL_META "nsl.process.sentinel"
#define SENTINEL_KEY "nsl.process.live"
#define ANCHOR_KEY "nsl.process.anchor"

/* The handle at idx; raises a Lua argument error for anything else. */
static struct proc *check_proc(lua_State *L, int idx)
{
	return luaL_checkudata(L, idx, PROC_META);
}

/* A new sentinel replaces the registry's; the old one is disarmed. */
static void renew_sentinel(lua_State *L)
{
	int *armed;

	if (lua_getfield(L, LUA_REGISTRYINDEX, SENTINEL_KEY) == LUA_TUSERDATA)
		*(int *)lua_touserdata(L, -1) = 0;
	lua_pop(L, 1);
	armed = lua_newuserdatauv(L, sizeof(int), 0);
	*armed = 1;
	luaL_setmetatable(L, SENTINEL_META);
	lua_setfield(L, LUA_REGISTRYINDEX, SENTINEL_KEY);
}

/* __gc of the sentinel: only the current one acts (at lua_close). */
static int sentinel_gc(lua_State *L)
{
	int *armed = lua_touserdata(L, 1);

	if (armed && *armed) {
		*armed = 0;
		proc_stop_all();
	}
	return 0;
}

/* The registry's table of anchored handles ({ [handle] = true }),
 * pushed; made on first use. */
static void push_anchors(lua_State *L)
{
	if (lua_getfield(L, LUA_REGISTRYINDEX, ANCHOR_KEY) == LUA_TTABLE)
		return;
	lua_pop(L, 1);
	lua_newtable(L);
	lua_pushvalue(L, -1);
	lua_setfield(L, LUA_REGISTRYINDEX, ANCHOR_KEY);
}

/* Drops the anchors of handles whose process has ended (and was reaped):
 * the script may still hold them for wait(), nothing else needs them. */
static void sweep_anchors(lua_State *L)
{
	push_anchors(L);
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		struct proc *p = lua_touserdata(L, -2);

		lua_pop(L, 1);
		if (p && p->exited) {
			lua_pushvalue(L, -1);
			lua_pushnil(L);
			lua_rawset(L, -4);	/* clearing a field during next is allowed */
		}
	}
	lua_pop(L, 1);
}

/* See exec.h: anchors the handle at idx until it is closed or ends. */
void nsl_proc_anchor(lua_State *L, int idx)
{
	idx = lua_absindex(L, idx);
	sweep_anchors(L);
	push_anchors(L);
	lua_pushvalue(L, idx);
	lua_pushboolean(L, 1);
	lua_rawset(L, -3);
	lua_pop(L, 1);
}

/* Lets go of the handle at idx (closed). */
static void unanchor(lua_State *L, int idx)
{
	idx = lua_absindex(L, idx);
	if (lua_getfield(L, LUA_REGISTRYINDEX, ANCHOR_KEY) == LUA_TTABLE) {
		lua_pushvalue(L, idx);
		lua_pushnil(L);
		lua_rawset(L, -3);
	}
	lua_pop(L, 1);
}

/* See launch.h: pushes the handle (never raises but for memory). */
struct proc *nsl_proc_push(lua_State *L, pid_t pid, int pidfd, int in_fd,
			   const char *in_data, size_t in_len, int out_fd,
			   int err_fd, int pgrp, double grace)
{
	struct proc *p = lua_newuserdatauv(L, sizeof(*p), 1);

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->pidfd = pidfd;
	p->pgrp = pgrp;
	p->in_fd = in_fd;
	p->out_fd[0] = out_fd;
	p->out_fd[1] = err_fd;
	p->captured = out_fd >= 0;
	p->grace = grace;
	if (in_data && in_len) {
		p->in_data = malloc(in_len);
		if (p->in_data) {
			memcpy(p->in_data, in_data, in_len);
			p->in_len = in_len;
		}
	}
	if (in_fd >= 0 && !in_data)
		p->in_keep = 1;		/* stdin = true: h:write() feeds it */
	else if (in_fd >= 0 && !p->in_data)
		proc_close_fd(&p->in_fd);	/* empty stdin: EOF at once */
	proc_reap_finished();	/* the others: no zombie lingers till the end */
	proc_track(p);
	luaL_setmetatable(L, PROC_META);
	renew_sentinel(L);
	proc_feed(p);
	return p;
}

/* Pushes the result table of an ended process, the handle being at idx:
 * { ok, code | signal, timed_out, pid, stdout, stderr }.  Kept as the
 * handle's user value, so every wait() returns the same table. */
static void push_result(lua_State *L, struct proc *p, int idx)
{
	idx = lua_absindex(L, idx);
	if (lua_getiuservalue(L, idx, 1) == LUA_TTABLE)
		return;
	lua_pop(L, 1);
	lua_createtable(L, 0, 6);
	lua_pushboolean(L, !p->sig && p->code == 0 && !p->timed_out);
	lua_setfield(L, -2, "ok");
	if (p->sig) {
		if (p->sig < nsl_nsignames && nsl_signames[p->sig])
			lua_pushstring(L, nsl_signames[p->sig]);
		else
			lua_pushinteger(L, p->sig);
		lua_setfield(L, -2, "signal");
	} else {
		lua_pushinteger(L, p->code);
		lua_setfield(L, -2, "code");
	}
	if (p->timed_out) {
		lua_pushboolean(L, 1);
		lua_setfield(L, -2, "timed_out");
	}
	lua_pushinteger(L, p->pid);
	lua_setfield(L, -2, "pid");
	if (p->captured) {
		lua_pushlstring(L, p->out[0].data ? p->out[0].data : "", p->out[0].len);
		lua_setfield(L, -2, "stdout");
		lua_pushlstring(L, p->out[1].data ? p->out[1].data : "", p->out[1].len);
		lua_setfield(L, -2, "stderr");
	}
	lua_pushvalue(L, -1);
	lua_setiuservalue(L, idx, 1);
}

/* See launch.h: the handle is on top; pushes the result table above it. */
void nsl_proc_finish(lua_State *L, struct proc *p, double timeout)
{
	int idx = lua_gettop(L);	/* the handle: nsl_proc_push left it */

	if (!proc_wait_until(L, p, timeout >= 0 ? nsl_mono() + timeout : -1, 1)) {
		p->timed_out = 1;
		proc_signal(p, SIGKILL);
		proc_reap(p, 1);
		proc_drain(p, 0);
		proc_drain(p, 1);
	}
	proc_release(p);
	push_result(L, p, idx);
	proc_free_output(p);
}

/* h:wait([timeout]): the result table once the process has ended (the
 * same table on every call); nil when timeout seconds pass first.
 * Ctrl-C/SIGTERM interrupt it (the process keeps running). */
static int l_wait(lua_State *L)
{
	struct proc *p = check_proc(L, 1);
	double timeout = nsl_check_seconds(L, 2, -1);

	if (!proc_wait_until(L, p, timeout < 0 ? -1 : nsl_mono() + timeout, 0)) {
		lua_pushnil(L);
		return 1;
	}
	push_result(L, p, 1);
	return 1;
}

/* Signal by name ("TERM", "SIGKILL") or number; raises on others. */
static int check_signal_arg(lua_State *L, int idx)
{
	const char *name;
	int sig;

	if (lua_isnoneornil(L, idx))
		return SIGTERM;
	if (lua_type(L, idx) == LUA_TNUMBER) {
		lua_Integer n = luaL_checkinteger(L, idx);

		luaL_argcheck(L, n > 0 && n < NSIG, idx, "no such signal");
		return (int)n;
	}
	name = luaL_checkstring(L, idx);
	sig = nsl_signum(name);
	if (sig)
		return sig;
	if (strncmp(name, "SIG", 3) == 0)
		name += 3;
	return luaL_argerror(L, idx, lua_pushfstring(L, "unknown signal '%s'", name));
}

/* h:kill([signal]): sends it (default TERM) to the process and its group;
 * true if it was still running, false if it had already ended. */
static int l_kill(lua_State *L)
{
	struct proc *p = check_proc(L, 1);
	int sig = check_signal_arg(L, 2);

	proc_reap(p, 0);
	lua_pushboolean(L, !p->exited);
	proc_signal(p, sig);
	return 1;
}

/* h:running(): true until the process has ended. */
static int l_running(lua_State *L)
{
	struct proc *p = check_proc(L, 1);

	if (!p->exited)
		proc_pump(p, 0);
	lua_pushboolean(L, !p->exited);
	return 1;
}

/* h:output(): stdout and stderr captured so far (capture = true);
 * raises when output was not captured. */
static int l_output(lua_State *L)
{
	struct proc *p = check_proc(L, 1);
	int i;

	if (!p->captured)
		return nsl_fail(L, "output", NULL, 0, "output was not captured (capture = true)");
	if (!p->exited)
		proc_pump(p, 0);
	for (i = 0; i < 2; i++)
		lua_pushlstring(L, p->out[i].data ? p->out[i].data : "", p->out[i].len);
	return 2;
}

/* h:write(data): queues data for the process's stdin (stdin = true)
 * and writes what the pipe takes now; returns the handle.  Raises when
 * its stdin is closed (close_stdin, close, or it was not a pipe). */
static int l_write(lua_State *L)
{
	struct proc *p = check_proc(L, 1);
	size_t len, left;
	const char *s = luaL_checklstring(L, 2, &len);
	char *d;

	if (p->in_fd < 0 || !p->in_keep)
		return nsl_fail(L, "write", lua_pushfstring(L, "process %d", (int)p->pid),
				EPIPE, "stdin is closed");
	left = p->in_len - p->in_off;
	d = malloc(left + len + 1);
	if (!d)
		return nsl_fail(L, "write", NULL, ENOMEM, NULL);
	if (left)
		memcpy(d, p->in_data + p->in_off, left);
	memcpy(d + left, s, len);
	free(p->in_data);
	p->in_data = d;
	p->in_off = 0;
	p->in_len = left + len;
	proc_feed(p);
	lua_settop(L, 1);
	return 1;
}

/* h:close_stdin(): the process reads end of file once the queue is
 * written (by wait() or output()).  Returns the handle. */
static int l_close_stdin(lua_State *L)
{
	struct proc *p = check_proc(L, 1);

	p->in_keep = 0;
	if (!p->in_data)
		proc_close_fd(&p->in_fd);
	else
		proc_feed(p);
	lua_settop(L, 1);
	return 1;
}

/* h:close(), __close, __gc: stops the process (TERM, grace, KILL) and
 * frees the handle's resources; wait() still gives the result. */
static int l_close(lua_State *L)
{
	struct proc *p = check_proc(L, 1);

	unanchor(L, 1);
	proc_release(p);
	if (p->exited)
		push_result(L, p, 1);	/* wait() after close still answers */
	proc_free_output(p);
	return 0;
}

/* __tostring: "process 123 (running)", "(exited 0)", "(killed by TERM)". */
static int l_tostring(lua_State *L)
{
	struct proc *p = check_proc(L, 1);

	if (!p->exited)
		proc_reap(p, 0);
	if (!p->exited)
		lua_pushfstring(L, "process %d (running)", (int)p->pid);
	else if (p->sig)
		lua_pushfstring(L, "process %d (killed by %s)", (int)p->pid,
				p->sig < nsl_nsignames && nsl_signames[p->sig] ? nsl_signames[p->sig] : "?");
	else
		lua_pushfstring(L, "process %d (exited %d)", (int)p->pid, p->code);
	return 1;
}

/* See exec.h.  EINTR or a pending nsl signal: nsl_check_signal. */
int proc_wait_until(lua_State *L, struct proc *p, double deadline,
		      int stop_on_signal)
{
	sigset_t sigs, old;

	nsl_signals_set(&sigs);
	while (!p->exited) {
		int ms = -1, r;

		if (deadline >= 0) {
			double left = deadline - nsl_mono();

			if (left <= 0)
				return 0;
			ms = (int)ceil(left * 1000);
		}
		sigprocmask(SIG_BLOCK, &sigs, &old);
		r = nsl_signal ? -1 : proc_pump_mask(p, ms, &old);
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (r < 0 || nsl_signal) {
			if (nsl_signal && stop_on_signal)
				proc_stop(p);
			nsl_check_signal(L);
		}
	}
	return 1;
}

static const luaL_Reg proc_methods[] = {
	{ "wait", l_wait },
	{ "kill", l_kill },
	{ "running", l_running },
	{ "output", l_output },
	{ "write", l_write },
	{ "close_stdin", l_close_stdin },
	{ "close", l_close },
	{ NULL, NULL }
};

/* __index: h.pid, else a method. */
static int l_index(lua_State *L)
{
	struct proc *p = check_proc(L, 1);
	const char *key = lua_tostring(L, 2);

	if (key && strcmp(key, "pid") == 0) {
		lua_pushinteger(L, p->pid);
		return 1;
	}
	lua_pushvalue(L, 2);
	lua_rawget(L, lua_upvalueindex(1));
	return 1;
}

/* Registers the handle's metatable and the sentinel's; no globals. */
int nsl_open_proc(lua_State *L)
{
	nsl_handle_meta(L, PROC_META, proc_methods, l_index, l_close, l_tostring);
	if (luaL_newmetatable(L, SENTINEL_META)) {
		lua_pushcfunction(L, sentinel_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_pop(L, 1);
	return 0;
}
