-- nsl.topo.addrs: the addresses of a topology description, both
-- families: CIDRs and lists of them parsed (nsl.ip), the topology-wide
-- IPv6 range cut into /64s, explicit addresses checked against their
-- subnet and each other, the others drawn from the subnets.  Pure Lua,
-- raising "topology: ..." errors that name the place.
local ip = require "nsl.ip"
local keys = require "nsl.topo.keys"
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

-- One CIDR or a list of them, parsed, at most one of each family,
-- IPv4 first.
function M.cidr_list(v, what)
  if v == nil then return {} end
  if type(v) == "string" then v = { v } end
  if type(v) ~= "table" then fail("%s: expected an address or a list of addresses, got %s", what, type(v)) end
  local out, seen = {}, {}
  for i, s in ipairs(v) do
    local p = M.parse_cidr(s, what)
    if seen[p.family] then
      fail("%s: two %s addresses (%s and %s): give at most one of each family", what, M.FAMILY[p.family], seen[p.family], s)
    end
    seen[p.family] = s
    out[i] = p
  end
  for k in pairs(v) do
    if math.type(k) ~= "integer" or k < 1 or k > #v then fail("%s: expected a list of addresses", what) end
  end
  table.sort(out, function(x, y) return x.family < y.family end)
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

-- ipv6 = "fd00::/48": every bridge and link without an IPv6 subnet or
-- address gets its own /64 of it, in order (bridges by name, then
-- links), skipping any /64 that overlaps an IPv6 prefix written in the
-- description.
function M.default_ipv6(desc, m)
  if desc.ipv6 == nil then return end
  if desc.ipv6 == false then
    -- no IPv6 at all on the topology's links: not even link-local
    -- addresses (addrgenmode none), so no DAD, MLD or router
    -- solicitations flood a large bridge; an IPv6 address written in the
    -- description contradicts it
    m.no_ipv6 = true
    local function refuse(list, where)
      for _, p in pairs(list) do
        if p.v6 then fail("ipv6 = false, but %s has the IPv6 prefix %s", where, p.text) end
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
  if type(desc.ipv6) ~= "string" then
    fail("ipv6 must be an IPv6 range (\"fd00::/48\") or false, got %s", type(desc.ipv6))
  end
  local range = M.parse_cidr(desc.ipv6, "ipv6")
  if not range.v6 then fail("ipv6: %s is not an IPv6 prefix", desc.ipv6) end
  if range.len > 64 then fail("ipv6: %s is too small to give /64s (at most /64)", desc.ipv6) end
  local written = {}
  local function note(list) for _, p in pairs(list) do if p.v6 then written[#written + 1] = p end end end
  for _, n in pairs(m.nodes) do if n.kind == "bridge" then note(n.subnets); note(n.addrs) end end
  for _, l in ipairs(m.links) do
    note(l.subnets)
    for _, e in ipairs(l.ends) do note(e.addrs) end
  end
  local k = 0
  local function next64(where)
    while true do
      local text = ip.subnet(range, 64, k)
      if not text then fail("ipv6: %s has no /64 left for %s", range.text, where) end
      k = k + 1
      local p = M.parse_cidr(text, "ipv6")
      local clash = false
      for _, w in ipairs(written) do
        if ip.contains(p, w) or ip.contains(w, p) then clash = true end
      end
      if not clash then return p end
    end
  end
  for _, b in ipairs(m.bridge_list) do
    if not b.subnets[6] then b.subnets[6] = next64("bridge " .. b.name) end
  end
  for _, l in ipairs(m.links) do
    local has = link_subnet(l, 6)
    for _, e in ipairs(l.ends) do if M.by_family(e.addrs)[6] then has = true end end
    if not has then l.subnets[6] = next64("link " .. l.id) end
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
