/*
 * linkwait.c - link_wait: waits until a link reaches an operational
 * state, on the events of the namespace's RTNLGRP_LINK group (no
 * polling): a socket of its own joins the group first, then the state is
 * asked once, so no change between the two is missed.
 */
#include <errno.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <string.h>

#include "link.h"

struct oper_seen {
	int index, oper, gone;	/* oper -1: no news */
	unsigned int flags;	/* the link's IFF_ flags as last seen */
};

/* Is the link in state want?  "up" is also a link whose driver keeps no
 * operational state (dummy, lo: the kernel says unknown, ip shows
 * UNKNOWN) while it is up with a carrier: it carries traffic. */
static int oper_is(const struct oper_seen *s, int want)
{
	if (s->oper == want)
		return 1;
	return want == IF_OPER_UP && s->oper == IF_OPER_UNKNOWN &&
	       (s->flags & IFF_UP) && (s->flags & IFF_LOWER_UP);
}

/* One RTM_NEWLINK / RTM_DELLINK: notes the state of the link sought;
 * returns 0 (nl_talk's callbacks). */
static int oper_cb(const struct nlmsghdr *h, void *data)
{
	struct oper_seen *s = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
	const struct nlattr *a;

	if (h->nlmsg_len < NLMSG_SPACE(sizeof(*ifi)) || ifi->ifi_index != s->index)
		return 0;
	if (h->nlmsg_type == RTM_DELLINK) {
		s->gone = 1;
		return 0;
	}
	if (h->nlmsg_type != RTM_NEWLINK)
		return 0;
	s->flags = ifi->ifi_flags;
	mnl_attr_for_each(a, h, sizeof(*ifi))
		if (mnl_attr_get_type(a) == IFLA_OPERSTATE &&
		    mnl_attr_get_payload_len(a) >= 1)
			s->oper = *(const uint8_t *)mnl_attr_get_payload(a);
	return 0;
}

/* oper_cb as libmnl's mnl_cb_run wants it (MNL_CB_OK: read on). */
static int event_cb(const struct nlmsghdr *h, void *data)
{
	oper_cb(h, data);
	return MNL_CB_OK;
}

/* Asks the link's state now (RTM_GETLINK over the namespace's socket);
 * 0 or -errno with the kernel's text in ext, never raises (ENODEV: it
 * is gone). */
static int ask_oper(lua_State *L, struct nl_ns *ns, const char *prim,
		    const char *name, struct oper_seen *s, char *ext, size_t extlen)
{
	struct ifinfomsg *ifi;
	struct nl_req q;
	int err;

	ifi = nl_req_start(&q, L, prim, name, RTM_GETLINK, 0, sizeof(*ifi));
	ifi->ifi_index = s->index;
	err = nl_talk(L, ns, q.buf, nl_req_len(&q), oper_cb, s, ext, extlen);
	if (err == -ENODEV)
		s->gone = 1;
	return err == -ENODEV ? 0 : err;
}

/* A socket in ns that hears RTNLGRP_LINK; NULL with errno. */
static struct mnl_socket *listen_links(lua_State *L, struct nl_ns *ns)
{
	struct mnl_socket *m = NULL;
	int err = nl_enter(L, ns), back;

	if (err) {
		errno = -err;
		return NULL;
	}
	m = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	err = m ? 0 : errno;
	if (m && mnl_socket_bind(m, 1 << (RTNLGRP_LINK - 1), MNL_SOCKET_AUTOPID) < 0) {
		err = errno;
		mnl_socket_close(m);
		m = NULL;
	}
	back = nl_leave(L);
	if (back && m) {
		mnl_socket_close(m);
		m = NULL;
		err = -back;
	}
	errno = err;
	return m;
}

/* Reads what the group socket holds; -1 with errno ENOBUFS when the
 * kernel dropped events (the state must be asked again). */
static int drain(struct mnl_socket *m, struct oper_seen *s)
{
	char buf[NL_RECV_SIZE] __attribute__((aligned(8)));
	ssize_t n;

	while ((n = mnl_socket_recvfrom(m, buf, sizeof(buf))) > 0)
		mnl_cb_run(buf, (size_t)n, 0, 0, event_cb, s);
	return n < 0 && errno == ENOBUFS ? -1 : 0;
}

/* link_wait(link [, opts]): returns once link (in opts.ns) is in
 * operational state opts.oper ("up" by default; any of link_get's
 * states; "up" takes a driver's "unknown" with IFF_UP and IFF_LOWER_UP,
 * as a dummy's is), at once when it is already; opts.timeout seconds (default
 * 10) bound the wait.  Raises "link_wait: <link>: not up after 2 s (it
 * is down)" (ETIMEDOUT), "...: the link went away" (ENODEV), or as a
 * signal does. */
static int l_link_wait(lua_State *L)
{
	const struct nsl_prim *p = nsl_self(L);
	const char *prim = p->name, *name = nsl_checkstring(L, 1, prim), *want;
	struct oper_seen s = { 0, -1, 0, 0 };
	struct mnl_socket *m;
	struct nsl_opts o;
	struct nl_ns *ns;
	sigset_t sigs, old;
	double timeout, deadline;
	int oper = -1, i, err = 0;
	char ext[256] = "";

	nsl_opts_begin(L, &o, p, 0);
	o.obj = name;
	nl_check_ifname(L, prim, name);
	want = nsl_opt_str(&o, "oper", "up");
	for (i = 0; i < NL_OPER_N; i++)
		if (!strcmp(want, nl_oper_names[i]))
			oper = i;
	if (oper < 0)
		return nsl_fail(L, prim, want, EINVAL, "unknown oper (up, down, "
				"lowerlayerdown, dormant, testing, notpresent or unknown)");
	if (nsl_opt_type(&o, "timeout") != LUA_TNIL &&
	    nsl_opt_type(&o, "timeout") != LUA_TNUMBER) {
		nsl_opt_push(&o, "timeout");
		return nsl_opt_type_error(&o, "timeout", "number");
	}
	nsl_opt_push(&o, "timeout");
	timeout = lua_isnil(L, -1) ? 10 : lua_tonumber(L, -1);
	lua_pop(L, 1);
	if (!(timeout >= 0) || timeout > 86400)
		return nsl_fail(L, prim, name, EINVAL, "timeout must be 0 to 86400 seconds");
	ns = nl_opts_ns(&o);
	s.index = nl_ifindex(L, ns, prim, name);
	m = listen_links(L, ns);
	if (!m)
		return nsl_fail(L, prim, name, errno, "cannot listen to link events");
	deadline = nsl_mono() + timeout;
	err = -ask_oper(L, ns, prim, name, &s, ext, sizeof(ext));
	nsl_signals_set(&sigs);
	while (!err && !s.gone && !oper_is(&s, oper)) {
		double left = deadline - nsl_mono();
		struct pollfd pf = { mnl_socket_get_fd(m), POLLIN, 0 };
		struct timespec ts;
		int r;

		if (left <= 0) {
			err = ETIMEDOUT;
			break;
		}
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - floor(left)) * 1e9);
		sigprocmask(SIG_BLOCK, &sigs, &old);
		r = nsl_signal ? -1 : ppoll(&pf, 1, &ts, &old);
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (nsl_signal)
			break;
		if (r > 0 && drain(m, &s) < 0)	/* events lost: ask again */
			err = -ask_oper(L, ns, prim, name, &s, ext, sizeof(ext));
	}
	mnl_socket_close(m);
	if (nsl_signal)
		nsl_check_signal(L);
	if (s.gone)
		return nsl_fail(L, prim, name, ENODEV, "the link went away");
	if (err && err != ETIMEDOUT)
		return nsl_fail(L, prim, name, err, ext[0] ? "%s" : NULL, ext);
	if (err)
		return nsl_fail(L, prim, name, ETIMEDOUT, "not %s after %g s (it is %s)",
				want, timeout, s.oper >= 0 && s.oper < NL_OPER_N ?
				nl_oper_names[s.oper] : "unknown");
	return 0;
}

static const struct nsl_prim linkwait_prims[] = {
	{ "link_wait", l_link_wait, 2, "ns oper timeout" },
	{ NULL, NULL, 0, NULL }
};

/* Adds link_wait to the table at index 1. */
int nsl_open_linkwait(lua_State *L)
{
	nsl_register(L, linkwait_prims);
	return 0;
}
