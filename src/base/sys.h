/*
 * sys.h - the shared ground that needs no Lua: constants and helpers
 * every wing uses, so each exists once (mechanism files such as nl.c and
 * procio.c include this, never nsl.h).
 */
#ifndef NSL_SYS_H
#define NSL_SYS_H

/* Where named network namespaces live, as ip netns keeps them (exported
 * to Lua as nsl.core._netns_dir). */
#define NSL_NETNS_DIR "/run/netns"

/* Seconds on the monotonic clock (clock.c): the one clock of nsl, behind
 * now(), sleep(), timeouts and grace periods. */
double nsl_mono(void);

#endif
