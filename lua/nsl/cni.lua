-- nsl.cni: nsl-cni, a CNI plugin (CNI 0.4.0, 1.0.0, 1.1.0) that wires
-- the pods of an nsl topology: a link between two pods on one host is a
-- veth made directly between their namespaces, a link to a pod on
-- another host a VXLAN made inside the pod over the host's underlay.
--
--   main() -> exit code    reads CNI_* and the config on stdin, writes
--                          the result (or CNI's error JSON) on stdout
--
-- Verbs: ADD, DEL, CHECK, VERSION, GC, STATUS (GC and STATUS: 1.1.0).
-- The node is NSL_NODE from CNI_ARGS, else K8S_POD_NAME.  Parts:
-- nsl.cni.conf (env and config checks), nsl.cni.topo (the topology),
-- nsl.cni.store (shared state), nsl.cni.attach (the kernel work),
-- nsl.cni.err (codes).  doc/reference.md, "CNI plugin", has it all.
local core = require "nsl.core"
local json = require "nsl.json"
local E = require "nsl.cni.err"
local conf = require "nsl.cni.conf"

local M = {}

-- The parts the verbs need (nsl.cni.attach, .cache, .store), loaded by
-- the first verb that does: VERSION, which runtimes call often, loads
-- none of them (about 1 ms of its 4 ms).
local part = setmetatable({}, { __index = function(t, k)
  t[k] = require("nsl.cni." .. k)
  return t[k]
end })

local LATEST = "1.1.0"
local LOCK_DIR = "/run/nsl-cni/lock"

local function arrays(r)
  for _, k in ipairs({ "interfaces", "ips", "routes" }) do
    if r[k] ~= nil then r[k] = json.array(r[k]) end
  end
  if type(r.dns) == "table" then
    for _, k in ipairs({ "nameservers", "search", "options" }) do
      if r.dns[k] ~= nil then r.dns[k] = json.array(r.dns[k]) end
    end
  end
  return r
end

-- The ADD result: prevResult (when chained) with node's interfaces and
-- addresses added, in the shape of version v.
local function result(v, prev, links, netns)
  local r = {}
  for k, x in pairs(prev or {}) do r[k] = x end
  r.cniVersion = v
  r.interfaces = r.interfaces or {}
  r.ips = r.ips or {}
  for _, l in ipairs(links) do
    -- mtu: an interface field of 1.1.0 (not in 0.4.0's nor 1.0.0's)
    r.interfaces[#r.interfaces + 1] = { name = l.name, mac = l.mac, mtu = v == "1.1.0" and l.mtu or nil,
      sandbox = netns }
    local idx = #r.interfaces - 1
    for _, a in ipairs(l.addrs) do
      local ipr = { address = a, interface = idx }
      if v == "0.4.0" then ipr.version = a:find(":") and "6" or "4" end
      r.ips[#r.ips + 1] = ipr
    end
  end
  return arrays(r)
end

-- ctx.node_of(name [, quiet]): node name's record of the topology, from
-- the cache (nsl.cni.cache), raising E.TOPOLOGY; quiet (DEL): nil
-- instead, the reason on stderr.
local function topology(ctx)
  ctx.node_of = function(name, quiet)
    if not quiet then return part.cache.node(ctx, name) end
    local ok, rec = pcall(part.cache.node, ctx, name)
    if ok then return rec end
    io.stderr:write("nsl-cni: ", ctx.env.command, ": ", tostring(E.is(rec) and rec.msg or rec),
      " (the links go all the same; VNIs are released and moved nodes rewired only with the topology)\n")
  end
end

-- Runs fn(ctx) holding this host's lock for the lab (an flock under
-- NSL_CNI_LOCK_DIR, default /run/nsl-cni/lock): ADD, DEL, CHECK and GC
-- of one host never interleave.
local function locked(ctx, fn)
  local dir = (os.getenv("NSL_CNI_LOCK_DIR") or LOCK_DIR) .. "/" .. ctx.lab
  local fd = E.wrap(E.IO, function()
    core._mkdir(dir, 448)
    return core._lock(dir)
  end)
  E.mark("lock")
  local res = table.pack(pcall(fn, ctx))
  core._unlock(fd)
  if not res[1] then error(res[2], 0) end
  return table.unpack(res, 2, res.n)
end

local VERBS = {}

function VERBS.ADD(ctx)
  topology(ctx)
  return locked(ctx, function()
    local made, me = part.attach.add(ctx)
    return result(ctx.version, ctx.conf.prevResult, part.attach.result_links(made, me), me.netns)
  end)
end

-- DEL never fails for a topology it cannot read: the pod's links go by
-- their group all the same (only the VNIs and a moved node's rewiring
-- need the topology).
function VERBS.DEL(ctx)
  topology(ctx)
  locked(ctx, part.attach.del)
end

function VERBS.CHECK(ctx)
  topology(ctx)
  part.attach.register(ctx)
  locked(ctx, part.attach.check)
end

function VERBS.GC(ctx)
  topology(ctx)
  part.attach.register(ctx)
  locked(ctx, function()
    -- libcni since 1.2 sends the list under both names
    local c = ctx.conf
    local valid = c["cni.dev/valid-attachments"]
    if valid == nil then valid = c["cni.dev/attachments"] end
    part.attach.gc(ctx, valid)
  end)
end

function VERBS.STATUS(ctx)
  local ok, why = ctx.store:status()
  if not ok then E.raise(E.NOT_AVAILABLE, "STATUS: store " .. ctx.conf.store .. " unusable: " .. tostring(why)) end
  -- a host known before its first pod: its peers' ADDs need not wait
  ok, why = pcall(part.attach.register, ctx)
  if not ok then E.raise(E.NOT_AVAILABLE, "STATUS: " .. tostring(E.is(why) and why.msg or why)) end
end

local ONLY_11 = { GC = true, STATUS = true }

local function run(state, getenv, stdin)
  E.mark("start")
  local env = conf.env(getenv)
  state.verb = env.command
  local text = stdin()
  if env.command == "VERSION" then
    local v = LATEST
    if text:match("%S") then
      local c = conf.decode(text)
      for _, known in ipairs(conf.VERSIONS) do
        if c.cniVersion == known then v = known end -- else the latest
      end
    end
    return { cniVersion = v, supportedVersions = conf.VERSIONS }
  end
  local verb = VERBS[env.command]
  if not verb then
    E.raise(E.INVALID_ENV, "env: CNI_COMMAND " .. env.command
      .. ": not a CNI verb (ADD, DEL, CHECK, GC, STATUS, VERSION)")
  end
  local c = conf.decode(text)
  state.version = conf.version(c)
  if ONLY_11[env.command] and state.version ~= "1.1.0" then
    E.raise(E.INCOMPATIBLE, env.command .. " is CNI 1.1.0; the config says cniVersion " .. state.version)
  end
  conf.check(c)
  E.mark("conf")
  local ctx = { conf = c, env = env, version = state.version, lab = c.lab, host = c.host }
  -- STATUS: a store that cannot even be opened is "not available" too
  ctx.store = E.wrap(env.command == "STATUS" and E.NOT_AVAILABLE or E.STORE, part.store.open,
    c.store)
  E.mark("store")
  return verb(ctx)
end

function M.main(getenv, stdin, stdout)
  getenv = getenv or os.getenv
  stdin = stdin or function() return io.read("a") or "" end
  stdout = stdout or function(s) io.write(s, "\n"); io.flush() end
  local state = { version = LATEST }
  local ok, res = xpcall(run, function(e)
    if E.is(e) then return e end
    return E.new(E.INTERNAL, "nsl-cni: " .. tostring(e), debug.traceback())
  end, state, getenv, stdin)
  E.mark("end")
  E.profile(state.verb)
  if ok then
    if res then stdout(json.encode(res)) end
    return 0
  end
  local e = res
  -- nsl's hint for a refusal points at its rootless worlds; a plugin has
  -- none: it runs as root, as the runtime does
  local msg, n = tostring(e.msg):gsub(" %(run as root, or rootless[^)]*%)", "")
  if n > 0 or (e.code == E.KERNEL and msg:find("Operation not permitted", 1, true)) then
    e.msg = msg .. " (nsl-cni needs root: CAP_NET_ADMIN and CAP_SYS_ADMIN)"
  end
  io.stderr:write("nsl-cni: ", tostring(e.msg), "\n")
  stdout(json.encode({ cniVersion = state.version, code = e.code, msg = e.msg, details = e.details }))
  return e.code
end

return M
