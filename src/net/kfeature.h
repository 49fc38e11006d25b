/*
 * kfeature.h - naming the kernel feature behind a refusal.
 */
#ifndef NSL_KFEATURE_H
#define NSL_KFEATURE_H

#include "nl.h"

/* Writes into buf what a kernel without the link (or qdisc) kind `kind`
 * lacks, e.g. "this kernel has no 8021q module: CONFIG_VLAN_8021Q" for
 * "vlan"; returns 1, or 0 (buf untouched) for a kind it does not know. */
int kfeature_missing(const char *kind, char *buf, size_t len);

/* nl_do for a request that makes an object of kind `kind`: raises
 * "<prim>: <obj>: <reason>", and when the kernel does not know the kind
 * (EOPNOTSUPP, "Unknown device type") says which module and CONFIG_ it
 * lacks: "... Unknown device type (this kernel has no 8021q module:
 * CONFIG_VLAN_8021Q)".  The errno stays the kernel's. */
void kfeature_do(lua_State *L, struct nl_ns *ns, struct nlmsghdr *nlh,
		 const char *prim, const char *obj, const char *kind);

#endif
