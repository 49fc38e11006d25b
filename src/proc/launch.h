/*
 * launch.h - the child launcher, without Lua (launch.c): what the child
 * does between clone and exec, and how it reports a failure.  The
 * mechanics of a running child are procio.h; the Lua side of the process
 * primitives (exec.c, execopt.c, proc.c) adds exec.h.
 */
#ifndef NSL_LAUNCH_H
#define NSL_LAUNCH_H

#include <sys/types.h>

#include "base/sys.h"

#define LAUNCH_MAX_FDS 32	/* entries of the fds option */

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
	/* fds = { [3] = f }: placed at those numbers */
	int extra_src[LAUNCH_MAX_FDS];	/* nsl's descriptors ... */
	int extra_dst[LAUNCH_MAX_FDS];	/* ... and their numbers in the child (>= 3) */
	int n_extra;
	int extra_max;			/* the highest extra_dst */

	int netns_fd;		/* a named network namespace to join, or -1 */
	const char *netns_name;	/* with netns_mounts: sysfs source name */
	int netns_mounts;	/* ip netns exec's /sys and /etc/netns/NAME work */
	char **etc_src;		/* /etc/netns/NAME/x ... */
	char **etc_dst;		/* /etc/x ... */
	int n_etc;

	int enter_fd[8];	/* another process's namespaces to join, in order */
	int enter_flag[8];	/* the CLONE_NEW* kind of each */
	int n_enter;
	int enter_flags;	/* all of them, CLONE_NEWPID included */
	int enter_pidns_fd;	/* its PID namespace (joined around the clone), or -1 */
	int self_pidns_fd;	/* our own pid namespace, to switch back to */

	int unshare_flags;	/* CLONE_NEW* kinds to create */
	int propagation;	/* MS_PRIVATE or MS_SLAVE for a new mount ns */
	const struct launch_mount *mounts;
	int n_mounts;
	int mount_proc;
	const char *hostname;
	const char *time_offsets;	/* timens_offsets lines for a new time ns */
	const char *uid_map;	/* "0 <uid> 1\n" for a new user namespace */
	const char *gid_map;

	const char *log;	/* stdout and stderr appended to this file (opened
				 * before any namespace is joined), or NULL */
	const char *keep_cwd;	/* after joining a mount namespace, chdir here
				 * (nsl's own directory; failing that, "/") */
	int set_ids;		/* become uid/gid with groups before exec */
	uid_t uid;
	gid_t gid;
	gid_t *groups;		/* the user option's groups (anchored) */
	int n_groups;
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
	STAGE_TIMENS,
	STAGE_CHDIR,
	STAGE_LOG,
	STAGE_IDS,
	STAGE_FDS,
	STAGE_EXEC,
	STAGE_CLONE,	/* in the parent: clone or pidfd_open failed */
};

/* Why the log was refused (STAGE_LOG's index). */
enum launch_log { LOG_OPEN = NSL_OUT_OPEN, LOG_LINK = NSL_OUT_LINK, LOG_TYPE = NSL_OUT_TYPE,
		  LOG_OWNER = NSL_OUT_OWNER };

struct launch_error {
	int stage;	/* enum launch_stage */
	int err;	/* errno */
	int index;	/* which mount, for STAGE_MOUNT; which join, for
			 * STAGE_SETNS; LOG_* for STAGE_LOG */
};

/* Starts the child described by l.  Returns 0 with *pid and *pidfd set,
 * or -1 with e filled (the child, if any, already reaped). */
int nsl_launch(const struct launch *l, pid_t *pid, int *pidfd,
	       struct launch_error *e);

/* The namespace kinds (execopt.c). */
struct nsl_kind {
	const char *name;	/* as scripts write it: "mount" */
	const char *proc;	/* its /proc/PID/ns entry: "mnt" */
	int flag;		/* CLONE_NEWNS */
};
extern const struct nsl_kind nsl_kinds[];
extern const int nsl_nkinds;

#endif
