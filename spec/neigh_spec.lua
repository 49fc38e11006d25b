-- neigh_add, neigh_del, neigh_list on the real kernel, ARP and NDP:
-- ip -j neigh show as the witness, and static entries that decide
-- whether a ping gets through when ARP is off.
local T = require "spec.support.util"
local N = require "spec.support.net"

-- Namespaces na and nb joined by veth a0 (na, 10.5.0.1/24, fd05::1/64)
-- - b0 (nb, 10.5.0.2/24, fd05::2/64), both up.
local function pair()
  ns_add("na")
  ns_add("nb")
  veth_add("a0", "b0", { ns = "na", peer_ns = "nb" })
  addr_add("a0", "10.5.0.1/24", { ns = "na" })
  addr_add("b0", "10.5.0.2/24", { ns = "nb" })
  addr_add("a0", "fd05::1/64", { ns = "na", nodad = true })
  addr_add("b0", "fd05::2/64", { ns = "nb", nodad = true })
  link_set("a0", { up = true, ns = "na" })
  link_set("b0", { up = true, ns = "nb" })
end

local function ip_neigh(ns, dst, extra)
  for _, n in ipairs(N.ip("neigh show " .. (extra or "nud all"), ns)) do
    if n.dst == dst then return n end
  end
end

local function find(list, dst)
  for _, n in ipairs(list) do if n.dst == dst then return n end end
end

-- As many entries in neigh_list(opts) as ip lists with args in na.  The
-- kernel may add or drop an entry of its own meanwhile (an IPv6
-- neighbour of the link's peer): counted between two ip reads that agree.
local function same_count(args, opts)
  for _ = 1, 20 do
    local n = #N.ip(args, "na")
    local mine = #neigh_list(opts)
    if n == #N.ip(args, "na") then return assert.equal(n, mine, args) end
  end
  error("ip " .. args .. " never gave the same count twice in a row")
end

describe("neigh_add #netns", function()
  after_each(N.wipe)

  it("adds ARP and NDP entries that ip reports, and neigh_list reads them back", function()
    if not N.needs() then return end
    pair()
    neigh_add("10.5.0.7", { dev = "a0", lladdr = "02:00:00:00:05:07", ns = "na" })
    neigh_add("10.5.0.8", { dev = "a0", lladdr = "02:00:00:00:05:08", state = "reachable", ns = "na" })
    neigh_add("fd05::7", { dev = "a0", lladdr = "02:00:00:00:06:07", router = true, state = "stale", ns = "na" })
    neigh_add("fd05::8", { dev = "a0", lladdr = "02:00:00:00:06:08", state = "noarp", ns = "na" })
    local n = ip_neigh("na", "10.5.0.7")
    assert.same({ "a0", "02:00:00:00:05:07", { "PERMANENT" } }, { n.dev, n.lladdr, n.state })
    n = ip_neigh("na", "fd05::7")
    assert.same({ "02:00:00:00:06:07", { "STALE" } }, { n.lladdr, n.state })
    -- ip -j gives the flag as "router": null, which the decoder drops
    assert.matches(" router ", T.sh("ip -n na neigh show fd05::7").out, 1, true)
    assert.same({ "NOARP" }, ip_neigh("na", "fd05::8").state)

    local list = neigh_list({ ns = "na" })
    assert.equal("nsl.neigh_list", getmetatable(list).__name)
    assert.same({ dst = "10.5.0.7", lladdr = "02:00:00:00:05:07", dev = "a0", state = "permanent",
      router = false, family = "inet" }, find(list, "10.5.0.7"))
    assert.equal("reachable", find(list, "10.5.0.8").state)
    assert.same({ dst = "fd05::7", lladdr = "02:00:00:00:06:07", dev = "a0", state = "stale",
      router = true, family = "inet6" }, find(list, "fd05::7"))
    assert.equal("noarp", find(list, "fd05::8").state)
    -- what ip sees (every state), nsl sees; filters
    same_count("neigh show nud all", { ns = "na" })
    for _, x in ipairs(neigh_list({ ns = "na", family = "inet6" })) do assert.equal("inet6", x.family) end
    same_count("neigh show nud all dev a0", { ns = "na", dev = "a0" })
    assert.same({}, neigh_list({ ns = "na", dev = "lo" }))
  end)

  it("adds and removes a proxy entry", function()
    if not N.needs() then return end
    pair()
    neigh_add("10.5.0.9", { dev = "a0", proxy = true, ns = "na" })
    assert.is_not_nil(ip_neigh("na", "10.5.0.9", "proxy"))
    assert.same({ { dst = "10.5.0.9", dev = "a0", proxy = true, router = false, family = "inet" } },
      neigh_list({ ns = "na", proxy = true }))
    assert.is_nil(find(neigh_list({ ns = "na" }), "10.5.0.9"))
    neigh_del("10.5.0.9", { dev = "a0", proxy = true, ns = "na" })
    assert.same({}, neigh_list({ ns = "na", proxy = true }))
  end)

  it("refuses an entry that is there with EEXIST; neigh_del removes it, then ENOENT", function()
    if not N.needs() then return end
    pair()
    neigh_add("fd05::7", { dev = "a0", lladdr = "02:00:00:00:06:07", ns = "na" })
    local e = N.err(neigh_add, "fd05::7", { dev = "a0", lladdr = "02:00:00:00:06:07", ns = "na" })
    assert.equal("EEXIST", e.code)
    assert.equal("neigh_add: fd05::7: File exists", tostring(e))
    neigh_del("fd05::7", { dev = "a0", ns = "na" })
    assert.is_nil(ip_neigh("na", "fd05::7"))
    assert.equal("ENOENT", N.err(neigh_del, "fd05::7", { dev = "a0", ns = "na" }).code)
  end)

  it("decides the way without ARP: a wrong MAC makes ping fail, the right one works", function()
    if not N.needs() then return end
    pair()
    -- neither side answers ARP requests: only static entries get through
    sysctl("net.ipv4.conf.all.arp_ignore", "8", { ns = "na" })
    sysctl("net.ipv4.conf.all.arp_ignore", "8", { ns = "nb" })
    local mac_a = link_get("a0", { ns = "na" }).address
    local mac_b = link_get("b0", { ns = "nb" }).address
    -- a ping that must fail waits 0.3 s for its reply, not 1
    local function ping(wait) return N.in_ns("na", "ping -c1 -W" .. (wait or 1) .. " 10.5.0.2").code end
    assert.not_equal(0, ping(0.3))
    neigh_del("10.5.0.2", { dev = "a0", ns = "na" })	-- the failed entry ARP left
    neigh_add("10.5.0.1", { dev = "b0", lladdr = mac_a, ns = "nb" })
    neigh_add("10.5.0.2", { dev = "a0", lladdr = "02:de:ad:be:ef:00", ns = "na" })
    assert.not_equal(0, ping(0.3))
    neigh_del("10.5.0.2", { dev = "a0", ns = "na" })
    neigh_add("10.5.0.2", { dev = "a0", lladdr = mac_b, ns = "na" })
    assert.equal(0, ping())
    assert.equal("permanent", find(neigh_list({ ns = "na" }), "10.5.0.2").state)
  end)

  it("refuses bad input with <prim>: <obj>: <reason>", function()
    if not N.needs() then return end
    pair()
    local function msg(f, ...)
      local ok, err = pcall(f, ...)
      assert.is_false(ok)
      return tostring(err), type(err) == "table" and err.code
    end
    local o = { dev = "a0", ns = "na" }
    assert.same({ "neigh_add: 10.5.0.300: not an IPv4 or IPv6 address (and no prefix length)", "EINVAL" },
      { msg(neigh_add, "10.5.0.300", o) })
    assert.equal("neigh_add: 10.5.0.3/24: not an IPv4 or IPv6 address (and no prefix length)",
      msg(neigh_add, "10.5.0.3/24", o))
    assert.equal("neigh_add: fd05::g: not an IPv4 or IPv6 address (and no prefix length)",
      msg(neigh_add, "fd05::g", o))
    assert.equal("neigh_add: 10.5.0.3: bad MAC address '02:00:00:00:00' (want aa:bb:cc:dd:ee:ff)",
      msg(neigh_add, "10.5.0.3", { dev = "a0", ns = "na", lladdr = "02:00:00:00:00" }))
    assert.same({ "neigh_add: nope0: No such device", "ENODEV" },
      { msg(neigh_add, "10.5.0.3", { dev = "nope0", ns = "na" }) })
    assert.equal("neigh_add: nope: no such network namespace",
      msg(neigh_add, "10.5.0.3", { dev = "a0", ns = "nope" }))
    assert.equal("neigh_add: unknown option 'lladr' (did you mean 'lladdr'?)",
      msg(neigh_add, "10.5.0.3", { dev = "a0", ns = "na", lladr = "02:00:00:00:00:01" }))
    assert.equal("neigh_add: 10.5.0.3: option 'dev' is required (the link)",
      msg(neigh_add, "10.5.0.3", { ns = "na" }))
    assert.equal("neigh_add: failed: unknown state (permanent, reachable, stale or noarp)",
      msg(neigh_add, "10.5.0.3", { dev = "a0", ns = "na", state = "failed" }))
    assert.equal("neigh_add: 10.5.0.3: a proxy entry takes no lladdr or state",
      msg(neigh_add, "10.5.0.3", { dev = "a0", ns = "na", proxy = true, lladdr = "02:00:00:00:00:01" }))
    assert.matches("^neigh_add: .*contains a NUL byte$", msg(neigh_add, "10.5.0.3\0x", o))
    assert.matches("^neigh_del: .*contains a NUL byte$", msg(neigh_del, "10.5.0.3", { dev = "a0\0", ns = "na" }))
    assert.equal("neigh_list: ipx: unknown family (inet or inet6)", msg(neigh_list, { family = "ipx" }))
    assert.equal("neigh_list: nope0: No such device", msg(neigh_list, { dev = "nope0", ns = "na" }))
  end)
end)

describe("neigh records #netns", function()
  after_each(N.wipe)

  it("a failing run removes a proxy entry it added beside a plain one of the same address it deleted", function()
    if not N.needs() then return end
    T.sh("ip link add nr0 type veth peer name nr1 && ip link set nr0 up")
    local r = T.run({ "-e", 'neigh_add("10.6.0.7", { dev = "nr0", lladdr = "02:00:00:00:00:07" }) ' ..
      'neigh_add("10.6.0.7", { dev = "nr0", proxy = true }) neigh_del("10.6.0.7", { dev = "nr0" }) error("boom")' })
    assert.equal(1, r.code)
    assert.equal("", T.sh("ip neigh show proxy 10.6.0.7").out)
  end)

  it("a failing run removes the entry it added in the start namespace; a run that ends well keeps it", function()
    if not N.needs() then return end
    T.sh("ip link add nr0 type veth peer name nr1 && ip link set nr0 up")
    local r = T.run({ "-e", 'neigh_add("10.6.0.2", { dev = "nr0", lladdr = "02:00:00:00:00:02" }) error("boom")' })
    assert.not_equal(0, r.code)
    assert.is_nil(ip_neigh(nil, "10.6.0.2"))
    r = T.run({ "-e", 'neigh_add("fd06::2", { dev = "nr0", lladdr = "02:00:00:00:00:02" })' })
    assert.equal(0, r.code, r.err)
    assert.is_not_nil(ip_neigh(nil, "fd06::2"))
  end)
end)

describe("nsl.netns handles: rules and neighbour entries #netns", function()
  after_each(N.wipe)

  it("adds, lists and deletes them in the handle's namespace", function()
    if not N.needs() then return end
    local nsl = require "nsl"
    local h <close> = nsl.netns("nh")
    h:veth("e0", nil, "e1")
    h:neigh_add("10.7.0.2", { dev = "e0", lladdr = "02:00:00:00:07:02" })
    h:rule_add({ from = "10.7.0.0/24", table = 70, priority = 70 })
    assert.equal("02:00:00:00:07:02", find(h:neighs(), "10.7.0.2").lladdr)
    assert.equal("02:00:00:00:07:02", ip_neigh("nh", "10.7.0.2").lladdr)
    local found
    for _, r in ipairs(h:rules()) do if r.priority == 70 then found = r end end
    assert.same({ priority = 70, family = "inet", from = "10.7.0.0/24", table = 70, action = "table" }, found)
    h:rule_del({ priority = 70 })
    h:neigh_del("10.7.0.2", { dev = "e0" })
    assert.is_nil(find(h:neighs(), "10.7.0.2"))
    for _, r in ipairs(h:rules()) do assert.not_equal(70, r.priority) end
  end)
end)
