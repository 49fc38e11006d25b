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

/* Writes into buf what a kernel that refuses option `option` of kind
 * `kind` lacks, e.g. "this kernel has no bridge VLAN filtering
 * (CONFIG_BRIDGE_VLAN_FILTERING)" for "bridge", "vlan_filtering";
 * returns 1, or 0 (buf untouched) for one it does not know. */
int kfeature_option(const char *kind, const char *option, char *buf, size_t len);

#endif
