/*
 * link.h - private to link.c, linkreq.c, linkkind.c, linkinfo.c and
 * linkpeer.c: a link request (what was parsed and resolved, then the
 * request, linkreq.c), the entry of one link kind (linkkind.c's
 * link_kinds[], registered by link.c's opener), and what the read-back
 * (linkinfo.c) takes from the kinds and from the peer resolution.
 */
#ifndef NSL_LINK_H
#define NSL_LINK_H

#include "bridge.h"
#include "nl/nl.h"

/* The operational states (IFLA_OPERSTATE) by number, as ip names them
 * (linkinfo.c): link_get's state, link_wait's oper. */
#define NL_OPER_N 7
extern const char *const nl_oper_names[NL_OPER_N];

/* One link request: what was parsed and resolved, then the request. */
struct link_req {
	lua_State *L;
	const char *prim;
	const char *name;
	struct nsl_opts o;
	struct nl_ns *ns;
	/* common attributes (put_common) */
	lua_Integer mtu;		/* 0: unchanged */
	int has_mac;
	unsigned char mac[6];
	int master;			/* -1: unchanged, 0: detach, index */
	int up;				/* -1: unchanged */
	int parent;			/* IFLA_LINK index, or 0 */
	lua_Integer group;		/* IFLA_GROUP, -1: unchanged */
	struct nl_ns *link_ns;		/* made there (IFLA_NET_NS_FD), or NULL */
	/* the kind's own (parse_* fills, put_* puts) */
	const char *peer;		/* veth */
	struct nl_ns *peer_ns;
	lua_Integer id;			/* VLAN id, VNI */
	int port, dev;			/* vxlan */
	int remote_fam, local_fam;
	unsigned char remote[16], local[16];
	uint32_t mode;			/* macvlan, ipvlan, bond */
	uint16_t proto;			/* vlan: 802.1Q or 802.1ad */
	lua_Integer ttl, tos;		/* vxlan, -1: the kernel's default */
	int learning;			/* vxlan, -1: the kernel's default */
	lua_Integer miimon;		/* bond; geneve, gretap: ttl; -1: the kernel's default */
	struct br_opts br;		/* bridge (bridge.c); link_set: a port's flags */
	struct nl_req q;
};

/* One argument or typed option of a link kind: what its parse function
 * reads and checks, and what nsl.topo.kinds checks a description against
 * before anything is made (core._link_kinds, link_push_kinds): one truth
 * for both. */
enum link_arg_type {
	LA_NAME,		/* a new link's name (a veth's peer) */
	LA_PARENT,		/* the name of the parent link (IFLA_LINK) */
	LA_INT,			/* an integer min..max */
	LA_ADDR,		/* an IPv4 or IPv6 address, no prefix length */
	LA_BOOL,
	LA_ENUM,		/* one of names (its index: the kernel's value) */
};

struct link_arg {
	const char *key;		/* the option key, an argument's name */
	const char *what;		/* an argument's name in range errors */
	enum link_arg_type type;
	lua_Integer min, max;		/* LA_INT */
	const char *const *names;	/* LA_ENUM, up to NULL */
};

/* p comes first: the primitive's entry (nsl_self) is its kind's entry.
 * Everything about one kind: its arguments and typed options, parse
 * (options into a struct link_req), put (its IFLA_INFO_DATA), push (the
 * same settings read back from IFLA_INFO_DATA as a table, for
 * linkinfo.c's records; NULL: none). */
struct link_kind {
	struct nsl_prim p;
	const char *kind;
	const struct link_arg *const *args;	/* positional, after the name */
	const struct link_arg *const *opts;
	void (*parse)(struct link_req *r);
	void (*put)(struct link_req *r);
	void (*push)(lua_State *L, const struct nlattr *data);
};

/* The entry of kind (IFLA_INFO_KIND), or NULL (linkkind.c). */
const struct link_kind *link_kind_find(const char *kind);

/* <kind>_add(name, ...positional, opts): makes the link in opts.ns (the
 * kind's entry is upvalue 1); returns nothing (linkreq.c). */
int link_add(lua_State *L);

/* What every link request shares (linkreq.c): link_start parses link
 * (arg 1) and the running primitive's options and resolves opts.ns;
 * link_parse_common reads the options link_set and every *_add take
 * (mtu, address, up, group, master), link_put_common puts them;
 * link_start_change starts an RTM_NEWLINK/RTM_DELLINK on the existing
 * link r->name (found by name in the request itself); link_record notes
 * in the run's record that the link is about to be made with ifindex
 * index ('+') or was deleted or not made ('-'), never raising: 0, or
 * -errno when a + line could not be written. */
void link_start(lua_State *L, struct link_req *r);
void link_parse_common(struct link_req *r);
void link_put_common(struct link_req *r, struct ifinfomsg *ifi);
struct ifinfomsg *link_start_change(struct link_req *r, int type);
int link_record(struct link_req *r, int sign, int index);

/* The namespace where the link of r lives: link_ns when it is made in
 * another namespace than the one its request is sent in (linkreq.c). */
struct nl_ns *link_home(const struct link_req *r);

/* Pushes an array of the link records of ns (one dump); raises as prim
 * (linkinfo.c). */
void link_dump(lua_State *L, struct nl_ns *ns, const char *prim);

/* Every kind, one *_add primitive each, up to an entry whose p.name is
 * NULL (linkkind.c). */
extern const struct link_kind link_kinds[];

/* Pushes { <kind> = { args = { { name =, type =, min =, max = }... },
 * opts = { <key> = { type =, min =, max =, names = {...} } } } } of every
 * kind (linkkind.c). */
void link_push_kinds(lua_State *L);

/* Replaces the _master/_link/_netnsid indexes of every record of the
 * array at list by names: master, peer (+ peer_ns) or parent; full: list
 * is a whole dump of ns (its own names are looked up there first)
 * (linkpeer.c). */
void link_resolve(lua_State *L, struct nl_ns *ns, int list, int full);

#endif
