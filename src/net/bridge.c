/*
 * bridge.c - bridges beyond bridge_add: a bridge's vlan_filtering and
 * stp and its ports' flags (for link.c's bridge_add and link_set, read
 * back by linkinfo.c), sent as iproute2's `bridge` sends them: AF_BRIDGE
 * requests; and the start of the bridge's list primitives.  The VLANs
 * of ports are brvlan.c's, forwarding entries fdb.c's.
 */
#include <errno.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "nl/dump.h"
#include "nl/kfeature.h"

/* The keys of link_set's option bridge, read as options of their own. */
static const struct nsl_prim port_keys = {
	"link_set", NULL, 0, "isolated learning flood"
};

/* See bridge.h. */
void br_parse(struct nsl_opts *o, struct br_opts *b, int port)
{
	lua_State *L = o->L;
	struct nsl_opts po;
	int t;

	b->vlan_filtering = nsl_opt_bool(o, "vlan_filtering", -1);
	b->stp = nsl_opt_bool(o, "stp", -1);
	b->isolated = b->learning = b->flood = -1;
	if (!port)
		return;
	t = nsl_opt_push(o, "bridge");
	if (t == LUA_TNIL) {
		lua_pop(L, 1);
		return;
	}
	if (t != LUA_TTABLE)
		nsl_opt_type_error(o, "bridge", "table");
	nsl_opts_begin(L, &po, &port_keys, lua_gettop(L));
	po.obj = o->obj;
	b->isolated = nsl_opt_bool(&po, "isolated", -1);
	b->learning = nsl_opt_bool(&po, "learning", -1);
	b->flood = nsl_opt_bool(&po, "flood", -1);
	lua_pop(L, 1);
}

int br_has_bridge(const struct br_opts *b)
{
	return b->vlan_filtering >= 0 || b->stp >= 0;
}

int br_has_port(const struct br_opts *b)
{
	return b->isolated >= 0 || b->learning >= 0 || b->flood >= 0;
}

/* See bridge.h. */
void br_put_bridge(struct nl_req *q, const struct br_opts *b)
{
	if (b->vlan_filtering >= 0)
		nl_put_u8(q, IFLA_BR_VLAN_FILTERING, (uint8_t)b->vlan_filtering);
	if (b->stp >= 0)
		nl_put_u32(q, IFLA_BR_STP_STATE, (uint32_t)b->stp);
}

/* See bridge.h. */
void br_put_port(struct nl_req *q, int index, const struct br_opts *b)
{
	struct ifinfomsg *ifi = nl_req_next(q, RTM_SETLINK, 0, sizeof(*ifi));
	struct nlattr *nest;

	ifi->ifi_family = AF_BRIDGE;
	ifi->ifi_index = index;
	nest = nl_nest_start(q, IFLA_PROTINFO);	/* NLA_F_NESTED: libmnl's */
	if (b->isolated >= 0)
		nl_put_u8(q, IFLA_BRPORT_ISOLATED, (uint8_t)b->isolated);
	if (b->learning >= 0)
		nl_put_u8(q, IFLA_BRPORT_LEARNING, (uint8_t)b->learning);
	if (b->flood >= 0)
		nl_put_u8(q, IFLA_BRPORT_UNICAST_FLOOD, (uint8_t)b->flood);
	nl_nest_end(q, nest);
}

/* RTM_NEWLINK of one link: is it a bridge, a bridge's port? */
static int role_cb(const struct nlmsghdr *h, void *data)
{
	struct br_role *r = data;
	const struct nlattr *a, *i;

	mnl_attr_for_each(a, h, sizeof(struct ifinfomsg)) {
		if (mnl_attr_get_type(a) != IFLA_LINKINFO)
			continue;
		mnl_attr_for_each_nested(i, a) {
			int t = mnl_attr_get_type(i);

			if ((t == IFLA_INFO_KIND || t == IFLA_INFO_SLAVE_KIND) &&
			    mnl_attr_validate(i, MNL_TYPE_NUL_STRING) == 0 &&
			    !strcmp(mnl_attr_get_str(i), "bridge"))
				*(t == IFLA_INFO_KIND ? &r->bridge : &r->port) = 1;
		}
	}
	return 0;
}

/* See bridge.h: never raises (unknown stays 0). */
struct br_role br_role(lua_State *L, struct nl_ns *ns, const char *prim,
		       const char *name)
{
	struct br_role r = { 0, 0 };
	struct nl_req q;

	nl_req_start(&q, L, prim, name, RTM_GETLINK, 0, sizeof(struct ifinfomsg));
	nl_put_strz(&q, IFLA_IFNAME, name);
	nl_put_u32(&q, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	nl_talk(L, ns, q.buf, nl_req_len(&q), role_cb, &r, NULL, 0);
	return r;
}

/* See bridge.h. */
int br_no_filtering(lua_State *L, const char *prim, const char *name)
{
	char missing[128];

	kfeature_option("bridge", "vlan_filtering", missing, sizeof(missing));
	return nsl_fail(L, prim, name, EOPNOTSUPP, "%s", missing);
}

/* See bridge.h. */
int br_fail(lua_State *L, struct nl_ns *ns, const char *prim, const char *name,
	    int err, const char *ext, const struct br_opts *b, int bridge)
{
	if (err == -EOPNOTSUPP && !ext[0] && br_has_bridge(b) && !bridge &&
	    !br_role(L, ns, prim, name).bridge)
		return nsl_fail(L, prim, name, EOPNOTSUPP,
				"not a bridge (options 'vlan_filtering' and 'stp' are a bridge's)");
	if (err == -EOPNOTSUPP && !ext[0] && b->vlan_filtering >= 0)
		return br_no_filtering(L, prim, name);
	if (err == -EOPNOTSUPP && br_has_port(b) && !br_role(L, ns, prim, name).port)
		return nsl_fail(L, prim, name, EOPNOTSUPP,
				"not a bridge port (option 'bridge' is for a link whose master is a bridge)");
	return nsl_fail(L, prim, name, -err, ext[0] ? "%s" : NULL, ext);
}

/* See bridge.h: a kernel without CONFIG_BRIDGE_VLAN_FILTERING may not
 * report it: then it is false. */
void br_push_bridge(lua_State *L, const struct nlattr *data)
{
	const struct nlattr *a;

	lua_createtable(L, 0, 2);
	nsl_set_bool(L, "vlan_filtering", 0);
	mnl_attr_for_each_nested(a, data) {
		if (mnl_attr_get_payload_len(a) < 1)
			continue;
		if (mnl_attr_get_type(a) == IFLA_BR_VLAN_FILTERING)
			nsl_set_bool(L, "vlan_filtering", mnl_attr_get_u8(a));
		else if (mnl_attr_get_type(a) == IFLA_BR_STP_STATE &&
			 mnl_attr_get_payload_len(a) >= 4)
			nsl_set_bool(L, "stp", mnl_attr_get_u32(a) != 0);
	}
}

/* See bridge.h. */
void br_push_port(lua_State *L, const struct nlattr *data)
{
	const struct nlattr *a;

	lua_createtable(L, 0, 3);
	mnl_attr_for_each_nested(a, data) {
		int t = mnl_attr_get_type(a);

		if (mnl_attr_get_payload_len(a) < 1)
			continue;
		if (t == IFLA_BRPORT_ISOLATED)
			nsl_set_bool(L, "isolated", mnl_attr_get_u8(a));
		else if (t == IFLA_BRPORT_LEARNING)
			nsl_set_bool(L, "learning", mnl_attr_get_u8(a));
		else if (t == IFLA_BRPORT_UNICAST_FLOOD)
			nsl_set_bool(L, "flood", mnl_attr_get_u8(a));
	}
}

/* See bridge.h. */
void br_list_req(lua_State *L, struct nl_dump *d, struct nl_req *q,
		 int names, int type, size_t hdrlen)
{
	const struct nsl_prim *p = nsl_self(L);
	struct nsl_opts o;
	const char *dev;
	unsigned char *family;

	nsl_opts_begin(L, &o, p, 0);
	dev = nsl_opt_str(&o, "dev", NULL);
	if (dev)
		nl_check_ifname(L, p->name, dev);
	nl_dump_begin(d, &o, dev, names);
	/* every rtnetlink family header starts with its family byte
	 * (ifi_family, ndm_family), as iproute2's struct rtgenmsg has it */
	family = nl_dump_req(d, q, NULL, "links", type, hdrlen);
	*family = AF_BRIDGE;
}
