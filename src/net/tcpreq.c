/*
 * tcpreq.c - one TCP request/response exchange, bounded in time:
 * tcp_request("addr:port", data [, {ns =, timeout =, max =}]) connects,
 * writes all of data, reads until the peer closes (or, for an HTTP
 * response with a Content-Length, until that many body bytes are in)
 * and returns the bytes read.  What a Lua client of a small HTTP API
 * (nsl.cni.store_etcd: etcd's JSON gateway) needs, without a program
 * run and without the socket handle's one-call-at-a-time waits: one
 * deadline covers the connection, the write and the whole answer.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nl/nl.h"
#include "sock.h"

#define TCPREQ_PRIM "tcp_request"
#define TCPREQ_DEFAULT_TIMEOUT 10.0
#define TCPREQ_DEFAULT_MAX (16 << 20)

/* Waits until fd has events or the deadline passes (a signal raises its
 * Lua error); 1 ready, 0 past the deadline. */
static int tr_wait(lua_State *L, int fd, short events, double deadline)
{
	struct pollfd p = { fd, events, 0 };
	double left;
	int r;

	for (;;) {
		nsl_check_signal(L);
		left = deadline - nsl_mono();
		if (left <= 0)
			return 0;
		r = poll(&p, 1, left < 0.2 ? (int)ceil(left * 1000) : 200);
		if (r > 0 || (r < 0 && errno != EINTR))
			return 1;	/* the next call reports an error */
	}
}

/* The length an HTTP response in buf[0..len) will have in all, once its
 * header is complete and says Content-Length; 0 when unknown (read until
 * the peer closes). */
static size_t tr_http_total(const char *buf, size_t len)
{
	const char *end, *p;

	if (len < 5 || memcmp(buf, "HTTP/", 5) != 0)
		return 0;
	end = memmem(buf, len, "\r\n\r\n", 4);
	if (!end)
		return 0;
	for (p = buf; p && p < end; p = memchr(p, '\n', (size_t)(end - p))) {
		if (*p == '\n')
			p++;
		if ((size_t)(end - p) > 15 && strncasecmp(p, "Content-Length:", 15) == 0) {
			const char *d = p + 15;
			unsigned long n;

			while (*d == ' ' || *d == '\t')
				d++;
			if (*d < '0' || *d > '9')
				return 0;	/* not a length: read to the end */
			n = strtoul(d, NULL, 10);
			if (n > (1UL << 30))
				return 0;	/* past any max: read until max says so */
			return (size_t)(end - buf) + 4 + n;
		}
	}
	return 0;
}

#define TCPREQ_META "nsl.tcp_request"

/* The exchange's socket and answer, owned by a userdata in a
 * to-be-closed slot: a signal's error raised inside a wait closes the
 * socket as it unwinds, even under a pcall (not at some later GC). */
struct tr_buf {
	int fd;
	char *p;
	size_t len, cap;
};

/* __close, __gc: closes the socket, frees the answer; safe twice. */
static int tr_gc(lua_State *L)
{
	struct tr_buf *b = luaL_checkudata(L, 1, TCPREQ_META);

	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
	free(b->p);
	b->p = NULL;
	return 0;
}

/* Reads the answer into b until EOF, the HTTP length or max bytes;
 * 0, or a positive errno (ETIMEDOUT past the deadline, EMSGSIZE past
 * max). */
static int tr_read(lua_State *L, int fd, struct tr_buf *b, size_t max,
		   double deadline)
{
	for (;;) {
		size_t want = tr_http_total(b->p ? b->p : "", b->len);
		ssize_t n;

		if (want && b->len >= want)
			return 0;
		if (b->len == b->cap) {
			size_t cap = b->cap ? b->cap * 2 : 4096;
			char *np;

			if (b->len >= max + 1)
				return EMSGSIZE;
			if (cap > max + 1)
				cap = max + 1;
			np = realloc(b->p, cap);
			if (!np)
				return ENOMEM;
			b->p = np;
			b->cap = cap;
		}
		n = recv(fd, b->p + b->len, b->cap - b->len, 0);
		if (n == 0)
			return 0;
		if (n > 0) {
			b->len += (size_t)n;
			if (b->len > max)
				return EMSGSIZE;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return errno;
		if (!tr_wait(L, fd, POLLIN, deadline))
			return ETIMEDOUT;
	}
}

/* Connects fd to ss and writes data, all before the deadline; 0 or a
 * positive errno. */
static int tr_send(lua_State *L, int fd, const struct sockaddr_storage *ss,
		   socklen_t sl, const char *data, size_t len, double deadline)
{
	socklen_t elen = sizeof(int);
	size_t off = 0;
	int err = 0;

	if (connect(fd, (const struct sockaddr *)ss, sl) < 0) {
		if (errno != EINPROGRESS && errno != EINTR)
			return errno;
		if (!tr_wait(L, fd, POLLOUT, deadline))
			return ETIMEDOUT;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
			return errno;
		if (err)
			return err;
	}
	while (off < len) {
		ssize_t n = send(fd, data + off, len - off, MSG_NOSIGNAL);

		if (n >= 0) {
			off += (size_t)n;
		} else if (errno == EAGAIN) {
			if (!tr_wait(L, fd, POLLOUT, deadline))
				return ETIMEDOUT;
		} else if (errno != EINTR) {
			return errno;
		}
	}
	/* no half-close: an HTTP server (Go's) takes a client's EOF for a
	 * cancelled request */
	return 0;
}

/* tcp_request(addr, data [, opts]): pushes the bytes the peer answered;
 * raises "tcp_request: <addr>: <reason>" (Connection refused, Connection
 * timed out past opts.timeout, Message too long past opts.max). */
static int l_tcp_request(lua_State *L)
{
	struct sockaddr_storage ss;
	struct tr_buf *b;
	struct nsl_opts o;
	struct nl_ns *ns;
	const char *addr, *data, *why;
	double timeout, deadline;
	size_t len, max;
	socklen_t sl;
	int err;

	nsl_opts_begin(L, &o, nsl_self(L), 0);
	addr = nsl_checkstring(L, 1, TCPREQ_PRIM);
	data = luaL_checklstring(L, 2, &len);
	timeout = nsl_opt_seconds(&o, "timeout", TCPREQ_DEFAULT_TIMEOUT);
	max = (size_t)nsl_opt_int(&o, "max", 1, 1 << 30, TCPREQ_DEFAULT_MAX);
	if (nsl_parse_sockaddr(addr, &ss, &sl, &why) < 0)
		return nsl_fail(L, TCPREQ_PRIM, addr, EINVAL, "%s", why);
	ns = nl_opts_ns(&o);
	deadline = nsl_mono() + timeout;
	b = lua_newuserdatauv(L, sizeof(*b), 0);
	memset(b, 0, sizeof(*b));
	b->fd = -1;
	luaL_setmetatable(L, TCPREQ_META);
	lua_toclose(L, -1);
	b->fd = nsl_sock_in(L, ns, ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK);
	if (b->fd < 0)
		return nsl_fail(L, TCPREQ_PRIM, addr, -b->fd, NULL);
	err = tr_send(L, b->fd, &ss, sl, data, len, deadline);
	if (!err)
		err = tr_read(L, b->fd, b, max, deadline);
	if (!err)
		lua_pushlstring(L, b->p ? b->p : "", b->len);
	lua_closeslot(L, err ? -1 : -2);	/* closed and freed now */
	if (err == EMSGSIZE)
		return nsl_fail(L, TCPREQ_PRIM, addr, err, "answer longer than %zu bytes", max);
	if (err)
		return nsl_fail(L, TCPREQ_PRIM, addr, err, NULL);
	return 1;
}

static const struct nsl_prim tcpreq_funcs[] = {
	{ "tcp_request", l_tcp_request, 3, "ns timeout max" },
	{ NULL, NULL, 0, NULL }
};

/* Adds tcp_request to the table at index 1; makes the metatable of its
 * exchanges. */
int nsl_open_tcpreq(lua_State *L)
{
	if (luaL_newmetatable(L, TCPREQ_META)) {
		lua_pushcfunction(L, tr_gc);
		lua_setfield(L, -2, "__gc");
		lua_pushcfunction(L, tr_gc);
		lua_setfield(L, -2, "__close");
	}
	lua_pop(L, 1);
	nsl_register(L, tcpreq_funcs);
	return 0;
}
