/*
 * nl.h - private to the network primitives (netns.c, link.c,
 * linkinfo.c, addr.c, route.c, sysctl.c): the per-namespace netlink
 * socket cache of this Lua state and the one helper that sends requests
 * and reads their answers (nlstate.c over the Lua-free nl.c, nlsock.h),
 * building requests (nlreq.c), link names and indexes (ifindex.c),
 * argument checks (nlargs.c).
 */
#ifndef NSL_NL_H
#define NSL_NL_H

#include "nsl.h"
#include "nlsock.h"

/* Validates a namespace name as ip does (no '/', not "." or "..", at most
 * NAME_MAX bytes); raises "<prim>: <name>: invalid namespace name". */
void nl_check_nsname(lua_State *L, const char *prim, const char *name);

/* As nl_check_nsname, but an absolute path (a namespace file anywhere,
 * as /proc/PID/ns/net) is taken too, up to NAME_MAX bytes. */
void nl_check_nsref(lua_State *L, const char *prim, const char *name);

/* Validates an interface name as the kernel's dev_valid_name does
 * (1..15 bytes, not "." or "..", no '/', ':' or white space as the
 * kernel's isspace sees it: ASCII space, \t \n \v \f \r and 0xa0);
 * raises "<prim>: <name>: ..." with EINVAL or ENAMETOOLONG. */
void nl_check_ifname(lua_State *L, const char *prim, const char *name);

/* The namespace called name (NULL: the one nsl started in), from the
 * cache or opened now; raises "<prim>: <name>: ..." when it does not
 * exist or cannot be entered. */
struct nl_ns *nl_ns(lua_State *L, const char *prim, const char *name);

/* The namespace called name for the length of one call, without
 * raising: the cached entry when the run talks to it already, else one
 * opened into tmp (NULL when name is no namespace).  The caller calls
 * nl_ns_release(tmp) before it returns or raises: a namespace that is
 * not the run's (another run's, one ip made) is never kept open. */
struct nl_ns *nl_ns_borrow(lua_State *L, const char *name, struct nl_ns *tmp);
void nl_ns_release(struct nl_ns *tmp);

/* Marks ns most recently used, so that looking up others cannot evict it
 * (only 64 stay cached). */
void nl_touch(lua_State *L, struct nl_ns *ns);

/* Records the namespace the calling thread is in now under name and
 * opens its socket (ns_add calls it between unshare and switching back,
 * so it never raises); returns 0 or -errno. */
int nl_ns_here(lua_State *L, const char *name);

/* Fills out with up to max cached namespaces; returns how many. */
int nl_cached(lua_State *L, struct nl_ns **out, int max);

/* Forgets a cached namespace (ns_del). */
void nl_forget(lua_State *L, const char *name);

/* Switches the thread into ns / back to the start namespace; return 0 or
 * -errno.  Nothing may raise between the two. */
int nl_enter(lua_State *L, struct nl_ns *ns);
int nl_leave(lua_State *L);

/* Sends the len bytes of requests at buf in one datagram (sequence
 * numbers and NLM_F_ACK are filled in; dumps keep NLM_F_DUMP) and reads
 * until each is answered, calling cb on data messages.  Returns 0 or the
 * first -errno, with the kernel's extended-ack text in ext ("" if none).
 * Re-entrant: a call made while another reads the same namespace's
 * socket (a __gc run by the allocations of a dump's callback) talks over
 * a socket of its own, so neither sees the other's replies.  A
 * signal does not cut it short (the kernel has already acted on the
 * request): the Lua hook raises once the primitive returns. */
int nl_talk(lua_State *L, struct nl_ns *ns, void *buf, size_t len,
	    nl_cb cb, void *data, char *ext, size_t extlen);

/* The same over the namespace's socket of protocol proto (NETLINK_ROUTE,
 * or NETLINK_SOCK_DIAG, cached beside it on first use). */
int nl_talk_proto(lua_State *L, struct nl_ns *ns, int proto, void *buf,
		  size_t len, nl_cb cb, void *data, char *ext, size_t extlen);

/* nl_talk for one message, raising "<prim>: <obj>: <reason>" on error. */
void nl_do(lua_State *L, struct nl_ns *ns, struct nlmsghdr *nlh, nl_cb cb,
	   void *data, const char *prim, const char *obj);

/* Interface index of link `name` in ns; raises "<prim>: <name>: No such
 * device" when there is none. */
int nl_ifindex(lua_State *L, struct nl_ns *ns, const char *prim,
	       const char *name);

/* The same without raising: the index, or -errno (-ENODEV: none). */
int nl_link_index(lua_State *L, struct nl_ns *ns, const char *name);

/* Name of interface index in ns into buf (IF_NAMESIZE); 0 or -errno. */
int nl_ifname(lua_State *L, struct nl_ns *ns, int index, char *buf);

/* Pushes a table index -> interface name of every link in ns (one
 * dump); raises as prim. */
void nl_push_ifnames(lua_State *L, struct nl_ns *ns, const char *prim);

/* The namespace named by option "ns" (absent: the start namespace);
 * raises as nl_ns. */
struct nl_ns *nl_opts_ns(struct nsl_opts *o);

/* A netlink request being built (nlreq.c): every primitive starts one
 * with nl_req_start and puts attributes with the bounded nl_put*; one
 * that would not fit raises "<prim>: <obj>: request too long". */
struct nl_req {
	char buf[NL_REQ_SIZE] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;		/* the message being built */
	size_t base;			/* its offset in buf (batches) */
	lua_State *L;
	const char *prim, *obj;		/* for errors */
	int proto;			/* NETLINK_ROUTE unless changed after start */
};

/* Starts a request of type with flags (NLM_F_CREATE|NLM_F_EXCL for new
 * objects, NLM_F_DUMP...; nl_talk adds NLM_F_REQUEST, NLM_F_ACK and the
 * sequence number) and returns its zeroed family header of hdrlen bytes
 * (struct ifinfomsg...). */
void *nl_req_start(struct nl_req *r, lua_State *L, const char *prim,
		   const char *obj, int type, int flags, size_t hdrlen);
void *nl_put_hdr(struct nl_req *r, size_t len);

/* Starts another message after the current one, for a batch sent in one
 * datagram (nl_talk(..., r->buf, nl_req_len(r), ...)); returns its
 * family header. */
void *nl_req_next(struct nl_req *r, int type, int flags, size_t hdrlen);
size_t nl_req_len(const struct nl_req *r);
void nl_put(struct nl_req *r, int type, size_t len, const void *data);
void nl_put_u8(struct nl_req *r, int type, uint8_t v);
void nl_put_u16(struct nl_req *r, int type, uint16_t v);
void nl_put_u32(struct nl_req *r, int type, uint32_t v);
void nl_put_strz(struct nl_req *r, int type, const char *s);
struct nlattr *nl_nest_start(struct nl_req *r, int type);
void nl_nest_end(struct nl_req *r, struct nlattr *nest);

/* Sends the request and reads its answer, calling cb on data messages;
 * raises "<prim>: <obj>: <reason>" (nl_do). */
void nl_req_do(struct nl_req *r, struct nl_ns *ns, nl_cb cb, void *data);

/* Flushing as ip does: a dump's callback keeps the messages it wants
 * (nl_keep appends h to the list at stack index list, as a string), then
 * nl_resend sends each again as type (RTM_DELROUTE...), skipping those
 * the kernel answers with errno gone (they went with an earlier one);
 * returns how many it deleted; raises "<prim>: <obj>: <reason>". */
void nl_keep(lua_State *L, int list, const struct nlmsghdr *h);
lua_Integer nl_resend(lua_State *L, struct nl_ns *ns, const char *prim,
		      const char *obj, int list, int type, int gone);

/* Raises "<prim>: <obj>: <what> longer than max bytes" (ENAMETOOLONG)
 * when s is: strings are checked against the kernel's limit before they
 * are put (an alias at most 255 bytes...). */
void nl_check_len(lua_State *L, const char *prim, const char *obj,
		  const char *what, const char *s, size_t max);

/* Whether this run made link name, now ifindex index in ns (its "+link"
 * line is in the run's record): what goes with that link needs no record
 * line of its own (link.c). */
int nl_link_made(struct nl_ns *ns, const char *name, int index);

/* Parses "addr[/prefix]" (IPv4 or IPv6) into family, bytes, prefix
 * (default: full length); 0 or -1 with a reason in why. */
int nl_parse_cidr(const char *s, int *family, unsigned char addr[16],
		  int *prefix, const char **why);

/* Parses a MAC address "aa:bb:cc:dd:ee:ff" into mac; raises "<prim>:
 * <obj>: bad MAC address '...' (want aa:bb:cc:dd:ee:ff)" otherwise
 * (link.c's address option, neigh.c's lladdr, fdb.c's entries). */
void nl_parse_mac(lua_State *L, const char *prim, const char *obj,
		  const char *s, unsigned char mac[6]);

/* Option readers shared by route.c and rule.c (nlargs.c).  opts.table
 * as a number: an integer 1..2^31-1 or main, local, default ("all" gives
 * 0, for the listings); def when absent.  Raises "<prim>: <name>:
 * unknown table (...)". */
lua_Integer nl_table_opt(struct nsl_opts *o, lua_Integer def);

/* opts.family: AF_INET ("inet"), AF_INET6 ("inet6"), 0 when absent;
 * raises "<prim>: <word>: unknown family (inet or inet6)". */
int nl_family_opt(struct nsl_opts *o);

/* iproute2's name of route protocol p (rt_protos: "static", "zebra",
 * "bird", "babel", "bgp", "ospf"...), or NULL for a number it has none
 * for. */
const char *nl_proto_name(unsigned int p);

/* opts[key] as a route protocol: one of those names or an integer
 * 0..255; def when absent.  Raises "<prim>: <word>: unknown <key> (...)". */
int nl_proto_opt(struct nsl_opts *o, const char *key, int def);

/* Pushes the route record of an RTM_NEWROUTE message (route_list's
 * shape) using names, the stack index of an ifindex -> name table
 * (routeinfo.c). */
void nl_push_route(lua_State *L, const struct nlmsghdr *h, int names);

/* Sets field impair of the Lua table on top to the link's root netem or
 * tbf as link_impair takes it ({ qdisc = "netem", delay = "50ms", loss =
 * "1%", ... }); leaves it absent for any other qdisc (qdisc.c). */
void nl_push_impair(lua_State *L, struct nl_ns *ns, const char *prim,
		    const char *name, int index);

#endif
