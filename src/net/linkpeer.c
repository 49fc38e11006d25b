/*
 * linkpeer.c - the names behind the indexes of link records
 * (link_resolve, for linkinfo.c's link_list and link_get): a master, a
 * parent, a veth's peer.  The kernel reports them by index, and a peer
 * in another namespace by the id this namespace gives that one
 * (IFLA_LINK_NETNSID): the ids are asked for (RTM_GETNSID) of the start
 * namespace and the cached ones first, then of every one under
 * /run/netns in batches, only when a peer is still unnamed.  A namespace
 * outside the cache (another run's) is opened for the call only and
 * closed before it returns: listing links never keeps it alive.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "link.h"

struct nsid_ctx {
	int nsid;
};

/* Reply to RTM_GETNSID: keeps NETNSA_NSID. */
static int nsid_cb(const struct nlmsghdr *h, void *data)
{
	struct nsid_ctx *c = data;
	const struct nlattr *a;

	mnl_attr_for_each(a, h, sizeof(struct rtgenmsg))
		if (mnl_attr_get_type(a) == NETNSA_NSID &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
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
		if (mnl_attr_get_type(a) == NETNSA_NSID &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
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
void link_resolve(lua_State *L, struct nl_ns *ns, int list, int full)
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
				int named = nsname[0] != '\0';
				char buf[IFNAMSIZ] = "";
				struct nl_ns tmp;

				other = named ? nl_ns_borrow(L, nsname, &tmp) :
						nl_ns(L, "link_list", NULL);
				/* nothing raises until tmp is closed */
				if (other && nl_ifname(L, other, (int)idx, buf) < 0)
					buf[0] = '\0';
				if (named)
					nl_ns_release(&tmp);
				lua_setfield(L, -2, "peer_ns");
				if (buf[0]) {
					lua_pushstring(L, buf);
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
