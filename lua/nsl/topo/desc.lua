-- nsl.topo.desc: checks a topology description and resolves it into a
-- model (real names, interface names, addresses, routes, service order).
-- Pure Lua: every mistake is found here, before anything is created.
--
--   check(description, prefix) -> model   (raises "topology: ..." errors)
--
-- See README.md, "Topologies", for the format.
local ip = require "nsl.ip"

local M = {}

local IFNAMSIZ = 15

local keys = require "nsl.topo.keys"
local services = require "nsl.topo.services"
local fail, check_keys, suggest, set, sorted = keys.fail, keys.check_keys, keys.suggest, keys.set, keys.sorted

local TOP = set("prefix", "namespaces", "bridges", "links", "services")
local NS = set("hostname", "sysctl", "routes", "lo", "publish", "firewall") -- publish, firewall: issue 16 (topo/nat.lua)
local BRIDGE = set("address", "subnet", "ns", "mtu", "nat") -- nat: issue 16
local LINK = set("name", "address", "subnet", "mtu", "nat") -- nat: issue 16
local ROUTE = set("via", "dev", "metric", "table", "src")

-- FNV-1a, in base 36: short stable tags for names that must be unique.
local function hash36(s, n)
  local h = 2166136261
  for i = 1, #s do h = ((h ~ s:byte(i)) * 16777619) & 0xffffffff end
  local digits, out = "0123456789abcdefghijklmnopqrstuvwxyz", ""
  for _ = 1, n do
    local d = h % 36
    out = out .. digits:sub(d + 1, d + 1)
    h = h // 36
  end
  return out
end
M.hash36 = hash36

-- A link name that fits IFNAMSIZ: as is when short enough, else its
-- first 10 bytes and a 5-character hash of the whole.
local function fit(name)
  if #name <= IFNAMSIZ then return name end
  return name:sub(1, IFNAMSIZ - 5) .. hash36(name, 5)
end
M.fit = fit

local function valid_ifname(n)
  return type(n) == "string" and #n >= 1 and #n <= IFNAMSIZ and not n:find("[%s/:]")
    and n ~= "." and n ~= ".."
end

local function parse_cidr(s, what)
  local p, why = ip.parse(s)
  if not p then fail("%s: bad address '%s' (%s)", what, tostring(s), why) end
  if not p.v6 and not p.len then fail("%s: address '%s' needs a prefix length (/24)", what, s) end
  return p
end

-- Namespaces: { name = {...} } or { "name", ... }; returns the nodes.
local function read_namespaces(desc, m)
  local list = desc.namespaces or {}
  if type(list) ~= "table" then fail("namespaces must be a table") end
  for k, v in pairs(list) do
    local name, spec
    if math.type(k) == "integer" then
      if type(v) ~= "string" then fail("namespaces[%d] must be a name", k) end
      name, spec = v, {}
    elseif type(k) == "string" then
      if type(v) ~= "table" then fail("namespace %s: expected a table, got %s", k, type(v)) end
      name, spec = k, v
    else
      fail("namespaces: unexpected key %s", tostring(k))
    end
    if not name:match("^[%w_.%-]+$") then fail("namespace name '%s': use letters, digits, '_', '.', '-'", name) end
    if name == "host" then fail("namespace host: 'host' is the root namespace, it needs no entry") end
    check_keys(spec, NS, "namespace " .. name)
    if m.nodes[name] then fail("two nodes named %s", name) end
    if spec.sysctl ~= nil and type(spec.sysctl) ~= "table" then fail("namespace %s: sysctl must be a table", name) end
    if spec.hostname ~= nil and type(spec.hostname) ~= "string" then fail("namespace %s: hostname must be a string", name) end
    m.nodes[name] = { kind = "ns", name = name, real = m.prefix .. name, spec = spec,
                      ifaces = {}, sysctl = spec.sysctl or {}, hostname = spec.hostname,
                      lo = spec.lo ~= false, routes = {} }
  end
end

local function read_bridges(desc, m)
  local list = desc.bridges or {}
  if type(list) ~= "table" then fail("bridges must be a table") end
  for _, name in ipairs(sorted(list)) do
    local spec = list[name]
    if type(name) ~= "string" then fail("bridges: give each bridge a name: bridges = { br0 = {...} }") end
    if spec == true then spec = {} end
    if type(spec) ~= "table" then fail("bridge %s: expected a table, got %s", name, type(spec)) end
    check_keys(spec, BRIDGE, "bridge " .. name)
    if m.nodes[name] or name == "host" then fail("two nodes named %s", name) end
    local b = { kind = "bridge", name = name, spec = spec, ports = 0, ifaces = {}, mtu = spec.mtu }
    if spec.ns ~= nil then
      local owner = m.nodes[spec.ns]
      if not owner or owner.kind ~= "ns" then
        fail("bridge %s: ns '%s' is not a described namespace", name, tostring(spec.ns))
      end
      b.ns = owner
      b.real = fit(name)
    else
      b.real = fit(m.prefix .. name)
    end
    if spec.subnet then
      b.subnet = parse_cidr(spec.subnet, "bridge " .. name .. " subnet")
    end
    if spec.address then
      local a = parse_cidr(spec.address, "bridge " .. name .. " address")
      if b.subnet and not ip.contains(b.subnet, a) then
        fail("bridge %s: address %s is outside its subnet %s", name, spec.address, spec.subnet)
      end
      b.address = spec.address
      b.subnet = b.subnet or parse_cidr(ip.network(a), "bridge " .. name)
    elseif b.subnet then
      b.address = ip.host(b.subnet, 1)
    end
    m.nodes[name] = b
  end
end

local function node_of(m, name, where)
  if name == "host" then return m.host end
  local n = m.nodes[name]
  if not n then
    local names = { "host" }
    for k in pairs(m.nodes) do names[#names + 1] = k end
    table.sort(names)
    fail("%s: '%s' is not a described namespace or bridge%s", where, tostring(name), suggest(tostring(name), names))
  end
  return n
end

-- A per-end value: a string (for one end), or a table keyed by node.
local function per_end(v, l, field, only_one)
  if v == nil then return {} end
  if type(v) == "string" then
    if only_one then return { [only_one] = v } end
    fail("link %s: %s is ambiguous here, give one per end: %s = { %s = ..., %s = ... }",
      l.id, field, field, l.a.name, l.b.name)
  end
  if type(v) ~= "table" then fail("link %s: %s must be a string or a table", l.id, field) end
  local out = {}
  for k, x in pairs(v) do
    if k ~= l.a.name and k ~= l.b.name then
      fail("link %s: %s for '%s', which is not an end of this link", l.id, field, tostring(k))
    end
    out[k] = x
  end
  return out
end

local function read_links(desc, m)
  local list = desc.links or {}
  if type(list) ~= "table" then fail("links must be a table") end
  local ids = {}
  for i, spec in ipairs(list) do
    if type(spec) ~= "table" then fail("links[%d]: expected a table like { \"ns0\", \"br0\" }", i) end
    local where = "link " .. tostring(spec[1]) .. "-" .. tostring(spec[2])
    if spec[1] == nil or spec[2] == nil then fail("links[%d]: needs two ends: { \"ns0\", \"ns1\" }", i) end
    check_keys(spec, LINK, where, 2)
    local a, b = node_of(m, spec[1], where), node_of(m, spec[2], where)
    if a == b then fail("%s: both ends are %s", where, a.name) end
    if a.kind == "bridge" and b.kind ~= "bridge" then a, b = b, a end
    if b.kind == "bridge" and a.kind ~= "ns" then
      fail("%s: a bridge port links a namespace; give the bridge an address to reach it from %s", where, a.name)
    end
    local id = spec[1] .. "-" .. spec[2]
    if ids[id] then id = id .. "#" .. (ids[id] + 1); ids[spec[1] .. "-" .. spec[2]] = ids[spec[1] .. "-" .. spec[2]] + 1
    else ids[id] = 1 end
    local l = { id = id, a = a, b = b, mtu = spec.mtu, index = i, nat = spec.nat }
    if spec.mtu ~= nil and math.type(spec.mtu) ~= "integer" then fail("link %s: mtu must be an integer", id) end
    local bridge = b.kind == "bridge" and b or nil
    l.bridge = bridge
    -- A single name or address is for the one namespace end, when only
    -- one end is a namespace; a name given to two namespaces is for both.
    local only = (a.kind == "ns") ~= (b.kind == "ns") and (a.kind == "ns" and a or b).name or nil
    local names = per_end(type(spec.name) == "string" and not only
      and { [a.name] = spec.name, [b.name] = spec.name } or spec.name, l, "name", only)
    local addrs = per_end(spec.address, l, "address", only)
    if bridge and addrs[bridge.name] then
      fail("link %s: a bridge port has no address; give bridge %s one instead", id, bridge.name)
    end
    if spec.subnet and bridge then
      fail("link %s: a bridge port takes its subnet from bridge %s", id, bridge.name)
    end
    l.subnet = spec.subnet and parse_cidr(spec.subnet, "link " .. id .. " subnet")
    l.ends = {}
    for _, n in ipairs({ a, b }) do
      local other = n == a and b or a
      local e = { node = n, link = l, name = names[n.name] }
      if e.name ~= nil and not valid_ifname(e.name) then
        fail("link %s: interface name '%s' of %s: at most %d bytes, no spaces, '/' or ':'",
          id, tostring(e.name), n.name, IFNAMSIZ)
      end
      local explicit = e.name ~= nil
      if n.kind == "ns" then
        e.ns = n
        e.name = e.name or ("eth" .. #n.ifaces)
      elseif n.kind == "host" then
        e.name = e.name or ("v" .. other.name)
      else -- a bridge port: lives where its bridge does
        e.ns = n.ns
        e.name = e.name or ("v" .. other.name)
        e.master = n
      end
      -- A default name already used where this end lives gets a suffix.
      local loc = e.ns and e.ns.name or ""
      if not explicit then
        local base, k = e.name, 1
        while m.ifnames[loc .. "\0" .. e.name] do
          k = k + 1
          e.name = base .. "_" .. k
        end
      end
      m.ifnames[loc .. "\0" .. e.name] = true
      e.real = (e.ns or m.prefix == "") and fit(e.name) or fit(m.prefix .. e.name)
      e.address = addrs[n.name]
      n.ifaces[#n.ifaces + 1] = e
      l.ends[#l.ends + 1] = e
    end
    l.ends[1].peer, l.ends[2].peer = l.ends[2], l.ends[1]
    m.links[#m.links + 1] = l
  end
end

-- Interface names unique per namespace; real names unique per topology
-- in the root namespace.
local function check_names(m)
  local seen = {}
  for _, l in ipairs(m.links) do
    for _, e in ipairs(l.ends) do
      local where = e.ns and e.ns.real or ""
      local k = where .. "\0" .. e.real
      if e.real == "lo" or seen[k] then
        fail("link %s: interface %s is already taken in %s", l.id, e.name, e.ns and e.ns.name or "host")
      end
      seen[k] = true
    end
  end
  for _, n in pairs(m.nodes) do
    if n.kind == "bridge" then
      local k = (n.ns and n.ns.real or "") .. "\0" .. n.real
      if seen[k] then fail("bridge %s: its name is taken by an interface", n.name) end
      seen[k] = true
    end
  end
end

-- Addresses: explicit ones checked against their subnet, the others drawn
-- from the link's or the bridge's subnet.
local function assign_addresses(m)
  local used = {}
  local function take(text, where)
    local p = parse_cidr(text, where)
    local k = ip.text(p, false)
    if used[k] then fail("%s: address %s is used twice (also %s)", where, text, used[k]) end
    used[k] = where
    return p
  end
  for _, n in pairs(m.nodes) do
    if n.kind == "bridge" and n.address then take(n.address, "bridge " .. n.name) end
  end
  for _, l in ipairs(m.links) do
    local subnet = l.subnet or (l.bridge and l.bridge.subnet)
    local sname = l.subnet and ("subnet " .. ip.network(l.subnet)) or
      (l.bridge and l.bridge.subnet and ("subnet " .. ip.network(l.bridge.subnet) .. " of " .. l.bridge.name))
    for _, e in ipairs(l.ends) do
      if e.address then
        if type(e.address) ~= "string" then fail("link %s: address of %s must be a string", l.id, e.node.name) end
        local p = take(e.address, "link " .. l.id)
        if subnet and not ip.contains(subnet, p) then
          fail("link %s: address %s of %s is outside its %s", l.id, e.address, e.node.name, sname)
        end
      end
    end
  end
  local cursor = {}
  for _, l in ipairs(m.links) do
    local subnet = l.subnet or (l.bridge and l.bridge.subnet)
    if subnet then
      local key = subnet
      for _, e in ipairs(l.ends) do
        if not e.address and not e.master then
          local n = cursor[key] or 1
          local text
          repeat
            text = ip.host(subnet, n)
            if not text then fail("link %s: subnet %s has no address left for %s", l.id, ip.network(subnet), e.node.name) end
            n = n + 1
          until not used[ip.bare(text)]
          cursor[key] = n
          e.address = text
          take(text, "link " .. l.id)
        end
      end
    end
  end
  for _, l in ipairs(m.links) do
    for _, e in ipairs(l.ends) do
      if e.address then e.prefix = ip.parse(e.address) end
    end
  end
  for _, n in pairs(m.nodes) do
    if n.kind == "bridge" and n.address then n.prefix = ip.parse(n.address) end
  end
end

-- The addresses a node can be reached at from namespace ns: a list of
-- { address = "10.0.0.1", dev = <end of ns> }.
local function reach(m, ns, target)
  local out = {}
  for _, e in ipairs(ns.ifaces) do
    local l, peer = e.link, e.peer
    if peer.node == target and peer.prefix then
      out[#out + 1] = { address = ip.text(peer.prefix, false), dev = e }
    elseif l.bridge then
      local br = l.bridge
      if br == target and br.prefix then
        out[#out + 1] = { address = ip.text(br.prefix, false), dev = e }
      end
      for _, other in ipairs(br.ifaces) do
        local oe = other.peer
        if oe.node == target and oe.prefix and oe ~= e then
          out[#out + 1] = { address = ip.text(oe.prefix, false), dev = e }
        end
      end
    end
  end
  return out
end
M.reach = reach

local function read_routes(m)
  for _, n in pairs(m.nodes) do
    if n.kind == "ns" and n.spec.routes ~= nil then
      local routes = n.spec.routes
      if type(routes) ~= "table" then fail("namespace %s: routes must be a table", n.name) end
      for _, dst in ipairs(sorted(routes)) do
        local where = "namespace " .. n.name .. ": route " .. tostring(dst)
        if type(dst) ~= "string" then fail("%s: destination must be a string", where) end
        if dst ~= "default" then parse_cidr(dst, where) end
        local r = routes[dst]
        if type(r) == "string" then r = { via = r } end
        if type(r) ~= "table" then fail("%s: expected a gateway or a table", where) end
        check_keys(r, ROUTE, where)
        local route = { dst = dst, metric = r.metric, table = r.table, src = r.src }
        if r.via ~= nil then
          local gw = ip.parse(r.via)
          if gw then
            local on
            for _, e in ipairs(n.ifaces) do
              if e.prefix and ip.contains(e.prefix, gw) then on = e break end
            end
            if not on and not gw.v6 then
              fail("%s: gateway %s is on no subnet of %s's links", where, r.via, n.name)
            end
            route.via = ip.text(gw, false)
          else
            local target = m.nodes[r.via] or (r.via == "host" and m.host)
            if not target then
              fail("%s: gateway '%s' is neither an address nor a described node", where, tostring(r.via))
            end
            local found = reach(m, n, target)[1]
            if not found then
              fail("%s: gateway %s is reached by no link of %s (or has no address there)", where, r.via, n.name)
            end
            route.via, route.gateway = found.address, r.via
          end
        end
        if r.dev ~= nil then
          local dev
          for _, e in ipairs(n.ifaces) do if e.name == r.dev then dev = e end end
          if not dev then fail("%s: dev %s is not an interface of %s", where, tostring(r.dev), n.name) end
          route.dev = dev.real
        end
        if not route.via and not route.dev then fail("%s: give a gateway (via) or a dev", where) end
        n.routes[#n.routes + 1] = route
      end
    end
  end
end

function M.check(desc, prefix)
  if type(desc) ~= "table" then fail("expected a description table, got %s", type(desc)) end
  check_keys(desc, TOP, "the description")
  if desc.prefix ~= nil then prefix = desc.prefix end
  if type(prefix) ~= "string" or prefix:find("[%s/:]") then fail("prefix must be a string without spaces, '/' or ':'") end
  local m = { prefix = prefix, nodes = {}, links = {}, services = {}, ifnames = {},
              host = { kind = "host", name = "host", ifaces = {} } }
  read_namespaces(desc, m)
  read_bridges(desc, m)
  read_links(desc, m)
  check_names(m)
  assign_addresses(m)
  read_routes(m)
  services.read(desc, m)
  require("nsl.topo.nat").read(m) -- issue 16: nat, publish, firewall
  m.namespaces, m.bridges = {}, {}
  for _, name in ipairs(sorted(m.nodes)) do
    local n = m.nodes[name]
    if n.kind == "ns" then m.namespaces[#m.namespaces + 1] = n else m.bridges[#m.bridges + 1] = n end
  end
  return m
end

return M
