/*
 * sys.h - the shared ground that needs no Lua: constants and helpers
 * every wing uses, so each exists once (mechanism files such as nlsock.c and
 * procio.c include this, never nsl.h).
 */
#ifndef NSL_SYS_H
#define NSL_SYS_H

#include <fcntl.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* Where named network namespaces live, as ip netns keeps them (exported
 * to Lua as nsl.core._netns_dir). */
#define NSL_NETNS_DIR "/run/netns"

/* Seconds on the monotonic clock: the one clock of nsl, behind
 * now(), sleep(), timeouts and grace periods. */
double nsl_mono(void);

/* Is fd a namespace file (nsfs: /proc/PID/ns/... or a binding of one),
 * not a plain file, a FIFO or a directory?  1 or 0 */
int nsl_is_nsfs_fd(int fd);

/* Writes text, whole, to an existing file (a /proc map or setting); 0,
 * or -1 with errno (a short write counts as a failure).  Safe in the
 * launcher's child: no allocation, no Lua. */
static inline int nsl_write_file(const char *path, const char *text)
{
	size_t len = strlen(text);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

/* Opens path to write (made 0644 when missing, never truncated here) as
 * the kernel's protected_regular would let a careful root: not through a
 * symbolic link, a regular file only, and in a sticky world-writable
 * directory (/tmp) neither another user's file (its owner the
 * directory's, or our euid) nor one with a second link.  The fd
 * (O_CLOEXEC, blocking), or -errno with *why saying which check refused
 * it.  Safe between fork and exec. */
enum nsl_out_why { NSL_OUT_OPEN, NSL_OUT_LINK, NSL_OUT_TYPE, NSL_OUT_OWNER };
int nsl_open_out(const char *path, enum nsl_out_why *why);

/* /proc/PID/stat's state, ppid and start time
 * (clock ticks since boot), robust to any command name; 0 or -errno
 * (-ESRCH: no such process). */
struct nsl_pstat {
	char state;
	int ppid;
	unsigned long long start;
};
int nsl_proc_stat(long pid, struct nsl_pstat *st);

/* "dev:ino" of what path (or fd) names into buf; 0 or -errno. */
int nsl_file_id(const char *path, char *buf, size_t len);
int nsl_fd_id(int fd, char *buf, size_t len);

/* A user (name or number) from the host's user database: its uid and
 * primary gid; 0, or -1 when there is none.  A group's gid
 * likewise. */
int nsl_user_lookup(const char *name, uid_t *uid, gid_t *gid);
int nsl_group_lookup(const char *name, gid_t *gid);

/* Writes len bytes of text to path whole or not at all: into "<path>.tmp"
 * (mode, O_NOFOLLOW), checked for every error and short write, synced,
 * then renamed over path; on any failure the tmp file is removed and
 * path keeps what it held.  0 or -errno. */
int nsl_write_whole(const char *path, const char *text, size_t len, mode_t mode);

/* Writes len bytes of buf to fd, again after a short write or EINTR, until
 * all are written or one fails; *done says how many were.  0 or -errno. */
int nsl_write_all(int fd, const char *buf, size_t len, size_t *done);

/* The signal names without "SIG", by number ([SIGTERM] = "TERM"; NULL
 * where there is none), the one table of them (core.signals is made from
 * it), and the number of a name ("TERM" or "SIGTERM"), 0 when unknown. */
extern const char *const nsl_signames[];
extern const int nsl_nsignames;
int nsl_signum(const char *name);

#endif
