-- The Lua library: compiled into the binary, or read from NSL_LUA_DIR.
local T = require "spec.support.util"

describe("the embedded Lua library #cli", function()
  local dir
  after_each(function() T.rm(dir); dir = nil end)

  it("gives the C primitives as globals and as require 'nsl', the same functions", function()
    local r = T.run({ "-e", [[
      local m = require "nsl"
      local core = require "nsl.core"
      assert(m == nsl, "global nsl is require 'nsl'")
      local n = 0
      for k, f in pairs(core) do
        if type(f) == "function" and k:sub(1, 1) ~= "_" then
          assert(_G[k] == f and m[k] == f, k)
          n = n + 1
        end
      end
      assert(_G._fail == nil, "internal functions stay out of _G")
      print(n >= 2, sleep == m.sleep, type(m.pretty))
    ]] })
    assert.equal(0, r.code, r.err)
    assert.equal("true\ttrue\tfunction\n", r.out)
  end)

  it("loads lua/ from inside the binary by default", function()
    local r = T.run({ "-e", [[
      print(package.preload["nsl"] ~= nil, package.preload["nsl.pretty"] ~= nil,
            debug.getinfo(require("nsl.pretty").format, "S").source)
    ]] })
    assert.equal("true\ttrue\t@embedded:lua/nsl/pretty.lua\n", r.out)
  end)

  it("needs nothing on disk: a copied binary runs from anywhere", function()
    dir = T.tmpdir()
    local r = T.sh(string.format("cp %s %s/nsl && cd / && %s/nsl -e %s",
      T.quote(T.nsl), T.quote(dir), T.quote(dir),
      T.quote("print(nsl.pretty({b = 2, a = {1}}))")), {})
    assert.equal(0, r.code, r.err)
    assert.equal("{ a = { 1 }, b = 2 }\n", r.out)
  end)

  it("reads the library from NSL_LUA_DIR when it is set", function()
    dir = T.tmpdir()
    assert.equal(0, T.sh("cp -r lua " .. T.quote(dir) .. "/lua").code)
    local f = dir .. "/lua/nsl/pretty.lua"
    T.write(f, T.slurp(f):gsub("\nreturn M\n$", "\nM.marker = 'from the tree'\nreturn M\n"))
    local r = T.run({ "-e", [[
      local p = require "nsl.pretty"
      print(p.marker, package.preload["nsl.pretty"], debug.getinfo(p.format, "S").source)
    ]] }, { env = { NSL_LUA_DIR = dir .. "/lua" } })
    assert.equal(0, r.code, r.err)
    assert.equal("from the tree\tnil\t@" .. dir .. "/lua/nsl/pretty.lua\n", r.out)
  end)

  it("ignores NSL_LUA_DIR with -E", function()
    local r = T.run({ "-E", "-e", "print(debug.getinfo(require('nsl.pretty').format, 'S').source)" },
      { env = { NSL_LUA_DIR = "/nonexistent" } })
    assert.equal("@embedded:lua/nsl/pretty.lua\n", r.out)
  end)

  it("reports a broken library in NSL_LUA_DIR as an error naming the file", function()
    dir = T.tmpdir()
    assert.equal(0, T.sh("cp -r lua " .. T.quote(dir) .. "/lua").code)
    T.write(dir .. "/lua/nsl.lua", "return {{\n")
    local r = T.run({ "-e", "print(1)" }, { env = { NSL_LUA_DIR = dir .. "/lua" } })
    assert.equal(1, r.code)
    assert.matches("^nsl: error loading module 'nsl'", r.err)
    assert.truthy(r.err:find(dir .. "/lua/nsl.lua:2: unexpected symbol near <eof>", 1, true), r.err)
    assert.equal("", r.out)
  end)
end)
