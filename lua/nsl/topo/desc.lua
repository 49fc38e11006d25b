-- nsl.topo.desc: checks a topology description and resolves it into a
-- model (real names, interface names, addresses, routes, service order).
-- Pure Lua: every mistake is found here, before anything is created.
--
--   check(description, prefix) -> model   (raises "topology: ..." errors)
--
-- See doc/reference.md, "Topologies", for the format.
local ip = require("nsl.ip")
local keys = require("nsl.topo.keys")
local addressing = require("nsl.topo.addrs")
local kinds = require("nsl.topo.kinds")
local features = require("nsl.topo.features")

local M = {}

local IFNAMSIZ = 15

local fail, check_keys, suggest, set, sorted = keys.fail, keys.check_keys, keys.suggest, keys.set, keys.sorted

-- The keys of the core; each feature (nsl.topo.features) adds its own.
local TOP = features.keys("top", set("prefix", "namespaces", "bridges", "links", "ipv6", "dad", "addressing"))
local NS = features.keys("ns", set("hostname", "sysctl", "routes", "lo", "forwarding"))
local BRIDGE = features.keys("bridge", set("address", "subnet", "ns", "mtu"))
local LINK = features.keys("link", set("name", "address", "addresses", "subnet", "mtu", "impair"))
local ROUTE = set("via", "dev", "metric", "table", "src", "type", "mtu", "nexthops", "protocol")
local NEXTHOP = set("via", "dev", "weight")
local RTYPES = set("unicast", "unreachable", "blackhole", "prohibit")

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

local FAMILY, parse_cidr = addressing.FAMILY, addressing.parse_cidr
local cidr_list, by_family = addressing.cidr_list, addressing.by_family

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
    if spec.forwarding ~= nil and type(spec.forwarding) ~= "boolean" then
      fail("namespace %s: forwarding must be true or false", name)
    end
    local sysctl = {}
    for key, val in pairs(spec.sysctl or {}) do sysctl[key] = val end
    if spec.forwarding ~= nil then
      -- both families, unless the sysctl table says otherwise
      for _, key in ipairs({ "net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding" }) do
        if sysctl[key] == nil then sysctl[key] = spec.forwarding end
      end
    end
    m.nodes[name] = { kind = "ns", name = name, real = m.prefix .. name, spec = spec,
                      ifaces = {}, sysctl = sysctl, hostname = spec.hostname,
                      lo = spec.lo ~= false, routes = {} }
    features.each("namespace", m.nodes[name], spec)
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
      -- its name is taken in owner: no own link, VRF or veth end gets it
      if b.real == "lo" or m.ifnames[owner.name .. "\0" .. b.real] then
        fail("bridge %s: %s already has an interface %s", name, owner.name, b.real)
      end
      m.ifnames[owner.name .. "\0" .. b.real] = true
    else
      b.real = fit(m.prefix .. name)
    end
    local where = "bridge " .. name
    features.each("bridge", b, spec, where)
    b.subnets = by_family(cidr_list(spec.subnet, where .. " subnet"))
    b.addrs = cidr_list(spec.address, where .. " address")
    for _, a in ipairs(b.addrs) do
      local sub = b.subnets[a.family]
      if sub and not ip.contains(sub, a) then
        fail("bridge %s: address %s is outside its subnet %s", name, a.written, sub.text)
      end
      b.subnets[a.family] = sub or parse_cidr(ip.network(a), where)
    end
    m.nodes[name] = b
    m.bridge_list[#m.bridge_list + 1] = b
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
  if type(v) == "string" or (type(v) == "table" and v[1] ~= nil) then
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
    check_keys(spec, spec.kind ~= nil and kinds.link_keys(spec.kind, LINK, where) or LINK, where, 2)
    local a, b = node_of(m, spec[1], where), node_of(m, spec[2], where)
    if a == b then fail("%s: both ends are %s", where, a.name) end
    if a.kind == "bridge" and b.kind ~= "bridge" then a, b = b, a end
    if b.kind == "bridge" and a.kind ~= "ns" then
      fail("%s: a bridge port links a namespace; give the bridge an address to reach it from %s", where, a.name)
    end
    local id = spec[1] .. "-" .. spec[2]
    if ids[id] then id = id .. "#" .. (ids[id] + 1); ids[spec[1] .. "-" .. spec[2]] = ids[spec[1] .. "-" .. spec[2]] + 1
    else ids[id] = 1 end
    local l = { id = id, a = a, b = b, mtu = spec.mtu, index = i, nat = spec.nat, kind = spec.kind, spec = spec }
    if spec.mtu ~= nil and math.type(spec.mtu) ~= "integer" then fail("link %s: mtu must be an integer", id) end
    local bridge = b.kind == "bridge" and b or nil
    l.bridge = bridge
    -- A single name or address is for the one namespace end, when only
    -- one end is a namespace; a name given to two namespaces is for both.
    local only = (a.kind == "ns") ~= (b.kind == "ns") and (a.kind == "ns" and a or b).name or nil
    local names = per_end(type(spec.name) == "string" and not only
      and { [a.name] = spec.name, [b.name] = spec.name } or spec.name, l, "name", only)
    local addrs = per_end(spec.address, l, "address", only)
    local many = per_end(spec.addresses, l, "addresses", only)
    if bridge and (addrs[bridge.name] or many[bridge.name]) then
      fail("link %s: a bridge port has no address; give bridge %s one instead", id, bridge.name)
    end
    if spec.subnet and bridge then
      fail("link %s: a bridge port takes its subnet from bridge %s", id, bridge.name)
    end
    l.subnets = by_family(cidr_list(spec.subnet, "link " .. id .. " subnet"))
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
        e.name = e.name or kinds.default_name(n, l, other) or ("eth" .. #n.ifaces)
      elseif n.kind == "host" then
        e.name = e.name or kinds.default_name(n, l, other) or ("v" .. other.name)
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
      e.addrs = cidr_list(addrs[n.name], "link " .. id .. ": address of " .. n.name)
      for _, p in ipairs(cidr_list(many[n.name], "link " .. id .. ": addresses of " .. n.name, true)) do
        e.addrs[#e.addrs + 1] = p
      end
      n.ifaces[#n.ifaces + 1] = e
      l.ends[#l.ends + 1] = e
    end
    l.ends[1].peer, l.ends[2].peer = l.ends[2], l.ends[1]
    features.each("link", l, spec)
    -- impair: link_impair's options for both ends, or keyed by end
    if spec.impair ~= nil then
      if type(spec.impair) ~= "table" then fail("link %s: impair must be a table", id) end
      local per = type(spec.impair[a.name]) == "table" or type(spec.impair[b.name]) == "table"
      for _, e in ipairs(l.ends) do e.impair = not per and spec.impair or nil end
      if per then
        for k, v in pairs(spec.impair) do
          if k ~= a.name and k ~= b.name then
            fail("link %s: impair per end is keyed by its ends %s and %s, got '%s'", id, a.name, b.name, tostring(k))
          end
          if type(v) ~= "table" then fail("link %s: impair of %s must be a table", id, k) end
          l.ends[k == l.ends[1].node.name and 1 or 2].impair = v
        end
      end
    end
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

-- The addresses a node can be reached at from namespace ns: a list of
-- { address = "10.0.0.1", family = 4 or 6, dev = <end of ns> }, of
-- family f only when given; only through ns's ends in VRF vrf when
-- vrf is given (false: through its ends in no VRF).
local function reach(m, ns, target, f, vrf)
  local out = {}
  local function add(addrs, e)
    if vrf ~= nil and (e.vrf or false) ~= vrf then return end
    for _, p in ipairs(addrs) do
      if not f or p.family == f then
        out[#out + 1] = { address = ip.text(p, false), family = p.family, dev = e }
      end
    end
  end
  for _, e in ipairs(ns.ifaces) do
    local l, peer = e.link, e.peer
    if peer.node == target and not peer.master then
      add(peer.addrs, e)
    elseif l.bridge then
      local br = l.bridge
      if br == target then add(br.addrs, e) end
      for _, other in ipairs(br.ifaces) do
        local oe = other.peer
        if oe.node == target and oe ~= e then add(oe.addrs, e) end
      end
    end
  end
  return out
end
M.reach = reach

-- Has namespace n an address of family f on any of its links?
local function has_family(n, f)
  for _, e in ipairs(kinds.all(n)) do
    for _, p in ipairs(e.addrs) do if p.family == f then return true end end
  end
  return false
end

-- The networks of family f on link or bridge x: its subnet, else those
-- of its ends' (or the bridge's) addresses.
local function networks(x, f)
  local out, seen = {}, {}
  local function add(p)
    local t = ip.network(p)
    if not seen[t] then seen[t] = true; out[#out + 1] = t end
  end
  if x.subnets and x.subnets[f] then add(x.subnets[f]) end
  for _, p in ipairs(x.addrs or {}) do if p.family == f then add(p) end end
  for _, e in ipairs(x.ends or {}) do
    for _, p in ipairs(e.addrs) do if p.family == f then add(p) end end
  end
  return out
end
M.networks = networks

-- The other family's networks of the link or bridge that has network
-- dst (a canonical text) of family f: a route to one family's subnet via
-- a node goes to the link's other subnet too.
local function twins(m, dst, f)
  local of = f == 4 and 6 or 4
  local out = {}
  local function look(x)
    for _, t in ipairs(networks(x, f)) do
      if t == dst then
        for _, o in ipairs(networks(x, of)) do out[#out + 1] = o end
        return
      end
    end
  end
  for _, l in ipairs(m.links) do if not l.bridge then look(l) end end
  for _, b in ipairs(m.bridge_list) do look(b) end
  return out
end

-- Adds each job's routes to its namespace's: job = { n =, routes =, at =
-- (the place, for errors), table = (a VRF's: every route goes there),
-- vrf = (that VRF) }.  A VRF's gateways are looked for on its members
-- only, the other routes' on the links in no VRF.
local function add_routes(m, jobs)
  for _, job in ipairs(jobs) do
    local n, vrf_table, scope = job.n, job.table, job.vrf or false
    local function in_scope(e) return (e.vrf or false) == scope end
    local outside = scope and ("outside vrf " .. scope.name .. " (a vrf's routes look at its links only)")
      or "in a vrf (the namespace's routes look at its links in no vrf; give the route in the vrf's routes)"
    if job.routes ~= nil then
      local routes = job.routes
      if type(routes) ~= "table" then fail("%s: routes must be a table", job.at) end
      for _, dst in ipairs(sorted(routes, job.at .. ": routes")) do
        local where = job.at .. ": route " .. tostring(dst)
        if type(dst) ~= "string" then fail("%s: destination must be a string", where) end
        local r = routes[dst]
        local family -- of the destination: nil for default (both)
        if dst ~= "default" then
          local p = parse_cidr(dst, where)
          family = p.family
          if ip.network(p) ~= p.text then
            fail("%s: the destination has host bits set (the network is %s)", where, ip.network(p))
          end
          dst = p.text
        end
        if type(r) == "string" then r = { via = r } end
        if type(r) ~= "table" then fail("%s: expected a gateway or a table", where) end
        check_keys(r, ROUTE, where)
        if vrf_table and r.table ~= nil then fail("%s: a route of a vrf goes to its table", where) end
        if r.type ~= nil and not RTYPES[r.type] then
          fail("%s: type must be unicast, unreachable, blackhole or prohibit, got %s", where, tostring(r.type))
        end
        if r.mtu ~= nil and (math.type(r.mtu) ~= "integer" or r.mtu < 68 or r.mtu > 65535) then
          fail("%s: mtu must be an integer 68 to 65535", where)
        end
        if r.metric ~= nil and (math.type(r.metric) ~= "integer" or r.metric < 0) then
          fail("%s: metric must be a non-negative integer", where)
        end
        if r.protocol ~= nil and type(r.protocol) ~= "string" and math.type(r.protocol) ~= "integer" then
          fail("%s: protocol must be a name (\"static\") or a number", where)
        end
        local special = r.type ~= nil and r.type ~= "unicast"
        if special and (r.via ~= nil or r.dev ~= nil or r.nexthops ~= nil) then
          fail("%s: a route of type %s takes no via, dev or nexthops", where, r.type)
        end
        if r.nexthops ~= nil and (r.via ~= nil or r.dev ~= nil) then
          fail("%s: give via/dev or nexthops, not both", where)
        end
        local base = { dst = dst, metric = r.metric, table = vrf_table or r.table, src = r.src,
                       type = r.type, mtu = r.mtu, protocol = r.protocol }
        local function route(f, via, gateway)
          local x = {}
          for k, v in pairs(base) do x[k] = v end
          x.family, x.via, x.gateway = f and (f == 6 and "inet6" or "inet"), via, gateway
          return x
        end
        -- A gateway: an address (one family) or a node (each family
        -- it is reached in); returns { [4] = addr, [6] = addr }.
        local function gateway(via, gwhere)
          if type(via) ~= "string" then fail("%s: gateway must be a string", gwhere) end
          local target = m.nodes[via] or (via == "host" and m.host)
          local gw, why = ip.parse(via)
          if gw then
            if gw.len then fail("%s: gateway %s: give an address without a prefix length", gwhere, via) end
            if family and gw.family ~= family then
              fail("%s: gateway %s is %s but the destination is %s", gwhere, via, FAMILY[gw.family], FAMILY[family])
            end
            if not has_family(n, gw.family) then
              fail("%s: gateway %s is %s but no link of %s has an %s address", gwhere, via,
                FAMILY[gw.family], n.name, FAMILY[gw.family])
            end
            local on, off
            for _, e in ipairs(kinds.all(n)) do
              for _, p in ipairs(e.addrs) do
                if ip.contains(p, gw) then
                  if in_scope(e) then on = e else off = e end
                end
              end
            end
            if not on and off then
              fail("%s: gateway %s is on the subnet of %s, %s", gwhere, via, off.name, outside)
            end
            if not on then fail("%s: gateway %s is on no subnet of %s's links", gwhere, via, n.name) end
            return { [gw.family] = ip.text(gw, false) }, nil
          elseif target then
            local got, any = {}, false
            for f = 4, 6, 2 do
              if not family or family == f then
                local found = reach(m, n, target, f, scope)[1]
                if found then got[f], any = found.address, true end
              end
            end
            if not any and reach(m, n, target, family)[1] then
              fail("%s: gateway %s is reached only by links of %s %s", gwhere, via, n.name, outside)
            end
            if not any then
              if family then
                fail("%s: gateway %s has no %s address on a link of %s", gwhere, via, FAMILY[family], n.name)
              end
              fail("%s: gateway %s is reached by no link of %s (or has no address there)", gwhere, via, n.name)
            end
            return got, via
          elseif via:find("[:%%./]") then
            fail("%s: bad gateway '%s' (%s)", gwhere, via, why)
          else
            fail("%s: gateway '%s' is neither an address nor a described node", gwhere, via)
          end
        end
        local function dev_of(d, dwhere)
          local dev
          for _, e in ipairs(kinds.all(n)) do if e.name == d then dev = e end end
          if not dev then fail("%s: dev %s is not an interface of %s", dwhere, tostring(d), n.name) end
          return dev.real
        end
        local made = {}
        if r.via ~= nil then
          local got, node = gateway(r.via, where)
          for f = 4, 6, 2 do
            if got[f] then made[#made + 1] = route(f, got[f], node) end
          end
          -- via a node to one family's subnet of a link: its other
          -- family's subnet too, unless a route of its own is written
          if node and family then
            local of = family == 4 and 6 or 4
            local ogot = reach(m, n, m.nodes[node] or m.host, of, scope)[1]
            for _, t in ipairs(ogot and twins(m, dst, family) or {}) do
              if routes[t] == nil then
                local x = route(of, ogot.address, node)
                x.dst, x.mirror, x.src = t, dst, nil
                made[#made + 1] = x
              end
            end
          end
        elseif r.nexthops ~= nil then
          if type(r.nexthops) ~= "table" or #r.nexthops == 0 then
            fail("%s: nexthops must be a list of { via =, dev =, weight = }", where)
          end
          local per = {}
          for i, h in ipairs(r.nexthops) do
            local hwhere = where .. ": nexthops[" .. i .. "]"
            if type(h) == "string" then h = { via = h } end
            if type(h) ~= "table" then fail("%s: expected a gateway or a table", hwhere) end
            check_keys(h, NEXTHOP, hwhere)
            if h.weight ~= nil and (math.type(h.weight) ~= "integer" or h.weight < 1 or h.weight > 256) then
              fail("%s: weight must be an integer 1 to 256", hwhere)
            end
            if h.via == nil and h.dev == nil then fail("%s: give via, dev or both", hwhere) end
            local got = h.via ~= nil and gateway(h.via, hwhere) or { [4] = false, [6] = false }
            local dev = h.dev ~= nil and dev_of(h.dev, hwhere) or nil
            for f = 4, 6, 2 do
              if got[f] ~= nil and (not family or family == f) then
                per[f] = per[f] or {}
                per[f][#per[f] + 1] = { via = got[f] or nil, dev = dev, weight = h.weight }
              end
            end
          end
          for f = 4, 6, 2 do
            if per[f] and #per[f] == #r.nexthops then
              local x = route(f)
              x.nexthops = per[f]
              made[#made + 1] = x
            end
          end
          if #made == 0 then fail("%s: no family has a gateway for every nexthop", where) end
        elseif special and not family then
          for f = 4, 6, 2 do if has_family(n, f) then made[#made + 1] = route(f) end end
          if #made == 0 then made[1] = route(4) end
        else
          made[1] = route(family)
        end
        if r.dev ~= nil then
          local dev = dev_of(r.dev, where)
          for _, x in ipairs(made) do if not x.mirror then x.dev = dev end end
        end
        if not made[1].via and not made[1].dev and not special and not made[1].nexthops then
          fail("%s: give a gateway (via), a dev or nexthops", where)
        end
        for _, x in ipairs(made) do n.routes[#n.routes + 1] = x end
      end
    end
  end
end

local function read_routes(m)
  local jobs = {}
  for _, n in pairs(m.nodes) do
    if n.kind == "ns" and n.spec.routes ~= nil then
      jobs[#jobs + 1] = { n = n, routes = n.spec.routes, at = "namespace " .. n.name }
    end
  end
  add_routes(m, jobs)
end

function M.check(desc, prefix)
  if type(desc) ~= "table" then fail("expected a description table, got %s", type(desc)) end
  check_keys(desc, TOP, "the description")
  if desc.prefix ~= nil then prefix = desc.prefix end
  if type(prefix) ~= "string" or prefix:find("[%s/:]") then fail("prefix must be a string without spaces, '/' or ':'") end
  local m = { prefix = prefix, nodes = {}, links = {}, services = {}, ifnames = {}, bridge_list = {},
              host = { kind = "host", name = "host", ifaces = {} } }
  read_namespaces(desc, m)
  read_bridges(desc, m)
  read_links(desc, m)
  features.each("links", m)
  check_names(m)
  addressing.pools(desc, m)
  addressing.assign(m)
  if desc.dad ~= nil and type(desc.dad) ~= "boolean" then fail("dad must be true or false") end
  m.dad = desc.dad ~= false
  read_routes(m)
  features.each("read", desc, m, { add_routes = add_routes, reach = reach, networks = networks })
  m.namespaces, m.bridges = {}, {}
  for _, name in ipairs(sorted(m.nodes)) do
    local n = m.nodes[name]
    if n.kind == "ns" then m.namespaces[#m.namespaces + 1] = n else m.bridges[#m.bridges + 1] = n end
  end
  return m
end

return M
