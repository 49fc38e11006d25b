-- nsl.topo: a topology described in one table, brought up in dependency
-- order, torn down in reverse.
--
--   local t <close> = nsl.topology { namespaces = ..., bridges = ...,
--                                    links = ..., services = ... }
--   t:up()            -- builds it; a failure rolls back and raises
--   t:down()          -- removes all it made (also __close and __gc)
--   t:ns("ns0"):exec{ "ping", "-c1", t:addr("ns1") }
--
-- The description format is in doc/reference.md, "Topologies"; nsl.topo.desc
-- checks it.  The primitives note every object in the run's record
-- (nsl.record) as they make it, so nsl.clean() can remove it if the run
-- is killed.
local core = require("nsl.core")
local desc = require("nsl.topo.desc")
local record = require("nsl.record")
local netns = require("nsl.netns")
local ip = require("nsl.ip")
local uts = require("nsl.topo.uts")
local svc = require("nsl.topo.svc")
local keys = require("nsl.topo.keys")
local kinds = require("nsl.topo.kinds")
local features = require("nsl.topo.features")
local engine = require("nsl.topo.engine")
local view = require("nsl.topo.view")
local state = require("nsl.topo.state")

local M = {}

local Topology = { __name = "nsl.topology" }
Topology.__index = Topology

local counter = 0


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
  -- A mistake names the caller's line (none under pcall: a C caller).
  local ok, model = pcall(desc.check, description, prefix)
  if not ok then error(model, 2) end
  -- logdir: each service's stdout and stderr go to <logdir>/<name>.log
  -- (nsl.test's worlds), listed in t.logfiles.
  return setmetatable({ model = model, prefix = model.prefix, status = "down", done = {},
                        procs = {}, logdir = opts and opts.logdir, logfiles = {} }, Topology)
end

function Topology.__tostring(t)
  local m = t.model
  return string.format("<topology %s: %s, %d namespaces, %d bridges, %d links, %d services>",
    t.prefix ~= "" and t.prefix or "(no prefix)", t.status, #m.namespaces, #m.bridges, #m.links,
    #m.service_order)
end

-- " (did you mean 'alpha'?)" for a name that is no node of t, or "".
M.closest_node = keys.closest_node

local function node(t, name)
  local n = t.model.nodes[name] or (name == "host" and t.model.host)
  if not n then error("topology: no node named " .. tostring(name) .. M.closest_node(t, name), 3) end
  return n
end

-- "node:ifname" (containerlab's endpoint form) as node, ifname when no
-- ifname is given apart.
local function split(name, ifname)
  if ifname == nil and type(name) == "string" then
    local n, i = name:match("^([^:]+):(.+)$")
    if n then return n, i end
  end
  return name, ifname
end
M.split = split

-- t:name(node): the real name of a namespace or bridge.
function Topology:name(name)
  local n = node(self, name)
  return n.real
end

-- t:link_name(node, ifname) or t:link_name("node:ifname"): the real name
-- of an interface of a node ("host" for the root namespace's ends);
-- t:link_name(bridge) is the bridge's own.
function Topology:link_name(name, ifname)
  name, ifname = split(name, ifname)
  local n = node(self, name)
  if ifname == nil and n.kind == "bridge" then return n.real end
  for _, e in ipairs(kinds.all(n)) do -- own links too
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
      out[#out + 1] = { node = e.node.name, kind = l.kind or "veth", name = e.name, real = e.real,
                        ns = e.ns and e.ns.real or "" }
    end
  end
  for _, n in ipairs(m.namespaces) do -- its own links and VRFs (nsl.topo.kinds)
    for _, v in ipairs(n.vrfs or {}) do
      out[#out + 1] = { node = n.name, kind = "vrf", name = v.name, real = v.real, ns = n.real }
    end
    for _, o in ipairs(n.own or {}) do
      out[#out + 1] = { node = n.name, kind = o.kind, name = o.name, real = o.real, ns = n.real }
    end
  end
  return out
end

local FAMILIES = { inet = 4, inet6 = 6 }

-- The interfaces (ends, or the bridge itself) of node n that face peer
-- (any when peer is nil), as { addrs =, link = } in link order.
local function faces(n, peer)
  local out = {}
  if n.kind == "bridge" then
    out[1] = { addrs = n.addrs, link = n.real }
    return out
  end
  for _, e in ipairs(n.ifaces) do
    if peer == nil or e.peer.node.name == peer or (e.link.bridge and e.link.bridge.name == peer) then
      out[#out + 1] = { addrs = e.addrs, link = e.real }
    end
  end
  return out
end

local function want_family(family, level)
  if family == nil then return nil end
  local f = FAMILIES[family]
  if not f then error("topology: family must be \"inet\" or \"inet6\", got " .. tostring(family), level + 1) end
  return f
end

-- t:addr(node [, peer [, family]]): the address (no prefix length) of a
-- node, on its link towards peer when given; for a bridge, the bridge's
-- own.  IPv4 first, unless family is "inet6" (or "inet": IPv4 only).
function Topology:addr(name, peer, family)
  local n = node(self, name)
  local f = want_family(family, 2)
  local best
  for _, x in ipairs(faces(n, peer)) do
    for _, p in ipairs(x.addrs) do
      if (f == nil or p.family == f) and (best == nil or p.family < best.family) then best = p end
    end
    if best and (f or best.family == 4) then break end
  end
  if best then return ip.text(best, false) end
  if peer ~= nil then
    local p = self.model.nodes[peer]
    if p and p.kind == "ns" then
      local found
      for _, r in ipairs(desc.reach(self.model, p, n, f)) do
        if not found or r.family < found.family then found = r end
      end
      if found then return found.address end
    end
  end
  return nil
end

-- t:addrs(node [, peer]): every address of a node (towards peer when
-- given): a list of { address =, prefixlen =, family =, link = }.
function Topology:addrs(name, peer)
  local n = node(self, name)
  local out = setmetatable({}, { __columns = { "address", "prefixlen", "family", "link" } })
  for _, x in ipairs(faces(n, peer)) do
    for _, p in ipairs(x.addrs) do
      out[#out + 1] = { address = ip.text(p, false), prefixlen = p.len, family = ip.family(p), link = x.link }
    end
  end
  return out
end

-- t:ns(name): a handle (not owning) on one of its namespaces; "host" is
-- nil, the root namespace.
function Topology:ns(name)
  local n = node(self, name)
  if n.kind ~= "ns" then error("topology: " .. name .. " is not a namespace", 2) end
  return netns.new(n.real, { attach = true })
end

-- t:exec(node, cmd [, opts]): ns_exec in one of its namespaces; "host"
-- runs cmd in the root namespace (spawn, as the links' and t:nft's
-- "host" is the root namespace).
function Topology:exec(name, cmd, opts)
  local n = node(self, name)
  svc.supervise(self)
  if n.kind == "host" then return core.spawn(cmd, opts) end
  if n.kind ~= "ns" then
    error("topology: exec: " .. name .. " is a " .. n.kind .. ", not a namespace (nor \"host\")", 2)
  end
  return core.ns_exec(n.real, cmd, uts.opts(n, opts))
end

-- t:wait_route(node, dst [, { protocol =, timeout = }]): waits until
-- namespace node has a route to dst (a prefix or "default"), of that
-- protocol when given (route_list's name of it, or its number); returns
-- the route.  Raises after timeout seconds (default 30), naming the
-- routes to dst it saw.  Services are supervised while it waits.
local WAIT_ROUTE = { protocol = true, timeout = true }
function Topology:wait_route(name, dst, opts)
  local n = node(self, name)
  if n.kind ~= "ns" then error("topology: wait_route: " .. name .. " is not a namespace", 2) end
  if self.status ~= "up" then error("topology: wait_route: the topology is " .. self.status .. " (call up first)", 2) end
  if type(dst) ~= "string" then error("topology: wait_route: dst must be a prefix or \"default\", got " .. type(dst), 2) end
  local want, family = dst, nil
  if dst ~= "default" then
    local p, why = ip.parse(dst)
    if not p then error("topology: wait_route: bad destination '" .. dst .. "' (" .. tostring(why) .. ")", 2) end
    if not p.len then p = ip.parse(dst .. (p.family == 6 and "/128" or "/32")) end
    want, family = ip.network(p), p.family == 6 and "inet6" or "inet"
  end
  opts = opts or {}
  if type(opts) ~= "table" then error("topology: wait_route: options must be a table", 2) end
  for k in pairs(opts) do
    if not WAIT_ROUTE[k] then
      error("topology: wait_route: unknown option '" .. tostring(k) .. "'" ..
        keys.suggest(tostring(k), { "protocol", "timeout" }), 2)
    end
  end
  local proto, timeout = opts.protocol, opts.timeout or 30
  if proto ~= nil and type(proto) ~= "string" and math.type(proto) ~= "integer" then
    error("topology: wait_route: protocol must be a name or a number, got " .. type(proto), 2)
  end
  if type(timeout) ~= "number" or timeout < 0 then
    error("topology: wait_route: timeout must be a non-negative number of seconds", 2)
  end
  local deadline, seen = core.now() + timeout
  while true do
    seen = {}
    for _, r in ipairs(core.route_list({ ns = n.real, family = family })) do
      local d = r.dst
      if d ~= "default" and d then
        local p = ip.parse(d)
        if p and not p.len then p = ip.parse(d .. (p.family == 6 and "/128" or "/32")) end
        d = p and ip.network(p) or d
      end
      if d == want then
        if proto == nil or tostring(r.protocol) == tostring(proto) then return r end
        seen[#seen + 1] = tostring(r.protocol)
      end
    end
    if core.now() >= deadline then break end
    svc.supervise(self)
    core.sleep(0.05)
  end
  error(string.format("topology: wait_route: %s has no route to %s%s after %gs%s", name, dst,
    proto and (" of protocol " .. tostring(proto)) or "", timeout,
    #seen > 0 and (" (it has one of protocol " .. table.concat(seen, ", ") .. ")") or ""), 2)
end

-- t:link(node, ifname) or t:link("node:ifname"): a link handle on one
-- of its interfaces.
function Topology:link(name, ifname)
  name, ifname = split(name, ifname)
  local n = node(self, name)
  for _, e in ipairs(n.ifaces) do
    if e.name == ifname or e.real == ifname then return netns.link(e.real, e.ns and e.ns.real) end
  end
  if n.kind == "bridge" and ifname == nil then return netns.link(n.real, n.ns and n.ns.real) end
  error("topology: " .. name .. " has no interface " .. tostring(ifname), 2)
end

-- t:service(name): the process handle of a running service.
function Topology:service(name)
  svc.supervise(self)
  local p = self.procs[name]
  return p and p.handle
end

Topology.up, Topology.down = engine.up, engine.down
Topology.__close, Topology.__gc = engine.close, engine.close

features.each("install", Topology) -- t:nft, t:nft_table; t:link_down, t:impair, t:partition...

svc.install(Topology) -- t:start, t:stop, t:restart, t:supervise

Topology.report = view.report
Topology.show = function(self) svc.supervise(self); print(view.report(self)) end
Topology.diagram = view.diagram
Topology.dot = view.dot
-- t:state(): the live report as plain tables (JSON-ready); t.status is
-- the word "down", "building" or "up".
Topology.state = function(self)
  svc.supervise(self)
  local s = state.live(state.entry(self))
  if self.status == "up" then
    for k, v in pairs(features.extras(self, "state")) do s[k] = v end -- faults
  end
  return s
end

M.Topology = Topology
return M
