-- Bridges beyond bridge_add: stp and vlan_filtering, port
-- flags through link_set's bridge table, static fdb entries, port VLANs,
-- and VLAN-aware bridges in descriptions.  Cross-checked with iproute2
-- (ip -d -j link, bridge -j fdb/vlan) and with traffic.  This build
-- kernel has no CONFIG_BRIDGE_VLAN_FILTERING: the VLAN specs are #kernel
-- (make check-kernel runs them on Debian's stock kernel).
local T = require "spec.support.util"
local N = require "spec.support.net"
local K = require "spec.support.kernel"
local nsl = require "nsl"
local json = require "nsl.json"

-- ip -d -j's linkinfo of link name in ns.
local function linkinfo(name, ns)
  local l = N.ip_link(name, ns)
  return l and l.linkinfo or {}
end

-- bridge -j <what> show in ns, decoded.
local function bridge_json(what, ns)
  local r = N.in_ns(ns, "bridge -j " .. what .. " show")
  assert.equal(0, r.code, r.err)
  return json.decode(r.out ~= "" and r.out or "[]")
end

-- Namespace sw holds bridge br0 (up) with n ports p1..pn, whose peers
-- are eth0 in namespaces h1..hn with address 10.61.0.<i>/24, all up.
local function switch(n, bropts)
  ns_add("sw")
  local o = { ns = "sw", up = true }
  for k, v in pairs(bropts or {}) do o[k] = v end
  K.make(bridge_add, "br0", o)
  for i = 1, n do
    local h = "h" .. i
    ns_add(h)
    veth_add("p" .. i, "eth0", { ns = "sw", peer_ns = h })
    link_set("p" .. i, { ns = "sw", master = "br0", up = true })
    addr_add("eth0", "10.61.0." .. i .. "/24", { ns = h })
    link_set("eth0", { ns = h, up = true })
  end
end

-- Whether from reaches to: a reply to one of the pings sent 0.2 s apart
-- for up to 2 s (it ends at the first reply), its neighbour entries
-- flushed first (a failed ARP entry would delay it).
local function ping(from, to)
  N.in_ns(from, "ip neigh flush all")
  return N.in_ns(from, "ping -c1 -i0.2 -w2 " .. to).code == 0
end

-- Whether from gets no reply from to: one ping, 0.3 s (on veths within
-- one machine a reply takes well under a millisecond).
local function silent(from, to)
  N.in_ns(from, "ip neigh flush all")
  return N.in_ns(from, "ping -c1 -W0.3 " .. to).code ~= 0
end

describe("bridge settings and port flags #netns", function()
  after_each(N.wipe)

  it("bridge_add's stp is read back by link_get, changed by link_set, and ip agrees", function()
    if not N.needs() then return end
    bridge_add("br0", { stp = true })
    assert.same({ stp = true, vlan_filtering = false }, link_get("br0").bridge)
    assert.equal(1, linkinfo("br0").info_data.stp_state)
    link_set("br0", { stp = false })
    assert.is_false(link_get("br0").bridge.stp)
    assert.equal(0, linkinfo("br0").info_data.stp_state)
    bridge_add("br1")
    assert.same({ stp = false, vlan_filtering = false }, link_get("br1").bridge)
    assert.is_nil(link_get("br1").bridge_port)
  end)

  it("link_set's bridge table sets a port's flags, in the call that makes it a port", function()
    if not N.needs() then return end
    bridge_add("br0")
    veth_add("p1", "q1")
    link_set("p1", { master = "br0", bridge = { isolated = true, learning = false, flood = false } })
    assert.same({ isolated = true, learning = false, flood = false }, link_get("p1").bridge_port)
    local d = linkinfo("p1").info_slave_data
    assert.is_true(d.isolated)
    assert.is_false(d.learning)
    assert.is_false(d.flood)
    link_set("p1", { bridge = { learning = true } })
    assert.same({ isolated = true, learning = true, flood = false }, link_get("p1").bridge_port)
    assert.is_true(linkinfo("p1").info_slave_data.learning)
    -- link_list reads them too
    for _, l in ipairs(link_list()) do
      if l.name == "p1" then assert.is_true(l.bridge_port.isolated) end
    end
  end)

  it("refuses port flags on a link that is no bridge port, and unknown keys", function()
    if not N.needs() then return end
    veth_add("p1", "q1")
    local e = N.err(link_set, "p1", { bridge = { learning = false } })
    assert.equal("link_set: p1: not a bridge port (option 'bridge' is for a link whose master is a bridge)",
      tostring(e))
    assert.equal("EOPNOTSUPP", e.code)
    assert.equal("link_set: unknown option 'lerning' (did you mean 'learning'?)",
      tostring(N.err(link_set, "p1", { bridge = { lerning = false } })))
    assert.equal("link_set: p1: not a bridge (options 'vlan_filtering' and 'stp' are a bridge's)",
      tostring(N.err(link_set, "p1", { stp = true })))
    assert.equal("link_set: option 'bridge': table expected, got boolean",
      tostring(N.err(link_set, "p1", { bridge = true })))
    assert.equal("link_set: option 'flood': boolean expected, got string",
      tostring(N.err(link_set, "p1", { bridge = { flood = "no" } })))
  end)

  it("isolated ports reach the others but not each other (ping)", function()
    if not N.needs() then return end
    switch(3)
    assert.is_true(ping("h1", "10.61.0.2"))
    link_set("p1", { ns = "sw", bridge = { isolated = true } })
    link_set("p2", { ns = "sw", bridge = { isolated = true } })
    assert.is_true(silent("h1", "10.61.0.2"))
    assert.is_true(ping("h1", "10.61.0.3"))
    assert.is_true(ping("h2", "10.61.0.3"))
    link_set("p2", { ns = "sw", bridge = { isolated = false } })
    assert.is_true(ping("h1", "10.61.0.2"))
  end)

  it("flood = false: unknown unicast no longer reaches the port (ping to a MAC never learnt)", function()
    if not N.needs() then return end
    switch(2)
    -- p2 never learns h2's MAC: frames to it are unknown unicast, flooded
    link_set("p2", { ns = "sw", bridge = { learning = false } })
    local mac2 = link_get("eth0", { ns = "h2" }).address
    pcall(fdb_del, mac2, { ns = "sw", dev = "p2" }) -- learnt before: h2's IPv6 start-up frames
    N.in_ns("h1", "ip neigh replace 10.61.0.2 lladdr " .. mac2 .. " dev eth0 nud permanent")
    assert.is_true(ping("h1", "10.61.0.2"))
    link_set("p2", { ns = "sw", bridge = { flood = false } })
    assert.is_true(silent("h1", "10.61.0.2"))
    assert.is_false(link_get("p2", { ns = "sw" }).bridge_port.flood)
    link_set("p2", { ns = "sw", bridge = { flood = true } })
    assert.is_true(ping("h1", "10.61.0.2"))
  end)

  it("learning: a port learns its host's MAC (dynamic), not with learning = false", function()
    if not N.needs() then return end
    switch(2)
    link_set("p2", { ns = "sw", bridge = { learning = false } })
    local mac1, mac2 = link_get("eth0", { ns = "h1" }).address, link_get("eth0", { ns = "h2" }).address
    pcall(fdb_del, mac2, { ns = "sw", dev = "p2" }) -- learnt before: h2's IPv6 start-up frames
    assert.is_true(ping("h1", "10.61.0.2"))
    local learnt = {}
    for _, f in ipairs(fdb_list({ ns = "sw" })) do
      if f.state == "dynamic" then learnt[f.mac] = f end
    end
    assert.is_not_nil(learnt[mac1], "h1's MAC is learnt on p1")
    assert.equal("p1", learnt[mac1].dev)
    assert.equal("br0", learnt[mac1].master)
    assert.is_false(learnt[mac1].self)
    assert.is_nil(learnt[mac2], "p2 does not learn")
  end)
end)

describe("fdb_add, fdb_del, fdb_list #netns", function()
  after_each(N.wipe)

  it("adds a static entry read back by fdb_list and bridge fdb show, and deletes it", function()
    if not N.needs() then return end
    switch(2)
    fdb_add("02:aa:00:00:00:01", { ns = "sw", dev = "p1" })
    fdb_add("02:aa:00:00:00:02", { ns = "sw", dev = "p2", permanent = true })
    local got = {}
    for _, f in ipairs(fdb_list({ ns = "sw", dev = "p1" })) do
      assert.equal("p1", f.dev)
      got[f.mac] = f
    end
    assert.same({ mac = "02:aa:00:00:00:01", dev = "p1", master = "br0", state = "static", self = false },
      got["02:aa:00:00:00:01"])
    assert.is_nil(got["02:aa:00:00:00:02"], "dev keeps to one port")
    local seen = {}
    for _, f in ipairs(bridge_json("fdb", "sw")) do seen[f.mac] = f end
    assert.equal("static", seen["02:aa:00:00:00:01"].state)
    assert.equal("p1", seen["02:aa:00:00:00:01"].ifname)
    assert.equal("permanent", seen["02:aa:00:00:00:02"].state)
    local e = N.err(fdb_add, "02:aa:00:00:00:01", { ns = "sw", dev = "p1" })
    assert.equal("EEXIST", e.code)
    assert.equal("fdb_add: 02:aa:00:00:00:01: File exists", tostring(e))
    fdb_del("02:aa:00:00:00:01", { ns = "sw", dev = "p1" })
    assert.is_nil(bridge_json("fdb", "sw")["02:aa:00:00:00:01"])
    for _, f in ipairs(fdb_list({ ns = "sw" })) do assert.not_equal("02:aa:00:00:00:01", f.mac) end
    assert.equal("ENOENT", N.err(fdb_del, "02:aa:00:00:00:01", { ns = "sw", dev = "p1" }).code)
  end)

  it("a failing run removes the entries it added to a bridge it did not make; --clean after SIGKILL too", function()
    if not N.needs() then return end
    finally(function() T.sh("ip link del fbr0; ip link del fp0") end)
    assert.equal(0, T.sh("ip link add fbr0 type bridge && ip link add fp0 type veth peer name fp1 && " ..
      "ip link set fp0 master fbr0 && bridge fdb add 02:bb:00:00:00:09 dev fp0 master static").code)
    local function entries()
      local got = {}
      for _, f in ipairs(fdb_list({ dev = "fp0" })) do if f.state == "static" then got[#got + 1] = f.mac end end
      table.sort(got)
      return got
    end
    local add = 'fdb_add("02:bb:00:00:00:01", { dev = "fp0" }) fdb_add("02:bb:00:00:00:02", { dev = "fp0", vlan = nil }) '
    local r = T.run({ "-e", add .. 'error("boom")' })
    assert.equal(1, r.code)
    assert.same({ "02:bb:00:00:00:09" }, entries(), "the run's two are gone, ip's stays")
    r = T.sh(T.quote(T.nsl) .. " -e " .. T.quote(add .. 'io.write("made\\n") io.flush() sleep(30)') ..
      " > /dev/null & pid=$!; for i in $(seq 200); do " ..
      "[ \"$(bridge fdb show dev fp0 | grep -c 02:bb:00:00:00:0[12])\" = 2 ] && break; sleep 0.05; done; " ..
      "kill -KILL $pid; wait $pid")
    assert.equal(137, r.code)
    assert.same({ "02:bb:00:00:00:01", "02:bb:00:00:00:02", "02:bb:00:00:00:09" }, entries())
    r = T.run({ "--clean" })
    assert.equal(0, r.code, r.err)
    assert.matches("removed forwarding entry 02:bb:00:00:00:01 (run ", r.out, 1, true)
    assert.same({ "02:bb:00:00:00:09" }, entries())
    r = T.run({ "-e", add })
    assert.equal(0, r.code, r.err)
    assert.same({ "02:bb:00:00:00:01", "02:bb:00:00:00:02", "02:bb:00:00:00:09" }, entries(), "a good end keeps them")
  end)

  it("--clean takes an entry whose bridge went while its port stayed as gone (a down killed midway)", function()
    if not N.needs() then return end
    finally(function() T.sh("ip link del fbr0; ip link del fp0") end)
    assert.equal(0, T.sh("ip link add fbr0 type bridge && ip link add fp0 type veth peer name fp1 && " ..
      "ip link set fp0 master fbr0").code)
    local r = T.sh(T.quote(T.nsl) .. " -e " ..
      T.quote('fdb_add("02:bb:00:00:00:03", { dev = "fp0" }) io.write("made\\n") io.flush() sleep(30)') ..
      " > /dev/null & pid=$!; for i in $(seq 200); do " ..
      "bridge fdb show dev fp0 | grep -q 02:bb:00:00:00:03 && break; sleep 0.05; done; " ..
      "kill -KILL $pid; wait $pid")
    assert.equal(137, r.code)
    -- the state a down killed between the bridge and its port leaves
    assert.equal(0, T.sh("ip link del fbr0").code)
    assert.is_nil(nsl.link_get("fp0").master)
    r = T.run({ "--clean" })
    assert.equal(0, r.code, r.err)
    assert.equal("", r.err)
    assert.equal("", T.other_records(), "the record is done with")
    assert.equal("nothing to clean\n", T.run({ "--clean" }).out)
  end)

  it("a static entry sends the frames to its port only: a wrong one cuts the host off", function()
    if not N.needs() then return end
    switch(3)
    local mac2 = link_get("eth0", { ns = "h2" }).address
    N.in_ns("h1", "ip neigh replace 10.61.0.2 lladdr " .. mac2 .. " dev eth0 nud permanent")
    assert.is_true(ping("h1", "10.61.0.2"))
    fdb_del(mac2, { ns = "sw", dev = "p2" }) -- learnt; replaced by a static one on p3
    fdb_add(mac2, { ns = "sw", dev = "p3" })
    link_set("p2", { ns = "sw", bridge = { learning = false } })
    assert.is_true(silent("h1", "10.61.0.2"))
    fdb_del(mac2, { ns = "sw", dev = "p3" })
    fdb_add(mac2, { ns = "sw", dev = "p2" })
    assert.is_true(ping("h1", "10.61.0.2"))
  end)

  it("lists a link's own entries (self) without a bridge", function()
    if not N.needs() then return end
    veth_add("a0", "b0")
    local own = fdb_list({ dev = "a0" })
    assert.is_true(#own >= 1)
    for _, f in ipairs(own) do
      assert.is_true(f.self)
      assert.equal("a0", f.dev)
    end
    -- a link's own table (self): permanent entries only, as the kernel's default one
    assert.equal("fdb_add: 02:aa:00:00:00:09: a0's own table may take only permanent entries (permanent = true)",
      tostring(N.err(fdb_add, "02:aa:00:00:00:09", { dev = "a0", self = true })))
    fdb_add("02:aa:00:00:00:09", { dev = "a0", self = true, permanent = true })
    local function has()
      for _, f in ipairs(fdb_list({ dev = "a0" })) do
        if f.mac == "02:aa:00:00:00:09" then return f end
      end
    end
    assert.same({ mac = "02:aa:00:00:00:09", dev = "a0", state = "permanent", self = true }, has())
    fdb_del("02:aa:00:00:00:09", { dev = "a0", self = true })
    assert.is_nil(has())
  end)
end)

describe("fdb entries of a vxlan (self, dst) #netns", function()
  after_each(N.wipe)

  it("an all-zeros entry per remote carries a vxlan made without a remote (ping), read back with its dst", function()
    if not N.needs() then return end
    ns_add("a"); ns_add("b")
    veth_add("ea", "eb", { ns = "a", peer_ns = "b", up = true })
    link_set("eb", { ns = "b", up = true })
    addr_add("ea", "10.62.0.1/24", { ns = "a" })
    addr_add("eb", "10.62.0.2/24", { ns = "b" })
    for _, x in ipairs({ { "a", "1" }, { "b", "2" } }) do
      vxlan_add("vx0", 62, { ns = x[1], ["local"] = "10.62.0." .. x[2], dev = "e" .. x[1], up = true })
      addr_add("vx0", "10.63.0." .. x[2] .. "/24", { ns = x[1] })
    end
    assert.is_true(silent("a", "10.63.0.2"), "no remote: nowhere to send")
    local zero = "00:00:00:00:00:00"
    fdb_add(zero, { ns = "a", dev = "vx0", self = true, dst = "10.62.0.2" })
    fdb_add(zero, { ns = "b", dev = "vx0", self = true, dst = "10.62.0.1" })
    assert.is_true(ping("a", "10.63.0.2"))
    local entry
    for _, f in ipairs(fdb_list({ ns = "a", dev = "vx0" })) do
      if f.mac == zero then entry = f end
    end
    assert.same({ mac = zero, dev = "vx0", state = "static", self = true, dst = "10.62.0.2" }, entry)
    local shown
    for _, f in ipairs(bridge_json("fdb", "a")) do if f.mac == zero then shown = f end end
    assert.equal("10.62.0.2", shown.dst)
    fdb_del(zero, { ns = "a", dev = "vx0", self = true, dst = "10.62.0.2" })
    assert.is_true(silent("a", "10.63.0.2"))
    assert.equal("fdb_add: 00:00:00:00:00:00: dst is for a link's own table (self = true: a vxlan's)",
      tostring(N.err(fdb_add, zero, { ns = "a", dev = "vx0", dst = "10.62.0.2" })))
    assert.equal("fdb_add: 00:00:00:00:00:00: dst '10.62.0.0/24': an address, not a CIDR",
      tostring(N.err(fdb_add, zero, { ns = "a", dev = "vx0", self = true, dst = "10.62.0.0/24" })))
  end)
end)

describe("bridge bad input #netns", function()
  after_each(N.wipe)

  it("refuses a bad VLAN id or range, a bad MAC, an unknown port or key, a NUL byte", function()
    if not N.needs() then return end
    bridge_add("br0")
    veth_add("p1", "q1", { master = "br0" })
    local function msg(f, ...) return tostring(N.err(f, ...)) end
    assert.equal("bridge_vlan_add: p1: VLAN id must be 1 to 4094", msg(bridge_vlan_add, "p1", 0))
    assert.equal("bridge_vlan_add: p1: VLAN id must be 1 to 4094", msg(bridge_vlan_add, "p1", 4095))
    assert.equal("bridge_vlan_add: p1: VLAN id must be 1 to 4094", msg(bridge_vlan_add, "p1", "10-5000"))
    assert.equal("bridge_vlan_add: p1: bad VLAN range '20-10': 20 > 10", msg(bridge_vlan_add, "p1", "20-10"))
    assert.equal("bridge_vlan_add: p1: bad VLAN range 'ten' (want \"10-20\")", msg(bridge_vlan_add, "p1", "ten"))
    assert.equal("bridge_vlan_add: p1: pvid takes one VLAN id, not a range",
      msg(bridge_vlan_add, "p1", "10-20", { pvid = true }))
    assert.matches("bad argument #2 to '[%w.]*bridge_vlan_add' %(VLAN id or range \"10%-20\" expected, got table%)",
      msg(bridge_vlan_add, "p1", {}))
    assert.equal("bridge_vlan_del: p1: VLAN id must be 1 to 4094", msg(bridge_vlan_del, "p1", -1))
    assert.equal("bridge_vlan_add: nope: No such device", msg(bridge_vlan_add, "nope", 10))
    assert.equal("bridge_vlan_list: nope: No such device", msg(bridge_vlan_list, { dev = "nope" }))
    assert.equal("bridge_vlan_add: unknown option 'pvdi' (did you mean 'pvid'?)",
      msg(bridge_vlan_add, "p1", 10, { pvdi = true }))
    assert.equal("bridge_vlan_del: unknown option 'pvid' (known: ns, self)", msg(bridge_vlan_del, "p1", 10, { pvid = true }))
    assert.equal("fdb_add: 02:aa:00:00:00: bad MAC address '02:aa:00:00:00' (want aa:bb:cc:dd:ee:ff)",
      msg(fdb_add, "02:aa:00:00:00", { dev = "p1" }))
    assert.equal("fdb_add: 02:aa:00:00:00:0g: bad MAC address '02:aa:00:00:00:0g' (want aa:bb:cc:dd:ee:ff)",
      msg(fdb_add, "02:aa:00:00:00:0g", { dev = "p1" }))
    assert.equal("fdb_add: 02:aa:00:00:00:01: option 'dev' (the port) is required", msg(fdb_add, "02:aa:00:00:00:01"))
    assert.equal("fdb_add: nope: No such device", msg(fdb_add, "02:aa:00:00:00:01", { dev = "nope" }))
    assert.equal("fdb_add: 02:aa:00:00:00:01: q1 is not a bridge port", msg(fdb_add, "02:aa:00:00:00:01", { dev = "q1" }))
    assert.equal("fdb_add: 02:aa:00:00:00:01: vlan must be 1 to 4094",
      msg(fdb_add, "02:aa:00:00:00:01", { dev = "p1", vlan = 5000 }))
    assert.equal("fdb_add: unknown option 'vlna' (did you mean 'vlan'?)", msg(fdb_add, "02:aa:00:00:00:01", { vlna = 1 }))
    assert.equal("fdb_list: unknown option 'port' (known: ns, dev)", msg(fdb_list, { port = "p1" }))
    assert.equal("fdb_add: 02:aa:00:00:00:01\\0: contains a NUL byte",
      msg(fdb_add, "02:aa:00:00:00:01\0", { dev = "p1" }))
    assert.equal("fdb_add: option 'dev': contains a NUL byte", msg(fdb_add, "02:aa:00:00:00:01", { dev = "p1\0" }))
    assert.equal("bridge_vlan_add: p1\\0x: contains a NUL byte", msg(bridge_vlan_add, "p1\0x", 10))
    assert.equal("bridge_vlan_add: 10\\0-20: contains a NUL byte", msg(bridge_vlan_add, "p1", "10\0-20"))
  end)

  it("says what this kernel lacks for VLAN filtering, or does it", function()
    if not N.needs() then return end
    local ok, e = pcall(bridge_add, "br0", { vlan_filtering = true })
    if ok then
      assert.is_true(link_get("br0").bridge.vlan_filtering)
      return
    end
    assert.equal("bridge_add: br0: this kernel has no bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING)", tostring(e))
    assert.equal("EOPNOTSUPP", e.code)
    assert.is_false(link_exists("br0"), "nothing is left of the refused bridge")
    bridge_add("br0")
    veth_add("p1", "q1", { master = "br0" })
    assert.equal("bridge_vlan_add: p1: this kernel has no bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING)",
      tostring(N.err(bridge_vlan_add, "p1", 10)))
    assert.equal("bridge_vlan_add: br0: a bridge itself takes VLANs with self = true",
      tostring(N.err(bridge_vlan_add, "br0", 10)))
    assert.equal("bridge_vlan_add: q1: not a bridge port (its master is no bridge)",
      tostring(N.err(bridge_vlan_add, "q1", 10)))
    assert.equal("link_set: br0: this kernel has no bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING)",
      tostring(N.err(link_set, "br0", { vlan_filtering = true })))
    assert.same({}, bridge_vlan_list())
  end)
end)

describe("bridge VLANs #netns", function()
  after_each(N.wipe)

  it("a failing run takes off the VLANs it gave a port of a bridge it did not make, not the port's; --clean too #kernel",
    function()
    if not N.needs() then return end
    finally(function() T.sh("ip link del vbr0; ip link del vp0") end)
    K.make(bridge_add, "vbr0", { vlan_filtering = true }) -- this spec's, not the scripts' below
    assert.equal(0, T.sh("ip link add vp0 type veth peer name vp1 && " ..
      "ip link set vp0 master vbr0 && bridge vlan add dev vp0 vid 5").code)
    local function vids()
      local got = {}
      for _, v in ipairs(bridge_vlan_list({ dev = "vp0" })) do got[#got + 1] = v.vid end
      table.sort(got)
      return table.concat(got, " ")
    end
    assert.equal("1 5", vids())
    local r = T.run({ "-e", 'bridge_vlan_add("vp0", "4-7") bridge_vlan_add("vp0", 9) bridge_vlan_del("vp0", 7) error("boom")' })
    assert.equal(1, r.code)
    assert.equal("1 5", vids(), "4, 6 and 9 taken off again; 5 and 1 were the port's")
    r = T.sh(T.quote(T.nsl) .. " -e " .. T.quote('bridge_vlan_add("vp0", "10-12") print("made") io.stdout:flush() sleep(30)') ..
      " > /dev/null & pid=$!; for i in $(seq 200); do bridge vlan show dev vp0 | grep -q 12 && break; sleep 0.05; done; " ..
      "kill -KILL $pid; wait $pid")
    assert.equal(137, r.code)
    assert.equal("1 5 10 11 12", vids())
    r = T.run({ "--clean" })
    assert.equal(0, r.code, r.err)
    assert.matches("removed VLANs 10-12 of vp0 (run ", r.out, 1, true)
    assert.equal("1 5", vids())
    r = T.run({ "-e", 'bridge_vlan_add("vp0", 20)' })
    assert.equal(0, r.code, r.err)
    assert.equal("1 5 20", vids(), "a run that ends well keeps them")
  end)

  it("bridge_vlan_add, _list, _del on ports and the bridge itself, as bridge vlan show sees them #kernel", function()
    if not N.needs() then return end
    switch(2, { vlan_filtering = true })
    assert.is_true(link_get("br0", { ns = "sw" }).bridge.vlan_filtering)
    assert.equal(1, linkinfo("br0", "sw").info_data.vlan_filtering)
    bridge_vlan_add("p1", 10, { ns = "sw", pvid = true, untagged = true })
    bridge_vlan_add("p1", "20-22", { ns = "sw" })
    bridge_vlan_add("br0", 10, { ns = "sw", self = true })
    local mine = {}
    for _, v in ipairs(bridge_vlan_list({ ns = "sw", dev = "p1" })) do mine[v.vid] = v end
    assert.same({ dev = "p1", vid = 10, pvid = true, untagged = true }, mine[10])
    assert.same({ dev = "p1", vid = 21, pvid = false, untagged = false }, mine[21])
    assert.is_not_nil(mine[20]); assert.is_not_nil(mine[22])
    assert.is_false(mine[1].pvid, "10 took the pvid from the default VLAN 1")
    local br = {}
    for _, v in ipairs(bridge_vlan_list({ ns = "sw", dev = "br0" })) do br[v.vid] = v end
    assert.is_not_nil(br[10])
    -- bridge -j vlan show: [{ ifname, vlans = { { vlan, flags = { "PVID", "Egress Untagged" } } } }]
    local shown = {}
    for _, port in ipairs(bridge_json("vlan", "sw")) do
      for _, v in ipairs(port.vlans) do
        shown[port.ifname .. "." .. v.vlan] = table.concat(v.flags or {}, ",")
        if v.vlanEnd then shown[port.ifname .. "." .. v.vlanEnd] = "" end
      end
    end
    assert.equal("PVID,Egress Untagged", shown["p1.10"])
    assert.equal("", shown["p1.20"])
    assert.equal("", shown["p1.22"])
    assert.is_not_nil(shown["br0.10"])
    bridge_vlan_del("p1", "20-22", { ns = "sw" })
    bridge_vlan_del("br0", 10, { ns = "sw", self = true })
    for _, v in ipairs(bridge_vlan_list({ ns = "sw" })) do
      assert.is_false(v.vid >= 20 and v.vid <= 22, "vid " .. v.vid .. " left on " .. v.dev)
      assert.is_false(v.dev == "br0" and v.vid == 10)
    end
    -- an fdb entry of a VLAN of the port, and of one it lacks
    fdb_add("02:aa:00:00:00:01", { ns = "sw", dev = "p1", vlan = 10 })
    local f = fdb_list({ ns = "sw", dev = "p1" })
    local found
    for _, x in ipairs(f) do if x.mac == "02:aa:00:00:00:01" then found = x end end
    assert.equal(10, found.vlan)
    assert.equal("fdb_add: 02:aa:00:00:00:02: VLAN 30 is not one of p1's (bridge_vlan_add)",
      tostring(N.err(fdb_add, "02:aa:00:00:00:02", { ns = "sw", dev = "p1", vlan = 30 })))
    fdb_del("02:aa:00:00:00:01", { ns = "sw", dev = "p1", vlan = 10 })
  end)

  it("a trunk port carries the VLAN tagged to a host's vlan link; the access port untagged #kernel", function()
    if not N.needs() then return end
    switch(2, { vlan_filtering = true })
    bridge_vlan_add("p1", 10, { ns = "sw", pvid = true, untagged = true })
    bridge_vlan_del("p1", 1, { ns = "sw" })
    bridge_vlan_add("p2", 10, { ns = "sw" }) -- tagged
    bridge_vlan_del("p2", 1, { ns = "sw" })
    assert.is_true(silent("h1", "10.61.0.2"), "h2's untagged eth0 is in no VLAN of p2")
    addr_del("eth0", "10.61.0.2/24", { ns = "h2" })
    K.make(vlan_add, "v10", "eth0", 10, { ns = "h2", up = true })
    addr_add("v10", "10.61.0.2/24", { ns = "h2" })
    assert.is_true(ping("h1", "10.61.0.2"), "tagged 10 on the trunk, untagged on the access port")
    bridge_vlan_del("p2", 10, { ns = "sw" })
    assert.is_true(silent("h1", "10.61.0.2"))
  end)

  -- tools/testing/selftests/net/forwarding/bridge_vlan_aware.sh, re-expressed:
  -- hosts ping over a VLAN-aware bridge whose ports are pvid/untagged
  -- members of one VLAN; the bridge learns with the VLAN; removing the
  -- VLAN from a port cuts it off, adding it back heals it; a host in
  -- another VLAN stays unreachable.
  it("bridge_vlan_aware.sh: ping, learning with the vid, the vid removed and restored #kernel", function()
    if not N.needs() then return end
    local t = nsl.topology {
      prefix = "bva-",
      namespaces = { "h1", "h2", "h3" },
      bridges = { br0 = { subnet = "192.0.2.0/24", vlan_filtering = true, vlans = 10 } },
      links = {
        { "h1", "br0", vlans = 10 },
        { "h2", "br0", vlans = 10 },
        { "h3", "br0", vlans = 20 },
      },
    }
    finally(function() t:down() end)
    K.make(function() t:up() end)
    local h1, h2, h3 = "bva-h1", "bva-h2", "bva-h3"
    local a2 = T.sh("ip -n " .. h2 .. " -j -4 addr show dev eth0")
    local addr2 = json.decode(a2.out)[1].addr_info[1]["local"]
    local addr3 = json.decode(T.sh("ip -n " .. h3 .. " -j -4 addr show dev eth0").out)[1].addr_info[1]["local"]
    assert.is_true(ping(h1, addr2), "h1 reaches h2 over VLAN 10")
    assert.is_true(ping(h1, "192.0.2.1"), "h1 reaches the bridge's address in VLAN 10")
    assert.is_true(silent(h1, addr3), "h3 is in VLAN 20")
    -- each port is in its VLAN only, pvid and untagged
    local by = {}
    for _, v in ipairs(bridge_vlan_list()) do by[v.dev .. "." .. v.vid] = v end
    assert.same({ dev = "bva-vh1", vid = 10, pvid = true, untagged = true }, by["bva-vh1.10"])
    assert.is_nil(by["bva-vh1.1"], "the default VLAN 1 is gone")
    assert.is_true(by["bva-vh3.20"].pvid)
    -- learning with the vid: h1's MAC on its port in VLAN 10
    local mac1 = link_get("eth0", { ns = h1 }).address
    local learnt
    for _, f in ipairs(fdb_list({ dev = "bva-vh1" })) do
      if f.mac == mac1 and f.vlan == 10 then learnt = f end
    end
    assert.is_not_nil(learnt, "h1's MAC learnt in VLAN 10")
    assert.equal("dynamic", learnt.state)
    -- the vid removed from h2's port: cut off; restored: reachable again
    bridge_vlan_del("bva-vh2", 10)
    assert.is_true(silent(h1, addr2))
    bridge_vlan_add("bva-vh2", 10, { pvid = true, untagged = true })
    assert.is_true(ping(h1, addr2))
  end)

  it("a description refuses vlans without vlan_filtering, off a bridge, or out of range", function()
    local function msg(d) return select(2, pcall(nsl.topology, d)) end
    assert.equal("topology: link h1-br0: vlans need bridge br0 to have vlan_filtering = true",
      msg { namespaces = { "h1" }, bridges = { br0 = {} }, links = { { "h1", "br0", vlans = 10 } } })
    assert.equal("topology: link h1-h2: vlans are for a bridge port, and neither end is a bridge",
      msg { namespaces = { "h1", "h2" }, links = { { "h1", "h2", vlans = 10 } } })
    assert.equal("topology: link h1-br0: VLAN id 4095: must be 1 to 4094",
      msg { namespaces = { "h1" }, bridges = { br0 = { vlan_filtering = true } }, links = { { "h1", "br0", vlans = 4095 } } })
    assert.equal("topology: unknown key 'pvd' in link h1-br0 vlans (did you mean 'pvid'?)",
      msg { namespaces = { "h1" }, bridges = { br0 = { vlan_filtering = true } },
            links = { { "h1", "br0", vlans = { 10, pvd = 10 } } } })
    assert.equal("topology: bridge br0: vlans need vlan_filtering = true", msg { bridges = { br0 = { vlans = 10 } } })
    assert.equal("topology: bridge br0: stp must be true or false", msg { bridges = { br0 = { stp = 1 } } })
  end)

  it("a description's trunk port: tagged VLANs and ranges, its pvid last", function()
    local t = nsl.topology { namespaces = { "h1" }, bridges = { br0 = { vlan_filtering = true } },
      links = { { "h1", "br0", vlans = { 10, "30-40", pvid = 35 } } } }
    local whats = {}
    for _, s in ipairs(require("nsl.topo.plan")(t)) do
      if s.what:match("^vlan") then whats[#whats + 1] = s.what:gsub(" on .*", "") end
    end
    assert.same({ "vlan 10", "vlan 30-40", "vlan 35 pvid", "vlan 1 removed" }, whats)
    local d = t:diagram()
    assert.matches("%] bridge vlan_filtering ", d)
    assert.matches("<%-> h1 %[eth0%] vlans 10,30%-40 pvid 35", d)
  end)

  it("leaves nothing behind", function()
    if not N.needs() then return end
    N.assert_clean()
  end)
end)
