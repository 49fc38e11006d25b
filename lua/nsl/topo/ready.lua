-- nsl.topo.ready: readiness probes of a topology's services (the
-- `ready` key of a service): a TCP port listening, a command succeeding,
-- a file existing, or a function of the user's.
local core = require("nsl.core")
local netns = require("nsl.netns")
local uts = require("nsl.topo.uts")
local ip = require("nsl.ip")

local M = {}

-- Is something listening on `port` (TCP unless proto says "udp") in the
-- namespace called ns?  The kernel answers (sock_diag over netlink).
function M.listening(ns, port, proto)
  return #core.sock_list({ ns = ns, proto = proto or "tcp", state = "listen", port = port }) > 0
end

-- Where a service's stdout and stderr go, or nil: its log path, or with
-- log = true (or the topology's logdir, nsl.test's worlds)
-- <logdir>/<service>.log, else <run dir>/log/<real node>-<service>.log
-- (recorded; removed at down).  Noted in t.logfiles; the launcher opens it.
function M.logfile(t, s)
  local path = type(s.log) == "string" and s.log or nil
  if not path and (s.log == true or t.logdir) then
    if t.logdir then
      path = t.logdir .. "/" .. s.name .. ".log"
    else
      local dir = core._record_dir() .. "/log"
      core._mkdir(dir)
      path = dir .. "/" .. s.ns.real .. "-" .. s.name .. ".log"
      t.own_logs = t.own_logs or {}
      if not t.own_logs[path] then -- a restart appends to the same file
        core._record_note("+", "log", path)
        t.own_logs[path] = true
        t.own_logs[#t.own_logs + 1] = path
      end
    end
  end
  t.logfiles[s.name] = path
  return path
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

-- Is a UNIX socket listening at path in the network namespace of the
-- process of handle h?  /proc/PID/net/unix lists that namespace's
-- sockets; a listening one has the accepting flag (0x10000).
function M.unix_listening(h, path)
  local f = h and io.open("/proc/" .. h.pid .. "/net/unix", "r")
  if not f then return false end
  local found = false
  for line in f:lines() do
    local flags, name = line:match("^%x+:%s+%x+%s+%x+%s+(%x+)%s+%x+%s+%x+%s+%d+%s+(.+)$")
    if name == path and flags and (tonumber(flags, 16) & 0x10000) ~= 0 then found = true break end
  end
  f:close()
  return found
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
  local fn = type(ready) == "function" and ready or ready[1]
  -- a path as the service sees it: through its process's root, which is
  -- in the node's mount namespace when the node has files (nsl.topo.nodefs)
  local function seen(path) return (h and s.ns.mnt) and ("/proc/" .. h.pid .. "/root" .. path) or path end
  if fn then
    probe = function() return fn(t, h) end
  elseif ready.port then
    probe = function() return M.listening(s.ns.real, ready.port) end
  elseif ready.udp then
    probe = function() return M.listening(s.ns.real, ready.udp, "udp") end
  elseif ready.cmd then
    probe = function()
      local ok, r = pcall(core.ns_exec, s.ns.real, ready.cmd, uts.opts(s.ns, { capture = true }))
      return ok and succeeded(r)
    end
  elseif ready.file then -- any kind of file (a socket, a FIFO): never opened
    probe = function() return core._stat(seen(ready.file)) ~= nil end
  elseif ready.unix then
    probe = function() return M.unix_listening(h, ready.unix) end
  else
    return
  end
  -- Looks every 1 ms for the first 50 ms (a probe of the kernel costs
  -- about 0.15 ms, and most services are ready in a few ms), then backs
  -- off to 50 ms between probes.
  local step, start = 0.001, core.now()
  while true do
    if probe() then return end
    if not running(h) then error(ended(t, s, h), 0) end
    local now = core.now()
    if now > deadline then
      local msg = string.format("not ready after %gs", timeout)
      local tail = M.tail(t.logfiles and t.logfiles[s.name], 10)
      if tail and tail ~= "" then msg = msg .. "; the end of its log:\n" .. tail end
      error(msg, 0)
    end
    core.sleep(step)
    if now - start > 0.05 then step = math.min(step * 2, 0.05) end
  end
end

-- The IPv6 addresses a topology makes: a list of { ns = real name or
-- nil, dev = real link name, address = canonical text, where = text }.
function M.v6_addresses(m)
  local out = { links = {} }
  -- every interface the topology makes, to be seen operationally up
  for _, b in ipairs(m.bridges) do out.links[#out.links + 1] = { ns = b.ns and b.ns.real, dev = b.real } end
  for _, l in ipairs(m.links) do
    for _, e in ipairs(l.ends) do out.links[#out.links + 1] = { ns = e.ns and e.ns.real, dev = e.real } end
  end
  local function add(ns, dev, addrs, where)
    for _, p in ipairs(addrs) do
      if p.v6 then
        out[#out + 1] = { ns = ns and ns.real, dev = dev, address = ip.text(p, false),
                          where = p.text .. " on " .. where }
      end
    end
  end
  for _, b in ipairs(m.bridges) do add(b.ns, b.real, b.addrs, "bridge " .. b.name) end
  for _, l in ipairs(m.links) do
    for _, e in ipairs(l.ends) do add(e.ns, e.real, e.addrs, e.node.name .. " (link " .. l.id .. ")") end
  end
  for _, n in ipairs(m.namespaces) do -- their own links (nsl.topo.kinds)
    for _, o in ipairs(n.own or {}) do
      out.links[#out.links + 1] = { ns = n.real, dev = o.real }
      add(n, o.real, o.addrs, n.name .. " (link " .. o.name .. ")")
    end
  end
  return out
end

M.DAD_TIMEOUT = 10

-- Waits until every IPv6 address of the list is usable, and raises
-- naming the first one that is not after DAD_TIMEOUT seconds:
--  * its link is configured for IPv6: the kernel does that (the prefix
--    and multicast routes, a link-local address) only once it saw the
--    carrier come up; until then packets to the link's multicast
--    groups (neighbour solicitations) are dropped ("no route") and the
--    first ping waits a second for the next one; the multicast route
--    ff00::/8 on the link says it happened;
--  * with dad, duplicate address detection is over (not tentative);
--    DAD failed (another node has the address) raises at once.
function M.addresses(list, dad)
  local deadline = core.now() + M.DAD_TIMEOUT
  -- Operationally up: the kernel's link watcher has seen the carrier and
  -- given the link its queue; before that, what it sends is dropped.
  local links = list.links
  while #links > 0 do
    local states, left = {}, {}
    for _, l in ipairs(links) do
      local k = l.ns or ""
      if not states[k] then
        states[k] = {}
        for _, r in ipairs(core.link_list({ ns = l.ns })) do states[k][r.name] = r.state end
      end
      -- (a vxlan or dummy link has no carrier to report: "unknown" once up)
      local st = states[k][l.dev]
      if st ~= "up" and st ~= "unknown" then left[#left + 1] = l end
    end
    links = left
    if #links > 0 then
      if core.now() > deadline then
        error(string.format("link %s: not up after %gs (state %s)", links[1].dev, M.DAD_TIMEOUT,
          tostring(states[links[1].ns or ""][links[1].dev])), 0)
      end
      core.sleep(0.01)
    end
  end
  local pending = list
  while true do
    local by_ns, left = {}, {}
    for _, a in ipairs(pending) do
      local k = a.ns or ""
      if not by_ns[k] then
        local seen = { mroute = {} }
        for _, r in ipairs(core.addr_list({ ns = a.ns, family = "inet6" })) do
          seen[r.dev .. " " .. (ip.canon(r.address) or r.address)] = r
        end
        -- (all tables: a VRF member's are in the VRF's, nsl.topo.kinds)
        for _, r in ipairs(core.route_list({ ns = a.ns, family = "inet6", table = "all" })) do
          if r.type == "multicast" and r.dev then seen.mroute[r.dev] = true end
        end
        by_ns[k] = seen
      end
      local r = by_ns[k][a.dev .. " " .. a.address]
      if not r then error(a.where .. ": the address is gone", 0) end
      if r.dadfailed then
        error(a.where .. ": duplicate address detection failed (another node has this address)", 0)
      end
      if (dad and r.tentative) or not by_ns[k].mroute[a.dev] then left[#left + 1] = a end
    end
    if #left == 0 then return end
    if core.now() > deadline then
      local a = left[1]
      local r = by_ns[a.ns or ""][a.dev .. " " .. a.address]
      error(string.format("%s: %s after %gs", a.where,
        r.tentative and dad and "still tentative (DAD)" or "link not ready for IPv6", M.DAD_TIMEOUT), 0)
    end
    pending = left
    core.sleep(0.01)
  end
end

return M
