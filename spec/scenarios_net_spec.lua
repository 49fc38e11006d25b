-- The network scenarios of SCENARIOS.md done with the primitives, step by
-- step as the articles do them with ip; checked with ip and ping.
local T = require "spec.support.util"
local nt = require "nsl.test"
local N = require "spec.support.net"

-- One reply within 3 s (sent again each second: a veth's carrier comes a
-- moment after it is set up, and a loaded machine's first resolution can
-- outlast one wait).
local function ping(ns, addr)
  local cmd = "ping -c1 -w3 " .. addr
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
    -- inside once ip netns exec has become the sleep (before it, ip may
    -- not have opened the namespace yet, and would find no netns1)
    nt.eventually(function()
      return T.slurp("/proc/" .. pid .. "/comm") == "sleep\n", "ip netns exec did not become the sleep"
    end)
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

  it("gives netns1 its own, empty firewall rules", function()
    if not N.needs() then return end
    if T.sh("command -v iptables").code ~= 0 then return pending("iptables is not installed") end
    T.sh("iptables -A INPUT -s 192.0.2.99 -j DROP")   -- a rule in the root only
    finally(function() T.sh("iptables -D INPUT -s 192.0.2.99 -j DROP") end)
    ns_add("netns1")
    local r = N.in_ns("netns1", "iptables -S")
    assert.equal(0, r.code, r.err)
    assert.not_matches("192.0.2.99", r.out)
    assert.equal("-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n", r.out)
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

  it("moves a link to PID 1's namespace with the number 1, as ip link set ... netns 1", function()
    if not N.needs() then return end
    -- in a PID namespace of its own nsl is PID 1, and lives in the
    -- sandbox's root network namespace: 1 means the same as on a host
    ns_add("netns1")
    veth_add("veth0", "veth1", { peer_ns = "netns1" })
    local r = T.sh("unshare --pid --fork --mount-proc " .. T.quote(T.nsl) ..
      " -e 'link_set_ns(\"veth1\", 1, { ns = \"netns1\" })'")
    assert.equal(0, r.code, r.err)
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

describe("the network primitives under valgrind #netns", function()
  after_each(N.wipe)

  it("leak nothing and touch no uninitialised memory", function()
    if not N.needs() then return end
    if T.sh("command -v valgrind").code ~= 0 then return pending("valgrind is not installed") end
    if T.nsl:match("asan") then return pending("the ASan build is checked by ASan, not valgrind") end
    if not T.full() then return pending("valgrind is slow: make check-full runs it") end
    local script = [[
      ns_add("vg"); bridge_add("vgbr", { up = true })
      veth_add("vg0", "eth0", { peer_ns = "vg", master = "vgbr", up = true, mtu = 1400 })
      link_set("eth0", { up = true, ns = "vg" }); addr_add("eth0", "10.3.0.2/24", { ns = "vg" })
      route_add("default", { via = "10.3.0.1", ns = "vg" })
      assert(#link_list() > 0 and #addr_list({ ns = "vg" }) > 0 and #route_list({ ns = "vg" }) > 0)
      assert(link_get("vg0").peer == "eth0"); sysctl("net.ipv4.ip_forward", 1, { ns = "vg" })
      pcall(veth_add, "vg0", "x"); pcall(addr_add, "eth0", "10.3.0.2/99", { ns = "vg" })
      ns_add("vg2"); link_set_ns("eth0", "vg2", { ns = "vg" }); ns_del("vg2"); ns_del("vg")
    ]]
    local r = T.sh("valgrind -q --leak-check=full --show-leak-kinds=definite,indirect " ..
      "--errors-for-leak-kinds=definite,indirect --error-exitcode=99 " .. T.quote(T.nsl) ..
      " -e " .. T.quote(script))
    assert.equal(0, r.code, r.err)
  end)
end)

describe("after the scenario specs #netns", function()
  it("nothing is left: no namespace, no link but lo", function()
    if not N.needs() then return end
    N.assert_clean()
  end)
end)
