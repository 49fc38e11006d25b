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

-- socat from the root namespace (where the proxy listens).
local function fetch6(target, stdin)
  local r = nsl.spawn({ "socat", "-T5", "-t5", "-", "TCP6:" .. target .. ",connect-timeout=1" },
    { capture = true, stdin = stdin or "", timeout = 5 })
  return r.ok and r.stdout or nil, r.stderr
end

-- ss's line (with the process) of what listens on TCP port, "" when
-- nothing does.
local function listener(port)
  local r = nsl.spawn({ "ss", "-Hlntp", "sport = :" .. port }, { capture = true })
  return r.stdout
end

-- a datagram from the root namespace to target, its answer (nil when none)
local function ask6(target, line)
  local r = nsl.spawn({ "socat", "-T2", "-t2", "-", "UDP6:" .. target }, { capture = true, stdin = line, timeout = 5 })
  return r.ok and r.stdout ~= "" and r.stdout or nil, r.stderr
end

-- ss's line of what is bound on UDP port, "" when nothing is.
local function udp_listener(port)
  return nsl.spawn({ "ss", "-Hlnup", "sport = :" .. port }, { capture = true }).stdout
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
    -- [::1] through the proxy (IPv6 has no route_localnet for a DNAT)
    out, err = fetch6("[::1]:8080")
    assert.equal("hello-inside\n", out, err)
    assert.matches("publish tcp 8080 -> 10.77.0.2:80, [fd77::2]:80 (namespace inside)\n"
      .. "    and [::1]:8080 -> [fd77::2]:80 by a proxy process",
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

describe("[::1] published ports through a userland proxy #netns", function()
  before_each(function()
    if T.sandboxed() then nsl.link_set("lo", { up = true }) end
  end)
  after_each(N.wipe)

  local function only_v6(extra)
    local d = { prefix = "p6-", dad = false, namespaces = { inside = { publish = { [8080] = 80 } } },
      bridges = { br0 = { subnet = { "10.76.0.0/24", "fd76::/64" } } }, links = { { "inside", "br0" } } }
    for k, v in pairs(extra or {}) do d[k] = v end
    return d
  end

  it("[::1]:8080 reaches the node's service over IPv6, both ways, with a half-close; down closes it", function()
    if not N.needs() then return end
    local t <close> = nsl.topology(only_v6()):up()
    -- the server echoes what it reads until the client's EOF, then says bye:
    -- the EOF has to pass through the proxy for "bye" to come back
    t:exec("inside", { "socat", "-t5", "TCP6-LISTEN:80,reuseaddr,fork", "SYSTEM:cat; echo bye $SOCAT_PEERADDR" },
      { background = true })
    wait_port(t, "inside", 80)
    local big = string.rep("0123456789abcdef", 65536) -- 1 MiB, far past the relay's buffers
    local out, err = fetch6("[::1]:8080", big)
    assert.equal(big .. "bye [fd76:0000:0000:0000:0000:0000:0000:0001]\n", out, err)
    assert.matches('users:%(%("nsl[%w-]*",pid=', listener(8080)) -- nsl's fork
    -- many connections open at once, each answered on its own
    local cs = {}
    for i = 1, 40 do cs[i] = nsl.connect("tcp", "[::1]:8080", { timeout = 2 }) end
    for i = 1, 40 do cs[i]:send("n" .. i .. "\n") end
    for i = 1, 40 do
      local got = ""
      while #got < #("n" .. i .. "\n") do
        local part = cs[i]:recv(100, 5)
        if not part or part == "" then break end
        got = got .. part
      end
      assert.equal("n" .. i .. "\n", got)
    end
    for i = 1, 40 do cs[i]:close() end
    t:down()
    assert.equal("", listener(8080))
    out, err = fetch6("[::1]:8080")
    assert.is_nil(out)
    assert.matches("Connection refused", err, 1, true)
  end)

  it("a node with IPv4 only is reached from [::1] over IPv4", function()
    if not N.needs() then return end
    local _ <close> = nsl.topology(only_v6 { bridges = { br0 = { subnet = "10.76.0.0/24" } } }):up()
    nsl.ns_exec("p6-inside", { "socat", "TCP4-LISTEN:80,reuseaddr,fork", "SYSTEM:echo v4 $SOCAT_PEERADDR" },
      { background = true })
    for _ = 1, 100 do
      if #nsl.sock_list { ns = "p6-inside", state = "listen", port = 80 } > 0 then break end
      nsl.sleep(0.02)
    end
    local out, err = fetch6("[::1]:8080")
    assert.equal("v4 10.76.0.1\n", out, err)
  end)

  it("leaves a bystander on another port of ::1 alone, and up fails on a taken port, naming it", function()
    if not N.needs() then return end
    local by <close> = nsl.listen("tcp", "[::1]:8081")
    local taken <close> = nsl.listen("tcp", "[::1]:8082")
    assert.truthy(taken:fd() >= 0)
    local t <close> = nsl.topology(only_v6 { namespaces = { inside = { publish = { [8080] = 80 } } } }):up()
    t:down()
    -- the bystander still listens: a client gets through to it
    local c <close> = nsl.connect("tcp", "[::1]:8081", { timeout = 1 })
    local a <close> = by:accept()
    c:send("still here")
    assert.equal("still here", a:recv(100, 2))
    local ok, e = pcall(function()
      nsl.topology(only_v6 { namespaces = { inside = { publish = { [8082] = 80 } } } }):up()
    end)
    assert.is_false(ok)
    assert.matches("proxy: [::1]:8082: Address already in use", tostring(e), 1, true)
    N.assert_clean()
  end)

  it("[::1]:5353 reaches a published UDP port; each client gets its own answers; down closes it", function()
    if not N.needs() then return end
    local t <close> = nsl.topology(only_v6 { namespaces = { inside = { publish = { proto = "udp", [5353] = 53 } } } }):up()
    t:exec("inside", { "socat", "UDP6-RECVFROM:53,fork", "SYSTEM:read x; echo pong $x $SOCAT_PEERADDR" },
      { background = true })
    for _ = 1, 100 do
      if #nsl.sock_list { ns = "p6-inside", proto = "udp", port = 53 } > 0 then break end
      nsl.sleep(0.02)
    end
    local out, err = ask6("[::1]:5353", "ping\n")
    assert.equal("pong ping [fd76:0000:0000:0000:0000:0000:0000:0001]\n", out, err)
    assert.matches('users:%(%("nsl[%w-]*",pid=', udp_listener(5353)) -- nsl's fork
    assert.matches("publish udp 5353 -> 10.76.0.2:53, [fd76::2]:53 (namespace inside)\n"
      .. "    and [::1]:5353 -> [fd76::2]:53 by a proxy process",
      table.concat(require("nsl.topo.nat").summary(t.model), "\n"), 1, true)
    -- two clients at once, each sent only its own answer
    local a <close> = nsl.connect("udp", "[::1]:5353", { timeout = 2 })
    local b <close> = nsl.connect("udp", "[::1]:5353", { timeout = 2 })
    a:send("from-a\n")
    b:send("from-b\n")
    assert.matches("^pong from%-b ", b:recv(200, 5))
    assert.matches("^pong from%-a ", a:recv(200, 5))
    a:send("again-a\n")
    assert.matches("^pong again%-a ", a:recv(200, 5))
    t:down()
    assert.equal("", udp_listener(5353))
    assert.is_nil((ask6("[::1]:5353", "ping\n")))
  end)

  it("a UDP proxy forgets a client idle for idle seconds, keeps max clients, and holds its port alone", function()
    if not N.needs() then return end
    local echo <close> = nsl.listen("udp", "127.0.0.1:9053")
    local _ <close> = nsl.proxy("[::1]:9054", "127.0.0.1:9053", { proto = "udp", idle = 1, max = 2 })
    -- a taken UDP port is the caller's error at once, as TCP's is
    local ok, e = pcall(nsl.proxy, "[::1]:9054", "127.0.0.1:9053", { proto = "udp" })
    assert.is_false(ok)
    assert.matches("proxy: [::1]:9054: Address already in use", tostring(e), 1, true)
    -- the proxy's sockets to the target, as ss sees them
    local function upstream()
      local r = nsl.spawn({ "ss", "-Hnup", "dport = :9053" }, { capture = true })
      local n = 0
      for _ in r.stdout:gmatch("[^\n]+") do n = n + 1 end
      return n
    end
    local cs = {}
    for i = 1, 3 do
      cs[i] = nsl.connect("udp", "[::1]:9054", { timeout = 2 })
      cs[i]:send("c" .. i)
      assert.equal("c" .. i, echo:recv(100, 2))
    end
    assert.equal(2, upstream(), "the third client took the longest silent one's place")
    for _ = 1, 150 do
      if upstream() == 0 then break end
      nsl.sleep(0.02)
    end
    assert.equal(0, upstream(), "idle clients forgotten")
    cs[1]:send("back")
    assert.equal("back", echo:recv(100, 2))
    for i = 1, 3 do cs[i]:close() end
  end)

  it("bad arguments to proxy give one line naming the call", function()
    local function err(...)
      local ok, e = pcall(nsl.proxy, ...)
      assert.is_false(ok)
      e = tostring(e)
      assert.is_nil(e:find("\n"), e)
      return e
    end
    assert.matches("proxy: x:1: not an IPv4 or IPv6 address", err("x:1", "[::1]:80"), 1, true)
    assert.matches("proxy: [::1]:0: port must be 1 to 65535", err("[::1]:0", "10.0.0.1:80"), 1, true)
    assert.matches("proxy: 10.0.0.1: expected address:port", err("[::1]:80", "10.0.0.1"), 1, true)
    assert.matches("proxy: unknown option 'maxx' (did you mean 'max'?)",
      err("[::1]:9", "10.0.0.1:80", { maxx = 1 }), 1, true)
    assert.matches("bad argument #2 to '[%w.]*proxy' %(string expected, got no value%)", err("[::1]:9"))
    assert.matches("proxy", err("[::1]:9", "10.0.0.1:80", { max = 0 }), 1, true)
    assert.matches("proxy: option 'proto': \"tcp\" or \"udp\" expected, got \"sctp\"",
      err("[::1]:9", "10.0.0.1:80", { proto = "sctp" }), 1, true)
    assert.matches("proxy: unknown option 'prot' (did you mean 'proto'?)",
      err("[::1]:9", "10.0.0.1:80", { prot = "udp" }), 1, true)
    assert.matches("proxy: option 'idle': only for proto = \"udp\"", err("[::1]:9", "10.0.0.1:80", { idle = 5 }), 1, true)
    assert.matches("proxy", err("[::1]:9", "10.0.0.1:80", { proto = "udp", idle = 0 }), 1, true)
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

describe("the [::1] proxy after a SIGKILL #netns", function()
  it("is gone with the killed run, UDP's too, and --clean finds nothing of them left", function()
    if not N.needs() then return end
    nsl.link_set("lo", { up = true })
    local dir = T.tmpdir()
    finally(function() T.rm(dir); N.wipe() end)
    local script = dir .. "/k.lua"
    T.write(script, [[
local t = nsl.topology { prefix = "kp-", dad = false,
  namespaces = { inside = { publish = { [8091] = 80 } }, dns = { publish = { proto = "udp", [8092] = 53 } } },
  bridges = { br0 = { subnet = { "10.84.0.0/24", "fd84::/64" } } }, links = { { "inside", "br0" }, { "dns", "br0" } } }
t:up()
nsl.sleep(30)
]])
    local p = nsl.spawn({ T.nsl, script }, { background = true })
    local up = false
    for _ = 1, 200 do
      if listener(8091) ~= "" and udp_listener(8092) ~= "" then up = true break end
      nsl.sleep(0.05)
    end
    assert.is_true(up, "the proxy listens")
    local pid = tonumber(listener(8091):match("pid=(%d+)"))
    assert.truthy(pid and pid ~= p.pid, "the proxy is a process of its own")
    local upid = tonumber(udp_listener(8092):match("pid=(%d+)"))
    assert.truthy(upid and upid ~= p.pid and upid ~= pid, "the UDP proxy is a process of its own")
    p:kill("KILL")
    p:wait()
    local r = T.run({ "--clean" })
    assert.equal(0, r.code, r.err)
    for _ = 1, 100 do
      if not io.open("/proc/" .. pid .. "/stat") and not io.open("/proc/" .. upid .. "/stat") then break end
      nsl.sleep(0.02)
    end
    assert.is_nil(io.open("/proc/" .. pid .. "/stat"), "the proxy process is gone")
    assert.is_nil(io.open("/proc/" .. upid .. "/stat"), "the UDP proxy process is gone")
    assert.equal("", listener(8091))
    assert.equal("", udp_listener(8092))
    assert.equal("", nsl.spawn({ "sh", "-c", "pgrep -af /k[.]lua || true" }, { capture = true }).stdout)
  end)
end)

describe("after the NAT66 specs #netns", function()
  it("nothing is left", function()
    if not N.needs() then return end
    N.assert_clean()
    assert.not_matches("nsl%-", T.sh("nft list tables").out)
  end)
end)
