/*
 * route.c - routes (RTM_NEWROUTE, RTM_DELROUTE, RTM_GETROUTE):
 * route_add, route_del, route_list.
 *
 * A destination is "default" or a CIDR; the family follows it (or, for
 * "default", the gateway).  Tables are numbers or main/local/default.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>

#include "nl.h"

#define ROUTE_META "nsl.route_list"

static const struct {
	const char *name;
	int id;
} tables[] = {
	{ "main", RT_TABLE_MAIN }, { "local", RT_TABLE_LOCAL },
	{ "default", RT_TABLE_DEFAULT },
};

/* opts.table as a number (a name or an integer); def when absent. */
static lua_Integer table_opt(struct nsl_opts *o, lua_Integer def)
{
	size_t i;

	if (nsl_opt_type(o, "table") == LUA_TSTRING) {
		const char *s = nsl_opt_str(o, "table", NULL);

		for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
			if (!strcmp(s, tables[i].name))
				return tables[i].id;
		if (!strcmp(s, "all"))
			return 0;
		return nsl_fail(o->L, o->p->name, s, EINVAL,
				"unknown table (a number, main, local, default or all)");
	}
	return nsl_opt_int(o, "table", 1, 0x7fffffff, def);
}

/* An address option (via, src) of the route's family; raises if it is no
 * address or of the other family.  Returns 1 when present. */
static int addr_opt(struct nsl_opts *o, const char *field, int *family,
		    unsigned char addr[16])
{
	const char *s = nsl_opt_str(o, field, NULL), *why;
	int fam, prefix;

	if (!s)
		return 0;
	if (strchr(s, '/') || nl_parse_cidr(s, &fam, addr, &prefix, &why) < 0)
		nsl_fail(o->L, o->p->name, s, EINVAL,
			 "%s: not an IPv4 or IPv6 address", field);
	if (*family && fam != *family)
		nsl_fail(o->L, o->p->name, s, EINVAL,
			 "%s: not of the destination's family", field);
	*family = fam;
	return 1;
}

/* The family option: AF_INET, AF_INET6, or 0 when absent. */
static int family_opt(struct nsl_opts *o)
{
	const char *fam = nsl_opt_str(o, "family", NULL);

	if (!fam)
		return 0;
	if (!strcmp(fam, "inet"))
		return AF_INET;
	if (!strcmp(fam, "inet6"))
		return AF_INET6;
	return nsl_fail(o->L, o->p->name, fam, EINVAL,
			"unknown family (inet or inet6)");
}

/* route_add / route_del: dst (arg 1) with opts via, dev, metric, table,
 * src, family, ns (arg 2); returns nothing.  Raises "<prim>: <dst>: <reason>". */
static int route_change(lua_State *L, int type)
{
	const struct nsl_prim *p = nsl_self(L);
	const char *prim = p->name;
	const char *dst = nsl_checkstring(L, 1, prim), *why, *dev;
	unsigned char daddr[16], gw[16], src[16];
	int family = 0, prefix = 0, has_gw, has_src, alen, fam;
	lua_Integer metric, table;
	struct nl_req q;
	struct nsl_opts o;
	struct rtmsg *rtm;
	struct nl_ns *ns;
	int oif = 0;

	/* parse */
	nsl_opts_begin(L, &o, p, 0);
	o.obj = dst;
	if (strcmp(dst, "default") &&
	    nl_parse_cidr(dst, &family, daddr, &prefix, &why) < 0)
		return nsl_fail(L, prim, dst, EINVAL, "%s", why);
	has_gw = addr_opt(&o, "via", &family, gw);
	has_src = addr_opt(&o, "src", &family, src);
	fam = family_opt(&o);
	if (fam && family && family != fam)
		return nsl_fail(L, prim, dst, EINVAL, "not of family %s",
				fam == AF_INET ? "inet" : "inet6");
	if (!family)
		family = fam ? fam : AF_INET;
	alen = family == AF_INET ? 4 : 16;
	metric = nsl_opt_int(&o, "metric", 0, 0xffffffffLL, -1);
	table = table_opt(&o, RT_TABLE_MAIN);
	if (table == 0)
		return nsl_fail(L, prim, dst, EINVAL, "table 'all' is only for route_list");
	dev = nsl_opt_str(&o, "dev", NULL);
	/* resolve */
	ns = nl_opts_ns(&o);
	if (dev)
		oif = nl_ifindex(L, ns, prim, dev);
	/* build */
	rtm = nl_req_start(&q, L, prim, dst, type, type == RTM_NEWROUTE ?
			   NLM_F_CREATE | NLM_F_EXCL : 0, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)family;
	rtm->rtm_dst_len = (unsigned char)prefix;
	rtm->rtm_table = table < 256 ? (unsigned char)table : RT_TABLE_UNSPEC;
	if (type == RTM_NEWROUTE) {
		rtm->rtm_protocol = RTPROT_BOOT;
		rtm->rtm_type = RTN_UNICAST;
		/* as ip does: without a gateway the route is on-link */
		rtm->rtm_scope = has_gw || family == AF_INET6 ?
				 RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	} else {
		rtm->rtm_scope = RT_SCOPE_NOWHERE;
	}
	nl_put_u32(&q, RTA_TABLE, (uint32_t)table);
	if (prefix)
		nl_put(&q, RTA_DST, (size_t)alen, daddr);
	if (has_gw)
		nl_put(&q, RTA_GATEWAY, (size_t)alen, gw);
	if (has_src)
		nl_put(&q, RTA_PREFSRC, (size_t)alen, src);
	if (oif)
		nl_put_u32(&q, RTA_OIF, (uint32_t)oif);
	if (metric >= 0)
		nl_put_u32(&q, RTA_PRIORITY, (uint32_t)metric);
	/* talk */
	nl_req_do(&q, ns, NULL, NULL);
	return 0;
}

/* route_add(dst [, opts]): see route_change. */
static int l_route_add(lua_State *L)
{
	return route_change(L, RTM_NEWROUTE);
}

/* route_del(dst [, opts]): see route_change. */
static int l_route_del(lua_State *L)
{
	return route_change(L, RTM_DELROUTE);
}

/* The word ip uses for a route type. */
static const char *type_name(unsigned char t)
{
	static const char *const names[] = { "unspec", "unicast", "local",
		"broadcast", "anycast", "multicast", "blackhole", "unreachable",
		"prohibit", "throw", "nat" };

	return t < sizeof(names) / sizeof(names[0]) ? names[t] : "other";
}

/* The word ip uses for a route's protocol. */
static const char *proto_name(unsigned char p)
{
	switch (p) {
	case RTPROT_KERNEL: return "kernel";
	case RTPROT_BOOT: return "boot";
	case RTPROT_STATIC: return "static";
	case RTPROT_RA: return "ra";
	case RTPROT_DHCP: return "dhcp";
	default: return "other";
	}
}

struct route_dump {
	lua_State *L;
	int list, names;
	lua_Integer table;	/* 0: all */
};

/* Sets field of the table on top to the address in attribute a. */
static void put_addr(lua_State *L, int family, const struct nlattr *a,
		     const char *field)
{
	char text[INET6_ADDRSTRLEN];

	if (inet_ntop(family, mnl_attr_get_payload(a), text, sizeof(text))) {
		lua_pushstring(L, text);
		lua_setfield(L, -2, field);
	}
}

/* One RTM_NEWROUTE: appends {dst, family, via, dev, metric, table, src,
 * protocol, scope, type} unless filtered out. */
static int route_cb(const struct nlmsghdr *h, void *data)
{
	struct route_dump *d = data;
	lua_State *L = d->L;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(h);
	const struct nlattr *a, *dst = NULL;
	lua_Integer table = rtm->rtm_table;
	char text[INET6_ADDRSTRLEN];

	if (h->nlmsg_type != RTM_NEWROUTE || (rtm->rtm_flags & RTM_F_CLONED))
		return 0;
	mnl_attr_for_each(a, h, sizeof(*rtm))
		if (mnl_attr_get_type(a) == RTA_TABLE)
			table = mnl_attr_get_u32(a);
	if (d->table && table != d->table)
		return 0;
	lua_createtable(L, 0, 10);
	lua_pushstring(L, rtm->rtm_family == AF_INET6 ? "inet6" : "inet");
	lua_setfield(L, -2, "family");
	lua_pushinteger(L, table);
	lua_setfield(L, -2, "table");
	lua_pushstring(L, proto_name(rtm->rtm_protocol));
	lua_setfield(L, -2, "protocol");
	lua_pushstring(L, type_name(rtm->rtm_type));
	lua_setfield(L, -2, "type");
	lua_pushstring(L, rtm->rtm_scope == RT_SCOPE_UNIVERSE ? "global" :
		       rtm->rtm_scope == RT_SCOPE_LINK ? "link" :
		       rtm->rtm_scope == RT_SCOPE_HOST ? "host" : "other");
	lua_setfield(L, -2, "scope");
	mnl_attr_for_each(a, h, sizeof(*rtm)) {
		switch (mnl_attr_get_type(a)) {
		case RTA_DST:
			dst = a;
			break;
		case RTA_GATEWAY:
			put_addr(L, rtm->rtm_family, a, "via");
			break;
		case RTA_PREFSRC:
			put_addr(L, rtm->rtm_family, a, "src");
			break;
		case RTA_OIF:
			lua_rawgeti(L, d->names, mnl_attr_get_u32(a));
			lua_setfield(L, -2, "dev");
			break;
		case RTA_PRIORITY:
			lua_pushinteger(L, mnl_attr_get_u32(a));
			lua_setfield(L, -2, "metric");
			break;
		}
	}
	if (dst && inet_ntop(rtm->rtm_family, mnl_attr_get_payload(dst), text,
			     sizeof(text)))
		lua_pushfstring(L, "%s/%d", text, (int)rtm->rtm_dst_len);
	else
		lua_pushliteral(L, "default");
	lua_setfield(L, -2, "dst");
	lua_rawseti(L, d->list, (lua_Integer)lua_rawlen(L, d->list) + 1);
	return 0;
}

/* route_list(opts): pushes an array of route records of opts.ns, table
 * opts.table (default main; "all" for every table), family opts.family
 * ("inet", "inet6"; default both), its metatable named ROUTE_META.
 * Raises "route_list: <ns>: ...". */
static int l_route_list(lua_State *L)
{
	struct nl_req q;
	struct nsl_opts o;
	struct rtmsg *rtm;
	struct route_dump d;
	struct nl_ns *ns;
	int fam;

	nsl_opts_begin(L, &o, nsl_self(L), 0);
	fam = family_opt(&o);
	d.table = table_opt(&o, RT_TABLE_MAIN);
	ns = nl_opts_ns(&o);
	lua_settop(L, 1);
	d.L = L;
	nl_push_ifnames(L, ns, "route_list");
	d.names = lua_gettop(L);
	lua_newtable(L);
	d.list = lua_gettop(L);
	rtm = nl_req_start(&q, L, "route_list", ns->name[0] ? ns->name : "routes",
			   RTM_GETROUTE, NLM_F_DUMP, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)(fam ? fam : AF_UNSPEC);
	nl_req_do(&q, ns, route_cb, &d);
	luaL_newmetatable(L, ROUTE_META);
	lua_setmetatable(L, d.list);
	return 1;
}

static const struct nsl_prim route_prims[] = {
	{ "route_add", l_route_add, 2, "ns via dev metric table src family" },
	{ "route_del", l_route_del, 2, "ns via dev metric table src family" },
	{ "route_list", l_route_list, 1, "ns table family" },
	{ NULL, NULL, 0, NULL }
};

/* Adds route_add, route_del, route_list to the table at index 1. */
int nsl_open_route(lua_State *L)
{
	nsl_register(L, route_prims);
	return 0;
}
