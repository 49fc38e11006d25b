-- S4: a container-like process tree.  A shell in new PID + mount + IPC
-- namespaces (unshare -pmif) is PID 1 inside; ps shows the host's
-- processes until a fresh /proc is mounted, then only its own; when PID 1
-- exits, every process of the namespace is gone.
-- Written step by step with the primitive spawn.
--
--   host ── nsl ── PID 1 (sh) ─┬─ ps
--                              └─ sleep (orphan, reaped when PID 1 ends)
--
-- Run as root: nsl examples/s4_pid.lua
local check = require "nsl.check"

local function count_lines(s) return select(2, s:gsub("\n", "")) end

check.step("a shell in new PID, mount and IPC namespaces (unshare -pmif), /proc not remounted")
-- (counted in /proc itself: ps looks itself up there by its own pid,
-- which the old /proc does not know when it holds few processes)
local r = spawn({ "sh", "-c", "echo $$; ls -d /proc/[0-9]* | wc -l" },
  { unshare = { "pid", "mount", "ipc" }, capture = true })
local pid1, before = r.stdout:match("^(%d+)\n%s*(%d+)")
check.eq(pid1, "1", "the shell is PID 1 inside")
check.ok(tonumber(before) and tonumber(before) > 3,
  "the old /proc still shows the host's processes (" .. tostring(before) .. ")")

check.step("the same with a fresh /proc (--mount-proc)")
r = spawn({ "sh", "-c", "sleep 30 & ps -e -o pid=,comm=" },
  { unshare = { "pid", "mount", "ipc" }, mount_proc = true, capture = true })
io.write(r.stdout)
check.ok(r.ok and count_lines(r.stdout) == 3, "ps shows only the namespace's own processes: sh, sleep, ps",
  r.stdout)

check.step("when PID 1 exits, its namespace's processes are gone")
-- The shell starts a long sleep and exits; the sleep must not survive it.
r = spawn({ "sh", "-c", "sleep 317 & echo $!" }, { unshare = { "pid", "mount" }, mount_proc = true,
  capture = true })
check.ok(r.ok, "PID 1 exited")
local left = io.popen("pgrep -x -f 'sleep 317'"):read("a")
check.eq(left, "", "no sleep 317 is left on the host")
os.exit(check.finish())
