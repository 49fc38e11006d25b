-- Failure injection on a running topology (lua/nsl/topo/faults.lua):
-- t:link_down / t:link_up, t:impair, t:partition / t:heal, checked with
-- real traffic and ip -j as the witness.
local T = require "spec.support.util"
local N = require "spec.support.net"
local K = require "spec.support.kernel"
local nsl = require "nsl"

-- a - r - b, and c on a bridge with a.
local function world()
  return nsl.topology {
    namespaces = {
      r = { sysctl = { ["net.ipv4.ip_forward"] = 1 } },
      a = { routes = { default = "r" } },
      b = { routes = { default = "r" } },
      c = {},
    },
    bridges = { br0 = { subnet = "10.23.0.0/24" } },
    links = { { "a", "r", subnet = "10.21.0.0/24" }, { "b", "r", subnet = "10.22.0.0/24" },
              { "a", "br0" }, { "c", "br0" } },
  }:up()
end

-- wait: seconds for the reply (1; 0.3 for a ping that must fail)
local function ping(t, from, to, wait)
  return T.sh("ip netns exec " .. t:name(from) .. " ping -n -c1 -W" .. (wait or 1) .. " " ..
    (t:addr(to, from) or t:addr(to))).code == 0
end

local function up_of(t, node, peer)
  for _, e in ipairs(t.model.nodes[node].ifaces) do
    if e.peer.node.name == peer then
      return N.has_flag(N.ip_link(e.real, e.ns and e.ns.real), "UP")
    end
  end
end

describe("topology failure injection #netns", function()
  local t
  after_each(function()
    if t then t:down(); t = nil end
    N.wipe()
  end)

  it("link_down cuts both ends of the link between two nodes, link_up restores it", function()
    if not N.needs() then return end
    t = world()
    assert.is_true(ping(t, "a", "r"))
    t:link_down("a", "r")
    assert.is_false(up_of(t, "a", "r"))
    assert.is_false(up_of(t, "r", "a"))
    assert.is_false(ping(t, "a", "r", 0.3))
    assert.is_true(ping(t, "b", "r"))
    assert.same({ ["a-r"] = true }, t.faults.down)
    t:link_up("a", "r")
    assert.is_true(up_of(t, "a", "r") and up_of(t, "r", "a"))
    assert.is_nil(next(t.faults.down))
    -- the addresses and routes come back with the link
    local ok
    for _ = 1, 50 do
      ok = ping(t, "a", "b")
      if ok then break end
    end
    assert.is_true(ok)
  end)

  it("partition cuts every link between the groups, heal restores exactly what it cut", function()
    if not N.needs() then return end
    t = world()
    t:link_down("c", "br0")			-- down before: heal leaves it down
    assert.equal(2, t:partition({ "a", "c" }, { "r", "br0" }))	-- a-r, a-br0 (c-br0 already down)
    assert.is_false(up_of(t, "a", "r"))
    assert.is_false(up_of(t, "a", "br0"))
    assert.is_true(up_of(t, "b", "r"))
    assert.is_true(ping(t, "b", "r"))
    assert.is_false(ping(t, "a", "r", 0.3))
    assert.equal(2, t:heal())
    assert.is_true(up_of(t, "a", "r"))
    assert.is_true(up_of(t, "a", "br0"))
    assert.is_false(up_of(t, "c", "br0"))
    assert.equal(0, t:heal())
    local ok	-- a's default route through r is back: a reaches b
    for _ = 1, 50 do
      ok = ping(t, "a", "b")
      if ok then break end
    end
    assert.is_true(ok)
  end)

  it("refuses unknown nodes, nodes without a link, overlapping groups, a topology not up", function()
    if not N.needs() then return end
    t = world()
    assert.matches("topology: link_down: no node named x", tostring(N.err(t.link_down, t, "a", "x")))
    assert.matches("topology: link_down: no link between a and b", tostring(N.err(t.link_down, t, "a", "b")))
    assert.matches("topology: partition: a is in both groups", tostring(N.err(t.partition, t, { "a" }, { "a" })))
    assert.matches("topology: impair: per end, keys are the nodes a and r, got 'b'",
      tostring(N.err(t.impair, t, "a", "r", { a = { rate = "1mbit" }, b = { rate = "1mbit" } })))
    t:down()
    assert.matches("topology: heal: the topology is down, not up", tostring(N.err(t.heal, t)))
    t = nil
  end)

  it("impair sets both ends or each end live, read back by link_get, and removes it", function()
    if not N.needs() then return end
    t = world()
    t:impair("a", "r", { rate = "10mbit" })
    local ea, er = t:link_name("a", "eth0"), t:link_name("r", "eth0")
    assert.equal("10mbit", link_get(ea, { ns = t:name("a") }).impair.rate)
    assert.equal("10mbit", link_get(er, { ns = t:name("r") }).impair.rate)
    t:impair("a", "r", { r = { rate = "1mbit" } })
    assert.equal("10mbit", link_get(ea, { ns = t:name("a") }).impair.rate)
    assert.equal("1mbit", link_get(er, { ns = t:name("r") }).impair.rate)
    assert.same({ a = { rate = "10mbit" }, r = { rate = "1mbit" } }, t.faults.impair["a-r"])
    t:impair("a", "r", false)
    assert.is_nil(link_get(ea, { ns = t:name("a") }).impair)
    assert.is_nil(link_get(er, { ns = t:name("r") }).impair)
    assert.is_nil(t.faults.impair["a-r"])
  end)

  it("impair with a delay: ping between the nodes takes the delay twice #kernel", function()
    if not N.needs() then return end
    t = world()
    K.make(t.impair, t, "a", "r", { delay = "50ms" })
    local r = T.sh("ip netns exec " .. t:name("a") .. " ping -n -q -c3 -i 0.2 " .. t:addr("r", "a"))
    local avg = tonumber(r.out:match("= [%d.]+/([%d.]+)/"))
    assert.is_true(avg >= 100, "average RTT " .. tostring(avg))
  end)

  it("a link of the description carries impair, on both ends or per end", function()
    if not N.needs() then return end
    t = nsl.topology {
      namespaces = { "a", "b", "c" },
      links = { { "a", "b", impair = { rate = "10mbit" } },
                { "a", "c", impair = { c = { rate = "2mbit" } } } },
    }:up()
    local function impair(node, ifname)
      local l = link_get(t:link_name(node, ifname), { ns = t:name(node) })
      return l.impair
    end
    assert.same({ qdisc = "tbf", rate = "10mbit" }, impair("a", "eth0"))
    assert.same({ qdisc = "tbf", rate = "10mbit" }, impair("b", "eth0"))
    assert.is_nil(impair("a", "eth1"))
    assert.same({ qdisc = "tbf", rate = "2mbit" }, impair("c", "eth0"))
    t:link_down("a", "c")
    local shown = t:report()
    assert.matches("\nfaults\n  a%-b: a eth0: tbf rate 10mbit\n  a%-b: b eth0: tbf rate 10mbit\n" ..
      "  a%-c: down %(link_down%)\n  a%-c: c eth0: tbf rate 2mbit", shown)
    -- taken off, no longer shown (in t:show() and t:state())
    t:impair("a", "b", false)
    t:impair("a", "c", { c = false })
    assert.matches("\nfaults\n  a%-c: down %(link_down%)\nnamespace", t:report())
    assert.same({}, t:state().faults.impaired)
    assert.matches("topology: link a%-b: impair per end is keyed by its ends a and b, got 'c'",
      tostring(N.err(nsl.topology, { namespaces = { "a", "b" },
        links = { { "a", "b", impair = { a = { rate = "1mbit" }, c = {} } } } })))
    assert.matches("^up: link a%-b: impair .*link_impair: .*option 'delay'",
      tostring(N.err(function()
        nsl.topology { namespaces = { "a", "b" }, links = { { "a", "b", impair = { delay = "soon" } } } }:up()
      end)))
  end)

  it("exec on \"host\" runs the command in the root namespace; on a bridge, says it is not a namespace",
    function()
    if not N.needs() then return end
    t = world()
    local mine = T.sh("readlink /proc/self/ns/net").out
    local r = t:exec("host", { "readlink", "/proc/self/ns/net" }, { capture = true })
    assert.equal(mine, r.stdout)
    assert.is_true(t:exec("host", { "ip", "link", "show", t:name("br0") }, { capture = true }).ok)
    assert.matches("topology: exec: br0 is a bridge, not a namespace", tostring(N.err(t.exec, t, "br0", { "true" })))
    assert.matches("topology: no node named hots", tostring(N.err(t.exec, t, "hots", { "true" })))
  end)

  it("names one of two parallel links by an end, node:ifname; node, node still means every link", function()
    if not N.needs() then return end
    t = nsl.topology {
      namespaces = { "r1", "r2" },
      links = { { "r1", "r2", subnet = "10.31.0.0/30" }, { "r1", "r2", subnet = "10.32.0.0/30" } },
    }:up()
    local function up(node, ifname)
      return N.has_flag(N.ip_link(t:link_name(node .. ":" .. ifname), t:name(node)), "UP")
    end
    t:link_down("r1:eth1")
    assert.is_true(up("r1", "eth0") and up("r2", "eth0"))
    assert.is_false(up("r1", "eth1") or up("r2", "eth1"))
    assert.same({ ["r1-r2#2"] = true }, t.faults.down)
    assert.matches("\nfaults\n  r1%-r2#2: down %(link_down%)\n", t:report())
    t:link_up("r2:eth1", "r1:eth1")
    assert.is_true(up("r1", "eth1"))
    t:link_down("r1", "r2")
    assert.is_false(up("r1", "eth0") or up("r1", "eth1"))
    t:link_up("r1", "r2")
    t:impair("r2:eth0", { rate = "10mbit" })
    assert.equal("10mbit", link_get(t:link_name("r1", "eth0"), { ns = t:name("r1") }).impair.rate)
    assert.is_nil(link_get(t:link_name("r1", "eth1"), { ns = t:name("r1") }).impair)
    t:impair("r1:eth0", { r1 = false })
    assert.is_nil(link_get(t:link_name("r1", "eth0"), { ns = t:name("r1") }).impair)
    assert.equal("10mbit", link_get(t:link_name("r2", "eth0"), { ns = t:name("r2") }).impair.rate)
    assert.equal("eth1", t:link("r2:eth1").name)
    assert.matches("topology: link_down: r1 has no link end eth7 %(its ends: eth0, eth1%)",
      tostring(N.err(t.link_down, t, "r1:eth7")))
    assert.matches("topology: link_down: which link of r1%? name its other end, or the end as r1:IFNAME",
      tostring(N.err(t.link_down, t, "r1")))
    assert.matches("topology: impair: no node named r3 %(did you mean 'r1'%?%)",
      tostring(N.err(t.impair, t, "r3:eth0", { rate = "1mbit" })))
  end)

  it("leaves nothing behind", function()
    if not N.needs() then return end
    N.assert_clean()
  end)
end)
