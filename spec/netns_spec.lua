-- ns_add, ns_del, ns_list, ns_exists on the real kernel, with iproute2 as
-- the witness in both directions.
local T = require "spec.support.util"
local N = require "spec.support.net"

describe("ns_add #netns", function()
  after_each(N.wipe)

  it("creates a namespace that ip netns list shows", function()
    if not N.needs() then return end
    ns_add("blue")
    assert.same({ "blue" }, N.ip_netns())
    assert.equal(0, N.in_ns("blue", "true").code)
  end)

  it("makes a namespace whose only link is lo, and it is down", function()
    if not N.needs() then return end
    ns_add("blue")
    local links = N.ip("link show", "blue")
    assert.equal(1, #links)
    assert.equal("lo", links[1].ifname)
    assert.is_false(N.has_flag(links[1], "UP"))
  end)

  it("keeps /run/netns a shared mount point, as ip netns add does", function()
    if not N.needs() then return end
    ns_add("blue")
    local r = T.sh("findmnt -n -o PROPAGATION --target /run/netns")
    assert.matches("shared", r.out)
    assert.matches("nsfs", T.sh("findmnt -n -o FSTYPE /run/netns/blue").out)
  end)

  it("makes /run/netns again when it was removed after the first namespace", function()
    if not N.needs() then return end
    ns_add("blue")
    ns_del("blue")
    T.sh("umount /run/netns; rmdir /run/netns")
    ns_add("red")
    assert.same({ "red" }, N.ip_netns())
    assert.matches("shared", T.sh("findmnt -n -o PROPAGATION --target /run/netns").out)
  end)

  it("refuses a name that exists with EEXIST and leaves the first namespace alone", function()
    if not N.needs() then return end
    ns_add("blue")
    N.in_ns("blue", "ip link add d0 type bridge")
    local e = N.err(ns_add, "blue")
    assert.equal("ns_add: blue: File exists", tostring(e))
    assert.equal(17, e.errno)
    assert.equal("EEXIST", e.code)
    assert.is_not_nil(N.ip_link("d0", "blue"))
  end)

  it("refuses names with '/', '.', '..', empty or longer than 255 bytes, making nothing", function()
    if not N.needs() then return end
    for _, bad in ipairs({ "a/b", ".", "..", "", string.rep("x", 256) }) do
      local e = N.err(ns_add, bad)
      assert.equal("ns_add", e.primitive)
      assert.is_true(e.code == "EINVAL" or e.code == "ENAMETOOLONG", e.code)
    end
    assert.same({}, N.ip_netns())
    ns_add(string.rep("x", 255))
    assert.is_true(ns_exists(string.rep("x", 255)))
  end)

  it("raises an argument error for a name that is no string", function()
    assert.has_error(function() ns_add({}) end, "bad argument #1 to 'ns_add' (string expected, got table)")
    assert.has_error(function() ns_add() end, "bad argument #1 to 'ns_add' (string expected, got no value)")
  end)

  it("fails cleanly without the privileges, leaving nothing", function()
    if not N.needs() then return end
    if T.sh("command -v setpriv").code ~= 0 then return pending("setpriv is not installed") end
    local r = T.sh("NSL_ROOTLESS=0 setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all " ..
      "--bounding-set=-all " .. T.quote(T.nsl) ..
      " -e 'local ok, e = pcall(ns_add, \"nopriv\"); print(ok, e.code, e)'")
    assert.matches("^false\tE%u+\tns_add: nopriv: ", r.out)
    assert.same({}, N.ip_netns())
  end)

  it("sees namespaces that ip netns add made, and ip sees its own", function()
    if not N.needs() then return end
    assert.equal(0, T.sh("ip netns add byip").code)
    ns_add("bynsl")
    assert.same({ "byip", "bynsl" }, ns_list())
    local names = N.ip_netns()
    table.sort(names)
    assert.same({ "byip", "bynsl" }, names)
    veth_add("v0", "v1", { ns = "byip", peer_ns = "bynsl" })
    assert.is_not_nil(N.ip_link("v0", "byip"))
    assert.is_not_nil(N.ip_link("v1", "bynsl"))
  end)
end)

describe("ns_del #netns", function()
  after_each(N.wipe)

  it("removes the name so that ip netns list no longer shows it", function()
    if not N.needs() then return end
    ns_add("blue")
    ns_del("blue")
    assert.same({}, N.ip_netns())
    assert.is_false(ns_exists("blue"))
  end)

  it("fails with ENOENT the second time", function()
    if not N.needs() then return end
    ns_add("blue")
    ns_del("blue")
    local e = N.err(ns_del, "blue")
    assert.equal("ns_del: blue: no such network namespace", tostring(e))
    assert.equal("ENOENT", e.code)
  end)

  it("deletes a namespace that ip netns add made", function()
    if not N.needs() then return end
    T.sh("ip netns add byip")
    ns_del("byip")
    assert.same({}, N.ip_netns())
  end)

  it("leaves the namespace alive while a process is inside, as ip does", function()
    if not N.needs() then return end
    ns_add("blue")
    N.in_ns("blue", "ip link add keep0 type bridge")
    local pid = T.sh("ip netns exec blue sleep 30 >/dev/null 2>&1 & echo $!").out:match("%d+")
    finally(function() T.sh("kill " .. pid) end)
    -- inside once ip netns exec has become the sleep
    for _ = 1, 100 do
      if (T.slurp("/proc/" .. pid .. "/comm") or "") == "sleep\n" then break end
      T.sh("sleep 0.02")
    end
    ns_del("blue")
    assert.is_false(ns_exists("blue"))
    local r = T.sh("nsenter --net=/proc/" .. pid .. "/ns/net ip -o link show keep0")
    assert.equal(0, r.code, r.err)
    assert.matches("keep0", r.out)
  end)

  it("can make a namespace of the same name again, and nsl talks to the new one", function()
    if not N.needs() then return end
    ns_add("blue")
    bridge_add("old0", { ns = "blue" })
    ns_del("blue")
    ns_add("blue")
    assert.is_nil(N.ip_link("old0", "blue"))
    bridge_add("new0", { ns = "blue" })
    assert.is_not_nil(N.ip_link("new0", "blue"))
    T.sh("ip netns del blue; ip netns add blue")   -- behind nsl's back
    bridge_add("new1", { ns = "blue" })
    assert.is_not_nil(N.ip_link("new1", "blue"))
    assert.is_nil(N.ip_link("new0", "blue"))
  end)
end)

describe("ns_list #netns", function()
  after_each(N.wipe)

  it("is empty when there are no namespaces", function()
    if not N.needs() then return end
    assert.same({}, ns_list())
  end)

  it("returns the names sorted", function()
    if not N.needs() then return end
    for _, n in ipairs({ "c", "a", "b" }) do ns_add(n) end
    assert.same({ "a", "b", "c" }, ns_list())
  end)
end)

describe("ns_exists #netns", function()
  after_each(N.wipe)

  it("is true for a namespace and false for a name that is not one", function()
    if not N.needs() then return end
    ns_add("blue")
    assert.is_true(ns_exists("blue"))
    assert.is_false(ns_exists("red"))
    T.sh("touch /run/netns/plainfile")
    assert.is_false(ns_exists("plainfile"))
    T.sh("rm -f /run/netns/plainfile")
  end)

  it("refuses an invalid name", function()
    local e = N.err(ns_exists, "a/b")
    assert.equal("EINVAL", e.code)
  end)
end)

describe("the namespace socket cache #netns", function()
  after_each(N.wipe)

  it("serves many more namespaces than open files allow", function()
    if not N.needs() then return end
    local script = [[
      for i = 1, 300 do ns_add("c" .. i); link_set("lo", { up = true, ns = "c" .. i }) end
      for i = 1, 300 do assert(link_get("lo", { ns = "c" .. i }).up) end
      for i = 1, 300 do ns_del("c" .. i) end
      print("ok")
    ]]
    local r = T.sh("ulimit -n 64; " .. T.quote(T.nsl) .. " -e " .. T.quote(script))
    assert.equal(0, r.code, r.err)
    assert.equal("ok\n", r.out)
  end)

  it("keeps the process in the namespace it started in", function()
    if not N.needs() then return end
    -- $PPID of the shell is this nsl process
    local before = T.sh("readlink /proc/$PPID/ns/net").out
    ns_add("blue")
    link_set("lo", { up = true, ns = "blue" })
    sysctl("net.ipv4.ip_forward", "1", { ns = "blue" })
    assert.equal(before, T.sh("readlink /proc/$PPID/ns/net").out)
  end)
end)

describe("after the namespace specs #netns", function()
  it("nothing is left: no namespace, no link but lo", function()
    if not N.needs() then return end
    N.assert_clean()
  end)
end)
