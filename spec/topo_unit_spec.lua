-- nsl.topology: checking descriptions, naming, addressing, drawing.
-- Pure Lua: nothing here creates a namespace or needs privileges.
local nsl = require "nsl"
local T = require "spec.support.util"

local function err_of(desc, opts)
  local ok, err = pcall(nsl.topology, desc, opts)
  assert.is_false(ok, "expected the description to be refused")
  return tostring(err)
end

local S5 = {
  prefix = "",
  namespaces = { "ns0", "ns1" },
  bridges = { br0 = { address = "192.168.2.1/24" } },
  links = {
    { "ns0", "br0", name = "ceth0" },
    { "ns1", "br0", name = "ceth1" },
  },
}

describe("nsl.topology descriptions #unit", function()
  it("accepts the S5 bridge and draws addresses from the bridge's subnet", function()
    local t = nsl.topology(S5)
    assert.equal("192.168.2.1", t:addr("br0"))
    assert.equal("192.168.2.2", t:addr("ns0"))
    assert.equal("192.168.2.3", t:addr("ns1"))
    assert.equal("ns0", t:name("ns0"))
    assert.equal("br0", t:link_name("br0"))
    assert.equal("ceth0", t:link_name("ns0", "ceth0"))
    assert.equal("down", t.status)
    assert.matches("^<topology %(no prefix%): down, 2 namespaces, 1 bridges, 2 links, 0 services>$", tostring(t))
  end)

  it("names the closest node when a method is given a name it does not have", function()
    local t = nsl.topology { namespaces = { "alpha", "beta" }, links = { { "alpha", "beta" } } }
    local ok, err = pcall(t.name, t, "alpph")
    assert.is_false(ok)
    assert.matches("topology: no node named alpph %(did you mean 'alpha'%?%)$", err)
    ok, err = pcall(t.exec, t, "hots", { "true" })
    assert.is_false(ok)
    assert.matches("topology: no node named hots %(did you mean 'host'%?%)$", err)
    ok, err = pcall(t.addr, t, "zzzzzz")
    assert.is_false(ok)
    assert.matches("topology: no node named zzzzzz$", err)
  end)

  it("is a named type whose close is safe when never up, and twice", function()
    local t = nsl.topology(S5)
    local mt = getmetatable(t)
    assert.equal("nsl.topology", mt.__name)
    assert.equal(mt.__close, mt.__gc)
    mt.__close(t)
    mt.__close(t)
    assert.equal("down", t.status)
  end)

  it("hands out addresses from a link's subnet, skipping explicit ones", function()
    local t = nsl.topology {
      namespaces = { "a", "b" },
      links = { { "a", "b", subnet = "10.9.0.0/24", address = { a = "10.9.0.2/24" } } },
    }
    assert.equal("10.9.0.2", t:addr("a"))
    assert.equal("10.9.0.1", t:addr("b"))
  end)

  it("gives a bridge the first address of its subnet", function()
    local t = nsl.topology {
      namespaces = { "a" }, bridges = { br = { subnet = "172.30.0.0/16" } },
      links = { { "a", "br" } },
    }
    assert.equal("172.30.0.1", t:addr("br"))
    assert.equal("172.30.0.2", t:addr("a"))
  end)

  it("names namespace ends eth0, eth1... in link order", function()
    local t = nsl.topology {
      namespaces = { "r", "a", "b" },
      links = { { "r", "a", subnet = "10.1.0.0/30" }, { "r", "b", subnet = "10.2.0.0/30" } },
    }
    assert.equal("eth0", t:link_name("r", "eth0"))
    assert.equal("eth1", t:link_name("r", "eth1"))
    assert.equal("10.2.0.1", t:addr("r", "b"))
    assert.equal("10.2.0.2", t:addr("b"))
  end)

  it("resolves a default route via a named gateway to its address", function()
    local t = nsl.topology {
      namespaces = { a = { routes = { default = "r" } }, r = {}, b = { routes = { default = "br0" } } },
      bridges = { br0 = { subnet = "10.5.0.0/24" } },
      links = { { "a", "r", subnet = "10.1.0.0/24" }, { "b", "br0" } },
    }
    local ra = t.model.nodes.a.routes[1]
    assert.same({ "default", "10.1.0.2", "r" }, { ra.dst, ra.via, ra.gateway })
    assert.equal("10.5.0.1", t.model.nodes.b.routes[1].via)
  end)

  it("reaches a gateway namespace through a shared bridge", function()
    local t = nsl.topology {
      namespaces = { a = { routes = { ["10.99.0.0/16"] = "gw" } }, gw = {} },
      bridges = { br0 = { subnet = "10.5.0.0/24" } },
      links = { { "gw", "br0" }, { "a", "br0" } },
    }
    assert.equal("10.5.0.2", t.model.nodes.a.routes[1].via)
  end)

  it("orders services by after, dependencies first", function()
    local t = nsl.topology {
      namespaces = { "a" },
      services = {
        web = { ns = "a", cmd = { "true" }, after = { "db", "cache" } },
        db = { ns = "a", cmd = { "true" } },
        cache = { ns = "a", cmd = "true", after = "db" },
      },
    }
    local order = {}
    for _, s in ipairs(t.model.service_order) do order[#order + 1] = s.name end
    assert.same({ "db", "cache", "web" }, order)
  end)

  describe("prefixes", function()
    it("gives every topology its own prefix by default", function()
      local d = { namespaces = { "ns0" }, bridges = { br0 = {} }, links = { { "ns0", "br0" } } }
      local a, b = nsl.topology(d), nsl.topology(d)
      assert.matches("^t[%w]+%-$", a.prefix)
      assert.not_equal(a.prefix, b.prefix)
      assert.equal(a.prefix .. "ns0", a:name("ns0"))
      assert.not_equal(a:name("ns0"), b:name("ns0"))
      assert.not_equal(a:link_name("br0"), b:link_name("br0"))
    end)

    it("takes a prefix from the description or the options", function()
      assert.equal("ci7-ns0", nsl.topology({ prefix = "ci7-", namespaces = { "ns0" } }):name("ns0"))
      assert.equal("x-ns0", nsl.topology({ namespaces = { "ns0" } }, { prefix = "x-" }):name("ns0"))
    end)

    it("shortens root-namespace link names to 15 bytes, uniquely, with a readable mapping", function()
      local t = nsl.topology {
        prefix = "a-long-job-prefix-",
        namespaces = { "direct_netns", "direct_netns2" },
        bridges = { bridge_number_one = {} },
        links = { { "host", "direct_netns", subnet = "10.200.0.0/24" },
                  { "host", "direct_netns2", subnet = "10.201.0.0/24" },
                  { "direct_netns", "bridge_number_one" } },
      }
      local seen = {}
      for _, row in ipairs(t:names()) do
        if row.kind ~= "netns" then
          assert.is_true(#row.real <= 15, row.real)
          assert.is_nil(seen[row.ns .. row.real], row.real)
          seen[row.ns .. row.real] = true
        end
      end
      local h = t:link_name("host", "vdirect_netns")
      assert.equal(15, #h)
      assert.equal(h, t:link_name("host", h))
      assert.equal("a-long-job-prefix-direct_netns", t:name("direct_netns"))
    end)
  end)

  describe("refuses, before anything is made,", function()
    it("a link to a namespace that is not described", function()
      assert.matches("topology: link ns0%-ns9: 'ns9' is not a described namespace or bridge %(did you mean 'ns0'%?%)",
        err_of { namespaces = { "ns0", "ns1" }, links = { { "ns0", "ns9" } } })
    end)

    it("two nodes with one name", function()
      assert.matches("two nodes named ns0", err_of { namespaces = { "ns0", "ns0" } })
      assert.matches("two nodes named x", err_of { namespaces = { "x" }, bridges = { x = {} } })
    end)

    it("an address outside its subnet", function()
      assert.equal("topology: link ns0-br0: address 10.0.0.2/24 of ns0 is outside its subnet 192.168.2.0/24 of br0",
        err_of { namespaces = { "ns0" }, bridges = { br0 = { address = "192.168.2.1/24" } },
                 links = { { "ns0", "br0", address = "10.0.0.2/24" } } })
      assert.matches("address 10.1.1.9/24 of b is outside its subnet 10.0.0.0/24",
        err_of { namespaces = { "a", "b" },
                 links = { { "a", "b", subnet = "10.0.0.0/24", address = { b = "10.1.1.9/24" } } } })
      assert.matches("bridge br0: address 10.0.0.1/24 is outside its subnet 10.1.0.0/24",
        err_of { bridges = { br0 = { subnet = "10.1.0.0/24", address = "10.0.0.1/24" } } })
    end)

    it("a route via a gateway that no link reaches", function()
      assert.matches("namespace a: route default: gateway c is reached by no link of a",
        err_of { namespaces = { a = { routes = { default = "c" } }, b = {}, c = {} },
                 links = { { "a", "b", subnet = "10.0.0.0/24" }, { "b", "c", subnet = "10.0.1.0/24" } } })
      assert.matches("namespace a: route default: gateway 10.7.0.1 is on no subnet of a's links",
        err_of { namespaces = { a = { routes = { default = "10.7.0.1" } }, b = {} },
                 links = { { "a", "b", subnet = "10.0.0.0/24" } } })
    end)

    it("a dependency cycle between services", function()
      assert.matches("services: dependency cycle a %-> b %-> c %-> a",
        err_of { namespaces = { "n" }, services = {
          a = { ns = "n", cmd = { "true" }, after = { "b" } },
          b = { ns = "n", cmd = { "true" }, after = { "c" } },
          c = { ns = "n", cmd = { "true" }, after = { "a" } } } })
      assert.matches("service a: after 'dbb', which is not a described service %(did you mean 'db'%?%)",
        err_of { namespaces = { "n" }, services = {
          a = { ns = "n", cmd = { "true" }, after = "dbb" }, db = { ns = "n", cmd = { "true" } } } })
    end)

    it("a misspelt field, suggesting the known one", function()
      assert.equal("topology: unknown key 'adress' in link ns0-br0 (did you mean 'address'?)",
        err_of { namespaces = { "ns0" }, bridges = { br0 = {} },
                 links = { { "ns0", "br0", adress = "10.0.0.2/24" } } })
      assert.equal("topology: unknown key 'namespace' in the description (did you mean 'namespaces'?)",
        err_of { namespace = { "ns0" } })
      assert.matches("unknown key 'sysctls' in namespace a %(did you mean 'sysctl'%?%)",
        err_of { namespaces = { a = { sysctls = {} } } })
      assert.matches("unknown key 'prot' in service w ready %(did you mean 'port'%?%)",
        err_of { namespaces = { "a" }, services = { w = { ns = "a", cmd = "x", ready = { prot = 80 } } } })
      assert.equal("topology: unknown key 'zzzzzz' in bridge b", err_of { bridges = { b = { zzzzzz = 1 } } })
    end)

    it("interface names longer than 15 bytes, or taken twice", function()
      assert.matches("interface name 'a%-very%-long%-name0' of a: at most 15 bytes",
        err_of { namespaces = { "a", "b" }, links = { { "a", "b", name = "a-very-long-name0" } } })
      assert.matches("interface eth0 is already taken in a",
        err_of { namespaces = { "a", "b", "c" },
                 links = { { "a", "b", name = { a = "eth0" } }, { "a", "c", name = { a = "eth0" } } } })
    end)

    it("an ambiguous address, an address on a bridge port, an address used twice", function()
      assert.matches("link a%-b: address is ambiguous here, give one per end",
        err_of { namespaces = { "a", "b" }, links = { { "a", "b", address = "10.0.0.1/24" } } })
      assert.matches("a bridge port has no address",
        err_of { namespaces = { "a" }, bridges = { br = {} },
                 links = { { "a", "br", address = { br = "10.0.0.1/24" } } } })
      assert.matches("address 10.0.0.1/24 is used twice",
        err_of { namespaces = { "a", "b" },
                 links = { { "a", "b", address = { a = "10.0.0.1/24", b = "10.0.0.1/24" } } } })
    end)

    it("a service in a namespace that is not described, and a bad cmd", function()
      assert.matches("service w: ns 'zz' is not a described namespace",
        err_of { namespaces = { "a" }, services = { w = { ns = "zz", cmd = "x" } } })
      assert.matches("service w: cmd must be", err_of { namespaces = { "a" }, services = { w = { ns = "a" } } })
    end)
  end)
end)

describe("nsl.topology pictures #unit", function()
  it("draws the S5 bridge as boxes", function()
    local d = nsl.topology(S5):diagram()
    assert.equal(table.concat({
      "+-- host ----------------------+",
      "| [br0] bridge 192.168.2.1/24  |",
      "|   +-- [vns0] <-> ns0 [ceth0] |",
      "|   +-- [vns1] <-> ns1 [ceth1] |",
      "+------------------------------+",
      "",
      "+-- ns0 -----------------+  +-- ns1 -----------------+",
      "| [lo]                   |  | [lo]                   |",
      "| [ceth0] 192.168.2.2/24 |  | [ceth1] 192.168.2.3/24 |",
      "|    <-> bridge br0      |  |    <-> bridge br0      |",
      "+------------------------+  +------------------------+",
      "" }, "\n"), d)
  end)

  it("exports Graphviz DOT with a cluster per namespace and an edge per veth", function()
    local dot = nsl.topology(S5):dot()
    assert.matches('^graph "nsl " {\n', dot)
    assert.matches('subgraph "cluster_ns0" {', dot, 1, true)
    assert.matches('"ns0:ceth0" %-%- "br0:vns0" %[label="veth"%];', dot)
    assert.matches('"br0:vns0" %-%- "bridge:br0" %[style=dashed%];', dot)
    assert.matches("}\n$", dot)
  end)

  it("renders with dot -Tsvg when Graphviz is installed", function()
    if T.sh("command -v dot").code ~= 0 then
      pending("graphviz is not installed (make deps installs it)")
      return
    end
    local path, dir = T.script(nsl.topology(S5):dot())
    finally(function() T.rm(dir) end)
    local r = T.sh("dot -Tsvg " .. T.quote(path))
    assert.equal(0, r.code, r.err)
    assert.matches("<svg", r.out)
    assert.matches("ceth0", r.out)
  end)

  it("reports a topology that is not up without touching the kernel", function()
    assert.matches("^topology %(no prefix%) %(down%)\n", nsl.topology(S5):report())
  end)
end)

describe("nsl.ip #unit", function()
  local ip = require "nsl.ip"

  it("parses, tests containment and hands out host addresses", function()
    local net = ip.parse("10.1.2.0/24")
    assert.equal(24, net.len)
    assert.is_true(ip.contains(net, ip.parse("10.1.2.200/24")))
    assert.is_false(ip.contains(net, ip.parse("10.1.3.1/24")))
    assert.equal("10.1.2.1/24", ip.host(net, 1))
    assert.equal("10.1.2.254/24", ip.host(net, 254))
    assert.is_nil(ip.host(net, 255)) -- the broadcast address is never handed out
    assert.equal("10.1.2.0/24", ip.network(ip.parse("10.1.2.77/24")))
  end)

  it("uses both addresses of a /31 and the one of a /32", function()
    local p2p = ip.parse("192.0.2.4/31")
    assert.same({ "192.0.2.4/31", "192.0.2.5/31" }, { ip.host(p2p, 1), ip.host(p2p, 2) })
    assert.is_nil(ip.host(p2p, 3))
    assert.equal("192.0.2.9/32", ip.host(ip.parse("192.0.2.9/32"), 1))
  end)

  it("refuses what is not an address", function()
    assert.is_nil(ip.parse("10.0.0.256/24"))
    assert.is_nil(ip.parse("10.0.0.1/33"))
    assert.is_nil(ip.parse("ten.0.0.1"))
    assert.is_true(ip.parse("fd00::1/64").v6)
  end)

  it("tells when a subnet runs out of addresses", function()
    local ok, err = pcall(nsl.topology, { namespaces = { "a", "b", "c" }, bridges = { br = { subnet = "10.0.0.0/30" } },
      links = { { "a", "br" }, { "b", "br" }, { "c", "br" } } })
    assert.is_false(ok)
    assert.matches("link b%-br: subnet 10.0.0.0/30 has no address left for b", tostring(err))
  end)
end)
