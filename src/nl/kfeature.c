/*
 * kfeature.c - which module and CONFIG_ option a refused kind needs.
 *
 * A kernel that does not know a link kind answers RTM_NEWLINK with
 * EOPNOTSUPP, "Unknown device type": true, but no help to a user whose
 * kernel merely lacks a module.  This table names what is missing, so the
 * error says what to load or configure.  Kinds nsl does not make yet are
 * listed too: a new *_add gets the explanation for free.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kfeature.h"

static const struct {
	const char *kind;	/* IFLA_INFO_KIND, or a qdisc's TCA_KIND */
	const char *module;
	const char *config;
} kfeatures[] = {
	{ "vlan", "8021q", "CONFIG_VLAN_8021Q" },
	{ "dummy", "dummy", "CONFIG_DUMMY" },
	{ "veth", "veth", "CONFIG_VETH" },
	{ "bridge", "bridge", "CONFIG_BRIDGE" },
	{ "vxlan", "vxlan", "CONFIG_VXLAN" },
	{ "macvlan", "macvlan", "CONFIG_MACVLAN" },
	{ "macvtap", "macvtap", "CONFIG_MACVTAP" },
	{ "ipvlan", "ipvlan", "CONFIG_IPVLAN" },
	{ "vrf", "vrf", "CONFIG_NET_VRF" },
	{ "bond", "bonding", "CONFIG_BONDING" },
	{ "team", "team", "CONFIG_NET_TEAM" },
	{ "geneve", "geneve", "CONFIG_GENEVE" },
	{ "gre", "ip_gre", "CONFIG_NET_IPGRE" },
	{ "gretap", "ip_gre", "CONFIG_NET_IPGRE" },
	{ "ip6gre", "ip6_gre", "CONFIG_IPV6_GRE" },
	{ "ipip", "ipip", "CONFIG_NET_IPIP" },
	{ "sit", "sit", "CONFIG_IPV6_SIT" },
	{ "wireguard", "wireguard", "CONFIG_WIREGUARD" },
	{ "ifb", "ifb", "CONFIG_IFB" },
	{ "netem", "sch_netem", "CONFIG_NET_SCH_NETEM" },
	{ "tbf", "sch_tbf", "CONFIG_NET_SCH_TBF" },
	{ "htb", "sch_htb", "CONFIG_NET_SCH_HTB" },
};

/* See kfeature.h. */
int kfeature_missing(const char *kind, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(kfeatures) / sizeof(kfeatures[0]); i++)
		if (strcmp(kfeatures[i].kind, kind) == 0) {
			snprintf(buf, len, "this kernel has no %s module: %s",
				 kfeatures[i].module, kfeatures[i].config);
			return 1;
		}
	return 0;
}

/* Options of a kind that need a CONFIG_ of their own: the kind's module
 * is there (it made the link) but refuses them with EOPNOTSUPP. */
static const struct {
	const char *kind, *option, *what, *config;
} koptions[] = {
	{ "bridge", "vlan_filtering", "bridge VLAN filtering", "CONFIG_BRIDGE_VLAN_FILTERING" },
};

/* See kfeature.h. */
int kfeature_option(const char *kind, const char *option, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(koptions) / sizeof(koptions[0]); i++)
		if (!strcmp(koptions[i].kind, kind) && !strcmp(koptions[i].option, option)) {
			snprintf(buf, len, "this kernel has no %s (%s)", koptions[i].what,
				 koptions[i].config);
			return 1;
		}
	return 0;
}
