-- The editor's and the linter's view of nsl: types/nsl.d.lua (LuaCATS)
-- declares every primitive, .luacheckrc knows every global, make lint is clean.
local T = require "spec.support.util"

local function primitives()
  local names = {}
  for name, f in pairs(require "nsl.core") do
    if type(f) == "function" and name:sub(1, 1) ~= "_" then names[#names + 1] = name end
  end
  table.sort(names)
  return names
end

describe("types/nsl.d.lua and .luacheckrc #unit", function()
  local defs = T.slurp("types/nsl.d.lua")

  it("is a LuaCATS meta file that compiles", function()
    assert.matches("^%-%-%-@meta nsl\n", defs)
    assert.is_function(loadfile("types/nsl.d.lua"))
  end)

  it("declares every registered primitive, with its parameters, and nsl's own functions", function()
    local missing = {}
    for _, name in ipairs(primitives()) do
      if not defs:find("\nfunction " .. name .. "%(") then missing[#missing + 1] = name end
    end
    for _, f in ipairs({ "topology", "netns", "clean", "pretty", "fail" }) do
      if not defs:find("\nfunction nsl%." .. f .. "%(") then missing[#missing + 1] = "nsl." .. f end
    end
    assert.same({}, missing)
    assert.truthy(defs:find("---@class nsl.TopologyDesc", 1, true))
    assert.truthy(defs:find("function Topology:state()", 1, true))
  end)

  it("has every primitive in .luacheckrc's globals", function()
    local rc = T.slurp(".luacheckrc")
    local missing = {}
    for _, name in ipairs(primitives()) do
      if not rc:find('"' .. name .. '"', 1, true) then missing[#missing + 1] = name end
    end
    assert.same({}, missing)
  end)

  it("make lint runs luacheck clean over lua/, examples/, spec/ and types/", function()
    if T.sh("command -v luacheck").code ~= 0 then
      pending("luacheck is not installed (Debian: lua-check; make deps)")
      return
    end
    if not T.full() then pending("luacheck over every file is slow: make lint or make check-full runs it") return end
    local r = T.sh("make --no-print-directory lint")
    assert.equal(0, r.code, r.out .. r.err)
    assert.matches("Total: 0 warnings / 0 errors", (r.out:gsub("\27%[[%d;]*m", "")))
  end)
end)
