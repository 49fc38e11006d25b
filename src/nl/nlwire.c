/*
 * nlwire.c - one batch of netlink requests on one socket (nlwire.h):
 * numbered, sent in one datagram, every answer read, the kernel's
 * extended-ack text kept.  Which socket, in which namespace, is
 * nlsock.c's.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <stdio.h>

#include "nlwire.h"

struct ext_ctx {
	char *buf;
	size_t len;
};

/* mnl_attr_parse callback: copies NLMSGERR_ATTR_MSG. */
static int ext_attr(const struct nlattr *a, void *data)
{
	struct ext_ctx *c = data;

	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		snprintf(c->buf, c->len, "%s", mnl_attr_get_str(a));
	return MNL_CB_OK;
}

/* Copies the extended-ack message of an error or done message. */
static void parse_ext(const struct nlmsghdr *h, size_t off, char *ext,
		      size_t extlen)
{
	struct ext_ctx c = { ext, extlen };

	if (!ext || !(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);

		off = sizeof(*e);
		if (!(h->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	}
	if (mnl_nlmsg_get_payload_len(h) > off)
		mnl_attr_parse(h, off, ext_attr, &c);
}

/* See nlwire.h. */
int nlw_talk(struct mnl_socket *sock, unsigned int *seq, void *buf,
	     size_t len, nl_cb cb, void *data, char *ext, size_t extlen)
{
	char rbuf[NL_RECV_SIZE] __attribute__((aligned(8)));
	struct nlmsghdr *h;
	unsigned int first, last;
	int rem = (int)len, pending = 0, err = 0, n;

	first = *seq + 1;
	for (h = buf; mnl_nlmsg_ok(h, rem); h = mnl_nlmsg_next(h, &rem)) {
		h->nlmsg_seq = ++*seq;
		h->nlmsg_flags |= NLM_F_REQUEST;
		if ((h->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
			h->nlmsg_flags |= NLM_F_ACK;
		pending++;
	}
	last = *seq;
	while (mnl_socket_sendto(sock, buf, len) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	/* Replies with another sequence number are left over from a request
	 * a Lua error cut short: skipped. */
	while (pending > 0) {
		n = (int)mnl_socket_recvfrom(sock, rbuf, sizeof(rbuf));
		if (n < 0) {
			/* The kernel did the work inside sendmsg; the
			 * answer is queued: finish reading it, and let the
			 * signal's hook stop the script when we return, so
			 * a done change is never reported as failed. */
			if (errno == EINTR)
				continue;
			return err ? err : -errno;
		}
		for (h = (struct nlmsghdr *)rbuf; mnl_nlmsg_ok(h, n);
		     h = mnl_nlmsg_next(h, &n)) {
			if (h->nlmsg_seq < first || h->nlmsg_seq > last)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);

				pending--;
				if (e->error && !err) {
					err = e->error;
					parse_ext(h, 0, ext, extlen);
				}
			} else if (h->nlmsg_type == NLMSG_DONE) {
				const int *v = mnl_nlmsg_get_payload(h);

				pending--;
				if (mnl_nlmsg_get_payload_len(h) >= sizeof(int) &&
				    *v < 0 && !err) {
					err = *v;
					parse_ext(h, sizeof(int), ext, extlen);
				}
			} else if (h->nlmsg_type >= NLMSG_MIN_TYPE && cb && !err) {
				err = cb(h, data);
			}
		}
	}
	return err;
}
