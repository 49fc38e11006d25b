-- Topologies reaching out and in: nat = true, publish,
-- firewall, t:nft; the table inet nsl-<prefix> gone after down, rollback
-- and --clean while the root namespace's own rules stay byte for byte.
-- socat, curl and the nft command are the witnesses.
local T = require "spec.support.util"
local N = require "spec.support.net"
local nginx = require "spec.support.nginx"
local nsl = require "nsl"

local function ruleset()
  local r = T.sh("nft list ruleset")
  assert.equal(0, r.code, r.err)
  return r.out
end

-- A bystander table of the root namespace, made by the nft command.
local function bystander()
  local r = T.sh("nft -f -", { stdin = [[
table inet bystander {
  chain input { type filter hook input priority 0; policy accept; tcp dport 9 counter drop; }
  chain post { type nat hook postrouting priority 100; ip saddr 192.0.2.0/24 masquerade; }
}
]] })
  assert.equal(0, r.code, r.err)
  return ruleset()
end

-- inside sits on a nat bridge; internet plays the outside world, linked
-- to the host only.
local function world(extra)
  local d = {
    namespaces = { inside = {}, internet = {} },
    bridges = { br0 = { subnet = "10.77.0.0/24", nat = true } },
    links = { { "inside", "br0" },
              { "internet", "host", address = { host = "203.0.113.1/24", internet = "203.0.113.2/24" } } },
  }
  for k, v in pairs(extra or {}) do d[k] = v end
  return d
end

-- A TCP server in the internet namespace that answers with the peer
-- address socat saw.
local function peer_server(t)
  return t:exec("internet", { "socat", "TCP-LISTEN:7000,reuseaddr,fork", "SYSTEM:echo $SOCAT_PEERADDR" },
    { background = true })
end

-- connect: the connect timeout, 1 s by default; a fetch that must fail
-- (a DROP) gives it 0.3 s.
local function fetch(t, node, target, connect)
  local r = t:exec(node, { "socat", "-T2", "-", "TCP:" .. target .. ",connect-timeout=" .. (connect or 1) },
    { capture = true, stdin = "", timeout = 5 })
  return r.ok and r.stdout or nil, r.stderr
end

local function wait_port(t, node, port, udp)
  for _ = 1, 100 do
    if t:exec(node, { "sh", "-c", "ss -ln" .. (udp and "u" or "t") .. " | grep -q ':" .. port .. " '" }).ok then return end
    nsl.sleep(0.02)
  end
end

describe("nat, publish and firewall in topologies #netns", function()
  local before
  before_each(function()
    if T.sandboxed() then
      nsl.link_set("lo", { up = true })
      before = bystander()
    end
  end)
  after_each(function()
    if T.sandboxed() then
      assert.equal(before, ruleset()) -- every test leaves the root's rules as they were
      T.sh("nft delete table inet bystander")
    end
    N.wipe()
  end)

  it("masquerades a nat bridge's subnet: the far server sees the host's address (S1.8)", function()
    if not N.needs() then return end
    local fwd = nsl.sysctl("net.ipv4.ip_forward")
    local t <close> = nsl.topology(world()):up()
    assert.equal("1", nsl.sysctl("net.ipv4.ip_forward"))
    assert.matches("table inet " .. t:nft_table(), ruleset(), 1, true)
    assert.matches("masquerade 10.77.0.0/24 going out", t:report(), 1, true)
    peer_server(t)
    wait_port(t, "internet", 7000)
    assert.equal("203.0.113.1\n", (fetch(t, "inside", "203.0.113.2:7000")))
    t:down()
    assert.equal(before, ruleset())
    assert.equal(fwd, nsl.sysctl("net.ipv4.ip_forward"))
  end)

  it("masquerades a nat link to host", function()
    if not N.needs() then return end
    local t <close> = nsl.topology {
      namespaces = { "inside", "internet" },
      links = { { "inside", "host", subnet = "10.78.0.0/30", nat = true },
                { "internet", "host", address = { host = "203.0.113.1/24", internet = "203.0.113.2/24" } } },
    }:up()
    peer_server(t)
    wait_port(t, "internet", 7000)
    assert.equal("203.0.113.1\n", (fetch(t, "inside", "203.0.113.2:7000")))
  end)

  it("publishes a port: curl to the root namespace reaches nginx in a namespace", function()
    if not N.needs() then return end
    local dir = T.tmpdir()
    finally(function() T.rm(dir) end)
    local t <close> = nsl.topology(world {
      services = { web = { ns = "inside", cmd = nginx.setup(dir), ready = { port = 80 },
                           publish = { [8080] = 80 } } },
    }):up()
    for _, url in ipairs({ "http://127.0.0.1:8080/", "http://203.0.113.1:8080/" }) do
      local r = T.sh("curl -s -m 5 " .. url)
      assert.equal("hello from direct_netns\n", r.out, url .. ": " .. r.err)
    end
    -- from another namespace that reaches the root namespace
    local r = t:exec("internet", { "curl", "-s", "-m", "5", "http://203.0.113.1:8080/" }, { capture = true })
    assert.equal("hello from direct_netns\n", r.stdout, r.stderr)
    -- a port nobody published is not forwarded
    assert.is_false(T.sh("curl -s -m 2 http://127.0.0.1:8081/").code == 0)
  end)

  it("publishes UDP with proto = \"udp\"", function()
    if not N.needs() then return end
    local t <close> = nsl.topology(world { namespaces = { inside = { publish = { proto = "udp", [5353] = 53 } },
                                                          internet = {} } }):up()
    t:exec("inside", { "socat", "UDP-RECVFROM:53,fork", "SYSTEM:read x; echo pong" }, { background = true })
    wait_port(t, "inside", 53, true)
    local r = nsl.spawn({ "socat", "-T2", "-t2", "-", "UDP:127.0.0.1:5353" }, { capture = true, stdin = "ping\n", timeout = 5 })
    assert.equal("pong\n", r.stdout, r.stderr)
  end)

  it("applies a namespace's firewall at up: its DROP stops only its own traffic", function()
    if not N.needs() then return end
    local t <close> = nsl.topology(world {
      namespaces = { inside = {}, internet = {}, other = { firewall = [[
        add table inet fw
        add chain inet fw out { type filter hook output priority 0; }
        add rule inet fw out ip daddr 203.0.113.2 tcp dport 7000 drop
      ]] } },
      links = { { "inside", "br0" }, { "other", "br0" },
                { "internet", "host", address = { host = "203.0.113.1/24", internet = "203.0.113.2/24" } } },
    }):up()
    peer_server(t)
    wait_port(t, "internet", 7000)
    assert.equal("203.0.113.1\n", (fetch(t, "inside", "203.0.113.2:7000")))
    assert.is_nil((fetch(t, "other", "203.0.113.2:7000", 0.3)))
    assert.matches("203.0.113.2 tcp dport 7000 drop", t:nft("other", "list ruleset"), 1, true)
    assert.equal("", (nsl.nft_list({ ns = t:name("inside") })))
    -- t:nft later: the same rule in inside, and inside is cut off too
    t:nft("inside", "add table inet fw\nadd chain inet fw out { type filter hook output priority 0; }\n" ..
      "add rule inet fw out tcp dport 7000 drop")
    assert.is_nil((fetch(t, "inside", "203.0.113.2:7000", 0.3)))
  end)

  it("removes its table when up rolls back", function()
    if not N.needs() then return end
    local fwd = nsl.sysctl("net.ipv4.ip_forward")
    local t = nsl.topology(world {
      services = { broken = { ns = "inside", cmd = { "/nonexistent/cmd" } } },
    })
    local ok, err = pcall(t.up, t)
    assert.is_false(ok)
    assert.matches("service broken", tostring(err), 1, true)
    assert.equal(before, ruleset())
    assert.equal(fwd, nsl.sysctl("net.ipv4.ip_forward"))
  end)

  it("refuses bad input before anything is made", function()
    if not N.needs() then return end
    local function refused(d, pattern)
      local ok, err = pcall(nsl.topology, d)
      assert.is_false(ok, "accepted")
      assert.matches(pattern, tostring(err), 1, true)
    end
    refused(world { namespaces = { inside = { firewall = "add table inet fw\nadd chain inet fw c\nadd rule inet fw c tcp dport 80 drpo\n" },
                                   internet = {} } },
      "topology: namespace inside: firewall: line 3, column ")
    refused({ namespaces = { "a" }, bridges = { br0 = { nat = true } }, links = { { "a", "br0" } },
              addressing = { ipv4 = false } },
      "bridge br0: nat = true, but the bridge has no address")
    refused({ namespaces = { "a" }, bridges = { br0 = { ns = "a", subnet = "10.0.0.0/24", nat = true } } },
      "bridge br0: nat = true, but the bridge is inside namespace a")
    refused({ namespaces = { "a", "b" }, links = { { "a", "b", subnet = "10.0.0.0/30", nat = true } } },
      "link a-b: nat = true is for a link between a namespace and \"host\"")
    refused(world { namespaces = { inside = { publish = { [8080] = 80 } }, internet = { publish = { [8080] = 81 } } } },
      "publish: tcp port 8080 is already published by namespace inside")
    refused({ namespaces = { a = { publish = { [8080] = 80 } } } },
      "namespace a: publish: a has no IPv4 or IPv6 address the root namespace reaches")
    assert.same({}, N.ip_netns())
  end)
end)

describe("nsl --clean after a nat run was killed #netns", function()
  it("removes the nsl table and leaves the root's own rules byte for byte", function()
    if not N.needs() then return end
    nsl.link_set("lo", { up = true })
    nsl.sysctl("net.ipv4.ip_forward", "0")
    local before = bystander()
    local nap = string.format("78.%06d", math.random(0, 999999))
    local script, dir = T.script([[
      local t = nsl.topology {
        namespaces = { inside = { publish = { [8080] = 80 } } },
        bridges = { br0 = { subnet = "10.79.0.0/24", nat = true } },
        links = { { "inside", "br0" } },
        services = { stuck = { ns = "inside", cmd = { "sleep", "]] .. nap .. [[" }, ready = { port = 9, timeout = 60 } } },
      }
      print(t:nft_table()); io.stdout:flush()
      t:up()
    ]])
    finally(function()
      T.rm(dir)
      T.run({ "--clean" })
      T.sh("nft delete table inet bystander")
      N.wipe()
    end)
    local r = T.sh(T.quote(T.nsl) .. " " .. T.quote(script) .. " > " .. dir .. "/out & pid=$!; " ..
      "for i in $(seq 200); do grep -qs '^+proc' /run/nsl/$pid-* && break; sleep 0.05; done; " ..
      "kill -KILL $pid; wait $pid")
    assert.equal(137, r.code)
    local tname = T.slurp(dir .. "/out"):match("^(%S+)\n")
    assert.matches("table inet " .. tname .. " {", ruleset(), 1, true)
    assert.equal("1", nsl.sysctl("net.ipv4.ip_forward"))
    r = T.run({ "--clean" })
    assert.equal(0, r.code, r.err)
    assert.matches("removed nftables table inet " .. tname .. " (run ", r.out, 1, true)
    assert.matches("setting net.ipv4.ip_forward given back (run ", r.out, 1, true)
    assert.equal("0", nsl.sysctl("net.ipv4.ip_forward"), "ip_forward is off again, as before the run")
    assert.equal(before, ruleset())
    assert.equal("nothing to clean\n", T.run({ "--clean" }).out)
    T.sh("nft delete table inet bystander")
  end)
end)

describe("nsl --clean and a table of nsl's name it did not make #netns", function()
  it("leaves it: only a table marked with the dead run's id is deleted", function()
    if not N.needs() then return end
    local dead = "/run/nsl/999998-1"
    require("nsl.core")._mkdir("/run/nsl")
    T.write(dead, "+nft\tnsl-zz\n+nft\tnsl-zy\n")
    finally(function() os.remove(dead); T.sh("nft delete table inet nsl-zz; nft delete table inet nsl-zy") end)
    T.sh("nft add table inet nsl-zz") -- someone else's, of nsl's name
    T.sh("nft 'add table inet nsl-zy { comment \"nsl run 999998-1\"; }'") -- the dead run's
    local r = T.run({ "--clean" })
    assert.equal(0, r.code, r.err)
    assert.matches("removed nftables table inet nsl-zy (run 999998-1)", r.out, 1, true)
    assert.not_matches("nsl%-zz", r.out)
    assert.matches("table inet nsl-zz", ruleset(), 1, true)
    assert.not_matches("table inet nsl-zy", ruleset(), 1, true)
  end)
end)

describe("ip_forward shared by two nat runs #netns", function()
  it("stays on while a live run relies on it, and is given back by the last one out", function()
    if not N.needs() then return end
    nsl.sysctl("net.ipv4.ip_forward", "0")
    local function script(n)
      return T.script(string.format([[
        local t <close> = nsl.topology {
          namespaces = { "inside" },
          bridges = { br0 = { subnet = "10.%d.0.0/24", nat = true } },
          links = { { "inside", "br0" } },
        }
        t:up()
        print("up"); io.stdout:flush()
        io.read("l")
      ]], n))
    end
    local a, da = script(83)
    local b, db = script(84)
    finally(function()
      T.rm(da); T.rm(db)
      T.run({ "--clean" })
      N.wipe()
    end)
    -- a switches it on, b relies on it; a is killed, --clean leaves it on
    -- for b; b ends and gives it back.
    local r = T.sh("fifo=" .. da .. "/in; mkfifo $fifo; " ..
      T.quote(T.nsl) .. " " .. T.quote(a) .. " < $fifo > " .. da .. "/out & pa=$!; exec 4> $fifo; " ..
      "for i in $(seq 200); do grep -qs up " .. da .. "/out && break; sleep 0.05; done; " ..
      "mkfifo " .. db .. "/in; " .. T.quote(T.nsl) .. " " .. T.quote(b) .. " < " .. db .. "/in > " .. db .. "/out & pb=$!; exec 5> " .. db .. "/in; " ..
      "for i in $(seq 200); do grep -qs up " .. db .. "/out && break; sleep 0.05; done; " ..
      "kill -KILL $pa; wait $pa; echo a=$?; " .. T.quote(T.nsl) .. " --clean >/dev/null; " ..
      "echo during=$(cat /proc/sys/net/ipv4/ip_forward); echo >&5; wait $pb; echo b=$?; " ..
      "echo after=$(cat /proc/sys/net/ipv4/ip_forward)")
    assert.equal(0, r.code, r.err)
    assert.matches("a=137\n", r.out)
    assert.matches("during=1\n", r.out)
    assert.matches("b=0\n", r.out)
    assert.matches("after=0\n", r.out)
  end)
end)

describe("ip_forward a killed run switched on #netns", function()
  it("is given back by the next run that relies on it, which --clean leaves it to", function()
    if not N.needs() then return end
    -- the record of a run killed after switching ip_forward 0 -> 1
    local dead = "/run/nsl/999999-1"
    nsl.sysctl("net.ipv4.ip_forward", "1")
    require("nsl.core")._mkdir("/run/nsl")
    T.write(dead, "+sysctl\tnet.ipv4.ip_forward\t0\t1\n")
    finally(function() os.remove(dead); N.wipe() end)
    local t <close> = nsl.topology {
      namespaces = { "inside" },
      bridges = { br0 = { subnet = "10.85.0.0/24", nat = true } },
      links = { { "inside", "br0" } },
    }
    t:up()
    local removed = nsl.clean()
    assert.is_nil(io.open(dead), "the dead run's record is done with")
    assert.equal(0, #removed, "nothing given back while this run relies on it")
    assert.equal("1", nsl.sysctl("net.ipv4.ip_forward"))
    t:down()
    assert.equal("0", nsl.sysctl("net.ipv4.ip_forward"), "the value before the killed run, not the 1 it left")
  end)
end)

describe("nat and publish in descriptions #unit", function()
  it("give a nat bridge's namespaces a default route unless they describe one", function()
    local t = nsl.topology {
      prefix = "u-",
      namespaces = { a = {}, b = { routes = { default = "10.80.0.9" } } },
      bridges = { br0 = { subnet = "10.80.0.0/24", nat = true } },
      links = { { "a", "br0" }, { "b", "br0" } },
    }
    assert.same({ { dst = "default", via = "10.80.0.1", gateway = "nat" } }, t.model.nodes.a.routes)
    assert.equal("10.80.0.9", t.model.nodes.b.routes[1].via)
    assert.equal(1, #t.model.nodes.b.routes)
    assert.equal("nsl-u", t:nft_table())
  end)

  it("make one table: masquerade per subnet, DNAT in prerouting and output per published port", function()
    local t = nsl.topology {
      prefix = "u-",
      namespaces = { a = { publish = { [8080] = 80, [8443] = 443 } }, b = { publish = { proto = "udp", [5353] = 53 } } },
      bridges = { br0 = { subnet = "10.80.0.0/24", nat = true } },
      links = { { "a", "br0" }, { "b", "host", subnet = "10.81.0.0/30" } },
    }
    local rules = require("nsl.topo.nat").rules(t.model)
    local function has(line) assert.matches(line, rules, 1, true) end
    has('create table inet nsl-u { comment "nsl run ' .. require("nsl.record").self().id .. '"; }\n')
    has("add rule inet nsl-u postrouting ip saddr 10.80.0.0/24 ip daddr != 10.80.0.0/24 masquerade\n")
    has("add rule inet nsl-u prerouting fib daddr type local tcp dport 8080 dnat ip to 10.80.0.2:80\n")
    has("add rule inet nsl-u output fib daddr type local tcp dport 8443 dnat ip to 10.80.0.2:443\n")
    has("add rule inet nsl-u output fib daddr type local udp dport 5353 dnat ip to 10.81.0.1:53\n")
    has("add rule inet nsl-u postrouting oifname \"u-br0\" ct status dnat masquerade\n")
    has("add rule inet nsl-u postrouting oifname \"u-vb\" ct status dnat masquerade\n")
    assert.not_matches("10.81.0.0/30 ip daddr", rules, 1, true) -- that link has no nat
  end)

  it("makes no table for a topology without nat or publish", function()
    local t = nsl.topology { prefix = "u-", namespaces = { "a" } }
    assert.same({}, require("nsl.topo.nat").summary(t.model))
  end)
end)

-- Two runs whose tables share a name: prefixes "x" and "x-" both give
-- table inet nsl-x.  Each script brings its topology up, says "up" and
-- holds it until a line comes on stdin.
local function sharer(prefix, node, br, net, hook)
  return T.script((hook or "") .. string.format([[
    local t <close> = nsl.topology {
      prefix = %q,
      namespaces = { %q },
      bridges = { %s = { subnet = "10.%d.0.0/24", nat = true } },
      links = { { %q, %q } },
    }
    t:up()
    print("up"); io.stdout:flush()
    io.read("l")
  ]], prefix, node, br, net, node, br))
end

-- The root namespace's `table inet nsl-x`, listed, or nil.
local function table_x()
  local r = T.sh("nft list table inet nsl-x")
  return r.code == 0 and r.out or nil
end

describe("two runs whose nft tables share a name #netns", function()
  after_each(function()
    T.run({ "--clean" })
    N.wipe()
  end)

  it("the loser's rollback leaves the winner's table, even when both found the name free", function()
    if not N.needs() then return end
    -- b finds the name free, then waits at its create until a is up: its
    -- create fails on a's table, and its rollback runs.
    local b, db = sharer("x-", "b", "br1", 88, [[
      local core = require "nsl.core"
      local real = core.nft
      core.nft = function(cmds, o)
        if cmds:match("^create table") then
          io.open((arg[0]:gsub("script%.lua$", "ready")), "w"):close()
          while not io.open((arg[0]:gsub("script%.lua$", "go"))) do nsl.sleep(0.02) end
        end
        return real(cmds, o)
      end
    ]])
    local a, da = sharer("x", "a", "br0", 87)
    finally(function() T.rm(da); T.rm(db) end)
    local r = T.sh("mkfifo " .. da .. "/in; " ..
      T.quote(T.nsl) .. " " .. T.quote(b) .. " </dev/null >" .. db .. "/out 2>" .. db .. "/err & pb=$!; " ..
      "for i in $(seq 400); do [ -e " .. db .. "/ready ] && break; sleep 0.05; done; " ..
      T.quote(T.nsl) .. " " .. T.quote(a) .. " <" .. da .. "/in >" .. da .. "/out & pa=$!; exec 4>" .. da .. "/in; " ..
      "for i in $(seq 400); do grep -qs up " .. da .. "/out && break; sleep 0.05; done; " ..
      "touch " .. db .. "/go; wait $pb; echo b=$?; " ..
      "nft list table inet nsl-x >" .. da .. "/during; echo >&4; wait $pa; echo a=$?")
    assert.equal(0, r.code, r.err)
    assert.matches("b=1\n", r.out)
    assert.matches("File exists", T.slurp(db .. "/err"))
    assert.matches("a=0\n", r.out)
    assert.matches('comment "nsl run ', T.slurp(da .. "/during"), 1, true)
    assert.matches("masquerade", T.slurp(da .. "/during"), 1, true)
    assert.is_nil(table_x(), "a's down took its table")
    assert.equal("nothing to clean\n", T.run({ "--clean" }).out)
  end)

  it("racing freely, the winner's table survives every round", function()
    if not N.needs() then return end
    local rounds = os.getenv("NSL_FULL") == "1" and 30 or 5
    local a, da = sharer("x", "a", "br0", 87)
    local b, db = sharer("x-", "b", "br1", 88)
    finally(function() T.rm(da); T.rm(db) end)
    local ra, rb = da .. "/run", db .. "/run"
    T.sh("mkdir " .. ra .. " " .. rb)
    for round = 1, rounds do
      -- both start at once; each is up (holding its topology) or failed
      local r = T.sh("trap '' PIPE; rm -f " .. ra .. "/* " .. rb .. "/*; mkfifo " .. ra .. "/in " .. rb .. "/in; " ..
        T.quote(T.nsl) .. " " .. T.quote(a) .. " <" .. ra .. "/in >" .. ra .. "/out 2>&1 & pa=$!; " ..
        T.quote(T.nsl) .. " " .. T.quote(b) .. " <" .. rb .. "/in >" .. rb .. "/out 2>&1 & pb=$!; " ..
        "exec 4>" .. ra .. "/in 5>" .. rb .. "/in; " ..
        "for i in $(seq 400); do " ..
        "  { grep -qs up " .. ra .. "/out || ! kill -0 $pa 2>/dev/null; } && " ..
        "  { grep -qs up " .. rb .. "/out || ! kill -0 $pb 2>/dev/null; } && break; sleep 0.05; done; " ..
        "sleep 0.2; nft list table inet nsl-x >" .. ra .. "/during 2>&1; " ..
        "echo >&4; echo >&5; wait $pa; echo a=$?; wait $pb; echo b=$?")
      assert.equal(0, r.code, r.err)
      local up_a = T.slurp(ra .. "/out"):match("^up\n") ~= nil
      local up_b = T.slurp(rb .. "/out"):match("^up\n") ~= nil
      assert.is_true(up_a ~= up_b, "round " .. round .. ": one run is up, the other failed: " .. r.out ..
        T.slurp(ra .. "/out") .. T.slurp(rb .. "/out"))
      assert.matches('comment "nsl run ', T.slurp(ra .. "/during"), 1, true,
        "round " .. round .. ": the winner's table is there while it runs")
      assert.matches((up_a and "a=0\nb=1\n" or "a=1\nb=0\n"), r.out)
      assert.is_nil(table_x(), "round " .. round .. ": the winner's down took its table")
    end
    assert.equal("nothing to clean\n", T.run({ "--clean" }).out)
  end)
end)
