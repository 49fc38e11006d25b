-- Helpers for the specs of kernel features a machine may lack: link kinds
-- that are modules on stock kernels (8021q, dummy...).  Such specs are
-- tagged #kernel; make check-kernel runs them on Debian's stock kernel
-- (spec/kernel/run), where every one of them must pass.
local T = require "spec.support.util"

local M = {}

-- True inside make check-kernel's guest (spec/kernel/guest says so).
function M.lane()
  return os.getenv("NSL_KERNEL_LANE") == "1"
end

-- The kernel feature nsl's error says is missing: "this kernel has no
-- 8021q module: CONFIG_VLAN_8021Q" out of a refused *_add, "this kernel
-- has no netem (CONFIG_NET_SCH_NETEM)" out of link_impair, "this kernel
-- has no bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING)", or nil.
function M.missing(err)
  local s = tostring(err)
  return s:match("%((this kernel has no [%w_]+ module: CONFIG_[%w_]+)%)$")
    or s:match(": (this kernel has no [%w_ ]+ %(CONFIG_[%w_]+%))$")   -- a qdisc, an option
end

-- Calls f(...), a primitive that makes something of a kind this kernel may
-- lack.  When the kernel refuses the kind, the error must name the missing
-- module and CONFIG_: the test is then pending with that reason (in the
-- lane it fails: the stock kernel has them all).  Any other error is raised.
function M.make(f, ...)
  local ok, err = pcall(f, ...)
  if ok then return end
  local missing = M.missing(err)
  if not missing or M.lane() then error(err, 0) end
  T.pending(missing .. " (make check-kernel runs this on a stock kernel)")
end

return M
