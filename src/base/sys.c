/*
 * sys.c - the system helpers that need no Lua (sys.h), shared by every
 * floor: /proc/PID/stat (the one parser), a file's identity, the nsfs
 * check, the monotonic clock, careful writes and opens of files, the
 * host's user database, and the names of signals.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/magic.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "sys.h"

/* See sys.h.  The command name (field 2) is in parentheses and may hold
 * anything, ')' and spaces included: the fields after it start after the
 * LAST ')' of the file. */
int nsl_proc_stat(long pid, struct nsl_pstat *st)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	ssize_t n;
	int fd, i, ppid = 0;

	if (pid <= 0)
		return -ESRCH;
	if (pid == (long)getpid())
		snprintf(path, sizeof(path), "/proc/self/stat");
	else
		snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -ESRCH;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2])
		return -EINVAL;
	st->state = p[2];
	p += 3;
	/* fields 4 (ppid) .. 22 (starttime), counted from field 3 */
	for (i = 4; i <= 22 && p; i++) {
		while (*p == ' ')
			p++;
		if (i == 4)
			ppid = atoi(p);
		else if (i == 22)
			start = strtoull(p, NULL, 10);
		p = strchr(p, ' ');
	}
	if (i <= 22)
		return -EINVAL;
	st->ppid = ppid;
	st->start = start;
	return 0;
}

/* The identity of what path names, as "dev:ino" into buf (a namespace
 * file's dev:ino is the namespace's); 0 or -errno. */
static int format_id(const struct stat *sb, char *buf, size_t len)
{
	snprintf(buf, len, "%llu:%llu", (unsigned long long)sb->st_dev,
		 (unsigned long long)sb->st_ino);
	return 0;
}

int nsl_file_id(const char *path, char *buf, size_t len)
{
	struct stat sb;

	return stat(path, &sb) < 0 ? -errno : format_id(&sb, buf, len);
}

/* The same for an open descriptor. */
int nsl_fd_id(int fd, char *buf, size_t len)
{
	struct stat sb;

	return fstat(fd, &sb) < 0 ? -errno : format_id(&sb, buf, len);
}

/* Is fd a namespace file (on nsfs: /proc/PID/ns/... or a binding of
 * one), not a plain file, a FIFO or a directory?  1 or 0. */
int nsl_is_nsfs_fd(int fd)
{
	struct statfs sfs;

	return fstatfs(fd, &sfs) == 0 && sfs.f_type == NSFS_MAGIC;
}

/* See sys.h: seconds on the monotonic clock. */
double nsl_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* See sys.h. */
int nsl_write_all(int fd, const char *buf, size_t len, size_t *done)
{
	ssize_t w;

	*done = 0;
	while (*done < len) {
		w = write(fd, buf + *done, len - *done);
		if (w > 0)
			*done += (size_t)w;
		else if (w == 0)
			return -EIO;
		else if (errno != EINTR)
			return -errno;
	}
	return 0;
}

/* See sys.h. */
int nsl_open_out(const char *path, enum nsl_out_why *why)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	struct stat st, ds;
	size_t n = !slash ? 0 : slash == path ? 1 : (size_t)(slash - path);
	int fd, err = 0;

	*why = NSL_OUT_OPEN;
	fd = open(path, O_WRONLY | O_CREAT | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
	if (fd < 0) {
		if (errno == ELOOP)
			*why = NSL_OUT_LINK;
		return -errno;
	}
	if (n >= sizeof(dir))
		n = sizeof(dir) - 1;
	memcpy(dir, n ? path : ".", n ? n : 1);
	dir[n ? n : 1] = '\0';
	if (fstat(fd, &st) < 0 || stat(dir, &ds) < 0)
		err = errno;
	else if (!S_ISREG(st.st_mode))
		err = EINVAL, *why = NSL_OUT_TYPE;
	else if ((ds.st_mode & (S_ISVTX | S_IWOTH)) == (S_ISVTX | S_IWOTH) &&
		 ((st.st_uid != geteuid() && st.st_uid != ds.st_uid) || st.st_nlink > 1))
		err = EACCES, *why = NSL_OUT_OWNER;
	else if (fcntl(fd, F_SETFL, 0) < 0)	/* blocking from here */
		err = errno;
	if (err) {
		close(fd);
		return -err;
	}
	return fd;
}

/* See sys.h. */
int nsl_write_whole(const char *path, const char *text, size_t len, mode_t mode)
{
	char tmp[PATH_MAX];
	size_t done;
	int fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	err = -nsl_write_all(fd, text, len, &done);
	if (!err && fsync(fd) < 0 && errno != EINVAL)
		err = errno;
	if (close(fd) < 0 && !err)
		err = errno;
	if (!err && rename(tmp, path) < 0)
		err = errno;
	if (err)
		unlink(tmp);
	return -err;
}

/* See sys.h.  A number is taken as is; a name is looked up in the host's
 * user database (getpwnam). */
int nsl_user_lookup(const char *name, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(name, &end, 10);
	if (*name && !*end && n < 0xffffffffUL) {
		*uid = (uid_t)n;
		pw = getpwuid(*uid);
		*gid = pw ? pw->pw_gid : (gid_t)n;
		return 0;
	}
	pw = getpwnam(name);
	if (!pw)
		return -1;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

/* See sys.h. */
int nsl_group_lookup(const char *name, gid_t *gid)
{
	struct group *gr;
	char *end;
	unsigned long n = strtoul(name, &end, 10);

	if (*name && !*end && n < 0xffffffffUL) {
		*gid = (gid_t)n;
		return 0;
	}
	gr = getgrnam(name);
	if (!gr)
		return -1;
	*gid = gr->gr_gid;
	return 0;
}

/* See sys.h: the one table of signal names, in C and, as core.signals
 * (name -> number), in Lua. */
const char *const nsl_signames[] = {
	[SIGHUP] = "HUP", [SIGINT] = "INT", [SIGQUIT] = "QUIT",
	[SIGILL] = "ILL", [SIGTRAP] = "TRAP", [SIGABRT] = "ABRT",
	[SIGBUS] = "BUS", [SIGFPE] = "FPE", [SIGKILL] = "KILL",
	[SIGUSR1] = "USR1", [SIGSEGV] = "SEGV", [SIGUSR2] = "USR2",
	[SIGPIPE] = "PIPE", [SIGALRM] = "ALRM", [SIGTERM] = "TERM",
	[SIGCHLD] = "CHLD", [SIGCONT] = "CONT", [SIGSTOP] = "STOP",
	[SIGTSTP] = "TSTP", [SIGTTIN] = "TTIN", [SIGTTOU] = "TTOU",
	[SIGURG] = "URG", [SIGXCPU] = "XCPU", [SIGXFSZ] = "XFSZ",
	[SIGVTALRM] = "VTALRM", [SIGPROF] = "PROF", [SIGWINCH] = "WINCH",
	[SIGIO] = "IO", [SIGPWR] = "PWR", [SIGSYS] = "SYS",
};
const int nsl_nsignames = (int)(sizeof(nsl_signames) / sizeof(nsl_signames[0]));

/* See sys.h. */
int nsl_signum(const char *name)
{
	int i;

	if (strncmp(name, "SIG", 3) == 0)
		name += 3;
	for (i = 1; i < nsl_nsignames; i++)
		if (nsl_signames[i] && strcmp(nsl_signames[i], name) == 0)
			return i;
	return 0;
}
