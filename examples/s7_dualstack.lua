-- S7: dual stack.  The S5 bridge and a routed chain a - r - b, each
-- written as a topology description with one more line (ipv6 = ...)
-- that gives every link and bridge its own IPv6 /64; both ping over IPv4
-- and IPv6, both ways, the moment up returns.  The bridge waits for the
-- kernel's duplicate address detection (the default); the chain says
-- dad = false, the fast path for test worlds.
--
-- Run as root: nsl examples/s7_dualstack.lua
local check = require "nsl.check"

local function ping(t, from, to, family)
  local addr = t:addr(to, nil, family)
  return t:exec(from, { "ping", family == "inet6" and "-6" or "-4", "-c1", "-W1", addr },
                { capture = true }).ok, addr
end

local function both_ways(t, a, b)
  for _, f in ipairs({ "inet", "inet6" }) do
    for _, p in ipairs({ { a, b }, { b, a } }) do
      local ok, addr = ping(t, p[1], p[2], f)
      check.ok(ok, string.format("%s pings %s at %s", p[1], p[2], addr))
    end
  end
end

do
  check.step("S5, dual-stack: ns0 and ns1 on br0")
  local t <close> = nsl.topology {
    ipv6 = "fd00:5::/48",                                 -- the one line that makes it dual-stack
    namespaces = { "ns0", "ns1" },
    bridges = { br0 = { address = "192.168.2.1/24" } },   -- and fd00:5::1/64, from ipv6
    links = { { "ns0", "br0", name = "ceth0" }, { "ns1", "br0", name = "ceth1" } },
  }
  print(t:diagram())
  local t0 = now()
  t:up()
  print(string.format("up took %.2f s (waiting for DAD)", now() - t0))
  both_ways(t, "ns0", "ns1")
  check.ok(ping(t, "ns0", "br0", "inet6"), "ns0 pings the bridge over IPv6")
  check.eq(t:addr("ns0", nil, "inet6"), "fd00:5::2", "ns0's IPv6 address is the bridge's second")
  for _, a in ipairs(addr_list({ ns = t:name("ns0"), family = "inet6" })) do
    if a.scope == "global" then
      check.ok(not a.tentative and not a.dadfailed, a.cidr .. " is usable (not tentative)")
    end
  end
end

do
  check.step("a routed chain a - r - b, dual-stack, dad = false")
  local t <close> = nsl.topology {
    ipv6 = "fd00:c::/48", dad = false,
    namespaces = { a = { routes = { default = "r" } },   -- IPv4 and IPv6 defaults via r
                   r = { forwarding = true },            -- both families forward
                   b = { routes = { default = "r" } } },
    links = { { "a", "r", subnet = "10.0.1.0/24" }, { "r", "b", subnet = "10.0.2.0/24" } },
  }
  print(t:diagram())
  local t0 = now()
  t:up()
  print(string.format("up took %.3f s (no DAD)", now() - t0))
  both_ways(t, "a", "b")
  print(nsl.pretty(t:addrs("r")))
  local defaults = {}
  for _, r in ipairs(route_list({ ns = t:name("a") })) do
    if r.dst == "default" then defaults[r.family] = r.via end
  end
  check.eq(defaults.inet, t:addr("r", "a"), "a's IPv4 default is via r")
  check.eq(defaults.inet6, t:addr("r", "a", "inet6"), "a's IPv6 default is via r")
  t:show()
end

os.exit(check.finish())
