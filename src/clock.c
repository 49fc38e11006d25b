/*
 * clock.c - time for scripts: sleep(seconds) and now().
 *
 * Lua has no sleep; scripts waiting for a service need one that Ctrl-C
 * and SIGTERM can cut short, so it sleeps in nanosleep() and, on EINTR,
 * raises the pending signal's error through nsl_check_signal().
 */
#include <errno.h>
#include <math.h>
#include <time.h>

#include "nsl.h"

/* sleep(seconds): returns nothing; raises on a bad argument or a signal. */
static int l_sleep(lua_State *L)
{
	lua_Number secs = luaL_checknumber(L, 1);
	struct timespec ts;

	luaL_argcheck(L, secs >= 0 && isfinite(secs), 1,
		      "expected a non-negative number of seconds");
	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (lua_Number)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0) {
		if (errno != EINTR)
			return nsl_fail(L, "sleep", NULL, errno, NULL);
		nsl_check_signal(L);
	}
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

static const luaL_Reg clock_funcs[] = {
	{ "sleep", l_sleep },
	{ "now", l_now },
	{ NULL, NULL }
};

int nsl_open_clock(lua_State *L)
{
	luaL_setfuncs(L, clock_funcs, 0);
	return 0;
}
