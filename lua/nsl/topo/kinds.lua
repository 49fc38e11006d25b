-- nsl.topo.kinds: link kinds beyond veth in a topology description.
--
--   namespaces = { r = {
--     links = { { "v10", kind = "vlan", parent = "eth0", id = 10, address = "10.10.0.1/24" },
--               { "d0", kind = "dummy", address = "10.99.0.1/32" } },       -- the namespace's own
--     vrfs = { red = { table = 10, links = { "eth1" }, routes = { default = "a" } } },
--   } },
--   links = {
--     { "a", "b" },                                                           -- the underlay veth
--     { "a", "b", kind = "vxlan", vni = 42, underlay = 1, subnet = "10.42.0.0/24" },
--     { "a", "b" }, { "a", "b" },
--     { "a", "b", kind = "bond", over = { 3, 4 }, mode = "active-backup", subnet = "10.43.0.0/24" },
--   }
--
-- A kind's own options are those its <kind>_add primitive declares
-- (core._options), less what the topology sets itself (ns, up, master,
-- and address, which in a description is the IP address), plus its
-- positional arguments by name (parent, id, vni).  Pure Lua when reading:
-- every mistake is found before anything is made.  plan.lua asks for the
-- steps: early (VRFs and bonds, before the veths that join them), create
-- (a vxlan link's two devices), own (the namespaces' own links).
local core = require "nsl.core"
local ip = require "nsl.ip"
local netns = require "nsl.netns"
local keys = require "nsl.topo.keys"
local addressing = require "nsl.topo.addrs"
local fail, check_keys, suggest, set, sorted = keys.fail, keys.check_keys, keys.suggest, keys.set, keys.sorted

local M = {}

-- What each <kind>_add takes, as src/net/linkkind.c declares it (one
-- list on both sides): its positional arguments after the name, in order
-- ({ name =, type =, min =, max = }), and its typed options by key
-- ({ type = "integer"|"address"|"boolean"|"enum", min =, max =, names = }).
local KINDS = core._link_kinds
-- Kinds a description makes elsewhere (veth: links; bridge: bridges).
local NOT_HERE = set("veth", "bridge")
-- The positional arguments of <kind>_add after the name, by the key a
-- description gives them; a kind not here is not made by descriptions.
local ARGS = {}
for kind, k in pairs(KINDS) do
  if not NOT_HERE[kind] then
    ARGS[kind] = {}
    for i, a in ipairs(k.args) do ARGS[kind][i] = a.name end
  end
end
-- Set by the topology itself, never by a description.
local SELF = set("ns", "address", "up", "master", "link_ns")
-- An option that is no description key, but for the kinds named: the
-- link group (a vxlan's group is its multicast address).
local ONLY = { group = set("vxlan") }
-- Options naming a link of the same namespace (its description name).
local REFS = { "parent", "dev" }
-- Where a kind is described: between two nodes (a description link), or
-- elsewhere than in a namespace's links.
local BETWEEN = { vxlan = true, bond = true }
local ELSEWHERE = { vrf = "a VRF is described by the namespace's vrfs", bond =
  "a bond joins veth links: { end1, end2, kind = \"bond\", over = { ... } } in links" }
-- The keys of a link between two nodes that the topology sets itself.
local DERIVED = { vxlan = set("remote", "local", "dev", "group") }
local EXTRA = { vxlan = { "underlay" }, bond = { "over" } }
-- The names the <kind>_add primitives take for their enum options:
-- { kind = { key = { names... } } }.
M.ENUMS = {}
for kind, k in pairs(KINDS) do
  for key, o in pairs(k.opts) do
    if o.type == "enum" then
      M.ENUMS[kind] = M.ENUMS[kind] or {}
      M.ENUMS[kind][key] = o.names
    end
  end
end

-- The range of kind's integer argument key (nil: none).
local function range(kind, key)
  for _, a in ipairs(KINDS[kind].args) do
    if a.name == key and a.type == "integer" then return a end
  end
end

-- The kinds descriptions can make, sorted (those of ARGS this nsl has).
local function kinds(where_ok)
  local out = {}
  for name in pairs(core._options) do
    local k = name:match("^(.+)_add$")
    if k and ARGS[k] and (not where_ok or where_ok(k)) then out[#out + 1] = k end
  end
  table.sort(out)
  return out
end

local function check_kind(kind, where, where_ok, place)
  if type(kind) ~= "string" then fail("%s: kind must be a string, got %s", where, type(kind)) end
  if ARGS[kind] and core._options[kind .. "_add"] then
    if not where_ok(kind) then
      fail("%s: kind '%s' is not for %s (%s)", where, kind, place, ELSEWHERE[kind] or
        ("it is a namespace's own link: namespaces = { x = { links = { { \"name\", kind = \"" .. kind .. "\", ... } } } }"))
    end
    return
  end
  local known = kinds(where_ok)
  fail("%s: unknown kind '%s'%s (kinds: %s)", where, kind, suggest(kind, known), table.concat(known, ", "))
end

-- The option keys of kind k a description gives, as a set: a link
-- between two nodes (between) leaves out those the topology derives.
local function opt_keys(k, between)
  local out = {}
  for _, key in ipairs(core._options[k .. "_add"].keys) do
    if not SELF[key] and not (ONLY[key] and not ONLY[key][k]) and
       not (between and DERIVED[k] and DERIVED[k][key]) then out[key] = true end
  end
  for _, a in ipairs(ARGS[k]) do out[a] = true end
  for _, a in ipairs(EXTRA[k] or {}) do out[a] = true end
  return out
end

local function between_ok(k) return BETWEEN[k] == true end
local function own_ok(k) return not ELSEWHERE[k] end

-- The keys a description link of kind `kind` may have: base (the veth
-- link's keys) and the kind's own.  Raises on an unknown kind.
function M.link_keys(kind, base, where)
  check_kind(kind, where, between_ok, "a link between two nodes")
  local out = opt_keys(kind, true)
  for k in pairs(base) do out[k] = true end
  out.id = nil -- a link's id is its place in the list
  return out
end

-- Default interface name of the end at node n of link l: "<kind><k>" in
-- a namespace (k: how many links of that kind it has so far, so that a
-- veth's eth<k> counts veths only), "<kind><other>" in the root
-- namespace; nil for a veth end when n has no link of a kind (desc's
-- own default then, as before kinds).
function M.default_name(n, l, other)
  if n.kind ~= "ns" then return l.kind and (l.kind .. other.name) end
  local k, any = 0, false
  for _, e in ipairs(n.ifaces) do
    if e.link.kind == l.kind then k = k + 1 end
    any = any or e.link.kind ~= nil
  end
  if not l.kind and not any then return nil end
  return (l.kind or "eth") .. k
end

-- Raises "<where>: <key> must be an integer min..max" unless v is one
-- (r: an argument or option of KINDS).
local function integer_in(v, key, r, where)
  if math.type(v) ~= "integer" or v < r.min or v > r.max then
    fail("%s: %s must be an integer %d..%d, got %s", where, key, r.min, r.max, tostring(v))
  end
end

-- Checks value v of option key (o: its entry in KINDS) of kind.
local CHECK = {
  enum = function(kind, key, o, v, where)
    for _, name in ipairs(o.names) do if v == name then return end end
    fail("%s: unknown %s %s '%s' (%s)", where, kind, key, tostring(v), table.concat(o.names, ", "))
  end,
  integer = function(_, key, o, v, where) integer_in(v, key, o, where) end,
  address = function(_, key, _, v, where)
    local a, why = ip.parse(type(v) == "string" and v or "")
    if type(v) ~= "string" or not a or a.len then
      fail("%s: %s must be an address without a prefix length, got %s%s", where, key, tostring(v),
        why and (" (" .. why .. ")") or "")
    end
  end,
  boolean = function(_, key, _, v, where)
    if type(v) ~= "boolean" then fail("%s: %s must be true or false, got %s", where, key, tostring(v)) end
  end,
}

-- Checks the values of the kind options of spec before anything is
-- made, against what <kind>_add declares: enums, integers and their
-- ranges, addresses, booleans.  Raises "<where>: <key> ...".
local function check_opts(kind, spec, where)
  for key, o in pairs(KINDS[kind].opts) do
    if spec[key] ~= nil then CHECK[o.type](kind, key, o, spec[key], where) end
  end
end

-- The kind options of spec (keys of opt_keys less the positional and
-- extra ones), copied.
local function kind_opts(kind, spec, skip)
  local out = {}
  for _, key in ipairs(core._options[kind .. "_add"].keys) do
    if spec[key] ~= nil and not SELF[key] and not skip[key] then out[key] = spec[key] end
  end
  return out
end

-- A link of the description named by its index in links or its id.
local function link_ref(m, ref, where, what)
  for _, l in ipairs(m.links) do
    if l.index == ref or l.id == ref then return l end
  end
  local ids = {}
  for _, l in ipairs(m.links) do ids[#ids + 1] = l.id end
  fail("%s: %s %s is not a link of the description (give its index in links or its id: %s)", where, what,
    tostring(ref), table.concat(ids, ", "))
end

local function end_of(l, node)
  for _, e in ipairs(l.ends) do if e.node == node then return e end end
end

-- A link between two nodes of a kind: check and resolve vxlan's underlay
-- and bond's over.
local function read_between(m, l)
  local spec, where = l.spec, "link " .. l.id
  for _, e in ipairs(l.ends) do
    if e.node.kind == "bridge" then
      fail("%s: a %s link joins two namespaces (or host), not bridge %s", where, l.kind, e.node.name)
    end
  end
  check_opts(l.kind, spec, where)
  l.opts = kind_opts(l.kind, spec, set("mtu"))
  if l.kind == "vxlan" then
    if spec.vni == nil then fail("%s: a vxlan link needs its vni", where) end
    integer_in(spec.vni, "vni", range("vxlan", "vni"), where)
    if spec.underlay == nil then
      fail("%s: a vxlan link needs its underlay (a link between its ends, by index or id, or a bridge both are on)", where)
    end
    l.vni, l.under = spec.vni, {}
    local br = type(spec.underlay) == "string" and m.nodes[spec.underlay]
    if br and br.kind == "bridge" then
      for _, e in ipairs(l.ends) do
        for _, x in ipairs(e.node.ifaces) do
          if x.link.bridge == br and not l.under[e] then l.under[e] = x end
        end
        if not l.under[e] then fail("%s: underlay: %s has no link to bridge %s", where, e.node.name, br.name) end
      end
    else
      local u = link_ref(m, spec.underlay, where, "underlay")
      if u.kind then fail("%s: underlay %s is a %s link; give a veth link", where, u.id, u.kind) end
      for _, e in ipairs(l.ends) do
        l.under[e] = end_of(u, e.node)
        if not l.under[e] then fail("%s: underlay %s does not join %s", where, u.id, e.node.name) end
      end
    end
  else -- bond
    local over = spec.over
    if type(over) ~= "table" or over[1] == nil then
      fail("%s: a bond link needs over = { links... } (their indexes in links or ids)", where)
    end
    l.ports = {}
    for _, ref in ipairs(over) do
      local p = link_ref(m, ref, where, "over:")
      if p.kind then fail("%s: over: %s is a %s link; a bond joins veth links", where, p.id, p.kind) end
      for _, e in ipairs(l.ends) do
        local pe = end_of(p, e.node)
        if not pe then fail("%s: over: link %s does not join %s and %s", where, p.id, l.a.name, l.b.name) end
        if pe.master then
          fail("%s: over: link %s is already a port of %s", where, p.id,
            pe.master.link and ("bond link " .. pe.master.link.id) or pe.master.name)
        end
        if #pe.addrs > 0 or next(p.subnets) then
          fail("%s: over: link %s is a bond port and has no address of its own (give the bond link one)", where, p.id)
        end
      end
      for _, e in ipairs(l.ends) do end_of(p, e.node).master = e end
      l.ports[#l.ports + 1] = p
    end
    if l.opts.miimon == nil then l.opts.miimon = 100 end
  end
end

-- One of namespace n's own links: { name, kind =, <options> }.
local function read_own(m, n, i, spec, names)
  local where = "namespace " .. n.name .. ": links[" .. i .. "]"
  if type(spec) ~= "table" then fail("%s: expected a table like { \"v10\", kind = \"vlan\", ... }", where) end
  if spec.kind == nil then
    fail("%s: give its kind (kind = \"vlan\", \"dummy\", ...; veth pairs are the description's links)", where)
  end
  check_kind(spec.kind, where, own_ok, "a namespace's own links")
  local name = spec[1]
  if type(name) ~= "string" or #name < 1 or #name > 15 or name:find("[%s/:]") or name == "." or name == ".." then
    fail("%s: give it a name of at most 15 bytes, no spaces, '/' or ':' first: { \"v10\", kind = ... }", where)
  end
  where = "namespace " .. n.name .. ": link " .. name
  local known = opt_keys(spec.kind)
  known.kind, known.address, known.mtu = true, true, true
  check_keys(spec, known, where, 1)
  check_opts(spec.kind, spec, where)
  if spec.mtu ~= nil and math.type(spec.mtu) ~= "integer" then fail("%s: mtu must be an integer", where) end
  if m.ifnames[n.name .. "\0" .. name] or name == "lo" then
    fail("%s: %s already has an interface %s", where, n.name, name)
  end
  m.ifnames[n.name .. "\0" .. name] = true
  local o = { name = name, real = name, kind = spec.kind, node = n, ns = n, own = true, spec = spec,
              args = {}, refs = {} }
  for _, a in ipairs(ARGS[spec.kind]) do
    if spec[a] == nil then fail("%s: a %s link needs its %s", where, spec.kind, a) end
    if range(spec.kind, a) then integer_in(spec[a], a, range(spec.kind, a), where) end
  end
  for _, r in ipairs(REFS) do
    local ref = spec[r]
    if ref ~= nil then
      local target = names[ref]
      if not target then
        local list = {}
        for k in pairs(names) do list[#list + 1] = k end
        table.sort(list)
        fail("%s: %s '%s' is not a link of %s%s", where, r, tostring(ref), n.name, suggest(tostring(ref), list))
      end
      o.refs[r] = target
    end
  end
  o.opts = kind_opts(spec.kind, spec, set("dev"))
  o.addrs = addressing.cidr_list(spec.address, where .. " address")
  names[name] = o
  return o
end

-- Namespace n's vrfs = { name = { table =, links = {...}, routes = {...} } }.
local VRF = set("table", "links", "routes")
local function read_vrfs(m, n, names)
  local vrfs = n.spec.vrfs
  if type(vrfs) ~= "table" then fail("namespace %s: vrfs must be a table { red = { table = 10, links = {...} } }", n.name) end
  local tables, member = {}, {}
  n.vrfs = {}
  for _, vname in ipairs(sorted(vrfs, "namespace " .. n.name .. ": vrfs")) do
    local v, where = vrfs[vname], "namespace " .. n.name .. ": vrf " .. vname
    if type(v) ~= "table" then fail("%s: expected a table { table = 10, links = {...} }", where) end
    check_keys(v, VRF, where)
    if #vname > 15 or vname:find("[%s/:]") then
      fail("%s: a VRF's name is a link name: at most 15 bytes, no spaces, '/' or ':'", where)
    end
    if m.ifnames[n.name .. "\0" .. vname] or vname == "lo" then
      fail("%s: %s already has an interface %s", where, n.name, vname)
    end
    m.ifnames[n.name .. "\0" .. vname] = true
    local t = v.table
    if math.type(t) ~= "integer" or t < 1 or t > 4294967295 then
      fail("%s: table must be an integer 1..4294967295, got %s", where, tostring(t))
    end
    if t >= 253 and t <= 255 then fail("%s: table %d is the kernel's own (default, main, local)", where, t) end
    if tables[t] then fail("%s: table %d is vrf %s's already", where, t, tables[t]) end
    tables[t] = vname
    local vrf = { name = vname, real = vname, table = t, node = n, scope = n.name .. "/" .. vname, routes = v.routes }
    if v.links ~= nil and type(v.links) ~= "table" then fail("%s: links must be a list of %s's links", where, n.name) end
    for _, lname in ipairs(v.links or {}) do
      local x = names[lname]
      if not x then
        local list = {}
        for k in pairs(names) do list[#list + 1] = k end
        table.sort(list)
        fail("%s: '%s' is not a link of %s%s", where, tostring(lname), n.name, suggest(tostring(lname), list))
      end
      if member[lname] then fail("%s: link %s is in vrf %s already (a link is in one vrf)", where, lname, member[lname]) end
      if x.master then fail("%s: link %s is a bond port; put the bond in the vrf", where, lname) end
      member[lname] = vname
      x.vrf = vrf
      if x.link then x.link.scope = x.link.scope or vrf.scope end
    end
    n.vrfs[#n.vrfs + 1] = vrf
  end
end

-- Reads every kind in the description into model m: links between two
-- nodes of a kind (already ends in m.links), the namespaces' own links
-- and vrfs.  After desc's read_links, before addressing.
function M.read(m)
  for _, l in ipairs(m.links) do
    if l.kind then read_between(m, l) end
  end
  for _, name in ipairs(sorted(m.nodes)) do
    local n = m.nodes[name]
    if n.kind == "ns" then
      n.own = {}
      local names = {}
      for _, e in ipairs(n.ifaces) do names[e.name] = e end
      local links = n.spec.links
      if links ~= nil then
        if type(links) ~= "table" then fail("namespace %s: links must be a list of its own links", n.name) end
        for i, spec in ipairs(links) do n.own[#n.own + 1] = read_own(m, n, i, spec, names) end
        for k in pairs(links) do
          if math.type(k) ~= "integer" then fail("namespace %s: links must be a list, got key '%s'", n.name, tostring(k)) end
        end
      end
      if n.spec.vrfs ~= nil then read_vrfs(m, n, names) end
    end
  end
end

-- Every interface of node n a route can name: its link ends and its own.
function M.all(n)
  if not n.own or #n.own == 0 then return n.ifaces end
  local out = {}
  for _, e in ipairs(n.ifaces) do out[#out + 1] = e end
  for _, o in ipairs(n.own) do out[#out + 1] = o end
  return out
end

-- After addressing: own links' addresses checked (IPv6 allowed, used
-- once per routing domain), each vxlan's underlay family chosen, the
-- VRFs' routes read with add_routes (desc's: jobs { n, routes, at, table }).
function M.late(m, add_routes)
  local used = {}
  local function key(scope, p) return (scope or "") .. "\0" .. ip.text(p, false) end
  for _, b in ipairs(m.bridge_list) do for _, p in ipairs(b.addrs) do used[key(nil, p)] = "bridge " .. b.name end end
  for _, l in ipairs(m.links) do
    for _, e in ipairs(l.ends) do
      for _, p in ipairs(e.addrs) do used[key(l.scope, p)] = "link " .. l.id end
    end
  end
  local nss = {}
  for _, name in ipairs(sorted(m.nodes)) do
    if m.nodes[name].kind == "ns" then nss[#nss + 1] = m.nodes[name] end
  end
  for _, n in ipairs(nss) do
    for _, o in ipairs(n.own or {}) do
      local where = "namespace " .. n.name .. ": link " .. o.name
      for _, p in ipairs(o.addrs) do
        if m.no_ipv6 and p.v6 then fail("ipv6 = false, but %s has the IPv6 address %s", where, p.text) end
        local k = key(o.vrf and o.vrf.scope, p)
        if used[k] then fail("%s: address %s is used twice (also %s)", where, p.written, used[k]) end
        used[k] = where
      end
    end
  end
  for _, l in ipairs(m.links) do
    if l.kind == "vxlan" then
      local e1, e2 = l.ends[1], l.ends[2]
      local a1, a2 = addressing.by_family(l.under[e1].addrs), addressing.by_family(l.under[e2].addrs)
      local f = (a1[4] and a2[4] and 4) or (a1[6] and a2[6] and 6)
      if not f then
        fail("link %s: its underlay gives %s and %s no address of one family", l.id, e1.node.name, e2.node.name)
      end
      l.family = f
    end
  end
  for _, n in ipairs(nss) do
    for _, v in ipairs(n.vrfs or {}) do
      if v.routes ~= nil then
        local at = "namespace " .. n.name .. ": vrf " .. v.name
        add_routes(m, { { n = n, routes = v.routes, at = at, table = v.table, vrf = v } })
      end
    end
  end
end

-- What t:diagram() adds after an interface: an own link's kind (and
-- parent), the bond or VRF it joined.
function M.note(x)
  local out = ""
  if x.own then
    out = " " .. x.kind .. (x.refs.parent and (" on " .. x.refs.parent.real) or "")
  end
  if x.master and x.master.link then out = out .. " (bond " .. x.master.real .. ")" end
  if x.vrf then out = out .. " (vrf " .. x.vrf.name .. ")" end
  return out
end

-- The description's links in build order: veth pairs first (in order),
-- then the links of a kind (which use them).
function M.order(links)
  local out = {}
  for _, l in ipairs(links) do if not l.kind then out[#out + 1] = l end end
  for _, l in ipairs(links) do if l.kind then out[#out + 1] = l end end
  return out
end

local function ns_of(x) return x.ns and x.ns.real or nil end

-- Steps before the veths: each namespace's VRFs (up), each bond link's
-- two bonds, so the veth ends that join them are attached while down.
function M.early(m, step)
  for _, n in ipairs(m.namespaces) do
    for _, v in ipairs(n.vrfs or {}) do
      step("namespace " .. n.name, "vrf " .. v.name .. " (table " .. v.table .. ")", function()
        core.vrf_add(v.real, v.table, { ns = n.real, up = true })
      end)
    end
  end
  for _, l in ipairs(m.links) do
    if l.kind == "bond" then
      for _, e in ipairs(l.ends) do
        local o = {}
        for k, v in pairs(l.opts) do o[k] = v end
        o.ns, o.mtu = ns_of(e), l.mtu
        step("link " .. l.id, "create bond " .. e.real, function() core.bond_add(e.real, o) end,
          not e.ns and function() core.link_del(e.real) end or nil)
      end
    end
  end
end

-- The create step(s) of link l of a kind (a bond was made early).
function M.create(l, step)
  if l.kind ~= "vxlan" then return end
  for _, e in ipairs(l.ends) do
    local u, pu = l.under[e], l.under[e.peer]
    step("link " .. l.id, "create vxlan " .. e.real, function()
      local o = {}
      for k, v in pairs(l.opts) do o[k] = v end
      o.ns, o.mtu, o.dev = ns_of(e), l.mtu, u.real
      o.remote = ip.text(addressing.by_family(pu.addrs)[l.family], false)
      o["local"] = ip.text(addressing.by_family(u.addrs)[l.family], false)
      core.vxlan_add(e.real, l.vni, o)
    end, not e.ns and function() core.link_del(e.real) end or nil)
  end
end

-- The namespaces' own links, after every description link: made (on
-- their parent, by its real name), joined to their VRF, addressed, up.
-- They go with their namespace.
function M.own(m, step, nodad, genmode)
  for _, n in ipairs(m.namespaces) do
    for _, o in ipairs(n.own or {}) do
      local where = "namespace " .. n.name
      step(where, "create " .. o.kind .. " " .. o.name, function()
        local args = { o.real }
        for _, a in ipairs(ARGS[o.kind]) do
          args[#args + 1] = o.refs[a] and o.refs[a].real or o.spec[a]
        end
        local opts = {}
        for k, v in pairs(o.opts) do opts[k] = v end
        if o.refs.dev then opts.dev = o.refs.dev.real end
        opts.ns, opts.mtu = n.real, o.spec.mtu
        args[#args + 1] = opts
        core[o.kind .. "_add"](table.unpack(args))
      end)
      if o.vrf then
        step(where, "vrf " .. o.vrf.name .. " gets " .. o.name, function()
          netns.set(o.real, { master = o.vrf.real }, n.real)
        end)
      end
      for _, a in ipairs(o.addrs) do
        step(where, "address " .. a.text .. " on " .. o.name, function()
          core.addr_add(o.real, a.text, { ns = n.real, nodad = nodad })
        end)
      end
      step(where, "up " .. o.name, function() netns.set(o.real, { up = true, addrgenmode = genmode }, n.real) end)
    end
  end
end

return M
