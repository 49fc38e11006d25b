/*
 * route.c - routes (RTM_NEWROUTE, RTM_DELROUTE, RTM_GETROUTE):
 * route_add, route_del (route_list, route_get, route_flush: routeinfo.c).
 *
 * A destination is "default" or a CIDR; the family follows it (or, for
 * "default", the gateway).  Tables are numbers or main/local/default.
 * An IPv4 route may have an IPv6 gateway (via = { family = "inet6",
 * address = ... }: RTA_VIA, as ip route add ... via inet6 ...).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>

#include "nl/nl.h"

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
			 "%s: not of the destination's family%s", field,
			 strcmp(field, "via") ? "" :
			 " (a gateway of the other family: via = { family =, address = })");
	*family = fam;
	return 1;
}

/* opts.via as a table { family = "inet"|"inet6", address = ... }: a
 * gateway that may be of the other family than the route (an IPv4 route
 * via an IPv6 gateway, RTA_VIA).  Sets *gwfam and gw; raises naming
 * via.<key> on an unknown key, a bad address or a family that is not the
 * address's.  Returns 1 when via is such a table. */
static int via_table(struct nsl_opts *o, int *gwfam, unsigned char gw[16])
{
	lua_State *L = o->L;
	const char *prim = o->p->name, *k, *addr = NULL, *fam = NULL, *why;
	int top = lua_gettop(L), plen, t;

	if (nsl_opt_type(o, "via") != LUA_TTABLE)
		return 0;
	nsl_opt_push(o, "via");
	lua_pushnil(L);
	while (lua_next(L, top + 1)) {
		k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
		if (strcmp(k, "family") && strcmp(k, "address"))
			nsl_fail(L, prim, NULL, EINVAL, "via: unknown key '%s' (%s)", k,
				 k[0] == 'f' ? "did you mean 'family'?" :
				 k[0] == 'a' ? "did you mean 'address'?" : "family or address");
		t = lua_type(L, -1);
		if (t != LUA_TSTRING)
			nsl_fail(L, prim, NULL, EINVAL, "option 'via.%s': string expected, got %s",
				 k, lua_typename(L, t));
		if (!strcmp(k, "family"))
			fam = nsl_checkstring(L, -1, prim);
		else
			addr = nsl_checkstring(L, -1, prim);
		lua_pop(L, 1);
	}
	if (!addr)
		nsl_fail(L, prim, NULL, EINVAL, "via: give its address (via = { family =, address = })");
	if (strchr(addr, '/') || nl_parse_cidr(addr, gwfam, gw, &plen, &why) < 0)
		nsl_fail(L, prim, addr, EINVAL, "via.address: not an IPv4 or IPv6 address");
	if (fam && strcmp(fam, "inet") && strcmp(fam, "inet6"))
		nsl_fail(L, prim, fam, EINVAL, "via.family: unknown family (inet or inet6)");
	if (fam && (*gwfam == AF_INET6) != !strcmp(fam, "inet6"))
		nsl_fail(L, prim, addr, EINVAL, "via.address: not of family %s", fam);
	lua_settop(L, top);
	return 1;
}

/* What route_add makes of an existing route: ip route add (fail), replace,
 * append, prepend (NLM_F_* flags). */
static int add_flags(struct nsl_opts *o)
{
	int replace = nsl_opt_bool(o, "replace", 0);
	int append = nsl_opt_bool(o, "append", 0);
	int prepend = nsl_opt_bool(o, "prepend", 0);

	if (replace + append + prepend > 1)
		nsl_fail(o->L, o->p->name, o->obj, EINVAL,
			 "give one of replace, append and prepend");
	return replace ? NLM_F_CREATE | NLM_F_REPLACE :
	       append ? NLM_F_CREATE | NLM_F_APPEND :
	       prepend ? NLM_F_CREATE : NLM_F_CREATE | NLM_F_EXCL;
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

/* Puts RTA_VIA: a gateway of family gwfam (struct rtvia). */
static void put_via(struct nl_req *q, int gwfam, const unsigned char gw[16])
{
	unsigned char buf[sizeof(struct rtvia) + 16];
	struct rtvia *v = (struct rtvia *)buf;
	size_t alen = gwfam == AF_INET ? 4 : 16;

	v->rtvia_family = (__kernel_sa_family_t)gwfam;
	memcpy(v->rtvia_addr, gw, alen);
	nl_put(q, RTA_VIA, sizeof(*v) + alen, buf);
}

/* route_add / route_del: dst (arg 1) with opts via, dev, metric, table,
 * src, family, onlink, type, nexthops, protocol, ns (arg 2), and for
 * route_add mtu, replace, append, prepend; returns nothing.
 * Raises "<prim>: <dst>: <reason>". */
static int route_change(lua_State *L, int type)
{
	const struct nsl_prim *p = nsl_self(L);
	const char *prim = p->name;
	const char *dst = nsl_checkstring(L, 1, prim), *why, *dev, *rtype;
	unsigned char daddr[16], gw[16], src[16];
	int family = 0, prefix = 0, has_gw, has_src, alen, fam, onlink, nnh;
	int rt = -1, gwfam = 0, proto, flags = 0;
	lua_Integer metric, table, mtu = -1;
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
	fam = nl_family_opt(&o);
	if (!family && fam)
		family = fam;
	has_gw = via_table(&o, &gwfam, gw);
	if (has_gw && !family)	/* default via an IPv6 gateway: IPv4 unless family says */
		family = AF_INET;
	if (has_gw && gwfam == family)
		gwfam = 0;	/* an ordinary gateway */
	if (!has_gw)
		has_gw = addr_opt(&o, "via", &family, gw);
	has_src = addr_opt(&o, "src", &family, src);
	metric = nsl_opt_int(&o, "metric", 0, 0xffffffffLL, -1);
	table = nl_table_opt(&o, RT_TABLE_MAIN);
	if (table == 0)
		return nsl_fail(L, prim, dst, EINVAL, "table 'all' is only for route_list");
	dev = nsl_opt_str(&o, "dev", NULL);
	onlink = nsl_opt_bool(&o, "onlink", 0);
	rtype = nsl_opt_str(&o, "type", NULL);
	proto = nl_proto_opt(&o, "protocol", type == RTM_NEWROUTE ? RTPROT_BOOT : 0);
	if (type == RTM_NEWROUTE) {
		mtu = nsl_opt_int(&o, "mtu", 68, 65535, -1);
		flags = add_flags(&o);
	}
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
	rtm = nl_req_start(&q, L, prim, dst, type, flags, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)family;
	rtm->rtm_dst_len = (unsigned char)prefix;
	rtm->rtm_table = table < 256 ? (unsigned char)table : RT_TABLE_UNSPEC;
	if (onlink && !nnh)
		rtm->rtm_flags |= RTNH_F_ONLINK;
	if (type == RTM_NEWROUTE) {
		rtm->rtm_protocol = (unsigned char)proto;
		rtm->rtm_type = rt > 0 ? (unsigned char)rt : RTN_UNICAST;
		/* as ip does: without a gateway the route is on-link */
		rtm->rtm_scope = has_gw || nnh || family == AF_INET6 ||
				 rtm->rtm_type != RTN_UNICAST ?
				 RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	} else {
		rtm->rtm_scope = RT_SCOPE_NOWHERE;
		rtm->rtm_protocol = (unsigned char)proto;
		if (rt > 0)
			rtm->rtm_type = (unsigned char)rt;
	}
	nl_put_u32(&q, RTA_TABLE, (uint32_t)table);
	if (prefix)
		nl_put(&q, RTA_DST, (size_t)alen, daddr);
	if (has_gw && gwfam)
		put_via(&q, gwfam, gw);
	else if (has_gw)
		nl_put(&q, RTA_GATEWAY, (size_t)alen, gw);
	if (has_src)
		nl_put(&q, RTA_PREFSRC, (size_t)alen, src);
	if (oif)
		nl_put_u32(&q, RTA_OIF, (uint32_t)oif);
	if (metric >= 0)
		nl_put_u32(&q, RTA_PRIORITY, (uint32_t)metric);
	if (nnh)
		put_multipath(&q, family, nh, nnh, onlink);
	if (mtu > 0) {
		struct nlattr *m = nl_nest_start(&q, RTA_METRICS);

		nl_put_u32(&q, RTAX_MTU, (uint32_t)mtu);
		nl_nest_end(&q, m);
	}
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

static const struct nsl_prim route_prims[] = {
	{ "route_add", l_route_add, 2, "ns via dev metric table src family onlink type "
	  "nexthops protocol mtu replace append prepend" },
	{ "route_del", l_route_del, 2, "ns via dev metric table src family onlink type "
	  "nexthops protocol" },
	{ NULL, NULL, 0, NULL }
};

/* Adds route_add, route_del to the table at index 1. */
int nsl_open_route(lua_State *L)
{
	nsl_register(L, route_prims);
	return 0;
}
