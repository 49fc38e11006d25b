-- addr_add, addr_del, addr_list on the real kernel; ip -j as the witness.
local T = require "spec.support.util"
local N = require "spec.support.net"

describe("addr_add #netns", function()
  after_each(N.wipe)

  it("adds an IPv4 address that ip shows", function()
    if not N.needs() then return end
    veth_add("veth0", "veth1")
    addr_add("veth0", "10.1.1.2/24")
    assert.same({ "10.1.1.2/24" }, N.ip_addrs("veth0"))
  end)

  it("adds an IPv6 address, with nodad too", function()
    if not N.needs() then return end
    veth_add("veth0", "veth1")
    addr_add("veth0", "fd00::1/64")
    addr_add("veth0", "fd00::2/64", { nodad = true })
    local got = N.ip_addrs("veth0")
    assert.is_true(N.contains(got, "fd00::1/64"))
    assert.is_true(N.contains(got, "fd00::2/64"))
  end)

  it("takes an address without prefix length as a host address", function()
    if not N.needs() then return end
    veth_add("veth0", "veth1")
    addr_add("veth0", "10.1.1.9")
    assert.same({ "10.1.1.9/32" }, N.ip_addrs("veth0"))
  end)

  it("acts inside the namespace given by ns", function()
    if not N.needs() then return end
    ns_add("blue")
    veth_add("veth0", "veth1", { peer_ns = "blue" })
    addr_add("veth1", "10.1.1.1/24", { ns = "blue" })
    assert.same({ "10.1.1.1/24" }, N.ip_addrs("veth1", "blue"))
    assert.same({}, N.ip_addrs("veth0"))
  end)

  it("refuses a duplicate with EEXIST", function()
    if not N.needs() then return end
    veth_add("veth0", "veth1")
    addr_add("veth0", "10.1.1.2/24")
    local e = N.err(addr_add, "veth0", "10.1.1.2/24")
    assert.equal("EEXIST", e.code)
    assert.matches("^addr_add: veth0: ", tostring(e))
  end)

  it("refuses bad CIDRs and prefix lengths, saying what is wrong", function()
    if not N.needs() then return end
    veth_add("veth0", "veth1")
    local cases = {
      ["10.1.1.256/24"] = "not an IPv4 or IPv6 address",
      ["10.1.1.1/33"] = "prefix length must be 0 to 32",
      ["fd00::1/129"] = "prefix length must be 0 to 128",
      ["10.1.1.1/"] = "prefix length must be 0 to 32",
      ["10.1.1.1/2x"] = "prefix length must be 0 to 32",
      ["bogus"] = "not an IPv4 or IPv6 address",
      [""] = "not an IPv4 or IPv6 address",
    }
    for cidr, why in pairs(cases) do
      local e = N.err(addr_add, "veth0", cidr)
      assert.equal("addr_add: " .. cidr .. ": " .. why, tostring(e))
      assert.equal("EINVAL", e.code)
    end
    assert.same({}, N.ip_addrs("veth0"))
  end)

  it("fails with ENODEV for an unknown link and ENOENT for an unknown namespace", function()
    if not N.needs() then return end
    assert.equal("addr_add: nope: No such device", tostring(N.err(addr_add, "nope", "10.0.0.1/24")))
    assert.equal("ENOENT", N.err(addr_add, "lo", "10.0.0.1/24", { ns = "nosuch" }).code)
  end)

  it("raises argument errors for wrong types", function()
    assert.has_error(function() addr_add("veth0") end, "bad argument #2 to 'addr_add' (string expected, got no value)")
    assert.has_error(function() addr_add("veth0", "10.0.0.1/8", "blue") end,
      "bad argument #3 to 'addr_add' (table of options expected, got string)")
  end)
end)

describe("addr_del #netns", function()
  after_each(N.wipe)

  it("removes an IPv4 and an IPv6 address", function()
    if not N.needs() then return end
    veth_add("veth0", "veth1")
    addr_add("veth0", "10.1.1.2/24")
    addr_add("veth0", "fd00::1/64", { nodad = true })
    addr_del("veth0", "10.1.1.2/24")
    addr_del("veth0", "fd00::1/64")
    assert.same({}, N.ip_addrs("veth0"))
  end)

  it("removes an IPv4 address named without its prefix length", function()
    if not N.needs() then return end
    veth_add("veth0", "veth1")
    addr_add("veth0", "10.1.1.2/24")
    addr_del("veth0", "10.1.1.2")
    assert.same({}, N.ip_addrs("veth0"))
  end)

  it("fails for an address the link does not have", function()
    if not N.needs() then return end
    veth_add("veth0", "veth1")
    local e = N.err(addr_del, "veth0", "10.1.1.2/24")
    assert.equal("EADDRNOTAVAIL", e.code)
  end)
end)

describe("addr_list #netns", function()
  after_each(N.wipe)

  it("lists addresses that ip added, as records", function()
    if not N.needs() then return end
    ns_add("blue")
    T.sh("ip -n blue link add br0 type bridge && ip -n blue addr add 10.7.0.1/16 dev br0")
    local found
    for _, a in ipairs(addr_list({ ns = "blue" })) do
      if a.dev == "br0" and a.family == "inet" then found = a end
    end
    assert.is_not_nil(found)
    assert.equal("10.7.0.1", found.address)
    assert.equal(16, found.prefixlen)
    assert.equal("10.7.0.1/16", found.cidr)
    assert.equal("global", found.scope)
  end)

  it("keeps to one link with dev", function()
    if not N.needs() then return end
    veth_add("veth0", "veth1")
    addr_add("veth0", "10.1.1.2/24")
    addr_add("veth1", "10.1.1.3/24")
    local list = addr_list({ dev = "veth1" })
    assert.equal(1, #list)
    assert.equal("10.1.1.3/24", list[1].cidr)
    assert.equal("veth1", list[1].dev)
    assert.equal("ENODEV", N.err(addr_list, { dev = "nope" }).code)
  end)

  it("shows lo's addresses in the start namespace", function()
    if not N.needs() then return end
    local cidrs = {}
    for _, a in ipairs(addr_list({ dev = "lo" })) do cidrs[#cidrs + 1] = a.cidr end
    assert.is_true(N.contains(cidrs, "127.0.0.1/8"))
  end)
end)

describe("after the address specs #netns", function()
  it("nothing is left: no namespace, no link but lo", function()
    if not N.needs() then return end
    N.assert_clean()
  end)
end)
