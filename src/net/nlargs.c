/*
 * nlargs.c - checking what scripts pass to the network primitives: names
 * of namespaces and links, option tables, CIDRs.  Mistakes are refused
 * here, before any request, with a message that says what is wrong.
 */
#include <arpa/inet.h>
#include <errno.h>
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

/* See nl.h: "aa:bb:cc:dd:ee:ff" to bytes, or raises. */
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
