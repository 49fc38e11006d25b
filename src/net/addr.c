/*
 * addr.c - IPv4 and IPv6 addresses on links (RTM_NEWADDR, RTM_DELADDR,
 * RTM_GETADDR): addr_add, addr_del, addr_list.
 *
 * Records carry the IPv6 DAD state (tentative, dadfailed, nodad), so a
 * caller can wait until an address is usable.
 *
 * CIDRs are parsed here (inet_pton), so a typo is refused before the
 * kernel sees anything, with the text saying what is wrong.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>

#include "nl.h"

#define ADDR_META "nsl.addr_list"

/* addr_add / addr_del: one request on link (arg 1) for cidr (arg 2) in
 * opts.ns (arg 3); returns nothing.  Raises "<prim>: <link>: <reason>"
 * or "<prim>: <cidr>: <why the CIDR is bad>". */
static int addr_change(lua_State *L, int type)
{
	const struct nsl_prim *p = nsl_self(L);
	const char *prim = p->name;
	const char *link = nsl_checkstring(L, 1, prim);
	const char *cidr = nsl_checkstring(L, 2, prim), *why;
	struct nl_req q;
	struct nsl_opts o;
	struct ifaddrmsg *ifa;
	unsigned char addr[16];
	int family, prefix, index, alen, nodad;
	lua_Integer metric;
	const char *fam;
	struct nl_ns *ns;

	/* parse */
	nsl_opts_begin(L, &o, p, 0);
	o.obj = link;
	nl_check_ifname(L, prim, link);
	if (nl_parse_cidr(cidr, &family, addr, &prefix, &why) < 0)
		return nsl_fail(L, prim, cidr, EINVAL, "%s", why);
	nodad = type == RTM_NEWADDR && nsl_opt_bool(&o, "nodad", 0);
	metric = type == RTM_NEWADDR ? nsl_opt_int(&o, "metric", 0, 0xffffffffLL, -1) : -1;
	fam = nsl_opt_str(&o, "family", NULL);
	if (fam && strcmp(fam, "inet") && strcmp(fam, "inet6"))
		return nsl_fail(L, prim, fam, EINVAL, "unknown family (inet or inet6)");
	if (fam && (family == AF_INET6) != (fam[4] != '\0'))
		return nsl_fail(L, prim, cidr, EINVAL, "not of family %s", fam);
	/* resolve */
	ns = nl_opts_ns(&o);
	index = nl_ifindex(L, ns, prim, link);
	alen = family == AF_INET ? 4 : 16;
	/* build */
	ifa = nl_req_start(&q, L, prim, link, type, type == RTM_NEWADDR ?
			   NLM_F_CREATE | NLM_F_EXCL : 0, sizeof(*ifa));
	ifa->ifa_family = (unsigned char)family;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_index = (unsigned int)index;
	/* as ip does: 127.0.0.0/8 is host scope */
	if (family == AF_INET && addr[0] == 127 && type == RTM_NEWADDR)
		ifa->ifa_scope = RT_SCOPE_HOST;
	nl_put(&q, IFA_LOCAL, (size_t)alen, addr);
	/* IPv4 without a prefix length: delete whatever prefix it has */
	if (type == RTM_NEWADDR || family == AF_INET6 || strchr(cidr, '/'))
		nl_put(&q, IFA_ADDRESS, (size_t)alen, addr);
	if (nodad && family == AF_INET6)
		nl_put_u32(&q, IFA_FLAGS, IFA_F_NODAD);
	if (metric >= 0)
		nl_put_u32(&q, IFA_RT_PRIORITY, (uint32_t)metric);
	/* talk */
	nl_req_do(&q, ns, NULL, NULL);
	return 0;
}

/* addr_add(link, cidr [, opts]): see addr_change. */
static int l_addr_add(lua_State *L)
{
	return addr_change(L, RTM_NEWADDR);
}

/* addr_del(link, cidr [, opts]): see addr_change. */
static int l_addr_del(lua_State *L)
{
	return addr_change(L, RTM_DELADDR);
}

/* The word ip uses for an address scope. */
static const char *scope_name(unsigned char scope)
{
	switch (scope) {
	case RT_SCOPE_UNIVERSE: return "global";
	case RT_SCOPE_SITE: return "site";
	case RT_SCOPE_LINK: return "link";
	case RT_SCOPE_HOST: return "host";
	default: return "nowhere";
	}
}

struct addr_dump {
	lua_State *L;
	int list, names, dev;	/* stack indexes; dev: filter index or 0 */
};

/* One RTM_NEWADDR: appends {dev, family, address, prefixlen, cidr,
 * scope} to the array. */
static int addr_cb(const struct nlmsghdr *h, void *data)
{
	struct addr_dump *d = data;
	lua_State *L = d->L;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(h);
	const struct nlattr *a, *local = NULL, *address = NULL;
	char text[INET6_ADDRSTRLEN];
	uint32_t flags = ifa->ifa_flags;
	const void *p;

	if (h->nlmsg_type != RTM_NEWADDR || (d->dev && (int)ifa->ifa_index != d->dev))
		return 0;
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return 0;
	mnl_attr_for_each(a, h, sizeof(*ifa)) {
		if (mnl_attr_get_type(a) == IFA_LOCAL)
			local = a;
		else if (mnl_attr_get_type(a) == IFA_ADDRESS)
			address = a;
		else if (mnl_attr_get_type(a) == IFA_FLAGS &&
			 mnl_attr_get_payload_len(a) >= 4)
			flags = mnl_attr_get_u32(a);	/* all 32 bits */
	}
	p = local ? mnl_attr_get_payload(local) :
	    address ? mnl_attr_get_payload(address) : NULL;
	if (!p || !inet_ntop(ifa->ifa_family, p, text, sizeof(text)))
		return 0;
	lua_createtable(L, 0, 10);
	lua_rawgeti(L, d->names, ifa->ifa_index);
	lua_setfield(L, -2, "dev");
	lua_pushinteger(L, ifa->ifa_index);
	lua_setfield(L, -2, "index");
	lua_pushstring(L, ifa->ifa_family == AF_INET ? "inet" : "inet6");
	lua_setfield(L, -2, "family");
	lua_pushstring(L, text);
	lua_setfield(L, -2, "address");
	lua_pushinteger(L, ifa->ifa_prefixlen);
	lua_setfield(L, -2, "prefixlen");
	lua_pushfstring(L, "%s/%d", text, (int)ifa->ifa_prefixlen);
	lua_setfield(L, -2, "cidr");
	lua_pushstring(L, scope_name(ifa->ifa_scope));
	lua_setfield(L, -2, "scope");
	/* DAD state (IPv6): tentative until detection is over */
	lua_pushboolean(L, (flags & IFA_F_TENTATIVE) != 0);
	lua_setfield(L, -2, "tentative");
	lua_pushboolean(L, (flags & IFA_F_DADFAILED) != 0);
	lua_setfield(L, -2, "dadfailed");
	lua_pushboolean(L, (flags & IFA_F_NODAD) != 0);
	lua_setfield(L, -2, "nodad");
	lua_rawseti(L, d->list, (lua_Integer)lua_rawlen(L, d->list) + 1);
	return 0;
}

/* addr_list(opts): pushes an array of address records of opts.ns (only
 * those of link opts.dev, of family opts.family, when given), its
 * metatable named ADDR_META (nsl.pretty shows it as columns).  Raises
 * "addr_list: <obj>: ...". */
static int l_addr_list(lua_State *L)
{
	struct nl_req q;
	struct nsl_opts o;
	struct ifaddrmsg *ifa;
	struct addr_dump d;
	const char *dev, *fam;
	struct nl_ns *ns;

	nsl_opts_begin(L, &o, nsl_self(L), 0);
	dev = nsl_opt_str(&o, "dev", NULL);
	fam = nsl_opt_str(&o, "family", NULL);
	if (fam && strcmp(fam, "inet") && strcmp(fam, "inet6"))
		return nsl_fail(L, "addr_list", fam, EINVAL,
				"unknown family (inet or inet6)");
	ns = nl_opts_ns(&o);
	lua_settop(L, 1);
	d.L = L;
	d.dev = dev ? nl_ifindex(L, ns, "addr_list", dev) : 0;
	nl_push_ifnames(L, ns, "addr_list");
	d.names = lua_gettop(L);
	lua_newtable(L);
	d.list = lua_gettop(L);
	ifa = nl_req_start(&q, L, "addr_list", dev ? dev : ns->name[0] ?
			   ns->name : "addresses", RTM_GETADDR, NLM_F_DUMP,
			   sizeof(*ifa));
	ifa->ifa_family = !fam ? AF_UNSPEC : fam[4] ? AF_INET6 : AF_INET;
	nl_req_do(&q, ns, addr_cb, &d);
	luaL_newmetatable(L, ADDR_META);
	lua_setmetatable(L, d.list);
	return 1;
}

static const struct nsl_prim addr_prims[] = {
	{ "addr_add", l_addr_add, 3, "ns nodad metric family" },
	{ "addr_del", l_addr_del, 3, "ns family" },
	{ "addr_list", l_addr_list, 1, "ns dev family" },
	{ NULL, NULL, 0, NULL }
};

/* Adds addr_add, addr_del, addr_list to the table at index 1. */
int nsl_open_addr(lua_State *L)
{
	nsl_register(L, addr_prims);
	return 0;
}
