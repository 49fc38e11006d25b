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

/* Options of addr_add / addr_del (arg 3), read in one place. */
struct addr_opts {
	int nodad;		/* nodad: boolean; IPv6 only (no DAD) */
	lua_Integer metric;	/* metric: integer 0..4294967295 (prefix route); -1 absent */
	const char *family;	/* family: "inet" or "inet6", must match the CIDR */
	struct nl_ns *ns;	/* ns: namespace name */
};

/* Reads the options table at idx into o; raises on a bad one. */
static void addr_read_opts(lua_State *L, int idx, const char *prim,
			   struct addr_opts *o)
{
	/* --- options (keys: nodad, metric, family, ns) --- */
	nl_check_opts(L, idx);
	o->nodad = nl_opt_bool(L, idx, "nodad", 0);
	o->metric = nl_opt_int(L, idx, "metric", -1);
	if (o->metric != -1 && (o->metric < 0 || o->metric > 0xffffffffLL))
		nsl_fail(L, prim, "metric", EINVAL, "metric must be 0 to 4294967295");
	o->family = nl_opt_str(L, idx, "family", NULL);
	if (o->family && strcmp(o->family, "inet") && strcmp(o->family, "inet6"))
		nsl_fail(L, prim, o->family, EINVAL, "unknown family (inet or inet6)");
	o->ns = nl_opt_ns(L, idx, "ns", prim);
	/* --- end of options --- */
}

/* addr_add / addr_del: one request on link (arg 1) for cidr (arg 2) with
 * the options of struct addr_opts (arg 3); returns nothing.  Raises
 * "<prim>: <link>: <reason>" or "<prim>: <cidr>: <why the CIDR is bad>". */
static int addr_change(lua_State *L, const char *prim, int type)
{
	const char *link = luaL_checkstring(L, 1);
	const char *cidr = luaL_checkstring(L, 2), *why;
	char buf[NL_REQ_SIZE] = { 0 };	/* padding goes out too */
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	unsigned char addr[16];
	int family, prefix, index, alen;
	struct addr_opts o;

	if (nl_parse_cidr(cidr, &family, addr, &prefix, &why) < 0)
		return nsl_fail(L, prim, cidr, EINVAL, "%s", why);
	addr_read_opts(L, 3, prim, &o);
	if (o.family && (family == AF_INET6) != (o.family[4] != '\0'))
		return nsl_fail(L, prim, cidr, EINVAL, "not of family %s", o.family);
	index = nl_ifindex(L, o.ns, prim, link);
	alen = family == AF_INET ? 4 : 16;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (uint16_t)type;
	if (type == RTM_NEWADDR)
		nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (unsigned char)family;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_index = (unsigned int)index;
	/* as ip does: 127.0.0.0/8 is host scope */
	if (family == AF_INET && addr[0] == 127 && type == RTM_NEWADDR)
		ifa->ifa_scope = RT_SCOPE_HOST;
	mnl_attr_put(nlh, IFA_LOCAL, (size_t)alen, addr);
	/* IPv4 without a prefix length: delete whatever prefix it has */
	if (type == RTM_NEWADDR || family == AF_INET6 || strchr(cidr, '/'))
		mnl_attr_put(nlh, IFA_ADDRESS, (size_t)alen, addr);
	if (o.nodad && family == AF_INET6)
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	if (o.metric >= 0 && type == RTM_NEWADDR)
		mnl_attr_put_u32(nlh, IFA_RT_PRIORITY, (uint32_t)o.metric);
	nl_do(L, o.ns, nlh, NULL, NULL, prim, link);
	return 0;
}

/* addr_add(link, cidr [, opts]): see addr_change. */
static int l_addr_add(lua_State *L)
{
	return addr_change(L, "addr_add", RTM_NEWADDR);
}

/* addr_del(link, cidr [, opts]): see addr_change. */
static int l_addr_del(lua_State *L)
{
	return addr_change(L, "addr_del", RTM_DELADDR);
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
 * those of link opts.dev, of family opts.family, when given).  Raises
 * "addr_list: <obj>: ...". */
static int l_addr_list(lua_State *L)
{
	char buf[256] = { 0 };	/* padding goes out too */
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	struct addr_dump d;
	const char *dev, *fam;
	struct nl_ns *ns;

	/* --- options (keys: dev, family, ns) --- */
	nl_check_opts(L, 1);
	dev = nl_opt_str(L, 1, "dev", NULL);
	fam = nl_opt_str(L, 1, "family", NULL);
	if (fam && strcmp(fam, "inet") && strcmp(fam, "inet6"))
		return nsl_fail(L, "addr_list", fam, EINVAL,
				"unknown family (inet or inet6)");
	ns = nl_opt_ns(L, 1, "ns", "addr_list");
	/* --- end of options --- */
	lua_settop(L, 1);
	d.L = L;
	d.dev = dev ? nl_ifindex(L, ns, "addr_list", dev) : 0;
	nl_push_ifnames(L, ns, "addr_list");
	d.names = lua_gettop(L);
	lua_newtable(L);
	d.list = lua_gettop(L);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = !fam ? AF_UNSPEC : fam[4] ? AF_INET6 : AF_INET;
	nl_do(L, ns, nlh, addr_cb, &d, "addr_list", dev ? dev :
	      ns->name[0] ? ns->name : "addresses");
	if (luaL_newmetatable(L, ADDR_META)) {
		static const char *const cols[] = { "dev", "cidr", "family", "scope" };
		size_t i;

		lua_createtable(L, 4, 0);
		for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
			lua_pushstring(L, cols[i]);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		lua_setfield(L, -2, "__columns");
	}
	lua_setmetatable(L, d.list);
	return 1;
}

static const luaL_Reg addr_funcs[] = {
	{ "addr_add", l_addr_add },
	{ "addr_del", l_addr_del },
	{ "addr_list", l_addr_list },
	{ NULL, NULL }
};

/* Adds addr_add, addr_del, addr_list to the table at index 1. */
int nsl_open_addr(lua_State *L)
{
	luaL_setfuncs(L, addr_funcs, 0);
	return 0;
}
