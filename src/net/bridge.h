/*
 * bridge.h - what link.c, linkkind.c, linkinfo.c, brvlan.c and fdb.c
 * take from bridge.c: a bridge's own settings (vlan_filtering, stp) and
 * a port's flags (isolated, learning, flood), parsed from options, put
 * into requests, read back; and what its list primitives share.
 */
#ifndef NSL_BRIDGE_H
#define NSL_BRIDGE_H

#include "nl/nl.h"

#define BR_VID_MAX 4094		/* VLAN ids are 1..4094 */

/* Each -1 when not given. */
struct br_opts {
	int vlan_filtering, stp;		/* the bridge (IFLA_BR_*) */
	int isolated, learning, flood;		/* a port (IFLA_BRPORT_*) */
};

/* Reads options vlan_filtering and stp (both) and, when port, the table
 * of option "bridge" ({ isolated =, learning =, flood = }: an unknown key
 * is refused with the closest one); raises as the running primitive. */
void br_parse(struct nsl_opts *o, struct br_opts *b, int port);

/* Whether b sets anything of the bridge / of a port. */
int br_has_bridge(const struct br_opts *b);
int br_has_port(const struct br_opts *b);

/* Puts the bridge's settings (inside its IFLA_INFO_DATA). */
void br_put_bridge(struct nl_req *q, const struct br_opts *b);

/* Adds to the batch q an RTM_SETLINK (AF_BRIDGE) of port index with
 * its flags in IFLA_PROTINFO, as `bridge link set` sends it. */
void br_put_port(struct nl_req *q, int index, const struct br_opts *b);

/* Raises the error err (< 0) of a request that set b on link name
 * (bridge: known to be a bridge, else asked when it matters): a refused
 * vlan_filtering names CONFIG_BRIDGE_VLAN_FILTERING, refused settings say
 * the link is no bridge or no bridge port; else the kernel's reason. */
int br_fail(lua_State *L, struct nl_ns *ns, const char *prim, const char *name,
	    int err, const char *ext, const struct br_opts *b, int bridge);

/* Raises "<prim>: <name>: this kernel has no bridge VLAN filtering
 * (CONFIG_BRIDGE_VLAN_FILTERING)" (EOPNOTSUPP). */
int br_no_filtering(lua_State *L, const char *prim, const char *name);

/* Pushes a bridge's settings from its IFLA_INFO_DATA as { vlan_filtering,
 * stp } / a port's from its IFLA_INFO_SLAVE_DATA as { isolated,
 * learning, flood } (linkinfo.c sets them as fields bridge and
 * bridge_port of the link record). */
void br_push_bridge(lua_State *L, const struct nlattr *data);
void br_push_port(lua_State *L, const struct nlattr *data);

/* What link name is to a bridge: a bridge, a bridge's port (asked only
 * to explain a refusal: never raises, unknown stays 0). */
struct br_role {
	int bridge, port;
};
struct br_role br_role(lua_State *L, struct nl_ns *ns, const char *prim,
		       const char *name);

/* Starts a list primitive of AF_BRIDGE (bridge_vlan_list, fdb_list):
 * its options (dev, ns), nl_dump_begin (names: with the table of link
 * names) and its dump request q of type, family AF_BRIDGE in its header
 * of hdrlen bytes; raises as the primitive. */
struct nl_dump;
void br_list_req(lua_State *L, struct nl_dump *d, struct nl_req *q,
		 int names, int type, size_t hdrlen);

#endif
