-- nsl.topo.static: routing = "static" in a description: every namespace
-- gets a route to every subnet of the topology it is not on, in both
-- families, through the first hop of a shortest path (fewest hops; ties
-- go to the node whose name sorts first), and every namespace some route
-- goes through forwards.  Routes written in the description win: a
-- destination a namespace already routes is left to it.  No daemon:
-- the routes are plain route_add's (protocol static).
local keys = require("nsl.topo.keys")
local fail = keys.fail

local M = {}

-- The namespaces one hop from n: the other end of each of its links and
-- every namespace on a bridge it is a port of (no VRF member links).
local function neighbours(n)
  local out, seen = {}, {}
  local function add(o)
    if o ~= n and o.kind == "ns" and not seen[o] then seen[o] = true; out[#out + 1] = o end
  end
  for _, e in ipairs(n.ifaces) do
    if not e.vrf and not e.master then
      local br = e.link.bridge
      if br then
        for _, be in ipairs(br.ifaces) do add(be.peer.node) end
        if br.ns then add(br.ns) end
      else
        add(e.peer.node)
      end
    end
  end
  table.sort(out, function(a, b) return a.name < b.name end)
  return out
end

-- Every subnet of the topology: { net = text, f = 4|6, on = { [ns] = true } }.
local function subnets(m, networks)
  local out = {}
  local function add(x, on)
    for f = 4, 6, 2 do
      for _, net in ipairs(networks(x, f)) do out[#out + 1] = { net = net, f = f, on = on } end
    end
  end
  for _, l in ipairs(m.links) do
    if not l.bridge then
      local on = {}
      for _, e in ipairs(l.ends) do if e.node.kind == "ns" and not e.vrf then on[e.node] = true end end
      add(l, on)
    end
  end
  for _, b in ipairs(m.bridge_list) do
    local on = {}
    for _, be in ipairs(b.ifaces) do if not be.peer.vrf then on[be.peer.node] = true end end
    if b.ns then on[b.ns] = true end
    add(b, on)
  end
  return out
end

-- Adds the routes of routing = "static" to m's namespaces (after the
-- written ones); desc.routing nil: nothing.
function M.read(desc, m, reach, networks)
  if desc.routing == nil then return end
  if desc.routing ~= "static" then
    fail("routing must be \"static\" (shortest-path routes for every namespace), got %s", tostring(desc.routing))
  end
  local nets = subnets(m, networks)
  local names = keys.sorted(m.nodes)
  local near = setmetatable({}, { __index = function(c, x) c[x] = neighbours(x); return c[x] end })
  for _, name in ipairs(names) do
    local n = m.nodes[name]
    if n.kind == "ns" then
      -- breadth first from n: each node's distance and first hop
      local dist, first, queue = { [n] = 0 }, {}, { n }
      local i = 1
      while queue[i] do
        local x = queue[i]
        i = i + 1
        for _, y in ipairs(near[x]) do
          if not dist[y] then
            dist[y], first[y] = dist[x] + 1, first[x] or y
            queue[#queue + 1] = y
          end
        end
      end
      local gws = {} -- reach(n, hop, f), once per hop and family
      local function gateway(hop, f)
        local k = hop.name .. "\0" .. f
        if gws[k] == nil then gws[k] = reach(m, n, hop, f, false)[1] or false end
        return gws[k]
      end
      local have = {}
      for _, r in ipairs(n.routes) do if not r.table then have[r.dst] = true end end
      for _, s in ipairs(nets) do
        if not s.on[n] and not have[s.net] then
          local best
          for o in pairs(s.on) do
            if dist[o] and (not best or dist[o] < dist[best] or (dist[o] == dist[best] and o.name < best.name)) then
              best = o
            end
          end
          local hop = best and first[best]
          local gw = hop and gateway(hop, s.f)
          if gw then
            n.routes[#n.routes + 1] = { dst = s.net, family = s.f == 6 and "inet6" or "inet",
                                        via = gw.address, gateway = hop.name, protocol = "static" }
            have[s.net] = true
            hop.forwards = true
          end
        end
      end
    end
  end
  for _, name in ipairs(names) do
    local n = m.nodes[name]
    if n.forwards and n.spec.forwarding == nil then
      for _, key in ipairs({ "net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding" }) do
        if n.sysctl[key] == nil then n.sysctl[key] = true end
      end
    end
  end
end

return M
