-- nsl.pretty: how the REPL shows values.
local pretty = require("nsl.pretty").format

describe("nsl.pretty #unit", function()
  it("shows scalars as Lua literals", function()
    assert.equal('"a\\n\\"b\\""', pretty('a\n"b"'))
    assert.equal("42", pretty(42))
    assert.equal("1.5", pretty(1.5))
    assert.equal("true", pretty(true))
    assert.equal("nil", pretty(nil))
  end)

  it("shows tables nested, array part first, keys sorted", function()
    assert.equal('{ 1, 2, { a = 1, b = { c = true } }, ["two words"] = 2, x = "y" }',
      pretty({ 1, 2, { b = { c = true }, a = 1 }, x = "y", ["two words"] = 2 }))
    assert.equal("{}", pretty({}))
    assert.equal('{ [1.5] = "f", ["end"] = 1, z = 0 }', pretty({ z = 0, ["end"] = 1, [1.5] = "f" }))
  end)

  it("breaks a table that does not fit the width over indented lines", function()
    local t = { alpha = string.rep("a", 30), beta = string.rep("b", 30), gamma = { 1, 2, 3 } }
    assert.equal(table.concat({
      "{",
      '  alpha = "' .. string.rep("a", 30) .. '",',
      '  beta = "' .. string.rep("b", 30) .. '",',
      "  gamma = { 1, 2, 3 }",
      "}" }, "\n"), pretty(t))
  end)

  it("marks cycles instead of looping", function()
    local t = { name = "loop" }
    t.self = t
    assert.matches('^{ name = "loop", self = <cycle: table: 0x%x+> }$', pretty(t))
  end)

  it("uses __tostring where a value has one", function()
    local v = setmetatable({}, { __tostring = function() return "<ns blue>" end })
    assert.equal("{ <ns blue> }", pretty({ v }))
  end)

  it("shows an array of records as aligned columns, name first", function()
    local links = {
      { name = "lo", index = 1, up = true, mtu = 65536 },
      { name = "veth0", index = 12, up = false, kind = "veth", peer = "veth1" },
    }
    assert.equal(table.concat({
      "name   index  kind  mtu    peer   up",
      "lo     1            65536         true",
      "veth0  12     veth         veth1  false" }, "\n"), pretty(links))
  end)

  it("orders the columns by the array's __columns", function()
    local t = setmetatable({ { a = 1, b = 2, c = 3 } }, { __columns = { "c", "a" } })
    assert.equal("c  a  b\n3  1  2", pretty(t))
  end)

  it("keeps each row on one line when a cell holds records (a multipath route's nexthops)", function()
    local routes = setmetatable({
      { dst = "10.1.0.0/24", dev = "d0", protocol = "kernel" },
      { dst = "10.9.0.0/24", protocol = "boot", nexthops = {
        { via = "10.1.0.2", dev = "d0", weight = 1 }, { via = "10.2.0.2", dev = "d1", weight = 1 } } },
    }, { __name = "nsl.route_list" })
    assert.equal(table.concat({
      "dst          dev  protocol  nexthops",
      "10.1.0.0/24  d0   kernel",
      "10.9.0.0/24       boot      dev=d0 via=10.1.0.2 weight=1, dev=d1 via=10.2.0.2 weight=1" }, "\n"),
      pretty(routes))
  end)

  it("keeps plain arrays and mixed tables out of the column form", function()
    assert.equal("{ 1, 2, 3 }", pretty({ 1, 2, 3 }))
    assert.equal("{ { 1 }, { 2 } }", pretty({ { 1 }, { 2 } }))
  end)
end)

describe("nsl.pretty of a process result #unit", function()
  it("shows stdout and stderr as text after the other fields", function()
    assert.equal(table.concat({
      "{ code = 0, ok = true, pid = 42 }",
      "stdout:",
      "line 1",
      "line 2",
      "stderr:",
      "warning" }, "\n"),
      pretty({ ok = true, code = 0, pid = 42, stdout = "line 1\nline 2\n", stderr = "warning\n" }))
    assert.equal("{ code = 1, ok = false }", pretty({ ok = false, code = 1, stdout = "", stderr = "" }))
  end)
end)

describe("nsl.repl #unit", function()
  local repl = require "nsl.repl"

  it("completes neither metamethods nor private fields, unless asked with _", function()
    _G.box_ = setmetatable({ open = 1, _secret = 2, __gc = 3 }, { __index = { close = 4, __close = 5 } })
    finally(function() _G.box_ = nil end)
    assert.same({ "box_.close", "box_.open" }, repl.complete("box_."))
    assert.same({ "box_.__close", "box_.__gc" }, repl.complete("box_.__"))
    assert.same({ "box_.__close", "box_.__gc", "box_._secret" }, repl.complete("box_._"))
  end)
end)
