-- nsl.topo.ready: readiness probes of a topology's services (the
-- `ready` key of a service): a TCP port listening, a command succeeding,
-- a file existing, or a function of the user's.
local core = require "nsl.core"
local netns = require "nsl.netns"
local uts = require "nsl.topo.uts"
local ip = require "nsl.ip"

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
      local ok, r = pcall(core.ns_exec, s.ns.real, uts.wrap(s.ns, ready.cmd), { capture = true })
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
      if states[k][l.dev] ~= "up" then left[#left + 1] = l end
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
        for _, r in ipairs(core.route_list({ ns = a.ns, family = "inet6", table = "local" })) do
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
