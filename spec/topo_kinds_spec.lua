-- Link kinds in topology descriptions (lua/nsl/topo/kinds.lua):
-- a namespace's own links (vlan, macvlan, dummy, ipvlan...), vxlan over
-- an underlay link and bonds over veth links between two nodes, VRFs per
-- namespace.  The checks need nothing; the real ones use real traffic and
-- ip -j as the witness, and leave nothing behind.  The kinds this build
-- kernel lacks (vlan, dummy, ipvlan, bond, vrf) are #kernel: pending here
-- with the CONFIG_ that is missing, run by make check-kernel.
local T = require "spec.support.util"
local N = require "spec.support.net"
local K = require "spec.support.kernel"
local nsl = require "nsl"

local function err_of(desc)
  local ok, err = pcall(nsl.topology, desc)
  assert.is_false(ok, "expected the description to be refused")
  return tostring(err)
end

local function whats(t)
  local out = {}
  for _, s in ipairs(require("nsl.topo.plan")(t)) do out[#out + 1] = s.node .. ": " .. s.what end
  return out
end

local function index_of(list, v)
  for i, x in ipairs(list) do if x == v then return i end end
end

-- One router r with two VRFs, each joining two hosts; the two VRFs have
-- the same subnets (and the router the same addresses in both).
local VRF_ROUTER = {
  namespaces = {
    -- one destination in both VRFs, each through its own host
    r = { forwarding = true, vrfs = {
      red = { table = 10, links = { "eth0", "eth1" }, routes = { ["10.9.0.0/24"] = "a2" } },
      blue = { table = 20, links = { "eth2", "eth3" }, routes = { ["10.9.0.0/24"] = "b2" } } } },
    a1 = { routes = { default = "r" } }, a2 = { routes = { default = "r" } },
    b1 = { routes = { default = "r" } }, b2 = { routes = { default = "r" } },
  },
  links = {
    { "a1", "r", address = { r = "10.0.1.1/24", a1 = "10.0.1.2/24" } },
    { "a2", "r", address = { r = "10.0.2.1/24", a2 = "10.0.2.2/24" } },
    { "b1", "r", address = { r = "10.0.1.1/24", b1 = "10.0.1.3/24" } },
    { "b2", "r", address = { r = "10.0.2.1/24", b2 = "10.0.2.3/24" } },
  },
}

describe("link kinds in descriptions #unit", function()
  it("reads a namespace's own links: made after the veths, on the parent's real name", function()
    local t = nsl.topology {
      prefix = "",
      namespaces = {
        r = { links = { { "v10", kind = "vlan", parent = "eth0", id = 10, address = "10.10.0.1/24" },
                        { "d0", kind = "dummy", address = { "10.99.0.1/32", "fd99::1/128" } },
                        { "m0", kind = "macvlan", parent = "eth0", mode = "private" } },
              routes = { ["10.11.0.0/24"] = "10.10.0.2", ["10.12.0.0/24"] = { dev = "d0" } } },
        a = {},
      },
      links = { { "r", "a", subnet = "10.1.0.0/24" } },
    }
    local w = whats(t)
    assert.is_true(index_of(w, "link r-a: create veth") < index_of(w, "namespace r: create vlan v10"))
    assert.is_true(index_of(w, "namespace r: create vlan v10") < index_of(w, "namespace r: address 10.10.0.1/24 on v10"))
    assert.is_true(index_of(w, "namespace r: up m0") < index_of(w, "namespace r: route 10.11.0.0/24 via 10.10.0.2"))
    assert.equal("v10", t:link_name("r", "v10"))
    local kinds = {}
    for _, x in ipairs(t:names()) do
      if x.kind ~= "netns" then kinds[x.node .. "/" .. x.name] = x.kind end
    end
    assert.same({ ["r/eth0"] = "veth", ["a/eth0"] = "veth", ["r/v10"] = "vlan", ["r/d0"] = "dummy",
                  ["r/m0"] = "macvlan" }, kinds)
  end)

  it("refuses an unknown kind, suggesting the closest", function()
    assert.matches("topology: namespace r: links%[1%]: unknown kind 'vlna' %(did you mean 'vlan'%?%) %(kinds: dummy, ",
      err_of { namespaces = { r = { links = { { "v10", kind = "vlna", parent = "eth0", id = 10 } } } } })
    assert.matches("link a%-b: unknown kind 'vxaln' %(did you mean 'vxlan'%?%) %(kinds: bond, vxlan%)",
      err_of { namespaces = { "a", "b" }, links = { { "a", "b", kind = "vxaln" } } })
    assert.matches("link a%-b: kind 'vlan' is not for a link between two nodes %(it is a namespace's own link",
      err_of { namespaces = { "a", "b" }, links = { { "a", "b", kind = "vlan" } } })
    assert.matches("namespace a: links%[1%]: kind 'vrf' is not for a namespace's own links "
      .. "%(a VRF is described by the namespace's vrfs%)",
      err_of { namespaces = { a = { links = { { "red", kind = "vrf", table = 1 } } } } })
    assert.matches("namespace a: links%[1%]: give its kind",
      err_of { namespaces = { a = { links = { { "x0" } } } } })
  end)

  it("checks a kind's keys against its primitive's options", function()
    assert.matches("unknown key 'mdoe' in namespace a: link m0 %(did you mean 'mode'%?%)",
      err_of { namespaces = { a = { links = { { "m0", kind = "macvlan", parent = "eth0", mdoe = "bridge" } } }, b = {} },
               links = { { "a", "b" } } })
    assert.matches("unknown key 'remote' in link a%-b",
      err_of { namespaces = { "a", "b" },
               links = { { "a", "b" }, { "a", "b", kind = "vxlan", vni = 1, underlay = 1, remote = "1.2.3.4" } } })
    assert.matches("unknown key 'mode' in namespace a: link d0",
      err_of { namespaces = { a = { links = { { "d0", kind = "dummy", mode = "x" } } } } })
  end)

  it("refuses a parent that is not a link of the namespace", function()
    assert.equal("topology: namespace r: link v10: parent 'eth1' is not a link of r (did you mean 'eth0'?)",
      err_of { namespaces = { r = { links = { { "v10", kind = "vlan", parent = "eth1", id = 10 } } }, a = {} },
               links = { { "r", "a" } } })
    -- a later own link may sit on an earlier one, not the other way round
    assert.matches("parent 'v10' is not a link of r",
      err_of { namespaces = { r = { links = { { "m0", kind = "macvlan", parent = "v10" },
                                              { "v10", kind = "vlan", parent = "eth0", id = 10 } } }, a = {} },
               links = { { "r", "a" } } })
    assert.is_truthy(nsl.topology { namespaces = { r = { links = {
      { "v10", kind = "vlan", parent = "eth0", id = 10 }, { "v10.20", kind = "vlan", parent = "v10", id = 20 } } }, a = {} },
      links = { { "r", "a" } } })
  end)

  it("refuses a missing or out-of-range id or vni", function()
    assert.equal("topology: namespace r: link v10: a vlan link needs its id",
      err_of { namespaces = { r = { links = { { "v10", kind = "vlan", parent = "eth0" } } }, a = {} }, links = { { "r", "a" } } })
    assert.equal("topology: namespace r: link v10: id must be an integer 1..4094, got 4095",
      err_of { namespaces = { r = { links = { { "v10", kind = "vlan", parent = "eth0", id = 4095 } } }, a = {} },
               links = { { "r", "a" } } })
    assert.equal("topology: link a-b#2: a vxlan link needs its vni",
      err_of { namespaces = { "a", "b" }, links = { { "a", "b" }, { "a", "b", kind = "vxlan", underlay = 1 } } })
    assert.equal("topology: link a-b#2: vni must be an integer 0..16777215, got 16777216",
      err_of { namespaces = { "a", "b" }, links = { { "a", "b" }, { "a", "b", kind = "vxlan", vni = 1 << 24, underlay = 1 } } })
  end)

  it("refuses an own link's name twice, or its address used elsewhere", function()
    assert.equal("topology: namespace a: link eth0: a already has an interface eth0",
      err_of { namespaces = { a = { links = { { "eth0", kind = "dummy" } } }, b = {} }, links = { { "a", "b" } } })
    assert.matches("namespace a: link d0: address 10.0.0.1/24 is used twice %(also link a%-b%)",
      err_of { namespaces = { a = { links = { { "d0", kind = "dummy", address = "10.0.0.1/24" } } }, b = {} },
               links = { { "a", "b", subnet = "10.0.0.0/24" } } })
  end)

  it("resolves a vxlan's underlay: a link by index or id, or a bridge both ends are on", function()
    local t = nsl.topology { prefix = "", namespaces = { "a", "b" },
      links = { { "a", "b", subnet = "10.0.0.0/24" },
                { "a", "b", kind = "vxlan", vni = 42, underlay = "a-b", subnet = "10.42.0.0/24" } } }
    assert.equal("10.42.0.2/24", t.model.links[2].ends[2].address)
    assert.equal("vxlan0", t:link_name("a", "vxlan0"))
    local bridged = nsl.topology { prefix = "", namespaces = { "a", "b" }, bridges = { br0 = { subnet = "10.0.0.0/24" } },
      links = { { "a", "br0" }, { "b", "br0" }, { "a", "b", kind = "vxlan", vni = 42, underlay = "br0" } } }
    assert.equal(4, bridged.model.links[3].family)
    assert.matches("link a%-b#2: underlay 7 is not a link of the description",
      err_of { namespaces = { "a", "b" }, links = { { "a", "b" }, { "a", "b", kind = "vxlan", vni = 1, underlay = 7 } } })
    assert.matches("link a%-b#2: its underlay gives a and b no address of one family",
      err_of { namespaces = { "a", "b" }, addressing = { ipv4 = false },
               links = { { "a", "b" }, { "a", "b", kind = "vxlan", vni = 1, underlay = 1 } } })
    assert.matches("link a%-c: underlay a%-b does not join c",
      err_of { namespaces = { "a", "b", "c" }, links = { { "a", "b" }, { "a", "c", kind = "vxlan", vni = 1, underlay = 1 } } })
    assert.matches("link a%-br0: a vxlan link joins two namespaces %(or host%), not bridge br0",
      err_of { namespaces = { "a", "b" }, bridges = { br0 = {} },
               links = { { "a", "b" }, { "a", "br0", kind = "vxlan", vni = 1, underlay = 1 } } })
  end)

  it("makes a bond's ports its members, without addresses, bonds made before the veths", function()
    local t = nsl.topology { prefix = "", namespaces = { "a", "b" }, ipv6 = "fd00::/48",
      links = { { "a", "b" }, { "a", "b" }, { "a", "b", kind = "bond", over = { 1, "a-b#2" }, mode = "active-backup",
                subnet = "10.43.0.0/24" } } }
    assert.equal("10.43.0.1", t:addr("a"))
    assert.equal("10.43.0.2", t:addr("b", "a"))
    local w = whats(t)
    assert.is_true(index_of(w, "link a-b#3: create bond bond0") < index_of(w, "link a-b: create veth"))
    assert.truthy(index_of(w, "link a-b: attach eth0 to bond0"))
    assert.truthy(index_of(w, "link a-b#2: attach eth1 to bond0"))
    assert.is_nil(index_of(w, "link a-b: address fd00::1/64 on a"))
    assert.equal(100, t.model.links[3].opts.miimon)
    assert.matches("over: link a%-b is a bond port and has no address of its own",
      err_of { namespaces = { "a", "b" },
               links = { { "a", "b", subnet = "10.0.0.0/24" }, { "a", "b", kind = "bond", over = { 1 } } } })
    assert.matches("over: link a%-b is already a port of bond link a%-b#2",
      err_of { namespaces = { "a", "b" }, links = { { "a", "b" }, { "a", "b", kind = "bond", over = { 1 } },
                                                    { "a", "b", kind = "bond", over = { 1 } } } })
    assert.matches("a bond link needs over",
      err_of { namespaces = { "a", "b" }, links = { { "a", "b", kind = "bond" } } })
  end)

  it("reads VRFs: members joined before their addresses, the same addresses in two VRFs", function()
    local t = nsl.topology(VRF_ROUTER)
    local w = whats(t)
    assert.is_true(index_of(w, "namespace r: vrf red (table 10)") < index_of(w, "link a1-r: create veth"))
    assert.is_true(index_of(w, "link a1-r: attach eth0 to red") < index_of(w, "link a1-r: address 10.0.1.1/24 on r"))
    assert.truthy(index_of(w, "link b1-r: attach eth2 to blue"))
    assert.equal("10.0.1.1", t:addr("r", "a1"))
    assert.equal("10.0.1.1", t:addr("r", "b1"))
    -- in one VRF (or none), an address is still used once
    assert.matches("address 10.0.1.1/24 is used twice",
      err_of { namespaces = { r = { vrfs = { red = { table = 10, links = { "eth0", "eth1" } } } }, a = {}, b = {} },
               links = { { "a", "r", address = { r = "10.0.1.1/24" } }, { "b", "r", address = { r = "10.0.1.1/24" } } } })
    local routed = nsl.topology { prefix = "", namespaces = { r = { vrfs = { red = { table = 10, links = { "eth0" },
      routes = { default = "a", ["10.9.0.0/24"] = "10.0.1.2" } } } }, a = {} },
      links = { { "a", "r", address = { r = "10.0.1.1/24", a = "10.0.1.2/24" } } } }
    local tables = {}
    for _, r in ipairs(routed.model.nodes.r.routes) do tables[r.dst] = r.table end
    assert.same({ default = 10, ["10.9.0.0/24"] = 10 }, tables)
  end)

  it("draws the kinds: own links, VRFs, bond ports in t:diagram(), kinds on t:dot()'s edges", function()
    local t = nsl.topology { prefix = "",
      namespaces = { a = { links = { { "m0", kind = "macvlan", parent = "eth0", address = "10.0.0.10/24" } } },
                     b = { vrfs = { red = { table = 5, links = { "vxlan0" } } } } },
      links = { { "a", "b", subnet = "10.0.0.0/24" }, { "a", "b", kind = "vxlan", vni = 42, underlay = 1 },
                { "a", "b" }, { "a", "b" }, { "a", "b", kind = "bond", over = { 3, 4 } } } }
    local d = t:diagram()
    assert.matches("%[m0%] 10%.0%.0%.10/24 macvlan on eth0", d)
    assert.matches("%[red%] vrf table 5", d)
    assert.matches("%[vxlan0%] %(vrf red%)", d)
    assert.matches("%[eth1%] %(bond bond0%)", d)
    local g = t:dot()
    assert.matches('"a:vxlan0" %-%- "b:vxlan0" %[label="vxlan"%]', g)
    assert.matches('"a:eth1" %-%- "a:bond0" %[style=dashed%]', g)
    assert.matches('"a:bond0" %-%- "b:bond0" %[label="bond"%]', g)
  end)

  it("joins an own link to its VRF before its addresses; refuses IPv6 on one when ipv6 = false", function()
    local t = nsl.topology { prefix = "", namespaces = { r = {
      links = { { "d0", kind = "dummy", address = "10.99.0.1/32" } },
      vrfs = { red = { table = 10, links = { "d0" } } } } } }
    local w = whats(t)
    assert.is_true(index_of(w, "namespace r: create dummy d0") < index_of(w, "namespace r: vrf red gets d0"))
    assert.is_true(index_of(w, "namespace r: vrf red gets d0") < index_of(w, "namespace r: address 10.99.0.1/32 on d0"))
    assert.equal("topology: ipv6 = false, but namespace r: link d0 has the IPv6 address fd99::1/128",
      err_of { ipv6 = false, namespaces = { r = { links = { { "d0", kind = "dummy", address = "fd99::1/128" } } } } })
  end)

  it("refuses a VRF's table out of range, a link in two VRFs, a member that is no link", function()
    local function vrfs(v) return err_of { namespaces = { r = { vrfs = v }, a = {} }, links = { { "r", "a" } } } end
    assert.equal("topology: namespace r: vrf red: table must be an integer 1..4294967295, got 0",
      vrfs { red = { table = 0, links = { "eth0" } } })
    assert.equal("topology: namespace r: vrf red: table must be an integer 1..4294967295, got 4294967296",
      vrfs { red = { table = 4294967296 } })
    assert.equal("topology: namespace r: vrf red: table 254 is the kernel's own (default, main, local)",
      vrfs { red = { table = 254 } })
    assert.equal("topology: namespace r: vrf red: link eth0 is in vrf blue already (a link is in one vrf)",
      vrfs { blue = { table = 11, links = { "eth0" } }, red = { table = 10, links = { "eth0" } } })
    assert.equal("topology: namespace r: vrf red: table 10 is vrf blue's already",
      vrfs { blue = { table = 10 }, red = { table = 10 } })
    assert.equal("topology: namespace r: vrf red: 'eth9' is not a link of r (did you mean 'eth0'?)",
      vrfs { red = { table = 10, links = { "eth9" } } })
    assert.matches("unknown key 'tabel' in namespace r: vrf red %(did you mean 'table'%?%)",
      vrfs { red = { tabel = 10 } })
    assert.matches("vrf red: route default: a route of a vrf goes to its table",
      vrfs { red = { table = 10, links = { "eth0" }, routes = { default = { dev = "eth0", table = 5 } } } })
  end)

  it("takes remote, local, group and dev on a namespace's own vxlan; dev names a link of it", function()
    local t = nsl.topology { prefix = "", namespaces = { b = {}, a = { links = {
      { "vx0", kind = "vxlan", vni = 5, remote = "10.0.0.9", ["local"] = "10.0.0.1", dev = "eth0", port = 4790 },
      { "vx1", kind = "vxlan", vni = 6, group = "239.1.1.1", dev = "eth0" } } } }, links = { { "a", "b" } } }
    local own = t.model.nodes.a.own
    assert.same({ remote = "10.0.0.9", ["local"] = "10.0.0.1", port = 4790 }, own[1].opts)
    assert.equal("eth0", own[1].refs.dev.real)
    assert.same({ group = "239.1.1.1" }, own[2].opts)
    assert.equal("topology: namespace a: link vx0: dev 'eth9' is not a link of a (did you mean 'eth0'?)",
      err_of { namespaces = { b = {}, a = { links = { { "vx0", kind = "vxlan", vni = 5, dev = "eth9" } } } },
               links = { { "a", "b" } } })
    -- a vxlan link between two nodes still gets them from its underlay
    assert.matches("unknown key 'remote' in link a%-b",
      err_of { namespaces = { "a", "b" }, links = { { "a", "b" },
        { "a", "b", kind = "vxlan", vni = 3, underlay = 1, remote = "10.0.0.9" } } })
  end)

  it("looks for a VRF route's gateway on the VRF's links only, a namespace route's on the others", function()
    local function routes(t)
      local out = {}
      for _, r in ipairs(t.model.nodes.r.routes) do
        out[#out + 1] = r.dst .. " via " .. r.via .. (r.table and (" table " .. r.table) or "")
      end
      table.sort(out)
      return out
    end
    local two = { { "r", "a", subnet = "10.0.0.0/24" }, { "r", "a", subnet = "10.1.0.0/24" } }
    -- a is on eth0 (no vrf) and eth1 (vrf red): each route takes its own side
    assert.same({ "default via 10.0.0.2", "default via 10.1.0.2 table 10" }, routes(nsl.topology {
      namespaces = { r = { routes = { default = "a" }, vrfs = { red = { table = 10, links = { "eth1" },
        routes = { default = "a" } } } }, a = {} }, links = two }))
    assert.equal("topology: namespace r: vrf red: route default: gateway a is reached only by links of r outside "
      .. "vrf red (a vrf's routes look at its links only)",
      err_of { namespaces = { r = { vrfs = { red = { table = 10, routes = { default = "a" } } } }, a = {} },
               links = two })
    assert.equal("topology: namespace r: route default: gateway a is reached only by links of r in a vrf (the "
      .. "namespace's routes look at its links in no vrf; give the route in the vrf's routes)",
      err_of { namespaces = { r = { routes = { default = "a" }, vrfs = { red = { table = 10, links = { "eth0" } } } },
               a = {} }, links = { two[1] } })
    assert.equal("topology: namespace r: vrf red: route 10.9.0.0/24: gateway 10.0.0.2 is on the subnet of eth0, "
      .. "outside vrf red (a vrf's routes look at its links only)",
      err_of { namespaces = { r = { vrfs = { red = { table = 10, links = { "eth1" },
               routes = { ["10.9.0.0/24"] = "10.0.0.2" } } } }, a = {} }, links = two })
  end)

  it("keeps the NAT default route beside a VRF's default (it goes to the VRF's table)", function()
    local t = nsl.topology { namespaces = { r = { vrfs = { red = { table = 10, links = { "eth1" },
      routes = { default = "a" } } } }, a = {} },
      links = { { "r", "host", nat = true, subnet = "10.0.0.0/24" }, { "r", "a", subnet = "10.1.0.0/24" } } }
    local main, vrf
    for _, r in ipairs(t.model.nodes.r.routes) do
      if r.dst == "default" and not r.table then main = r.via .. " " .. tostring(r.gateway) end
      if r.dst == "default" and r.table == 10 then vrf = r.via end
    end
    assert.equal("10.0.0.2 nat", main)
    assert.equal("10.1.0.2", vrf)
  end)

  it("refuses a name taken in the namespace: by a bridge placed there, lo", function()
    local br = { br0 = { ns = "a" } }
    assert.equal("topology: namespace a: link br0: a already has an interface br0",
      err_of { namespaces = { a = { links = { { "br0", kind = "vxlan", vni = 5 } } } }, bridges = br })
    assert.equal("topology: namespace a: vrf br0: a already has an interface br0",
      err_of { namespaces = { a = { vrfs = { br0 = { table = 10 } } } }, bridges = br })
    assert.equal("topology: namespace a: vrf lo: a already has an interface lo",
      err_of { namespaces = { a = { vrfs = { lo = { table = 10 } } } } })
    assert.equal("topology: bridge lo: a already has an interface lo",
      err_of { namespaces = { a = {} }, bridges = { lo = { ns = "a" } } })
    assert.equal("topology: namespace a: vrfs: unexpected entry [1]: give each entry a name",
      err_of { namespaces = { a = { vrfs = { { table = 10 } } } } })
  end)

  it("checks own and kind links' option values before anything is made", function()
    local function own(spec)
      return err_of { namespaces = { a = { links = { spec } }, b = {} }, links = { { "a", "b" } } }
    end
    assert.equal("topology: namespace a: link m0: unknown macvlan mode 'bogus' (private, vepa, bridge, passthru, "
      .. "source)", own { "m0", kind = "macvlan", parent = "eth0", mode = "bogus" })
    assert.equal("topology: namespace a: link i0: unknown ipvlan mode 'bogus' (l2, l3, l3s)",
      own { "i0", kind = "ipvlan", parent = "eth0", mode = "bogus" })
    assert.equal("topology: namespace a: link v10: unknown vlan protocol '802.1x' (802.1Q, 802.1ad)",
      own { "v10", kind = "vlan", parent = "eth0", id = 10, protocol = "802.1x" })
    assert.equal("topology: namespace a: link d0: mtu must be an integer", own { "d0", kind = "dummy", mtu = "big" })
    assert.equal("topology: namespace a: link vx0: port must be an integer 1..65535, got 0",
      own { "vx0", kind = "vxlan", vni = 1, port = 0 })
    assert.equal("topology: namespace a: link vx0: ttl must be an integer 0..255, got 256",
      own { "vx0", kind = "vxlan", vni = 1, ttl = 256 })
    assert.equal("topology: namespace a: link vx0: tos must be an integer 0..255, got x",
      own { "vx0", kind = "vxlan", vni = 1, tos = "x" })
    assert.equal("topology: namespace a: link vx0: remote must be an address without a prefix length, got "
      .. "10.0.0.0/24", own { "vx0", kind = "vxlan", vni = 1, remote = "10.0.0.0/24" })
    assert.equal("topology: namespace a: link vx0: learning must be true or false, got 1",
      own { "vx0", kind = "vxlan", vni = 1, learning = 1 })
    assert.equal("topology: link a-b#3: unknown bond mode 'bogus' (balance-rr, active-backup, balance-xor, "
      .. "broadcast, 802.3ad, balance-tlb, balance-alb)",
      err_of { namespaces = { "a", "b" }, links = { { "a", "b" }, { "a", "b" },
        { "a", "b", kind = "bond", over = { 1, 2 }, mode = "bogus" } } })
    assert.equal("topology: link a-b#2: ttl must be an integer 0..255, got -1",
      err_of { namespaces = { "a", "b" }, links = { { "a", "b" },
        { "a", "b", kind = "vxlan", vni = 3, underlay = 1, ttl = -1 } } })
  end)

  it("has the enum names the primitives take: the same lists as their errors give", function()
    T.need_sandbox()
    local core = require "nsl.core"
    local ENUMS = require("nsl.topo.kinds").ENUMS
    local before = { vlan = { "nslk-none", 10 }, macvlan = { "nslk-none" }, ipvlan = { "nslk-none" }, bond = {} }
    local n = 0
    for kind, keys in pairs(ENUMS) do
      for key, list in pairs(keys) do
        local args = { "nslk0" }
        for _, a in ipairs(before[kind]) do args[#args + 1] = a end
        args[#args + 1] = { [key] = "bogus" }
        local ok, err = pcall(core[kind .. "_add"], table.unpack(args))
        assert.is_false(ok)
        assert.equal(table.concat(list, ", "), tostring(err):match("'bogus' %((.*)%)$"), kind .. " " .. key)
        n = n + 1
      end
    end
    assert.equal(4, n)
  end)
end)

-- Runs cmd in node's namespace of t; true when it exits 0.
local function ok_in(t, node, cmd)
  return N.in_ns(t:name(node), cmd).code == 0
end

local function ping(t, from, addr)
  return ok_in(t, from, "ping -n -c1 -W1 " .. addr)
end

-- After a link came back up: the kernel's link watcher gives it its
-- queue only a moment later (until then what it sends is dropped), so a
-- few tries.
local function ping_again(t, from, addr)
  for _ = 1, 5 do
    if ping(t, from, addr) then return true end
  end
  return false
end

describe("link kinds in topologies #netns", function()
  local t, before
  -- Each test leaves what it found: no namespace, the same links in the
  -- root namespace (lo, and the fallback devices a tunnel module made
  -- there when a spec before this one loaded it: gre0...).
  before_each(function()
    before = T.sandboxed() and N.ip_link_names() or nil
  end)
  after_each(function()
    if t then t:down(); t = nil end
    if before then
      assert.same({}, N.ip_netns())
      assert.same(before, N.ip_link_names())
    end
    N.wipe()
  end)

  it("vxlan between two namespaces over a veth carries both families", function()
    if not N.needs() then return end
    t = nsl.topology { namespaces = { "a", "b" }, ipv6 = "fd00::/48", dad = false,
      links = { { "a", "b", subnet = "10.0.0.0/24" },
                { "a", "b", kind = "vxlan", vni = 42, underlay = 1, subnet = "10.42.0.0/24", port = 4790, ttl = 9 } } }:up()
    local v = link_get("vxlan0", { ns = t:name("a") }).vxlan
    assert.equal(42, v.vni)
    assert.equal("10.0.0.2", v.remote)
    assert.equal("10.0.0.1", v["local"])
    assert.equal(4790, v.port)
    assert.equal(9, N.ip_link("vxlan0", t:name("b")).linkinfo.info_data.ttl)
    assert.is_true(ping(t, "a", "10.42.0.2"))
    assert.is_true(ping(t, "b", t:addr("a", "b", "inet6")))
    -- the traffic goes through the tunnel: with the underlay down it stops
    link_set("eth0", { ns = t:name("a"), up = false })
    assert.is_false(ping(t, "a", "10.42.0.2"))
    link_set("eth0", { ns = t:name("a"), up = true })
    assert.is_true(ping_again(t, "a", "10.42.0.2"))
    -- failure injection takes the vxlan link with the others between a and b
    t:link_down("a", "b")
    assert.is_false(N.has_flag(N.ip_link("vxlan0", t:name("b")), "UP"))
    assert.same({ ["a-b"] = true, ["a-b#2"] = true }, t.faults.down)
    t:link_up("a", "b")
    assert.is_true(ping_again(t, "a", "10.42.0.2"))
  end)

  it("vxlan with a root-namespace end: down removes the root-side device too", function()
    if not N.needs() then return end
    t = nsl.topology { namespaces = { "a" },
      links = { { "host", "a", subnet = "10.0.0.0/24" },
                { "host", "a", kind = "vxlan", vni = 7, underlay = 1, subnet = "10.42.0.0/24" } } }:up()
    local real = t:link_name("host", "vxlana")
    assert.equal("vxlan", N.ip_link(real).linkinfo.info_kind)
    assert.is_true(T.sh("ping -n -c1 -W1 10.42.0.2").code == 0)
    t:down(); t = nil
    assert.is_nil(N.ip_link(real))
  end)

  it("a namespace's own vxlans with remote, local and dev carry traffic between two namespaces", function()
    if not N.needs() then return end
    local function vx(me, peer, addr)
      return { { "vx0", kind = "vxlan", vni = 9, dev = "eth0", remote = peer, ["local"] = me, port = 4791,
                 address = addr } }
    end
    t = nsl.topology { namespaces = { a = { links = vx("10.0.0.1", "10.0.0.2", "10.9.0.1/24") },
                                      b = { links = vx("10.0.0.2", "10.0.0.1", "10.9.0.2/24") } },
      links = { { "a", "b", subnet = "10.0.0.0/24" } } }:up()
    local v = link_get("vx0", { ns = t:name("a") })
    assert.same({ "10.0.0.2", "10.0.0.1", 4791 }, { v.vxlan.remote, v.vxlan["local"], v.vxlan.port })
    assert.is_true(ping(t, "a", "10.9.0.2"))
  end)

  it("a namespace's own macvlan sits on its veth end and answers there", function()
    if not N.needs() then return end
    t = nsl.topology { namespaces = { a = { links = { { "m0", kind = "macvlan", parent = "eth0", mode = "bridge",
                                                        address = "10.0.0.10/24" } } }, b = {} },
      links = { { "a", "b", subnet = "10.0.0.0/24" } } }:up()
    local l = N.ip_link("m0", t:name("a"))
    assert.equal("macvlan", l.linkinfo.info_kind)
    assert.equal("bridge", l.linkinfo.info_data.mode)
    assert.equal("eth0", l.link)
    assert.is_true(N.contains(N.ip_addrs("m0", t:name("a")), "10.0.0.10/24"))
    assert.is_true(ping(t, "b", "10.0.0.10"))
  end)

  it("t:state() reports the faults: links down and impaired ends", function()
    if not N.needs() then return end
    t = nsl.topology { namespaces = { "a", "b", "c" },
      links = { { "a", "b", subnet = "10.0.0.0/24", impair = { a = { rate = "10mbit" } } }, { "a", "c" } } }:up()
    local f = t:state().faults
    assert.same({}, f.down)
    assert.equal(1, #f.impaired)
    assert.equal("a-b", f.impaired[1].link)
    assert.equal("a", f.impaired[1].node)
    assert.equal("tbf", f.impaired[1].impair.qdisc)
    t:link_down("a", "c")
    t:partition({ "a" }, { "b" })
    f = t:state().faults
    assert.same({ "a-c" }, f.down)
    assert.same({ "a-b" }, f.cut)
    assert.equal(f.impaired[1].link, require("nsl.json").decode(require("nsl.json").encode(t:state())).faults.impaired[1].link)
  end)

  it("vlan: a namespace's own vlan links on both ends of a veth carry traffic #kernel", function()
    if not N.needs() then return end
    t = nsl.topology { namespaces = {
        a = { links = { { "v10", kind = "vlan", parent = "eth0", id = 10, address = { "10.10.0.1/24", "fd10::1/64" } } } },
        b = { links = { { "v10", kind = "vlan", parent = "eth0", id = 10, address = { "10.10.0.2/24", "fd10::2/64" } },
                        { "v20", kind = "vlan", parent = "eth0", id = 20, protocol = "802.1ad", address = "10.20.0.2/24" } } } },
      dad = false, links = { { "a", "b" } } }
    K.make(t.up, t)
    assert.same({ id = 10, protocol = "802.1Q" }, link_get("v10", { ns = t:name("a") }).vlan)
    assert.equal("802.1ad", link_get("v20", { ns = t:name("b") }).vlan.protocol)
    assert.equal(10, N.ip_link("v10", t:name("b")).linkinfo.info_data.id)
    assert.is_true(ping(t, "a", "10.10.0.2"))
    assert.is_true(ping(t, "a", "fd10::2"))
    assert.is_false(ping(t, "a", "10.20.0.2"))
  end)

  it("dummy and ipvlan: own links with addresses, routes through them #kernel", function()
    if not N.needs() then return end
    t = nsl.topology { namespaces = {
        a = { links = { { "d0", kind = "dummy", address = "10.99.0.1/32" },
                        { "iv0", kind = "ipvlan", parent = "eth0", mode = "l2", address = "10.0.0.10/24" } },
              routes = { ["10.98.0.0/24"] = { dev = "d0" } } },
        b = { routes = { ["10.99.0.1/32"] = "a" } } },
      links = { { "a", "b", subnet = "10.0.0.0/24" } } }
    K.make(t.up, t)
    assert.equal("dummy", N.ip_link("d0", t:name("a")).linkinfo.info_kind)
    assert.same({ mode = "l2" }, link_get("iv0", { ns = t:name("a") }).ipvlan)
    local routes = N.ip("route show 10.98.0.0/24", t:name("a"))
    assert.equal("d0", routes[1].dev)
    assert.is_true(ping(t, "b", "10.99.0.1"))
    assert.is_true(ping(t, "b", "10.0.0.10"))
  end)

  it("bond of two veth links: active-backup, ports joined, traffic survives a port down #kernel", function()
    if not N.needs() then return end
    t = nsl.topology { namespaces = { "a", "b" }, ipv6 = "fd00::/48",
      links = { { "a", "b" }, { "a", "b" },
                { "a", "b", kind = "bond", over = { 1, 2 }, mode = "active-backup", subnet = "10.43.0.0/24" } } }
    K.make(t.up, t)
    local a = t:name("a")
    assert.same({ mode = "active-backup", miimon = 100 }, link_get("bond0", { ns = a }).bond)
    assert.equal("bond0", link_get("eth0", { ns = a }).master)
    assert.equal("bond0", link_get("eth1", { ns = a }).master)
    assert.is_true(ping(t, "a", "10.43.0.2"))
    assert.is_true(ping(t, "a", t:addr("b", "a", "inet6")))
    -- the active port goes down (and its peer's carrier with it): the bond fails over
    local active = N.ip_link("bond0", a).linkinfo.info_data.active_slave
    assert.truthy(active)
    link_set(active, { ns = a, up = false })
    assert.is_true(ping_again(t, "a", "10.43.0.2"))
  end)

  it("a VRF router: each host pair pings across its VRF, not into the other #kernel", function()
    if not N.needs() then return end
    -- both families: IPv6 readiness sees the members' routes in their VRF's table
    t = nsl.topology { namespaces = VRF_ROUTER.namespaces, links = VRF_ROUTER.links, ipv6 = "fd00::/48" }
    K.make(t.up, t)
    local r = t:name("r")
    assert.same({ table = 10 }, link_get("red", { ns = r }).vrf)
    assert.equal("red", link_get("eth1", { ns = r }).master)
    assert.equal("blue", link_get("eth2", { ns = r }).master)
    assert.equal("vrf", N.ip_link("blue", r).linkinfo.info_kind)
    -- the connected routes went to each VRF's table
    assert.equal("eth1", N.ip("route show table 10 10.0.2.0/24", r)[1].dev)
    assert.equal("eth3", N.ip("route show table 20 10.0.2.0/24", r)[1].dev)
    assert.equal("10.0.2.2", N.ip("route show table 10 10.9.0.0/24", r)[1].gateway)
    assert.equal("10.0.2.3", N.ip("route show table 20 10.9.0.0/24", r)[1].gateway)
    assert.is_true(ping(t, "a1", "10.0.2.2"))
    assert.is_true(ping(t, "b1", "10.0.2.3"))
    assert.is_true(ping(t, "a2", "10.0.1.2"))
    assert.is_true(ping(t, "b2", "10.0.1.3"))
    assert.is_false(ping(t, "a1", "10.0.2.3"))
    assert.is_false(ping(t, "b1", "10.0.2.2"))
    assert.is_true(ping(t, "a1", t:addr("a2", "r", "inet6")))
    assert.is_true(ping(t, "b2", t:addr("b1", "r", "inet6")))
    assert.is_false(ping(t, "a1", t:addr("b2", "r", "inet6")))
  end)

  it("a VRF's default and the main default to one node: each through its own link #kernel", function()
    if not N.needs() then return end
    t = nsl.topology { namespaces = { r = { routes = { default = "a" }, vrfs = { red = { table = 10,
      links = { "eth1" }, routes = { default = "a" } } } }, a = {} },
      links = { { "r", "a", subnet = "10.0.0.0/24" }, { "r", "a", subnet = "10.1.0.0/24" } } }
    K.make(t.up, t)
    local r = t:name("r")
    assert.same({ "10.0.0.2", "eth0" }, { N.ip("route show default", r)[1].gateway, N.ip("route show default", r)[1].dev })
    local v = N.ip("route show table 10 default", r)[1]
    assert.same({ "10.1.0.2", "eth1" }, { v.gateway, v.dev })
  end)
end)
