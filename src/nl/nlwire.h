/*
 * nlwire.h - one batch of netlink requests on one socket, without Lua
 * and without namespaces (nlwire.c); nlsock.h picks the socket.
 */
#ifndef NSL_NLWIRE_H
#define NSL_NLWIRE_H

#include <stddef.h>

#include <libmnl/libmnl.h>

#define NL_RECV_SIZE	32768		/* one datagram of a dump */

/* A reply message that is not an ack; return 0, or -errno to fail the
 * request (the remaining replies are still read). */
typedef int (*nl_cb)(const struct nlmsghdr *nlh, void *data);

/* Sends the len bytes of requests at buf on sock in one datagram,
 * numbering them from *seq + 1 (an ack asked for all but dumps), and
 * reads every answer: cb(message, data) on each that is not an ack,
 * replies of other numbers skipped (left by a request a Lua error cut
 * short), EINTR retried.  0 or the first -errno, with the kernel's
 * extended-ack text in ext (when given).  Never raises. */
int nlw_talk(struct mnl_socket *sock, unsigned int *seq, void *buf,
	     size_t len, nl_cb cb, void *data, char *ext, size_t extlen);

#endif
