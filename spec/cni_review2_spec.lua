-- nsl-cni's topology cache and store against what outlives them: a store
-- made again from nothing (its revisions counted from the start again)
-- under a cache that was kept.
local T = require "spec.support.util"
local N = require "spec.support.net"
local C = require "spec.support.cni"

local function topo(subnet)
  return 'return { namespaces = { "r1", "r2" }, links = { { "r1:eth1", "r2:eth1", subnet = { "' .. subnet .. '" } } } }'
end

describe("nsl-cni's cache of a topology kept in the store #netns", function()
  after_each(C.wipe)

  it("reads a store made again, at the same revision, afresh rather than from a kept cache", function()
    if not N.needs() then return end
    C.pods("r1", "r2")
    local conf = C.conf(nil, { topology = "demo/topology" })
    local function fresh_store(subnet)
      T.sh("rm -rf " .. C.STORE)
      require("nsl.cni.store").open("dir://" .. C.STORE):put("demo/topology", topo(subnet))
    end
    fresh_store("10.0.1.0/30")
    C.ok("ADD", "r1", { conf = conf })
    C.ok("ADD", "r2", { conf = conf })
    assert.same({ "10.0.1.1/30" }, C.addrs("r1", "eth1"))
    C.ok("DEL", "r1", { conf = conf })
    C.ok("DEL", "r2", { conf = conf })
    -- the same key at the same revision (the store's first write), another
    -- text: the cache under /run/nsl-cni-spec/cache is still there
    fresh_store("10.0.9.0/30")
    assert.equal(0, T.sh("test -d /run/nsl-cni-spec/cache/demo").code)
    C.ok("ADD", "r1", { conf = conf })
    C.ok("ADD", "r2", { conf = conf })
    assert.same({ "10.0.9.1/30" }, C.addrs("r1", "eth1"))
    assert.same({ "10.0.9.2/30" }, C.addrs("r2", "eth1"))
  end)
end)
