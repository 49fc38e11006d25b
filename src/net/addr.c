/*
 * addr.c - IPv4 and IPv6 addresses on links (RTM_NEWADDR, RTM_DELADDR,
 * RTM_GETADDR): addr_add, addr_del, addr_set (in place: NLM_F_REPLACE),
 * addr_list, addr_flush.
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

#include "nl/dump.h"

/* The IFA_LOCAL and IFA_ADDRESS attributes of an RTM_NEWADDR (NULL when
 * absent) and its flags (IFA_FLAGS: all 32 bits, else the header's). */
static uint32_t addr_attrs(const struct nlmsghdr *h, const struct nlattr **local,
			   const struct nlattr **address)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(h);
	const struct nlattr *a;
	uint32_t flags = ifa->ifa_flags;

	*local = *address = NULL;
	mnl_attr_for_each(a, h, sizeof(*ifa)) {
		if (mnl_attr_get_type(a) == IFA_LOCAL)
			*local = a;
		else if (mnl_attr_get_type(a) == IFA_ADDRESS)
			*address = a;
		else if (mnl_attr_get_type(a) == IFA_FLAGS &&
			 mnl_attr_get_payload_len(a) >= 4)
			flags = mnl_attr_get_u32(a);
	}
	return flags;
}

struct addr_find {
	int index, family, prefix, found;
	const unsigned char *addr;
	uint32_t flags;
	unsigned char *address;		/* its IFA_ADDRESS: the peer, if any */
};

/* One RTM_NEWADDR of addr_flags' dump: is it the address sought? */
static int find_cb(const struct nlmsghdr *h, void *data)
{
	struct addr_find *f = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(h);
	const struct nlattr *local, *address;
	uint32_t flags;

	if (h->nlmsg_type != RTM_NEWADDR || (int)ifa->ifa_index != f->index ||
	    ifa->ifa_family != f->family || ifa->ifa_prefixlen != f->prefix)
		return 0;
	flags = addr_attrs(h, &local, &address);
	if (!local)
		local = address;
	if (local && mnl_attr_get_payload_len(local) == (f->family == AF_INET ? 4u : 16u) &&
	    !memcmp(mnl_attr_get_payload(local), f->addr, mnl_attr_get_payload_len(local))) {
		f->found = 1;
		f->flags = flags;
		memcpy(f->address, mnl_attr_get_payload(address ? address : local),
		       mnl_attr_get_payload_len(local));
	}
	return 0;
}

/* The flags to keep of address addr/prefix of link index (those a
 * change would otherwise clear: nodad, noprefixroute...), its
 * IFA_ADDRESS (a peer's, for a point-to-point one) into address; raises
 * "<prim>: <cidr>: no such address on the link" (EADDRNOTAVAIL) when the
 * link does not have it, as addr_set changes and never adds. */
static int addr_flags(lua_State *L, struct nl_ns *ns, const char *prim, int index,
		      int family, const unsigned char *addr, int prefix,
		      const char *cidr, unsigned char *address)
{
	struct addr_find f = { index, family, prefix, 0, addr, 0, address };
	struct ifaddrmsg *ifa;
	struct nl_req q;

	ifa = nl_req_start(&q, L, prim, cidr, RTM_GETADDR, NLM_F_DUMP, sizeof(*ifa));
	ifa->ifa_family = (unsigned char)family;
	nl_req_do(&q, ns, find_cb, &f);
	if (!f.found)
		nsl_fail(L, prim, cidr, EADDRNOTAVAIL, "no such address on the link");
	return (int)(f.flags & (IFA_F_NODAD | IFA_F_NOPREFIXROUTE | IFA_F_HOMEADDRESS |
				IFA_F_MANAGETEMPADDR | IFA_F_MCAUTOJOIN));
}

/* addr_add / addr_del: one request on link (arg 1) for cidr (arg 2) in
 * opts.ns (arg 3); returns nothing.  addr_add takes peer (the other end
 * of a point-to-point address: IFA_ADDRESS), addr_set (set) changes the
 * metric of an address the link has, keeping its flags.  Raises "<prim>: <link>: <reason>"
 * or "<prim>: <cidr>: <why the CIDR is bad>". */
static int addr_change(lua_State *L, int type, int set)
{
	const struct nsl_prim *p = nsl_self(L);
	const char *prim = p->name;
	const char *link = nsl_checkstring(L, 1, prim);
	const char *cidr = nsl_checkstring(L, 2, prim), *why, *peer = NULL;
	unsigned char paddr[16];
	int pfam, pprefix, flags = 0;
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
	if (type == RTM_NEWADDR && !set)
		peer = nsl_opt_str(&o, "peer", NULL);
	if (peer && nl_parse_cidr(peer, &pfam, paddr, &pprefix, &why) < 0)
		return nsl_fail(L, prim, peer, EINVAL, "peer: %s", why);
	if (peer && pfam != family)
		return nsl_fail(L, prim, peer, EINVAL, "peer: not of the family of %s", cidr);
	if (peer && strchr(cidr, '/'))
		return nsl_fail(L, prim, cidr, EINVAL,
				"with peer the prefix length goes on the peer (peer = \"%s/%d\")",
				peer, prefix);
	nodad = type == RTM_NEWADDR && !set && nsl_opt_bool(&o, "nodad", 0);
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
	if (set) {
		if (metric < 0)
			return nsl_fail(L, prim, cidr, EINVAL, "nothing to set (metric)");
		flags = addr_flags(L, ns, prim, index, family, addr, prefix, cidr, paddr);
		peer = cidr;	/* IFA_ADDRESS as the kernel has it */
		pprefix = prefix;
	}
	/* build */
	ifa = nl_req_start(&q, L, prim, link, type, set ? NLM_F_REPLACE :
			   type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_EXCL : 0,
			   sizeof(*ifa));
	ifa->ifa_family = (unsigned char)family;
	ifa->ifa_prefixlen = (unsigned char)(peer ? pprefix : prefix);
	ifa->ifa_index = (unsigned int)index;
	/* as ip does: 127.0.0.0/8 is host scope */
	if (family == AF_INET && addr[0] == 127 && type == RTM_NEWADDR)
		ifa->ifa_scope = RT_SCOPE_HOST;
	nl_put(&q, IFA_LOCAL, (size_t)alen, addr);
	/* IPv4 without a prefix length: delete whatever prefix it has */
	if (peer)
		nl_put(&q, IFA_ADDRESS, (size_t)alen, paddr);
	else if (type == RTM_NEWADDR || family == AF_INET6 || strchr(cidr, '/'))
		nl_put(&q, IFA_ADDRESS, (size_t)alen, addr);
	if (nodad && family == AF_INET6)
		flags |= IFA_F_NODAD;
	if (flags)
		nl_put_u32(&q, IFA_FLAGS, (uint32_t)flags);
	if (metric >= 0)
		nl_put_u32(&q, IFA_RT_PRIORITY, (uint32_t)metric);
	/* talk */
	nl_req_do(&q, ns, NULL, NULL);
	return 0;
}

/* addr_add(link, cidr [, opts]): see addr_change. */
static int l_addr_add(lua_State *L)
{
	return addr_change(L, RTM_NEWADDR, 0);
}

/* addr_set(link, cidr [, opts]): changes an address the link has. */
static int l_addr_set(lua_State *L)
{
	return addr_change(L, RTM_NEWADDR, 1);
}

/* addr_del(link, cidr [, opts]): see addr_change. */
static int l_addr_del(lua_State *L)
{
	return addr_change(L, RTM_DELADDR, 0);
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

/* One RTM_NEWADDR: appends {dev, family, address, prefixlen, cidr,
 * scope} to the array. */
static int addr_cb(const struct nlmsghdr *h, void *data)
{
	struct nl_dump *d = data;
	lua_State *L = d->L;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(h);
	const struct nlattr *local, *address;
	char text[INET6_ADDRSTRLEN];
	uint32_t flags;
	const void *p;

	if (h->nlmsg_type != RTM_NEWADDR || (d->dev && (int)ifa->ifa_index != d->dev))
		return 0;
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return 0;
	flags = addr_attrs(h, &local, &address);
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
	nl_dump_add(d);
	return 0;
}

/* addr_list(opts): pushes an array of address records of opts.ns (only
 * those of link opts.dev, of family opts.family, when given), its
 * metatable named "nsl.addr_list" (nsl.pretty shows it as columns).  Raises
 * "addr_list: <obj>: ...". */
static int l_addr_list(lua_State *L)
{
	struct nl_req q;
	struct nsl_opts o;
	struct ifaddrmsg *ifa;
	struct nl_dump d;
	const char *dev;
	int fam;

	nsl_opts_begin(L, &o, nsl_self(L), 0);
	dev = nsl_opt_str(&o, "dev", NULL);
	fam = nl_family_opt(&o);
	nl_dump_begin(&d, &o, dev, 1);
	ifa = nl_dump_req(&d, &q, dev, "addresses", RTM_GETADDR, sizeof(*ifa));
	ifa->ifa_family = (unsigned char)(fam ? fam : AF_UNSPEC);
	return nl_dump_end(&d, &q, addr_cb);
}

struct flush_dump {
	lua_State *L;
	int list, index;
};

/* One RTM_NEWADDR of addr_flush's dump: kept when it is the link's. */
static int flush_cb(const struct nlmsghdr *h, void *data)
{
	struct flush_dump *d = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(h);

	if (h->nlmsg_type == RTM_NEWADDR && (int)ifa->ifa_index == d->index &&
	    (ifa->ifa_family == AF_INET || ifa->ifa_family == AF_INET6))
		nl_keep(d->L, d->list, h);
	return 0;
}

/* addr_flush(link [, opts]): deletes every address of link in opts.ns
 * (of family opts.family only, when given), as ip address flush dev
 * does; returns how many it deleted.  Raises "addr_flush: <link>: ...". */
static int l_addr_flush(lua_State *L)
{
	const struct nsl_prim *p = nsl_self(L);
	const char *link = nsl_checkstring(L, 1, p->name);
	struct flush_dump d;
	struct ifaddrmsg *ifa;
	struct nsl_opts o;
	struct nl_req q;
	struct nl_ns *ns;
	int fam;

	nsl_opts_begin(L, &o, p, 0);
	o.obj = link;
	nl_check_ifname(L, p->name, link);
	fam = nl_family_opt(&o);
	ns = nl_opts_ns(&o);
	lua_settop(L, 2);
	d.L = L;
	d.index = nl_ifindex(L, ns, p->name, link);
	lua_newtable(L);
	d.list = lua_gettop(L);
	ifa = nl_req_start(&q, L, p->name, link, RTM_GETADDR, NLM_F_DUMP, sizeof(*ifa));
	ifa->ifa_family = (unsigned char)fam;
	nl_req_do(&q, ns, flush_cb, &d);
	lua_pushinteger(L, nl_resend(L, ns, p->name, link, d.list, RTM_DELADDR,
				     EADDRNOTAVAIL));
	return 1;
}

static const struct nsl_prim addr_prims[] = {
	{ "addr_add", l_addr_add, 3, "ns nodad metric family peer" },
	{ "addr_set", l_addr_set, 3, "ns metric family" },
	{ "addr_flush", l_addr_flush, 2, "ns family" },
	{ "addr_del", l_addr_del, 3, "ns family" },
	{ "addr_list", l_addr_list, 1, "ns dev family" },
	{ NULL, NULL, 0, NULL }
};

/* Adds addr_add, addr_set, addr_del, addr_list, addr_flush to the table at index 1. */
int nsl_open_addr(lua_State *L)
{
	nsl_register(L, addr_prims);
	return 0;
}
