-- A subset of the kernel's tools/testing/selftests/net/fib_tests.sh,
-- written with nsl's primitives: unregister, down, carrier, nexthop,
-- ipv4/ipv6 route add and replace, address metrics.  Each `it` is one of
-- the script's groups; the kernel's answer (route_get, route_list) is
-- what is checked, and ip is the witness where the script greps its
-- output.  Where the kernel lacks dummy links (CONFIG_DUMMY) a veth with
-- its peer stands in: its carrier goes with the peer's state.
local T = require "spec.support.util"
local N = require "spec.support.net"

local NS = "ns1"
local o = { ns = NS }
local function with(t)
  local r = { ns = NS }
  for k, v in pairs(t) do r[k] = v end
  return r
end

-- A link that behaves as fib_tests' dummy: a dummy, else a veth whose
-- peer (name .. "p") is up in the same namespace.
local function dummy(name)
  if pcall(dummy_add, name, o) then return end
  veth_add(name, name .. "p", { ns = NS, peer_ns = NS })
  link_set(name .. "p", { up = true, ns = NS })
end

-- ip link set dev <name> carrier on|off, or the veth stand-in's peer.
local function carrier(name, on)
  -- off: a dummy (no lower link) is down, the veth lowerlayerdown
  local ok, e = pcall(link_set, name, { carrier = on, ns = NS })
  local off = "down"
  if not ok and e.code == "EOPNOTSUPP" then
    link_set(name .. "p", { up = on, ns = NS })
    off = "lowerlayerdown"
  else
    assert(ok, e)
  end
  link_wait(name, { oper = on and "up" or off, timeout = 2, ns = NS })
end

-- ip link set dev <name> up, and its carrier there (a veth's comes a
-- moment later, through the kernel's link watch; a dummy's at once).
local function up(name)
  link_set(name, { up = true, ns = NS })
  link_wait(name, { oper = "up", timeout = 3, ns = NS })
end

-- The kernel installs an IPv6 address's local route from a work queue,
-- a moment after the address (even without DAD): wait for it.
local function local_route(addr)
  for _ = 1, 200 do
    local ok, r = pcall(route_get, addr, { ns = NS, fibmatch = true })
    if ok and r.type == "local" then return end
    sleep(0.01)
  end
  error("no local route for " .. addr)
end

local function setup()
  ns_add(NS)
  link_set("lo", { up = true, ns = NS })
  sysctl("net.ipv4.ip_forward", "1", o)
  sysctl("net.ipv6.conf.all.forwarding", "1", o)
  dummy("dummy0")
  up("dummy0")
  addr_add("dummy0", "198.51.100.1/24", o)
  addr_add("dummy0", "2001:db8:1::1/64", with { nodad = true })
  local_route("2001:db8:1::1")
end

-- dummy1 with 192.0.2.1/24 and 2001:db8:2::1/64.
local function second()
  dummy("dummy1")
  up("dummy1")
  for _, a in ipairs({ "192.0.2.1/24", "2001:db8:2::1/64" }) do addr_add("dummy1", a, with { nodad = a:find(":") and true }) end
end

local function multipath()
  route_add("203.0.113.0/24", with { nexthops = { { via = "198.51.100.2", dev = "dummy0" },
                                                 { via = "192.0.2.2", dev = "dummy1" } } })
  route_add("2001:db8:3::/64", with { nexthops = { { via = "2001:db8:1::2", dev = "dummy0" },
                                                  { via = "2001:db8:2::2", dev = "dummy1" } } })
end

-- The script's second setup: ns1 afresh, dummy0 and dummy1, the two
-- multipath routes.
local function multipath_anew()
  N.wipe()
  setup()
  second()
  multipath()
end

-- route_get(dst, fibmatch) or nil when the kernel has no route.
local function fibmatch(dst, extra)
  local opts = with { fibmatch = true }
  for k, v in pairs(extra or {}) do opts[k] = v end
  local ok, r = pcall(route_get, dst, opts)
  if ok then return r end
  assert.equal("table", type(r), tostring(r))
  return nil
end

-- The nexthop of route r on dev (a multipath route's entry, or r).
local function nh_on(r, dev)
  for _, h in ipairs(r.nexthops or { r }) do if h.dev == dev then return h end end
end

local function ip_route(args) return (T.sh("ip -n " .. NS .. " " .. args).out:gsub("%s+", " "):gsub(" $", "")) end

describe("fib_tests.sh in nsl #netns #kernel", function()
  after_each(N.wipe)

  it("unregister: a single path route goes with its device; a multipath IPv4 route too, IPv6 keeps the other path", function()
    if not N.needs() then return end
    setup()
    assert.truthy(fibmatch("198.51.100.2"))
    assert.truthy(fibmatch("2001:db8:1::2"))
    link_del("dummy0", o)
    assert.is_nil(fibmatch("198.51.100.2"))
    assert.is_nil(fibmatch("2001:db8:1::2"))
    multipath_anew()
    assert.truthy(fibmatch("203.0.113.1"))
    assert.truthy(fibmatch("2001:db8:3::1"))
    link_del("dummy0", o)
    assert.is_nil(fibmatch("203.0.113.1"), "IPv4 - multipath route removed on delete")
    local r6 = fibmatch("2001:db8:3::1")
    assert.truthy(r6, "IPv6 - multipath down to single path")
    assert.equal("dummy1", r6.dev or r6.nexthops[1].dev)
    link_del("dummy1", o)
    assert.is_nil(fibmatch("2001:db8:3::1"), "IPv6 - no route")
  end)

  it("down: a single path route goes on admin down; a multipath route's nexthop on it is dead linkdown", function()
    if not N.needs() then return end
    setup()
    link_set("dummy0", with { up = false })
    assert.is_nil(fibmatch("198.51.100.2"))
    assert.is_nil(fibmatch("2001:db8:1::2"))
    multipath_anew()
    local function check(down, upd)
      for _, dst in ipairs({ "203.0.113.1", "2001:db8:3::1" }) do
        assert.is_nil(fibmatch(dst, { dev = down }), dst .. " fibmatch on down device")
        local r = fibmatch(dst, { dev = upd })
        assert.truthy(r, dst .. " fibmatch on up device")
        local all = fibmatch(dst)
        local hd, hu = nh_on(all, down), nh_on(all, upd)
        assert.is_true(hd.dead and hd.linkdown, dst .. " flags on down device")
        assert.is_nil(hu.dead or hu.linkdown, dst .. " flags on up device")
      end
      -- ip shows the same flags
      assert.matches("dev " .. down .. " weight 1 dead linkdown", ip_route("route get fibmatch 203.0.113.1"), 1, true)
    end
    link_set("dummy0", with { up = false })
    check("dummy0", "dummy1")
    up("dummy0")
    link_set("dummy1", with { up = false })
    check("dummy1", "dummy0")
    link_set("dummy0", with { up = false })
    assert.is_nil(fibmatch("203.0.113.1"))
    assert.is_nil(fibmatch("2001:db8:3::1"))
  end)

  it("carrier: local routes keep no linkdown flag; a unicast route gets it with the carrier off", function()
    if not N.needs() then return end
    setup()
    for _, dst in ipairs({ "198.51.100.1", "2001:db8:1::1" }) do assert.is_nil(fibmatch(dst).linkdown) end
    for _, dst in ipairs({ "198.51.100.2", "2001:db8:1::2" }) do assert.is_nil(fibmatch(dst).linkdown) end
    carrier("dummy0", false)
    for _, dst in ipairs({ "198.51.100.1", "2001:db8:1::1" }) do
      local r = fibmatch(dst)
      assert.truthy(r, dst)
      assert.is_nil(r.linkdown, dst .. " local: no linkdown flag")
    end
    for _, dst in ipairs({ "198.51.100.2", "2001:db8:1::2" }) do
      assert.is_true(fibmatch(dst).linkdown, dst .. " linkdown flag set")
    end
    addr_add("dummy0", "192.0.2.1/24", o)
    addr_add("dummy0", "2001:db8:2::1/64", with { nodad = true })
    local_route("2001:db8:2::1")
    for _, dst in ipairs({ "192.0.2.2", "2001:db8:2::2" }) do
      assert.is_true(fibmatch(dst).linkdown, dst .. " second address added with carrier down")
    end
    for _, dst in ipairs({ "192.0.2.1", "2001:db8:2::1" }) do assert.is_nil(fibmatch(dst).linkdown) end
    assert.matches("linkdown", ip_route("route get fibmatch 192.0.2.2"), 1, true)
    carrier("dummy0", true)
    assert.is_nil(fibmatch("198.51.100.2").linkdown)
  end)

  it("nexthop (IPv6): connected gateways, link-local ones need a device, a local address is no gateway", function()
    if not N.needs() then return end
    setup()
    local ll
    for _, a in ipairs(addr_list(with { dev = "dummy0", family = "inet6" })) do
      if a.scope == "link" then ll = a.address end
    end
    route_add("2001:db8:101::/64", with { via = "2001:db8:1::2" })
    route_add("2001:db8:102::/64", with { via = "2001:db8:1::2", dev = "dummy0" })
    local e = N.err(route_add, "2001:db8:104::/64", with { via = "fe80::99" })
    assert.matches("^route_add: 2001:db8:104::/64: ", tostring(e)) -- a link-local gateway needs a device
    route_add("2001:db8:103::/64", with { via = "fe80::99", dev = "dummy0" })
    e = N.err(route_add, "2001:db8:105::/64", with { via = "2001:db8:1::1" })
    assert.matches("^route_add: 2001:db8:105::/64: .*[Gg]ateway", tostring(e)) -- the kernel's own words
    N.err(route_add, "2001:db8:106::/64", with { via = "2001:db8:1::1", dev = "dummy0" })
    if ll then N.err(route_add, "2001:db8:107::/64", with { via = ll, dev = "dummy0" }) end
  end)

  -- route_setup of the script: veth1/veth2 (172.16.101.0/24, 2001:db8:101::/64)
  -- and veth3/veth4 (172.16.103.0/24, 2001:db8:103::/64) in ns1.
  local function route_setup()
    setup()
    veth_add("veth1", "veth2", { ns = NS, peer_ns = NS })
    veth_add("veth3", "veth4", { ns = NS, peer_ns = NS })
    for _, l in ipairs({ "veth2", "veth4" }) do link_set(l, with { up = true }) end
    up("veth1")
    up("veth3")
    addr_add("veth1", "172.16.101.1/24", o)
    addr_add("veth1", "2001:db8:101::1/64", with { nodad = true })
    addr_add("veth3", "172.16.103.1/24", o)
    addr_add("veth3", "2001:db8:103::1/64", with { nodad = true })
  end

  it("ipv4 route add, append, replace, metrics, mtu and an IPv6 gateway", function()
    if not N.needs() then return end
    route_setup()
    local P = "172.16.104.0/24"
    local function show() return ip_route("-4 route show " .. P) end
    route_add(P, with { via = "172.16.101.2" })
    assert.equal("EEXIST", N.err(route_add, P, with { via = "172.16.101.2" }).code, "Attempt to add duplicate route")
    route_add(P, with { via = "172.16.103.2", append = true })
    assert.equal(P .. " via 172.16.101.2 dev veth1 " .. P .. " via 172.16.103.2 dev veth3", show())
    route_flush(with { protocol = "boot" }) -- ip ro flush 172.16.104.0/24: both routes
    assert.equal("", show())
    -- single path replaced by single path, by multipath, by a reject route
    route_add(P, with { via = "172.16.101.2" })
    route_add(P, with { via = "172.16.103.2", replace = true })
    assert.equal(P .. " via 172.16.103.2 dev veth3", show())
    route_add(P, with { replace = true, nexthops = { { via = "172.16.101.3" }, { via = "172.16.103.2" } } })
    assert.equal(P .. " nexthop via 172.16.101.3 dev veth1 weight 1 nexthop via 172.16.103.2 dev veth3 weight 1", show())
    route_add(P, with { replace = true, type = "unreachable" })
    assert.equal("unreachable " .. P, show())
    -- a replace with an invalid nexthop fails and keeps the route
    route_add(P, with { replace = true, via = "172.16.101.2" })
    N.err(route_add, P, with { replace = true, nexthops = { { via = "172.16.111.3" }, { via = "172.16.103.3" } } })
    assert.equal(P .. " via 172.16.101.2 dev veth1", show())
    -- different metrics; delete with metric
    route_add(P, with { via = "172.16.103.2", metric = 512 })
    route_add(P, with { via = "172.16.103.3", metric = 256 })
    route_del(P, with { metric = 512 })
    assert.equal(P .. " via 172.16.101.2 dev veth1 " .. P .. " via 172.16.103.3 dev veth3 metric 256", show())
    -- route metrics: mtu on single and multipath routes, used by ping
    route_add("172.16.111.0/24", with { via = "172.16.101.2", mtu = 1400 })
    assert.equal("172.16.111.0/24 via 172.16.101.2 dev veth1 mtu 1400", ip_route("-4 route show 172.16.111.0/24"))
    route_add("172.16.112.0/24", with { mtu = 1400, nexthops = { { via = "172.16.101.2" }, { via = "172.16.103.2" } } })
    local mp
    for _, r in ipairs(route_list(with { dev = "veth3" })) do if r.dst == "172.16.112.0/24" then mp = r end end
    assert.equal(1400, mp.mtu)
    assert.equal(2, #mp.nexthops)
    -- an IPv6 gateway of an IPv4 route
    route_add("172.16.113.0/24", with { via = { family = "inet6", address = "2001:db8:101::2" }, dev = "veth1" })
    assert.equal("172.16.113.0/24 via inet6 2001:db8:101::2 dev veth1", ip_route("-4 route show 172.16.113.0/24"))
    route_del("172.16.113.0/24", o)
  end)

  it("ipv6 route add, append (a nexthop more), replace", function()
    if not N.needs() then return end
    route_setup()
    local P = "2001:db8:104::/64"
    local function show() return ip_route("-6 route show " .. P) end
    route_add(P, with { via = "2001:db8:101::2" })
    assert.equal("EEXIST", N.err(route_add, P, with { via = "2001:db8:101::2" }).code)
    route_add(P, with { via = "2001:db8:103::2", append = true })
    assert.equal(P .. " metric 1024 pref medium nexthop via 2001:db8:101::2 dev veth1 weight 1"
      .. " nexthop via 2001:db8:103::2 dev veth3 weight 1", show())
    route_add(P, with { via = "2001:db8:101::3", replace = true })
    assert.equal(P .. " via 2001:db8:101::3 dev veth1 metric 1024 pref medium", show())
    route_add(P, with { replace = true, type = "unreachable" })
    assert.matches("^unreachable " .. P:gsub("%p", "%%%0"), show())
    route_add(P, with { replace = true, via = "2001:db8:101::2" })
    N.err(route_add, P, with { replace = true, via = "2001:db8:111::3" })
    assert.equal(P .. " via 2001:db8:101::2 dev veth1 metric 1024 pref medium", show())
    route_add("2001:db8:111::/64", with { via = "2001:db8:101::2", mtu = 1300 })
    assert.matches("mtu 1300", ip_route("-6 route show 2001:db8:111::/64"), 1, true)
  end)

  for _, fam in ipairs({ { "ipv4", "172.16.104.1/24", "172.16.104.2/24", "172.16.104.0/24", "-4" },
                         { "ipv6", "2001:db8:104::1/64", "2001:db8:104::2/64", "2001:db8:104::/64", "-6" } }) do
    local name, a1, a2, net, flag = fam[1], fam[2], fam[3], fam[4], fam[5]
    it(name .. " address metric: set at add, changed in place, kept across down and up", function()
      if not N.needs() then return end
      setup()
      for _, d in ipairs({ "dummy1", "dummy2" }) do dummy(d); up(d) end
      local nodad = name == "ipv6" or nil
      addr_add("dummy1", a1, with { metric = 257, nodad = nodad })
      addr_add("dummy2", a2, with { metric = 258, nodad = nodad })
      local function metrics()
        local out = {}
        for _, r in ipairs(route_list(with { family = name == "ipv6" and "inet6" or "inet" })) do
          if r.dst == net then out[r.dev] = r.metric or 0 end
        end
        return out
      end
      assert.same({ dummy1 = 257, dummy2 = 258 }, metrics())
      addr_del("dummy1", a1, o)
      addr_set("dummy2", a2, with { metric = 259 })
      assert.same({ dummy2 = 259 }, metrics(), "Modify metric of address")
      assert.matches("metric 259", ip_route(flag .. " route show " .. net), 1, true)
      link_set("dummy2", with { up = false })
      assert.same({}, metrics(), "Prefix route removed on link down")
      up("dummy2")
      if name == "ipv4" then
        assert.same({ dummy2 = 259 }, metrics(), "Prefix route with metric on link up")
        -- a point-to-point address's peer route
        addr_flush("dummy2", o)
        addr_add("dummy2", "172.16.104.1", with { peer = "172.16.104.2/32", metric = 260 })
        addr_set("dummy2", "172.16.104.1/32", with { metric = 261 })
        assert.equal("172.16.104.2 dev dummy2 proto kernel scope link src 172.16.104.1 metric 261",
          ip_route("-4 route show 172.16.104.2"))
      end
    end)
  end
end)

describe("after the fib_tests specs #netns #kernel", function()
  it("nothing is left", function()
    if not N.needs() then return end
    N.assert_clean()
  end)
end)
