/*
 * exec_raw.c - the bare C launchers that bench/exec_bench.sh measures nsl
 * against (the idea of ../shared/bench/raw_limit.c, cut down to W2).
 *
 *   exec_raw exec NS COUNT       COUNT x (fork, setns(/run/netns/NS), execve
 *                                /bin/true with the caller's environment,
 *                                wait): the floor for a launcher
 *   exec_raw loop COUNT PROG...  COUNT x (fork, execvp PROG, wait): a neutral
 *                                driver for ip netns exec and nsenter
 *
 * Each prints the mean milliseconds per run on stdout.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int wait_ok(pid_t pid)
{
	int st;

	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static int run_exec(const char *ns, int count)
{
	char path[256], *argv[] = { "true", NULL };
	double t0;
	int fd, i;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	t0 = now();
	for (i = 0; i < count; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			if (syscall(SYS_setns, fd, CLONE_NEWNET) < 0)
				_exit(126);
			/* the caller's environment, as every other tool here passes */
			syscall(SYS_execve, "/bin/true", argv, environ);
			_exit(127);
		}
		if (pid < 0 || !wait_ok(pid)) {
			fprintf(stderr, "exec: run %d failed\n", i);
			return 1;
		}
	}
	printf("%.4f\n", (now() - t0) / count * 1e3);
	return 0;
}

static int run_loop(int count, char **argv)
{
	double t0 = now();
	int i;

	for (i = 0; i < count; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			execvp(argv[0], argv);
			_exit(127);
		}
		if (pid < 0 || !wait_ok(pid)) {
			fprintf(stderr, "loop: %s failed at run %d\n", argv[0], i);
			return 1;
		}
	}
	printf("%.4f\n", (now() - t0) / count * 1e3);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "exec") == 0)
		return run_exec(argv[2], atoi(argv[3]));
	if (argc >= 4 && strcmp(argv[1], "loop") == 0)
		return run_loop(atoi(argv[2]), argv + 3);
	fprintf(stderr, "usage: exec_raw exec NS COUNT | loop COUNT PROG [ARG...]\n");
	return 2;
}
