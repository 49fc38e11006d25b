/*
 * linkreq.c - what every link request shares (link.h): the options of
 * link_set and every *_add, parsed and put; the request started on a
 * link; its line in the run's record; and link_add, the one maker of
 * every kind, driven by its entry of link_kinds[] (linkkind.c).
 *
 * A link is made with an ifindex nsl chose and recorded first, so that a
 * signal between the kernel's answer and the record cannot leave a link
 * the record does not name.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nl/kfeature.h"
#include "link.h"

#define MTU_MIN 68
#define MTU_MAX 65535

/* The options link_set and every *_add share: mtu, address, master, up;
 * the master's name resolved to its index. */
void link_parse_common(struct link_req *r)
{
	lua_State *L = r->L;
	const char *addr = nsl_opt_str(&r->o, "address", NULL);

	r->mtu = nsl_opt_int(&r->o, "mtu", MTU_MIN, MTU_MAX, 0);
	if (addr) {
		nl_parse_mac(L, r->prim, r->name, addr, r->mac);
		r->has_mac = 1;
	}
	r->up = nsl_opt_bool(&r->o, "up", -1);
	/* vxlan_add's group is also its multicast address (parse_vxlan):
	 * a string is that, a number the link group, as ip tells the two
	 * apart by their place */
	if (nsl_opt_type(&r->o, "group") == LUA_TSTRING && !strcmp(r->prim, "vxlan_add"))
		r->group = -1;
	else if (nsl_opt_type(&r->o, "group") != LUA_TNIL &&
		 nsl_opt_type(&r->o, "group") != LUA_TNUMBER && !strcmp(r->prim, "vxlan_add"))
		nsl_opt_push(&r->o, "group"),
		nsl_opt_type_error(&r->o, "group", "integer (link group) or string (multicast address)");
	else
		r->group = nsl_opt_int(&r->o, "group", 0, UINT32_MAX, -1);
	r->master = -1;
	if (nsl_opt_type(&r->o, "master") == LUA_TBOOLEAN) {
		if (nsl_opt_bool(&r->o, "master", 0))
			nsl_fail(L, r->prim, NULL, EINVAL,
				 "option 'master': a bridge, bond or vrf name or false expected, got true");
		r->master = 0;
	} else {
		const char *m = nsl_opt_str(&r->o, "master", NULL);

		if (m)
			r->master = nl_ifindex(L, link_home(r), r->prim, m);
	}
}

/* Puts what link_parse_common found. */
void link_put_common(struct link_req *r, struct ifinfomsg *ifi)
{
	if (r->mtu)
		nl_put_u32(&r->q, IFLA_MTU, (uint32_t)r->mtu);
	if (r->has_mac)
		nl_put(&r->q, IFLA_ADDRESS, 6, r->mac);
	if (r->master >= 0)
		nl_put_u32(&r->q, IFLA_MASTER, (uint32_t)r->master);
	if (r->group >= 0)
		nl_put_u32(&r->q, IFLA_GROUP, (uint32_t)r->group);
	if (r->up >= 0) {
		ifi->ifi_change |= IFF_UP;
		ifi->ifi_flags |= r->up ? IFF_UP : 0;
	}
}

/* See link.h. */
struct nl_ns *link_home(const struct link_req *r)
{
	return r->link_ns ? r->link_ns : r->ns;
}

/* Parses link (arg 1) and the options of the running primitive, resolves
 * opts.ns; raises on a bad argument or an unknown namespace. */
void link_start(lua_State *L, struct link_req *r)
{
	const struct nsl_prim *p = nsl_self(L);

	memset(r, 0, offsetof(struct link_req, q));	/* q is filled later */
	r->L = L;
	r->prim = p->name;
	r->name = nsl_checkstring(L, 1, r->prim);
	nsl_opts_begin(L, &r->o, p, 0);
	r->o.obj = r->name;
	nl_check_ifname(L, r->prim, r->name);
	r->ns = nl_opts_ns(&r->o);
}

/* Notes in the run's record that link r->name is about to be made with
 * ifindex index ('+': with its namespace's identity, so that --clean
 * never takes a namesake) or was deleted or not made ('-').  Never
 * raises: 0, or -errno when a + line could not be written. */
int link_record(struct link_req *r, int sign, int index)
{
	char ns[2 * NAME_MAX + 1], nsid[64], name[2 * IFNAMSIZ + 1];
	struct nl_ns *home = link_home(r);

	nsl_rec_name(home->name, ns, sizeof(ns));
	nsl_rec_name(r->name, name, sizeof(name));	/* a name may hold a backslash */
	if (sign == '-') {
		nsl_rec_note('-', "link", "%s\t%s", name, ns);
		return 0;
	}
	if (home->fd < 0 || nsl_fd_id(home->fd, nsid, sizeof(nsid)) < 0)
		nsl_file_id("/proc/self/ns/net", nsid, sizeof(nsid));	/* home */
	return nsl_rec_note('+', "link", "%s\t%s\t%d\t%s", name, ns, index, nsid);
}

/* An ifindex for a new link, chosen by nsl rather than the kernel so
 * that it is in the record before the link exists: a run killed between
 * the kernel's ack and any later line still names its link exactly.
 * Drawn from 2^20..2^24, far above what the kernel hands out. */
static int pick_index(void)
{
	static int seeded;

	if (!seeded) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		srandom((unsigned)getpid() ^ (unsigned)ts.tv_nsec);
		seeded = 1;
	}
	return (1 << 20) + (int)(random() % ((1 << 24) - (1 << 20)));
}

/* Sends the create request r with a chosen ifindex, recorded first (see
 * pick_index).  A taken index (EEXIST while the name is free) is drawn
 * again.  When the record cannot be kept, the request is still sent (so
 * that a missing privilege is reported as the kernel's EPERM), and a
 * link it made is deleted again before raising why.  Raises
 * "<prim>: <name>: <reason>". */
static void create_recorded(lua_State *L, struct link_req *r, struct ifinfomsg *ifi,
			    const char *kind)
{
	char ext[256], missing[128];
	int rec = nsl_rec_open(), err, tries;

	for (tries = 0;; tries++) {
		ifi->ifi_index = pick_index();
		if (!rec)
			rec = link_record(r, '+', ifi->ifi_index);
		err = nl_talk(L, r->ns, r->q.buf, nl_req_len(&r->q), NULL, NULL, ext, sizeof(ext));
		if (!err)
			break;
		if (!rec)
			link_record(r, '-', 0);
		if ((err == -EEXIST || err == -EBUSY) && tries < 4 &&
		    nl_link_index(L, link_home(r), r->name) == -ENODEV)
			continue;	/* the index was taken, not the name */
		if (err == -EOPNOTSUPP && !ext[0] && !strcmp(kind, "bridge"))
			br_fail(L, r->ns, r->prim, r->name, err, ext, &r->br, 1);
		/* a known kind may refuse an option with EOPNOTSUPP too: only
		 * the kernel's "unknown kind" answer (or none) is about a module */
		if (err == -EOPNOTSUPP && (!ext[0] || strstr(ext, "Unknown device type")) &&
		    kfeature_missing(kind, missing, sizeof(missing)))
			nsl_fail(L, r->prim, r->name, -err, "%s (%s)",
				 ext[0] ? ext : strerror(-err), missing);
		nsl_fail(L, r->prim, r->name, -err, ext[0] ? "%s" : NULL, ext);
	}
	if (rec) {
		link_start_change(r, RTM_DELLINK);
		nl_talk(L, link_home(r), r->q.buf, nl_req_len(&r->q), NULL, NULL, ext, sizeof(ext));
		nsl_rec_fail(L, r->prim, r->name, -rec);
	}
	nsl_rec_made();
}

/* <kind>_add(name, ...positional, opts): makes the link in opts.ns, or
 * in opts.link_ns (the kinds with an underlay) by a request sent in
 * opts.ns (the kind's entry is upvalue 1); returns nothing.  Raises "<prim>: <name>:
 * <reason>"; a refused request made nothing. */
int link_add(lua_State *L)
{
	const struct link_kind *k = (const void *)nsl_self(L);
	struct link_req r;
	struct ifinfomsg *ifi;
	struct nlattr *info, *data;
	const char *parent = NULL;
	int i;

	/* parse and resolve: the kind's own arguments first, so a bad one
	 * is refused even when a named link is missing too (argument i is
	 * at stack index i + 2, after the name) */
	for (i = 0; k->args[i]; i++)
		if (k->args[i]->type == LA_PARENT)
			parent = nsl_checkstring(L, i + 2, k->p.name);
	link_start(L, &r);
	if (k->parse)
		k->parse(&r);
	link_parse_common(&r);
	if (parent)
		r.parent = nl_ifindex(L, r.ns, r.prim, parent);
	/* build */
	ifi = nl_req_start(&r.q, L, r.prim, r.name, RTM_NEWLINK,
			   NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifi));
	info = nl_nest_start(&r.q, IFLA_LINKINFO);
	nl_put_strz(&r.q, IFLA_INFO_KIND, k->kind);
	if (k->put) {
		data = nl_nest_start(&r.q, IFLA_INFO_DATA);
		k->put(&r);
		nl_nest_end(&r.q, data);
	}
	nl_nest_end(&r.q, info);
	nl_put_strz(&r.q, IFLA_IFNAME, r.name);
	link_put_common(&r, ifi);
	if (r.parent)
		nl_put_u32(&r.q, IFLA_LINK, (uint32_t)r.parent);
	/* made in link_ns at once, its underlay (parent, dev) looked up
	 * where the request is sent: no create-then-move */
	if (r.link_ns)
		nl_put_u32(&r.q, IFLA_NET_NS_FD, (uint32_t)r.link_ns->fd);
	/* talk */
	create_recorded(L, &r, ifi, k->kind);
	return 0;
}

/* Starts an RTM_NEWLINK/RTM_DELLINK on the existing link `name`, found by
 * name in the request itself (no lookup round trip). */
struct ifinfomsg *link_start_change(struct link_req *r, int type)
{
	struct ifinfomsg *ifi;

	ifi = nl_req_start(&r->q, r->L, r->prim, r->name, type, 0, sizeof(*ifi));
	nl_put_strz(&r->q, IFLA_IFNAME, r->name);
	return ifi;
}
