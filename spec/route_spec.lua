-- route_add, route_del, route_list on the real kernel; ip as the witness.
local T = require "spec.support.util"
local N = require "spec.support.net"

-- A namespace "blue" with veth1 up at 10.1.1.1/24 and fd00::1/64.
local function blue()
  ns_add("blue")
  veth_add("veth0", "veth1", { peer_ns = "blue" })
  link_set("veth1", { up = true, ns = "blue" })
  addr_add("veth1", "10.1.1.1/24", { ns = "blue" })
  addr_add("veth1", "fd00::1/64", { ns = "blue", nodad = true })
end

local function ip_routes(args)
  return T.sh("ip -n blue " .. args).out
end

describe("route_add #netns", function()
  after_each(N.wipe)

  it("adds a default route via a gateway", function()
    if not N.needs() then return end
    blue()
    route_add("default", { via = "10.1.1.2", ns = "blue" })
    assert.matches("default via 10.1.1.2 dev veth1", ip_routes("route"), 1, true)
  end)

  it("adds a route with dev, metric, src and a table of its own", function()
    if not N.needs() then return end
    blue()
    route_add("10.9.0.0/16", { dev = "veth1", metric = 7, table = 100, src = "10.1.1.1", ns = "blue" })
    local out = ip_routes("route show table 100")
    assert.matches("10.9.0.0/16 dev veth1", out, 1, true)
    assert.matches("src 10.1.1.1 metric 7", out, 1, true)
    assert.matches("scope link", out, 1, true)
  end)

  it("adds IPv6 routes", function()
    if not N.needs() then return end
    blue()
    route_add("fd01::/64", { via = "fd00::2", ns = "blue" })
    route_add("default", { via = "fd00::2", ns = "blue" })
    local out = ip_routes("-6 route")
    assert.matches("fd01::/64 via fd00::2 dev veth1", out, 1, true)
    assert.matches("default via fd00::2 dev veth1", out, 1, true)
  end)

  it("adds an IPv6 default route by device with family = 'inet6'", function()
    if not N.needs() then return end
    blue()
    route_add("default", { dev = "veth1", family = "inet6", ns = "blue" })
    assert.matches("default dev veth1", ip_routes("-6 route"), 1, true)
    assert.equal("EINVAL", N.err(route_add, "default", { family = "ipx", ns = "blue" }).code)
    assert.equal("EINVAL", N.err(route_add, "10.0.0.0/8", { family = "inet6", ns = "blue" }).code)
  end)

  it("refuses a duplicate with EEXIST", function()
    if not N.needs() then return end
    blue()
    route_add("10.9.0.0/16", { via = "10.1.1.2", ns = "blue" })
    local e = N.err(route_add, "10.9.0.0/16", { via = "10.1.1.2", ns = "blue" })
    assert.equal("EEXIST", e.code)
    assert.matches("^route_add: 10.9.0.0/16: ", tostring(e))
  end)

  it("refuses bad destinations and gateways, saying what is wrong", function()
    if not N.needs() then return end
    blue()
    assert.equal("route_add: 10.9.0.0/40: prefix length must be 0 to 32",
      tostring(N.err(route_add, "10.9.0.0/40", { ns = "blue", dev = "veth1" })))
    assert.equal("route_add: nowhere: not an IPv4 or IPv6 address",
      tostring(N.err(route_add, "nowhere", { ns = "blue" })))
    assert.equal("route_add: fd00::2: via: not of the destination's family"
      .. " (a gateway of the other family: via = { family =, address = })",
      tostring(N.err(route_add, "10.9.0.0/16", { via = "fd00::2", ns = "blue" })))
    assert.equal("route_add: nope: No such device",
      tostring(N.err(route_add, "10.9.0.0/16", { dev = "nope", ns = "blue" })))
    -- the kernel's own reason, through the extended ack
    local e = N.err(route_add, "10.9.0.1/16", { dev = "veth1", ns = "blue" })
    assert.equal("EINVAL", e.code)
    assert.matches("prefix", e.reason)
  end)

  it("raises argument errors for wrong types", function()
    assert.has_error(function() route_add() end, "bad argument #1 to 'route_add' (string expected, got no value)")
    T.nsl_error(function() route_add("default", { metric = "low" }) end,
      "route_add: option 'metric': integer expected, got string")
  end)
end)

describe("route_del #netns", function()
  after_each(N.wipe)

  it("removes a route, from its own table too", function()
    if not N.needs() then return end
    blue()
    route_add("10.9.0.0/16", { via = "10.1.1.2", ns = "blue" })
    route_add("10.8.0.0/16", { via = "10.1.1.2", table = 100, ns = "blue" })
    route_del("10.9.0.0/16", { ns = "blue" })
    route_del("10.8.0.0/16", { table = 100, ns = "blue" })
    assert.not_matches("10.9.0.0", ip_routes("route"))
    assert.equal("", ip_routes("route show table 100"))
  end)

  it("fails with ESRCH for a route that is not there", function()
    if not N.needs() then return end
    blue()
    assert.equal("ESRCH", N.err(route_del, "10.9.0.0/16", { ns = "blue" }).code)
  end)
end)

describe("route_list #netns", function()
  after_each(N.wipe)

  it("lists the main table: the connected route, and routes ip added", function()
    if not N.needs() then return end
    blue()
    T.sh("ip -n blue route add 10.5.0.0/16 via 10.1.1.9")
    local byip, connected
    for _, r in ipairs(route_list({ ns = "blue", family = "inet" })) do
      if r.dst == "10.5.0.0/16" then byip = r end
      if r.dst == "10.1.1.0/24" then connected = r end
    end
    assert.equal("10.1.1.9", byip.via)
    assert.equal("veth1", byip.dev)
    assert.equal(254, byip.table)
    assert.equal("kernel", connected.protocol)
    assert.equal("link", connected.scope)
    assert.equal("10.1.1.1", connected.src)
  end)

  it("lists every table with table = 'all', and one with a number", function()
    if not N.needs() then return end
    blue()
    route_add("default", { via = "10.1.1.2", table = 7, ns = "blue" })
    local t7 = route_list({ ns = "blue", table = 7 })
    assert.equal(1, #t7)
    assert.equal("default", t7[1].dst)
    local locals = 0
    for _, r in ipairs(route_list({ ns = "blue", table = "all" })) do
      if r.type == "local" then locals = locals + 1 end
    end
    assert.is_true(locals > 0)
    assert.equal("EINVAL", N.err(route_list, { family = "ipx" }).code)
  end)
end)

describe("after the route specs #netns", function()
  it("nothing is left: no namespace, no link but lo", function()
    if not N.needs() then return end
    N.assert_clean()
  end)
end)
