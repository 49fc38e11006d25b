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

#define NH_MAX 32	/* nexthops of one multipath route */

struct nexthop {
	unsigned char gw[16];
	int has_gw, ifindex, weight;
};

/* Route types a caller may ask for, with the kernel's numbers. */
static const struct {
	const char *name;
	unsigned char type;
} rtypes[] = {
	{ "unicast", RTN_UNICAST }, { "unreachable", RTN_UNREACHABLE },
	{ "blackhole", RTN_BLACKHOLE }, { "prohibit", RTN_PROHIBIT },
};

/* Field of the nexthop table at idx: pushes it and returns
 * its type; raises "<prim>: option 'nexthops[i].field': <want> expected,
 * got <type>" unless it is absent or of type want. */
static int nh_field(struct nsl_opts *o, int idx, int i, const char *field, int want)
{
	int t = lua_getfield(o->L, idx, field);

	if (t != LUA_TNIL && t != want)
		nsl_fail(o->L, o->p->name, NULL, EINVAL,
			 "option 'nexthops[%d].%s': %s expected, got %s", i, field,
			 lua_typename(o->L, want), lua_typename(o->L, t));
	return t;
}

/* Reads opts.nexthops (a list of { via =, dev =, weight = 1..256 }) into
 * nh, checking each gateway's family against *family; returns their
 * number (0 when absent).  Raises naming nexthops[i] on a bad entry. */
static int read_nexthops(struct nsl_opts *o, struct nl_ns *ns, int *family,
			 struct nexthop nh[NH_MAX])
{
	lua_State *L = o->L;
	const char *prim = o->p->name;
	int i, n, top = lua_gettop(L);

	if (nsl_opt_type(o, "nexthops") == LUA_TNIL)
		return 0;
	if (nsl_opt_type(o, "nexthops") != LUA_TTABLE)
		nsl_opt_type_error(o, "nexthops", "list of { via =, dev =, weight = }");
	nsl_opt_push(o, "nexthops");
	n = (int)luaL_len(L, -1);
	if (n < 1 || n > NH_MAX)
		nsl_fail(L, prim, "nexthops", EINVAL, "give 1 to %d nexthops", NH_MAX);
	for (i = 1; i <= n; i++) {
		struct nexthop *h = &nh[i - 1];
		const char *via = NULL, *dev = NULL, *why, *k;
		int fam, plen, t = lua_gettop(L);
		lua_Integer w = 1;

		if (lua_rawgeti(L, -1, i) != LUA_TTABLE)
			nsl_fail(L, prim, "nexthops", EINVAL,
				 "nexthops[%d]: a table { via =, dev =, weight = } expected", i);
		lua_pushnil(L);
		while (lua_next(L, t + 1)) {	/* its keys: only these three */
			k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
			if (strcmp(k, "via") && strcmp(k, "dev") && strcmp(k, "weight"))
				nsl_fail(L, prim, "nexthops", EINVAL,
					 "nexthops[%d]: unknown key '%s' (via, dev or weight)", i, k);
			lua_pop(L, 1);
		}
		if (nh_field(o, t + 1, i, "via", LUA_TSTRING) == LUA_TSTRING)
			via = nsl_checkstring(L, -1, prim);
		if (nh_field(o, t + 1, i, "dev", LUA_TSTRING) == LUA_TSTRING)
			dev = nsl_checkstring(L, -1, prim);
		if (nh_field(o, t + 1, i, "weight", LUA_TNUMBER) == LUA_TNUMBER) {
			if (!lua_isinteger(L, -1))
				nsl_fail(L, prim, "nexthops", EINVAL,
					 "nexthops[%d]: weight must be an integer", i);
			w = lua_tointeger(L, -1);
		}
		if (w < 1 || w > 256)
			nsl_fail(L, prim, "nexthops", EINVAL,
				 "nexthops[%d]: weight must be 1 to 256", i);
		h->weight = (int)w;
		h->has_gw = via != NULL;
		if (via) {
			if (strchr(via, '/') ||
			    nl_parse_cidr(via, &fam, h->gw, &plen, &why) < 0)
				nsl_fail(L, prim, via, EINVAL,
					 "nexthops[%d].via: not an IPv4 or IPv6 address", i);
			if (*family && fam != *family)
				nsl_fail(L, prim, via, EINVAL,
					 "nexthops[%d].via: not of the route's family", i);
			*family = fam;
		}
		if (!via && !dev)
			nsl_fail(L, prim, "nexthops", EINVAL,
				 "nexthops[%d]: give via, dev or both", i);
		h->ifindex = dev ? nl_ifindex(L, ns, prim, dev) : 0;
		lua_settop(L, t);
	}
	lua_settop(L, top);
	return n;
}

/* Puts RTA_MULTIPATH with the nexthops (bounded: raises when they do not
 * fit in the request). */
static void put_multipath(struct nl_req *q, int family, const struct nexthop *nh,
			  int nnh, int onlink)
{
	size_t alen = family == AF_INET ? 4 : 16;
	struct nlattr *mp = nl_nest_start(q, RTA_MULTIPATH);
	int i;

	for (i = 0; i < nnh; i++) {
		struct rtnexthop *rtnh = nl_put_hdr(q, sizeof(*rtnh));

		rtnh->rtnh_hops = (unsigned char)(nh[i].weight - 1);
		rtnh->rtnh_ifindex = nh[i].ifindex;
		rtnh->rtnh_flags = onlink ? RTNH_F_ONLINK : 0;
		if (nh[i].has_gw)
			nl_put(q, RTA_GATEWAY, alen, nh[i].gw);
		rtnh->rtnh_len = (unsigned short)((char *)mnl_nlmsg_get_payload_tail(q->nlh) -
						  (char *)rtnh);
	}
	nl_nest_end(q, mp);
}

/* route_add / route_del: dst (arg 1) with opts via, dev, metric, table,
 * src, family, onlink, type, nexthops, ns (arg 2); returns nothing.
 * Raises "<prim>: <dst>: <reason>". */
static int route_change(lua_State *L, int type)
{
	const struct nsl_prim *p = nsl_self(L);
	const char *prim = p->name;
	const char *dst = nsl_checkstring(L, 1, prim), *why, *dev, *rtype;
	unsigned char daddr[16], gw[16], src[16];
	int family = 0, prefix = 0, has_gw, has_src, alen, fam, onlink, nnh;
	int rt = -1;
	lua_Integer metric, table;
	struct nexthop nh[NH_MAX];
	struct nl_req q;
	struct nsl_opts o;
	struct rtmsg *rtm;
	struct nl_ns *ns;
	int oif = 0;
	size_t i;

	/* parse */
	nsl_opts_begin(L, &o, p, 0);
	o.obj = dst;
	if (strcmp(dst, "default") &&
	    nl_parse_cidr(dst, &family, daddr, &prefix, &why) < 0)
		return nsl_fail(L, prim, dst, EINVAL, "%s", why);
	has_gw = addr_opt(&o, "via", &family, gw);
	has_src = addr_opt(&o, "src", &family, src);
	fam = nl_family_opt(&o);
	metric = nsl_opt_int(&o, "metric", 0, 0xffffffffLL, -1);
	table = nl_table_opt(&o, RT_TABLE_MAIN);
	if (table == 0)
		return nsl_fail(L, prim, dst, EINVAL, "table 'all' is only for route_list");
	dev = nsl_opt_str(&o, "dev", NULL);
	onlink = nsl_opt_bool(&o, "onlink", 0);
	rtype = nsl_opt_str(&o, "type", NULL);
	for (i = 0; rtype && i < sizeof(rtypes) / sizeof(rtypes[0]); i++)
		if (!strcmp(rtype, rtypes[i].name))
			rt = rtypes[i].type;
	if (rtype && rt < 0)
		return nsl_fail(L, prim, rtype, EINVAL,
				"unknown route type (unicast, unreachable, blackhole or prohibit)");
	/* resolve */
	ns = nl_opts_ns(&o);
	nnh = read_nexthops(&o, ns, &family, nh);
	if (fam && family && family != fam)
		return nsl_fail(L, prim, dst, EINVAL, "not of family %s",
				fam == AF_INET ? "inet" : "inet6");
	if (!family)
		family = fam ? fam : AF_INET;
	if (nnh && (has_gw || dev))
		return nsl_fail(L, prim, dst, EINVAL, "give via/dev or nexthops, not both");
	if (rt > 0 && rt != RTN_UNICAST && (has_gw || dev || nnh))
		return nsl_fail(L, prim, dst, EINVAL,
				"a route of type unreachable, blackhole or prohibit takes no via, dev or nexthops");
	alen = family == AF_INET ? 4 : 16;
	if (dev)
		oif = nl_ifindex(L, ns, prim, dev);
	/* build */
	rtm = nl_req_start(&q, L, prim, dst, type, type == RTM_NEWROUTE ?
			   NLM_F_CREATE | NLM_F_EXCL : 0, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)family;
	rtm->rtm_dst_len = (unsigned char)prefix;
	rtm->rtm_table = table < 256 ? (unsigned char)table : RT_TABLE_UNSPEC;
	if (onlink && !nnh)
		rtm->rtm_flags |= RTNH_F_ONLINK;
	if (type == RTM_NEWROUTE) {
		rtm->rtm_protocol = RTPROT_BOOT;
		rtm->rtm_type = rt > 0 ? (unsigned char)rt : RTN_UNICAST;
		/* as ip does: without a gateway the route is on-link */
		rtm->rtm_scope = has_gw || nnh || family == AF_INET6 ||
				 rtm->rtm_type != RTN_UNICAST ?
				 RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	} else {
		rtm->rtm_scope = RT_SCOPE_NOWHERE;
		if (rt > 0)
			rtm->rtm_type = (unsigned char)rt;
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
	if (nnh)
		put_multipath(&q, family, nh, nnh, onlink);
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

/* Sets field nexthops of the table on top to a list of { via, dev,
 * weight } from RTA_MULTIPATH attribute mp. */
static void put_nexthops(lua_State *L, int family, int names,
			 const struct nlattr *mp)
{
	const struct rtnexthop *rtnh = mnl_attr_get_payload(mp);
	int left = (int)mnl_attr_get_payload_len(mp), n = 0;

	lua_newtable(L);
	while (left >= (int)sizeof(*rtnh) && rtnh->rtnh_len >= sizeof(*rtnh) &&
	       rtnh->rtnh_len <= left) {
		const struct nlattr *a = (const void *)((const char *)rtnh +
							 MNL_ALIGN(sizeof(*rtnh)));
		const char *end = (const char *)rtnh + rtnh->rtnh_len;

		lua_createtable(L, 0, 3);
		lua_pushinteger(L, rtnh->rtnh_hops + 1);
		lua_setfield(L, -2, "weight");
		if (rtnh->rtnh_ifindex) {
			lua_rawgeti(L, names, rtnh->rtnh_ifindex);
			lua_setfield(L, -2, "dev");
		}
		while ((const char *)a + sizeof(*a) <= end && a->nla_len >= sizeof(*a) &&
		       (const char *)a + a->nla_len <= end) {
			if (mnl_attr_get_type(a) == RTA_GATEWAY)
				put_addr(L, family, a, "via");
			a = (const void *)((const char *)a + MNL_ALIGN(a->nla_len));
		}
		lua_rawseti(L, -2, ++n);
		left -= (int)MNL_ALIGN(rtnh->rtnh_len);
		rtnh = (const void *)((const char *)rtnh + MNL_ALIGN(rtnh->rtnh_len));
	}
	lua_setfield(L, -2, "nexthops");
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
		if (mnl_attr_get_type(a) == RTA_TABLE &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
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
	if (rtm->rtm_flags & RTNH_F_ONLINK) {
		lua_pushboolean(L, 1);
		lua_setfield(L, -2, "onlink");
	}
	lua_pushstring(L, rtm->rtm_scope == RT_SCOPE_UNIVERSE ? "global" :
		       rtm->rtm_scope == RT_SCOPE_LINK ? "link" :
		       rtm->rtm_scope == RT_SCOPE_HOST ? "host" : "other");
	lua_setfield(L, -2, "scope");
	mnl_attr_for_each(a, h, sizeof(*rtm)) {
		int t = mnl_attr_get_type(a);

		if ((t == RTA_OIF || t == RTA_PRIORITY) && mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			continue;	/* a number that is not a u32: skipped */
		switch (t) {
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
		case RTA_MULTIPATH:
			put_nexthops(L, rtm->rtm_family, d->names, a);
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
	fam = nl_family_opt(&o);
	d.table = nl_table_opt(&o, RT_TABLE_MAIN);
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
	{ "route_add", l_route_add, 2, "ns via dev metric table src family onlink type nexthops" },
	{ "route_del", l_route_del, 2, "ns via dev metric table src family onlink type nexthops" },
	{ "route_list", l_route_list, 1, "ns table family" },
	{ NULL, NULL, 0, NULL }
};

/* Adds route_add, route_del, route_list to the table at index 1. */
int nsl_open_route(lua_State *L)
{
	nsl_register(L, route_prims);
	return 0;
}
