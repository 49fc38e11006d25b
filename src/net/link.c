/*
 * link.c - making, changing, moving and deleting links (RTM_NEWLINK,
 * RTM_DELLINK).  Reading them back is linkinfo.c.
 *
 * Every kind of link is made by one function, l_link_add, driven by an
 * entry of link_kinds[]: its primitive name, IFLA_INFO_KIND, how many
 * positional arguments follow the name, which of them names a parent
 * link (IFLA_LINK), and a fill function for IFLA_INFO_DATA.  A new kind
 * is one entry.  Each link is made by exactly one request, so a refusal
 * leaves nothing behind (a veth's peer is made in the same request, even
 * inside another namespace).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdio.h>
#include <string.h>

#include "kfeature.h"
#include "nl.h"

/* What a fill function needs: the request being built and the stack
 * index of the options table. */
struct link_req {
	lua_State *L;
	const char *prim;
	const char *name;
	int opts;
	struct nl_ns *ns;
	struct nlmsghdr *nlh;
};

struct link_kind {
	const char *prim;
	const char *kind;
	int nargs;		/* positional arguments after the name */
	int parent_arg;		/* that names the parent link, or 0 */
	void (*fill)(struct link_req *r);
};

/* veth_add(name, peer, opts): the peer, in opts.peer_ns when given. */
static void fill_veth(struct link_req *r)
{
	lua_State *L = r->L;
	const char *peer = luaL_checkstring(L, 2);
	const char *peer_ns = nl_opt_str(L, r->opts, "peer_ns", NULL);
	lua_Integer mtu = nl_opt_int(L, r->opts, "mtu", 0);
	struct nl_ns *pns = NULL;
	struct nlattr *nest;

	nl_check_ifname(L, r->prim, peer);
	if (peer_ns)
		pns = nl_ns(L, r->prim, peer_ns);
	nest = mnl_attr_nest_start(r->nlh, VETH_INFO_PEER);
	mnl_nlmsg_put_extra_header(r->nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(r->nlh, IFLA_IFNAME, peer);
	if (mtu)
		mnl_attr_put_u32(r->nlh, IFLA_MTU, (uint32_t)mtu);
	if (pns)
		mnl_attr_put_u32(r->nlh, IFLA_NET_NS_FD, (uint32_t)pns->fd);
	mnl_attr_nest_end(r->nlh, nest);
}

/* vlan_add(name, parent, id, opts). */
static void fill_vlan(struct link_req *r)
{
	lua_Integer id = luaL_checkinteger(r->L, 3);

	luaL_argcheck(r->L, id >= 1 && id <= 4094, 3, "VLAN id must be 1 to 4094");
	mnl_attr_put_u16(r->nlh, IFLA_VLAN_ID, (uint16_t)id);
}

/* An address option for vxlan: v4 and v6 attributes differ. */
static void put_ip_opt(struct link_req *r, const char *field, int a4, int a6)
{
	const char *s = nl_opt_str(r->L, r->opts, field, NULL), *why;
	unsigned char addr[16];
	int family, prefix;

	if (!s)
		return;
	if (nl_parse_cidr(s, &family, addr, &prefix, &why) < 0 || strchr(s, '/'))
		nsl_fail(r->L, r->prim, r->name, EINVAL, "%s '%s': %s", field, s,
			 strchr(s, '/') ? "an address, not a CIDR" : why);
	if (family == AF_INET)
		mnl_attr_put(r->nlh, a4, 4, addr);
	else
		mnl_attr_put(r->nlh, a6, 16, addr);
}

/* vxlan_add(name, vni, opts{remote, local, dev, port}). */
static void fill_vxlan(struct link_req *r)
{
	lua_Integer vni = luaL_checkinteger(r->L, 2);
	lua_Integer port = nl_opt_int(r->L, r->opts, "port", 4789);
	const char *dev = nl_opt_str(r->L, r->opts, "dev", NULL);

	luaL_argcheck(r->L, vni >= 0 && vni < (1 << 24), 2,
		      "VNI must be 0 to 16777215");
	if (port < 1 || port > 65535)
		nsl_fail(r->L, r->prim, r->name, EINVAL, "port must be 1 to 65535");
	mnl_attr_put_u32(r->nlh, IFLA_VXLAN_ID, (uint32_t)vni);
	put_ip_opt(r, "remote", IFLA_VXLAN_GROUP, IFLA_VXLAN_GROUP6);
	put_ip_opt(r, "local", IFLA_VXLAN_LOCAL, IFLA_VXLAN_LOCAL6);
	if (dev)
		mnl_attr_put_u32(r->nlh, IFLA_VXLAN_LINK,
				 (uint32_t)nl_ifindex(r->L, r->ns, r->prim, dev));
	mnl_attr_put_u16(r->nlh, IFLA_VXLAN_PORT, htons((uint16_t)port));
}

/* macvlan_add(name, parent, opts{mode}). */
static void fill_macvlan(struct link_req *r)
{
	static const char *const names[] = {
		"private", "vepa", "bridge", "passthru", "source", NULL
	};
	static const uint32_t modes[] = {
		MACVLAN_MODE_PRIVATE, MACVLAN_MODE_VEPA, MACVLAN_MODE_BRIDGE,
		MACVLAN_MODE_PASSTHRU, MACVLAN_MODE_SOURCE
	};
	const char *mode = nl_opt_str(r->L, r->opts, "mode", "bridge");
	int i;

	for (i = 0; names[i]; i++)
		if (!strcmp(names[i], mode))
			break;
	if (!names[i])
		nsl_fail(r->L, r->prim, r->name, EINVAL,
			 "unknown macvlan mode '%s' (private, vepa, bridge, passthru, source)",
			 mode);
	mnl_attr_put_u32(r->nlh, IFLA_MACVLAN_MODE, modes[i]);
}

static const struct link_kind link_kinds[] = {
	{ "veth_add", "veth", 1, 0, fill_veth },
	{ "bridge_add", "bridge", 0, 0, NULL },
	{ "vlan_add", "vlan", 2, 2, fill_vlan },
	{ "vxlan_add", "vxlan", 1, 0, fill_vxlan },
	{ "macvlan_add", "macvlan", 1, 2, fill_macvlan },
	{ "dummy_add", "dummy", 0, 0, NULL },
};

/* Parses a MAC address "aa:bb:cc:dd:ee:ff" into mac; raises otherwise. */
static void parse_mac(lua_State *L, const char *prim, const char *obj,
		      const char *s, unsigned char mac[6])
{
	unsigned int b[6];
	char end;
	int i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &end) != 6 || strlen(s) != 17)
		nsl_fail(L, prim, obj, EINVAL,
			 "bad MAC address '%s' (want aa:bb:cc:dd:ee:ff)", s);
	for (i = 0; i < 6; i++)
		mac[i] = (unsigned char)b[i];
}

/* The attributes link_set and every *_add share: mtu, address, master,
 * up.  Lookups (the master's index) happen before anything is sent. */
static void put_common(lua_State *L, struct link_req *r, struct ifinfomsg *ifi)
{
	lua_Integer mtu = nl_opt_int(L, r->opts, "mtu", 0);
	const char *addr = nl_opt_str(L, r->opts, "address", NULL);
	unsigned char mac[6];
	int up;

	if (mtu) {
		if (mtu < 68 || mtu > 65535)
			nsl_fail(L, r->prim, r->name, EINVAL,
				 "mtu must be 68 to 65535");
		mnl_attr_put_u32(r->nlh, IFLA_MTU, (uint32_t)mtu);
	}
	if (addr) {
		parse_mac(L, r->prim, r->name, addr, mac);
		mnl_attr_put(r->nlh, IFLA_ADDRESS, 6, mac);
	}
	if (nl_opt_type(L, r->opts, "master") == LUA_TBOOLEAN) {
		if (nl_opt_bool(L, r->opts, "master", 0))
			luaL_argerror(L, r->opts, "option 'master': a bridge name or false");
		mnl_attr_put_u32(r->nlh, IFLA_MASTER, 0);
	} else {
		const char *m = nl_opt_str(L, r->opts, "master", NULL);

		if (m)
			mnl_attr_put_u32(r->nlh, IFLA_MASTER,
					 (uint32_t)nl_ifindex(L, r->ns, r->prim, m));
	}
	up = nl_opt_bool(L, r->opts, "up", -1);
	if (up >= 0) {
		ifi->ifi_change |= IFF_UP;
		ifi->ifi_flags |= up ? IFF_UP : 0;
	}
}

/* <kind>_add(name, ...positional, opts): makes the link in opts.ns (the
 * kind's entry is upvalue 1); returns nothing.  Raises "<prim>: <name>:
 * <reason>"; a refused request made nothing. */
static int l_link_add(lua_State *L)
{
	const struct link_kind *k = lua_touserdata(L, lua_upvalueindex(1));
	char buf[NL_REQ_SIZE] = { 0 };	/* padding goes out too */
	struct link_req r;
	struct ifinfomsg *ifi;
	struct nlattr *info, *data;
	int parent = 0;

	r.L = L;
	r.prim = k->prim;
	r.name = luaL_checkstring(L, 1);
	r.opts = 2 + k->nargs;
	nl_check_opts(L, r.opts);
	if (k->parent_arg)
		luaL_checkstring(L, k->parent_arg);
	nl_check_ifname(L, r.prim, r.name);
	r.ns = nl_opt_ns(L, r.opts, "ns", r.prim);
	r.nlh = mnl_nlmsg_put_header(buf);
	r.nlh->nlmsg_type = RTM_NEWLINK;
	r.nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifi = mnl_nlmsg_put_extra_header(r.nlh, sizeof(*ifi));
	/* the kind's own arguments first, so a bad one is an argument
	 * error even when a named link is missing too */
	info = mnl_attr_nest_start(r.nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(r.nlh, IFLA_INFO_KIND, k->kind);
	if (k->fill) {
		data = mnl_attr_nest_start(r.nlh, IFLA_INFO_DATA);
		k->fill(&r);
		mnl_attr_nest_end(r.nlh, data);
	}
	mnl_attr_nest_end(r.nlh, info);
	mnl_attr_put_strz(r.nlh, IFLA_IFNAME, r.name);
	put_common(L, &r, ifi);
	if (k->parent_arg) {
		parent = nl_ifindex(L, r.ns, r.prim, lua_tostring(L, k->parent_arg));
		mnl_attr_put_u32(r.nlh, IFLA_LINK, (uint32_t)parent);
	}
	kfeature_do(L, r.ns, r.nlh, r.prim, r.name, k->kind);
	return 0;
}

/* Starts an RTM_NEWLINK/RTM_DELLINK on the existing link `name`, found by
 * name in the request itself (no lookup round trip). */
static struct ifinfomsg *start_change(struct link_req *r, char *buf, int type)
{
	struct ifinfomsg *ifi;

	r->nlh = mnl_nlmsg_put_header(buf);
	r->nlh->nlmsg_type = (uint16_t)type;
	ifi = mnl_nlmsg_put_extra_header(r->nlh, sizeof(*ifi));
	mnl_attr_put_strz(r->nlh, IFLA_IFNAME, r->name);
	return ifi;
}

/* Checks link (arg 1) and the options table, finds opts.ns; raises on
 * a bad argument or an unknown namespace. */
static void start_req(lua_State *L, struct link_req *r, const char *prim,
		      int opts)
{
	r->L = L;
	r->prim = prim;
	r->name = luaL_checkstring(L, 1);
	r->opts = opts;
	nl_check_opts(L, opts);
	nl_check_ifname(L, prim, r->name);
	r->ns = nl_opt_ns(L, opts, "ns", prim);
}

/* link_set(link, opts): changes up, mtu, address, name, master (false:
 * detach), alias in one request; returns nothing.  Raises "link_set:
 * <link>: <reason>" (No such device...). */
static int l_link_set(lua_State *L)
{
	char buf[NL_REQ_SIZE] = { 0 };	/* padding goes out too */
	struct link_req r;
	struct ifinfomsg *ifi;
	const char *rename, *alias;

	start_req(L, &r, "link_set", 2);
	rename = nl_opt_str(L, 2, "name", NULL);
	alias = nl_opt_str(L, 2, "alias", NULL);
	if (rename) {
		/* the new name takes IFLA_IFNAME: find the link by index */
		int index = nl_ifindex(L, r.ns, r.prim, r.name);

		nl_check_ifname(L, r.prim, rename);
		r.nlh = mnl_nlmsg_put_header(buf);
		r.nlh->nlmsg_type = RTM_NEWLINK;
		ifi = mnl_nlmsg_put_extra_header(r.nlh, sizeof(*ifi));
		ifi->ifi_index = index;
		mnl_attr_put_strz(r.nlh, IFLA_IFNAME, rename);
	} else {
		ifi = start_change(&r, buf, RTM_NEWLINK);
	}
	put_common(L, &r, ifi);
	if (alias)
		mnl_attr_put_strz(r.nlh, IFLA_IFALIAS, alias);
	nl_do(L, r.ns, r.nlh, NULL, NULL, r.prim, r.name);
	return 0;
}

/* link_del(link, opts): deletes it (a veth takes its peer along);
 * returns nothing.  Raises "link_del: <link>: No such device". */
static int l_link_del(lua_State *L)
{
	char buf[NL_REQ_SIZE] = { 0 };	/* padding goes out too */
	struct link_req r;

	start_req(L, &r, "link_del", 2);
	start_change(&r, buf, RTM_DELLINK);
	nl_do(L, r.ns, r.nlh, NULL, NULL, r.prim, r.name);
	return 0;
}

/* link_set_ns(link, target, opts): moves the link from opts.ns to the
 * namespace called target, or to that of process target (a number: 1 is
 * init's); returns nothing.  Raises "link_set_ns: <link or target>: ...". */
static int l_link_set_ns(lua_State *L)
{
	char buf[NL_REQ_SIZE] = { 0 };	/* padding goes out too */
	struct link_req r;
	struct nl_ns *to;

	luaL_argexpected(L, lua_type(L, 2) == LUA_TSTRING || lua_isinteger(L, 2),
			 2, "namespace name or pid");
	start_req(L, &r, "link_set_ns", 3);
	start_change(&r, buf, RTM_NEWLINK);
	if (lua_type(L, 2) == LUA_TSTRING) {
		to = nl_ns(L, r.prim, lua_tostring(L, 2));
		mnl_attr_put_u32(r.nlh, IFLA_NET_NS_FD, (uint32_t)to->fd);
	} else {
		lua_Integer pid = lua_tointeger(L, 2);

		luaL_argcheck(L, pid > 0 && pid <= 0x7fffffff, 2, "pid must be positive");
		mnl_attr_put_u32(r.nlh, IFLA_NET_NS_PID, (uint32_t)pid);
	}
	nl_do(L, r.ns, r.nlh, NULL, NULL, r.prim, r.name);
	return 0;
}

static const luaL_Reg link_funcs[] = {
	{ "link_set", l_link_set },
	{ "link_del", l_link_del },
	{ "link_set_ns", l_link_set_ns },
	{ NULL, NULL }
};

/* Adds link_set, link_del, link_set_ns and one <kind>_add closure per
 * entry of link_kinds to the table at index 1. */
int nsl_open_link(lua_State *L)
{
	size_t i;

	luaL_setfuncs(L, link_funcs, 0);
	for (i = 0; i < sizeof(link_kinds) / sizeof(link_kinds[0]); i++) {
		lua_pushlightuserdata(L, (void *)&link_kinds[i]);
		lua_pushcclosure(L, l_link_add, 1);
		lua_setfield(L, 1, link_kinds[i].prim);
	}
	return 0;
}
