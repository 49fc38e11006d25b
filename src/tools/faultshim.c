/*
 * faultshim.c - an LD_PRELOAD shim for the fault-injection specs
 * (spec/faults_spec.lua): raises a chosen signal in the nsl process just
 * before the Nth of the system calls that change or ask the kernel
 * (netlink send and receive, mount, unshare, link, unlink, write...),
 * so a spec can walk a signal through every step of a run.
 *
 *   FAULT_N=k      raise before the k-th such call (0 or unset: never)
 *   FAULT_SIG=n    the signal (default SIGTERM); 9 kills at once
 *   FAULT_REPORT=path   at exit, write "<calls>\n" there (how many steps
 *                  a run has, for the walk)
 *   FAULT_UNLINK=s unlink of a path containing s fails with EPERM (a
 *                  teardown that cannot remove a namespace)
 *   FAULT_WRITE0=s a write of a buffer starting with s writes nothing
 *                  and returns 0 (a device that takes no more)
 *
 * Only the process that loaded the shim first counts: it sets
 * FAULT_OWNER to its pid, so the children nsl starts (which inherit
 * LD_PRELOAD) count nothing.  A build-time test tool: never part of nsl.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static long calls, fault_at;
static const char *fail_unlink, *write0;
static int fault_sig = SIGTERM, active;
static pid_t owner_pid;

#define FUNCS(X) X(sendto) X(sendmsg) X(recvmsg) X(recvfrom) X(mount) \
	X(umount2) X(unshare) X(setns) X(link) X(unlink) X(sethostname) \
	X(kill) X(write)
#define DECLARE(name) static __typeof__(name) *real_##name;
FUNCS(DECLARE)

/* Loads the settings once, in the first process only. */
__attribute__((constructor)) static void shim_init(void)
{
	const char *owner = getenv("FAULT_OWNER"), *s;
	char pid[32];

	/* Resolved here, never in a child sharing our memory (CLONE_VM). */
#define RESOLVE(name) real_##name = (__typeof__(name) *)dlsym(RTLD_NEXT, #name);
	FUNCS(RESOLVE)
	if (owner && atol(owner) != (long)getpid())
		return;	/* a child of the owner: inert */
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("FAULT_OWNER", pid, 1);
	s = getenv("FAULT_N");
	fault_at = s ? atol(s) : 0;
	s = getenv("FAULT_SIG");
	if (s && atoi(s) > 0)
		fault_sig = atoi(s);
	fail_unlink = getenv("FAULT_UNLINK");
	write0 = getenv("FAULT_WRITE0");
	owner_pid = getpid();
	active = 1;
}

/* Writes how many calls the run made to FAULT_REPORT. */
__attribute__((destructor)) static void shim_fini(void)
{
	const char *path = getenv("FAULT_REPORT");
	char buf[32];
	int fd, n;

	if (!active || !path || getpid() != owner_pid)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return;
	n = snprintf(buf, sizeof(buf), "%ld\n", calls);
	if (real_write(fd, buf, (size_t)n) < 0)
		n = 0;
	close(fd);
}

/* One step: counts the call, raises the signal at the chosen one;
 * FAULT_TRACE=1 names each step on stderr. */
static void step(const char *name)
{
	char buf[64];
	int n;

	if (!active || getpid() != owner_pid)
		return;
	++calls;
	if (getenv("FAULT_TRACE")) {
		n = snprintf(buf, sizeof(buf), "step %ld: %s\n", calls, name);
		real_write(2, buf, (size_t)n);
	}
	if (calls == fault_at) {
		if (fault_sig == SIGKILL)
			kill(getpid(), SIGKILL);
		raise(fault_sig);
	}
}

#define REAL(name) (void)0

/* The wrappers: each counts one step (see step) and calls libc's own
 * function with the same arguments, returning what it returns. */

ssize_t sendto(int fd, const void *buf, size_t len, int flags,
	       const struct sockaddr *to, socklen_t tolen)
{
	REAL(sendto);
	step("sendto");
	return real_sendto(fd, buf, len, flags, to, tolen);
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	REAL(sendmsg);
	step("sendmsg");
	return real_sendmsg(fd, msg, flags);
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	REAL(recvmsg);
	step("recvmsg");
	return real_recvmsg(fd, msg, flags);
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags,
		 struct sockaddr *from, socklen_t *fromlen)
{
	REAL(recvfrom);
	step("recvfrom");
	return real_recvfrom(fd, buf, len, flags, from, fromlen);
}

int mount(const char *src, const char *dst, const char *type,
	  unsigned long flags, const void *data)
{
	REAL(mount);
	step("mount");
	return real_mount(src, dst, type, flags, data);
}

int umount2(const char *target, int flags)
{
	REAL(umount2);
	step("umount2");
	return real_umount2(target, flags);
}

int unshare(int flags)
{
	REAL(unshare);
	step("unshare");
	return real_unshare(flags);
}

int setns(int fd, int type)
{
	REAL(setns);
	step("setns");
	return real_setns(fd, type);
}

int link(const char *from, const char *to)
{
	REAL(link);
	step("link");
	return real_link(from, to);
}

int unlink(const char *path)
{
	REAL(unlink);
	step("unlink");
	if (active && getpid() == owner_pid && fail_unlink && *fail_unlink &&
	    strstr(path, fail_unlink)) {
		errno = EPERM;
		return -1;
	}
	return real_unlink(path);
}

int sethostname(const char *name, size_t len)
{
	REAL(sethostname);
	step("sethostname");
	return real_sethostname(name, len);
}

int kill(pid_t pid, int sig)
{
	REAL(kill);
	if (pid != getpid())
		step("kill");
	return real_kill(pid, sig);
}

ssize_t write(int fd, const void *buf, size_t len)
{
	REAL(write);
	if (fd > 2)	/* the record, pipes to children: not the terminal */
		step("write");
	if (active && write0 && *write0 && getpid() == owner_pid && len >= strlen(write0) &&
	    memcmp(buf, write0, strlen(write0)) == 0)
		return 0;
	return real_write(fd, buf, len);
}
