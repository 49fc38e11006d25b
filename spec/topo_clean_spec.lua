-- The record of what a run created, and nsl --clean (nsl.clean()) for the
-- leftovers of runs that were killed.
local T = require "spec.support.util"
local nt = require "nsl.test"
local nsl = require "nsl"

local alive = T.alive

describe("the run record #unit", function()
  local dir
  before_each(function() dir = T.tmpdir() end)
  after_each(function() T.rm(dir) end)

  it("removes the record of a dead run whose objects are gone, and keeps a live run's", function()
    -- pid 999999 is above pid_max: a dead run.  Our own record is live.
    T.write(dir .. "/999999-5", "+proc\t999999\t12345\n")
    local r = T.run({ "-e", [[
      local rec = require "nsl.record"
      local h = spawn({ "sleep", "30" }, { background = true })   -- recorded
      local removed = nsl.clean()
      print(#removed)
      print(io.open(os.getenv("NSL_RUN_DIR") .. "/" .. rec.self().id) ~= nil)
      print(rec.self().id)
    ]] }, { env = { NSL_RUN_DIR = dir } })
    assert.equal("", r.err)
    local id = r.out:match("true\n(%S+)\n$")
    assert.matches("^0\ntrue\n%d+%-%d+\n$", r.out)
    assert.is_nil(io.open(dir .. "/999999-5"))
    assert.is_nil(io.open(dir .. "/" .. id)) -- closed at the end of the run
  end)

  it("builds nothing when it cannot keep the record", function()
    T.write(dir .. "/file", "") -- so that the record's directory cannot be made
    local r = T.run({ "-e", [[
      local t = nsl.topology { prefix = "norec-", namespaces = { "a" } }
      local ok, err = pcall(t.up, t)
      print(ok, err, t.status, ns_exists("norec-a"))
    ]] }, { env = { NSL_RUN_DIR = dir .. "/file/dir" } })
    assert.equal("", r.err)
    assert.equal("false\tup: namespace a: create: ns_add: norec-a: cannot keep the run's record in " ..
      dir .. "/file/dir: Not a directory\tdown\tfalse\n", r.out)
  end)

  it("leaves files that are not records alone", function()
    T.write(dir .. "/notes.txt", "+ns\tx\t\n")
    local r = T.run({ "-e", "print(#nsl.clean())" }, { env = { NSL_RUN_DIR = dir } })
    assert.equal("0\n", r.out)
    assert.is_not_nil(io.open(dir .. "/notes.txt"))
  end)

  it("kills a recorded process of a dead run, but not a pid reused by another process", function()
    local r = T.sh("sleep 30 & echo $!")
    local pid = r.out:match("%d+")
    finally(function() T.sh("kill " .. pid .. " 2>/dev/null") end)
    local start = require("nsl.record").start_time(pid)
    T.write(dir .. "/999999-5", "+proc\t" .. pid .. "\t" .. (start + 1) .. "\n")
    r = T.run({ "-e", "print(#nsl.clean())" }, { env = { NSL_RUN_DIR = dir } })
    assert.equal("0\n", r.out, r.err)
    assert.is_true(alive(pid))
    T.write(dir .. "/999999-5", "+proc\t" .. pid .. "\t" .. start .. "\n")
    r = T.run({ "-e", "for _, x in ipairs(nsl.clean()) do print(x) end" }, { env = { NSL_RUN_DIR = dir } })
    assert.equal("process " .. pid .. " (run 999999-5)\n", r.out, r.err)
    -- (clean sends SIGKILL without waiting: the sleep dies in its own time)
    nt.eventually(function() return not alive(pid), "process " .. pid .. " still alive" end)
  end)
end)

describe("nsl --clean after a run was killed #netns", function()
  local function needs()
    if not T.need_sandbox() then return false end
    for _, p in ipairs({ "ns_add", "ns_del", "ns_exists", "veth_add", "bridge_add", "link_set",
                         "link_del", "addr_add", "ns_exec" }) do
      if type(nsl[p]) ~= "function" then pending("primitive " .. p .. " has not landed yet") return false end
    end
    return true
  end

  it("removes what a run killed with SIGKILL in the middle of up left, and nothing else", function()
    if not needs() then return end
    assert.equal(0, T.sh("ip netns add bystander && ip link add keep0 type veth peer name keep1").code)
    -- A sleep no other run has: leftovers of an earlier failed run of
    -- this spec must not be mistaken for this one's.
    local nap = string.format("77.%06d", math.random(0, 999999))
    local script, dir = T.script([[
      local t = nsl.topology {
        namespaces = { "ns0", "ns1" },
        bridges = { br0 = { address = "192.168.2.1/24" } },
        links = { { "ns0", "br0" }, { "ns1", "br0" }, { "host", "ns1", subnet = "10.9.0.0/30" } },
        services = { stuck = { ns = "ns0", cmd = { "sleep", "]] .. nap .. [[" }, ready = { port = 9, timeout = 60 } } },
      }
      print(t.prefix); io.stdout:flush()
      t:up()
    ]])
    local namesakes = ""
    finally(function() -- busted keeps one finally per test: all cleanup here
      T.rm(dir)
      T.sh("ip netns del bystander; ip link del keep0" .. namesakes)
      T.run({ "--clean" }) -- what the killed run left, should the test fail early
    end)
    -- Killed while up waits for the service: everything else exists.
    local r = T.sh(T.quote(T.nsl) .. " " .. T.quote(script) .. " > " .. dir .. "/out & pid=$!; " ..
      "for i in $(seq 200); do grep -qs '^+proc' /run/nsl/$pid-* && break; sleep 0.05; done; " ..
      "kill -KILL $pid; wait $pid")
    assert.equal(137, r.code)
    local prefix = T.slurp(dir .. "/out"):match("^(%S+)\n")
    assert.is_truthy(prefix)
    assert.matches(prefix .. "ns0", T.sh("ip netns list").out, 1, true)
    assert.equal(0, T.sh("ip link show " .. prefix .. "br0").code)
    -- The service died with nsl (its parent-death signal), recorded or not.
    assert.equal(1, T.sh("pgrep -x -f 'sleep " .. nap .. "'").code)

    -- Someone else takes two of the names after the run died: a
    -- namespace and a root link.  They are namesakes, not leftovers.
    local ns1, vns1 = prefix .. "ns1", prefix .. "vns1"
    r = T.sh("ip link del " .. vns1 .. " && ip link add " .. vns1 .. " type veth peer name keep2" ..
      " && ip netns del " .. ns1 .. " && ip netns add " .. ns1)
    assert.equal(0, r.code, r.err)
    namesakes = "; ip netns del " .. ns1 .. "; ip link del " .. vns1

    r = T.run({ "--clean" })
    assert.equal(0, r.code, r.err)
    assert.matches("removed namespace " .. prefix .. "ns0 (run ", r.out, 1, true)
    assert.matches("removed link " .. prefix .. "br0 (run ", r.out, 1, true)
    assert.not_matches("namespace " .. ns1 .. " (", r.out, 1, true)
    assert.not_matches("link " .. vns1 .. " (", r.out, 1, true)

    local list = {}
    for name in T.sh("ip netns list").out:gmatch("(%S+)[^\n]*\n") do list[#list + 1] = name end
    table.sort(list)
    assert.same({ "bystander", ns1 }, list)
    local links = T.sh("ip -o link show").out
    assert.not_matches(prefix .. "br0", links, 1, true)
    assert.not_matches(prefix .. "vns0", links, 1, true)
    assert.matches(vns1, links, 1, true)
    assert.matches("keep0", links, 1, true)
    assert.equal(1, T.sh("pgrep -x -f 'sleep " .. nap .. "'").code)
    assert.equal("", T.other_records())
    -- A second clean finds nothing.
    assert.equal("nothing to clean\n", T.run({ "--clean" }).out)
  end)
end)
