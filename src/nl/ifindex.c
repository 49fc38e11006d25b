/*
 * ifindex.c - interface names and indexes inside a namespace, asked of
 * the kernel (if_nametoindex would ask the namespace nsl runs in), and
 * whether the run made a link (its line in the record).
 */
#include <errno.h>
#include <limits.h>
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
			if (mnl_attr_get_type(a) == IFLA_IFNAME &&
			    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				snprintf(id->name, IF_NAMESIZE, "%s",
					 mnl_attr_get_str(a));
	return 0;
}

/* One RTM_GETLINK by name or index, without statistics. */
static int get_link(lua_State *L, struct nl_ns *ns, const char *name,
		    int index, struct link_id *id)
{
	struct nl_req q;
	struct ifinfomsg *ifi;

	ifi = nl_req_start(&q, L, "netlink", name, RTM_GETLINK, 0, sizeof(*ifi));
	ifi->ifi_index = index;
	if (name)
		nl_put_strz(&q, IFLA_IFNAME, name);	/* checked: < IFNAMSIZ */
	nl_put_u32(&q, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	return nl_talk(L, ns, q.buf, q.nlh->nlmsg_len, link_id_cb, id, NULL, 0);
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
		if (mnl_attr_get_type(a) == IFLA_IFNAME &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0) {
			lua_pushstring(c->L, mnl_attr_get_str(a));
			lua_rawseti(c->L, c->t, ifi->ifi_index);
		}
	return 0;
}

/* See nl.h: pushes index -> name of every link; raises as prim. */
void nl_push_ifnames(lua_State *L, struct nl_ns *ns, const char *prim)
{
	struct nl_req q;
	struct names_ctx c;

	lua_newtable(L);
	c.L = L;
	c.t = lua_gettop(L);
	nl_req_start(&q, L, prim, ns->name[0] ? ns->name : "links", RTM_GETLINK,
		     NLM_F_DUMP, sizeof(struct ifinfomsg));
	nl_put_u32(&q, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	nl_req_do(&q, ns, names_cb, &c);
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
