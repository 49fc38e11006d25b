/*
 * worlds.c - finding and joining rootless worlds.
 *
 * While a world runs, $XDG_RUNTIME_DIR/nsl/world-<outer pid> holds "<pid of
 * its pid 1> <start time>" (nsl_world_register, removed at the run's end;
 * a SIGKILL leaves it and the next reader drops it).  nsl ls, show and exec
 * find the live worlds there (root: under every /run/user/N/nsl too) and
 * join one, user namespace first as nsenter does, then its mount, network
 * and PID namespaces: the one --world PID names; unprivileged, the only one
 * there is (several: an error listing them); ls lists them all, each from
 * a process joined to it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/nsfs.h>
#include <signal.h>
#include <string.h>
#include <grp.h>
#include <limits.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "args.h"
#include "rootless.h"
#include "world.h"

/* The live worlds of a registry directory; stale files go. */
struct world {
	pid_t outer, init;	/* the pid the caller started, the world's pid 1 */
	uid_t uid;	/* whose world */
	unsigned long long start;	/* pid 1's start time */
	char label[64];	/* the lab its keeper keeps, or "" */
	char bad[1024];	/* why it is not to be joined, or "" */
};

#define MAX_WORLDS 64

static const char *const ns_kinds[] = { "user", "mnt", "net", "pid" };

/* Opens the world's user, mount, network and PID namespaces in fds and
 * checks they are what its registry file says: a world of uid owner
 * (the owner of the registry directory, of the file, of pid 1 and of its
 * user namespace all agree), below the caller's own user namespace (never
 * the machine's), and its pid 1 still the one the file names (after the
 * opening: a reused pid has another start time).  0, or -1 with why in
 * w->bad and nothing left open.  A registry file is written by its user:
 * root, which looks in every user's, must not be sent elsewhere by it. */
static int world_open(struct world *w, uid_t owner, int fds[4])
{
	char path[64];
	struct stat st;
	uid_t ns_uid;
	int parent;
	size_t i;

	for (i = 0; i < 4; i++)
		fds[i] = -1;
	if (w->bad[0])
		return -1;
	snprintf(path, sizeof(path), "/proc/%d", (int)w->init);
	if (stat(path, &st) < 0) {
		snprintf(w->bad, sizeof(w->bad), "its pid 1 (%d) is gone", (int)w->init);
		return -1;
	}
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)w->init, ns_kinds[i]);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) {
			snprintf(w->bad, sizeof(w->bad), "%s: %s", path, strerror(errno));
			goto bad;
		}
	}
	if (st.st_uid != owner) {
		snprintf(w->bad, sizeof(w->bad), "its pid 1 (%d) is uid %u's, not uid %u's",
			 (int)w->init, (unsigned)st.st_uid, (unsigned)owner);
		goto bad;
	}
	if (ioctl(fds[0], NS_GET_OWNER_UID, &ns_uid) < 0 || ns_uid != owner) {
		snprintf(w->bad, sizeof(w->bad), "the user namespace of its pid 1 (%d) is "
			 "not uid %u's", (int)w->init, (unsigned)owner);
		goto bad;
	}
	parent = ioctl(fds[0], NS_GET_PARENT);
	if (parent < 0) {
		snprintf(w->bad, sizeof(w->bad), "its pid 1 (%d) is in %s user namespace, "
			 "not one of its own", (int)w->init,
			 errno == EPERM ? "the machine's (or an outer)" : "an unknown");
		goto bad;
	}
	close(parent);
	if (nsl_world_start(w->init) != w->start) {
		snprintf(w->bad, sizeof(w->bad), "its pid 1 (%d) is gone", (int)w->init);
		goto bad;
	}
	return 0;
bad:
	for (i = 0; i < 4; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return -1;
}

/* A pid written as plain digits (1 .. INT_MAX), then end (a space, a
 * newline, the string's end): the pid, or 0 (1.5, 1e3, 20 digits, -1). */
static pid_t plain_pid(const char *text, char **end)
{
	long v;

	if (*text < '0' || *text > '9')
		return 0;
	errno = 0;
	v = strtol(text, end, 10);
	if (errno || v <= 0 || v > INT_MAX)
		return 0;
	return (pid_t)v;
}

/* world-<pid>, nothing else (not a world-<pid>.tmp being written). */
static int registry_name(const char *name)
{
	char *end;

	return strncmp(name, "world-", 6) == 0 && plain_pid(name + 6, &end) > 0 && *end == '\0';
}

/* A registry file's text, "<pid> <start time>[ <lab name>]\n" (the name
 * one word of at most lablen - 1 printable bytes, nsl up's): 0, with
 * lab "" when it has none, or -1 when it is anything else. */
static int registry_text(const char *text, pid_t *pid, unsigned long long *start,
			 char *lab, size_t lablen)
{
	char *end;
	size_t n = 0;

	lab[0] = '\0';
	*pid = plain_pid(text, &end);
	if (*pid == 0 || *end != ' ' || end[1] < '0' || end[1] > '9')
		return -1;
	errno = 0;
	*start = strtoull(end + 1, &end, 10);
	if (errno)
		return -1;
	if (*end == ' ') {
		for (end++; *end > ' ' && *end < 127; end++) {
			if (n + 1 >= lablen)
				return -1;
			lab[n++] = *end;
		}
		lab[n] = '\0';
		if (n == 0)
			return -1;
	}
	return *end != '\n' && *end != '\0' ? -1 : 0;
}

/* The worlds in dir, whose files uid owner wrote (dir_bad: why none of
 * them is to be joined, or NULL).  A file whose world is gone goes, when
 * the process that wrote it is gone too; an empty one is skipped (never
 * removed: its writer may be at work). */
static int registry_scan(const char *dir, uid_t owner, const char *dir_bad,
			 struct world *w, int n)
{
	char path[768], text[128], lab[64];
	struct dirent *e;
	struct stat st;
	DIR *d = opendir(dir);

	if (d == NULL)
		return n;
	while (n < MAX_WORLDS && (e = readdir(d)) != NULL) {
		int fd, i, fds[4];
		pid_t pid = 0;
		struct world one;
		unsigned long long t = 0;
		ssize_t len;
		pid_t outer;

		if (!registry_name(e->d_name))
			continue;
		outer = plain_pid(e->d_name + 6, NULL);
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			close(fd);
			continue;
		}
		len = read(fd, text, sizeof(text) - 1);
		close(fd);
		if (len <= 0)
			continue;	/* being written, or not ours to judge */
		text[len] = '\0';
		if (registry_text(text, &pid, &t, lab, sizeof(lab)) < 0 || nsl_world_start(pid) != t) {
			if (outer > 0 && kill(outer, 0) < 0 && errno == ESRCH)
				unlink(path);	/* its world is gone */
			continue;
		}
		memset(&one, 0, sizeof(one));
		one.outer = outer;
		one.init = pid;
		one.uid = st.st_uid;
		one.start = t;
		snprintf(one.label, sizeof(one.label), "%s", lab);
		if (dir_bad)
			snprintf(one.bad, sizeof(one.bad), "%s", dir_bad);
		else if (st.st_uid != owner)
			snprintf(one.bad, sizeof(one.bad), "its file %s is uid %u's, not uid %u's",
				 path, (unsigned)st.st_uid, (unsigned)owner);
		if (world_open(&one, owner, fds) == 0)
			for (i = 0; i < 4; i++)
				close(fds[i]);
		/* The same world twice (root's $XDG_RUNTIME_DIR is a user's
		 * /run/user/N): the judgement that trusts it stands. */
		for (i = 0; i < n && w[i].init != pid; i++)
			;
		if (i < n && (one.bad[0] || !w[i].bad[0]))
			continue;
		w[i] = one;
		if (i == n)
			n++;
	}
	closedir(d);
	return n;
}

/* The worlds nsl ls, show and exec may join: the caller's own
 * ($XDG_RUNTIME_DIR/nsl); for root, every user's too (/run/user/N/nsl,
 * where only uid N's worlds are believed). */
static int worlds_find(struct world *w, int root)
{
	char dir[448], why[512];
	struct stat st;
	int n = 0;

	if (nsl_world_dir(dir, sizeof(dir)))
		n = registry_scan(dir, geteuid(), NULL, w, n);
	if (root) {
		DIR *d = opendir("/run/user");
		struct dirent *e;

		while (d && (e = readdir(d)) != NULL) {
			char *end;
			unsigned long uid = strtoul(e->d_name, &end, 10);
			const char *bad = NULL;

			if (e->d_name[0] < '0' || e->d_name[0] > '9' || *end != '\0')
				continue;
			snprintf(dir, sizeof(dir), "/run/user/%s", e->d_name);
			if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
				continue;
			if (st.st_uid != (uid_t)uid) {
				snprintf(why, sizeof(why), "%s is uid %u's, not uid %lu's", dir,
					 (unsigned)st.st_uid, uid);
				bad = why;
			}
			snprintf(dir, sizeof(dir), "/run/user/%s/nsl", e->d_name);
			n = registry_scan(dir, (uid_t)uid, bad, w, n);
		}
		if (d)
			closedir(d);
	}
	return n;
}

static const char *user_name(uid_t uid, char *buf, size_t size)
{
	struct passwd *pw = getpwuid(uid);

	if (pw)
		snprintf(buf, size, "%s", pw->pw_name);
	else
		snprintf(buf, size, "uid %u", (unsigned)uid);
	return buf;
}

/* "1234 (nobody), 5678 (alice)" */
static void worlds_text(const struct world *w, int n, char *out, size_t size)
{
	char name[64];
	int i;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		size_t len = strlen(out);

		snprintf(out + len, size - len, "%s%d (%s)", i ? ", " : "", (int)w[i].outer,
			 user_name(w[i].uid, name, sizeof(name)));
	}
}

/* Joins a world, user namespace first as nsenter does (it gives the
 * rights the others need), then its mount, network and PID namespaces,
 * and becomes the world's root, as nsenter does: the user whose world it
 * is, so that root, joined to a world its user shaped (its mounts, its
 * files), never acts there with root's own identity (supplementary
 * groups are dropped before, while that is still allowed).  main then
 * loads nothing from the world's file system (nsl_world_joined).
 * Returns in a child (joining a PID namespace takes effect in children),
 * which dies with the world; this process follows it and exits as it
 * does. */
static void world_join(struct world *w, const char *cmd)
{
	int fds[4];
	pid_t child, parent = getpid();
	size_t i;

	if (world_open(w, w->uid, fds) < 0) {
		fprintf(stderr, "nsl: %s: rootless world %d refused: %s\n", cmd, (int)w->outer,
			w->bad);
		_exit(EXIT_FAILURE);
	}
	if (setgroups(0, NULL) < 0 && errno != EPERM)
		nsl_world_die("setgroups");
	for (i = 0; i < 4; i++) {
		if (setns(fds[i], 0) < 0)
			nsl_world_die(ns_kinds[i]);
		close(fds[i]);
	}
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		nsl_world_die("setresuid");
	nsl_world_joined = 1;
	if (chdir("/") < 0)
		nsl_world_die("chdir");
	fflush(NULL);
	child = fork();
	if (child < 0)
		nsl_world_die("fork");
	if (child > 0)
		nsl_world_follow(child, -1);
	/* It dies with this process.  Its parent is outside its PID
	 * namespace (getppid() is 0): any other parent means this process
	 * is gone and it was handed to a reaper. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != 0 && getppid() != parent)
		_exit(127);
}

/* The world whose keeper keeps the lab the subcommand's first word
 * names (nsl down NAME, link NAME ...), or -1. */
static int lab_world(const struct world *w, int n, const char *run)
{
	int i, found = -1;

	if (!run)
		return -1;
	for (i = 0; i < n; i++) {
		if (w[i].label[0] && strcmp(w[i].label, run) == 0) {
			if (found >= 0)
				return -1;	/* two of that name: --world */
			found = i;
		}
	}
	return found;
}

int nsl_rootless_join(void)
{
	const struct nsl_args *a = &nsl_args;
	char **argv = a->argv;
	struct world w[MAX_WORLDS];
	const char *env = getenv("NSL_ROOTLESS");
	const char *want;
	char list[2048], name[64];
	int n, all, i, root, st, failed = 0, all_labs = 0;

	/* dot runs nothing; up starts a keeper (_keep), which goes into a
	 * world of its own as a script does. */
	if (!a->subcommand || strcmp(argv[1], "dot") == 0 ||
	    strcmp(argv[1], "up") == 0 || strcmp(argv[1], "_keep") == 0)
		return 0;
	want = a->world;
	root = nsl_world_privileged();
	if (!root && !nsl_world_dir(list, sizeof(list))) {
		/* Where worlds are looked for, and how to point there: nsl.cli
		 * adds it to what it could not find (NSL_NO_REGISTRY). */
		snprintf(list, sizeof(list), "XDG_RUNTIME_DIR is not set (or not absolute), so no "
			 "rootless world was looked for: a world registers in "
			 "$XDG_RUNTIME_DIR/nsl/world-PID; set it as the world's nsl had it "
			 "(XDG_RUNTIME_DIR=/run/user/%u)", (unsigned)getuid());
		setenv("NSL_NO_REGISTRY", list, 1);
		if (want) {
			fprintf(stderr, "nsl: %s: no rootless world %s: %s\n", argv[1], want, list);
			exit(EXIT_FAILURE);
		}
	}
	if (!want && ((env && strcmp(env, "0") == 0)))
		return 0;
	all = worlds_find(w, root);
	/* The worlds to join first, then those refused (world_open). */
	for (i = 0, n = 0; i < all; i++) {
		if (!w[i].bad[0]) {
			struct world tmp = w[n];

			w[n++] = w[i];
			w[i] = tmp;
		}
	}
	worlds_text(w, n, list, sizeof(list));
	if (want) {
		char *end;
		long pid = strtol(want, &end, 10);

		for (i = 0; i < all && !(*end == '\0' && w[i].outer == pid); i++)
			;
		if (i == all) {
			fprintf(stderr, "nsl: %s: no rootless world %s (%s%s)\n", argv[1], want,
				n ? "running: " : "none runs", list);
			exit(EXIT_FAILURE);
		}
		world_join(&w[i], argv[1]);
		return 1;
	}
	/* A world not to be trusted is named, never joined. */
	for (i = n; i < all; i++)
		fprintf(stderr, "nsl: %s: rootless world %d of %s skipped: %s\n", argv[1],
			(int)w[i].outer, user_name(w[i].uid, name, sizeof(name)), w[i].bad);
	if (!root && n > 1 && strcmp(argv[1], "down") == 0)
		all_labs = a->all;
	if (strcmp(argv[1], "ls") != 0 && !all_labs) {
		/* show, exec: root stays in its own world; a user goes to the
		 * one world there is, and must choose among several (a lab's
		 * name chooses its keeper's world). */
		if (root || n == 0)
			return 0;
		if (n > 1 && (i = lab_world(w, n, a->lab)) >= 0) {
			world_join(&w[i], argv[1]);
			return 1;
		}
		if (n > 1) {
			fprintf(stderr, "nsl: %s: %d rootless worlds run: %s; choose one with "
				"--world PID\n", argv[1], n, list);
			exit(EXIT_FAILURE);
		}
		world_join(&w[0], argv[1]);
		return 1;
	}
	/* ls: every world, each listed by a process joined to it (headed by
	 * a line, or with "world" in its JSON document: one line each), then,
	 * for root, this machine's own runs. */
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		pid_t pid;
		char env_world[128];

		if (!a->json && !all_labs)
			printf("rootless world %d of %s:\n", (int)w[i].outer,
			       user_name(w[i].uid, name, sizeof(name)));
		fflush(NULL);
		pid = fork();
		if (pid < 0)
			nsl_world_die("fork");
		if (pid == 0) {
			snprintf(env_world, sizeof(env_world), "%d %s", (int)w[i].outer,
				 user_name(w[i].uid, name, sizeof(name)));
			setenv("NSL_WORLD", env_world, 1);
			world_join(&w[i], argv[1]);
			return 1;
		}
		while (waitpid(pid, &st, 0) < 0)
			if (errno != EINTR)
				nsl_world_die("waitpid");
		failed |= !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	if (!root) {
		fflush(NULL);
		_exit(failed ? EXIT_FAILURE : EXIT_SUCCESS);
	}
	if (!a->json)
		printf("this machine:\n");
	fflush(NULL);
	return 0;
}
