/*
 * dump.h - the one dump loop of the *_list primitives (dump.c), as
 * iproute2's rtnl_dump_filter is for ip: a list starts with its
 * namespace, the index of its dev filter and the table of link names,
 * sends one dump whose callback appends a row per message it keeps, and
 * ends as an array whose metatable is named "nsl.<prim>" (nsl.pretty's
 * columns, nsl.json's []).  Each list is only its request and its
 * callback (a filter on this loop).
 */
#ifndef NSL_DUMP_H
#define NSL_DUMP_H

#include "nl.h"

/* What a list's callback gets as its data. */
struct nl_dump {
	lua_State *L;
	struct nl_ns *ns;
	const char *prim;
	int list;		/* stack index of the array being filled */
	int names;		/* of the table index -> link name, or 0 */
	int dev;		/* keep only this link's index (0: all) */
	const void *arg;	/* the list's own filter */
};

/* Starts the list of the running primitive from its options o (read
 * before): the namespace of opts.ns, the index of link dev (NULL: 0),
 * with names a table index -> name, then an empty array on top (the
 * stack below is cut to the primitive's arguments).  Raises as the
 * primitive ("<prim>: <dev>: No such device"...). */
struct nl_ns *nl_dump_begin(struct nl_dump *d, struct nsl_opts *o,
			    const char *dev, int names);

/* Starts a list of prim in ns as nl_dump_begin does, without options
 * (no dev, no names): the empty array on top. */
void nl_dump_start(struct nl_dump *d, lua_State *L, struct nl_ns *ns,
		   const char *prim);

/* Starts its dump request of type with a zeroed family header of hdrlen
 * bytes; errors name dev, else the namespace, else what ("links"...). */
void *nl_dump_req(struct nl_dump *d, struct nl_req *q, const char *dev,
		  const char *what, int type, size_t hdrlen);

/* Sends q, calling cb(message, d) on each answer; raises "<prim>: <obj>:
 * <reason>". */
void nl_dump_run(struct nl_dump *d, struct nl_req *q, nl_cb cb);

/* Sets the array's metatable, leaves it on top; returns 1. */
int nl_dump_done(struct nl_dump *d);

/* nl_dump_run, then nl_dump_done. */
int nl_dump_end(struct nl_dump *d, struct nl_req *q, nl_cb cb);

/* Appends the table on top to the array. */
void nl_dump_add(struct nl_dump *d);

#endif
