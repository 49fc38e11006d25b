/*
 * nsl.h - the whole boundary between nsl's C parts.
 *
 * The command (src/cmd: main.c, repl.c, call.c) creates the Lua state;
 * the primitive
 * files (one per kernel concept) each export one nsl_open_* function that
 * adds their functions to the module table on top of the stack.
 */
#ifndef NSL_H
#define NSL_H

#include <signal.h>
#include <stddef.h>
#include <sys/socket.h>

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#include "base/record.h"
#include "base/sys.h"

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

/* The end of a run (record.c): with signals blocked, rolls back what the
 * run's record still names when the run failed (failed, or a signal is
 * pending), closes the state (every __gc/__close), then closes and removes
 * the record.  The pending signal, if any, is left in nsl_signal.
 * Returns nonzero when a teardown failed during the run or now, where no
 * caller could catch it (a __close at scope end, the end of the run): the
 * exit status must then say the run failed. */
int nsl_run_end(lua_State *L, int failed);

/* The run's record (base/record.h: the file; record.c: its Lua side).
 * Raises "<prim>: <obj>: cannot keep the run's record in DIR: <reason>",
 * with how to get the right when the reason is a missing privilege. */
int nsl_rec_fail(lua_State *L, const char *prim, const char *obj, int err);

/* Claims path for a namespace of kind ("uts", "mnt") to be bound on:
 * the record's "+kind PATH TMP" line, a placeholder private to the run
 * beside it (its directory made), which takes path by link(2), so a
 * namesake is refused (EEXIST); 0 or an errno, nothing left on failure
 * (*rec holds that errno when it was the record that could not be
 * written: the caller raises with nsl_rec_fail).  nsl_ns_unclaim undoes
 * it (unmount, unlink, "-kind PATH"). */
int nsl_ns_claim(const char *kind, const char *path, int *rec);
void nsl_ns_unclaim(const char *kind, const char *path);

/* Removes a namespace's binding at path (lazy unmount, unlink, "-kind
 * PATH" in the record): pushes true, or false when path was not there;
 * raises "<prim>: <path>: <reason>" otherwise. */
int nsl_ns_unbind(lua_State *L, const char *prim, const char *kind, const char *path);

/* Pushes the sorted names in directory path (no "." or "..") as a Lua
 * array; 0, or -errno with nothing pushed. */
int nsl_push_dir(lua_State *L, const char *path);

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

/* Is chunk (a Lua source name, "@...") part of nsl's own Lua library? */
int nsl_library_chunk(const char *chunk);

/* Pushes "file:line" of the innermost Lua function outside nsl's library
 * on the running stack (the user's line), or nil. */
void nsl_push_where(lua_State *L);

/* Primitives (prim.c) and their options (opts.c).
 *
 * Each file of primitives declares them in one table of struct nsl_prim:
 *
 *   static const struct nsl_prim addr_prims[] = {
 *           { "addr_add", l_addr_add, 3, "ns nodad" },
 *           { "addr_list", l_addr_list, 1, "ns dev" },
 *           { NULL }
 *   };
 *
 * opt_arg is the position of the options table (0: the primitive takes
 * none), keys the option names it accepts, space-separated; adding an
 * option is one word there.  The opener calls nsl_register(L, prims);
 * each primitive finds its entry as nsl_self(L) and reads its options
 * with nsl_opts_begin and the nsl_opt_* readers below.  Every option
 * error is an nsl error (EINVAL) beginning "<prim>: ". */
struct nsl_prim {
	const char *name;
	lua_CFunction fn;
	int opt_arg;
	const char *keys;
};

/* Adds the primitives of prims (up to a NULL name) / one primitive to
 * the module table at index 1, each a closure whose upvalue 1 is its
 * entry, and records the declaration in the table's _options
 * ({ [name] = { arg = opt_arg, keys = { ... } } }, for the specs). */
void nsl_register(lua_State *L, const struct nsl_prim *prims);	/* prim.c */
void nsl_register_one(lua_State *L, const struct nsl_prim *p);

/* The entry of the running primitive (its upvalue 1). */
const struct nsl_prim *nsl_self(lua_State *L);

/* An options table being read: idx is its absolute stack index (0 when
 * the argument is absent or nil); obj, when set, names the object in
 * range errors ("link_set: lo: mtu must be 68 to 65535"). */
struct nsl_opts {
	lua_State *L;
	const struct nsl_prim *p;
	int idx;
	const char *obj;
};

/* Starts reading p's options from argument idx (0: p->opt_arg): a Lua
 * argument error unless it is a table, nil or absent; raises "<prim>:
 * unknown option 'upp' (did you mean 'up'?)" for a key p does not
 * declare. */
void nsl_opts_begin(lua_State *L, struct nsl_opts *o,
		    const struct nsl_prim *p, int idx);

/* Typed readers: the value, or def when the key is absent or nil.
 * Raise "<prim>: option 'key': <type> expected, got <type>"; a string
 * with a NUL byte, an integer outside lo..hi are refused too. */
const char *nsl_opt_str(struct nsl_opts *o, const char *key, const char *def);
lua_Integer nsl_opt_int(struct nsl_opts *o, const char *key, lua_Integer lo,
			lua_Integer hi, lua_Integer def);
int nsl_opt_bool(struct nsl_opts *o, const char *key, int def);

/* The type of an option (LUA_TNIL when absent); the stack is unchanged. */
int nsl_opt_type(struct nsl_opts *o, const char *key);

/* Pushes an option's raw value (for tables such as env, mounts);
 * returns its type. */
int nsl_opt_push(struct nsl_opts *o, const char *key);

/* Raises the type error above for the value on top of the stack. */
int nsl_opt_type_error(struct nsl_opts *o, const char *key, const char *want);

/* A string or a number (a uid, a port...) as text, NULL when absent;
 * when not NULL its text is pushed, and the caller keeps it alive (pops
 * or anchors it).  Raises as nsl_opt_str. */
const char *nsl_opt_pushtext(struct nsl_opts *o, const char *key);

/* Whether the primitive declares option key. */
int nsl_opt_declared(struct nsl_opts *o, const char *key);

/* Raises "<prim>: <message>" (EINVAL): the shape of every option error
 * a reader above does not give itself ("option 'fds': ..."). */
int nsl_opt_fail(struct nsl_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Starts reading the fields of the table at idx that is part of an
 * option (a mount entry...) with the readers above, p's keys being its
 * fields; unknown keys are not refused. */
void nsl_opts_fields(lua_State *L, struct nsl_opts *o,
		     const struct nsl_prim *p, int idx);

/* Raises "<prim>: <obj>: <what> must be lo to hi" (EINVAL; without obj
 * "<prim>: <what> ...") unless lo <= v <= hi: the one shape of every
 * range error (mtu, VLAN id, VNI, port...). */
void nsl_check_range(lua_State *L, const char *prim, const char *obj,
		     const char *what, lua_Integer v, lua_Integer lo,
		     lua_Integer hi);

/* Timeouts and other durations, one rule for every reader: a finite
 * number of seconds, not negative (NaN and -1 are mistakes, not "no
 * limit": leaving the argument out is).  nsl_check_seconds reads
 * argument idx (def when absent or nil; else a Lua argument error
 * NSL_SECONDS_WANTED), nsl_opt_seconds option key (raises "<prim>:
 * option 'key': ..."). */
#define NSL_SECONDS_WANTED "expected a non-negative number of seconds"
int nsl_seconds_ok(double v);
double nsl_check_seconds(lua_State *L, int idx, double def);
double nsl_opt_seconds(struct nsl_opts *o, const char *key, double def);

/* luaL_checkstring for a string that goes to the kernel or a path:
 * raises "<prim>: a\0b: contains a NUL byte" (EINVAL) when it holds
 * one, since C would cut it short there. */
const char *nsl_checkstring(lua_State *L, int idx, const char *prim);

/* Sets field k of the table on top to v (push.c). */
void nsl_set_int(lua_State *L, const char *k, lua_Integer v);
void nsl_set_str(lua_State *L, const char *k, const char *v);
void nsl_set_bool(lua_State *L, const char *k, int v);

/* The metatable of a handle type (a userdata), as liolib's createmeta
 * builds it (handle.c): named name (luaL_checkudata), methods in
 * __index (with index, a closure over the methods table as upvalue 1:
 * fields before methods), close as __gc and __close (so `local h <close>
 * = ...` works; it must be safe twice), tostring as __tostring (NULL:
 * none).  Made once per state; the stack is unchanged. */
void nsl_handle_meta(lua_State *L, const char *name, const luaL_Reg *methods,
		     lua_CFunction index, lua_CFunction close,
		     lua_CFunction tostring);

/* Openers (lib/core.c calls each, building nsl.core): each adds its
 * primitives to the table at stack index 1. */
int nsl_open_clock(lua_State *L);	/* clock.c: sleep, now */
int nsl_open_error(lua_State *L);	/* error.c: _fail */
int nsl_open_fs(lua_State *L);		/* fs.c: _mkdir, mkdtemp, _rmdir, _rmtree, _lock, _unlock, _read_file, _write_whole */
int nsl_open_json(lua_State *L);	/* json.c: _json_encode, _json_decode, _json_null */

/* json.c: pushes a jansson document as Lua (objects and arrays as tables,
 * integers as integers, null as nil or, with nulls, the light userdata
 * NULL) and frees it; raises when it is nested too deeply. */
struct json_t;
void nsl_push_json(lua_State *L, struct json_t *doc, int nulls);

int nsl_open_signal(lua_State *L);	/* signal.c: _shield */
int nsl_open_record(lua_State *L);	/* record.c: _record, _record_seq, _record_dir */
int nsl_open_sys(lua_State *L);		/* sys.c: _proc_stat, _kill, _netns_pids, _netns_busy, _readdir, _stat, _unlink, _uts_add, _uts_del, signals, _netns_dir */
int nsl_open_nodefs(lua_State *L);	/* nodefs.c: _mnt_add, _mnt_del */
int nsl_open_users(lua_State *L);	/* users.c: _user, _group */
int nsl_open_netns(lua_State *L);	/* netns.c: ns_add, ns_del, ns_list, ns_exists */
int nsl_open_link(lua_State *L);	/* link.c: veth_add, bridge_add..., link_set, link_del, link_set_ns, _link_kinds */
int nsl_open_linkinfo(lua_State *L);	/* linkinfo.c: link_list, link_get, link_exists */
int nsl_open_brvlan(lua_State *L);	/* brvlan.c: bridge_vlan_add, bridge_vlan_del, bridge_vlan_list */
int nsl_open_fdb(lua_State *L);		/* fdb.c: fdb_add, fdb_del, fdb_list */
int nsl_open_qdisc(lua_State *L);	/* qdisc.c: link_impair */
int nsl_open_addr(lua_State *L);	/* addr.c: addr_add, addr_set, addr_del, addr_list, addr_flush */
int nsl_open_route(lua_State *L);	/* route.c: route_add, route_del */
int nsl_open_linkwait(lua_State *L);	/* linkwait.c: link_wait */
int nsl_open_routeinfo(lua_State *L);	/* routeinfo.c: route_list, route_get, route_flush */
int nsl_open_rule(lua_State *L);	/* rule.c: rule_add, rule_del, rule_list */
int nsl_open_neigh(lua_State *L);	/* neigh.c: neigh_add, neigh_del, neigh_list */
int nsl_open_sysctl(lua_State *L);	/* sysctl.c: sysctl */
int nsl_open_sockdiag(lua_State *L);	/* sockdiag.c: sock_list */
int nsl_open_exec(lua_State *L);	/* exec.c: ns_exec, spawn, pid_exec */
int nsl_open_proc(lua_State *L);	/* proc.c: the process handle type */
int nsl_open_nft(lua_State *L);	/* nft.c: nft, nft_list */
int nsl_open_sock(lua_State *L);	/* sock.c: listen, connect */
int nsl_open_tcpreq(lua_State *L);	/* tcpreq.c: tcp_request */
int nsl_open_proxy(lua_State *L);	/* proxy.c: proxy */
int nsl_open_capture(lua_State *L);	/* capture.c: capture */

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
