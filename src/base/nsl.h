/*
 * nsl.h - the whole boundary between nsl's C parts.
 *
 * The host (main.c, repl.c, embed.c) creates the Lua state; the primitive
 * files (one per kernel concept) each export one nsl_open_* function that
 * adds their functions to the module table on top of the stack.
 */
#ifndef NSL_H
#define NSL_H

#include <signal.h>

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#define NSL_NAME "nsl"
#define NSL_VERSION "0.1.0"

/* Signal bookkeeping (signal.c).  The handler only stores the signal number
 * and arms a Lua hook; blocking primitives also see EINTR and should call
 * nsl_check_signal() in their retry loops. */
extern volatile sig_atomic_t nsl_signal;

/* Raises "interrupted!"/"terminated!" when a signal is pending; else returns. */
void nsl_check_signal(lua_State *L);

/* Installs or removes the handlers that turn SIGINT/SIGTERM/SIGHUP into a
 * Lua error inside L (signal.c). */
void nsl_signals_arm(lua_State *L);
void nsl_signals_disarm(void);

/* Fills set with the signals that become Lua errors, for a primitive that
 * checks nsl_signal with them blocked and then waits with ppoll(). */
void nsl_signals_set(sigset_t *set);

/* Runs the function on the stack (below nargs arguments) under a traceback
 * handler with signals armed; leaves results or the error message. */
int nsl_docall(lua_State *L, int narg, int nres);

/* Prints "nsl: message" for a non-OK status and pops it; returns status. */
int nsl_report(lua_State *L, int status);

/* The REPL (repl.c). */
void nsl_repl(lua_State *L);

/* Errors of primitives (error.c).  Raises an error object whose tostring
 * is "<primitive>: <object>: <reason>" with fields primitive, object,
 * reason, errno (a number, or nil when err is 0) and code ("EEXIST").
 * reason is formatted from fmt; when fmt is NULL it is strerror(err).
 * String methods work on it (err:match(...)).  Never returns. */
int nsl_fail(lua_State *L, const char *primitive, const char *object,
	     int err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Pushes the same error object instead of raising it. */
void nsl_push_error(lua_State *L, const char *primitive, const char *object,
		    int err, const char *reason);

/* Module registration (core.c).  luaopen_nsl_core builds the table of C
 * primitives; nsl_openlibs registers it and the embedded Lua library in
 * package.preload and makes the primitives global (all but those whose
 * names start with "_", which only the Lua library uses). */
int luaopen_nsl_core(lua_State *L);

/* Openers: each adds its primitives to the table at stack index 1. */
int nsl_open_clock(lua_State *L);	/* clock.c: sleep, now */
int nsl_open_error(lua_State *L);	/* error.c: _fail */
int nsl_open_fs(lua_State *L);		/* fs.c: _mkdir, _rmtree */
int nsl_open_signal(lua_State *L);	/* signal.c: _shield */
int nsl_open_netns(lua_State *L);	/* netns.c: ns_add, ns_del, ns_list, ns_exists */
int nsl_open_link(lua_State *L);	/* link.c: veth_add, bridge_add..., link_set, link_del, link_set_ns */
int nsl_open_linkinfo(lua_State *L);	/* linkinfo.c: link_list, link_get, link_exists */
int nsl_open_addr(lua_State *L);	/* addr.c: addr_add, addr_del, addr_list */
int nsl_open_route(lua_State *L);	/* route.c: route_add, route_del, route_list */
int nsl_open_sysctl(lua_State *L);	/* sysctl.c: sysctl */
int nsl_open_sockdiag(lua_State *L);	/* sockdiag.c: sock_list */
int nsl_open_exec(lua_State *L);	/* exec.c: ns_exec, spawn, pid_exec */
int nsl_open_proc(lua_State *L);	/* proc.c: the process handle type */
int nsl_open_dir(lua_State *L);	/* dir.c: _readdir */
int nsl_open_nft(lua_State *L);	/* nft.c: nft, nft_list */
int nsl_open_sock(lua_State *L);	/* sock.c: listen, connect */
int nsl_openlibs(lua_State *L);

/* The descriptor of the nsl socket handle at idx (sock.c): -1 when it is
 * closed, -2 when the value is no socket (issue 16, for exec's fds). */
int nsl_sock_fd(lua_State *L, int idx);

/* Embedded Lua library (embed.c, with the generated lua_embed.c). */
struct nsl_embedded {
	const char *module;	/* "nsl.pretty" */
	const char *path;	/* "lua/nsl/pretty.lua" */
	const unsigned char *data;
	unsigned long size;
};
extern const struct nsl_embedded nsl_embedded[];

/* Fills package.preload from nsl_embedded, or, when NSL_LUA_DIR is set,
 * puts that directory first in package.path instead. */
void nsl_embed_register(lua_State *L);

#endif
