/*
 * rootless.h - nsl without root (rootless.c): the run moves into a world
 * of its own (user, mount, network and PID namespaces) before it starts.
 */
#ifndef NSL_ROOTLESS_H
#define NSL_ROOTLESS_H

/* 1 when this run goes rootless (nsl_args, args.h): --rootless is given,
 * or nsl lacks CAP_SYS_ADMIN/CAP_NET_ADMIN and NSL_ROOTLESS is not "0"
 * (then one line on stderr says so).  Never for --help, --version or a
 * subcommand. */
int nsl_rootless_wanted(void);

/* Makes the world and returns in the nsl that runs inside it; the calling
 * process stays outside, waits, passes signals on and exits (or dies of a
 * signal) as the nsl inside did.  Exits with a message on failure. */
void nsl_rootless_enter(void);

/* The name of the lab a world's run keeps (nsl up's keeper), written
 * into its registry file so that nsl down, link... find the world by
 * the lab's name.  Before nsl_rootless_enter (world.c). */
void nsl_world_label(const char *name);

/* nsl ls, show and exec join rootless worlds ($XDG_RUNTIME_DIR/nsl/
 * world-<pid>; for root, every /run/user/N/nsl too), user namespace first:
 * the one chosen by --world PID (nsl_args.world), else, unprivileged, the
 * only one (several: an error listing them).  ls lists every world,
 * each from a process joined to it, then (root) this machine.  The
 * calling process stays outside, waits and exits as the subcommand did.
 * Returns 1 in a joined process, 0 when the subcommand runs here. */
int nsl_rootless_join(void);

/* 1 in a process joined to a world: it runs as the world's root and
 * loads no code from the world's file system (main: no LUA_INIT, no
 * NSL_LUA_DIR, package.path and cpath empty: only the embedded modules)
 * (world.c). */
extern int nsl_world_joined;

#endif
