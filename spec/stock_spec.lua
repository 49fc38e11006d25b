-- nsl from the stock interpreter: nsl.so (make nsl.so) for lua5.4 and a
-- plain busted; the rockspec's lists are whole.
local T = require "spec.support.util"

local function module_built()
  if not io.open("nsl.so") then
    pending("nsl.so is not built (make nsl.so; make check builds it outside the sanitizer builds)")
    return false
  end
  return true
end

local env = "LUA_CPATH='" .. os.getenv("PWD") .. "/?.so;;' "

describe("nsl.so, the module for stock Lua #stock", function()
  it("loads with lua5.4 -e 'require \"nsl\"'", function()
    if not module_built() then return end
    local r = T.sh(env .. "lua5.4 -e 'local nsl = require \"nsl\"; print(nsl.version, type(nsl.link_list))'")
    assert.equal(0, r.code, r.err)
    assert.matches("^%d+%.%d+%.%d+\tfunction\n$", r.out)
    -- the primitives are not globals there, and the library is the embedded one
    r = T.sh(env .. "lua5.4 -e 'require \"nsl\"; print(type(ns_add), " ..
      "debug.getinfo(require(\"nsl.pretty\").format).source)'")
    assert.equal("nil\t@embedded:lua/nsl/pretty.lua\n", r.out, r.err)
  end)

  it("runs a plain busted spec that uses the module, under lua5.4", function()
    if not module_built() then return end
    local before = T.other_records()
    local r = T.sh(env .. "busted --lua=lua5.4 -o utfTerminal spec/stock")
    assert.equal(0, r.code, r.out .. r.err)
    local passed = r.out:match("(%d+) success")
    assert.equal(T.sandboxed() and "2" or "1", passed, r.out)
    -- busted's exit closes the state: the run ends as nsl's do, its record gone
    assert.equal(before, T.other_records())
  end)

  it("ends the run as the state closes: what handles made goes, bare primitives' objects stay, no record", function()
    if not module_built() then return end
    if not T.need_sandbox() then return end
    local before = T.other_records()
    for _, exit in ipairs({ "", "os.exit(0, true)" }) do
      local r = T.sh(env .. "lua5.4 -e " .. T.quote("local nsl = require 'nsl'; local h = nsl.netns('stk-h'); " ..
        "nsl.ns_add('stk-bare'); " .. exit))
      assert.equal(0, r.code, r.err)
      assert.equal("stk-bare\n", T.sh("ip netns list | grep stk-").out, exit)
      assert.equal(before, T.other_records(), exit)
      T.sh("ip netns del stk-bare")
    end
    -- os.exit(code) without closing the state: the record stays for nsl --clean
    local r = T.sh(env .. "lua5.4 -e " .. T.quote("local nsl = require 'nsl'; nsl.netns('stk-h'); os.exit(0)"))
    assert.equal(0, r.code, r.err)
    assert.not_equal(before, T.other_records())
    assert.equal("stk-h\n", T.sh("ip netns list | grep stk-").out)
    assert.equal(0, T.run({ "--clean" }).code)
    assert.equal("", T.sh("ip netns list | grep stk-").out)
    assert.equal(before, T.other_records())
  end)

  it("the rockspec lists every C file of the core and every file of lua/", function()
    local rs = T.slurp("nsl-0.1.0-1.rockspec")
    assert.truthy(rs:find('rockspec_format = "3.0"', 1, true))
    assert.truthy(rs:find('type = "busted"', 1, true))
    local missing = {}
    local ls = "ls src/base/*.c src/lua/*.c src/nl/*.c src/net/*.c src/proc/*.c src/lib/core.c"
    for f in io.popen(ls .. "; find lua -name '*.lua'"):lines() do
      if not rs:find('"' .. f .. '"', 1, true) then missing[#missing + 1] = f end
    end
    assert.same({}, missing)
  end)

  it("luarocks make builds the rock, and lua5.4 loads nsl from its tree #rock", function()
    if T.sh("command -v luarocks").code ~= 0 then
      pending("luarocks is not installed (Debian: luarocks; make deps)")
      return
    end
    if not T.full() then
      pending("luarocks builds the whole rock (some 10 s): make check-full runs it")
      return
    end
    local dir = T.tmpdir()
    finally(function() T.rm(dir) end)
    -- a copy, so the build's objects stay out of the work tree
    assert.equal(0, T.sh("cp -r src lua doc nsl-0.1.0-1.rockspec " .. T.quote(dir)).code)
    local r = T.sh("cd " .. T.quote(dir) .. " && luarocks --lua-version=5.4 make --tree=" ..
      T.quote(dir .. "/tree") .. " nsl-0.1.0-1.rockspec")
    assert.equal(0, r.code, r.out .. r.err)
    r = T.sh("LUA_PATH=" .. T.quote(dir .. "/tree/share/lua/5.4/?.lua;;") .. " LUA_CPATH=" ..
      T.quote(dir .. "/tree/lib/lua/5.4/?.so;;") .. " lua5.4 -e " ..
      T.quote("local nsl = require 'nsl'; print(nsl.version, type(nsl.topology), #nsl.link_list() > 0)"))
    assert.equal(0, r.code, r.err)
    assert.matches("^%d+%.%d+%.%d+\tfunction\ttrue\n$", r.out)
  end)
end)
