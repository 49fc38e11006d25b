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
  end)

  it("has its own PID namespace: pid 1 is the sandbox's, in the sandbox's network namespace", function()
    if not T.sandboxed() then pending("needs the sandbox: run make check") return end
    -- so link_set_ns(link, 1) stays inside, and no host process is in reach
    assert.equal(T.sh("readlink /proc/self/ns/net").out, T.sh("readlink /proc/1/ns/net").out)
    assert.equal("sandbox\n", T.slurp("/proc/1/comm"))
    local n = select(2, T.sh("ls -d /proc/[0-9]*").out:gsub("\n", ""))
    assert.is_true(n < 50, n .. " processes in reach")
  end)
end)
