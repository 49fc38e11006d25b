-- The sandbox world that make check runs the suite in.
local T = require "spec.support.util"

describe("the test sandbox #netns", function()
  it("has no network but its own loopback", function()
    if not T.need_sandbox() then return end
    local r = T.sh("ls /sys/class/net")
    assert.equal("lo\n", r.out)
    assert.matches("state UNKNOWN", T.sh("ip link show lo").out)
    assert.equal(0, T.sh("ping -c1 -W1 127.0.0.1").code)
  end)

  it("has its own, empty /run/netns", function()
    if not T.need_sandbox() then return end
    assert.equal("", T.sh("ip netns list").out)
    local host = T.sh("readlink /proc/1/ns/net").out
    assert.are_not.equal(host, T.sh("readlink /proc/self/ns/net").out)
  end)
end)
