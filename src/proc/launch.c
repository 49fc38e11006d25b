/*
 * launch.c - the one child launcher behind ns_exec, spawn and pid_exec.
 *
 * The child is made with clone(CLONE_VM | CLONE_VFORK): it borrows the
 * parent's memory (no page tables copied, which is most of a fork's cost)
 * while the parent sleeps, joins or creates its namespaces, does its
 * mounts, and execs.  So it must touch nothing but the prepared struct
 * launch and system calls: no malloc, no stdio, no Lua.  Whatever fails
 * is written as a struct launch_error to a close-on-exec pipe, so the
 * parent learns of it (exec failures included) instead of seeing exit 127.
 *
 * Joining a time namespace needs a process that shares its memory with
 * nobody (setns: EUSERS), so that one case clones without CLONE_VM.
 * A PID namespace applies to children only: a new one is made by clone
 * itself (the command is its PID 1), and another process's one is
 * joined by switching the parent's pid_for_children around the clone
 * (its own namespaces never change).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#include "launch.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define STACK_SIZE (512 * 1024)

struct child_ctx {
	const struct launch *l;
	int errfd;
	int userns_in_clone;	/* CLONE_NEWUSER was given to clone */
	int user_last;		/* make the user namespace after all the rest */
	sigset_t mask;		/* the parent's mask, restored before exec */
	pid_t parent;		/* nsl's pid */
};

/* Reports a failure to the parent and ends the child. */
static void child_fail(const struct child_ctx *c, int stage, int err, int index)
{
	struct launch_error e = { stage, err, index };

	(void)!write(c->errfd, &e, sizeof(e));
	_exit(127);
}


/* uid 0 inside maps to the caller outside; setgroups must be denied
 * before an unprivileged gid_map write (the child has no CAP_SETGID in
 * the parent namespace). */
static void child_usermap(const struct child_ctx *c)
{
	const struct launch *l = c->l;

	if (nsl_write_file("/proc/self/setgroups", "deny") < 0 && errno != ENOENT)
		child_fail(c, STAGE_USERMAP, errno, 0);
	if (nsl_write_file("/proc/self/uid_map", l->uid_map) < 0 ||
	    nsl_write_file("/proc/self/gid_map", l->gid_map) < 0)
		child_fail(c, STAGE_USERMAP, errno, 0);
}

/* ip netns exec: a /sys that shows the joined network namespace, then
 * /etc/netns/NAME/x bound over /etc/x (a failed bind is skipped, as ip
 * does). */
static void child_netns_mounts(const struct child_ctx *c)
{
	const struct launch *l = c->l;
	unsigned long flags = 0;
	struct statvfs st;
	int i;

	if (umount2("/sys", MNT_DETACH) < 0) {
		/* Not unmountable: mount over it, read-only if it was. */
		if (statvfs("/sys", &st) == 0 && (st.f_flag & ST_RDONLY))
			flags = MS_RDONLY;
	}
	if (mount(l->netns_name, "/sys", "sysfs", flags, NULL) < 0)
		child_fail(c, STAGE_SYSFS, errno, 0);
	for (i = 0; i < l->n_etc; i++)
		(void)mount(l->etc_src[i], l->etc_dst[i], "none", MS_BIND, NULL);
}

/* The user's mounts, in order, then a fresh /proc if asked; the first
 * failure ends the child with STAGE_MOUNT (its index) or STAGE_PROC. */
static void child_mounts(const struct child_ctx *c)
{
	const struct launch *l = c->l;
	int i;

	for (i = 0; i < l->n_mounts; i++) {
		const struct launch_mount *m = &l->mounts[i];
		int bind = (m->flags & MS_BIND) != 0;

		if (mount(m->source, m->target, bind ? "none" : m->type,
			  m->flags & ~(unsigned long)(bind ? MS_RDONLY : 0),
			  m->data) < 0)
			child_fail(c, STAGE_MOUNT, errno, i);
		/* A bind mount takes MS_RDONLY only on a remount. */
		if (bind && (m->flags & MS_RDONLY) &&
		    mount("none", m->target, "none",
			  MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
			child_fail(c, STAGE_MOUNT, errno, i);
	}
	if (l->mount_proc &&
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0)
		child_fail(c, STAGE_PROC, errno, 0);
}

/* Moves the wanted fds to 0, 1, 2.  A source below 3 that is not its own
 * target is first copied out of the way, so no dup2 clobbers another. */
static void child_fds(const struct child_ctx *c, int logfd)
{
	int fd[3], tmp[LAUNCH_MAX_FDS], i;

	/* fds = {...}: first copied above every target, so that
	 * neither the stdio moves nor each other's dup2 clobber a source. */
	for (i = 0; i < c->l->n_extra; i++) {
		tmp[i] = fcntl(c->l->extra_src[i], F_DUPFD_CLOEXEC, c->l->extra_max + 1);
		if (tmp[i] < 0)
			child_fail(c, STAGE_FDS, errno, 0);
	}
	for (i = 0; i < 3; i++) {
		fd[i] = c->l->fd[i];
		if (i > 0 && fd[i] < 0)
			fd[i] = logfd;
		if (fd[i] >= 0 && fd[i] < 3 && fd[i] != i) {
			fd[i] = fcntl(fd[i], F_DUPFD_CLOEXEC, 3);
			if (fd[i] < 0)
				child_fail(c, STAGE_FDS, errno, 0);
		}
	}
	for (i = 0; i < 3; i++) {
		if (fd[i] < 0)
			continue;
		if (fd[i] == i ? fcntl(i, F_SETFD, 0) < 0 : dup2(fd[i], i) < 0)
			child_fail(c, STAGE_FDS, errno, 0);
	}
	/* Whatever else is open (a Lua io.open file, another process's
	 * pipe) stays in nsl: everything above 2 closes on exec. */
	syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
	for (i = 0; i < c->l->n_extra; i++)	/* dup2 clears close-on-exec */
		if (dup2(tmp[i], c->l->extra_dst[i]) < 0)
			child_fail(c, STAGE_FDS, errno, 0);
}

/* execvp without the allocation: each PATH entry in a stack buffer.
 * EACCES from one entry is remembered if nothing better turns up. */
static void child_exec(const struct child_ctx *c)
{
	const struct launch *l = c->l;
	const char *file = l->argv[0], *p = l->path;
	size_t flen = strlen(file);
	char buf[4096];
	int err = ENOENT, seen_eacces = 0;

	if (strchr(file, '/')) {
		execve(file, l->argv, l->envp);
		child_fail(c, STAGE_EXEC, errno, 0);
	}
	if (flen + 2 > sizeof(buf))
		child_fail(c, STAGE_EXEC, ENAMETOOLONG, 0);
	while (p) {
		const char *end = strchr(p, ':');
		size_t dlen = end ? (size_t)(end - p) : strlen(p);

		if (dlen + flen + 2 <= sizeof(buf)) {
			if (dlen == 0)
				buf[0] = '.', dlen = 1;
			else
				memcpy(buf, p, dlen);
			buf[dlen] = '/';
			memcpy(buf + dlen + 1, file, flen + 1);
			execve(buf, l->argv, l->envp);
			err = errno;
			if (err == EACCES)
				seen_eacces = 1;
			else if (err != ENOENT && err != ENOTDIR && err != ELOOP)
				child_fail(c, STAGE_EXEC, err, 0);
		}
		p = end ? end + 1 : NULL;
	}
	child_fail(c, STAGE_EXEC, seen_eacces ? EACCES : err, 0);
}

/* user/group: supplementary groups, gid, uid, in that order (each needs
 * the rights the next takes away); the parent-death signal, cleared by
 * the change, is set again. */
static void child_ids(const struct child_ctx *c)
{
	const struct launch *l = c->l;

	if (setgroups((size_t)l->n_groups, l->groups) < 0 || setgid(l->gid) < 0 ||
	    setuid(l->uid) < 0)
		child_fail(c, STAGE_IDS, errno, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != c->parent && getppid() != 0)
		_exit(127);
}

/* The log file, opened to append with nsl's rights (the ids are not
 * dropped yet), so it must be what it says (nsl_open_out's checks).
 * The fd, or child_fail with index LOG_* (nsl_out_why's). */
static int child_log(const struct child_ctx *c)
{
	enum nsl_out_why why;
	int fd = nsl_open_out(c->l->log, &why);

	if (fd < 0)
		child_fail(c, STAGE_LOG, -fd, (int)why);
	if (fcntl(fd, F_SETFL, O_APPEND) < 0)
		child_fail(c, STAGE_LOG, errno, LOG_OPEN);
	return fd;
}

/* The child: namespaces, mounts, fds, exec.  Never returns. */
static int child_main(void *arg)
{
	const struct child_ctx *c = arg;
	const struct launch *l = c->l;
	static const int handled[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	int newns = l->unshare_flags & ~(CLONE_NEWPID |
		((c->userns_in_clone || c->user_last) ? CLONE_NEWUSER : 0));
	size_t i;
	int logfd = -1;

	/* nsl's handlers would run nsl's code in the child: default them
	 * while every signal is still blocked. */
	for (i = 0; i < sizeof(handled) / sizeof(handled[0]); i++) {
		struct sigaction sa;

		if (sigaction(handled[i], NULL, &sa) == 0 &&
		    sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN) {
			sa.sa_handler = SIG_DFL;
			sigaction(handled[i], &sa, NULL);
		}
	}
	/* nsl killed outright (SIGKILL) takes its children along, even one
	 * started an instant before the run's record names it.  (A parent
	 * already gone shows as another ppid; in a new PID namespace the
	 * parent is outside and getppid() is 0.) */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != c->parent && getppid() != 0)
		_exit(127);
	if (l->new_pgrp)
		setpgid(0, 0);
	/* The log is named as nsl sees it, before any namespace is joined. */
	if (l->log)
		logfd = child_log(c);
	if (l->netns_fd >= 0 && setns(l->netns_fd, CLONE_NEWNET) < 0)
		child_fail(c, STAGE_SETNS_NET, errno, 0);
	for (i = 0; i < (size_t)l->n_enter; i++)
		if (setns(l->enter_fd[i], l->enter_flag[i]) < 0)
			child_fail(c, STAGE_SETNS, errno, (int)i);
	if (newns && unshare(newns) < 0)
		child_fail(c, STAGE_UNSHARE, errno, 0);
	if ((l->unshare_flags & CLONE_NEWUSER) && !c->user_last)
		child_usermap(c);
	/* Offsets can be set until a process enters the namespace: exec. */
	if (l->time_offsets && *l->time_offsets &&
	    nsl_write_file("/proc/self/timens_offsets", l->time_offsets) < 0)
		child_fail(c, STAGE_TIMENS, errno, 0);
	if ((l->unshare_flags & CLONE_NEWNS) &&
	    mount("none", "/", "none", MS_REC | (unsigned long)l->propagation, NULL) < 0)
		child_fail(c, STAGE_PROPAGATION, errno, 0);
	if (l->netns_mounts)
		child_netns_mounts(c);
	child_mounts(c);
	if (l->hostname && sethostname(l->hostname, strlen(l->hostname)) < 0)
		child_fail(c, STAGE_HOSTNAME, errno, 0);
	if (c->user_last) {
		if (unshare(CLONE_NEWUSER) < 0)
			child_fail(c, STAGE_UNSHARE, errno, 0);
		child_usermap(c);
	}
	if (l->set_ids)
		child_ids(c);
	/* setns into a mount namespace moved it to that namespace's root. */
	if (!l->cwd && l->keep_cwd && chdir(l->keep_cwd) < 0)
		(void)!chdir("/");
	if (l->cwd && chdir(l->cwd) < 0)
		child_fail(c, STAGE_CHDIR, errno, 0);
	child_fds(c, logfd);
	sigprocmask(SIG_SETMASK, &c->mask, NULL);
	child_exec(c);
	return 127;
}

/* One stack for every child: the parent sleeps while a CLONE_VFORK child
 * runs, so two never use it at once.  Mapped on first use. */
static void *child_stack(void)
{
	static void *stack;

	if (!stack) {
		void *p = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);

		if (p == MAP_FAILED)
			return NULL;
		stack = p;
	}
	return (char *)stack + STACK_SIZE;
}

/* A failure before any child ran: fills e, returns -1. */
static int fail_parent(struct launch_error *e, int err)
{
	e->stage = STAGE_CLONE;
	e->err = err;
	e->index = 0;
	return -1;
}

/* See launch.h.  Signals stay blocked from clone to exec in the child,
 * and in the parent until the child has exec'd or failed. */
int nsl_launch(const struct launch *l, pid_t *pid, int *pidfd,
	       struct launch_error *e)
{
	struct child_ctx c;
	sigset_t all;
	int pipefd[2], flags = SIGCHLD | CLONE_VFORK, switched = 0, status;
	void *stack = child_stack();
	ssize_t n;
	pid_t child;

	memset(e, 0, sizeof(*e));
	if (!stack)
		return fail_parent(e, errno);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return fail_parent(e, errno);
	/* The error pipe must not sit where fds puts a descriptor. */
	for (n = 0; l->n_extra && n < 2; n++) {
		int moved;

		if (pipefd[n] > l->extra_max)
			continue;
		moved = fcntl(pipefd[n], F_DUPFD_CLOEXEC, l->extra_max + 1);
		if (moved < 0) {
			int err = errno;

			close(pipefd[0]);
			close(pipefd[1]);
			return fail_parent(e, err);
		}
		close(pipefd[n]);
		pipefd[n] = moved;
	}
	c.l = l;
	c.parent = getpid();
	c.errfd = pipefd[1];
	c.userns_in_clone = 0;
	/* Joining namespaces that exist takes the rights of the caller's
	 * user namespace: a new one comes last, after every setns and mount
	 * (its process is then root only over the user namespace itself).
	 * Otherwise it comes first and owns the other new namespaces, which
	 * is what lets an unprivileged caller make them. */
	c.user_last = (l->unshare_flags & CLONE_NEWUSER) &&
		(l->netns_fd >= 0 || l->n_enter > 0 || l->enter_pidns_fd >= 0);
	if (!(l->enter_flags & CLONE_NEWTIME))
		flags |= CLONE_VM;
	if (l->unshare_flags & CLONE_NEWPID) {
		flags |= CLONE_NEWPID;
		/* With a new user namespace as well, the PID namespace must
		 * belong to it (else its /proc cannot be mounted inside). */
		if ((l->unshare_flags & CLONE_NEWUSER) && !c.user_last) {
			flags |= CLONE_NEWUSER;
			c.userns_in_clone = 1;
		}
	}
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &c.mask);
	if (l->enter_pidns_fd >= 0) {
		if (setns(l->enter_pidns_fd, CLONE_NEWPID) < 0) {
			int err = errno;

			sigprocmask(SIG_SETMASK, &c.mask, NULL);
			close(pipefd[0]);
			close(pipefd[1]);
			e->stage = STAGE_SETNS;
			e->err = err;
			return -1;
		}
		switched = 1;
	}
#ifdef __SANITIZE_ADDRESS__
	/* ASan cannot follow a child onto a stack of its own: fork there. */
	child = (pid_t)syscall(SYS_clone, (unsigned long)(flags & ~(CLONE_VM | CLONE_VFORK)),
			       NULL, NULL, NULL, NULL);
	if (child == 0)
		child_main(&c);
#else
	child = clone(child_main, stack, flags, &c);
#endif
	if (child < 0)
		e->err = errno;
	if (switched)
		setns(l->self_pidns_fd, CLONE_NEWPID);
	sigprocmask(SIG_SETMASK, &c.mask, NULL);
	close(pipefd[1]);
	if (child < 0) {
		close(pipefd[0]);
		e->stage = STAGE_CLONE;
		return -1;
	}
	do
		n = read(pipefd[0], e, sizeof(*e));
	while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	if (n == (ssize_t)sizeof(*e)) {
		while (waitpid(child, &status, 0) < 0 && errno == EINTR)
			;
		return -1;
	}
	memset(e, 0, sizeof(*e));
	*pidfd = (int)syscall(SYS_pidfd_open, child, 0);
	if (*pidfd < 0 && errno == ENOSYS) {
		/* valgrind does not know pidfd_open: the handle polls. */
		*pid = child;
		return 0;
	}
	if (*pidfd < 0) {
		int err = errno;

		kill(child, SIGKILL);
		while (waitpid(child, &status, 0) < 0 && errno == EINTR)
			;
		return fail_parent(e, err);
	}
	*pid = child;
	return 0;
}
