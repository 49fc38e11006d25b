/*
 * linkkind.c - what each link kind takes, sends and reads back: the
 * entries of link_kinds[] (link.c's link_add makes every kind from
 * one), each with a parse function (its positional arguments and
 * options, names resolved, into a struct link_req) and a put function
 * (its IFLA_INFO_DATA); and the same settings read back from a link's
 * IFLA_INFO_DATA for linkinfo.c's records.  A new kind is one entry here
 * and, when it has settings worth reading back, a few lines of
 * link_push_kind_data.  A bridge's own settings are bridge.c's.
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

/* Index of s in names (up to NULL); raises "<prim>: <link>: unknown
 * <what> '<s>' (<list>)" when it is none of them. */
static int pick(struct link_req *r, const char *what, const char *s,
		const char *const *names, const char *list)
{
	int i;

	for (i = 0; names[i]; i++)
		if (!strcmp(names[i], s))
			return i;
	return nsl_fail(r->L, r->prim, r->name, EINVAL, "unknown %s '%s' (%s)",
			what, s, list);
}

/* The modes of the kinds that have one, by the names the *_add take and
 * link_get gives: the index is the kernel's value (a macvlan's: its bit,
 * MACVLAN_MODE_PRIVATE = 1 << 0 ...). */
static const char *const ipvlan_modes[] = { "l2", "l3", "l3s", NULL };
static const char *const bond_modes[] = {
	"balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad",
	"balance-tlb", "balance-alb", NULL
};
static const char *const macvlan_modes[] = {
	"private", "vepa", "bridge", "passthru", "source", NULL
};
static const char *const vlan_protos[] = { "802.1Q", "802.1ad", NULL };

/* See link.h: { macvlan = { mode = {...} }, ipvlan = ..., bond = ...,
 * vlan = { protocol = {...} } }, the names above, for nsl.topo.kinds to
 * check a description against before anything is made. */
void link_push_enums(lua_State *L)
{
	static const struct {
		const char *kind, *key;
		const char *const *names;
	} enums[] = {
		{ "macvlan", "mode", macvlan_modes }, { "ipvlan", "mode", ipvlan_modes },
		{ "bond", "mode", bond_modes }, { "vlan", "protocol", vlan_protos },
	};
	size_t i;
	int j;

	lua_createtable(L, 0, 4);
	for (i = 0; i < sizeof(enums) / sizeof(enums[0]); i++) {
		lua_createtable(L, 0, 1);
		lua_newtable(L);
		for (j = 0; enums[i].names[j]; j++) {
			lua_pushstring(L, enums[i].names[j]);
			lua_rawseti(L, -2, j + 1);
		}
		lua_setfield(L, -2, enums[i].key);
		lua_setfield(L, -2, enums[i].kind);
	}
}

/* vlan_add(name, parent, id, opts{protocol}). */
static void parse_vlan(struct link_req *r)
{
	r->id = luaL_checkinteger(r->L, 3);
	nsl_check_range(r->L, r->prim, r->name, "VLAN id", r->id, 1, 4094);
	r->proto = pick(r, "protocol", nsl_opt_str(&r->o, "protocol", "802.1Q"),
			vlan_protos, "802.1Q, 802.1ad") ? 0x88a8 : 0x8100;
}

static void put_vlan(struct link_req *r)
{
	nl_put_u16(&r->q, IFLA_VLAN_ID, (uint16_t)r->id);
	nl_put_u16(&r->q, IFLA_VLAN_PROTOCOL, htons(r->proto));
}

/* ipvlan_add(name, parent, opts{mode}). */
static void parse_ipvlan(struct link_req *r)
{
	r->mode = (uint32_t)pick(r, "ipvlan mode", nsl_opt_str(&r->o, "mode", "l3"),
				 ipvlan_modes, "l2, l3, l3s");
}

static void put_ipvlan(struct link_req *r)
{
	nl_put_u16(&r->q, IFLA_IPVLAN_MODE, (uint16_t)r->mode);
}

/* bond_add(name, opts{mode, miimon}). */
static void parse_bond(struct link_req *r)
{
	r->mode = (uint32_t)pick(r, "bond mode", nsl_opt_str(&r->o, "mode", "balance-rr"),
				 bond_modes, "balance-rr, active-backup, balance-xor, broadcast, "
				 "802.3ad, balance-tlb, balance-alb");
	r->miimon = nsl_opt_int(&r->o, "miimon", 0, INT32_MAX, -1);
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
	r->id = luaL_checkinteger(r->L, 2);
	nsl_check_range(r->L, r->prim, r->name, "table", r->id, 1, UINT32_MAX);
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
	int gfam = nsl_opt_type(&r->o, "group") == LUA_TSTRING ? ip_opt(r, "group", group) : 0;

	r->id = luaL_checkinteger(r->L, 2);
	nsl_check_range(r->L, r->prim, r->name, "VNI", r->id, 0, (1 << 24) - 1);
	r->port = (int)nsl_opt_int(&r->o, "port", 1, 65535, 4789);
	r->remote_fam = ip_opt(r, "remote", r->remote);
	r->local_fam = ip_opt(r, "local", r->local);
	if (gfam && r->remote_fam)
		nsl_fail(r->L, r->prim, r->name, EINVAL, "options 'remote' and 'group' exclude each other");
	if (gfam && !(gfam == AF_INET ? (group[0] & 0xf0) == 0xe0 : group[0] == 0xff))
		nsl_fail(r->L, r->prim, r->name, EINVAL, "group '%s': not a multicast address",
			 nsl_opt_str(&r->o, "group", ""));
	if (gfam) {
		r->remote_fam = gfam;
		memcpy(r->remote, group, sizeof(group));
	}
	r->ttl = nsl_opt_int(&r->o, "ttl", 0, 255, -1);
	r->tos = nsl_opt_int(&r->o, "tos", 0, 255, -1);
	r->learning = nsl_opt_bool(&r->o, "learning", -1);
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
	r->id = luaL_checkinteger(r->L, 2);
	nsl_check_range(r->L, r->prim, r->name, "VNI", r->id, 0, (1 << 24) - 1);
	r->port = (int)nsl_opt_int(&r->o, "port", 1, 65535, 6081);
	r->remote_fam = ip_opt(r, "remote", r->remote);
	if (!r->remote_fam)
		nsl_fail(r->L, r->prim, r->name, EINVAL, "option 'remote' is required");
	r->miimon = nsl_opt_int(&r->o, "ttl", 0, 255, -1);
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
	r->remote_fam = ip_opt(r, "remote", r->remote);
	r->local_fam = ip_opt(r, "local", r->local);
	if (!r->remote_fam)
		nsl_fail(r->L, r->prim, r->name, EINVAL, "option 'remote' is required");
	if (r->remote_fam != AF_INET || (r->local_fam && r->local_fam != AF_INET))
		nsl_fail(r->L, r->prim, r->name, EINVAL, "gretap is IPv4: remote and local must be IPv4 addresses");
	r->miimon = nsl_opt_int(&r->o, "ttl", 0, 255, -1);
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
	r->mode = 1u << pick(r, "macvlan mode", nsl_opt_str(&r->o, "mode", "bridge"),
			     macvlan_modes, "private, vepa, bridge, passthru, source");
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

/* The options every *_add takes (parse_common), then each kind's own. */
#define ADD_KEYS "ns mtu address up master group "

const struct link_kind link_kinds[] = {
	{ { "veth_add", link_add, 3, ADD_KEYS "peer_ns" }, "veth", 1, 0,
	  parse_veth, put_veth },
	{ { "bridge_add", link_add, 2, ADD_KEYS "vlan_filtering stp" }, "bridge", 0, 0,
	  parse_bridge, put_bridge },
	{ { "vlan_add", link_add, 4, ADD_KEYS "protocol" }, "vlan", 2, 2,
	  parse_vlan, put_vlan },
	{ { "vxlan_add", link_add, 3, ADD_KEYS "link_ns remote local dev port ttl tos learning" }, "vxlan", 1, 0,
	  parse_vxlan, put_vxlan },
	{ { "macvlan_add", link_add, 3, ADD_KEYS "link_ns mode" }, "macvlan", 1, 2,
	  parse_macvlan, put_macvlan },
	{ { "dummy_add", link_add, 2, ADD_KEYS }, "dummy", 0, 0, NULL, NULL },
	{ { "ipvlan_add", link_add, 3, ADD_KEYS "mode" }, "ipvlan", 1, 2,
	  parse_ipvlan, put_ipvlan },
	{ { "bond_add", link_add, 2, ADD_KEYS "mode miimon" }, "bond", 0, 0,
	  parse_bond, put_bond },
	{ { "vrf_add", link_add, 3, ADD_KEYS }, "vrf", 1, 0, parse_vrf, put_vrf },
	{ { "geneve_add", link_add, 3, ADD_KEYS "remote port ttl" }, "geneve", 1, 0,
	  parse_geneve, put_geneve },
	{ { "gretap_add", link_add, 2, ADD_KEYS "remote local ttl" }, "gretap", 0, 0,
	  parse_gretap, put_gretap },
	{ { NULL, NULL, 0, NULL }, NULL, 0, 0, NULL, NULL }
};

/* Sets field k of the table on top to an IPv4 or IPv6 address. */
static void set_ip(lua_State *L, const char *k, const struct nlattr *a)
{
	char buf[INET6_ADDRSTRLEN];
	size_t len = mnl_attr_get_payload_len(a);

	if ((len == 4 || len == 16) &&
	    inet_ntop(len == 4 ? AF_INET : AF_INET6, mnl_attr_get_payload(a), buf, sizeof(buf)))
		nsl_set_str(L, k, buf);
}

/* Sets field k of the table on top to names[v] (v in range) or v. */
static void set_name(lua_State *L, const char *k, const char *const *names,
		     unsigned int n, unsigned int v)
{
	if (v < n && names[v])
		nsl_set_str(L, k, names[v]);
	else
		nsl_set_int(L, k, v);
}

/* Pushes the settings of a link of kind from its IFLA_INFO_DATA as a
 * table: vlan { id, protocol }, vxlan { vni, remote or group, local, port,
 * ttl, tos, learning },
 * macvlan/ipvlan { mode }, bond { mode, miimon }, vrf { table }, geneve
 * { vni, remote, port, ttl }, gretap { remote, local, ttl }; nothing
 * (returns 0) for another kind. */
int link_push_kind_data(lua_State *L, const char *kind, const struct nlattr *data)
{
	const struct nlattr *a;
	int vlan = !strcmp(kind, "vlan"), vxlan = !strcmp(kind, "vxlan"),
	    macvlan = !strcmp(kind, "macvlan"), ipvlan = !strcmp(kind, "ipvlan"),
	    bond = !strcmp(kind, "bond"), vrf = !strcmp(kind, "vrf"),
	    geneve = !strcmp(kind, "geneve"), gretap = !strcmp(kind, "gretap");

	if (!(vlan || vxlan || macvlan || ipvlan || bond || vrf || geneve || gretap))
		return 0;
	lua_createtable(L, 0, 4);
	mnl_attr_for_each_nested(a, data) {
		int t = mnl_attr_get_type(a);
		size_t len = mnl_attr_get_payload_len(a);

		if (vlan && t == IFLA_VLAN_ID && len >= 2)
			nsl_set_int(L, "id", mnl_attr_get_u16(a));
		else if (vlan && t == IFLA_VLAN_PROTOCOL && len >= 2)
			nsl_set_str(L, "protocol", ntohs(mnl_attr_get_u16(a)) == 0x88a8 ?
				"802.1ad" : "802.1Q");
		else if (vxlan && t == IFLA_VXLAN_ID && len >= 4)
			nsl_set_int(L, "vni", mnl_attr_get_u32(a));
		else if (vxlan && (t == IFLA_VXLAN_GROUP || t == IFLA_VXLAN_GROUP6))
			set_ip(L, (len == 4 ? (*(const uint8_t *)mnl_attr_get_payload(a) & 0xf0) == 0xe0 :
				   *(const uint8_t *)mnl_attr_get_payload(a) == 0xff) ? "group" : "remote", a);
		else if (vxlan && t == IFLA_VXLAN_TTL && len >= 1)
			nsl_set_int(L, "ttl", mnl_attr_get_u8(a));
		else if (vxlan && t == IFLA_VXLAN_TOS && len >= 1)
			nsl_set_int(L, "tos", mnl_attr_get_u8(a));
		else if (vxlan && t == IFLA_VXLAN_LEARNING && len >= 1) {
			lua_pushboolean(L, mnl_attr_get_u8(a));
			lua_setfield(L, -2, "learning");
		}
		else if (vxlan && (t == IFLA_VXLAN_LOCAL || t == IFLA_VXLAN_LOCAL6))
			set_ip(L, "local", a);
		else if (vxlan && t == IFLA_VXLAN_PORT && len >= 2)
			nsl_set_int(L, "port", ntohs(mnl_attr_get_u16(a)));
		else if (macvlan && t == IFLA_MACVLAN_MODE && len >= 4) {
			uint32_t m = mnl_attr_get_u32(a), i = 0;

			while (i < 5 && m != 1u << i)
				i++;
			if (i < 5)
				nsl_set_str(L, "mode", macvlan_modes[i]);
			else
				nsl_set_int(L, "mode", m);
		}
		else if (ipvlan && t == IFLA_IPVLAN_MODE && len >= 2)
			set_name(L, "mode", ipvlan_modes, 3, mnl_attr_get_u16(a));
		else if (bond && t == IFLA_BOND_MODE && len >= 1)
			set_name(L, "mode", bond_modes, 7, mnl_attr_get_u8(a));
		else if (bond && t == IFLA_BOND_MIIMON && len >= 4)
			nsl_set_int(L, "miimon", mnl_attr_get_u32(a));
		else if (vrf && t == IFLA_VRF_TABLE && len >= 4)
			nsl_set_int(L, "table", mnl_attr_get_u32(a));
		else if (geneve && t == IFLA_GENEVE_ID && len >= 4)
			nsl_set_int(L, "vni", mnl_attr_get_u32(a));
		else if (geneve && (t == IFLA_GENEVE_REMOTE || t == IFLA_GENEVE_REMOTE6))
			set_ip(L, "remote", a);
		else if (geneve && t == IFLA_GENEVE_PORT && len >= 2)
			nsl_set_int(L, "port", ntohs(mnl_attr_get_u16(a)));
		else if (geneve && t == IFLA_GENEVE_TTL && len >= 1)
			nsl_set_int(L, "ttl", mnl_attr_get_u8(a));
		else if (gretap && t == IFLA_GRE_REMOTE)
			set_ip(L, "remote", a);
		else if (gretap && t == IFLA_GRE_LOCAL)
			set_ip(L, "local", a);
		else if (gretap && t == IFLA_GRE_TTL && len >= 1)
			nsl_set_int(L, "ttl", mnl_attr_get_u8(a));
	}
	return 1;
}
