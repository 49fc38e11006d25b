-- nsl.json: nsl's own C underneath (jansson reads); every listing and
-- t:state() round-trips, integers exactly.
local T = require "spec.support.util"
local json = require "nsl.json"

-- What a value looks like after a trip through JSON: plain tables.
local function trip(v)
  return json.decode(json.encode(v))
end

describe("nsl.json #unit", function()
  it("is nsl's own, reachable as nsl.json, and loads no module from the file system", function()
    assert.equal(require("nsl.core")._json_encode, require("nsl.core")._json_encode)
    for _, dir in ipairs({ "lua", "spec/stock" }) do
      local r = T.sh("grep -rln cjson " .. dir .. " ; true")
      assert.equal("", r.out)
    end
    assert.equal(json.encode, require("nsl").json.encode)
    assert.equal('[1,2,{"a":"b"}]', json.encode({ 1, 2, { a = "b" } }))
    assert.same({ 1, 2, { a = "b" } }, json.decode('[1,2,{"a":"b"}]'))
    assert.equal(math.type(json.decode("[1500]")[1]), "integer")
  end)

  it("encodes listings as arrays (empty ones too), dropping functions and metatables", function()
    local rows = setmetatable({}, { __columns = { "name" } })
    assert.equal("[]", json.encode(rows))
    assert.same({}, json.plain(rows)) -- a table marked as an array, not the encoder's marker
    assert.equal("[]", json.encode(json.plain(rows)))
    assert.equal("[]", json.encode(json.array()))
    assert.equal('{"a":[]}', json.encode({ a = json.array() }))
    rows[1] = { name = "lo", f = print }
    assert.equal('[{"name":"lo"}]', json.encode(rows))
    local text = json.encode({ err = select(2, pcall(nsl.fail, "ns_add", "blue", "File exists", 17)) })
    local e = json.decode(text).err
    assert.equal("ns_add: blue: File exists", e.message)
    assert.equal(17, e.errno)
    assert.equal("EEXIST", e.code)
  end)

  it("keeps integers exact over the whole 64-bit range, both ways", function()
    for _, n in ipairs({ 123456789012345, math.maxinteger, math.mininteger, -1, 0, 4294967296 }) do
      local text = json.encode({ n })
      assert.equal("[" .. string.format("%d", n) .. "]", text)
      local back = json.decode(text)[1]
      assert.equal("integer", math.type(back))
      assert.equal(n, back)
    end
    assert.equal('{"pid":123456789012345}', json.encode({ pid = 123456789012345 }))
    assert.equal(math.maxinteger, json.decode("9223372036854775807"))
    assert.equal(math.mininteger, json.decode("-9223372036854775808"))
  end)

  it("keeps floats floats, in the shortest text that reads back the same", function()
    for _, x in ipairs({ 0.1, 2.0, -0.5, 1e300, 1 / 3, 2 ^ 63, 123456789012345.5 }) do
      local text = json.encode(x)
      local back = json.decode(text)
      assert.equal("float", math.type(back), text)
      assert.equal(x, back, text)
    end
    assert.equal("[0.1,2.0,1e+300]", json.encode({ 0.1, 2.0, 1e300 }))
    assert.equal("float", math.type(json.decode("[1500.0]")[1]))
    -- JSON has no infinities: their text
    assert.equal('["inf","-inf"]', json.encode({ math.huge, -math.huge }))
  end)

  it("refuses numbers it cannot keep exactly: too big an integer or real is an error", function()
    for _, text in ipairs({ "[9223372036854775808]", "[-9223372036854775809]", "[123456789012345678901]",
                            "[1e400]" }) do
      local ok, err = pcall(json.decode, text)
      assert.is_false(ok, text)
      assert.matches(text:find("e400") and "nsl.json: real number overflow" or "nsl.json: too big .*integer",
        tostring(err))
    end
    assert.equal(1e300, json.decode("1e300"))
  end)

  it("decodes null as json.null and strings with NUL bytes; encodes stray bytes as U+FFFD", function()
    local v = json.decode('[null,{"a":null},"x\\u0000y"]')
    assert.equal(json.null, v[1])
    assert.equal(json.null, v[2].a)
    assert.equal("x\0y", v[3])
    assert.equal('"a\\u0000b\\"\\\\\\n\\u0001 \239\191\189"', json.encode("a\0b\"\\\n\1 \255"))
    assert.equal("caf\195\169 \226\130\172", json.decode(json.encode("caf\195\169 \226\130\172")))
    local ok, err = pcall(json.decode, "{")
    assert.is_false(ok)
    assert.matches("nsl.json: .* at line 1 column 1", tostring(err))
    ok, err = pcall(json.encode, { f = coroutine.create(print), ok = { co = { io.stdout } } })
    assert.is_true(ok, tostring(err)) -- threads dropped; a file handle is its text
  end)

  it("refuses a cycle with a clear message", function()
    local t = {}
    t.t = t
    assert.has_error(function() json.encode(t) end, "nsl.json: cannot encode a cycle")
  end)
end)

describe("JSON of every listing #netns", function()
  local names = {}
  for name in pairs(require "nsl.core") do
    if name:match("_list$") then names[#names + 1] = name end
  end
  table.sort(names)

  it("round-trips the result of each listing primitive", function()
    if not T.need_sandbox() then return end
    ns_add("jsn")
    finally(function() pcall(ns_del, "jsn") pcall(link_del, "jsv0") end)
    veth_add("jsv0", "jsv1", { peer_ns = "jsn" })
    addr_add("jsv0", "10.88.0.1/24")
    addr_add("jsv0", "fd88::1/64", { nodad = true })
    link_set("jsv0", { up = true })
    route_add("10.89.0.0/24", { via = "10.88.0.2" })
    neigh_add("10.88.0.9", { dev = "jsv0", lladdr = "02:00:00:00:00:09" })
    rule_add({ from = "10.88.0.0/24", table = 100, priority = 4100, ns = "jsn" })
    local server <close> = listen("tcp", "127.0.0.1:0", { ns = "jsn" })
    assert.is_number(server:fd())
    nft("add table inet jsn", { ns = "jsn" })
    local calls = {
      ns_list = { {} }, link_list = { {}, { { ns = "jsn" } } }, addr_list = { {} },
      route_list = { {}, { { table = "all" } } },
      neigh_list = { {}, { { ns = "jsn", proxy = true } } },	-- an entry; an empty listing
      rule_list = { {}, { { ns = "jsn", family = "inet6" } } },
      -- a listener, and an empty listing (still an array)
      sock_list = { { { ns = "jsn" } }, { { ns = "jsn", proto = "udp" } } },
      nft_list = { {}, { { ns = "jsn" } } },
      -- the host's veth ends: no bridge, so empty lists; jsn's own entries
      fdb_list = { {}, { { ns = "jsn" } } }, bridge_vlan_list = { {} },
    }
    for _, name in ipairs(names) do
      assert.is_not_nil(calls[name], name .. " has no JSON round-trip case here")
      for _, args in ipairs(calls[name]) do
        local v, rules = _G[name](table.unpack(args))
        if name == "nft_list" then
          -- the ruleset's text, then the table nft -j decodes to: an object
          -- whose member nftables is an array (metainfo first)
          assert.is_string(v)
          assert.equal(v, trip({ v })[1])
          assert.same(json.plain(rules), trip(rules), name)
          assert.equal('{"nftables":[{"metainfo":', json.encode(rules):sub(1, 25), name)
        else
          assert.same(json.plain(v), trip(v), name)
          assert.equal("[", json.encode(v):sub(1, 1), name .. " is not an array")
        end
      end
    end
    assert.equal(1, #sock_list({ ns = "jsn" }))
    assert.equal("[]", json.encode(sock_list({ ns = "jsn", proto = "udp" })))
    assert.truthy(json.encode(select(2, nft_list({ ns = "jsn" }))):find('"name":"jsn"', 1, true))
    assert.same(json.plain(link_get("jsv0")), trip(link_get("jsv0")))
    local r = ns_exec("jsn", { "echo", "hi" }, { capture = true })
    assert.same({ ok = true, code = 0, stdout = "hi\n", stderr = "", pid = r.pid }, trip(r))
  end)

  it("round-trips t:state(), the live report as a table", function()
    if not T.need_sandbox() then return end
    local t <close> = nsl.topology {
      namespaces = { "a", "b" },
      bridges = { br = { subnet = "10.90.0.0/24" } },
      links = { { "a", "br" }, { "b", "br" } },
      services = { s = { ns = "a", cmd = { "sleep", "30" } } },
    }
    assert.same({ prefix = t.prefix, state = "down", host = { links = {} }, namespaces = {} }, t:state())
    t:up()
    local st = t:state()
    assert.same(st, trip(st))
    assert.equal("up", st.state)
    assert.equal(2, #st.namespaces)
    assert.equal(t:name("a"), st.namespaces[1].real)
    assert.equal("s", st.namespaces[1].processes[1].service)
    assert.is_true(st.namespaces[1].processes[1].running)
    local found = false
    for _, a in ipairs(st.namespaces[2].addresses) do
      if a.cidr == "10.90.0.3/24" then found = true end
    end
    assert.is_true(found, json.encode(st.namespaces[2].addresses))
    assert.equal(3, #st.host.links) -- the bridge and its two ports
    assert.truthy(json.encode(st):find('"host":{', 1, true))
  end)
end)
