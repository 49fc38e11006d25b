-- Primitives called from finalisers while another primitive is reading a
-- netlink dump (the __gc runs on the dump's own allocations): neither may
-- crash nor lose replies.  Run in a child nsl, so that
-- a crash is seen as a signal exit rather than taking busted down.
local T = require "spec.support.util"
local N = require "spec.support.net"

-- Each finaliser makes more finalisable garbage (up to a budget), so
-- finalisers keep running on the allocations of the whole dump.
local child = [[
local pairs_n = 150
for i = 1, pairs_n do veth_add("re" .. i .. "a", "re" .. i .. "b") end
local inside, during, bad, budget = false, 0, 0, 0
local mt
mt = { __gc = function()
  if inside then during = during + 1 end
  if budget > 0 then budget = budget - 1; for _ = 1, 3 do setmetatable({}, mt) end end
  local ok, l = pcall(link_get, "lo")
  if not ok or l.name ~= "lo" then bad = bad + 1 end
end }
collectgarbage("incremental", 10, 100)
local short = 0
for round = 1, 5 do
  budget = 1000
  for _ = 1, 200 do setmetatable({}, mt) end
  inside = true
  local list = link_list()
  inside = false
  if #list ~= 2 * pairs_n + 1 then short = short + 1 end
  for _, l in ipairs(list) do
    if l.kind == "veth" and not l.peer then short = short + 1 end
  end
end
budget = 0
collectgarbage()
print(during > 0, short, bad)
]]

describe("re-entry from finalisers #netns", function()
  after_each(N.wipe)

  it("a __gc calling primitives during link_list neither crashes nor truncates the dump", function()
    if not N.needs() then return end
    local path, dir = T.script(child)
    -- before the fix the dump lost its replies to the nested call and
    -- waited for them for ever: bounded by a timeout.  The child runs in
    -- a namespace of its own, whose deletion takes its 300 links at once.
    local r = T.sh("ip netns add re-ns && timeout -s KILL 60 ip netns exec re-ns " .. T.quote(T.nsl) ..
      " " .. T.quote(path) .. "; rc=$?; ip netns del re-ns; exit $rc")
    T.rm(dir)
    assert.equal(0, r.code, r.err)
    assert.equal("true\t0\t0\n", r.out)
  end)
end)
