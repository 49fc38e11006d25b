-- nsl.topo.addrs: the addresses of a topology description, both
-- families: CIDRs and lists of them parsed (nsl.ip), the topology-wide
-- IPv6 range cut into /64s, explicit addresses checked against their
-- subnet and each other, the others drawn from the subnets.  Pure Lua,
-- raising "topology: ..." errors that name the place.
local core = require("nsl.core")
local ip = require("nsl.ip")
local keys = require("nsl.topo.keys")
local fail = keys.fail

local M = {}

M.FAMILY = { [4] = "IPv4", [6] = "IPv6" }

-- A CIDR (an address with its prefix length), parsed; p.text is its
-- canonical text.  Raises naming `what` on bad text.
function M.parse_cidr(s, what)
  if type(s) ~= "string" then fail("%s: expected an address like \"10.0.0.1/24\", got %s", what, type(s)) end
  local p, why = ip.parse(s)
  if not p then fail("%s: bad address '%s' (%s)", what, s, why) end
  if not p.len then fail("%s: address '%s' needs a prefix length (%s)", what, s, p.v6 and "/64" or "/24") end
  p.text, p.written = ip.text(p), s
  return p
end

-- One CIDR or a list of them, parsed, at most one of each family (any
-- number with many), IPv4 first.
function M.cidr_list(v, what, many)
  if v == nil then return {} end
  if type(v) == "string" then v = { v } end
  if type(v) ~= "table" then fail("%s: expected an address or a list of addresses, got %s", what, type(v)) end
  local out, seen = {}, {}
  for i, s in ipairs(v) do
    local p = M.parse_cidr(s, what)
    if seen[p.family] and not many then
      fail("%s: two %s addresses (%s and %s): give at most one of each family", what, M.FAMILY[p.family], seen[p.family], s)
    end
    seen[p.family] = s
    out[i] = p
  end
  for k in pairs(v) do
    if math.type(k) ~= "integer" or k < 1 or k > #v then fail("%s: expected a list of addresses", what) end
  end
  -- stable: several of one family keep their order
  local keyed = {}
  for i, p in ipairs(out) do keyed[i] = { p = p, i = i } end
  table.sort(keyed, function(x, y) return x.p.family < y.p.family or (x.p.family == y.p.family and x.i < y.i) end)
  for i, k in ipairs(keyed) do out[i] = k.p end
  return out
end

function M.by_family(list)
  local out = {}
  for _, p in ipairs(list) do out[p.family] = p end
  return out
end

-- The subnet of family f (4 or 6) of a link: its own or its bridge's.
local function link_subnet(l, f)
  local s = l.subnets[f]
  if s then return s, "subnet " .. s.text end
  s = l.bridge and l.bridge.subnets[f]
  if s then return s, "subnet " .. s.text .. " of " .. l.bridge.name end
end

local POOL = { ipv4 = "10.0.0.0/8", ipv6 = "fd00::/48" }

-- Does link or bridge x put an address in the root namespace (a link to
-- host, a bridge of the root namespace)?
local function in_root(x)
  if x.kind == "bridge" then return not x.ns end
  for _, e in ipairs(x.ends or {}) do if e.node.kind == "host" then return true end end
  return false
end

-- The prefixes the root namespace routes now (every table, no default
-- route): a pool's prefix given to a link there must not take over the
-- host's own networks.  Empty when they cannot be read.
local function host_prefixes()
  local out = {}
  local ok, routes = pcall(core.route_list, { table = "all" })
  for _, r in ipairs(ok and routes or {}) do
    if r.dst ~= "default" and r.type ~= "multicast" then
      local p = ip.parse(r.dst)
      if p and not (p.v6 and r.dst:find("^fe80:")) then out[#out + 1] = p end
    end
  end
  return out
end

-- avoid(x): what a pool must not give link or bridge x (the host's
-- prefixes, read once, when x puts an address in the root namespace).
local function avoider()
  local host
  return function(x)
    if not in_root(x) then return nil end
    host = host or host_prefixes()
    return host
  end
end

-- Is a link or bridge bare: no subnet, no address written on it or its
-- ends (of any family)?
local function bare(x)
  if next(x.subnets) or (x.addrs and #x.addrs > 0) then return false end
  for _, e in ipairs(x.ends or {}) do if #e.addrs > 0 then return false end end
  return true
end

-- The description's address pools (addressing = { ipv4 =, ipv6 = }, and
-- the older ipv6 = ...): every bridge and link without a subnet of that
-- family (and, for IPv4, without any address written: a link given only
-- IPv6 stays so) gets its own /24 (IPv4) or /64 (IPv6) of the pool, in
-- order (bridges by name, then links), skipping any that overlaps a
-- prefix written in the description.  IPv4 comes from 10.0.0.0/8 unless
-- addressing.ipv4 says otherwise (false: none); IPv6 only when asked
-- (addressing.ipv6 = true takes fd00::/48).
function M.pools(desc, m)
  local a = desc.addressing
  if a ~= nil and type(a) ~= "table" then
    fail("addressing must be a table { ipv4 = \"10.0.0.0/8\", ipv6 = \"fd00::/48\" }, got %s", type(a))
  end
  a = a or {}
  keys.check_keys(a, keys.set("ipv4", "ipv6"), "addressing")
  if a.ipv6 ~= nil and desc.ipv6 ~= nil then fail("give ipv6 or addressing.ipv6, not both") end
  local v6 = a.ipv6
  if v6 == nil then v6 = desc.ipv6 end
  if v6 == true and a.ipv6 ~= nil then v6 = POOL.ipv6 end -- the older ipv6 = ... takes a range
  local v4 = a.ipv4
  if v4 == nil or v4 == true then v4 = POOL.ipv4 end
  if v4 ~= false and type(v4) ~= "string" then
    fail("addressing.ipv4 must be an IPv4 range (\"10.0.0.0/8\") or false, got %s", type(v4))
  end
  local bares = {}
  -- a VLAN-filtering bridge is layer 2 by design: its ports' VLANs say
  -- what goes where, an address of the pool would sit on no VLAN asked
  for _, b in ipairs(m.bridge_list) do bares[b] = bare(b) and not b.vlan_filtering and not b.vlans end
  for _, l in ipairs(m.links) do
    bares[l] = not l.bridge and not l.kind and bare(l)
    -- a bridge whose ports were given addresses is addressed as they say
    if l.bridge and not bare(l) then bares[l.bridge] = false end
  end
  M.default_ipv6(v6, m, a.ipv6 ~= nil and "addressing.ipv6" or "ipv6")
  if v4 then
    local range = M.parse_cidr(v4, "addressing.ipv4")
    if range.v6 then fail("addressing.ipv4: %s is not an IPv4 prefix", v4) end
    if range.len > 24 then fail("addressing.ipv4: %s is too small to give /24s (at most /24)", v4) end
    local next24 = M.cutter(range, 24, m, 4, "addressing.ipv4")
    local avoid = avoider()
    for _, b in ipairs(m.bridge_list) do
      if bares[b] and not b.subnets[4] then b.subnets[4] = next24("bridge " .. b.name, avoid(b)) end
    end
    for _, l in ipairs(m.links) do
      if bares[l] and not l.subnets[4] then l.subnets[4] = next24("link " .. l.id, avoid(l)) end
    end
  end
end

-- A function that hands out the next /len of range (family f) for a
-- place, skipping those that overlap a prefix of family f written in the
-- description (or one of the list it is given).
function M.cutter(range, len, m, f, what)
  local written = {}
  local function note(list) for _, p in pairs(list) do if p.family == f then written[#written + 1] = p end end end
  for _, n in pairs(m.nodes) do if n.kind == "bridge" then note(n.subnets); note(n.addrs) end end
  for _, l in ipairs(m.links) do
    note(l.subnets)
    for _, e in ipairs(l.ends) do note(e.addrs) end
  end
  local k = 0
  return function(where, avoid)
    while true do
      local text = ip.subnet(range, len, k)
      if not text then
        fail("%s: %s has no /%d left for %s%s", what, range.text, len, where,
          avoid and #avoid > 0 and " that the root namespace does not route already (give it a subnet)" or "")
      end
      k = k + 1
      local p = M.parse_cidr(text, what)
      local clash = false
      for _, list in ipairs({ written, avoid or {} }) do
        for _, w in ipairs(list) do
          if w.family == f and (ip.contains(p, w) or ip.contains(w, p)) then clash = true end
        end
      end
      if not clash then return p end
    end
  end
end

-- ipv6 = "fd00::/48": every bridge and link without an IPv6 subnet or
-- address gets its own /64 of it, in order (bridges by name, then
-- links), skipping any /64 that overlaps an IPv6 prefix written in the
-- description.
function M.default_ipv6(v6, m, what)
  if v6 == nil then return end
  if v6 == false then
    -- no IPv6 at all on the topology's links: not even link-local
    -- addresses (addrgenmode none), so no DAD, MLD or router
    -- solicitations flood a large bridge; an IPv6 address written in the
    -- description contradicts it
    m.no_ipv6 = true
    local function refuse(list, where)
      for _, p in pairs(list) do
        if p.v6 then fail("%s = false, but %s has the IPv6 prefix %s", what, where, p.text) end
      end
    end
    for _, n in pairs(m.nodes) do
      if n.kind == "bridge" then refuse(n.subnets, "bridge " .. n.name); refuse(n.addrs, "bridge " .. n.name) end
    end
    for _, l in ipairs(m.links) do
      refuse(l.subnets, "link " .. l.id)
      for _, e in ipairs(l.ends) do refuse(e.addrs, "link " .. l.id) end
    end
    return
  end
  if type(v6) ~= "string" then
    fail("%s must be an IPv6 range (\"fd00::/48\") or false, got %s", what, type(v6))
  end
  local range = M.parse_cidr(v6, what)
  if not range.v6 then fail("%s: %s is not an IPv6 prefix", what, v6) end
  if range.len > 64 then fail("%s: %s is too small to give /64s (at most /64)", what, v6) end
  local next64 = M.cutter(range, 64, m, 6, what)
  local avoid = avoider()
  for _, b in ipairs(m.bridge_list) do
    if not b.subnets[6] then b.subnets[6] = next64("bridge " .. b.name, avoid(b)) end
  end
  for _, l in ipairs(m.links) do
    local has = link_subnet(l, 6)
    for _, e in ipairs(l.ends) do if M.by_family(e.addrs)[6] then has = true end end
    if not has then l.subnets[6] = next64("link " .. l.id, avoid(l)) end
  end
end

-- Addresses: explicit ones checked against their subnet, the others drawn
-- from the link's or the bridge's subnet, one of each family.
function M.assign(m)
  -- An address is used once per routing domain: l.scope is a VRF's
  -- (nsl.topo.kinds) for a link that joins one, nil for all the others.
  local used = {}
  local function take(p, where, scope)
    local k = (scope or "") .. "\0" .. ip.text(p, false)
    if used[k] then
      local as = p.written ~= p.text and (" (" .. p.text .. ")") or ""
      fail("%s: address %s%s is used twice (also %s)", where, p.written, as, used[k])
    end
    used[k] = where
    return p
  end
  for _, b in ipairs(m.bridge_list) do
    local have = M.by_family(b.addrs)
    for f = 4, 6, 2 do
      if b.subnets[f] and not have[f] then
        local text = ip.host(b.subnets[f], 1)
        if not text then fail("bridge %s: subnet %s has no address for the bridge", b.name, b.subnets[f].text) end
        b.addrs[#b.addrs + 1] = M.parse_cidr(text, "bridge " .. b.name)
      end
    end
    for _, p in ipairs(b.addrs) do take(p, "bridge " .. b.name) end
  end
  for _, l in ipairs(m.links) do
    for _, e in ipairs(l.ends) do
      for _, p in ipairs(e.addrs) do
        take(p, "link " .. l.id, l.scope)
        local subnet, sname = link_subnet(l, p.family)
        if subnet and not ip.contains(subnet, p) then
          fail("link %s: address %s of %s is outside its %s", l.id, p.written, e.node.name, sname)
        end
      end
    end
  end
  local cursor = {}
  for _, l in ipairs(m.links) do
    for f = 4, 6, 2 do
      local subnet = link_subnet(l, f)
      if subnet then
        for _, e in ipairs(l.ends) do
          if not e.master and not M.by_family(e.addrs)[f] then
            local n = cursor[(l.scope or "") .. subnet.text] or 1
            local text
            repeat
              text = ip.host(subnet, n)
              if not text then fail("link %s: subnet %s has no address left for %s", l.id, subnet.text, e.node.name) end
              n = n + 1
            until not used[(l.scope or "") .. "\0" .. ip.bare(text)]
            cursor[(l.scope or "") .. subnet.text] = n
            e.addrs[#e.addrs + 1] = take(M.parse_cidr(text, "link " .. l.id), "link " .. l.id, l.scope)
          end
        end
      end
    end
  end
  -- e.address / e.prefix: the first address (IPv4 first), for the
  -- pictures and for older callers.
  local function first(x)
    table.sort(x.addrs, function(p, q) return p.family < q.family end)
    x.prefix = x.addrs[1]
    x.address = x.prefix and x.prefix.text
  end
  for _, l in ipairs(m.links) do for _, e in ipairs(l.ends) do first(e) end end
  for _, b in ipairs(m.bridge_list) do first(b) end
end

return M
