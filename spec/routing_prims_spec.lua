-- The routing primitives fib_tests.sh needs: route_add's replace, append,
-- prepend, mtu, protocol and IPv6 gateways of IPv4 routes; route_get;
-- route_list's nexthop flags; route_flush, addr_flush, addr_set, peer;
-- rule_add's suppress_prefixlength; link_set's carrier; link_wait.  ip is
-- the witness.
local T = require "spec.support.util"
local N = require "spec.support.net"
local K = require "spec.support.kernel"

-- Namespace "r": veth a0 (in r) up, its peer a1 (in r) up; a0 has
-- 10.1.1.1/24 and fd00::1/64.
local function setup()
  ns_add("r")
  veth_add("a0", "a1", { ns = "r", peer_ns = "r" })
  link_set("a0", { up = true, ns = "r" })
  link_set("a1", { up = true, ns = "r" })
  addr_add("a0", "10.1.1.1/24", { ns = "r" })
  addr_add("a0", "fd00::1/64", { ns = "r", nodad = true })
end

local function ip(args) return T.sh("ip -n r " .. args).out end

-- The first route of route_list(opts) to dst.
local function route_to(dst, opts)
  opts = opts or {}
  opts.ns = "r"
  for _, r in ipairs(route_list(opts)) do
    if r.dst == dst then return r end
  end
end

describe("route_add's replace, append, prepend, mtu and protocol #netns", function()
  after_each(N.wipe)

  it("replaces a route in place, appends and prepends another, and refuses a duplicate", function()
    if not N.needs() then return end
    setup()
    route_add("10.2.0.0/16", { via = "10.1.1.2", ns = "r" })
    assert.equal("EEXIST", N.err(route_add, "10.2.0.0/16", { via = "10.1.1.3", ns = "r" }).code)
    route_add("10.2.0.0/16", { via = "10.1.1.3", ns = "r", replace = true })
    assert.matches("10.2.0.0/16 via 10.1.1.3 dev a0", ip("route"), 1, true)
    assert.not_matches("10.1.1.2", ip("route"), 1, true)
    -- IPv6: append adds a nexthop to the route; prepend another route first
    route_add("fd02::/64", { via = "fd00::2", ns = "r" })
    route_add("fd02::/64", { via = "fd00::3", ns = "r", append = true })
    local r6 = route_to("fd02::/64", { family = "inet6" })
    assert.equal(2, #r6.nexthops)
    route_add("10.3.0.0/16", { via = "10.1.1.2", ns = "r", metric = 5 })
    route_add("10.3.0.0/16", { via = "10.1.1.3", ns = "r", metric = 5, prepend = true })
    local out = ip("route show 10.3.0.0/16")
    assert.truthy(out:find("10.1.1.3", 1, true) < out:find("10.1.1.2", 1, true), out)
    assert.equal("route_add: 10.4.0.0/16: give one of replace, append and prepend",
      tostring(N.err(route_add, "10.4.0.0/16", { dev = "a0", ns = "r", replace = true, append = true })))
  end)

  it("sets a route's mtu and protocol, by name or number, and route_list reads them back", function()
    if not N.needs() then return end
    setup()
    route_add("10.5.0.0/16", { via = "10.1.1.2", mtu = 1400, protocol = "static", ns = "r" })
    route_add("10.6.0.0/16", { via = "10.1.1.2", protocol = 77, ns = "r" })
    assert.matches("10.5.0.0/16 via 10.1.1.2 dev a0 proto static mtu 1400", ip("route"), 1, true)
    assert.matches("10.6.0.0/16 via 10.1.1.2 dev a0 proto 77", ip("route"), 1, true)
    local r = route_to("10.5.0.0/16")
    assert.equal(1400, r.mtu)
    assert.equal("static", r.protocol)
    assert.equal(77, route_to("10.6.0.0/16").protocol)
    -- route_list filters by protocol; route_del matches it
    local only = route_list({ ns = "r", protocol = "static" })
    assert.equal(1, #only)
    assert.equal("ESRCH", N.err(route_del, "10.5.0.0/16", { protocol = "zebra", ns = "r" }).code)
    route_del("10.5.0.0/16", { protocol = "static", ns = "r" })
    assert.is_nil(route_to("10.5.0.0/16"))
  end)

  it("names every protocol of iproute2's rt_protos as ip does", function()
    if not N.needs() then return end
    setup()
    local names = { "redirect", "kernel", "boot", "static", "gated", "ra", "mrt", "zebra", "bird",
      "dnrouted", "xorp", "ntk", "dhcp", "keepalived", "babel", "openr", "bgp", "isis", "ospf", "rip", "eigrp" }
    for i, name in ipairs(names) do
      route_add(("10.%d.0.0/16"):format(100 + i), { dev = "a0", protocol = name, ns = "r" })
    end
    local ipj = N.ip("route", "r")
    for i, name in ipairs(names) do
      local dst = ("10.%d.0.0/16"):format(100 + i)
      assert.equal(name, route_to(dst).protocol)
      for _, e in ipairs(ipj) do
        -- ip -j leaves out the protocol of boot routes, its default
        if e.dst == dst then assert.equal(name ~= "boot" and name or nil, e.protocol) end
      end
    end
  end)

  it("adds an IPv4 route via an IPv6 gateway (RTA_VIA) that ip shows as via inet6", function()
    if not N.needs() then return end
    setup()
    route_add("10.7.0.0/16", { via = { family = "inet6", address = "fd00::2" }, dev = "a0", ns = "r" })
    assert.matches("10.7.0.0/16 via inet6 fd00::2 dev a0", ip("route"), 1, true)
    assert.equal("fd00::2", route_to("10.7.0.0/16").via)
    -- the same family in the table form is an ordinary gateway
    route_add("10.8.0.0/16", { via = { address = "10.1.1.2" }, ns = "r" })
    assert.matches("10.8.0.0/16 via 10.1.1.2 dev a0", ip("route"), 1, true)
  end)

  it("refuses bad protocols, via tables and mtus with one line naming the call", function()
    if not N.needs() then return end
    setup()
    assert.matches("^route_add: zebr: unknown protocol %(a number 0 to 255 or a name of iproute2's rt_protos",
      tostring(N.err(route_add, "10.9.0.0/16", { dev = "a0", protocol = "zebr", ns = "r" })))
    assert.equal("route_add: 10.9.0.0/16: protocol must be 0 to 255",
      tostring(N.err(route_add, "10.9.0.0/16", { dev = "a0", protocol = 300, ns = "r" })))
    assert.equal("route_add: via: unknown key 'famly' (did you mean 'family'?)",
      tostring(N.err(route_add, "10.9.0.0/16", { via = { famly = "inet6" }, ns = "r" })))
    assert.equal("route_add: via: give its address (via = { family =, address = })",
      tostring(N.err(route_add, "10.9.0.0/16", { via = { family = "inet6" }, ns = "r" })))
    assert.equal("route_add: fd00::9/64: via.address: not an IPv4 or IPv6 address",
      tostring(N.err(route_add, "10.9.0.0/16", { via = { address = "fd00::9/64" }, ns = "r" })))
    assert.equal("route_add: 10.1.1.2: via.address: not of family inet6",
      tostring(N.err(route_add, "10.9.0.0/16", { via = { family = "inet6", address = "10.1.1.2" }, ns = "r" })))
    assert.equal("route_add: option 'via.address': string expected, got number",
      tostring(N.err(route_add, "10.9.0.0/16", { via = { address = 7 }, ns = "r" })))
    -- the kernel's own reason, through the extended ack
    assert.equal("route_add: fd09::/64: IPv6 does not support RTA_VIA attribute",
      tostring(N.err(route_add, "fd09::/64", { via = { family = "inet", address = "10.1.1.2" }, ns = "r" })))
    assert.equal("route_add: 10.9.0.0/16: mtu must be 68 to 65535",
      tostring(N.err(route_add, "10.9.0.0/16", { dev = "a0", mtu = 10, ns = "r" })))
    assert.equal("route_add: unknown option 'replce' (did you mean 'replace'?)",
      tostring(N.err(route_add, "10.9.0.0/16", { dev = "a0", replce = true, ns = "r" })))
    assert.matches("^route_del: unknown option 'replace' %(known: ns, via, dev,",
      tostring(N.err(route_del, "10.9.0.0/16", { replace = true, ns = "r" })))
  end)
end)

describe("route_get #netns", function()
  after_each(N.wipe)

  it("gives the kernel's answer for an address, and with fibmatch the entry that matched", function()
    if not N.needs() then return end
    setup()
    route_add("10.2.0.0/16", { via = "10.1.1.2", ns = "r" })
    route_add("fd02::/64", { via = "fd00::2", ns = "r" })
    local g = route_get("10.2.3.4", { ns = "r" })
    assert.equal("10.2.3.4/32", g.dst)
    assert.equal("10.1.1.2", g.via)
    assert.equal("a0", g.dev)
    assert.equal("10.1.1.1", g.src)
    local f = route_get("10.2.3.4", { ns = "r", fibmatch = true })
    assert.equal("10.2.0.0/16", f.dst)
    assert.equal("10.1.1.2", f.via)
    local ipf = N.ip("route get fibmatch 10.2.3.4", "r")[1]
    assert.equal(ipf.dst, "10.2.0.0/16")
    assert.equal("fd02::/64", route_get("fd02::9", { ns = "r", fibmatch = true }).dst)
    assert.equal("fd00::2", route_get("fd02::9", { ns = "r" }).via)
  end)

  it("raises the kernel's reason when there is no route, and refuses prefixes and bad options", function()
    if not N.needs() then return end
    setup()
    local e = N.err(route_get, "10.99.0.1", { ns = "r" })
    assert.equal("ENETUNREACH", e.code)
    assert.equal("route_get: 10.99.0.1: Network is unreachable", tostring(e))
    assert.equal("route_get: 10.2.0.0/16: an address, not a prefix",
      tostring(N.err(route_get, "10.2.0.0/16", { ns = "r" })))
    assert.equal("route_get: fd00::1: from: not of the family of 10.2.0.1",
      tostring(N.err(route_get, "10.2.0.1", { from = "fd00::1", ns = "r" })))
    assert.equal("route_get: unknown option 'fibmath' (did you mean 'fibmatch'?)",
      tostring(N.err(route_get, "10.2.0.1", { fibmath = true, ns = "r" })))
    assert.equal("route_get: nope: No such device",
      tostring(N.err(route_get, "10.1.1.5", { dev = "nope", ns = "r" })))
    assert.matches("^route_get: nons: ", tostring(N.err(route_get, "10.1.1.5", { ns = "nons" })))
  end)
end)

describe("route_flush and addr_flush #netns", function()
  after_each(N.wipe)

  it("route_flush deletes the routes of a protocol, of a link, of a table, and counts them", function()
    if not N.needs() then return end
    setup()
    route_add("10.2.0.0/16", { via = "10.1.1.2", protocol = "bird", ns = "r" })
    route_add("10.3.0.0/16", { via = "10.1.1.2", protocol = "bird", ns = "r" })
    route_add("10.4.0.0/16", { via = "10.1.1.2", ns = "r" })
    route_add("10.5.0.0/16", { dev = "a0", table = 100, ns = "r" })
    assert.equal(2, route_flush({ protocol = "bird", ns = "r" }))
    assert.not_matches("proto bird", ip("route"), 1, true)
    assert.matches("10.4.0.0/16", ip("route"), 1, true)
    assert.equal(1, route_flush({ table = 100, ns = "r" }))
    assert.equal("", ip("route show table 100"))
    local n = route_flush({ dev = "a0", family = "inet", ns = "r" })
    assert.equal(2, n) -- 10.4.0.0/16 and the connected 10.1.1.0/24
    assert.equal("", ip("-4 route"))
    assert.matches("fd00::/64", ip("-6 route"), 1, true)
    assert.equal("route_flush: say what to flush: dev, table or protocol",
      tostring(N.err(route_flush, { ns = "r" })))
    assert.equal("route_flush: nope: No such device", tostring(N.err(route_flush, { dev = "nope", ns = "r" })))
  end)

  it("addr_flush deletes every address of a link, or of one family", function()
    if not N.needs() then return end
    setup()
    addr_add("a0", "10.1.2.1/24", { ns = "r" })
    assert.equal(2, addr_flush("a0", { family = "inet", ns = "r" }))
    assert.same({}, addr_list({ dev = "a0", family = "inet", ns = "r" }))
    assert.truthy(addr_flush("a0", { ns = "r" }) >= 1) -- fd00::1 and the link-local
    assert.equal("", ip("addr show dev a0 scope global"):match("inet.*") or "")
    assert.equal("addr_flush: nope: No such device", tostring(N.err(addr_flush, "nope", { ns = "r" })))
    assert.equal("addr_flush: unknown option 'familly' (did you mean 'family'?)",
      tostring(N.err(addr_flush, "a0", { familly = "inet", ns = "r" })))
  end)
end)

describe("addr_set and addr_add's peer #netns", function()
  after_each(N.wipe)

  it("changes an address's metric in place, the prefix route's metric with it", function()
    if not N.needs() then return end
    setup()
    addr_set("a0", "10.1.1.1/24", { metric = 257, ns = "r" })
    assert.matches("10.1.1.0/24 dev a0 proto kernel scope link src 10.1.1.1 metric 257", ip("route"), 1, true)
    addr_set("a0", "fd00::1/64", { metric = 258, ns = "r" })
    assert.matches("fd00::/64 dev a0 proto kernel metric 258", ip("-6 route"), 1, true)
    local e = N.err(addr_set, "a0", "10.1.9.1/24", { metric = 1, ns = "r" })
    assert.equal("EADDRNOTAVAIL", e.code)
    assert.equal("addr_set: 10.1.9.1/24: no such address on the link", tostring(e))
    assert.equal("addr_set: 10.1.1.1/24: nothing to set (metric)",
      tostring(N.err(addr_set, "a0", "10.1.1.1/24", { ns = "r" })))
    assert.equal("addr_set: unknown option 'nodad' (known: ns, metric, family)",
      tostring(N.err(addr_set, "a0", "10.1.1.1/24", { nodad = true, ns = "r" })))
  end)

  it("adds a point-to-point address with peer, the prefix length on the peer", function()
    if not N.needs() then return end
    setup()
    addr_add("a1", "10.9.0.1", { peer = "10.9.0.2/32", ns = "r" })
    assert.matches("inet 10.9.0.1 peer 10.9.0.2/32", ip("addr show dev a1"), 1, true)
    addr_add("a1", "fd09::1", { peer = "fd09::2/128", ns = "r", nodad = true })
    assert.matches("inet6 fd09::1 peer fd09::2/128", ip("addr show dev a1"), 1, true)
    assert.equal("addr_add: fd09::3: peer: not of the family of 10.9.0.5",
      tostring(N.err(addr_add, "a1", "10.9.0.5", { peer = "fd09::3", ns = "r" })))
    assert.equal("addr_add: 10.9.0.5/24: with peer the prefix length goes on the peer (peer = \"10.9.0.6/24\")",
      tostring(N.err(addr_add, "a1", "10.9.0.5/24", { peer = "10.9.0.6", ns = "r" })))
    assert.equal("addr_add: 10.9.0.6/40: peer: prefix length must be 0 to 32",
      tostring(N.err(addr_add, "a1", "10.9.0.5", { peer = "10.9.0.6/40", ns = "r" })))
  end)
end)

describe("rule_add's suppress_prefixlength #netns", function()
  after_each(N.wipe)

  it("adds the rule ip shows, rule_list reads it back, and range mistakes are refused", function()
    if not N.needs() then return end
    setup()
    rule_add({ table = "main", suppress_prefixlength = 0, priority = 100, ns = "r" })
    assert.matches("100:\tfrom all lookup main suppress_prefixlength 0", ip("rule"), 1, true)
    local found
    for _, r in ipairs(rule_list({ ns = "r" })) do
      if r.priority == 100 then found = r end
    end
    assert.equal(0, found.suppress_prefixlength)
    rule_del({ priority = 100, ns = "r" })
    assert.equal("rule_add: rule: suppress_prefixlength must be 0 to 32",
      tostring(N.err(rule_add, { table = "main", suppress_prefixlength = 33, ns = "r" })))
    rule_add({ table = "main", suppress_prefixlength = 64, family = "inet6", priority = 101, ns = "r" })
    assert.matches("101:\tfrom all lookup main suppress_prefixlength 64", ip("-6 rule"), 1, true)
    rule_del({ priority = 101, family = "inet6", ns = "r" })
  end)
end)

describe("link_set's carrier and link_wait #netns", function()
  after_each(N.wipe)

  it("refuses carrier on a veth with a line that says why (the kind has no carrier control)", function()
    if not N.needs() then return end
    setup()
    local e = N.err(link_set, "a0", { carrier = false, ns = "r" })
    assert.equal("EOPNOTSUPP", e.code)
    assert.equal("link_set: a0: carrier: links of this kind have no carrier control"
      .. " (a dummy has; a veth's follows its peer)", tostring(e))
    assert.equal("link_set: option 'carrier': boolean expected, got string",
      tostring(N.err(link_set, "a0", { carrier = "off", ns = "r" })))
  end)

  it("sets a dummy's carrier off and on; link_wait sees it down (no lower link) then up #kernel", function()
    if not N.needs() then return end
    ns_add("r")
    K.make(dummy_add, "d0", { ns = "r" })
    link_set("d0", { up = true, ns = "r" })
    link_set("d0", { carrier = false, ns = "r" })
    -- a link without a lower one is down without its carrier (RFC 2863),
    -- and up (the kernel says unknown: a dummy keeps no state) with it
    link_wait("d0", { oper = "down", timeout = 2, ns = "r" })
    assert.matches("NO-CARRIER", ip("link show dev d0"), 1, true)
    link_set("d0", { carrier = true, ns = "r" })
    link_wait("d0", { oper = "up", timeout = 2, ns = "r" })
  end)

  it("link_wait returns at once for a state the link has, and wakes on the event of a change", function()
    if not N.needs() then return end
    setup()
    link_wait("a0", { ns = "r", timeout = 2 })
    link_set("a1", { up = false, ns = "r" })
    link_wait("a0", { oper = "lowerlayerdown", ns = "r", timeout = 2 })
    -- a change made by another process while link_wait waits
    -- (t0 before the spawn: the sleep's 0.3 s runs from there, and a
    -- stall in spawn's return would otherwise eat into it)
    local t0 = now()
    local p = spawn({ "sh", "-c", "sleep 0.3; ip -n r link set a1 up" }, { background = true })
    link_wait("a0", { oper = "up", ns = "r", timeout = 5 })
    local took = now() - t0
    p:wait()
    -- not before the change; and on its event, not at the 5 s timeout (a
    -- missed event ends there), with room for a loaded machine
    assert.truthy(took >= 0.25 and took < 4, "took " .. took)
    assert.equal("up", link_get("a0", { ns = "r" }).state)
  end)

  it("times out naming the state the link is in, and refuses bad options", function()
    if not N.needs() then return end
    setup()
    link_set("a1", { up = false, ns = "r" })
    local e = N.err(link_wait, "a0", { oper = "up", timeout = 0.2, ns = "r" })
    assert.equal("ETIMEDOUT", e.code)
    assert.equal("link_wait: a0: not up after 0.2 s (it is lowerlayerdown)", tostring(e))
    assert.matches("^link_wait: upp: unknown oper %(up, down,",
      tostring(N.err(link_wait, "a0", { oper = "upp", ns = "r" })))
    assert.equal("link_wait: option 'timeout': number expected, got string",
      tostring(N.err(link_wait, "a0", { timeout = "1", ns = "r" })))
    assert.equal("link_wait: unknown option 'opr' (did you mean 'oper'?)",
      tostring(N.err(link_wait, "a0", { opr = "up", ns = "r" })))
    assert.equal("link_wait: nope: No such device", tostring(N.err(link_wait, "nope", { ns = "r" })))
  end)

  it("raises ENODEV when the link goes away while it waits", function()
    if not N.needs() then return end
    setup()
    link_set("a1", { up = false, ns = "r" })
    local p = spawn({ "sh", "-c", "sleep 0.2; ip -n r link del a1" }, { background = true })
    local e = N.err(link_wait, "a0", { oper = "up", timeout = 5, ns = "r" })
    p:wait()
    assert.equal("link_wait: a0: the link went away", tostring(e))
  end)
end)

describe("the netns handle's routing methods #netns", function()
  after_each(N.wipe)

  it("route_get, route_flush, addr_set, addr_flush, link_wait on nsl.netns and its links", function()
    if not N.needs() then return end
    setup()
    local r = nsl.netns("r", { attach = true })
    local a0 = r:link("a0")
    r:route_add("10.2.0.0/16", { via = "10.1.1.2", protocol = "bird" })
    assert.equal("10.1.1.2", r:route_get("10.2.0.1").via)
    assert.equal(1, r:route_flush({ protocol = "bird" }))
    a0:addr_set("10.1.1.1/24", { metric = 300 })
    r:addr_set("a0", "fd00::1/64", { metric = 301 })
    assert.matches("metric 300", ip("route show 10.1.1.0/24"), 1, true)
    a0:wait({ oper = "up", timeout = 1 })
    r:link_wait("a0", { timeout = 1 })
    assert.equal(1, r:addr_flush("a0", { family = "inet" }))
    assert.truthy(a0:addr_flush() >= 1)
  end)
end)

describe("after the routing primitive specs #netns", function()
  it("nothing is left: no namespace, no link but lo", function()
    if not N.needs() then return end
    N.assert_clean()
  end)
end)
