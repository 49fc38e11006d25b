/*
 * egress.c - an uplink for a rootless world: pasta (Debian's passt) on
 * the world's network namespace.
 *
 * The outer process (rootless.c) starts pasta before the script runs,
 * attached by pid to the world's pid 1 (its user and network namespaces):
 * --config-net gives the world's host namespace an interface copying the
 * machine's default-route interface, and pasta's gateway mapping makes the
 * gateway address the machine's 127.0.0.1.  The ports of --publish (and
 * NSL_ROOTLESS_PUBLISH) are pasta's -t/-u lists, bound on the machine's
 * 127.0.0.1 and passed to 127.0.0.1 in the world.  pasta runs in the
 * foreground as the outer process's child, in a process group of its own,
 * with PR_SET_PDEATHSIG: ended after the world, and killed with the outer
 * process.  The one fork/exec of nsl besides newuidmap/newgidmap: what
 * pasta does only pasta can.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "world.h"

/* Egress: pasta (Debian's passt) gives the world's network namespace an
 * uplink copying the machine's default-route interface; its -t/-u lists
 * (the published ports, on the machine's 127.0.0.1) are built here from
 * --publish and NSL_ROOTLESS_PUBLISH. */
static struct {
	int on;
	char tcp[512], udp[512];
	pid_t pasta;
} egress;

void nsl_egress_want(void)
{
	egress.on = 1;
}

int nsl_egress_wanted(void)
{
	return egress.on;
}

static void bad_option(const char *opt, const char *spec, const char *why)
{
	fprintf(stderr, "nsl: %s: %s: %s\n", opt, spec, why);
	exit(EXIT_FAILURE);
}

static long port_number(const char *opt, const char *spec, const char *p, char **end)
{
	long n;

	if (*p < '0' || *p > '9')
		bad_option(opt, spec, "expected a port (1 to 65535), a range (9000-9009) and /tcp or /udp");
	n = strtol(p, end, 10);
	if (n < 1 || n > 65535)
		bad_option(opt, spec, "a port must be 1 to 65535");
	return n;
}

/* "8080", "8080,8443", "5353/udp", "9000-9009/tcp": appended to the -t
 * (TCP) or -u (UDP) list of pasta. */
void nsl_egress_publish(const char *opt, const char *spec)
{
	const char *p = spec;

	if (*p == '\0')
		bad_option(opt, spec, "no ports");
	while (*p) {
		char *end, item[32], *list;
		long lo, hi;
		size_t len;

		lo = hi = port_number(opt, spec, p, &end);
		if (*end == '-') {
			hi = port_number(opt, spec, end + 1, &end);
			if (hi < lo)
				bad_option(opt, spec, "a range must go up (9000-9009)");
		}
		list = egress.tcp;
		if (strncmp(end, "/tcp", 4) == 0) {
			end += 4;
		} else if (strncmp(end, "/udp", 4) == 0) {
			list = egress.udp;
			end += 4;
		}
		if (*end != '\0' && *end != ',')
			bad_option(opt, spec, "expected a port (1 to 65535), a range (9000-9009) and /tcp or /udp");
		if (lo == hi)
			snprintf(item, sizeof(item), "%ld", lo);
		else
			snprintf(item, sizeof(item), "%ld-%ld", lo, hi);
		len = strlen(list);
		if (len + strlen(item) + 2 > sizeof(egress.tcp))
			bad_option(opt, spec, "too many ports");
		snprintf(list + len, sizeof(egress.tcp) - len, "%s%s", len ? "," : "", item);
		egress.on = 1;
		p = *end ? end + 1 : end;
	}
}

/* pasta's stderr (a memfd: never blocks it), without the lines about
 * the syslog it cannot reach, as one line. */
static void pasta_said(int fd, char *out, size_t size)
{
	char buf[2048], *line, *save = NULL;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	out[0] = '\0';
	buf[n > 0 ? n : 0] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t len = strlen(out);

		if (strstr(line, "to syslog") || len + strlen(line) + 3 > size)
			continue;
		snprintf(out + len, size - len, "%s%s", len ? "; " : "", line);
	}
}

/* Starts pasta, attached to the network (and user) namespace of the
 * world's pid 1, and waits until it has configured the uplink there
 * (it writes its pid to --pid once ready). It runs in the foreground, as
 * a child of this (outer) process, in a process group of its own (a
 * terminal's Ctrl-C is not its); nsl_world_follow ends it after the world, and
 * PR_SET_PDEATHSIG ends it when this process is killed. */
void nsl_egress_start(pid_t world)
{
	char path[64], tcp[600], udp[600], pidfile[32], spid[24], said[512];
	const char *argv[24];
	int ready[2], err, st, argc = 0;
	struct timespec t0, now;
	pid_t pid, parent;

	if (!nsl_world_helper("pasta", path, sizeof(path))) {
		fprintf(stderr, "nsl: --rootless: egress needs pasta (Debian package passt), "
			"not found in /usr/bin, /bin, /usr/sbin or /sbin\n");
		exit(EXIT_FAILURE);
	}
	err = memfd_create("nsl-pasta-stderr", MFD_CLOEXEC);
	if (err < 0 || pipe2(ready, O_CLOEXEC) < 0)
		nsl_world_die("pasta: pipe");
	snprintf(tcp, sizeof(tcp), "%s%s", egress.tcp[0] ? "127.0.0.1/" : "",
		 egress.tcp[0] ? egress.tcp : "none");
	snprintf(udp, sizeof(udp), "%s%s", egress.udp[0] ? "127.0.0.1/" : "",
		 egress.udp[0] ? egress.udp : "none");
	snprintf(pidfile, sizeof(pidfile), "/dev/fd/%d", ready[1]);
	snprintf(spid, sizeof(spid), "%d", (int)world);
	argv[argc++] = "pasta";
	argv[argc++] = "--foreground";
	argv[argc++] = "--quiet";
	argv[argc++] = "--config-net";
	argv[argc++] = "--tcp-ports";
	argv[argc++] = tcp;
	argv[argc++] = "--udp-ports";
	argv[argc++] = udp;
	argv[argc++] = "--tcp-ns";
	argv[argc++] = "none";
	argv[argc++] = "--udp-ns";
	argv[argc++] = "none";
	if (geteuid() == 0) {
		/* as root, pasta would become nobody, a stranger to the world */
		argv[argc++] = "--runas";
		argv[argc++] = "0";
	}
	argv[argc++] = "--pid";
	argv[argc++] = pidfile;
	argv[argc++] = spid;
	argv[argc] = NULL;
	fflush(NULL);
	parent = getpid();
	pid = fork();
	if (pid < 0)
		nsl_world_die("fork");
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);	/* the outer process is already gone (to init or a subreaper) */
		setpgid(0, 0);
		if (devnull < 0 || dup2(devnull, STDIN_FILENO) < 0 ||
		    dup2(devnull, STDOUT_FILENO) < 0 || dup2(err, STDERR_FILENO) < 0 ||
		    fcntl(ready[1], F_SETFD, 0) < 0)
			_exit(127);
		execv(path, (char *const *)argv);
		dprintf(STDERR_FILENO, "cannot run %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(ready[1]);
	egress.pasta = pid;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd pfd = { ready[0], POLLIN, 0 };
		char buf[32];

		if (poll(&pfd, 1, 50) > 0 && read(ready[0], buf, sizeof(buf)) > 0)
			break;	/* its pid: the uplink is there */
		if (waitpid(pid, &st, WNOHANG) == pid) {
			egress.pasta = 0;
			pasta_said(err, said, sizeof(said));
			fprintf(stderr, "nsl: --rootless: egress: pasta %s %d%s%s%s\n",
				WIFEXITED(st) ? "exited with status" : "died of signal",
				WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
				said[0] ? ": " : "", said,
				strstr(said, "tun") ? " (pasta needs /dev/net/tun, "
				"read and write for the caller)" :
				strstr(said, "routable interface for IPv4") ? " (pasta copies "
				"the machine's default route: it has none)" : "");
			exit(EXIT_FAILURE);
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec > 10) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			egress.pasta = 0;
			fprintf(stderr, "nsl: --rootless: egress: pasta was not ready after 10 s\n");
			exit(EXIT_FAILURE);
		}
	}
	close(ready[0]);
	close(err);
}

/* Ends pasta after the world: SIGTERM, then SIGKILL after a second. */
void nsl_egress_stop(void)
{
	int st, i;

	if (egress.pasta <= 0)
		return;
	kill(egress.pasta, SIGTERM);
	for (i = 0; i < 100; i++) {
		if (waitpid(egress.pasta, &st, WNOHANG) != 0)
			break;
		usleep(10000);
	}
	if (i == 100) {
		kill(egress.pasta, SIGKILL);
		waitpid(egress.pasta, &st, 0);
	}
	egress.pasta = 0;
}
