/*
 * linkinfo.c - links read back as plain Lua tables (RTM_GETLINK):
 * link_get(link, opts), link_list(opts), and link_exists(link, opts).
 *
 * A record holds name, index, kind, up (administrative), state
 * (operational), mtu, address, master (a name), alias, and for a veth its
 * peer (a name; with peer_ns when the peer is in another named namespace),
 * for a vlan or macvlan its parent.  The kernel reports masters and peers
 * by index (and a peer elsewhere by namespace id): names are resolved
 * after the dump (linkpeer.c), since nothing may talk netlink while a
 * dump is read.  A kind's own settings are read by linkkind.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/ipv6.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>

#include "link.h"
#include "nl/dump.h"

/* See link.h: IF_OPER_UNKNOWN .. IF_OPER_UP, as ip names them. */
const char *const nl_oper_names[NL_OPER_N] = {
	"unknown", "notpresent", "down", "lowerlayerdown", "testing",
	"dormant", "up"
};

/* Sets field kind of the table on top from IFLA_LINKINFO, and a field
 * named by the kind with its settings (the push of its link_kinds[] entry;
 * a bridge port's are bridge.c's: field bridge_port). */
static void put_kind(lua_State *L, const struct nlattr *info)
{
	const struct nlattr *a, *data = NULL, *slave = NULL;
	const char *kind = NULL, *slave_kind = NULL;
	const struct link_kind *k;

	mnl_attr_for_each_nested(a, info) {
		int t = mnl_attr_get_type(a);

		if ((t == IFLA_INFO_KIND || t == IFLA_INFO_SLAVE_KIND) &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			continue;
		if (t == IFLA_INFO_KIND)
			kind = mnl_attr_get_str(a);
		if (t == IFLA_INFO_DATA)
			data = a;
		if (t == IFLA_INFO_SLAVE_KIND)
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
	nsl_set_str(L, "kind", kind);
	k = link_kind_find(kind);
	if (data && k && k->push) {
		k->push(L, data);
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
	struct nl_dump *d = data;
	lua_State *L = d->L;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
	const struct nlattr *a;
	char mac[3 * 32];

	if (h->nlmsg_type != RTM_NEWLINK)
		return 0;
	lua_createtable(L, 0, 12);
	nsl_set_int(L, "index", ifi->ifi_index);
	lua_pushboolean(L, (ifi->ifi_flags & IFF_UP) != 0);
	lua_setfield(L, -2, "up");
	mnl_attr_for_each(a, h, sizeof(*ifi)) {
		unsigned int i, len = mnl_attr_get_payload_len(a);
		const unsigned char *p = mnl_attr_get_payload(a);
		int t = mnl_attr_get_type(a);

		/* numbers are u32s, names NUL-terminated: skip one that is not */
		if (((t == IFLA_MTU || t == IFLA_GROUP || t == IFLA_MASTER || t == IFLA_LINK || t == IFLA_LINK_NETNSID) &&
		     mnl_attr_validate(a, MNL_TYPE_U32) < 0) ||
		    ((t == IFLA_IFNAME || t == IFLA_IFALIAS) &&
		     mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0) ||
		    (t == IFLA_OPERSTATE && len < 1))
			continue;
		switch (t) {
		case IFLA_IFNAME:
			nsl_set_str(L, "name", mnl_attr_get_str(a));
			break;
		case IFLA_MTU:
			nsl_set_int(L, "mtu", mnl_attr_get_u32(a));
			break;
		case IFLA_GROUP:
			nsl_set_int(L, "group", mnl_attr_get_u32(a));
			break;
		case IFLA_OPERSTATE:
			if (*p < NL_OPER_N)
				nsl_set_str(L, "state", nl_oper_names[*p]);
			break;
		case IFLA_ADDRESS:
			if (len == 0 || len > 32)
				break;
			for (i = 0; i < len; i++)
				snprintf(mac + 3 * i, 4, "%02x:", p[i]);
			mac[3 * len - 1] = '\0';
			nsl_set_str(L, "address", mac);
			break;
		case IFLA_MASTER:
			nsl_set_int(L, "_master", mnl_attr_get_u32(a));
			break;
		case IFLA_LINK:
			nsl_set_int(L, "_link", mnl_attr_get_u32(a));
			break;
		case IFLA_LINK_NETNSID:
			nsl_set_int(L, "_netnsid", (int32_t)mnl_attr_get_u32(a));
			break;
		case IFLA_IFALIAS:
			if (len > 1)
				nsl_set_str(L, "alias", mnl_attr_get_str(a));
			break;
		case IFLA_LINKINFO:
			put_kind(L, a);
			break;
		case IFLA_AF_SPEC:
			put_inet6(L, a);
			break;
		}
	}
	nl_dump_add(d);
	return 0;
}

/* Sends a GETLINK (one link by name, or a dump) for ns, filling the
 * array at the top of the stack; raises as prim on error. */
static void get_links(lua_State *L, struct nl_ns *ns, const char *prim,
		      const char *name)
{
	struct nl_req q;
	struct nl_dump d = { 0 };

	d.L = L;
	d.list = lua_gettop(L);
	nl_req_start(&q, L, prim, name ? name : ns->name[0] ? ns->name : "links",
		     RTM_GETLINK, name ? 0 : NLM_F_DUMP, sizeof(struct ifinfomsg));
	if (name)
		nl_put_strz(&q, IFLA_IFNAME, name);
	nl_put_u32(&q, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	nl_req_do(&q, ns, link_cb, &d);
}

/* See link.h: the raw records (indexes unresolved), for link.c. */
void link_dump(lua_State *L, struct nl_ns *ns, const char *prim)
{
	lua_newtable(L);
	get_links(L, ns, prim, NULL);
}

/* link_list(opts): pushes an array of link records of opts.ns, its
 * metatable named "nsl.link_list" (nsl.pretty shows it as columns).
 * Raises "link_list: <ns>: <reason>". */
static int l_link_list(lua_State *L)
{
	struct nsl_opts o;
	struct nl_dump d;

	nsl_opts_begin(L, &o, nsl_self(L), 0);
	nl_dump_begin(&d, &o, NULL, 0);
	get_links(L, d.ns, d.prim, NULL);
	link_resolve(L, d.ns, d.list, 1);
	return nl_dump_done(&d);
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
	link_resolve(L, ns, list, 0);
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
