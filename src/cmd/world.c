/*
 * world.c - what the parts of a rootless world share (world.h): dying
 * with a message, the capability check, finding a helper program, and
 * the registry file of this run's world ($XDG_RUNTIME_DIR/nsl/world-<pid>)
 * that nsl ls, show and exec read (worlds.c).
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/sys.h"
#include "rootless.h"
#include "world.h"

void nsl_world_die(const char *what)
{
	fprintf(stderr, "nsl: --rootless: %s: %s\n", what, strerror(errno));
	_exit(EXIT_FAILURE);
}

/* CAP_NET_ADMIN and CAP_SYS_ADMIN in the effective set: what building
 * namespaces needs (nsl.test's privileged() asks the same). */
int nsl_world_privileged(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0)
		return 0;
	return (data[0].effective & (1u << CAP_NET_ADMIN)) &&
	       (data[0].effective & (1u << CAP_SYS_ADMIN));
}

int nsl_world_helper(const char *name, char *path, size_t size)
{
	static const char *const dirs[] = { "/usr/bin", "/bin", "/usr/sbin", "/sbin" };
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, size, "%s/%s", dirs[i], name);
		if (access(path, X_OK) == 0)
			return 1;
	}
	return 0;
}

/* The registry of the caller's worlds: $XDG_RUNTIME_DIR/nsl/world-<pid>
 * (the outer pid) holds "<pid of the world's pid 1> <its start time>", so
 * that nsl ls, show and exec, run later without privileges, join the
 * world.  The outer process removes its file when it ends; a SIGKILL
 * leaves it, and the reader drops a file whose process is gone. */
static char registry[512];
static char label[64];	/* a keeper's lab name, or "" */

void nsl_world_label(const char *name)
{
	size_t i;

	snprintf(label, sizeof(label), "%s", name);
	for (i = 0; label[i]; i++)	/* one word in the file */
		if (label[i] <= ' ')
			label[i] = '_';
}

int nsl_world_joined;

void nsl_world_unregister(void)
{
	if (registry[0])
		unlink(registry);
	registry[0] = '\0';
}

/* See world.h. */
int nsl_world_dir(char *dir, size_t size)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (xdg == NULL || xdg[0] != '/')
		return 0;
	return snprintf(dir, size, "%s/nsl", xdg) < (int)size;
}

/* See world.h: field 22 of /proc/PID/stat, 0 when pid is gone. */
unsigned long long nsl_world_start(pid_t pid)
{
	struct nsl_pstat st;

	return nsl_proc_stat((long)pid, &st) < 0 ? 0 : st.start;
}

void nsl_world_register(pid_t world)
{
	char dir[448], text[128];

	if (!nsl_world_dir(dir, sizeof(dir)))
		return;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return;
	/* Written whole under another name, then renamed into place: a
	 * reader never sees it empty or half written. */
	snprintf(registry, sizeof(registry), "%s/world-%d", dir, (int)getpid());
	snprintf(text, sizeof(text), "%d %llu%s%s\n", (int)world, nsl_world_start(world),
		 label[0] ? " " : "", label);
	if (nsl_write_whole(registry, text, strlen(text), 0600) < 0)
		registry[0] = '\0';
}
