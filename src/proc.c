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
 * Nothing outlives the script: every live handle is on one list, and a
 * sentinel kept in the registry (so collected only by lua_close) stops
 * them all at once: SIGTERM to each, one shared grace period, SIGKILL to
 * what is left, reap.  lua_close calls finalizers newest first, so a new
 * sentinel is made after each start and runs before the handles' own
 * __gc (which stops one process, for a handle dropped mid-script).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "launch.h"

#define PROC_META "nsl.process"
#define SENTINEL_META "nsl.process.sentinel"
#define SENTINEL_KEY "nsl.process.live"
#define POLL_SLICE 10	/* ms: the longest nap when a pidfd cannot tell */

struct buf {
	char *data;
	size_t len, cap;
};

struct proc {
	pid_t pid;
	int pidfd;		/* -1 once reaped */
	int pgrp;		/* signal the whole process group */
	int in_fd, out_fd[2];	/* parent ends; -1 when closed */
	char *in_data;		/* stdin still to write */
	size_t in_len, in_off;
	int in_keep;		/* stdin = true: open until close_stdin() */
	struct buf out[2];	/* captured stdout, stderr */
	int captured;
	int exited;		/* reaped: code/sig are final */
	int code, sig, timed_out;
	double grace;		/* SIGTERM -> SIGKILL when stopping */
	struct proc *next, *prev;	/* the live list */
};

static struct proc *live;

static const char *const signames[] = {
	[SIGHUP] = "HUP", [SIGINT] = "INT", [SIGQUIT] = "QUIT",
	[SIGILL] = "ILL", [SIGTRAP] = "TRAP", [SIGABRT] = "ABRT",
	[SIGBUS] = "BUS", [SIGFPE] = "FPE", [SIGKILL] = "KILL",
	[SIGUSR1] = "USR1", [SIGSEGV] = "SEGV", [SIGUSR2] = "USR2",
	[SIGPIPE] = "PIPE", [SIGALRM] = "ALRM", [SIGTERM] = "TERM",
	[SIGCHLD] = "CHLD", [SIGCONT] = "CONT", [SIGSTOP] = "STOP",
	[SIGTSTP] = "TSTP", [SIGTTIN] = "TTIN", [SIGTTOU] = "TTOU",
	[SIGURG] = "URG", [SIGXCPU] = "XCPU", [SIGXFSZ] = "XFSZ",
	[SIGVTALRM] = "VTALRM", [SIGPROF] = "PROF", [SIGWINCH] = "WINCH",
	[SIGIO] = "IO", [SIGPWR] = "PWR", [SIGSYS] = "SYS",
};
#define NSIGNAMES ((int)(sizeof(signames) / sizeof(signames[0])))

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

static void unlink_live(struct proc *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else if (live == p)
		live = p->next;
	if (p->next)
		p->next->prev = p->prev;
	p->next = p->prev = NULL;
}

/* Collects the exit status if the child has ended; 1 when reaped. */
static int reap(struct proc *p, int block)
{
	siginfo_t si;

	if (p->exited)
		return 1;
	memset(&si, 0, sizeof(si));
	while ((p->pidfd >= 0
		? waitid(P_PIDFD, (id_t)p->pidfd, &si, WEXITED | (block ? 0 : WNOHANG))
		: waitid(P_PID, (id_t)p->pid, &si, WEXITED | (block ? 0 : WNOHANG))) < 0) {
		if (errno != EINTR) {
			si.si_pid = p->pid;	/* already gone: ECHILD */
			si.si_code = CLD_KILLED;
			si.si_status = 0;
			break;
		}
	}
	if (si.si_pid == 0)
		return 0;
	p->exited = 1;
	if (si.si_code == CLD_EXITED)
		p->code = si.si_status;
	else
		p->sig = si.si_status;
	close_fd(&p->pidfd);
	unlink_live(p);
	return 1;
}

static void send_signal(struct proc *p, int sig)
{
	if (p->exited)
		return;
	/* The leader is not reaped yet, so its pid (the group's id) is ours. */
	if (p->pgrp && kill(-p->pid, sig) == 0)
		return;
	if (p->pidfd < 0)
		kill(p->pid, sig);
	else
		syscall(SYS_pidfd_send_signal, p->pidfd, sig, NULL, 0);
}

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *d;

		while (cap < b->len + n)
			cap *= 2;
		d = realloc(b->data, cap);
		if (!d)
			return;	/* out of memory: the output is cut short */
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
}

/* Reads what a pipe holds now; closes it at end of file. */
static void drain(struct proc *p, int i)
{
	char chunk[16384];
	ssize_t n;

	while (p->out_fd[i] >= 0) {
		n = read(p->out_fd[i], chunk, sizeof(chunk));
		if (n > 0) {
			buf_add(&p->out[i], chunk, (size_t)n);
			continue;
		}
		if (n < 0 && (errno == EINTR))
			continue;
		if (n == 0 || errno != EAGAIN)
			close_fd(&p->out_fd[i]);
		break;
	}
}

/* Writes pending stdin as far as the pipe takes it; SIGPIPE is blocked
 * meanwhile (a child that closed its stdin must not kill nsl). */
static void feed(struct proc *p)
{
	sigset_t pipe_set, old;
	struct timespec zero = { 0, 0 };

	if (p->in_fd < 0 || !p->in_data)
		return;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, &old);
	while (p->in_off < p->in_len) {
		ssize_t n = write(p->in_fd, p->in_data + p->in_off,
				  p->in_len - p->in_off);

		if (n > 0)
			p->in_off += (size_t)n;
		else if (n < 0 && errno == EINTR)
			continue;
		else {
			if (errno != EAGAIN)
				p->in_off = p->in_len;	/* EPIPE: reader gone */
			break;
		}
	}
	sigtimedwait(&pipe_set, NULL, &zero);	/* drop a pending SIGPIPE */
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (p->in_off == p->in_len) {
		free(p->in_data);
		p->in_data = NULL;
		p->in_len = p->in_off = 0;
		if (!p->in_keep)
			close_fd(&p->in_fd);	/* all written: EOF for the child */
	}
}

/* One round: waits up to ms (-1: forever) for the child's end or its
 * pipes.  Returns 1 when reaped, 0 on time out, -1 on EINTR. */
static int pump(struct proc *p, int ms)
{
	struct pollfd fds[4];
	int n = 0, r, i;

	if (p->exited)
		return 1;
	fds[n].fd = p->pidfd;
	fds[n++].events = POLLIN;
	for (i = 0; i < 2; i++)
		if (p->out_fd[i] >= 0) {
			fds[n].fd = p->out_fd[i];
			fds[n++].events = POLLIN;
		}
	if (p->in_fd >= 0 && p->in_data) {
		fds[n].fd = p->in_fd;
		fds[n++].events = POLLOUT;
	}
	if (p->pidfd < 0 && (ms < 0 || ms > POLL_SLICE))
		ms = POLL_SLICE;	/* no pidfd: look at the child now and then */
	r = poll(fds, (nfds_t)n, ms);
	if (r < 0)
		return errno == EINTR ? -1 : 0;
	if (p->pidfd < 0 && !fds[0].revents && reap(p, 0)) {
		for (i = 0; i < 2; i++)
			drain(p, i);
		return 1;
	}
	for (i = 0; i < 2; i++)
		drain(p, i);
	feed(p);
	if (fds[0].revents) {
		/* Ended: take what it wrote, without waiting for EOF (a
		 * grandchild may hold the pipe open). */
		for (i = 0; i < 2; i++)
			drain(p, i);
		return reap(p, 0);
	}
	return 0;
}

/* Waits for the end until deadline (< 0: none); 1 reaped, 0 timed out.
 * With a Lua state, a signal raises (after on_signal's stop, if set). */
static int wait_until(lua_State *L, struct proc *p, double deadline,
		      int stop_on_signal);

static void stop(struct proc *p)
{
	double deadline;

	if (p->exited)
		return;
	send_signal(p, SIGTERM);
	deadline = mono() + p->grace;
	while (!p->exited && mono() < deadline) {
		int ms = (int)((deadline - mono()) * 1000) + 1;

		pump(p, ms);
	}
	send_signal(p, SIGKILL);
	reap(p, 1);
}

static int wait_until(lua_State *L, struct proc *p, double deadline,
		      int stop_on_signal)
{
	while (!p->exited) {
		int ms = -1, r;

		if (deadline >= 0) {
			double left = deadline - mono();

			if (left <= 0)
				return 0;
			ms = (int)ceil(left * 1000);
		}
		r = pump(p, ms);
		if (r < 0 || nsl_signal) {
			if (nsl_signal && stop_on_signal)
				stop(p);
			nsl_check_signal(L);
		}
	}
	return 1;
}

/* Stops every live process at once: one grace period for all. */
static void stop_all(void)
{
	struct proc *p, *next;
	double deadline, grace = 0;

	for (p = live; p; p = p->next) {
		send_signal(p, SIGTERM);
		if (p->grace > grace)
			grace = p->grace;
	}
	deadline = mono() + grace;
	while (live && mono() < deadline) {
		struct pollfd fds[64];
		int n = 0;

		for (p = live; p && n < 64; p = p->next) {
			fds[n].fd = p->pidfd;
			fds[n++].events = POLLIN;
		}
		poll(fds, (nfds_t)n, POLL_SLICE);
		for (p = live; p; p = next) {
			next = p->next;
			reap(p, 0);
		}
	}
	for (p = live; p; p = next) {
		next = p->next;
		send_signal(p, SIGKILL);
		reap(p, 1);
	}
}

/* Releases everything a handle holds, stopping its process first.
 * __gc, __close and close(); safe to call twice. */
static void release(struct proc *p)
{
	int i;

	stop(p);
	close_fd(&p->in_fd);
	for (i = 0; i < 2; i++)
		close_fd(&p->out_fd[i]);
	free(p->in_data);
	p->in_data = NULL;
	p->in_len = p->in_off = 0;
}

static void free_output(struct proc *p)
{
	int i;

	for (i = 0; i < 2; i++) {
		free(p->out[i].data);
		p->out[i].data = NULL;
		p->out[i].len = p->out[i].cap = 0;
	}
}

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
		stop_all();
	}
	return 0;
}

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
		close_fd(&p->in_fd);	/* empty stdin: EOF at once */
	p->next = live;
	if (live)
		live->prev = p;
	live = p;
	luaL_setmetatable(L, PROC_META);
	renew_sentinel(L);
	feed(p);
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
		if (p->sig < NSIGNAMES && signames[p->sig])
			lua_pushstring(L, signames[p->sig]);
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

void nsl_proc_finish(lua_State *L, struct proc *p, double timeout)
{
	int idx = lua_gettop(L);	/* the handle: nsl_proc_push left it */

	if (!wait_until(L, p, timeout >= 0 ? mono() + timeout : -1, 1)) {
		p->timed_out = 1;
		send_signal(p, SIGKILL);
		reap(p, 1);
		drain(p, 0);
		drain(p, 1);
	}
	release(p);
	push_result(L, p, idx);
	free_output(p);
}

/* h:wait([timeout]): the result table once the process has ended (the
 * same table on every call); nil when timeout seconds pass first.
 * Ctrl-C/SIGTERM interrupt it (the process keeps running). */
static int l_wait(lua_State *L)
{
	struct proc *p = check_proc(L, 1);
	double timeout = luaL_optnumber(L, 2, -1);

	if (!lua_isnoneornil(L, 2))
		luaL_argcheck(L, timeout >= 0 && !isnan(timeout), 2,
			      "expected a non-negative number of seconds");
	if (!wait_until(L, p, lua_isnoneornil(L, 2) ? -1 : mono() + timeout, 0)) {
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
	int i;

	if (lua_isnoneornil(L, idx))
		return SIGTERM;
	if (lua_type(L, idx) == LUA_TNUMBER) {
		lua_Integer n = luaL_checkinteger(L, idx);

		luaL_argcheck(L, n > 0 && n < NSIG, idx, "no such signal");
		return (int)n;
	}
	name = luaL_checkstring(L, idx);
	if (strncmp(name, "SIG", 3) == 0)
		name += 3;
	for (i = 1; i < NSIGNAMES; i++)
		if (signames[i] && strcmp(signames[i], name) == 0)
			return i;
	return luaL_argerror(L, idx, lua_pushfstring(L, "unknown signal '%s'", name));
}

/* h:kill([signal]): sends it (default TERM) to the process and its group;
 * true if it was still running, false if it had already ended. */
static int l_kill(lua_State *L)
{
	struct proc *p = check_proc(L, 1);
	int sig = check_signal_arg(L, 2);

	reap(p, 0);
	lua_pushboolean(L, !p->exited);
	send_signal(p, sig);
	return 1;
}

/* h:running(): true until the process has ended. */
static int l_running(lua_State *L)
{
	struct proc *p = check_proc(L, 1);

	if (!p->exited)
		pump(p, 0);
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
		pump(p, 0);
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
	feed(p);
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
		close_fd(&p->in_fd);
	else
		feed(p);
	lua_settop(L, 1);
	return 1;
}

/* h:close(), __close, __gc: stops the process (TERM, grace, KILL) and
 * frees the handle's resources; wait() still gives the result. */
static int l_close(lua_State *L)
{
	struct proc *p = check_proc(L, 1);

	release(p);
	if (p->exited)
		push_result(L, p, 1);	/* wait() after close still answers */
	free_output(p);
	return 0;
}

static int l_tostring(lua_State *L)
{
	struct proc *p = check_proc(L, 1);

	if (!p->exited)
		reap(p, 0);
	if (!p->exited)
		lua_pushfstring(L, "process %d (running)", (int)p->pid);
	else if (p->sig)
		lua_pushfstring(L, "process %d (killed by %s)", (int)p->pid,
				p->sig < NSIGNAMES && signames[p->sig] ? signames[p->sig] : "?");
	else
		lua_pushfstring(L, "process %d (exited %d)", (int)p->pid, p->code);
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
	if (luaL_newmetatable(L, PROC_META)) {
		luaL_newlib(L, proc_methods);
		lua_pushcclosure(L, l_index, 1);
		lua_setfield(L, -2, "__index");
		lua_pushcfunction(L, l_close);
		lua_setfield(L, -2, "__gc");
		lua_pushcfunction(L, l_close);
		lua_setfield(L, -2, "__close");
		lua_pushcfunction(L, l_tostring);
		lua_setfield(L, -2, "__tostring");
	}
	lua_pop(L, 1);
	if (luaL_newmetatable(L, SENTINEL_META)) {
		lua_pushcfunction(L, sentinel_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_pop(L, 1);
	return 0;
}
