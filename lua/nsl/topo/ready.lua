-- nsl.topo.ready: readiness probes of a topology's services (the
-- `ready` key of a service): a TCP port listening, a command succeeding,
-- a file existing, or a function of the user's.
local core = require "nsl.core"
local netns = require "nsl.netns"
local uts = require "nsl.topo.uts"

local M = {}

-- Is something listening on `port` (TCP unless proto says "udp") in the
-- namespace called ns?  The kernel answers (sock_diag over netlink).
function M.listening(ns, port, proto)
  return #core.sock_list({ ns = ns, proto = proto or "tcp", state = "listen", port = port }) > 0
end

-- The command a service runs: with the topology's logdir, its stdout and
-- stderr go to <logdir>/<service>.log (noted in t.logfiles), through an
-- `exec` of sh so that the service's pid and exit status are its own.
function M.argv(t, s)
  if not t.logdir then return s.cmd end
  local path = t.logdir .. "/" .. s.name .. ".log"
  t.logfiles[s.name] = path
  return { "sh", "-c", 'exec "$@" >>"$0" 2>&1', path, table.unpack(s.cmd) }
end

-- The last n lines of a file, or nil.
function M.tail(path, n)
  local f = path and io.open(path, "r")
  if not f then return nil end
  local lines = {}
  for line in f:lines() do
    lines[#lines + 1] = line
    if #lines > n then table.remove(lines, 1) end
  end
  f:close()
  return table.concat(lines, "\n")
end

-- Why a service's process ended: "exited with status 1" / "was killed
-- by SIGKILL", then the tail of its log when it has one.
local function ended(t, s, h)
  local r = h and h.wait and select(2, pcall(h.wait, h))
  local how = "exited"
  if type(r) == "table" then
    if r.code then how = "exited with status " .. r.code
    elseif r.signal then how = "was killed by SIG" .. r.signal end
  end
  local msg = how .. " before it was ready"
  local tail = M.tail(t.logfiles and t.logfiles[s.name], 10)
  if tail and tail ~= "" then msg = msg .. "; the end of its log:\n" .. tail end
  return msg
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
    probe = function() return M.listening(s.ns.real, ready.port) end
  elseif ready.udp then
    probe = function() return M.listening(s.ns.real, ready.udp, "udp") end
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
  -- First looks after 1 ms, then backs off to 50 ms between probes.
  local step = 0.001
  while true do
    if probe() then return end
    if not running(h) then error(ended(t, s, h), 0) end
    if core.now() > deadline then
      error(string.format("not ready after %gs", timeout), 0)
    end
    core.sleep(step)
    step = math.min(step * 2, 0.05)
  end
end

return M
