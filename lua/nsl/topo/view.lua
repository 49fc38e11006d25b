-- nsl.topo.view: looking at a topology.
--
--   report(t)   the live state as aligned text (what t:show() prints):
--               per namespace its links (kind, peer, master, state,
--               addresses), routes and processes; the host's part too
--   diagram(t)  the description drawn as ASCII boxes, like the articles
--   dot(t)      the description as a Graphviz graph (dot -Tsvg renders it)
local core = require "nsl.core"
local pretty = require "nsl.pretty"
local vlans = require "nsl.topo.vlans"

local M = {}

local function safe(f, ...)
  local ok, r = pcall(f, ...)
  if ok then return r end
  return nil, r
end

local function yesno(v)
  if v == nil then return "" end
  if type(v) == "boolean" then return v and "up" or "down" end
  return tostring(v)
end


-- Rows for the links of one namespace (nil: the root), keeping only the
-- names in `only` when given; names maps real namespace names to the
-- topology's (a peer shows as "eth0@ns1").
local function link_rows(ns, only, names)
  local links, err = safe(core.link_list, { ns = ns })
  if not links then return nil, err end
  local addrs = {}
  for _, a in ipairs(safe(core.addr_list, { ns = ns }) or {}) do
    -- the records of addr_list (README, "Records"): dev, cidr...
    addrs[a.dev] = addrs[a.dev] or {}
    -- IPv6 link-local addresses are on every link: noise here.
    if not a.cidr:lower():find("^fe80:") then table.insert(addrs[a.dev], a.cidr) end
  end
  local rows = setmetatable({}, { __columns = { "name", "kind", "peer", "master", "state", "mtu", "addresses" } })
  for _, l in ipairs(links) do
    if not only or only[l.name] then
      local peer = l.peer or ""
      if l.peer and l.peer_ns and l.peer_ns ~= "" then
        peer = peer .. "@" .. (names[l.peer_ns] or l.peer_ns)
      elseif l.peer and ns and names.root_links[l.peer] then
        peer = peer .. "@host"
      end
      rows[#rows + 1] = { name = l.name, kind = l.kind or "", peer = peer,
        master = l.master or "", state = yesno(l.up), mtu = l.mtu or "",
        addresses = table.concat(addrs[l.name] or {}, " ") }
    end
  end
  return rows
end

local function route_rows(ns)
  local routes, err = safe(core.route_list, { ns = ns })
  if not routes then return nil, err end
  local rows = setmetatable({}, { __columns = { "dst", "via", "dev", "metric" } })
  for _, r in ipairs(routes) do
    if not tostring(r.dst):lower():find("^fe80:") then -- link-local: on every link
    rows[#rows + 1] = { dst = r.dst, via = r.via or "", dev = r.dev or "", metric = r.metric or "" }
    end
  end
  return rows
end

local function indent(text, pad)
  return pad .. text:gsub("\n", "\n" .. pad)
end

function M.report(t)
  local m, out = t.model, {}
  local function add(s) out[#out + 1] = s end
  add(string.format("topology %s (%s)", t.prefix ~= "" and t.prefix or "(no prefix)", t.status))
  if t.status ~= "up" then
    add("  not up: nothing to show live; t:diagram() shows the description")
    return table.concat(out, "\n")
  end
  local names = {}
  for _, n in ipairs(m.namespaces) do names[n.real] = n.name end
  local own = {}
  for _, b in ipairs(m.bridges) do if not b.ns then own[b.real] = true end end
  for _, l in ipairs(m.links) do
    for _, e in ipairs(l.ends) do if not e.ns then own[e.real] = true end end
  end
  names.root_links = own
  if next(own) then
    add("host (root namespace)")
    local rows, err = link_rows(nil, own, names)
    add(rows and indent(pretty.format(rows), "  ") or ("  links: " .. tostring(err)))
  end
  for _, line in ipairs(require("nsl.topo.nat").summary(m)) do add("  " .. line) end -- issue 16
  local faults = require("nsl.topo.faults").summary(t) -- issue 15: down, cut, impaired links
  if #faults > 0 then
    add("faults")
    for _, line in ipairs(faults) do add("  " .. line) end
  end
  for _, n in ipairs(m.namespaces) do
    add(string.format("namespace %s%s%s", n.name, n.real ~= n.name and (" (" .. n.real .. ")") or "",
      n.hostname and (", hostname " .. n.hostname) or ""))
    local rows, err = link_rows(n.real, nil, names)
    add(rows and indent(pretty.format(rows), "  ") or ("  links: " .. tostring(err)))
    local routes, rerr = route_rows(n.real)
    if routes and #routes > 0 then
      add("  routes")
      add(indent(pretty.format(routes), "    "))
    elseif not routes then
      add("  routes: " .. tostring(rerr))
    end
    local procs = setmetatable({}, { __columns = { "service", "pid", "state", "cmd" } })
    for _, s in ipairs(m.service_order) do
      local p = t.procs[s.name]
      if s.ns == n and p then
        local alive = p.handle and require("nsl.netns").running(p.handle)
        procs[#procs + 1] = { service = s.name, pid = p.pid or "", state = alive and "running" or "exited",
          cmd = table.concat(s.cmd, " ") }
      end
    end
    if #procs > 0 then
      add("  processes")
      add(indent(pretty.format(procs), "    "))
    end
  end
  return table.concat(out, "\n")
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

local kinds = require "nsl.topo.kinds"

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
          .. (b.vlan_filtering and " vlan_filtering" or "") .. vlans.text(b.vlans)
        for _, port in ipairs(b.ifaces) do
          lines[#lines + 1] = "  +-- [" .. port.real .. "] <-> " .. port.peer.node.name .. " [" .. port.peer.real .. "]"
            .. vlans.text(port.vlans)
        end
      end
    end
    for _, l in ipairs(m.links) do
      for _, e in ipairs(l.ends) do
        local here = owner.kind == "host" and e.node.kind == "host" or e.node == owner
        if here then
          lines[#lines + 1] = iface(e) .. kinds.note(e)
          lines[#lines + 1] = "   " .. peer_text(e)
        end
      end
    end
    if owner.kind == "ns" then
      for _, v in ipairs(owner.vrfs or {}) do lines[#lines + 1] = "[" .. v.real .. "] vrf table " .. v.table end
      for _, o in ipairs(owner.own or {}) do lines[#lines + 1] = iface(o) .. kinds.note(o) end
      for _, r in ipairs(owner.routes) do
        lines[#lines + 1] = "route " .. r.dst .. (r.via and (" via " .. r.via) or "") ..
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
