/*
 * nlsock.c - netlink plumbing shared by the network primitives, without Lua
 * (nlsock.h; the Lua side, nl.c, keeps one struct nl_state per Lua
 * state and raises the errors).
 *
 * A netlink socket belongs to the namespace it was created in, so each
 * namespace nsl talks to gets one socket, opened once: the thread enters
 * the namespace with setns, opens the socket and switches straight back
 * (and a NETLINK_SOCK_DIAG socket the same way, for sock_list).
 * The sockets (and the namespace fds) live in a bounded LRU cache, so a
 * script may touch thousands of namespaces under a small fd limit.
 *
 * nls_talk is the only code that sends requests and reads answers, on
 * the namespace's socket through nlw_talk (nlwire.c).  Names and indexes
 * of links are ifindex.c; argument checks nlargs.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/nsfs.h>
#include <sys/resource.h>
#include <unistd.h>

#include "nlsock.h"

#define NL_CACHE	NL_CACHE_MAX

/* Closes an entry's socket and fd and marks it free; safe twice. */
static void ns_close(struct nl_ns *ns)
{
	if (ns->sock)
		mnl_socket_close(ns->sock);
	if (ns->diag)
		mnl_socket_close(ns->diag);
	if (ns->fd >= 0)
		close(ns->fd);
	ns->sock = ns->diag = NULL;
	ns->fd = -1;
	ns->busy = ns->doomed = 0;
	ns->name[0] = '\0';
}

/* The namespace's socket of protocol proto. */
static struct mnl_socket **sock_of(struct nl_ns *ns, int proto)
{
	return proto == NETLINK_SOCK_DIAG ? &ns->diag : &ns->sock;
}

/* Opens a netlink socket of protocol proto in the thread's current
 * namespace, as ns's. */
static int open_sock(struct nl_ns *ns, int proto)
{
	struct mnl_socket *s;
	int one = 1, err;

	s = mnl_socket_open2(proto, SOCK_CLOEXEC);
	if (!s)
		return -errno;
	/* Without these the kernel's reason is lost (EXT_ACK) or every ack
	 * repeats our whole request (CAP_ACK); old kernels lack them. */
	mnl_socket_setsockopt(s, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(s, NETLINK_EXT_ACK, &one, sizeof(one));
	if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		mnl_socket_close(s);
		return err;
	}
	*sock_of(ns, proto) = s;
	return 0;
}

/* See nlsock.h: makes an empty cache, sized for the fd limit. */
void nls_init(struct nl_state *st)
{
	struct rlimit rl;
	int i;

	memset(st, 0, sizeof(*st));
	st->home.fd = -1;
	for (i = 0; i < NL_CACHE; i++)
		st->cache[i].fd = -1;
	/* up to three fds per entry: take at most a quarter of what we may
	 * open */
	st->size = NL_CACHE;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur / 12 < NL_CACHE)
		st->size = rl.rlim_cur / 12 < 2 ? 2 : (int)(rl.rlim_cur / 12);
}

/* See nlsock.h: opens the namespace the thread is in as home. */
int nls_open_home(struct nl_state *st)
{
	st->home.fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	return st->home.fd < 0 ? -errno : 0;
}

/* See nlsock.h: closes every socket and namespace fd; safe twice. */
void nls_close_all(struct nl_state *st)
{
	int i;

	ns_close(&st->home);
	for (i = 0; i < NL_CACHE; i++)
		ns_close(&st->cache[i]);
}

/* See nlsock.h: setns into ns; 0 or -errno. */
int nls_enter(struct nl_ns *ns)
{
	return setns(ns->fd, CLONE_NEWNET) < 0 ? -errno : 0;
}

/* See nlsock.h: setns back to the start namespace; 0 or -errno. */
int nls_leave(struct nl_state *st)
{
	return setns(st->home.fd, CLONE_NEWNET) < 0 ? -errno : 0;
}

/* A cache slot for a new entry: a free one, else the least recently used
 * one, closed. */
static struct nl_ns *take_slot(struct nl_state *st)
{
	struct nl_ns *best = &st->cache[0];
	int i;

	for (i = 0; i < st->size; i++) {
		if (st->cache[i].fd < 0)
			return &st->cache[i];
		if (best->busy || (!st->cache[i].busy &&
				   st->cache[i].used < best->used))
			best = &st->cache[i];
	}
	ns_close(best);
	return best;
}

/* Puts the open namespace fd (whose stat is sb) in a cache slot under
 * name, as the most recently used entry. */
static struct nl_ns *cache_put(struct nl_state *st, const char *name, int fd,
			       const struct stat *sb)
{
	struct nl_ns *ns = take_slot(st);

	snprintf(ns->name, sizeof(ns->name), "%s", name);
	ns->fd = fd;
	ns->dev = sb->st_dev;
	ns->ino = sb->st_ino;
	ns->used = ++st->clock;
	return ns;
}

/* The file of namespace name: /run/netns/name, or name itself when it
 * is an absolute path (/proc/PID/ns/net); 0, or ENAMETOOLONG. */
static int netns_path(const char *name, char *path, size_t size)
{
	int n = name[0] == '/' ? snprintf(path, size, "%s", name)
			       : snprintf(path, size, NSL_NETNS_DIR "/%s", name);

	return n < 0 || (size_t)n >= size ? ENAMETOOLONG : 0;
}

/* Opens namespace name (see netns_path) into *fd when it is a network
 * namespace (nsfs), with its stat in *sb; 0, or an errno with *why (a
 * reason or NULL).  A path is checked to be a network namespace's: a
 * /proc/PID/ns/mnt given by mistake is refused here, not by setns. */
static int open_netns(const char *name, int *fd, struct stat *sb,
		      const char **why)
{
	char path[sizeof(NSL_NETNS_DIR) + NAME_MAX + 1];
	int err;

	*fd = -1;
	err = netns_path(name, path, sizeof(path));
	if (err)
		return err;
	/* O_NONBLOCK: a FIFO given as a path (a runtime's CNI_NETNS) is
	 * refused below, never waited on; O_NOCTTY: a tty never becomes
	 * ours. */
	*fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (*fd < 0) {
		err = errno;
		if (err == ENOENT)
			*why = "no such network namespace";
		return err;
	}
	if (!nsl_is_nsfs_fd(*fd) || fstat(*fd, sb) < 0 ||
	    (name[0] == '/' && ioctl(*fd, NS_GET_NSTYPE) != CLONE_NEWNET)) {
		close(*fd);
		*fd = -1;
		*why = "not a network namespace";
		return EINVAL;
	}
	return 0;
}

/* The live cache entry of name, if it is still the namespace under that
 * name (sb: its stat now); one deleted and made again is dropped. */
static struct nl_ns *cache_find(struct nl_state *st, const char *name,
				const struct stat *sb)
{
	struct nl_ns *ns;
	int i;

	for (i = 0; i < NL_CACHE; i++) {
		ns = &st->cache[i];
		if (ns->fd < 0 || ns->doomed || strcmp(ns->name, name))
			continue;
		if (ns->dev == sb->st_dev && ns->ino == sb->st_ino) {
			ns->used = ++st->clock;
			return ns;
		}
		/* deleted and made again under this name */
		if (ns->busy)
			ns->doomed = 1;
		else
			ns_close(ns);
	}
	return NULL;
}

/* See nlsock.h: finds or opens the cache entry of name; NULL with *err
 * (an errno) and *why (a reason or NULL) when it is no namespace. */
struct nl_ns *nls_lookup(struct nl_state *st, const char *name, int *err,
			 const char **why)
{
	char path[sizeof(NSL_NETNS_DIR) + NAME_MAX + 1];
	struct nl_ns *ns;
	struct stat sb;
	int fd;

	*why = NULL;
	*err = netns_path(name, path, sizeof(path));
	if (*err)
		return NULL;
	if (stat(path, &sb) < 0) {
		*err = errno;
		if (errno == ENOENT)
			*why = "no such network namespace";
		return NULL;
	}
	ns = cache_find(st, name, &sb);
	if (ns)
		return ns;
	*err = open_netns(name, &fd, &sb, why);
	if (*err)
		return NULL;
	return cache_put(st, name, fd, &sb);
}

/* See nlsock.h: the cached entry of name, else one opened into tmp. */
struct nl_ns *nls_borrow(struct nl_state *st, const char *name,
			 struct nl_ns *tmp)
{
	struct nl_ns *ns;
	const char *why;
	struct stat sb;
	int fd;

	memset(tmp, 0, sizeof(*tmp));
	tmp->fd = -1;
	if (open_netns(name, &fd, &sb, &why))
		return NULL;
	ns = cache_find(st, name, &sb);
	if (ns) {
		close(fd);
		return ns;
	}
	snprintf(tmp->name, sizeof(tmp->name), "%s", name);
	tmp->fd = fd;
	tmp->dev = sb.st_dev;
	tmp->ino = sb.st_ino;
	return tmp;
}

/* See nlsock.h: closes what nls_borrow opened into tmp; safe twice. */
void nls_release(struct nl_ns *tmp)
{
	ns_close(tmp);
}

/* See nlsock.h: makes ns the most recently used entry. */
void nls_touch(struct nl_state *st, struct nl_ns *ns)
{
	if (ns != &st->home)
		ns->used = ++st->clock;
}

/* See nlsock.h: caches the thread's current namespace; 0 or -errno. */
int nls_here(struct nl_state *st, const char *name)
{
	struct nl_ns *ns;
	struct stat sb;
	int fd, err;

	nls_forget(st, name);
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	ns = cache_put(st, name, fd, &sb);
	return open_sock(ns, NETLINK_ROUTE);	/* we are inside: no switch later */
}

/* See nlsock.h: the open entries, for peer lookups. */
int nls_cached(struct nl_state *st, struct nl_ns **out, int max)
{
	int i, n = 0;

	for (i = 0; i < NL_CACHE && n < max; i++)
		if (st->cache[i].fd >= 0)
			out[n++] = &st->cache[i];
	return n;
}

/* See nlsock.h: drops the entry of name, if any. */
void nls_forget(struct nl_state *st, const char *name)
{
	int i;

	for (i = 0; i < NL_CACHE; i++) {
		struct nl_ns *ns = &st->cache[i];

		if (ns->fd < 0 || strcmp(ns->name, name))
			continue;
		if (ns->busy)	/* a finaliser's ns_del: the reader closes it */
			ns->doomed = 1;
		else
			ns_close(ns);
	}
}

/* Opens ns's socket of protocol proto inside it (tmp: as tmp's). */
static int open_in(struct nl_state *st, struct nl_ns *ns, struct nl_ns *tmp,
		   int proto)
{
	int err, back;

	if (ns == &st->home)
		return open_sock(tmp, proto);
	err = nls_enter(ns);
	if (err)
		return err;
	err = open_sock(tmp, proto);
	back = nls_leave(st);
	if (!err && back) {
		mnl_socket_close(*sock_of(tmp, proto));
		*sock_of(tmp, proto) = NULL;
	}
	return err ? err : back;
}

/* See nlsock.h: sends a batch, reads every answer; 0 or the first -errno.
 * Never raises.  While ns's sockets are being read (busy), a nested call
 * (from a finaliser the callback's allocations ran) gets a socket of its
 * own for the length of the call.  A callback that raises (out of
 * memory) leaves busy set: later calls then use their own sockets too,
 * which is slower but still right. */
int nls_talk_proto(struct nl_state *st, struct nl_ns *ns, int proto, void *buf,
		   size_t len, nl_cb cb, void *data, char *ext, size_t extlen)
{
	struct mnl_socket *s;
	struct nl_ns tmp;
	int err;

	if (ext && extlen)
		ext[0] = '\0';
	if (ns->busy) {
		memset(&tmp, 0, sizeof(tmp));
		err = open_in(st, ns, &tmp, proto);
		if (err)
			return err;
		s = *sock_of(&tmp, proto);
		tmp.seq = ns->seq;	/* batches number from ns->seq + 1 */
		err = nlw_talk(s, &tmp.seq, buf, len, cb, data, ext, extlen);
		mnl_socket_close(s);
		return err;
	}
	if (!*sock_of(ns, proto)) {
		err = open_in(st, ns, ns, proto);
		if (err)
			return err;
	}
	ns->busy = 1;
	err = nlw_talk(*sock_of(ns, proto), &ns->seq, buf, len, cb, data, ext, extlen);
	ns->busy = 0;
	if (ns->doomed)
		ns_close(ns);
	return err;
}

/* See nlsock.h: over the namespace's NETLINK_ROUTE socket. */
int nls_talk(struct nl_state *st, struct nl_ns *ns, void *buf, size_t len,
	     nl_cb cb, void *data, char *ext, size_t extlen)
{
	return nls_talk_proto(st, ns, NETLINK_ROUTE, buf, len, cb, data, ext, extlen);
}
