/*
 * nlsock.h - the netlink plumbing without Lua (nlsock.c): one socket per
 * network namespace nsl talks to, in a bounded LRU cache, and the one
 * function that sends requests and reads their answers.  The Lua side
 * (nl.c, nl.h) keeps one struct nl_state per Lua state.
 */
#ifndef NSL_NLSOCK_H
#define NSL_NLSOCK_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/sys.h"
#include "nlwire.h"

#define NL_REQ_SIZE	8192		/* one request (or a small batch) */
#define NL_CACHE_MAX	64		/* namespaces with an open socket */

/* One network namespace nsl talks to: its fd (for setns and
 * IFLA_NET_NS_FD) and a netlink socket born inside it. */
struct nl_ns {
	char name[NAME_MAX + 1];	/* "" for the namespace nsl started in */
	dev_t dev;			/* identity of the namespace, so a name */
	ino_t ino;			/* deleted and made again is noticed */
	int fd;
	struct mnl_socket *sock;	/* NETLINK_ROUTE, opened on first request */
	struct mnl_socket *diag;	/* NETLINK_SOCK_DIAG, on first sock_list */
	unsigned int seq;
	int busy;			/* nl_talk is reading its socket */
	int doomed;			/* forgotten while busy: close after */
	unsigned long used;		/* LRU clock */
};

/* The namespace nsl started in and the cache of the others. */
struct nl_state {
	struct nl_ns home;
	struct nl_ns cache[NL_CACHE_MAX];
	int size;			/* slots in use: fits RLIMIT_NOFILE */
	unsigned long clock;
};

/* An empty cache sized for the fd limit; then the start namespace as
 * home (0 or -errno). */
void nls_init(struct nl_state *st);
int nls_open_home(struct nl_state *st);

/* Closes every socket and namespace fd; safe twice. */
void nls_close_all(struct nl_state *st);

/* The cache entry of /run/netns/name, opened when missing; NULL with
 * *err (an errno) and *why (a reason or NULL) when it is no namespace. */
struct nl_ns *nls_lookup(struct nl_state *st, const char *name, int *err,
			 const char **why);

/* The namespace /run/netns/name for one call: its cache entry when it
 * has one, else an entry opened into tmp outside the cache (NULL when it
 * is no namespace).  nls_release(tmp) closes what was opened (and
 * nothing else), so that no socket or fd of ours keeps a namespace the
 * run does not talk to alive past the call. */
struct nl_ns *nls_borrow(struct nl_state *st, const char *name,
			 struct nl_ns *tmp);
void nls_release(struct nl_ns *tmp);

/* Switches the thread into ns / back to the start namespace; 0 or
 * -errno. */
int nls_enter(struct nl_ns *ns);
int nls_leave(struct nl_state *st);

/* Marks ns most recently used. */
void nls_touch(struct nl_state *st, struct nl_ns *ns);

/* Caches the namespace the thread is in now under name and opens its
 * socket; 0 or -errno. */
int nls_here(struct nl_state *st, const char *name);

/* Fills out with up to max open entries; returns how many. */
int nls_cached(struct nl_state *st, struct nl_ns **out, int max);

/* Forgets the entry of name (closed now, or after the read in progress). */
void nls_forget(struct nl_state *st, const char *name);

/* Sends the len bytes of requests at buf in one datagram and reads every
 * answer (see nl_talk in nl.h); 0 or the first -errno. */
int nls_talk(struct nl_state *st, struct nl_ns *ns, void *buf, size_t len,
	     nl_cb cb, void *data, char *ext, size_t extlen);

/* The same over the namespace's socket of protocol proto (NETLINK_ROUTE
 * or NETLINK_SOCK_DIAG). */
int nls_talk_proto(struct nl_state *st, struct nl_ns *ns, int proto, void *buf,
		   size_t len, nl_cb cb, void *data, char *ext, size_t extlen);

#endif
