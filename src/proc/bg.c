/*
 * bg.c - the two halves of a background process that is a fork of nsl
 * (no exec), as proxy and capture start: the child's setup, and the
 * parent's adoption of it as a process handle recorded for --clean.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec.h"

/* See exec.h. */
pid_t nsl_bg_fork(void)
{
	sigset_t all, old;
	pid_t pid;
	int err;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = fork();
	err = errno;
	if (pid != 0)
		sigprocmask(SIG_SETMASK, &old, NULL);
	errno = err;
	return pid;
}

/* See exec.h. */
void nsl_bg_child(pid_t parent, int keep_stdout, const int *keep, int nkeep, int hold_stop)
{
	static const int handled[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	sigset_t held;
	size_t i;
	int null, fd, j, kept;

	for (i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		signal(handled[i], SIG_DFL);
	sigemptyset(&held);
	if (hold_stop) {
		sigaddset(&held, SIGTERM);
		sigaddset(&held, SIGINT);
	}
	sigprocmask(SIG_SETMASK, &held, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	setpgid(0, 0);
	null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		if (!keep_stdout)
			dup2(null, 1);
		dup2(null, 2);
	}
	/* every fd from 3 on closed but the kept ones (few: a loop
	 * up to the highest kept, one close_range past it) */
	kept = 2;
	for (j = 0; j < nkeep; j++)
		if (keep[j] > kept)
			kept = keep[j];
	for (fd = 3; fd < kept; fd++) {
		for (j = 0; j < nkeep && keep[j] != fd; j++)
			;
		if (j == nkeep)
			close(fd);
	}
	syscall(SYS_close_range, (unsigned)kept + 1, ~0U, 0U);
}

/* See exec.h. */
int nsl_bg_adopt(lua_State *L, pid_t pid, const char *prim, const char *object)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), err;

	if (pidfd < 0) {
		err = errno;
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return nsl_fail(L, prim, object, err, "pidfd_open: %s", strerror(err));
	}
	nsl_proc_push(L, pid, pidfd, -1, NULL, 0, -1, -1, 1, 2.0);
	nsl_proc_record(pid);
	nsl_proc_anchor(L, -1);
	return 1;
}
