-- Trust: nsl never touches what it did not make, and nothing it made
-- outlives a failed run.  Bystanders are made by ip, inside the sandbox
-- (signals at every step are spec/faults_spec.lua's; forged and full run
-- directories spec/trust_files_spec.lua's).
local T = require "spec.support.util"
local core = require "nsl.core"
local TR = require "spec.support.trust"
local ip_netns, has_link, leftovers, scrub = TR.ip_netns, TR.has_link, TR.leftovers, TR.scrub

local SHIM = os.getenv("NSL_FAULTSHIM")

-- Steps of a run under the fault shim, as { {n, name}, ... }.
local function trace(path)
  local r = T.sh("ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 FAULT_TRACE=1 LD_PRELOAD=" .. T.quote(SHIM) .. " " .. T.quote(T.nsl) .. " " .. T.quote(path))
  local steps = {}
  for n, name in r.err:gmatch("step (%d+): (%w+)") do steps[#steps + 1] = { tonumber(n), name } end
  return steps, r
end

local function shim_run(path, n, sig)
  return T.sh(string.format("ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 " ..
    "FAULT_N=%d FAULT_SIG=%d LD_PRELOAD=%s %s %s", n, sig, T.quote(SHIM),
    T.quote(T.nsl), T.quote(path)))
end

local function need_shim()
  if not T.need_sandbox() then return false end
  if not SHIM or not io.open(SHIM) then T.pending("the fault shim is not built (make check builds it)") return false end
  return true
end

describe("ownership #netns #trust", function()
  after_each(function()
    if T.sandboxed() then T.sh("ip netns del bystander") scrub() end
  end)

  it("nsl.netns on a name ip made fails naming nsl.netns, and leaves the bystander", function()
    if not T.need_sandbox() then return end
    assert.equal(0, T.sh("ip netns add bystander").code)
    local r = T.run({ "-e", 'nsl.netns("bystander")' })
    assert.equal(1, r.code)
    -- uncaught: "nsl: <where>: <message>", where is the user's line
    assert.matches("^nsl: %(command line%):1: nsl.netns: bystander: File exists", r.err)
    assert.same({ "bystander" }, ip_netns())
    assert.same({}, leftovers())
  end)

  it("of two runs asking for one name, the loser deletes nothing", function()
    if not T.need_sandbox() then return end
    local h = nsl.netns("tr-dup")
    local r = T.run({ "-e", 'local h <close> = nsl.netns("tr-dup")' })
    assert.matches("nsl.netns: tr%-dup: File exists", r.err)
    assert.is_true(ns_exists("tr-dup"))
    h:del()
    assert.is_false(ns_exists("tr-dup"))
  end)

  it("of two runs bringing up one topology, the loser removes nothing of the winner's", function()
    if not T.need_sandbox() then return end
    local desc = [[{ prefix = "tr-d-", namespaces = { "a", "b" }, bridges = { br0 = {} },
                     links = { { "a", "br0" }, { "b", "br0" } } }]]
    local t = nsl.topology(load("return " .. desc)()):up()
    local r = T.run({ "-e", "nsl.topology(" .. desc .. "):up()" })
    assert.equal(1, r.code)
    assert.matches("up: namespace a: create: ns_add: tr%-d%-a: File exists", r.err)
    assert.same({ "tr-d-a", "tr-d-b" }, ip_netns())
    assert.is_true(has_link("tr-d-br0"))
    t:down()
    assert.same({}, leftovers())
  end)

  it("errors of nsl.netns name nsl.netns, never ns_exists or record", function()
    if not T.need_sandbox() then return end
    local ok, err = pcall(nsl.netns, "a/b")
    assert.is_false(ok)
    assert.equal("nsl.netns: a/b: namespace name may not contain '/'", tostring(err))
    ok, err = pcall(nsl.netns, 42)
    assert.matches("^nsl.netns: 42: the name must be a string", tostring(err))
    local r = T.run({ "-e", 'nsl.netns("tr-x")' }, { env = { NSL_RUN_DIR = "/proc/nope" } })
    assert.matches("^nsl: %(command line%):1: nsl.netns: tr%-x: cannot keep the run's record", r.err)
    assert.same({}, leftovers())
  end)

  it("--clean never takes a namesake made after the run died, whatever the record says", function()
    if not T.need_sandbox() then return end
    local dir = T.tmpdir()
    finally(function() T.rm(dir) T.sh("ip netns del tr-n1; ip netns del tr-n2; ip link del tr-l1") end)
    local root = core._stat("/proc/self/ns/net").id
    -- A run stopped between its record and its create, then killed (so
    -- only the intent is there), and one whose objects were replaced.
    T.write(dir .. "/999999-5", table.concat({
      "+ns\ttr-n1\t.nsl-999999-5-1",
      "+ns\ttr-n2\t.nsl-999999-5-2", "=ns\ttr-n2\tfile\t1:2", "=ns\ttr-n2\tnet\t4:1",
      "+link\ttr-l1\t\t1234321\t" .. root, "" }, "\n"))
    assert.equal(0, T.sh("ip netns add tr-n1 && ip netns add tr-n2 && " ..
      "ip link add tr-l1 type veth peer name tr-l2").code)
    local r = T.run({ "--clean" }, { env = { NSL_RUN_DIR = dir } })
    assert.equal(0, r.code, r.err)
    assert.equal("nothing to clean\n", r.out) -- the namesakes are not ours
    assert.same({ "tr-n1", "tr-n2" }, ip_netns())
    assert.is_true(has_link("tr-l1"))
    assert.is_nil(io.open(dir .. "/999999-5"))
  end)

  it("a run killed between the placeholder and the mount: --clean removes its placeholder, not another's", function()
    if not need_shim() then return end
    local path, dir = T.script('ns_add("tr-half")')
    finally(function() T.rm(dir) T.sh("rm -f /run/netns/tr-foreign") end)
    local steps = trace(path)
    local at
    for _, s in ipairs(steps) do if s[2] == "mount" then at = s[1] end end -- the bind mount
    scrub()
    assert.is_truthy(at)
    assert.equal(137, shim_run(path, at, 9).code)
    local st = core._stat("/run/netns/tr-half")
    assert.is_truthy(st)
    assert.is_false(st.nsfs) -- half made: an unmounted placeholder
    assert.equal(0, T.sh("touch /run/netns/tr-foreign").code) -- not nsl's
    local r = T.run({ "--clean" })
    assert.equal(0, r.code, r.err)
    assert.matches("removed namespace tr-half", r.out, 1, true)
    assert.is_nil(core._stat("/run/netns/tr-half"))
    assert.is_truthy(core._stat("/run/netns/tr-foreign"))
    assert.equal(0, T.sh("ip netns add tr-half && ip netns del tr-half").code) -- the name is free again
  end)
end)

describe("signals #netns #trust", function()
  after_each(function() if T.sandboxed() then scrub() end end)

  it("a signal while a primitive is in the kernel: up undoes the object it made", function()
    if not need_shim() then return end
    local path, dir = T.script([[
      local t = nsl.topology { prefix = "tr-", bridges = { br0 = {} }, addressing = { ipv4 = false } }
      local ok, err = pcall(t.up, t)
      io.write(tostring(ok), " ", tostring(link_exists("tr-br0")), "\n") io.flush()
    ]])
    finally(function() T.rm(dir) end)
    -- The receive of the kernel's ack of the bridge's RTM_NEWLINK: the
    -- bridge exists when the signal is raised.
    local steps = trace(path)
    local at
    for i, s in ipairs(steps) do
      if s[2] == "sendto" and steps[i + 1] and steps[i + 1][2] == "recvmsg" and not at then at = s[1] + 1 end
    end
    assert.is_truthy(at)
    local r = shim_run(path, at, 15)
    assert.equal(143, r.code, r.err)
    assert.equal("false false\n", r.out)
    assert.same({}, leftovers())
  end)

  it("a signal right after a bare primitive made its object: the run's end removes it", function()
    if not need_shim() then return end
    local path, dir = T.script('ns_add("tr-s") bridge_add("tr-sb") sleep(5)')
    finally(function() T.rm(dir) end)
    local steps = trace(path)
    scrub()
    -- make check: every other such step; make check-full: each of them
    local every, n = T.full() and 1 or 2, 0
    for _, s in ipairs(steps) do
      n = n + ((s[2] == "recvmsg" or s[2] == "write") and 1 or 0)
      if (s[2] == "recvmsg" or s[2] == "write") and n % every == 0 then
        local r = shim_run(path, s[1], 2)
        assert.equal(130, r.code, "step " .. s[1] .. ": " .. r.err)
        assert.same({}, leftovers(), "step " .. s[1])
      end
    end
  end)

  it("a second signal does not cut teardown short: no object, record or UTS file stays", function()
    if not T.need_sandbox() then return end
    local path, dir = T.script([[
      local t <close> = nsl.topology {
        prefix = "tr-", namespaces = { a = { hostname = "alpha" }, "b" },
        links = { { "a", "b" }, { "host", "a" } },
        services = { deaf = { ns = "a", cmd = "trap '' TERM; sleep 78.5", stop_timeout = 0.6 } },
      }
      t:up()
      io.write("up\n") io.flush()
      sleep(30)
    ]])
    finally(function() T.rm(dir) end)
    local r = T.sh(T.quote(T.nsl) .. " " .. T.quote(path) .. " > " .. dir .. "/out & pid=$!; " ..
      "for i in $(seq 200); do grep -q up " .. dir .. "/out && break; sleep 0.05; done; " ..
      "kill -TERM $pid; sleep 0.2; kill -TERM $pid; sleep 0.1; kill -INT $pid; wait $pid")
    assert.equal(143, r.code, r.err)
    assert.same({}, leftovers())
    assert.same({}, core._readdir("/run/nsl/uts") or {})
  end)
end)

describe("the lifetime rule #netns #trust", function()
  local dir
  before_each(function()
    if not T.sandboxed() then return end
    dir = T.tmpdir()
    assert.equal(0, T.sh("ip netns add bystander && ip link add byst0 type veth peer name byst1").code)
  end)
  after_each(function()
    if not dir then return end
    T.rm(dir)
    dir = nil
    T.sh("ip netns del bystander; ip link del byst0")
    scrub()
  end)

  local BODY = [[
    ns_add("tr-a")
    veth_add("tr-v0", "tr-v1", { peer_ns = "tr-a" })
    bridge_add("tr-br")
    link_set("tr-br", { name = "tr-br2" })      -- renamed: still found by its ifindex
    spawn({ "sleep", "78.1" }, { background = true })
    ns_exec("tr-a", { "sleep", "78.2" }, { background = true })
    io.write("made\n") io.flush()
  ]]

  local function bystanders_ok()
    return ip_netns()[1] == "bystander" and has_link("byst0") and has_link("byst1")
  end

  for _, case in ipairs({
    { how = "an uncaught error", tail = 'error("boom")', code = 1 },
    { how = "os.exit(false)", tail = "os.exit(false)", code = 1 },
    { how = "os.exit(3)", tail = "os.exit(3)", code = 3 },
    { how = "SIGTERM", tail = "sleep(30)", sig = "TERM", code = 143 },
    { how = "SIGINT", tail = "sleep(30)", sig = "INT", code = 130 },
    { how = "SIGHUP", tail = "sleep(30)", sig = "HUP", code = 129 },
  }) do
    it("a run ended by " .. case.how .. " removes what its bare primitives made", function()
      if not T.need_sandbox() then return end
      local path = dir .. "/s.lua"
      T.write(path, BODY .. case.tail)
      local r
      if case.sig then
        r = T.sh(T.quote(T.nsl) .. " " .. T.quote(path) .. " > " .. dir .. "/out & pid=$!; " ..
          "for i in $(seq 200); do grep -q made " .. dir .. "/out && break; sleep 0.05; done; " ..
          "kill -" .. case.sig .. " $pid; wait $pid")
      else
        r = T.run({ path })
      end
      assert.equal(case.code, r.code, r.err)
      assert.same({}, leftovers())
      assert.is_true(bystanders_ok())
    end)
  end

  for _, tail in ipairs({ "", "os.exit(true)", "os.exit(0)" }) do
    it("a run that ends well (" .. (tail == "" and "the end of the script" or tail) ..
       ") keeps what bare primitives made, as ip does, and closes its record", function()
      if not T.need_sandbox() then return end
      local path = dir .. "/s.lua"
      T.write(path, BODY .. tail)
      local r = T.run({ path })
      assert.equal(0, r.code, r.err)
      assert.same({ "bystander", "tr-a" }, ip_netns())
      assert.is_true(has_link("tr-v0") and has_link("tr-br2"))
      assert.equal(1, T.sh("pgrep -f 'sleep 78[.]'").code) -- processes never outlive the run
      assert.equal("", T.other_records())
    end)
  end

  it("a failed run removes links, rules and entries whose names hold a backslash", function()
    if not T.need_sandbox() then return end
    local path = dir .. "/s.lua"
    T.write(path, [[
      veth_add("tr\\n0", "tr\\t1")          -- the names tr\n0 and tr\t1, a backslash in each
      link_set("tr\\n0", { up = true })
      neigh_add("10.9.9.9", { dev = "tr\\n0", lladdr = "02:00:00:00:00:09" })
      rule_add({ iif = "tr\\n0", table = 100, priority = 4545 })
      error("boom")
    ]])
    local r = T.run({ path })
    assert.equal(1, r.code)
    assert.matches("boom", r.err)
    assert.same({}, leftovers())
    assert.equal("", T.sh("ip rule show priority 4545").out)
    assert.equal(1, T.sh("ip link show 'tr\\n0'").code)
  end)

  it("a link the run made and moved into a bystander is removed from there; a bystander's link it moved is not", function()
    if not T.need_sandbox() then return end
    local path = dir .. "/s.lua"
    T.write(path, [[
      veth_add("tr-m0", "tr-m1")
      link_set_ns("tr-m0", "bystander")   -- made here, moved there: still the run's
      link_set_ns("byst1", "bystander")   -- ip's: moved, never the run's to remove
      error("boom")
    ]])
    local r = T.run({ path })
    assert.equal(1, r.code)
    assert.equal(1, T.sh("ip -n bystander link show tr-m0").code)
    assert.equal(0, T.sh("ip -n bystander link show byst1").code)
    assert.same({}, leftovers())
    T.sh("ip -n bystander link del byst1")
    assert.equal(0, T.sh("ip link add byst0 type veth peer name byst1").code) -- for after_each
  end)

  it("SIGKILL, then nsl --clean: everything removed, bystanders untouched", function()
    if not T.need_sandbox() then return end
    local path = dir .. "/s.lua"
    T.write(path, BODY .. "sleep(30)")
    local r = T.sh(T.quote(T.nsl) .. " " .. T.quote(path) .. " > " .. dir .. "/out & pid=$!; " ..
      "for i in $(seq 200); do grep -q made " .. dir .. "/out && break; sleep 0.05; done; " ..
      "kill -KILL $pid; wait $pid")
    assert.equal(137, r.code)
    assert.is_true(#leftovers() > 0)
    r = T.run({ "--clean" })
    assert.equal(0, r.code, r.err)
    assert.matches("removed link tr-br", r.out, 1, true)
    assert.same({}, leftovers())
    assert.is_true(bystanders_ok())
  end)

  it("a run that ends well after a teardown that resisted keeps just that in its record, for --clean", function()
    if not T.need_sandbox() or not need_shim() then return end
    local path = dir .. "/s.lua"
    T.write(path, [[
      ns_add("tr-bare")                               -- a bare primitive's: stays, as ip leaves it
      bridge_add("tr-brb")
      assert(not pcall(bridge_add, "tr-brb"))          -- a failed create has record lines too
      local t = nsl.topology { prefix = "tr-t", namespaces = { "a", "b" }, links = { { "a", "b" } } }
      t:up()
      local ok, err = pcall(t.down, t)                -- its namespaces cannot be unlinked
      print(ok, err)
    ]])
    local r = T.sh("ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 FAULT_UNLINK=/tr-ta LD_PRELOAD=" ..
      T.quote(SHIM) .. " " .. T.quote(T.nsl) .. " " .. T.quote(path))
    assert.equal(0, r.code, r.err)
    assert.matches("^false\tdown: tr%-t: .*ns_del: tr%-ta: Operation not permitted", r.out)
    assert.is_not.equal("", T.other_records(), "the record stays, naming what resisted")
    r = T.run({ "--clean" })
    assert.equal(0, r.code, r.err)
    assert.matches("removed namespace tr-ta (run ", r.out, 1, true)
    assert.not_matches("tr%-bare", r.out)
    assert.not_matches("tr%-brb", r.out)
    assert.same({ "bystander", "tr-bare" }, ip_netns())
    assert.is_true(has_link("tr-brb"))
    T.sh("ip link del tr-brb")
    assert.equal("", T.other_records())
    assert.is_true(bystanders_ok())
  end)

  it("without privilege, a topology says what is wrong and how to get the right", function()
    if not T.need_sandbox() then return end
    if T.sh("command -v setpriv").code ~= 0 then return pending("setpriv is not installed") end
    local r = T.sh("NSL_ROOTLESS=0 setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all " ..
      T.quote(T.nsl) .. " -e 'nsl.topology { prefix = \"tr-\", namespaces = { \"a\" } }:up()'")
    assert.equal(1, r.code)
    assert.matches("ns_add: tr%-a: Operation not permitted %(making a namespace needs CAP_SYS_ADMIN: " ..
      "run nsl as root", r.err)
    assert.not_matches("record:", r.err, 1, true)
    assert.not_matches("No such file", r.err, 1, true)
    -- reading a sysctl of its own namespace needs no privilege at all
    r = T.sh("NSL_ROOTLESS=0 setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all " ..
      T.quote(T.nsl) .. " -e 'io.write(sysctl(\"net.ipv4.ip_forward\"))'")
    assert.equal(0, r.code, r.err)
    assert.matches("^[01]\n?$", r.out)
    -- and a record that cannot be written says why, and what to do
    r = T.run({ "-e", 'ns_add("tr-r")' }, { env = { NSL_RUN_DIR = "/proc/nope" } })
    assert.matches("ns_add: tr%-r: cannot keep the run's record in /proc/nope: ", r.err)
    assert.same({}, leftovers())
  end)
end)

describe("one way to do each thing #unit #trust", function()
  local function lua_files()
    local out = {}
    for _, d in ipairs({ "lua", "lua/nsl", "lua/nsl/topo" }) do
      for _, f in ipairs(core._readdir(d) or {}) do
        if f:match("%.lua$") then out[#out + 1] = d .. "/" .. f end
      end
    end
    assert.is_true(#out > 10)
    return out
  end

  it("no file of lua/ shells out (os.execute, io.popen)", function()
    for _, f in ipairs(lua_files()) do
      local text = T.slurp(f)
      assert.is_nil(text:find("os.execute", 1, true), f)
      assert.is_nil(text:find("io.popen", 1, true), f)
    end
  end)

  it("no file of lua/ reads /sys/class/net, and errors name real primitives", function()
    for _, f in ipairs(lua_files()) do
      local text = T.slurp(f)
      assert.is_nil(text:find("/sys/class/net", 1, true), f)
      assert.is_nil(text:find('"link_add"', 1, true), f)
    end
  end)

  it("errno and signal values are named, from C; lua/ holds no bare 17, 9 or 15", function()
    assert.equal(17, nsl.errno.EEXIST)
    assert.equal(2, nsl.errno.ENOENT)
    assert.equal(15, nsl.signals.TERM)
    assert.equal(9, nsl.signals.KILL)
    for _, f in ipairs(lua_files()) do
      for line in io.lines(f) do
        local code = line:gsub("%-%-.*", "")
        assert.is_nil(code:match("[,=(]%s*1[57]%s*[,)]") or code:match("[,(]%s*9%s*[,)]"), f .. ": " .. line)
      end
    end
  end)

  it("the one /proc/PID/stat parser reads a command named with ')' and spaces", function()
    if T.sh("command -v sleep").code ~= 0 then return pending("no sleep") end
    local dir = T.tmpdir()
    finally(function() T.rm(dir) end)
    local odd = dir .. "/a) R 1 (b"
    assert.equal(0, T.sh("cp \"$(command -v sleep)\" " .. T.quote(odd)).code)
    local h = spawn({ odd, "5" }, { background = true })
    local st = core._proc_stat(h.pid)
    local _, me = core._record()
    assert.equal(tonumber(me:match("^(%d+)")), st.ppid) -- a parse at the first ')' reads 1
    assert.matches("^[RS]$", st.state)
    assert.equal(st.start, require("nsl.record").start_time(h.pid))
    h:close()
    assert.is_nil(core._proc_stat(999999999))
  end)
end)

describe("the kernel is the source of truth #netns #trust", function()
  it("a topology in a plain unshare -n builds a bridge whose name /sys shows in another namespace", function()
    if not T.need_sandbox() then return end
    assert.equal(0, T.sh("ip link add tr-shadow type bridge").code)
    finally(function() T.sh("ip link del tr-shadow") end)
    -- /sys stays the sandbox's in a bare unshare -n: it shows tr-shadow
    local r = T.sh("unshare -n " .. T.quote(T.nsl) .. " -e " .. T.quote([[
      local t <close> = nsl.topology { prefix = "", bridges = { ["tr-shadow"] = {} } }
      t:up() print(link_exists("tr-shadow"))
    ]]))
    assert.equal(0, r.code, r.err)
    assert.equal("true\n", r.out)
  end)

  it("a taken name fails naming the primitive that was refused", function()
    if not T.need_sandbox() then return end
    assert.equal(0, T.sh("ip link add tr-taken type bridge").code)
    finally(function() T.sh("ip link del tr-taken") end)
    local t = nsl.topology { prefix = "", bridges = { ["tr-taken"] = {} } }
    local ok, err = pcall(t.up, t)
    assert.is_false(ok)
    assert.equal("up: bridge tr-taken: create: bridge_add: tr-taken: File exists", tostring(err))
    assert.is_true(has_link("tr-taken"))
  end)
end)
