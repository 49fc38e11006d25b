/*
 * clock.c - time for scripts: sleep(seconds) and now().
 *
 * Lua has no sleep; scripts waiting for a service need one that Ctrl-C
 * and SIGTERM can cut short, so it waits in ppoll() and raises the
 * pending signal's error through nsl_check_signal().
 */
#include <errno.h>
#include <math.h>
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
	struct timespec deadline, now, left;
	sigset_t block, old;
	int r;

	luaL_argcheck(L, secs >= 0 && isfinite(secs), 1,
		      "expected a non-negative number of seconds");
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += (time_t)secs;
	deadline.tv_nsec += (long)((secs - (lua_Number)(time_t)secs) * 1e9);
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	nsl_signals_set(&block);
	sigprocmask(SIG_BLOCK, &block, &old);
	for (;;) {
		if (nsl_signal) {
			sigprocmask(SIG_SETMASK, &old, NULL);
			nsl_check_signal(L);
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		left.tv_sec = deadline.tv_sec - now.tv_sec;
		left.tv_nsec = deadline.tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_sec--;
			left.tv_nsec += 1000000000L;
		}
		if (left.tv_sec < 0)
			break;
		r = ppoll(NULL, 0, &left, &old);
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
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec / 1e9);
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
