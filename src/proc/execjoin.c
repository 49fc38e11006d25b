/*
 * execjoin.c - what a command of ns_exec, spawn and pid_exec joins: a
 * named network namespace (with `ip netns exec`'s /etc/netns/NAME bind
 * mounts), the namespaces of a running process (as `nsenter -t PID`), a
 * UTS or mount namespace bound at a path.  Each opens the namespace files
 * into the call's struct launch; the child joins them (launch.c).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "exec.h"

#define NETNS_ETC_DIR "/etc/netns"

/* ip netns exec's bind mounts: every entry of /etc/netns/NAME. */
static void list_etc(lua_State *L, struct req *r, const char *name)
{
	char dir[512];
	struct dirent *e;
	DIR *d;
	int n = 0, cap = 0;

	if (strchr(name, '/'))
		return;
	snprintf(dir, sizeof(dir), NETNS_ETC_DIR "/%s", name);
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d)))
		cap++;
	rewinddir(d);
	r->l.etc_src = req_anchored_array(L, r, (size_t)cap, sizeof(char *));
	r->l.etc_dst = req_anchored_array(L, r, (size_t)cap, sizeof(char *));
	while ((e = readdir(d)) && n < cap) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		lua_pushfstring(L, "%s/%s", dir, e->d_name);
		r->l.etc_src[n] = (char *)lua_tostring(L, -1);
		req_anchor(L, r);
		lua_pushfstring(L, "/etc/%s", e->d_name);
		r->l.etc_dst[n] = (char *)lua_tostring(L, -1);
		req_anchor(L, r);
		n++;
	}
	closedir(d);
	r->l.n_etc = n;
}

/* Joins a named network namespace: its fd, and the mount work unless
 * mount = false. */
void req_join_netns(lua_State *L, struct req *r, const char *name, int mount)
{
	char path[512];

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), NSL_NETNS_DIR "/%s", name);
	r->l.netns_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->l.netns_fd < 0)
		req_fail(L, r, name, errno,
			     errno == ENOENT ? "no such network namespace" : NULL);
	r->l.netns_name = name;
	if (mount) {
		r->l.netns_mounts = 1;
		r->l.unshare_flags |= CLONE_NEWNS;
		list_etc(L, r, name);
	}
}

/* Does process pid share nsl's namespace of this kind? */
static int same_ns(pid_t pid, const char *proc)
{
	char path[64];
	struct stat a, b;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, proc);
	if (stat(path, &a) < 0)
		return 1;	/* the kernel lacks it: nothing to join */
	snprintf(path, sizeof(path), "/proc/self/ns/%s", proc);
	if (stat(path, &b) < 0)
		return 1;
	return a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

/* Joins the namespaces (kinds, -1: all) of a running process; the ones
 * it shares with nsl are skipped, as nsenter -a does, and the user
 * namespace comes first (nsenter's order), so the others can be joined
 * with the rights it gives.  A pidfd, where the kernel (not valgrind)
 * has one, makes sure the files opened belong to that very process. */
void req_join_pid(lua_State *L, struct req *r, lua_Integer pid, int flags)
{
	static const char *const order[] = {
		"user", "cgroup", "ipc", "uts", "net", "pid", "mnt", "time"
	};
	char path[64];
	int pidfd, i, k;

	snprintf(r->idbuf, sizeof(r->idbuf), "%lld", (long long)pid);
	if (pid <= 0 || pid > 0x7fffffff)
		req_fail(L, r, r->idbuf, ESRCH, NULL);
	pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (pidfd < 0 && (errno != ENOSYS || kill((pid_t)pid, 0) < 0))
		req_fail(L, r, r->idbuf, errno, NULL);
	for (i = 0; i < 8; i++) {
		int fd;

		for (k = 0; k < nsl_nkinds; k++)
			if (strcmp(nsl_kinds[k].proc, order[i]) == 0)
				break;
		if (k == nsl_nkinds || !(flags & nsl_kinds[k].flag) ||
		    same_ns((pid_t)pid, order[i]))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, order[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			int err = errno == ENOENT ? ESRCH : errno;

			if (pidfd >= 0)
				close(pidfd);
			req_fail(L, r, r->idbuf, err, NULL);
		}
		r->l.enter_flags |= nsl_kinds[k].flag;
		if (nsl_kinds[k].flag == CLONE_NEWPID) {
			r->l.enter_pidns_fd = fd;
		} else {
			r->enter_name[r->l.n_enter] = r->idbuf;
			r->l.enter_fd[r->l.n_enter] = fd;
			r->l.enter_flag[r->l.n_enter++] = nsl_kinds[k].flag;
		}
	}
	if (pidfd >= 0) {
		int gone = syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0;

		close(pidfd);
		if (gone)
			req_fail(L, r, r->idbuf, ESRCH, NULL);
	}
	if (r->l.enter_pidns_fd >= 0) {
		r->l.self_pidns_fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
		if (r->l.self_pidns_fd < 0)
			req_fail(L, r, "/proc/self/ns/pid", errno, NULL);
	}
}

/* opts.uts / opts.mnt: joins the UTS or mount namespace bound at that
 * path (a topology's hostname, made by _uts_add; a node's files and
 * private directories, _mnt_add), after the network one, through the
 * same setns list as `enter`.  In a joined mount namespace the command
 * starts in nsl's directory (as there), unless cwd says otherwise.
 * The path may come from a lab file anyone who could write the run
 * directory wrote: it is opened without waiting (a FIFO) nor following
 * a link, and must be a namespace file. */
void req_join_file(lua_State *L, struct req *r, const char *path, int flag)
{
	char here[4096];
	int fd;

	if (!path)
		return;
	if (r->l.n_enter >= (int)(sizeof(r->l.enter_fd) / sizeof(r->l.enter_fd[0])))
		req_fail(L, r, path, EINVAL, "too many namespaces to join");
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		req_fail(L, r, path, errno, errno == ELOOP ? "not a namespace file (a symbolic link)" : NULL);
	if (!nsl_is_nsfs_fd(fd)) {
		close(fd);
		req_fail(L, r, path, EINVAL, "not a namespace file");
	}
	r->enter_name[r->l.n_enter] = path;
	r->l.enter_fd[r->l.n_enter] = fd;
	r->l.enter_flag[r->l.n_enter++] = flag;
	r->l.enter_flags |= flag;
	if (flag == CLONE_NEWNS && getcwd(here, sizeof(here))) {
		lua_pushstring(L, here);
		r->l.keep_cwd = lua_tostring(L, -1);
		req_anchor(L, r);
	}
}
