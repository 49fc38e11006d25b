-- nsl-cni in a simulated cluster: hosts are namespaces on an underlay
-- bridge (192.0.2.0/24), each running the plugin inside itself (as a
-- runtime on that host would), with pod namespaces whose VXLAN underlay
-- is that host's eth0.  Same-host links are veths between pods, links
-- across hosts VXLANs in the pods; ping over both, both families.
local T = require "spec.support.util"
local N = require "spec.support.net"
local C = require "spec.support.cni"

-- r1, r2 on h1; r3 on h2; r4 on h3: a ring with one veth and three vxlans.
local RING = [[
return {
  namespaces = { "r1", "r2", "r3", "r4" },
  links = {
    { "r1:eth1", "r2:eth1", subnet = { "10.0.1.0/30", "fd00:1::/64" } },
    { "r2:eth2", "r3:eth1", subnet = { "10.0.2.0/30", "fd00:2::/64" } },
    { "r3:eth2", "r4:eth1", subnet = { "10.0.3.0/30", "fd00:3::/64" } },
    { "r4:eth2", "r1:eth2", subnet = { "10.0.4.0/30", "fd00:4::/64" } },
  },
  hosts = { h1 = { "r1", "r2" }, h2 = { "r3" }, h3 = { "r4" } },
}
]]

local HOST = { r1 = "h1", r2 = "h1", r3 = "h2", r4 = "h3" }

-- ADD of every node on its host; a first ADD that meets an unregistered
-- host is told to try again (code 11), as a runtime retries.
local function up(order)
  for _, n in ipairs(order) do
    local r = C.run("ADD", n, { host = HOST[n] })
    if r.code == 11 then r = { code = -1, retry = true } end
    assert.is_true(r.code == 0 or r.retry, n .. ": " .. tostring(r.raw) .. tostring(r.err))
  end
  for _, n in ipairs(order) do C.ok("ADD", n, { host = HOST[n] }) end
end

local function ring()
  C.cluster(3)
  C.topology(RING)
  C.pods("r1", "r2", "r3", "r4")
  up({ "r3", "r1", "r4", "r2" })
end

describe("nsl-cni in a simulated cluster #netns", function()
  after_each(C.wipe)

  it("wires three hosts: ping over the veth on one host and over vxlans across hosts, IPv4 and IPv6", function()
    if not N.needs() then return end
    ring()
    local l1 = C.links("r1")
    assert.equal("veth", l1.eth1.linkinfo.info_kind)
    assert.equal("vxlan", l1.eth2.linkinfo.info_kind)
    local vx = l1.eth2.linkinfo.info_data
    assert.equal("192.0.2.3", vx.remote)
    assert.equal("192.0.2.1", vx["local"])
    assert.equal(4789, vx.port)
    assert.equal(1450, l1.eth2.mtu)
    -- one VNI per link, from vniBase, none twice
    local vnis = {}
    for _, n in ipairs({ "r2", "r3", "r4" }) do
      for _, l in pairs(C.links(n)) do
        if l.linkinfo.info_kind == "vxlan" then vnis[l.linkinfo.info_data.id] = (vnis[l.linkinfo.info_data.id] or 0) + 1 end
      end
    end
    vnis[vx.id] = vnis[vx.id] + 1
    assert.same({ [5000] = 2, [5001] = 2, [5002] = 2 }, vnis)
    -- the underlay stays in the hosts: no vxlan in a host namespace
    for h = 1, 3 do assert.same({ "eth0", "lo" }, N.ip_link_names("h" .. h)) end
    assert.is_true(C.ping("r1", "10.0.1.2"))
    assert.is_true(C.ping("r1", "fd00:1::2"))
    assert.is_true(C.ping("r2", "10.0.2.2"))
    assert.is_true(C.ping("r2", "fd00:2::2"))
    assert.is_true(C.ping("r3", "10.0.3.2"))
    assert.is_true(C.ping("r4", "fd00:4::2"))
    assert.same({ "10.0.4.1/30", "fd00:4::1/64" }, C.addrs("r4", "eth2"))
    for n, h in pairs(HOST) do C.ok("CHECK", n, { host = h }) end
  end)

  it("a pod restart (DEL, new namespace, ADD) heals its links, both ends re-addressed", function()
    if not N.needs() then return end
    ring()
    C.ok("DEL", "r1", { host = "h1" })
    assert.is_nil(C.links("r2").eth1)
    T.sh("ip netns del p-r1")
    C.pods("r1")
    C.ok("ADD", "r1", { host = "h1", id = "c-r1-again" })
    assert.same({ "10.0.1.2/30", "fd00:1::2/64" }, C.addrs("r2", "eth1"))
    assert.same({ "10.0.1.1/30", "fd00:1::1/64" }, C.addrs("r1", "eth1"))
    assert.is_true(C.ping("r1", "10.0.1.2"))
    assert.is_true(C.ping("r1", "fd00:4::1"))
    assert.is_true(C.ping("r4", "10.0.4.2"))
    -- the old container's late DEL touches nothing of the new one's
    C.ok("DEL", "r1", { host = "h1" })
    assert.is_true(C.ping("r1", "10.0.1.2"))
  end)

  it("a same-host peer that moves to another host: its DEL gives the peer a vxlan end, its ADD there the other", function()
    if not N.needs() then return end
    ring()
    C.topology((RING:gsub('h1 = { "r1", "r2" }, h2 = { "r3" }', 'h1 = { "r1" }, h2 = { "r2", "r3" }')))
    C.ok("DEL", "r2", { host = "h1" })
    assert.equal("vxlan", C.links("r1").eth1.linkinfo.info_kind)
    HOST.r2 = "h2"
    T.sh("ip netns del p-r2")
    C.pods("r2")
    local r = C.run("ADD", "r2", { host = "h1" })
    assert.equal(101, r.code)
    assert.equal("topology: node r2 is placed on host h2, not on this host h1", r.out.msg)
    C.ok("ADD", "r2", { host = "h2" })
    HOST.r2 = "h1"
    local l2 = C.links("r2")
    assert.equal("vxlan", l2.eth1.linkinfo.info_kind)
    assert.equal("veth", l2.eth2.linkinfo.info_kind)
    assert.is_true(C.ping("r1", "10.0.1.2"))
    assert.is_true(C.ping("r2", "fd00:1::1"))
    assert.is_true(C.ping("r2", "10.0.2.2"))
  end)

  it("an underlay partition cuts the vxlans of the host cut off, and healing it brings them back", function()
    if not N.needs() then return end
    ring()
    assert.is_true(C.ping("r2", "10.0.2.2"))
    T.sh("ip link set u2 down")
    assert.is_false(N.in_ns("p-r2", "ping -c1 -W1 10.0.2.2").code == 0)
    assert.is_false(N.in_ns("p-r4", "ping -c1 -W1 10.0.3.1").code == 0)
    assert.is_true(C.ping("r1", "10.0.1.2")) -- same host: unaffected
    assert.is_true(C.ping("r4", "10.0.4.2")) -- h3 to h1: unaffected
    T.sh("ip link set u2 up")
    assert.is_true(C.ping("r2", "10.0.2.2"))
    assert.is_true(C.ping("r4", "fd00:3::1"))
  end)

  it("DEL of every pod leaves no link, no VNI and no attachment in the store", function()
    if not N.needs() then return end
    ring()
    for n, h in pairs(HOST) do C.ok("DEL", n, { host = h }) end
    for n in pairs(HOST) do assert.same({}, C.links(n)) end
    -- a released link's VNI entry stays as a tombstone "-" (a release
    -- replaces it by compare-and-swap), the lab's VNI counter too
    local kv = C.STORE .. "/kv/"
    for name in T.sh("ls " .. kv .. " | grep -v -e hosts -e '^%3Drev$' -e 'vninext$'").out:gmatch("%S+") do
      assert.matches("%%2Fvni%%2F", name)
      assert.matches("\n%-$", T.sh("cat " .. T.quote(kv .. name)).out)
    end
  end)
end)
