-- nsl.topo.svc: a topology's services while it is up: starting one (its
-- user, group, log, environment and directory, in its node's namespaces),
-- t:start / t:stop / t:restart, and restart supervision.
--
-- Supervision lives on the Lua side, in the script's own thread: every
-- call of the topology's methods that touch its nodes (t:exec, t:service,
-- t:start, t:stop, t:restart, t:wait_route, t:state, t:show) and the
-- waits of t:wait_route and t:supervise(seconds) look at the services
-- with restart = "on-failure" or "always"; one that ended (and was not
-- stopped by t:stop) is started again after a backoff that doubles from
-- 0.1 s up to 5 s, and starts over at 0.1 s once a run lasted 10 s.
local core = require("nsl.core")
local netns = require("nsl.netns")
local uts = require("nsl.topo.uts")
local ready = require("nsl.topo.ready")
local keys = require("nsl.topo.keys")
local lab = require("nsl.lab")

local M = {}

M.BACKOFF_MIN, M.BACKOFF_MAX, M.STABLE = 0.1, 5, 10

-- Starts service s (not running): ns_exec records the process; its
-- handle stops it (SIGTERM, stop_timeout, SIGKILL).
function M.start(t, s)
  local h = core.ns_exec(s.ns.real, s.cmd, uts.opts(s.ns, { background = true, env = s.env,
    cwd = s.cwd, grace = s.stop_timeout, user = s.user, group = s.group, log = ready.logfile(t, s) }))
  local p = t.procs[s.name]
  t.procs[s.name] = { handle = h, pid = h.pid, started = core.now(), backoff = p and p.backoff,
                      restarts = p and p.restarts or 0 }
  if t.status == "up" then lab.up(t) end -- nsl show: the new pid
  return h
end

function M.wait_ready(t, s)
  local p = t.procs[s.name]
  if s.ready ~= nil and p then ready.wait(t, s, p.handle) end
end

-- Stops service s's process (the handle's stop; or sig first, then the
-- handle's stop after its grace); it is not restarted.
function M.stop(t, s, sig)
  local p = t.procs[s.name]
  if not p then return false end
  t.procs[s.name] = nil
  lab.up(t)
  if sig and p.handle:running() then
    p.handle:kill(sig)
    p.handle:wait(s.stop_timeout or 2)
  end
  netns.stop(p.handle)
  return true
end

-- The service named name, or an error at the caller's caller naming the
-- closest one.
function M.find(t, name, method)
  local s = type(name) == "string" and t.model.services[name]
  if not s then
    error(string.format("topology: %s: no service named '%s'%s", method, tostring(name),
      type(name) == "string" and keys.suggest(name, keys.sorted(t.model.services)) or ""), 3)
  end
  if t.status ~= "up" then error("topology: " .. method .. ": the topology is " .. t.status .. " (call up first)", 3) end
  return s
end

-- One look at the services that restart: starts again those whose time
-- has come.  Errors of a start are kept in t.procs[name].error.
function M.supervise(t)
  if t.status ~= "up" or t.supervising then return end
  t.supervising = true
  local now = core.now()
  for _, s in ipairs(t.model.service_order) do
    local p = t.procs[s.name]
    if p and s.restart ~= "no" and not netns.running(p.handle) then
      if not p.ended then
        local r = p.handle:wait(0)
        p.ended = now
        p.failed = not (type(r) == "table" and r.code == 0)
        local ran = now - (p.started or now)
        p.backoff = ran >= M.STABLE and M.BACKOFF_MIN or math.min((p.backoff or M.BACKOFF_MIN / 2) * 2, M.BACKOFF_MAX)
      end
      if (s.restart == "always" or p.failed) and now >= p.ended + p.backoff then
        local ok, err = pcall(M.start, t, s)
        if ok then
          t.procs[s.name].restarts = (p.restarts or 0) + 1
        else
          p.error, p.ended = tostring(err), now
        end
      end
    end
  end
  t.supervising = false
end

-- Installs t:start, t:stop, t:restart and t:supervise.
function M.install(Topology)
  -- t:start(name): starts a service that is not running; waits until ready.
  function Topology:start(name)
    local s = M.find(self, name, "start")
    M.supervise(self)
    local p = self.procs[s.name]
    if p and netns.running(p.handle) then error("topology: start: service " .. name .. " is running", 2) end
    local ok, err = pcall(function() M.start(self, s); M.wait_ready(self, s) end)
    if not ok then error("topology: start: service " .. name .. ": " .. tostring(err), 2) end
    return self
  end
  -- t:stop(name [, signal]): stops it (signal first when given, default
  -- SIGTERM then SIGKILL after its stop_timeout); no restart follows.
  function Topology:stop(name, sig)
    local s = M.find(self, name, "stop")
    if sig ~= nil and type(sig) ~= "string" and math.type(sig) ~= "integer" then
      error("topology: stop: signal must be a name (\"KILL\") or a number, got " .. type(sig), 2)
    end
    if type(sig) == "string" and not core.signals[sig:gsub("^SIG", "")] then
      error("topology: stop: unknown signal '" .. sig .. "'", 2)
    end
    M.supervise(self)
    M.stop(self, s, sig)
    return self
  end
  -- t:restart(name): stops it (if running) and starts it again.
  function Topology:restart(name)
    local s = M.find(self, name, "restart")
    M.stop(self, s)
    local ok, err = pcall(function() M.start(self, s); M.wait_ready(self, s) end)
    if not ok then error("topology: restart: service " .. name .. ": " .. tostring(err), 2) end
    return self
  end
  -- t:supervise(seconds): waits that long, restarting services meanwhile.
  function Topology:supervise(seconds)
    if type(seconds) ~= "number" or seconds < 0 then
      error("topology: supervise: seconds must be a non-negative number", 2)
    end
    local deadline = core.now() + seconds
    repeat
      M.supervise(self)
      core.sleep(math.min(0.05, math.max(0, deadline - core.now())))
    until core.now() >= deadline
    return self
  end
end

return M
