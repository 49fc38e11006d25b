/*
 * neigh.c - neighbour entries, ARP (IPv4) and NDP (IPv6) alike
 * (RTM_NEWNEIGH, RTM_DELNEIGH, RTM_GETNEIGH): neigh_add, neigh_del,
 * neigh_list.
 *
 * An entry neigh_add makes is noted in the run's record ("+neigh"), so a
 * failed run removes it again and nsl --clean removes what a killed run
 * left, in the start namespace too (one in a namespace nsl made goes with
 * that namespace anyway).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "nl/dump.h"

/* NUD states by the words neigh_add takes and neigh_list gives, in the
 * order neigh_list names a state with more than one bit (never seen in
 * practice: the kernel keeps one). */
static const struct {
	const char *name;
	uint16_t nud;
	int settable;
} states[] = {
	{ "permanent", NUD_PERMANENT, 1 }, { "noarp", NUD_NOARP, 1 },
	{ "reachable", NUD_REACHABLE, 1 }, { "stale", NUD_STALE, 1 },
	{ "delay", NUD_DELAY, 0 }, { "probe", NUD_PROBE, 0 },
	{ "incomplete", NUD_INCOMPLETE, 0 }, { "failed", NUD_FAILED, 0 },
};

/* An address argument (no prefix length) into family and bytes; raises
 * "<prim>: <s>: not an IPv4 or IPv6 address". */
static void parse_addr(lua_State *L, const char *prim, const char *s,
		       int *family, unsigned char addr[16])
{
	const char *why;
	int prefix;

	if (strchr(s, '/') || nl_parse_cidr(s, family, addr, &prefix, &why) < 0)
		nsl_fail(L, prim, s, EINVAL, "not an IPv4 or IPv6 address (and no prefix length)");
}

/* Notes in the run's record that the entry addr on dev (ifindex index)
 * of ns is about to be made ('+', with the namespace's identity) or was
 * removed or not made ('-').  Never raises: 0, or -errno when a + line
 * could not be written. */
static int record_neigh(struct nl_ns *ns, int sign, const char *addr,
			const char *dev, int index, int proxy)
{
	char nsn[2 * NAME_MAX + 1], nsid[64], dv[2 * IF_NAMESIZE + 1];

	nsl_rec_name(ns->name, nsn, sizeof(nsn));
	dev = nsl_rec_name(dev, dv, sizeof(dv));	/* a name may hold a backslash */
	if (sign == '-') {
		nsl_rec_note('-', "neigh", "%s\t%s\t%s\t%d", addr, dev, nsn, proxy);
		return 0;
	}
	if (ns->fd < 0 || nsl_fd_id(ns->fd, nsid, sizeof(nsid)) < 0)
		nsl_file_id("/proc/self/ns/net", nsid, sizeof(nsid));	/* home */
	return nsl_rec_note('+', "neigh", "%s\t%s\t%s\t%d\t%s\t%d", addr, dev, nsn, index,
		      nsid, proxy);
}

/* neigh_add / neigh_del: addr (arg 1) on opts.dev in opts.ns (arg 2),
 * with lladdr, state, router, proxy for neigh_add; returns nothing.
 * Raises "<prim>: <addr>: <reason>" (EEXIST: neigh_add on an entry that
 * is there). */
static int neigh_change(lua_State *L, int type)
{
	const struct nsl_prim *p = nsl_self(L);
	const char *prim = p->name;
	const char *addr = nsl_checkstring(L, 1, prim), *dev, *lladdr = NULL;
	const char *state = NULL;
	unsigned char dst[16], mac[6];
	char text[INET6_ADDRSTRLEN];
	int family, index, router = 0, proxy, rec = 1, err;	/* rec 1: not kept */
	uint16_t nud = NUD_PERMANENT;
	struct nl_req q;
	struct nsl_opts o;
	struct ndmsg *ndm;
	struct nl_ns *ns;
	char ext[256];
	size_t i;

	/* parse */
	nsl_opts_begin(L, &o, p, 0);
	o.obj = addr;
	parse_addr(L, prim, addr, &family, dst);
	inet_ntop(family, dst, text, sizeof(text));	/* the record's spelling */
	dev = nsl_opt_str(&o, "dev", NULL);
	if (!dev)
		return nsl_fail(L, prim, addr, EINVAL, "option 'dev' is required (the link)");
	nl_check_ifname(L, prim, dev);
	proxy = nsl_opt_bool(&o, "proxy", 0);
	if (type == RTM_NEWNEIGH) {
		lladdr = nsl_opt_str(&o, "lladdr", NULL);
		if (lladdr)
			nl_parse_mac(L, prim, addr, lladdr, mac);
		state = nsl_opt_str(&o, "state", NULL);
		for (i = 0; state && i < sizeof(states) / sizeof(states[0]); i++)
			if (states[i].settable && !strcmp(state, states[i].name))
				break;
		if (state && i == sizeof(states) / sizeof(states[0]))
			return nsl_fail(L, prim, state, EINVAL,
					"unknown state (permanent, reachable, stale or noarp)");
		if (state)
			nud = states[i].nud;
		router = nsl_opt_bool(&o, "router", 0);
		if (proxy && (lladdr || state))
			return nsl_fail(L, prim, addr, EINVAL,
					"a proxy entry takes no lladdr or state");
	}
	/* resolve */
	ns = nl_opts_ns(&o);
	index = nl_ifindex(L, ns, prim, dev);
	/* build */
	ndm = nl_req_start(&q, L, prim, addr, type, type == RTM_NEWNEIGH ?
			   NLM_F_CREATE | NLM_F_EXCL : 0, sizeof(*ndm));
	ndm->ndm_family = (unsigned char)family;
	ndm->ndm_ifindex = index;
	if (proxy)
		ndm->ndm_flags |= NTF_PROXY;
	if (type == RTM_NEWNEIGH) {
		ndm->ndm_state = proxy ? NUD_NONE : nud;
		if (router)
			ndm->ndm_flags |= NTF_ROUTER;
	}
	nl_put(&q, NDA_DST, family == AF_INET ? 4 : 16, dst);
	if (lladdr)
		nl_put(&q, NDA_LLADDR, sizeof(mac), mac);
	/* talk, the new entry recorded first */
	if (type == RTM_NEWNEIGH) {
		rec = nsl_rec_open();
		if (!rec)
			rec = record_neigh(ns, '+', text, dev, index, proxy);
	}
	err = nl_talk(L, ns, q.buf, nl_req_len(&q), NULL, NULL, ext, sizeof(ext));
	if (err && !rec)
		record_neigh(ns, '-', text, dev, index, proxy);
	if (err)
		return nsl_fail(L, prim, addr, -err, ext[0] ? "%s" : NULL, ext);
	if (type == RTM_DELNEIGH && nsl_rec_active())
		record_neigh(ns, '-', text, dev, index, proxy);
	if (rec < 0) {	/* made, but it cannot be recorded: undo */
		nl_req_start(&q, L, prim, addr, RTM_DELNEIGH, 0, sizeof(*ndm));
		ndm = mnl_nlmsg_get_payload(q.nlh);
		ndm->ndm_family = (unsigned char)family;
		ndm->ndm_ifindex = index;
		ndm->ndm_flags = proxy ? NTF_PROXY : 0;
		nl_put(&q, NDA_DST, family == AF_INET ? 4 : 16, dst);
		nl_talk(L, ns, q.buf, nl_req_len(&q), NULL, NULL, ext, sizeof(ext));
		return nsl_rec_fail(L, prim, addr, -rec);
	}
	if (type == RTM_NEWNEIGH)
		nsl_rec_made();
	return 0;
}

/* neigh_add(addr, opts): see neigh_change. */
static int l_neigh_add(lua_State *L)
{
	return neigh_change(L, RTM_NEWNEIGH);
}

/* neigh_del(addr, opts): see neigh_change. */
static int l_neigh_del(lua_State *L)
{
	return neigh_change(L, RTM_DELNEIGH);
}

/* The word for a NUD state (the first of states[] it has). */
static const char *state_name(uint16_t nud)
{
	size_t i;

	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (nud & states[i].nud)
			return states[i].name;
	return "none";
}

/* One RTM_NEWNEIGH: appends {dst, lladdr, dev, state, router, family}
 * (proxy = true instead of lladdr and state for a proxy entry) unless
 * filtered out. */
static int neigh_cb(const struct nlmsghdr *h, void *data)
{
	struct nl_dump *d = data;
	lua_State *L = d->L;
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(h);
	int proxy = *(const int *)d->arg;
	const struct nlattr *a;
	char text[INET6_ADDRSTRLEN];
	luaL_Buffer b;
	uint16_t i, n;

	if (h->nlmsg_type != RTM_NEWNEIGH || (d->dev && ndm->ndm_ifindex != d->dev))
		return 0;
	if (ndm->ndm_family != AF_INET && ndm->ndm_family != AF_INET6)
		return 0;
	if (!(ndm->ndm_flags & NTF_PROXY) != !proxy)
		return 0;
	lua_createtable(L, 0, 7);
	lua_pushstring(L, ndm->ndm_family == AF_INET ? "inet" : "inet6");
	lua_setfield(L, -2, "family");
	if (ndm->ndm_ifindex) {
		lua_rawgeti(L, d->names, ndm->ndm_ifindex);
		lua_setfield(L, -2, "dev");
	}
	lua_pushboolean(L, (ndm->ndm_flags & NTF_ROUTER) != 0);
	lua_setfield(L, -2, "router");
	if (proxy) {
		lua_pushboolean(L, 1);
		lua_setfield(L, -2, "proxy");
	} else {
		lua_pushstring(L, state_name(ndm->ndm_state));
		lua_setfield(L, -2, "state");
	}
	mnl_attr_for_each(a, h, sizeof(*ndm)) {
		const unsigned char *v = mnl_attr_get_payload(a);

		n = mnl_attr_get_payload_len(a);
		if (mnl_attr_get_type(a) == NDA_DST &&
		    n == (ndm->ndm_family == AF_INET ? 4 : 16) &&
		    inet_ntop(ndm->ndm_family, v, text, sizeof(text))) {
			lua_pushstring(L, text);
			lua_setfield(L, -2, "dst");
		} else if (mnl_attr_get_type(a) == NDA_LLADDR && n > 0 && n <= 32) {
			luaL_buffinit(L, &b);
			for (i = 0; i < n; i++) {
				snprintf(text, sizeof(text), i ? ":%02x" : "%02x", v[i]);
				luaL_addstring(&b, text);
			}
			luaL_pushresult(&b);
			lua_setfield(L, -2, "lladdr");
		}
	}
	nl_dump_add(d);
	return 0;
}

/* neigh_list(opts): pushes an array of neighbour records of opts.ns (of
 * link opts.dev, family opts.family, when given; the proxy entries
 * instead with opts.proxy), its metatable named "nsl.neigh_list".  Raises
 * "neigh_list: <obj>: ...". */
static int l_neigh_list(lua_State *L)
{
	struct nl_req q;
	struct nsl_opts o;
	struct ndmsg *ndm;
	struct nl_dump d;
	const char *dev;
	int fam, proxy;

	nsl_opts_begin(L, &o, nsl_self(L), 0);
	dev = nsl_opt_str(&o, "dev", NULL);
	fam = nl_family_opt(&o);
	proxy = nsl_opt_bool(&o, "proxy", 0);
	nl_dump_begin(&d, &o, dev, 1);
	d.arg = &proxy;
	ndm = nl_dump_req(&d, &q, dev, "neighbours", RTM_GETNEIGH, sizeof(*ndm));
	ndm->ndm_family = (unsigned char)(fam ? fam : AF_UNSPEC);
	if (proxy)
		ndm->ndm_flags = NTF_PROXY;
	return nl_dump_end(&d, &q, neigh_cb);
}

static const struct nsl_prim neigh_prims[] = {
	{ "neigh_add", l_neigh_add, 2, "ns dev lladdr state router proxy" },
	{ "neigh_del", l_neigh_del, 2, "ns dev proxy" },
	{ "neigh_list", l_neigh_list, 1, "ns dev family proxy" },
	{ NULL, NULL, 0, NULL }
};

/* Adds neigh_add, neigh_del, neigh_list to the table at index 1. */
int nsl_open_neigh(lua_State *L)
{
	nsl_register(L, neigh_prims);
	return 0;
}
