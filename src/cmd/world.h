/*
 * world.h - between the parts of nsl's rootless worlds: world.c (what
 * they share), rootless.c (the world itself), egress.c (pasta, its
 * uplink) and worlds.c (finding and joining worlds from nsl ls, show and
 * exec).  Not part of the Lua boundary; main.c includes rootless.h only.
 */
#ifndef NSL_WORLD_H
#define NSL_WORLD_H

#include <stddef.h>
#include <sys/types.h>

/* world.c: "nsl: --rootless: WHAT: strerror(errno)", then _exit(1). */
void nsl_world_die(const char *what) __attribute__((noreturn));

/* CAP_NET_ADMIN and CAP_SYS_ADMIN in the effective set. */
int nsl_world_privileged(void);

/* A helper program in /usr/bin, /bin, /usr/sbin or /sbin: 1 and its path
 * in path, or 0. */
int nsl_world_helper(const char *name, char *path, size_t size);

/* Waits for child, passing signals on, ends pasta, forgets the world's
 * registry file, then exits as the nsl of the run did (back: the pipe its
 * wait status comes on from the world's pid 1; < 0: child is that nsl)
 * (rootless.c). */
void nsl_world_follow(pid_t child, int back) __attribute__((noreturn));

/* egress.c: --egress and --publish (or the environment) ask for an uplink
 * (wanted); nsl_egress_start starts pasta on the world of pid 1 init and
 * waits until it is ready, or exits with what pasta said; nsl_egress_stop
 * ends it (SIGTERM, then SIGKILL). */
void nsl_egress_want(void);
void nsl_egress_publish(const char *opt, const char *spec);
int nsl_egress_wanted(void);
void nsl_egress_start(pid_t init);
void nsl_egress_stop(void);

/* The directory of the caller's registry files ($XDG_RUNTIME_DIR/nsl)
 * into dir: 1, or 0 when there is none. */
int nsl_world_dir(char *dir, size_t size);

/* The start time of pid (field 22 of /proc/PID/stat), which tells pids
 * apart; 0 when it is gone. */
unsigned long long nsl_world_start(pid_t pid);

/* world.c: the registry file $XDG_RUNTIME_DIR/nsl/world-<pid> of this
 * run's world (pid 1 init), made before the script runs and removed at
 * its end. */
void nsl_world_register(pid_t init);
void nsl_world_unregister(void);

#endif
