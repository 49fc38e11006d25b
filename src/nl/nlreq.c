/*
 * nlreq.c - building netlink requests: the one way every network
 * primitive starts a message and puts attributes into it.
 *
 * A request lives in a struct nl_req on the caller's stack.  nl_req_start
 * writes the header (type, flags; nl_talk numbers it and adds
 * NLM_F_REQUEST/NLM_F_ACK when it is sent) and the zeroed family header;
 * every put is checked against the buffer (libmnl's *_check puts), and a
 * request that would not fit raises "<prim>: <obj>: request too long"
 * instead of writing past the buffer.  Strings are checked against the
 * kernel's limits by the primitives before they are put.
 */
#include <errno.h>
#include <string.h>

#include "nl.h"

/* Raises the error of a request that does not fit. */
static int too_long(struct nl_req *r)
{
	return nsl_fail(r->L, r->prim, r->obj, EMSGSIZE,
			"request too long (more than %d bytes)", NL_REQ_SIZE);
}

/* Room left for the current message. */
static size_t room(const struct nl_req *r)
{
	return sizeof(r->buf) - r->base;
}

/* See nl.h: a fresh request with its family header. */
void *nl_req_start(struct nl_req *r, lua_State *L, const char *prim,
		   const char *obj, int type, int flags, size_t hdrlen)
{
	memset(r->buf, 0, sizeof(r->buf));	/* padding goes out too */
	r->L = L;
	r->prim = prim;
	r->obj = obj;
	r->base = 0;
	r->proto = NETLINK_ROUTE;
	r->nlh = mnl_nlmsg_put_header(r->buf);
	r->nlh->nlmsg_type = (uint16_t)type;
	r->nlh->nlmsg_flags = (uint16_t)flags;
	return nl_put_hdr(r, hdrlen);
}

/* See nl.h: another message of a batch, after the current one. */
void *nl_req_next(struct nl_req *r, int type, int flags, size_t hdrlen)
{
	size_t base = nl_req_len(r);

	if (base + MNL_NLMSG_HDRLEN > sizeof(r->buf))
		too_long(r);
	r->base = base;
	r->nlh = mnl_nlmsg_put_header(r->buf + base);
	r->nlh->nlmsg_type = (uint16_t)type;
	r->nlh->nlmsg_flags = (uint16_t)flags;
	return nl_put_hdr(r, hdrlen);
}

/* See nl.h: bytes of the whole batch. */
size_t nl_req_len(const struct nl_req *r)
{
	return r->base + r->nlh->nlmsg_len;
}


/* See nl.h: len zeroed bytes at the end of the message (a family header,
 * also inside a nest, as a veth peer's ifinfomsg). */
void *nl_put_hdr(struct nl_req *r, size_t len)
{
	if (r->nlh->nlmsg_len + MNL_ALIGN(len) > room(r))
		too_long(r);
	return mnl_nlmsg_put_extra_header(r->nlh, len);
}

/* See nl.h: one attribute, bounded. */
void nl_put(struct nl_req *r, int type, size_t len, const void *data)
{
	if (!mnl_attr_put_check(r->nlh, room(r), (uint16_t)type, len, data))
		too_long(r);
}

void nl_put_u8(struct nl_req *r, int type, uint8_t v)
{
	nl_put(r, type, sizeof(v), &v);
}

void nl_put_u16(struct nl_req *r, int type, uint16_t v)
{
	nl_put(r, type, sizeof(v), &v);
}

void nl_put_u32(struct nl_req *r, int type, uint32_t v)
{
	nl_put(r, type, sizeof(v), &v);
}

void nl_put_strz(struct nl_req *r, int type, const char *s)
{
	nl_put(r, type, strlen(s) + 1, s);
}

/* See nl.h: opens a nested attribute, bounded. */
struct nlattr *nl_nest_start(struct nl_req *r, int type)
{
	struct nlattr *nest = mnl_attr_nest_start_check(r->nlh, room(r),
							(uint16_t)type);

	if (!nest)
		too_long(r);
	return nest;
}

void nl_nest_end(struct nl_req *r, struct nlattr *nest)
{
	mnl_attr_nest_end(r->nlh, nest);
}

/* See nl.h: sends it and reads the answer; raises "<prim>: <obj>: ...". */
void nl_req_do(struct nl_req *r, struct nl_ns *ns, nl_cb cb, void *data)
{
	char ext[256];
	int err;

	err = nl_talk_proto(r->L, ns, r->proto, r->buf, nl_req_len(r), cb, data, ext,
			    sizeof(ext));
	if (err)
		nsl_fail(r->L, r->prim, r->obj, -err, ext[0] ? "%s" : NULL, ext);
}

/* See nl.h: a string argument within the kernel's limit. */
void nl_check_len(lua_State *L, const char *prim, const char *obj,
		  const char *what, const char *s, size_t max)
{
	if (strlen(s) > max)
		nsl_fail(L, prim, obj, ENAMETOOLONG, "%s longer than %zu bytes",
			 what, max);
}

/* See nl.h: appends message h to the list at index list, as a string. */
void nl_keep(lua_State *L, int list, const struct nlmsghdr *h)
{
	lua_pushlstring(L, (const char *)h, h->nlmsg_len);
	lua_rawseti(L, list, (lua_Integer)lua_rawlen(L, list) + 1);
}

/* See nl.h: each kept message again as type; those already gone skipped. */
lua_Integer nl_resend(lua_State *L, struct nl_ns *ns, const char *prim,
		      const char *obj, int list, int type, int gone)
{
	lua_Integer i, n = (lua_Integer)lua_rawlen(L, list), done = 0;
	char ext[256];
	int err;

	for (i = 1; i <= n; i++) {
		size_t len;
		const char *msg;
		struct nl_req q;
		void *body;

		lua_rawgeti(L, list, i);
		msg = lua_tolstring(L, -1, &len);
		body = nl_req_start(&q, L, prim, obj, type, 0, len - NLMSG_HDRLEN);
		memcpy(body, msg + NLMSG_HDRLEN, len - NLMSG_HDRLEN);
		lua_pop(L, 1);
		err = nl_talk(L, ns, q.buf, nl_req_len(&q), NULL, NULL, ext, sizeof(ext));
		if (err == -gone)	/* went with one deleted before */
			continue;
		if (err)
			nsl_fail(L, prim, obj, -err, ext[0] ? "%s" : NULL, ext);
		done++;
	}
	return done;
}
