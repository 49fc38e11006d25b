-- nsl.core in the rock: the C core is built as the module nsl_core (its
-- opener is luaopen_nsl_core either way), because `luarocks make` would
-- put a C module nsl.core in a directory ./nsl, where the nsl binary is.
return require "nsl_core"
