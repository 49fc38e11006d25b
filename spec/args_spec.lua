-- What the primitives take as names and strings: NUL bytes are refused
-- (C would cut the string there), link names are checked as the kernel
-- checks them and no further, strings are checked against the kernel's
-- limits before a request is built.
local T = require "spec.support.util"
local N = require "spec.support.net"

describe("NUL bytes #unit", function()
  it("are refused in every string that goes to the kernel or a path", function()
    T.nsl_error(function() ns_add("a\0b") end, "ns_add: a\\0b: contains a NUL byte")
    T.nsl_error(function() ns_del("a\0x") end, "ns_del: a\\0x: contains a NUL byte")
    T.nsl_error(function() ns_exists("a\0x") end, "ns_exists: a\\0x: contains a NUL byte")
    T.nsl_error(function() addr_add("lo", "10.1.1.1/24\0junk") end,
      "addr_add: 10.1.1.1/24\\0junk: contains a NUL byte")
    T.nsl_error(function() link_set("lo\0x", {}) end, "link_set: lo\\0x: contains a NUL byte")
    T.nsl_error(function() link_set("lo", { alias = "a\0b" }) end,
      "link_set: option 'alias': contains a NUL byte")
    T.nsl_error(function() route_add("10.0.0.0/8\0", {}) end, "route_add: 10.0.0.0/8\\0: contains a NUL byte")
    T.nsl_error(function() sysctl("net.ipv4.ip_forward\0x") end,
      "sysctl: net.ipv4.ip_forward\\0x: contains a NUL byte")
    T.nsl_error(function() sysctl("net.ipv4.ip_forward", "1\0") end,
      "sysctl: net.ipv4.ip_forward: value contains a NUL byte")
    T.nsl_error(function() ns_exec("a\0b", { "true" }) end, "ns_exec: a\\0b: contains a NUL byte")
    T.nsl_error(function() spawn({ "tr\0ue" }) end, "spawn: tr: command word 1 contains a NUL byte")
    T.nsl_error(function() spawn("true\0; reboot") end, "spawn: true\\0; reboot: contains a NUL byte")
    T.nsl_error(function() spawn({ "true" }, { cwd = "/\0tmp" }) end,
      "spawn: option 'cwd': contains a NUL byte")
    T.nsl_error(function() spawn({ "true" }, { env = { A = "x\0y" } }) end,
      "spawn: option 'env': contains a NUL byte")
  end)

  it("make nothing", function()
    if not N.needs() then return end
    pcall(ns_add, "a\0b")
    assert.same({}, ns_list())
  end)
end)

describe("link names #netns", function()
  after_each(N.wipe)

  it("are checked as the kernel checks them: UTF-8 letters pass", function()
    if not N.needs() then return end
    veth_add("ëth0", "w1")
    assert.is_table(N.ip_link("ëth0"))
    assert.equal("ëth0", link_get("ëth0").name)
  end)

  it("refuse what dev_valid_name refuses, kernel's white space included", function()
    if not N.needs() then return end
    for _, bad in ipairs({ "a b", "a\tb", "a/b", "a:b", ".", "..", "", "a\160b", ("x"):rep(16) }) do
      local ok, err = pcall(veth_add, bad, "w1")
      assert.is_false(ok, bad)
      assert.matches("^veth_add: ", tostring(err))
    end
    local ok, err = pcall(veth_add, "a\1b", "w1")   -- a control byte is no space
    assert.is_true(ok or not tostring(err):match("interface name"), tostring(err))
    pcall(link_del, "a\1b")
  end)
end)

describe("string limits #unit", function()
  it("an alias longer than the kernel takes is refused before the request", function()
    T.nsl_error(function() link_set("lo", { alias = ("x"):rep(10000) }) end,
      "link_set: lo: alias longer than 255 bytes", "ENAMETOOLONG")
    T.nsl_error(function() link_set("lo", { alias = ("x"):rep(256) }) end,
      "link_set: lo: alias longer than 255 bytes", "ENAMETOOLONG")
  end)

  it("takes a 255-byte alias", function()
    if not N.needs() then return end
    link_set("lo", { alias = ("y"):rep(255) })
    assert.equal(("y"):rep(255), link_get("lo").alias)
    link_set("lo", { alias = "" })
  end)
end)
