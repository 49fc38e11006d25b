-- nsl.topo.pinned: a namespace of its own for some nodes of a topology
-- (a UTS one for a hostname, a mount one for files), kept as a bind
-- mount at <run dir>/<dir>/<real name> that commands run there join.
--
--   pinned(dir, field, add, del) -> { path(n), make(n), remove(n) }
--
-- make(n) calls add(path, n) (a C primitive that makes the namespace and
-- its bind mount, no fork) and keeps the path in n[field]; remove(n)
-- calls del(path) and forgets it.
local core = require("nsl.core")

return function(dir, field, add, del)
  local M = {}
  function M.path(n) return core._record_dir() .. "/" .. dir .. "/" .. n.real end
  function M.make(n)
    local path = M.path(n)
    add(path, n)
    n[field] = path
  end
  function M.remove(n)
    del(n[field] or M.path(n))
    n[field] = nil
  end
  return M
end
