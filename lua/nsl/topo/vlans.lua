-- nsl.topo.vlans: VLAN-aware bridges in descriptions.
--
--   bridges = { br0 = { vlan_filtering = true, stp = true, vlans = 10 } }
--   links = { { "h1", "br0", vlans = 10 },                    -- an access port
--             { "h2", "br0", vlans = { 10, 20, "30-40", pvid = 10 } } } -- a trunk
--
-- A link with a bridge end takes `vlans` for its bridge port; a bridge
-- takes them for itself (bridge_vlan_add's self).  A number is an access
-- port: that VLAN, pvid and untagged.  A table lists VLAN ids and ranges
-- the port carries tagged; its pvid (listed or not) is carried untagged
-- and tags what arrives untagged (it is given last, so it keeps these
-- flags when a range lists it too).  The port is in exactly those VLANs:
-- the kernel's default VLAN 1 is removed unless listed.  VLANs live and
-- die with their links: nothing to record or tear down.
local core = require("nsl.core")
local keys = require("nsl.topo.keys")

local fail = keys.fail
local M = {}

M.BRIDGE_KEYS = { "vlan_filtering", "stp", "vlans" }
M.LINK_KEYS = { "vlans" }

local function vid(v, where)
  if math.type(v) == "integer" then
    if v < 1 or v > 4094 then fail("%s: VLAN id %d: must be 1 to 4094", where, v) end
    return v, v
  end
  local a, b
  if type(v) == "string" then
    a, b = v:match("^(%d+)%-(%d+)$")
    if not a then a = v:match("^%d+$"); b = a end
  end
  a, b = tonumber(a), tonumber(b)
  if not a or a < 1 or b > 4094 or a > b then
    fail("%s: VLAN '%s': an id 1..4094 or a range \"10-20\" expected", where, tostring(v))
  end
  return a, b
end

-- The vlans of a port or bridge: { ids = { 10, "30-40" }, pvid = n },
-- ids as bridge_vlan_add takes them; raises on a bad one.
local function read(v, where)
  if math.type(v) == "integer" then
    vid(v, where)
    return { ids = {}, pvid = v, keep1 = v == 1 }
  end
  if type(v) ~= "table" then
    fail("%s: vlans must be a VLAN id or a table like { 10, 20, pvid = 10 }, got %s", where, type(v))
  end
  keys.check_keys(v, keys.set("pvid"), where .. " vlans", #v)
  local out, has1 = { ids = {} }, false
  for _, x in ipairs(v) do
    local a, b = vid(x, where)
    if a <= 1 and b >= 1 then has1 = true end
    out.ids[#out.ids + 1] = x
  end
  if v.pvid ~= nil then
    if math.type(v.pvid) ~= "integer" then fail("%s: pvid must be a VLAN id", where) end
    vid(v.pvid, where)
    out.pvid = v.pvid
  end
  out.keep1 = has1 or out.pvid == 1
  return out
end

-- Reads a bridge's vlan_filtering, stp and vlans into b.
function M.bridge(b, spec, where)
  for _, k in ipairs({ "vlan_filtering", "stp" }) do
    if spec[k] ~= nil and type(spec[k]) ~= "boolean" then fail("%s: %s must be true or false", where, k) end
  end
  b.vlan_filtering, b.stp = spec.vlan_filtering, spec.stp
  if spec.vlans ~= nil then
    if not spec.vlan_filtering then fail("%s: vlans need vlan_filtering = true", where) end
    b.vlans = read(spec.vlans, where)
  end
end

-- Reads a link's vlans into the end that is its bridge port.
function M.link(l, spec)
  if spec.vlans == nil then return end
  local where = "link " .. l.id
  if not l.bridge then fail("%s: vlans are for a bridge port, and neither end is a bridge", where) end
  if not l.bridge.vlan_filtering then
    fail("%s: vlans need bridge %s to have vlan_filtering = true", where, l.bridge.name)
  end
  for _, e in ipairs(l.ends) do
    if e.master then e.vlans = read(spec.vlans, where) end
  end
end

-- Adds the steps that give dev (a bridge port, or with self the bridge)
-- its vlans: through step(what, run).
function M.steps(step, dev, v, ns, self)
  if not v then return end
  local on = " on " .. dev
  for _, id in ipairs(v.ids) do
    step("vlan " .. id .. on, function() core.bridge_vlan_add(dev, id, { self = self, ns = ns }) end)
  end
  -- last: a pvid also listed (in a range) gets its flags back
  if v.pvid then
    step("vlan " .. v.pvid .. " pvid" .. on, function()
      core.bridge_vlan_add(dev, v.pvid, { pvid = true, untagged = true, self = self, ns = ns })
    end)
  end
  if not v.keep1 then
    step("vlan 1 removed" .. on, function() core.bridge_vlan_del(dev, 1, { self = self, ns = ns }) end)
  end
end

-- " vlans 10,30-40 pvid 35" (" pvid 10" for an access port), "" for
-- none: for the topology's diagram.
function M.text(v)
  if not v then return "" end
  local ids = {}
  for _, id in ipairs(v.ids) do ids[#ids + 1] = tostring(id) end
  return (#ids > 0 and (" vlans " .. table.concat(ids, ",")) or "") .. (v.pvid and (" pvid " .. v.pvid) or "")
end

return M
