/*
 * ifindex.c - interface names and indexes inside a namespace, asked of
 * the kernel (if_nametoindex would ask the namespace nsl runs in).
 */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>

#include "nl.h"

struct link_id {
	int index;
	char *name;
};

/* Reply to get_link: keeps the index (and the name when asked). */
static int link_id_cb(const struct nlmsghdr *h, void *data)
{
	struct link_id *id = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
	const struct nlattr *a;

	if (h->nlmsg_type != RTM_NEWLINK)
		return 0;
	id->index = ifi->ifi_index;
	if (id->name)
		mnl_attr_for_each(a, h, sizeof(*ifi))
			if (mnl_attr_get_type(a) == IFLA_IFNAME)
				snprintf(id->name, IF_NAMESIZE, "%s",
					 mnl_attr_get_str(a));
	return 0;
}

/* One RTM_GETLINK by name or index, without statistics. */
static int get_link(lua_State *L, struct nl_ns *ns, const char *name,
		    int index, struct link_id *id)
{
	char buf[512] = { 0 };	/* padding goes out too */
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_GETLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = index;
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	return nl_talk(L, ns, buf, nlh->nlmsg_len, link_id_cb, id, NULL, 0);
}

/* See nl.h: the index of name in ns, or -errno; never raises. */
int nl_link_index(lua_State *L, struct nl_ns *ns, const char *name)
{
	struct link_id id = { 0, NULL };
	int err = get_link(L, ns, name, 0, &id);

	return err ? err : id.index > 0 ? id.index : -ENODEV;
}

/* See nl.h: the index of name in ns; raises "<prim>: <name>: No such device". */
int nl_ifindex(lua_State *L, struct nl_ns *ns, const char *prim,
	       const char *name)
{
	int index;

	nl_check_ifname(L, prim, name);
	index = nl_link_index(L, ns, name);
	if (index < 0)
		nsl_fail(L, prim, name, -index, NULL);
	return index;
}

/* See nl.h: the name of index into buf; 0 or -errno. */
int nl_ifname(lua_State *L, struct nl_ns *ns, int index, char *buf)
{
	struct link_id id = { 0, buf };

	buf[0] = '\0';
	return get_link(L, ns, NULL, index, &id);
}

struct names_ctx {
	lua_State *L;
	int t;
};

/* One link of the dump: t[index] = name in the table at c->t. */
static int names_cb(const struct nlmsghdr *h, void *data)
{
	struct names_ctx *c = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
	const struct nlattr *a;

	if (h->nlmsg_type != RTM_NEWLINK)
		return 0;
	mnl_attr_for_each(a, h, sizeof(*ifi))
		if (mnl_attr_get_type(a) == IFLA_IFNAME) {
			lua_pushstring(c->L, mnl_attr_get_str(a));
			lua_rawseti(c->L, c->t, ifi->ifi_index);
		}
	return 0;
}

/* See nl.h: pushes index -> name of every link; raises as prim. */
void nl_push_ifnames(lua_State *L, struct nl_ns *ns, const char *prim)
{
	char buf[256] = { 0 };	/* padding goes out too */
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct names_ctx c;

	lua_newtable(L);
	c.L = L;
	c.t = lua_gettop(L);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_DUMP;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	nl_do(L, ns, nlh, names_cb, &c, prim, ns->name[0] ? ns->name : "links");
}
