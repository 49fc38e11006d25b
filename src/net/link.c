/*
 * link.c - making, changing, moving and deleting links (RTM_NEWLINK,
 * RTM_DELLINK).  Reading them back is linkinfo.c.
 *
 * Every kind of link is made by one function, link_add (linkreq.c),
 * driven by an entry of link_kinds[] (linkkind.c): its primitive and
 * accepted options, its IFLA_INFO_KIND, the positional arguments after
 * the name (one may name the parent link, IFLA_LINK), a parse function
 * (its arguments and options, names resolved) and a put function
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
	link_start(L, &r);
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
	link_parse_common(&r);
	if (rename || br_has_port(&r.br))
		index = nl_ifindex(L, r.ns, r.prim, r.name);
	/* build: the IPv6 address generation mode first, in a message of
	 * its own in the same datagram, so that it holds before the link
	 * comes up (its link-local address is made then, or not at all) */
	if (mode >= 0) {
		struct nlattr *af, *in6;

		link_start_change(&r, RTM_NEWLINK);
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
		ifi = link_start_change(&r, RTM_NEWLINK);
	}
	link_put_common(&r, ifi);
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
			link_record(r, '-', 0);
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
	link_start(L, &r);
	if (nsl_opt_type(&r.o, "group") != LUA_TNIL)
		return nsl_fail(L, r.prim, r.name, EINVAL, "option 'group' deletes a whole "
				"group: link_del{ group = N }, without a link name");
	link_start_change(&r, RTM_DELLINK);
	nl_req_do(&r.q, r.ns, NULL, NULL);
	if (nsl_rec_active())
		link_record(&r, '-', 0);
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
	return now > 0 ? link_record(&m, '+', now) : 0;
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
		link_start_change(&b, RTM_NEWLINK);
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
	link_start(L, &r);
	if (lua_type(L, 2) == LUA_TSTRING) {
		to = nl_ns(L, r.prim, nsl_checkstring(L, 2, r.prim));
	} else {
		pid = lua_tointeger(L, 2);
		nsl_check_range(L, r.prim, r.name, "pid", pid, 1, 0x7fffffff);
		to = home_of_pid(L, pid);
	}
	index = nsl_rec_active() ? nl_link_index(L, r.ns, r.name) : 0;
	link_start_change(&r, RTM_NEWLINK);
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
