-- nsl.topo.rules: a namespace's policy routing rules in a description,
--
--   namespaces = { r = { rules = { { from = "10.0.0.0/24", table = 100 }, ... },
--                        routes = { default = { via = "10.9.0.2", table = 100 } } } }
--
-- each entry rule_add's options (from, to, table, priority, iif, oif,
-- fwmark, family, action), checked here before anything is made: its keys,
-- its CIDRs, and iif/oif, which name an interface of the namespace (or
-- lo).  The rules are added after the routes and go with the namespace.
local keys = require("nsl.topo.keys")
local addressing = require("nsl.topo.addrs")
local kinds = require("nsl.topo.kinds")

local M = {}

local fail, check_keys, sorted = keys.fail, keys.check_keys, keys.sorted
local RULE = keys.set("from", "to", "table", "priority", "iif", "oif", "fwmark", "family", "action")

-- The actions and families rule_add takes (src/net/rule.c's).
local ACTIONS = { "table", "blackhole", "unreachable", "prohibit" }
local FAMILIES = { inet = 4, inet6 = 6 }
local TABLES = keys.set("main", "local", "default")

local function one_of(v, list)
  for _, x in ipairs(list) do if v == x then return true end end
  return false
end

-- One number of a fwmark's text as strtoull(s, 0) reads it (decimal, 0x
-- hex, 0 octal), 0..2^32-1 (rule.c's mark_num); nil when it is none.
local function mark_num(s)
  local v
  if s:match("^0[xX]%x+$") then v = tonumber(s:sub(3), 16)
  elseif s:match("^0[0-7]*$") then v = tonumber(s, 8)
  elseif s:match("^[1-9]%d*$") then v = tonumber(s, 10) end
  if v and math.type(v) == "integer" and v <= 0xffffffff and #s < 16 then return v end
end

-- Checks the values rule_add would refuse, before anything is made.
local function check_values(r, family, where)
  if r.action ~= nil and not one_of(r.action, ACTIONS) then
    fail("%s: unknown action '%s' (%s)", where, tostring(r.action), table.concat(ACTIONS, ", "))
  end
  if r.action ~= nil and r.action ~= "table" and r.table ~= nil then
    fail("%s: a rule of action %s takes no table", where, r.action)
  end
  if r.table == nil and (r.action == nil or r.action == "table") then fail("%s: give a table (or an action)", where) end
  if r.table ~= nil then
    local t = r.table
    if not (TABLES[t] or (math.type(t) == "integer" and t >= 1 and t <= 0x7fffffff)) then
      fail("%s: table must be an integer 1..2147483647 or main, local, default, got %s", where, tostring(t))
    end
  end
  if r.family ~= nil then
    local f = FAMILIES[r.family]
    if not f then fail("%s: unknown family '%s' (inet or inet6)", where, tostring(r.family)) end
    if family and f ~= family then
      fail("%s: family is %s but from/to are %s", where, r.family, family == 4 and "inet" or "inet6")
    end
  end
  local p = r.priority
  if p ~= nil and (math.type(p) ~= "integer" or p < 0 or p > 0xffffffff) then
    fail("%s: priority must be an integer 0..4294967295, got %s", where, tostring(p))
  end
  local mark = r.fwmark
  if mark ~= nil then
    local ok
    if math.type(mark) == "integer" then ok = mark >= 0 and mark <= 0xffffffff
    elseif type(mark) == "string" then
      local v, k = mark:match("^([^/]*)/(.*)$")
      if v then ok = mark_num(v) and mark_num(k) else ok = mark_num(mark) end
    end
    if not ok then
      fail("%s: fwmark must be a number or \"mark/mask\" (0 to 0xffffffff each), got %s", where, tostring(mark))
    end
  end
end

-- The real name of interface name of namespace n (lo as is), or fails.
local function iface(n, name, where, field)
  if name == "lo" then return name end
  for _, e in ipairs(kinds.all(n)) do -- veth ends and own links
    if e.name == name then return e.real end
  end
  fail("%s: %s %s is not an interface of %s", where, field, tostring(name), n.name)
end

-- read(m): fills n.rules of each namespace of the model m; raises
-- "topology: namespace <n>: rule <i>: ..." on a mistake.
function M.read(m)
  for _, name in ipairs(sorted(m.nodes)) do
    local n = m.nodes[name]
    n.rules = {}
    local list = n.kind == "ns" and n.spec.rules
    if list ~= nil and list ~= false then
      if type(list) ~= "table" then fail("namespace %s: rules must be a list of tables", n.name) end
      check_keys(list, {}, "namespace " .. n.name .. ": rules", #list)
      for i, r in ipairs(list) do
        local where = "namespace " .. n.name .. ": rule " .. i
        if type(r) ~= "table" then fail("%s: expected a table of rule_add's options", where) end
        check_keys(r, RULE, where)
        local x = {}
        for k, v in pairs(r) do x[k] = v end
        local family
        for _, field in ipairs({ "from", "to" }) do
          if r[field] ~= nil then
            local p = addressing.parse_cidr(r[field], where .. ": " .. field)
            if family and p.family ~= family then fail("%s: from and to are of different families", where) end
            family = p.family
          end
        end
        check_values(r, family, where)
        if r.iif ~= nil then x.iif = iface(n, r.iif, where, "iif") end
        if r.oif ~= nil then x.oif = iface(n, r.oif, where, "oif") end
        n.rules[#n.rules + 1] = x
      end
    end
  end
end

-- Text of a rule for a step's name: "from 10.0.0.0/24 table 100".
function M.text(r)
  local out = {}
  for _, k in ipairs({ "priority", "from", "to", "iif", "oif", "fwmark", "table", "action" }) do
    if r[k] ~= nil then out[#out + 1] = k .. " " .. tostring(r[k]) end
  end
  return table.concat(out, " ")
end

return M
