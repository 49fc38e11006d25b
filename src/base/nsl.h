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
#include <stddef.h>

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#define NSL_NAME "nsl"
#define NSL_NETNS_DIR "/run/netns"	/* where named network namespaces live, as for ip */
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

/* The end of a run (record.c): with signals blocked, rolls back what the
 * run's record still names when the run failed (failed, or a signal is
 * pending), closes the state (every __gc/__close), then closes and removes
 * the record.  The pending signal, if any, is left in nsl_signal. */
void nsl_run_end(lua_State *L, int failed);

/* The run's record (record.c; format in lua/nsl/record.lua).  The
 * directory (NSL_RUN_DIR or /run/nsl) and this run's id "<pid>-<start>". */
const char *nsl_rec_dir(void);
const char *nsl_rec_id(void);

/* Opens the record (making its directory) once; 0 or -errno.  A primitive
 * that makes an object calls it before making anything. */
int nsl_rec_open(void);

/* Appends one line (printf format, ending in "\n") with one write(2);
 * 0 or -errno.  Never raises: it may run while the thread is inside
 * another namespace. */
int nsl_rec_write(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A name as the record keeps it: backslash, tab and newline escaped as
 * "\\\\", "\\t", "\\n" (a namespace name may hold them); returns buf
 * (which holds 2 * strlen(name) + 1 bytes). */
const char *nsl_rec_name(const char *name, char *buf, size_t len);

/* Counts one object made (after its line is written): Lua compares the
 * count around a call that raised, to tell whether it made something. */
void nsl_rec_made(void);

/* True when a line of this run's record starts with prefix (a scan of
 * the file: for rare calls, such as a link moved by link_set_ns). */
int nsl_rec_has(const char *prefix);

/* True once something was recorded (the record is open). */
int nsl_rec_active(void);

/* Raises "<prim>: <obj>: cannot keep the run's record in DIR: <reason>",
 * with how to get the right when the reason is a missing privilege. */
int nsl_rec_fail(lua_State *L, const char *prim, const char *obj, int err);

/* System helpers (sys.c).  /proc/PID/stat's state, ppid and start time
 * (clock ticks since boot), robust to any command name; 0 or -errno
 * (-ESRCH: no such process). */
struct nsl_pstat {
	char state;
	int ppid;
	unsigned long long start;
};
int nsl_proc_stat(long pid, struct nsl_pstat *st);

/* "dev:ino" of what path (or fd) names into buf; 0 or -errno. */
int nsl_file_id(const char *path, char *buf, size_t len);
int nsl_fd_id(int fd, char *buf, size_t len);

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
int nsl_open_signal(lua_State *L);	/* signal.c: _shield */
int nsl_open_record(lua_State *L);	/* record.c: _record, _record_seq, _record_dir */
int nsl_open_sys(lua_State *L);		/* sys.c: _proc_stat, _kill, _netns_pids, _readdir, _stat, _unlink, _uts_add, _uts_del, signals, _netns_dir */
int nsl_open_netns(lua_State *L);	/* netns.c: ns_add, ns_del, ns_list, ns_exists */
int nsl_open_link(lua_State *L);	/* link.c: veth_add, bridge_add..., link_set, link_del, link_set_ns */
int nsl_open_linkinfo(lua_State *L);	/* linkinfo.c: link_list, link_get, link_exists */
int nsl_open_addr(lua_State *L);	/* addr.c: addr_add, addr_del, addr_list */
int nsl_open_route(lua_State *L);	/* route.c: route_add, route_del, route_list */
int nsl_open_sysctl(lua_State *L);	/* sysctl.c: sysctl */
int nsl_open_exec(lua_State *L);	/* exec.c: ns_exec, spawn, pid_exec */
int nsl_open_proc(lua_State *L);	/* proc.c: the process handle type */
int nsl_openlibs(lua_State *L);

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
