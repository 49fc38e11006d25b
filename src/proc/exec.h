/*
 * exec.h - private boundary between the Lua side of the process
 * primitives: ns_exec/spawn/pid_exec (exec.c), reading their arguments
 * (execopt.c), what the command joins (execjoin.c) and the process handle
 * (proc.c).  The mechanism they drive is launch.h and procio.h.
 */
#ifndef NSL_EXEC_H
#define NSL_EXEC_H

#include "lua/nsl.h"
#include "launch.h"
#include "procio.h"
#include "net/sock.h"

/* Everything one call needs, resolved from its Lua arguments. */
struct req {
	const char *prim;
	int anchor;		/* stack index of the anchor table */
	int opt_idx;		/* stack index of the options table */
	struct nsl_opts o;	/* its reader: declared keys only */
	int nanchor;
	struct launch l;
	int capture, background;
	double timeout, grace;
	int stdin_mode;		/* 0 default, 1 string, 2 pipe (true), 3 none */
	const char *in_data;
	size_t in_len;
	int pipes[3][2];	/* stdin, stdout, stderr: [0] read, [1] write */
	char idbuf[32];		/* the entered pid, as text */
	const char *enter_name[8];	/* what each of l.enter_fd came from */
};

/* The options are read from r->o with opts.c's readers; what the child
 * uses stays anchored (execopt.c). */
void req_anchor(lua_State *L, struct req *r);
void *req_anchored_array(lua_State *L, struct req *r, size_t n, size_t size);
const char *req_opt_string(lua_State *L, struct req *r, struct nsl_opts *o,
			   const char *key);
int req_opt_kinds(lua_State *L, struct req *r, const char *key);
void req_parse_cmd(lua_State *L, struct req *r, int idx);
void req_parse_env(lua_State *L, struct req *r);
const char *req_env_path(char *const *envp);
void req_parse_mounts(lua_State *L, struct req *r);
void req_parse_stdio(lua_State *L, struct req *r);
void req_parse_fds(lua_State *L, struct req *r);
const char *req_parse_time_offsets(lua_State *L, struct req *r);

/* Raises the primitive's nsl error for object (reason, or the errno's
 * text when NULL) after closing every pipe and namespace file the call
 * opened; req_close_enter closes the namespace files of a join alone. */
int req_fail(lua_State *L, struct req *r, const char *object, int err,
	     const char *reason);
void req_close_enter(struct req *r);

/* What the command joins (execjoin.c); each raises through req_fail.  A
 * named network namespace (mount: ip netns exec's /sys and /etc/netns
 * work); the namespaces of process pid (kinds: CLONE_NEW* flags, ~0 all);
 * a namespace file at path (NULL: nothing), as kind flag. */
void req_join_netns(lua_State *L, struct req *r, const char *name, int mount);
void req_join_pid(lua_State *L, struct req *r, lua_Integer pid, int flags);
void req_join_file(lua_State *L, struct req *r, const char *path, int flag);

/* Until deadline (< 0: none): 1 reaped, 0 timed out.  A pending signal
 * raises its Lua error (stopping the process first if stop_on_signal). */
int proc_wait_until(lua_State *L, struct proc *p, double deadline,
		    int stop_on_signal);
/* Keeps the (background) handle at idx alive until it is closed or its
 * process has ended, whether the script holds it or not (proc.c). */
void nsl_proc_anchor(lua_State *L, int idx);

/* Pushes a new handle for a started child and registers it for cleanup;
 * the fds (stdin pipe, stdout/stderr pipes, -1 if none) now belong to it. */
struct proc *nsl_proc_push(lua_State *L, pid_t pid, int pidfd, int in_fd,
			   const char *in_data, size_t in_len, int out_fd,
			   int err_fd, int pgrp, double grace);

/* Notes a background process in the run's record ("+proc", its pid and
 * start time), so that --clean stops it after nsl was killed.  Best
 * effort: a user who may not write the record (no root) still runs
 * processes, which nsl stops at its end all the same.  Never raises. */
void nsl_proc_record(pid_t pid);

/* In a forked background child (bg.c): nsl's signal handlers and mask
 * undone, dies with parent (else exits), leads its own process group,
 * stdin and stderr (and stdout unless keep_stdout) on /dev/null, every
 * other fd closed but the nkeep in keep.  With hold_stop, SIGTERM and
 * SIGINT stay blocked: the caller unblocks them once its own handler is
 * in place, so a stop sent at once is handled, not the default death. */
void nsl_bg_child(pid_t parent, int keep_stdout, const int *keep, int nkeep, int hold_stop);

/* fork() with every signal blocked across it, the parent's mask given
 * back after: a signal sent to the child at once waits for
 * nsl_bg_child's default handlers (which unblock), never meets nsl's. */
pid_t nsl_bg_fork(void);

/* In the parent: pushes the handle of that child pid and records it
 * ("+proc") for --clean; returns 1.  Raises "<prim>: <object>: ..." (the
 * child killed and reaped) when no pidfd can be had. */
int nsl_bg_adopt(lua_State *L, pid_t pid, const char *prim, const char *object);

/* Runs a foreground child to its end (or timeout seconds, < 0: none):
 * pushes its result table.  Raises when a signal interrupts the wait,
 * after stopping the child. */
void nsl_proc_finish(lua_State *L, struct proc *p, double timeout);

#endif
