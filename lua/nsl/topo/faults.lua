-- nsl.topo.faults: failure injection on a running topology.
--
--   t:link_down("a", "b")       -- the link(s) between nodes a and b, both ends down
--   t:link_down("a:eth1")       -- the link at that end (containerlab's endpoint form)
--   t:link_up("a", "b")         -- and up again
--   t:impair("a", "b", { delay = "20ms", loss = "1%" })   -- both ends, live
--   t:impair("a", "b", { a = { delay = "20ms" }, b = { loss = "5%" } })  -- per end
--   t:impair("a", "b", false)   -- removed
--   t:partition({ "a", "b" }, { "c" })   -- every link between the groups down
--   t:heal()                    -- exactly what partitions cut, up again
--
-- A node is a namespace or a bridge of the description (a bridge is a
-- node like any other: to cut a namespace off a bridge, put them in
-- different groups).  What is down or impaired is kept in t.faults
-- ({ down = { [link id] = true }, cut = { link ids }, impair = { [link
-- id] = { [node] = opts } } }), which t:show() and t:state() report.
local core = require("nsl.core")
local json = require("nsl.json")
local keys = require("nsl.topo.keys")

local M = {}

local function fail(level, fmt, ...)
  error("topology: " .. string.format(fmt, ...), level + 1)
end

local function faults(t)
  t.faults = t.faults or { down = {}, cut = {}, impair = {} }
  return t.faults
end

local function running(t, what, level)
  if t.status ~= "up" then fail(level + 1, "%s: the topology is %s, not up", what, t.status) end
end

local function name_of(x, what, level)
  if type(x) ~= "string" then fail(level + 1, "%s: a node name expected, got %s", what, type(x)) end
  return x
end

-- An end named "node" or "node:ifname" (containerlab's endpoint form:
-- one of two parallel links): { node =, ifname = } after checking the
-- node (and its interface) exists, with the closest name when not.
local function endpoint(t, x, what, level)
  name_of(x, what, level + 1)
  local m = t.model
  local node, ifname = x:match("^([^:]+):(.+)$")
  node = node or x
  local n = m.nodes[node] or (node == "host" and m.host)
  if not n then
    fail(level + 1, "%s: no node named %s%s", what, node, keys.closest_node(t, node))
  end
  if ifname then
    local names = {}
    for _, l in ipairs(m.links) do
      for _, e in ipairs(l.ends) do
        if e.node == n then
          if e.name == ifname or e.real == ifname then return { node = node, ifname = ifname } end
          names[#names + 1] = e.name
        end
      end
    end
    table.sort(names)
    fail(level + 1, "%s: %s has no link end %s (its ends: %s)%s", what, node, ifname,
      #names > 0 and table.concat(names, ", ") or "none",
      keys.suggest(ifname, names, math.max(1, #ifname // 3)))
  end
  return { node = node }
end
M.endpoint = endpoint

local function matches(e, p)
  return e.node.name == p.node and (p.ifname == nil or e.name == p.ifname or e.real == p.ifname)
end

-- The links between a and b ("node" or "node:ifname" each), or the link
-- at end a ("node:ifname") when b is nil; raises when there is none.
local function between(t, a, b, what, level)
  local pa = endpoint(t, a, what, level + 1)
  local pb = b ~= nil and endpoint(t, b, what, level + 1) or nil
  if not pb and not pa.ifname then
    fail(level + 1, "%s: which link of %s? name its other end, or the end as %s:IFNAME", what, a, a)
  end
  local out = {}
  for _, l in ipairs(t.model.links) do
    local x, y = l.ends[1], l.ends[2]
    if pb then
      if (matches(x, pa) and matches(y, pb)) or (matches(x, pb) and matches(y, pa)) then out[#out + 1] = l end
    elseif matches(x, pa) or matches(y, pa) then
      out[#out + 1] = l
    end
  end
  if #out == 0 then fail(level + 1, "%s: no link between %s and %s", what, a, b) end
  return out
end
M.between = between

-- The kernel deletes the routes through a link that goes down (and its
-- IPv6 addresses, unless keep_addr_on_down): so its ends keep their IPv6
-- addresses, and the routes of the namespaces at its ends are added
-- again when it comes back up (those already there, or through a link
-- still down, are left: they come back with that link).
local AGAIN = { EEXIST = true, ENETUNREACH = true, ENODEV = true }

local function restore_routes(n)
  for _, r in ipairs(n.routes or {}) do
    local ok, err = pcall(core.route_add, r.dst, { via = r.via, dev = r.dev, metric = r.metric,
      table = r.table, src = r.src, family = r.family, ns = n.real })
    if not ok and not (type(err) == "table" and AGAIN[err.code]) then error(err, 0) end
  end
end

-- Sets both ends of link l up or down.
local function set_up(l, up)
  for _, e in ipairs(l.ends) do
    local ns = e.ns and e.ns.real
    if not up then	-- absent when IPv6 is off: nothing to keep
      pcall(core.sysctl, "net/ipv6/conf/" .. e.real .. "/keep_addr_on_down", "1", { ns = ns })
    end
    core.link_set(e.real, { ns = ns, up = up })
  end
  if up then
    for _, e in ipairs(l.ends) do
      if e.ns then restore_routes(e.ns) end
    end
  end
end

-- Both ends of the links between a and b down or up (t:link_down,
-- t:link_up: what names the method; its caller's line is level 3).
local function switch(t, a, b, what, up)
  running(t, what, 3)
  local f = faults(t)
  for _, l in ipairs(between(t, a, b, what, 3)) do
    set_up(l, up)
    f.down[l.id] = not up or nil
    for i = #f.cut, 1, -1 do -- up again: no longer cut by a partition
      if up and f.cut[i] == l.id then table.remove(f.cut, i) end
    end
  end
end

-- t:link_down(a, b): the link (every link) between a and b, both ends;
-- t:link_down("a:eth1"): the link at that end (one of parallel links).
function M.link_down(t, a, b)
  switch(t, a, b, "link_down", false)
end

-- t:link_up(a, b): up again (also a link a partition cut).
function M.link_up(t, a, b)
  switch(t, a, b, "link_up", true)
end

-- t:impair(a, b, opts | false): link_impair on both ends of the link
-- between a and b (opts keyed by node name: per end; an end not named
-- is left alone), live; false removes both.
function M.impair(t, a, b, opts)
  running(t, "impair", 2)
  if opts == nil and type(a) == "string" and a:find(":", 1, true) and type(b) ~= "string" then
    b, opts = nil, b -- t:impair("a:eth1", opts): the link at that end
  end
  local links = between(t, a, b, "impair", 2)
  local ea, eb = endpoint(t, a, "impair", 2).node, b and endpoint(t, b, "impair", 2).node
  if not eb then
    local l = links[1]
    eb = l.ends[1].node.name == ea and l.ends[2].node.name or l.ends[1].node.name
  end
  a, b = ea, eb
  if opts ~= false and type(opts) ~= "table" then
    fail(2, "impair: an impairment table or false expected, got %s", type(opts))
  end
  local function one_end(v) return type(v) == "table" or v == false end
  local per = opts and (one_end(opts[a]) or one_end(opts[b]))
  if per then
    for k in pairs(opts) do
      if k ~= a and k ~= b then
        fail(2, "impair: per end, keys are the nodes %s and %s, got '%s'", a, b, tostring(k))
      end
    end
  end
  local f = faults(t)
  for _, l in ipairs(links) do
    local now = f.impair[l.id] or {}
    for _, e in ipairs(l.ends) do
      local o = opts
      if per then o = opts[e.node.name] end
      if o ~= nil then
        local ns = e.ns and e.ns.real
        if o == false then
          core.link_impair(e.real, false, { ns = ns })
          now[e.node.name] = nil
        else
          local copy = {}
          for k, v in pairs(o) do copy[k] = v end
          copy.ns = ns
          core.link_impair(e.real, copy)
          now[e.node.name] = o
        end
      end
    end
    f.impair[l.id] = next(now) and now or nil
  end
end

local function group(g, what, level)
  if type(g) ~= "table" then fail(level + 1, "%s: a list of node names expected, got %s", what, type(g)) end
  local s = {}
  for _, n in ipairs(g) do s[name_of(n, what, level + 1)] = true end
  return s
end

-- t:partition(g1, g2): every link between a node of g1 and one of g2
-- down, both ends; remembered for t:heal().  Links already down stay as
-- they are and are not healed.
function M.partition(t, g1, g2)
  running(t, "partition", 2)
  local s1, s2 = group(g1, "partition", 2), group(g2, "partition", 2)
  for n in pairs(s1) do
    if s2[n] then fail(2, "partition: %s is in both groups", n) end
    if not (t.model.nodes[n] or n == "host") then
      fail(2, "partition: no node named %s%s", n, keys.closest_node(t, n))
    end
  end
  for n in pairs(s2) do
    if not (t.model.nodes[n] or n == "host") then
      fail(2, "partition: no node named %s%s", n, keys.closest_node(t, n))
    end
  end
  local f, n = faults(t), 0
  for _, l in ipairs(t.model.links) do
    local x, y = l.ends[1].node.name, l.ends[2].node.name
    if (s1[x] and s2[y]) or (s2[x] and s1[y]) then
      local already = f.down[l.id]
      for _, id in ipairs(f.cut) do already = already or id == l.id end
      if not already then
        set_up(l, false)
        f.cut[#f.cut + 1] = l.id
        n = n + 1
      end
    end
  end
  return n
end

-- t:heal(): every link a partition cut up again, nothing else; returns
-- how many.
function M.heal(t)
  running(t, "heal", 2)
  local f = faults(t)
  local byid = {}
  for _, l in ipairs(t.model.links) do byid[l.id] = l end
  local n = #f.cut
  for _, id in ipairs(f.cut) do set_up(byid[id], true) end
  f.cut = {}
  return n
end

local ORDER = { "delay", "jitter", "loss", "duplicate", "corrupt", "reorder", "rate", "limit" }

-- Calls fn(e, ok, rec) for each end of link l impaired by the
-- description or by t:impair, with what link_get reads back now (ok
-- false: rec is the error).
local function each_impaired(f, l, fn)
  for _, e in ipairs(l.ends) do
    if e.impair or (f.impair[l.id] and f.impair[l.id][e.node.name]) then
      fn(e, pcall(core.link_get, e.real, { ns = e.ns and e.ns.real }))
    end
  end
end

-- Lines for t:show(): the links down (t:link_down) or cut (t:partition),
-- and every impaired end (from the description or t:impair) as the
-- kernel reports it now (an end whose impairment was removed is not) ("a-r: a eth0: netem delay 50ms loss 1%").
function M.summary(t)
  local f, out = t.faults or { down = {}, cut = {}, impair = {} }, {}
  local cut = {}
  for _, id in ipairs(f.cut) do cut[id] = true end
  for _, l in ipairs(t.model.links) do
    if f.down[l.id] then out[#out + 1] = l.id .. ": down (link_down)" end
    if cut[l.id] then out[#out + 1] = l.id .. ": down (partition)" end
    each_impaired(f, l, function(e, ok, rec)
      local im = ok and rec.impair
      local words = { im and im.qdisc or "none" }
      for _, k in ipairs(ORDER) do
        if im and im[k] and not (k == "limit" and im[k] == 1000) then
          words[#words + 1] = k .. " " .. tostring(im[k])
        end
      end
      if im or not ok then -- one t:impair(..., false) took off: not shown
        out[#out + 1] = string.format("%s: %s %s: %s", l.id, e.node.name, e.name,
          ok and table.concat(words, " ") or tostring(rec))
      end
    end)
  end
  return out
end

-- For t:state(): the same as plain data, { down = { link ids }, cut =
-- { link ids }, impaired = { { link =, node =, dev =, impair = what
-- link_get reads back now } } }.
function M.state(t)
  local f = t.faults or { down = {}, cut = {}, impair = {} }
  local out = { down = json.array(), cut = json.array(), impaired = json.array() }
  for _, id in ipairs(f.cut) do out.cut[#out.cut + 1] = id end
  for _, l in ipairs(t.model.links) do
    if f.down[l.id] then out.down[#out.down + 1] = l.id end
    each_impaired(f, l, function(e, ok, rec)
      if not ok or rec.impair then
        out.impaired[#out.impaired + 1] = { link = l.id, node = e.node.name, dev = e.name,
          impair = ok and rec.impair or nil, error = not ok and tostring(rec) or nil }
      end
    end)
  end
  return out
end

function M.install(Topology)
  Topology.link_down, Topology.link_up = M.link_down, M.link_up
  Topology.impair, Topology.partition, Topology.heal = M.impair, M.partition, M.heal
end

return M
