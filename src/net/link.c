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

#include "nl.h"

/* What a fill function needs: the request being built and the stack
 * index of the options table. */
struct link_req {
	lua_State *L;
	const char *prim;
	const char *name;
	struct nsl_opts o;
	struct nl_ns *ns;
	struct nl_req q;
};

/* p comes first: the primitive's entry (nsl_self) is its kind's entry. */
struct link_kind {
	struct nsl_prim p;
	const char *kind;
	int nargs;		/* positional arguments after the name */
	int parent_arg;		/* that names the parent link, or 0 */
	void (*fill)(struct link_req *r);
};

#define MTU_MIN 68
#define MTU_MAX 65535

/* veth_add(name, peer, opts): the peer, in opts.peer_ns when given. */
static void fill_veth(struct link_req *r)
{
	lua_State *L = r->L;
	const char *peer = nsl_checkstring(L, 2, r->prim);
	const char *peer_ns = nsl_opt_str(&r->o, "peer_ns", NULL);
	lua_Integer mtu = nsl_opt_int(&r->o, "mtu", MTU_MIN, MTU_MAX, 0);
	struct nl_ns *pns = NULL;
	struct nlattr *nest;

	nl_check_ifname(L, r->prim, peer);
	if (peer_ns)
		pns = nl_ns(L, r->prim, peer_ns);
	nest = nl_nest_start(&r->q, VETH_INFO_PEER);
	nl_put_hdr(&r->q, sizeof(struct ifinfomsg));
	nl_put_strz(&r->q, IFLA_IFNAME, peer);
	if (mtu)
		nl_put_u32(&r->q, IFLA_MTU, (uint32_t)mtu);
	if (pns)
		nl_put_u32(&r->q, IFLA_NET_NS_FD, (uint32_t)pns->fd);
	nl_nest_end(&r->q, nest);
}

/* vlan_add(name, parent, id, opts). */
static void fill_vlan(struct link_req *r)
{
	lua_Integer id = luaL_checkinteger(r->L, 3);

	nsl_check_range(r->L, r->prim, r->name, "VLAN id", id, 1, 4094);
	nl_put_u16(&r->q, IFLA_VLAN_ID, (uint16_t)id);
}

/* An address option for vxlan: v4 and v6 attributes differ. */
static void put_ip_opt(struct link_req *r, const char *field, int a4, int a6)
{
	const char *s = nsl_opt_str(&r->o, field, NULL), *why;
	unsigned char addr[16];
	int family, prefix;

	if (!s)
		return;
	if (nl_parse_cidr(s, &family, addr, &prefix, &why) < 0 || strchr(s, '/'))
		nsl_fail(r->L, r->prim, r->name, EINVAL, "%s '%s': %s", field, s,
			 strchr(s, '/') ? "an address, not a CIDR" : why);
	if (family == AF_INET)
		nl_put(&r->q, a4, 4, addr);
	else
		nl_put(&r->q, a6, 16, addr);
}

/* vxlan_add(name, vni, opts{remote, local, dev, port}). */
static void fill_vxlan(struct link_req *r)
{
	lua_Integer vni = luaL_checkinteger(r->L, 2);
	lua_Integer port = nsl_opt_int(&r->o, "port", 1, 65535, 4789);
	const char *dev = nsl_opt_str(&r->o, "dev", NULL);

	nsl_check_range(r->L, r->prim, r->name, "VNI", vni, 0, (1 << 24) - 1);
	nl_put_u32(&r->q, IFLA_VXLAN_ID, (uint32_t)vni);
	put_ip_opt(r, "remote", IFLA_VXLAN_GROUP, IFLA_VXLAN_GROUP6);
	put_ip_opt(r, "local", IFLA_VXLAN_LOCAL, IFLA_VXLAN_LOCAL6);
	if (dev)
		nl_put_u32(&r->q, IFLA_VXLAN_LINK,
			   (uint32_t)nl_ifindex(r->L, r->ns, r->prim, dev));
	nl_put_u16(&r->q, IFLA_VXLAN_PORT, htons((uint16_t)port));
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
	const char *mode = nsl_opt_str(&r->o, "mode", "bridge");
	int i;

	for (i = 0; names[i]; i++)
		if (!strcmp(names[i], mode))
			break;
	if (!names[i])
		nsl_fail(r->L, r->prim, r->name, EINVAL,
			 "unknown macvlan mode '%s' (private, vepa, bridge, passthru, source)",
			 mode);
	nl_put_u32(&r->q, IFLA_MACVLAN_MODE, modes[i]);
}

static int l_link_add(lua_State *L);

/* The options every *_add takes (put_common), then each kind's own. */
#define ADD_KEYS "ns mtu address up master "

static const struct link_kind link_kinds[] = {
	{ { "veth_add", l_link_add, 3, ADD_KEYS "peer_ns" }, "veth", 1, 0, fill_veth },
	{ { "bridge_add", l_link_add, 2, ADD_KEYS }, "bridge", 0, 0, NULL },
	{ { "vlan_add", l_link_add, 4, ADD_KEYS }, "vlan", 2, 2, fill_vlan },
	{ { "vxlan_add", l_link_add, 3, ADD_KEYS "remote local dev port" }, "vxlan", 1, 0, fill_vxlan },
	{ { "macvlan_add", l_link_add, 3, ADD_KEYS "mode" }, "macvlan", 1, 2, fill_macvlan },
	{ { "dummy_add", l_link_add, 2, ADD_KEYS }, "dummy", 0, 0, NULL },
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
	lua_Integer mtu = nsl_opt_int(&r->o, "mtu", MTU_MIN, MTU_MAX, 0);
	const char *addr = nsl_opt_str(&r->o, "address", NULL);
	unsigned char mac[6];
	int up;

	if (mtu)
		nl_put_u32(&r->q, IFLA_MTU, (uint32_t)mtu);
	if (addr) {
		parse_mac(L, r->prim, r->name, addr, mac);
		nl_put(&r->q, IFLA_ADDRESS, 6, mac);
	}
	if (nsl_opt_type(&r->o, "master") == LUA_TBOOLEAN) {
		if (nsl_opt_bool(&r->o, "master", 0))
			nsl_fail(L, r->prim, NULL, EINVAL,
				 "option 'master': a bridge name or false expected, got true");
		nl_put_u32(&r->q, IFLA_MASTER, 0);
	} else {
		const char *m = nsl_opt_str(&r->o, "master", NULL);

		if (m)
			nl_put_u32(&r->q, IFLA_MASTER,
				   (uint32_t)nl_ifindex(L, r->ns, r->prim, m));
	}
	up = nsl_opt_bool(&r->o, "up", -1);
	if (up >= 0) {
		ifi->ifi_change |= IFF_UP;
		ifi->ifi_flags |= up ? IFF_UP : 0;
	}
}

/* Checks link (arg 1) and the options of the running primitive, finds
 * opts.ns; raises on a bad argument or an unknown namespace. */
static void start_req(lua_State *L, struct link_req *r)
{
	const struct nsl_prim *p = nsl_self(L);

	r->L = L;
	r->prim = p->name;
	r->name = nsl_checkstring(L, 1, r->prim);
	nsl_opts_begin(L, &r->o, p, 0);
	r->o.obj = r->name;
	nl_check_ifname(L, r->prim, r->name);
	r->ns = nl_opts_ns(&r->o);
}

/* <kind>_add(name, ...positional, opts): makes the link in opts.ns (the
 * kind's entry is upvalue 1); returns nothing.  Raises "<prim>: <name>:
 * <reason>"; a refused request made nothing. */
static int l_link_add(lua_State *L)
{
	const struct link_kind *k = (const void *)nsl_self(L);
	struct link_req r;
	struct ifinfomsg *ifi;
	struct nlattr *info, *data;
	const char *parent = NULL;

	if (k->parent_arg)
		parent = nsl_checkstring(L, k->parent_arg, k->p.name);
	start_req(L, &r);
	ifi = nl_req_start(&r.q, L, r.prim, r.name, RTM_NEWLINK,
			   NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifi));
	/* the kind's own arguments first, so a bad one is an argument
	 * error even when a named link is missing too */
	info = nl_nest_start(&r.q, IFLA_LINKINFO);
	nl_put_strz(&r.q, IFLA_INFO_KIND, k->kind);
	if (k->fill) {
		data = nl_nest_start(&r.q, IFLA_INFO_DATA);
		k->fill(&r);
		nl_nest_end(&r.q, data);
	}
	nl_nest_end(&r.q, info);
	nl_put_strz(&r.q, IFLA_IFNAME, r.name);
	put_common(L, &r, ifi);
	if (parent)
		nl_put_u32(&r.q, IFLA_LINK,
			   (uint32_t)nl_ifindex(L, r.ns, r.prim, parent));
	nl_req_do(&r.q, r.ns, NULL, NULL);
	return 0;
}

/* Starts an RTM_NEWLINK/RTM_DELLINK on the existing link `name`, found by
 * name in the request itself (no lookup round trip). */
static struct ifinfomsg *start_change(struct link_req *r, int type)
{
	struct ifinfomsg *ifi;

	ifi = nl_req_start(&r->q, r->L, r->prim, r->name, type, 0, sizeof(*ifi));
	nl_put_strz(&r->q, IFLA_IFNAME, r->name);
	return ifi;
}

/* The kernel's IFALIASZ: an alias is at most 255 bytes. */
#define ALIAS_MAX 255

/* link_set(link, opts): changes up, mtu, address, name, master (false:
 * detach), alias in one request; returns nothing.  Raises "link_set:
 * <link>: <reason>" (No such device...). */
static int l_link_set(lua_State *L)
{
	struct link_req r;
	struct ifinfomsg *ifi;
	const char *rename, *alias;

	start_req(L, &r);
	rename = nsl_opt_str(&r.o, "name", NULL);
	alias = nsl_opt_str(&r.o, "alias", NULL);
	if (alias)
		nl_check_len(L, r.prim, r.name, "alias", alias, ALIAS_MAX);
	if (rename) {
		/* the new name takes IFLA_IFNAME: find the link by index */
		int index;

		nl_check_ifname(L, r.prim, rename);
		index = nl_ifindex(L, r.ns, r.prim, r.name);
		ifi = nl_req_start(&r.q, L, r.prim, r.name, RTM_NEWLINK, 0,
				   sizeof(*ifi));
		ifi->ifi_index = index;
		nl_put_strz(&r.q, IFLA_IFNAME, rename);
	} else {
		ifi = start_change(&r, RTM_NEWLINK);
	}
	put_common(L, &r, ifi);
	if (alias)	/* as ip sends it, without the NUL: 255 bytes fit */
		nl_put(&r.q, IFLA_IFALIAS, strlen(alias), alias);
	nl_req_do(&r.q, r.ns, NULL, NULL);
	return 0;
}

/* link_del(link, opts): deletes it (a veth takes its peer along);
 * returns nothing.  Raises "link_del: <link>: No such device". */
static int l_link_del(lua_State *L)
{
	struct link_req r;

	start_req(L, &r);
	start_change(&r, RTM_DELLINK);
	nl_req_do(&r.q, r.ns, NULL, NULL);
	return 0;
}

/* link_set_ns(link, target, opts): moves the link from opts.ns to the
 * namespace called target, or to that of process target (a number: 1 is
 * init's); returns nothing.  Raises "link_set_ns: <link or target>: ...". */
static int l_link_set_ns(lua_State *L)
{
	struct link_req r;
	struct nl_ns *to = NULL;
	lua_Integer pid = 0;

	luaL_argexpected(L, lua_type(L, 2) == LUA_TSTRING || lua_isinteger(L, 2),
			 2, "namespace name or pid");
	start_req(L, &r);
	if (lua_type(L, 2) == LUA_TSTRING) {
		to = nl_ns(L, r.prim, nsl_checkstring(L, 2, r.prim));
	} else {
		pid = lua_tointeger(L, 2);
		nsl_check_range(L, r.prim, r.name, "pid", pid, 1, 0x7fffffff);
	}
	start_change(&r, RTM_NEWLINK);
	if (to)
		nl_put_u32(&r.q, IFLA_NET_NS_FD, (uint32_t)to->fd);
	else
		nl_put_u32(&r.q, IFLA_NET_NS_PID, (uint32_t)pid);
	nl_req_do(&r.q, r.ns, NULL, NULL);
	return 0;
}

static const struct nsl_prim link_prims[] = {
	{ "link_set", l_link_set, 2, "ns up mtu address name master alias" },
	{ "link_del", l_link_del, 2, "ns" },
	{ "link_set_ns", l_link_set_ns, 3, "ns" },
	{ NULL, NULL, 0, NULL }
};

/* Adds link_set, link_del, link_set_ns and one <kind>_add per entry of
 * link_kinds to the table at index 1. */
int nsl_open_link(lua_State *L)
{
	size_t i;

	nsl_register(L, link_prims);
	for (i = 0; i < sizeof(link_kinds) / sizeof(link_kinds[0]); i++)
		nsl_register_one(L, &link_kinds[i].p);
	return 0;
}
