-- Links made directly inside another namespace than their underlay's
-- (vxlan_add and macvlan_add with link_ns), and link groups (group on
-- every *_add and link_set, read back by link_get/link_list, deleted in
-- one request by link_del{ group = N }); ip -j -d as the witness.
local T = require "spec.support.util"
local N = require "spec.support.net"
local K = require "spec.support.kernel"

-- Two "hosts" h1, h2 joined by an underlay veth u1 -- u2 (10.9.0.1/.2),
-- and a pod namespace on each, p1 and p2.
local function hosts()
  for _, n in ipairs({ "h1", "h2", "p1", "p2" }) do ns_add(n) end
  veth_add("u1", "u2", { ns = "h1", peer_ns = "h2" })
  addr_add("u1", "10.9.0.1/24", { ns = "h1" })
  addr_add("u2", "10.9.0.2/24", { ns = "h2" })
  link_set("u1", { ns = "h1", up = true })
  link_set("u2", { ns = "h2", up = true })
end

-- ip's netns id of namespace `of` as namespace `in_ns` knows it (nil: none).
local function nsid(in_ns, of)
  for _, e in ipairs(N.ip("netns list-id", in_ns)) do
    if e.name == of then return e.nsid end
  end
end

-- Runs script (of T.script, in dir) in the background until its output
-- matches ready (a grep pattern), then SIGKILLs it; returns the shell's
-- result (code 137: killed).
local function killed(script, dir, ready)
  return T.sh(T.quote(T.nsl) .. " " .. T.quote(script) .. " > " .. dir .. "/out & pid=$!; " ..
    "for i in $(seq 200); do grep -qs " .. T.quote(ready) .. " " .. dir .. "/out && break; sleep 0.05; done; " ..
    "kill -KILL $pid; wait $pid")
end

describe("vxlan_add and macvlan_add with link_ns #netns", function()
  after_each(N.wipe)

  it("makes a vxlan in a pod namespace that carries traffic between two pods, its underlay staying in the hosts", function()
    if not N.needs() then return end
    hosts()
    K.make(vxlan_add, "vx0", 100, { ns = "h1", link_ns = "p1", dev = "u1", ["local"] = "10.9.0.1",
      remote = "10.9.0.2", up = true })
    vxlan_add("vx0", 100, { ns = "h2", link_ns = "p2", dev = "u2", ["local"] = "10.9.0.2",
      remote = "10.9.0.1", up = true })
    addr_add("vx0", "10.10.0.1/24", { ns = "p1" })
    addr_add("vx0", "10.10.0.2/24", { ns = "p2" })
    -- made in the pods, not in the hosts; the underlay did not move
    assert.is_nil(N.ip_link("vx0", "h1"))
    assert.is_nil(N.ip_link("vx0", "h2"))
    assert.same({ "lo", "u1" }, N.ip_link_names("h1"))
    assert.same({ "lo", "vx0" }, N.ip_link_names("p1"))
    local l = N.ip_link("vx0", "p1")
    assert.equal("vxlan", l.linkinfo.info_kind)
    assert.equal(100, l.linkinfo.info_data.id)
    assert.equal("10.9.0.2", l.linkinfo.info_data.remote)
    -- its underlay is in h1: ip names that namespace by its id
    assert.equal(nsid("p1", "h1"), l.link_netnsid)
    assert.is_not_nil(l.link_netnsid)
    local r = N.in_ns("p1", "ping -c 2 -i 0.2 -W 2 10.10.0.2")
    assert.equal(0, r.code, r.out .. r.err)
    assert.equal(0, N.in_ns("p2", "ping -c 1 -W 2 10.10.0.1").code)
    assert.equal(100, link_get("vx0", { ns = "p2" }).vxlan.vni)
  end)

  it("makes a macvlan in a pod namespace over a parent that stays in the host", function()
    if not N.needs() then return end
    hosts()
    K.make(macvlan_add, "mv0", "u1", { ns = "h1", link_ns = "p1", mode = "bridge", mtu = 1400, up = true })
    assert.same({ "lo", "u1" }, N.ip_link_names("h1"))
    local l = N.ip_link("mv0", "p1")
    assert.equal("macvlan", l.linkinfo.info_kind)
    assert.equal("bridge", l.linkinfo.info_data.mode)
    assert.equal(1400, l.mtu)
    assert.is_true(N.has_flag(l, "UP"))
    assert.equal(nsid("p1", "h1"), l.link_netnsid)
    local g = link_get("mv0", { ns = "p1" })
    assert.equal("u1", g.parent)
    assert.equal("h1", g.peer_ns)
    -- a master is looked up where the link lives
    bridge_add("br0", { ns = "p1" })
    macvlan_add("mv1", "u1", { ns = "h1", link_ns = "p1", master = "br0" })
    assert.equal("br0", N.ip_link("mv1", "p1").master)
  end)

  it("is removed by nsl --clean, in the namespace where it lives, after SIGKILL; the underlay stays", function()
    if not N.needs() then return end
    assert.equal(0, T.sh("ip netns add h1 && ip netns add p1 && ip -n h1 link add u1 type bridge" ..
      " && ip -n h1 addr add 10.9.0.1/24 dev u1 && ip -n h1 link set u1 up").code)
    local script, dir = T.script([[
      vxlan_add("vx0", 7, { ns = "h1", link_ns = "p1", dev = "u1", remote = "10.9.0.2" })
      macvlan_add("mv0", "u1", { ns = "h1", link_ns = "p1" })
      print("made"); io.stdout:flush()
      sleep(30)
    ]])
    finally(function() T.rm(dir); T.run({ "--clean" }) end)
    local r = killed(script, dir, "made")
    assert.equal(137, r.code)
    assert.same({ "lo", "mv0", "vx0" }, N.ip_link_names("p1"))
    r = T.run({ "--clean" })
    assert.equal(0, r.code, r.err)
    assert.matches("removed link vx0 in p1 (run ", r.out, 1, true)
    assert.matches("removed link mv0 in p1 (run ", r.out, 1, true)
    assert.same({ "lo" }, N.ip_link_names("p1"))
    assert.same({ "lo", "u1" }, N.ip_link_names("h1"))
    assert.equal("nothing to clean\n", T.run({ "--clean" }).out)
  end)

  it("is rolled back where it lives when the run fails", function()
    if not N.needs() then return end
    assert.equal(0, T.sh("ip netns add h1 && ip netns add p1 && ip -n h1 link add u1 type bridge").code)
    local r = T.run_script([[
      macvlan_add("mv0", "u1", { ns = "h1", link_ns = "p1" })
      error("stop here")
    ]])
    assert.equal(1, r.code)
    assert.matches("stop here", r.err, 1, true)
    assert.same({ "lo" }, N.ip_link_names("p1"))
    assert.same({ "lo", "u1" }, N.ip_link_names("h1"))
  end)

  it("refuses bad input with one line naming the call", function()
    if not N.needs() then return end
    hosts()
    T.nsl_error(function() vxlan_add("vx0", 1, { ns = "h1", link_ns = "nope", dev = "u1" }) end,
      "vxlan_add: nope: no such network namespace", "ENOENT")
    T.nsl_error(function() macvlan_add("mv0", "u1", { ns = "h1", link_ns = 5 }) end,
      "macvlan_add: option 'link_ns': string expected, got number")
    T.nsl_error(function() vxlan_add("vx0", 1, { ns = "h1", link_nss = "p1" }) end,
      "vxlan_add: unknown option 'link_nss' (did you mean 'link_ns'?)")
    T.nsl_error(function() veth_add("e0", "e1", { link_ns = "p1" }) end,
      "veth_add: unknown option 'link_ns' (known: ns, mtu, address, up, master, group, peer_ns)")
    T.nsl_error(function() macvlan_add("mv0", "u9", { ns = "h1", link_ns = "p1" }) end,
      "macvlan_add: u9: No such device", "ENODEV")
    T.nsl_error(function() macvlan_add("mv0", "u1", { ns = "h1", link_ns = "p1\0x" }) end,
      "macvlan_add: option 'link_ns': contains a NUL byte")
    K.make(vxlan_add, "vx0", 1, { ns = "h1", link_ns = "p1", dev = "u1" })
    T.nsl_error(function() vxlan_add("vx0", 2, { ns = "h1", link_ns = "p1", dev = "u1" }) end,
      "vxlan_add: vx0: File exists", "EEXIST")
    assert.equal(1, link_get("vx0", { ns = "p1" }).vxlan.vni)
    link_del("vx0", { ns = "p1" })
    -- the error is at the caller's line
    local e = N.err(function() vxlan_add("vx0", 1, { ns = "h1", link_ns = "nope" }) end)
    assert.matches("linkns_spec.lua:%d+$", e.where)
    assert.same({ "lo" }, N.ip_link_names("p1"))
    assert.same({ "lo", "u1" }, N.ip_link_names("h1"))
  end)
end)

describe("link groups #netns", function()
  after_each(N.wipe)

  it("puts links in a group on creation and with link_set; link_get and link_list report it", function()
    if not N.needs() then return end
    ns_add("a")
    bridge_add("d1", { ns = "a", group = 5 })
    veth_add("e1", "e2", { ns = "a", group = 5 })
    K.make(vxlan_add, "vx0", 9, { ns = "a", group = 5, remote = "10.9.0.2" })
    vxlan_add("vx1", 10, { ns = "a", group = "239.1.1.1", dev = "d1" }) -- a string: the multicast group
    bridge_add("d2", { ns = "a" })
    link_set("d2", { ns = "a", group = 4294967295 })
    assert.equal("5", N.ip_link("d1", "a").group)
    assert.equal("5", N.ip_link("e1", "a").group)
    assert.equal("default", N.ip_link("e2", "a").group)
    assert.equal("5", N.ip_link("vx0", "a").group)
    assert.equal("239.1.1.1", N.ip_link("vx1", "a").linkinfo.info_data.group)
    assert.equal("default", N.ip_link("vx1", "a").group)
    assert.equal("-1", N.ip_link("d2", "a").group) -- ip prints the u32 signed
    assert.equal(5, link_get("d1", { ns = "a" }).group)
    assert.equal(0, link_get("e2", { ns = "a" }).group)
    local groups = {}
    for _, l in ipairs(link_list({ ns = "a" })) do groups[l.name] = l.group end
    assert.same({ lo = 0, d1 = 5, e1 = 5, e2 = 0, vx0 = 5, vx1 = 0, d2 = 4294967295 }, groups)
    link_set("d2", { ns = "a", group = 0 })
    assert.equal(0, link_get("d2", { ns = "a" }).group)
  end)

  it("link_del{ group = N } deletes exactly that group's links of one namespace", function()
    if not N.needs() then return end
    ns_add("a"); ns_add("b")
    bridge_add("d1", { ns = "a", group = 5 })
    veth_add("e1", "e2", { ns = "a", peer_ns = "b", group = 5 })
    bridge_add("d2", { ns = "a", group = 6 })
    bridge_add("d1", { ns = "b", group = 5 }) -- same group, other namespace
    assert.equal(0, T.sh("ip -n a link add by0 group 7 type bridge && ip -n a link add by1 type bridge").code)
    link_del({ group = 5, ns = "a" })
    assert.same({ "by0", "by1", "d2", "lo" }, N.ip_link_names("a"))
    assert.same({ "d1", "lo" }, N.ip_link_names("b")) -- e2 went with its peer
    assert.equal("7", N.ip_link("by0", "a").group)
    -- in the start namespace too, without ns
    bridge_add("r1", { group = 8 }); bridge_add("r2", { group = 8 })
    link_del { group = 8 }
    assert.same({ "lo" }, N.ip_link_names())
  end)

  it("retires the group's links from the record: --clean after SIGKILL spares a namesake with the same index", function()
    if not N.needs() then return end
    assert.equal(0, T.sh("ip netns add a").code)
    local script, dir = T.script([[
      bridge_add("g1", { ns = "a", group = 3 })
      bridge_add("g2", { ns = "a", group = 3 })
      bridge_add("k1", { ns = "a" })
      local i1, i2 = link_get("g1", { ns = "a" }).index, link_get("g2", { ns = "a" }).index
      link_del { group = 3, ns = "a" }
      print(i1, i2); io.stdout:flush()
      sleep(30)
    ]])
    finally(function() T.rm(dir); T.run({ "--clean" }) end)
    local r = killed(script, dir, ".")
    assert.equal(137, r.code)
    local i1, i2 = T.slurp(dir .. "/out"):match("^(%d+)%s+(%d+)")
    assert.is_truthy(i1)
    -- someone else makes links of the same names and indexes
    assert.equal(0, T.sh("ip -n a link add g1 index " .. i1 .. " type bridge && ip -n a link add g2 index " ..
      i2 .. " type bridge").code)
    r = T.run({ "--clean" })
    assert.equal(0, r.code, r.err)
    assert.matches("removed link k1 in a (run ", r.out, 1, true)
    assert.not_matches("link g", r.out, 1, true)
    assert.same({ "g1", "g2", "lo" }, N.ip_link_names("a"))
  end)

  it("refuses bad input with one line naming the call", function()
    if not N.needs() then return end
    ns_add("a")
    bridge_add("d1", { ns = "a", group = 5 })
    T.nsl_error(function() bridge_add("d2", { ns = "a", group = -1 }) end,
      "bridge_add: d2: group must be 0 to 4294967295")
    T.nsl_error(function() bridge_add("d2", { ns = "a", group = 4294967296 }) end,
      "bridge_add: d2: group must be 0 to 4294967295")
    T.nsl_error(function() bridge_add("d2", { ns = "a", group = "5" }) end,
      "bridge_add: option 'group': integer expected, got string")
    T.nsl_error(function() vxlan_add("vx0", 1, { ns = "a", group = true }) end,
      "vxlan_add: option 'group': integer (link group) or string (multicast address) expected, got boolean")
    T.nsl_error(function() link_set("d1", { ns = "a", group = 1.5 }) end,
      "link_set: option 'group': integer expected, got number")
    T.nsl_error(function() bridge_add("d2", { ns = "a", grup = 5 }) end,
      "bridge_add: unknown option 'grup' (did you mean 'group'?)")
    T.nsl_error(function() link_del { grop = 5, ns = "a" } end,
      "link_del: unknown option 'grop' (did you mean 'group'?)")
    T.nsl_error(function() link_del { group = 0, ns = "a" } end,
      "link_del: group 0: every link is in group 0 unless given another: refused")
    T.nsl_error(function() link_del { group = 6, ns = "a" } end,
      "link_del: group 6: no link of this group in a", "ENODEV")
    T.nsl_error(function() link_del { group = 5, ns = "nope" } end,
      "link_del: nope: no such network namespace", "ENOENT")
    T.nsl_error(function() link_del { ns = "a" } end,
      "link_del: a link name or option 'group' expected")
    T.nsl_error(function() link_del("d1", { ns = "a", group = 5 }) end,
      "link_del: d1: option 'group' deletes a whole group: link_del{ group = N }, without a link name")
    -- lo is in the group: the kernel refuses, nothing goes
    link_set("lo", { ns = "a", group = 5 })
    T.nsl_error(function() link_del { group = 5, ns = "a" } end,
      "link_del: group 5: a link of this group cannot be deleted (lo, or a kind without delete): nothing was deleted",
      "EOPNOTSUPP")
    assert.same({ "d1", "lo" }, N.ip_link_names("a"))
  end)
end)
