/*
 * noembed.c - an empty table of embedded Lua files, for the rock
 * (nsl-*.rockspec): luarocks installs lua/ as files and builds only the
 * C core as nsl.core, without the generated lua_embed.c.
 */
#include "lua/nsl.h"

const struct nsl_embedded nsl_embedded[] = { { 0, 0, 0, 0 } };
