-- IPv6 on the real kernel: the primitives' new options (nodad, metric,
-- family, route types, onlink, multipath) and DAD flags, and dual-stack
-- topologies (S5 and a routed chain) that ping over both families right
-- after up.  ip -j is the independent witness.
local T = require "spec.support.util"
local N = require "spec.support.net"
local nsl = require "nsl"

-- The addr_info of dev in ns as ip reports it, by "address/len".
local function ip_addr_info(dev, ns)
  local out = {}
  for _, l in ipairs(N.ip("addr show dev " .. T.quote(dev), ns)) do
    for _, a in ipairs(l.addr_info or {}) do out[a["local"] .. "/" .. a.prefixlen] = a end
  end
  return out
end

-- The routes ip -j [-6] route shows in ns (table t when given), by dst.
local function ip_routes(args, ns)
  local out = {}
  for _, r in ipairs(N.ip(args, ns)) do out[r.dst] = r end
  return out
end

local function ping(t, from, to, family)
  local addr = t:addr(to, nil, family)
  assert.is_string(addr, to .. " has no " .. family .. " address")
  local r = t:exec(from, { "ping", family == "inet6" and "-6" or "-4", "-c1", "-W1", addr }, { capture = true })
  return r.ok, from .. " -> " .. to .. " " .. addr .. ": " .. tostring(r.stdout) .. tostring(r.stderr)
end

-- Every address of every node pings, both families, both directions.
local function ping_all(t, pairs_)
  for _, p in ipairs(pairs_) do
    for _, f in ipairs({ "inet6", "inet" }) do
      assert.is_true(ping(t, p[1], p[2], f))
      assert.is_true(ping(t, p[2], p[1], f))
    end
  end
end

describe("IPv6 primitives #netns", function()
  after_each(N.wipe)

  local function pair()
    ns_add("six")
    veth_add("a0", "b0", { ns = "six" })
    link_set("a0", { ns = "six", up = true })
    link_set("b0", { ns = "six", up = true })
  end

  it("adds with nodad and a prefix-route metric, and addr_list reports the DAD flags", function()
    if not N.needs() then return end
    pair()
    addr_add("a0", "fd00::1/64", { ns = "six", nodad = true, metric = 77 })
    addr_add("b0", "fd00::2/64", { ns = "six" })
    local a = ip_addr_info("a0", "six")["fd00::1/64"]
    assert.is_true(a.nodad)
    assert.is_nil(a.tentative)
    local mine = {}
    for _, r in ipairs(addr_list({ ns = "six", family = "inet6" })) do mine[r.cidr] = r end
    assert.is_true(mine["fd00::1/64"].nodad)
    assert.is_false(mine["fd00::1/64"].tentative)
    -- b0's is still in DAD: ip and nsl agree
    assert.equal(ip_addr_info("b0", "six")["fd00::2/64"].tentative == true, mine["fd00::2/64"].tentative)
    assert.is_false(mine["fd00::2/64"].dadfailed)
    for _, r in ipairs(addr_list({ ns = "six", family = "inet6" })) do assert.equal("inet6", r.family) end
    for _, r in ipairs(addr_list({ ns = "six", family = "inet" })) do assert.equal("inet", r.family) end
    assert.equal(77, N.ip("-6 route show dev a0", "six")[1].metric)
  end)

  it("reports dadfailed for an address another node has, and up's wait names it", function()
    if not N.needs() then return end
    pair()
    addr_add("a0", "fd00::9/64", { ns = "six", nodad = true })
    addr_add("b0", "fd00::9/64", { ns = "six" })   -- a duplicate on the same wire
    local ready = require "nsl.topo.ready"
    local ok, err = pcall(ready.addresses, { links = {},
      { ns = "six", dev = "b0", address = "fd00::9", where = "fd00::9/64 on b (link a-b)" } }, true)
    assert.is_false(ok)
    assert.equal("fd00::9/64 on b (link a-b): duplicate address detection failed (another node has this address)", err)
    local b = ip_addr_info("b0", "six")["fd00::9/64"]
    assert.is_true(b.dadfailed)
    for _, r in ipairs(addr_list({ ns = "six", dev = "b0", family = "inet6" })) do
      if r.address == "fd00::9" then assert.is_true(r.dadfailed) end
    end
  end)

  it("link_get reports a link's IPv6 DAD state: tentative, dadfailed, nodad", function()
    if not N.needs() then return end
    pair()
    addr_add("a0", "fd00::7/64", { ns = "six", nodad = true })
    addr_add("b0", "fd00::7/64", { ns = "six" })   -- a duplicate: its DAD fails
    local b = link_get("b0", { ns = "six" })
    assert.is_false(b.nodad)
    assert.is_true(b.tentative or b.dadfailed)
    local deadline = nsl.now() + 10
    while not link_get("b0", { ns = "six" }).dadfailed and nsl.now() < deadline do sleep(0.05) end
    assert.is_true(link_get("b0", { ns = "six" }).dadfailed)
    assert.is_false(link_get("a0", { ns = "six" }).dadfailed)
    sysctl("net.ipv6.conf.a0.accept_dad", "0", { ns = "six" })
    assert.is_true(link_get("a0", { ns = "six" }).nodad)
    assert.equal("0", N.in_ns("six", "sysctl -n net.ipv6.conf.a0.accept_dad").out:match("%d"))
  end)

  it("adds unreachable, blackhole and prohibit routes of both families", function()
    if not N.needs() then return end
    pair()
    route_add("fd00:8::/64", { ns = "six", type = "unreachable" })
    route_add("fd00:7::/64", { ns = "six", type = "blackhole", metric = 5 })
    route_add("10.8.0.0/24", { ns = "six", type = "prohibit" })
    route_add("10.7.0.0/24", { ns = "six", type = "blackhole", table = 100 })
    local r6 = ip_routes("-6 route", "six")
    assert.equal("unreachable", r6["fd00:8::/64"].type)
    assert.equal("blackhole", r6["fd00:7::/64"].type)
    assert.equal(5, r6["fd00:7::/64"].metric)
    assert.equal("prohibit", ip_routes("-4 route", "six")["10.8.0.0/24"].type)
    assert.equal("blackhole", ip_routes("-4 route show table 100", "six")["10.7.0.0/24"].type)
    local mine = {}
    for _, r in ipairs(route_list({ ns = "six" })) do mine[r.dst] = r end
    assert.equal("unreachable", mine["fd00:8::/64"].type)
    route_del("fd00:8::/64", { ns = "six", type = "unreachable" })
    assert.is_nil(ip_routes("-6 route", "six")["fd00:8::/64"])
  end)

  it("adds multipath routes of both families, and onlink gateways", function()
    if not N.needs() then return end
    pair()
    addr_add("a0", "fd00::1/64", { ns = "six", nodad = true })
    addr_add("a0", "10.1.0.1/24", { ns = "six" })
    addr_add("b0", "10.2.0.1/24", { ns = "six" })
    route_add("fd00:9::/64", { ns = "six", nexthops = {
      { via = "fd00::5", dev = "a0", weight = 3 }, { via = "fd00::6", dev = "a0" } } })
    route_add("10.9.0.0/24", { ns = "six", nexthops = {
      { via = "10.1.0.5", dev = "a0", weight = 2 }, { via = "10.2.0.5", dev = "b0" } } })
    route_add("10.6.0.0/24", { ns = "six", via = "192.0.2.1", dev = "a0", onlink = true })
    local nh6 = ip_routes("-6 route", "six")["fd00:9::/64"].nexthops
    assert.same({ { "fd00::5", "a0", 3 }, { "fd00::6", "a0", 1 } },
      { { nh6[1].gateway, nh6[1].dev, nh6[1].weight }, { nh6[2].gateway, nh6[2].dev, nh6[2].weight } })
    local nh4 = ip_routes("-4 route", "six")["10.9.0.0/24"].nexthops
    assert.same({ { "10.1.0.5", "a0", 2 }, { "10.2.0.5", "b0", 1 } },
      { { nh4[1].gateway, nh4[1].dev, nh4[1].weight }, { nh4[2].gateway, nh4[2].dev, nh4[2].weight } })
    assert.is_true(N.contains(ip_routes("-4 route", "six")["10.6.0.0/24"].flags, "onlink"))
    local mine = {}
    for _, r in ipairs(route_list({ ns = "six", family = "inet6" })) do mine[r.dst] = r end
    assert.same({ { via = "fd00::5", dev = "a0", weight = 3 }, { via = "fd00::6", dev = "a0", weight = 1 } },
      mine["fd00:9::/64"].nexthops)
  end)

  it("refuses bad route and address options, naming the primitive and the object", function()
    if not N.needs() then return end
    pair()
    local function e(f, ...) local ok, err = pcall(f, ...); assert.is_false(ok); return tostring(err) end
    assert.equal("route_add: bogus: unknown route type (unicast, unreachable, blackhole or prohibit)",
      e(route_add, "10.5.0.0/24", { ns = "six", type = "bogus" }))
    assert.equal("route_add: 10.5.0.0/24: a route of type unreachable, blackhole or prohibit takes no via, dev or nexthops",
      e(route_add, "10.5.0.0/24", { ns = "six", type = "blackhole", via = "10.1.0.9" }))
    assert.equal("route_add: fd00::1: nexthops[1].via: not of the route's family",
      e(route_add, "10.5.0.0/24", { ns = "six", nexthops = { { via = "fd00::1" } } }))
    assert.equal("route_add: nexthops: nexthops[2]: weight must be 1 to 256",
      e(route_add, "10.5.0.0/24", { ns = "six", nexthops = { { via = "10.0.0.1" }, { via = "10.0.0.2", weight = 0 } } }))
    assert.equal("route_add: option 'nexthops[2].via': string expected, got number",
      e(route_add, "10.5.0.0/24", { ns = "six", nexthops = { { via = "10.0.0.1" }, { via = 5 } } }))
    assert.equal("route_add: 10.5.0.0/24: give via/dev or nexthops, not both",
      e(route_add, "10.5.0.0/24", { ns = "six", via = "10.0.0.1", nexthops = { { via = "10.0.0.2" } } }))
    assert.equal("route_add: 10.5.0.0/24: metric must be 0 to 4294967295",
      e(route_add, "10.5.0.0/24", { ns = "six", via = "10.0.0.1", metric = -2 }))
    assert.equal("addr_add: 10.1.0.9/24: not of family inet6",
      e(addr_add, "a0", "10.1.0.9/24", { ns = "six", family = "inet6" }))
    assert.equal("addr_add: fd00::/129: prefix length must be 0 to 128", e(addr_add, "a0", "fd00::/129", { ns = "six" }))
    assert.equal("addr_add: fe80::1%a0/64: not an IPv4 or IPv6 address", e(addr_add, "a0", "fe80::1%a0/64", { ns = "six" }))
    assert.equal("addr_list: inet7: unknown family (inet or inet6)", e(addr_list, { ns = "six", family = "inet7" }))
  end)
end)

describe("dual-stack topologies #netns", function()
  local t
  after_each(function()
    if t then pcall(t.down, t); t = nil end
    N.wipe()
  end)

  it("S5 dual-stack pings over both families both ways right after up (DAD waited for)", function()
    if not N.needs() then return end
    t = nsl.topology {
      ipv6 = "fd00:5::/48",                                  -- the one line that makes it dual-stack
      namespaces = { "ns0", "ns1" },
      bridges = { br0 = { address = "192.168.2.1/24" } },
      links = { { "ns0", "br0", name = "ceth0" }, { "ns1", "br0", name = "ceth1" } },
    }
    local t0 = nsl.now()
    t:up()
    local took = nsl.now() - t0
    ping_all(t, { { "ns0", "ns1" } })
    assert.is_true(ping(t, "ns0", "br0", "inet6"))
    assert.is_true(ping(t, "ns1", "br0", "inet"))
    -- the witness: ip shows both families, none tentative any more
    local info = ip_addr_info("ceth0", t:name("ns0"))
    assert.is_table(info["192.168.2.2/24"])
    assert.is_table(info["fd00:5::2/64"])
    assert.is_nil(info["fd00:5::2/64"].tentative)
    assert.is_table(ip_addr_info(t:link_name("br0"))["fd00:5::1/64"])
    assert.is_true(took < 10, "up took " .. took .. " s")
  end)

  it("a routed chain a - r - b, dual-stack with dad = false, pings end to end both ways", function()
    if not N.needs() then return end
    t = nsl.topology {
      ipv6 = "fd00:c::/48", dad = false,
      namespaces = { a = { routes = { default = "r" } }, r = { forwarding = true },
                     b = { routes = { default = "r" } } },
      links = { { "a", "r", subnet = "10.0.1.0/24" }, { "r", "b", subnet = "10.0.2.0/24" } },
    }
    t:up()
    ping_all(t, { { "a", "b" } })
    -- up does not wait for DAD, nor a first ping for a tentative
    -- link-local address: every address is made nodad and DAD is off on
    -- every link, which is what a bound on up's time (DAD takes a second
    -- or more) stood for; that bound failed by chance with parallel
    -- sandboxes sharing rtnl on a loaded machine
    local global = 0
    for _, node in ipairs({ "a", "r", "b" }) do
      local ns = t:name(node)
      for _, l in ipairs(N.ip("-6 addr show scope global", ns)) do
        for _, a in ipairs(l.addr_info or {}) do -- ({} where ip filtered one out)
          if a["local"] then
            global = global + 1
            assert.is_true(a.nodad, node .. " " .. l.ifname .. " " .. a["local"] .. " not nodad")
          end
        end
      end
      local conf = { "all" } -- (the kernel runs DAD if either says so)
      for _, l in ipairs(N.ip("link show", ns)) do
        if l.ifname ~= "lo" then conf[#conf + 1] = l.ifname end
      end
      for _, c in ipairs(conf) do
        local r = N.in_ns(ns, "sysctl -n net.ipv6.conf." .. c .. ".accept_dad")
        assert.equal("0\n", r.out, node .. " " .. c .. " accept_dad")
      end
    end
    assert.equal(4, global)
    -- both defaults via r's address of each family on the shared link
    local r6 = ip_routes("-6 route", t:name("a"))
    assert.equal(t:addr("r", "a", "inet6"), r6.default.gateway)
    assert.equal(t:addr("r", "a"), ip_routes("-4 route", t:name("a")).default.gateway)
    assert.equal(t:addr("r", "b", "inet6"), ip_routes("-6 route", t:name("b")).default.gateway)
    -- forwarding for both families
    local f = N.in_ns(t:name("r"), "sysctl -n net.ipv4.ip_forward net.ipv6.conf.all.forwarding")
    assert.equal("1\n1\n", f.out)
    -- nodad addresses, as ip sees them
    assert.is_true(ip_addr_info("eth0", t:name("a"))[t:addr("a", nil, "inet6") .. "/64"].nodad)
    -- the accessors
    local all = t:addrs("r")
    assert.equal(4, #all)
    assert.same({ address = t:addr("r", "b", "inet6"), prefixlen = 64, family = "inet6", link = "eth1" }, t:addrs("r", "b")[2])
    local shown = t:report()
    assert.matches(t:addr("a", nil, "inet6") .. "/64", shown, 1, true)
  end)

  it("raises from up naming an address whose DAD failed, and leaves nothing behind", function()
    if not N.needs() then return end
    local core = require "nsl.core"
    local real = core.addr_add
    t = nsl.topology { namespaces = { "a", "b" }, links = { { "a", "b", subnet = "fd00:d::/64" } } }
    -- Another node on the wire takes b's address first: a has it too.
    core.addr_add = function(link, cidr, opts)
      real(link, cidr, opts)
      if cidr == "fd00:d::1/64" then real(link, "fd00:d::2/64", { ns = opts.ns, nodad = true }) end
    end
    local ok, err = pcall(t.up, t)
    core.addr_add = real
    assert.is_false(ok)
    assert.equal("up: addresses: IPv6 ready (DAD): fd00:d::2/64 on b (link a-b): " ..
      "duplicate address detection failed (another node has this address)", tostring(err))
    assert.equal("down", t.status)
    assert.is_false(N.contains(N.ip_netns(), t:name("a")))
    assert.is_false(N.contains(N.ip_netns(), t:name("b")))
  end)

  it("an IPv6-only link and explicit IPv6 gateways", function()
    if not N.needs() then return end
    t = nsl.topology {
      dad = false,
      namespaces = { a = { routes = { ["fd00:99::/64"] = "fd00:1::2" } }, b = {} },
      links = { { "a", "b", subnet = "fd00:1::/64" } },
    }:up()
    assert.is_true(ping(t, "a", "b", "inet6"))
    assert.equal("fd00:1::2", ip_routes("-6 route", t:name("a"))["fd00:99::/64"].gateway)
  end)
end)
