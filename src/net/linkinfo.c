/*
 * linkinfo.c - links read back as plain Lua tables (RTM_GETLINK):
 * link_get(link, opts), link_list(opts), and link_exists(link, opts).
 *
 * A record holds name, index, kind, up (administrative), state
 * (operational), mtu, address, master (a name), alias, and for a veth its
 * peer (a name; with peer_ns when the peer is in another named namespace),
 * for a vlan or macvlan its parent.  The kernel reports masters and peers
 * by index (and a peer elsewhere by namespace id): names are resolved
 * after the dump, since nothing may talk netlink while a dump is read.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/ipv6.h>
#include <linux/if_link.h>
#include <linux/if_tunnel.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <dirent.h>

#include "bridge.h"
#include "nl.h"

#define LIST_META "nsl.link_list"

static const char *const oper_names[] = {
	"unknown", "notpresent", "down", "lowerlayerdown", "testing",
	"dormant", "up"
};

struct dump {
	lua_State *L;
	int list;		/* stack index of the array being filled */
};

/* Sets field k of the table on top to v. */
static void set_int(lua_State *L, const char *k, lua_Integer v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, k);
}

/* Sets field k of the table on top to v. */
static void set_str(lua_State *L, const char *k, const char *v)
{
	lua_pushstring(L, v);
	lua_setfield(L, -2, k);
}

/* Sets field k of the table on top to an IPv4 or IPv6 address. */
static void set_ip(lua_State *L, const char *k, const struct nlattr *a)
{
	char buf[INET6_ADDRSTRLEN];
	size_t len = mnl_attr_get_payload_len(a);

	if ((len == 4 || len == 16) &&
	    inet_ntop(len == 4 ? AF_INET : AF_INET6, mnl_attr_get_payload(a), buf, sizeof(buf)))
		set_str(L, k, buf);
}

/* Sets field k of the table on top to names[v] (v in range) or v. */
static void set_name(lua_State *L, const char *k, const char *const *names,
		     unsigned int n, unsigned int v)
{
	if (v < n && names[v])
		set_str(L, k, names[v]);
	else
		set_int(L, k, v);
}

static const char *const ipvlan_modes[] = { "l2", "l3", "l3s" };
static const char *const bond_modes[] = {
	"balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad",
	"balance-tlb", "balance-alb"
};

/* Pushes the settings of a link of kind from its IFLA_INFO_DATA as a
 * table: vlan { id, protocol }, vxlan { vni, remote or group, local, port,
 * ttl, tos, learning },
 * macvlan/ipvlan { mode }, bond { mode, miimon }, vrf { table }, geneve
 * { vni, remote, port, ttl }, gretap { remote, local, ttl }; nothing
 * (returns 0) for another kind. */
static int push_kind_data(lua_State *L, const char *kind, const struct nlattr *data)
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
			set_int(L, "id", mnl_attr_get_u16(a));
		else if (vlan && t == IFLA_VLAN_PROTOCOL && len >= 2)
			set_str(L, "protocol", ntohs(mnl_attr_get_u16(a)) == 0x88a8 ?
				"802.1ad" : "802.1Q");
		else if (vxlan && t == IFLA_VXLAN_ID && len >= 4)
			set_int(L, "vni", mnl_attr_get_u32(a));
		else if (vxlan && (t == IFLA_VXLAN_GROUP || t == IFLA_VXLAN_GROUP6))
			set_ip(L, (len == 4 ? (*(const uint8_t *)mnl_attr_get_payload(a) & 0xf0) == 0xe0 :
				   *(const uint8_t *)mnl_attr_get_payload(a) == 0xff) ? "group" : "remote", a);
		else if (vxlan && t == IFLA_VXLAN_TTL && len >= 1)
			set_int(L, "ttl", mnl_attr_get_u8(a));
		else if (vxlan && t == IFLA_VXLAN_TOS && len >= 1)
			set_int(L, "tos", mnl_attr_get_u8(a));
		else if (vxlan && t == IFLA_VXLAN_LEARNING && len >= 1) {
			lua_pushboolean(L, mnl_attr_get_u8(a));
			lua_setfield(L, -2, "learning");
		}
		else if (vxlan && (t == IFLA_VXLAN_LOCAL || t == IFLA_VXLAN_LOCAL6))
			set_ip(L, "local", a);
		else if (vxlan && t == IFLA_VXLAN_PORT && len >= 2)
			set_int(L, "port", ntohs(mnl_attr_get_u16(a)));
		else if (macvlan && t == IFLA_MACVLAN_MODE && len >= 4)
			switch (mnl_attr_get_u32(a)) {
			case MACVLAN_MODE_PRIVATE: set_str(L, "mode", "private"); break;
			case MACVLAN_MODE_VEPA: set_str(L, "mode", "vepa"); break;
			case MACVLAN_MODE_BRIDGE: set_str(L, "mode", "bridge"); break;
			case MACVLAN_MODE_PASSTHRU: set_str(L, "mode", "passthru"); break;
			case MACVLAN_MODE_SOURCE: set_str(L, "mode", "source"); break;
			default: set_int(L, "mode", mnl_attr_get_u32(a));
			}
		else if (ipvlan && t == IFLA_IPVLAN_MODE && len >= 2)
			set_name(L, "mode", ipvlan_modes, 3, mnl_attr_get_u16(a));
		else if (bond && t == IFLA_BOND_MODE && len >= 1)
			set_name(L, "mode", bond_modes, 7, mnl_attr_get_u8(a));
		else if (bond && t == IFLA_BOND_MIIMON && len >= 4)
			set_int(L, "miimon", mnl_attr_get_u32(a));
		else if (vrf && t == IFLA_VRF_TABLE && len >= 4)
			set_int(L, "table", mnl_attr_get_u32(a));
		else if (geneve && t == IFLA_GENEVE_ID && len >= 4)
			set_int(L, "vni", mnl_attr_get_u32(a));
		else if (geneve && (t == IFLA_GENEVE_REMOTE || t == IFLA_GENEVE_REMOTE6))
			set_ip(L, "remote", a);
		else if (geneve && t == IFLA_GENEVE_PORT && len >= 2)
			set_int(L, "port", ntohs(mnl_attr_get_u16(a)));
		else if (geneve && t == IFLA_GENEVE_TTL && len >= 1)
			set_int(L, "ttl", mnl_attr_get_u8(a));
		else if (gretap && t == IFLA_GRE_REMOTE)
			set_ip(L, "remote", a);
		else if (gretap && t == IFLA_GRE_LOCAL)
			set_ip(L, "local", a);
		else if (gretap && t == IFLA_GRE_TTL && len >= 1)
			set_int(L, "ttl", mnl_attr_get_u8(a));
	}
	return 1;
}

/* Sets field kind of the table on top from IFLA_LINKINFO, and a field
 * named by the kind with its settings (push_kind_data; a bridge's and a
 * bridge port's are bridge.c's: fields bridge and bridge_port). */
static void put_kind(lua_State *L, const struct nlattr *info)
{
	const struct nlattr *a, *data = NULL, *slave = NULL;
	const char *kind = NULL, *slave_kind = NULL;

	mnl_attr_for_each_nested(a, info) {
		if (mnl_attr_get_type(a) == IFLA_INFO_KIND)
			kind = mnl_attr_get_str(a);
		if (mnl_attr_get_type(a) == IFLA_INFO_DATA)
			data = a;
		if (mnl_attr_get_type(a) == IFLA_INFO_SLAVE_KIND)
			slave_kind = mnl_attr_get_str(a);
		if (mnl_attr_get_type(a) == IFLA_INFO_SLAVE_DATA)
			slave = a;
	}
	if (slave && slave_kind && !strcmp(slave_kind, "bridge")) {
		br_push_port(L, slave);
		lua_setfield(L, -2, "bridge_port");
	}
	if (!kind)
		return;
	set_str(L, "kind", kind);
	if (data && !strcmp(kind, "bridge")) {
		br_push_bridge(L, data);
		lua_setfield(L, -2, kind);
	} else if (data && push_kind_data(L, kind, data)) {
		lua_setfield(L, -2, kind);
	}
}

/* Sets field nodad of the table on top from IFLA_AF_SPEC: true when the
 * link does no IPv6 duplicate address detection (accept_dad <= 0). */
static void put_inet6(lua_State *L, const struct nlattr *spec)
{
	const struct nlattr *af, *a;

	mnl_attr_for_each_nested(af, spec) {
		if (mnl_attr_get_type(af) != AF_INET6)
			continue;
		mnl_attr_for_each_nested(a, af) {
			const int32_t *conf = mnl_attr_get_payload(a);

			if (mnl_attr_get_type(a) != IFLA_INET6_CONF ||
			    mnl_attr_get_payload_len(a) <
			    (DEVCONF_ACCEPT_DAD + 1) * sizeof(int32_t))
				continue;
			lua_pushboolean(L, conf[DEVCONF_ACCEPT_DAD] <= 0);
			lua_setfield(L, -2, "nodad");
		}
	}
}

/* One RTM_NEWLINK of a dump: appends its record to the array.  Indexes
 * to resolve later are kept in fields _master, _link, _netnsid. */
static int link_cb(const struct nlmsghdr *h, void *data)
{
	struct dump *d = data;
	lua_State *L = d->L;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
	const struct nlattr *a;
	char mac[3 * 32];

	if (h->nlmsg_type != RTM_NEWLINK)
		return 0;
	lua_createtable(L, 0, 12);
	set_int(L, "index", ifi->ifi_index);
	lua_pushboolean(L, (ifi->ifi_flags & IFF_UP) != 0);
	lua_setfield(L, -2, "up");
	mnl_attr_for_each(a, h, sizeof(*ifi)) {
		unsigned int i, len = mnl_attr_get_payload_len(a);
		const unsigned char *p = mnl_attr_get_payload(a);

		switch (mnl_attr_get_type(a)) {
		case IFLA_IFNAME:
			set_str(L, "name", mnl_attr_get_str(a));
			break;
		case IFLA_MTU:
			set_int(L, "mtu", mnl_attr_get_u32(a));
			break;
		case IFLA_OPERSTATE:
			if (*p < sizeof(oper_names) / sizeof(oper_names[0]))
				set_str(L, "state", oper_names[*p]);
			break;
		case IFLA_ADDRESS:
			if (len == 0 || len > 32)
				break;
			for (i = 0; i < len; i++)
				snprintf(mac + 3 * i, 4, "%02x:", p[i]);
			mac[3 * len - 1] = '\0';
			set_str(L, "address", mac);
			break;
		case IFLA_MASTER:
			set_int(L, "_master", mnl_attr_get_u32(a));
			break;
		case IFLA_LINK:
			set_int(L, "_link", mnl_attr_get_u32(a));
			break;
		case IFLA_LINK_NETNSID:
			set_int(L, "_netnsid", (int32_t)mnl_attr_get_u32(a));
			break;
		case IFLA_IFALIAS:
			if (len > 1)
				set_str(L, "alias", mnl_attr_get_str(a));
			break;
		case IFLA_LINKINFO:
			put_kind(L, a);
			break;
		case IFLA_AF_SPEC:
			put_inet6(L, a);
			break;
		}
	}
	lua_rawseti(L, d->list, (lua_Integer)lua_rawlen(L, d->list) + 1);
	return 0;
}

/* Sends a GETLINK (one link by name, or a dump) for ns, filling the
 * array at the top of the stack; raises as prim on error. */
static void get_links(lua_State *L, struct nl_ns *ns, const char *prim,
		      const char *name)
{
	struct nl_req q;
	struct dump d = { L, lua_gettop(L) };

	nl_req_start(&q, L, prim, name ? name : ns->name[0] ? ns->name : "links",
		     RTM_GETLINK, name ? 0 : NLM_F_DUMP, sizeof(struct ifinfomsg));
	if (name)
		nl_put_strz(&q, IFLA_IFNAME, name);
	nl_put_u32(&q, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	nl_req_do(&q, ns, link_cb, &d);
}

struct nsid_ctx {
	int nsid;
};

/* Reply to RTM_GETNSID: keeps NETNSA_NSID. */
static int nsid_cb(const struct nlmsghdr *h, void *data)
{
	struct nsid_ctx *c = data;
	const struct nlattr *a;

	mnl_attr_for_each(a, h, sizeof(struct rtgenmsg))
		if (mnl_attr_get_type(a) == NETNSA_NSID)
			c->nsid = (int32_t)mnl_attr_get_u32(a);
	return 0;
}

/* The id that ns gives to the namespace other, or -1. */
static int nsid_of(lua_State *L, struct nl_ns *ns, struct nl_ns *other)
{
	struct nl_req q;
	struct rtgenmsg *g;
	struct nsid_ctx c = { -1 };

	g = nl_req_start(&q, L, "link_list", ns->name, RTM_GETNSID, 0, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	nl_put_u32(&q, NETNSA_FD, (uint32_t)other->fd);
	if (nl_talk(L, ns, q.buf, q.nlh->nlmsg_len, nsid_cb, &c, NULL, 0) < 0)
		return -1;
	return c.nsid;
}

#define NSID_BATCH 32

struct nsid_reply {
	unsigned int first;	/* sequence number of the first request */
	int id[NSID_BATCH];
};

/* Reply to the request numbered seq of a batch: keeps its NETNSA_NSID. */
static int batch_cb(const struct nlmsghdr *h, void *data)
{
	struct nsid_reply *r = data;
	unsigned int j = h->nlmsg_seq - r->first;
	const struct nlattr *a;

	if (j >= NSID_BATCH)
		return 0;
	mnl_attr_for_each(a, h, sizeof(struct rtgenmsg))
		if (mnl_attr_get_type(a) == NETNSA_NSID)
			r->id[j] = (int32_t)mnl_attr_get_u32(a);
	return 0;
}

/* Asks ns, in one datagram, for its ids of the namespaces names[lo..hi]
 * (at most NSID_BATCH), opened only for the request (the cache is left
 * alone); records the answers in map.  Nothing raises while fds are open.
 * Returns how many names it took (fewer when fds ran out). */
static int nsid_batch(lua_State *L, struct nl_ns *ns, int map, int names,
		       int lo, int hi)
{
	char path[sizeof(NSL_NETNS_DIR) + NAME_MAX + 1];
	const char *name[NSID_BATCH];
	int fd[NSID_BATCH], k, m = 0;
	struct nsid_reply r;
	struct nl_req q;

	for (k = lo; k <= hi; k++) {
		lua_rawgeti(L, names, k);
		name[k - lo] = lua_tostring(L, -1);	/* names keeps it */
		lua_pop(L, 1);
	}
	for (k = 0; k <= hi - lo; k++) {
		struct rtgenmsg *g;

		snprintf(path, sizeof(path), NSL_NETNS_DIR "/%s", name[k]);
		fd[k] = open(path, O_RDONLY | O_CLOEXEC);
		r.id[k] = -1;
		if (fd[k] < 0 && errno == EMFILE && k > 0) {
			hi = lo + k - 1;	/* out of fds: the rest next time */
			break;
		}
		if (fd[k] < 0)
			continue;
		/* 32 small messages fit NL_REQ_SIZE: no put raises here */
		g = m == 0 ? nl_req_start(&q, L, "link_list", ns->name,
					  RTM_GETNSID, 0, sizeof(*g)) :
			     nl_req_next(&q, RTM_GETNSID, 0, sizeof(*g));
		g->rtgen_family = AF_UNSPEC;
		nl_put_u32(&q, NETNSA_FD, (uint32_t)fd[k]);
		m++;
	}
	r.first = ns->seq + 1;	/* nl_talk numbers the batch from here */
	if (m) {
		struct nsid_reply got = r;
		int j = 0;

		nl_talk(L, ns, q.buf, nl_req_len(&q), batch_cb, &got, NULL, 0);
		for (k = 0; k <= hi - lo; k++)	/* replies are in request order */
			if (fd[k] >= 0)
				r.id[k] = got.id[j++];
	}
	for (k = 0; k <= hi - lo; k++)
		if (fd[k] >= 0)
			close(fd[k]);
	for (k = 0; k <= hi - lo; k++)
		if (r.id[k] >= 0) {
			lua_pushstring(L, name[k]);
			lua_rawseti(L, map, r.id[k]);
		}
	return hi - lo + 1;
}

/* Records in the table at map: namespace id (as ns numbers it) -> name
 * ("" for the start namespace).  Level 1 asks about the start namespace
 * and those in the socket cache (where a peer usually is: the script
 * just used it); level 2 about every one under /run/netns, a request
 * each. */
static void fill_nsid_map(lua_State *L, struct nl_ns *ns, int map, int level)
{
	struct nl_ns *home = nl_ns(L, "link_list", NULL), *cand[NL_CACHE_MAX];
	struct dirent *e;
	DIR *dir;
	int id, names, i, n;

	if (level == 1) {
		if (ns != home && (id = nsid_of(L, ns, home)) >= 0) {
			lua_pushliteral(L, "");
			lua_rawseti(L, map, id);
		}
		n = nl_cached(L, cand, NL_CACHE_MAX);
		for (i = 0; i < n; i++)
			if (cand[i] != ns && (id = nsid_of(L, ns, cand[i])) >= 0) {
				lua_pushstring(L, cand[i]->name);
				lua_rawseti(L, map, id);
			}
		return;
	}
	/* names first, so that nothing can raise while the DIR is open */
	lua_newtable(L);
	names = lua_gettop(L);
	dir = opendir(NSL_NETNS_DIR);
	n = 0;
	while (dir && (e = readdir(dir)))
		if (e->d_name[0] != '.') {
			lua_pushstring(L, e->d_name);
			lua_rawseti(L, names, ++n);
		}
	if (dir)
		closedir(dir);
	for (i = 1; i <= n; )
		i += nsid_batch(L, ns, map, names, i,
				n < i + NSID_BATCH - 1 ? n : i + NSID_BATCH - 1);
	lua_pop(L, 1);
}

/* Pops an integer field of the record on top (0 when absent). */
static lua_Integer take(lua_State *L, const char *k, int *present)
{
	lua_Integer v;

	*present = lua_getfield(L, -1, k) != LUA_TNIL;
	v = lua_tointeger(L, -1);
	lua_pop(L, 1);
	lua_pushnil(L);
	lua_setfield(L, -2, k);
	return v;
}

/* Name of index in ns: from the dump itself (names, a table index->name
 * at stack index `names`, 0 when not a full dump) or asked. */
static void push_ifname(lua_State *L, struct nl_ns *ns, int names, int index)
{
	char buf[IFNAMSIZ];

	if (names && lua_rawgeti(L, names, index) != LUA_TNIL)
		return;
	if (names)
		lua_pop(L, 1);
	if (nl_ifname(L, ns, index, buf) == 0 && buf[0])
		lua_pushstring(L, buf);
	else
		lua_pushnil(L);
}

/* Replaces the _master/_link/_netnsid indexes of every record of the
 * array at list by names: master, peer (+ peer_ns) or parent. */
static void resolve(lua_State *L, struct nl_ns *ns, int list, int full)
{
	lua_Integer i, n = (lua_Integer)lua_rawlen(L, list), idx, nsid;
	int names = 0, map, level = 0, has, has_nsid;

	if (full) {
		lua_newtable(L);
		names = lua_gettop(L);
		for (i = 1; i <= n; i++) {
			lua_rawgeti(L, list, i);
			lua_getfield(L, -1, "index");
			lua_getfield(L, -2, "name");
			lua_rawset(L, names);
			lua_pop(L, 1);
		}
	}
	lua_newtable(L);
	map = lua_gettop(L);
	for (i = 1; i <= n; i++) {
		const char *field;

		lua_rawgeti(L, list, i);
		idx = take(L, "_master", &has);
		if (has) {
			push_ifname(L, ns, names, (int)idx);
			lua_setfield(L, -2, "master");
		}
		nsid = take(L, "_netnsid", &has_nsid);
		idx = take(L, "_link", &has);
		lua_getfield(L, -1, "kind");
		field = lua_isstring(L, -1) && !strcmp(lua_tostring(L, -1), "veth") ?
			"peer" : "parent";
		lua_pop(L, 1);
		lua_getfield(L, -1, "index");
		if (!has_nsid && lua_tointeger(L, -1) == idx)
			has = 0;	/* a link of its own (ipip, ...) */
		lua_pop(L, 1);
		if (has && idx > 0 && !has_nsid) {
			push_ifname(L, ns, names, (int)idx);
			lua_setfield(L, -2, field);
		} else if (has && idx > 0) {
			struct nl_ns *other;

			lua_rawgeti(L, map, nsid);
			while (lua_isnil(L, -1) && level < 2) {
				lua_pop(L, 1);
				fill_nsid_map(L, ns, map, ++level);
				lua_rawgeti(L, map, nsid);
			}
			if (lua_type(L, -1) == LUA_TSTRING) {
				const char *nsname = lua_tostring(L, -1);

				nl_touch(L, ns);	/* never the one evicted */
				other = nsname[0] ? nl_ns_try(L, nsname) :
						    nl_ns(L, "link_list", NULL);
				lua_setfield(L, -2, "peer_ns");
				if (other) {
					push_ifname(L, other, 0, (int)idx);
					lua_setfield(L, -2, field);
				}
			} else {
				lua_pop(L, 1);
			}
		}
		lua_pop(L, 1);
	}
	lua_settop(L, list);
}

/* link_list(opts): pushes an array of link records of opts.ns, its
 * metatable named LIST_META (nsl.pretty shows it as columns).  Raises
 * "link_list: <ns>: <reason>". */
static int l_link_list(lua_State *L)
{
	struct nsl_opts o;
	struct nl_ns *ns;
	int list;

	nsl_opts_begin(L, &o, nsl_self(L), 0);
	ns = nl_opts_ns(&o);
	lua_settop(L, 1);
	lua_newtable(L);
	list = lua_gettop(L);
	get_links(L, ns, "link_list", NULL);
	resolve(L, ns, list, 1);
	luaL_newmetatable(L, LIST_META);
	lua_setmetatable(L, list);
	return 1;
}

struct dad_state {
	int index, tentative, dadfailed;
};

/* One RTM_NEWADDR (IPv6): notes whether an address of the link is still
 * in duplicate address detection, or failed it. */
static int dad_cb(const struct nlmsghdr *h, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(h);
	struct dad_state *st = data;
	const struct nlattr *a;
	uint32_t flags;

	if (h->nlmsg_type != RTM_NEWADDR || (int)ifa->ifa_index != st->index)
		return 0;
	flags = ifa->ifa_flags;
	mnl_attr_for_each(a, h, sizeof(*ifa))
		if (mnl_attr_get_type(a) == IFA_FLAGS && mnl_attr_get_payload_len(a) >= 4)
			flags = mnl_attr_get_u32(a);
	st->tentative |= (flags & IFA_F_TENTATIVE) != 0;
	st->dadfailed |= (flags & IFA_F_DADFAILED) != 0;
	return 0;
}

/* Sets tentative and dadfailed of the record on top: whether an IPv6
 * address of link index is still in DAD, or failed it (one dump). */
static void put_dad(lua_State *L, struct nl_ns *ns, const char *name, int index)
{
	char buf[256] = { 0 };	/* padding goes out too */
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	struct dad_state st = { index, 0, 0 };

	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET6;
	nl_do(L, ns, nlh, dad_cb, &st, "link_get", name);
	lua_pushboolean(L, st.tentative);
	lua_setfield(L, -2, "tentative");
	lua_pushboolean(L, st.dadfailed);
	lua_setfield(L, -2, "dadfailed");
}

/* link_get(link, opts): pushes the record of one link, with its IPv6
 * DAD state (tentative, dadfailed; nodad from the link itself).  Raises
 * "link_get: <link>: No such device". */
static int l_link_get(lua_State *L)
{
	const char *name = nsl_checkstring(L, 1, "link_get");
	struct nsl_opts o;
	struct nl_ns *ns;
	int list, index;

	nsl_opts_begin(L, &o, nsl_self(L), 0);
	nl_check_ifname(L, "link_get", name);
	ns = nl_opts_ns(&o);
	lua_settop(L, 2);
	lua_newtable(L);
	list = lua_gettop(L);
	get_links(L, ns, "link_get", name);
	resolve(L, ns, list, 0);
	if (lua_rawgeti(L, list, 1) == LUA_TNIL)
		return nsl_fail(L, "link_get", name, ENODEV, NULL);
	lua_getfield(L, -1, "index");
	index = (int)lua_tointeger(L, -1);
	lua_pop(L, 1);
	put_dad(L, ns, name, index);
	nl_push_impair(L, ns, "link_get", name, index);
	return 1;
}

/* link_exists(link, opts): pushes whether opts.ns has a link of that
 * name.  Raises only for a bad name or an unknown namespace. */
static int l_link_exists(lua_State *L)
{
	const char *name = nsl_checkstring(L, 1, "link_exists");
	struct nsl_opts o;
	struct nl_ns *ns;
	int index;

	nsl_opts_begin(L, &o, nsl_self(L), 0);
	nl_check_ifname(L, "link_exists", name);
	ns = nl_opts_ns(&o);
	index = nl_link_index(L, ns, name);
	if (index < 0 && index != -ENODEV)
		return nsl_fail(L, "link_exists", name, -index, NULL);
	lua_pushboolean(L, index > 0);
	return 1;
}

static const struct nsl_prim linkinfo_prims[] = {
	{ "link_list", l_link_list, 1, "ns" },
	{ "link_get", l_link_get, 2, "ns" },
	{ "link_exists", l_link_exists, 2, "ns" },
	{ NULL, NULL, 0, NULL }
};

/* Adds link_list, link_get, link_exists to the table at index 1. */
int nsl_open_linkinfo(lua_State *L)
{
	nsl_register(L, linkinfo_prims);
	return 0;
}
