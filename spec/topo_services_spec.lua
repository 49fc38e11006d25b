-- Services of a topology on the real kernel: S2, nginx in a namespace
-- reached over a veth pair from the host; readiness and order.
local T = require "spec.support.util"
local nsl = require "nsl"

local PRIMS = { "ns_add", "ns_del", "ns_exists", "veth_add", "link_set", "link_del", "addr_add",
                "ns_exec", "link_list", "addr_list", "route_list" }

local function needs(...)
  if not T.sandboxed() then
    pending("needs the sandbox: run make check")
    return false
  end
  for _, p in ipairs({ ... }) do
    if type(nsl[p]) ~= "function" then
      pending("primitive " .. p .. " has not landed yet")
      return false
    end
  end
  return true
end


local alive = T.alive

local nginx_conf = require("spec.support.nginx").setup

describe("topology services #netns", function()
  local t, dir
  after_each(function()
    if t then pcall(t.down, t); t = nil end
    T.rm(dir)
  end)

  it("builds S2: nginx in a namespace, its page reached over veth from the host", function()
    if not needs(table.unpack(PRIMS)) then return end
    if T.sh("command -v nginx && command -v curl").code ~= 0 then
      pending("nginx or curl is not installed (make deps)")
      return
    end
    dir = T.tmpdir()
    t = nsl.topology {
      namespaces = { "direct_netns" },
      links = {
        { "host", "direct_netns", address = { host = "10.200.0.2/24", direct_netns = "10.200.0.3/24" } },
      },
      services = {
        nginx = { ns = "direct_netns", cmd = nginx_conf(dir), ready = { port = 80, timeout = 10 } },
      },
    }
    t:up()
    local ns = t:name("direct_netns")
    local r = T.sh("curl -s -m 5 http://10.200.0.3/")
    assert.equal(0, r.code, r.err)
    assert.equal("hello from direct_netns\n", r.out)
    r = T.sh("ip netns exec " .. ns .. " curl -s -m 5 http://127.0.0.1/")
    assert.equal("hello from direct_netns\n", r.out)
    r = T.sh("curl -s -m 5 http://127.0.0.1/")
    assert.equal(7, r.code) -- refused: the host's stack has no server
    assert.equal(0, T.sh("ip netns exec " .. ns .. " ping -c1 -W2 10.200.0.2").code)
    local pid = t:service("nginx").pid
    assert.is_true(alive(pid))
    assert.matches("nginx", t:report(), 1, true)
    local workers = {}
    for w in T.sh("pgrep -P " .. pid).out:gmatch("%d+") do workers[#workers + 1] = w end
    assert.is_true(#workers > 0)
    t:down()
    assert.is_false(alive(pid))
    T.sh("sleep 0.2")
    for _, w in ipairs(workers) do assert.is_false(alive(w), "nginx worker " .. w) end
    assert.equal(1, T.sh("ip link show " .. t:link_name("host", "vdirect_netns")).code)
  end)

  it("starts services in the order of after, each once the one before is ready", function()
    if not needs(table.unpack(PRIMS)) then return end
    dir = T.tmpdir()
    local log = dir .. "/log"
    local function svc(name, after)
      return { ns = "a", after = after, ready = { file = dir .. "/" .. name .. ".ready" },
               cmd = string.format("sleep 0.2; echo %s >> %s; touch %s/%s.ready; exec sleep 60",
                 name, log, dir, name) }
    end
    t = nsl.topology {
      namespaces = { "a" },
      services = { web = svc("web", { "db", "cache" }), cache = svc("cache", "db"), db = svc("db") },
    }:up()
    assert.equal("db\ncache\nweb\n", T.slurp(log))
  end)

  it("gives a service its environment and working directory", function()
    if not needs(table.unpack(PRIMS)) then return end
    dir = T.tmpdir()
    t = nsl.topology {
      namespaces = { "a" },
      services = { s = { ns = "a", env = { GREETING = "hi" }, cwd = dir, ready = { file = dir .. "/done" },
                         cmd = "{ echo $GREETING; pwd; } > out && touch done && exec sleep 60" } },
    }:up()
    assert.equal("hi\n" .. dir .. "\n", T.slurp(dir .. "/out"))
  end)

  it("waits on a readiness command run in the namespace, or a function", function()
    if not needs(table.unpack(PRIMS)) then return end
    dir = T.tmpdir()
    local asked = 0
    t = nsl.topology {
      namespaces = { "a" },
      services = {
        one = { ns = "a", cmd = "sleep 0.3; touch " .. dir .. "/one; exec sleep 60",
                ready = { cmd = { "test", "-e", dir .. "/one" }, timeout = 5 } },
        two = { ns = "a", after = "one", cmd = { "sleep", "60" },
                ready = function(topo, h) asked = asked + 1; return h.pid ~= nil and asked >= 3 end },
      },
    }:up()
    assert.is_truthy(io.open(dir .. "/one"))
    assert.equal(3, asked)
    assert.is_true(t:service("two"):running())
  end)

  it("gives a namespace with a hostname its own, the host's unchanged", function()
    if not needs(table.unpack(PRIMS)) then return end
    dir = T.tmpdir()
    local before = T.sh("hostname").out
    t = nsl.topology {
      namespaces = { a = { hostname = "web1" } },
      services = { h = { ns = "a", ready = { file = dir .. "/h" },
                         cmd = "hostname > " .. dir .. "/h.tmp && mv " .. dir .. "/h.tmp " .. dir .. "/h; exec sleep 60" } },
    }:up()
    assert.equal("web1\n", T.slurp(dir .. "/h"))
    assert.equal(before, T.sh("hostname").out)
    local uts = t.model.nodes.a.uts
    local function present(path)
      local f = io.open(path)
      if f then f:close() end
      return f ~= nil
    end
    assert.is_true(present(uts))
    t:down()
    assert.is_false(present(uts))
  end)

  it("rolls back the whole topology when a service never gets ready", function()
    if not needs(table.unpack(PRIMS)) then return end
    t = nsl.topology {
      prefix = "svc-",
      namespaces = { "a" },
      services = { slow = { ns = "a", cmd = { "sleep", "61.5" }, ready = { port = 9, timeout = 0.5 } } },
    }
    local ok, err = pcall(t.up, t)
    assert.is_false(ok)
    assert.equal("up: service slow: ready: not ready after 0.5s", tostring(err))
    assert.equal(1, T.sh("ip netns list | grep -q svc-a").code)
    assert.equal(1, T.sh("pgrep -x -f 'sleep 61.5'").code)
  end)

  it("rolls back when Ctrl-C arrives in the middle of up, and nsl dies of SIGINT", function()
    if not needs(table.unpack(PRIMS)) then return end
    dir = T.tmpdir()
    local nap = string.format("78.%06d", math.random(0, 999999))
    local script = dir .. "/up.lua"
    T.write(script, [[
      local t = nsl.topology { prefix = "int-", namespaces = { "a" }, bridges = { br = {} },
        links = { { "a", "br" } },
        services = { s = { ns = "a", cmd = { "sleep", "]] .. nap .. [[" }, ready = { port = 9, timeout = 60 } } } }
      t:up()
    ]])
    local r = T.sh(T.quote(T.nsl) .. " " .. script .. " & pid=$!; " ..
      "for i in $(seq 200); do pgrep -x -f 'sleep " .. nap .. "' >/dev/null && break; sleep 0.05; done; " ..
      "kill -INT $pid; wait $pid")
    assert.equal(130, r.code, r.err)
    assert.matches("interrupted", r.err, 1, true)
    assert.equal(1, T.sh("ip netns list | grep -q int-a").code)
    assert.equal(1, T.sh("ip link show int-br").code)
    assert.equal(1, T.sh("pgrep -x -f 'sleep " .. nap .. "'").code)
    assert.equal("", T.other_records())
  end)

  it("says so when a service exits before it is ready", function()
    if not needs(table.unpack(PRIMS)) then return end
    t = nsl.topology {
      namespaces = { "a" },
      services = { bad = { ns = "a", cmd = { "false" }, ready = { port = 80 } } },
    }
    local ok, err = pcall(t.up, t)
    assert.is_false(ok)
    assert.equal("up: service bad: ready: exited with status 1 before it was ready", tostring(err))
  end)
end)
