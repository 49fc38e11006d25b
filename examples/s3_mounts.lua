-- S3: a private mount table.  A process in a new mount namespace mounts a
-- tmpfs on /mnt and writes a file there; the host sees neither, and
-- entering that process's namespaces by PID (nsenter -t PID -a) shows it.
-- Written step by step with the primitives (spawn, pid_exec).
--
--   host: /mnt as it was        shell (new mount namespace)
--                                 /mnt = tmpfs, /mnt/hello.txt
--
-- Run as root: nsl examples/s3_mounts.lua
local check = require "nsl.check"

check.step("start a shell in a new mount namespace with a tmpfs on /mnt")
local shell <close> = spawn("echo hello > /mnt/hello.txt && exec sleep 600", {
  mounts = { { type = "tmpfs", target = "/mnt" } },
  background = true,
})
print("  shell: pid " .. shell.pid)

local seen
for _ = 1, 100 do                     -- until the shell has written the file
  local r = pid_exec(shell.pid, { "cat", "/mnt/hello.txt" }, { ns = "mount", capture = true })
  if r.ok then seen = r.stdout break end
  sleep(0.02)
end

check.step("look from the host")
local f = io.open("/mnt/hello.txt")
check.ok(f == nil, "the host has no /mnt/hello.txt")
if f then f:close() end
local mounts = io.open("/proc/self/mounts"):read("a")
check.ok(not mounts:find(" /mnt tmpfs ", 1, true), "the host's mount table has no tmpfs on /mnt")

check.step("enter the shell's namespaces by PID (nsenter -t PID -a)")
check.eq(seen, "hello\n", "inside, /mnt/hello.txt says hello")
local r = pid_exec(shell.pid, { "sh", "-c", "grep ' /mnt ' /proc/self/mounts" }, { capture = true })
check.ok(r.ok and r.stdout:find("tmpfs", 1, true), "inside, /mnt is a tmpfs", r.stdout)
io.write(r.stdout)

check.step("stop the shell: its mount namespace goes with it")
shell:close()
check.ok(not shell:running(), "the shell has ended")
os.exit(check.finish())
