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
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rootless.h"
#include "subcmd.h"
#include "world.h"

/* The registry of the caller's worlds: $XDG_RUNTIME_DIR/nsl/world-<pid>
 * (the outer pid) holds "<pid of the world's pid 1> <its start time>", so
 * that nsl ls, show and exec, run later without privileges, join the
 * world.  The outer process removes its file when it ends; a SIGKILL
 * leaves it, and the reader drops a file whose process is gone. */
static char registry[512];

void nsl_world_unregister(void)
{
	if (registry[0])
		unlink(registry);
	registry[0] = '\0';
}

static int registry_dir(char *dir, size_t size)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (xdg == NULL || xdg[0] != '/')
		return 0;
	return snprintf(dir, size, "%s/nsl", xdg) < (int)size;
}

/* Field 22 of /proc/PID/stat: the start time, which tells pids apart. */
static unsigned long long start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long t = 0;
	int fd, i;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	for (i = 2; p && i < 22; i++)
		p = strchr(p + 1, ' ');
	if (p)
		t = strtoull(p + 1, NULL, 10);
	return t;
}

void nsl_world_register(pid_t world)
{
	char dir[448], text[64];
	int fd;

	if (!registry_dir(dir, sizeof(dir)))
		return;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return;
	snprintf(registry, sizeof(registry), "%s/world-%d", dir, (int)getpid());
	snprintf(text, sizeof(text), "%d %llu\n", (int)world, start_time(world));
	fd = open(registry, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		registry[0] = '\0';
	if (fd >= 0)
		close(fd);
}

/* The live worlds of a registry directory; stale files go. */
struct world {
	pid_t outer, init;	/* the pid the caller started, the world's pid 1 */
	uid_t uid;	/* whose world */
};

#define MAX_WORLDS 64

static int registry_scan(const char *dir, struct world *w, int n)
{
	char path[768], text[64];
	struct dirent *e;
	struct stat st;
	DIR *d = opendir(dir);

	if (d == NULL)
		return n;
	while (n < MAX_WORLDS && (e = readdir(d)) != NULL) {
		int fd, pid = 0, i, dup = 0;
		unsigned long long t = 0;
		ssize_t len;

		if (strncmp(e->d_name, "world-", 6) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, text, sizeof(text) - 1);
		if (fstat(fd, &st) < 0)
			st.st_uid = (uid_t)-1;
		close(fd);
		text[len > 0 ? len : 0] = '\0';
		if (sscanf(text, "%d %llu", &pid, &t) != 2 || pid <= 0 ||
		    start_time(pid) != t) {
			unlink(path);	/* its world is gone */
			continue;
		}
		for (i = 0; i < n; i++)
			dup |= w[i].init == pid;
		if (dup)
			continue;
		w[n].outer = (pid_t)strtol(e->d_name + 6, NULL, 10);
		w[n].init = pid;
		w[n].uid = st.st_uid;
		n++;
	}
	closedir(d);
	return n;
}

/* The worlds nsl ls, show and exec may join: the caller's own
 * ($XDG_RUNTIME_DIR/nsl); for root, every user's too (/run/user/N/nsl). */
static int worlds_find(struct world *w, int root)
{
	char dir[448];
	int n = 0;

	if (registry_dir(dir, sizeof(dir)))
		n = registry_scan(dir, w, n);
	if (root) {
		DIR *d = opendir("/run/user");
		struct dirent *e;

		while (d && (e = readdir(d)) != NULL) {
			if (e->d_name[0] < '0' || e->d_name[0] > '9')
				continue;
			snprintf(dir, sizeof(dir), "/run/user/%s/nsl", e->d_name);
			n = registry_scan(dir, w, n);
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
 * rights the others need), then its mount, network and PID namespaces.
 * Returns in a child (joining a PID namespace takes effect in children),
 * which dies with the world; this process follows it and exits as it
 * does. */
static void world_join(const struct world *w)
{
	static const char *const kinds[] = { "user", "mnt", "net", "pid" };
	int fds[4];
	pid_t child;
	size_t i;

	for (i = 0; i < 4; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)w->init, kinds[i]);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0)
			nsl_world_die(path);
	}
	for (i = 0; i < 4; i++) {
		if (setns(fds[i], 0) < 0)
			nsl_world_die(kinds[i]);
		close(fds[i]);
	}
	if (chdir("/") < 0)
		nsl_world_die("chdir");
	fflush(NULL);
	child = fork();
	if (child < 0)
		nsl_world_die("fork");
	if (child > 0)
		nsl_world_follow(child, -1);
}

/* --world PID (-w PID, --world=PID) among the subcommand's options
 * (before "--"): taken out of argv; its value, or NULL. */
static const char *take_world(int *argc, char **argv)
{
	const char *v = NULL;
	int i, drop = 0;

	for (i = 2; i < *argc && strcmp(argv[i], "--") != 0; i++) {
		if (strncmp(argv[i], "--world=", 8) == 0) {
			v = argv[i] + 8;
			drop = 1;
		} else if (strcmp(argv[i], "--world") == 0 || strcmp(argv[i], "-w") == 0) {
			if (i + 1 >= *argc) {
				fprintf(stderr, "nsl: %s: %s needs a value (a world's pid: nsl ls)\n",
					argv[1], argv[i]);
				exit(EXIT_FAILURE);
			}
			v = argv[i + 1];
			drop = 2;
		} else {
			continue;
		}
		memmove(argv + i, argv + i + drop, (size_t)(*argc - i - drop + 1) * sizeof(*argv));
		*argc -= drop;
		i--;
	}
	return v;
}

int nsl_rootless_join(int *argc, char **argv)
{
	struct world w[MAX_WORLDS];
	const char *env = getenv("NSL_ROOTLESS");
	const char *want;
	char list[2048], name[64];
	int n, i, root, json = 0, st, failed = 0;

	if (*argc < 2 || !nsl_is_subcommand(argv[1]) || strcmp(argv[1], "dot") == 0)
		return 0;
	want = take_world(argc, argv);
	root = nsl_world_privileged();
	if (!want && ((env && strcmp(env, "0") == 0)))
		return 0;
	n = worlds_find(w, root);
	worlds_text(w, n, list, sizeof(list));
	if (want) {
		char *end;
		long pid = strtol(want, &end, 10);

		for (i = 0; i < n && !(*end == '\0' && w[i].outer == pid); i++)
			;
		if (i == n) {
			fprintf(stderr, "nsl: %s: no rootless world %s (%s%s)\n", argv[1], want,
				n ? "running: " : "none runs", list);
			exit(EXIT_FAILURE);
		}
		world_join(&w[i]);
		return 1;
	}
	if (strcmp(argv[1], "ls") != 0) {
		/* show, exec: root stays in its own world; a user goes to the
		 * one world there is, and must choose among several. */
		if (root || n == 0)
			return 0;
		if (n > 1) {
			fprintf(stderr, "nsl: %s: %d rootless worlds run: %s; choose one with "
				"--world PID\n", argv[1], n, list);
			exit(EXIT_FAILURE);
		}
		world_join(&w[0]);
		return 1;
	}
	/* ls: every world, each listed by a process joined to it (headed by
	 * a line, or with "world" in its JSON document: one line each), then,
	 * for root, this machine's own runs. */
	if (n == 0)
		return 0;
	for (i = 2; i < *argc; i++)
		json |= strcmp(argv[i], "--json") == 0;
	for (i = 0; i < n; i++) {
		pid_t pid;
		char env_world[128];

		if (!json)
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
			world_join(&w[i]);
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
	if (!json)
		printf("this machine:\n");
	fflush(NULL);
	return 0;
}
