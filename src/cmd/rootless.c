/*
 * rootless.c - nsl without root: the run moves into a world of its own
 * before the Lua state exists.
 *
 * The original process (the "outer" one, whose pid the caller knows)
 * clones a child into new user, mount, network and PID namespaces at once
 * and writes the child's uid/gid maps (the caller becomes root there; with
 * a range in /etc/subuid and /etc/subgid and newuidmap/newgidmap, the range
 * too).  The child is pid 1 of the world: it gives the world a private /run
 * (so /run/netns and /run/nsl are the world's), a private /etc/netns, its
 * own /proc and /sys and lo up, then forks the nsl that runs the script and
 * stays behind as a reaper.  When that nsl ends, pid 1 hands its wait
 * status to the outer process and exits, and the kernel kills whatever is
 * left in the world; the namespaces go with their last process.
 *
 * Signals: SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to the outer process
 * (kill, not the terminal) are relayed to pid 1 over a pipe and passed on
 * from there to nsl, so cleanups run and the outer process dies of the
 * same signal.  A terminal's signal reaches every process of the
 * foreground group by itself, so terminal-made signals (si_code > 0) are
 * not passed twice; nor is one sent to the whole process group (pid 1 got
 * it too: see world_signal).  A SIGKILL of the outer process kills pid 1
 * (PR_SET_PDEATHSIG), and with it the world.
 *
 * Egress (--egress, --publish, NSL_ROOTLESS_EGRESS/PUBLISH): the outer
 * process starts pasta on the world's network namespace before the script
 * runs, and ends it after the world (pasta_start, pasta_stop).
 *
 * $XDG_RUNTIME_DIR/nsl/world-<outer pid> names the world's pid 1 while it
 * runs; nsl ls, show or exec join worlds found there (root: under every
 * /run/user/N/nsl too), user namespace first, then mount, network and PID.
 *
 * No fork/exec of unshare(1); newuidmap/newgidmap, setuid helpers, are the
 * one exception, as in podman: only they may map a subordinate range; and
 * pasta, which only it can be.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <net/if.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rootless.h"
#include "subcmd.h"

#define WORLD_FLAGS (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID)

static const int passed_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
static volatile pid_t pass_to;	/* where passed signals go */
static volatile sig_atomic_t held;	/* one that came before there was a where */

static void die(const char *what)
{
	fprintf(stderr, "nsl: --rootless: %s: %s\n", what, strerror(errno));
	_exit(EXIT_FAILURE);
}

/* CAP_NET_ADMIN and CAP_SYS_ADMIN in the effective set: what building
 * namespaces needs (nsl.test's privileged() asks the same). */
static int privileged(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0)
		return 0;
	return (data[0].effective & (1u << CAP_NET_ADMIN)) &&
	       (data[0].effective & (1u << CAP_SYS_ADMIN));
}

/* Egress: pasta (Debian's passt) gives the world's network namespace an
 * uplink copying the machine's default-route interface; its -t/-u lists
 * (the published ports, on the machine's 127.0.0.1) are built here from
 * --publish and NSL_ROOTLESS_PUBLISH. */
static struct {
	int on;
	char tcp[512], udp[512];
	pid_t pasta;
} egress;

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
static void add_publish(const char *opt, const char *spec)
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

int nsl_rootless_wanted(int argc, char **argv)
{
	const char *env = getenv("NSL_ROOTLESS");
	int i, wanted = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--rootless") == 0) {
			wanted = 1;
			continue;
		}
		if (strcmp(argv[i], "--egress") == 0) {
			wanted = egress.on = 1;
			continue;
		}
		if (strncmp(argv[i], "--publish=", 10) == 0) {
			add_publish("--publish", argv[i] + 10);
			wanted = 1;
			continue;
		}
		if (strcmp(argv[i], "--publish") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "nsl: --publish needs the ports (8080,5353/udp)\n");
				exit(EXIT_FAILURE);
			}
			add_publish("--publish", argv[++i]);
			wanted = 1;
			continue;
		}
		if (argv[i][0] != '-' || strcmp(argv[i], "--") == 0 ||
		    strcmp(argv[i], "-") == 0)
			break;	/* the script: its arguments are its own */
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--clean") == 0 ||
		    strcmp(argv[i], "--version") == 0 || strcmp(argv[i], "-V") == 0)
			return 0;	/* nothing to run */
		if ((strcmp(argv[i], "-e") == 0 || strcmp(argv[i], "-l") == 0) && i + 1 < argc)
			i++;
	}
	if (wanted)
		return 1;
	/* A subcommand (nsl ls, show, exec, dot) looks at the caller's own
	 * world, never at a new, empty one. */
	if (argc > 1 && nsl_is_subcommand(argv[1]))
		return 0;
	if (env && strcmp(env, "0") == 0)
		return 0;
	if (privileged())
		return 0;
	fprintf(stderr, "nsl: not privileged: running rootless, in a user namespace of its own "
		"(NSL_ROOTLESS=0: never)\n");
	return 1;
}


/* The caller's range in /etc/subuid or /etc/subgid (by name or number). */
static int subrange(const char *file, const char *name, unsigned long id,
		    unsigned long *start, unsigned long *count)
{
	char line[512], num[32];
	FILE *f = fopen(file, "re");
	int found = 0;

	if (f == NULL)
		return 0;
	snprintf(num, sizeof(num), "%lu", id);
	while (!found && fgets(line, sizeof(line), f)) {
		char *c1 = strchr(line, ':'), *c2;

		if (c1 == NULL || (c2 = strchr(c1 + 1, ':')) == NULL)
			continue;
		*c1 = '\0';
		if (strcmp(line, num) != 0 && (name == NULL || strcmp(line, name) != 0))
			continue;
		*start = strtoul(c1 + 1, NULL, 10);
		*count = strtoul(c2 + 1, NULL, 10);
		found = *count > 0;
	}
	fclose(f);
	return found;
}

static int find_helper(const char *name, char *path, size_t size)
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

/* newuidmap PID 0 ID 1 1 START COUNT: root is the caller, 1.. the range. */
static int run_helper(const char *helper, pid_t pid, unsigned long id,
		      unsigned long start, unsigned long count)
{
	char path[64], spid[24], sid[24], sstart[24], scount[24];
	pid_t h;
	int st;

	if (!find_helper(helper, path, sizeof(path)))
		return -1;
	snprintf(spid, sizeof(spid), "%d", (int)pid);
	snprintf(sid, sizeof(sid), "%lu", id);
	snprintf(sstart, sizeof(sstart), "%lu", start);
	snprintf(scount, sizeof(scount), "%lu", count);
	h = fork();
	if (h < 0)
		return -1;
	if (h == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		if (devnull >= 0)
			dup2(devnull, STDERR_FILENO);
		execl(path, helper, spid, "0", sid, "1", "1", sstart, scount, (char *)NULL);
		_exit(127);
	}
	while (waitpid(h, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* The outer process maps the world: a range through the helpers when the
 * caller has one, else the caller alone as root. Returns 1 for a range. */
static int write_maps(pid_t pid)
{
	char path[64], map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	struct passwd *pw = getpwuid(uid);
	const char *name = pw ? pw->pw_name : NULL;
	unsigned long us, uc, gs, gc;

	if (subrange("/etc/subuid", name, uid, &us, &uc) &&
	    subrange("/etc/subgid", name, uid, &gs, &gc) &&
	    run_helper("newuidmap", pid, uid, us, uc) == 0) {
		if (run_helper("newgidmap", pid, gid, gs, gc) == 0)
			return 1;
		/* uid_map is written: gid 0 alone, the way we can */
	} else {
		snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
		snprintf(map, sizeof(map), "0 %lu 1\n", (unsigned long)uid);
		if (nsl_write_file(path, map) < 0)
			die("uid_map");
	}
	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
	if (nsl_write_file(path, "deny") < 0 && errno != ENOENT)
		die("setgroups");
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	snprintf(map, sizeof(map), "0 %lu 1\n", (unsigned long)gid);
	if (nsl_write_file(path, map) < 0)
		die("gid_map");
	return 0;
}

/* Passes a signal on, unless a terminal made it (it reached everyone).
 * The outer process writes it to the world's pid 1 over the relay pipe
 * (relay_fd); elsewhere (nsl ls/show/exec joined to a world) it kills. */
static volatile int relay_fd = -1;

static void pass_signal(int sig, siginfo_t *info, void *ctx)
{
	unsigned char c = (unsigned char)sig;

	(void)ctx;
	if (info->si_code > 0)
		return;
	if (relay_fd >= 0) {
		if (write(relay_fd, &c, 1) < 0)
			kill(pass_to, sig);
	} else if (pass_to <= 0) {
		held = sig;
	} else {
		kill(pass_to, sig);
	}
}

static void set_handlers(void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(passed_signals) / sizeof(passed_signals[0]); i++)
		sigaction(passed_signals[i], &sa, NULL);
}

static void pass_signals(pid_t to)
{
	set_handlers(pass_signal);
	pass_to = to;
	if (to > 0 && held)
		kill(to, held);
}

static void default_signals(void)
{
	size_t i;

	pass_to = 0;
	for (i = 0; i < sizeof(passed_signals) / sizeof(passed_signals[0]); i++)
		signal(passed_signals[i], SIG_DFL);
}

/* The world's pid 1 and signals.  A signal sent to a whole process group
 * (kill -TERM -PGID, pkill) reaches the outer process, pid 1 and the nsl
 * of the world each, at once: nsl has it then, and the copy the outer
 * process relays must not reach nsl a second time.  So pid 1 passes on
 * only what the outer process relays, and drops a relayed signal when the
 * same one reached pid 1 itself less than a second before (the kernel
 * queues a group's signal on every member within one kill(), so pid 1's
 * own copy is handled before it reads the relayed one).  A signal that
 * reaches pid 1 before nsl is started is held for nsl.  A terminal's
 * signal (si_code > 0) reached nsl by itself. */
static struct timespec direct_at[65];

static void world_signal(int sig, siginfo_t *info, void *ctx)
{
	(void)ctx;
	if (info->si_code > 0 || sig <= 0 || sig >= 65)
		return;
	clock_gettime(CLOCK_MONOTONIC, &direct_at[sig]);
	if (pass_to <= 0)
		held = sig;
}

static void on_child(int sig)
{
	(void)sig;	/* only wakes ppoll up */
}

static void world_relayed(int sig, pid_t nsl)
{
	struct timespec now;
	sigset_t set, old;
	long ms;

	if (sig <= 0 || sig >= 65)
		return;
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_BLOCK, &set, &old);
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - direct_at[sig].tv_sec) * 1000 +
	     (now.tv_nsec - direct_at[sig].tv_nsec) / 1000000;
	if (direct_at[sig].tv_sec != 0 && ms >= 0 && ms < 1000)
		direct_at[sig].tv_sec = 0;	/* nsl had this one */
	else
		kill(nsl, sig);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static void lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		die("lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		die("lo up");
	close(fd);
}

/* The world's file system: what it changes there is its own. */
static void world_mounts(void)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("mount --make-rprivate /");
	if (mount("nsl-rootless-run", "/run", "tmpfs", 0, "mode=0755") < 0)
		die("mount tmpfs /run");
	if (mkdir("/run/netns", 0755) < 0)
		die("mkdir /run/netns");
	/* /etc/netns (ip netns exec's files): an overlay over /etc whose
	 * upper layer lives in the world's /run; without overlayfs in a user
	 * namespace, a tmpfs over /etc/netns when it exists. */
	if (mkdir("/run/.nsl-etc", 0755) == 0 && mkdir("/run/.nsl-etc/upper", 0755) == 0 &&
	    mkdir("/run/.nsl-etc/work", 0755) == 0 &&
	    mount("nsl-rootless-etc", "/etc", "overlay", 0,
		  "lowerdir=/etc,upperdir=/run/.nsl-etc/upper,workdir=/run/.nsl-etc/work") == 0) {
		if (mkdir("/etc/netns", 0755) < 0 && errno != EEXIST)
			die("mkdir /etc/netns");
	} else {
		mount("nsl-rootless-etc-netns", "/etc/netns", "tmpfs", 0, "mode=0755");
	}
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		die("mount /proc");
	/* /sys of the world's network namespace; the caller's when the kernel
	 * refuses (only /sys/class/net would differ). */
	mount("nsl-rootless-sys", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	lo_up();
}

/* Pid 1 of the world: reaps everything, passes on the signals the outer
 * process relays (relay), returns nsl's wait status to the outer process
 * through fd, then exits (the world dies with it). */
static void world_init(int fd, int relay)
{
	struct sigaction sa;
	sigset_t chld, old;
	pid_t nsl, pid;
	int st = 0, status = -1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_child;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	nsl = fork();
	if (nsl < 0)
		die("fork");
	if (nsl == 0) {
		close(fd);
		close(relay);
		default_signals();
		signal(SIGCHLD, SIG_DFL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return;
	}
	pass_to = nsl;
	if (held)
		kill(nsl, held);
	for (;;) {
		struct pollfd pfd = { relay, POLLIN, 0 };
		unsigned char sigs[16];
		ssize_t n, i;

		while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
			if (pid == nsl)
				break;
		if (pid == nsl) {
			status = st;
			break;
		}
		if (pid < 0 && errno != EINTR)
			break;
		if (ppoll(&pfd, 1, NULL, &old) <= 0)
			continue;
		n = read(relay, sigs, sizeof(sigs));
		if (n == 0)
			relay = -1;	/* the outer process is gone */
		for (i = 0; i < n; i++)
			world_relayed(sigs[i], nsl);
	}
	if (write(fd, &status, sizeof(status)) < 0)
		_exit(EXIT_FAILURE);
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_FAILURE);
}

/* The registry of the caller's worlds: $XDG_RUNTIME_DIR/nsl/world-<pid>
 * (the outer pid) holds "<pid of the world's pid 1> <its start time>", so
 * that nsl ls, show and exec, run later without privileges, join the
 * world.  The outer process removes its file when it ends; a SIGKILL
 * leaves it, and the reader drops a file whose process is gone. */
static char registry[512];

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

static void registry_add(pid_t world)
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
 * terminal's Ctrl-C is not its); follow() ends it after the world, and
 * PR_SET_PDEATHSIG ends it when this process is killed. */
static void pasta_start(pid_t world)
{
	char path[64], tcp[600], udp[600], pidfile[32], spid[24], said[512];
	const char *argv[24];
	int ready[2], err, st, argc = 0;
	struct timespec t0, now;
	pid_t pid;

	if (!find_helper("pasta", path, sizeof(path))) {
		fprintf(stderr, "nsl: --rootless: egress needs pasta (Debian package passt), "
			"not found in /usr/bin, /bin, /usr/sbin or /sbin\n");
		exit(EXIT_FAILURE);
	}
	err = memfd_create("nsl-pasta-stderr", MFD_CLOEXEC);
	if (err < 0 || pipe2(ready, O_CLOEXEC) < 0)
		die("pasta: pipe");
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
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(127);	/* the outer process is already gone */
		setpgid(0, 0);
		default_signals();
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
static void pasta_stop(void)
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

/* Waits for child, passing signals on, then exits as the nsl of the run
 * did, or dies of the same signal: its wait status comes on back from the
 * world's pid 1 (back < 0: the child is that nsl). */
static void follow(pid_t child, int back)
{
	int st, status = -1;
	ssize_t n;

	pass_signals(child);
	while (waitpid(child, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	if (back >= 0) {
		do
			n = read(back, &status, sizeof(status));
		while (n < 0 && errno == EINTR);
		if (n != (ssize_t)sizeof(status))
			status = -1;
	}
	if (status == -1)
		status = st;
	default_signals();
	pasta_stop();
	if (registry[0])
		unlink(registry);
	fflush(NULL);
	if (WIFSIGNALED(status)) {
		/* Die of the same signal, as nsl does. */
		raise(WTERMSIG(status));
		_exit(128 + WTERMSIG(status));
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_FAILURE);
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
			die(path);
	}
	for (i = 0; i < 4; i++) {
		if (setns(fds[i], 0) < 0)
			die(kinds[i]);
		close(fds[i]);
	}
	if (chdir("/") < 0)
		die("chdir");
	fflush(NULL);
	child = fork();
	if (child < 0)
		die("fork");
	if (child > 0)
		follow(child, -1);
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
	root = privileged();
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
			die("fork");
		if (pid == 0) {
			snprintf(env_world, sizeof(env_world), "%d %s", (int)w[i].outer,
				 user_name(w[i].uid, name, sizeof(name)));
			setenv("NSL_WORLD", env_world, 1);
			world_join(&w[i]);
			return 1;
		}
		while (waitpid(pid, &st, 0) < 0)
			if (errno != EINTR)
				die("waitpid");
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

void nsl_rootless_enter(void)
{
	int sync[2], back[2], relay[2];
	pid_t child;
	char c;
	ssize_t n;
	const char *env_egress = getenv("NSL_ROOTLESS_EGRESS");
	const char *env_publish = getenv("NSL_ROOTLESS_PUBLISH");

	if (env_egress && env_egress[0] && strcmp(env_egress, "0") != 0)
		egress.on = 1;
	if (env_publish && env_publish[0])
		add_publish("NSL_ROOTLESS_PUBLISH", env_publish);
	if (pipe2(sync, O_CLOEXEC) < 0 || pipe2(back, O_CLOEXEC) < 0 ||
	    pipe2(relay, O_CLOEXEC) < 0)
		die("pipe");
	fflush(NULL);
	child = (pid_t)syscall(SYS_clone, WORLD_FLAGS | SIGCHLD, NULL, NULL, NULL, NULL);
	if (child < 0) {
		if (errno == EPERM || errno == ENOSPC || errno == EINVAL)
			fprintf(stderr, "nsl: --rootless: cannot make a user namespace: %s "
				"(user.max_user_namespaces, kernel.unprivileged_userns_clone "
				"or an AppArmor/SELinux policy may forbid it)\n", strerror(errno));
		else
			fprintf(stderr, "nsl: --rootless: clone: %s\n", strerror(errno));
		exit(EXIT_FAILURE);
	}
	if (child == 0) {
		/* The world's pid 1: it dies when the outer process does. */
		close(sync[1]);
		close(back[0]);
		close(relay[1]);
		set_handlers(world_signal);	/* held until nsl is started */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		do
			n = read(sync[0], &c, 1);
		while (n < 0 && errno == EINTR);
		if (n != 1)
			_exit(EXIT_FAILURE);	/* the outer process failed */
		close(sync[0]);
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			die("setresuid");
		world_mounts();
		world_init(back[1], relay[0]);
		return;	/* the nsl of the world */
	}
	close(sync[0]);
	close(back[1]);
	close(relay[0]);
	write_maps(child);
	if (egress.on)
		pasta_start(child);
	registry_add(child);
	if (write(sync[1], "g", 1) != 1)
		die("sync");
	close(sync[1]);
	relay_fd = relay[1];
	follow(child, back[0]);
}
