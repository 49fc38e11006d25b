/*
 * nlargs.c - checking what scripts pass to the network primitives: names
 * of namespaces and links, option tables, CIDRs.  Mistakes are refused
 * here, before any request, with a message that says what is wrong.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "nl.h"

/* See nl.h: raises "<prim>: <name>: ..." unless ip would take name. */
void nl_check_nsname(lua_State *L, const char *prim, const char *name)
{
	size_t len = strlen(name);

	if (len == 0)
		nsl_fail(L, prim, name, EINVAL, "empty namespace name");
	if (len > NAME_MAX)
		nsl_fail(L, prim, name, ENAMETOOLONG,
			 "namespace name longer than %d bytes", NAME_MAX);
	if (strchr(name, '/'))
		nsl_fail(L, prim, name, EINVAL,
			 "namespace name may not contain '/'");
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		nsl_fail(L, prim, name, EINVAL,
			 "namespace name may not be '.' or '..'");
}

/* See nl.h: a name as nl_check_nsname takes it, or an absolute path to a
 * namespace file (a CNI runtime's /proc/PID/ns/net, /var/run/netns/x). */
void nl_check_nsref(lua_State *L, const char *prim, const char *name)
{
	if (name[0] != '/') {
		nl_check_nsname(L, prim, name);
		return;
	}
	if (strlen(name) > NAME_MAX)
		nsl_fail(L, prim, name, ENAMETOOLONG,
			 "namespace path longer than %d bytes", NAME_MAX);
}

/* isspace() of the kernel (lib/ctype.c), which dev_valid_name applies to
 * each byte: its table is Latin-1, so 0xa0 counts, and no byte of a
 * UTF-8 letter otherwise (ë, é pass).  The C library's isspace would
 * depend on the locale and on the sign of char. */
static int kernel_isspace(char c)
{
	unsigned char u = (unsigned char)c;

	return u == ' ' || (u >= '\t' && u <= '\r') || u == 0xa0;
}

/* See nl.h: raises "<prim>: <name>: ..." unless the kernel would take it. */
void nl_check_ifname(lua_State *L, const char *prim, const char *name)
{
	size_t len = strlen(name), i;

	if (len == 0)
		nsl_fail(L, prim, name, EINVAL, "empty interface name");
	if (len >= IF_NAMESIZE)
		nsl_fail(L, prim, name, EINVAL,
			 "interface name longer than %d bytes", IF_NAMESIZE - 1);
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		nsl_fail(L, prim, name, EINVAL,
			 "interface name may not be '.' or '..'");
	for (i = 0; i < len; i++)
		if (name[i] == '/' || name[i] == ':' || kernel_isspace(name[i]))
			nsl_fail(L, prim, name, EINVAL,
				 "interface name may not contain '/', ':' or white space");
}

/* See nl.h: "addr[/prefix]" to bytes; 0 or -1 with why. No Lua. */
int nl_parse_cidr(const char *s, int *family, unsigned char addr[16],
		  int *prefix, const char **why)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/'), *p;
	size_t hlen = slash ? (size_t)(slash - s) : strlen(s);
	int max;

	*why = "not an IPv4 or IPv6 address";
	if (hlen >= sizeof(host))
		return -1;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, addr) == 1)
		*family = AF_INET, max = 32;
	else if (inet_pton(AF_INET6, host, addr) == 1)
		*family = AF_INET6, max = 128;
	else
		return -1;
	*prefix = max;
	if (!slash)
		return 0;
	*why = *family == AF_INET ? "prefix length must be 0 to 32" :
				    "prefix length must be 0 to 128";
	p = slash + 1;
	if (*p == '\0' || strlen(p) > 3)
		return -1;
	for (*prefix = 0; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		*prefix = *prefix * 10 + (*p - '0');
	}
	return *prefix <= max ? 0 : -1;
}

static const struct {
	const char *name;
	int id;
} tables[] = {
	{ "main", RT_TABLE_MAIN }, { "local", RT_TABLE_LOCAL },
	{ "default", RT_TABLE_DEFAULT },
};

/* See nl.h: opts.table as a number (a name, "all" = 0, or an integer). */
lua_Integer nl_table_opt(struct nsl_opts *o, lua_Integer def)
{
	size_t i;

	if (nsl_opt_type(o, "table") == LUA_TSTRING) {
		const char *s = nsl_opt_str(o, "table", NULL);

		for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
			if (!strcmp(s, tables[i].name))
				return tables[i].id;
		if (!strcmp(s, "all"))
			return 0;
		return nsl_fail(o->L, o->p->name, s, EINVAL,
				"unknown table (a number, main, local, default or all)");
	}
	return nsl_opt_int(o, "table", 1, 0x7fffffff, def);
}

/* See nl.h: the family option: AF_INET, AF_INET6, or 0 when absent. */
int nl_family_opt(struct nsl_opts *o)
{
	const char *fam = nsl_opt_str(o, "family", NULL);

	if (!fam)
		return 0;
	if (!strcmp(fam, "inet"))
		return AF_INET;
	if (!strcmp(fam, "inet6"))
		return AF_INET6;
	return nsl_fail(o->L, o->p->name, fam, EINVAL,
			"unknown family (inet or inet6)");
}

/* Route protocols by name, as iproute2's etc/iproute2/rt_protos has them
 * (lib/rt_names.c reads that file): the same words in both directions. */
static const char *const protos[256] = {
	[0] = "unspec", [1] = "redirect", [2] = "kernel", [3] = "boot",
	[4] = "static", [8] = "gated", [9] = "ra", [10] = "mrt",
	[11] = "zebra", [12] = "bird", [13] = "dnrouted", [14] = "xorp",
	[15] = "ntk", [16] = "dhcp", [18] = "keepalived", [42] = "babel",
	[99] = "openr", [186] = "bgp", [187] = "isis", [188] = "ospf",
	[189] = "rip", [192] = "eigrp",
};

/* See nl.h: iproute2's word for a route protocol, or NULL. */
const char *nl_proto_name(unsigned int p)
{
	return p < 256 ? protos[p] : NULL;
}

/* See nl.h: opts[key] as a route protocol: a name of rt_protos or an
 * integer 0..255; def when absent. */
int nl_proto_opt(struct nsl_opts *o, const char *key, int def)
{
	const char *s;
	int i;

	if (nsl_opt_type(o, key) != LUA_TSTRING)
		return (int)nsl_opt_int(o, key, 0, 255, def);
	s = nsl_opt_str(o, key, NULL);
	for (i = 0; i < 256; i++)
		if (protos[i] && !strcmp(s, protos[i]))
			return i;
	return nsl_fail(o->L, o->p->name, s, EINVAL,
			"unknown %s (a number 0 to 255 or a name of iproute2's rt_protos: "
			"static, boot, kernel, zebra, bird, babel, bgp, isis, ospf, rip, ...)",
			key);
}

/* See nl.h: "aa:bb:cc:dd:ee:ff" into mac; raises otherwise. */
void nl_parse_mac(lua_State *L, const char *prim, const char *obj,
		  const char *s, unsigned char mac[6])
{
	unsigned int b[6];
	char end;
	int i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &end) != 6 || strlen(s) != 17)
		nsl_fail(L, prim, obj, EINVAL,
			 "bad MAC address '%s' (want aa:bb:cc:dd:ee:ff)", s);
	for (i = 0; i < 6; i++)
		mac[i] = (unsigned char)b[i];
}
