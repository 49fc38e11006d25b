/*
 * proxy.c - proxy(listen, target [, opts]): a userland TCP proxy, a
 * background process that accepts connections on listen ("[::1]:8080")
 * and relays each, both ways, to target ("[fd77::2]:80", "10.0.0.2:80").
 *
 * It is what a DNAT cannot do: IPv6 has no route_localnet, a packet from
 * ::1 never leaves lo, so a port published on [::1] needs a process in
 * the root namespace that connects out for it (as docker-proxy does).
 *
 * The process is a fork of nsl, no exec: the listening socket is made
 * and bound here first (so "Address already in use" is the caller's
 * error, at once), then the child relays with poll and nonblocking
 * sockets, one bounded buffer per direction of each connection, until
 * it is signalled; nsl's death kills it (PR_SET_PDEATHSIG), and it is
 * recorded as "+proc" like a background spawn, so nsl --clean stops it
 * after a SIGKILL.  The handle is a process handle, as spawn's.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"

#define RELAY_BUF 16384		/* per direction of a connection */
#define RELAY_DEFAULT_MAX 1024	/* connections (UDP: clients) at once */
#define RELAY_DEFAULT_IDLE 60	/* seconds a UDP client keeps its socket */
#define RELAY_BURST 64		/* datagrams read from one socket per round */

/* What the child relays to, and how. */
struct relay_cfg {
	struct sockaddr_storage to;
	socklen_t tolen;
	int max;
	int udp;
	long idle_ms;
};

/* One relayed connection: fd[0] the client, fd[1] the target.  buf[i]
 * holds what was read from fd[i] and is still to be written to
 * fd[1 - i]; eof[i]: fd[i] has said EOF; shut[i]: that EOF was passed
 * on (fd[1 - i] shut for writing). */
struct conn {
	int fd[2];
	int connecting;
	int dead;
	size_t len[2], off[2];
	int eof[2], shut[2];
	char buf[2][RELAY_BUF];
};

static void conn_free(struct conn *c)
{
	close(c->fd[0]);
	close(c->fd[1]);
	free(c);
}

/* A new connection for client fd cfd: a nonblocking connect to the
 * target.  NULL (cfd closed) when it cannot even start. */
static struct conn *conn_new(int cfd, const struct sockaddr_storage *to,
			     socklen_t tolen)
{
	struct conn *c;
	int ufd;

	ufd = socket(to->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ufd < 0)
		goto fail;
	if (connect(ufd, (const struct sockaddr *)to, tolen) < 0 &&
	    errno != EINPROGRESS)
		goto fail;
	c = calloc(1, sizeof(*c));
	if (!c)
		goto fail;
	c->fd[0] = cfd;
	c->fd[1] = ufd;
	c->connecting = 1;
	return c;
fail:
	if (ufd >= 0)
		close(ufd);
	close(cfd);
	return NULL;
}

/* The poll events fd[i] of c waits for: input when its buffer is empty
 * and no EOF came yet, output when the other side's data waits. */
static short conn_events(const struct conn *c, int i)
{
	short ev = 0;

	if (c->connecting)
		return i == 1 ? POLLOUT : 0;
	if (!c->eof[i] && c->len[i] == 0)
		ev |= POLLIN;
	if (c->len[1 - i] > c->off[1 - i])
		ev |= POLLOUT;
	return ev;
}

/* Moves what it can in direction i (fd[i] to fd[1 - i]); marks the
 * connection dead on an error of either socket. */
static void conn_pump(struct conn *c, int i)
{
	ssize_t n;

	if (!c->eof[i] && c->len[i] == 0) {
		n = recv(c->fd[i], c->buf[i], RELAY_BUF, MSG_DONTWAIT);
		if (n > 0) {
			c->len[i] = (size_t)n;
			c->off[i] = 0;
		} else if (n == 0) {
			c->eof[i] = 1;
		} else if (errno != EAGAIN && errno != EINTR) {
			c->dead = 1;
			return;
		}
	}
	if (c->len[i] > c->off[i]) {
		n = send(c->fd[1 - i], c->buf[i] + c->off[i], c->len[i] - c->off[i],
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			c->off[i] += (size_t)n;
			if (c->off[i] == c->len[i])
				c->len[i] = c->off[i] = 0;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			c->dead = 1;
			return;
		}
	}
	/* half-close: the EOF goes on once everything before it has */
	if (c->eof[i] && c->len[i] == 0 && !c->shut[i]) {
		shutdown(c->fd[1 - i], SHUT_WR);
		c->shut[i] = 1;
	}
}

/* One poll round's work for c (its two pollfds at p). */
static void conn_step(struct conn *c, const struct pollfd *p)
{
	int err = 0, i;
	socklen_t elen = sizeof(err);

	if (c->connecting) {
		if (!p[1].revents)
			return;
		if (getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &err, &elen) < 0 || err) {
			c->dead = 1;
			return;
		}
		c->connecting = 0;
	}
	for (i = 0; i < 2 && !c->dead; i++)
		conn_pump(c, i);
	if (c->shut[0] && c->shut[1])
		c->dead = 1;	/* done both ways */
}

/* The child's life: relays until signalled.  Never returns. */
static void __attribute__((noreturn))
relay(int lfd, const struct relay_cfg *cfg)
{
	const struct sockaddr_storage *to = &cfg->to;
	socklen_t tolen = cfg->tolen;
	int max = cfg->max;
	struct conn **conns = calloc((size_t)max, sizeof(*conns));
	struct pollfd *pfd = calloc(1 + 2 * (size_t)max, sizeof(*pfd));
	int n = 0, i, k;

	if (!conns || !pfd)
		_exit(1);
	for (;;) {
		pfd[0].fd = n < max ? lfd : -1;
		pfd[0].events = POLLIN;
		for (k = 0; k < n; k++)
			for (i = 0; i < 2; i++) {
				short ev = conn_events(conns[k], i);

				/* nothing asked: not polled (a hung-up socket
				 * would report POLLHUP on every round) */
				pfd[1 + 2 * k + i].fd = ev ? conns[k]->fd[i] : -1;
				pfd[1 + 2 * k + i].events = ev;
				pfd[1 + 2 * k + i].revents = 0;
			}
		if (poll(pfd, 1 + 2 * (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		for (k = 0; k < n; k++)
			if (pfd[1 + 2 * k].revents || pfd[2 + 2 * k].revents)
				conn_step(conns[k], &pfd[1 + 2 * k]);
		for (k = 0; k < n;) {
			if (conns[k]->dead) {
				conn_free(conns[k]);
				conns[k] = conns[--n];
			} else {
				k++;
			}
		}
		while (n < max && (pfd[0].revents & POLLIN)) {
			int cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
			struct conn *c;

			if (cfd < 0)
				break;	/* EAGAIN, or an aborted connection */
			c = conn_new(cfd, to, tolen);
			if (c)
				conns[n++] = c;
		}
	}
}

/* One UDP client of the relay: its address, its socket connected to the
 * target, when it was last heard from or answered. */
struct peer {
	struct sockaddr_storage addr;
	socklen_t len;
	int fd;
	long last;
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The peer of address a in peers[0..n), or -1. */
static int peer_find(const struct peer *peers, int n,
		     const struct sockaddr_storage *a, socklen_t len)
{
	int k;

	for (k = 0; k < n; k++)
		if (peers[k].len == len && memcmp(&peers[k].addr, a, len) == 0)
			return k;
	return -1;
}

/* Forgets peers[k] (the last one takes its place); returns the new n. */
static int peer_drop(struct peer *peers, int n, int k)
{
	close(peers[k].fd);
	peers[k] = peers[--n];
	return n;
}

/* A socket for a new client a, connected to the target, as the last
 * of peers[0..*n) (the longest silent peer gone first when *n is max);
 * its index, or -1 when no socket could be made. */
static int peer_add(struct peer *peers, int *n, const struct relay_cfg *cfg,
		    const struct sockaddr_storage *a, socklen_t len, long now)
{
	int fd, k, old = 0;

	if (*n == cfg->max) {
		for (k = 1; k < *n; k++)
			if (peers[k].last < peers[old].last)
				old = k;
		*n = peer_drop(peers, *n, old);
	}
	fd = socket(cfg->to.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)&cfg->to, cfg->tolen) < 0) {
		close(fd);
		return -1;
	}
	k = (*n)++;
	peers[k].addr = *a;
	peers[k].len = len;
	peers[k].fd = fd;
	peers[k].last = now;
	return k;
}

/* The UDP child's life: relays datagrams until signalled.  A datagram
 * that cannot go on (a full buffer, a refusing target) is dropped, as
 * the network would. */
static void __attribute__((noreturn))
relay_udp(int lfd, const struct relay_cfg *cfg)
{
	static char buf[65536];
	struct peer *peers = calloc((size_t)cfg->max, sizeof(*peers));
	struct pollfd *pfd = calloc(1 + (size_t)cfg->max, sizeof(*pfd));
	int n = 0, k, b, wait;
	long now, due;
	ssize_t len;

	if (!peers || !pfd)
		_exit(1);
	for (;;) {
		now = now_ms();
		for (k = 0; k < n;) {
			if (now - peers[k].last >= cfg->idle_ms)
				n = peer_drop(peers, n, k);
			else
				k++;
		}
		wait = -1;
		pfd[0].fd = lfd;
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		for (k = 0; k < n; k++) {
			due = peers[k].last + cfg->idle_ms - now;
			if (wait < 0 || due < wait)
				wait = (int)due;
			pfd[1 + k].fd = peers[k].fd;
			pfd[1 + k].events = POLLIN;
			pfd[1 + k].revents = 0;
		}
		if (poll(pfd, 1 + (nfds_t)n, wait) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		now = now_ms();
		/* replies first: a new client below may move peers around */
		for (k = 0; k < n; k++) {
			if (!pfd[1 + k].revents)
				continue;
			for (b = 0; b < RELAY_BURST; b++) {
				len = recv(peers[k].fd, buf, sizeof(buf), MSG_DONTWAIT);
				if (len < 0 && errno == EAGAIN)
					break;
				if (len < 0)
					continue;	/* ECONNREFUSED from an ICMP error */
				sendto(lfd, buf, (size_t)len, MSG_DONTWAIT,
				       (struct sockaddr *)&peers[k].addr, peers[k].len);
				peers[k].last = now;
			}
		}
		if (!(pfd[0].revents & POLLIN))
			continue;
		for (b = 0; b < RELAY_BURST; b++) {
			struct sockaddr_storage from;
			socklen_t flen = sizeof(from);

			len = recvfrom(lfd, buf, sizeof(buf), MSG_DONTWAIT,
				       (struct sockaddr *)&from, &flen);
			if (len < 0 && errno == EAGAIN)
				break;
			if (len < 0)
				continue;
			k = peer_find(peers, n, &from, flen);
			if (k < 0)
				k = peer_add(peers, &n, cfg, &from, flen, now);
			if (k < 0)
				continue;	/* no socket for it: dropped */
			send(peers[k].fd, buf, (size_t)len, MSG_DONTWAIT);
			peers[k].last = now;
		}
	}
}

/* The child between fork and relay: bg.c's setup, the listening socket
 * kept. */
static void __attribute__((noreturn))
child(int lfd, pid_t parent, const struct relay_cfg *cfg)
{
	nsl_bg_child(parent, 0, &lfd, 1, 0);
	if (cfg->udp)
		relay_udp(lfd, cfg);
	relay(lfd, cfg);
}

/* Parses one "addr:port" argument into ss (port 1 to 65535); raises
 * "proxy: <text>: <reason>". */
static void check_addr(lua_State *L, int idx, struct sockaddr_storage *ss,
		       socklen_t *len)
{
	const char *text = nsl_checkstring(L, idx, "proxy"), *why;

	if (nsl_parse_sockaddr(text, ss, len, &why) < 0)
		nsl_fail(L, "proxy", text, EINVAL, "%s", why);
	if ((ss->ss_family == AF_INET ? ((struct sockaddr_in *)ss)->sin_port
	     : ((struct sockaddr_in6 *)ss)->sin6_port) == 0)
		nsl_fail(L, "proxy", text, EINVAL, "port must be 1 to 65535");
}

/* proxy(listen, target [, {max =, proto =, idle =}]): a process
 * relaying each TCP connection to listen on to target, up to max
 * (default 1024) at once; with proto = "udp" each client's datagrams,
 * up to max clients, idle seconds (default 60) each.  Pushes its
 * process handle; raises "proxy: <addr>: <reason>". */
static int l_proxy(lua_State *L)
{
	struct relay_cfg cfg;
	struct sockaddr_storage ls;
	socklen_t llen;
	struct nsl_opts o;
	const char *where, *proto;
	int lfd, one = 1, err;
	pid_t pid, self = getpid();

	nsl_opts_begin(L, &o, nsl_self(L), 0);
	check_addr(L, 1, &ls, &llen);
	check_addr(L, 2, &cfg.to, &cfg.tolen);
	cfg.max = (int)nsl_opt_int(&o, "max", 1, 65536, RELAY_DEFAULT_MAX);
	proto = nsl_opt_str(&o, "proto", "tcp");
	if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0)
		nsl_fail(L, "proxy", NULL, EINVAL,
			 "option 'proto': \"tcp\" or \"udp\" expected, got \"%s\"", proto);
	cfg.udp = proto[0] == 'u';
	cfg.idle_ms = 1000 * (long)nsl_opt_int(&o, "idle", 1, 86400, RELAY_DEFAULT_IDLE);
	if (!cfg.udp && nsl_opt_type(&o, "idle") != LUA_TNIL)
		nsl_fail(L, "proxy", NULL, EINVAL, "option 'idle': only for proto = \"udp\"");
	where = lua_tostring(L, 1);

	lfd = socket(ls.ss_family, (cfg.udp ? SOCK_DGRAM : SOCK_STREAM) |
		     SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return nsl_fail(L, "proxy", where, errno, NULL);
	/* not for UDP: there it would let a second socket share the port */
	if (!cfg.udp)
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* [::]:port is IPv6 only: IPv4's own publishing stays its own */
	if (ls.ss_family == AF_INET6)
		setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&ls, llen) < 0 ||
	    (!cfg.udp && listen(lfd, 128) < 0))
		goto fail;
	pid = nsl_bg_fork();
	if (pid < 0)
		goto fail;
	if (pid == 0)
		child(lfd, self, &cfg);
	close(lfd);
	return nsl_bg_adopt(L, pid, "proxy", where);
fail:
	err = errno;
	close(lfd);
	return nsl_fail(L, "proxy", where, err, NULL);
}

static const struct nsl_prim proxy_prims[] = {
	{ "proxy", l_proxy, 3, "max proto idle" },
	{ NULL, NULL, 0, NULL }
};

/* Adds proxy to the table at index 1. */
int nsl_open_proxy(lua_State *L)
{
	nsl_register(L, proxy_prims);
	return 0;
}
