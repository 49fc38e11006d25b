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
static lua_Integer table_opt(lua_State *L, int idx, const char *prim,
			     lua_Integer def)
{
	size_t i;

	if (nl_opt_type(L, idx, "table") == LUA_TSTRING) {
		const char *s = nl_opt_str(L, idx, "table", NULL);

		for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
			if (!strcmp(s, tables[i].name))
				return tables[i].id;
		if (!strcmp(s, "all"))
			return 0;
		return nsl_fail(L, prim, s, EINVAL,
				"unknown table (a number, main, local, default or all)");
	}
	def = nl_opt_int(L, idx, "table", def);
	if (def < 1 || def > 0x7fffffff)
		nsl_fail(L, prim, "table", EINVAL, "table must be 1 to 2147483647");
	return def;
}

/* An address option (via, src) of the options table at idx, of the
 * route's family; raises if it is no address or of the other family.
 * Returns 1 when present. */
static int addr_opt(lua_State *L, int idx, const char *prim,
		    const char *field, int *family, unsigned char addr[16])
{
	const char *s = nl_opt_str(L, idx, field, NULL), *why;
	int fam, prefix;

	if (!s)
		return 0;
	if (strchr(s, '/') || nl_parse_cidr(s, &fam, addr, &prefix, &why) < 0)
		nsl_fail(L, prim, s, EINVAL, "%s: not an IPv4 or IPv6 address", field);
	if (*family && fam != *family)
		nsl_fail(L, prim, s, EINVAL, "%s: not of the destination's family", field);
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

/* Options of route_add / route_del (arg 2), read in one place. */
struct route_opts {
	unsigned char gw[16], src[16];
	int has_gw, has_src;
	const char *dev;	/* dev: link name */
	const char *fam;	/* family: "inet" or "inet6" */
	lua_Integer metric;	/* metric: 0..4294967295; -1 absent */
	lua_Integer table;	/* table: 1..2^31-1 or main/local/default */
	int onlink;		/* onlink: boolean (RTNH_F_ONLINK) */
	int type;		/* type: unicast/unreachable/blackhole/prohibit; -1 absent */
	int nnh;		/* nexthops: list of { via =, dev =, weight = 1..256 } */
	struct nexthop nh[NH_MAX];
	struct nl_ns *ns;	/* ns: namespace name */
};

/* Raises an argument error on argument 2 unless field of the nexthop
 * table at idx is absent or of type want. */
static void nh_check_type(lua_State *L, int idx, int i, const char *field,
			  int want)
{
	int t = nl_opt_type(L, idx, field);

	if (t != LUA_TNIL && t != want)
		luaL_argerror(L, 2, lua_pushfstring(L,
			"option 'nexthops[%d].%s': %s expected, got %s", i, field,
			lua_typename(L, want), lua_typename(L, t)));
}

/* Reads opts.nexthops (a list of tables) into o, checking each gateway's
 * family against *family; raises naming nexthops[i] on a bad entry. */
static void read_nexthops(lua_State *L, int idx, const char *prim,
			  int *family, struct route_opts *o)
{
	int i, n, top = lua_gettop(L);

	if (nl_opt_type(L, idx, "nexthops") == LUA_TNIL)
		return;
	if (nl_opt_type(L, idx, "nexthops") != LUA_TTABLE)
		luaL_argerror(L, idx, "option 'nexthops': list of { via =, dev =, weight = } expected");
	lua_getfield(L, idx, "nexthops");
	n = (int)luaL_len(L, -1);
	if (n < 1 || n > NH_MAX)
		nsl_fail(L, prim, "nexthops", EINVAL, "give 1 to %d nexthops", NH_MAX);
	for (i = 1; i <= n; i++) {
		struct nexthop *h = &o->nh[i - 1];
		const char *via, *dev, *why;
		int fam, plen, t = lua_gettop(L);
		lua_Integer w;

		if (lua_rawgeti(L, -1, i) != LUA_TTABLE)
			nsl_fail(L, prim, "nexthops", EINVAL,
				 "nexthops[%d]: a table { via =, dev =, weight = } expected", i);
		/* the entry is an options table of its own; a wrong type is
		 * named as nexthops[i].field, as argument 2 */
		nh_check_type(L, t + 1, i, "via", LUA_TSTRING);
		nh_check_type(L, t + 1, i, "dev", LUA_TSTRING);
		nh_check_type(L, t + 1, i, "weight", LUA_TNUMBER);
		via = nl_opt_str(L, t + 1, "via", NULL);
		dev = nl_opt_str(L, t + 1, "dev", NULL);
		w = nl_opt_int(L, t + 1, "weight", 1);
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
		h->ifindex = dev ? nl_ifindex(L, o->ns, prim, dev) : 0;
		lua_settop(L, t);
	}
	o->nnh = n;
	lua_settop(L, top);
}

/* Reads the options table at idx into o (the destination's family, 0 for
 * "default", in *family, completed from the gateways); raises on a bad one. */
static void route_read_opts(lua_State *L, int idx, const char *prim,
			    int *family, struct route_opts *o)
{
	const char *type;
	size_t i;

	/* --- options (keys: via, src, dev, family, metric, table, onlink,
	 * type, nexthops, ns) --- */
	nl_check_opts(L, idx);
	o->has_gw = addr_opt(L, idx, prim, "via", family, o->gw);
	o->has_src = addr_opt(L, idx, prim, "src", family, o->src);
	o->dev = nl_opt_str(L, idx, "dev", NULL);
	o->fam = nl_opt_str(L, idx, "family", NULL);
	if (o->fam && strcmp(o->fam, "inet") && strcmp(o->fam, "inet6"))
		nsl_fail(L, prim, o->fam, EINVAL, "unknown family (inet or inet6)");
	o->metric = nl_opt_int(L, idx, "metric", -1);
	if (o->metric != -1 && (o->metric < 0 || o->metric > 0xffffffffLL))
		nsl_fail(L, prim, "metric", EINVAL, "metric must be 0 to 4294967295");
	o->table = table_opt(L, idx, prim, RT_TABLE_MAIN);
	o->onlink = nl_opt_bool(L, idx, "onlink", 0);
	type = nl_opt_str(L, idx, "type", NULL);
	o->type = -1;
	for (i = 0; type && i < sizeof(rtypes) / sizeof(rtypes[0]); i++)
		if (!strcmp(type, rtypes[i].name))
			o->type = rtypes[i].type;
	if (type && o->type < 0)
		nsl_fail(L, prim, type, EINVAL,
			 "unknown route type (unicast, unreachable, blackhole or prohibit)");
	o->ns = nl_opt_ns(L, idx, "ns", prim);
	o->nnh = 0;
	read_nexthops(L, idx, prim, family, o);
	/* --- end of options --- */
}

/* Appends RTA_MULTIPATH with o's nexthops to nlh (a buffer of size
 * bytes); returns 0, or -1 when they do not fit. */
static int put_multipath(struct nlmsghdr *nlh, size_t size, int family,
			 const struct route_opts *o)
{
	size_t alen = family == AF_INET ? 4 : 16;
	struct nlattr *mp;
	int i;

	mp = mnl_attr_nest_start_check(nlh, size, RTA_MULTIPATH);
	if (!mp)
		return -1;
	for (i = 0; i < o->nnh; i++) {
		const struct nexthop *h = &o->nh[i];
		struct rtnexthop *rtnh;

		if (nlh->nlmsg_len + MNL_ALIGN(sizeof(*rtnh)) > size)
			return -1;
		rtnh = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtnh));
		rtnh->rtnh_hops = (unsigned char)(h->weight - 1);
		rtnh->rtnh_ifindex = h->ifindex;
		rtnh->rtnh_flags = o->onlink ? RTNH_F_ONLINK : 0;
		if (h->has_gw &&
		    !mnl_attr_put_check(nlh, size, RTA_GATEWAY, alen, h->gw))
			return -1;
		rtnh->rtnh_len = (unsigned short)((char *)mnl_nlmsg_get_payload_tail(nlh) -
						  (char *)rtnh);
	}
	mnl_attr_nest_end(nlh, mp);
	return 0;
}

/* route_add / route_del: dst (arg 1) with the options of struct
 * route_opts (arg 2); returns nothing.  Raises "<prim>: <dst>: <reason>". */
static int route_change(lua_State *L, const char *prim, int type)
{
	const char *dst = luaL_checkstring(L, 1), *why;
	unsigned char daddr[16];
	int family = 0, prefix = 0, alen;
	char buf[NL_REQ_SIZE] = { 0 };	/* padding goes out too */
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	struct route_opts o;

	if (strcmp(dst, "default") &&
	    nl_parse_cidr(dst, &family, daddr, &prefix, &why) < 0)
		return nsl_fail(L, prim, dst, EINVAL, "%s", why);
	route_read_opts(L, 2, prim, &family, &o);
	if (o.fam && family && family != (o.fam[4] ? AF_INET6 : AF_INET))
		return nsl_fail(L, prim, dst, EINVAL, "not of family %s", o.fam);
	if (!family)
		family = o.fam && o.fam[4] ? AF_INET6 : AF_INET;
	if (o.table == 0)
		return nsl_fail(L, prim, dst, EINVAL, "table 'all' is only for route_list");
	if (o.nnh && (o.has_gw || o.dev))
		return nsl_fail(L, prim, dst, EINVAL,
				"give via/dev or nexthops, not both");
	if (o.type > 0 && o.type != RTN_UNICAST && (o.has_gw || o.dev || o.nnh))
		return nsl_fail(L, prim, dst, EINVAL,
				"a route of type unreachable, blackhole or prohibit takes no via, dev or nexthops");
	alen = family == AF_INET ? 4 : 16;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (uint16_t)type;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)family;
	rtm->rtm_dst_len = (unsigned char)prefix;
	rtm->rtm_table = o.table < 256 ? (unsigned char)o.table : RT_TABLE_UNSPEC;
	if (o.onlink && !o.nnh)
		rtm->rtm_flags |= RTNH_F_ONLINK;
	if (type == RTM_NEWROUTE) {
		nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
		rtm->rtm_protocol = RTPROT_BOOT;
		rtm->rtm_type = o.type > 0 ? (unsigned char)o.type : RTN_UNICAST;
		/* as ip does: without a gateway the route is on-link */
		rtm->rtm_scope = o.has_gw || o.nnh || family == AF_INET6 ||
				 rtm->rtm_type != RTN_UNICAST ?
				 RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	} else {
		rtm->rtm_scope = RT_SCOPE_NOWHERE;
		if (o.type > 0)
			rtm->rtm_type = (unsigned char)o.type;
	}
	mnl_attr_put_u32(nlh, RTA_TABLE, (uint32_t)o.table);
	if (prefix)
		mnl_attr_put(nlh, RTA_DST, (size_t)alen, daddr);
	if (o.has_gw)
		mnl_attr_put(nlh, RTA_GATEWAY, (size_t)alen, o.gw);
	if (o.has_src)
		mnl_attr_put(nlh, RTA_PREFSRC, (size_t)alen, o.src);
	if (o.dev)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)nl_ifindex(L, o.ns, prim, o.dev));
	if (o.metric >= 0)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, (uint32_t)o.metric);
	if (o.nnh && put_multipath(nlh, sizeof(buf), family, &o) < 0)
		return nsl_fail(L, prim, dst, EMSGSIZE, "too many nexthops for one request");
	nl_do(L, o.ns, nlh, NULL, NULL, prim, dst);
	return 0;
}

/* route_add(dst [, opts]): see route_change. */
static int l_route_add(lua_State *L)
{
	return route_change(L, "route_add", RTM_NEWROUTE);
}

/* route_del(dst [, opts]): see route_change. */
static int l_route_del(lua_State *L)
{
	return route_change(L, "route_del", RTM_DELROUTE);
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
	if (rtm->rtm_flags & RTNH_F_ONLINK) {
		lua_pushboolean(L, 1);
		lua_setfield(L, -2, "onlink");
	}
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
 * ("inet", "inet6"; default both).  Raises "route_list: <ns>: ...". */
static int l_route_list(lua_State *L)
{
	static const char *const fams[] = { "inet", "inet6", NULL };
	char buf[256] = { 0 };	/* padding goes out too */
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	struct route_dump d;
	const char *fam;
	struct nl_ns *ns;
	int i;

	nl_check_opts(L, 1);
	fam = nl_opt_str(L, 1, "family", NULL);
	for (i = 0; fam && fams[i] && strcmp(fam, fams[i]); i++)
		;
	if (fam && !fams[i])
		return nsl_fail(L, "route_list", fam, EINVAL,
				"unknown family (inet or inet6)");
	d.table = table_opt(L, 1, "route_list", RT_TABLE_MAIN);
	ns = nl_opt_ns(L, 1, "ns", "route_list");
	lua_settop(L, 1);
	d.L = L;
	nl_push_ifnames(L, ns, "route_list");
	d.names = lua_gettop(L);
	lua_newtable(L);
	d.list = lua_gettop(L);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_DUMP;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = !fam ? AF_UNSPEC : i == 0 ? AF_INET : AF_INET6;
	nl_do(L, ns, nlh, route_cb, &d, "route_list",
	      ns->name[0] ? ns->name : "routes");
	if (luaL_newmetatable(L, ROUTE_META)) {
		static const char *const cols[] = { "dst", "via", "dev", "metric",
			"table", "src", "protocol", "scope" };
		size_t k;

		lua_createtable(L, 8, 0);
		for (k = 0; k < sizeof(cols) / sizeof(cols[0]); k++) {
			lua_pushstring(L, cols[k]);
			lua_rawseti(L, -2, (lua_Integer)k + 1);
		}
		lua_setfield(L, -2, "__columns");
	}
	lua_setmetatable(L, d.list);
	return 1;
}

static const luaL_Reg route_funcs[] = {
	{ "route_add", l_route_add },
	{ "route_del", l_route_del },
	{ "route_list", l_route_list },
	{ NULL, NULL }
};

/* Adds route_add, route_del, route_list to the table at index 1. */
int nsl_open_route(lua_State *L)
{
	luaL_setfuncs(L, route_funcs, 0);
	return 0;
}
