/*
 * subcmd.c - the first argument as a subcommand.
 *
 * `nsl ls`, `nsl show`, `nsl exec`, `nsl dot`, `nsl up`... are subcommands only as the
 * first argument and only when no file of that name exists, so a script
 * called `ls` still runs (as `nsl ls` when it is there, or `nsl ./ls`).
 * The work is the Lua library's (lua/nsl/cli.lua); C only dispatches.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "subcmd.h"

static void ignore_signal(int sig)
{
	(void)sig;
}

/* _hold_signals(on): while nsl exec waits for a command on the terminal,
 * Ctrl-C and Ctrl-\ are the command's (it shares nsl's process group):
 * nsl catches them with a handler that does nothing (a handler, unlike
 * SIG_IGN, is reset in the child by execve).  _hold_signals(false) arms
 * nsl's own handling again. */
static int l_hold_signals(lua_State *L)
{
	struct sigaction sa;

	if (!lua_toboolean(L, 1)) {
		signal(SIGQUIT, SIG_DFL);
		nsl_signals_arm(L);
		return 0;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ignore_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	return 0;
}

/* Seconds a keeper stopped by a signal to nsl up gets to take its
 * half-built lab down before nsl up stops waiting. */
#define KEEPER_STOP_WAIT 30

/* nsl up was interrupted (Ctrl-C) while the keeper pid built its lab:
 * the keeper, in a session of its own, saw nothing.  SIGTERM makes it
 * take down what it made; nsl up waits for its end (so that nothing is
 * left once it returns), KEEPER_STOP_WAIT s at most, less if a second
 * signal comes. */
static void stop_keeper(pid_t pid)
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	sig_atomic_t sig = nsl_signal;
	int i;

	kill(pid, SIGTERM);
	nsl_signal = 0;
	for (i = 0; i < KEEPER_STOP_WAIT * 50 && !nsl_signal; i++) {
		if (waitpid(pid, NULL, WNOHANG) != 0)
			break;
		nanosleep(&tick, NULL);
	}
	nsl_signal = sig;
}

/* _detach(argv): starts nsl itself (/proc/self/exe) with argv, detached
 * (a session of its own, stdin and stdout on /dev/null, stderr on an
 * unnamed file), and waits for it to write a line on its descriptor 3
 * (_ready) or end.  Pushes the pid, that line (nil when it ended first)
 * and what it wrote to stderr until then.  Raises on a failed fork; a
 * signal meanwhile stops the keeper (stop_keeper), then raises. */
static int l_detach(lua_State *L)
{
	int p[2], err_fd, n, i, null, r;
	char **argv, buf[512];
	luaL_Buffer line;
	pid_t pid;
	ssize_t got;
	off_t off = 0;
	sigset_t sigs, old;
	struct pollfd pf;

	luaL_checktype(L, 1, LUA_TTABLE);
	n = (int)lua_rawlen(L, 1);
	argv = lua_newuserdatauv(L, sizeof(char *) * (size_t)(n + 2), 0);
	argv[0] = "nsl";
	for (i = 1; i <= n; i++) {
		lua_rawgeti(L, 1, i);
		argv[i] = (char *)luaL_checkstring(L, -1);
		lua_pop(L, 1);	/* the table keeps the string alive */
	}
	argv[n + 1] = NULL;
	err_fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (err_fd < 0)
		return luaL_error(L, "cannot make a file for the keeper's errors: %s", strerror(errno));
	if (pipe2(p, O_CLOEXEC) < 0) {
		close(err_fd);
		return luaL_error(L, "pipe: %s", strerror(errno));
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(err_fd);
		close(p[0]);
		close(p[1]);
		return luaL_error(L, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		setsid();
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		null = open("/dev/null", O_RDWR);
		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(err_fd, 2) < 0 ||
		    dup2(p[1], 3) < 0)
			_exit(127);
		execv("/proc/self/exe", argv);
		dprintf(2, "nsl: exec /proc/self/exe: %s\n", strerror(errno));
		_exit(127);
	}
	close(p[1]);
	nsl_signals_set(&sigs);
	luaL_buffinit(L, &line);
	for (;;) {
		/* signals blocked but inside ppoll: none slips in unseen
		 * between the check and the wait */
		pf.fd = p[0];
		pf.events = POLLIN;
		sigprocmask(SIG_BLOCK, &sigs, &old);
		r = nsl_signal ? -1 : ppoll(&pf, 1, NULL, &old);
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (nsl_signal) {
			close(p[0]);
			close(err_fd);
			stop_keeper(pid);
			nsl_check_signal(L);
		}
		if (r < 0 && errno == EINTR)
			continue;
		got = read(p[0], buf, sizeof(buf));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		luaL_addlstring(&line, buf, (size_t)got);
		if (memchr(buf, '\n', (size_t)got))
			break;
	}
	close(p[0]);
	lua_pushinteger(L, pid);
	luaL_pushresult(&line);
	if (lua_rawlen(L, -1) == 0) {
		lua_pop(L, 1);
		lua_pushnil(L);
	}
	luaL_buffinit(L, &line);
	while ((got = pread(err_fd, buf, sizeof(buf), off)) > 0) {
		luaL_addlstring(&line, buf, (size_t)got);
		off += got;
	}
	luaL_pushresult(&line);
	close(err_fd);
	return 3;
}

/* _ready(line): the keeper tells the nsl that started it (_detach) that
 * the lab is up: writes line on descriptor 3, then puts /dev/null there.
 * Pushes true, or false when no one reads any more (EPIPE: nsl up was
 * killed meanwhile): the keeper is then to take its lab down and end.
 * SIGPIPE is blocked for the write, and one it raised dropped. */
static int l_ready(lua_State *L)
{
	size_t len, done;
	const char *text = luaL_checklstring(L, 1, &len);
	struct timespec zero = { 0, 0 };
	sigset_t pipe_set, old;
	int null, err;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, &old);
	err = nsl_write_all(3, text, len, &done);
	sigtimedwait(&pipe_set, NULL, &zero);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (err && err != -EBADF && err != -EPIPE)
		return luaL_error(L, "_ready: %s", strerror(-err));
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 3);
		close(null);
	}
	lua_pushboolean(L, err != -EPIPE);
	return 1;
}

/* What nsl.cli gets from C before its main runs. */
static const luaL_Reg cli_funcs[] = {
	{ "_hold_signals", l_hold_signals },
	{ "_detach", l_detach },
	{ "_ready", l_ready },
	{ NULL, NULL }
};

int nsl_run_subcommand(lua_State *L, char **argv)
{
	int n = 0;

	lua_getglobal(L, "require");
	lua_pushliteral(L, "nsl.cli");
	if (nsl_report(L, nsl_docall(L, 1, 1)) != LUA_OK)
		return LUA_ERRRUN;
	luaL_setfuncs(L, cli_funcs, 0);
	lua_getfield(L, -1, "main");
	lua_remove(L, -2);
	for (; argv[n]; n++) {
		luaL_checkstack(L, 1, "too many arguments");
		lua_pushstring(L, argv[n]);
	}
	return nsl_report(L, nsl_docall(L, n, 0));
}
