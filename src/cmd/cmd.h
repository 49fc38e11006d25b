/*
 * cmd.h - the command's own boundary: main.c runs scripts and the REPL
 * (repl.c); both run code through the protected call and report errors
 * with call.c.  No circle: main -> repl -> call, main -> call.
 */
#ifndef NSL_CMD_H
#define NSL_CMD_H

#include "lua/nsl.h"

/* Runs the function on the stack (below nargs arguments) under a traceback
 * handler with signals armed; leaves results or the error message. */
int nsl_docall(lua_State *L, int narg, int nres);

/* Prints "nsl: message" for a non-OK status and pops it; returns status. */
int nsl_report(lua_State *L, int status);

/* Registers nsl.core and the embedded Lua library in package.preload,
 * loads the global nsl and makes the primitives global (all but those
 * whose names start with "_", which only the Lua library uses); os.exit
 * closes the state (libs.c). */
int nsl_openlibs(lua_State *L);
/* The same without the global nsl (and the modules it loads): nsl-cni's,
 * whose every start counts. */
int nsl_openlibs_lean(lua_State *L);

/* nsl-cni (cni.c): true when argv[0] names it; its whole main. */
int nsl_is_cni(const char *argv0);
int nsl_cni_main(void);

/* The end of a run (call.c): nsl_run_end (the rollback of a failed run,
 * every cleanup), then, if a signal was caught, death by that signal, so
 * the caller sees what happened.  Returns nonzero when a teardown failed. */
int nsl_finish(lua_State *L, int failed);

/* The REPL (repl.c). */
void nsl_repl(lua_State *L);

#endif
