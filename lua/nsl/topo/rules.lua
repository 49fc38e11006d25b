-- nsl.topo.rules: a namespace's policy routing rules in a description,
--
--   namespaces = { r = { rules = { { from = "10.0.0.0/24", table = 100 }, ... },
--                        routes = { default = { via = "10.9.0.2", table = 100 } } } }
--
-- each entry rule_add's options (from, to, table, priority, iif, oif,
-- fwmark, family, action), checked here before anything is made: its keys,
-- its CIDRs, and iif/oif, which name an interface of the namespace (or
-- lo).  The rules are added after the routes and go with the namespace.
local keys = require "nsl.topo.keys"
local addressing = require "nsl.topo.addrs"

local M = {}

local fail, check_keys, sorted = keys.fail, keys.check_keys, keys.sorted
local RULE = keys.set("from", "to", "table", "priority", "iif", "oif", "fwmark", "family", "action")

-- The real name of interface name of namespace n (lo as is), or fails.
local function iface(n, name, where, field)
  if name == "lo" then return name end
  for _, e in ipairs(require("nsl.topo.kinds").all(n)) do -- veth ends and own links
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
        if r.table == nil and r.action == nil then fail("%s: give a table (or an action)", where) end
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
