-- The options module (src/lua/opts.c), over every registered primitive:
-- each declares the keys it takes, and refuses any other with the closest
-- one suggested, before it touches anything.  Table-driven from
-- nsl.core._options, so a primitive added later is covered as it is
-- registered.
local T = require "spec.support.util"
local core = require "nsl.core"

-- The primitives (the functions scripts see), sorted.
local function primitives()
  local names = {}
  for name, f in pairs(core) do
    if type(f) == "function" and name:sub(1, 1) ~= "_" then names[#names + 1] = name end
  end
  table.sort(names)
  return names
end

-- Calls primitive name with harmless positional arguments and opts in its
-- options position.  Each positional argument starts as a string; when
-- the primitive says it wants another type there ("bad argument #n"),
-- that position tries the next kind of value.  Returns pcall's results.
local samples = { "nsl-none", 1, { "true" } }
local function call(name, opts)
  local d = core._options[name]
  local args, kind = {}, {}
  for i = 1, d.arg - 1 do args[i], kind[i] = samples[1], 1 end
  args[d.arg] = opts
  local ok, err
  for _ = 1, 3 * d.arg do
    ok, err = pcall(core[name], table.unpack(args, 1, d.arg))
    local n = not ok and tonumber(tostring(err):match("^bad argument #(%d+)"))
    if not n or n >= d.arg or kind[n] == #samples then break end
    kind[n] = kind[n] + 1
    args[n] = samples[kind[n]]
  end
  return ok, err
end

describe("options #unit", function()
  it("are declared for every primitive", function()
    for _, name in ipairs(primitives()) do
      local d = core._options[name]
      assert.is_table(d, name .. " is not registered through nsl_register")
      assert.is_number(d.arg, name)
      assert.is_table(d.keys, name)
      assert.equal(d.arg == 0, #d.keys == 0, name .. ": options position and keys disagree")
    end
  end)

  it("an unknown key is refused by every primitive, with the closest key suggested", function()
    local n = 0
    for _, name in ipairs(primitives()) do
      local d = core._options[name]
      for _, key in ipairs(d.arg > 0 and d.keys or {}) do
        local ok, err = call(name, { [key .. "x"] = true })
        assert.is_false(ok, name .. " took option " .. key .. "x")
        assert.matches("^" .. name .. ": unknown option '" .. key .. "x' %(did you mean '[%w_]+'%?%)$",
          tostring(err), 1)
        assert.equal("EINVAL", err.code, tostring(err))
        n = n + 1
      end
    end
    assert.is_true(n > 50, "only " .. n .. " keys tried")
  end)

  it("suggests the key the user meant", function()
    T.nsl_error(function() link_set("lo", { upp = false }) end,
      "link_set: unknown option 'upp' (did you mean 'up'?)")
    T.nsl_error(function() route_add("10.0.0.0/8", { gateway = "10.0.0.1" }) end,
      "route_add: unknown option 'gateway' (known: ns, via, dev, metric, table, src, family, onlink, type, nexthops, "
      .. "protocol, mtu, replace, append, prepend)")
    T.nsl_error(function() spawn({ "true" }, { backgroud = true }) end,
      "spawn: unknown option 'backgroud' (did you mean 'background'?)")
    T.nsl_error(function() link_del("lo", { "blue" }) end,
      "link_del: unknown option '1' (known: ns, group)")
  end)

  it("checks types and ranges in one shape", function()
    T.nsl_error(function() link_set("lo", { up = "yes" }) end,
      "link_set: option 'up': boolean expected, got string")
    T.nsl_error(function() link_set("lo", { mtu = 1.5 }) end,
      "link_set: option 'mtu': integer expected, got number")
    T.nsl_error(function() link_set("lo", { mtu = 1 << 40 }) end,
      "link_set: lo: mtu must be 68 to 65535")
    T.nsl_error(function() vlan_add("v0", "lo", 0) end, "vlan_add: v0: VLAN id must be 1 to 4094")
    T.nsl_error(function() vxlan_add("vx0", -1) end, "vxlan_add: vx0: VNI must be 0 to 16777215")
    T.nsl_error(function() vxlan_add("vx0", 7, { port = 0 }) end, "vxlan_add: vx0: port must be 1 to 65535")
    T.nsl_error(function() ns_exec("x", { "true" }, { capture = 1 }) end,
      "ns_exec: option 'capture': boolean expected, got number")
  end)

  it("a table of options is a table", function()
    assert.has_error(function() link_set("lo", 5) end)
    local ok, err = pcall(link_set, "lo", 5)
    assert.is_false(ok)
    assert.matches("bad argument #2 to '[%w_.]*link_set' %(table of options expected, got number%)", err)
  end)
end)
