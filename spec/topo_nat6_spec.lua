-- IPv6 in nat = true and publish: NAT66 (masquerade) of a bridge's or a
-- host link's IPv6 subnet, ports published on the host's IPv6
-- addresses, IPv6 forwarding held and given back like ip_forward, by
-- down and by --clean after a SIGKILL.  socat and nft are the witnesses.
local T = require "spec.support.util"
local N = require "spec.support.net"
local nsl = require "nsl"

local function world(extra)
  local d = {
    prefix = "n6-", dad = false,
    namespaces = { inside = {}, internet = {} },
    bridges = { br0 = { subnet = { "10.77.0.0/24", "fd77::/64" }, nat = true } },
    links = { { "inside", "br0" },
              { "internet", "host", address = { host = { "203.0.113.1/24", "2001:db8::1/64" },
                                                 internet = { "203.0.113.2/24", "2001:db8::2/64" } } } },
  }
  for k, v in pairs(extra or {}) do d[k] = v end
  return d
end

local function fetch(t, node, target)
  local r = t:exec(node, { "socat", "-T2", "-", target .. ",connect-timeout=1" },
    { capture = true, stdin = "", timeout = 5 })
  return r.ok and r.stdout or nil, r.stderr
end

local function wait_port(t, node, port)
  for _ = 1, 100 do
    if t:exec(node, { "sh", "-c", "ss -lnt | grep -q ':" .. port .. " '" }).ok then return end
    nsl.sleep(0.02)
  end
end

local function fwd6() return nsl.sysctl("net.ipv6.conf.all.forwarding") end

describe("NAT66 and IPv6 published ports #netns", function()
  before_each(function()
    if T.sandboxed() then
      nsl.link_set("lo", { up = true })
      nsl.sysctl("net.ipv6.conf.all.forwarding", "0")
      nsl.sysctl("net.ipv4.ip_forward", "0")
    end
  end)
  after_each(N.wipe)

  it("masquerades a nat bridge's IPv6 subnet: the far server sees the host's IPv6 address", function()
    if not N.needs() then return end
    local t <close> = nsl.topology(world()):up()
    assert.equal("1", fwd6())
    assert.matches("ip6 saddr fd77::/64 ip6 daddr != fd77::/64 masquerade", T.sh("nft list table inet nsl-n6").out, 1, true)
    -- the namespace got an IPv6 default route through the bridge
    assert.matches("default via fd77::1", T.sh("ip -n n6-inside -6 route").out, 1, true)
    t:exec("internet", { "socat", "TCP6-LISTEN:7000,reuseaddr,fork", "SYSTEM:echo $SOCAT_PEERADDR" },
      { background = true })
    wait_port(t, "internet", 7000)
    local out, err = fetch(t, "inside", "TCP6:[2001:db8::2]:7000")
    assert.equal("[2001:0db8:0000:0000:0000:0000:0000:0001]\n", out, err)
    t:down()
    assert.equal("0", fwd6(), "IPv6 forwarding given back")
  end)

  it("publishes a port on the host's IPv6 addresses too", function()
    if not N.needs() then return end
    local t <close> = nsl.topology(world { namespaces = { inside = { publish = { [8080] = 80 } }, internet = {} } }):up()
    t:exec("inside", { "socat", "TCP6-LISTEN:80,reuseaddr,fork", "SYSTEM:echo hello-inside" }, { background = true })
    wait_port(t, "inside", 80)
    local out, err = fetch(t, "internet", "TCP6:[2001:db8::1]:8080")
    assert.equal("hello-inside\n", out, err)
    out, err = fetch(t, "internet", "TCP4:203.0.113.1:8080")
    assert.equal("hello-inside\n", out, err)
    -- [::1] is not published (IPv6 has no route_localnet): refused at once, not hung
    local t0 = nsl.now()
    local r = nsl.spawn({ "socat", "-T2", "-", "TCP6:[::1]:8080,connect-timeout=2" },
      { capture = true, stdin = "", timeout = 5 })
    assert.is_false(r.ok)
    assert.matches("Connection refused", r.stderr, 1, true)
    assert.truthy(nsl.now() - t0 < 1)
    assert.matches("publish tcp 8080 -> 10.77.0.2:80, [fd77::2]:80 (namespace inside)",
      table.concat(require("nsl.topo.nat").summary(t.model), "\n"), 1, true)
  end)

  it("a link to host with an IPv6 subnet and nat = true masquerades both families", function()
    if not N.needs() then return end
    local _ <close> = nsl.topology { prefix = "n6-", dad = false, namespaces = { "a" },
      links = { { "a", "host", subnet = { "10.78.0.0/24", "fd78::/64" }, nat = true } } }:up()
    local rules = T.sh("nft list table inet nsl-n6").out
    assert.matches("ip saddr 10.78.0.0/24", rules, 1, true)
    assert.matches("ip6 saddr fd78::/64", rules, 1, true)
    assert.matches("default via fd78::2", T.sh("ip -n n6-a -6 route").out, 1, true) -- the host end
    assert.equal("1", fwd6())
  end)

  it("leaves IPv6 forwarding alone for an IPv4-only nat", function()
    if not N.needs() then return end
    local _ <close> = nsl.topology { prefix = "n6-", namespaces = { "a" },
      bridges = { br0 = { subnet = "10.79.0.0/24", nat = true } }, links = { { "a", "br0" } } }:up()
    assert.equal("0", fwd6())
    assert.equal("1", nsl.sysctl("net.ipv4.ip_forward"))
  end)
end)

describe("forwarding after a SIGKILL #netns", function()
  it("--clean gives back both ip_forward and IPv6 forwarding a killed run switched on", function()
    if not N.needs() then return end
    nsl.sysctl("net.ipv6.conf.all.forwarding", "0")
    nsl.sysctl("net.ipv4.ip_forward", "0")
    local dir = T.tmpdir()
    finally(function() T.rm(dir); N.wipe() end)
    local script = dir .. "/k.lua"
    T.write(script, [[
local t = nsl.topology { prefix = "k6-", dad = false, namespaces = { "inside" },
  bridges = { br0 = { subnet = { "10.85.0.0/24", "fd85::/64" }, nat = true } }, links = { { "inside", "br0" } } }
t:up()
io.stdout:write("up\n"); io.stdout:flush()
nsl.sleep(30)
]])
    local p = nsl.spawn({ T.nsl, script }, { background = true })
    local up = false
    for _ = 1, 100 do
      if nsl.sysctl("net.ipv6.conf.all.forwarding") == "1" and T.sh("ip netns list").out:find("k6-inside", 1, true)
          and T.sh("nft list tables").out:find("nsl-k6", 1, true) then up = true break end
      nsl.sleep(0.05)
    end
    assert.is_true(up, "the run came up")
    nsl.sleep(0.2)
    p:kill("KILL")
    p:wait()
    assert.equal("1", nsl.sysctl("net.ipv4.ip_forward"), "a SIGKILL leaves it on")
    assert.equal("1", nsl.sysctl("net.ipv6.conf.all.forwarding"), "a SIGKILL leaves it on")
    local r = T.run({ "--clean" })
    assert.equal(0, r.code, r.err)
    assert.matches("setting net.ipv6.conf.all.forwarding given back", r.out, 1, true)
    assert.equal("0", nsl.sysctl("net.ipv4.ip_forward"))
    assert.equal("0", nsl.sysctl("net.ipv6.conf.all.forwarding"))
    assert.equal("", T.sh("ip netns list").out)
  end)
end)

describe("after the NAT66 specs #netns", function()
  it("nothing is left", function()
    if not N.needs() then return end
    N.assert_clean()
    assert.not_matches("nsl%-", T.sh("nft list tables").out)
  end)
end)
