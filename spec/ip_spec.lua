-- nsl.ip: parsing, RFC 5952 text, comparison, containment and host
-- arithmetic for both families; and the dual-stack descriptions built on
-- it (addresses, subnets, routes, checks).  Pure Lua: nothing is made.
local nsl = require "nsl"
local ip = require "nsl.ip"

local function err_of(desc)
  local ok, err = pcall(nsl.topology, desc)
  assert.is_false(ok, "expected the description to be refused")
  return tostring(err)
end

describe("nsl.ip, IPv6 #unit", function()
  it("writes addresses as RFC 5952 says (its own examples)", function()
    -- 4.1 leading zeros, 4.2.1 longest run, 4.2.2 no :: for one group,
    -- 4.2.3 first of equal runs, 4.3 lower case, 5 mapped IPv4
    local cases = {
      { "2001:0db8:0000:0000:0001:0000:0000:0001", "2001:db8::1:0:0:1" },
      { "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1" },
      { "2001:db8::0:1", "2001:db8::1" },
      { "2001:db8:0:0:0::1", "2001:db8::1" },
      { "2001:db8:0000:1:1:1:1:1", "2001:db8:0:1:1:1:1:1" },
      { "2001:DB8::1", "2001:db8::1" },
      { "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1" },
      { "2001:0:0:1:0:0:0:1", "2001:0:0:1::1" },
      { "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1" },
      { "2001:db8::aaaa:0:0:1", "2001:db8::aaaa:0:0:1" },
      { "0:0:0:0:0:0:0:0", "::" },
      { "::", "::" },
      { "0:0:0:0:0:0:0:1", "::1" },
      { "::ffff:1.2.3.4", "::ffff:1.2.3.4" },
      { "0:0:0:0:0:ffff:102:304", "::ffff:1.2.3.4" },
      { "1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0" },
      { "::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8" },
      { "fd00:0::1/64", "fd00::1/64" },
      { "FD00::1/64", "fd00::1/64" },
      { "::/0", "::/0" },
      { "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128" },
    }
    for _, c in ipairs(cases) do
      assert.equal(c[2], ip.canon(c[1]), c[1])
    end
  end)

  it("takes prefix lengths 0 to 128 and no more", function()
    for len = 0, 128 do assert.equal(len, ip.parse("fd00::/" .. len).len) end
    local p, why = ip.parse("fd00::/129")
    assert.is_nil(p)
    assert.equal("prefix length must be 0 to 128", why)
    assert.is_nil(ip.parse("fd00::/-1"))
    assert.is_nil(ip.parse("fd00::/"))
    assert.is_nil(ip.parse("10.0.0.0/33"))
  end)

  it("refuses zone ids with a clear reason", function()
    local p, why = ip.parse("fe80::1%eth0")
    assert.is_nil(p)
    assert.equal("zone id '%eth0' is not allowed here (no scoped addresses)", why)
    assert.is_nil(ip.parse("fe80::1%eth0/64"))
  end)

  it("refuses what is not an address", function()
    for _, s in ipairs({ "hello:world", "1::2::3", ":1::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7",
                         "12345::", "::g", "::1.2.3.256", "", ":", "1:::2", "::ffff:1.2.3" }) do
      local p, why = ip.parse(s)
      assert.is_nil(p, s)
      assert.is_string(why, s)
    end
    assert.matches("bad group '12345'", select(2, ip.parse("2001:db8::12345")))
  end)

  it("compares, contains and sorts across both families", function()
    local a, b = ip.parse("fd00::1/64"), ip.parse("FD00:0:0:0::1/64")
    assert.is_true(ip.same(a, b))
    assert.equal(0, ip.compare(a, b))
    assert.equal(-1, ip.compare(ip.parse("10.0.0.1"), ip.parse("::1")))   -- IPv4 first
    assert.equal(1, ip.compare(ip.parse("ffff::"), ip.parse("1::")))     -- unsigned 128 bits
    assert.equal(-1, ip.compare(ip.parse("7fff:ffff:ffff:ffff::"), ip.parse("8000::")))
    local net = ip.parse("fd00:1::/64")
    assert.is_true(ip.contains(net, ip.parse("fd00:1::ffff:ffff:ffff:ffff")))
    assert.is_false(ip.contains(net, ip.parse("fd00:1:0:1::1")))
    assert.is_false(ip.contains(net, ip.parse("10.0.0.1")))              -- another family
    assert.is_true(ip.contains(ip.parse("::/0"), ip.parse("ffff::1")))
    assert.is_true(ip.contains(ip.parse("fd00::1/128"), ip.parse("fd00::1")))
    assert.is_false(ip.contains(ip.parse("fd00::1/128"), ip.parse("fd00::2")))
    assert.equal("fd00:1:2:3::/64", ip.network(ip.parse("fd00:1:2:3:4:5:6:7/64")))
    assert.equal("fd00:1:2:3:4:5:6:0/113", ip.network(ip.parse("fd00:1:2:3:4:5:6:7fff/113")))
  end)

  it("hands out the n-th host, across the 64-bit boundary too", function()
    local net = ip.parse("fd00::/64")
    assert.equal("fd00::1/64", ip.host(net, 1))
    assert.equal("fd00::ffff/64", ip.host(net, 65535))
    assert.equal("fd00::1:0/64", ip.host(net, 65536))
    local wide = ip.parse("fd00:0:0:ffff:ffff:ffff:ffff:ff00/56")
    assert.equal("fd00:0:0:ff00::1/56", ip.host(wide, 1))
    assert.equal("fd00:0:0:ff00:4000::/56", ip.host(wide, 1 << 62))
    local carry = ip.parse("fd00:0:0:1::/63")   -- its network is fd00::/63
    assert.equal("fd00::5/63", ip.host(carry, 5))
    assert.equal("fd00::5/127", ip.host(ip.parse("fd00::4/127"), 2))   -- RFC 6164: both
    assert.equal("fd00::4/127", ip.host(ip.parse("fd00::4/127"), 1))
    assert.is_nil(ip.host(ip.parse("fd00::4/127"), 3))
    assert.equal("fd00::9/128", ip.host(ip.parse("fd00::9/128"), 1))
    assert.is_nil(ip.host(ip.parse("fd00::9/128"), 2))
    assert.equal("fd00::3/126", ip.host(ip.parse("fd00::/126"), 3))
    assert.is_nil(ip.host(ip.parse("fd00::/126"), 4))
    assert.equal("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/120",
      ip.host(ip.parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120"), 255))
  end)

  it("cuts a range into subnets", function()
    local r = ip.parse("fd00::/48")
    assert.equal("fd00::/64", ip.subnet(r, 64, 0))
    assert.equal("fd00:0:0:1::/64", ip.subnet(r, 64, 1))
    assert.equal("fd00:0:0:ffff::/64", ip.subnet(r, 64, 65535))
    assert.is_nil(ip.subnet(r, 64, 65536))
    assert.equal("fd00::300/120", ip.subnet(r, 120, 3))
    assert.equal("fd00:0:1::/64", ip.subnet(ip.parse("fd00::/32"), 64, 65536))
    assert.equal("10.0.5.0/24", ip.subnet(ip.parse("10.0.0.0/16"), 24, 5))
  end)

  it("keeps IPv4 strict: no leading zeros, octets up to 255", function()
    assert.is_nil(ip.parse("010.0.0.1"))
    assert.is_nil(ip.parse("1.2.3.256"))
    assert.equal("10.0.0.1", ip.text(ip.parse("10.0.0.1/24"), false))
    assert.equal("inet", ip.family(ip.parse("10.0.0.1")))
    assert.equal("inet6", ip.family(ip.parse("::1")))
  end)
end)

describe("dual-stack descriptions #unit", function()
  it("take a list of subnets and give each end one address of each", function()
    local t = nsl.topology {
      namespaces = { "a", "b" },
      links = { { "a", "b", subnet = { "10.0.0.0/24", "fd00:1::/64" } } },
    }
    assert.equal("10.0.0.1", t:addr("a"))
    assert.equal("fd00:1::1", t:addr("a", nil, "inet6"))
    assert.equal("fd00:1::2", t:addr("b", "a", "inet6"))
    assert.equal("10.0.0.2", t:addr("b", nil, "inet"))
    assert.same({
      { address = "10.0.0.2", prefixlen = 24, family = "inet", link = t:link_name("b", "eth0") },
      { address = "fd00:1::2", prefixlen = 64, family = "inet6", link = t:link_name("b", "eth0") },
    }, t:addrs("b"))
  end)

  it("allocate from an IPv6-only subnet", function()
    local t = nsl.topology { namespaces = { "a", "b" }, links = { { "a", "b", subnet = "fd00:1::/64" } } }
    assert.equal("fd00:1::1", t:addr("a"))
    assert.equal("fd00:1::2", t:addr("b"))
  end)

  it("take lists of addresses per end and on bridges", function()
    local t = nsl.topology {
      namespaces = { "a", "b" },
      bridges = { br = { address = { "10.1.0.1/24", "fd00:b::1/64" } } },
      links = { { "a", "b", address = { a = { "10.0.0.1/24", "FD00::1/64" }, b = { "fd00::2/64", "10.0.0.2/24" } } },
                { "a", "br", address = { "10.1.0.7/24", "fd00:b::7/64" } } },
    }
    assert.equal("10.0.0.1", t:addr("a", "b"))
    assert.equal("fd00::1", t:addr("a", "b", "inet6"))
    assert.equal("10.0.0.2", t:addr("b"))                    -- IPv4 first, however written
    assert.equal("fd00:b::1", t:addr("br", nil, "inet6"))
    assert.equal("fd00:b::7", t:addr("a", "br", "inet6"))
    assert.equal(4, #t:addrs("a"))
    assert.equal(2, #t:addrs("a", "br"))
  end)

  it("give every link and bridge its own /64 of ipv6 =", function()
    local t = nsl.topology {
      ipv6 = "fd00::/48",
      namespaces = { "a", "b", "c" },
      bridges = { br = { address = "10.1.0.1/24" } },
      links = { { "a", "br" }, { "b", "br" }, { "a", "c", subnet = "10.2.0.0/24" },
                { "b", "c", subnet = { "10.3.0.0/24", "fd00:0:0:1::/64" } } },
    }
    assert.equal("fd00::1", t:addr("br", nil, "inet6"))      -- the bridge: fd00::/64
    assert.equal("fd00::2", t:addr("a", "br", "inet6"))
    assert.equal("fd00::3", t:addr("b", "br", "inet6"))
    -- fd00:0:0:1::/64 is written in the description: skipped
    assert.equal("fd00:0:0:2::1", t:addr("a", "c", "inet6"))
    assert.equal("fd00:0:0:1::2", t:addr("c", "b", "inet6"))
    assert.equal("10.2.0.2", t:addr("c", "a"))
  end)

  it("install defaults of both families via a named router", function()
    local t = nsl.topology {
      ipv6 = "fd00::/48",
      namespaces = { a = { routes = { default = "r", ["fd00:99::/64"] = "r", ["10.99.0.0/16"] = "r" } },
                     r = { forwarding = true }, b = { routes = { default = "fd00:0:0:1::1" } } },
      links = { { "a", "r", subnet = "10.0.1.0/24" }, { "r", "b", subnet = "10.0.2.0/24" } },
    }
    local got = {}
    for _, r in ipairs(t.model.nodes.a.routes) do got[#got + 1] = r.dst .. " " .. r.family .. " " .. r.via end
    table.sort(got)
    assert.same({ "10.99.0.0/16 inet 10.0.1.2", "default inet 10.0.1.2", "default inet6 fd00::2",
                  "fd00:99::/64 inet6 fd00::2" }, got)
    assert.same({ ["net.ipv4.ip_forward"] = true, ["net.ipv6.conf.all.forwarding"] = true },
      t.model.nodes.r.sysctl)
    assert.equal("fd00:0:0:1::1", t.model.nodes.b.routes[1].via)
    assert.equal("inet6", t.model.nodes.b.routes[1].family)
    -- the pictures show both families
    local d = t:diagram()
    assert.matches("10.0.1.1/24 fd00::1/64", d, 1, true)
    assert.matches("route default via fd00::2 (r)", d, 1, true)
    assert.matches("fd00::1/64", t:dot(), 1, true)
  end)

  it("install an IPv4-only default where the router has only IPv4", function()
    local t = nsl.topology {
      namespaces = { a = { routes = { default = "r" } }, r = {} },
      links = { { "a", "r", subnet = "10.0.1.0/24" } },
    }
    assert.equal(1, #t.model.nodes.a.routes)
    assert.equal("inet", t.model.nodes.a.routes[1].family)
  end)

  it("are dad = true unless told, and check dad and forwarding", function()
    assert.is_true(nsl.topology({ namespaces = { "a" } }).model.dad)
    assert.is_false(nsl.topology({ namespaces = { "a" }, dad = false }).model.dad)
    assert.matches("dad must be true or false", err_of { dad = "no" })
    assert.matches("namespace a: forwarding must be true or false", err_of { namespaces = { a = { forwarding = 1 } } })
  end)

  describe("refuse, before anything is made, naming the place,", function()
    it("an IPv6 address outside its subnet", function()
      assert.equal("topology: link a-b: address fd00:2::1/64 of a is outside its subnet fd00:1::/64",
        err_of { namespaces = { "a", "b" },
                 links = { { "a", "b", subnet = "fd00:1::/64", address = { a = "fd00:2::1/64" } } } })
      assert.equal("topology: link a-br: address fd00:9::5/64 of a is outside its subnet fd00:b::/64 of br",
        err_of { namespaces = { "a" }, bridges = { br = { subnet = "fd00:b::/64" } },
                 links = { { "a", "br", address = "fd00:9::5/64" } } })
      assert.equal("topology: bridge br: address fd00::1/64 is outside its subnet fd00:1::/64",
        err_of { bridges = { br = { subnet = "fd00:1::/64", address = "fd00::1/64" } } })
    end)

    it("the same address twice, in any spelling", function()
      for _, spelling in ipairs({ "fd00::1/64", "FD00::1/64", "fd00:0::1/64", "fd00:0000:0:0:0:0:0:0001/64" }) do
        assert.matches("link a%-b: address .* is used twice %(also link a%-b%)",
          err_of { namespaces = { "a", "b" },
                   links = { { "a", "b", address = { a = "fd00::1/64", b = spelling } } } })
      end
      assert.equal("topology: link a-b: address FD00:0::1/64 (fd00::1/64) is used twice (also bridge br)",
        err_of { namespaces = { "a", "b" }, bridges = { br = { address = "fd00::1/64" } },
                 links = { { "a", "b", address = { a = "FD00:0::1/64", b = "fd00::2/64" } } } })
    end)

    it("a gateway of one family on a link with only the other", function()
      assert.equal("topology: namespace a: route default: gateway fd00::1 is IPv6 but no link of a has an IPv6 address",
        err_of { namespaces = { a = { routes = { default = "fd00::1" } }, b = {} },
                 links = { { "a", "b", subnet = "10.0.0.0/24" } } })
      assert.equal("topology: namespace a: route default: gateway 10.0.0.2 is IPv4 but no link of a has an IPv4 address",
        err_of { namespaces = { a = { routes = { default = "10.0.0.2" } }, b = {} },
                 links = { { "a", "b", subnet = "fd00::/64" } } })
      assert.equal("topology: namespace a: route fd00:9::/64: gateway 10.0.0.2 is IPv4 but the destination is IPv6",
        err_of { namespaces = { a = { routes = { ["fd00:9::/64"] = "10.0.0.2" } }, b = {} },
                 links = { { "a", "b", subnet = { "10.0.0.0/24", "fd00::/64" } } } })
      assert.equal("topology: namespace a: route fd00:9::/64: gateway b has no IPv6 address on a link of a",
        err_of { namespaces = { a = { routes = { ["fd00:9::/64"] = "b" } }, b = {} },
                 links = { { "a", "b", subnet = "10.0.0.0/24" } } })
      assert.equal("topology: namespace a: route default: gateway fd00:7::1 is on no subnet of a's links",
        err_of { namespaces = { a = { routes = { default = "fd00:7::1" } }, b = {} },
                 links = { { "a", "b", subnet = "fd00::/64" } } })
    end)

    it("a subnet too small for its ends", function()
      assert.equal("topology: link b-br: subnet fd00::/127 has no address left for b",
        err_of { namespaces = { "a", "b", "c" }, bridges = { br = { subnet = "fd00::/127" } },
                 links = { { "a", "br" }, { "b", "br" }, { "c", "br" } } })
      assert.equal("topology: link a-b: subnet fd00::5/128 has no address left for b",
        err_of { namespaces = { "a", "b" }, links = { { "a", "b", subnet = "fd00::5/128" } } })
      assert.equal("topology: ipv6: fd00::/65 is too small to give /64s (at most /64)",
        err_of { ipv6 = "fd00::/65", namespaces = { "a" } })
      assert.equal("topology: ipv6: fd00::/63 has no /64 left for link a-b#3",
        err_of { ipv6 = "fd00::/63", namespaces = { "a", "b" },
                 links = { { "a", "b", name = "x1" }, { "a", "b", name = "x2" }, { "a", "b", name = "x3" } } })
    end)

    it("a zone id, bad text and a prefix length over 128", function()
      assert.equal("topology: link a-b: address of a: bad address 'fe80::1%eth0/64' " ..
        "(zone id '%eth0' is not allowed here (no scoped addresses))",
        err_of { namespaces = { "a", "b" }, links = { { "a", "b", address = { a = "fe80::1%eth0/64" } } } })
      assert.matches("route default: bad gateway 'fe80::1%%eth0' %(zone id '%%eth0' is not allowed",
        err_of { namespaces = { a = { routes = { default = "fe80::1%eth0" } }, b = {} },
                 links = { { "a", "b", subnet = "fd00::/64" } } })
      assert.equal("topology: link a-b subnet: bad address 'hello:world' " ..
        "(not an IPv6 address (only hex digits, ':' and '.'))",
        err_of { namespaces = { "a", "b" }, links = { { "a", "b", subnet = "hello:world" } } })
      assert.matches("bad gateway 'hello:world'",
        err_of { namespaces = { a = { routes = { default = "hello:world" } }, b = {} },
                 links = { { "a", "b", subnet = "fd00::/64" } } })
      assert.equal("topology: link a-b subnet: bad address 'fd00::/129' (prefix length must be 0 to 128)",
        err_of { namespaces = { "a", "b" }, links = { { "a", "b", subnet = "fd00::/129" } } })
      assert.equal("topology: bridge br address: bad address 'fd00::1/200' (prefix length must be 0 to 128)",
        err_of { bridges = { br = { address = "fd00::1/200" } } })
      assert.equal("topology: ipv6: bad address 'fd00::/49x' (prefix length must be 0 to 128)",
        err_of { ipv6 = "fd00::/49x" })
      assert.equal("topology: ipv6: 10.0.0.0/8 is not an IPv6 prefix", err_of { ipv6 = "10.0.0.0/8" })
    end)

    it("two addresses of one family on one end, and host bits in a destination", function()
      assert.matches("two IPv6 addresses %(fd00::1/64 and fd00::2/64%)",
        err_of { namespaces = { "a", "b" },
                 links = { { "a", "b", address = { a = { "fd00::1/64", "fd00::2/64" } } } } })
      assert.matches("route fd00:9::1/64: the destination has host bits set %(the network is fd00:9::/64%)",
        err_of { namespaces = { a = { routes = { ["fd00:9::1/64"] = "b" } }, b = {} },
                 links = { { "a", "b", subnet = "fd00::/64" } } })
    end)

    it("an unknown family asked of t:addr", function()
      local t = nsl.topology { namespaces = { "a", "b" }, links = { { "a", "b", subnet = "fd00::/64" } } }
      assert.has_error(function() t:addr("a", nil, "ipv6") end,
        'topology: family must be "inet" or "inet6", got ipv6')
      assert.is_nil(t:addr("a", nil, "inet"))
    end)
  end)
end)
