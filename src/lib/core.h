/*
 * core.h - nsl.core (core.c), for the nsl binary (cmd/libs.c) and for
 * nsl.so (module.c).
 */
#ifndef NSL_CORE_H
#define NSL_CORE_H

#include "lua/nsl.h"

/* require "nsl.core": a fresh table of every C primitive, built by
 * each file's opener (nsl.h). */
int luaopen_nsl_core(lua_State *L);

/* Registers nsl.core and the embedded library (nsl_embed_register) in
 * package.preload: what the binary and nsl.so both do first (core.c). */
void nsl_preload(lua_State *L);

#endif
