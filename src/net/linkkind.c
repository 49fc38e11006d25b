/*
 * linkkind.c - everything about each link kind, one entry of
 * link_kinds[] per kind (link.c's link_add makes every kind from one): its
 * positional arguments and typed options (struct link_arg: names, ranges,
 * enum words), a parse function (arguments and options, names resolved,
 * into a struct link_req), a put function (its IFLA_INFO_DATA) and a push
 * function (the same settings read back from a link's IFLA_INFO_DATA, for
 * linkinfo.c's records).  The arguments and options go to Lua as
 * core._link_kinds, which nsl.topo.kinds checks descriptions against.  A
 * new kind is one entry here.  A bridge's own settings are bridge.c's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_link.h>
#include <linux/if_tunnel.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdint.h>
#include <string.h>

#include "link.h"

/* The arguments and typed options of the kinds (see link.h). */
static const char *const ipvlan_modes[] = { "l2", "l3", "l3s", NULL };
static const char *const bond_modes[] = {
	"balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad",
	"balance-tlb", "balance-alb", NULL
};
/* a macvlan's mode is a bit: MACVLAN_MODE_PRIVATE = 1 << 0 ... */
static const char *const macvlan_modes[] = {
	"private", "vepa", "bridge", "passthru", "source", NULL
};
static const char *const vlan_protos[] = { "802.1Q", "802.1ad", NULL };

static const struct link_arg
	arg_peer = { "peer", NULL, LA_NAME, 0, 0, NULL },
	arg_parent = { "parent", NULL, LA_PARENT, 0, 0, NULL },
	arg_vlan_id = { "id", "VLAN id", LA_INT, 1, 4094, NULL },
	arg_vni = { "vni", "VNI", LA_INT, 0, (1 << 24) - 1, NULL },
	arg_table = { "table", "table", LA_INT, 1, UINT32_MAX, NULL },
	opt_port = { "port", NULL, LA_INT, 1, 65535, NULL },
	opt_ttl = { "ttl", NULL, LA_INT, 0, 255, NULL },
	opt_tos = { "tos", NULL, LA_INT, 0, 255, NULL },
	opt_miimon = { "miimon", NULL, LA_INT, 0, INT32_MAX, NULL },
	opt_remote = { "remote", NULL, LA_ADDR, 0, 0, NULL },
	opt_local = { "local", NULL, LA_ADDR, 0, 0, NULL },
	opt_group = { "group", NULL, LA_ADDR, 0, 0, NULL },
	opt_learning = { "learning", NULL, LA_BOOL, 0, 0, NULL },
	opt_vlan_proto = { "protocol", "protocol", LA_ENUM, 0, 0, vlan_protos },
	opt_ipvlan_mode = { "mode", "ipvlan mode", LA_ENUM, 0, 0, ipvlan_modes },
	opt_bond_mode = { "mode", "bond mode", LA_ENUM, 0, 0, bond_modes },
	opt_macvlan_mode = { "mode", "macvlan mode", LA_ENUM, 0, 0, macvlan_modes };

/* Positional argument idx as the integer a; raises "<prim>: <link>:
 * <what> must be min to max". */
static lua_Integer arg_int(struct link_req *r, int idx, const struct link_arg *a)
{
	lua_Integer v = luaL_checkinteger(r->L, idx);

	nsl_check_range(r->L, r->prim, r->name, a->what, v, a->min, a->max);
	return v;
}

/* Option a (an integer), def when absent. */
static lua_Integer opt_int(struct link_req *r, const struct link_arg *a, lua_Integer def)
{
	return nsl_opt_int(&r->o, a->key, a->min, a->max, def);
}

/* Option a (an enum word, def when absent) as its index; raises
 * "<prim>: <link>: unknown <what> '<s>' (<the words>)". */
static int opt_enum(struct link_req *r, const struct link_arg *a, const char *def)
{
	const char *s = nsl_opt_str(&r->o, a->key, def);
	luaL_Buffer b;
	int i;

	for (i = 0; a->names[i]; i++)
		if (!strcmp(a->names[i], s))
			return i;
	luaL_buffinit(r->L, &b);
	for (i = 0; a->names[i]; i++) {
		if (i)
			luaL_addstring(&b, ", ");
		luaL_addstring(&b, a->names[i]);
	}
	luaL_pushresult(&b);
	return nsl_fail(r->L, r->prim, r->name, EINVAL, "unknown %s '%s' (%s)",
			a->what, s, lua_tostring(r->L, -1));
}

/* veth_add(name, peer, opts): the peer, in opts.peer_ns when given. */
static void parse_veth(struct link_req *r)
{
	const char *peer_ns = nsl_opt_str(&r->o, "peer_ns", NULL);

	r->peer = nsl_checkstring(r->L, 2, r->prim);
	nl_check_ifname(r->L, r->prim, r->peer);
	if (peer_ns)
		r->peer_ns = nl_ns(r->L, r->prim, peer_ns);
}

static void put_veth(struct link_req *r)
{
	struct nlattr *nest = nl_nest_start(&r->q, VETH_INFO_PEER);

	nl_put_hdr(&r->q, sizeof(struct ifinfomsg));
	nl_put_strz(&r->q, IFLA_IFNAME, r->peer);
	if (r->mtu)
		nl_put_u32(&r->q, IFLA_MTU, (uint32_t)r->mtu);
	if (r->peer_ns)
		nl_put_u32(&r->q, IFLA_NET_NS_FD, (uint32_t)r->peer_ns->fd);
	nl_nest_end(&r->q, nest);
}

/* Option link_ns of the kinds that have an underlay (vxlan's dev and
 * local, a macvlan's parent): the namespace the link is made in, while
 * its underlay is looked up where the request is sent (opts.ns). */
static void parse_link_ns(struct link_req *r)
{
	const char *name = nsl_opt_str(&r->o, "link_ns", NULL);

	if (name)
		r->link_ns = nl_ns(r->L, r->prim, name);
}

/* vlan_add(name, parent, id, opts{protocol}). */
static void parse_vlan(struct link_req *r)
{
	r->id = arg_int(r, 3, &arg_vlan_id);
	r->proto = opt_enum(r, &opt_vlan_proto, "802.1Q") ? 0x88a8 : 0x8100;
}

static void put_vlan(struct link_req *r)
{
	nl_put_u16(&r->q, IFLA_VLAN_ID, (uint16_t)r->id);
	nl_put_u16(&r->q, IFLA_VLAN_PROTOCOL, htons(r->proto));
}

/* ipvlan_add(name, parent, opts{mode}). */
static void parse_ipvlan(struct link_req *r)
{
	r->mode = (uint32_t)opt_enum(r, &opt_ipvlan_mode, "l3");
}

static void put_ipvlan(struct link_req *r)
{
	nl_put_u16(&r->q, IFLA_IPVLAN_MODE, (uint16_t)r->mode);
}

/* bond_add(name, opts{mode, miimon}). */
static void parse_bond(struct link_req *r)
{
	r->mode = (uint32_t)opt_enum(r, &opt_bond_mode, "balance-rr");
	r->miimon = opt_int(r, &opt_miimon, -1);
}

static void put_bond(struct link_req *r)
{
	nl_put_u8(&r->q, IFLA_BOND_MODE, (uint8_t)r->mode);
	if (r->miimon >= 0)
		nl_put_u32(&r->q, IFLA_BOND_MIIMON, (uint32_t)r->miimon);
}

/* vrf_add(name, table, opts). */
static void parse_vrf(struct link_req *r)
{
	r->id = arg_int(r, 2, &arg_table);
}

static void put_vrf(struct link_req *r)
{
	nl_put_u32(&r->q, IFLA_VRF_TABLE, (uint32_t)r->id);
}

/* An address option for vxlan (an address, not a CIDR): its family, or 0
 * when absent. */
static int ip_opt(struct link_req *r, const char *field, unsigned char addr[16])
{
	const char *s = nsl_opt_str(&r->o, field, NULL), *why;
	int family, prefix;

	if (!s)
		return 0;
	if (nl_parse_cidr(s, &family, addr, &prefix, &why) < 0 || strchr(s, '/'))
		nsl_fail(r->L, r->prim, r->name, EINVAL, "%s '%s': %s", field, s,
			 strchr(s, '/') ? "an address, not a CIDR" : why);
	return family;
}

/* vxlan_add(name, vni, opts{remote, group, local, dev, port, ttl, tos,
 * learning}): a multicast group is the kernel's IFLA_VXLAN_GROUP, as a
 * remote is. */
static void parse_vxlan(struct link_req *r)
{
	const char *dev;
	unsigned char group[16];
	int gfam = nsl_opt_type(&r->o, "group") == LUA_TSTRING ? ip_opt(r, opt_group.key, group) : 0;

	r->id = arg_int(r, 2, &arg_vni);
	r->port = (int)opt_int(r, &opt_port, 4789);
	r->remote_fam = ip_opt(r, opt_remote.key, r->remote);
	r->local_fam = ip_opt(r, opt_local.key, r->local);
	if (gfam && r->remote_fam)
		nsl_fail(r->L, r->prim, r->name, EINVAL, "options 'remote' and 'group' exclude each other");
	if (gfam && !(gfam == AF_INET ? (group[0] & 0xf0) == 0xe0 : group[0] == 0xff))
		nsl_fail(r->L, r->prim, r->name, EINVAL, "group '%s': not a multicast address",
			 nsl_opt_str(&r->o, "group", ""));
	if (gfam) {
		r->remote_fam = gfam;
		memcpy(r->remote, group, sizeof(group));
	}
	r->ttl = opt_int(r, &opt_ttl, -1);
	r->tos = opt_int(r, &opt_tos, -1);
	r->learning = nsl_opt_bool(&r->o, opt_learning.key, -1);
	parse_link_ns(r);
	dev = nsl_opt_str(&r->o, "dev", NULL);
	if (dev)
		r->dev = nl_ifindex(r->L, r->ns, r->prim, dev);
}

static void put_vxlan(struct link_req *r)
{
	nl_put_u32(&r->q, IFLA_VXLAN_ID, (uint32_t)r->id);
	if (r->remote_fam)
		nl_put(&r->q, r->remote_fam == AF_INET ? IFLA_VXLAN_GROUP :
		       IFLA_VXLAN_GROUP6, r->remote_fam == AF_INET ? 4 : 16,
		       r->remote);
	if (r->local_fam)
		nl_put(&r->q, r->local_fam == AF_INET ? IFLA_VXLAN_LOCAL :
		       IFLA_VXLAN_LOCAL6, r->local_fam == AF_INET ? 4 : 16,
		       r->local);
	if (r->dev)
		nl_put_u32(&r->q, IFLA_VXLAN_LINK, (uint32_t)r->dev);
	nl_put_u16(&r->q, IFLA_VXLAN_PORT, htons((uint16_t)r->port));
	if (r->ttl >= 0)
		nl_put_u8(&r->q, IFLA_VXLAN_TTL, (uint8_t)r->ttl);
	if (r->tos >= 0)
		nl_put_u8(&r->q, IFLA_VXLAN_TOS, (uint8_t)r->tos);
	if (r->learning >= 0)
		nl_put_u8(&r->q, IFLA_VXLAN_LEARNING, (uint8_t)r->learning);
}

/* geneve_add(name, vni, opts{remote, port, ttl}). */
static void parse_geneve(struct link_req *r)
{
	r->id = arg_int(r, 2, &arg_vni);
	r->port = (int)opt_int(r, &opt_port, 6081);
	r->remote_fam = ip_opt(r, opt_remote.key, r->remote);
	if (!r->remote_fam)
		nsl_fail(r->L, r->prim, r->name, EINVAL, "option 'remote' is required");
	r->miimon = opt_int(r, &opt_ttl, -1);
}

static void put_geneve(struct link_req *r)
{
	nl_put_u32(&r->q, IFLA_GENEVE_ID, (uint32_t)r->id);
	nl_put(&r->q, r->remote_fam == AF_INET ? IFLA_GENEVE_REMOTE : IFLA_GENEVE_REMOTE6,
	       r->remote_fam == AF_INET ? 4 : 16, r->remote);
	nl_put_u16(&r->q, IFLA_GENEVE_PORT, htons((uint16_t)r->port));
	if (r->miimon >= 0)
		nl_put_u8(&r->q, IFLA_GENEVE_TTL, (uint8_t)r->miimon);
}

/* gretap_add(name, opts{remote, local, ttl}): IPv4 only (ip6gretap is
 * a kind of its own). */
static void parse_gretap(struct link_req *r)
{
	r->remote_fam = ip_opt(r, opt_remote.key, r->remote);
	r->local_fam = ip_opt(r, opt_local.key, r->local);
	if (!r->remote_fam)
		nsl_fail(r->L, r->prim, r->name, EINVAL, "option 'remote' is required");
	if (r->remote_fam != AF_INET || (r->local_fam && r->local_fam != AF_INET))
		nsl_fail(r->L, r->prim, r->name, EINVAL, "gretap is IPv4: remote and local must be IPv4 addresses");
	r->miimon = opt_int(r, &opt_ttl, -1);
}

static void put_gretap(struct link_req *r)
{
	nl_put(&r->q, IFLA_GRE_REMOTE, 4, r->remote);
	if (r->local_fam)
		nl_put(&r->q, IFLA_GRE_LOCAL, 4, r->local);
	if (r->miimon >= 0)
		nl_put_u8(&r->q, IFLA_GRE_TTL, (uint8_t)r->miimon);
}

/* macvlan_add(name, parent, opts{mode}). */
static void parse_macvlan(struct link_req *r)
{
	r->mode = 1u << opt_enum(r, &opt_macvlan_mode, "bridge");
	parse_link_ns(r);
}

static void put_macvlan(struct link_req *r)
{
	nl_put_u32(&r->q, IFLA_MACVLAN_MODE, r->mode);
}

/* bridge_add(name, opts{vlan_filtering, stp}): bridge.c's.  A new
 * bridge does not filter: false is not sent (a kernel without VLAN
 * filtering refuses even that). */
static void parse_bridge(struct link_req *r)
{
	br_parse(&r->o, &r->br, 0);
	if (!r->br.vlan_filtering)
		r->br.vlan_filtering = -1;
}

static void put_bridge(struct link_req *r)
{
	br_put_bridge(&r->q, &r->br);
}

/* Sets field k of the table on top to an IPv4 or IPv6 address. */
static void set_ip(lua_State *L, const char *k, const struct nlattr *a)
{
	char buf[INET6_ADDRSTRLEN];
	size_t len = mnl_attr_get_payload_len(a);

	if ((len == 4 || len == 16) &&
	    inet_ntop(len == 4 ? AF_INET : AF_INET6, mnl_attr_get_payload(a), buf, sizeof(buf)))
		nsl_set_str(L, k, buf);
}

/* Sets field k of the table on top to a->names[v] (v in range) or v. */
static void set_name(lua_State *L, const struct link_arg *a, unsigned int v)
{
	unsigned int i;

	for (i = 0; a->names[i] && i < v; i++)
		;
	if (i == v && a->names[i])
		nsl_set_str(L, a->key, a->names[i]);
	else
		nsl_set_int(L, a->key, v);
}

/* One attribute of a kind's IFLA_INFO_DATA (type t, payload len bytes)
 * into the table on top. */
typedef void attr_fn(lua_State *L, int t, const struct nlattr *a, size_t len);

/* Pushes a table of the settings in data, each attribute through one. */
static void push_data(lua_State *L, const struct nlattr *data, attr_fn *one)
{
	const struct nlattr *a;

	lua_createtable(L, 0, 4);
	mnl_attr_for_each_nested(a, data)
		one(L, mnl_attr_get_type(a), a, mnl_attr_get_payload_len(a));
}

/* vlan { id, protocol } */
static void vlan_attr(lua_State *L, int t, const struct nlattr *a, size_t len)
{
	if (t == IFLA_VLAN_ID && len >= 2)
		nsl_set_int(L, arg_vlan_id.key, mnl_attr_get_u16(a));
	else if (t == IFLA_VLAN_PROTOCOL && len >= 2)
		set_name(L, &opt_vlan_proto, ntohs(mnl_attr_get_u16(a)) == 0x88a8);
}

/* vxlan { vni, remote or group, local, port, ttl, tos, learning } */
static void vxlan_attr(lua_State *L, int t, const struct nlattr *a, size_t len)
{
	const uint8_t *p = mnl_attr_get_payload(a);

	if (t == IFLA_VXLAN_ID && len >= 4)
		nsl_set_int(L, arg_vni.key, mnl_attr_get_u32(a));
	else if (t == IFLA_VXLAN_GROUP || t == IFLA_VXLAN_GROUP6)
		set_ip(L, (len == 4 ? (*p & 0xf0) == 0xe0 : *p == 0xff) ?
		       opt_group.key : opt_remote.key, a);
	else if (t == IFLA_VXLAN_TTL && len >= 1)
		nsl_set_int(L, opt_ttl.key, mnl_attr_get_u8(a));
	else if (t == IFLA_VXLAN_TOS && len >= 1)
		nsl_set_int(L, opt_tos.key, mnl_attr_get_u8(a));
	else if (t == IFLA_VXLAN_LEARNING && len >= 1) {
		lua_pushboolean(L, mnl_attr_get_u8(a));
		lua_setfield(L, -2, opt_learning.key);
	} else if (t == IFLA_VXLAN_LOCAL || t == IFLA_VXLAN_LOCAL6)
		set_ip(L, opt_local.key, a);
	else if (t == IFLA_VXLAN_PORT && len >= 2)
		nsl_set_int(L, opt_port.key, ntohs(mnl_attr_get_u16(a)));
}

/* macvlan { mode }: the mode's bit */
static void macvlan_attr(lua_State *L, int t, const struct nlattr *a, size_t len)
{
	uint32_t m, i = 0;

	if (t != IFLA_MACVLAN_MODE || len < 4)
		return;
	m = mnl_attr_get_u32(a);
	while (opt_macvlan_mode.names[i] && m != 1u << i)
		i++;
	if (opt_macvlan_mode.names[i])
		set_name(L, &opt_macvlan_mode, i);
	else
		nsl_set_int(L, opt_macvlan_mode.key, m);
}

/* ipvlan { mode } */
static void ipvlan_attr(lua_State *L, int t, const struct nlattr *a, size_t len)
{
	if (t == IFLA_IPVLAN_MODE && len >= 2)
		set_name(L, &opt_ipvlan_mode, mnl_attr_get_u16(a));
}

/* bond { mode, miimon } */
static void bond_attr(lua_State *L, int t, const struct nlattr *a, size_t len)
{
	if (t == IFLA_BOND_MODE && len >= 1)
		set_name(L, &opt_bond_mode, mnl_attr_get_u8(a));
	else if (t == IFLA_BOND_MIIMON && len >= 4)
		nsl_set_int(L, opt_miimon.key, mnl_attr_get_u32(a));
}

/* vrf { table } */
static void vrf_attr(lua_State *L, int t, const struct nlattr *a, size_t len)
{
	if (t == IFLA_VRF_TABLE && len >= 4)
		nsl_set_int(L, arg_table.key, mnl_attr_get_u32(a));
}

/* geneve { vni, remote, port, ttl } */
static void geneve_attr(lua_State *L, int t, const struct nlattr *a, size_t len)
{
	if (t == IFLA_GENEVE_ID && len >= 4)
		nsl_set_int(L, arg_vni.key, mnl_attr_get_u32(a));
	else if (t == IFLA_GENEVE_REMOTE || t == IFLA_GENEVE_REMOTE6)
		set_ip(L, opt_remote.key, a);
	else if (t == IFLA_GENEVE_PORT && len >= 2)
		nsl_set_int(L, opt_port.key, ntohs(mnl_attr_get_u16(a)));
	else if (t == IFLA_GENEVE_TTL && len >= 1)
		nsl_set_int(L, opt_ttl.key, mnl_attr_get_u8(a));
}

/* gretap { remote, local, ttl } */
static void gretap_attr(lua_State *L, int t, const struct nlattr *a, size_t len)
{
	if (t == IFLA_GRE_REMOTE)
		set_ip(L, opt_remote.key, a);
	else if (t == IFLA_GRE_LOCAL)
		set_ip(L, opt_local.key, a);
	else if (t == IFLA_GRE_TTL && len >= 1)
		nsl_set_int(L, opt_ttl.key, mnl_attr_get_u8(a));
}

/* push_<kind>(L, data): the kind's entry's push. */
#define PUSH(kind) \
	static void push_##kind(lua_State *L, const struct nlattr *data) \
	{ push_data(L, data, kind##_attr); }
PUSH(vlan) PUSH(vxlan) PUSH(macvlan) PUSH(ipvlan) PUSH(bond) PUSH(vrf)
PUSH(geneve) PUSH(gretap)

/* The options every *_add takes (parse_common), then each kind's own. */
#define ADD_KEYS "ns mtu address up master group "
#define ARGS(...) ((const struct link_arg *const[]){ __VA_ARGS__, NULL })
#define NONE ((const struct link_arg *const[]){ NULL })

const struct link_kind link_kinds[] = {
	{ { "veth_add", link_add, 3, ADD_KEYS "peer_ns" }, "veth",
	  ARGS(&arg_peer), NONE, parse_veth, put_veth, NULL },
	{ { "bridge_add", link_add, 2, ADD_KEYS "vlan_filtering stp" }, "bridge",
	  NONE, NONE, parse_bridge, put_bridge, br_push_bridge },
	{ { "vlan_add", link_add, 4, ADD_KEYS "protocol" }, "vlan",
	  ARGS(&arg_parent, &arg_vlan_id), ARGS(&opt_vlan_proto),
	  parse_vlan, put_vlan, push_vlan },
	{ { "vxlan_add", link_add, 3, ADD_KEYS "link_ns remote local dev port ttl tos learning" }, "vxlan",
	  ARGS(&arg_vni), ARGS(&opt_remote, &opt_local, &opt_group, &opt_port, &opt_ttl,
	  &opt_tos, &opt_learning), parse_vxlan, put_vxlan, push_vxlan },
	{ { "macvlan_add", link_add, 3, ADD_KEYS "link_ns mode" }, "macvlan",
	  ARGS(&arg_parent), ARGS(&opt_macvlan_mode), parse_macvlan, put_macvlan,
	  push_macvlan },
	{ { "dummy_add", link_add, 2, ADD_KEYS }, "dummy", NONE, NONE, NULL, NULL, NULL },
	{ { "ipvlan_add", link_add, 3, ADD_KEYS "mode" }, "ipvlan",
	  ARGS(&arg_parent), ARGS(&opt_ipvlan_mode), parse_ipvlan, put_ipvlan, push_ipvlan },
	{ { "bond_add", link_add, 2, ADD_KEYS "mode miimon" }, "bond",
	  NONE, ARGS(&opt_bond_mode, &opt_miimon), parse_bond, put_bond, push_bond },
	{ { "vrf_add", link_add, 3, ADD_KEYS }, "vrf",
	  ARGS(&arg_table), NONE, parse_vrf, put_vrf, push_vrf },
	{ { "geneve_add", link_add, 3, ADD_KEYS "remote port ttl" }, "geneve",
	  ARGS(&arg_vni), ARGS(&opt_remote, &opt_port, &opt_ttl), parse_geneve, put_geneve,
	  push_geneve },
	{ { "gretap_add", link_add, 2, ADD_KEYS "remote local ttl" }, "gretap",
	  NONE, ARGS(&opt_remote, &opt_local, &opt_ttl), parse_gretap, put_gretap, push_gretap },
	{ { NULL, NULL, 0, NULL }, NULL, NULL, NULL, NULL, NULL, NULL }
};

/* See link.h. */
const struct link_kind *link_kind_find(const char *kind)
{
	const struct link_kind *k;

	for (k = link_kinds; k->p.name; k++)
		if (!strcmp(k->kind, kind))
			return k;
	return NULL;
}

/* Sets the fields type, min, max, names of the table on top from a. */
static void set_arg(lua_State *L, const struct link_arg *a)
{
	static const char *const types[] = {
		[LA_NAME] = "name", [LA_PARENT] = "parent", [LA_INT] = "integer",
		[LA_ADDR] = "address", [LA_BOOL] = "boolean", [LA_ENUM] = "enum",
	};
	int i;

	nsl_set_str(L, "type", types[a->type]);
	if (a->type == LA_INT) {
		nsl_set_int(L, "min", a->min);
		nsl_set_int(L, "max", a->max);
	}
	if (a->names) {
		lua_newtable(L);
		for (i = 0; a->names[i]; i++) {
			lua_pushstring(L, a->names[i]);
			lua_rawseti(L, -2, i + 1);
		}
		lua_setfield(L, -2, "names");
	}
}

/* See link.h. */
void link_push_kinds(lua_State *L)
{
	const struct link_kind *k;
	int i;

	lua_newtable(L);
	for (k = link_kinds; k->p.name; k++) {
		lua_createtable(L, 0, 2);
		lua_newtable(L);
		for (i = 0; k->args && k->args[i]; i++) {
			lua_createtable(L, 0, 4);
			nsl_set_str(L, "name", k->args[i]->key);
			set_arg(L, k->args[i]);
			lua_rawseti(L, -2, i + 1);
		}
		lua_setfield(L, -2, "args");
		lua_newtable(L);
		for (i = 0; k->opts && k->opts[i]; i++) {
			lua_createtable(L, 0, 4);
			set_arg(L, k->opts[i]);
			lua_setfield(L, -2, k->opts[i]->key);
		}
		lua_setfield(L, -2, "opts");
		lua_setfield(L, -2, k->kind);
	}
}
