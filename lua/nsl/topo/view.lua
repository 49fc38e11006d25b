-- nsl.topo.view: looking at a topology.
--
--   report(t)   the live state as aligned text (what t:show() prints),
--               rendered by nsl.topo.state.report
--   diagram(t)  the description drawn as ASCII boxes, like the articles
--   dot(t)      the description as a Graphviz graph (dot -Tsvg renders it)
local state = require("nsl.topo.state")
local features = require("nsl.topo.features")

local M = {}

-- report(t): the live state as text: nsl.topo.state.report (the
-- renderer nsl show uses too), with what only this process knows: the
-- features' summaries (the NAT table's rules, the injected faults).
function M.report(t)
  return state.report(state.entry(t), features.extras(t, "summary"))
end

local function len(s) return utf8.len(s) or #s end

-- A box around lines, with the title on the top edge.
local function box(title, lines)
  local w = len(title) + 5
  for _, l in ipairs(lines) do w = math.max(w, len(l) + 2) end
  local out = { "+-- " .. title .. " " .. string.rep("-", w - len(title) - 4) .. "+" }
  for _, l in ipairs(lines) do out[#out + 1] = "| " .. l .. string.rep(" ", w - len(l) - 1) .. "|" end
  out[#out + 1] = "+" .. string.rep("-", w) .. "+"
  return out
end

-- Boxes side by side, rows no wider than width.
local function beside(boxes, width)
  local out, row, roww = {}, {}, 0
  local function flush()
    if #row == 0 then return end
    local h = 0
    for _, b in ipairs(row) do h = math.max(h, #b) end
    for i = 1, h do
      local parts = {}
      for _, b in ipairs(row) do
        local bw = len(b[1])
        parts[#parts + 1] = b[i] or string.rep(" ", bw)
      end
      out[#out + 1] = (table.concat(parts, "  "):gsub("%s+$", ""))
    end
    out[#out + 1] = ""
    row, roww = {}, 0
  end
  for _, b in ipairs(boxes) do
    local bw = len(b[1])
    if #row > 0 and roww + 2 + bw > width then flush() end
    row[#row + 1] = b
    roww = roww + (roww > 0 and 2 or 0) + bw
  end
  flush()
  if out[#out] == "" then out[#out] = nil end
  return out
end

-- Every address of an end or a bridge, IPv4 first, joined by sep; nil
-- when it has none.
local function addresses(x, sep)
  local t = {}
  for _, p in ipairs(x.addrs or {}) do t[#t + 1] = p.text end
  return #t > 0 and table.concat(t, sep) or nil
end

local function iface(e)
  local s = "[" .. e.real .. "]"
  local a = addresses(e, " ")
  if a then s = s .. " " .. a end
  return s
end

local function peer_text(e)
  local p = e.peer
  if e.link.bridge and not e.master then return "<-> bridge " .. e.link.bridge.name end
  if e.master then return "<-> " .. p.node.name .. " " .. p.real end
  return "<-> " .. p.node.name .. " " .. p.real
end

-- The description drawn as boxes: the host (root namespace) with its
-- bridges and veth ends, then each namespace with its interfaces,
-- addresses, routes and services.  opts.width (default 100).
function M.diagram(t, opts)
  local m = t.model
  local width = opts and opts.width or 100
  local function node_lines(owner)
    local lines = {}
    if owner.kind == "ns" and owner.lo then lines[#lines + 1] = "[lo]" end
    for _, b in ipairs(m.bridges) do
      if b.ns == (owner.kind == "ns" and owner or nil) then
        lines[#lines + 1] = "[" .. b.real .. "] bridge" .. (addresses(b, " ") and (" " .. addresses(b, " ")) or "")
          .. (b.vlan_filtering and " vlan_filtering" or "") .. features.note(b)
        for _, port in ipairs(b.ifaces) do
          lines[#lines + 1] = "  +-- [" .. port.real .. "] <-> " .. port.peer.node.name .. " [" .. port.peer.real .. "]"
            .. features.note(port)
        end
      end
    end
    for _, l in ipairs(m.links) do
      for _, e in ipairs(l.ends) do
        local here = owner.kind == "host" and e.node.kind == "host" or e.node == owner
        if here then
          lines[#lines + 1] = iface(e) .. features.note(e)
          lines[#lines + 1] = "   " .. peer_text(e)
        end
      end
    end
    if owner.kind == "ns" then
      for _, v in ipairs(owner.vrfs or {}) do lines[#lines + 1] = "[" .. v.real .. "] vrf table " .. v.table end
      for _, o in ipairs(owner.own or {}) do lines[#lines + 1] = iface(o) .. features.note(o) end
      for _, r in ipairs(owner.routes) do
        local hops = {}
        for _, h in ipairs(r.nexthops or {}) do hops[#hops + 1] = h.via or h.dev end
        lines[#lines + 1] = (r.type and r.type ~= "unicast" and (r.type .. " ") or "") .. "route " .. r.dst ..
          (r.via and (" via " .. r.via) or "") ..
          (#hops > 0 and (" via " .. table.concat(hops, ", ")) or "") ..
          (r.gateway and (" (" .. r.gateway .. ")") or "")
      end
      for _, s in ipairs(m.service_order) do
        if s.ns == owner then lines[#lines + 1] = "(" .. s.name .. ") " .. tostring(s.cmd[1]) end
      end
    end
    return lines
  end
  local out = {}
  local host = node_lines(m.host)
  if #host > 0 then
    for _, l in ipairs(box("host", host)) do out[#out + 1] = l end
    out[#out + 1] = ""
  end
  local boxes = {}
  for _, n in ipairs(m.namespaces) do
    local title = n.name .. (n.real ~= n.name and (" (" .. n.real .. ")") or "")
    boxes[#boxes + 1] = box(title, node_lines(n))
  end
  for _, l in ipairs(beside(boxes, width)) do out[#out + 1] = l end
  return table.concat(out, "\n") .. "\n"
end

local function q(s)
  return '"' .. tostring(s):gsub('[\\"]', "\\%0"):gsub("\n", "\\n") .. '"'
end

local function id(e) return q((e.ns and e.ns.name or e.node.kind == "host" and "host" or e.node.name) .. ":" .. e.real) end

-- The description as an undirected Graphviz graph: a cluster per
-- namespace (and one for the host), an interface per node, a bridge as
-- an ellipse, a veth pair as an edge.
function M.dot(t)
  local m = t.model
  local out = { "graph " .. q("nsl " .. t.prefix) .. " {",
    "  graph [rankdir=LR, fontname=\"monospace\"];",
    "  node [shape=box, fontname=\"monospace\", fontsize=10];" }
  local function add(s) out[#out + 1] = s end
  local function cluster(key, label, ends, bridges, services)
    add("  subgraph " .. q("cluster_" .. key) .. " {")
    add("    label=" .. q(label) .. ";")
    for _, b in ipairs(bridges) do
      add("    " .. q("bridge:" .. b.name) .. " [shape=ellipse, label=" ..
        q(b.real .. (addresses(b, "\n") and ("\n" .. addresses(b, "\n")) or "")) .. "];")
    end
    for _, e in ipairs(ends) do
      add("    " .. id(e) .. " [label=" .. q(e.real .. (addresses(e, "\n") and ("\n" .. addresses(e, "\n")) or "")) .. "];")
    end
    for _, s in ipairs(services) do
      add("    " .. q("service:" .. s.name) .. " [shape=component, label=" .. q(s.name) .. "];")
    end
    add("  }")
  end
  local function ends_in(pred)
    local r = {}
    for _, l in ipairs(m.links) do for _, e in ipairs(l.ends) do if pred(e) then r[#r + 1] = e end end end
    return r
  end
  local function bridges_in(ns)
    local r = {}
    for _, b in ipairs(m.bridges) do if b.ns == ns then r[#r + 1] = b end end
    return r
  end
  cluster("host", "host", ends_in(function(e) return not e.ns end), bridges_in(nil), {})
  for _, n in ipairs(m.namespaces) do
    local svcs = {}
    for _, s in ipairs(m.service_order) do if s.ns == n then svcs[#svcs + 1] = s end end
    cluster(n.name, n.name .. (n.real ~= n.name and (" (" .. n.real .. ")") or ""),
      ends_in(function(e) return e.ns == n end), bridges_in(n), svcs)
  end
  for _, l in ipairs(m.links) do
    add("  " .. id(l.ends[1]) .. " -- " .. id(l.ends[2]) .. " [label=\"" .. (l.kind or "veth") .. "\"];")
    for _, e in ipairs(l.ends) do
      -- a bridge's port, or a bond's (its master an end of a bond link: nsl.topo.kinds)
      local master = e.master and (e.master.link and id(e.master) or q("bridge:" .. e.master.name))
      if master then add("  " .. id(e) .. " -- " .. master .. " [style=dashed];") end
    end
  end
  for _, s in ipairs(m.service_order) do
    for _, dep in ipairs(s.after) do
      add("  " .. q("service:" .. dep) .. " -- " .. q("service:" .. s.name) .. " [style=dotted, label=\"before\"];")
    end
  end
  add("}")
  return table.concat(out, "\n") .. "\n"
end

return M
