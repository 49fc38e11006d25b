-- nsl.topo.uts: hostnames of a topology's namespaces.  A namespace with a
-- hostname gets a UTS namespace of its own, kept as a bind mount at
-- <run dir>/uts/<real name> (made by core._uts_add, in C, without a
-- fork), which every command run there joins along with the network one
-- (ns_exec's uts option).
local core = require("nsl.core")
local pinned = require("nsl.topo.pinned")

-- path(n), make(n), remove(n): n.uts is the bind mount while it exists
local M = pinned("uts", "uts", function(path, n) core._uts_add(path, n.hostname) end, core._uts_del)

-- The options of a command run in namespace node n: opts with uts set
-- when n has a hostname, mnt when it has files or private directories
-- (nsl.topo.nodefs).
function M.opts(n, opts)
  if not n.uts and not n.mnt then return opts end
  local o = {}
  for k, v in pairs(opts or {}) do o[k] = v end
  o.uts, o.mnt = n.uts, n.mnt
  return o
end

return M
