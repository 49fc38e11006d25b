-- nsl.topo.services: the services of a description: commands, readiness
-- checks, and the order their `after` lists give (a cycle is an error).
local core = require("nsl.core")
local keys = require("nsl.topo.keys")
local nodefs = require("nsl.topo.nodefs")
local fail, check_keys, suggest, sorted = keys.fail, keys.check_keys, keys.suggest, keys.sorted

local M = {}

local SERVICE = keys.set("ns", "cmd", "env", "cwd", "ready", "after", "stop_timeout", "publish",
  "user", "group", "restart", "log")
local READY = keys.set("port", "udp", "cmd", "timeout", "file", "unix")
local RESTART = keys.set("no", "on-failure", "always")

local function command(v, where)
  if type(v) == "string" then return { "sh", "-c", v } end
  if type(v) ~= "table" or #v == 0 then fail("%s: cmd must be an array of strings or a shell line", where) end
  for i, a in ipairs(v) do
    if type(a) ~= "string" and type(a) ~= "number" then fail("%s: cmd[%d] must be a string", where, i) end
  end
  return v
end

-- read(desc, m): fills m.services and m.service_order.
function M.read(desc, m)
  local list = desc.services or {}
  if type(list) ~= "table" then fail("services must be a table") end
  for _, name in ipairs(sorted(list)) do
    local spec = list[name]
    local where = "service " .. tostring(name)
    if type(name) ~= "string" then fail("services: give each service a name: services = { web = {...} }") end
    if type(spec) ~= "table" then fail("%s: expected a table", where) end
    check_keys(spec, SERVICE, where)
    local ns = m.nodes[spec.ns]
    if not ns or ns.kind ~= "ns" then
      fail("%s: ns '%s' is not a described namespace", where, tostring(spec.ns))
    end
    if spec.env ~= nil and type(spec.env) ~= "table" then fail("%s: env must be a table { NAME = \"value\" }", where) end
    if spec.cwd ~= nil and type(spec.cwd) ~= "string" then fail("%s: cwd must be a path, got %s", where, type(spec.cwd)) end
    for _, k in ipairs({ "user", "group" }) do
      local v = spec[k]
      if v ~= nil then
        if type(v) ~= "string" and math.type(v) ~= "integer" then
          fail("%s: %s must be a name or a number, got %s", where, k, type(v))
        end
        local id = (k == "user" and core._user or core._group)(tostring(v))
        if not id then fail("%s: %s '%s' is no %s of this host", where, k, tostring(v), k) end
        nodefs.check_mapped(id, k == "user" and "uid" or "gid",
          k .. " '" .. tostring(v) .. "' (" .. (k == "user" and "uid " or "gid ") .. id .. ")", where)
      end
    end
    local restart = spec.restart or "no"
    if type(restart) ~= "string" or not RESTART[restart] then
      fail("%s: restart must be \"no\", \"on-failure\" or \"always\", got %s%s", where, tostring(restart),
        type(restart) == "string" and suggest(restart, { "always", "no", "on-failure" }) or "")
    end
    if spec.log ~= nil and spec.log ~= true and (type(spec.log) ~= "string" or spec.log == "") then
      fail("%s: log must be a path or true, got %s", where, tostring(spec.log))
    end
    local s = { name = name, ns = ns, cmd = command(spec.cmd, where), env = spec.env, cwd = spec.cwd,
                after = {}, stop_timeout = spec.stop_timeout, publish = spec.publish,
                user = spec.user and tostring(spec.user), group = spec.group and tostring(spec.group),
                restart = restart, log = spec.log }
    local after = spec.after
    if type(after) == "string" then after = { after } end
    for _, dep in ipairs(after or {}) do s.after[#s.after + 1] = dep end
    local ready = spec.ready
    if type(ready) == "number" then ready = { port = ready } end
    if type(ready) == "table" then
      check_keys(ready, READY, where .. " ready", 1)
      if ready[1] ~= nil and type(ready[1]) ~= "function" then
        fail("%s: ready[1] must be a function: ready = { function(t, h) ... end, timeout = 5 }", where)
      end
      if ready.timeout ~= nil and (type(ready.timeout) ~= "number" or ready.timeout <= 0) then
        fail("%s: ready.timeout must be a positive number of seconds", where)
      end
      for _, k in ipairs({ "file", "unix" }) do
        if ready[k] ~= nil and (type(ready[k]) ~= "string" or ready[k]:sub(1, 1) ~= "/") then
          fail("%s: ready.%s must be an absolute path", where, k)
        end
      end
      if ready.cmd then ready.cmd = command(ready.cmd, where .. " ready") end
      if ready.port ~= nil and math.type(ready.port) ~= "integer" then fail("%s: ready.port must be an integer", where) end
      if ready.udp ~= nil and math.type(ready.udp) ~= "integer" then fail("%s: ready.udp must be an integer", where) end
    elseif ready ~= nil and type(ready) ~= "function" then
      fail("%s: ready must be a table ({ port = 80 }) or a function", where)
    end
    s.ready = ready
    m.services[name] = s
  end
  -- Order: depth-first, a cycle is an error naming it.
  local state, order = {}, {}
  local function visit(name, path)
    local s = m.services[name]
    if state[name] == "done" then return end
    if state[name] == "visiting" then
      local cycle, start = {}, nil
      for i, p in ipairs(path) do if p == name then start = i end end
      for i = start, #path do cycle[#cycle + 1] = path[i] end
      cycle[#cycle + 1] = name
      fail("services: dependency cycle %s", table.concat(cycle, " -> "))
    end
    state[name] = "visiting"
    path[#path + 1] = name
    for _, dep in ipairs(s.after) do
      if not m.services[dep] then
        fail("service %s: after '%s', which is not a described service%s", name, tostring(dep),
          suggest(tostring(dep), sorted(m.services)))
      end
      visit(dep, path)
    end
    path[#path] = nil
    state[name] = "done"
    order[#order + 1] = s
  end
  for _, name in ipairs(sorted(m.services)) do visit(name, {}) end
  m.service_order = order
end

return M
