-- spawn and pid_exec: processes in new namespaces of every kind (as
-- unshare does), and commands in a running process's namespaces (as
-- nsenter -t PID does).  Scenarios S3, S4 and S6, as a user sees them.
local T = require "spec.support.util"

local need_sandbox = T.need_sandbox

local function out(cmd, opts)
  opts = opts or {}
  opts.capture = true
  local r = spawn(cmd, opts)
  assert.equal(0, r.code, r.stderr)
  return r.stdout
end

-- Waits until f() is true (or 5 s pass); returns its last value.
local function eventually(f)
  local v
  for _ = 1, 250 do
    v = f()
    if v then return v end
    sleep(0.02)
  end
  return v
end

describe("spawn #netns", function()

  it("S3: a tmpfs in a private mount table is invisible to the host, visible to nsenter -a", function()
    if not need_sandbox() then return end
    local dir = T.tmpdir()
    finally(function() T.rm(dir) end)
    local h <close> = spawn({ "sh", "-c", "echo hello > " .. dir .. "/hello.txt; exec sleep 100" },
      { unshare = { "mount" }, mounts = { { type = "tmpfs", target = dir } }, background = true,
        grace = 0.2 })
    local seen = eventually(function()
      local r = pid_exec(h.pid, { "cat", dir .. "/hello.txt" }, { capture = true })
      return r.code == 0 and r.stdout
    end)
    assert.equal("hello\n", seen)
    -- the host sees neither the mount nor the file
    assert.equal("", T.sh("ls -A " .. dir).out)
    assert.not_matches(dir, T.slurp("/proc/self/mountinfo"), 1, true)
    -- entering only the mount namespace is enough; entering only net is not
    assert.equal("hello\n", pid_exec(h.pid, { "cat", dir .. "/hello.txt" },
      { ns = { "mount" }, capture = true }).stdout)
    assert.equal(1, pid_exec(h.pid, { "test", "-e", dir .. "/hello.txt" }, { ns = "net" }).code)
  end)

  it("S3: bind mounts and read-only mounts happen before the command starts", function()
    if not need_sandbox() then return end
    local src, dst = T.tmpdir(), T.tmpdir()
    finally(function() T.rm(src); T.rm(dst) end)
    T.write(src .. "/f", "from src\n")
    local r = spawn({ "sh", "-c", "cat " .. dst .. "/f; touch " .. dst .. "/g 2>/dev/null || echo ro" },
      { mounts = { { type = "bind", source = src, target = dst, readonly = true } }, capture = true })
    assert.equal("from src\nro\n", r.stdout)
    assert.equal("", T.sh("ls -A " .. dst).out)
  end)

  it("S4: PID 1 in a new PID namespace; /proc shows the host until it is remounted", function()
    if not need_sandbox() then return end
    -- the old /proc counted directly: ps looks itself up there by its own
    -- pid, which a /proc of few processes (the sandbox's) does not have
    local before = out({ "sh", "-c", "echo $$; ls -d /proc/[0-9]*" }, { unshare = { "pid", "mount", "ipc" } })
    local ps = { "sh", "-c", "echo $$; ps -e -o pid=,comm=" }
    assert.equal("1", before:match("^(%d+)\n"))
    local n = select(2, before:gsub("\n", "")) - 1
    assert.is_true(n > 3, "the host's processes are listed before the remount")
    local after = out(ps, { unshare = { "pid", "mount", "ipc" }, mount_proc = true })
    assert.equal("1\n      1 sh\n      2 ps\n", after)
    -- the host's /proc is untouched
    assert.is_true(#T.sh("ls /proc | grep -c '^[0-9]'").out > 0)
    assert.not_equal("1", T.sh("echo $$").out:match("%d+"))
  end)

  it("S4: when PID 1 exits, every process of the namespace is gone", function()
    if not need_sandbox() then return end
    local r = spawn("sleep 1000.71 & sleep 1000.72 & sleep 0.2",
      { unshare = { "pid" }, capture = true })
    assert.equal(0, r.code)
    sleep(0.1)
    assert.equal(1, T.sh("pgrep -f 'sleep 1000[.]7'").code)
  end)

  it("S6 pid: orphans are adopted by the namespace's PID 1", function()
    if not need_sandbox() then return end
    -- the subshell has exited (and its child been reparented) when $() returns
    local r = out("orphan=$( (sleep 1 >/dev/null & echo $!) ); echo $orphan; ps -o ppid= -p $orphan",
      { unshare = { "pid" }, mount_proc = true })
    local orphan, ppid = r:match("^(%d+)\n%s*(%d+)")
    assert.not_equal("1", orphan)
    assert.equal("1", ppid)
  end)

  it("S6 uts: a hostname set inside does not change the host's", function()
    if not need_sandbox() then return end
    local host = T.sh("hostname").out
    assert.equal("box\n", out({ "hostname" }, { hostname = "box" }))
    assert.equal("box\n", out({ "hostname" }, { unshare = "uts", hostname = "box" }))
    assert.equal(host, T.sh("hostname").out)
    -- a new UTS namespace alone starts as a copy
    assert.equal(host, out({ "hostname" }, { unshare = { "uts" } }))
  end)

  it("S6 ipc: a System V shared memory segment is invisible across namespaces", function()
    if not need_sandbox() then return end
    local count = "ipcs -m | grep -c '^0x' || true"
    local host_before = T.sh(count).out
    local h <close> = spawn("ipcmk -M 4096 >/dev/null && exec sleep 100",
      { unshare = { "ipc" }, background = true, grace = 0.2 })
    assert.equal("1\n", eventually(function()
      local r = pid_exec(h.pid, { "sh", "-c", count }, { ns = { "ipc" }, capture = true })
      return r.stdout ~= "0\n" and r.stdout
    end))
    assert.equal(host_before, T.sh(count).out)
    assert.equal("0\n", out({ "sh", "-c", count }, { unshare = { "ipc" } }))
  end)

  it("S6 user: uid 0 inside maps to the caller outside", function()
    if not need_sandbox() then return end
    assert.equal("0\n", out({ "id", "-u" }, { unshare = { "user" } }))
    local uid = T.sh("id -u").out:match("%d+")
    local map = out({ "cat", "/proc/self/uid_map" }, { unshare = { "user" } })
    assert.same({ "0", uid, "1" }, { map:match("(%d+)%s+(%d+)%s+(%d+)") })
  end)

  it("S6 user: an unprivileged user builds PID and mount namespaces through one", function()
    if not need_sandbox() then return end
    if T.sh("command -v setpriv").code ~= 0 then pending("setpriv (util-linux) is missing") return end
    local r = T.sh("NSL_ROOTLESS=0 setpriv --reuid=65534 --regid=65534 --clear-groups " .. T.quote(T.nsl) ..
      [[ -e 'local r = spawn({"sh", "-c", "id -u; cat /proc/self/uid_map; echo $$; ls /proc | grep -c \"^[0-9]\""},
             {unshare = {"user", "pid", "mount"}, mount_proc = true, capture = true})
             io.write(r.stdout, r.stderr)']])
    assert.equal(0, r.code, r.err)
    local id, a, b, pid = r.out:match("^(%d+)\n%s*(%d+)%s+(%d+)%s+1\n(%d+)\n")
    assert.same({ "0", "0", "65534", "1" }, { id, a, b, pid })
  end)

  it("S6 cgroup: the process sees its own cgroup as the root", function()
    if not need_sandbox() then return end
    local inside = out({ "cat", "/proc/self/cgroup" }, { unshare = { "cgroup" } })
    for line in inside:gmatch("[^\n]+") do
      assert.matches(":/$", line)
    end
  end)

  it("S6 time: a new time namespace of its own", function()
    if not need_sandbox() then return end
    local host = T.sh("readlink /proc/self/ns/time").out
    local inside = out({ "readlink", "/proc/self/ns/time" }, { unshare = { "time" } })
    assert.matches("^time:%[%d+%]\n$", inside)
    assert.not_equal(host, inside)
    -- with offsets: a boot a day earlier, seen by uptime inside only
    local up = tonumber(T.slurp("/proc/uptime"):match("^[%d.]+"))
    local shifted = tonumber(out({ "cat", "/proc/uptime" },
      { time_offsets = { boottime = 86400 } }):match("^[%d.]+"))
    assert.is_true(shifted - up > 86399 and shifted - up < 86460, tostring(shifted - up))
    T.nsl_error(function() spawn({ "true" }, { time_offsets = { boottime = "x" } }) end,
      "spawn: option 'time_offsets': boottime: number of seconds expected")
  end)

  it("S6 net: two servers on one port in two namespaces at once", function()
    if not need_sandbox() then return end
    if T.sh("command -v socat").code ~= 0 then pending("socat is missing") return end
    local function server(word)
      return spawn("ip link set lo up && exec socat TCP-LISTEN:8080,reuseaddr,fork SYSTEM:'echo " .. word .. "'",
        { unshare = { "net" }, background = true, capture = true })
    end
    local a <close> = server("one")
    local b <close> = server("two")
    local function ask(h)
      return eventually(function()
        local r = pid_exec(h.pid, { "socat", "-T1", "-", "TCP:127.0.0.1:8080" },
          { ns = { "net" }, capture = true, stdin = "" })
        return r.code == 0 and r.stdout ~= "" and r.stdout
      end)
    end
    assert.equal("one\n", ask(a))
    assert.equal("two\n", ask(b))
    assert.is_true(a:running() and b:running())
    -- and nothing listens in nsl's own namespace
    assert.not_equal(0, T.sh("socat -T1 - TCP:127.0.0.1:8080 </dev/null").code)
  end)

  it("S2+S4: a container-like process on a named network namespace", function()
    if not need_sandbox() then return end
    local ns = "nslc" .. math.random(1e6)
    assert.equal(0, T.sh("ip netns add " .. ns).code)
    finally(function() T.sh("ip netns del " .. ns) end)
    local r = ns_exec(ns, { "sh", "-c", "echo $$; hostname; ip -o link | cut -d: -f2; ps -e -o comm=" },
      { unshare = { "pid", "mount", "uts", "ipc" }, mount_proc = true, hostname = "box", capture = true })
    assert.equal("1\nbox\n lo\nsh\nps\n", r.stdout)
  end)

  it("S6 user: a user namespace on a named network namespace, with PID 1 and its /proc", function()
    if not need_sandbox() then return end
    local ns = "nslu" .. math.random(1e6)
    assert.equal(0, T.sh("ip netns add " .. ns).code)
    finally(function() T.sh("ip netns del " .. ns) end)
    local r = ns_exec(ns, { "sh", "-c", "id -u; cat /proc/self/uid_map; echo $$; ls /sys/class/net" },
      { unshare = { "user", "pid" }, mount_proc = true, capture = true })
    assert.equal(0, r.code, r.stderr)
    assert.matches("^0\n%s*0%s+" .. T.sh("id -u").out:match("%d+") .. "%s+1\n1\nlo\n$", r.stdout)
  end)

  describe("bad input", function()
    it("refuses an unknown namespace kind", function()
      if not need_sandbox() then return end
      T.nsl_error(function() spawn({ "true" }, { unshare = { "pid", "bogus" } }) end,
        "spawn: option 'unshare': unknown namespace kind 'bogus'; known: net, mount, pid, ipc, uts, user, cgroup, time")
      assert.has_error(function() pid_exec(1, { "true" }, { ns = { "nope" } }) end)
      assert.has_error(function() spawn({ "true" }, { unshare = 5 }) end)
    end)

    it("names a PID that is gone", function()
      if not need_sandbox() then return end
      local r = spawn({ "true" })
      local ok, err = pcall(pid_exec, r.pid, { "true" })
      assert.is_false(ok)
      assert.equal("pid_exec: " .. r.pid .. ": No such process", tostring(err))
      assert.equal("ESRCH", err.code)
      assert.has_error(function() pid_exec(0, { "true" }) end)
      assert.has_error(function() pid_exec("x", { "true" }) end)
    end)

    it("names a mount that fails", function()
      if not need_sandbox() then return end
      local ok, err = pcall(spawn, { "true" }, { mounts = { { type = "tmpfs", target = "/nonexistent-nsl" } } })
      assert.is_false(ok)
      assert.equal("spawn: /nonexistent-nsl: mount tmpfs: No such file or directory", tostring(err))
      T.nsl_error(function() spawn({ "true" }, { mounts = { { type = "bind", target = "/mnt" } } }) end,
        "spawn: option 'mounts': bind entry 1 has no source")
    end)
  end)
end)
