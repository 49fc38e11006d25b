/*
 * sockdiag.c - sock_list([opts]): the TCP and UDP sockets of a network
 * namespace, as the kernel reports them over NETLINK_SOCK_DIAG (what
 * `ss` asks), for readiness checks that need no fixed sleeps and no
 * parsing of /proc/<pid>/net/tcp.
 *
 * sock_diag is a netlink protocol of its own: the requests go over the
 * namespace's NETLINK_SOCK_DIAG socket, which nlsock.c caches beside its
 * NETLINK_ROUTE one (opened inside the namespace on the first call), or,
 * for a namespace the run does not talk to, one opened for the call.
 * The kernel runs one dump at a time per socket, so the four (TCP and
 * UDP, each family) are sent one after the other.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nl/dump.h"

/* The TCP states as the kernel numbers them (include/net/tcp_states.h). */
static const char *const tcp_states[] = {
	"", "established", "syn_sent", "syn_recv", "fin_wait1", "fin_wait2",
	"time_wait", "close", "close_wait", "last_ack", "listen", "closing",
	"new_syn_recv",
};
#define N_STATES (int)(sizeof(tcp_states) / sizeof(tcp_states[0]))
#define ST_LISTEN 10
#define ST_CLOSE 7

/* What sock_list keeps (the arg of its dump). */
struct sock_filter {
	const char *proto;	/* of the dump being read */
	int port;		/* keep only this local port; -1: all */
};

/* One inet_diag_msg: appends { proto, family, state, local, port, remote,
 * rport, uid, inode } to the list. */
static int on_sock(const struct nlmsghdr *nlh, void *data)
{
	struct nl_dump *d = data;
	const struct sock_filter *f = d->arg;
	lua_State *L = d->L;
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	char buf[INET6_ADDRSTRLEN];
	int af = m->idiag_family;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*m))
		return 0;
	if (f->port >= 0 && ntohs(m->id.idiag_sport) != f->port)
		return 0;
	lua_createtable(L, 0, 9);
	lua_pushstring(L, f->proto);
	lua_setfield(L, -2, "proto");
	lua_pushstring(L, af == AF_INET6 ? "inet6" : "inet");
	lua_setfield(L, -2, "family");
	if (!strcmp(f->proto, "udp"))
		lua_pushstring(L, m->idiag_state == ST_CLOSE ? "unconn" : "established");
	else
		lua_pushstring(L, m->idiag_state < N_STATES ? tcp_states[m->idiag_state] : "unknown");
	lua_setfield(L, -2, "state");
	inet_ntop(af, m->id.idiag_src, buf, sizeof(buf));
	lua_pushstring(L, buf);
	lua_setfield(L, -2, "local");
	lua_pushinteger(L, ntohs(m->id.idiag_sport));
	lua_setfield(L, -2, "port");
	inet_ntop(af, m->id.idiag_dst, buf, sizeof(buf));
	lua_pushstring(L, buf);
	lua_setfield(L, -2, "remote");
	lua_pushinteger(L, ntohs(m->id.idiag_dport));
	lua_setfield(L, -2, "rport");
	lua_pushinteger(L, m->idiag_uid);
	lua_setfield(L, -2, "uid");
	lua_pushinteger(L, m->idiag_inode);
	lua_setfield(L, -2, "inode");
	nl_dump_add(d);
	return 0;
}

/* Dumps the sockets of one family and protocol into the list of d;
 * raises "sock_list: <ns>: <reason>". */
static void dump_one(struct nl_dump *d, int family, int protocol,
		     unsigned int states)
{
	struct inet_diag_req_v2 *req;
	struct nl_req q;

	req = nl_dump_req(d, &q, NULL, "", SOCK_DIAG_BY_FAMILY, sizeof(*req));
	q.proto = NETLINK_SOCK_DIAG;
	req->sdiag_family = (uint8_t)family;
	req->sdiag_protocol = (uint8_t)protocol;
	req->idiag_states = states;
	nl_dump_run(d, &q, on_sock);
}

/* What sock_list asks for. */
struct sock_call {
	struct nl_ns *ns;
	struct sock_filter f;
	int proto;		/* 0 tcp, 1 udp, 2 both */
	int listen;
};

/* The dumps of sock_list (lightuserdata 1: its struct sock_call), run
 * under lua_pcall so that a namespace borrowed for the call is released
 * whatever happens; pushes the list. */
static int sock_dumps(lua_State *L)
{
	static const char *const protos[] = { "tcp", "udp" };
	struct sock_call *c = lua_touserdata(L, 1);
	struct nl_dump d;
	int i, j;

	nl_dump_start(&d, L, c->ns, "sock_list");
	d.arg = &c->f;
	for (i = 0; i < 2; i++) {
		if (c->proto != 2 && c->proto != i)
			continue;
		c->f.proto = protos[i];
		for (j = 0; j < 2; j++) {
			unsigned int mask = ~0u;

			if (c->listen)
				mask = 1u << (i == 0 ? ST_LISTEN : ST_CLOSE);
			dump_one(&d, j ? AF_INET6 : AF_INET,
				 i ? IPPROTO_UDP : IPPROTO_TCP, mask);
		}
	}
	return nl_dump_done(&d);
}

/* sock_list([opts]): a list of the namespace's sockets as tables
 * { proto = "tcp"|"udp", family = "inet"|"inet6", state, local, port,
 * remote, rport, uid, inode }.  opts: ns, proto ("tcp", "udp"; default
 * both), state ("listen": TCP listeners and unconnected UDP sockets;
 * default every state), port (a local port).  A namespace the run talks
 * to already is asked over its cached socket; another (another run's,
 * one of ip netns add) is opened for the call only, so that asking never
 * keeps it alive.  Raises "sock_list: <ns>: <reason>". */
static int l_sock_list(lua_State *L)
{
	static const char *const protos[] = { "tcp", "udp", "all", NULL };
	static const char *const states[] = { "all", "listen", NULL };
	struct sock_call c = { NULL, { NULL, -1 }, 0, 0 };
	const char *name, *p, *st;
	struct nl_ns tmp;
	struct nsl_opts o;
	int status;

	nsl_opts_begin(L, &o, nsl_self(L), 0);
	name = nsl_opt_str(&o, "ns", NULL);
	p = nsl_opt_str(&o, "proto", "all");
	st = nsl_opt_str(&o, "state", "all");
	for (c.proto = 0; protos[c.proto] && strcmp(protos[c.proto], p); c.proto++)
		;
	if (!protos[c.proto])
		return nsl_fail(L, "sock_list", p, EINVAL, "proto must be \"tcp\" or \"udp\"");
	for (c.listen = 0; states[c.listen] && strcmp(states[c.listen], st); c.listen++)
		;
	if (!states[c.listen])
		return nsl_fail(L, "sock_list", st, EINVAL, "state must be \"listen\" or \"all\"");
	c.f.port = (int)nsl_opt_int(&o, "port", 0, 65535, -1);
	memset(&tmp, 0, sizeof(tmp));
	tmp.fd = -1;
	if (name) {
		nl_check_nsname(L, "sock_list", name);
		c.ns = nl_ns_borrow(L, name, &tmp);
	}
	if (!c.ns)	/* the start namespace, or raises why name is none */
		c.ns = nl_ns(L, "sock_list", name);
	lua_pushcfunction(L, sock_dumps);
	lua_pushlightuserdata(L, &c);
	status = lua_pcall(L, 1, 1, 0);
	nl_ns_release(&tmp);
	if (status != LUA_OK)
		return lua_error(L);
	return 1;
}

/* Adds sock_list to the table at index 1. */
int nsl_open_sockdiag(lua_State *L)
{
	static const struct nsl_prim prims[] = {
		{ "sock_list", l_sock_list, 1, "ns proto state port" },
		{ NULL, NULL, 0, NULL }
	};

	nsl_register(L, prims);
	return 0;
}
