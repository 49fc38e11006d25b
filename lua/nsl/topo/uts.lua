-- nsl.topo.uts: hostnames of a topology's namespaces.  A namespace with a
-- hostname gets a UTS namespace of its own, which every command run there
-- enters along with the network one.
local record = require "nsl.record"

local M = {}

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

-- A namespace with a hostname gets a UTS namespace of its own, kept as
-- a bind mount at <run dir>/uts/<real name> (util-linux unshare), which
-- every command run there enters (nsenter) along with the network one.
function M.path(n) return record.dir() .. "/uts/" .. n.real end

function M.make(n)
  local path = M.path(n)
  local ok = os.execute("mkdir -p " .. q(record.dir() .. "/uts") .. " && : > " .. q(path) ..
    " && unshare --uts=" .. q(path) .. " hostname " .. q(n.hostname) .. " 2>/dev/null")
  if not ok then
    os.remove(path)
    error("could not make a UTS namespace at " .. path .. " (util-linux unshare)", 0)
  end
  n.uts = path
end

function M.remove(n)
  local path = n.uts or M.path(n)
  os.execute("umount -l " .. q(path) .. " 2>/dev/null")
  os.remove(path)
  n.uts = nil
end

-- The command as run in namespace node n: inside its UTS namespace when
-- it has a hostname.
function M.wrap(n, cmd)
  if not n.uts or type(cmd) ~= "table" then return cmd end
  local out = { "nsenter", "--uts=" .. n.uts, "--" }
  for _, a in ipairs(cmd) do out[#out + 1] = a end
  return out
end

return M
