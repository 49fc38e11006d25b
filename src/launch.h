/*
 * launch.h - private boundary between the process primitives: the child
 * launcher (launch.c), the process handle (proc.c) and the Lua primitives
 * ns_exec/spawn/pid_exec (exec.c).  Nothing else includes it.
 */
#ifndef NSL_LAUNCH_H
#define NSL_LAUNCH_H

#include <sys/types.h>

#include "nsl.h"

/* One mount made inside the child's mount namespace before exec. */
struct launch_mount {
	const char *type;	/* "tmpfs", "proc", "bind", ... */
	const char *source;
	const char *target;
	const char *data;	/* mount options string, or NULL */
	unsigned long flags;	/* MS_RDONLY, ... (MS_BIND for "bind") */
};

/* Everything the child does between clone and execve.  The parent fills
 * it (and keeps every pointer alive) before nsl_launch; the child only
 * reads it and makes system calls, so it can share the parent's memory. */
struct launch {
	char *const *argv;	/* argv[0] is looked up in path unless it has '/' */
	char *const *envp;
	const char *path;	/* PATH for the lookup */
	const char *cwd;	/* or NULL */
	int fd[3];		/* the child's stdin/stdout/stderr; -1: inherit */
	int new_pgrp;		/* setpgid(0, 0): killing it kills its group */

	int netns_fd;		/* a named network namespace to join, or -1 */
	const char *netns_name;	/* with netns_mounts: sysfs source name */
	int netns_mounts;	/* ip netns exec's /sys and /etc/netns/NAME work */
	char **etc_src;		/* /etc/netns/NAME/x ... */
	char **etc_dst;		/* /etc/x ... */
	int n_etc;

	int enter_fd;		/* pidfd of a process whose namespaces to join */
	int enter_flags;	/* CLONE_NEW* kinds of it to join */
	int self_pidns_fd;	/* our own pid namespace, to switch back to */

	int unshare_flags;	/* CLONE_NEW* kinds to create */
	int propagation;	/* MS_PRIVATE or MS_SLAVE for a new mount ns */
	const struct launch_mount *mounts;
	int n_mounts;
	int mount_proc;
	const char *hostname;
	const char *uid_map;	/* "0 <uid> 1\n" for a new user namespace */
	const char *gid_map;
};

/* Where the child failed, as reported through the error pipe. */
enum launch_stage {
	STAGE_NONE,
	STAGE_SETNS_NET,
	STAGE_SETNS,
	STAGE_UNSHARE,
	STAGE_USERMAP,
	STAGE_PROPAGATION,
	STAGE_SYSFS,
	STAGE_MOUNT,
	STAGE_PROC,
	STAGE_HOSTNAME,
	STAGE_CHDIR,
	STAGE_FDS,
	STAGE_EXEC,
	STAGE_CLONE,	/* in the parent: clone or pidfd_open failed */
};

struct launch_error {
	int stage;	/* enum launch_stage */
	int err;	/* errno */
	int index;	/* which mount, for STAGE_MOUNT */
};

/* Starts the child described by l.  Returns 0 with *pid and *pidfd set,
 * or -1 with e filled (the child, if any, already reaped). */
int nsl_launch(const struct launch *l, pid_t *pid, int *pidfd,
	       struct launch_error *e);

/* Process handles (proc.c). */
struct proc;

/* Pushes a new handle for a started child and registers it for cleanup;
 * the fds (stdin pipe, stdout/stderr pipes, -1 if none) now belong to it. */
struct proc *nsl_proc_push(lua_State *L, pid_t pid, int pidfd, int in_fd,
			   const char *in_data, size_t in_len, int out_fd,
			   int err_fd, int pgrp, double grace);

/* Runs a foreground child to its end (or timeout seconds, < 0: none):
 * pushes its result table.  Raises when a signal interrupts the wait,
 * after stopping the child. */
void nsl_proc_finish(lua_State *L, struct proc *p, double timeout);

#endif
