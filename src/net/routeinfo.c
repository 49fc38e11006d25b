/*
 * routeinfo.c - reading routes back (RTM_GETROUTE): route_list,
 * route_get (the kernel's answer for one destination), route_flush
 * (a filtered dump whose messages go back as RTM_DELROUTE, as ip route
 * flush does).
 *
 * One filter serves the three: table, family, protocol, dev.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>

#include "nl/dump.h"


/* The word ip uses for a route type. */
static const char *type_name(unsigned char t)
{
	static const char *const names[] = { "unspec", "unicast", "local",
		"broadcast", "anycast", "multicast", "blackhole", "unreachable",
		"prohibit", "throw", "nat" };

	return t < sizeof(names) / sizeof(names[0]) ? names[t] : "other";
}

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

/* Sets field via of the table on top to the gateway of an RTA_VIA
 * (struct rtvia: a family, then its address): an IPv6 gateway of an IPv4
 * route. */
static void put_via(lua_State *L, const struct nlattr *a)
{
	const struct rtvia *v = mnl_attr_get_payload(a);
	size_t len = mnl_attr_get_payload_len(a), need;
	char text[INET6_ADDRSTRLEN];

	if (len < sizeof(*v))
		return;
	need = v->rtvia_family == AF_INET6 ? 16 : v->rtvia_family == AF_INET ? 4 : 0;
	if (!need || len < sizeof(*v) + need ||
	    !inet_ntop(v->rtvia_family, v->rtvia_addr, text, sizeof(text)))
		return;
	lua_pushstring(L, text);
	lua_setfield(L, -2, "via");
}

/* Sets dead, linkdown and onlink of the table on top from nexthop flags
 * (only those that are set, as true). */
static void put_flags(lua_State *L, unsigned int flags)
{
	static const struct { unsigned int flag; const char *name; } fl[] = {
		{ RTNH_F_DEAD, "dead" }, { RTNH_F_LINKDOWN, "linkdown" },
		{ RTNH_F_ONLINK, "onlink" },
	};
	size_t i;

	for (i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
		if (flags & fl[i].flag) {
			lua_pushboolean(L, 1);
			lua_setfield(L, -2, fl[i].name);
		}
}

/* Sets field mtu of the table on top from RTA_METRICS, when it has one. */
static void put_metrics(lua_State *L, const struct nlattr *m)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, m)
		if (mnl_attr_get_type(a) == RTAX_MTU &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
			lua_pushinteger(L, mnl_attr_get_u32(a));
			lua_setfield(L, -2, "mtu");
		}
}

/* Calls fn on each struct rtnexthop of RTA_MULTIPATH attribute mp that
 * lies wholly inside it; stops when fn returns nonzero and returns that. */
static int each_nexthop(const struct nlattr *mp,
			int (*fn)(const struct rtnexthop *, const char *end, void *),
			void *data)
{
	const struct rtnexthop *rtnh = mnl_attr_get_payload(mp);
	int left = (int)mnl_attr_get_payload_len(mp), r;

	while (left >= (int)sizeof(*rtnh) && rtnh->rtnh_len >= sizeof(*rtnh) &&
	       rtnh->rtnh_len <= left) {
		r = fn(rtnh, (const char *)rtnh + rtnh->rtnh_len, data);
		if (r)
			return r;
		left -= (int)MNL_ALIGN(rtnh->rtnh_len);
		rtnh = (const void *)((const char *)rtnh + MNL_ALIGN(rtnh->rtnh_len));
	}
	return 0;
}

struct nh_push {
	lua_State *L;
	int family, names, n;
};

/* Appends { via, dev, weight, dead, linkdown, onlink } of one nexthop to
 * the list on top. */
static int push_nexthop(const struct rtnexthop *rtnh, const char *end, void *data)
{
	struct nh_push *p = data;
	lua_State *L = p->L;
	const struct nlattr *a = (const void *)((const char *)rtnh +
						 MNL_ALIGN(sizeof(*rtnh)));

	lua_createtable(L, 0, 4);
	lua_pushinteger(L, rtnh->rtnh_hops + 1);
	lua_setfield(L, -2, "weight");
	if (rtnh->rtnh_ifindex) {
		lua_rawgeti(L, p->names, rtnh->rtnh_ifindex);
		lua_setfield(L, -2, "dev");
	}
	put_flags(L, rtnh->rtnh_flags);
	while ((const char *)a + sizeof(*a) <= end && a->nla_len >= sizeof(*a) &&
	       (const char *)a + a->nla_len <= end) {
		if (mnl_attr_get_type(a) == RTA_GATEWAY)
			put_addr(L, p->family, a, "via");
		else if (mnl_attr_get_type(a) == RTA_VIA)
			put_via(L, a);
		a = (const void *)((const char *)a + MNL_ALIGN(a->nla_len));
	}
	lua_rawseti(L, -2, ++p->n);
	return 0;
}

/* See nl.h: pushes {dst, family, via, dev, metric, table, src, mtu,
 * protocol, scope, type, dead, linkdown, onlink, nexthops}. */
void nl_push_route(lua_State *L, const struct nlmsghdr *h, int names)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(h);
	const struct nlattr *a, *dst = NULL;
	const char *proto = nl_proto_name(rtm->rtm_protocol);
	lua_Integer table = rtm->rtm_table;
	char text[INET6_ADDRSTRLEN];

	lua_createtable(L, 0, 10);
	lua_pushstring(L, rtm->rtm_family == AF_INET6 ? "inet6" : "inet");
	lua_setfield(L, -2, "family");
	if (proto)
		lua_pushstring(L, proto);
	else
		lua_pushinteger(L, rtm->rtm_protocol);
	lua_setfield(L, -2, "protocol");
	lua_pushstring(L, type_name(rtm->rtm_type));
	lua_setfield(L, -2, "type");
	put_flags(L, rtm->rtm_flags);
	lua_pushstring(L, rtm->rtm_scope == RT_SCOPE_UNIVERSE ? "global" :
		       rtm->rtm_scope == RT_SCOPE_LINK ? "link" :
		       rtm->rtm_scope == RT_SCOPE_HOST ? "host" : "other");
	lua_setfield(L, -2, "scope");
	mnl_attr_for_each(a, h, sizeof(*rtm)) {
		int t = mnl_attr_get_type(a);

		if ((t == RTA_OIF || t == RTA_PRIORITY || t == RTA_TABLE) &&
		    mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			continue;	/* a number that is not a u32: skipped */
		switch (t) {
		case RTA_DST:
			dst = a;
			break;
		case RTA_TABLE:
			table = mnl_attr_get_u32(a);
			break;
		case RTA_GATEWAY:
			put_addr(L, rtm->rtm_family, a, "via");
			break;
		case RTA_VIA:
			put_via(L, a);
			break;
		case RTA_PREFSRC:
			put_addr(L, rtm->rtm_family, a, "src");
			break;
		case RTA_OIF:
			lua_rawgeti(L, names, mnl_attr_get_u32(a));
			lua_setfield(L, -2, "dev");
			break;
		case RTA_PRIORITY:
			lua_pushinteger(L, mnl_attr_get_u32(a));
			lua_setfield(L, -2, "metric");
			break;
		case RTA_METRICS:
			put_metrics(L, a);
			break;
		case RTA_MULTIPATH: {
			struct nh_push p = { L, rtm->rtm_family, names, 0 };

			lua_newtable(L);
			each_nexthop(a, push_nexthop, &p);
			lua_setfield(L, -2, "nexthops");
			break;
		}
		}
	}
	lua_pushinteger(L, table);
	lua_setfield(L, -2, "table");
	if (dst && inet_ntop(rtm->rtm_family, mnl_attr_get_payload(dst), text,
			     sizeof(text)))
		lua_pushfstring(L, "%s/%d", text, (int)rtm->rtm_dst_len);
	else
		lua_pushliteral(L, "default");
	lua_setfield(L, -2, "dst");
}

/* What route_list and route_flush keep of a dump. */
struct route_filter {
	lua_Integer table;	/* 0: every table */
	int proto;		/* -1: any */
	int dev;		/* ifindex, 0: any */
};

/* Is ifindex dev among the nexthops? */
static int nh_on_dev(const struct rtnexthop *rtnh, const char *end, void *data)
{
	(void)end;
	return rtnh->rtnh_ifindex == *(int *)data;
}

/* Does the RTM_NEWROUTE message h pass filter f (not a cache clone)? */
static int route_match(const struct nlmsghdr *h, const struct route_filter *f)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(h);
	const struct nlattr *a;
	lua_Integer table = rtm->rtm_table;
	int on_dev = !f->dev;

	if (h->nlmsg_type != RTM_NEWROUTE || (rtm->rtm_flags & RTM_F_CLONED))
		return 0;
	if (f->proto >= 0 && rtm->rtm_protocol != f->proto)
		return 0;
	mnl_attr_for_each(a, h, sizeof(*rtm)) {
		int t = mnl_attr_get_type(a);

		if (t == RTA_TABLE && mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			table = mnl_attr_get_u32(a);
		else if (t == RTA_OIF && mnl_attr_validate(a, MNL_TYPE_U32) == 0 &&
			 (int)mnl_attr_get_u32(a) == f->dev)
			on_dev = 1;
		else if (t == RTA_MULTIPATH && f->dev &&
			 each_nexthop(a, nh_on_dev, (void *)&f->dev))
			on_dev = 1;
	}
	return on_dev && (!f->table || table == f->table);
}

/* One RTM_NEWROUTE: appends its record unless filtered out (d->arg: the
 * struct route_filter, NULL for every answer, as route_get takes it). */
static int route_cb(const struct nlmsghdr *h, void *data)
{
	struct nl_dump *d = data;

	if (h->nlmsg_type != RTM_NEWROUTE || (d->arg && !route_match(h, d->arg)))
		return 0;
	nl_push_route(d->L, h, d->names);
	nl_dump_add(d);
	return 0;
}

/* One RTM_NEWROUTE of route_flush's dump: kept as a string at the end of
 * the list when it passes the filter. */
static int keep_cb(const struct nlmsghdr *h, void *data)
{
	struct nl_dump *d = data;

	if (!route_match(h, d->arg))
		return 0;
	nl_keep(d->L, d->list, h);
	return 0;
}

/* Reads the filter options of o (family, table: default main, protocol,
 * dev, ns) into f and dumps the routes that pass it through cb into the
 * list of d, on top (the link names below it). */
static void route_dump(struct nsl_opts *o, struct nl_dump *d,
		       struct route_filter *f, nl_cb cb)
{
	struct nl_req q;
	struct rtmsg *rtm;
	const char *dev;
	int fam;

	fam = nl_family_opt(o);
	f->table = nl_table_opt(o, RT_TABLE_MAIN);
	f->proto = nl_proto_opt(o, "protocol", -1);
	dev = nsl_opt_str(o, "dev", NULL);
	nl_dump_begin(d, o, dev, 1);
	f->dev = d->dev;
	d->arg = f;
	rtm = nl_dump_req(d, &q, dev, "routes", RTM_GETROUTE, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)(fam ? fam : AF_UNSPEC);
	nl_dump_run(d, &q, cb);
}

/* route_list(opts): pushes an array of route records of opts.ns, table
 * opts.table (default main; "all" for every table), family opts.family
 * ("inet", "inet6"; default both), protocol opts.protocol and link
 * opts.dev when given; its metatable named "nsl.route_list".  Raises
 * "route_list: <ns>: ...". */
static int l_route_list(lua_State *L)
{
	struct route_filter f;
	struct nl_dump d;
	struct nsl_opts o;

	nsl_opts_begin(L, &o, nsl_self(L), 0);
	route_dump(&o, &d, &f, route_cb);
	return nl_dump_done(&d);
}

/* route_flush(opts): deletes every route of opts.ns that passes the
 * filter of route_list (dev, table: default main, or "all", protocol,
 * family); at least one of dev, table, protocol is needed.  Returns how
 * many it deleted.  Raises "route_flush: <obj>: <reason>". */
static int l_route_flush(lua_State *L)
{
	const char *prim = "route_flush";
	struct route_filter f;
	struct nl_dump d;
	struct nsl_opts o;
	struct nl_ns *ns;
	lua_Integer done;

	nsl_opts_begin(L, &o, nsl_self(L), 0);
	if (nsl_opt_type(&o, "dev") == LUA_TNIL && nsl_opt_type(&o, "table") == LUA_TNIL &&
	    nsl_opt_type(&o, "protocol") == LUA_TNIL)
		return nsl_fail(L, prim, NULL, EINVAL,
				"say what to flush: dev, table or protocol");
	route_dump(&o, &d, &f, keep_cb);
	ns = d.ns;
	done = nl_resend(L, ns, prim, ns->name[0] ? ns->name : "route", d.list,
			 RTM_DELROUTE, ESRCH);
	lua_pushinteger(L, done);
	return 1;
}

/* route_get(dst [, opts]): the route the kernel would take for address
 * dst (RTM_GETROUTE without a dump), or with opts.fibmatch the entry of
 * the table that matched, as a route_list record.  opts: ns, from (the
 * source address), iif, dev (the output link), mark.  Raises
 * "route_get: <dst>: <reason>" (Network is unreachable...). */
static int l_route_get(lua_State *L)
{
	const struct nsl_prim *p = nsl_self(L);
	const char *prim = p->name;
	const char *dst = nsl_checkstring(L, 1, prim), *from, *iif, *dev, *why;
	unsigned char daddr[16], saddr[16];
	int family, prefix, sfam, sprefix, fibmatch;
	lua_Integer mark;
	struct nl_dump d;
	struct nsl_opts o;
	struct nl_req q;
	struct rtmsg *rtm;
	struct nl_ns *ns;

	nsl_opts_begin(L, &o, p, 0);
	o.obj = dst;
	if (nl_parse_cidr(dst, &family, daddr, &prefix, &why) < 0 || strchr(dst, '/'))
		return nsl_fail(L, prim, dst, EINVAL, "%s",
				strchr(dst, '/') ? "an address, not a prefix" : why);
	from = nsl_opt_str(&o, "from", NULL);
	if (from && (strchr(from, '/') ||
		     nl_parse_cidr(from, &sfam, saddr, &sprefix, &why) < 0))
		return nsl_fail(L, prim, from, EINVAL, "from: not an IPv4 or IPv6 address");
	if (from && sfam != family)
		return nsl_fail(L, prim, from, EINVAL, "from: not of the family of %s", dst);
	iif = nsl_opt_str(&o, "iif", NULL);
	dev = nsl_opt_str(&o, "dev", NULL);
	mark = nsl_opt_int(&o, "mark", 0, 0xffffffffLL, -1);
	fibmatch = nsl_opt_bool(&o, "fibmatch", 0);
	ns = nl_dump_begin(&d, &o, NULL, 1);
	rtm = nl_req_start(&q, L, prim, dst, RTM_GETROUTE, 0, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)family;
	rtm->rtm_dst_len = (unsigned char)prefix;
	if (fibmatch)
		rtm->rtm_flags |= RTM_F_FIB_MATCH;
	nl_put(&q, RTA_DST, family == AF_INET ? 4 : 16, daddr);
	if (from) {
		rtm->rtm_src_len = (unsigned char)sprefix;
		nl_put(&q, RTA_SRC, family == AF_INET ? 4 : 16, saddr);
	}
	if (iif)
		nl_put_u32(&q, RTA_IIF, (uint32_t)nl_ifindex(L, ns, prim, iif));
	if (dev)
		nl_put_u32(&q, RTA_OIF, (uint32_t)nl_ifindex(L, ns, prim, dev));
	if (mark >= 0)
		nl_put_u32(&q, RTA_MARK, (uint32_t)mark);
	nl_req_do(&q, ns, route_cb, &d);
	if (lua_rawgeti(L, d.list, 1) == LUA_TNIL)
		return nsl_fail(L, prim, dst, ENETUNREACH, "the kernel gave no route");
	return 1;
}

static const struct nsl_prim routeinfo_prims[] = {
	{ "route_list", l_route_list, 1, "ns table family protocol dev" },
	{ "route_get", l_route_get, 2, "ns from iif dev mark fibmatch" },
	{ "route_flush", l_route_flush, 1, "ns table family protocol dev" },
	{ NULL, NULL, 0, NULL }
};

/* Adds route_list, route_get, route_flush to the table at index 1. */
int nsl_open_routeinfo(lua_State *L)
{
	nsl_register(L, routeinfo_prims);
	return 0;
}
