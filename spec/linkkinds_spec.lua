-- Link kinds read back: link_get returns each kind's own settings (vlan,
-- vxlan, macvlan, ipvlan, bond, vrf), cross-checked with ip -d -j; the
-- kinds this build kernel lacks are #kernel (make check-kernel).
local T = require "spec.support.util"
local N = require "spec.support.net"
local K = require "spec.support.kernel"

-- ip -d -j's info_data of link name in ns.
local function info_data(name, ns)
  local l = N.ip_link(name, ns)
  return l and l.linkinfo and l.linkinfo.info_data
end

-- Two namespaces a and b joined by veth ea-eb (both up).
local function pair()
  ns_add("a"); ns_add("b")
  veth_add("ea", "eb", { ns = "a", peer_ns = "b", up = true })
  link_set("eb", { ns = "b", up = true })
end

describe("link kinds read back #netns", function()
  after_each(N.wipe)

  it("vxlan: vni, remote or group, local, port, ttl, tos, learning", function()
    if not N.needs() then return end
    vxlan_add("vx0", 42, { remote = "10.9.0.2", ["local"] = "10.9.0.1", port = 4790, ttl = 16, tos = 8,
      learning = false })
    assert.same({ vni = 42, remote = "10.9.0.2", ["local"] = "10.9.0.1", port = 4790, ttl = 16, tos = 8,
      learning = false }, link_get("vx0").vxlan)
    local d = info_data("vx0")
    assert.equal(42, d.id)
    assert.equal(4790, d.port)
    assert.equal(16, d.ttl)
    assert.is_false(d.learning)
    bridge_add("under", { up = true })
    vxlan_add("vx1", 43, { group = "239.1.1.1", dev = "under" })
    local v = link_get("vx1").vxlan
    assert.equal("239.1.1.1", v.group)
    assert.is_nil(v.remote)
    assert.is_true(v.learning)
    assert.equal("239.1.1.1", info_data("vx1").group)
    assert.equal("vxlan_add: vx2: group '10.1.1.1': not a multicast address",
      tostring(N.err(vxlan_add, "vx2", 44, { group = "10.1.1.1" })))
    assert.equal("vxlan_add: vx2: options 'remote' and 'group' exclude each other",
      tostring(N.err(vxlan_add, "vx2", 44, { group = "239.1.1.1", remote = "10.1.1.1" })))
    link_del("vx1"); link_del("under")
    assert.equal("vxlan", link_list()[2].kind)
    assert.same(link_get("vx0").vxlan, link_list()[2].vxlan)
  end)

  it("macvlan: its mode", function()
    if not N.needs() then return end
    pair()
    macvlan_add("mv0", "ea", { ns = "a", mode = "private" })
    assert.same({ mode = "private" }, link_get("mv0", { ns = "a" }).macvlan)
    assert.equal("private", info_data("mv0", "a").mode)
  end)

  it("refuses an unknown mode or protocol before asking the kernel", function()
    if not N.needs() then return end
    pair()
    assert.equal("ipvlan_add: iv0: unknown ipvlan mode 'l4' (l2, l3, l3s)",
      tostring(N.err(ipvlan_add, "iv0", "ea", { ns = "a", mode = "l4" })))
    assert.matches("^bond_add: bond0: unknown bond mode 'fastest' %(balance%-rr, active%-backup, ",
      tostring(N.err(bond_add, "bond0", { mode = "fastest" })))
    assert.equal("vlan_add: v10: unknown protocol '802.1x' (802.1Q, 802.1ad)",
      tostring(N.err(vlan_add, "v10", "ea", 10, { ns = "a", protocol = "802.1x" })))
    assert.equal("vrf_add: red: table must be 1 to 4294967295", tostring(N.err(vrf_add, "red", 0)))
    assert.same({ "ea", "lo" }, (function()
      local names = {}
      for _, l in ipairs(link_list({ ns = "a" })) do names[#names + 1] = l.name end
      table.sort(names)
      return names
    end)())
  end)

  it("vlan: id and protocol, 802.1Q and 802.1ad #kernel", function()
    if not N.needs() then return end
    pair()
    K.make(vlan_add, "v10", "ea", 10, { ns = "a" })
    vlan_add("v20", "ea", 20, { ns = "a", protocol = "802.1ad" })
    assert.same({ id = 10, protocol = "802.1Q" }, link_get("v10", { ns = "a" }).vlan)
    assert.same({ id = 20, protocol = "802.1ad" }, link_get("v20", { ns = "a" }).vlan)
    assert.equal("802.1ad", info_data("v20", "a").protocol)
    assert.equal(20, info_data("v20", "a").id)
    assert.equal("ea", link_get("v20", { ns = "a" }).parent)
  end)

  it("ipvlan: made on a parent in the mode asked #kernel", function()
    if not N.needs() then return end
    pair()
    K.make(ipvlan_add, "iv0", "ea", { ns = "a", mode = "l2" })
    -- the mode is the parent's (all its ipvlans share it): another parent
    veth_add("ec", "ed", { ns = "a" })
    ipvlan_add("iv1", "ec", { ns = "a" })
    assert.same({ mode = "l2" }, link_get("iv0", { ns = "a" }).ipvlan)
    assert.same({ mode = "l3" }, link_get("iv1", { ns = "a" }).ipvlan)
    assert.equal("l2", info_data("iv0", "a").mode)
    assert.equal("ea", link_get("iv0", { ns = "a" }).parent)
  end)

  it("bond: mode and miimon, with ports joined by link_set master #kernel", function()
    if not N.needs() then return end
    ns_add("a")
    veth_add("p1", "q1", { ns = "a" })
    veth_add("p2", "q2", { ns = "a" })
    K.make(bond_add, "bond0", { ns = "a", mode = "active-backup", miimon = 100 })
    link_set("p1", { ns = "a", master = "bond0" })
    link_set("p2", { ns = "a", master = "bond0" })
    link_set("bond0", { ns = "a", up = true })
    assert.same({ mode = "active-backup", miimon = 100 }, link_get("bond0", { ns = "a" }).bond)
    assert.equal("bond0", link_get("p1", { ns = "a" }).master)
    assert.equal("bond0", N.ip_link("p2", "a").master)
    local d = info_data("bond0", "a")
    assert.equal("active-backup", d.mode)
    assert.equal(100, d.miimon)
    link_set("p2", { ns = "a", master = false })
    assert.is_nil(link_get("p2", { ns = "a" }).master)
  end)

  it("vrf: its table, with member links whose routes go there #kernel", function()
    if not N.needs() then return end
    pair()
    K.make(vrf_add, "red", 10, { ns = "a", up = true })
    link_set("ea", { ns = "a", master = "red" })
    addr_add("ea", "10.78.0.1/24", { ns = "a" })
    addr_add("eb", "10.78.0.2/24", { ns = "b" })
    assert.same({ table = 10 }, link_get("red", { ns = "a" }).vrf)
    assert.equal(10, info_data("red", "a").table)
    assert.equal("red", link_get("ea", { ns = "a" }).master)
    local found
    for _, r in ipairs(route_list({ ns = "a", table = 10 })) do
      if r.dst == "10.78.0.0/24" then found = r end
    end
    assert.is_not_nil(found, "the member's prefix route is in the VRF's table")
    assert.equal(0, T.sh("ip netns exec a ping -c1 -W5 -I red 10.78.0.2").code)
  end)

  it("geneve: vni, remote, port, ttl; carries traffic between two namespaces #kernel", function()
    if not N.needs() then return end
    pair()
    addr_add("ea", "192.168.79.1/24", { ns = "a" })
    addr_add("eb", "192.168.79.2/24", { ns = "b" })
    K.make(geneve_add, "gn0", 77, { ns = "a", remote = "192.168.79.2", ttl = 9, up = true })
    geneve_add("gn0", 77, { ns = "b", remote = "192.168.79.1", up = true })
    assert.same({ vni = 77, remote = "192.168.79.2", port = 6081, ttl = 9 }, link_get("gn0", { ns = "a" }).geneve)
    local d = info_data("gn0", "a")
    assert.equal(77, d.id)
    assert.equal("192.168.79.2", d.remote)
    addr_add("gn0", "10.79.0.1/24", { ns = "a" })
    addr_add("gn0", "10.79.0.2/24", { ns = "b" })
    assert.equal(0, T.sh("ip netns exec a ping -c1 -W5 10.79.0.2").code)
  end)

  it("gretap: remote, local, ttl; carries traffic between two namespaces #kernel", function()
    if not N.needs() then return end
    pair()
    addr_add("ea", "192.168.80.1/24", { ns = "a" })
    addr_add("eb", "192.168.80.2/24", { ns = "b" })
    K.make(gretap_add, "gt0", { ns = "a", remote = "192.168.80.2", ["local"] = "192.168.80.1", ttl = 8, up = true })
    gretap_add("gt0", { ns = "b", remote = "192.168.80.1", ["local"] = "192.168.80.2", up = true })
    assert.same({ remote = "192.168.80.2", ["local"] = "192.168.80.1", ttl = 8 }, link_get("gt0", { ns = "a" }).gretap)
    local d = info_data("gt0", "a")
    assert.equal("192.168.80.2", d.remote)
    assert.equal("192.168.80.1", d["local"])
    addr_add("gt0", "10.80.0.1/24", { ns = "a" })
    addr_add("gt0", "10.80.0.2/24", { ns = "b" })
    assert.equal(0, T.sh("ip netns exec a ping -c1 -W5 10.80.0.2").code)
  end)

  it("geneve and gretap need a remote; gretap is IPv4", function()
    if not N.needs() then return end
    assert.equal("geneve_add: gn0: option 'remote' is required", tostring(N.err(geneve_add, "gn0", 1)))
    assert.equal("gretap_add: gt0: gretap is IPv4: remote and local must be IPv4 addresses",
      tostring(N.err(gretap_add, "gt0", { remote = "fd00::1" })))
  end)

  it("leaves nothing behind", function()
    if not N.needs() then return end
    N.assert_clean()
  end)
end)
