-- Trust across users and runs: another user's folder in a shared TMPDIR,
-- another run's namespaces, an artifacts folder that cannot be written,
-- a teardown that fails at the end of a script.  Bystanders are made by
-- ip or by a child process, inside the sandbox.
local T = require "spec.support.util"
local N = require "spec.support.net"
local core = require "nsl.core"

describe("mkdtemp #unit", function()
  local dir
  before_each(function() dir = T.tmpdir() end)
  after_each(function() T.rm(dir) end)

  it("makes a new 0700 directory from a prefix or a template", function()
    local a = mkdtemp(dir .. "/p-")
    assert.matches("^" .. dir:gsub("%p", "%%%0") .. "/p%-%w%w%w%w%w%w$", a)
    local b = mkdtemp(dir .. "/qXXXXXX")
    assert.matches("/q%w%w%w%w%w%w$", b)
    assert.are_not.equal(b, dir .. "/qXXXXXX")
    for _, d in ipairs({ a, b }) do
      assert.equal("700 directory\n", T.sh("stat -c '%a %F' " .. T.quote(d)).out)
    end
  end)

  it("says what is wrong, naming the call and the template", function()
    T.nsl_error(function() mkdtemp("") end, "mkdtemp: : an empty prefix")
    T.nsl_error(function() mkdtemp("a\0b") end, "mkdtemp: a\\0b: contains a NUL byte")
    local e = N.err(mkdtemp, dir .. "/none/x-")
    assert.equal("mkdtemp: " .. dir .. "/none/x-: No such file or directory", tostring(e))
    assert.equal("ENOENT", e.code)
    T.arg_error(function() mkdtemp({}) end, 1, "mkdtemp", "string expected, got table")
  end)
end)

describe("nsl.test's private folder #netns", function()
  local dir
  before_each(function() dir = T.tmpdir() end)
  after_each(function() T.rm(dir) end)

  it("is never a folder someone made beforehand under the name it would take", function()
    if not T.need_sandbox() then return end
    -- Another user made the name nsl.test used to take (nsl-test-<prefix
    -- without its dash>), and the names one character longer: a lure.
    local old = dir .. "/nsl-test-wtr0ab"
    assert.equal(0, T.sh("mkdir " .. T.quote(old) .. " " .. T.quote(old .. "-") ..
      " && chown 65534:65534 " .. T.quote(old) .. " " .. T.quote(old .. "-") ..
      " && chmod 0777 " .. T.quote(old) .. " " .. T.quote(old .. "-")).code)
    local r = T.run({ "-e", 'io.write(require("nsl.test.artifacts").tmpdir("wtr0ab-"))' },
      { env = { TMPDIR = dir } })
    assert.equal(0, r.code, r.err)
    local got = r.out
    assert.are_not.equal(old, got)
    assert.are_not.equal(old .. "-", got)
    assert.matches("^" .. dir:gsub("%p", "%%%0") .. "/nsl%-test%-wtr0ab%-%w%w%w%w%w%w$", got)
    assert.equal("700 0 directory\n", T.sh("stat -c '%a %u %F' " .. T.quote(got)).out)
    -- the test's folder goes after it; the bystander's are left as they were
    require("nsl.test.artifacts").cleanup({ dir = got })
    assert.is_nil(core._stat(got))
    assert.equal("777 65534\n777 65534\n", T.sh("stat -c '%a %u' " .. T.quote(old) .. " " .. T.quote(old .. "-")).out)
  end)
end)

describe("another run's namespaces #netns", function()
  local function gone_within(link, secs)
    local deadline = now() + secs
    while T.sh("ip link show " .. link).code == 0 do
      if now() > deadline then return false end
      sleep(0.02)
    end
    return true
  end

  after_each(function()
    T.sh("ip netns del tro-other; ip link del tro-v0; ip netns del tro-other2; ip link del tro-w0")
  end)

  it("are not kept alive by link_list(), link_get() or t:report() once the call returned", function()
    if not T.need_sandbox() then return end
    -- another run's: a namespace ip made, its veth's root end here
    assert.equal(0, T.sh("ip netns add tro-other && ip link add tro-v0 type veth peer name tro-v1 netns tro-other").code)
    local seen
    for _, l in ipairs(link_list()) do if l.name == "tro-v0" then seen = l end end
    assert.is_table(seen)
    assert.equal("tro-other", seen.peer_ns)
    assert.equal("tro-v1", seen.peer)
    local one = link_get("tro-v0")
    assert.same({ "tro-other", "tro-v1" }, { one.peer_ns, one.peer })
    -- and a topology's report, which lists the root namespace's links
    local t <close> = nsl.topology { prefix = "tro-t", namespaces = { "a" }, links = { { "host", "a" } } }
    t:up()
    assert.equal(0, T.sh("ip netns add tro-other2 && " ..
      "ip link add tro-w0 type veth peer name tro-w1 netns tro-other2").code)
    assert.matches("namespace a", t:report())
    -- its owner deletes it: the kernel frees it, and the root end goes with it
    local ino = T.sh("stat -L -c %i /run/netns/tro-other").out
    assert.equal(0, T.sh("ip netns del tro-other && ip netns del tro-other2").code)
    assert.is_true(gone_within("tro-v0", 5), "tro-v0 stays: something keeps tro-other alive")
    assert.is_true(gone_within("tro-w0", 5), "tro-w0 stays: something keeps tro-other2 alive")
    -- and no descriptor of ours names it
    local pid = require("nsl.record").self().id:match("^%d+")
    assert.equal("", T.sh("ls -l /proc/" .. pid .. "/fd | grep -F 'net:[" .. ino:gsub("%s", "") .. "]'").out)
  end)
end)

describe("a failed test's artifacts that cannot be saved #netns", function()
  local dir
  before_each(function() dir = T.tmpdir() end)
  after_each(function()
    T.sh("umount " .. T.quote(dir .. "/ro"))
    T.rm(dir)
  end)

  it("never keep its world up: down runs, the next test is clean, one line says what was lost", function()
    if not T.need_sandbox() then return end
    -- a read-only folder: even root cannot write there
    assert.equal(0, T.sh("mkdir " .. T.quote(dir .. "/ro") .. " && mount -t tmpfs -o ro tmpfs " ..
      T.quote(dir .. "/ro")).code)
    local r = T.sh(string.format("NSL_TEST_FAIL=1 NSL_TEST_AFTER=1 NSL_ARTIFACTS=%s TMPDIR=%s busted --lua=%s %s",
      T.quote(dir .. "/ro/art"), T.quote(dir), T.quote(T.nsl), "spec/fixtures/nsl_test/worlds.lua"))
    assert.equal(1, r.code, r.out .. r.err)
    -- the failing test fails for its own reason; no hook error besides
    assert.matches("2 passed, 1 failed, 0 skipped", r.out)
    assert.not_matches("after_each", r.out .. r.err)
    local lines = {}
    for l in r.err:gmatch("[^\n]+") do if l:match("^nsl%.test: ") then lines[#lines + 1] = l end end
    assert.same({ "nsl.test: cannot save the artifacts of the failed test \"fixture world fails\" in " ..
      dir .. "/ro/art/worlds.lua/fixture_world_fails/: mkdir: " .. dir .. "/ro/art: Read-only file system" }, lines)
    -- every world went, and every private folder
    assert.equal("", T.sh("ip netns list").out)
    assert.equal("ro\n", T.sh("ls " .. T.quote(dir)).out)
  end)
end)

describe("a teardown that fails at the end of a scope or of the script #netns", function()
  after_each(function()
    T.run({ "--clean" })
    for _, n in ipairs(N.ip_netns()) do
      if n:match("^trb%-") then T.sh("umount /run/netns/" .. n .. "; ip netns del " .. n) end
    end
  end)

  -- The namespace's name is bound twice: its removal then meets EBUSY.
  local function busy(name)
    return 'os.execute("mount --bind /run/netns/' .. name .. ' /run/netns/' .. name .. '")\n'
  end

  local function says(r, pattern)
    local lines = {}
    for l in r.err:gmatch("[^\n]+") do lines[#lines + 1] = l end
    assert.equal(1, #lines, r.err)
    assert.matches(pattern, lines[1])
  end

  it("is said on stderr and fails the exit status, with or without -W; --clean removes what stayed", function()
    if not T.need_sandbox() then return end
    local script = "do\n  local ns <close> = nsl.netns('trb-x')\n  " .. busy("trb-x") .. "end\nprint('after the scope')\n"
    local path, dir = T.script(script)
    finally(function() T.rm(dir) end)
    for _, args in ipairs({ { path }, { "-W", path } }) do
      local r = T.run(args)
      assert.equal("after the scope\n", r.out)
      assert.equal(1, r.code, r.err)
      says(r, "^nsl: closing netns trb%-x: ns_del: trb%-x: Device or resource busy$")
      assert.same({ "trb-x" }, N.ip_netns())
      r = T.run({ "--clean" })
      assert.equal(0, r.code, r.err)
      assert.matches("removed namespace trb-x (run ", r.out, 1, true)
      assert.same({}, N.ip_netns())
    end
  end)

  it("of a topology left up at the end, or at os.exit(true), fails the exit status too", function()
    if not T.need_sandbox() then return end
    local body = "local t = nsl.topology { prefix = 'trb-', namespaces = { 'a', 'b' }, links = { { 'a', 'b' } } }:up()\n" ..
      busy("trb-a")
    for _, tail in ipairs({ "", "os.exit(true)\n" }) do
      local r = T.run_script(body .. tail)
      assert.equal(1, r.code, r.err)
      says(r, "^nsl: tearing down <topology trb%-: .*>: down: trb%-: namespace a: undo create: " ..
        "ns_del: trb%-a: Device or resource busy$")
      assert.same({ "trb-a" }, N.ip_netns())
      r = T.run({ "--clean" })
      assert.equal(0, r.code, r.err)
      assert.matches("removed namespace trb-a (run ", r.out, 1, true)
      assert.same({}, N.ip_netns())
      assert.equal("lo\n", T.sh("ls /sys/class/net").out)
    end
  end)

  it("a teardown the script calls and catches leaves the exit status to the script", function()
    if not T.need_sandbox() then return end
    local r = T.run_script("local ns = nsl.netns('trb-y')\n" .. busy("trb-y") ..
      "print(pcall(ns.del, ns))\n")
    assert.equal(0, r.code, r.err)
    assert.matches("^false\t.*Device or resource busy", r.out)
    assert.equal("", r.err)
  end)
end)
