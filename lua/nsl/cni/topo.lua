-- nsl.cni.topo: the lab's topology for nsl-cni, loaded and placed.
--
--   topo.load(text, where) -> model      text: a Lua chunk returning the
--                                        description, or JSON of the same
--                                        shape; raises "topology: ..."
--   topo.node(model, name) -> node        raises with the closest name
--
-- The description:
--   namespaces = { "r1", "r2" } (or { r1 = {}, ... }): the nodes
--   links = { { "r1:eth1", "r2:eth1", subnet = { "10.0.1.0/30", "fd00:1::/64" },
--               mtu = 1500 }, ... }   containerlab's endpoints; each end
--                                     gets the first and second address of
--                                     each subnet (one of each family)
--   hosts = { h1 = { "r1", "r2" }, h2 = { "r3" } }   placement (none: one host)
--
-- A Lua chunk runs in an empty environment (no os, io, require, load,
-- no metatables: only string, table, math, utf8, pairs, ipairs,
-- tostring, tonumber, type, select, error, assert, next, rawget,
-- rawequal, rawlen) under an instruction budget, so a topology file can
-- neither reach the system nor hang the plugin.  Its strings' methods
-- are the sandbox's copy while it runs (the plugin's own string library
-- is out of its reach), without the pattern functions (find, match,
-- gmatch, gsub), whose backtracking in C no instruction budget sees.
local ip = require "nsl.ip"
local json = require "nsl.json"
local keys = require "nsl.topo.keys"

local M = {}

local function fail(fmt, ...)
  error("topology: " .. string.format(fmt, ...), 0)
end

local BUDGET = 10000000 -- instructions a topology chunk may run

-- Functions of the string library that run in time bounded by their
-- arguments (the pattern functions backtrack in C, out of the budget).
local STRING = { "byte", "char", "format", "len", "lower", "upper", "rep", "reverse", "sub", "pack",
  "packsize", "unpack" }

local function sandbox()
  local env = {}
  for _, k in ipairs({ "pairs", "ipairs", "tostring", "tonumber", "type", "select", "error",
    "assert", "next", "rawget", "rawequal", "rawlen" }) do
    env[k] = _G[k]
  end
  for _, lib in ipairs({ "table", "math", "utf8" }) do
    local copy = {}
    for k, v in pairs(_G[lib]) do copy[k] = v end
    env[lib] = copy
  end
  env.string = {}
  for _, k in ipairs(STRING) do env.string[k] = string[k] end
  return env
end

-- Runs chunk under the budget, its strings' methods those of its own
-- string table (("x"):rep() is its string.rep), the plugin's put back after.
local function run_lua(text, where)
  local env = sandbox()
  local chunk, err = load(text, "=" .. where, "t", env)
  if not chunk then fail("%s", err) end
  local co = coroutine.create(chunk)
  debug.sethook(co, function() error("runs too long (a loop?)", 2) end, "", BUDGET)
  local smt = getmetatable("")
  local index = smt.__index
  smt.__index = env.string
  local ok, desc = coroutine.resume(co)
  smt.__index = index
  if not ok then fail("%s: %s", where, tostring(desc):gsub("^" .. where:gsub("%p", "%%%0") .. ":", "line ")) end
  return desc
end

local NODE_RE = "^[%w_.-]+$"

local function check_name(s, what)
  if type(s) ~= "string" or not s:match(NODE_RE) or #s > 64 then
    fail("%s %s: expected a name of letters, digits, '_', '.', '-'", what, tostring(s))
  end
end

local function parse_end(s, i, where)
  if type(s) ~= "string" then fail("%s: end %d must be a string \"node:ifname\", got %s", where, i, type(s)) end
  local node, ifname = s:match("^([^:]+):([^:]+)$")
  if not node then fail("%s: end %d '%s' must be \"node:ifname\"", where, i, s) end
  check_name(node, where .. ": node")
  if #ifname > 15 or ifname:find("[/%s]") or ifname == "." or ifname == ".." then
    fail("%s: end %d '%s': not an interface name (1..15 bytes, no '/' or white space)", where, i, s)
  end
  return node, ifname
end

local function list_of(v, where)
  if v == nil then return {} end
  if type(v) == "string" then return { v } end
  if type(v) ~= "table" then fail("%s must be a CIDR or a list of CIDRs, got %s", where, type(v)) end
  return v
end

-- The two ends' addresses of a link's subnets: { { a1, ... }, { b1, ... } }.
local function addresses(subnets, where)
  local a, b, fams = {}, {}, {}
  for _, s in ipairs(list_of(subnets, where .. ": subnet")) do
    local net, why = ip.parse(s)
    if not net or not net.len then fail("%s: subnet %s: %s", where, tostring(s), why or "not a CIDR") end
    if fams[net.family] then fail("%s: two subnets of one family (%s)", where, tostring(s)) end
    fams[net.family] = true
    local x, y = ip.host(net, 1), ip.host(net, 2)
    if not y then fail("%s: subnet %s has no room for two ends", where, s) end
    a[#a + 1], b[#b + 1] = x, y
  end
  return { a, b }
end

local function nodes_of(desc)
  local nodes, names = {}, {}
  local ns = desc.namespaces
  if type(ns) ~= "table" then fail("namespaces must be a table of node names, got %s", type(ns)) end
  for k, v in pairs(ns) do
    local name = math.type(k) == "integer" and v or k
    check_name(name, "node")
    if nodes[name] then fail("node %s named twice", name) end
    nodes[name] = { name = name, links = {} }
    names[#names + 1] = name
  end
  table.sort(names)
  return nodes, names
end

local function place(model, hosts)
  if hosts == nil then return end
  if type(hosts) ~= "table" then fail("hosts must be a table { host = { nodes } }, got %s", type(hosts)) end
  for h, list in pairs(hosts) do
    check_name(h, "host")
    if type(list) ~= "table" then fail("hosts.%s must be a list of nodes, got %s", h, type(list)) end
    for _, n in ipairs(list) do
      local node = model.nodes[n]
      if not node then fail("hosts.%s: no node named %s%s", h, tostring(n), M.suggest(model, n)) end
      if node.host then fail("node %s placed on two hosts (%s and %s)", n, node.host, h) end
      node.host = h
    end
  end
  model.placed = true
end

function M.suggest(model, name)
  if type(name) ~= "string" then return "" end
  return keys.suggest(name, model.names, math.min(#name - 1, #name // 3 + 1))
end

local LINK_KEYS = keys.set("subnet", "mtu")

local function add_links(model, links)
  if links == nil then return end
  if type(links) ~= "table" then fail("links must be a list, got %s", type(links)) end
  local used = {}
  for i, l in ipairs(links) do
    local where = "links[" .. i .. "]"
    if type(l) ~= "table" then fail("%s must be a table { \"a:eth1\", \"b:eth1\" }, got %s", where, type(l)) end
    keys.check_keys(l, LINK_KEYS, where, 2)
    local na, ia = parse_end(l[1], 1, where)
    local nb, ib = parse_end(l[2], 2, where)
    for _, e in ipairs({ { na, ia }, { nb, ib } }) do
      if not model.nodes[e[1]] then fail("%s: no node named %s%s", where, e[1], M.suggest(model, e[1])) end
      local k = e[1] .. ":" .. e[2]
      if used[k] then fail("%s: interface %s is in two links", where, k) end
      used[k] = true
    end
    if na == nb then fail("%s: both ends on node %s", where, na) end
    if l.mtu ~= nil and (math.type(l.mtu) ~= "integer" or l.mtu < 68 or l.mtu > 65535) then
      fail("%s: mtu must be an integer 68..65535, got %s", where, tostring(l.mtu))
    end
    local addrs = addresses(l.subnet, where)
    local id = na .. ":" .. ia .. "=" .. nb .. ":" .. ib
    model.links[#model.links + 1] = { id = id, index = i }
    local nodes = model.nodes
    nodes[na].links[#nodes[na].links + 1] = { id = id, index = i, ifname = ia, peer = nb, peer_if = ib,
      addrs = addrs[1], peer_addrs = addrs[2], mtu = l.mtu, first = true }
    nodes[nb].links[#nodes[nb].links + 1] = { id = id, index = i, ifname = ib, peer = na, peer_if = ia,
      addrs = addrs[2], peer_addrs = addrs[1], mtu = l.mtu, first = false }
  end
end

local TOP_KEYS = keys.set("namespaces", "links", "hosts", "name")

function M.load(text, where)
  local desc
  if text:match("^%s*{") then -- no Lua chunk starts so
    local ok, v = pcall(json.decode, text)
    if not ok then fail("%s: not JSON: %s", where, tostring(v)) end
    desc = v
  else
    desc = run_lua(text, where)
  end
  if type(desc) ~= "table" then fail("%s must return a table, got %s", where, type(desc)) end
  keys.check_keys(desc, TOP_KEYS, "the topology")
  local model = { links = {} }
  model.nodes, model.names = nodes_of(desc)
  place(model, desc.hosts)
  add_links(model, desc.links)
  return model
end

function M.node(model, name)
  local n = model.nodes[name]
  if not n then fail("no node named %s%s", tostring(name), M.suggest(model, name)) end
  return n
end

return M
