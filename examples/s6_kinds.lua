-- S6: the namespace kinds, one demonstration each: network, IPC, UTS,
-- user, cgroup, PID (mount is S3).  Written step by step with the
-- primitives (ns_add, ns_exec, spawn, pid_exec).
--
-- Run as root: nsl examples/s6_kinds.lua
local check = require "nsl.check"

local function run(cmd, opts)
  opts = opts or {}
  opts.capture = true
  return spawn(cmd, opts)
end

local function have(prog)
  return os.execute("command -v " .. prog .. " >/dev/null 2>&1") == true
end

-- network: two servers on one port, in two namespaces at once.
check.step("network: two servers on port 8080 at once, one per namespace")
if have("socat") then
  local servers = {}
  local ok, err = pcall(function()
    for _, name in ipairs({ "s6one", "s6two" }) do
      ns_add(name)
      link_set("lo", { up = true, ns = name })
      servers[#servers + 1] = ns_exec(name, { "socat", "TCP-LISTEN:8080,reuseaddr,fork",
        "SYSTEM:echo hello from " .. name }, { background = true, mount = false })
    end
    for _, name in ipairs({ "s6one", "s6two" }) do
      local r
      for _ = 1, 100 do
        r = ns_exec(name, { "socat", "-T1", "-", "TCP:127.0.0.1:8080" },
          { capture = true, stdin = "", mount = false })
        if r.ok and r.stdout ~= "" then break end
        sleep(0.02)
      end
      check.eq(r.stdout, "hello from " .. name .. "\n", name .. "'s port 8080 answers with its own server")
    end
  end)
  for _, h in ipairs(servers) do h:close() end
  for _, name in ipairs({ "s6one", "s6two" }) do if ns_exists(name) then ns_del(name) end end
  check.ok(ok, "no error", err and tostring(err))
else
  print("  (skipped: socat is not installed)")
end

-- IPC: a message queue made in one IPC namespace is invisible in another.
check.step("IPC: a System V message queue stays in its namespace")
local r = run("ipcmk -Q >/dev/null && ipcs -q | grep -c '^0x'", { unshare = "ipc" })
check.eq(r.stdout, "1\n", "inside one IPC namespace: ipcmk -Q made 1 queue")
r = run("ipcs -q | grep -c '^0x' || true", { unshare = "ipc" })
check.eq(r.stdout, "0\n", "another IPC namespace sees 0 queues")

-- UTS: a hostname set inside does not change the host's.
check.step("UTS: a hostname of its own")
local host = io.popen("hostname"):read("l")
r = run({ "hostname" }, { hostname = "box" })
check.eq(r.stdout, "box\n", "inside, hostname says box")
check.eq(io.popen("hostname"):read("l"), host, "the host is still " .. host)

-- user: uid 0 inside, an unprivileged uid outside.
check.step("user: uid 0 inside, nobody (65534) outside")
if have("setpriv") then
  -- nobody may not reach nsl where it was built (a home directory is
  -- often 0700): run a copy from a world-readable temporary directory.
  local tmp = io.popen("mktemp -d /tmp/nsl-s6.XXXXXX"):read("l")
  local copy <close> = setmetatable({}, { __close = function() os.execute("rm -rf " .. tmp) end })
  os.execute("cp " .. (arg[-1] or "nsl") .. " " .. tmp .. "/nsl && chmod 755 " .. tmp)
  -- (NSL_ROOTLESS=0: nobody's nsl stays in the machine's world, where
  -- spawn makes the user namespace, instead of going rootless first)
  local p = io.popen("NSL_ROOTLESS=0 setpriv --reuid=65534 --regid=65534 --clear-groups " .. tmp .. "/nsl" ..
    " -e 'local r = spawn(\"id -u; cat /proc/self/uid_map\", {unshare = {\"user\"}, capture = true}) " ..
    "io.write(r.stdout)' 2>&1")
  local out = p:read("a")
  p:close()
  local inside, map_inside, map_outside = out:match("^(%d+)\n%s*(%d+)%s+(%d+)")
  check.eq(inside, "0", "as nobody, nsl starts a process that is uid 0 in its user namespace")
  check.eq(map_outside, "65534", "its uid_map maps uid " .. tostring(map_inside) .. " to 65534 outside")
else
  print("  (skipped: setpriv is not installed)")
end

-- cgroup: the process sees its own cgroup as the root.
check.step("cgroup: its own cgroup is the root of the hierarchy")
local mine = io.open("/proc/self/cgroup"):read("a"):match("\n?0::([^\n]*)")
print("  nsl's own cgroup: " .. tostring(mine))
r = run({ "grep", "^0::", "/proc/self/cgroup" }, { unshare = "cgroup" })
check.eq(r.stdout, "0::/\n", "inside, /proc/self/cgroup says 0::/")

-- PID: the first process is PID 1 and reaps orphans.
check.step("PID: PID 1 adopts and reaps orphans")
-- sh -c 'sleep 1 &' leaves an orphan; the shell run here is PID 1.  The
-- loops wait (up to 2 s, then 3 s) until PID 1 has adopted the sleep,
-- then until it has ended and been reaped.
r = run([[
  orphan() { ps -o ppid=,comm= -e | grep -q '^ *1 sleep$'; }
  sh -c 'sleep 1 &'
  for i in $(seq 40); do orphan && break; sleep 0.05; done
  ps -o pid=,ppid=,comm= -e
  for i in $(seq 60); do orphan || break; sleep 0.05; done
  echo zombies: $(ps -o stat= -e | grep -c Z)]],
  { unshare = { "pid", "mount" }, mount_proc = true })
io.write(r.stdout)
check.ok(r.stdout:match("%d+%s+1%s+sleep\n") ~= nil,
  "the orphaned sleep's parent is PID 1")
check.ok(r.stdout:find("zombies: 0", 1, true) ~= nil, "after it ends, no zombie is left")
os.exit(check.finish())
