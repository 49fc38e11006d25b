-- nsl.topo.ready: readiness probes of a topology's services (the
-- `ready` key of a service): a TCP port listening, a command succeeding,
-- a file existing, or a function of the user's.
local core = require "nsl.core"
local netns = require "nsl.netns"
local uts = require "nsl.topo.uts"

local M = {}

-- Is something listening on TCP port `port` in the network namespace of
-- pid?  /proc/<pid>/net/tcp shows that process's namespace's sockets.
local function listening(pid, port)
  local want = string.format(":%04X ", port)
  for _, f in ipairs({ "tcp", "tcp6" }) do
    local h = io.open("/proc/" .. pid .. "/net/" .. f, "r")
    if h then
      for line in h:lines() do
        local loc, st = line:match("^%s*%d+:%s+(%S+)%s+%S+%s+(%x%x)")
        if loc and st == "0A" and (loc .. " "):find(want, 1, true) then h:close() return true end
      end
      h:close()
    end
  end
  return false
end

-- Did a command exit with status 0?  Accepts the shapes ns_exec may
-- return: a table with ok/code/status, a number, or true.
local function succeeded(r)
  if type(r) == "table" then
    if r.ok ~= nil then return r.ok end
    local c = r.code or r.status or r.exit
    return c == 0
  end
  return r == true or r == 0
end

local function running(h)
  return h and netns.running(h)
end

-- Waits until a service answers as its ready says; raises on timeout or
-- when the process ends first.
function M.wait(t, s, h)
  local ready = s.ready
  if ready == nil then return end
  local timeout = type(ready) == "table" and ready.timeout or 10
  local deadline = core.now() + timeout
  local probe
  if type(ready) == "function" then
    probe = function() return ready(t, h) end
    timeout = 10
  elseif ready.port then
    probe = function() return listening(h.pid, ready.port) end
  elseif ready.cmd then
    probe = function()
      local ok, r = pcall(core.ns_exec, s.ns.real, ready.cmd, uts.opts(s.ns, { capture = true }))
      return ok and succeeded(r)
    end
  elseif ready.file then
    probe = function()
      local f = io.open(ready.file, "r")
      if f then f:close() end
      return f ~= nil
    end
  else
    return
  end
  while true do
    if probe() then return end
    if not running(h) then error("exited before it was ready", 0) end
    if core.now() > deadline then
      error(string.format("not ready after %gs", timeout), 0)
    end
    core.sleep(0.02)
  end
end

return M
