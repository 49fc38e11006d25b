-- The module returned by require "nsl": every C primitive of nsl.core,
-- plus the Lua library of lua/nsl/.  nsl also makes each C primitive a
-- global and this table the global `nsl`.
local core = require("nsl.core")
local pretty = require("nsl.pretty")
local json = require("nsl.json")

-- These load on first use: every start of nsl loads this module, and
-- compiling them (nsl.topo and nsl.lab bring every topology module)
-- would cost it several milliseconds that most scripts never use.
local function lazy(name)
  return setmetatable({}, { __index = function(_, k) return require(name)[k] end })
end
local topo, lab, record, netns = lazy "nsl.topo", lazy "nsl.lab", lazy "nsl.record", lazy "nsl.netns"

local M = {}
for k, v in pairs(core) do
  if type(k) ~= "string" or k:sub(1, 1) ~= "_" then M[k] = v end
end

-- nsl.fail(primitive, object, reason [, errno]): raise an error of the
-- same shape as the primitives' (see README, "Errors").
M.fail = core._fail

-- nsl.pretty(value [, opts]): the text the REPL shows for a value.
M.pretty = pretty.format

-- Topologies and handles (README, "Topologies"): nsl.topology{...},
-- nsl.netns(name), nsl.clean() for what killed runs left behind.
M.topology = function(...) return topo.new(...) end
M.netns = function(...) return netns.new(...) end
M.clean = function()
  local removed, failures = record.clean()
  lab.clean() -- lab files of runs that are gone
  return removed, failures
end

-- nsl.json.encode/decode (src/lua/json.c; README, "JSON").
M.json = json

return M
