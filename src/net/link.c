/*
 * link.c - making, changing, moving and deleting links (RTM_NEWLINK,
 * RTM_DELLINK).  Reading them back is linkinfo.c.
 *
 * Every kind of link is made by one function, link_add, driven by an
 * entry of link_kinds[] (linkkind.c): its primitive and accepted
 * options, its IFLA_INFO_KIND, the positional arguments after the name
 * (one may name the parent link, IFLA_LINK), a parse function (its
 * arguments and options, names resolved) and a put function
 * (IFLA_INFO_DATA).  A new kind is one entry.  Every primitive here has one shape: parse all
 * arguments, resolve names, build the request, talk.  Each link is made
 * by exactly one request, so a refusal leaves nothing behind (a veth's
 * peer is made in the same request, even inside another namespace).
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
static void parse_common(struct link_req *r)
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

/* Puts what parse_common found. */
static void put_common(struct link_req *r, struct ifinfomsg *ifi)
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
static void start_req(lua_State *L, struct link_req *r)
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
static int record_link(struct link_req *r, int sign, int index)
{
	char ns[2 * NAME_MAX + 1], nsid[64], name[2 * IFNAMSIZ + 1];
	struct nl_ns *home = link_home(r);

	nsl_rec_name(home->name, ns, sizeof(ns));
	nsl_rec_name(r->name, name, sizeof(name));	/* a name may hold a backslash */
	if (sign == '-') {
		nsl_rec_write("-link\t%s\t%s\n", name, ns);
		return 0;
	}
	if (home->fd < 0 || nsl_fd_id(home->fd, nsid, sizeof(nsid)) < 0)
		nsl_file_id("/proc/self/ns/net", nsid, sizeof(nsid));	/* home */
	return nsl_rec_write("+link\t%s\t%s\t%d\t%s\n", name, ns, index, nsid);
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

static struct ifinfomsg *start_change(struct link_req *r, int type);

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
			rec = record_link(r, '+', ifi->ifi_index);
		err = nl_talk(L, r->ns, r->q.buf, nl_req_len(&r->q), NULL, NULL, ext, sizeof(ext));
		if (!err)
			break;
		if (!rec)
			record_link(r, '-', 0);
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
		start_change(r, RTM_DELLINK);
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
	start_req(L, &r);
	if (k->parse)
		k->parse(&r);
	parse_common(&r);
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
	put_common(&r, ifi);
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
 * detach), alias, carrier (IFLA_CARRIER, where the kind allows), a bridge's vlan_filtering and stp in one request, then
 * a port's bridge flags (bridge.c) in a second message of the same
 * datagram, once its master is set; returns nothing.  Raises "link_set:
 * <link>: <reason>" (No such device...). */
static int l_link_set(lua_State *L)
{
	static const char *const genmodes[] = { "eui64", "none", "stable_secret", "random", NULL };
	struct link_req r;
	struct ifinfomsg *ifi;
	const char *rename, *alias, *genmode;
	int index = 0, mode = -1, i, err, carrier;
	char ext[256];

	/* parse */
	start_req(L, &r);
	br_parse(&r.o, &r.br, 1);
	genmode = nsl_opt_str(&r.o, "addrgenmode", NULL);
	for (i = 0; genmode && genmodes[i]; i++)
		if (!strcmp(genmode, genmodes[i]))
			mode = i;	/* IN6_ADDR_GEN_MODE_EUI64 = 0 ... RANDOM = 3 */
	if (genmode && mode < 0)
		return nsl_fail(L, r.prim, r.name, EINVAL, "option 'addrgenmode': "
				"eui64, none, stable_secret or random expected, got '%s'", genmode);
	rename = nsl_opt_str(&r.o, "name", NULL);
	alias = nsl_opt_str(&r.o, "alias", NULL);
	carrier = nsl_opt_bool(&r.o, "carrier", -1);
	if (alias)
		nl_check_len(L, r.prim, r.name, "alias", alias, ALIAS_MAX);
	if (rename)
		nl_check_ifname(L, r.prim, rename);
	/* resolve: the new name takes IFLA_IFNAME, so find the link by index */
	parse_common(&r);
	if (rename || br_has_port(&r.br))
		index = nl_ifindex(L, r.ns, r.prim, r.name);
	/* build: the IPv6 address generation mode first, in a message of
	 * its own in the same datagram, so that it holds before the link
	 * comes up (its link-local address is made then, or not at all) */
	if (mode >= 0) {
		struct nlattr *af, *in6;

		start_change(&r, RTM_NEWLINK);
		af = nl_nest_start(&r.q, IFLA_AF_SPEC);
		in6 = nl_nest_start(&r.q, AF_INET6);
		nl_put_u8(&r.q, IFLA_INET6_ADDR_GEN_MODE, (uint8_t)mode);
		nl_nest_end(&r.q, in6);
		nl_nest_end(&r.q, af);
	}
	if (rename) {
		ifi = mode >= 0 ? nl_req_next(&r.q, RTM_NEWLINK, 0, sizeof(*ifi)) :
		      nl_req_start(&r.q, L, r.prim, r.name, RTM_NEWLINK, 0, sizeof(*ifi));
		ifi->ifi_index = index;
		nl_put_strz(&r.q, IFLA_IFNAME, rename);
	} else if (mode >= 0) {
		ifi = nl_req_next(&r.q, RTM_NEWLINK, 0, sizeof(*ifi));
		nl_put_strz(&r.q, IFLA_IFNAME, r.name);
	} else {
		ifi = start_change(&r, RTM_NEWLINK);
	}
	put_common(&r, ifi);
	if (alias)	/* as ip sends it, without the NUL: 255 bytes fit */
		nl_put(&r.q, IFLA_IFALIAS, strlen(alias), alias);
	if (carrier >= 0)
		nl_put_u8(&r.q, IFLA_CARRIER, (uint8_t)carrier);
	if (br_has_bridge(&r.br)) {
		struct nlattr *info = nl_nest_start(&r.q, IFLA_LINKINFO), *data;

		nl_put_strz(&r.q, IFLA_INFO_KIND, "bridge");
		data = nl_nest_start(&r.q, IFLA_INFO_DATA);
		br_put_bridge(&r.q, &r.br);
		nl_nest_end(&r.q, data);
		nl_nest_end(&r.q, info);
	}
	if (br_has_port(&r.br))
		br_put_port(&r.q, index, &r.br);
	/* talk */
	err = nl_talk(L, r.ns, r.q.buf, nl_req_len(&r.q), NULL, NULL, ext, sizeof(ext));
	if (err == -EOPNOTSUPP && carrier >= 0 && !ext[0])
		return nsl_fail(L, r.prim, r.name, EOPNOTSUPP, "carrier: links of this kind "
				"have no carrier control (a dummy has; a veth's follows its peer)");
	if (err)
		br_fail(L, r.ns, r.prim, r.name, err, ext, &r.br, 0);
	return 0;
}

/* Writes "-link" for each link of the dump at list (link_dump) in group
 * that this run made, so that the record retires what a group delete
 * took (and --clean never looks for them again).  Never raises. */
static void retire_group(lua_State *L, struct link_req *r, int list, lua_Integer group)
{
	lua_Integer i, n = (lua_Integer)lua_rawlen(L, list);

	for (i = 1; i <= n; i++) {
		lua_Integer g, index;

		lua_rawgeti(L, list, i);
		lua_getfield(L, -1, "group");
		g = lua_tointeger(L, -1);
		lua_getfield(L, -2, "index");
		index = lua_tointeger(L, -1);
		lua_getfield(L, -3, "name");
		r->name = lua_tostring(L, -1);	/* list keeps it */
		if (g == group && r->name && nl_link_made(r->ns, r->name, (int)index))
			record_link(r, '-', 0);
		lua_pop(L, 4);
	}
}

/* link_del{ group = N, ns = }: deletes every link of group N of opts.ns
 * in one request (RTM_DELLINK naming the group, no link), as ip link
 * del group N does; the links of the run's it took are first listed
 * (one dump), so that the record retires them.  Raises "link_del:
 * group N: <reason>" (No such device: the group has no link). */
static int del_group(lua_State *L, struct link_req *r)
{
	char obj[32];
	struct ifinfomsg *ifi;
	int list = 0, err;
	char ext[256];

	if (nsl_opt_push(&r->o, "group") == LUA_TNUMBER && lua_tonumber(L, -1) == 0)
		return nsl_fail(L, r->prim, "group 0", EINVAL, "every link is in group 0 "
				"unless given another: refused");
	lua_pop(L, 1);
	r->group = nsl_opt_int(&r->o, "group", 1, UINT32_MAX, -1);
	if (r->group < 0)
		return nsl_fail(L, r->prim, NULL, EINVAL, "a link name or option 'group' expected");
	snprintf(obj, sizeof(obj), "group %lld", (long long)r->group);
	r->o.obj = obj;
	r->ns = nl_opts_ns(&r->o);
	if (nsl_rec_active()) {
		link_dump(L, r->ns, r->prim);
		list = lua_gettop(L);
	}
	ifi = nl_req_start(&r->q, L, r->prim, obj, RTM_DELLINK, 0, sizeof(*ifi));
	ifi->ifi_index = 0;
	nl_put_u32(&r->q, IFLA_GROUP, (uint32_t)r->group);
	err = nl_talk(L, r->ns, r->q.buf, nl_req_len(&r->q), NULL, NULL, ext, sizeof(ext));
	if (err == -ENODEV && !ext[0])
		return nsl_fail(L, r->prim, obj, ENODEV, "no link of this group%s%s",
				r->ns->name[0] ? " in " : "", r->ns->name);
	if (err == -EOPNOTSUPP && !ext[0])
		return nsl_fail(L, r->prim, obj, EOPNOTSUPP, "a link of this group cannot "
				"be deleted (lo, or a kind without delete): nothing was deleted");
	if (err)
		return nsl_fail(L, r->prim, obj, -err, ext[0] ? "%s" : NULL, ext);
	if (list)
		retire_group(L, r, list, r->group);
	return 0;
}

/* link_del(link, opts): deletes it (a veth takes its peer along);
 * returns nothing.  Raises "link_del: <link>: No such device".  With a
 * table first, link_del{ group = N, ns = } (del_group). */
static int l_link_del(lua_State *L)
{
	struct link_req r;

	if (lua_type(L, 1) == LUA_TTABLE) {
		memset(&r, 0, offsetof(struct link_req, q));
		r.L = L;
		r.prim = "link_del";
		nsl_opts_begin(L, &r.o, nsl_self(L), 1);
		return del_group(L, &r);
	}
	start_req(L, &r);
	if (nsl_opt_type(&r.o, "group") != LUA_TNIL)
		return nsl_fail(L, r.prim, r.name, EINVAL, "option 'group' deletes a whole "
				"group: link_del{ group = N }, without a link name");
	start_change(&r, RTM_DELLINK);
	nl_req_do(&r.q, r.ns, NULL, NULL);
	if (nsl_rec_active())
		record_link(&r, '-', 0);
	return 0;
}

/* The namespace nsl started in, when process pid is in it (a link moved
 * "by pid" there can still be named); else NULL. */
static struct nl_ns *home_of_pid(lua_State *L, lua_Integer pid)
{
	char path[64], want[64], home[64];

	snprintf(path, sizeof(path), "/proc/%lld/ns/net", (long long)pid);
	if (nsl_file_id(path, want, sizeof(want)) < 0 ||
	    nsl_file_id("/proc/self/ns/net", home, sizeof(home)) < 0 || strcmp(want, home))
		return NULL;
	return nl_ns(L, "link_set_ns", NULL);
}

/* See nl.h: whether the record has link name (ifindex index) of ns. */
int nl_link_made(struct nl_ns *ns, const char *name, int index)
{
	char nsn[2 * NAME_MAX + 1], line[3 * NAME_MAX + 64], esc[2 * IFNAMSIZ + 1];

	nsl_rec_name(ns->name, nsn, sizeof(nsn));
	nsl_rec_name(name, esc, sizeof(esc));
	snprintf(line, sizeof(line), "+link\t%s\t%s\t%d\t", esc, nsn, index);
	return nsl_rec_has(line);
}

/* A link this run made (its "+link" line is in the record) was moved to
 * namespace to: records it there too, so a rollback or --clean finds it
 * where it is now.  Never raises: 0, or -errno when the line could not
 * be written. */
static int record_move(lua_State *L, struct link_req *r, int index, struct nl_ns *to)
{
	struct link_req m = *r;
	int now;

	if (!nl_link_made(r->ns, r->name, index))
		return 0;
	now = nl_link_index(L, to, r->name);
	m.ns = to;
	return now > 0 ? record_link(&m, '+', now) : 0;
}

/* A link of the run's moved to namespace to whose new place the record
 * cannot name: moved back to r->ns, where the record has it, and raises
 * why. */
static int move_back(lua_State *L, struct link_req *r, struct nl_ns *to, int err)
{
	struct link_req b = *r;
	char ext[256];
	int fd = r->ns->fd >= 0 ? r->ns->fd : open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

	b.ns = to;
	if (fd >= 0) {
		start_change(&b, RTM_NEWLINK);
		nl_put_u32(&b.q, IFLA_NET_NS_FD, (uint32_t)fd);
		nl_talk(L, to, b.q.buf, nl_req_len(&b.q), NULL, NULL, ext, sizeof(ext));
		if (fd != r->ns->fd)
			close(fd);
	}
	return nsl_rec_fail(L, r->prim, r->name, -err);
}

/* link_set_ns(link, target, opts): moves the link from opts.ns to the
 * namespace called target, or to that of process target (a number: 1 is
 * init's); returns nothing.  Raises "link_set_ns: <link or target>: ...". */
static int l_link_set_ns(lua_State *L)
{
	struct link_req r;
	struct nl_ns *to = NULL;
	lua_Integer pid = 0;
	int index, err;

	luaL_argexpected(L, lua_type(L, 2) == LUA_TSTRING || lua_isinteger(L, 2),
			 2, "namespace name or pid");
	start_req(L, &r);
	if (lua_type(L, 2) == LUA_TSTRING) {
		to = nl_ns(L, r.prim, nsl_checkstring(L, 2, r.prim));
	} else {
		pid = lua_tointeger(L, 2);
		nsl_check_range(L, r.prim, r.name, "pid", pid, 1, 0x7fffffff);
		to = home_of_pid(L, pid);
	}
	index = nsl_rec_active() ? nl_link_index(L, r.ns, r.name) : 0;
	start_change(&r, RTM_NEWLINK);
	if (lua_type(L, 2) == LUA_TSTRING)
		nl_put_u32(&r.q, IFLA_NET_NS_FD, (uint32_t)to->fd);
	else
		nl_put_u32(&r.q, IFLA_NET_NS_PID, (uint32_t)pid);
	nl_req_do(&r.q, r.ns, NULL, NULL);
	if (index > 0 && to && (err = record_move(L, &r, index, to)))
		return move_back(L, &r, to, err);
	return 0;
}

static const struct nsl_prim link_prims[] = {
	{ "link_set", l_link_set, 2, "ns up mtu address name master alias addrgenmode "
	  "vlan_filtering stp bridge carrier group" },
	{ "link_del", l_link_del, 2, "ns group" },
	{ "link_set_ns", l_link_set_ns, 3, "ns" },
	{ NULL, NULL, 0, NULL }
};

/* Adds link_set, link_del, link_set_ns and one <kind>_add per entry of
 * link_kinds to the table at index 1. */
int nsl_open_link(lua_State *L)
{
	const struct link_kind *k;

	nsl_register(L, link_prims);
	for (k = link_kinds; k->p.name; k++)
		nsl_register_one(L, &k->p);
	link_push_kinds(L);
	lua_setfield(L, 1, "_link_kinds");
	return 0;
}
