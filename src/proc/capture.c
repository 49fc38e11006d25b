/*
 * capture.c - capture(link [, opts]): records the packets of a link to
 * a pcap file, from a background process, as tcpdump -w would, without
 * tcpdump: libpcap in a fork of nsl (no exec).
 *
 * tcpdump started as uid 0 always drops to its own user (initgroups), so
 * it fails in a rootless world whose user namespace maps one id only;
 * this capture never changes its ids.  Everything that can fail is done
 * here first, in the parent: the link opened inside opts.ns's network
 * namespace (the packet socket stays bound to it), the filter compiled
 * and set, then the output opened and the pcap header written.  Only then the fork:
 * the child writes each packet and flushes it, until SIGTERM or SIGINT,
 * then closes the file cleanly.  It is recorded as "+proc" like a
 * background spawn, so nsl --clean stops it after a SIGKILL of nsl; the
 * handle is a process handle, as spawn's.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec.h"
#include "nl/nl.h"

#define SNAPLEN_MAX 262144
#define KEEP_MAX 16	/* the output and what libpcap opened */

/* The fds (from 3 on) this process has open, a malloc'd array of *n;
 * NULL when it cannot be read. */
static int *open_fds(int *n)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int *fds = malloc(64 * sizeof(*fds)), *more, cap = 64, fd, dfd;

	*n = 0;
	if (!d || !fds) {
		if (d)
			closedir(d);
		free(fds);
		return NULL;
	}
	dfd = dirfd(d);
	while ((e = readdir(d))) {
		fd = atoi(e->d_name);
		if (fd < 3 || fd == dfd)
			continue;
		if (*n == cap) {
			cap *= 2;
			more = realloc(fds, (size_t)cap * sizeof(*fds));
			if (!more) {
				free(fds);
				fds = NULL;
				break;
			}
			fds = more;
		}
		fds[(*n)++] = fd;
	}
	closedir(d);
	if (!fds)
		*n = 0;
	return fds;
}

/* Is fd among the n of fds? */
static int among(const int *fds, int n, int fd)
{
	int i;

	for (i = 0; i < n; i++)
		if (fds[i] == fd)
			return 1;
	return 0;
}

static pcap_t *running;

static void on_stop(int sig)
{
	(void)sig;
	pcap_breakloop(running);
}

static void write_one(u_char *user, const struct pcap_pkthdr *h,
		      const u_char *bytes)
{
	pcap_dump(user, h, bytes);
	pcap_dump_flush((pcap_dumper_t *)user);
}

/* The child's life: writes packets until signalled.  Never returns. */
static void __attribute__((noreturn))
record(pcap_t *p, pcap_dumper_t *d)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct sigaction sa;
	sigset_t stop;
	int n, code = 0;

	running = p;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* held since the fork (nsl_bg_child): a stop that came before this
	 * handler (a loaded machine, the child not yet run while the script
	 * sent its packets and stopped) is handled now, and what the socket
	 * holds is written below, not lost with a default death */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_UNBLOCK, &stop, NULL);
	for (;;) {
		n = pcap_dispatch(p, -1, write_one, (u_char *)d);
		if (n == PCAP_ERROR_BREAK)
			break;
		if (n == PCAP_ERROR) {
			code = 1;
			break;
		}
	}
	/* Stopped: what the link saw before the signal may still wait in
	 * the kernel's buffer (a loaded machine, the child not yet run);
	 * write it too, without waiting for more (a bounded number of
	 * reads: a busy link never runs dry). */
	if (!code && pcap_setnonblock(p, 1, errbuf) == 0)
		for (n = 0; n < 64; n++)
			if (pcap_dispatch(p, -1, write_one, (u_char *)d) <= 0)
				break;
	pcap_dump_close(d);
	pcap_close(p);
	_exit(code);
}

/* Opens and activates link (in the current namespace) with the filter;
 * NULL and the reason in why otherwise. */
static pcap_t *open_link(const char *link, int snaplen, const char *filter,
			 char *why, size_t whylen)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;
	pcap_t *p = pcap_create(link, errbuf);
	const char *text;
	size_t n = strlen(link);
	int r;

	if (!p) {
		snprintf(why, whylen, "%s", errbuf);
		return NULL;
	}
	if (pcap_set_snaplen(p, snaplen) || pcap_set_promisc(p, 1) ||
	    pcap_set_immediate_mode(p, 1) || (r = pcap_activate(p)) < 0) {
		text = pcap_geterr(p);
		/* pcap's text often names the link again */
		if (!strncmp(text, link, n) && !strncmp(text + n, ": ", 2))
			text += n + 2;
		snprintf(why, whylen, "%s", text);
		goto fail;
	}
	if (filter && (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0 ||
		       (r = pcap_setfilter(p, &prog), pcap_freecode(&prog), r) < 0)) {
		snprintf(why, whylen, "filter '%s': %s", filter, pcap_geterr(p));
		goto fail;
	}
	return p;
fail:
	pcap_close(p);
	return NULL;
}

/* nl_ns for a protected call: the namespace named by argument 1. */
static int find_ns(lua_State *L)
{
	lua_pushlightuserdata(L, nl_ns(L, "capture", lua_tostring(L, 1)));
	return 1;
}

/* The namespace called name (NULL: nsl's own); raises "capture: <link>:
 * namespace <name>: <reason>", the link first as every error here. */
static struct nl_ns *link_ns(lua_State *L, const char *link, const char *name)
{
	struct nl_ns *ns;
	int err;

	lua_pushcfunction(L, find_ns);
	lua_pushstring(L, name);
	if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
		lua_getfield(L, -1, "errno");
		err = (int)lua_tointeger(L, -1);
		lua_getfield(L, -2, "reason");
		return nsl_fail(L, "capture", link, err, "namespace %s: %s", name,
				lua_isstring(L, -1) ? lua_tostring(L, -1) : "not found"), NULL;
	}
	ns = lua_touserdata(L, -1);
	lua_pop(L, 1);
	return ns;
}

/* capture(link [, {ns =, file =, filter =, snaplen =}]): a process
 * writing what link (in namespace ns) sees to the pcap file (stdout for
 * "-") until it is stopped.  Pushes its process handle once the capture
 * is open; raises "capture: <link>: <reason>". */
static int l_capture(lua_State *L)
{
	char why[PCAP_ERRBUF_SIZE + 256] = "";
	int *before, *after, keep[KEEP_MAX];
	int nb, na, nk = 0, i, snaplen, err, back, fd;
	const char *link, *nsname, *file, *filter;
	pcap_dumper_t *d = NULL;
	struct nsl_opts o;
	struct nl_ns *ns;
	pcap_t *p;
	FILE *out;
	pid_t pid, self = getpid();

	link = nsl_checkstring(L, 1, "capture");
	nl_check_ifname(L, "capture", link);
	nsl_opts_begin(L, &o, nsl_self(L), 0);
	o.obj = link;
	nsname = nsl_opt_str(&o, "ns", NULL);
	file = nsl_opt_str(&o, "file", NULL);
	filter = nsl_opt_str(&o, "filter", NULL);
	snaplen = (int)nsl_opt_int(&o, "snaplen", 1, SNAPLEN_MAX, SNAPLEN_MAX);
	if (!file || !*file)
		return nsl_fail(L, "capture", link, EINVAL,
				"option 'file': a path (or \"-\" for stdout) expected");
	ns = link_ns(L, link, nsname);

	before = open_fds(&nb);
	if (!before)
		return nsl_fail(L, "capture", link, errno, "/proc/self/fd: %s", strerror(errno));
	err = nl_enter(L, ns);
	if (err) {
		free(before);
		return nsl_fail(L, "capture", link, -err, "setns: %s", strerror(-err));
	}
	p = open_link(link, snaplen, filter, why, sizeof(why));
	back = nl_leave(L);
	if (p && back) {
		snprintf(why, sizeof(why), "setns back: %s", strerror(-back));
		pcap_close(p);
		p = NULL;
	}
	if (!p) {
		free(before);
		return nsl_fail(L, "capture", link, EINVAL, "%s", why);
	}
	/* what libpcap opened: every fd that is new since */
	after = open_fds(&na);
	for (i = 0; after && i < na && nk < KEEP_MAX - 1; i++)
		if (!among(before, nb, after[i]))
			keep[nk++] = after[i];
	free(before);
	free(after);
	if (!after || !nk) {
		pcap_close(p);
		return nsl_fail(L, "capture", link, ENOMEM, "/proc/self/fd: the capture's fds not found");
	}
	/* the output only once the link is open: a mistake leaves no file */
	if (!strcmp(file, "-")) {
		fd = fcntl(1, F_DUPFD_CLOEXEC, 3);
		out = fd < 0 ? NULL : fdopen(fd, "w");
		if (!out && fd >= 0)
			close(fd);
	} else {
		/* as a service's log: never through a planted link (truncated
		 * only once it is known to be the file it says) */
		enum nsl_out_why refused;

		fd = nsl_open_out(file, &refused);
		if (fd < 0 && refused != NSL_OUT_OPEN) {
			pcap_close(p);
			return nsl_fail(L, "capture", link, -fd, "%s: refused: %s", file,
					refused == NSL_OUT_LINK ? "a symbolic link" :
					refused == NSL_OUT_TYPE ? "not a regular file" :
					"another user's file (or one with another link) in a sticky "
					"world-writable directory");
		}
		if (fd >= 0 && ftruncate(fd, 0) < 0) {
			err = errno;
			close(fd);
			fd = -err;
		}
		errno = fd < 0 ? -fd : 0;
		out = fd < 0 ? NULL : fdopen(fd, "w");
		if (!out && fd >= 0) {
			err = errno;
			close(fd);
			errno = err;
		}
	}
	if (!out) {
		err = errno;
		pcap_close(p);
		return nsl_fail(L, "capture", link, err, "%s: %s", file, strerror(err));
	}
	if (!(d = pcap_dump_fopen(p, out))) {
		snprintf(why, sizeof(why), "%s: %s", file, pcap_geterr(p));
		fclose(out);
		pcap_close(p);
		return nsl_fail(L, "capture", link, EIO, "%s", why);
	}
	if (pcap_dump_flush(d) < 0)	/* the header, before the fork */
		goto fail;
	/* the child keeps the output and what libpcap opened (its socket,
	 * its wakeup eventfd), nothing else of nsl's */
	keep[nk++] = fileno(out);
	pid = nsl_bg_fork();
	if (pid < 0)
		goto fail;
	if (pid == 0) {
		nsl_bg_child(self, !strcmp(file, "-"), keep, nk, 1);
		record(p, d);
	}
	pcap_dump_close(d);
	pcap_close(p);
	return nsl_bg_adopt(L, pid, "capture", link);
fail:
	err = errno;
	pcap_dump_close(d);
	pcap_close(p);
	return nsl_fail(L, "capture", link, err, NULL);
}

static const struct nsl_prim capture_prims[] = {
	{ "capture", l_capture, 2, "ns file filter snaplen" },
	{ NULL, NULL, 0, NULL }
};

/* Adds capture to the table at index 1. */
int nsl_open_capture(lua_State *L)
{
	nsl_register(L, capture_prims);
	return 0;
}
