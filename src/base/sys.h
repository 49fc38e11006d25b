/*
 * sys.h - the shared ground that needs no Lua: constants and helpers
 * every wing uses, so each exists once (mechanism files such as nlsock.c and
 * procio.c include this, never nsl.h).
 */
#ifndef NSL_SYS_H
#define NSL_SYS_H

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* Where named network namespaces live, as ip netns keeps them (exported
 * to Lua as nsl.core._netns_dir). */
#define NSL_NETNS_DIR "/run/netns"

/* Seconds on the monotonic clock (clock.c): the one clock of nsl, behind
 * now(), sleep(), timeouts and grace periods. */
double nsl_mono(void);

/* Is fd a namespace file (nsfs: /proc/PID/ns/... or a binding of one),
 * not a plain file, a FIFO or a directory?  1 or 0 (sys.c). */
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
 * it (fs.c).  Safe between fork and exec. */
enum nsl_out_why { NSL_OUT_OPEN, NSL_OUT_LINK, NSL_OUT_TYPE, NSL_OUT_OWNER };
int nsl_open_out(const char *path, enum nsl_out_why *why);

#endif
