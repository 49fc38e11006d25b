/*
 * fdb.c - a bridge's forwarding database: static entries made and
 * removed (fdb_add, fdb_del) and every entry read (fdb_list), sent as
 * `bridge fdb` sends them: AF_BRIDGE neighbour requests (RTM_NEWNEIGH,
 * RTM_DELNEIGH, RTM_GETNEIGH).
 *
 * An entry fdb_add makes is noted in the run's record ("+fdb", with its
 * port's ifindex and namespace), as neighbour entries are: a failed run
 * removes it again and nsl --clean removes what a killed run left on a
 * bridge it did not make (one on a port nsl made goes with the port).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "bridge.h"
#include "nl/dump.h"

/* Notes in the run's record that the entry mac (vlan, 0: none) on dev
 * (ifindex index) of ns is about to be made ('+', with the namespace's
 * identity and the flags it is made with) or was removed or not made
 * ('-').  Never raises: 0, or -errno when a + line could not be written. */
static int record_fdb(struct nl_ns *ns, int sign, const char *mac, const char *dev,
		      lua_Integer vlan, int index, int flags)
{
	char nsn[2 * NAME_MAX + 1], nsid[64], dv[2 * IF_NAMESIZE + 1];

	nsl_rec_name(ns->name, nsn, sizeof(nsn));
	dev = nsl_rec_name(dev, dv, sizeof(dv));	/* a name may hold a backslash */
	if (sign == '-') {
		nsl_rec_note('-', "fdb", "%s\t%s\t%s\t%lld\t%d", mac, dev, nsn, (long long)vlan, flags);
		return 0;
	}
	if (ns->fd < 0 || nsl_fd_id(ns->fd, nsid, sizeof(nsid)) < 0)
		nsl_file_id("/proc/self/ns/net", nsid, sizeof(nsid));	/* home */
	return nsl_rec_note('+', "fdb", "%s\t%s\t%s\t%lld\t%d\t%s\t%d", mac, dev, nsn,
		      (long long)vlan, index, nsid, flags);
}

/* fdb_add(mac, opts{dev, vlan, master, self, permanent, ns}) (type
 * RTM_NEWNEIGH) and fdb_del(mac, opts{dev, vlan, master, self, ns}):
 * one AF_BRIDGE neighbour request; returns nothing.  An entry is static
 * (as `bridge fdb add ... static`), or with permanent the bridge's own
 * (local: delivered to the bridge, as `bridge fdb add ... local`).  dst
 * (with self) is where a vxlan sends frames to mac (NDA_DST).
 * Raises "<prim>: <mac>: <reason>". */
static int fdb_change(lua_State *L, int type)
{
	const struct nsl_prim *p = nsl_self(L);
	const char *mac = nsl_checkstring(L, 1, p->name), *dev, *dst, *why;
	unsigned char addr[6], dstaddr[16];
	struct nsl_opts o;
	struct nl_req q;
	struct nl_ns *ns;
	struct ndmsg *ndm;
	lua_Integer vlan;
	int master, self, permanent = 0, err, dfam = 0, prefix, rec = 1;	/* rec 1: not kept */
	char ext[256], text[18];

	nsl_opts_begin(L, &o, p, 0);
	o.obj = mac;
	nl_parse_mac(L, p->name, mac, mac, addr);
	snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x", addr[0], addr[1],
		 addr[2], addr[3], addr[4], addr[5]);	/* the record's spelling */
	dev = nsl_opt_str(&o, "dev", NULL);
	if (!dev)
		return nsl_fail(L, p->name, mac, EINVAL, "option 'dev' (the port) is required");
	nl_check_ifname(L, p->name, dev);
	vlan = nsl_opt_int(&o, "vlan", 1, BR_VID_MAX, 0);
	self = nsl_opt_bool(&o, "self", 0);
	master = nsl_opt_bool(&o, "master", !self);
	if (type == RTM_NEWNEIGH)
		permanent = nsl_opt_bool(&o, "permanent", 0);
	if (!master && !self)
		return nsl_fail(L, p->name, mac, EINVAL, "master = false needs self = true");
	dst = nsl_opt_str(&o, "dst", NULL);
	if (dst && (nl_parse_cidr(dst, &dfam, dstaddr, &prefix, &why) < 0 || strchr(dst, '/')))
		return nsl_fail(L, p->name, mac, EINVAL, "dst '%s': %s", dst,
				strchr(dst, '/') ? "an address, not a CIDR" : why);
	if (dst && (!self || master))
		return nsl_fail(L, p->name, mac, EINVAL,
				"dst is for a link's own table (self = true: a vxlan's)");
	ns = nl_opts_ns(&o);
	ndm = nl_req_start(&q, L, p->name, mac, type,
			   type == RTM_NEWNEIGH ? NLM_F_CREATE | NLM_F_EXCL : 0, sizeof(*ndm));
	ndm->ndm_family = AF_BRIDGE;
	ndm->ndm_ifindex = nl_ifindex(L, ns, p->name, dev);
	ndm->ndm_flags = (uint8_t)((master ? NTF_MASTER : 0) | (self ? NTF_SELF : 0));
	/* a delete's state only matters to a link's own table, which
	 * holds permanent entries only (ndo_dflt_fdb_del) */
	ndm->ndm_state = (uint16_t)(NUD_NOARP | (permanent || type == RTM_DELNEIGH ?
						 NUD_PERMANENT : NUD_REACHABLE));
	nl_put(&q, NDA_LLADDR, sizeof(addr), addr);
	if (vlan)
		nl_put_u16(&q, NDA_VLAN, (uint16_t)vlan);
	if (dfam)
		nl_put(&q, NDA_DST, dfam == AF_INET ? 4 : 16, dstaddr);
	/* talk, the new entry recorded first */
	if (type == RTM_NEWNEIGH) {
		rec = nsl_rec_open();
		if (!rec)
			rec = record_fdb(ns, '+', text, dev, vlan, ndm->ndm_ifindex,
					 ndm->ndm_flags);
	}
	err = nl_talk(L, ns, q.buf, nl_req_len(&q), NULL, NULL, ext, sizeof(ext));
	if (err && !rec)
		record_fdb(ns, '-', text, dev, vlan, 0, ndm->ndm_flags);
	if (!err && type == RTM_DELNEIGH && nsl_rec_active())
		record_fdb(ns, '-', text, dev, vlan, 0, ndm->ndm_flags);
	if (!err && rec < 0) {	/* made, but it cannot be recorded: undo */
		q.nlh->nlmsg_type = RTM_DELNEIGH;
		q.nlh->nlmsg_flags = 0;
		nl_talk(L, ns, q.buf, nl_req_len(&q), NULL, NULL, ext, sizeof(ext));
		return nsl_rec_fail(L, p->name, mac, -rec);
	}
	if (!err) {
		if (type == RTM_NEWNEIGH)
			nsl_rec_made();
		return 0;
	}
	if (err == -EINVAL && vlan && !ext[0])
		return nsl_fail(L, p->name, mac, EINVAL, "VLAN %lld is not one of %s's (bridge_vlan_add)",
				(long long)vlan, dev);
	if (err == -EINVAL && self && !master && !permanent && !ext[0] && type == RTM_NEWNEIGH)
		return nsl_fail(L, p->name, mac, EINVAL,
				"%s's own table may take only permanent entries (permanent = true)", dev);
	if ((err == -EINVAL || err == -EOPNOTSUPP) && master && !ext[0] &&
	    !br_role(L, ns, p->name, dev).port)
		return nsl_fail(L, p->name, mac, -err, "%s is not a bridge port", dev);
	return nsl_fail(L, p->name, mac, -err, ext[0] ? "%s" : NULL, ext);
}

static int l_fdb_add(lua_State *L)
{
	return fdb_change(L, RTM_NEWNEIGH);
}

static int l_fdb_del(lua_State *L)
{
	return fdb_change(L, RTM_DELNEIGH);
}

/* Sets field k of the table on top to the name of link index (from the
 * table at d->names), or the index when it has none. */
static void set_link(struct nl_dump *d, const char *k, int index)
{
	if (lua_rawgeti(d->L, d->names, index) == LUA_TNIL) {
		lua_pop(d->L, 1);
		lua_pushinteger(d->L, index);
	}
	lua_setfield(d->L, -2, k);
}

/* One RTM_NEWNEIGH of an AF_BRIDGE dump: its row. */
static int fdb_cb(const struct nlmsghdr *h, void *data)
{
	struct nl_dump *d = data;
	lua_State *L = d->L;
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(h);
	const struct nlattr *a;
	char mac[18];

	if (h->nlmsg_type != RTM_NEWNEIGH || ndm->ndm_family != AF_BRIDGE ||
	    (d->dev && ndm->ndm_ifindex != d->dev))
		return 0;
	lua_createtable(L, 0, 6);
	set_link(d, "dev", ndm->ndm_ifindex);
	lua_pushstring(L, ndm->ndm_state & NUD_PERMANENT ? "permanent" :
		       ndm->ndm_state & NUD_NOARP ? "static" : "dynamic");
	lua_setfield(L, -2, "state");
	nsl_set_bool(L, "self", (ndm->ndm_flags & NTF_SELF) != 0);
	mnl_attr_for_each(a, h, sizeof(*ndm)) {
		const unsigned char *p = mnl_attr_get_payload(a);
		size_t len = mnl_attr_get_payload_len(a);

		if (mnl_attr_get_type(a) == NDA_LLADDR && len == 6) {
			snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
				 p[0], p[1], p[2], p[3], p[4], p[5]);
			lua_pushstring(L, mac);
			lua_setfield(L, -2, "mac");
		} else if (mnl_attr_get_type(a) == NDA_VLAN && len >= 2) {
			lua_pushinteger(L, mnl_attr_get_u16(a));
			lua_setfield(L, -2, "vlan");
		} else if (mnl_attr_get_type(a) == NDA_DST && (len == 4 || len == 16)) {
			char ip[INET6_ADDRSTRLEN];

			if (inet_ntop(len == 4 ? AF_INET : AF_INET6, p, ip, sizeof(ip))) {
				lua_pushstring(L, ip);
				lua_setfield(L, -2, "dst");
			}
		} else if (mnl_attr_get_type(a) == NDA_MASTER && len >= 4) {
			set_link(d, "master", (int)mnl_attr_get_u32(a));
		}
	}
	nl_dump_add(d);
	return 0;
}

/* fdb_list(opts{dev, ns}): pushes an array of { mac, dev, vlan, master,
 * state ("static", "permanent", "dynamic"), self, dst } of the namespace's
 * bridge forwarding entries (those of its bridges, learnt ones too, and
 * the links' own, self).  Raises "fdb_list: ...". */
static int l_fdb_list(lua_State *L)
{
	struct nl_dump d;
	struct nl_req q;

	br_list_req(L, &d, &q, 1, RTM_GETNEIGH, sizeof(struct ndmsg));
	return nl_dump_end(&d, &q, fdb_cb);
}

static const struct nsl_prim fdb_prims[] = {
	{ "fdb_add", l_fdb_add, 2, "ns dev vlan master self permanent dst" },
	{ "fdb_del", l_fdb_del, 2, "ns dev vlan master self dst" },
	{ "fdb_list", l_fdb_list, 1, "ns dev" },
	{ NULL, NULL, 0, NULL }
};

/* Adds fdb_add, fdb_del, fdb_list to the table at index 1. */
int nsl_open_fdb(lua_State *L)
{
	nsl_register(L, fdb_prims);
	return 0;
}
