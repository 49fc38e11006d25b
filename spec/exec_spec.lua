-- ns_exec: commands in a named network namespace, with what `ip netns
-- exec` does (the process handle is proc_spec.lua).
local T = require "spec.support.util"

local arg_error, need_sandbox = T.arg_error, T.need_sandbox

local function ns_links(r) -- names in `ip -o link` output
  local names = {}
  for name in r.stdout:gmatch("%d+: ([^:@]+)") do names[#names + 1] = name end
  table.sort(names)
  return table.concat(names, " ")
end

local function self_ns()
  local t = {}
  for _, k in ipairs({ "net", "mnt", "pid", "ipc", "uts", "user", "cgroup", "time",
                       "pid_for_children", "time_for_children" }) do
    t[k] = T.sh("readlink /proc/" .. T.sh("echo $PPID").out:match("%d+") .. "/ns/" .. k).out
  end
  return t
end

local nsl_script = T.run_script

describe("ns_exec #netns", function()
  local ns

  before_each(function()
    if not T.sandboxed() then return end
    ns = "nslx" .. math.random(1e6)
    assert.equal(0, T.sh("ip netns add " .. ns).code)
  end)

  after_each(function()
    if ns then T.sh("ip netns del " .. ns) end
    T.sh("rm -rf /etc/netns/" .. (ns or "none"))
    ns = nil
  end)

  it("runs an argv command in the namespace and returns its result", function()
    if not need_sandbox() then return end
    local r = ns_exec(ns, { "ip", "-o", "link" }, { capture = true })
    assert.equal(0, r.code)
    assert.is_true(r.ok)
    assert.equal("lo", ns_links(r))
    assert.equal("", r.stderr)
    assert.is_number(r.pid)
  end)

  it("runs a string with /bin/sh -c and reports a failing exit code", function()
    if not need_sandbox() then return end
    local r = ns_exec(ns, "echo out; echo err >&2; exit 3", { capture = true })
    assert.same({ 3, false, "out\n", "err\n" }, { r.code, r.ok, r.stdout, r.stderr })
  end)

  it("without capture, the output goes to nsl's own stdout", function()
    if not need_sandbox() then return end
    local out = nsl_script(string.format(
      "local r = ns_exec(%q, {'echo', 'hello'}); print(r.code)", ns)).out
    assert.equal("hello\n0\n", out)
  end)

  it("feeds stdin, sets env and cwd", function()
    if not need_sandbox() then return end
    local r = ns_exec(ns, { "cat" }, { capture = true, stdin = "line1\nline2" })
    assert.equal("line1\nline2", r.stdout)
    r = ns_exec(ns, "echo $NSL_A-${HOME:-unset}; pwd", { capture = true, cwd = "/tmp",
                env = { NSL_A = "a", HOME = false } })
    assert.equal("a-unset\n/tmp\n", r.stdout)
    local big = string.rep("x", 300000)
    r = ns_exec(ns, { "wc", "-c" }, { capture = true, stdin = big })
    assert.equal("300000", r.stdout:match("%d+"))
  end)

  it("remounts /sys for the namespace; mount = false leaves nsl's /sys", function()
    if not need_sandbox() then return end
    assert.equal(0, T.sh("ip link add nslxv0 type veth peer name nslxv1").code)
    finally(function() T.sh("ip link del nslxv0") end)
    assert.equal("lo\n", ns_exec(ns, { "ls", "/sys/class/net" }, { capture = true }).stdout)
    local r = ns_exec(ns, { "ls", "/sys/class/net" }, { capture = true, mount = false })
    assert.matches("nslxv0", r.stdout)
    -- the network namespace is joined either way
    assert.equal("lo", ns_links(ns_exec(ns, { "ip", "-o", "link" }, { capture = true, mount = false })))
  end)

  it("binds /etc/netns/NAME/* over /etc, as ip netns exec does", function()
    if not need_sandbox() then return end
    T.sh("mkdir -p /etc/netns/" .. ns)
    T.write("/etc/netns/" .. ns .. "/resolv.conf", "nameserver 10.9.8.7\n")
    local r = ns_exec(ns, { "cat", "/etc/resolv.conf" }, { capture = true })
    assert.equal("nameserver 10.9.8.7\n", r.stdout)
    -- the host's file is untouched
    assert.not_matches("10.9.8.7", T.slurp("/etc/resolv.conf"))
    -- and ip netns exec agrees
    assert.equal(r.stdout, T.sh("ip netns exec " .. ns .. " cat /etc/resolv.conf").out)
  end)

  it("kills a command that passes its timeout and says so", function()
    if not need_sandbox() then return end
    local t0 = now()
    local r = ns_exec(ns, { "sleep", "10" }, { timeout = 0.3 })
    assert.is_true(r.timed_out)
    assert.equal("KILL", r.signal)
    assert.is_false(r.ok)
    assert.is_nil(r.code)
    assert.is_true(now() - t0 < 2)
    -- a shell's children go with it (its process group)
    -- durations no other spec uses: a worker's sandbox runs several spec
    -- files, and another's background sleep may still be there
    r = ns_exec(ns, "sleep 29.71 & sleep 29.72; :", { timeout = 0.2 })
    assert.is_true(r.timed_out)
    -- SIGKILL went to the group; dying takes a moment on a loaded machine
    local deadline = now() + 2
    local function gone() return T.sh("pgrep -f 'sleep 29.7[12]$'").code == 1 end
    while not gone() and now() < deadline do sleep(0.05) end
    assert.is_true(gone(), "the shell's sleeps outlived its timeout")
  end)

  it("leaks no descriptor of nsl into the child", function()
    if not need_sandbox() then return end
    local f = assert(io.open("/etc/hostname"))
    local h = ns_exec(ns, { "sleep", "5" }, { background = true, capture = true, stdin = true })
    local fds = T.sh("ls /proc/" .. h.pid .. "/fd").out
    h:close()
    f:close()
    assert.equal("0\n1\n2\n", fds)
    local r = ns_exec(ns, { "ls", "/proc/self/fd" }, { capture = true })
    assert.equal("0\n1\n2\n3\n", r.stdout) -- 3: ls's own directory
  end)

  it("never changes nsl's own namespaces", function()
    if not need_sandbox() then return end
    local before = self_ns()
    ns_exec(ns, { "true" })
    ns_exec(ns, { "true" }, { unshare = { "pid", "mount", "uts", "ipc", "cgroup", "time" } })
    local h = spawn({ "sleep", "5" }, { unshare = { "pid", "mount", "uts", "ipc", "user" },
                                       background = true, grace = 0.1 })
    pid_exec(h.pid, { "true" })
    h:close()
    assert.same(before, self_ns())
  end)

  describe("bad input", function()
    it("names a command that does not exist", function()
      if not need_sandbox() then return end
      local ok, err = pcall(ns_exec, ns, { "nosuchcmd-nsl" })
      assert.is_false(ok)
      assert.equal("ns_exec: nosuchcmd-nsl: No such file or directory", tostring(err))
      assert.equal("ENOENT", err.code)
      local dir = T.tmpdir()
      finally(function() T.rm(dir) end)
      T.write(dir .. "/plain", "not a program\n")
      ok, err = pcall(ns_exec, ns, { dir .. "/plain" })
      assert.equal("ns_exec: " .. dir .. "/plain: Permission denied", tostring(err))
      assert.equal("EACCES", err.code)
    end)

    it("names an unknown namespace", function()
      if not need_sandbox() then return end
      local ok, err = pcall(ns_exec, "nslx-nosuch", { "true" })
      assert.is_false(ok)
      assert.equal("ns_exec: nslx-nosuch: no such network namespace", tostring(err))
      assert.equal(2, err.errno)
    end)

    it("raises argument errors for bad options", function()
      if not need_sandbox() then return end
      T.nsl_error(function() ns_exec(ns, { "true" }, { timeout = "1" }) end,
        "ns_exec: option 'timeout': number of seconds expected, got string")
      T.nsl_error(function() ns_exec(ns, { "true" }, { captur = true }) end,
        "ns_exec: unknown option 'captur' (did you mean 'capture'?)")
      arg_error(function() ns_exec(ns, {}) end, 2, "ns_exec", "empty command")
      assert.has_error(function() ns_exec(ns, 42) end)
      assert.has_error(function() ns_exec(nil, { "true" }) end)
    end)

    it("names a missing cwd", function()
      if not need_sandbox() then return end
      local ok, err = pcall(ns_exec, ns, { "true" }, { cwd = "/nonexistent-nsl" })
      assert.is_false(ok)
      assert.equal("ns_exec: /nonexistent-nsl: No such file or directory", tostring(err))
    end)
  end)
end)

describe("the process primitives under valgrind #netns #valgrind", function()
  it("find no leak and no invalid access", function()
    if not need_sandbox() then return end
    if T.sh("command -v valgrind").code ~= 0 then pending("valgrind is not installed (make deps installs it)") return end
    if T.nsl:match("asan") then pending("the ASan build is checked by ASan, not valgrind") return end
    if not T.full() then pending("valgrind is slow: make check-full runs it") return end
    local ns = "nslv" .. math.random(1e6)
    assert.equal(0, T.sh("ip netns add " .. ns).code)
    local path, dir = T.script(string.format([[
      local ns = %q
      assert(ns_exec(ns, { "cat" }, { capture = true, stdin = "abc" }).stdout == "abc")
      assert(not pcall(ns_exec, ns, { "nosuchcmd-nsl" }))
      assert(not pcall(ns_exec, ns, { "true" }, { timeout = "x" }))
      assert(ns_exec(ns, { "sleep", "5" }, { timeout = 0.1 }).timed_out)
      local h = ns_exec(ns, { "cat" }, { background = true, capture = true, stdin = true })
      h:write("x"); h:close_stdin(); assert(h:wait().stdout == "x")
      local bg = spawn({ "sleep", "100" }, { unshare = { "pid", "mount", "uts", "ipc", "user" },
                                              mount_proc = true, hostname = "v", background = true,
                                              grace = 0.2 })
      assert(pid_exec(bg.pid, { "hostname" }, { capture = true }).stdout == "v\n")
      local left = ns_exec(ns, { "sleep", "100" }, { background = true, grace = 0.2 })
      print("done")
    ]], ns))
    -- busted keeps one finally per test: all cleanup here
    finally(function() T.rm(dir) T.sh("ip netns del " .. ns) end)
    local r = T.sh("valgrind -q --leak-check=full --show-leak-kinds=definite,indirect " ..
      "--errors-for-leak-kinds=definite,indirect --error-exitcode=99 " .. T.quote(T.nsl) .. " " .. path)
    assert.equal(0, r.code, r.err)
    assert.equal("done\n", r.out)
    assert.not_matches("==%d+==", r.err)
  end)
end)
