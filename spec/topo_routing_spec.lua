-- Routing in descriptions: routes by node name in both families, a
-- route to one family's subnet mirrored to the link's other subnet,
-- routing = "static", the addressing pools, several addresses per end,
-- route entries with type, metric, table, mtu, nexthops, protocol.
local T = require "spec.support.util"
local N = require "spec.support.net"

local function model(d) return nsl.topology(d).model end

local function routes_of(m, name)
  for _, n in ipairs(m.namespaces) do
    if n.name == name then
      local out = {}
      for _, r in ipairs(n.routes) do out[#out + 1] = r end
      return out
    end
  end
end

local function find(list, dst, family)
  for _, r in ipairs(list) do
    if r.dst == dst and (not family or r.family == family) then return r end
  end
end

local function err_of(d)
  local ok, e = pcall(nsl.topology, d)
  assert.is_false(ok, "expected the description to be refused")
  return tostring(e)
end

-- A chain h1 - r1 - r2 - h2 with IPv4 subnets written and IPv6 from ipv6 =.
local CHAIN = {
  prefix = "", ipv6 = "fd00:10::/48",
  namespaces = {
    h1 = { routes = { default = "r1" } },
    r1 = { forwarding = true, routes = { ["10.0.2.0/24"] = "r2" } },
    r2 = { forwarding = true, routes = { ["10.0.0.0/24"] = "r1" } },
    h2 = { routes = { default = "r2" } },
  },
  links = { { "h1", "r1", subnet = "10.0.0.0/24" }, { "r1", "r2", subnet = "10.0.1.0/24" },
            { "r2", "h2", subnet = "10.0.2.0/24" } },
}

describe("routes in descriptions #unit", function()
  it("a route via a node goes to both families: default, and a link's other subnet", function()
    local m = model(CHAIN)
    local h1 = routes_of(m, "h1")
    assert.equal("10.0.0.2", find(h1, "default", "inet").via)
    assert.equal("fd00:10::2", find(h1, "default", "inet6").via)
    local r1 = routes_of(m, "r1")
    assert.equal("10.0.1.2", find(r1, "10.0.2.0/24").via)
    -- the IPv6 /64 of link r2-h2, mirrored from its IPv4 subnet
    assert.equal("fd00:10:0:1::2", find(r1, "fd00:10:0:2::/64").via)
    assert.equal("fd00:10:0:1::1", find(routes_of(m, "r2"), "fd00:10::/64").via)
  end)

  it("route entries take type, metric, table, mtu, protocol and nexthops", function()
    local m = model {
      prefix = "", ipv6 = "fd00:10::/48",
      namespaces = { a = { routes = {
        ["10.9.0.0/16"] = { type = "blackhole" },
        ["10.8.0.0/16"] = { via = "b", metric = 7, table = 100, mtu = 1400, protocol = "static" },
        default = { nexthops = { { via = "b", weight = 2 }, { via = "c" } } },
      } }, b = {}, c = {} },
      links = { { "a", "b" }, { "a", "c" } },
    }
    local a = routes_of(m, "a")
    assert.equal("blackhole", find(a, "10.9.0.0/16").type)
    local r = find(a, "10.8.0.0/16")
    assert.same({ 7, 100, 1400, "static" }, { r.metric, r.table, r.mtu, r.protocol })
    local d4, d6 = find(a, "default", "inet"), find(a, "default", "inet6")
    assert.equal(2, #d4.nexthops)
    assert.equal(2, d4.nexthops[1].weight)
    assert.equal(2, #d6.nexthops)
    assert.truthy(d6.nexthops[1].via:find(":", 1, true))
  end)

  it("refuses bad route entries with the place and the reason", function()
    local base = function(r) return { namespaces = { a = { routes = r }, b = {} }, links = { { "a", "b" } } } end
    assert.matches("namespace a: route 10.9.0.0/16: type must be unicast, unreachable, blackhole or prohibit, got drop",
      err_of(base { ["10.9.0.0/16"] = { type = "drop" } }))
    assert.matches("namespace a: route 10.9.0.0/16: a route of type blackhole takes no via, dev or nexthops",
      err_of(base { ["10.9.0.0/16"] = { type = "blackhole", via = "b" } }))
    assert.matches("namespace a: route 10.9.0.0/16: mtu must be an integer 68 to 65535",
      err_of(base { ["10.9.0.0/16"] = { via = "b", mtu = 9 } }))
    assert.matches("unknown key 'wieght' in namespace a: route default: nexthops[1] (did you mean 'weight'?)",
      err_of(base { default = { nexthops = { { via = "b", wieght = 2 } } } }), 1, true)
    assert.matches("unknown key 'nexthop' in namespace a: route default (did you mean 'nexthops'?)",
      err_of(base { default = { nexthop = { "b" } } }), 1, true)
    assert.matches("namespace a: route default: nexthops[1]: gateway 'zz' is neither an address nor a described node",
      err_of(base { default = { nexthops = { "zz" } } }), 1, true)
    assert.matches("namespace a: route default: give via/dev or nexthops, not both",
      err_of(base { default = { via = "b", nexthops = { "b" } } }), 1, true)
  end)
end)

describe("addressing in descriptions #unit", function()
  it("addresses a link without subnet from the IPv4 pool (10.0.0.0/8 by default), skipping written prefixes", function()
    local m = model { prefix = "", namespaces = { "a", "b", "c" },
      links = { { "a", "b", subnet = "10.0.0.0/24" }, { "b", "c" } } }
    assert.equal("10.0.1.1/24", m.links[2].ends[1].address)
    assert.equal("10.0.1.2/24", m.links[2].ends[2].address)
    local p = model { prefix = "", namespaces = { "a", "b" }, bridges = { br = {} },
      addressing = { ipv4 = "172.20.0.0/16", ipv6 = true }, links = { { "a", "br" }, { "b", "br" } } }
    assert.equal("172.20.0.1/24", p.bridges[1].address)
    assert.equal("172.20.0.2/24", p.links[1].ends[1].address)
    assert.equal("fd00::2/64", p.links[1].ends[1].addrs[2].text)
    local none = model { prefix = "", namespaces = { "a", "b" }, addressing = { ipv4 = false },
      links = { { "a", "b" } } }
    assert.is_nil(none.links[1].ends[1].address)
  end)

  it("leaves a bridge whose ports were given addresses to them (no pool prefix to clash with)", function()
    local m = model { prefix = "", namespaces = { "a", "b" }, bridges = { br = {} },
      links = { { "a", "br", address = { a = "10.200.0.2/16" } }, { "b", "br", address = { b = "10.200.0.3/16" } } } }
    assert.is_nil(m.bridges[1].address)
    assert.equal("10.200.0.2/16", m.links[1].ends[1].address)
    assert.equal("10.200.0.3/16", m.links[2].ends[1].address)
  end)

  it("refuses bad pools: wrong types, unknown keys, the wrong family, too small", function()
    local d = function(a) return { namespaces = { "a", "b" }, links = { { "a", "b" } }, addressing = a } end
    assert.matches("unknown key 'ipv5' in addressing (did you mean 'ipv4'?)", err_of(d { ipv5 = "10.0.0.0/8" }), 1, true)
    assert.matches("addressing.ipv4: fd00::/48 is not an IPv4 prefix", err_of(d { ipv4 = "fd00::/48" }), 1, true)
    assert.matches("addressing.ipv4: 10.0.0.0/28 is too small to give /24s", err_of(d { ipv4 = "10.0.0.0/28" }), 1, true)
    assert.matches("addressing.ipv4: bad address '10.0.0/8'", err_of(d { ipv4 = "10.0.0/8" }), 1, true)
    assert.matches("addressing.ipv6: 10.0.0.0/8 is not an IPv6 prefix", err_of(d { ipv6 = "10.0.0.0/8" }), 1, true)
    assert.matches("addressing must be a table", err_of(d("10.0.0.0/8")), 1, true)
    assert.matches("give ipv6 or addressing.ipv6, not both",
      err_of { ipv6 = "fd00::/48", addressing = { ipv6 = true } }, 1, true)
  end)

  it("takes several addresses per family on a link end", function()
    local m = model { prefix = "", namespaces = { "a", "b" },
      links = { { "a", "b", addresses = { a = { "10.0.0.1/24", "10.0.1.1/24", "fd00::1/64" },
                                           b = { "10.0.0.2/24", "10.0.1.2/24", "fd00::2/64" } } } } }
    local texts = {}
    for _, p in ipairs(m.links[1].ends[1].addrs) do texts[#texts + 1] = p.text end
    assert.same({ "10.0.0.1/24", "10.0.1.1/24", "fd00::1/64" }, texts)
    assert.matches("link a-b: addresses for 'c', which is not an end of this link",
      err_of { namespaces = { "a", "b" }, links = { { "a", "b", addresses = { c = { "10.0.0.1/24" } } } } }, 1, true)
    assert.matches("address 10.0.0.1/24 is used twice",
      err_of { namespaces = { "a", "b" },
               links = { { "a", "b", addresses = { a = { "10.0.0.1/24" }, b = { "10.0.0.1/24" } } } } }, 1, true)
  end)
end)

describe("routing = 'static' #unit", function()
  it("gives every namespace a shortest-path route to every subnet it is not on, both families, and forwarding", function()
    local m = model { prefix = "", routing = "static", addressing = { ipv6 = true },
      namespaces = { "h1", "r1", "r2", "r3", "h2" },
      links = { { "h1", "r1" }, { "r1", "r2" }, { "r2", "h2" }, { "r1", "r3" }, { "r3", "h2" } } }
    -- links: h1-r1 10.0.0/fd00::, r1-r2 .1, r2-h2 .2, r1-r3 .3, r3-h2 .4
    local h1 = routes_of(m, "h1")
    assert.equal(8, #h1)
    assert.equal("10.0.0.2", find(h1, "10.0.2.0/24").via)
    assert.equal("fd00::2", find(h1, "fd00:0:0:2::/64").via)
    -- r1 to r3-h2's subnet: r3 is on it, one hop
    assert.equal("10.0.3.2", find(routes_of(m, "r1"), "10.0.4.0/24").via)
    for _, n in ipairs(m.namespaces) do
      local fwd = n.sysctl["net.ipv4.ip_forward"]
      if n.name == "h1" then assert.is_nil(fwd) else assert.is_true(fwd, n.name) end
    end
  end)

  it("leaves a destination a namespace routes itself to its own route, and refuses other values", function()
    local m = model { prefix = "", routing = "static",
      namespaces = { a = { routes = { ["10.0.1.0/24"] = { type = "unreachable" } } }, b = {}, c = {} },
      links = { { "a", "b" }, { "b", "c" } } }
    local a = routes_of(m, "a")
    assert.equal(1, #a)
    assert.equal("unreachable", a[1].type)
    assert.matches("routing must be \"static\"",
      err_of { routing = "ospf", namespaces = { "a" } }, 1, true)
  end)
end)

describe("routing in topologies #netns", function()
  after_each(N.wipe)

  it("a chain with ipv6 = and IPv4 routes written reaches end to end in both families", function()
    if not N.needs() then return end
    local _ <close> = nsl.topology(CHAIN):up()
    assert.equal(0, N.in_ns("h1", "ping -c1 -W2 10.0.2.2").code)
    local r = N.in_ns("h1", "ping -6 -c1 -W2 fd00:10:0:2::2")
    assert.equal(0, r.code, r.out .. r.err)
  end)

  it("routing = 'static' with pools: every namespace reaches every address, both families", function()
    if not N.needs() then return end
    local t <close> = nsl.topology { prefix = "", routing = "static", addressing = { ipv6 = true }, dad = false,
      namespaces = { "h1", "r1", "r2", "h2" }, bridges = { lan = {} },
      links = { { "h1", "r1" }, { "r1", "r2" }, { "r2", "lan" }, { "h2", "lan" } } }:up()
    local out = T.sh("ip -n h1 route").out
    assert.matches("proto static", out, 1, true)
    for _, dst in ipairs({ t:addr("h2"), "10.0.2.2" }) do
      assert.equal(0, N.in_ns("h1", "ping -c1 -W2 " .. dst).code, dst)
    end
    local v6
    for _, a in ipairs(addr_list({ ns = "h2", family = "inet6" })) do
      if a.scope == "global" then v6 = a.address end
    end
    local r = N.in_ns("h1", "ping -6 -c1 -W2 " .. v6)
    assert.equal(0, r.code, v6 .. ": " .. r.out .. r.err)
  end)
end)

describe("after the routing description specs #netns", function()
  it("nothing is left", function()
    if not N.needs() then return end
    N.assert_clean()
  end)
end)

describe("the address pool and the root namespace #netns", function()
  after_each(N.wipe)

  it("gives a link to host no /24 the root namespace routes already", function()
    if not N.needs() then return end
    local ok = pcall(function()
      dummy_add("taken0")
    end)
    if not ok then veth_add("taken0", "taken1") end
    addr_add("taken0", "10.0.0.1/23")
    link_set("taken0", { up = true })
    local m = nsl.topology { prefix = "p-", namespaces = { "a", "b" },
      links = { { "a", "host" }, { "a", "b" } } }.model
    assert.equal("10.0.2.1/24", m.links[1].ends[1].address) -- 10.0.0.0/24 and 10.0.1.0/24 are the host's
    assert.equal("10.0.3.1/24", m.links[2].ends[1].address)
    assert.matches("that the root namespace does not route already",
      err_of { prefix = "p-", addressing = { ipv4 = "10.0.0.0/24" }, namespaces = { "a" }, links = { { "a", "host" } } },
      1, true)
  end)
end)
