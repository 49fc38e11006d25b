/*
 * sock.c - a minimal socket primitive, enough to hand a worker a
 * connection (S1.7): listen(proto, "addr:port" [, {ns =}]) and
 * connect(proto, "addr:port" [, {ns =, timeout =}]); proto "unix" takes
 * a path (a stream socket there: how nsl talks to a lab's keeper).
 *
 * A socket belongs to the network namespace it was created in, for its
 * whole life: so the thread enters the namespace, calls socket(), and
 * switches straight back; bind, listen, connect and accept then work
 * from anywhere.  The handle (metatable "nsl.socket") has fd, accept,
 * send, recv, close; __gc and __close are close, safe twice.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "nl/nl.h"
#include "sock.h"

#define SOCK_META "nsl.socket"

struct sock {
	int fd;			/* -1 once closed */
	int type;		/* SOCK_STREAM, SOCK_DGRAM */
	int listening;
	char name[112];		/* "127.0.0.1:8080", a UNIX socket's path */
};

/* See nsl.h: the fd of an nsl socket at idx, -1 when closed, -2 when the
 * value is no socket. */
int nsl_sock_fd(lua_State *L, int idx)
{
	struct sock *s = luaL_testudata(L, idx, SOCK_META);

	return s ? s->fd : -2;
}

/* See nsl.h: parses "a.b.c.d:port" or "[v6]:port" into ss; 0 or -1
 * with why. */
int nsl_parse_sockaddr(const char *text, struct sockaddr_storage *ss,
		      socklen_t *len, const char **why)
{
	char host[64];
	const char *colon, *h = text;
	size_t hl;
	char *end;
	long port;

	memset(ss, 0, sizeof(*ss));
	colon = strrchr(text, ':');
	if (!colon) {
		*why = "expected address:port";
		return -1;
	}
	hl = (size_t)(colon - text);
	if (hl >= 2 && text[0] == '[' && colon[-1] == ']') {
		h = text + 1;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(host)) {
		*why = "expected address:port";
		return -1;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port < 0 || port > 65535) {
		*why = "port must be 0 to 65535";
		return -1;
	}
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)port);
		*len = sizeof(*sin6);
		return 0;
	}
	*why = "not an IPv4 or IPv6 address";
	return -1;
}

/* See sock.h. */
int nsl_sock_in(lua_State *L, struct nl_ns *ns, int family, int type)
{
	int fd, err, back;

	err = nl_enter(L, ns);
	if (err)
		return err;
	fd = socket(family, type | SOCK_CLOEXEC, 0);
	err = fd < 0 ? -errno : 0;
	back = nl_leave(L);
	if (back) {
		if (fd >= 0)
			close(fd);
		return back;
	}
	return fd < 0 ? err : fd;
}

/* Pushes a handle owning fd. */
static struct sock *push_sock(lua_State *L, int fd, int type, const char *name)
{
	struct sock *s = lua_newuserdatauv(L, sizeof(*s), 0);

	s->fd = fd;
	s->type = type;
	s->listening = 0;
	snprintf(s->name, sizeof(s->name), "%s", name);
	luaL_setmetatable(L, SOCK_META);
	return s;
}

/* The common start of listen and connect: checks the arguments (and,
 * when timeout is not NULL, reads opts.timeout into it: -1 when absent),
 * makes the socket in opts.ns, pushes its handle; fills ss/len. */
static struct sock *open_sock(lua_State *L, const char *prim,
			      struct sockaddr_storage *ss, socklen_t *len,
			      double *timeout)
{
	static const char *const protos[] = { "tcp", "udp", "unix", NULL };
	const char *addr, *why;
	int proto, type, fd;
	struct nl_ns *ns;
	struct nsl_opts o;

	nsl_opts_begin(L, &o, nsl_self(L), 0);	/* unknown keys first */
	proto = luaL_checkoption(L, 1, NULL, protos);
	addr = nsl_checkstring(L, 2, prim);
	type = proto == 1 ? SOCK_DGRAM : SOCK_STREAM;
	if (proto == 2) {
		/* A stream socket at a path: where the mount namespace, not
		 * the network one, puts it. */
		struct sockaddr_un *sun = (struct sockaddr_un *)ss;

		memset(ss, 0, sizeof(*ss));
		if (strlen(addr) != lua_rawlen(L, 2) || !addr[0] ||
		    strlen(addr) >= sizeof(sun->sun_path))
			nsl_fail(L, prim, addr, EINVAL, "a path of 1 to %zu bytes, without NUL, expected",
				 sizeof(sun->sun_path) - 1);
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, addr, strlen(addr) + 1);
		*len = (socklen_t)sizeof(*sun);
	} else if (nsl_parse_sockaddr(addr, ss, len, &why) < 0) {
		nsl_fail(L, prim, addr, EINVAL, "%s", why);
	}
	if (timeout)
		*timeout = nsl_opt_seconds(&o, "timeout", -1);
	ns = nl_opts_ns(&o);
	fd = nsl_sock_in(L, ns, ss->ss_family, type);
	if (fd < 0)
		nsl_fail(L, prim, addr, -fd, NULL);
	return push_sock(L, fd, type, addr);
}

/* Closes the handle's socket and raises "<prim>: <addr>: <errno>". */
static int fail_close(lua_State *L, struct sock *s, const char *prim, int err)
{
	close(s->fd);
	s->fd = -1;
	return nsl_fail(L, prim, s->name, err, NULL);
}

/* listen(proto, "addr:port" [, {ns =}]): a TCP socket listening there
 * (SO_REUSEADDR, backlog 64), or a UDP one bound there.  Pushes the
 * handle; raises "listen: <addr>: <reason>". */
static int l_listen(lua_State *L)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct sock *s = open_sock(L, "listen", &ss, &len, NULL);
	int one = 1;

	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->fd, (struct sockaddr *)&ss, len) < 0)
		return fail_close(L, s, "listen", errno);
	if (s->type == SOCK_STREAM && listen(s->fd, 64) < 0)
		return fail_close(L, s, "listen", errno);
	s->listening = 1;
	return 1;
}

/* Waits until fd is ready for events, up to timeout seconds (< 0: no
 * limit); a signal raises its Lua error.  1 ready, 0 timed out. */
static int wait_fd(lua_State *L, int fd, short events, double timeout)
{
	double deadline = timeout < 0 ? -1 : nsl_mono() + timeout, left;
	struct pollfd p = { fd, events, 0 };
	int r;

	for (;;) {	/* polls at least once: a timeout of 0 asks "now?" */
		nsl_check_signal(L);
		left = deadline < 0 ? 0.2 : deadline - nsl_mono();
		if (left < 0)
			left = 0;
		r = poll(&p, 1, left < 0.2 ? (int)ceil(left * 1000) : 200);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return 1;	/* let the call itself report it */
		if (deadline >= 0 && nsl_mono() >= deadline)
			return 0;
	}
}

/* connect(proto, "addr:port" [, {ns =, timeout =}]): a socket made in
 * opts.ns, connected there, waiting at most timeout seconds (default: as
 * long as the kernel tries).  Pushes the handle; raises "connect: <addr>:
 * <reason>" (Network is unreachable, Connection refused, Connection timed
 * out...). */
static int l_connect(lua_State *L)
{
	struct sockaddr_storage ss;
	socklen_t len, elen = sizeof(int);
	double timeout;
	struct sock *s = open_sock(L, "connect", &ss, &len, &timeout);
	int err = 0, flags = fcntl(s->fd, F_GETFL);

	if (timeout >= 0)
		fcntl(s->fd, F_SETFL, flags | O_NONBLOCK);
	if (connect(s->fd, (struct sockaddr *)&ss, len) == 0)
		goto out;
	if (errno != EINTR && errno != EINPROGRESS)
		return fail_close(L, s, "connect", errno);
	/* in progress (or interrupted: it goes on); wait for its outcome */
	if (!wait_fd(L, s->fd, POLLOUT, timeout))
		return fail_close(L, s, "connect", ETIMEDOUT);
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
		err = errno;
	if (err)
		return fail_close(L, s, "connect", err);
out:
	fcntl(s->fd, F_SETFL, flags);	/* the handle's calls block, as ever */
	return 1;
}

static struct sock *check_open(lua_State *L, const char *method)
{
	struct sock *s = luaL_checkudata(L, 1, SOCK_META);

	if (s->fd < 0)
		nsl_fail(L, method, s->name, EBADF, "socket is closed");
	return s;
}

/* s:fd(): the descriptor number (nil once closed). */
static int s_fd(lua_State *L)
{
	struct sock *s = luaL_checkudata(L, 1, SOCK_META);

	if (s->fd < 0)
		return 0;
	lua_pushinteger(L, s->fd);
	return 1;
}

/* s:accept([timeout]): the next connection, as a new handle named by its
 * peer; nil when timeout seconds pass first.  Only a listening TCP
 * socket accepts: any other is an argument error, as a bad timeout is. */
static int s_accept(lua_State *L)
{
	struct sock *s = check_open(L, "accept");
	double timeout = nsl_check_seconds(L, 2, -1);
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN], name[112];
	int fd, port = 0;

	if (s->type != SOCK_STREAM)
		luaL_argerror(L, 1, "a listening TCP or UNIX socket expected, got a UDP socket");
	if (!s->listening)
		luaL_argerror(L, 1, "a listening TCP or UNIX socket expected, got a connected one");
	if (!wait_fd(L, s->fd, POLLIN, timeout))
		return 0;
	do
		fd = accept4(s->fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
	while (fd < 0 && errno == EINTR && (nsl_check_signal(L), 1));
	if (fd < 0)
		return nsl_fail(L, "accept", s->name, errno, NULL);
	host[0] = '\0';
	if (ss.ss_family == AF_UNIX) {
		snprintf(name, sizeof(name), "%s", s->name);
	} else if (ss.ss_family == AF_INET) {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		snprintf(name, sizeof(name), "%s:%d", host, port);
	} else {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host));
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		snprintf(name, sizeof(name), "[%s]:%d", host, port);
	}
	push_sock(L, fd, s->type, name);
	return 1;
}

/* s:send(data): writes all of data; returns the byte count. */
static int s_send(lua_State *L)
{
	struct sock *s = check_open(L, "send");
	size_t len, off = 0;
	const char *data = luaL_checklstring(L, 2, &len);

	while (off < len) {
		ssize_t n = send(s->fd, data + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR) {
			nsl_check_signal(L);
			continue;
		}
		if (n < 0)
			return nsl_fail(L, "send", s->name, errno, NULL);
		off += (size_t)n;
	}
	lua_pushinteger(L, (lua_Integer)len);
	return 1;
}

/* s:recv([max [, timeout]]): up to max bytes (default 65536), "" at end
 * of stream, nil when timeout seconds pass first. */
static int s_recv(lua_State *L)
{
	struct sock *s = check_open(L, "recv");
	lua_Integer max = luaL_optinteger(L, 2, 65536);
	double timeout = nsl_check_seconds(L, 3, -1);
	luaL_Buffer b;
	ssize_t n;
	char *p;

	luaL_argcheck(L, max > 0 && max <= (1 << 24), 2, "1 to 16 MiB");
	if (!wait_fd(L, s->fd, POLLIN, timeout))
		return 0;
	p = luaL_buffinitsize(L, &b, (size_t)max);
	do
		n = recv(s->fd, p, (size_t)max, 0);
	while (n < 0 && errno == EINTR && (nsl_check_signal(L), 1));
	if (n < 0)
		return nsl_fail(L, "recv", s->name, errno, NULL);
	luaL_pushresultsize(&b, (size_t)n);
	return 1;
}

/* s:close(), __gc, __close: closes the socket; safe twice. */
static int s_close(lua_State *L)
{
	struct sock *s = luaL_checkudata(L, 1, SOCK_META);

	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	return 0;
}

static int s_tostring(lua_State *L)
{
	struct sock *s = luaL_checkudata(L, 1, SOCK_META);

	lua_pushfstring(L, "<socket %s %s%s>", s->name[0] == '/' ? "unix" :
			s->type == SOCK_STREAM ? "tcp" : "udp",
			s->name, s->fd < 0 ? " closed" : s->listening ? " listening" : "");
	return 1;
}

static const luaL_Reg sock_methods[] = {
	{ "fd", s_fd },
	{ "accept", s_accept },
	{ "send", s_send },
	{ "recv", s_recv },
	{ "close", s_close },
	{ NULL, NULL }
};

static const struct nsl_prim sock_funcs[] = {
	{ "listen", l_listen, 3, "ns" },
	{ "connect", l_connect, 3, "ns timeout" },
	{ NULL, NULL, 0, NULL }
};

/* Adds listen and connect to the table at index 1; makes the handle's
 * metatable. */
int nsl_open_sock(lua_State *L)
{
	nsl_handle_meta(L, SOCK_META, sock_methods, NULL, s_close, s_tostring);
	nsl_register(L, sock_funcs);
	return 0;
}
