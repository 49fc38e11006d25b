/*
 * brvlan.c - the VLANs of bridge ports (bridge_vlan_add,
 * bridge_vlan_del, bridge_vlan_list), sent as iproute2's `bridge` sends
 * them: AF_BRIDGE requests.
 *
 * The VLANs bridge_vlan_add gives a port that it did not have are noted
 * in the run's record ("+vlan", a range of them, with the port's ifindex
 * and namespace), so a failed run takes them off again and nsl --clean
 * takes off what a killed run left on a bridge it did not make; a VLAN
 * the port had already (whose flags bridge_vlan_add may change) is not
 * the run's.  A port the run made itself takes its VLANs along when it
 * goes: those need neither a line nor the dump that finds the new ones.
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

/* The VLAN id or range "lo-hi" at argument idx into lo, hi; raises
 * "<prim>: <obj>: VLAN id must be 1 to 4094" or a bad range. */
static void check_vid(lua_State *L, const char *prim, const char *obj, int idx,
		      int *lo, int *hi)
{
	const char *s;
	char *end;
	long a, b;

	if (lua_isinteger(L, idx)) {
		lua_Integer v = lua_tointeger(L, idx);

		nsl_check_range(L, prim, obj, "VLAN id", v, 1, BR_VID_MAX);
		*lo = *hi = (int)v;
		return;
	}
	luaL_argexpected(L, lua_type(L, idx) == LUA_TSTRING, idx, "VLAN id or range \"10-20\"");
	s = nsl_checkstring(L, idx, prim);
	a = strtol(s, &end, 10);
	b = *end == '-' && end > s ? strtol(end + 1, &end, 10) : -1;
	if (*end || b < 0 || end == s || s[0] == '-' || s[0] == '+' || s[0] == ' ')
		nsl_fail(L, prim, obj, EINVAL, "bad VLAN range '%s' (want \"10-20\")", s);
	nsl_check_range(L, prim, obj, "VLAN id", a, 1, BR_VID_MAX);
	nsl_check_range(L, prim, obj, "VLAN id", b, 1, BR_VID_MAX);
	if (a > b)
		nsl_fail(L, prim, obj, EINVAL, "bad VLAN range '%s': %ld > %ld", s, a, b);
	*lo = (int)a;
	*hi = (int)b;
}

/* The VLAN ids a link (ifindex index) has, as a bitmap. */
struct vids {
	int index;
	unsigned char have[(BR_VID_MAX + 8) / 8];
};

/* One RTM_NEWLINK of an AF_BRIDGE dump: the link's VLANs into the map. */
static int vids_cb(const struct nlmsghdr *h, void *data)
{
	struct vids *s = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
	const struct nlattr *a, *v;

	if (h->nlmsg_type != RTM_NEWLINK || ifi->ifi_index != s->index)
		return 0;
	mnl_attr_for_each(a, h, sizeof(*ifi)) {
		if (mnl_attr_get_type(a) != IFLA_AF_SPEC)
			continue;
		mnl_attr_for_each_nested(v, a) {
			const struct bridge_vlan_info *vi = mnl_attr_get_payload(v);

			if (mnl_attr_get_type(v) == IFLA_BRIDGE_VLAN_INFO &&
			    mnl_attr_get_payload_len(v) >= sizeof(*vi) && vi->vid <= BR_VID_MAX)
				s->have[vi->vid / 8] |= (unsigned char)(1u << (vi->vid % 8));
		}
	}
	return 0;
}

/* Fills s with the VLANs link index of ns has now; 0 or -errno. */
static int port_vids(lua_State *L, struct nl_ns *ns, const char *prim, const char *port,
		     int index, struct vids *s)
{
	struct ifinfomsg *ifi;
	struct nl_req q;
	char ext[256];

	memset(s, 0, sizeof(*s));
	s->index = index;
	ifi = nl_req_start(&q, L, prim, port, RTM_GETLINK, NLM_F_DUMP, sizeof(*ifi));
	ifi->ifi_family = AF_BRIDGE;
	nl_put_u32(&q, IFLA_EXT_MASK, RTEXT_FILTER_BRVLAN);
	return nl_talk(L, ns, q.buf, nl_req_len(&q), vids_cb, s, ext, sizeof(ext));
}

/* Notes in the run's record that VLANs lo..hi of port (ifindex index)
 * of ns are about to be given ('+', with the namespace's identity) or
 * were taken off or not given ('-').  Never raises: 0, or -errno when a
 * + line could not be written. */
static int record_vlan(struct nl_ns *ns, int sign, const char *port, int lo, int hi,
		       int self, int index)
{
	char nsn[2 * NAME_MAX + 1], nsid[64], dv[2 * IF_NAMESIZE + 1];
	int err;

	nsl_rec_name(ns->name, nsn, sizeof(nsn));
	port = nsl_rec_name(port, dv, sizeof(dv));
	if (sign == '-') {
		nsl_rec_note('-', "vlan", "%s\t%s\t%d\t%d\t%d", port, nsn, lo, hi, self);
		return 0;
	}
	if (ns->fd < 0 || nsl_fd_id(ns->fd, nsid, sizeof(nsid)) < 0)
		nsl_file_id("/proc/self/ns/net", nsid, sizeof(nsid));	/* home */
	err = nsl_rec_note('+', "vlan", "%s\t%s\t%d\t%d\t%d\t%d\t%s", port, nsn, lo, hi, self,
			    index, nsid);
	if (!err)
		nsl_rec_made();
	return err;
}

/* Notes (sign '+') or retires ('-') the runs of VLANs in lo..hi that the
 * map s says were not there before: what bridge_vlan_add gives anew; 0,
 * or the first failure to write a + line (-errno). */
static int record_new_vids(struct nl_ns *ns, int sign, const char *port, int lo, int hi,
			   int self, int index, const struct vids *s)
{
	int v = lo, start, err = 0;

	while (v <= hi) {
		while (v <= hi && (s->have[v / 8] & (1u << (v % 8))))
			v++;
		if (v > hi)
			break;
		start = v;
		while (v <= hi && !(s->have[v / 8] & (1u << (v % 8))))
			v++;
		if (!err)
			err = record_vlan(ns, sign, port, start, v - 1, self, index);
	}
	return err;
}

/* bridge_vlan_add(port, vid, opts{pvid, untagged, self, ns}) (type
 * RTM_SETLINK) and bridge_vlan_del(port, vid, opts{self, ns})
 * (RTM_DELLINK): one AF_BRIDGE request with the VLAN (or range) in
 * IFLA_AF_SPEC; returns nothing.  Raises "<prim>: <port>: <reason>". */
static int vlan_change(lua_State *L, int type)
{
	const struct nsl_prim *p = nsl_self(L);
	const char *port = nsl_checkstring(L, 1, p->name);
	struct bridge_vlan_info vi = { 0, 0 };
	struct nsl_opts o;
	struct nl_req q;
	struct nl_ns *ns;
	struct ifinfomsg *ifi;
	struct nlattr *af;
	struct br_role r;
	int lo, hi, self, index, err, rec;
	struct vids before;
	char ext[256];

	nsl_opts_begin(L, &o, p, 0);
	o.obj = port;
	nl_check_ifname(L, p->name, port);
	check_vid(L, p->name, port, 2, &lo, &hi);
	if (type == RTM_SETLINK) {
		vi.flags = (uint16_t)((nsl_opt_bool(&o, "pvid", 0) ? BRIDGE_VLAN_INFO_PVID : 0) |
				      (nsl_opt_bool(&o, "untagged", 0) ? BRIDGE_VLAN_INFO_UNTAGGED : 0));
		if ((vi.flags & BRIDGE_VLAN_INFO_PVID) && lo != hi)
			nsl_fail(L, p->name, port, EINVAL, "pvid takes one VLAN id, not a range");
	}
	self = nsl_opt_bool(&o, "self", 0);
	ns = nl_opts_ns(&o);
	index = nl_ifindex(L, ns, p->name, port);
	ifi = nl_req_start(&q, L, p->name, port, type, 0, sizeof(*ifi));
	ifi->ifi_family = AF_BRIDGE;
	ifi->ifi_index = index;
	af = nl_nest_start(&q, IFLA_AF_SPEC);
	if (self)
		nl_put_u16(&q, IFLA_BRIDGE_FLAGS, BRIDGE_FLAGS_SELF);
	vi.vid = (uint16_t)lo;
	if (lo != hi)
		vi.flags |= BRIDGE_VLAN_INFO_RANGE_BEGIN;
	nl_put(&q, IFLA_BRIDGE_VLAN_INFO, sizeof(vi), &vi);
	if (lo != hi) {
		vi.flags = (uint16_t)((vi.flags & ~BRIDGE_VLAN_INFO_RANGE_BEGIN) |
				      BRIDGE_VLAN_INFO_RANGE_END);
		vi.vid = (uint16_t)hi;
		nl_put(&q, IFLA_BRIDGE_VLAN_INFO, sizeof(vi), &vi);
	}
	nl_nest_end(&q, af);
	/* talk, the VLANs the port gets anew recorded first (unless the run
	 * made the port: they go with it, and no dump is needed) */
	rec = type == RTM_SETLINK && nsl_rec_open() == 0 && !nl_link_made(ns, port, index) &&
	      port_vids(L, ns, p->name, port, index, &before) == 0;
	if (rec && (err = record_new_vids(ns, '+', port, lo, hi, self, index, &before))) {
		record_new_vids(ns, '-', port, lo, hi, self, index, &before);
		return nsl_rec_fail(L, p->name, port, -err);	/* nothing given */
	}
	err = nl_talk(L, ns, q.buf, nl_req_len(&q), NULL, NULL, ext, sizeof(ext));
	if (err && rec)
		record_new_vids(ns, '-', port, lo, hi, self, index, &before);
	if (!err && type == RTM_DELLINK && nsl_rec_active())
		record_vlan(ns, '-', port, lo, hi, self, index);
	if (!err)
		return 0;
	if (err == -EOPNOTSUPP && !ext[0]) {
		r = br_role(L, ns, p->name, port);
		if (r.bridge && !self)
			return nsl_fail(L, p->name, port, EOPNOTSUPP,
					"a bridge itself takes VLANs with self = true");
		if ((self && r.bridge) || (!self && r.port))
			return br_no_filtering(L, p->name, port);
		return nsl_fail(L, p->name, port, EOPNOTSUPP, self ? "not a bridge" :
				"not a bridge port (its master is no bridge)");
	}
	return nsl_fail(L, p->name, port, -err, ext[0] ? "%s" : NULL, ext);
}

static int l_bridge_vlan_add(lua_State *L)
{
	return vlan_change(L, RTM_SETLINK);
}

static int l_bridge_vlan_del(lua_State *L)
{
	return vlan_change(L, RTM_DELLINK);
}

/* One RTM_NEWLINK of an AF_BRIDGE dump: a row per VLAN of the link. */
static int vlan_cb(const struct nlmsghdr *h, void *data)
{
	struct nl_dump *d = data;
	lua_State *L = d->L;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
	const struct nlattr *a, *v;
	const char *name = NULL;

	if (h->nlmsg_type != RTM_NEWLINK || (d->dev && ifi->ifi_index != d->dev))
		return 0;
	mnl_attr_for_each(a, h, sizeof(*ifi)) {
		if (mnl_attr_get_type(a) == IFLA_IFNAME &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			name = mnl_attr_get_str(a);
		if (mnl_attr_get_type(a) != IFLA_AF_SPEC || !name)
			continue;
		mnl_attr_for_each_nested(v, a) {
			const struct bridge_vlan_info *vi = mnl_attr_get_payload(v);

			if (mnl_attr_get_type(v) != IFLA_BRIDGE_VLAN_INFO ||
			    mnl_attr_get_payload_len(v) < sizeof(*vi))
				continue;
			lua_createtable(L, 0, 4);
			lua_pushstring(L, name);
			lua_setfield(L, -2, "dev");
			lua_pushinteger(L, vi->vid);
			lua_setfield(L, -2, "vid");
			nsl_set_bool(L, "pvid", (vi->flags & BRIDGE_VLAN_INFO_PVID) != 0);
			nsl_set_bool(L, "untagged", (vi->flags & BRIDGE_VLAN_INFO_UNTAGGED) != 0);
			nl_dump_add(d);
		}
	}
	return 0;
}

/* bridge_vlan_list(opts{dev, ns}): pushes an array of { dev, vid, pvid,
 * untagged }, one per VLAN of each bridge port and bridge (empty on a
 * kernel without VLAN filtering).  Raises "bridge_vlan_list: ...". */
static int l_bridge_vlan_list(lua_State *L)
{
	struct nl_dump d;
	struct nl_req q;

	br_list_req(L, &d, &q, 0, RTM_GETLINK, sizeof(struct ifinfomsg));
	nl_put_u32(&q, IFLA_EXT_MASK, RTEXT_FILTER_BRVLAN);
	return nl_dump_end(&d, &q, vlan_cb);
}

static const struct nsl_prim brvlan_prims[] = {
	{ "bridge_vlan_add", l_bridge_vlan_add, 3, "ns pvid untagged self" },
	{ "bridge_vlan_del", l_bridge_vlan_del, 3, "ns self" },
	{ "bridge_vlan_list", l_bridge_vlan_list, 1, "ns dev" },
	{ NULL, NULL, 0, NULL }
};

/* Adds bridge_vlan_add, bridge_vlan_del, bridge_vlan_list to the table
 * at index 1. */
int nsl_open_brvlan(lua_State *L)
{
	nsl_register(L, brvlan_prims);
	return 0;
}
