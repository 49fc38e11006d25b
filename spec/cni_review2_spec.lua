-- nsl-cni against what outlives one call: a store made again from nothing
-- (its revisions counted from the start again) under a cache that was
-- kept; a VNI range above vniBase used up.
local T = require "spec.support.util"
local N = require "spec.support.net"
local C = require "spec.support.cni"

local function topo(subnet)
  return 'return { namespaces = { "r1", "r2" }, links = { { "r1:eth1", "r2:eth1", subnet = { "' .. subnet .. '" } } } }'
end

describe("nsl-cni against what outlives a call: a store made again, a VNI range used up #netns", function()
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

  it("says at once that no VNI is left when vniBase leaves fewer than the links need", function()
    if not N.needs() then return end
    C.cluster(2)
    C.topology([[
return {
  hosts = { h1 = { "r1" }, h2 = { "r2" } },
  namespaces = { "r1", "r2" },
  links = { { "r1:eth1", "r2:eth1" }, { "r1:eth2", "r2:eth2" } },
}
]])
    C.pods("r1", "r2")
    C.ok("STATUS", nil, { host = "h2" }) -- h2's underlay address in the store
    -- one VNI above the base: the second link finds none (it once took a
    -- million rounds of store calls to say so, the host lock held)
    local conf = C.conf("h1", { vxlan = { vniBase = 16777215 } })
    local t0 = os.time()
    local r = C.run("ADD", "r1", { host = "h1", conf = conf, prefix = "timeout -s KILL 20" })
    assert.equal(102, r.code, r.raw .. r.err)
    assert.equal("ADD: no VNI left above vniBase for link r1:eth2=r2:eth2", r.out.msg)
    assert.is_true(os.time() - t0 < 15)
  end)

  it("makes nothing through a cache directory that is a link before it refuses it", function()
    if not N.needs() then return end
    C.topology('return { namespaces = { "r1", "r2" }, links = { { "r1:eth1", "r2:eth1" } } }')
    C.pods("r1", "r2")
    local d = T.tmpdir()
    finally(function() T.rm(d) end)
    T.sh("mkdir " .. d .. "/elsewhere && ln -s " .. d .. "/elsewhere " .. d .. "/cache")
    local r = C.run("ADD", "r1", { env = { NSL_CNI_CACHE_DIR = d .. "/cache" } })
    assert.equal(5, r.code, r.raw .. r.err)
    assert.equal("nsl-cni: cache " .. d .. "/cache: not a directory (a link)", r.out.msg)
    assert.equal("", T.sh("ls -A " .. d .. "/elsewhere").out)
  end)
end)
