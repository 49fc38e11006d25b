/*
 * clock.c - time for scripts: sleep(seconds) and now().
 *
 * Lua has no sleep; scripts waiting for a service need one that Ctrl-C
 * and SIGTERM can cut short, so it waits in ppoll() and raises the
 * pending signal's error through nsl_check_signal().
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <time.h>

#include "nsl.h"

/* sleep(seconds): returns nothing; raises on a bad argument or a signal.
 * The pending-signal check and the wait are made atomic by blocking the
 * signals and waiting in ppoll() with them unblocked, so a Ctrl-C that
 * lands just before the wait is not left until the sleep ends. */
static int l_sleep(lua_State *L)
{
	lua_Number secs = luaL_checknumber(L, 1);
	struct timespec ts;
	double deadline, left;
	sigset_t block, old;
	int r;

	luaL_argcheck(L, nsl_seconds_ok(secs), 1, NSL_SECONDS_WANTED);
	deadline = nsl_mono() + secs;
	nsl_signals_set(&block);
	sigprocmask(SIG_BLOCK, &block, &old);
	for (;;) {
		if (nsl_signal) {
			sigprocmask(SIG_SETMASK, &old, NULL);
			nsl_check_signal(L);
		}
		left = deadline - nsl_mono();
		if (left <= 0)
			break;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		r = ppoll(NULL, 0, &ts, &old);
		if (r < 0 && errno != EINTR) {
			int err = errno;

			sigprocmask(SIG_SETMASK, &old, NULL);
			return nsl_fail(L, "sleep", NULL, err, NULL);
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return 0;
}

/* now(): seconds on the monotonic clock, as a float. */
static int l_now(lua_State *L)
{
	lua_pushnumber(L, nsl_mono());
	return 1;
}

static const struct nsl_prim clock_prims[] = {
	{ "sleep", l_sleep, 0, NULL },
	{ "now", l_now, 0, NULL },
	{ NULL, NULL, 0, NULL }
};

int nsl_open_clock(lua_State *L)
{
	nsl_register(L, clock_prims);
	return 0;
}
