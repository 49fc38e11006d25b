-- nsl.cni.conf: what nsl-cni is told: the CNI_* environment and the
-- network configuration on stdin, checked.  Every mistake raises a
-- CNI error { code =, msg =, details = } (see nsl.cni.err).
local ip = require "nsl.ip"
local json = require "nsl.json"
local keys = require "nsl.topo.keys"
local E = require "nsl.cni.err"

local M = {}

M.VERSIONS = { "0.4.0", "1.0.0", "1.1.0" }
local SUPPORTED = keys.set(table.unpack(M.VERSIONS))

local KNOWN = keys.set("cniVersion", "name", "type", "lab", "store", "topology", "host", "underlay",
  "vxlan", "args", "runtimeConfig", "capabilities", "prevResult", "cni.dev/valid-attachments",
  "cni.dev/attachments")
local UNDERLAY = keys.set("dev", "local")
local VXLAN = keys.set("port", "vniBase", "mtu")

local function names(set)
  local out = {}
  for k in pairs(set) do out[#out + 1] = k end
  table.sort(out)
  return out
end

local function unknown(t, known, where)
  for k in pairs(t) do
    if type(k) ~= "string" or not known[k] then
      E.raise(E.UNSUPPORTED_FIELD, string.format("config: unknown key '%s'%s%s", tostring(k),
        where, keys.suggest(tostring(k), names(known))))
    end
  end
end

local function want(v, ty, key, required)
  if v == nil then
    if required then E.raise(E.INVALID_CONFIG, "config: missing key '" .. key .. "'") end
    return
  end
  if type(v) ~= ty then
    E.raise(E.INVALID_CONFIG, string.format("config: '%s' must be a %s, got %s (%s)", key, ty,
      type(v), json.encode(v)))
  end
end

local function int(v, key, lo, hi, default)
  if v == nil then return default end
  if math.type(v) ~= "integer" or v < lo or v > hi then
    E.raise(E.INVALID_CONFIG, string.format("config: '%s' must be an integer %d..%d, got %s", key, lo,
      hi, json.encode(v)))
  end
  return v
end

-- The config text decoded, its version checked; raises code 6 (not
-- JSON), 1 (a version nsl-cni does not speak).
function M.decode(text)
  local ok, c = pcall(json.decode, text)
  if not ok or type(c) ~= "table" then
    E.raise(E.DECODE, "config: stdin is not a JSON object" .. (ok and "" or ": " .. tostring(c)))
  end
  return c
end

function M.version(c)
  local v = c.cniVersion
  want(v, "string", "cniVersion", true)
  if not SUPPORTED[v] then
    E.raise(E.INCOMPATIBLE, string.format("config: cniVersion %s is not supported (nsl-cni speaks %s)",
      v, table.concat(M.VERSIONS, ", ")))
  end
  return v
end

-- Checks every key of the plugin's config; fills the defaults.
function M.check(c)
  unknown(c, KNOWN, "")
  want(c.name, "string", "name", true)
  want(c.type, "string", "type", true)
  want(c.lab, "string", "lab", true)
  if not c.lab:match("^[%w_.-]+$") or #c.lab > 32 or c.lab:match("^%.%.?$") then
    E.raise(E.INVALID_CONFIG, "config: 'lab' " .. c.lab .. ": 1..32 letters, digits, '_', '.', '-' (not . or ..)")
  end
  want(c.store, "string", "store", true)
  want(c.topology, "string", "topology", true)
  want(c.host, "string", "host", true)
  if not c.host:match("^[%w_.-]+$") or c.host:match("^%.%.?$") then
    E.raise(E.INVALID_CONFIG, "config: 'host' " .. c.host .. ": letters, digits, '_', '.', '-' (not . or ..)")
  end
  want(c.underlay, "table", "underlay")
  local u = c.underlay or {}
  unknown(u, UNDERLAY, " in underlay")
  want(u.dev, "string", "underlay.dev")
  want(u["local"], "string", "underlay.local")
  if u["local"] and not ip.parse(u["local"]) then
    E.raise(E.INVALID_CONFIG, "config: 'underlay.local' " .. u["local"] .. ": not an address")
  end
  want(c.vxlan, "table", "vxlan")
  local v = c.vxlan or {}
  unknown(v, VXLAN, " in vxlan")
  c.vx = { port = int(v.port, "vxlan.port", 1, 65535, 4789),
    base = int(v.vniBase, "vxlan.vniBase", 1, 16777215, 5000),
    mtu = int(v.mtu, "vxlan.mtu", 68, 65535, 1450) }
  want(c.prevResult, "table", "prevResult")
  -- the lists ADD appends to: a list, null (none) or absent
  for _, k in ipairs({ "interfaces", "ips", "routes" }) do
    local x = (c.prevResult or {})[k]
    if x == json.null then
      c.prevResult[k] = nil
    elseif x ~= nil and (type(x) ~= "table" or next(x) ~= nil and x[1] == nil) then
      E.raise(E.INVALID_CONFIG, string.format("config: 'prevResult.%s' must be a list, got %s", k, json.encode(x)))
    end
  end
  want(c.args, "table", "args")
  want(c.runtimeConfig, "table", "runtimeConfig")
  want(c.capabilities, "table", "capabilities")
  return c
end

-- The environment: env(name) -> value (os.getenv by default).
local REQUIRED = {
  ADD = { "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME" },
  CHECK = { "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME" },
  DEL = { "CNI_CONTAINERID", "CNI_IFNAME" },
}

function M.env(getenv)
  local e = { command = getenv("CNI_COMMAND") }
  if not e.command or e.command == "" then
    E.raise(E.INVALID_ENV, "env: CNI_COMMAND is not set (ADD, DEL, CHECK, GC, STATUS or VERSION)")
  end
  for _, k in ipairs(REQUIRED[e.command] or {}) do
    local v = getenv(k)
    if not v or v == "" then E.raise(E.INVALID_ENV, "env: " .. k .. " is not set (" .. e.command .. " needs it)") end
  end
  -- An empty variable is an unset one; VERSION, GC and STATUS concern no
  -- container, so what a runtime leaves in these (podman runs VERSION
  -- with CNI_CONTAINERID="" and CNI_NETNS=dummy) is not read at all.
  if REQUIRED[e.command] then
    local function var(k) local v = getenv(k); if v ~= "" then return v end end
    e.id, e.netns, e.ifname = var("CNI_CONTAINERID"), var("CNI_NETNS"), var("CNI_IFNAME")
  end
  if e.id and not e.id:match("^[%w][%w_.-]*$") then
    E.raise(E.INVALID_ENV, "env: CNI_CONTAINERID " .. e.id .. ": letters, digits, '_', '.', '-'")
  end
  if e.ifname and (#e.ifname > 15 or e.ifname:find("[/:%s]")) then
    E.raise(E.INVALID_ENV, "env: CNI_IFNAME " .. e.ifname .. ": not an interface name")
  end
  if e.netns and e.netns:sub(1, 1) ~= "/" then
    E.raise(E.INVALID_ENV, "env: CNI_NETNS " .. e.netns .. ": not an absolute path")
  end
  e.args = {}
  for pair in (getenv("CNI_ARGS") or ""):gmatch("[^;]+") do
    local k, v = pair:match("^([^=]+)=(.*)$")
    if not k then E.raise(E.INVALID_ENV, "env: CNI_ARGS: '" .. pair .. "' is not KEY=VALUE") end
    e.args[k] = v
  end
  e.node = e.args.NSL_NODE or e.args.K8S_POD_NAME
  return e
end

return M
