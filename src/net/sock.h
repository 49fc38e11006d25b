/*
 * sock.h - what the process floor takes from sock.c: the descriptor of a
 * socket handle (exec's fds) and the one parser of "addr:port" (proxy).
 */
#ifndef NSL_SOCK_H
#define NSL_SOCK_H

#include <sys/socket.h>

#include "lua/nsl.h"

struct nl_ns;

/* The descriptor of the nsl socket handle at idx (sock.c): -1 when it is
 * closed, -2 when the value is no socket (for exec's fds). */
int nsl_sock_fd(lua_State *L, int idx);

/* A new socket of family and type (flags such as SOCK_NONBLOCK allowed;
 * it is always close-on-exec) in ns, the thread entering and leaving it
 * (sock.c); the fd or -errno. */
int nsl_sock_in(lua_State *L, struct nl_ns *ns, int family, int type);

/* Parses "a.b.c.d:port" or "[v6]:port" into ss and len (sock.c); 0, or
 * -1 with why set to a short reason. */
int nsl_parse_sockaddr(const char *text, struct sockaddr_storage *ss,
		       socklen_t *len, const char **why);

#endif
