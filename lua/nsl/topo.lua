-- nsl.topo: a topology described in one table, brought up in dependency
-- order, torn down in reverse.
--
--   local t <close> = nsl.topology { namespaces = ..., bridges = ...,
--                                    links = ..., services = ... }
--   t:up()            -- builds it; a failure rolls back and raises
--   t:down()          -- removes all it made (also __close and __gc)
--   t:ns("ns0"):exec{ "ping", "-c1", t:addr("ns1") }
--
-- The description format is in README.md, "Topologies"; nsl.topo.desc
-- checks it.  Every object is written to the run's record (nsl.record)
-- before it is made, so nsl.clean() can remove it if the run is killed.
local core = require "nsl.core"
local desc = require "nsl.topo.desc"
local record = require "nsl.record"
local netns = require "nsl.netns"
local ip = require "nsl.ip"

local M = {}

local Topology = { __name = "nsl.topology" }
Topology.__index = Topology

local counter = 0

-- Topologies that are up, held here so that one nobody refers to any more
-- is not torn down by a garbage collection in the middle of the script:
-- it lives until down, or until the Lua state closes (exit, error,
-- signal), when its __gc takes it down.
local live = {}
local close

-- A prefix unique to this run and this topology: "t" and four base-36
-- characters of a hash of the run's pid, start time and a counter.
function M.default_prefix()
  counter = counter + 1
  return "t" .. desc.hash36(record.self().id .. "/" .. counter, 4) .. "-"
end

-- nsl.topology(description [, {prefix = "..."}]): checks the description
-- (raising on any mistake) and returns the topology, not yet up.
function M.new(description, opts)
  local prefix = opts and opts.prefix
  if prefix == nil and (type(description) ~= "table" or description.prefix == nil) then
    prefix = M.default_prefix()
  end
  local model = desc.check(description, prefix)
  return setmetatable({ model = model, prefix = model.prefix, state = "down", done = {},
                        procs = {} }, Topology)
end

function Topology.__tostring(t)
  local m = t.model
  return string.format("<topology %s: %s, %d namespaces, %d bridges, %d links, %d services>",
    t.prefix ~= "" and t.prefix or "(no prefix)", t.state, #m.namespaces, #m.bridges, #m.links,
    #m.service_order)
end

local function node(t, name)
  local n = t.model.nodes[name] or (name == "host" and t.model.host)
  if not n then error("topology: no node named " .. tostring(name), 3) end
  return n
end

-- t:name(node): the real name of a namespace or bridge.
function Topology:name(name)
  local n = node(self, name)
  return n.real
end

-- t:link_name(node, ifname): the real name of an interface of a node
-- ("host" for the root namespace's ends); t:link_name(bridge) is the
-- bridge's own.
function Topology:link_name(name, ifname)
  local n = node(self, name)
  if ifname == nil and n.kind == "bridge" then return n.real end
  for _, e in ipairs(n.ifaces) do
    if e.name == ifname or e.real == ifname then return e.real end
  end
  error("topology: " .. name .. " has no interface " .. tostring(ifname), 2)
end

-- All names this topology makes: a list of { node, kind, name, real, ns }.
function Topology:names()
  local out = setmetatable({}, { __columns = { "node", "kind", "name", "real", "ns" } })
  local m = self.model
  for _, n in ipairs(m.namespaces) do
    out[#out + 1] = { node = n.name, kind = "netns", name = n.name, real = n.real, ns = "" }
  end
  for _, b in ipairs(m.bridges) do
    out[#out + 1] = { node = b.name, kind = "bridge", name = b.name, real = b.real, ns = b.ns and b.ns.real or "" }
  end
  for _, l in ipairs(m.links) do
    for _, e in ipairs(l.ends) do
      out[#out + 1] = { node = e.node.name, kind = "veth", name = e.name, real = e.real,
                        ns = e.ns and e.ns.real or "" }
    end
  end
  return out
end

-- t:addr(node [, peer]): the address (no prefix length) of a node, on
-- its link towards peer when given; for a bridge, the bridge's own.
function Topology:addr(name, peer)
  local n = node(self, name)
  if n.kind == "bridge" then return n.prefix and ip.text(n.prefix, false) end
  for _, e in ipairs(n.ifaces) do
    if e.prefix and (peer == nil or e.peer.node.name == peer or
        (e.link.bridge and e.link.bridge.name == peer)) then
      return ip.text(e.prefix, false)
    end
  end
  if peer ~= nil then
    local p = self.model.nodes[peer]
    if p and p.kind == "ns" then
      local r = desc.reach(self.model, p, n)[1]
      if r then return r.address end
    end
  end
  return nil
end

-- t:ns(name): a handle (not owning) on one of its namespaces; "host" is
-- nil, the root namespace.
function Topology:ns(name)
  local n = node(self, name)
  if n.kind ~= "ns" then error("topology: " .. name .. " is not a namespace", 2) end
  return netns.new(n.real, { attach = true })
end

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

-- A namespace with a hostname gets a UTS namespace of its own, kept as
-- a bind mount at <run dir>/uts/<real name> (util-linux unshare), which
-- every command run there enters (nsenter) along with the network one.
local function uts_path(n) return record.dir() .. "/uts/" .. n.real end

local function uts_make(n)
  local path = uts_path(n)
  local ok = os.execute("mkdir -p " .. q(record.dir() .. "/uts") .. " && : > " .. q(path) ..
    " && unshare --uts=" .. q(path) .. " hostname " .. q(n.hostname) .. " 2>/dev/null")
  if not ok then
    os.remove(path)
    error("could not make a UTS namespace at " .. path .. " (util-linux unshare)", 0)
  end
  n.uts = path
end

local function uts_remove(n)
  local path = n.uts or uts_path(n)
  os.execute("umount -l " .. q(path) .. " 2>/dev/null")
  os.remove(path)
  n.uts = nil
end

-- The command as run in namespace node n: inside its UTS namespace when
-- it has a hostname.
local function wrap(n, cmd)
  if not n.uts or type(cmd) ~= "table" then return cmd end
  local out = { "nsenter", "--uts=" .. n.uts, "--" }
  for _, a in ipairs(cmd) do out[#out + 1] = a end
  return out
end

-- t:exec(node, cmd [, opts]): ns_exec in one of its namespaces.
function Topology:exec(name, cmd, opts)
  local n = node(self, name)
  return core.ns_exec(n.real, wrap(n, cmd), opts)
end

-- t:link(node, ifname): a link handle on one of its interfaces.
function Topology:link(name, ifname)
  local n = node(self, name)
  for _, e in ipairs(n.ifaces) do
    if e.name == ifname or e.real == ifname then return netns.link(e.real, e.ns and e.ns.real) end
  end
  if n.kind == "bridge" and ifname == nil then return netns.link(n.real, n.ns and n.ns.real) end
  error("topology: " .. name .. " has no interface " .. tostring(ifname), 2)
end

-- t:service(name): the process handle of a running service.
function Topology:service(name)
  local p = self.procs[name]
  return p and p.handle
end

local function ns_opt(n) return n and n.real or nil end

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
local function wait_ready(t, s, h)
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
      local ok, r = pcall(core.ns_exec, s.ns.real, wrap(s.ns, ready.cmd), { capture = true })
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

-- The steps of up, in order: { node, what, run, undo, rec }.  rec is
-- written to the record before run; undo is kept once run succeeded.
local function plan(t)
  local m, steps = t.model, {}
  local function step(nodename, what, run, undo, rec, pre)
    steps[#steps + 1] = { node = nodename, what = what, run = run, undo = undo, rec = rec, pre = pre }
  end
  -- Checked before an object is recorded: a name that is taken already
  -- must never enter the record, or nsl --clean could remove another's.
  local function free_ns(name)
    return function()
      if core.ns_exists(name) then core._fail("ns_add", name, "File exists", 17) end
    end
  end
  local function free_link(name)
    return function()
      local f = io.open("/sys/class/net/" .. name .. "/ifindex")
      if f then f:close(); core._fail("link_add", name, "File exists", 17) end
    end
  end
  for _, n in ipairs(m.namespaces) do
    local where = "namespace " .. n.name
    -- Where services ran, their children (nginx's workers) may outlive
    -- them and keep the namespace alive: sweep it before deleting.  (A
    -- scan of /proc, so only there.)
    local sweep = false
    for _, sv in ipairs(m.service_order) do if sv.ns == n then sweep = true end end
    step(where, "create", function() core.ns_add(n.real) end, function()
      if sweep then
        for _, pid in ipairs(record.pids_in(n.real)) do record.kill(pid, 9) end
      end
      core.ns_del(n.real)
    end, { "ns", n.real }, free_ns(n.real))
    if n.lo then
      step(where, "lo up", function() netns.set("lo", { up = true }, n.real) end)
    end
    if n.hostname then
      step(where, "hostname " .. n.hostname, function() uts_make(n) end,
        function() uts_remove(n) end, { "uts", uts_path(n) })
    end
    for _, key in ipairs((function()
      local ks = {}
      for k in pairs(n.sysctl) do ks[#ks + 1] = k end
      table.sort(ks)
      return ks
    end)()) do
      local v = n.sysctl[key]
      if type(v) == "boolean" then v = v and 1 or 0 end
      step(where, "sysctl " .. key, function() core.sysctl(key, tostring(v), { ns = n.real }) end)
    end
  end
  for _, b in ipairs(m.bridges) do
    local where = "bridge " .. b.name
    -- Links inside the topology's namespaces go with them; deleting them
    -- one by one would only cost a kernel synchronize_net each.
    step(where, "create", function() core.bridge_add(b.real, { ns = ns_opt(b.ns) }) end,
      not b.ns and function() core.link_del(b.real) end or nil,
      not b.ns and { "link", b.real, "" } or nil, not b.ns and free_link(b.real) or nil)
    if b.mtu then step(where, "mtu", function() netns.set(b.real, { mtu = b.mtu }, ns_opt(b.ns)) end) end
    if b.address then
      step(where, "address " .. b.address, function() core.addr_add(b.real, b.address, { ns = ns_opt(b.ns) }) end)
    end
    step(where, "up", function() netns.set(b.real, { up = true }, ns_opt(b.ns)) end)
  end
  for _, l in ipairs(m.links) do
    local where = "link " .. l.id
    local e1, e2 = l.ends[1], l.ends[2]
    -- The root-namespace end (if any) is the one to record and delete,
    -- and the one veth_add makes: a peer without peer_ns lands beside
    -- the first end, so the end in a namespace must be the peer.
    local rootend = (not e1.ns and e1) or (not e2.ns and e2) or nil
    if rootend == e2 then e1, e2 = e2, e1 end
    step(where, "create veth", function()
      core.veth_add(e1.real, e2.real, { ns = ns_opt(e1.ns), peer_ns = ns_opt(e2.ns), mtu = l.mtu })
    end, rootend and function() core.link_del(rootend.real) end or nil,
      rootend and { "link", rootend.real, "" } or nil, rootend and free_link(rootend.real) or nil)
    for _, e in ipairs(l.ends) do
      if e.master then
        step(where, "attach " .. e.real .. " to " .. e.master.real, function()
          netns.set(e.real, { master = e.master.real }, ns_opt(e.ns))
        end)
      end
      if e.address then
        step(where, "address " .. e.address .. " on " .. e.node.name, function()
          core.addr_add(e.real, e.address, { ns = ns_opt(e.ns) })
        end)
      end
      step(where, "up " .. e.real, function() netns.set(e.real, { up = true }, ns_opt(e.ns)) end)
    end
  end
  for _, n in ipairs(m.namespaces) do
    for _, r in ipairs(n.routes) do
      step("namespace " .. n.name, "route " .. r.dst .. (r.via and (" via " .. r.via) or ""), function()
        core.route_add(r.dst, { via = r.via, dev = r.dev, metric = r.metric, table = r.table,
                                src = r.src, ns = n.real })
      end)
    end
  end
  for _, s in ipairs(m.service_order) do
    local where = "service " .. s.name
    step(where, "start", function()
      local h = core.ns_exec(s.ns.real, wrap(s.ns, s.cmd), { background = true, env = s.env, cwd = s.cwd })
      local p = { handle = h, pid = h.pid, start = h.pid and record.start_time(h.pid) }
      if p.start then record.add("proc", tostring(p.pid), p.start) end
      t.procs[s.name] = p
    end, function()
      local p = t.procs[s.name]
      if not p then return end
      netns.stop(p.handle, s.stop_timeout)
      if p.start then record.drop("proc", tostring(p.pid), p.start) end
      t.procs[s.name] = nil
    end)
    if s.ready ~= nil then
      step(where, "ready", function() wait_ready(t, s, t.procs[s.name].handle) end)
    end
  end
  return steps
end

-- Undoes what up made, newest first; returns the reasons of what could
-- not be undone (objects already gone count as undone).
local function unwind_all(t)
  local errs = {}
  while #t.done > 0 do
    local s = table.remove(t.done)
    local ok, err = pcall(s.undo)
    local code = type(err) == "table" and err.code
    if ok or code == "ENOENT" or code == "ENODEV" or code == "ESRCH" then
      if s.rec then record.drop(table.unpack(s.rec)) end
    else
      errs[#errs + 1] = s.node .. ": undo " .. s.what .. ": " .. tostring(err)
    end
  end
  return errs
end

-- Shielded: when a signal is what stops up or closes the scope, the
-- rollback it starts is not cut short by the same signal.
local function unwind(t)
  return core._shield(unwind_all, t)
end

-- __close and __gc: one function, safe twice; a failure is a warning.
function close(self)
  local ok, err = pcall(Topology.down, self)
  if not ok then warn("nsl: tearing down ", tostring(self), ": ", tostring(err)) end
end

-- t:up(): builds everything in dependency order.  On a failure, removes
-- what it made so far and raises "up: <node>: <step>: <reason>".
-- Raises when the topology is already up.  Returns t.
function Topology:up()
  if self.state ~= "down" then
    error("topology: already " .. self.state .. " (call down first)", 2)
  end
  self.state = "building"
  live[self] = true
  for _, s in ipairs(plan(self)) do
    local ok, err = true, nil
    if s.pre then ok, err = pcall(s.pre) end
    if ok then
      ok, err = pcall(function()
        if s.rec then record.add(table.unpack(s.rec)) end -- may fail too: no /run/nsl
        s.run()
      end)
      if s.rec then
        if ok then record.made(table.unpack(s.rec)) else record.drop(table.unpack(s.rec)) end
      end
    end
    if ok then
      if s.undo then self.done[#self.done + 1] = s end
    else
      local errs = unwind(self)
      self.state = "down"
      live[self] = nil
      local reason = s.what .. ": " .. tostring(err)
      if #errs > 0 then reason = reason .. " (and rollback failed: " .. table.concat(errs, "; ") .. ")" end
      local e = type(err) == "table" and err.errno or nil
      core._fail("up", s.node, reason, e)
    end
  end
  self.state = "up"
  -- lua_close runs finalizers newest first.  The primitives keep
  -- sentinels of their own (netlink sockets, process handles) made
  -- during up; a sentinel newer than those takes the topology down at
  -- exit while they still work.
  -- Only the current sentinel acts: one replaced by a later up (or left
  -- by a down) must not take down what is being built again.
  local sentinel = {}
  live[self] = setmetatable(sentinel, { __gc = function()
    if live[self] == sentinel then close(self) end
  end })
  return self
end

-- t:down(): removes everything up made, in reverse; safe to call when
-- down already.  Raises after trying everything if something resisted.
function Topology:down()
  if self.state == "down" then return self end
  local errs = unwind(self)
  self.state = "down"
  live[self] = nil
  if #errs > 0 then core._fail("down", self.prefix, table.concat(errs, "; ")) end
  return self
end

Topology.__close, Topology.__gc = close, close

local view = require "nsl.topo.view"
Topology.report = view.report
Topology.show = function(self) print(view.report(self)) end
Topology.diagram = view.diagram
Topology.dot = view.dot

M.Topology = Topology
return M
