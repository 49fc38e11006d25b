-- The module returned by require "nsl": every C primitive of nsl.core,
-- plus the Lua library of lua/nsl/.  nsl also makes each C primitive a
-- global and this table the global `nsl`.
local core = require "nsl.core"

local M = {}
for k, v in pairs(core) do
  if type(k) ~= "string" or k:sub(1, 1) ~= "_" then M[k] = v end
end

-- nsl.fail(primitive, object, reason [, errno]): raise an error of the
-- same shape as the primitives' (see README, "Errors").
M.fail = core._fail

-- nsl.pretty(value [, opts]): the text the REPL shows for a value.
M.pretty = require("nsl.pretty").format

-- Topologies and handles (README, "Topologies"): nsl.topology{...},
-- nsl.netns(name), nsl.clean() for what killed runs left behind.
M.topology = function(...) return require("nsl.topo").new(...) end
M.netns = function(...) return require("nsl.netns").new(...) end
M.clean = function()
  local removed, failures = require("nsl.record").clean()
  require("nsl.lab").clean() -- lab files of runs that are gone
  return removed, failures
end

-- nsl.json.encode/decode (src/base/json.c; README, "JSON"), loaded on first use.
M.json = setmetatable({}, { __index = function(_, k) return require("nsl.json")[k] end })

return M
