-- The network scenarios of SCENARIOS.md done with the primitives, step by
-- step as the articles do them with ip; checked with ip and ping.
local T = require "spec.support.util"
local N = require "spec.support.net"

local function ping(ns, addr)
  local cmd = "ping -c1 -W1 " .. addr
  return ns and N.in_ns(ns, cmd) or T.sh(cmd)
end

describe("S1: a network namespace from scratch #netns", function()
  after_each(N.wipe)

  it("creates netns1, which ip netns sees and which outlives its name while used", function()
    if not N.needs() then return end
    ns_add("netns1")
    assert.same({ "netns1" }, N.ip_netns())
    assert.is_true(ns_exists("netns1"))
    local pid = T.sh("ip netns exec netns1 sleep 30 >/dev/null 2>&1 & echo $!").out:match("%d+")
    finally(function() T.sh("kill " .. pid) end)
    T.sh("sleep 0.2")
    ns_del("netns1")
    assert.same({}, N.ip_netns())
    assert.equal(0, T.sh("nsenter --net=/proc/" .. pid .. "/ns/net ip link show lo").code)
  end)

  it("has only lo inside, down; ping 127.0.0.1 is unreachable until lo is up", function()
    if not N.needs() then return end
    ns_add("netns1")
    local links = link_list({ ns = "netns1" })
    assert.equal(1, #links)
    assert.equal("lo", links[1].name)
    assert.is_false(links[1].up)
    local r = ping("netns1", "127.0.0.1")
    assert.are_not.equal(0, r.code)
    assert.matches("Network is unreachable", r.out .. r.err)
    link_set("lo", { up = true, ns = "netns1" })
    r = ping("netns1", "127.0.0.1")
    assert.equal(0, r.code, r.out .. r.err)
  end)

  it("joins netns1 to the root namespace by a veth pair: ping works both ways", function()
    if not N.needs() then return end
    ns_add("netns1")
    veth_add("veth0", "veth1")
    link_set_ns("veth1", "netns1")
    addr_add("veth1", "10.1.1.1/24", { ns = "netns1" })
    link_set("veth1", { up = true, ns = "netns1" })
    addr_add("veth0", "10.1.1.2/24")
    link_set("veth0", { up = true })
    local r = ping(nil, "10.1.1.1")
    assert.equal(0, r.code, r.out .. r.err)
    r = ping("netns1", "10.1.1.2")
    assert.equal(0, r.code, r.out .. r.err)
  end)

  it("gives netns1 its own routing table: only the connected route", function()
    if not N.needs() then return end
    ns_add("netns1")
    veth_add("veth0", "veth1", { peer_ns = "netns1" })
    addr_add("veth1", "10.1.1.1/24", { ns = "netns1" })
    link_set("veth1", { up = true, ns = "netns1" })
    local routes = route_list({ ns = "netns1", family = "inet" })
    assert.equal(1, #routes)
    assert.equal("10.1.1.0/24", routes[1].dst)
    assert.equal("veth1", routes[1].dev)
    assert.equal("", N.in_ns("netns1", "ip route show table main | grep -v 10.1.1.0/24").out)
    for _, r in ipairs(route_list({ family = "inet" })) do
      assert.are_not.equal("10.1.1.0/24", r.dst)   -- the root knows nothing of it
    end
  end)

  it("moves a link back to the namespace of a process by its pid", function()
    if not N.needs() then return end
    -- `ip link set veth1 netns 1` names init; the sandbox shares the
    -- host's PID namespace, so PID 1 would be the host's network: this
    -- nsl process (the sandbox's root namespace) stands in for it.
    local me = tonumber(T.sh("echo $PPID").out:match("%d+"))
    ns_add("netns1")
    veth_add("veth0", "veth1", { peer_ns = "netns1" })
    link_set_ns("veth1", me, { ns = "netns1" })
    assert.is_not_nil(N.ip_link("veth1"))
    assert.same({ "lo" }, N.ip_link_names("netns1"))
  end)
end)

describe("S5: a Docker-style bridge network #netns", function()
  after_each(N.wipe)

  it("lets ns0 ping ns1 through br0, and both ping the bridge", function()
    if not N.needs() then return end
    for _, ns in ipairs({ "ns0", "ns1" }) do
      ns_add(ns)
      link_set("lo", { up = true, ns = ns })
    end
    bridge_add("br0", { up = true })
    addr_add("br0", "192.168.2.1/24")
    for i = 0, 1 do
      local ns, host, cont = "ns" .. i, "veth" .. i, "ceth" .. i
      veth_add(host, cont)
      link_set(host, { master = "br0", up = true })
      link_set_ns(cont, ns)
      link_set(cont, { up = true, ns = ns })
      addr_add(cont, "192.168.2." .. (i + 2) .. "/24", { ns = ns })
    end
    assert.equal("br0", link_get("veth0").master)
    assert.equal("ceth0", link_get("veth0").peer)
    assert.equal("ns0", link_get("veth0").peer_ns)
    local r = ping("ns0", "192.168.2.3")
    assert.equal(0, r.code, r.out .. r.err)
    assert.equal(0, ping("ns1", "192.168.2.2").code)
    assert.equal(0, ping("ns0", "192.168.2.1").code)
    assert.equal(0, ping("ns1", "192.168.2.1").code)
    ns_del("ns0")
    ns_del("ns1")
    link_del("br0")
  end)
end)

describe("after the scenario specs #netns", function()
  it("nothing is left: no namespace, no link but lo", function()
    if not N.needs() then return end
    N.assert_clean()
  end)
end)
