-- The editor's and the linter's view of nsl: types/ (LuaCATS: nsl.d.lua,
-- the module, and nsl/, one file per module) declares every primitive
-- and nsl.test's functions, .luacheckrc knows every global, make lint is
-- clean.
local T = require "spec.support.util"
local core = require "nsl.core"

-- Every definition file: types/nsl.d.lua first, then types/nsl/*.d.lua.
local function files()
  local out = { "types/nsl.d.lua" }
  local names = core._readdir("types/nsl") or {}
  table.sort(names)
  for _, f in ipairs(names) do
    if f:match("%.d%.lua$") then out[#out + 1] = "types/nsl/" .. f end
  end
  return out
end

local function primitives()
  local names = {}
  for name, f in pairs(require "nsl.core") do
    if type(f) == "function" and name:sub(1, 1) ~= "_" then names[#names + 1] = name end
  end
  table.sort(names)
  return names
end

describe("types/ and .luacheckrc #unit", function()
  local texts = {}
  for i, f in ipairs(files()) do texts[i] = T.slurp(f) end
  local defs = table.concat(texts, "\n")

  it("are LuaCATS meta files that compile, nsl.d.lua the module's", function()
    assert.matches("^%-%-%-@meta nsl\n", texts[1])
    assert.is_true(#texts > 1)
    for i, f in ipairs(files()) do
      assert.matches("^%-%-%-@meta[^\n]*\n", texts[i], 1, false, f)
      assert.is_function(loadfile(f), f)
    end
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

  it("declares every function of nsl.test", function()
    local missing = {}
    for name, f in pairs(require "nsl.test") do
      if type(f) == "function" and not defs:find("\nfunction nt%." .. name .. "%(") then
        missing[#missing + 1] = "nt." .. name
      end
    end
    table.sort(missing)
    assert.same({}, missing)
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
