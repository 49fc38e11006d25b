-- nsl.topology on the real kernel: S5 (a Docker-style bridge) and S2
-- (nginx in a namespace) built from descriptions, rollback, up twice,
-- two copies side by side, the handles.  Checks go through iproute2
-- (ip netns exec ...), independent of nsl.
local T = require "spec.support.util"
local nsl = require "nsl"

local function has(...)
  for _, p in ipairs({ ... }) do
    if type(nsl[p]) ~= "function" then return false, p end
  end
  return true
end

-- Skips unless in the sandbox with the primitives this test needs.
local function needs(...)
  if not T.need_sandbox() then return false end
  local ok, missing = has(...)
  if not ok then
    pending("primitive " .. missing .. " has not landed yet")
    return false
  end
  return true
end

local NET = { "ns_add", "ns_del", "ns_exists", "veth_add", "bridge_add", "link_set", "link_del",
              "addr_add", "route_add", "sysctl", "link_list", "addr_list", "route_list" }

local function sh_ok(cmd)
  local r = T.sh(cmd)
  return r.code == 0, r
end

local function in_ns(ns, cmd)
  return T.sh("ip netns exec " .. T.quote(ns) .. " " .. cmd)
end

local function netns_list()
  local r = T.sh("ip netns list")
  local names = {}
  for name in r.out:gmatch("(%S+)[^\n]*\n?") do names[#names + 1] = name end
  return names
end

local function exists(ns)
  for _, n in ipairs(netns_list()) do if n == ns then return true end end
  return false
end

local function link_exists(name)
  return T.sh("ip link show dev " .. T.quote(name)).code == 0
end

local S5 = {
  namespaces = { "ns0", "ns1" },
  bridges = { br0 = { address = "192.168.2.1/24" } },
  links = {
    { "ns0", "br0", name = "ceth0" },
    { "ns1", "br0", name = "ceth1" },
  },
}

describe("topologies on the kernel #netns", function()
  local t
  after_each(function()
    if t then pcall(t.down, t); t = nil end
  end)

  it("builds S5: two namespaces on a bridge ping each other and the bridge", function()
    if not needs(table.unpack(NET)) then return end
    t = nsl.topology(S5):up()
    assert.equal("up", t.status)
    local ns0, ns1 = t:name("ns0"), t:name("ns1")
    assert.is_true(exists(ns0) and exists(ns1))
    assert.matches("master " .. t:link_name("br0"), T.sh("ip link show " .. t:link_name("br0", "vns0")).out, 1, true)
    local r = in_ns(ns0, "ping -c1 -W2 192.168.2.3")
    assert.equal(0, r.code, r.out .. r.err)
    assert.equal(0, in_ns(ns1, "ping -c1 -W2 192.168.2.2").code)
    assert.equal(0, in_ns(ns0, "ping -c1 -W2 192.168.2.1").code)
    assert.equal(0, in_ns(ns1, "ping -c1 -W2 " .. t:addr("br0")).code)
    local shown = t:report()
    assert.matches("namespace ns0 (" .. ns0 .. ")", shown, 1, true)
    assert.matches("ceth0", shown, 1, true)
    assert.matches("192.168.2.2/24", shown, 1, true)
    assert.matches("ceth0@ns0", shown, 1, true)         -- the bridge port's peer
    assert.matches(t:link_name("br0", "vns0") .. "@host", shown, 1, true)
    assert.matches("master", shown, 1, true)
    t:down()
    assert.is_false(exists(ns0) or exists(ns1))
    assert.is_false(link_exists(t:link_name("br0")))
    assert.is_false(link_exists(t:link_name("br0", "vns0")))
  end)

  it("is a no-op to take down twice and an error to bring up twice", function()
    if not needs(table.unpack(NET)) then return end
    t = nsl.topology(S5):up()
    local ok, err = pcall(t.up, t)
    assert.is_false(ok)
    assert.matches("already up", tostring(err))
    assert.equal("up", t.status)
    assert.is_true(exists(t:name("ns0")))
    t:down()
    t:down()
    assert.is_false(exists(t:name("ns0")))
    t:up() -- and up again after down; what the first up left for the
    collectgarbage() -- collector must not touch the second
    collectgarbage()
    assert.is_true(exists(t:name("ns0")))
    assert.equal("up", t.status)
  end)

  it("rolls back everything when a step fails, naming the node and the step", function()
    if not needs(table.unpack(NET)) then return end
    assert.is_true(sh_ok("ip link add rb-taken type veth peer name rb-taken2"))
    finally(function() T.sh("ip link del rb-taken") end)
    t = nsl.topology {
      prefix = "rb-",
      namespaces = { "a", "b" },
      bridges = { br0 = { subnet = "10.3.0.0/24" } },
      links = { { "a", "br0" }, { "host", "b", name = { host = "taken" }, subnet = "10.4.0.0/24" } },
    }
    local ok, err = pcall(t.up, t)
    assert.is_false(ok)
    assert.matches("^up: link host%-b: create veth: ", tostring(err))
    assert.equal(17, err.errno)
    assert.equal("down", t.status)
    assert.is_false(exists("rb-a") or exists("rb-b"))
    assert.is_false(link_exists("rb-br0"))
    assert.is_true(link_exists("rb-taken"))
  end)

  it("sets sysctls and routes via a named gateway", function()
    if not needs(table.unpack(NET)) then return end
    t = nsl.topology {
      namespaces = {
        r = { sysctl = { ["net.ipv4.ip_forward"] = 1 } },
        a = { routes = { default = "r" } },
        b = { routes = { default = "r" } },
      },
      links = { { "a", "r", subnet = "10.11.0.0/24" }, { "b", "r", subnet = "10.12.0.0/24" } },
    }:up()
    assert.equal("1", in_ns(t:name("r"), "cat /proc/sys/net/ipv4/ip_forward").out:match("%d"))
    assert.matches("default via 10.11.0.2", in_ns(t:name("a"), "ip route").out, 1, true)
    local r = in_ns(t:name("a"), "ping -c1 -W2 " .. t:addr("b"))
    assert.equal(0, r.code, r.out)
  end)

  it("runs two copies of one description side by side", function()
    if not needs(table.unpack(NET)) then return end
    local script, dir = T.script([[
      local t <close> = nsl.topology(]] .. nsl.pretty(S5, { width = math.huge }) .. [[):up()
      local ok = os.execute("ip netns exec " .. t:name("ns0") .. " ping -c3 -i0.2 -W2 192.168.2.3 >/dev/null")
      print(t.prefix, ok and "ok" or "fail")
    ]])
    finally(function() T.rm(dir) end)
    local q = T.quote(T.nsl) .. " " .. T.quote(script)
    local r = T.sh(q .. " > " .. dir .. "/1 & " .. q .. " > " .. dir .. "/2 & wait")
    local one, two = T.slurp(dir .. "/1"), T.slurp(dir .. "/2")
    assert.matches("^%S+%s+ok\n$", one, nil, r.err)
    assert.matches("^%S+%s+ok\n$", two, nil, r.err)
    assert.not_equal(one:match("^%S+"), two:match("^%S+"))
    assert.same({}, netns_list())
    -- and two copies in one process
    local a = nsl.topology(S5):up()
    local ok, b = pcall(function() return nsl.topology(S5):up() end)
    a:down()
    assert.is_true(ok, tostring(b))
    b:down()
  end)

  it("tears down at the end of a script that fails, and on SIGTERM", function()
    if not needs(table.unpack(NET)) then return end
    local script, dir = T.script([[
      local t = nsl.topology(]] .. nsl.pretty(S5, { width = math.huge }) .. [[):up()
      print(t:name("ns0"))
      io.stdout:flush()
      if arg[1] == "fail" then error("boom") end
      sleep(30)
    ]])
    finally(function() T.rm(dir) end)
    local r = T.run({ script, "fail" })
    assert.equal(1, r.code)
    assert.matches("boom", r.err)
    assert.same({}, netns_list())
    r = T.sh(T.quote(T.nsl) .. " " .. T.quote(script) .. " > " .. dir .. "/out & pid=$!; " ..
      T.sh_until("[ -s " .. dir .. "/out ]", "the namespace's name") .. "; kill -TERM $pid; wait $pid")
    assert.equal(143, r.code, r.err)
    assert.matches("^t%w+%-ns0\n$", T.slurp(dir .. "/out"))
    assert.same({}, netns_list())
  end)
end)

describe("topology lifetime #netns", function()
  it("keeps an unreferenced topology up through garbage collection, and removes it at os.exit", function()
    if not needs(table.unpack(NET)) then return end
    local r = T.run({ "-e", [[
      local prefix = nsl.topology(]] .. nsl.pretty(S5, { width = math.huge }) .. [[):up().prefix
      collectgarbage(); collectgarbage()
      print(os.execute("ip netns list | grep -q " .. prefix .. "ns0") and "still up" or "gone")
      os.exit(3)
    ]] })
    assert.equal(3, r.code, r.err)
    assert.equal("still up\n", r.out)
    assert.same({}, netns_list())
    assert.equal("", T.other_records())
  end)
end)

describe("namespace handles #netns", function()
  it("creates a namespace and removes it at the end of its scope", function()
    if not needs("ns_add", "ns_del", "link_set", "addr_add", "addr_list", "link_list") then return end
    local name
    do
      local blue <close> = nsl.netns("hblue")
      name = blue.name
      assert.equal("nsl.netns", getmetatable(blue).__name)
      assert.equal("<netns hblue>", tostring(blue))
      assert.is_true(exists("hblue"))
      local names = {}
      for _, l in ipairs(blue:links()) do names[#names + 1] = l.name end
      assert.same({ "lo" }, names)
      blue:addr_add("lo", "10.77.0.1/32")
      assert.matches("10.77.0.1", in_ns("hblue", "ip addr show lo").out, 1, true)
    end
    assert.is_false(exists(name))
  end)

  it("closes safely twice and makes veth pairs between handles", function()
    if not needs("ns_add", "ns_del", "veth_add", "link_set", "addr_add") then return end
    local a, b = nsl.netns("ha"), nsl.netns("hb")
    finally(function() a:del(); b:del() end)
    local la, lb = a:veth("eth0", b, "eth0")
    assert.equal("<link eth0 in ha>", tostring(la))
    la:addr_add("10.78.0.1/24"); la:up()
    lb:addr_add("10.78.0.2/24"); lb:up()
    assert.equal(0, in_ns("ha", "ping -c1 -W2 10.78.0.2").code)
    getmetatable(a).__close(a)
    getmetatable(a).__gc(a)
    assert.is_false(exists("ha"))
    assert.matches("deleted", tostring(a))
  end)

  it("runs commands inside and stops what it spawned when it closes", function()
    if not needs("ns_add", "ns_del", "link_set", "ns_exec") then return end
    local pid
    do
      local blue <close> = nsl.netns("hexec")
      local r = blue:exec({ "ip", "-o", "link", "show", "lo" }, { capture = true })
      assert.is_true(r.ok)
      assert.matches("UP", r.stdout, 1, true)
      local p = blue:spawn({ "sleep", "60" })
      pid = p.pid
      assert.is_true(p:running())
      assert.equal(0, T.sh("kill -0 " .. pid).code)
    end
    assert.is_false(exists("hexec"))
    assert.is_false(T.alive(pid))
  end)

  it("leaves an attached namespace alone", function()
    if not needs("ns_add", "ns_del") then return end
    assert.is_true(sh_ok("ip netns add hkeep"))
    finally(function() T.sh("ip netns del hkeep") end)
    do
      local k <close> = nsl.netns("hkeep", { attach = true })
      assert.matches("attached", tostring(k))
    end
    assert.is_true(exists("hkeep"))
  end)
end)
