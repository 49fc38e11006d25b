-- A spec that uses nsl as a module: run by a plain busted under the stock
-- lua5.4 (spec/stock_spec.lua does: busted --lua=lua5.4 spec/stock), and
-- by make check under nsl too.
local nsl = require "nsl"

describe("require 'nsl' as a module #stock", function()
  it("gives the primitives, the library and JSON", function()
    assert.is_function(nsl.ns_add)
    assert.is_function(nsl.topology)
    assert.matches("^%d+%.%d+%.%d+$", nsl.version)
    assert.equal('{"a":[1,2]}', nsl.json.encode({ a = { 1, 2 } }))
  end)

  it("makes a namespace, runs a command in it and removes it at scope end", function()
    if os.getenv("NSL_SANDBOX") ~= "1" then pending("needs the sandbox: run make check") return end
    do
      local ns <close> = nsl.netns("stockns")
      assert.is_true(nsl.ns_exists("stockns"))
      local r = ns:exec({ "ip", "-o", "link", "show", "lo" }, { capture = true })
      assert.is_true(r.ok, r.stderr)
      assert.matches("lo:", r.stdout)
    end
    assert.is_false(nsl.ns_exists("stockns"))
  end)
end)
