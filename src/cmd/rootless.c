/*
 * rootless.c - nsl without root: the run moves into a world of its own
 * before the Lua state exists.
 *
 * The original process (the "outer" one, whose pid the caller knows)
 * clones a child into new user, mount, network, PID and UTS namespaces at
 * once (UTS: a node's hostname needs a UTS namespace nsl may return from)
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
 * runs, and ends it after the world (egress.c).
 *
 * $XDG_RUNTIME_DIR/nsl/world-<outer pid> names the world's pid 1 while it
 * runs; nsl ls, show or exec find and join worlds (worlds.c).
 *
 * No fork/exec of unshare(1); newuidmap/newgidmap, setuid helpers, are the
 * one exception, as in podman: only they may map a subordinate range; and
 * pasta (egress.c), whose work only it can do.
 */
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

#include "args.h"
#include "base/sys.h"
#include "rootless.h"
#include "world.h"

#define WORLD_FLAGS (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWUTS)

static const int passed_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
static volatile pid_t pass_to;	/* where passed signals go */
static volatile sig_atomic_t held;	/* one that came before there was a where */

int nsl_rootless_wanted(void)
{
	const struct nsl_args *a = &nsl_args;
	const char *env = getenv("NSL_ROOTLESS");
	int i;

	if (a->egress)
		nsl_egress_want();
	for (i = 0; i < a->npublish; i++)
		nsl_egress_publish("--publish", a->publish[i]);
	if (a->publish_missing) {
		fprintf(stderr, "nsl: --publish needs the ports (8080,5353/udp)\n");
		exit(EXIT_FAILURE);
	}
	if (a->runs_nothing)
		return 0;	/* nothing to run */
	if (a->rootless)
		return 1;
	/* A subcommand (nsl ls, show, exec, dot) looks at the caller's own
	 * world, never at a new, empty one; a lab's keeper (nsl up's _keep)
	 * is a run like a script's. */
	if (a->subcommand && strcmp(a->subcommand, "_keep") != 0)
		return 0;
	if (env && strcmp(env, "0") == 0)
		return 0;
	if (nsl_world_privileged())
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

/* newuidmap PID 0 ID 1 1 START COUNT: root is the caller, 1.. the range. */
static int run_helper(const char *helper, pid_t pid, unsigned long id,
		      unsigned long start, unsigned long count)
{
	char path[64], spid[24], sid[24], sstart[24], scount[24];
	pid_t h;
	int st;

	if (!nsl_world_helper(helper, path, sizeof(path)))
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
			nsl_world_die("uid_map");
	}
	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
	if (nsl_write_file(path, "deny") < 0 && errno != ENOENT)
		nsl_world_die("setgroups");
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	snprintf(map, sizeof(map), "0 %lu 1\n", (unsigned long)gid);
	if (nsl_write_file(path, map) < 0)
		nsl_world_die("gid_map");
	return 0;
}

/* Passes a signal on, unless a terminal made it (it reached everyone).
 * The outer process writes it to the world's pid 1 over the relay pipe
 * (relay_fd); elsewhere (nsl ls/show/exec joined to a world) it kills. */
static volatile int relay_fd = -1;

static void pass_signal(int sig, siginfo_t *info, void *ctx)
{
	unsigned char c = (unsigned char)sig;
	int saved = errno;

	(void)ctx;
	if (info->si_code > 0)
		return;
	if (relay_fd >= 0) {
		/* pid 1 gone: EPIPE (SIGPIPE is ignored), and pass_to is
		 * its zombie until nsl_world_follow forgets it */
		if (write(relay_fd, &c, 1) < 0)
			kill(pass_to, sig);
	} else if (pass_to <= 0) {
		held = sig;
	} else {
		kill(pass_to, sig);
	}
	errno = saved;
}

/* The four passed signals, in set. */
static void passed_set(sigset_t *set)
{
	size_t i;

	sigemptyset(set);
	for (i = 0; i < sizeof(passed_signals) / sizeof(passed_signals[0]); i++)
		sigaddset(set, passed_signals[i]);
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
	int saved = errno;

	(void)ctx;
	if (info->si_code > 0 || sig <= 0 || sig >= 65)
		return;
	clock_gettime(CLOCK_MONOTONIC, &direct_at[sig]);
	if (pass_to <= 0)
		held = sig;
	errno = saved;
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
		nsl_world_die("socket");
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		nsl_world_die("lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		nsl_world_die("lo up");
	close(fd);
}

/* The world's file system: what it changes there is its own. */
static void world_mounts(void)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		nsl_world_die("mount --make-rprivate /");
	if (mount("nsl-rootless-run", "/run", "tmpfs", 0, "mode=0755") < 0)
		nsl_world_die("mount tmpfs /run");
	if (mkdir("/run/netns", 0755) < 0)
		nsl_world_die("mkdir /run/netns");
	/* /etc/netns (ip netns exec's files): an overlay over /etc whose
	 * upper layer lives in the world's /run; without overlayfs in a user
	 * namespace, a tmpfs over /etc/netns when it exists. */
	if (mkdir("/run/.nsl-etc", 0755) == 0 && mkdir("/run/.nsl-etc/upper", 0755) == 0 &&
	    mkdir("/run/.nsl-etc/work", 0755) == 0 &&
	    mount("nsl-rootless-etc", "/etc", "overlay", 0,
		  "lowerdir=/etc,upperdir=/run/.nsl-etc/upper,workdir=/run/.nsl-etc/work") == 0) {
		if (mkdir("/etc/netns", 0755) < 0 && errno != EEXIST)
			nsl_world_die("mkdir /etc/netns");
	} else {
		mount("nsl-rootless-etc-netns", "/etc/netns", "tmpfs", 0, "mode=0755");
	}
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		nsl_world_die("mount /proc");
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
	sigset_t passed, block, old;
	pid_t nsl, pid;
	int st = 0, status = -1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_child;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	/* The passed signals wait, blocked, across the fork: the nsl child
	 * must not take one with pid 1's handler (it would only note it
	 * there, and pid 1 would drop the copy the outer process relays).
	 * In the child what came meanwhile meets the default action; pid 1
	 * holds it for nsl (it may have come before nsl was), and a copy
	 * nsl got as well is one signal still: the same one pending once. */
	passed_set(&passed);
	block = passed;
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old);
	nsl = fork();
	if (nsl < 0)
		nsl_world_die("fork");
	if (nsl == 0) {
		close(fd);
		close(relay);
		default_signals();
		signal(SIGCHLD, SIG_DFL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return;
	}
	sigprocmask(SIG_UNBLOCK, &passed, NULL);	/* SIGCHLD stays blocked (ppoll) */
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

/* Waits for child, passing signals on, then exits as the nsl of the run
 * did, or dies of the same signal: its wait status comes on back from the
 * world's pid 1 (back < 0: the child is that nsl). */
void nsl_world_follow(pid_t child, int back)
{
	int st, status = -1;
	sigset_t passed, old;
	siginfo_t si;
	ssize_t n;

	pass_signals(child);
	/* Waits without reaping (WNOWAIT): until the handler forgets child
	 * (blocked, then pass_to and relay_fd cleared), a late signal goes
	 * to its zombie, never to a reused pid.  Later ones are only held. */
	for (;;) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, (id_t)child, &si, WEXITED | WNOWAIT) == 0)
			break;
		if (errno != EINTR)
			nsl_world_die("waitid");
	}
	passed_set(&passed);
	sigprocmask(SIG_BLOCK, &passed, &old);
	relay_fd = -1;
	pass_to = 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
	while (waitpid(child, &st, 0) < 0)
		if (errno != EINTR)
			nsl_world_die("waitpid");
	if (back >= 0) {
		do
			n = read(back, &status, sizeof(status));
		while (n < 0 && errno == EINTR);
		if (n != (ssize_t)sizeof(status))
			status = -1;
	}
	if (status == -1)
		status = st;
	/* Until pasta is ended and the registry file gone, a signal is
	 * only held (the handler has nowhere to pass it): only then do
	 * they kill again. */
	nsl_egress_stop();
	nsl_world_unregister();
	fflush(NULL);
	default_signals();
	if (WIFSIGNALED(status)) {
		/* Die of the same signal, as nsl does. */
		signal(WTERMSIG(status), SIG_DFL);
		raise(WTERMSIG(status));
		_exit(128 + WTERMSIG(status));
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_FAILURE);
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
		nsl_egress_want();
	if (env_publish && env_publish[0])
		nsl_egress_publish("NSL_ROOTLESS_PUBLISH", env_publish);
	if (pipe2(sync, O_CLOEXEC) < 0 || pipe2(back, O_CLOEXEC) < 0 ||
	    pipe2(relay, O_CLOEXEC) < 0)
		nsl_world_die("pipe");
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
			nsl_world_die("setresuid");
		world_mounts();
		world_init(back[1], relay[0]);
		return;	/* the nsl of the world */
	}
	close(sync[0]);
	close(back[1]);
	close(relay[0]);
	write_maps(child);
	if (nsl_egress_wanted())
		nsl_egress_start(child);
	nsl_world_register(child);
	if (write(sync[1], "g", 1) != 1)
		nsl_world_die("sync");
	close(sync[1]);
	/* A signal after pid 1 is gone writes to a pipe without a reader:
	 * EPIPE, not death by SIGPIPE before pasta and the registry file
	 * are seen to. */
	signal(SIGPIPE, SIG_IGN);
	relay_fd = relay[1];
	nsl_world_follow(child, back[0]);
}
